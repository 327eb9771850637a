"""``scaling.bayes.fit``: validate the runs, build the model, sample, check, wrap."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from .._checks import check_int
from .._io import utc_now
from ..errors import ScalingError
from ..datasets import runs_sha256, validate_runs
from ..runs import data_path as source_path
from ..laws import get_law
from .diagnostics import import_arviz
from .result import BayesFitResult, stamp
from .samplers import SamplerSettings

SUPPORTED_LAWS = ("chinchilla", "data_constrained", "data_constrained_untied")
INCLUDE_OPTIONS = (None, "kept", "all")
PRIOR_PREDICTIVE_DRAWS = 500
#: Variables kept from the prior draws (those a model has), besides the simulated log-losses.
PRIOR_VARIABLES = ("alpha", "beta", "log_E", "log_R_D_star", "log_R_N_star", "sigma", "nu", "E", "A", "B",
                   "R_D_star", "R_N_star")


def select_runs(runs: pd.DataFrame, include: str | None) -> tuple[pd.DataFrame, int]:
    """The runs to fit and how many were left out.

    ``include=None`` (or ``"kept"``) drops rows flagged ``excluded`` (the 5 highest-loss Chinchilla
    runs, as Besiroglu et al. 2024 do); ``include="all"`` keeps every row. A user's
    table read with :func:`scaling.datasets.read_runs` has ``excluded`` all False,
    so it is never trimmed.
    """
    if include not in INCLUDE_OPTIONS:
        raise ScalingError(f"unknown include {include!r}; allowed: None or 'kept' (drop runs flagged "
                         "'excluded'), 'all'")
    runs = validate_runs(runs)
    excluded = runs["excluded"].fillna(False).astype(bool).to_numpy()
    if include == "all":
        return runs, 0
    kept = runs.loc[~excluded].reset_index(drop=True)
    if len(kept) == 0:
        raise ScalingError("every run is flagged 'excluded'; pass include='all' to fit them anyway")
    return kept, int(excluded.sum())


def fit(runs: pd.DataFrame, law: str = "chinchilla", seed: int = 0, sampler: str | SamplerSettings = "nutpie",
        draws: int | None = None, tune: int | None = None, chains: int | None = None, include: str | None = None,
        target_accept: float | None = None, progress: bool = False) -> BayesFitResult:
    """Fit a scaling law to training runs as a Bayesian model (PyMC) and sample it with NUTS.

    .. math::

        \\log L_i \\sim \\mathrm{StudentT}\\left(\\nu,\\; \\log\\!\\left(E + \\frac{A}{N_i^{\\alpha}}
            + \\frac{B}{D_i^{\\beta}}\\right),\\; \\sigma\\right)

    The law is Hoffmann et al. (2022), Eq. 2; the data, the 5 excluded runs and the
    robust (Huber) least-squares reference are from Besiroglu et al. (2024). Model,
    priors and parameterisation: :func:`scaling.bayes.model.build_model`. The
    data-constrained law (Muennighoff et al. 2023, arXiv:2305.16264, Eq. 5) replaces
    :math:`N, D` by the effective :math:`N', D'` of :mod:`scaling.laws`, with priors on
    :math:`\\log R_D^*, \\log R_N^*` too: :func:`scaling.bayes.model.build_data_constrained_model`.

    Parameters
    ----------
    runs : pandas.DataFrame
        ``n_params``, ``n_tokens`` (or ``compute_flops``), ``loss`` and optionally
        ``excluded`` (e.g. ``scaling.datasets.load("chinchilla_runs")`` or
        ``scaling.datasets.read_runs(path)``, whose path the result records as
        ``data_path``); ``n_unique_tokens`` too for the data-constrained laws.
    law : str
        ``"chinchilla"`` (:math:`E + A/N^\\alpha + B/D^\\beta`), ``"data_constrained"``
        (:math:`E + A/N'^\\alpha + B/D'^\\alpha`, tied exponents as in the paper) or
        ``"data_constrained_untied"`` (:math:`E + A/N'^\\alpha + B/D'^\\beta`).
    seed : int
        Seeds the sampler, the initial points and the predictive draws; the same seed
        gives the same draws.
    sampler : SamplerSettings or {"nutpie", "pymc"}
        The sampler's settings, ``SamplerSettings(sampler, draws, tune, chains,
        target_accept)`` (:class:`scaling.bayes.samplers.SamplerSettings`; defaults nutpie,
        1,000, 1,000, 2, 0.9); or the sampler's name, ``"nutpie"`` (default, the faster: see
        ``benchmarks/bench_bayes.py``) or PyMC's own NUTS, with the other settings as keywords.
    draws, tune, chains : int, optional
        Posterior draws and tuning steps per chain, and the number of chains (left out:
        the defaults above; not with ``SamplerSettings``).
    include : None, "kept" or "all"
        None or ``"kept"`` drops runs flagged ``excluded``; ``"all"`` fits every run.
    target_accept : float, optional
        NUTS target acceptance rate, in (0, 1); higher means smaller steps and fewer
        divergences (not with ``SamplerSettings``).
    progress : bool
        Show the sampler's progress bar.

    Returns
    -------
    BayesFitResult
        Posterior medians in ``params``, draws, diagnostics (:meth:`~BayesFitResult.report`
        warns when R-hat > 1.01, ESS < 400 or any divergence), prior and posterior
        predictive draws in ``idata``.

    Examples
    --------
    >>> from scaling import bayes, datasets                      # doctest: +SKIP
    >>> res = bayes.fit(datasets.load("chinchilla_runs"))        # doctest: +SKIP
    >>> print(res.report())                                       # doctest: +SKIP
    """
    from .model import ModelData, build_law_model
    from .samplers import sample_nutpie, sample_pymc

    if law not in SUPPORTED_LAWS:
        raise ScalingError(f"law {law!r} is not supported by scaling.bayes; supported laws: "
                         f"{', '.join(SUPPORTED_LAWS)}")
    sampling = SamplerSettings.resolve(sampler, draws=draws, tune=tune, chains=chains, target_accept=target_accept)
    seed = check_int("seed", seed, 0)
    fitted, n_excluded = select_runs(runs, include)
    # a law with covariates (data_constrained: n_unique_tokens) reads them from the runs, checked
    covariates = get_law(law).covariate_values(fitted)

    t0 = time.perf_counter()
    data = ModelData.from_arrays(fitted["n_params"], fitted["n_tokens"], fitted["loss"], **covariates)
    model = build_law_model(data, law, "centred")
    t1 = time.perf_counter()
    run = sample_nutpie if sampling.sampler == "nutpie" else sample_pymc
    idata, sampler_timings = run(model, draws=sampling.draws, tune=sampling.tune, chains=sampling.chains, seed=seed,
                                 target_accept=sampling.target_accept, progress=bool(progress))
    t2 = time.perf_counter()
    idata = add_predictive(idata, model, fitted, seed, covariates)
    t3 = time.perf_counter()
    timings = {"build": round(t1 - t0, 3), "compile_and_sample": round(t2 - t1, 3),
               **{k.removesuffix("_s"): round(v, 3) for k, v in sampler_timings.items()},
               "predictive": round(t3 - t2, 3)}
    settings = _fit_settings(sampling, include, data, law, timings)
    return _stamped_result(idata, runs, law, len(fitted), n_excluded, seed, settings)


def _fit_settings(sampling: SamplerSettings, include, data, law: str, timings: dict) -> dict:
    """The settings a posterior records: the sampler's, the runs kept, the model and the timings."""
    from .model import prior_settings

    return {
        **sampling.as_dict(),
        "include": include,
        "parameterisation": "centred",
        "likelihood": "StudentT on log-loss",
        "centre_log_n": data.centre_log_n,
        "centre_log_d": data.centre_log_d,
        "centre_loss": data.centre_loss,
        "priors": prior_settings(data, law),
        "mass_matrix": "low-rank modified (nutpie)" if sampling.sampler == "nutpie" else "dense (PyMC adapt_full)",
        "timings_s": timings,
    }


