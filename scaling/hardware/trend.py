r"""Log-linear trends of accelerator price-performance: Bayesian (PyMC) and OLS.

The model, for chip :math:`i` released at decimal year :math:`t_i`,

.. math::

    \log_{10} y_i = c_0 + c_1 (t_i - t_0) + \sigma\,\varepsilon_i,
    \qquad \varepsilon_i \sim \mathrm{Student\text{-}t}_\nu ,

with doubling time :math:`\log_{10} 2 / c_1` years and growth :math:`10^{c_1}` per year,
as in Hobbhahn & Besiroglu (2022), "Trends in GPU price-performance" (Epoch AI), who fit
the same line by least squares. :math:`t_0` is the mean release year of the data, so
that intercept and slope are nearly uncorrelated and NUTS samples quickly.

Priors (weakly informative, in log10 units; :math:`m` = median of :math:`\log_{10} y`):
:math:`c_0 \sim N(m, 1)`, :math:`c_1 \sim N(0, 0.5)` (centred on *no* improvement; 90%
of its mass within x0.15-x6.6 per year), :math:`\sigma \sim \mathrm{HalfNormal}(1)`,
:math:`\nu \sim \mathrm{Gamma}(2, 0.1)` (Juarez & Steel 2010). With
``hierarchical="vendor"`` or ``"precision"`` each group gets an intercept offset
:math:`\delta_g = \tau z_g`, :math:`z_g \sim N(0,1)`, :math:`\tau \sim \mathrm{HalfNormal}(0.5)`,
and a common slope.

The model is built here (:func:`build_model`) and sampled through
:func:`scaling.bayes.samplers.sample` (nutpie by default, or PyMC's NUTS), with the
diagnostics of :mod:`scaling.bayes.diagnostics` (R-hat, ESS, divergences): the trend
shares the package's one sampler, seeding and convergence checks.

``method="ols"`` fits the same design by ordinary least squares (statsmodels) and
draws the coefficients from their sampling distribution (a multivariate t with
:math:`n-2` degrees of freedom, :math:`\sigma^2` from the scaled inverse chi-square), so
downstream code treats both results alike.

:class:`TrendResult` honours the result contract of :mod:`scaling.results` (``law`` is
``"log-linear"``); files are saved with schema version 2 and version 1 files still load.
"""

from __future__ import annotations

import json
import math
import os
import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .. import __version__
from .._checks import check_int, check_level, check_number
from .._dates import decimal_year, to_datetimes
from .._format import plural
from .._io import atomic_write_text, check_content_sha256, dumps_json, read_versioned_json, utc_now, \
    with_content_sha256
from ..bayes.diagnostics import count_divergences, diagnose, diagnostic_warnings
from ..bayes.samplers import SAMPLERS
from ..datasets import PRECISIONS
from ..errors import ScalingError, ScalingWarning
from ..results import (DEFAULT_LEVEL, MAX_SAVED_DRAWS, check_metadata, decode_draws, encode_draws, interval, metadata,
                       predict_frame, summary_frame)
from .data import METRICS, TrendData, trend_data
from .record import record_warning

__all__ = ["TrendResult", "fit_trend", "load_trend", "fit_prepared", "build_model", "SCHEMA", "SCHEMA_VERSION",
           "LAW", "PARAMS", "METHODS", "INTERVALS", "WALK", "horizon_walk", "scatter_draws", "SCATTER_PARTS",
           "PROVIDER_PREFIX", "segment_providers"]

SCHEMA = "scaling.hardware.trend"
#: Version 2: the metadata block of :func:`scaling.results.metadata` (version 1, still read,
#: had ``package_version`` where version 2 has ``scaling_version``, and a ``saved`` time).
#: Version 3: the draws in the one store of :mod:`scaling.results` (thinned to
#: ``MAX_SAVED_DRAWS``, 6 significant digits, by column) and the points by column.
SCHEMA_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
LAW = "log-linear"
#: The most draws per chain (and tuning steps) and chains a trend accepts: more would only
#: exhaust memory (1e8 OLS draws need about 10 GB) without changing an interval visibly.
MAX_DRAWS = 100_000
MAX_CHAINS = 16

