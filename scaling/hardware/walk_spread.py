r"""A random walk's spread estimated from its own past forecast errors (issue 20).

The walks of :mod:`scaling.hardware.random_walk` and :mod:`scaling.hardware.walks` set their
spread by rule: :math:`s_0` the sd of the last year's values, :math:`\omega` from the yearly
medians' changes. Scored on later data, those rules gave intervals too wide for some series
(GPU-cloud prices: 90% intervals covering 99%) and too narrow for others. Here the spread is
*estimated*, at each cut-off from the data before it only, from how well the same walk
forecast the data it had then: the empirical prediction intervals of Williams & Goodman
(1971, "A simple method for the construction of empirical confidence limits for economic
forecasts", JASA 66, 752-754), made parametric so the forecast can draw them.

The calibrated walk's predictive, for a date :math:`t`, :math:`h = \max(t - t_{\mathrm{ref}}, 0)`:

.. math::

    \log_{10} y(t) = L + \mu h + k\,\omega \sqrt{h}\, Z + k\, s_0\, T_\nu,
    \qquad Z \sim N(0, 1),\ T_\nu \sim t_\nu,

the parent's two spread terms scaled by :math:`k` and the new observation's scatter a
Student t (:math:`\nu = \infty`: normal; :math:`k = 1,\ \nu = \infty`: the parent). It is the
form the cost forecast draws (line, walk :math:`\omega W(h)`, scatter :math:`\sigma t_\nu`),
so a fitted walk ships it as ``sigma`` :math:`= k s_0`, ``rw_scale`` :math:`= k \omega` and
``nu``.

:math:`(k, \nu)` by maximum likelihood (:func:`fit_spread`) on the parent's errors at
pseudo-origins :math:`o_j = c - j/4` years before the cut-off :math:`c`
(:func:`pseudo_origin_errors`): the parent fitted on the data before :math:`o_j`, its errors
on the data dated in :math:`[o_j, c)`. The protocol, fixed before any score:
``validation/protocols/calibrated_walks.md``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

__all__ = ["pseudo_origin_errors", "fit_spread", "estimate_spread", "calibrated_noise", "STEP_YEARS", "MIN_ERRORS", "MIN_ORIGINS",
           "K_BOUNDS", "NU_BOUNDS", "NU_NORMAL", "N_MIX"]

#: Spacing of the pseudo-origins, years.
STEP_YEARS = 0.25
#: Fewer errors than this, or fewer pseudo-origins with errors than :data:`MIN_ORIGINS`: the parent (k 1, nu inf).
MIN_ERRORS = 12
MIN_ORIGINS = 2
#: Bounds of the scale factor and of the degrees of freedom; nu at its upper bound is drawn as a normal.
K_BOUNDS = (0.1, 10.0)
NU_BOUNDS = (3.0, 100.0)
NU_NORMAL = NU_BOUNDS[1]
#: Quantiles of the Gamma mixing variable the Student-t likelihood is evaluated at.
N_MIX = 64

#: What a parent walk is at an origin: ``(level, s0, t_ref, drift, omega)`` from the points before it.
WalkAt = Callable[[pd.DataFrame, pd.Timestamp], tuple]


def pseudo_origin_errors(points: pd.DataFrame, cutoff, walk_at: WalkAt, *, min_chips: int = 3,
                         step_years: float = STEP_YEARS) -> pd.DataFrame:
    r"""The parent walk's errors at pseudo-origins before ``cutoff``.

    Parameters
    ----------
    points : DataFrame
        The observations dated before ``cutoff`` (columns ``name``, ``date``, ``year``,
        ``log10_value``).
    cutoff : date
    walk_at : callable
        ``walk_at(points_before, origin) -> (level, s0, t_ref, drift, omega)``: the parent fitted
        on the points before ``origin`` with its drift rule applied there.
    min_chips : int
        A pseudo-origin needs this many chips before it.

    Returns
    -------
    DataFrame
        One row per (pseudo-origin, later observation before ``cutoff``): ``origin``, ``error``
        :math:`y - L_j - \mu_j h`, ``h``, ``s0``, ``omega``.
    """
    cutoff = pd.Timestamp(cutoff)
    pts = points.loc[points["date"] < cutoff]
    first = pts["date"].min()
    frames = []
    j = 1
    while True:
        origin = cutoff - pd.DateOffset(months=int(round(12 * step_years * j)))
        if pd.isna(first) or origin <= first:
            break
        j += 1
        before = pts.loc[pts["date"] < origin]
        after = pts.loc[pts["date"] >= origin]
        if before["name"].nunique() < min_chips or after.empty:
            continue
        level, s0, t_ref, drift, omega = walk_at(before, origin)
        h = np.maximum(after["year"].to_numpy(dtype=float) - t_ref, 0.0)
        err = after["log10_value"].to_numpy(dtype=float) - level - drift * h
        frames.append(pd.DataFrame({"origin": origin, "error": err, "h": h, "s0": s0, "omega": omega}))
    if not frames:
        return pd.DataFrame({"origin": pd.Series(dtype="datetime64[ns]"), "error": [], "h": [], "s0": [],
                             "omega": []})
    return pd.concat(frames, ignore_index=True)


def estimate_spread(points: pd.DataFrame, cutoff, drift_at: Callable[[pd.DataFrame, pd.Timestamp], float], *,
                    min_chips: int = 3) -> dict:
    """:func:`fit_spread` of the errors at pseudo-origins before ``cutoff`` of the walk whose start
    and walk scale are those of :mod:`scaling.hardware.random_walk` and whose drift at an origin is
    ``drift_at(points_before, origin)`` (dex per year): the one entry point of the evaluation's
    ``rw-cal`` / ``epoch-cal`` and of :func:`scaling.hardware.walks.fit_walk` ``spread="calibrated"``."""
    from .random_walk import start_level, walk_scale

    def walk_at(before, origin):
        level, s0, t_ref = start_level(before)
        mu = float(drift_at(before, origin))
        return level, s0, t_ref, mu, walk_scale(before, mu, s0)

    return fit_spread(pseudo_origin_errors(points, cutoff, walk_at, min_chips=min_chips))


def _mix_weights(nu: float) -> np.ndarray:
    """:data:`N_MIX` quantiles of :math:`w \\sim \\mathrm{Gamma}(\\nu/2, \\mathrm{rate}\\ \\nu/2)`."""
    from scipy import stats

    q = (np.arange(N_MIX) + 0.5) / N_MIX
    return stats.gamma.ppf(q, a=nu / 2.0, scale=2.0 / nu)


def _neg_loglik(theta: np.ndarray, e: np.ndarray, walk_var: np.ndarray, s0_sq: np.ndarray) -> float:
    k, nu = np.exp(theta)
    w = _mix_weights(nu)
    var = k**2 * (walk_var[:, None] + s0_sq[:, None] / w[None, :])
    logp = -0.5 * (np.log(2 * np.pi * var) + e[:, None] ** 2 / var)
    m = logp.max(axis=1, keepdims=True)
    return float(-np.sum(m[:, 0] + np.log(np.mean(np.exp(logp - m), axis=1))))


def fit_spread(errors: pd.DataFrame) -> dict:
    r"""``(k, nu)`` by maximum likelihood of ``errors`` (:func:`pseudo_origin_errors`).

    The likelihood of an error :math:`e` with its origin's :math:`s_0, \omega` and horizon
    :math:`h`: the predictive of the module docstring, the Student t written as a scale
    mixture of normals, :math:`N(0, k^2(\omega^2 h + s_0^2 / w))` with
    :math:`w \sim \mathrm{Gamma}(\nu/2, \nu/2)`, averaged over :data:`N_MIX` quantiles of
    :math:`w`. L-BFGS-B within :data:`K_BOUNDS` and :data:`NU_BOUNDS` from a small grid of
    starts (deterministic).

    Returns
    -------
    dict
        ``k``, ``nu`` (``inf`` at the upper bound or on a fallback), ``n_errors``,
        ``n_origins``, ``fallback`` (True: too few errors, the parent's spread: ``k`` 1).
    """
    from scipy.optimize import minimize

    n, n_orig = int(len(errors)), int(errors["origin"].nunique()) if len(errors) else 0
    out = {"k": 1.0, "nu": float("inf"), "n_errors": n, "n_origins": n_orig, "fallback": True}
    if n < MIN_ERRORS or n_orig < MIN_ORIGINS:
        return out
    e = errors["error"].to_numpy(dtype=float)
    walk_var = errors["omega"].to_numpy(dtype=float) ** 2 * errors["h"].to_numpy(dtype=float)
    s0_sq = errors["s0"].to_numpy(dtype=float) ** 2
    bounds = [tuple(np.log(K_BOUNDS)), tuple(np.log(NU_BOUNDS))]
    best = None
    for k0 in (0.5, 1.0, 2.0):
        for nu0 in (4.0, 20.0):
            r = minimize(_neg_loglik, np.log([k0, nu0]), args=(e, walk_var, s0_sq), method="L-BFGS-B",
                         bounds=bounds)
            if best is None or r.fun < best.fun - 1e-9:
                best = r
    k, nu = (float(v) for v in np.exp(best.x))
    out.update(k=k, nu=float("inf") if nu >= NU_NORMAL * (1 - 1e-6) else nu, fallback=False)
    return out


def calibrated_noise(k: float, nu: float, s0: float, omega: float, h: np.ndarray, z: np.ndarray,
                     rng: np.random.Generator) -> np.ndarray:
    r"""The calibrated walk's deviation from its line, :math:`k\omega\sqrt{h} Z + k s_0 T_\nu`,
    for draws ``z`` (the walk's normals, shape ``(n, len(h))``) and a Student t (or normal,
    ``nu`` infinite) drawn from ``rng`` of the same shape."""
    shape = z.shape
    if np.isfinite(nu):
        t = rng.standard_t(nu, size=shape)
    else:
        t = rng.standard_normal(shape)
    return k * omega * np.sqrt(h)[None, :] * z + k * s0 * t
