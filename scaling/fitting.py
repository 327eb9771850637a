r"""Robust least-squares fits of scaling laws (Hoffmann et al. 2022, Approach 3), fast.

The Chinchilla law :math:`L(N, D) = E + A/N^\alpha + B/D^\beta` is fitted as in
Hoffmann et al. (2022, App. D.2) and Epoch AI's replication (Besiroglu et al. 2024):

.. math::

    \min_{a, b, e, \alpha, \beta} \sum_i \mathrm{Huber}_\delta\big(
        \mathrm{LSE}(a - \alpha \log N_i,\ b - \beta \log D_i,\ e) - \log L_i \big),
    \qquad A = e^a,\ B = e^b,\ E = e^e,

with :math:`\delta = 10^{-3}`, by L-BFGS from Hoffmann's grid of 4,500 starts
(:math:`\alpha, \beta \in \{0, 0.5, \dots, 2\}`, :math:`e \in \{-1, -0.5, \dots, 1\}`,
:math:`a, b \in \{0, 5, \dots, 25\}`), keeping the best. The sum (not the mean) is
minimised: with the mean the optimiser stops early (Besiroglu et al. 2024).

Every start runs its own L-BFGS, all advancing together (:mod:`scaling.optim`); the
objectives are in :mod:`scaling.objective`, the stages in :mod:`scaling.fit_starts` and the
result, :class:`FitResult`, in :mod:`scaling.fit_result` (its names are importable from here). The best few end points are then polished
with ``scipy.optimize.minimize(method="L-BFGS-B")``. The bootstrap refits every resample at
once the same way, from the full-data optimum as Epoch did, with multinomial counts as
weights (equivalent to resampling runs with replacement).

``method="huber-mle"`` is Epoch's Huber maximum-likelihood variant with a fitted scale
``sigma``; ``method="bayes"`` forwards to :func:`scaling.bayes.fit`.

Examples
--------
>>> from scaling import datasets, fitting
>>> result = fitting.fit(datasets.load("chinchilla_runs"), grid="coarse")
>>> round(result.params["alpha"], 2), result.n_excluded
(0.35, 5)
"""


from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from ._checks import check_int, check_number
from ._format import plural
from ._io import utc_now
from .datasets import runs_sha256
from .errors import ScalingError
from .fit_result import (MAX_CONDITION, MAX_RMS_LOG_RESIDUAL, READABLE_VERSIONS, SAVED_METHODS,  # noqa: F401
                         SCHEMA, SCHEMA_VERSION, FitResult)
from .fit_starts import GRIDS, MAX_BOOTSTRAP, best_start, bootstrap_thetas, grid_starts  # noqa: F401
from .laws import Law, get_law
from .objective import huber_objective, make_objective  # noqa: F401
# The run table and the shared checks live below this module (scaling.runs), so that the
# Bayesian and per-group fits use them without importing this one; the names stay importable
# from here (public ones unchanged; the private ones are deprecated aliases).
from .runs import (DRAWS_AT_BOUND_SHARE, INCLUDE, MIN_DISTINCT_SIZES, MIN_TAIL_DRAWS,  # noqa: F401
                   condition_number, data_path, data_range, draw_columns, draws_at_bound_warnings, draws_frame,
                   few_draws_warning, n_distinct, prepare_runs, range_warnings,
                   refuse_pooled_groups)

if TYPE_CHECKING:  # pandas loads where a DataFrame is built: loading a fit and sizing need none
    import pandas as pd

__all__ = [
    "fit", "FitResult", "load_fit", "huber_objective", "data_range",
    "SCHEMA", "SCHEMA_VERSION", "METHODS", "GRIDS", "MAX_BOOTSTRAP",
]

METHODS = ("huber", "huber-mle", "bayes")


