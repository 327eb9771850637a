r"""The fitted hardware trend, :class:`TrendResult`, and its file (:func:`load_trend`).

A trend is the log-linear line of :mod:`scaling.hardware.trend`,
:math:`\log_{10} y = c_0 + c_1 (t - t_0)`, with posterior (or OLS sampling) draws of its
parameters, the points it was fitted to and their provenance. It answers the doubling time
and growth per year with intervals, the line or a new chip's predictive band at dates
(:meth:`TrendResult.predict`), and the predictive draws a forecast uses
(:meth:`TrendResult.predictive_log10`: line, horizon discrepancy, scatter of a new chip).

It is a :class:`scaling.result_base.ResultBase`: summary, report, warnings, metadata,
``to_dict`` and ``save``/``load`` are written there. Files are versioned JSON, schema
``scaling.hardware.trend`` version 4 (the parameters' medians, ``params``, added); versions
1-3 still load.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field, replace
from typing import Any, Callable, ClassVar

import numpy as np
import pandas as pd

from .. import __version__
from .._checks import check_level, check_number
from .._dates import decimal_year, to_datetimes
from .._format import plural
from ..bayes.diagnostics import diagnostic_warnings
from ..datasets import PRECISIONS
from ..errors import ScalingError, ScalingWarning
from ..result_base import ResultBase
from ..results import DEFAULT_LEVEL, MAX_SAVED_DRAWS, decode_draws, interval, predict_frame
from .data import METRICS
from .predictive import WALK, horizon_walk, scatter_draws
from .record import record_warning
from .trend_model import PRIORS, SIGMA_TREND

__all__ = ["TrendResult", "load_trend", "SCHEMA", "SCHEMA_VERSION", "READABLE_VERSIONS", "LAW", "PARAMS", "METHODS",
           "INTERVALS", "LOG10_2"]

SCHEMA = "scaling.hardware.trend"
#: Version 2: the metadata block of :func:`scaling.results.metadata` (version 1, still read,
#: had ``package_version`` where version 2 has ``scaling_version``, and a ``saved`` time).
#: Version 3: the draws in the one store of :mod:`scaling.results` (thinned to
#: ``MAX_SAVED_DRAWS``, 6 significant digits, by column) and the points by column.
#: Version 4: ``params`` (the medians of the draws saved), written by :class:`ResultBase`.
SCHEMA_VERSION = 4
READABLE_VERSIONS = (1, 2, 3, 4)
LAW = "log-linear"
#: The parameters of every trend, in ``params`` and ``draws`` (hierarchical trends add
#: ``tau`` and one ``offset[<group>]`` per group to ``draws``).
PARAMS = ("intercept", "slope_per_year", "sigma", "nu")
LOG10_2 = float(np.log10(2.0))
METHODS = ("bayes", "ols")
#: ``predict(..., interval=)``: the band of the trend line, or of a new chip (price).
INTERVALS = ("line", "new")
#: Fewer chips than this: the ``few_chips`` warning.
FEW_CHIPS = 10
#: A posterior probability of no improvement above this: the ``no_improvement`` warning.
NO_IMPROVEMENT_MAX = 0.05


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


@dataclass(frozen=True)
class TrendResult(ResultBase):
    r"""A fitted hardware trend: a :class:`scaling.result_base.ResultBase` (the result contract).

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
    SCHEMA: ClassVar[str] = SCHEMA
    SCHEMA_VERSION: ClassVar[int] = SCHEMA_VERSION
    READABLE_VERSIONS: ClassVar[tuple[int, ...]] = READABLE_VERSIONS
    KIND: ClassVar[str] = "hardware trend"
    REMEDY: ClassVar[str] = "refit it (`scaling trend`, or `scaling run --force`)"

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

    def predictive_draws(self, dates, rng: np.random.Generator) -> np.ndarray:
        """Predictive draws of a new chip (or price) at each of ``dates``, independently, log10
        units, one row per posterior draw: the line, the horizon discrepancy beyond
        :attr:`horizon_origin` and a new point's scatter (:meth:`predictive_log10` with every
        draw and one scatter per date: what the backtests score). Shape ``(n_draws, n_dates)``."""
        lines = self.line_draws(dates) + self.walk_draws(dates, rng)
        return lines + scatter_draws(self.draws, rng, lines.shape)

    def predictive_log10(self, dates, n: int, rng: np.random.Generator, *, scatter: bool = True,
                         slope_per_year: float | None = None,
                         walk: Callable[..., np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
        r"""The trend's predictive of a new chip (or price) at ``dates``, log10 units, ``n`` joint draws.

        .. math:: \log_{10} y_i(t) = c_{0,i} + c_{1,i} (t - t_0) + \omega_i W_i(\max(t - t_{\mathrm{last}}, 0))
                  + \varepsilon_i

        ``n`` posterior draws :math:`i` taken with replacement (``rng.integers``); the horizon
        discrepancy :math:`\omega W` (:func:`~scaling.hardware.predictive.horizon_walk`) for a
        trend with a ``rw_scale`` column, after :attr:`horizon_origin`; and the deviation of a
        new point from the line, :math:`\varepsilon_i`
        (:func:`~scaling.hardware.predictive.scatter_draws`: :math:`\sigma_i t_{\nu_i}`, or a
        panel series' chip, provider and residual parts), one per joint draw, shared by the
        dates. Random numbers are taken in that order: draws, walk, scatter.

        Parameters
        ----------
        dates : dates, ISO strings or decimal years
        n : int
        rng : numpy.random.Generator
        scatter : bool
            Without it, ``noise`` is zeros (the line and walk only).
        slope_per_year : float, optional
            Replaces every draw's slope (a scenario's doubling time), pivoting about :attr:`t0`.
        walk : callable, optional
            ``walk(years, origin, scale, rng) -> (n, n_dates)``, the horizon discrepancy's
            sampler (default :func:`~scaling.hardware.predictive.horizon_walk`; the forecast
            passes one whose value at a date depends on that date only).

        Returns
        -------
        line : ndarray (n, n_dates)
            The line plus the horizon discrepancy.
        noise : ndarray (n, 1)
            :math:`\varepsilon` (zeros without ``scatter``).
        """
        years = decimal_year(dates)
        d = self.draws
        idx = rng.integers(0, len(d), size=n)
        c0 = d["intercept"].to_numpy(dtype=float)[idx]
        c1 = (d["slope_per_year"].to_numpy(dtype=float)[idx] if slope_per_year is None
              else np.full(n, float(slope_per_year)))
        line = c0[:, None] + c1[:, None] * (years[None, :] - float(self.t0))
        if self.has_walk:
            line = line + (walk or horizon_walk)(years, self.horizon_origin, d[WALK].to_numpy(dtype=float)[idx], rng)
        noise = scatter_draws(d, rng, (n, 1), idx) if scatter else np.zeros((n, 1))
        return line, noise

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

    def _summary_draws(self) -> pd.DataFrame:
        return pd.concat([self.draws.reset_index(drop=True), self._derived()], axis=1)

    def _summary_values(self) -> dict[str, float]:
        draws = self._summary_draws()
        return {c: _median(draws[c].to_numpy(dtype=float)) for c in draws.columns}

    def _summary_extra(self, level: float) -> pd.DataFrame:
        return self._diagnostic_table()[["r_hat", "ess_bulk"]]

    def summary(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Parameters and derived quantities (:meth:`ResultBase.summary`).

        Index ``parameter`` (every column of ``draws``, then ``growth_per_year`` and
        ``doubling_time_years``); columns ``value`` (median), ``lower``, ``upper``, then
        ``r_hat`` and ``ess_bulk`` (NaN where not sampled by MCMC).
        """
        with np.errstate(invalid="ignore"):  # OLS's nu = inf: inf - inf while interpolating
            return super().summary(level)

    def _warnings(self, level: float) -> list[ScalingWarning]:
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

    def _report_title(self) -> str:
        return (f"Hardware trend: {METRICS.get(self.metric, self.metric)} ({self.metric}), precision {self.precision}, "
                f"method {self.method}")

    def _report_lines(self, level: float) -> list[str]:
        """Data used and dropped, headline numbers, sampler or OLS diagnostics (warnings follow)."""
        d, g = self.doubling_time_years, self.growth_per_year
        years = self.data["year"]
        lines = [
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
        if self.has_walk:
            text = (f"dynamic: the level wanders by {_median(self.draws[WALK].to_numpy(dtype=float)):.3f} dex per "
                    f"sqrt(year), beyond {self.horizon_origin:.1f} too")
            if SIGMA_TREND in self.draws:
                gamma = _median(self.draws[SIGMA_TREND].to_numpy(dtype=float))
                text += f"; the scatter changes x{math.exp(gamma):.3f} per year (sigma: its scale at {self.t0:.2f})"
            lines.append(text)
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
        return lines

    def headline(self) -> dict:
        """The headline summary, JSON-ready (``scaling trend --json``): what was fitted, the
        data used, ``params``, the 90% doubling time and growth, the worst diagnostics and
        the warnings as ``{code, message}``. Not the saved file (:meth:`to_dict`)."""
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

    # ----------------------------------------------------------------- files (ResultBase)
    def _fields(self) -> dict[str, Any]:
        return {
            "law": self.law,
            "metric": self.metric,
            "precision": list(self.precision) if isinstance(self.precision, tuple) else self.precision,
            "method": self.method, "n_chips": self.n_chips, "n_points": self.n_points,
            "n_dropped": self.n_dropped, "dropped": self.dropped, "t0": self.t0, "groups": list(self.groups),
            "filters": [list(f) for f in self.filters], "notes": list(self.notes),
            # a dynamic trend's priors name its walk and scatter trend (a panel series: the panel's)
            "priors": ({k: v for k, v in PRIORS.items() if k not in (WALK, SIGMA_TREND) or self.settings.get("dynamic")}
                       if self.method == "bayes" else None),
            "diagnostics": self.diagnostics,
            "params": None, "headline": None,  # of the draws saved: filled in by to_dict
            "data": _data_columns(self.data),
        }

    def _saved_draws(self) -> pd.DataFrame:
        return self.draws

    def to_dict(self, max_draws: int | None = MAX_SAVED_DRAWS) -> dict:
        """The saved form (schema version 4): :meth:`ResultBase.to_dict`, with ``params`` and the
        ``headline`` (90% doubling time and growth) of the draws saved, and the points (one
        list per column) last, after the draws: the layout of the trend files since version 3."""
        payload = super().to_dict(max_draws)
        kept = replace(self, draws=decode_draws(payload["draws"]).to_frame())
        payload["params"] = kept.params
        payload["headline"] = {"doubling_time_years": kept.doubling_time_years,
                               "growth_per_year": kept.growth_per_year}
        payload["data"] = payload.pop("data")
        return payload

    @classmethod
    def _upgrade(cls, payload: dict) -> dict:
        if payload["schema_version"] == 1:  # version 1 named the package version 'package_version'
            payload = {**payload, "scaling_version": payload.get("package_version", "")}
        return payload

    @classmethod
    def _from_saved(cls, payload: dict, meta: dict, draws, path) -> TrendResult:
        method = payload["method"]
        if method not in METHODS:
            raise ScalingError(f"{path}: unknown method {method!r}; known: {', '.join(METHODS)}")
        metric = payload["metric"]
        if metric not in METRICS:
            raise ScalingError(f"{path}: unknown metric {metric!r}; known: {', '.join(METRICS)}")
        precision = tuple(payload["precision"]) if isinstance(payload["precision"], list) else payload["precision"]
        for prec in (precision if isinstance(precision, tuple) else (precision,)):
            if prec not in PRECISIONS:
                raise ScalingError(f"{path}: unknown precision {prec!r}; known: {', '.join(PRECISIONS)}")
        if draws is None:
            raise ScalingError(f"{path}: the trend file has no draws")
        draws = draws.to_frame()
        _check_draws(draws, method, path)
        data = pd.DataFrame(payload["data"])
        for c in ("date", "release_date", "hardware_release_date"):
            if c in data.columns:
                data[c] = pd.to_datetime(data[c], errors="coerce")
        return cls(
            metric=metric, precision=precision, method=method, n_chips=int(payload["n_chips"]),
            n_points=int(payload["n_points"]), n_dropped=int(payload["n_dropped"]), dropped=dict(payload["dropped"]),
            t0=check_number(f"{path}: t0", payload["t0"], low=None), draws=draws, data=data,
            diagnostics=dict(payload.get("diagnostics") or {}), settings=dict(meta["settings"]),
            filters=[tuple(f) for f in payload.get("filters", [])], notes=list(payload.get("notes", [])),
            seed=meta["seed"], data_sha256=meta["data_sha256"], groups=tuple(payload.get("groups", [])),
            created=str(meta["created"]), scaling_version=str(meta["scaling_version"]),
        )


def _data_columns(data: pd.DataFrame) -> dict:
    """The points, one JSON list per column (dates as ``YYYY-MM-DD``)."""
    data = data.copy()
    for c in data.columns:
        if pd.api.types.is_datetime64_any_dtype(data[c]):
            data[c] = data[c].dt.strftime("%Y-%m-%d")
    return {c: json.loads(data[c].to_json(orient="values")) for c in data.columns}


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
    """Load a trend written by :meth:`TrendResult.save` (schema version 4, or 3, 2 or 1), validating it.

    :meth:`TrendResult.load`: checks the metadata (:func:`scaling.results.check_metadata`: an
    integer seed, a sha256), a known method, metric and precision, and draws that are
    non-empty, finite (OLS's ``nu`` may be ``inf``) with ``sigma > 0``; then the content hash.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ScalingError
        A file that is not a trend file of a readable version, or is damaged or edited.
    """
    return TrendResult.load(path)
