r"""The trend's Bayesian model (PyMC) and its sampling.

:func:`build_model` writes the robust log-linear regression of :mod:`scaling.hardware.trend`
(Student-t errors, weakly informative priors :data:`PRIORS`, optional group offsets, and the
level's random walk over yearly periods, :math:`w_q`, that makes the horizon discrepancy of a
forecast: :data:`WALK_PRIOR`, :data:`WALK_BIN_YEARS`) and
:func:`fit_bayes` samples it through :func:`scaling.bayes.samplers.sample` with the
diagnostics of :mod:`scaling.bayes.diagnostics`. PyMC is imported inside the functions only.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from ..bayes.diagnostics import count_divergences, diagnose

__all__ = ["build_model", "fit_bayes", "walk_periods", "PRIORS", "WALK_PRIOR", "WALK_BIN_YEARS"]

#: Width of the periods of the level's random walk, years (as the price panel's).
WALK_BIN_YEARS = 1.0
#: Prior scale of the walk, dex per square-root year: HalfNormal(0.1), as the price panel's.
WALK_PRIOR = 0.1
#: Draw column of the scatter's trend :math:`\gamma` (per year: the scatter's scale is
#: :math:`\sigma e^{\gamma (t - t_0)}`), and its prior sd: N(0, 0.2) puts 90% of its mass
#: within a factor e^(+-0.33) per year.
SIGMA_TREND = "sigma_trend"
SIGMA_TREND_PRIOR = 0.2

PRIORS = {
    "intercept": "Normal(median(log10 y), 1)",
    "slope_per_year": "Normal(0, 0.5)",
    "sigma": "HalfNormal(1)",
    "nu": "Gamma(alpha=2, beta=0.1)",
    "tau": "HalfNormal(0.5) (hierarchical only)",
    "rw_scale": f"HalfNormal({WALK_PRIOR}) dex per sqrt(year) (dynamic trends)",
    "sigma_trend": "Normal(0, 0.2) per year (dynamic trends)",
}


def walk_periods(year: np.ndarray) -> np.ndarray:
    """The walk's period of each point: whole :data:`WALK_BIN_YEARS` counted back from the last point (0)."""
    year = np.asarray(year, dtype=float)
    return np.floor((year.max() - year) / WALK_BIN_YEARS).astype(int)


