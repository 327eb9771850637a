"""Score the walks whose spread is estimated from their own past errors (`rw-cal`, `epoch-cal`).

Run from the repository root (under a minute; no sampler)::

    python validation/calibrated_walks.py            # score, merge into the saved evaluations, report
    python validation/calibrated_walks.py --report   # only rewrite the report

The protocol, committed before any score: ``validation/protocols/calibrated_walks.md``. Each
saved evaluation (hyperscaler and GPU-cloud on-demand prices, the four chip trends, the pooled
cloud trend) gets the two models' rows at its own cut-offs, seed and number of draws
(:func:`scaling.hardware.evaluation.merge_evaluations`: nothing else is refitted), and issue 20's
rule is applied to the calibrated version of each target's default walk. Writes
``validation/results/calibrated_walks.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scaling.hardware.evaluation import evaluate, load_evaluation, merge_evaluations  # noqa: E402
from scaling.hardware.evaluation_report import GOAL50, GOAL90, verdict  # noqa: E402

OUT = ROOT / "validation" / "results"
MD = OUT / "calibrated_walks.md"
NEW = ("rw-cal", "epoch-cal")
#: Baselines a forecast can ship (``rw-seen`` prices no new buyer): the rule's comparison.
SHIPPABLE = ("nochange", "rw", "ols", "epoch")
#: (label, saved evaluation, target keywords, the target's current default walk or None).
TARGETS = [
    ("hyperscaler on-demand", "evaluation_hyperscaler.csv.gz", {"series": "hyperscaler-on-demand"}, "rw"),
    ("GPU-cloud on-demand", "evaluation_gpu-cloud-on-demand.csv.gz", {"series": "gpu-cloud-on-demand"}, "epoch"),
    ("FLOP/s per $ (tensor16)", "trend_calibration_flops_per_usd_tensor16.csv",
     {"metric": "flops_per_usd", "precision": "tensor16"}, "epoch"),
    ("FLOP/s per W (tensor16)", "trend_calibration_flops_per_watt_tensor16.csv",
     {"metric": "flops_per_watt", "precision": "tensor16"}, "epoch"),
    ("FLOP/s per $ (fp32)", "trend_calibration_flops_per_usd_fp32.csv",
     {"metric": "flops_per_usd", "precision": "fp32"}, "epoch"),
    ("FLOP/s per W (fp32)", "trend_calibration_flops_per_watt_fp32.csv",
     {"metric": "flops_per_watt", "precision": "fp32"}, "epoch"),
    ("cloud FLOP per $ (pooled)", "evaluation_pooled.csv.gz", {"series": "pooled"}, None),
]


def add_models() -> None:
    """Score :data:`NEW` at each saved evaluation's cut-offs and merge the rows in."""
    for label, name, target, _ in TARGETS:
        path = OUT / name
        old = load_evaluation(path)
        missing = [m for m in NEW if m not in old.models]
        if not missing:
            print(f"{name}: already scores {', '.join(NEW)}", flush=True)
            continue
        t = time.perf_counter()
        new = evaluate(**target, cutoffs=old.settings["cutoffs"], models=",".join(missing), seed=old.seed,
                       n_draws=int(old.settings["n_draws"]))
        new = dataclasses.replace(new, timings={"wall_seconds": round(time.perf_counter() - t, 1)})
        merge_evaluations(old, new).save(path)
        print(f"{name}: added {', '.join(missing)} in {new.timings['wall_seconds']} s", flush=True)


def p_goal(n: int) -> float:
    """The probability that a perfectly calibrated model's pooled coverage of ``n`` independent
    observations meets the goal (:data:`GOAL90`, :data:`GOAL50`): the counts inside the 50%
    interval, inside the 90% but not the 50%, and outside, multinomial (0.5, 0.4, 0.1)."""
    from scipy import stats

    a = np.arange(n + 1)
    pa = stats.binom.pmf(a, n, 0.5)  # inside the 50% interval
    total = 0.0
    for ai in a[(a / n >= GOAL50[0] - 1e-12) & (a / n <= GOAL50[1] + 1e-12)]:
        rest = n - ai
        b = np.arange(rest + 1)  # inside the 90% interval but not the 50%: binomial(rest, 0.4 / 0.5)
        inside = (ai + b) / n
        ok = (inside >= GOAL90[0] - 1e-12) & (inside <= GOAL90[1] + 1e-12)
        total += pa[ai] * stats.binom.pmf(b[ok], rest, 0.8).sum()
    return float(total)


