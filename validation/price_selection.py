"""Choose the headline price model on earlier prices, then score it once on a locked final year.

Run from the repository root::

    python validation/price_selection.py            # score the locked year (one panel fit, minutes)
    python validation/price_selection.py --report   # only rewrite the report from the saved CSVs

Protocol (issue 20, "honest selection"), fixed before the locked year is scored:

1. **Locked period.** The last 12 months of hyperscaler on-demand prices: from
   :data:`LOCK` (the last price date, 2025-03-17, less one year) to the end. No choice below
   uses a price dated in it.
2. **Candidates.** The models that forecast the series' level for a future buyer, as the cost
   forecast uses it: ``panel-forecast`` (the shipped headline: the hierarchical panel's segment
   line, walk and a new buyer's scatter), ``rw`` (random walk with drift from the last year's
   median price; drift: the purchase-price slope prior the panel uses), ``ols``, ``nochange``
   and ``epoch`` (Epoch's published doubling). ``panel`` and ``rw-seen``, which condition on a
   chip and provider already priced, are not candidates for a forecast of the market price.
3. **Selection data.** The yearly rolling origins 2019-2023 of ``validation/evaluation.py``
   (every model fitted on the prices dated before its origin), scored only on the prices dated
   before :data:`LOCK`.
4. **Rule.** A Bayesian model becomes the default only if its pooled CRPS beats the best
   baseline's with a 90% cluster-bootstrap interval (chip x provider) of the paired difference
   that excludes zero; otherwise the baseline with the lowest pooled CRPS is the default.
5. **Locked score.** Every candidate is fitted once on the prices dated before :data:`LOCK`
   and scored once on the locked year; the result is reported whatever it says, and nothing
   is chosen on it.

Caveat, stated in the report: the locked year's prices were among the later prices of the
pre-protocol evaluation (``evaluation_hyperscaler.md``, whose pooled scores motivated issue
20), so the year is locked with respect to this protocol, not unseen by the project.

Writes ``validation/results/price_selection_locked.csv`` (the locked year's rows) and
``validation/results/price_selection.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scaling.hardware.evaluation import BASELINES, evaluate, load_evaluation  # noqa: E402

OUT = ROOT / "validation" / "results"
EVALUATION = OUT / "evaluation_hyperscaler.csv.gz"
LOCKED = OUT / "price_selection_locked.csv"
MD = OUT / "price_selection.md"
SERIES = "hyperscaler-on-demand"
LOCK = "2024-03-17"
CANDIDATES = ("panel-forecast", "rw", "ols", "nochange", "epoch")
BAYESIAN = ("panel-forecast",)


def _restrict(result, models, before=None):
    rows = result.rows.loc[result.rows["model"].isin(models)]
    if before is not None:
        rows = rows.loc[(rows["split"] == "train") | (pd.to_datetime(rows["date"]) < pd.Timestamp(before))]
    return replace(result, rows=rows.reset_index(drop=True))


def _table(result) -> str:
    s = result.scores(include_unconverged=True)
    lines = ["| model | test rows | cut-offs | CRPS (dex) | interval score 50% | interval score 90% | "
             "coverage 50% | coverage 90% |", "|---|---|---|---|---|---|---|---|"]
    for m, r in s.iterrows():
        lines.append(f"| {m} | {int(r.n_test)} | {int(r.n_cutoffs)} | {r.crps:.3f} | {r.is50:.2f} | {r.is90:.2f} | "
                     f"{r.coverage50:.0%} | {r.coverage90:.0%} |")
    return "\n".join(lines)


def _paired(result, base: str) -> tuple[str, pd.DataFrame]:
    p = result.paired("crps", baselines=[base], include_unconverged=True)
    lines = ["| model | CRPS minus " + base + " [90%] | rows | clusters |", "|---|---|---|---|"]
    for _, r in p.iterrows():
        lines.append(f"| {r['model']} | {r['mean']:+.3f} [{r['lower']:+.3f}, {r['upper']:+.3f}] | "
                     f"{int(r['n_rows'])} | {int(r['n_clusters'])} |")
    return "\n".join(lines), p


def choose(selection) -> tuple[str, str]:
    """The rule of step 4: the default model and why."""
    s = selection.scores(include_unconverged=True)
    base = str(s.loc[[m for m in s.index if m in BASELINES]]["crps"].idxmin())
    _, p = _paired(selection, base)
    for m in BAYESIAN:
        row = p.loc[p["model"] == m]
        if len(row) and float(row["upper"].iloc[0]) < 0:
            return m, f"`{m}` beats the best baseline `{base}` (interval excludes zero)"
    return base, (f"no Bayesian candidate beats the best baseline `{base}` with an interval excluding zero, "
                  f"so the default is the baseline `{base}`")


def report(selection, locked) -> str:
    default, why = choose(selection)
    s_base = str(selection.scores(include_unconverged=True).loc[[m for m in CANDIDATES if m in BASELINES]]
                 ["crps"].idxmin())
    sel_pair, _ = _paired(selection, s_base)
    lk_pair, _ = _paired(locked, default) if default in set(locked.rows["model"]) else ("", None)
    fits = locked.fits
    conv = ""
    if len(fits) and "converged" in fits:
        conv = ", ".join(f"{r['model']}: {'converged' if r['converged'] else 'NOT converged'}"
                         for _, r in fits.iterrows() if "model" in r)
    versions = ", ".join(f"{k} {v}" for k, v in locked.versions.items())
    return "\n".join([
        "# Choosing the headline price model, then one locked score",
        "",
        "Written by `python validation/price_selection.py`; the protocol is in that script's docstring,",
        "fixed before the locked year was scored. Series: hyperscaler on-demand prices (log10 of peak",
        "tensor16 FLOP per US dollar). Scores in dex, lower is better.",
        "",
        f"## Selection: origins 2019-2023, prices dated before {LOCK}",
        "",
        _table(selection),
        "",
        f"Paired against the best baseline on these rows (cluster bootstrap over chip x provider):",
        "",
        sel_pair,
        "",
        f"**Choice:** {why}.",
        "",
        f"## Locked year: fitted on prices before {LOCK}, scored once on the prices from {LOCK} on",
        "",
        _table(locked),
        "",
        *( [f"Paired against the chosen default `{default}`:", "", lk_pair, ""] if lk_pair else []),
        *( [f"Fits: {conv}.", ""] if conv else []),
        f"Versions: {versions}." if versions else "",
        "",
        "Caveat: the locked year's prices were among the later prices of the earlier, pre-protocol",
        "evaluation (`evaluation_hyperscaler.md`), whose pooled scores motivated this choice; the year",
        "is locked with respect to this protocol, not unseen by the project.",
        "",
    ])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--report", action="store_true", help="only rewrite the report from the saved CSVs")
    args = ap.parse_args(argv)
    if not args.report:
        t = time.perf_counter()
        res = evaluate(SERIES, cutoffs=[LOCK], models=",".join(CANDIDATES), seed=0)
        res.save(LOCKED)
        print(f"wrote {LOCKED} in {time.perf_counter() - t:.0f} s")
    selection = _restrict(load_evaluation(EVALUATION), CANDIDATES, before=LOCK)
    locked = load_evaluation(LOCKED)
    MD.write_text(report(selection, locked), encoding="utf-8")
    print(f"wrote {MD}")


if __name__ == "__main__":
    main()
