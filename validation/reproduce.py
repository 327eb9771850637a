"""Does a rerun reproduce an evaluation? Compare two evaluation CSVs (issue 20).

Run from the repository root::

    git show main:validation/results/evaluation_hyperscaler.csv.gz > committed.csv.gz
    python validation/evaluation.py                 # the rerun (writes validation/results/...)
    python validation/reproduce.py committed.csv.gz validation/results/evaluation_hyperscaler.csv.gz

Reads two files written by :meth:`scaling.hardware.evaluation.EvaluationResult.save` (the
committed one first, the rerun second) and prints, as markdown:

* per model, the scores pooled over every test row (every fit, converged or not, as the
  report's second table): CRPS, interval scores 50% and 90% (dex), log score (nats),
  coverage of the 50% and 90% intervals, and the largest per-cut-off CRPS difference;
* per fit (cut-off x model), the convergence flag and what sets it: max R-hat, min bulk ESS,
  divergent transitions (thresholds of :mod:`scaling.hardware.evaluation`: R-hat <= 1.01, bulk
  ESS >= 400, <= 1% divergent);
* the verdict of the report (:func:`scaling.hardware.evaluation_markdown`): the best baseline
  and, for each Bayesian model, whether it beats it, loses to it, or is not distinguishable
  from it on CRPS (paired difference, 90% cluster-bootstrap interval, seed 0).

The rerun reproduces the committed result (issue 20's done-when: "same flags, scores within
0.01 dex") when every pooled CRPS and interval score is within ``--tol`` dex (default 0.01),
each model scores the same number of test rows, every fit's convergence flag is the same, and
the verdict is the same. Exit status: 0 reproduced, 1 not reproduced, 2 bad input.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scaling.errors import ScalingError  # noqa: E402
from scaling.hardware.evaluation import EvaluationResult, load_evaluation  # noqa: E402

#: Pooled scores in dex, held to the tolerance.
GATED = ("crps", "is50", "is90")
#: Pooled scores reported beside them (log score in nats, coverage as a fraction).
REPORTED = ("log_score", "coverage50", "coverage90")
BAYESIAN = ("panel", "panel-forecast", "trend")
TOL_DEX = 0.01


def pooled_differences(committed: EvaluationResult, fresh: EvaluationResult) -> pd.DataFrame:
    """Per model: pooled scores of both runs (every fit) and ``fresh - committed``.

    Columns ``n_test_committed, n_test_fresh``, then for each score ``s`` of
    :data:`GATED` and :data:`REPORTED` the columns ``s_committed, s_fresh, d_s``, and
    ``d_crps_cutoff_max`` (the largest absolute per-cut-off CRPS difference). A model in one
    file only has NaN for the other.
    """
    a, b = committed.scores(include_unconverged=True), fresh.scores(include_unconverged=True)
    models = list(dict.fromkeys([*a.index, *b.index]))
    a, b = a.reindex(models), b.reindex(models)
    out = pd.DataFrame({"n_test_committed": a["n_test"], "n_test_fresh": b["n_test"]}, index=models)
    for s in (*GATED, *REPORTED):
        out[f"{s}_committed"], out[f"{s}_fresh"] = a[s], b[s]
        out[f"d_{s}"] = b[s] - a[s]
    ca = committed.scores(include_unconverged=True, by="cutoff")["crps"]
    cb = fresh.scores(include_unconverged=True, by="cutoff")["crps"]
    per_cut = (cb - ca).abs().groupby(level="model").max()
    out["d_crps_cutoff_max"] = per_cut.reindex(models)
    out.index.name = "model"
    return out


def fit_differences(committed: EvaluationResult, fresh: EvaluationResult) -> pd.DataFrame:
    """Per fit (cut-off x model, from the files' metadata): the convergence flag and its
    diagnostics in both runs, and ``flag_differs`` (a fit missing from one run differs)."""
    cols = ["converged", "r_hat_max", "ess_bulk_min", "divergences"]

    def table(res):
        f = res.fits
        if not len(f):
            return pd.DataFrame(columns=cols, index=pd.MultiIndex.from_tuples([], names=["cutoff", "model"]))
        f = f.assign(**{c: f[c] if c in f else float("nan") for c in cols})
        return f.set_index(["cutoff", "model"])[cols]

    a, b = table(committed), table(fresh)
    out = a.add_suffix("_committed").join(b.add_suffix("_fresh"), how="outer")
    ca, cb = out["converged_committed"], out["converged_fresh"]
    out["flag_differs"] = ca.isna() | cb.isna() | (ca.astype(object) != cb.astype(object))
    return out.reset_index()


def verdict(res: EvaluationResult) -> dict:
    """The report's verdict: ``{"best baseline": name, model: word}`` for each Bayesian model,
    ``word`` one of ``beats``, ``loses to``, ``is not distinguishable from`` (paired CRPS
    difference against the best baseline, 90% cluster-bootstrap interval, 2,000 resamples,
    seed 0; every fit when some fit is flagged, as the report does)."""
    try:
        best = res.best_baseline()
    except ScalingError:
        return {}
    every_fit = any(res.n_excluded().values())
    p = res.paired("crps", [best], include_unconverged=every_fit)
    out = {"best baseline": best}
    for _, r in p.iterrows():
        if r["model"] in BAYESIAN and r["n_rows"]:
            out[r["model"]] = ("beats" if r["upper"] < 0 else "loses to" if r["lower"] > 0
                               else "is not distinguishable from")
    return out


@dataclass(frozen=True)
class Comparison:
    """Two evaluations compared: pooled scores, fits, verdicts and what differs beyond ``tol``."""

    scores: pd.DataFrame
    fits: pd.DataFrame
    verdict_committed: dict
    verdict_fresh: dict
    tol: float
    problems: list = field(default_factory=list)

    @property
    def reproduced(self) -> bool:
        return not self.problems


def compare(committed: EvaluationResult, fresh: EvaluationResult, tol: float = TOL_DEX) -> Comparison:
    """Compare a rerun (``fresh``) with the ``committed`` evaluation (module docstring)."""
    if not (isinstance(tol, (int, float)) and math.isfinite(tol) and tol >= 0):
        raise ScalingError(f"tol={tol!r} is not allowed; give a finite number of dex >= 0")
    scores = pooled_differences(committed, fresh)
    fits = fit_differences(committed, fresh)
    va, vb = verdict(committed), verdict(fresh)
    problems = []
    for m, r in scores.iterrows():
        if r["n_test_committed"] != r["n_test_fresh"]:
            problems.append(f"{m}: {r['n_test_committed']} test rows committed, {r['n_test_fresh']} fresh")
            continue
        for s in GATED:
            d = r[f"d_{s}"]
            if not abs(d) <= tol:
                problems.append(f"{m}: pooled {s} differs by {d:+.4f} dex (tolerance {tol})")
    for _, r in fits.loc[fits["flag_differs"]].iterrows():
        problems.append(f"{r['cutoff']} {r['model']}: converged {r['converged_committed']} committed, "
                        f"{r['converged_fresh']} fresh")
    for k in dict.fromkeys([*va, *vb]):
        if va.get(k) != vb.get(k):
            problems.append(f"verdict {k}: {va.get(k)!r} committed, {vb.get(k)!r} fresh")
    return Comparison(scores=scores, fits=fits, verdict_committed=va, verdict_fresh=vb, tol=tol, problems=problems)


def _num(x, fmt: str) -> str:
    return "-" if x is None or (isinstance(x, float) and not math.isfinite(x)) else format(x, fmt)


def _flag(x) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else ("yes" if bool(x) else "no")


def markdown(c: Comparison) -> str:
    """The comparison as markdown tables (scores, fits, verdicts, outcome)."""
    lines = ["| model | test rows | CRPS committed | CRPS fresh | CRPS diff (dex) | IS50 diff | IS90 diff | "
             "log score diff | coverage 50% committed / fresh | coverage 90% committed / fresh | "
             "max per-cut-off CRPS diff |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for m, r in c.scores.iterrows():
        lines.append(
            f"| {m} | {_num(r['n_test_fresh'], '.0f')} | {_num(r['crps_committed'], '.4f')} "
            f"| {_num(r['crps_fresh'], '.4f')} | {_num(r['d_crps'], '+.4f')} | {_num(r['d_is50'], '+.4f')} "
            f"| {_num(r['d_is90'], '+.4f')} | {_num(r['d_log_score'], '+.3f')} "
            f"| {_num(r['coverage50_committed'], '.1%')} / {_num(r['coverage50_fresh'], '.1%')} "
            f"| {_num(r['coverage90_committed'], '.1%')} / {_num(r['coverage90_fresh'], '.1%')} "
            f"| {_num(r['d_crps_cutoff_max'], '.4f')} |")
    bayes = c.fits.loc[c.fits["model"].isin(BAYESIAN) | c.fits["flag_differs"]]
    if len(bayes):
        lines += ["", "| cut-off | model | converged committed / fresh | max R-hat committed / fresh | "
                  "min bulk ESS committed / fresh | divergences committed / fresh |", "|---|---|---|---|---|---|"]
        for _, r in bayes.iterrows():
            lines.append(
                f"| {r['cutoff']} | {r['model']} | {_flag(r['converged_committed'])} / {_flag(r['converged_fresh'])} "
                f"| {_num(r['r_hat_max_committed'], '.3f')} / {_num(r['r_hat_max_fresh'], '.3f')} "
                f"| {_num(r['ess_bulk_min_committed'], '.0f')} / {_num(r['ess_bulk_min_fresh'], '.0f')} "
                f"| {_num(r['divergences_committed'], '.0f')} / {_num(r['divergences_fresh'], '.0f')} |")
    n_other = int((~c.fits["model"].isin(BAYESIAN)).sum())
    same = int((~c.fits["flag_differs"] & ~c.fits["model"].isin(BAYESIAN)).sum())
    lines += ["", f"Baseline fits with the same flag: {same} of {n_other}.", ""]
    for name, v in (("committed", c.verdict_committed), ("fresh", c.verdict_fresh)):
        words = "; ".join(f"`{m}` {w} `{v['best baseline']}`" for m, w in v.items() if m != "best baseline")
        lines.append(f"Verdict, {name}: best baseline `{v.get('best baseline', '-')}`; {words or 'no Bayesian model'}.")
    lines.append("")
    if c.reproduced:
        lines.append(f"**Reproduced**: every pooled CRPS and interval score within {c.tol} dex, the same test "
                     "rows, the same convergence flags and the same verdict.")
    else:
        lines += ["**Not reproduced**:", ""] + [f"- {p}" for p in c.problems]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("committed", help="the committed evaluation CSV")
    ap.add_argument("fresh", help="the rerun's evaluation CSV")
    ap.add_argument("--tol", type=float, default=TOL_DEX, help="largest allowed |difference| of a pooled "
                    "CRPS or interval score, dex (default 0.01)")
    args = ap.parse_args(argv)
    try:
        a, b = load_evaluation(args.committed), load_evaluation(args.fresh)
        c = compare(a, b, tol=args.tol)
    except (ScalingError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    cpus = [r.versions.get("cpu", "not recorded") for r in (a, b)]
    print(f"CPU: committed {cpus[0]}, fresh {cpus[1]}.\n")
    print(markdown(c), end="")
    return 0 if c.reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
