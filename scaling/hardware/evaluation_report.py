"""The markdown report of a forecast evaluation (:mod:`scaling.hardware.evaluation`)."""

from __future__ import annotations

from .._format import format_fixed
from ..errors import ScalingError

__all__ = ["evaluation_markdown", "verdict", "verdicts_markdown", "GOAL50", "GOAL90"]

#: The coverage goals of issue 20 (pooled over the cut-offs): 90% intervals 80-97%, 50% intervals 40-60%.
GOAL90, GOAL50 = (0.80, 0.97), (0.40, 0.60)

_MODELS_TEXT = (
    "Models: `panel`, the hierarchical price panel fitted on every cloud price before the cut-off, "
    "predicting each later price with the posterior effect of its chip and provider where they were priced "
    "before the cut-off (a new one: a draw from the population of effects); `panel-forecast`, the same fit "
    "as the cost forecast draws the series (the segment's line, the walk and a new buyer's scatter, whoever "
    "the chip and provider); `trend`, the Bayesian robust line of a chip trend with the level's walk over yearly periods (the horizon discrepancy), `trend-static` the same line without it; `ols`, least squares on the "
    "population's own points before the cut-off (t predictive interval); `nochange`, the median and sd of "
    "the last year's log prices, at every horizon; `rw`, a random walk with drift from there (drift: the "
    "panel's purchase-price slope prior for a price series, the least-squares slope for a chip trend; "
    "variance growing as s0^2 + omega^2 h with omega from the past year-to-year changes); `epoch`, the "
    "same walk with Epoch's published drift: FLOP per $ doubling every 2.1-2.46 years (Hobbhahn, Heim & Aydos "
    "2023; Hobbhahn & Besiroglu 2022), FLOP/s per W every 3.0 years (Hobbhahn, Heim & Aydos 2023) -- rates "
    "published in 2022-2023 from chips up to then, so at earlier cut-offs `epoch` has seen part of what it "
    "forecasts; `rw-seen`, `rw` conditioned as `panel` is: a later price of a chip at a "
    "provider priced before the cut-off starts from that pair's last price (spread: the pairs' own scatter "
    "plus the walk). Known limitations: the other baselines and the chip `trend` ignore which chip or "
    "provider a price belongs to; a chip trend has one point per chip, so there is nothing to condition on."
)
def _unit(settings: dict) -> str:
    metric, precision = settings.get("metric"), settings.get("precision", "")
    if metric == "flops_per_usd":
        return f"log10 of peak {precision} FLOP/s per $ of release price"
    if metric == "flops_per_watt":
        return f"log10 of peak {precision} FLOP/s per W of TDP"
    return "log10 of peak tensor FLOP per $"


def _is_chip(res) -> bool:
    return res.settings.get("metric") in ("flops_per_usd", "flops_per_watt")


def _f(x, digits=3) -> str:
    """A score with ``digits`` decimals; None or not finite: '-' (scaling._format)."""
    return format_fixed(x, digits, inf=None)


def _scores_table(res, include_unconverged: bool) -> list[str]:
    s = res.scores(include_unconverged)
    lines = ["| model | test rows | cut-offs | CRPS (dex) | log score | interval score 50% | interval score 90% "
             "| coverage 50% | coverage 90% | median abs. error (dex) |", "|---|---|---|---|---|---|---|---|---|---|"]
    for m, r in s.iterrows():
        lines.append(f"| {m} | {int(r['n_test'])} | {int(r['n_cutoffs'])} | {_f(r['crps'])} | {_f(r['log_score'], 2)} "
                     f"| {_f(r['is50'], 2)} | {_f(r['is90'], 2)} | {r['coverage50']:.0%} | {r['coverage90']:.0%} "
                     f"| {_f(r['median_abs_error'])} |")
    return lines


