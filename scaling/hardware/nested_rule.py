"""Issue 20's rule applied at each origin with the evidence of that day only (nested selection).

The rule ships a model only where its pooled CRPS beats the best baseline's with a 90%
cluster-bootstrap interval below zero (converged fits only), and otherwise the best baseline
(:func:`scaling.hardware.evaluation_report.verdict`). Applied once to every cut-off of an
evaluation, the choice has seen all the later data it is then scored on. Here it is made
again at each cut-off :math:`c_k` from what was known then: the rows of the earlier cut-offs
:math:`c_j < c_k` whose observations are dated before :math:`c_k`. The model so chosen is
scored on :math:`c_k`'s later observations, and the scores are pooled over the cut-offs: an
out-of-sample score of *the procedure* (choose by the rule, then forecast), to set beside the
score of the choice made with hindsight. A cut-off with no earlier evidence makes no choice and
is not scored.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from ..errors import ScalingError

__all__ = ["nested_choices", "nested_scores", "nested_markdown"]


def _known_at(res, cutoff) -> object | None:
    """The evaluation as it stood at ``cutoff``: earlier cut-offs, observations before it."""
    rows = res.rows
    cut = pd.to_datetime(rows["cutoff"])
    date = pd.to_datetime(rows["date"])
    when = pd.Timestamp(cutoff)
    keep = (cut < when) & ((rows["split"] != "test") | (date < when))
    sub = rows.loc[keep]
    test = sub.loc[sub["split"] == "test"]
    if test.empty or not test["converged"].astype(bool).any():
        return None
    return dataclasses.replace(res, rows=sub.reset_index(drop=True))


def nested_choices(res, model: str) -> pd.DataFrame:
    """Per cut-off of ``res`` (an :class:`~scaling.hardware.EvaluationResult`), the rule's choice
    between ``model`` and the best baseline made with the evidence of that day.

    Columns ``cutoff``, ``choice`` (None: no earlier evidence), ``baseline`` (the best baseline
    then), ``rows_before`` (earlier test rows the choice rests on, converged fits),
    ``difference``, ``lower``, ``upper`` (``model`` minus that baseline, CRPS, 90%).

    Raises
    ------
    ScalingError
        ``model`` is not scored in ``res``.
    """
    from .evaluation_report import verdict

    if model not in res.models:
        raise ScalingError(f"model {model!r} is not scored in this evaluation; scored: {', '.join(res.models)}")
    out = []
    for cutoff in sorted(res.rows["cutoff"].astype(str).unique()):
        known = _known_at(res, cutoff)
        row = {"cutoff": cutoff, "choice": None, "baseline": None, "rows_before": 0,
               "difference": float("nan"), "lower": float("nan"), "upper": float("nan")}
        if known is not None:
            scored = known.scores()
            if model in scored.index:
                v = verdict(known, model, include_unconverged=False)
                row.update(choice=model if v["beats"] else v["baseline"], baseline=v["baseline"],
                           rows_before=int(v["n_rows"]), difference=v["mean"], lower=v["lower"], upper=v["upper"])
            else:  # the model had no converged fit yet: the rule keeps the best baseline
                best = known.best_baseline()
                row.update(choice=best, baseline=best, rows_before=int(scored.loc[best, "n_test"]))
        out.append(row)
    return pd.DataFrame(out)


def nested_scores(res, model: str) -> dict:
    """The procedure's pooled scores: at each cut-off with a choice (:func:`nested_choices`),
    the chosen model's later observations (every fit, as scored); beside them ``model`` and the
    choice made with hindsight (the rule on every cut-off) scored on the same cut-offs.

    Returns a dict: ``choices`` (the table), and for ``"nested"``, ``model`` and ``"hindsight"``
    the mean CRPS, 50% and 90% coverage and the number of rows, and ``hindsight_choice``.
    """
    from .evaluation_report import verdict

    choices = nested_choices(res, model)
    chosen = choices.dropna(subset=["choice"])
    test = res.test_rows(include_unconverged=True)
    cut = test["cutoff"].astype(str)
    v = verdict(res, model, include_unconverged=False)
    hindsight = model if v["beats"] else v["baseline"]

    def pooled(pick) -> dict:
        parts = [test.loc[(cut == c) & (test["model"] == pick(m))] for c, m in zip(chosen["cutoff"], chosen["choice"])]
        t = pd.concat(parts) if parts else test.iloc[:0]
        return {"crps": float(t["crps"].mean()) if len(t) else float("nan"), "n_rows": int(len(t)),
                "coverage50": float(t["covered50"].astype(float).mean()) if len(t) else float("nan"),
                "coverage90": float(t["covered90"].astype(float).mean()) if len(t) else float("nan")}

    return {"choices": choices, "nested": pooled(lambda m: m), model: pooled(lambda m: model),
            "hindsight": pooled(lambda m: hindsight), "hindsight_choice": hindsight}


def nested_markdown(items) -> str:
    """A table of :func:`nested_scores` for ``items``, an iterable of ``(label, res, model)``."""
    lines = ["| series or trend | default model | choice at each cut-off (nested) | nested: CRPS / cov. 50% / "
             "90% | the model alone | the hindsight choice | rows |", "|---|---|---|---|---|---|---|"]

    def cell(d: dict) -> str:
        if not d["n_rows"]:
            return "-"
        return f"{d['crps']:.3f} / {d['coverage50']:.0%} / {d['coverage90']:.0%}"

    for label, res, model in items:
        s = nested_scores(res, model)
        picks = "; ".join(f"{c[:7]}: {'-' if pd.isna(ch) else ch}"
                          for c, ch in zip(s["choices"]["cutoff"], s["choices"]["choice"]))
        lines.append(f"| {label} | {model} | {picks} | {cell(s['nested'])} | {cell(s[model])} | "
                     f"{s['hindsight_choice']}: {cell(s['hindsight'])} | {s['nested']['n_rows']} |")
    return "\n".join(lines) + "\n"
