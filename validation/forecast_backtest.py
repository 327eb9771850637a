"""Backtest the GPT-3-equivalent cost forecast: cloud prices before 2021-01-01 only, scored on 2022-2025.

Usage::

    python validation/forecast_backtest.py [--method ols|bayes] [--cutoff 2021-01-01] [--no-scatter]

Prints, per year, the forecast (median, 90% interval), the median cost implied by the cloud
prices observed that year, the full-data fit's median, coverage of the 50%/90% intervals and
the error ratio (forecast median / observed median). See scaling.forecast.backtest.
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--method", default="ols", choices=["ols", "bayes"])
    ap.add_argument("--cutoff", default="2021-01-01")
    ap.add_argument("--no-scatter", action="store_true", help="trend line only (no buyer scatter)")
    args = ap.parse_args()
    from scaling.fitting import load_fit
    from scaling.forecast.backtest import forecast_backtest

    fit = load_fit(ROOT / "fits" / "chinchilla_lsq.json")
    table = forecast_backtest(fit, cutoff=args.cutoff, method=args.method, price_scatter=not args.no_scatter)
    a = table.attrs
    print(f"cut-off {a['cutoff']} ({a['n_past']} cloud prices before it), method {a['method']}; "
          f"doubling before: {a['doubling_past']['median']:.2f} yr, all data: {a['doubling_full']['median']:.2f} yr; "
          f"utilisation 0.4; {'line only' if args.no_scatter else 'with buyer scatter'}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print(f"mean coverage: 50% interval {table['coverage50'].mean():.0%}, 90% interval {table['coverage90'].mean():.0%}; "
          f"median error x{table['error_ratio'].median():.2f}")


if __name__ == "__main__":
    main()
