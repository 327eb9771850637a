"""The markdown report of a forecast evaluation (:mod:`scaling.hardware.evaluation`)."""

from __future__ import annotations

from .._format import format_fixed
from ..errors import ScalingError

__all__ = ["evaluation_markdown"]

_MODELS_TEXT = (
    "Models: `panel`, the hierarchical price panel fitted on every cloud price before the cut-off, "
    "predicting each later price with the posterior effect of its chip and provider where they were priced "
    "before the cut-off (a new one: a draw from the population of effects); `panel-forecast`, the same fit "
    "as the cost forecast draws the series (the segment's line, the walk and a new buyer's scatter, whoever "
    "the chip and provider); `trend`, the Bayesian robust line of a chip trend; `ols`, least squares on the "
    "population's own points before the cut-off (t predictive interval); `nochange`, the median and sd of "
    "the last year's log prices, at every horizon; `rw`, a random walk with drift from there (drift: the "
    "panel's purchase-price slope prior for a price series, the least-squares slope for a chip trend; "
    "variance growing as s0^2 + omega^2 h with omega from the past year-to-year changes); `epoch`, the "
    "same walk with Epoch's published drift, doubling every 2.1-2.46 years (Hobbhahn, Heim & Aydos 2023; "
    "Hobbhahn & Besiroglu 2022); `rw-seen`, `rw` conditioned as `panel` is: a later price of a chip at a "
    "provider priced before the cut-off starts from that pair's last price (spread: the pairs' own scatter "
    "plus the walk). Known limitations: the other baselines and the chip `trend` ignore which chip or "
    "provider a price belongs to; a chip trend has one point per chip, so there is nothing to condition on."
)
def _f(x, digits=3) -> str:
    """A score with ``digits`` decimals; None or not finite: '-' (scaling._format)."""
    return format_fixed(x, digits, inf=None)


def _scores_table(res, include_unconverged: bool) -> list[str]:
    s = res.summary(include_unconverged)
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
    lines = [f"Paired differences against the best baseline, **{best}** (model minus baseline on the same "
             "later prices; < 0: the model is better), mean and 90% cluster-bootstrap interval "
             "(2,000 resamples of chip x provider clusters, seed 0):", "",
             "| model | CRPS difference [90%] | interval score 90% difference [90%] | rows | clusters |",
             "|---|---|---|---|---|"]
    crps = res.paired("crps", [best], include_unconverged=include_unconverged)
    is90 = res.paired("is90", [best], include_unconverged=include_unconverged)
    verdict = []
    for (_, a), (_, b) in zip(crps.iterrows(), is90.iterrows()):
        lines.append(f"| {a['model']} | {a['mean']:+.3f} [{a['lower']:+.3f}, {a['upper']:+.3f}] "
                     f"| {b['mean']:+.3f} [{b['lower']:+.3f}, {b['upper']:+.3f}] | {a['n_rows']} | {a['n_clusters']} |")
        if a["model"].startswith("panel") and a["n_rows"]:
            word = ("beats" if a["upper"] < 0 else "loses to" if a["lower"] > 0 else "is not distinguishable from")
            verdict.append(f"`{a['model']}` {word} `{best}` on CRPS ({a['mean']:+.3f} dex [{a['lower']:+.3f}, "
                           f"{a['upper']:+.3f}] over {a['n_rows']} prices)")
    return lines, "; ".join(verdict)


def evaluation_markdown(res, title: str | None = None, heading: str = "##") -> str:
    """The report of an evaluation: scores per model, paired differences against the best
    baseline, PIT counts by horizon and the Bayesian fits' diagnostics, every number computed
    from ``res`` (a result of :func:`evaluate` or :func:`load_evaluation`)."""
    st = res.settings
    v = res.metadata.get("versions", {})
    ex = {m: n for m, n in res.n_excluded().items() if n}
    lines = [f"{heading} {title or 'Scored against baselines: ' + st.get('target', '')}", "",
             f"Every model fitted on the data dated before each cut-off ({', '.join(st.get('cutoffs', []))}) and "
             f"scored on every later observation of {st.get('target')} (log10 of peak tensor FLOP per $; "
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
        fits = res.fits.loc[res.fits["model"].isin(["panel", "panel-forecast", "trend"])] if len(res.fits) else res.fits
        if ex and len(fits) and not fits["converged"].astype(bool).any():
            lines += ["None of the Bayesian fits passes the convergence thresholds, so the Bayesian models' "
                      "scores come from unconverged fits: confirm them with longer chains (``--draws``, "
                      "``--tune``) before relying on the verdict.", ""]
    by = res.summary(include_unconverged=True, by="cutoff")["crps"].unstack("model")
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
    bayes = res.fits.loc[res.fits["model"].isin(["panel", "trend"])] if len(res.fits) else res.fits
    if len(bayes):
        lines += ["", "Bayesian fits:", "", "| cut-off | model | series prices before | max R-hat | min bulk ESS | "
                  "divergences | seconds | converged |", "|---|---|---|---|---|---|---|---|"]
        for _, r in bayes.iterrows():
            lines.append(f"| {r['cutoff']} | {r['model']} | {int(r['n_train'])} | {_f(r['r_hat_max'])} "
                         f"| {_f(r['ess_bulk_min'], 0)} | {int(r['divergences'])} | {_f(r['seconds'], 0)} "
                         f"| {'yes' if r['converged'] else 'no'} |")
    return "\n".join(lines) + "\n"