#: The parameters of every trend, in ``params`` and ``draws`` (hierarchical trends add
#: ``tau`` and one ``offset[<group>]`` per group to ``draws``).
PARAMS = ("intercept", "slope_per_year", "sigma", "nu")
LOG10_2 = float(np.log10(2.0))
#: Draw column of the horizon discrepancy's scale :math:`\omega` (dex per square-root year):
#: beyond the last data point the market's level leaves the fitted line as a random walk
#: (:func:`horizon_walk`). Trends without the column (old files, OLS) have none.
WALK = "rw_scale"
METHODS = ("bayes", "ols")
#: ``predict(..., interval=)``: the band of the trend line, or of a new chip (price).
INTERVALS = ("line", "new")
#: Fewer chips than this: the ``few_chips`` warning.
FEW_CHIPS = 10
#: A posterior probability of no improvement above this: the ``no_improvement`` warning.
NO_IMPROVEMENT_MAX = 0.05
PRIORS = {
    "intercept": "Normal(median(log10 y), 1)",
    "slope_per_year": "Normal(0, 0.5)",
    "sigma": "HalfNormal(1)",
    "nu": "Gamma(alpha=2, beta=0.1)",
    "tau": "HalfNormal(0.5) (hierarchical only)",
}


def _median(x: np.ndarray) -> float:
    """Median by the package's rule for draws (NaN ranks as +inf; inf - inf is inf)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore"):
        m = float(np.quantile(np.where(np.isnan(x), np.inf, x), 0.5))
    return math.inf if math.isnan(m) else m


def _interval(x: np.ndarray, level: float) -> tuple[float, float]:
    with np.errstate(invalid="ignore"):  # inf - inf while interpolating: interval() makes it inf
        lo, hi, _ = interval(x, level)
    return lo, hi


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


@dataclass(frozen=True)
class TrendResult:
    r"""A fitted hardware trend; honours the result contract of :mod:`scaling.results`.

    Attributes
    ----------
    law : str
        ``"log-linear"``: :math:`\log_{10} y = c_0 + c_1 (t - t_0)`.
    params : dict
        Posterior medians (OLS: medians of the sampling distribution) of ``intercept``,
        ``slope_per_year``, ``sigma`` and ``nu`` (``inf`` for OLS's Gaussian errors).
    metric, precision, method : str
        What was fitted and how (``"bayes"`` or ``"ols"``).
    n_chips, n_points : int
        Distinct chips and data points used (cloud prices: several points per chip).
    n_dropped : int
        Rows left out for missing data; ``dropped`` gives the reasons.
    t0 : float
        Centring year: the line is ``intercept + slope_per_year * (year - t0)``.
    draws : pandas.DataFrame
        ``intercept, slope_per_year, sigma, nu`` (+ ``tau``, ``offset[<group>]``), one
        row per posterior draw (OLS: per draw from the sampling distribution). A column
        ``rw_scale`` (:data:`WALK`) is the scale of the horizon discrepancy
        (:func:`horizon_walk`) that predictions add beyond :attr:`horizon_origin`.
    data : pandas.DataFrame
        The points used: ``name, date, year, value, log10_value`` and more.
    diagnostics : dict
        Bayes: ``r_hat``, ``ess_bulk``, ``ess_tail`` (parameter -> value, from
        :func:`scaling.bayes.diagnostics.diagnose`), ``divergences``, ``seconds`` and the
        sampler settings. OLS: the t-based slope interval, R^2 and residual sd.
    data_sha256, settings, seed, created, scaling_version
        Provenance, as saved in the file's metadata.
    """

    law: ClassVar[str] = LAW

    metric: str
    precision: Any
    method: str
    n_chips: int
    n_points: int
    n_dropped: int
    dropped: dict
    t0: float
    draws: pd.DataFrame
    data: pd.DataFrame
    diagnostics: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    filters: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    seed: int = 0
    data_sha256: str = ""
    groups: tuple = ()
    created: str = ""
    scaling_version: str = __version__

    # ----------------------------------------------------------------- headline numbers
    @property
    def params(self) -> dict[str, float]:
        """Posterior medians of ``intercept``, ``slope_per_year``, ``sigma`` and ``nu``."""
        return {p: _median(self.draws[p].to_numpy(dtype=float)) for p in PARAMS}

    def _slope(self) -> np.ndarray:
        return self.draws["slope_per_year"].to_numpy(dtype=float)

    def _derived(self) -> pd.DataFrame:
        """Draws of the growth factor per year and of the doubling time (inf where slope <= 0)."""
        slope = self._slope()
        with np.errstate(divide="ignore"):
            doubling = np.where(slope > 0, LOG10_2 / np.where(slope > 0, slope, 1.0), np.inf)
        return pd.DataFrame({"growth_per_year": 10.0 ** slope, "doubling_time_years": doubling})

    def growth(self, level: float = DEFAULT_LEVEL) -> dict:
        r"""Factor per year, :math:`10^{c_1}`: median and ``level`` interval."""
        level = check_level(level)
        g = self._derived()["growth_per_year"].to_numpy()
        med = _median(g)
        lo, hi = _interval(g, level)
        return {"median": med, "value": med, "lower": lo, "upper": hi, "level": level}

    @property
    def growth_per_year(self) -> dict:
        """Growth factor per year (``10**slope``): median, 90% interval."""
        return self.growth(DEFAULT_LEVEL)

    def doubling(self, level: float = DEFAULT_LEVEL) -> dict:
        r"""Doubling time :math:`\log_{10} 2 / c_1` in years: median, interval, P(slope <= 0).

        A draw with slope <= 0 never doubles: its doubling time is ``inf``, so an interval
        end (or the median) among such draws is ``inf``.
        """
        level = check_level(level)
        d = self._derived()["doubling_time_years"].to_numpy()
        med = _median(d)
        lo, hi = _interval(d, level)
        return {"median": med, "value": med, "lower": lo, "upper": hi, "level": level,
                "prob_no_improvement": float(np.mean(self._slope() <= 0))}

    @property
    def doubling_time_years(self) -> dict:
        """Doubling time in years: median, 90% interval and ``prob_no_improvement``."""
        return self.doubling(DEFAULT_LEVEL)

    # ----------------------------------------------------------------- predictions
    @property
    def horizon_origin(self) -> float:
        """Decimal year where the horizon discrepancy starts: ``settings["horizon_origin_year"]``
        (a panel series: the panel's last price), else the last data point's year."""
        v = self.settings.get("horizon_origin_year")
        if v is not None:
            return float(v)
        return float(self.data["year"].max()) if "year" in self.data and len(self.data) else float(self.t0)

    @property
    def has_walk(self) -> bool:
        """Whether the trend carries a horizon discrepancy (a ``rw_scale`` draw column)."""
        return WALK in self.draws.columns

    def walk_draws(self, dates, rng: np.random.Generator, idx: np.ndarray | None = None) -> np.ndarray:
        """:func:`horizon_walk` at ``dates`` for the draws ``idx`` (all by default): shape
        ``(n, n_dates)``; zeros for a trend without a discrepancy (no random numbers used)."""
        years = decimal_year(dates)
        n = len(self.draws) if idx is None else len(idx)
        if not self.has_walk:
            return np.zeros((n, len(years)))
        scale = self.draws[WALK].to_numpy(dtype=float)
        return horizon_walk(years, self.horizon_origin, scale if idx is None else scale[idx], rng)

    def _group_offset(self, group: str | None) -> np.ndarray:
        if group is None:
            return np.zeros(len(self.draws))
        if not self.groups:
            raise ScalingError(f"group {group!r} given but the trend is not hierarchical")
        col = f"offset[{group}]"
        if col not in self.draws.columns:
            raise ScalingError(f"unknown group {group!r}; groups: {', '.join(self.groups)}")
        return self.draws[col].to_numpy(dtype=float)

    def line_draws(self, dates, group: str | None = None) -> np.ndarray:
        r"""Trend line in log10 units, one row per draw: shape ``(n_draws, n_dates)``.

        .. math:: \log_{10} y(t) = c_0 + c_1 (t - t_0) \; [+ \delta_g]

        Parameters
        ----------
        dates : dates, strings or decimal years
        group : str, optional
            For hierarchical trends, a vendor/precision whose offset is added; ``None``
            gives the population line.
        """
        years = decimal_year(dates)
        c0 = self.draws["intercept"].to_numpy(dtype=float) + self._group_offset(group)
        c1 = self._slope()
        return c0[:, None] + c1[:, None] * (years[None, :] - self.t0)

    def _new_draws(self, lines: np.ndarray, group: str | None, dates=None) -> np.ndarray:
        """Log10 values of a new chip (price) per draw: the line, the horizon discrepancy
        beyond :attr:`horizon_origin` (:func:`horizon_walk`) and Student-t scatter."""
        rng = np.random.default_rng([self.seed, 7919])
        if dates is not None and self.has_walk:
            lines = lines + self.walk_draws(dates, np.random.default_rng([self.seed, 7927]))
        # One noise draw per posterior draw, shared by all dates: each date's predictive
        # distribution is unchanged, and the band's edges vary smoothly with the date.
        shape = (lines.shape[0], 1)
        new = lines + scatter_draws(self.draws, rng, shape)
        if self.groups and group is None and "tau" in self.draws.columns:
            new = new + self.draws["tau"].to_numpy(dtype=float)[:, None] * rng.standard_normal(shape)
        return new

    def predict(self, dates, level: float | None = None, group: str | None = None, interval: str = "line"):
        """The trend at ``dates``, in the metric's units.

        Parameters
        ----------
        dates : dates, ISO strings or decimal years
        level : float, optional
            Without it, the median line as a float ``ndarray``. With it, a ``DataFrame``.
        group : str, optional
            A group of a hierarchical trend (``None``: the population line).
        interval : {"line", "new"}
            The band with ``level``: ``"line"``, the credible (Bayes) or confidence (OLS)
            interval of the trend line; ``"new"``, the predictive interval of a new chip
            (or cloud price): line uncertainty, the horizon discrepancy beyond the last data
            point (trends with a ``rw_scale`` column) and the Student-t scatter of points
            about the line (plus the spread of group offsets for a new group of a
            hierarchical trend).

        Returns
        -------
        ndarray or pandas.DataFrame
            ``date``, ``year`` and ``median`` (the median line), ``lower``, ``upper``,
            built by :func:`scaling.results.predict_frame`; ``attrs["level"]``.
        """
        if interval not in INTERVALS:
            raise ScalingError(f"unknown interval {interval!r}; allowed: 'line' (the trend line), "
                               "'new' (a new chip or price)")
        d = to_datetimes(dates)
        lines = self.line_draws(d, group=group)
        median = np.median(lines, axis=0)
        if level is None:
            return np.asarray(10.0 ** median, dtype=float)
        level = check_level(level)
        per_draw = lines if interval == "line" else self._new_draws(lines, group, d)
        # Quantiles are taken in log10 units and mapped back (a monotone transform).
        out = predict_frame({"date": d, "year": decimal_year(d)}, per_draw, level, median=median)
        for c in ("median", "lower", "upper"):
            out[c] = 10.0 ** out[c]
        out.attrs["interval"] = interval
        return out

    # ----------------------------------------------------------------- reporting
    def _diagnostic_table(self) -> pd.DataFrame:
        cols = ("r_hat", "ess_bulk", "ess_tail")
        names = list(self.diagnostics.get("r_hat", {}))
        table = pd.DataFrame({c: [self.diagnostics.get(c, {}).get(n, np.nan) for n in names] for c in cols},
                             index=pd.Index(names, name="parameter"), dtype=float)
        return table

    def summary(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Parameters and derived quantities, by :func:`scaling.results.summary_frame`.

        Index ``parameter`` (every column of ``draws``, then ``growth_per_year`` and
        ``doubling_time_years``); columns ``value`` (median), ``lower``, ``upper``, then
        ``r_hat`` and ``ess_bulk`` (NaN where not sampled by MCMC).
        """
        level = check_level(level)
        draws = pd.concat([self.draws.reset_index(drop=True), self._derived()], axis=1)
        values = {c: _median(draws[c].to_numpy(dtype=float)) for c in draws.columns}
        extra = self._diagnostic_table()[["r_hat", "ess_bulk"]]
        with np.errstate(invalid="ignore"):  # OLS's nu = inf: inf - inf while interpolating
            return summary_frame(values, draws, level, extra=extra)

    def warnings(self) -> list[ScalingWarning]:
        """Convergence (Bayes: R-hat, ESS, divergences) and data warnings, and the verdict of the
        rolling-origin backtests where they found this model's intervals miscalibrated on this
        data (:mod:`scaling.hardware.record`); empty when all is well."""
        out: list[ScalingWarning] = []
        if self.method == "bayes":
            out += diagnostic_warnings(self._diagnostic_table(), int(self.diagnostics.get("divergences", 0)))
        if self.n_chips < FEW_CHIPS:
            out.append(ScalingWarning("few_chips", f"only {plural(self.n_chips, 'chip')}: the interval is wide and "
                                                   "sensitive to each chip"))
        p = self.doubling_time_years["prob_no_improvement"]
        if p > NO_IMPROVEMENT_MAX:
            out.append(ScalingWarning("no_improvement", f"P(no improvement) = {p:.2f} > {NO_IMPROVEMENT_MAX}: the "
                                                        "data do not establish a falling cost"))
        verdict = record_warning(self)  # the rolling-origin backtests of this model on this data
        if verdict:
            out.append(ScalingWarning("backtest", verdict))
        return out

    def report(self) -> str:
        """Human-readable report: data used and dropped, headline numbers, warnings."""
        d, g = self.doubling_time_years, self.growth_per_year
        years = self.data["year"]
        lines = [
            f"Hardware trend: {METRICS.get(self.metric, self.metric)} ({self.metric}), precision {self.precision}, "
            f"method {self.method}",
            f"data: {self.n_points} points from {self.n_chips} chips, {years.min():.1f}-{years.max():.1f}; "
            f"dropped {self.n_dropped} rows for missing data"
            + (": " + ", ".join(f"{k}: {v}" for k, v in self.dropped.items()) if self.dropped else ""),
        ]
        if self.filters:
            lines.append("filters: " + "; ".join(f"{f} -> {n}" for f, n in self.filters))
        lines += [f"note: {n}" for n in self.notes]
        lines += [
            f"doubling time: {d['median']:.2f} yr (90% interval {d['lower']:.2f}-{d['upper']:.2f}); "
            f"P(no improvement) = {d['prob_no_improvement']:.3f}",
            f"growth: x{g['median']:.3f} per year (90% interval x{g['lower']:.3f}-x{g['upper']:.3f})",
            f"t0 = {self.t0:.2f}; seed {self.seed}; data sha256 {self.data_sha256[:12]}",
        ]
        diag = self.diagnostics
        if self.method == "bayes":
            table = self._diagnostic_table()
            lines.append(f"sampler {diag.get('sampler')}: {diag.get('chains')} chains x {diag.get('draws')} draws "
                         f"(tune {diag.get('tune')}), max R-hat {table['r_hat'].max():.4f}, "
                         f"min bulk ESS {table['ess_bulk'].min():.0f}, "
                         f"{diag.get('divergences', 0)} divergences, {diag.get('seconds', np.nan):.1f} s")
        else:
            ci = diag.get("slope_ci_t", [np.nan, np.nan])
            lines.append(f"OLS: slope {diag.get('slope', np.nan):.4f} log10/yr, 90% t-interval "
                         f"[{ci[0]:.4f}, {ci[1]:.4f}], R^2 {diag.get('r_squared', np.nan):.3f}, "
                         f"residual sd {diag.get('resid_sd', np.nan):.3f} dex")
        lines += [f"warning: {w.message}" for w in self.warnings()]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """The headline summary, JSON-ready (``scaling trend --json``): what was fitted, the
        data used, ``params``, the 90% doubling time and growth, the worst diagnostics and
        the warnings as ``{code, message}``. Not the saved file (see :meth:`save`)."""
        table = self._diagnostic_table()
        return {
            "law": self.law, "metric": self.metric, "precision": self.precision, "method": self.method,
            "n_chips": self.n_chips, "n_points": self.n_points, "n_dropped": self.n_dropped,
            "dropped": dict(self.dropped), "t0": self.t0, "params": self.params,
            "doubling_time_years": self.doubling_time_years, "growth_per_year": self.growth_per_year,
            "settings": self.settings, "warnings": [w.to_dict() for w in self.warnings()],
            "r_hat_max": None if table.empty else float(table["r_hat"].max()),
            "ess_bulk_min": None if table.empty else float(table["ess_bulk"].min()),
        }

    # ----------------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike, max_draws: int | None = MAX_SAVED_DRAWS) -> Path:
        """Write a versioned JSON file (schema version 3) with the draws and the data (atomic).

        The file starts with the metadata of :func:`scaling.results.metadata` (schema,
        schema_version, scaling_version, created, data_sha256, settings, seed), then the
        trend's fields, the draws (:func:`scaling.results.encode_draws`: at most
        ``max_draws``, evenly thinned, 6 significant digits; None keeps all) and the points
        (one list per column). The headline numbers are those of the draws saved.
        """
        block = encode_draws(self.draws, max_draws)
        kept = replace(self, draws=decode_draws(block).to_frame())
        data = self.data.copy()
        for c in data.columns:
            if pd.api.types.is_datetime64_any_dtype(data[c]):
                data[c] = data[c].dt.strftime("%Y-%m-%d")
        payload = metadata(SCHEMA, SCHEMA_VERSION, created=self.created or utc_now(),
                           data_sha256=self.data_sha256, settings=self.settings, seed=self.seed)
        payload.update({
            "law": self.law,
            "metric": self.metric,
            "precision": list(self.precision) if isinstance(self.precision, tuple) else self.precision,
            "method": self.method, "n_chips": self.n_chips, "n_points": self.n_points,
            "n_dropped": self.n_dropped, "dropped": self.dropped, "t0": self.t0, "groups": list(self.groups),
            "filters": [list(f) for f in self.filters], "notes": list(self.notes),
            "priors": PRIORS if self.method == "bayes" else None,
            "diagnostics": self.diagnostics,
            "headline": {"doubling_time_years": kept.doubling_time_years, "growth_per_year": kept.growth_per_year},
            "draws": block,
            "data": {c: json.loads(data[c].to_json(orient="values")) for c in data.columns},
        })
        return atomic_write_text(path, dumps_json(with_content_sha256(payload), compact=True))


def _read_payload(path) -> dict:
    payload = read_versioned_json(path, SCHEMA, READABLE_VERSIONS)
    version = payload["schema_version"]
    if version == 1:
        # Version 1 named the package version 'package_version'.
        payload = {**payload, "scaling_version": payload.get("package_version", "")}
    return payload


def _check_draws(draws: pd.DataFrame, method: str, path) -> None:
    missing = sorted(set(PARAMS) - set(draws.columns))
    if missing:
        raise ScalingError(f"{path}: draws lack {', '.join(missing)}")
    if len(draws) == 0:
        raise ScalingError(f"{path}: the trend file has no draws")
    for col in draws.columns:
        x = draws[col].to_numpy(dtype=float)
        # OLS stores nu = inf (Gaussian errors); everything else must be finite.
        ok = (np.isfinite(x) | (np.isposinf(x))) if col == "nu" and method == "ols" else np.isfinite(x)
        if not ok.all():
            raise ScalingError(f"{path}: draws of {col} are not all finite (first bad value "
                               f"{x[~ok][0]!r})")
    for col in ("sigma", "nu"):
        if not (draws[col].to_numpy(dtype=float) > 0).all():
            raise ScalingError(f"{path}: draws of {col} must be > 0")
    if WALK in draws.columns and not (draws[WALK].to_numpy(dtype=float) >= 0).all():
        raise ScalingError(f"{path}: draws of {WALK} must be >= 0")


def load_trend(path: str | os.PathLike) -> TrendResult:
    """Load a trend written by :meth:`TrendResult.save` (schema version 3, or 2 or 1), validating it.

    Checks the metadata (:func:`scaling.results.check_metadata`: an integer seed, a sha256),
    a known method and metric, and draws that are non-empty, finite (OLS's ``nu`` may be
    ``inf``) with ``sigma > 0``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ScalingError
        A file that is not a trend file of a readable version, or is damaged.
    """
    p = _read_payload(path)
    meta = check_metadata(p, path)
    try:
        method = p["method"]
        if method not in METHODS:
            raise ScalingError(f"{path}: unknown method {method!r}; known: {', '.join(METHODS)}")
        metric = p["metric"]
        if metric not in METRICS:
            raise ScalingError(f"{path}: unknown metric {metric!r}; known: {', '.join(METRICS)}")
        precision = tuple(p["precision"]) if isinstance(p["precision"], list) else p["precision"]
        for prec in (precision if isinstance(precision, tuple) else (precision,)):
            if prec not in PRECISIONS:
                raise ScalingError(f"{path}: unknown precision {prec!r}; known: {', '.join(PRECISIONS)}")
        draws = decode_draws(p["draws"], path).to_frame()
        _check_draws(draws, method, path)
        data = pd.DataFrame(p["data"])
        for c in ("date", "release_date", "hardware_release_date"):
            if c in data.columns:
                data[c] = pd.to_datetime(data[c], errors="coerce")
        t0 = check_number("t0", p["t0"], low=None)
        groups = tuple(p.get("groups", []))
        result = TrendResult(
            metric=metric, precision=precision, method=method, n_chips=int(p["n_chips"]),
            n_points=int(p["n_points"]), n_dropped=int(p["n_dropped"]), dropped=dict(p["dropped"]),
            t0=t0, draws=draws, data=data, diagnostics=dict(p.get("diagnostics") or {}),
            settings=dict(meta["settings"]), filters=[tuple(f) for f in p.get("filters", [])],
            notes=list(p.get("notes", [])), seed=meta["seed"], data_sha256=meta["data_sha256"],
            groups=groups, created=str(meta["created"]), scaling_version=str(meta["scaling_version"]),
        )
        # valid values, and the ones written: a hand-edited trend is refused (after the checks
        # above, which name what is malformed)
        check_content_sha256(p, path, remedy="refit it (`scaling trend`, or `scaling run --force`)")
        return result
    except ScalingError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise ScalingError(f"{path}: {exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise ScalingError(f"{path}: incomplete or damaged trend file (missing or bad {exc})") from None


# ===================================================================== fitting
def _fit_ols(y: np.ndarray, x: np.ndarray, n_draws: int, seed: int):
    import statsmodels.api as sm

    X = sm.add_constant(x, has_constant="add")
    res = sm.OLS(y, X).fit()
    df = int(res.df_resid)
    rng = np.random.default_rng(seed)
    beta = np.asarray(res.params, dtype=float)
    cov = np.asarray(res.cov_params(), dtype=float)
    # Multivariate t (df = n - 2): the sampling distribution of the coefficients with
    # estimated variance, so draw quantiles reproduce the t-based confidence interval.
    z = rng.multivariate_normal(np.zeros(2), cov, size=n_draws)
    w = rng.chisquare(df, size=n_draws) / df
    coef = beta + z / np.sqrt(w)[:, None]
    s = float(np.sqrt(res.scale))
    sigma = s * np.sqrt(df / rng.chisquare(df, size=n_draws))
    draws = pd.DataFrame({"intercept": coef[:, 0], "slope_per_year": coef[:, 1], "sigma": sigma,
                          "nu": np.full(n_draws, np.inf)})
    ci = np.asarray(res.conf_int(alpha=0.10))[1]
    diag = {"slope": float(beta[1]), "slope_se": float(res.bse[1]), "slope_ci_t": [float(ci[0]), float(ci[1])],
            "df_resid": df, "r_squared": float(res.rsquared), "resid_sd": s, "n_draws": n_draws}
    return draws, diag


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


def _fit_bayes(y, x, group_idx, groups, *, seed, draws, chains, tune, target_accept, sampler, progress):
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


def fit_prepared(prep: TrendData, method: str = "bayes", *, seed: int = 0, draws: int = 1000, chains: int = 2,
                 tune: int = 500, target_accept: float = 0.9, sampler: str = "nutpie", progress: bool = False,
                 t0: float | None = None) -> TrendResult:
    """Fit a trend to points already selected by :func:`scaling.hardware.data.trend_data`.

    Parameters are those of :func:`fit_trend`; ``t0`` fixes the centring year (default:
    the mean year of the points, rounded to 0.01).
    """
    if method not in METHODS:
        raise ScalingError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    if sampler not in SAMPLERS:
        raise ScalingError(f"unknown sampler {sampler!r}; allowed: {', '.join(SAMPLERS)}")
    draws = check_int("draws", draws, 100, MAX_DRAWS)  # bounded: 1e8 draws would exhaust memory
    chains = check_int("chains", chains, 1, MAX_CHAINS)
    tune = check_int("tune", tune, 100, MAX_DRAWS)
    seed = check_int("seed", seed, 0)
    target_accept = check_number("target_accept", target_accept, low=0.0, high=1.0, high_open=True)
    data = prep.data
    y = data["log10_value"].to_numpy(dtype=float)
    year = data["year"].to_numpy(dtype=float)
    t0 = round(float(np.mean(year)), 2) if t0 is None else check_number("t0", t0, low=None)
    x = year - t0
    groups: tuple = ()
    group_idx = None
    if data["group"].astype(str).str.len().gt(0).any():
        if method != "bayes":
            raise ScalingError("hierarchical trends need method='bayes'")
        groups = tuple(sorted(data["group"].unique()))
        group_idx = data["group"].map({g: i for i, g in enumerate(groups)}).to_numpy(dtype=int)
    if method == "ols":
        d, diag = _fit_ols(y, x, draws * chains, seed)
    else:
        d, diag = _fit_bayes(y, x, group_idx, groups, seed=seed, draws=draws, chains=chains, tune=tune,
                             target_accept=target_accept, sampler=sampler, progress=bool(progress))
    settings = {**prep.settings, "method": method, "draws": draws, "chains": chains,
                "tune": tune if method == "bayes" else None,
                "sampler": sampler if method == "bayes" else None,
                "target_accept": target_accept if method == "bayes" else None,
                "hierarchical": prep.settings.get("group_by"), "seed": seed}
    return TrendResult(
        metric=prep.metric, precision=prep.precision, method=method, n_chips=prep.n_chips, n_points=len(data),
        n_dropped=prep.n_dropped, dropped=dict(prep.dropped), t0=t0, draws=d, data=data.reset_index(drop=True),
        diagnostics=diag, settings=settings, filters=list(prep.filters), notes=list(prep.notes), seed=seed,
        data_sha256=prep.sha256, groups=groups, created=utc_now(),
    )


def fit_trend(
    accelerators: pd.DataFrame | None = None,
    metric: str = "flops_per_usd",
    precision="tensor16",
    method: str = "bayes",
    *,
    vendor=None,
    type=None,  # noqa: A002
    segment=None,
    since=None,
    before=None,
    dollars: str = "nominal",
    base_year: int = 2024,
    frontier: bool = False,
    hierarchical: str | None = None,
    pricing: str = "on_demand",
    seed: int = 0,
    draws: int = 1000,
    chains: int = 2,
    tune: int = 500,
    target_accept: float = 0.9,
    sampler: str = "nutpie",
    progress: bool = False,
    cloud_prices: pd.DataFrame | None = None,
    price_index: pd.DataFrame | None = None,
) -> TrendResult:
    r"""Fit :math:`\log_{10} y = c_0 + c_1 (t - t_0)` to accelerator price-performance.

    Parameters
    ----------
    accelerators : DataFrame, optional
        The accelerators table; ``None`` loads the shipped one.
    metric : {"flops_per_usd", "flops_per_watt", "flops_per_usd_cloud"}
        Peak FLOP/s per $ of release price, per W of TDP, or peak FLOP per $ of cloud
        rental (:math:`3600 F / p_h`, dated by the price observation).
    precision : {"tensor16", "fp32", "tf32", "fp16", "fp8", "int8"} or list
        Which peak throughput (a list with ``hierarchical="precision"``).
    method : {"bayes", "ols"}
        PyMC robust regression, or statsmodels OLS (the frequentist baseline).
    vendor, type, segment : str or list, optional
        Keep only these (case-insensitive), e.g. ``segment="datacenter"``.
    since, before : date, optional
        Keep dates ``>= since`` and ``< before``.
    dollars : {"nominal", "real"}
        ``"real"`` deflates prices with the US PPI for data processing to ``base_year`` $.
    frontier : bool
        Keep only chips that beat every earlier chip (the best available at each date).
    hierarchical : {None, "vendor", "precision"}
        Per-group intercept offsets with a shared slope (Bayes only).
    pricing : {"on_demand", "1yr", "3yr"}
        Cloud price column for ``flops_per_usd_cloud``.
    seed, draws, chains, tune, target_accept
        Sampler settings (the same ``seed`` gives the same draws); OLS draws
        ``draws * chains`` coefficient samples with ``seed``.
    sampler : {"nutpie", "pymc"}
        The NUTS implementation, through :func:`scaling.bayes.samplers.sample`.
    progress : bool
        Show the sampler's progress bar.

    Returns
    -------
    TrendResult

    Raises
    ------
    ScalingError
        Unknown option, or a filter leaving fewer than 3 chips (naming the filter).

    References
    ----------
    Hobbhahn & Besiroglu (2022), "Trends in GPU price-performance", Epoch AI.
    Hobbhahn, Heim & Aydos (2023), "Trends in machine learning hardware", Epoch AI.
    """
    if method not in METHODS:
        raise ScalingError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    if hierarchical not in (None, "vendor", "precision"):
        raise ScalingError(f"unknown hierarchical {hierarchical!r}; allowed: None, 'vendor', 'precision'")
    if hierarchical is not None and method != "bayes":
        raise ScalingError("hierarchical trends need method='bayes'")
    prep = trend_data(accelerators, metric, precision, vendor=vendor, type=type, segment=segment, since=since,
                      before=before, dollars=dollars, base_year=base_year, frontier=frontier, pricing=pricing,
                      cloud_prices=cloud_prices, price_index=price_index, group_by=hierarchical)
    return fit_prepared(prep, method, seed=seed, draws=draws, chains=chains, tune=tune,
                        target_accept=target_accept, sampler=sampler, progress=progress)
