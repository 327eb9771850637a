"""Time each Bayesian hardware-trend fit, including the PyMC import and graph compile.

Each fit samples through ``scaling.bayes.samplers.sample`` (nutpie by default) and runs
in a fresh Python process (as ``scaling trend`` would), so the time includes importing
PyMC and compiling the model (served from pytensor's on-disk
cache after the very first run on a machine; the cold first compile is reported too
when the cache is empty). The target is <= 20 s per fit on 2 cores.

Usage::

    python benchmarks/bench_hardware.py            # time the five shipped trends
    python benchmarks/bench_hardware.py --save fits/   # and save them as fits/trend_*.json
    python benchmarks/bench_hardware.py --only trend_flops_per_usd_tensor16 --sampler pymc

Timings on a shared machine are inflated by other work; run it on an idle one for
numbers to quote.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from scaling.pipeline import TRENDS  # the trends the main job fits and saves

CHILD = r"""
import json, sys, time, os
t = time.perf_counter()
from scaling.hardware import fit_trend
kw = json.loads(sys.argv[1]); out = sys.argv[2]; sampler = sys.argv[3]
fit = fit_trend(method="bayes", seed=0, draws=1000, chains=2, tune=500, sampler=sampler, **kw)
wall = time.perf_counter() - t
if out:
    fit.save(out)
print(json.dumps({"wall_s": wall, "sampler_s": fit.diagnostics["seconds"], "n": fit.n_points,
                  "r_hat_max": max(fit.diagnostics["r_hat"].values()),
                  "ess_bulk_min": min(fit.diagnostics["ess_bulk"].values()),
                  "divergences": fit.diagnostics["divergences"],
                  "doubling": fit.doubling_time_years, "warnings": [w.code for w in fit.warnings()]}))
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--save", default=None, help="folder to save the fitted trends in")
    ap.add_argument("--only", action="append", default=None, metavar="STEM", choices=sorted(TRENDS),
                    help="time only this trend (repeatable), e.g. trend_flops_per_usd_tensor16")
    ap.add_argument("--sampler", default="nutpie", choices=("nutpie", "pymc"), help="NUTS implementation")
    args = ap.parse_args(argv)
    print(f"{'trend':38s} {'n':>4s} {'wall s':>7s} {'fit s':>6s} {'R-hat':>6s} {'ESS':>6s} {'div':>4s}  doubling (yr)")
    worst = 0.0
    for stem, kw in TRENDS.items():
        if args.only and stem not in args.only:
            continue
        out = f"{args.save.rstrip('/')}/{stem}.json" if args.save else ""
        t = time.perf_counter()
        res = subprocess.run([sys.executable, "-c", CHILD, json.dumps(kw), out, args.sampler], capture_output=True, text=True)
        if res.returncode:
            print(res.stderr[-2000:], file=sys.stderr)
            return 1
        r = json.loads(res.stdout.strip().splitlines()[-1])
        worst = max(worst, r["wall_s"])
        d = r["doubling"]
        print(f"{stem:38s} {r['n']:4d} {r['wall_s']:7.1f} {r['sampler_s']:6.1f} {r['r_hat_max']:6.3f} "
              f"{r['ess_bulk_min']:6.0f} {r['divergences']:4d}  {d['median']:.2f} [{d['lower']:.2f}, {d['upper']:.2f}]"
              f"   (process {time.perf_counter() - t:.1f} s)")
    print(f"slowest fit incl. PyMC import and compile: {worst:.1f} s (target <= 20 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
