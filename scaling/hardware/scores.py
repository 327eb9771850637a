r"""Proper scores of predictive distributions given as draws or quantiles, and paired comparisons.

Every score here is *negatively oriented* (lower is better) and in the units of the predicted
quantity (dex, log10 units, for the price and chip trends), except the log score (nats).

- CRPS from draws (:func:`crps_draws`), the kernel form of Gneiting & Raftery (2007), eq. 21:
  :math:`\mathrm{CRPS}(F, y) = E|X - y| - \tfrac12 E|X - X'|`, with :math:`X, X'` independent
  draws of :math:`F`; with the empirical distribution of :math:`n` sorted draws
  :math:`x_{(1)} \le \dots \le x_{(n)}`, :math:`\tfrac12 E|X-X'| = n^{-2}\sum_i (2i - n - 1)
  x_{(i)}` (exact for that distribution, :math:`O(n \log n)`).
- CRPS from quantiles (:func:`crps_quantiles`): the CRPS is twice the integral of the quantile
  (pinball) score over levels, :math:`\mathrm{CRPS} = 2\int_0^1 \mathrm{QS}_\tau(q_\tau, y)\,d\tau`,
  :math:`\mathrm{QS}_\tau(q, y) = (1\{y < q\} - \tau)(q - y)` (Gneiting & Raftery 2007, sec. 6;
  Laio & Tamea 2007), approximated by the mean over the given levels (a coarse grid
  underestimates it slightly; the evaluation scores draws).
- Log score (:func:`log_score_draws`): :math:`-\ln \hat p(y)`, :math:`\hat p` a Gaussian
  kernel density of the draws with Silverman's bandwidth :math:`h = 0.9\min(s, \mathrm{IQR}/1.34)
  n^{-1/5}` (Silverman 1986, eq. 3.31), floored at :data:`MIN_BANDWIDTH` so that a point mass
  keeps a finite score. Density per unit of the predicted quantity (per dex).
- Interval score and coverage: :func:`scaling.hardware.backtest.interval_score`.
- PIT (:func:`pit_draws`): :math:`F(y)`, the share of draws below :math:`y` (ties count half);
  uniform on [0, 1] for a calibrated forecast (Dawid 1984; Gneiting, Balabdaoui & Raftery 2007).

Gneiting, T. & Raftery, A. E. (2007), "Strictly proper scoring rules, prediction, and
estimation", JASA 102:359-378.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._checks import check_int, check_level
from ..errors import ScalingError
from .backtest import interval_score

__all__ = ["crps_draws", "crps_quantiles", "log_score_draws", "pit_draws", "score_rows", "cluster_bootstrap",
           "MIN_BANDWIDTH"]

#: Smallest kernel bandwidth of :func:`log_score_draws` (dex): a predictive distribution
#: narrower than this is scored as if this wide.
MIN_BANDWIDTH = 1e-3


def _draws(per_draw, y) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(per_draw, dtype=float)
    y = np.atleast_1d(np.asarray(y, dtype=float))
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != y.size:
        raise ScalingError(f"draws of shape {x.shape} do not match {y.size} observations: give (n_draws, n_points)")
    if x.shape[0] < 1:
        raise ScalingError("no draws to score")
    return x, y


def crps_draws(per_draw, y) -> np.ndarray:
    r"""CRPS of each column of ``per_draw`` ``(n_draws, n_points)`` at ``y`` (module docstring)."""
    x, y = _draws(per_draw, y)
    n = x.shape[0]
    xs = np.sort(x, axis=0)
    e_abs = np.mean(np.abs(x - y[None, :]), axis=0)
    w = (2.0 * np.arange(1, n + 1) - n - 1.0)[:, None]
    half_spread = np.sum(w * xs, axis=0) / n**2
    return e_abs - half_spread


def crps_quantiles(quantiles, levels, y) -> np.ndarray:
    r"""CRPS approximated from predictive quantiles: :math:`\frac{2}{K}\sum_k \mathrm{QS}_{\tau_k}`.

    ``quantiles`` ``(n_points, K)`` at ``levels`` (K values in (0, 1)); ``y`` ``(n_points,)``.
    Exact in the limit of a fine, evenly spaced grid of levels.
    """
    q = np.atleast_2d(np.asarray(quantiles, dtype=float))
    tau = np.asarray(levels, dtype=float)
    y = np.atleast_1d(np.asarray(y, dtype=float))
    if q.shape != (y.size, tau.size):
        raise ScalingError(f"quantiles of shape {q.shape}: expected ({y.size}, {tau.size})")
    if not ((tau > 0) & (tau < 1)).all():
        raise ScalingError(f"quantile levels must lie in (0, 1); got {tau.tolist()}")
    qs = ((y[:, None] < q).astype(float) - tau[None, :]) * (q - y[:, None])
    return 2.0 * qs.mean(axis=1)


def log_score_draws(per_draw, y) -> np.ndarray:
    r""":math:`-\ln \hat p(y)` with :math:`\hat p` a Gaussian kernel density of each column's draws
    (Silverman's rule, floored at :data:`MIN_BANDWIDTH`; module docstring). Nats; lower is better."""
    from scipy.special import logsumexp

    x, y = _draws(per_draw, y)
    n = x.shape[0]
    sd = x.std(axis=0, ddof=1) if n > 1 else np.zeros(x.shape[1])
    iqr = np.subtract(*np.quantile(x, [0.75, 0.25], axis=0))
    spread = np.where(iqr > 0, np.minimum(sd, iqr / 1.34), sd)
    h = np.maximum(0.9 * spread * n ** -0.2, MIN_BANDWIDTH)
    z = (y[None, :] - x) / h[None, :]
    log_p = logsumexp(-0.5 * z**2, axis=0) - np.log(n) - np.log(h) - 0.5 * np.log(2.0 * np.pi)
    return -log_p


def pit_draws(per_draw, y) -> np.ndarray:
    """Probability integral transform :math:`F(y)`: share of draws below ``y``, ties counting half."""
    x, y = _draws(per_draw, y)
    below = np.mean(x < y[None, :], axis=0)
    equal = np.mean(x == y[None, :], axis=0)
    return below + 0.5 * equal


def score_rows(per_draw, y, quantile_levels) -> pd.DataFrame:
    """Per observation: the predictive quantiles at ``quantile_levels`` and every score.

    Columns ``q<level>`` (e.g. ``q05``), ``pit``, ``crps``, ``log_score``, ``is50``, ``is90``
    (interval scores of the central 50% and 90% intervals, dex), ``covered50``, ``covered90``.
    """
    x, y = _draws(per_draw, y)
    q = np.quantile(x, quantile_levels, axis=0).T
    out = {f"q{round(100 * t):02d}": q[:, j] for j, t in enumerate(quantile_levels)}
    lo50, hi50, lo90, hi90 = np.quantile(x, [0.25, 0.75, 0.05, 0.95], axis=0)
    out.update(pit=pit_draws(x, y), crps=crps_draws(x, y), log_score=log_score_draws(x, y),
               is50=interval_score(y, lo50, hi50, 0.5), is90=interval_score(y, lo90, hi90, 0.9),
               covered50=(y >= lo50) & (y <= hi50), covered90=(y >= lo90) & (y <= hi90))
    return pd.DataFrame(out)


def cluster_bootstrap(diff, clusters, *, n_boot: int = 2000, level: float = 0.9, seed: int = 0) -> dict:
    r"""Mean of paired score differences with a cluster-bootstrap interval.

    The observations of one cluster (a chip at a provider) share their errors across dates
    and cut-offs, so clusters, not rows, are resampled with replacement (Cameron, Gelbach &
    Miller 2008, "Bootstrap-based improvements for inference with clustered errors"); each
    replicate's statistic is the mean difference over the rows of the drawn clusters, and the
    interval is the equal-tailed ``level`` percentile interval of ``n_boot`` replicates.

    Returns ``{"mean", "lower", "upper", "n_rows", "n_clusters", "p_below_zero"}`` (the share of
    replicates with a negative mean: the model scoring better than the baseline).
    """
    level = check_level(level)
    n_boot = check_int("n_boot", n_boot, 1)
    d = np.asarray(diff, dtype=float)
    keep = np.isfinite(d)
    d = d[keep]
    codes, uniq = pd.factorize(pd.Series(np.asarray(clusters, dtype=object)[keep]))
    if d.size == 0:
        return {"mean": np.nan, "lower": np.nan, "upper": np.nan, "n_rows": 0, "n_clusters": 0,
                "p_below_zero": np.nan}
    k = len(uniq)
    sums = np.bincount(codes, weights=d, minlength=k)
    counts = np.bincount(codes, minlength=k).astype(float)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, k, size=(n_boot, k))
    stat = sums[picks].sum(axis=1) / counts[picks].sum(axis=1)
    a = (1.0 - level) / 2.0
    lo, hi = np.quantile(stat, [a, 1.0 - a])
    return {"mean": float(d.mean()), "lower": float(lo), "upper": float(hi), "n_rows": int(d.size),
            "n_clusters": int(k), "p_below_zero": float(np.mean(stat < 0))}