def _paired_table(res, include_unconverged: bool) -> tuple[list[str], str]:
    """Paired CRPS and 90% interval-score differences against the best baseline, and the verdict."""
    try:
        best = res.best_baseline()
    except ScalingError:
        return [], ""
    later, clusters = ("chips", "chips") if _is_chip(res) else ("prices", "chip x provider clusters")
    lines = [f"Paired differences against the best baseline, **{best}** (model minus baseline on the same "
             f"later {later}; < 0: the model is better), mean and 90% cluster-bootstrap interval "
             f"(2,000 resamples of {clusters}, seed 0):", "",
             "| model | CRPS difference [90%] | interval score 90% difference [90%] | rows | clusters |",
             "|---|---|---|---|---|"]
    crps = res.paired("crps", [best], include_unconverged=include_unconverged)
    is90 = res.paired("is90", [best], include_unconverged=include_unconverged)
    verdict = []
    for (_, a), (_, b) in zip(crps.iterrows(), is90.iterrows()):
        lines.append(f"| {a['model']} | {a['mean']:+.3f} [{a['lower']:+.3f}, {a['upper']:+.3f}] "
                     f"| {b['mean']:+.3f} [{b['lower']:+.3f}, {b['upper']:+.3f}] | {a['n_rows']} | {a['n_clusters']} |")
        if a["model"].startswith(("panel", "trend")) and a["n_rows"]:
            word = ("beats" if a["upper"] < 0 else "loses to" if a["lower"] > 0 else "is not distinguishable from")
            verdict.append(f"`{a['model']}` {word} `{best}` on CRPS ({a['mean']:+.3f} dex [{a['lower']:+.3f}, "
                           f"{a['upper']:+.3f}] over {a['n_rows']} {later})")
    return lines, "; ".join(verdict)


def evaluation_markdown(res, title: str | None = None, heading: str = "##") -> str:
    """The report of an evaluation: scores per model, paired differences against the best
    baseline, PIT counts by horizon and the Bayesian fits' diagnostics, every number computed
    from ``res`` (a result of :func:`evaluate` or :func:`load_evaluation`)."""
    st = res.settings
    v = res.versions
    ex = {m: n for m, n in res.n_excluded().items() if n}
    lines = [f"{heading} {title or 'Scored against baselines: ' + st.get('target', '')}", "",
             f"Every model fitted on the data dated before each cut-off ({', '.join(st.get('cutoffs', []))}) and "
             f"scored on every later observation of {st.get('target')} ({_unit(st)}; "
             "`scaling.hardware.evaluation`, `scaling backtest`). CRPS: mean continuous ranked probability "
             "score of the predictive draws (Gneiting & Raftery 2007, eq. 21), dex; log score: minus the log of a "
             "Gaussian kernel density of the draws at the price (nats); interval scores in dex; lower is better "
             "for all. Versions: " + ", ".join(f"{k} {x}" for k, x in v.items()) + ".", ""]
    lines += [_MODELS_TEXT, ""]
    if ex:
        lines += ["Fits flagged as not converged (R-hat > 1.01, bulk ESS < 400 or > 1% divergent transitions) "
                  "are left out of the first table: " + ", ".join(f"{m}: {n} test rows" for m, n in ex.items())
                  + ". The second table scores every fit.", ""]
    lines += _scores_table(res, False) + [""]
    if ex:
        lines += ["Every fit, converged or not:", ""] + _scores_table(res, True) + [""]
    paired, verdict = _paired_table(res, include_unconverged=bool(ex))
    if paired:
        lines += paired + [""]
        if verdict:
            lines += [f"**Verdict** (every fit): {verdict}." if ex else f"**Verdict**: {verdict}.", ""]
        fits = res.fits.loc[res.fits["model"].isin(["panel", "panel-forecast", "trend", "trend-static"])] if len(res.fits) else res.fits
        if ex and len(fits) and not fits["converged"].astype(bool).any():
            lines += ["None of the Bayesian fits passes the convergence thresholds, so the Bayesian models' "
                      "scores come from unconverged fits: confirm them with longer chains (``--draws``, "
                      "``--tune``) before relying on the verdict.", ""]
    by = res.scores(include_unconverged=True, by="cutoff")["crps"].unstack("model")
    cols = [m for m in res.models if m in by.columns]
    lines += ["CRPS (dex) per cut-off, every fit:", "", "| cut-off | " + " | ".join(cols) + " |",
              "|---|" + "---|" * len(cols)]
    for c, r in by[cols].iterrows():
        lines.append(f"| {c} | " + " | ".join(_f(r[m]) for m in cols) + " |")
    lines.append("")
    pit = res.pit_counts(bins=5, include_unconverged=bool(ex))
    lines += ["PIT counts (share of predictive draws below the price; a calibrated model fills the five bins "
              "evenly; piles at the ends: intervals too narrow, or biased) by years after the cut-off:", "",
              "| model | horizon | " + " | ".join(pit.columns) + " |", "|---|---|" + "---|" * len(pit.columns)]
    for (m, h), r in pit.iterrows():
        lines.append(f"| {m} | {h} | " + " | ".join(str(int(x)) for x in r) + " |")
    bayes = res.fits.loc[res.fits["model"].isin(["panel", "trend", "trend-static"])] if len(res.fits) else res.fits
    if len(bayes):
        lines += ["", "Bayesian fits:", "", "| cut-off | model | observations before | max R-hat | min bulk ESS | "
                  "divergences | seconds | converged |", "|---|---|---|---|---|---|---|---|"]
        for _, r in bayes.iterrows():
            lines.append(f"| {r['cutoff']} | {r['model']} | {int(r['n_train'])} | {_f(r['r_hat_max'])} "
                         f"| {_f(r['ess_bulk_min'], 0)} | {int(r['divergences'])} | {_f(r['seconds'], 0)} "
                         f"| {'yes' if r['converged'] else 'no'} |")
    return "\n".join(lines) + "\n"


