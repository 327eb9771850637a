r"""Do the package's 90% intervals cover the truth? Coverage on synthetic data from a known law.

Design: the 240 kept (N, D) pairs of ``chinchilla_runs`` (Hoffmann et al. 2022, Fig. 4, as
digitised by Besiroglu et al. 2024). Truth: the Chinchilla law fitted to those runs
(:data:`TRUTH`, the Huber fit of :func:`scaling.fitting.fit`). Noise on log-loss, two kinds
with the residual scale of the real fit (RMS log residual 0.0075):

``normal``
    :math:`\log L_i = \log L(N_i, D_i) + \varepsilon_i`, :math:`\varepsilon_i \sim N(0, 0.0075^2)`;
``student``
    :math:`\varepsilon_i = s\,t_\nu` with :math:`\nu = 4`, :math:`s = 0.0075/\sqrt{2}` (same
    variance; heavier tails, like the few badly digitised runs of the real data).

For each simulated data set the package's own procedure is run and we record whether each
90% interval contains the true value:

- ``bootstrap``: :func:`scaling.fitting.fit` (Huber, coarse grid) with ``B`` bootstrap
  resamples, percentile intervals (:meth:`FitResult.summary`);
- ``bayes``: :func:`scaling.bayes.fit` (Student-t likelihood, 2 chains), equal-tailed
  posterior intervals.

Quantities: the law's parameters, the compute-optimal split (a, b, G) and
:math:`N^*, D^*` at :math:`C = 5.76 \times 10^{23}` FLOPs (Chinchilla's budget). With ``M``
data sets a correct 90% interval covers a binomial share: the report gives the central 95%
range of Binomial(M, 0.9) / M (for M = 100: 84%-95%).

Usage::

    python validation/calibration.py bootstrap --n 100 --bootstrap 200 --noise normal
    python validation/calibration.py bootstrap --n 100 --bootstrap 200 --noise student
    python validation/calibration.py bayes --n 20 --noise student
    python validation/calibration.py bootstrap --n 100 --jobs 2   # data sets fitted side by side (joblib)
    python validation/calibration.py report          # tables (markdown) and figures

Results go to ``validation/results/coverage_<method>_<noise>.csv`` (one row per data set,
appended as it goes) and the report prints the tables of ``docs/calibration.md`` and writes
``docs/figures/calibration_*.png``. SBC of the Bayesian fit: ``validation/sbc.py``.
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
FIGURES = HERE.parent / "docs" / "figures"
#: The truth: the Huber fit of the Chinchilla law to the 240 kept runs (scaling.fitting.fit, hoffmann grid).
TRUTH = {"E": 1.8172181831523597, "A": 477.8267843415725, "B": 2143.4146737598417,
         "alpha": 0.34731061396778573, "beta": 0.36717236941173187}
SIGMA = 0.0075
NU = 4.0
COMPUTE_FLOPS = 5.76e23
QUANTITIES = ("E", "A", "B", "alpha", "beta", "a", "b", "G", "n_params_opt", "n_tokens_opt")
LEVEL = 0.9


def design() -> tuple[np.ndarray, np.ndarray]:
    """N and D of the 240 kept Chinchilla runs."""
    from scaling import datasets

    runs = datasets.load("chinchilla_runs")
    runs = runs.loc[~runs["excluded"]]
    return runs["n_params"].to_numpy(float), runs["n_tokens"].to_numpy(float)


def true_values(truth: dict = TRUTH) -> dict[str, float]:
    """The true parameters, derived quantities and N*, D* at :data:`COMPUTE_FLOPS`."""
    from scaling.laws import get_law

    law = get_law("chinchilla")
    n_opt, d_opt = law.allocate(truth, COMPUTE_FLOPS)
    return {**truth, **{k: float(v) for k, v in law.derived(truth).items()},
            "n_params_opt": float(n_opt), "n_tokens_opt": float(d_opt)}


def simulate(n, d, noise: str, rng: np.random.Generator, truth: dict = TRUTH, sigma: float = SIGMA):
    """One synthetic runs table: the true law times log-space noise (``normal`` or ``student``)."""
    import pandas as pd

    from scaling.laws import get_law

    mu = np.log(get_law("chinchilla").predict(truth, n, d))
    if noise == "normal":
        eps = sigma * rng.standard_normal(n.size)
    elif noise == "student":
        eps = sigma / math.sqrt(NU / (NU - 2)) * rng.standard_t(NU, n.size)
    else:
        raise ValueError(f"unknown noise {noise!r}; allowed: normal, student")
    return pd.DataFrame({"n_params": n, "n_tokens": d, "loss": np.exp(mu + eps)})


def intervals(result, level: float = LEVEL) -> dict[str, tuple[float, float]]:
    """``level`` intervals of every quantity from a fit's draws (N*, D* through the law)."""
    from scaling.laws import get_law
    from scaling.results import interval

    law = get_law("chinchilla")
    s = result.summary(level)
    out = {q: (float(s.loc[q, "lower"]), float(s.loc[q, "upper"])) for q in QUANTITIES[:8]}
    n_opt, d_opt = law.allocate({p: result.draws[p].to_numpy(float) for p in law.param_names}, COMPUTE_FLOPS)
    for q, v in (("n_params_opt", n_opt), ("n_tokens_opt", d_opt)):
        lo, hi, _ = interval(v, level)
        out[q] = (float(lo), float(hi))
    return out


