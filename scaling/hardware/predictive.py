r"""A trend's predictive parts: the horizon discrepancy and the scatter of a new chip or price.

Two pieces of the predictive distribution of a new chip (or a new cloud price) that every
trend shares, the plain chip trends of :mod:`scaling.hardware.trend` and the named series of
the price panel (:mod:`scaling.hardware.panel`):

- :func:`horizon_walk`, the level's random walk beyond the last data point (draw column
  :data:`WALK`);
- :func:`scatter_draws`, a new point's deviation from the line: Student-t for a chip trend,
  the chip, provider and residual parts of a panel series (:data:`SCATTER_PARTS`).

:meth:`scaling.hardware.trend_result.TrendResult.predictive_log10` assembles them with the
line; the forecast and the evaluation ask the trend for it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["WALK", "horizon_walk", "SCATTER_PARTS", "PROVIDER_PREFIX", "segment_providers", "scatter_draws"]

#: Draw column of the horizon discrepancy's scale :math:`\omega` (dex per square-root year):
#: beyond the last data point the market's level leaves the fitted line as a random walk
#: (:func:`horizon_walk`). Trends without the column (old files, OLS) have none.
WALK = "rw_scale"


def horizon_walk(years, origin: float, scale: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    r"""The horizon discrepancy: a random walk of the level that starts at the last data point.

    .. math:: \delta(t) = \omega\, W\big(\max(t - t_{\mathrm{last}}, 0)\big), \qquad
              \delta(t) \sim N\big(0, \omega^2 \max(t - t_{\mathrm{last}}, 0)\big),

    with :math:`W` a standard Wiener process (one path per draw, so dates further out share
    the nearer dates' steps) and :math:`\omega` = ``scale`` (one value per draw, dex per
    square-root year). It is the out-of-sample part of the local-level-with-drift model
    (Harvey 1989, *Forecasting, Structural Time Series Models and the Kalman Filter*, ch. 2):
    the fitted line is the drift, and the level keeps wandering after the data end, so the
    predictive variance grows with the years beyond the last point.

    Parameters
    ----------
    years : array of decimal years (any order)
    origin : float
        :math:`t_{\mathrm{last}}`, the decimal year of the last data point.
    scale : ndarray (n_draws,)
    rng : numpy.random.Generator

    Returns
    -------
    ndarray (n_draws, n_dates), zero at and before ``origin``.
    """
    years = np.atleast_1d(np.asarray(years, dtype=float))
    scale = np.asarray(scale, dtype=float)
    h = np.maximum(years - float(origin), 0.0)
    order = np.argsort(h, kind="stable")
    steps = np.sqrt(np.diff(np.r_[0.0, h[order]]))
    path = np.cumsum(steps[None, :] * rng.standard_normal((scale.size, h.size)), axis=1)
    out = np.empty_like(path)
    out[:, order] = path
    return scale[:, None] * out


#: Draw columns of a panel series' buyer scatter, each its own distribution: the effect of
#: a new chip and of a new provider (normal, the panel's :math:`\tau_c` and :math:`\tau_p`)
#: and the residual (Student-t with the draw's :math:`\nu`).
SCATTER_PARTS = ("tau_chip", "tau_provider", "sigma_residual")
#: Prefix of a panel series' draw columns holding the effect of each provider of its segment
#: (``provider[Amazon Web Services]``, ...): a buyer in the segment meets one of them.
PROVIDER_PREFIX = "provider["


def segment_providers(draws: pd.DataFrame) -> list[str]:
    """The provider-effect columns of a panel series (:data:`PROVIDER_PREFIX`), in order."""
    return [c for c in draws.columns if c.startswith(PROVIDER_PREFIX)]


def scatter_draws(draws: pd.DataFrame, rng: np.random.Generator, shape: tuple[int, int],
                  idx: np.ndarray | None = None) -> np.ndarray:
    r"""A new price's (chip's) deviation from the trend line, log10 units.

    A panel series (draw columns :data:`SCATTER_PARTS`) adds its parts, each with its own
    distribution (Gelman & Hill 2007, ch. 12.8, predicting a new observation in a group):

    .. math:: \varepsilon = \tau_c z_c + v_P + \sigma\, t_\nu, \qquad z_c \sim N(0, 1),

    with :math:`v_P` the posterior effect of a provider :math:`P` drawn uniformly from the
    segment's providers (columns ``provider[<name>]``: a buyer of hyperscaler on-demand time
    meets AWS, Azure, GCP or Oracle, not a new provider drawn from a population that includes
    marketplaces), or :math:`\tau_p z_p` for a series saved without them. The residual keeps
    its heavy tails to itself: a single Student-t of scale :math:`(\tau_c^2 + \tau_p^2 +
    \sigma^2)^{1/2}` with the residual's :math:`\nu \approx 2` would give the chip and provider
    effects tails they do not have (a 90% interval 1.5 times too wide on the hyperscaler
    series). Any other trend: :math:`\sigma\, t_\nu` (a normal where :math:`\nu` is
    infinite).

    Parameters
    ----------
    draws : DataFrame of the trend's draws
    rng : numpy.random.Generator
    shape : (n, k)
        ``n`` rows (one per draw of ``idx``, or of ``draws``) by ``k`` independent columns.
    idx : ndarray of int, optional
        Rows of ``draws`` to use (all by default).
    """
    rows = np.arange(len(draws)) if idx is None else np.asarray(idx)
    col = lambda c: draws[c].to_numpy(dtype=float)[rows][:, None]  # noqa: E731
    nu = col("nu")
    finite = np.isfinite(nu)
    t = np.where(finite, rng.standard_t(np.where(finite, nu, 1.0), size=shape), rng.standard_normal(shape))
    if not all(c in draws.columns for c in SCATTER_PARTS):
        return col("sigma") * t
    provs = segment_providers(draws)
    if provs:
        effects = np.column_stack([draws[c].to_numpy(dtype=float)[rows] for c in provs])
        provider = effects[np.arange(len(rows))[:, None], rng.integers(0, len(provs), size=shape)]
    else:
        provider = col("tau_provider") * rng.standard_normal(shape)
    return col("tau_chip") * rng.standard_normal(shape) + provider + col("sigma_residual") * t