def p_goal_shared(res, model: str, n_rep: int = 2000, n_marginal: int = 20000, seed: int = 0) -> float:
    """The probability that the walk ``model`` of evaluation ``res``, were it exactly right, meets the
    coverage goal on the same later observations, its errors shared as the walk shares them.

    Per replicate and cut-off: one drift (an Epoch doubling time for ``epoch``), one path of the
    level's walk (Brownian, scale omega, from the reference date) and each observation's own scatter
    (normal, or Student t for a calibrated walk) make the truth; it is covered when it lies in the
    walk's central 50% / 90% predictive interval of its horizon (the marginal the evaluation scores,
    by ``n_marginal`` draws). Pooled over the cut-offs (taken as independent) as the evaluation pools.
    Chip or provider effects shared by several observations are left out, so the true probability is
    lower still.
    """
    from scaling._dates import decimal_year
    from scaling.hardware.walks import epoch_slope_draws

    rng = np.random.default_rng(seed)
    test = res.test_rows(include_unconverged=True)
    test = test.loc[test["model"] == model]
    fits = res.fits.loc[res.fits["model"] == model].set_index("cutoff")
    c50 = np.zeros(n_rep)
    c90 = np.zeros(n_rep)
    for cut, rows in test.groupby("cutoff"):
        f = fits.loc[cut]
        cal = model.endswith("-cal") and not bool(f["spread_fallback"])
        k = float(f["spread_k"]) if cal else 1.0
        nu = float(f["spread_nu"]) if cal else float("inf")
        s0, om = k * float(f["sd"]), k * float(f["walk_scale"])
        h = np.maximum(decimal_year(pd.to_datetime(rows["date"])) - float(f["t_ref"]), 0.0)
        u, idx = np.unique(h, return_inverse=True)

        def slopes(n):
            if model.startswith("epoch"):
                return epoch_slope_draws(res.settings["metric"], rng, n)
            return np.full(n, float(f["drift_per_year"]))

        def scatter(shape):
            return s0 * (rng.standard_t(nu, size=shape) if np.isfinite(nu) else rng.standard_normal(shape))

        marg = slopes(n_marginal)[:, None] * u[None, :] + om * np.sqrt(u)[None, :] * rng.standard_normal(
            (n_marginal, len(u))) + scatter((n_marginal, len(u)))
        lo50, hi50, lo90, hi90 = np.quantile(marg, [0.25, 0.75, 0.05, 0.95], axis=0)
        steps = np.sqrt(np.diff(u, prepend=0.0)) * om
        path = np.cumsum(steps[None, :] * rng.standard_normal((n_rep, len(u))), axis=1)
        y = slopes(n_rep)[:, None] * h[None, :] + path[:, idx] + scatter((n_rep, len(h)))
        c50 += ((y >= lo50[idx]) & (y <= hi50[idx])).sum(axis=1)
        c90 += ((y >= lo90[idx]) & (y <= hi90[idx])).sum(axis=1)
    n = len(test)
    ok = (c90 / n >= GOAL90[0]) & (c90 / n <= GOAL90[1]) & (c50 / n >= GOAL50[0]) & (c50 / n <= GOAL50[1])
    return float(ok.mean())


def _cell(s, m) -> str:
    if m not in s.index:
        return "-"
    r = s.loc[m]
    return f"{r['crps']:.3f} / {r['coverage50']:.0%} / {r['coverage90']:.0%}"