def fit_one(runs, method: str, bootstrap: int, seed: int):
    from scaling import fitting

    if method == "bootstrap":
        return fitting.fit(runs, grid="coarse", bootstrap=bootstrap, seed=seed)
    from scaling import bayes

    return bayes.fit(runs, seed=seed, draws=500, tune=500, chains=2)


def coverage_row(method: str, i: int, noise: str, bootstrap: int = 200, seed: int = 0) -> dict:
    """One simulated data set's row: covered flag and interval of every quantity.

    The data set's randomness comes from its own generator, ``default_rng([seed, i, noise])``,
    and its fit's seed is ``seed + i``: a row is the same whichever process computes it.
    """
    import warnings

    warnings.simplefilter("ignore")
    n, d = design()
    truth = true_values()
    rng = np.random.default_rng([seed, i, 0 if noise == "normal" else 1])
    runs = simulate(n, d, noise, rng)
    t0 = time.perf_counter()
    res = fit_one(runs, method, bootstrap, seed + i)
    iv = intervals(res)
    row = {"i": i, "seconds": round(time.perf_counter() - t0, 2)}
    for q in QUANTITIES:
        lo, hi = iv[q]
        row[f"cover_{q}"] = int(lo <= truth[q] <= hi)
        row[f"lower_{q}"], row[f"upper_{q}"] = lo, hi
    return row


def coverage_rows(method: str, n_datasets: int, noise: str, bootstrap: int = 200, seed: int = 0, start: int = 0,
                  jobs: int = 1):
    """Yield one row per simulated data set, in order; ``jobs`` data sets fitted at a time through joblib.

    joblib's backend is the user's choice (``with joblib.parallel_config(backend="dask"):`` sends
    the fits to a Dask cluster, for one); the rows do not depend on it or on ``jobs``.
    """
    from joblib import Parallel, delayed

    if jobs == 1:
        for i in range(start, n_datasets):
            yield coverage_row(method, i, noise, bootstrap, seed)
        return
    for lo in range(start, n_datasets, jobs):  # batches, so rows are written (and resumable) as they come
        batch = range(lo, min(lo + jobs, n_datasets))
        yield from Parallel(n_jobs=jobs)(delayed(coverage_row)(method, i, noise, bootstrap, seed) for i in batch)


