"""Time the Bayesian Chinchilla fit: the default fit against a naive parameterisation.

Usage::

    python benchmarks/bench_bayes.py                      # default fit vs naive, same sampler
    python benchmarks/bench_bayes.py --naive-draws 300    # shorter naive run
    python benchmarks/bench_bayes.py --samplers           # also PyMC NUTS and nutpie's numba compile
    python benchmarks/bench_bayes.py --diagonal           # also both models with a diagonal mass matrix

Each configuration runs in a fresh Python process, so every wall time includes the
imports (PyMC, nutpie, ArviZ), model build and compile as a user would see them; the
time of ``import`` alone is printed separately. Timings on a shared machine are
inflated by other jobs: compare ratios from the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

_CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
t0 = time.perf_counter()
import numpy as np
import pymc, nutpie
from scaling import datasets
from scaling.bayes.result import import_arviz, derived_draws, _diagnose, _count_divergences
az = import_arviz()
t_import = time.perf_counter() - t0
cfg = json.loads(sys.argv[1])
t1 = time.perf_counter()
if cfg["kind"] == "default":
    from scaling import bayes
    res = bayes.fit(datasets.load("chinchilla_runs"), seed=cfg["seed"], draws=cfg["draws"],
                    tune=cfg["tune"], sampler=cfg["sampler"])
    idata, timings = res.idata, res.settings["timings_s"]
else:
    from scaling.bayes.core import select_runs
    from scaling.bayes.model import ModelData, build_model
    from scaling.bayes import samplers
    runs, _ = select_runs(datasets.load("chinchilla_runs"), None)
    model = build_model(ModelData.from_arrays(runs["n_params"], runs["n_tokens"], runs["loss"]),
                        cfg["parameterisation"])
    run = {"nutpie": samplers.sample_nutpie, "nutpie-numba": samplers.sample_nutpie_numba,
           "pymc": samplers.sample_pymc}[cfg["sampler"]]
    extra = {"low_rank": False} if cfg.get("diagonal") else {}
    idata, timings = run(model, draws=cfg["draws"], tune=cfg["tune"], chains=2, seed=cfg["seed"],
                         target_accept=0.9, progress=False, **extra)
wall = time.perf_counter() - t1
table = _diagnose(derived_draws(idata.posterior))
print(json.dumps({"import_s": t_import, "fit_s": wall, "timings": timings,
                  "min_ess_bulk": float(table["ess_bulk"].min()),
                  "min_ess_param": str(table["ess_bulk"].idxmin()),
                  "max_r_hat": float(table["r_hat"].max()),
                  "divergences": _count_divergences(idata),
                  "n_draws": int(idata.posterior.sizes["chain"] * idata.posterior.sizes["draw"])}))
"""


def run_one(cfg: dict) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(cfg)], capture_output=True, text=True)
    total = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed for {cfg}:\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_s"] = total
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--tune", type=int, default=1000)
    parser.add_argument("--naive-draws", type=int, default=1000,
                        help="draws and tune of the naive run (it can be slow)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--samplers", action="store_true",
                        help="also time the centred model with PyMC NUTS and nutpie's numba compile")
    parser.add_argument("--diagonal", action="store_true",
                        help="also time both parameterisations with nutpie's diagonal mass matrix")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)

    configs = [
        ("default fit (nutpie, centred, + predictive)",
         {"kind": "default", "sampler": "nutpie", "draws": args.draws, "tune": args.tune, "seed": args.seed}),
        ("naive log A, log B vs raw log N, log D (nutpie)",
         {"kind": "model", "parameterisation": "naive", "sampler": "nutpie",
          "draws": args.naive_draws, "tune": args.naive_draws, "seed": args.seed}),
    ]
    if args.samplers:
        configs += [
            ("centred, nutpie numba compile",
             {"kind": "model", "parameterisation": "centred", "sampler": "nutpie-numba",
              "draws": args.draws, "tune": args.tune, "seed": args.seed}),
            ("centred, PyMC NUTS (dense mass matrix)",
             {"kind": "model", "parameterisation": "centred", "sampler": "pymc",
              "draws": args.draws, "tune": args.tune, "seed": args.seed}),
        ]
    if args.diagonal:
        configs += [
            ("centred, nutpie diagonal mass matrix",
             {"kind": "model", "parameterisation": "centred", "sampler": "nutpie", "diagonal": True,
              "draws": args.draws, "tune": args.tune, "seed": args.seed}),
            ("naive, nutpie diagonal mass matrix",
             {"kind": "model", "parameterisation": "naive", "sampler": "nutpie", "diagonal": True,
              "draws": args.naive_draws, "tune": args.naive_draws, "seed": args.seed}),
        ]
    results = {}
    for label, cfg in configs:
        results[label] = {**cfg, **run_one(cfg)}
        r = results[label]
        print(f"{label}: {r['fit_s']:.1f} s fit (+{r['import_s']:.1f} s imports; process {r['process_s']:.1f} s), "
              f"min bulk ESS {r['min_ess_bulk']:.0f} ({r['min_ess_param']}), max R-hat {r['max_r_hat']:.4f}, "
              f"divergences {r['divergences']}, {r['n_draws']} draws; "
              + ", ".join(f"{k} {v:.1f} s" for k, v in r["timings"].items()), flush=True)
    default = results[configs[0][0]]
    naive = results[configs[1][0]]
    ratio = naive["fit_s"] / default["fit_s"]
    per_ess = (naive["fit_s"] / naive["min_ess_bulk"]) / (default["fit_s"] / default["min_ess_bulk"])
    print(f"naive / default wall time: {ratio:.2f}x; per effective draw (min bulk ESS): {per_ess:.2f}x")
    print(f"default fit incl. imports: {default['import_s'] + default['fit_s']:.1f} s "
          f"(goal <= 30 s on 2 cores; the machine may be shared)")
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