def report() -> str:
    from scaling.hardware.nested_rule import nested_scores

    lines = ["# Walks with a spread estimated from their own past errors (issue 20)", "",
             "Written by `python validation/calibrated_walks.py`; protocol (committed before any score): "
             "`validation/protocols/calibrated_walks.md`. `rw-cal` and `epoch-cal` are `rw` and `epoch` with "
             "their spread scaled by k and the new observation's scatter a Student t with nu degrees of freedom, "
             "(k, nu) by maximum likelihood of the walk's own errors at quarterly pseudo-origins before each "
             "cut-off (`scaling.hardware.walk_spread`; data before the cut-off only). Not a locked test: the "
             "parents' coverage was known when the idea was chosen.", "",
             "Rule (issue 20's): the calibrated version of a target's default walk replaces it only if its "
             "pooled CRPS beats the best baseline a forecast can ship (" + ", ".join(f"`{b}`" for b in SHIPPABLE)
             + ") with a 90% cluster-bootstrap interval below zero. Cells: CRPS (dex) / 50% coverage / 90% "
             f"coverage, pooled over the cut-offs, every fit. Goal: 90% coverage {GOAL90[0]:.0%}-{GOAL90[1]:.0%}, "
             f"50% coverage {GOAL50[0]:.0%}-{GOAL50[1]:.0%}. *P(goal) if calibrated*: the probability that a "
             "perfectly calibrated model meets the goal on this many later observations, were they independent "
             "(shared errors only lower it); *shared walk*: the same for the shipped walk with its errors "
             "shared as the walk shares them (one drift and one path of the level per cut-off; "
             "`p_goal_shared`, 2,000 replicates; chip and provider effects left out, which would lower it "
             "further).", "",
             "| target | default walk | its calibrated version | default | rw-cal | epoch-cal | best shippable "
             "baseline | candidate minus it, CRPS [90%] | adopted | goal met by the candidate | later obs. | "
             "P(goal) if calibrated | shipped walk: P(goal) if calibrated, shared walk |", "|" + "---|" * 13]
    fits_lines = ["", "## The estimated spread at each cut-off", "",
                  "k: the factor on the parent's spread; nu: the scatter's degrees of freedom (inf: normal); "
                  "errors / pseudo-origins they came from; *parent*: too few errors (fewer than 12, or fewer than "
                  "2 pseudo-origins), so k 1, nu inf.", "",
                  "| target | model | cut-off | k | nu | errors | pseudo-origins |", "|---|---|---|---|---|---|---|"]
    nested, shipped = [], []
    for label, name, _, default in TARGETS:
        res = load_evaluation(OUT / name)
        if not all(m in res.models for m in NEW):
            lines.append(f"| {label} | (not scored: run without --report) |" + " |" * 10)
            continue
        s = res.scores(include_unconverged=True)
        cand = f"{default}-cal" if default else str(s.loc[list(NEW), "crps"].idxmin())
        v = verdict(res, cand, include_unconverged=True, baselines=SHIPPABLE)
        n = int(s.loc[cand, "n_test"])
        ship = (cand if v["beats"] else default) if default else None
        if default:
            r = s.loc[ship]
            ok = GOAL90[0] <= r["coverage90"] <= GOAL90[1] and GOAL50[0] <= r["coverage50"] <= GOAL50[1]
            shipped.append((label, ship, r["coverage50"], r["coverage90"], ok, v["beats"], p_goal_shared(res, ship)))
        lines.append(f"| {label} | {default or '- (a Bayesian trend)'} | {cand} | "
                     f"{_cell(s, default) if default else '-'} | {_cell(s, 'rw-cal')} | {_cell(s, 'epoch-cal')} | "
                     f"{v['baseline']} | {v['mean']:+.3f} [{v['lower']:+.3f}, {v['upper']:+.3f}] | "
                     f"{'yes' if v['beats'] else 'no'} | {'yes' if v['coverage_ok'] else 'no'} | {n} | "
                     f"{p_goal(n):.2f} | {f'`{ship}` {shipped[-1][6]:.2f}' if ship else '-'} |")
        f = res.fits.loc[res.fits["model"].isin(NEW)].sort_values(["model", "cutoff"])
        for _, r in f.iterrows():
            if bool(r["spread_fallback"]):
                fits_lines.append(f"| {label} | {r['model']} | {r['cutoff']} | parent | parent | "
                                  f"{int(r['spread_n_errors'])} | {int(r['spread_n_origins'])} |")
            else:
                nu = float(r["spread_nu"])
                fits_lines.append(f"| {label} | {r['model']} | {r['cutoff']} | {float(r['spread_k']):.2f} | "
                                  f"{'inf' if not np.isfinite(nu) else f'{nu:.1f}'} | {int(r['spread_n_errors'])} | "
                                  f"{int(r['spread_n_origins'])} |")
        nested.append((label, res, cand))
    both = float(np.prod([x[6] for x in shipped]))
    lines += ["", "**Outcome.** The default walk of each target after the rule, and whether its pooled coverage "
              "meets the goal (50% / 90%): " + "; ".join(
                  f"{label}: `{ship}`{' (adopted)' if adopted else ''} {c50:.0%} / {c90:.0%}, "
                  f"{'met' if ok else 'not met'}" for label, ship, c50, c90, ok, adopted, _ in shipped) + ". "
              f"Were every shipped walk exactly right, each would meet the goal on these data with the "
              f"probability in the last column, and all {len(shipped)} of them with about {both:.3f} (as if "
              "independent): the goal, applied to every default at once, is not a test a calibrated model "
              "passes, and its misses here say less than the paired CRPS differences do."]
    lines += fits_lines
    lines += ["", "## The rule with the evidence of each day (nested)", "",
              "As `scaling.hardware.nested_rule`: at each cut-off the candidate is set against the best baseline "
              "with only the earlier cut-offs' observations dated before it (every baseline, `rw-seen` included, "
              "as the hardware page's nested table), and the choice is scored on that cut-off's later data.", "",
              "| target | candidate | choice at each cut-off | nested: CRPS / cov. 50% / 90% | the candidate alone | "
              "rows |", "|---|---|---|---|---|---|"]
    for label, res, cand in nested:
        ns = nested_scores(res, cand)
        picks = "; ".join(f"{c[:7]}: {'-' if ch is None or ch != ch else ch}"
                          for c, ch in zip(ns["choices"]["cutoff"], ns["choices"]["choice"]))

        def cell(d):
            return "-" if not d["n_rows"] else f"{d['crps']:.3f} / {d['coverage50']:.0%} / {d['coverage90']:.0%}"

        lines.append(f"| {label} | {cand} | {picks} | {cell(ns['nested'])} | {cell(ns[cand])} | "
                     f"{ns['nested']['n_rows']} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--report", action="store_true", help="only rewrite the report from the saved evaluations")
    args = ap.parse_args(argv)
    if not args.report:
        add_models()
    MD.write_text(report(), encoding="utf-8")
    print(f"wrote {MD}")


if __name__ == "__main__":
    main()