def verdict(res, model: str, include_unconverged: bool = True, baselines=None) -> dict:
    """The rule of issue 20 for one model of an evaluation ``res``.

    Does ``model`` beat the best baseline (lowest mean CRPS of :data:`BASELINES` other than
    ``model``) on CRPS, the paired mean difference's 90% cluster-bootstrap interval lying below zero
    (:meth:`~EvaluationResult.paired`, 2,000 resamples, seed 0)? Are its 90% and 50% coverages,
    pooled over the cut-offs, within :data:`GOAL90` and :data:`GOAL50`? ``include_unconverged``:
    score every fit (True) or the converged fits only (``n_rows`` 0 where none converged).
    ``baselines``: choose the best among these only (default: every baseline scored).
    """
    from .evaluation_result import BASELINES

    s = res.scores(include_unconverged)
    names = BASELINES if baselines is None else tuple(baselines)
    pool = s.loc[[b for b in names if b in s.index and b != model], "crps"]
    if pool.empty:
        raise ScalingError(f"none of the baselines {', '.join(names)} is scored in this evaluation (besides "
                           f"{model!r})")
    best = str(pool.idxmin())
    out = {"model": model, "baseline": best, "n_rows": 0, "mean": float("nan"), "lower": float("nan"),
           "upper": float("nan"), "coverage50": float("nan"), "coverage90": float("nan"), "beats": False,
           "coverage_ok": False}
    if model not in s.index:
        return out
    d = res.paired("crps", [best], include_unconverged=include_unconverged)
    d = d.loc[d["model"] == model].iloc[0]
    c50, c90 = float(s.loc[model, "coverage50"]), float(s.loc[model, "coverage90"])
    return {**out, "n_rows": int(d["n_rows"]), "mean": float(d["mean"]), "lower": float(d["lower"]),
            "upper": float(d["upper"]), "coverage50": c50, "coverage90": c90, "beats": bool(d["upper"] < 0),
            "coverage_ok": bool(GOAL90[0] <= c90 <= GOAL90[1] and GOAL50[0] <= c50 <= GOAL50[1])}


def _diff(v: dict) -> str:
    return f"{v['mean']:+.3f} [{v['lower']:+.3f}, {v['upper']:+.3f}]"


def verdicts_markdown(items, others=("nochange", "rw", "ols")) -> str:
    """A table of :func:`verdict` for ``items``, an iterable of ``(label, res, model)``: per trend,
    every fit and the converged fits only; the last columns compare with the best of ``others``
    (the baselines fitted on the series itself, without Epoch's published rate)."""
    lines = ["| trend | default model | fits scored | best baseline | CRPS difference [90%] | later obs. | "
             "coverage 50% | coverage 90% | beats the best baseline | coverage goal met | best of "
             + "/".join(others) + " | CRPS difference [90%] |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for label, res, model in items:
        for every in (True, False):
            v = verdict(res, model, every)
            w = verdict(res, model, every, baselines=others)
            which = "every fit" if every else "converged only"
            if not v["n_rows"]:
                lines.append(f"| {label} | {model} | {which} | {v['baseline']} | no converged fit | 0 | - | - | - | - "
                             f"| {w['baseline']} | - |")
                continue
            lines.append(f"| {label} | {model} | {which} | {v['baseline']} | {_diff(v)} | {v['n_rows']} | "
                         f"{v['coverage50']:.0%} | {v['coverage90']:.0%} | {'yes' if v['beats'] else 'no'} | "
                         f"{'yes' if v['coverage_ok'] else 'no'} | {w['baseline']} | {_diff(w)} |")
    return "\n".join(lines) + "\n"
