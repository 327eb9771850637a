"""Benchmark the forecast step and the whole main job.

Usage::

    python benchmarks/bench_forecast.py            # forecast step only (needs fits/)
    python benchmarks/bench_forecast.py --main-job # also the main job, cold and warm, in a temp folder

Prints wall times. Goals (issues #6, #12): forecast step, every uncertainty, <= 1 s for 4,000 joint draws x 50 dates;
main job <= 5 min from a cold start on 2 cores, <= 30 s when fits are reused.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def bench_step(repeats: int = 5) -> None:
    from scaling.fitting import load_fit
    from scaling.forecast import equivalent_cost
    from scaling.hardware import load_trend

    from scaling.forecast.scenarios import DEFAULT_SERIES, PRICE_SERIES, resolve_law

    fits = ROOT / "fits"
    mixture = resolve_law("mixture", fits)  # LSQ bootstrap, Bayes posterior, Hoffmann 2022, equal weights
    # The default cloud series (hyperscaler on-demand, hierarchical panel model).
    trend = load_trend(fits / PRICE_SERIES[DEFAULT_SERIES["cloud"]].price_file)
    per_usd, per_w = load_trend(fits / "trend_flops_per_usd_tensor16.json"), load_trend(fits / "trend_flops_per_watt_tensor16.json")
    dates = pd.date_range("2020-01-01", periods=50, freq="QS")
    cases = {
        f"default ({DEFAULT_SERIES['cloud']}, law mixture, price line + scatter, utilisation ranges, "
        "decomposition)": (mixture, trend, None, {}),
        "+ algorithmic progress (ho2024, re-allocated N, D)": (mixture, trend, None,
                                                                dict(algorithmic_halving_months="ho2024")),
        "purchase basis (TCO ranges), real dollars": (mixture, per_usd, per_w, dict(dollars="real")),
    }
    for label, (law, price, energy, kw) in cases.items():
        equivalent_cost(law, price, energy, dates=dates, n_draws=200, seed=0, **kw)  # warm caches
        times = []
        for i in range(repeats):
            t0 = time.perf_counter()
            equivalent_cost(law, price, energy, dates=dates, n_draws=4000, seed=i, **kw)
            times.append(time.perf_counter() - t0)
        print(f"{label}, 4,000 joint draws x 50 dates: best {min(times):.3f} s, "
              f"median {sorted(times)[len(times) // 2]:.3f} s over {repeats} runs (goal <= 1 s)")


def bench_main_job() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        args = [sys.executable, "-m", "scaling", "run", "--fits-dir", f"{tmp}/fits", "--forecasts-dir", f"{tmp}/forecasts"]
        for label in ("cold (everything fitted)", "warm (fits reused)"):
            t0 = time.perf_counter()
            subprocess.run(args, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
            print(f"main job, {label}: {time.perf_counter() - t0:.1f} s "
                  f"(goal <= {'300' if label.startswith('cold') else '30'} s)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--main-job", action="store_true", help="also time the whole main job, cold and warm")
    args = ap.parse_args()
    bench_step()
    if args.main_job:
        bench_main_job()
