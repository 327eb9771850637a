r"""Simulation-based calibration (SBC) of the Bayesian Chinchilla fit (Talts et al. 2018).

Talts, Betancourt, Simpson, Vehtari & Gelman (2018), "Validating Bayesian Inference
Algorithms with Simulation-Based Calibration", https://arxiv.org/abs/1804.06788.

For ``i = 1..n``: draw parameters :math:`\theta_i` from the prior of
:func:`scaling.bayes.model.build_model`, simulate log-losses on the Chinchilla design (the
240 kept (N, D) pairs of ``chinchilla_runs``) from the model's Student-t likelihood, fit the
same model to them with the package's sampler (:func:`scaling.bayes.samplers.sample`,
nutpie) and record the rank of :math:`\theta_i` among ``L`` thinned posterior draws. If
the sampler and the model are right, every rank is uniform on ``0..L``.

The production fit centres its priors on the data (median loss, mean log N and log D).
SBC needs a prior that does not move with the data, so here the centring constants are
fixed at the values of the real Chinchilla runs: the model checked is the production
model with the priors it has on the Chinchilla data.

Usage (expensive: ~10 s per dataset on 2 cores; run it once in the background)::

    nohup python validation/sbc.py --n 100 --draws 200 --tune 200 --jobs 1 > validation/results/sbc.log 2>&1 &

Writes ``validation/results/sbc_ranks.csv`` (one row per dataset, appended as it goes, so a
partial run keeps its rows); ``validation/calibration.py --sbc-only`` turns it into the
table and figure of ``docs/calibration.md``.
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "sbc_ranks.csv"
#: Free parameters of the model whose ranks are recorded.
SBC_PARAMS = ("alpha", "beta", "log_E", "a_c", "b_c", "sigma", "nu")


def design():
    """The Chinchilla design: log N, log D of the 240 kept runs, and the real data's ModelData."""
    from scaling import datasets
    from scaling.bayes.model import ModelData

    runs = datasets.load("chinchilla_runs")
    runs = runs.loc[~runs["excluded"]].reset_index(drop=True)
    return ModelData.from_arrays(runs["n_params"], runs["n_tokens"], runs["loss"])


def with_observed(base, log_loss):
    """``base`` (fixed centring constants) with simulated observations."""
    from scaling.bayes.model import ModelData

    return ModelData(log_n=base.log_n, log_d=base.log_d, log_loss=np.asarray(log_loss, dtype=float),
                     centre_log_n=base.centre_log_n, centre_log_d=base.centre_log_d,
                     centre_loss=base.centre_loss)


def prior_draws(base, n: int, seed: int):
    """``n`` prior draws of the free parameters and one simulated data set each."""
    import logging

    import pymc as pm

    from scaling.bayes.model import build_model

    logging.getLogger("pymc").setLevel(logging.WARNING)
    model = build_model(base, "centred")
    prior = pm.sample_prior_predictive(draws=n, model=model, random_seed=np.random.default_rng(seed),
                                       var_names=[*SBC_PARAMS, "log_loss"])
    theta = {p: np.asarray(prior.prior[p].values).reshape(-1) for p in SBC_PARAMS}
    sims = np.asarray(prior.prior_predictive["log_loss"].values).reshape(n, -1)
    return theta, sims


def sbc_row(base, theta: dict, log_loss, i: int, draws: int, tune: int, chains: int, thin: int, seed: int) -> dict:
    """Fit data set ``i`` and rank its true parameters among the thinned posterior draws.

    The fit's seed is ``seed + 1 + i``: a row is the same whichever process computes it.
    """
    import warnings

    from scaling.bayes.diagnostics import import_arviz
    from scaling.bayes.model import build_model
    from scaling.bayes.samplers import sample

    warnings.simplefilter("ignore")
    az = import_arviz()
    t0 = time.perf_counter()
    model = build_model(with_observed(base, log_loss), "centred")
    idata, _ = sample(model, draws=draws, tune=tune, chains=chains, seed=seed + 1 + i, target_accept=0.9)
    post = idata.posterior
    row = {"i": i}
    n_ranked = 0
    for p in SBC_PARAMS:
        v = np.asarray(post[p].values)[:, ::thin].reshape(-1)
        n_ranked = v.size
        row[f"rank_{p}"] = int(np.sum(v < theta[p][i]))
        row[f"true_{p}"] = float(theta[p][i])
    summ = az.summary(idata, var_names=list(SBC_PARAMS), kind="diagnostics")
    row.update(n_ranked=n_ranked, divergences=int(np.asarray(idata.sample_stats["diverging"].values).sum()),
               max_r_hat=float(summ["r_hat"].max()), min_ess_bulk=float(summ["ess_bulk"].min()),
               seconds=round(time.perf_counter() - t0, 2))
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100, help="simulated data sets")
    parser.add_argument("--draws", type=int, default=200, help="posterior draws per chain")
    parser.add_argument("--tune", type=int, default=200, help="tuning steps per chain")
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--thin", type=int, default=4, help="keep every thin-th draw for the ranks")
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--jobs", type=int, default=1,
                        help="data sets fitted at a time through joblib (same rows; joblib's backend decides where)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")

    import warnings

    from joblib import Parallel, delayed

    warnings.simplefilter("ignore")
    base = design()
    theta, sims = prior_draws(base, args.n, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    done = 0
    if args.out.exists():  # resume: keep the rows already written
        with args.out.open() as fh:
            done = sum(1 for _ in csv.DictReader(fh))
    fields = ["i", *[f"rank_{p}" for p in SBC_PARAMS], *[f"true_{p}" for p in SBC_PARAMS], "n_ranked",
              "divergences", "max_r_hat", "min_ess_bulk", "seconds"]
    t_start = time.perf_counter()
    settings = dict(draws=args.draws, tune=args.tune, chains=args.chains, thin=args.thin, seed=args.seed)
    with args.out.open("a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        if done == 0:
            writer.writeheader()
        for lo in range(done, args.n, args.jobs):  # batches: rows written (and resumable) as they come
            batch = range(lo, min(lo + args.jobs, args.n))
            rows = (Parallel(n_jobs=args.jobs)(delayed(sbc_row)(base, theta, sims[i], i, **settings) for i in batch)
                    if args.jobs > 1 else [sbc_row(base, theta, sims[i], i, **settings) for i in batch])
            for row in rows:
                writer.writerow(row)
                fh.flush()
                print(f"{row['i'] + 1}/{args.n} {row['seconds']} s, divergences {row['divergences']}, "
                      f"r_hat {row['max_r_hat']:.3f}", flush=True)
    print(f"total {time.perf_counter() - t_start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