def build_model(y: np.ndarray, x: np.ndarray, group_idx: np.ndarray | None = None, groups: tuple = (),
                period: np.ndarray | None = None):
    r"""The trend's PyMC model (see :mod:`scaling.hardware.trend`) for centred years ``x``.

    With ``period`` (:func:`walk_periods`, at least two periods) the level wanders: point
    :math:`i` of period :math:`q(i)` (whole years before the last point) adds :math:`w_{q(i)}`,

    .. math:: w_0 = 0, \qquad w_q - w_{q-1} \sim N(0, \omega^2 \Delta), \quad \Delta = 1\ \mathrm{yr},
              \quad \omega \sim \mathrm{HalfNormal}(0.1),

    the local level with drift of Harvey (1989, *Forecasting, Structural Time Series Models
    and the Kalman Filter*, ch. 2), anchored at the end of the data as in the price panel
    (:mod:`scaling.hardware.panel`): the line is the level at the last point, the slope the
    drift, and :math:`\omega` (draw column ``rw_scale``) the scale of the horizon discrepancy
    a prediction adds beyond the last point (:func:`scaling.hardware.predictive.horizon_walk`).
    and the scatter's scale changes with time, :math:`\sigma_i = \sigma e^{\gamma x_i}`
    (:math:`x_i` years from ``t0``, the last point for a dynamic trend, so :math:`\sigma` is a new
    chip's scatter at the end of the data; :math:`\gamma \sim N(0, 0.2)` per year, draw column
    ``sigma_trend``): later chips scatter more about the line (FLOP/s per W at FP32: a residual
    sd of about 0.05 dex among the chips of 2013-2015, 0.2-0.4 dex in 2021-2025).
    The steps are centred, as the panel's: on the FP32 FLOP/s per W chips before 2021 the
    centred walk samples in 41 s with R-hat <= 1.009, the non-centred one in 187 s with R-hat
    1.22 (the walk's steps and the slope trade off).

    Returns ``(model, y_ref)``: the model works on ``y - y_ref`` (``y_ref`` the median of
    ``y``), so its intercept ``a`` has a N(0, 1) prior and ``intercept = a + y_ref``.
    """
    with warnings.catch_warnings():
        # pytensor warns at import about pip-installed BLAS; not actionable here.
        warnings.simplefilter("ignore")
        import pymc as pm
    y_ref = float(np.median(y))
    with pm.Model() as model:
        # Data containers keep the compiled graph independent of the values, so
        # pytensor's on-disk cache serves every later fit of the same model shape.
        xd = pm.Data("x", x)
        yd = pm.Data("y", y - y_ref)
        a = pm.Normal("a", 0.0, 1.0)
        slope = pm.Normal("slope_per_year", 0.0, 0.5)
        sigma = pm.HalfNormal("sigma", 1.0)
        nu = pm.Gamma("nu", alpha=2.0, beta=0.1)
        mu = a + slope * xd
        if groups:
            gd = pm.Data("g", group_idx)
            tau = pm.HalfNormal("tau", 0.5)
            z = pm.Normal("z", 0.0, 1.0, shape=len(groups))
            pm.Deterministic("offset", tau * z)
            mu = mu + tau * z[gd]
        scale = sigma
        if period is not None and int(np.max(period)) >= 1:
            import pytensor.tensor as pt

            omega = pm.HalfNormal("rw_scale", WALK_PRIOR)
            n_steps = int(np.max(period))
            steps = pm.Normal("walk_step", 0.0, omega * np.sqrt(WALK_BIN_YEARS), shape=n_steps)
            walk = pt.concatenate([pt.zeros(1), pt.cumsum(steps)])
            mu = mu + walk[pm.Data("period", np.asarray(period, dtype=int))]
            # the scatter's trend: sigma is the scale at t0 (the last point), exp(gamma x) before it
            gamma = pm.Normal(SIGMA_TREND, 0.0, SIGMA_TREND_PRIOR)
            scale = sigma * pt.exp(gamma * xd)
        pm.StudentT("obs", nu=nu, mu=mu, sigma=scale, observed=yd)
    return model, y_ref


def fit_bayes(y, x, group_idx, groups, *, seed, draws, chains, tune, target_accept, sampler, progress,
              period=None):
    """Sample the trend model (:func:`build_model`) through :func:`scaling.bayes.samplers.sample`;
    draws (with ``rw_scale`` where the level walks) and diagnostics."""
    from ..bayes.samplers import sample

    t_start = time.perf_counter()
    model, y_ref = build_model(y, x, group_idx, groups, period)
    idata, timings = sample(model, sampler=sampler, draws=draws, tune=tune, chains=chains, seed=seed,
                            target_accept=target_accept, progress=progress)
    post = idata.posterior
    # arrays of shape (chain, draw), named as in TrendResult.draws
    arrays = {"intercept": np.asarray(post["a"].values, dtype=float) + y_ref,
              "slope_per_year": np.asarray(post["slope_per_year"].values, dtype=float),
              "sigma": np.asarray(post["sigma"].values, dtype=float),
              "nu": np.asarray(post["nu"].values, dtype=float)}
    if groups:
        arrays["tau"] = np.asarray(post["tau"].values, dtype=float)
        off = np.asarray(post["offset"].values, dtype=float)  # (chain, draw, group)
        for k, gname in enumerate(groups):
            arrays[f"offset[{gname}]"] = off[..., k]
    for name in ("rw_scale", SIGMA_TREND):
        if name in post:
            arrays[name] = np.asarray(post[name].values, dtype=float)
    table = diagnose(arrays)
    diag = {"sampler": f"{sampler} NUTS", "chains": chains, "draws": draws, "tune": tune,
            "target_accept": target_accept,
            **{c: {n: float(v) for n, v in table[c].items()} for c in ("r_hat", "ess_bulk", "ess_tail")},
            "divergences": count_divergences(idata),
            "seconds": round(time.perf_counter() - t_start, 2),
            "timings_s": {k.removesuffix("_s"): round(float(v), 3) for k, v in timings.items()}}
    return pd.DataFrame({k: v.ravel() for k, v in arrays.items()}), diag
