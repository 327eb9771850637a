"""Backtest the GPT-3-equivalent cost forecast: cloud prices before 2021-01-01 only, scored on 2022-2025
prices of the population each price series describes.

Usage::

    python validation/forecast_backtest.py [--series hyperscaler-on-demand,lowest-available,pooled]
        [--method bayes|ols] [--cutoff 2021-01-01] [--no-scatter] [--draws 1000] [--write]

For each series: fit it on the prices before the cut-off (the hierarchical panel once for
every panel series; the pooled baseline by robust regression), forecast the training cost
of the GPT-3 equivalent at mid-year 2022-2025 (least-squares law, utilisation 0.4), and score
the forecast against the costs the later prices of the series' own population imply
(hyperscaler on-demand prices for ``hyperscaler-on-demand``, the segment it picked for
``lowest-available``, every on-demand price for ``pooled``): coverage of the 50%/90%
intervals, median error ratio and interval score. ``--write`` writes the markdown tables to
validation/results/forecast_backtest.md (docs/forecast.md includes them). See
scaling.forecast.backtest.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "validation" / "results" / "forecast_backtest.md"
DEFAULT_SERIES = "hyperscaler-on-demand,lowest-available,pooled"
#: The saved full-data fit of each series (for the "full_fit_median" column), in fits/.
REFERENCE = {"pooled": "trend_flops_per_usd_cloud_tensor16.json"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", default=DEFAULT_SERIES,
                    help=f"comma-separated price series (default {DEFAULT_SERIES}; 'cloud' = 'pooled')")
    ap.add_argument("--method", default="bayes", choices=["ols", "bayes"], help="pooled baseline's method")
    ap.add_argument("--cutoff", default="2021-01-01")
    ap.add_argument("--draws", type=int, default=None, help="posterior draws per chain (default: the fitting "
                    "functions' own: fit_panel's for the panel, fit_trend's for the pooled baseline)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--target-accept", type=float, default=0.95,
                    help="the panel fit's NUTS target acceptance (as validation/backtests.py: the panels "
                         "before a cut-off are small, and 0.9 leaves divergences)")
    ap.add_argument("--no-scatter", action="store_true", help="trend line only (no buyer scatter)")
    ap.add_argument("--write", action="store_true", help=f"write the markdown tables to {RESULT.relative_to(ROOT)}")
    args = ap.parse_args()
    from scaling.fitting import load_fit
    from scaling.forecast.backtest import backtest_markdown, forecast_backtest
    from scaling.hardware import SERIES, fit_panel, load_trend, panel_data

    names = ["pooled" if s.strip() == "cloud" else s.strip() for s in args.series.split(",") if s.strip()]
    for n in names:
        if n not in SERIES:
            ap.error(f"unknown series {n!r}; allowed: {', '.join(SERIES)}")
    fit = load_fit(ROOT / "fits" / "chinchilla_lsq.json")
    panel = None
    if any(n != "pooled" for n in names):  # one panel fit on the prices before the cut-off serves them all
        t0 = time.perf_counter()
        panel = fit_panel(panel_data(before=args.cutoff), seed=args.seed, target_accept=args.target_accept,
                          **({} if args.draws is None else {"draws": args.draws}))
        diag = panel.diagnostics
        print(f"panel fitted on {len(panel.data.data)} prices before {args.cutoff} in {time.perf_counter() - t0:.0f} s "
              f"({diag.get('chains')} chains x {diag.get('draws')} draws, {diag.get('divergences')} divergences, "
              f"max R-hat {max(diag.get('r_hat', {0: float('nan')}).values()):.3f})")
    tables = []
    for n in names:
        ref_path = ROOT / "fits" / REFERENCE.get(n, f"trend_{n}.json")
        reference = load_trend(ref_path) if ref_path.exists() else None
        t0 = time.perf_counter()
        table = forecast_backtest(fit, series=n, cutoff=args.cutoff, method=args.method, draws=args.draws,
                                  seed=args.seed, price_scatter=not args.no_scatter,
                                  panel=None if n == "pooled" else panel, reference=reference)
        a = table.attrs
        print(f"\n{n}: scored on {a['population']['provider_kind']} / {a['population']['pricing_tier']} prices; "
              f"cut-off {a['cutoff']} ({a['n_past']} prices of the series before it), {a['method']}; doubling "
              f"before: {a['doubling_past']['median']:.2f} yr"
              + (f", all data: {a['doubling_full']['median']:.2f} yr" if a["doubling_full"] else "")
              + f"; utilisation 0.4; {'line only' if args.no_scatter else 'with buyer scatter'} "
              f"({time.perf_counter() - t0:.0f} s)")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
        print(f"mean coverage: 50% interval {table['coverage50'].mean():.0%}, 90% interval "
              f"{table['coverage90'].mean():.0%}; median error x{table['error_ratio'].median():.2f}")
        tables.append(table)
        if n != "pooled" and panel is not None:
            table.attrs["panel"] = {k: panel.diagnostics.get(k) for k in ("chains", "draws", "divergences")}
    if args.write:
        from scaling._io import write_if_changed

        text = ("# Forecast backtest: prices before "
                f"{args.cutoff}, scored on 2022-2025 prices of the same population\n\n"
                "Generated by `python validation/forecast_backtest.py --write` "
                f"(seed {args.seed}{'' if args.draws is None else f', {args.draws} posterior draws per chain'}; "
                f"panel target_accept {args.target_accept}). "
                "GPT-3-equivalent training cost "
                "at mid-year under the least-squares law at utilisation 0.4; each later price of the series' "
                "population implies a cost (same compute, same utilisation), so only the price side is "
                "tested. Coverage: share of implied costs inside the forecast's interval; error: forecast "
                "median / median implied cost; interval score: mean 90% interval score of log10 cost "
                "(Gneiting & Raftery 2007; width plus 20x each miss, dex, lower is better).\n\n"
                + backtest_markdown(tables))
        write_if_changed(RESULT, text)
        print(f"\nwrote {RESULT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
