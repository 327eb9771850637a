r"""The trend's Bayesian model (PyMC) and its sampling.

:func:`build_model` writes the robust log-linear regression of :mod:`scaling.hardware.trend`
(Student-t errors, weakly informative priors :data:`PRIORS`, optional group offsets) and
:func:`fit_bayes` samples it through :func:`scaling.bayes.samplers.sample` with the
diagnostics of :mod:`scaling.bayes.diagnostics`. PyMC is imported inside the functions only.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from ..bayes.diagnostics import count_divergences, diagnose

__all__ = ["build_model", "fit_bayes", "PRIORS"]

PRIORS = {
    "intercept": "Normal(median(log10 y), 1)",
    "slope_per_year": "Normal(0, 0.5)",
    "sigma": "HalfNormal(1)",
    "nu": "Gamma(alpha=2, beta=0.1)",
    "tau": "HalfNormal(0.5) (hierarchical only)",
}


def build_model(y: np.ndarray, x: np.ndarray, group_idx: np.ndarray | None = None, groups: tuple = ()):
    """The trend's PyMC model (see the module docstring) for centred years ``x``.

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
        pm.StudentT("obs", nu=nu, mu=mu, sigma=sigma, observed=yd)
    return model, y_ref


def fit_bayes(y, x, group_idx, groups, *, seed, draws, chains, tune, target_accept, sampler, progress):
    """Sample the trend model through :func:`scaling.bayes.samplers.sample`; draws and diagnostics."""
    from ..bayes.samplers import sample

    t_start = time.perf_counter()
    model, y_ref = build_model(y, x, group_idx, groups)
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
    table = diagnose(arrays)
    diag = {"sampler": f"{sampler} NUTS", "chains": chains, "draws": draws, "tune": tune,
            "target_accept": target_accept,
            **{c: {n: float(v) for n, v in table[c].items()} for c in ("r_hat", "ess_bulk", "ess_tail")},
            "divergences": count_divergences(idata),
            "seconds": round(time.perf_counter() - t_start, 2),
            "timings_s": {k.removesuffix("_s"): round(float(v), 3) for k, v in timings.items()}}
    return pd.DataFrame({k: v.ravel() for k, v in arrays.items()}), diag
