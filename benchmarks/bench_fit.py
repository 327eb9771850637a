"""Benchmark: the 4,500-start grid fit and a 4,000-resample bootstrap vs the per-start baseline.

Baseline (as in the public replication): every start its own
``scipy.optimize.minimize(method="L-BFGS-B")`` with a finite-difference gradient, timed on
a subset of starts. Run: ``python benchmarks/bench_fit.py [--baseline-starts 50]``.
Timings on a shared machine are inflated by other work; compare ratios from one run.
"""

from __future__ import annotations

import argparse
import os
import time

import warnings

import numpy as np


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline-starts", type=int, default=50)
    parser.add_argument("--bootstrap", type=int, default=4000)
    args = parser.parse_args(argv)

    from scipy.optimize import minimize

    from scaling import datasets, fitting, laws

    runs = datasets.load("chinchilla_runs")
    kept = runs.loc[~runs["excluded"]]
    law = laws.get_law("chinchilla")
    n, d, loss = (kept[c].to_numpy(dtype=float) for c in ("n_params", "n_tokens", "loss"))
    grid = law.grid("hoffmann")
    print(f"cores visible: {os.cpu_count()}; runs fitted: {len(kept)}; grid starts: {len(grid)}")

    t0 = time.perf_counter()
    result = fitting.fit(runs)
    t_grid = time.perf_counter() - t0
    print(f"batched grid fit: {t_grid:.2f} s for {len(grid)} starts = {1e3 * t_grid / len(grid):.2f} ms/start; "
          f"best Huber sum {result.objective:.10e}")
    print(f"  params: " + ", ".join(f"{k}={v:.6g}" for k, v in result.params.items()))

    t0 = time.perf_counter()
    boot = fitting.fit(runs, grid=np.array([law.from_params(result.params)]), bootstrap=args.bootstrap, seed=0)
    t_boot = time.perf_counter() - t0
    s = boot.summary(0.95)
    print(f"bootstrap: {t_boot:.2f} s for {args.bootstrap} resamples (incl. a 1-start full fit); "
          f"95% alpha [{s.loc['alpha', 'lower']:.4f}, {s.loc['alpha', 'upper']:.4f}], "
          f"E [{s.loc['E', 'lower']:.4f}, {s.loc['E', 'upper']:.4f}]")

    def objective(x):
        return float(fitting.huber_objective(law, x, n, d, loss, delta=1e-3)[0])

    def plain_objective(x, log_n=np.log(n), log_d=np.log(d), log_l=np.log(loss)):
        # The objective as a straightforward script writes it (scipy's Huber, an explicit
        # log of a sum of exponentials), evaluated one parameter vector at a time.
        from scipy.special import huber

        a, b, e, alpha, beta = x
        pred = np.log(np.exp(a - alpha * log_n) + np.exp(b - beta * log_d) + np.exp(e))
        return float(np.sum(huber(1e-3, pred - log_l)))

    idx = np.linspace(0, len(grid) - 1, args.baseline_starts).round().astype(int)
    per_ours = t_grid / len(grid)
    for label, fun in (("package's objective", objective), ("plain scipy objective", plain_objective)):
        best = (np.inf, None)
        t0 = time.perf_counter()
        for i in idx:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore", RuntimeWarning)
                res = minimize(fun, grid[i], method="L-BFGS-B")
            if res.fun < best[0]:
                best = (float(res.fun), res.x)
        t_base = time.perf_counter() - t0
        per_base = t_base / len(idx)
        print(f"baseline ({label}; scipy L-BFGS-B, finite differences, one start at a time, "
              f"{len(idx)} starts spread over the grid): {t_base:.2f} s = {1e3 * per_base:.1f} ms/start "
              f"(extrapolated {per_base * len(grid):.0f} s for {len(grid)}); best of its subset {best[0]:.10e}")
        print(f"  speed-up per start: {per_base / per_ours:.0f}x")


if __name__ == "__main__":
    main()