def run(method: str, n_datasets: int, noise: str, bootstrap: int, seed: int, jobs: int = 1) -> Path:
    import warnings

    warnings.simplefilter("ignore")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"coverage_{method}_{noise}.csv"
    done = 0
    if out.exists():
        with out.open() as fh:
            done = sum(1 for _ in csv.DictReader(fh))
    fields = ["i", "seconds", *[f"{k}_{q}" for q in QUANTITIES for k in ("cover", "lower", "upper")]]
    with out.open("a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        if done == 0:
            writer.writeheader()
        for row in coverage_rows(method, n_datasets, noise, bootstrap, seed, start=done, jobs=jobs):
            writer.writerow(row)
            fh.flush()
            print(f"{method} {noise} {row['i'] + 1}/{n_datasets} {row['seconds']} s", flush=True)
    return out


# ======================================================================================
# report
# ======================================================================================
def binomial_band(m: int, level: float = LEVEL, prob: float = 0.95) -> tuple[float, float]:
    """Where a correct ``level`` interval's coverage over ``m`` data sets falls with probability ``prob``.

    The central ``prob`` range of Binomial(m, level) / m.
    """
    from scipy import stats

    lo, hi = stats.binom.ppf([(1 - prob) / 2, (1 + prob) / 2], m, level)
    return float(lo) / m, float(hi) / m


def coverage_table() -> str:
    import pandas as pd

    lines = []
    files = sorted(RESULTS.glob("coverage_*.csv"))
    if not files:
        return "(no coverage results yet)"
    cols, tables = [], {}
    for f in files:
        df = pd.read_csv(f)
        name = f.stem.removeprefix("coverage_")
        lo, hi = binomial_band(len(df))
        tables[name] = (df, lo, hi)
        cols.append(f"{name} (M={len(df)})")
    lines.append("| quantity | " + " | ".join(cols) + " |")
    lines.append("|---|" + "---|" * len(cols))
    for q in QUANTITIES:
        cells = []
        for df, _, _ in tables.values():
            cells.append(f"{df[f'cover_{q}'].mean():.0%}")
        lines.append(f"| {q} | " + " | ".join(cells) + " |")
    band = [f"{lo:.0%}-{hi:.0%}" for _, lo, hi in tables.values()]
    lines.append("| 95% band of a correct 90% interval | " + " | ".join(band) + " |")
    secs = [f"{df['seconds'].median():.1f} s" for df, _, _ in tables.values()]
    lines.append("| median seconds per fit | " + " | ".join(secs) + " |")
    return "\n".join(lines)


def sbc_table(path: Path = RESULTS / "sbc_ranks.csv", bins: int = 10) -> str:
    """Chi-square test of uniform SBC ranks per parameter (Talts et al. 2018), and the runs' diagnostics."""
    import pandas as pd
    from scipy import stats

    if not path.exists():
        return "(no SBC results yet)"
    df = pd.read_csv(path)
    L = int(df["n_ranked"].iloc[0])
    lines = [f"{len(df)} simulated data sets, ranks among {L} thinned draws, {bins} bins "
             f"(expected {len(df) / bins:.1f} per bin)", "",
             "| parameter | mean rank / L (expected 0.5) | share of ranks in the first and last bins (expected 0.2) | chi-square p (uniform ranks) |",
             "|---|---|---|---|"]
    for p in ("alpha", "beta", "log_E", "a_c", "b_c", "sigma", "nu"):
        r = df[f"rank_{p}"].to_numpy()
        counts = np.histogram(r, bins=bins, range=(0, L + 1))[0]
        chi = stats.chisquare(counts)
        outer = float(np.mean((r < (L + 1) / bins) | (r >= (L + 1) * (1 - 1 / bins))))
        lines.append(f"| {p} | {r.mean() / L:.2f} | {outer:.2f} | {chi.pvalue:.3f} |")
    lines += ["", f"divergent transitions: {int((df['divergences'] > 0).sum())} of {len(df)} fits had any "
                  f"(total {int(df['divergences'].sum())}); R-hat > 1.01 in {int((df['max_r_hat'] > 1.01).sum())}, "
                  f"> 1.05 in {int((df['max_r_hat'] > 1.05).sum())}; median bulk ESS (smallest parameter) "
                  f"{df['min_ess_bulk'].median():.0f}; {df['seconds'].sum() / 60:.0f} min in all "
                  f"(median {df['seconds'].median():.1f} s per fit)"]
    return "\n".join(lines)


def figures() -> list[Path]:
    """Coverage per quantity (points with the binomial band) and SBC rank histograms."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    FIGURES.mkdir(parents=True, exist_ok=True)
    out = []
    files = sorted(RESULTS.glob("coverage_*.csv"))
    if files:
        fig, ax = plt.subplots(figsize=(7, 3.2))
        x = np.arange(len(QUANTITIES))
        for j, f in enumerate(files):
            df = pd.read_csv(f)
            cov = [df[f"cover_{q}"].mean() for q in QUANTITIES]
            lo, hi = binomial_band(len(df))
            ax.plot(x + 0.1 * j, cov, "o", label=f"{f.stem.removeprefix('coverage_')} (M={len(df)})")
        ax.axhline(LEVEL, color="k", lw=0.8)
        ax.axhspan(0.85, 0.95, color="0.9", zorder=0, label="goal 85-95%")
        ax.set_xticks(x, QUANTITIES, rotation=30, ha="right")
        ax.set_ylabel("coverage of 90% intervals")
        ax.legend(fontsize=7, frameon=False, loc="lower left")
        fig.tight_layout()
        path = FIGURES / "calibration_coverage.png"
        fig.savefig(path, dpi=150)
        out.append(path)
    sbc = RESULTS / "sbc_ranks.csv"
    if sbc.exists():
        df = pd.read_csv(sbc)
        L = int(df["n_ranked"].iloc[0])
        params = ("alpha", "beta", "log_E", "a_c", "b_c", "sigma", "nu")
        fig, axes = plt.subplots(1, len(params), figsize=(12, 2.2), sharey=True)
        for ax, p in zip(axes, params):
            ax.hist(df[f"rank_{p}"], bins=10, range=(0, L + 1), color="C0")
            ax.axhline(len(df) / 10, color="k", lw=0.8)
            ax.set_title(p, fontsize=9)
        fig.tight_layout()
        path = FIGURES / "calibration_sbc_ranks.png"
        fig.savefig(path, dpi=150)
        out.append(path)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("bootstrap", "bayes", "report"))
    parser.add_argument("--n", type=int, default=100, help="simulated data sets")
    parser.add_argument("--noise", choices=("normal", "student"), default="normal")
    parser.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples per fit")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1, help="data sets fitted at a time (joblib; same rows)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    if args.what == "report":
        print("## Coverage of 90% intervals\n")
        print(coverage_table())
        print("\n## Simulation-based calibration\n")
        print(sbc_table())
        for path in figures():
            print(f"wrote {path}")
        return
    run(args.what, args.n, args.noise, args.bootstrap, args.seed, args.jobs)


if __name__ == "__main__":
    main()