def _stamped_result(idata, runs: pd.DataFrame, law: str, n_runs: int, n_excluded: int, seed: int,
                    settings: dict) -> BayesFitResult:
    """The result, with its metadata written on the posterior (what :func:`scaling.bayes.load` reads back).

    The hash is of the whole table passed in (as the least-squares fit records it), so that a
    saved fit can be checked against the table it was made from, whatever ``include`` kept.
    """
    result = BayesFitResult.from_idata(idata, law=law, n_runs=n_runs, n_excluded=n_excluded,
                                       data_sha256=runs_sha256(validate_runs(runs)), seed=seed, settings=settings,
                                       created=utc_now(), data_path=source_path(runs))
    stamp(idata, result.posterior_attrs())
    return result


def add_predictive(idata, model, runs: pd.DataFrame, seed: int, covariates: dict | None = None):
    """Attach prior and posterior predictive draws and the run sizes to ``idata``.

    ``prior``/``prior_predictive``: :data:`PRIOR_PREDICTIVE_DRAWS` draws from the
    priors; ``posterior_predictive``: one simulated data set per posterior draw.
    Each uses its own stream of ``seed``. ``constant_data`` holds ``n_params``,
    ``n_tokens`` and the law's ``covariates`` (e.g. ``n_unique_tokens``) of each run.
    """
    import pymc as pm
    import xarray as xr

    az = import_arviz()
    with warnings_silenced():
        prior = pm.sample_prior_predictive(
            draws=PRIOR_PREDICTIVE_DRAWS, model=model, random_seed=np.random.default_rng([seed, 1]),
            var_names=[name for name in PRIOR_VARIABLES if name in model.named_vars] + ["log_loss"],
        )
        post = pm.sample_posterior_predictive(
            idata, model=model, random_seed=np.random.default_rng([seed, 2]), progressbar=False,
            var_names=["log_loss"],
        )
    out = az.InferenceData(posterior=idata.posterior, sample_stats=idata.sample_stats)
    obs_dim = list(post.posterior_predictive["log_loss"].dims)[-1]
    constant = xr.Dataset({
        "n_params": (obs_dim, runs["n_params"].to_numpy(dtype=float)),
        "n_tokens": (obs_dim, runs["n_tokens"].to_numpy(dtype=float)),
        **{name: (obs_dim, np.asarray(values, dtype=float)) for name, values in (covariates or {}).items()},
    })
    # Simulated log-losses are stored in float32 (7 significant digits, far finer than the
    # noise they simulate): it halves the saved file.
    out.add_groups(
        prior=prior.prior,
        prior_predictive=prior.prior_predictive.astype("float32"),
        posterior_predictive=post.posterior_predictive.astype("float32"),
        observed_data=post.observed_data,
        constant_data=constant,
    )
    return out


class warnings_silenced:
    """Silence PyMC/ArviZ chatter (INFO logs, FutureWarning, UserWarning) in the predictive draws."""

    def __enter__(self):
        import logging
        import warnings

        # PyMC logs "Sampling: [...]" at INFO for every predictive draw.
        self._logger = logging.getLogger("pymc")
        self._level = self._logger.level
        self._logger.setLevel(logging.WARNING)
        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", UserWarning)
        return self

    def __exit__(self, *exc):
        self._logger.setLevel(self._level)
        return self._ctx.__exit__(*exc)
