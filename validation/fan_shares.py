"""Are the fan's width shares by source stable across seeds? (issue 20, item 6: within 0.02)

Run from the repository root::

    python validation/fan_shares.py                      # the saved fits in fits/
    python validation/fan_shares.py --fits-dir DIR       # another fits folder

Forecasts the GPT-3-equivalent cost on the mixture of price series and bases
(:data:`scaling.forecast.price_mixture.PRICE_MIXTURE_DEFAULT`, the main job's
``gpt3_equivalent_cost_series_mixture``, its headline while ``HEADLINE_IS_SERIES_MIXTURE``) and on
the single series ``HEADLINE_SERIES`` (then ``gpt3_equivalent_cost_hyperscaler``), with the main
job's draws (:class:`scaling.pipeline.RunConfig` ``n_draws``) at seeds 0, 1 and 2, and reports
per source of uncertainty the largest difference of its share of the fan's width
(:meth:`scaling.forecast.Forecast.width_by_source`: each source's own 90% quantile width of
log10 cost over the sum of the sources' widths) between any two seeds at any quarterly date,
for the training and the inference cost.

Writes ``validation/results/fan_shares.md``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scaling.forecast.price_mixture import PRICE_MIXTURE_DEFAULT  # noqa: E402
from scaling.forecast.scenarios import run_scenarios  # noqa: E402
from scaling.pipeline import RunConfig  # noqa: E402
from scaling.pipeline.config import HEADLINE_IS_SERIES_MIXTURE, HEADLINE_SERIES  # noqa: E402

OUT = ROOT / "validation" / "results" / "fan_shares.md"
SEEDS = (0, 1, 2)
GOAL = 0.02
#: The two forecasts, named by what the main job saves them as (config.HEADLINE_IS_SERIES_MIXTURE:
#: the headline is the series mixture and the single series the hyperscaler-only variant, or the reverse).
MIXTURE_NAME, SINGLE_NAME = (("headline (series mixture)", "hyperscaler only (single series)")
                             if HEADLINE_IS_SERIES_MIXTURE else ("series mixture", "headline series"))
SCENARIOS = {MIXTURE_NAME: {"price_mixture": PRICE_MIXTURE_DEFAULT},
             SINGLE_NAME: {"price_series": HEADLINE_SERIES}}
QUANTITIES = ("training_cost_usd", "inference_usd_per_1k_tokens")


def shares(fits_dir: Path, n_draws: int) -> dict:
    """(scenario, quantity) -> {seed: width_by_source table (quarterly dates x sources)}."""
    out: dict = {}
    for seed in SEEDS:
        fcs = run_scenarios(SCENARIOS, fits_dir=fits_dir, n_draws=n_draws, seed=seed)
        for name, fc in fcs.items():
            for q in QUANTITIES:
                out.setdefault((name, q), {})[seed] = fc.width_by_source(q, yearly=False).drop(columns="sd_log10")
    return out


def spread_table(tables: dict) -> pd.DataFrame:
    """Per source: the largest max-minus-min share across seeds over dates, where, and the mean share."""
    stacked = pd.concat(tables, names=["seed"])
    by_date = stacked.groupby(level="date")
    diff = by_date.max() - by_date.min()
    return pd.DataFrame({"max_difference": diff.max(), "date": diff.idxmax().dt.date.astype(str),
                         "mean_share": stacked.mean()})


def report(results: dict, n_draws: int, fits_dir: Path) -> str:
    lines = ["# Stability of the fan's width shares across seeds", "",
             "Written by `validation/fan_shares.py` (issue 20, item 6; goal: every source's share within "
             f"{GOAL} across seeds {', '.join(map(str, SEEDS))}).", "",
             f"GPT-3-equivalent cost, law mixture, {n_draws:,} joint draws (the main job's), quarterly dates "
             f"2020-2032, fits folder `{fits_dir.name}/`. Share: each source's own 90% quantile width of log10 "
             "cost over the sum of the sources' widths (`Forecast.width_by_source`). Max difference: the "
             "largest difference of a source's share between two seeds at one date.", "",
             f"{MIXTURE_NAME[0].upper() + MIXTURE_NAME[1:]}: `{PRICE_MIXTURE_DEFAULT}` (normalised: equal "
             f"thirds). {SINGLE_NAME[0].upper() + SINGLE_NAME[1:]}: `{HEADLINE_SERIES}`.", ""]
    worst = 0.0
    for (name, q), tables in results.items():
        t = spread_table(tables)
        worst = max(worst, float(t["max_difference"].max()))
        lines += [f"## {name}, {q}", "", "| source | mean share | max difference | at |", "|---|---|---|---|"]
        lines += [f"| {s} | {r.mean_share:.3f} | {r.max_difference:.3f} | {r.date} |" for s, r in t.iterrows()]
        lines.append("")
    verdict = "within" if worst <= GOAL else "NOT within"
    lines += [f"Largest difference over every source, date and quantity: {worst:.3f} ({verdict} {GOAL}).", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fits-dir", type=Path, default=ROOT / "fits")
    ap.add_argument("--n-draws", type=int, default=RunConfig().n_draws)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    text = report(shares(args.fits_dir, args.n_draws), args.n_draws, args.fits_dir)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