def load_fit(path: str | os.PathLike, runs: pd.DataFrame | None = None):
    """Load a saved fit: ``.json`` -> :class:`FitResult`, ``.nc`` -> :func:`scaling.bayes.load`.

    Parameters
    ----------
    path : str or PathLike
    runs : DataFrame, optional
        If given, check that the fit was made from this table (data sha256).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ScalingError
        A foreign or corrupt file, an unsupported schema version, invalid values, or a data mismatch.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".nc":
        from . import bayes  # lazy: pulls in arviz

        result = bayes.load(path)
    elif suffix == ".json":
        result = FitResult.load(path)
    else:
        raise ScalingError(f"unknown fit file type {path.name!r}; expected .json (least squares) "
                           "or .nc (Bayesian)")
    if runs is not None:
        got = runs_sha256(runs)
        if got != result.data_sha256:
            raise ScalingError(f"{path} was fitted to other data (sha256 {result.data_sha256[:12]}..., "
                               f"these runs {got[:12]}...)")
    return result


# ======================================================================================
# fit()
# ======================================================================================
def fit(runs: pd.DataFrame, law: str = "chinchilla", method: str = "huber", delta: float = 1e-3,
        grid="hoffmann", include: str | None = None, bootstrap: int = 0, seed: int = 0,
        progress: Callable[[int, int], None] | None = None, groups: str | None = None, **bayes_kwargs):
    r"""Fit a scaling law to training runs (Hoffmann et al. 2022, Approach 3).

    Parameters
    ----------
    runs : pandas.DataFrame
        ``n_params``, ``n_tokens`` (or ``compute_flops``), ``loss``; optional ``excluded``.
    law : str
        ``"chinchilla"`` (default) or ``"kaplan"``.
    method : str
        ``"huber"``: minimise :math:`\sum_i \mathrm{Huber}_\delta(\log\hat L_i - \log L_i)`;
        ``"huber-mle"``: Epoch's Huber likelihood with a fitted scale ``sigma``;
        ``"bayes"``: forwards to :func:`scaling.bayes.fit` with ``bayes_kwargs``.
    delta : float
        Huber threshold (1e-3 as in Hoffmann et al.).
    grid : str or array
        ``"hoffmann"`` (4,500 starts for chinchilla), ``"coarse"`` (a few starts, for quick
        checks) or an array of starts in the law's ``theta_names`` order.
    include : {"kept", "all"} or None
        Rows marked ``excluded`` are left out by default (the 5 runs Epoch dropped from the
        shipped data); ``"all"`` keeps them. A table without that column is used whole.
    bootstrap : int
        Number of resamples (runs drawn with replacement), each refitted from the
        full-data optimum, at most :data:`MAX_BOOTSTRAP`. 0: no draws.
    seed : int
        Seed of the bootstrap (``np.random.default_rng(seed)``).
    progress : callable or bool, optional
        ``progress(done, total)`` during the bootstrap; for ``method="bayes"``, any true
        value shows the sampler's progress.
    **bayes_kwargs
        For ``method="bayes"`` only, the options of :func:`scaling.bayes.fit`: the sampler as
        ``sampler=SamplerSettings(...)`` (:class:`scaling.bayes.samplers.SamplerSettings`) or
        as the keywords ``sampler=``, ``draws=``, ``tune=``, ``chains=``, ``target_accept=``.
    groups : {None, "separate", "shared"}
        For runs with a ``group`` column (dataset, tokenizer): ``"separate"`` fits one law
        per group; ``"shared"`` fits one model with the exponents shared by every group and
        the other parameters (E, A, B for chinchilla) per group (:mod:`scaling.groups`).
        None (default) fits one law to runs of one group; runs of several groups are refused
        then (as :func:`scaling.compare.compare` refuses to pool them: their losses are in other
        units), unless the ``group`` column is dropped.

    Returns
    -------
    FitResult
        (or the Bayesian result for ``method="bayes"``); with ``groups``, a dict
        ``{group: FitResult}``.

    Notes
    -----
    The result records the data's sha256 and, for runs read by
    :func:`scaling.datasets.read_runs`, the file's path (``data_path``).
    """
    if method not in METHODS:
        raise ScalingError(f"unknown method {method!r}; known methods: {', '.join(METHODS)}")
    seed = check_int("seed", seed, 0)
    if groups is not None:
        from . import groups as _groups

        return _groups.fit_groups(runs, law=law, mode=groups, method=method, delta=delta, grid=grid,
                                  include=include, bootstrap=bootstrap, seed=seed, progress=progress,
                                  **bayes_kwargs)
    refuse_pooled_groups(runs)
    if method == "bayes":
        from . import bayes  # lazy: pulls in pymc

        given = [name for name, value, default in (("delta", delta, 1e-3), ("bootstrap", bootstrap, 0))
                 if not (value is default or value == default)]
        if not (isinstance(grid, str) and grid == "hoffmann"):
            given.append("grid")
        if given:
            raise ScalingError(f"{', '.join(given)} apply to the least-squares methods, not method='bayes' "
                               "(its options: draws, tune, chains, sampler, target_accept)")
        return bayes.fit(runs, law=law, seed=seed, include=include, progress=bool(progress), **bayes_kwargs)
    if bayes_kwargs:
        raise ScalingError(f"fit() got arguments only the Bayesian method takes: {', '.join(sorted(bayes_kwargs))}")
    return _fit_least_squares(runs, get_law(law), method, check_number("delta", delta), grid, include,
                              check_int("bootstrap", bootstrap, 0, MAX_BOOTSTRAP), seed, progress)


def _fit_least_squares(runs: pd.DataFrame, law: Law, method: str, delta: float, grid, include, bootstrap: int,
                       seed: int, progress) -> FitResult:
    """:func:`fit` by least squares (``huber``, ``huber-mle``), its arguments checked."""
    clean, kept, n_excluded, include = prepare_runs(runs, include)
    k = law.n_params + (1 if method == "huber-mle" else 0)
    if len(kept) < k + 1:
        raise ScalingError(f"too few runs to fit the {law.name} law with {method}: {plural(len(kept), 'run')}, "
                         f"need at least {k + 1} (number of parameters + 1)")
    log_n = np.log(kept["n_params"].to_numpy(dtype=float))
    log_d = np.log(kept["n_tokens"].to_numpy(dtype=float))
    log_l = np.log(kept["loss"].to_numpy(dtype=float))
    # a law with covariates (data_constrained: n_unique_tokens) is fitted with them fixed per run
    covariates = law.covariate_values(kept)
    run_law = law.at(**covariates) if covariates else law

    fun = make_objective(run_law, method, log_n, log_d, log_l, delta)
    x0, grid_name = grid_starts(run_law, grid, method, log_n, log_d, log_l, delta)
    best_x, best_f, starts = best_start(fun, x0, grid_name)
    params = {p: float(v) for p, v in law.to_params(best_x[:law.n_params]).items()}
    extras = {"sigma": float(np.exp(best_x[-1]))} if method == "huber-mle" else {}

    draws = None
    if bootstrap:
        xb, starts["bootstrap_failed"] = bootstrap_thetas(run_law, method, log_n, log_d, log_l, delta, best_x,
                                                          bootstrap, seed, progress)
        bextras = {"sigma": np.exp(xb[:, -1])} if method == "huber-mle" else {}
        draws = draws_frame(law, law.to_params(xb[:, :law.n_params]), bextras)

    settings = {
        "delta": float(delta), "grid": grid_name, "include": include, "bootstrap": int(bootstrap),
        "optimizer": "batched L-BFGS (m=10, weak Wolfe; scipy L-BFGS-B stopping rules) + scipy L-BFGS-B polish",
        "bootstrap_start": "full-data optimum",
        "objective": "sum" if method == "huber" else "negative log-likelihood",
    }
    y, _ = run_law.log_predict_vjp(best_x[None, :law.n_params], log_n, log_d)
    diagnostics = {
        "condition_number": condition_number(run_law, best_x[:law.n_params], log_n, log_d, log_l, delta),
        "rms_log_residual": float(np.sqrt(np.mean((y[0] - log_l) ** 2))),
    }
    return FitResult(
        law=law.name, method=method, params=params, objective=best_f, n_runs=len(kept),
        n_excluded=n_excluded, data_sha256=runs_sha256(clean), seed=int(seed), settings=settings,
        draws=draws, starts=starts, extras=extras,
        data_range=data_range(kept["n_params"].to_numpy(float), kept["n_tokens"].to_numpy(float)),
        diagnostics=diagnostics, created=utc_now(), data_path=data_path(runs),
    )


# Deprecated aliases (before scaling.runs): use the public names of scaling.runs.
_prepare_runs, _data_path, _condition_number = prepare_runs, data_path, condition_number
_draw_columns, _draws_frame, _n_distinct = draw_columns, draws_frame, n_distinct
