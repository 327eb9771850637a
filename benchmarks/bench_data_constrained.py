"""Benchmark: the data-constrained law (Muennighoff et al. 2023) on its 283 runs.

Times the grid fit (goal: within 10 s on 2 cores) and a 1,000-resample bootstrap (goal:
within 60 s), then prints how far the published fit and ours are from the measured losses
(RMS log error and median absolute error, on all runs and on the non-excluded ones): the
table of docs/data-constrained.md. Run: ``python benchmarks/bench_data_constrained.py``.
With ``--bayes`` it also times the Bayesian fit (``scaling.bayes.fit``, nutpie; ``--chains``,
``--draws``, ``--tune``), prints its diagnostics and posterior medians with 90% intervals
next to the least-squares and published values, and adds its row (posterior medians) to the
error table. Timings on a shared machine are inflated by other work.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

GRID_GOAL_S = 10.0
BOOTSTRAP_GOAL_S = 60.0


def errors(fit, runs) -> list[float]:
    """RMS log error and median absolute error (nats), on all runs then on the kept ones."""
    pred = fit.predict(runs["n_params"].to_numpy(), runs["n_tokens"].to_numpy(),
                       n_unique_tokens=runs["n_unique_tokens"].to_numpy())
    loss = runs["loss"].to_numpy()
    out = []
    for mask in (np.ones(len(runs), bool), ~runs["excluded"].to_numpy(bool)):
        out += [float(np.sqrt(np.mean(np.log(pred[mask] / loss[mask]) ** 2))),
                float(np.median(np.abs(pred[mask] - loss[mask])))]
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--bayes", action="store_true", help="also time and tabulate the Bayesian fit")
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--draws", type=int, default=4000)
    parser.add_argument("--tune", type=int, default=1000)
    args = parser.parse_args(argv)

    from scaling import datasets, fitting, library

    runs = datasets.load("muennighoff_runs")
    print(f"cores visible: {os.cpu_count()}; runs: {len(runs)} ({int(runs['excluded'].sum())} excluded)")
    t0 = time.perf_counter()
    ours = fitting.fit(runs, law="data_constrained")
    t_grid = time.perf_counter() - t0
    print(f"grid fit: {t_grid:.2f} s for {ours.starts['n_starts']} starts (goal {GRID_GOAL_S:g} s)")
    t0 = time.perf_counter()
    boot = fitting.fit(runs, law="data_constrained", bootstrap=args.bootstrap, seed=0)
    t_boot = time.perf_counter() - t0 - t_grid
    print(f"bootstrap: {t_boot:.2f} s for {args.bootstrap} resamples, after the grid fit "
          f"(goal {BOOTSTRAP_GOAL_S:g} s for 1,000)")
    print(boot.summary().to_string(float_format=lambda v: f"{v:.4g}"))

    fits = {"published (muennighoff2023)": library.published_fit("muennighoff2023"),
            "ours (250 kept runs, default)": ours,
            "ours (all 283 runs)": fitting.fit(runs, law="data_constrained", include="all")}
    if args.bayes:
        from scaling import bayes

        t0 = time.perf_counter()
        post = bayes.fit(runs, law="data_constrained", chains=args.chains, draws=args.draws, tune=args.tune, seed=0)
        print(f"Bayesian fit: {time.perf_counter() - t0:.1f} s ({args.chains} chains x {args.draws} draws, tune "
              f"{args.tune}; stages {post.settings['timings_s']})")
        print(post.report())
        published = library.published_fit("muennighoff2023").params
        ps, bs = post.summary(), boot.summary()
        print("| parameter | posterior median [90%] | least squares [90% bootstrap] | published |")
        print("|---|---|---|---|")
        for name in post.params:
            print(f"| {name} | {ps.loc[name, 'value']:.4g} [{ps.loc[name, 'lower']:.4g}, {ps.loc[name, 'upper']:.4g}] | "
                  f"{bs.loc[name, 'value']:.4g} [{bs.loc[name, 'lower']:.4g}, {bs.loc[name, 'upper']:.4g}] | "
                  f"{published[name]:.4g} |")
        fits["ours, Bayesian (posterior medians, 250 kept runs)"] = post
    print("| fit | RMS log error, all 283 | median abs. error, all 283 | RMS log error, 250 kept | "
          "median abs. error, 250 kept |")
    print("|---|---|---|---|---|")
    for name, fit in fits.items():
        print(f"| {name} | " + " | ".join(f"{v:.4f}" for v in errors(fit, runs)) + " |")


if __name__ == "__main__":
    main()
