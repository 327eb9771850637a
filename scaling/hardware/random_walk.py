r"""The random walk with drift: the price model the headline cost forecast uses (issue 20).

A pre-registered selection (``validation/price_selection.py``; its report
``validation/results/price_selection.md``) scored every candidate model of the hyperscaler
on-demand price on yearly rolling origins 2019-2023 before a locked final year. The
hierarchical panel (:mod:`scaling.hardware.panel`, as the forecast draws it) did not beat the
best naive baseline: its pooled CRPS was 0.030 dex worse than this random walk's, 90% cluster
bootstrap interval [+0.021, +0.042]. By the protocol's rule the headline's price model is
therefore the baseline itself, and this module is its one home.

The model, for a date :math:`t` after the reference year :math:`t_{\mathrm{ref}}`,

.. math::

    \log_{10} y(t) \sim N\big(L + \mu h,\; s_0^2 + \omega^2 h\big), \qquad h = t - t_{\mathrm{ref}},

- :math:`L`, :math:`s_0`, :math:`t_{\mathrm{ref}}`: the median, the standard deviation
  (at least :data:`MIN_SPREAD`) and the median date (decimal year) of the log10 prices of the
  *last year* (those within a year of the last price; the 3 latest where fewer):
  :func:`start_level`;
- :math:`\mu` (dex per year), the drift: the mean of the panel's own slope prior, the
  least-squares purchase-price trend of the chips released before the cut-off
  (:func:`scaling.hardware.panel.purchase_slope_prior`): :func:`price_drift`;
- :math:`\omega` (dex per square-root year): the root mean square of the past year-to-year
  changes of the yearly medians less the drift, each divided by the square root of its gap in
  years (years counted back from the last price); :math:`s_0` where fewer than two years have
  prices: :func:`walk_scale`.

This is the local-level model with drift (Harvey 1989, *Forecasting, Structural Time Series
Models and the Kalman Filter*, ch. 2) with its level started at the last year's median and a
new price's scatter about it; the ``rw`` baseline of :mod:`scaling.hardware.evaluation`,
whose helpers these functions reproduce value for value (``tests/test_random_walk.py``), so
the evaluation can call them in place of its own.

:func:`fit_random_walk` writes the model as a :class:`RandomWalkTrend`, a
:class:`~scaling.hardware.trend.TrendResult` with ``law`` ``"random-walk"`` whose draws make
the forecast's price machinery (:func:`scaling.forecast.draws.price_log10_draws` with
:func:`scaling.hardware.trend.scatter_draws`) draw exactly this predictive: ``intercept``
:math:`L` at ``t0`` :math:`= t_{\mathrm{ref}}`, ``slope_per_year`` :math:`\mu`, ``rw_scale``
:math:`\omega` from the ``horizon_origin_year`` :math:`t_{\mathrm{ref}}`, ``sigma``
:math:`s_0` and ``nu`` infinite (a normal scatter). The draws are identical rows: the model
scored carries no parameter uncertainty, and neither does the model shipped. Before
:math:`t_{\mathrm{ref}}` the line is the drift extended backwards (no walk), for display; the
selection scored the model only after its cut-offs.

No sampler is run: the trend's ``method`` is ``"ols"``, the closed-form method whose files
may hold ``nu = inf``; ``settings["model"]`` is ``"random-walk"``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np
import pandas as pd

from .._checks import check_int
from .._io import sha256_arrays, utc_now
from ..errors import ScalingError
from .trend import TrendResult, load_trend

__all__ = ["RandomWalkTrend", "fit_random_walk", "load_random_walk", "segment_points", "last_year", "start_level",
           "walk_scale", "price_drift", "random_walk_params", "points_sha256", "LAW", "MIN_SPREAD", "N_DRAWS", "RULE",
           "SELECTION"]

LAW = "random-walk"
#: Smallest spread (dex) of the last year's prices about their median (the evaluation's
#: ``MIN_SPREAD``: a single price, or identical ones, would otherwise give a zero spread).
MIN_SPREAD = 0.01
#: Identical draws saved: the model has no parameter uncertainty (module docstring).
N_DRAWS = 100
#: The model in one line (saved in the trend's settings).
RULE = ("random walk with drift: N(L + mu h, s0^2 + omega^2 h); L, s0, t_ref the median, sd and median date of "
        "the last year's log10 prices; mu the purchase-price slope prior's mean; omega from the yearly medians' "
        "changes")
#: Where the choice of this model is reported.
SELECTION = "validation/results/price_selection.md"


# --------------------------------------------------------------------------- the pieces
def segment_points(series: str = "hyperscaler-on-demand", before=None) -> pd.DataFrame:
    """The prices of a panel segment (a series of :data:`scaling.hardware.SERIES` with a fixed
    provider kind and pricing tier) dated before ``before`` (all by default): the rows of
    :func:`scaling.hardware.panel_data` the evaluation scores for that series."""
    from .panel import SERIES, panel_data

    name = str(series).strip().lower()
    fixed = [s for s, (kind, _, _) in SERIES.items() if kind is not None]
    if name not in fixed:
        raise ScalingError(f"unknown price segment {series!r} for the random walk; allowed: {', '.join(fixed)}")
    kind, tier, _ = SERIES[name]
    d = panel_data().data
    pop = d.loc[(d["provider_kind"] == kind) & (d["pricing_tier"] == tier)]
    if before is not None:
        pop = pop.loc[pop["date"] < pd.Timestamp(before)]
    return pop.reset_index(drop=True)


def points_sha256(points: pd.DataFrame) -> str:
    """The prices' hash (decimal years and values), as :attr:`scaling.hardware.TrendData.sha256`."""
    return sha256_arrays(points["year"], points["value"])


def last_year(points: pd.DataFrame) -> pd.DataFrame:
    """The prices within a year of the last one (the 3 latest where fewer)."""
    last = points["date"].max()
    window = points.loc[points["date"] > last - pd.DateOffset(years=1)]
    return window if len(window) >= 3 else points.sort_values("date").tail(3)


def start_level(points: pd.DataFrame) -> tuple[float, float, float]:
    r"""``(L, s0, t_ref)``: the median, sd (``ddof=1``, at least :data:`MIN_SPREAD`) and median
    decimal year of the last year's log10 prices (:func:`last_year`)."""
    w = last_year(points)
    y = w["log10_value"].to_numpy(dtype=float)
    s0 = float(np.std(y, ddof=1)) if len(y) > 1 else MIN_SPREAD
    return float(np.median(y)), max(s0, MIN_SPREAD), float(np.median(w["year"]))


def walk_scale(points: pd.DataFrame, drift: float, fallback: float) -> float:
    r""":math:`\omega`, dex per square-root year: the RMS of the changes of the yearly medians
    (years counted back from the last price) less ``drift`` times their gap, each over the
    square root of the gap; ``fallback`` where fewer than two years have prices."""
    year = points["year"].to_numpy(dtype=float)
    period = np.floor((year.max() - year) / 1.0).astype(int)
    med = pd.Series(points["log10_value"].to_numpy(dtype=float)).groupby(period).median().sort_index()
    if len(med) < 2:
        return float(fallback)
    k = med.index.to_numpy(dtype=float)
    m = med.to_numpy(dtype=float)
    gap = np.diff(k)  # older minus newer period: years between the medians
    change = m[:-1] - m[1:]  # newer minus older level
    dev = (change - drift * gap) / np.sqrt(gap)
    return float(np.sqrt(np.mean(dev**2)))


def price_drift(before=None) -> tuple[float, str]:
    r"""``(mu, rule)``: the drift, dex per year, the mean of the panel's purchase-price slope
    prior over the chips released before ``before``
    (:func:`scaling.hardware.panel.purchase_slope_prior`), and that prior in words."""
    from .panel import purchase_slope_prior

    mean, _, text = purchase_slope_prior(before=None if before is None else pd.Timestamp(before))
    return float(mean), f"purchase-price prior mean (the panel's): {text}"


def random_walk_params(points: pd.DataFrame, before=None) -> dict:
    """The model's numbers from ``points`` (the prices before ``before``): ``level`` (L),
    ``sd`` (s0), ``t_ref``, ``drift_per_year`` (mu), ``drift_rule``, ``walk_scale`` (omega),
    ``n_last_year`` -- the names of the evaluation's ``rw`` fit record."""
    level, s0, t_ref = start_level(points)
    drift, rule = price_drift(before)
    return {"level": level, "sd": s0, "t_ref": t_ref, "drift_per_year": drift, "drift_rule": rule,
            "walk_scale": walk_scale(points, drift, s0), "n_last_year": int(len(last_year(points)))}


# --------------------------------------------------------------------------- the trend
@dataclass(frozen=True)
class RandomWalkTrend(TrendResult):
    """A :class:`~scaling.hardware.trend.TrendResult` holding the random walk with drift
    (module docstring): identical draws of ``intercept`` (L at ``t0`` = t_ref),
    ``slope_per_year`` (mu), ``sigma`` (s0), ``nu`` (inf) and ``rw_scale`` (omega);
    ``diagnostics`` holds the numbers of :func:`random_walk_params`."""

    law: ClassVar[str] = LAW

    def report(self) -> str:
        """What the model is, its numbers, the data and the warnings."""
        p = self.diagnostics
        d = self.doubling_time_years
        years = self.data["year"]
        # the walks of scaling.hardware.walks (a chip trend, Epoch's drift) record their own selection
        chips = self.metric != "flops_per_usd_cloud"
        chosen = (f"chosen by issue 20's evaluation ({self.settings['selection']})" if "drift" in self.settings
                  else f"chosen by the pre-registered selection ({SELECTION})")
        lines = [
            f"Price model: random walk with drift ({self.settings.get('name')}), {chosen}",
            f"data: {self.n_points} {'chips' if chips else 'prices of ' + str(self.n_chips) + ' chips'} "
            f"({self.settings.get('series')}), "
            f"{years.min():.1f}-{years.max():.1f}" + (f", before {self.settings['before']}"
                                                      if self.settings.get("before") else ""),
            f"level L = {p['level']:.4f} log10 at t_ref = {p['t_ref']:.3f} (median of the last year's "
            f"{p['n_last_year']} {'chips' if chips else 'prices'}), scatter s0 = {p['sd']:.4f} dex",
            f"drift mu = {p['drift_per_year']:.4f} dex/yr (doubling {d['median']:.2f} yr"
            + (f", 90% {d['lower']:.2f}-{d['upper']:.2f} yr" if d["upper"] > d["lower"] * (1 + 1e-9) else "")
            + f"; {p['drift_rule']})",
            f"walk scale omega = {p['walk_scale']:.4f} dex/sqrt(yr): predictive N(L + mu h, s0^2 + omega^2 h), "
            f"h = years after t_ref",
            f"seed {self.seed}; data sha256 {self.data_sha256[:12]}",
        ]
        if self.settings.get("caveat"):
            lines.append(f"caveat: {self.settings['caveat']}, so at early cut-offs the drift saw part of what it "
                         "forecasts")
        lines += [f"warning: {w.message}" for w in self.warnings()]
        return "\n".join(lines)


def fit_random_walk(series: str = "hyperscaler-on-demand", before=None, *, seed: int = 0,
                    n_draws: int = N_DRAWS, name: str | None = None) -> RandomWalkTrend:
    r"""The random walk with drift of a cloud-price segment, as a trend the forecast draws from.

    Parameters
    ----------
    series : str
        A panel segment of :data:`scaling.hardware.SERIES` with a fixed provider kind and
        pricing tier (``hyperscaler-on-demand``, ``hyperscaler-3yr``, ``gpu-cloud-on-demand``).
    before : date, optional
        Use only the prices dated before it, and the purchase-price prior of the chips
        released before it (a cut-off, as in :func:`scaling.hardware.evaluate`).
    seed : int
        Recorded; the fit draws no random numbers (it seeds the trend's ``predict``).
    n_draws : int
        Identical draw rows saved (the forecast resamples them).
    name : str, optional
        The price series' name (default ``<series>-rw``), in ``settings["name"]``.

    Returns
    -------
    RandomWalkTrend
        ``t0`` and ``settings["horizon_origin_year"]`` are :math:`t_{\mathrm{ref}}`;
        ``data`` the prices used; ``data_sha256`` their hash (years and values).

    Raises
    ------
    ScalingError
        An unknown segment, or fewer than 3 chips priced before ``before``.
    """
    from .data import MIN_CHIPS
    from .panel import SERIES, panel_data

    seed = check_int("seed", seed, 0)
    n_draws = check_int("n_draws", n_draws, 1, 100_000)
    points = segment_points(series, before)
    key = str(series).strip().lower()
    if points["name"].nunique() < MIN_CHIPS:
        raise ScalingError(f"{key} has {points['name'].nunique()} chips priced before {before}; the random walk "
                           f"needs at least {MIN_CHIPS} (its first price is dated "
                           f"{segment_points(key)['date'].min():%Y-%m-%d})")
    when = None if before is None else f"{pd.Timestamp(before):%Y-%m-%d}"
    p = random_walk_params(points, when)
    draws = pd.DataFrame({"intercept": np.full(n_draws, p["level"]), "slope_per_year": p["drift_per_year"],
                          "sigma": p["sd"], "nu": np.inf, "rw_scale": p["walk_scale"]})
    td = panel_data()
    kind, tier, _ = SERIES[key]
    settings = {"model": LAW, "name": name or f"{key}-rw", "series": key, "provider_kind": kind, "pricing": tier,
                "before": when, "rule": RULE, "selection": SELECTION, "horizon_origin_year": p["t_ref"],
                "metric": "flops_per_usd_cloud", "precision": td.precision, "dollars": td.settings.get("dollars"),
                "base_year": td.settings.get("base_year"), "n_draws": n_draws}
    return RandomWalkTrend(
        metric="flops_per_usd_cloud", precision=td.precision, method="ols", n_chips=int(points["name"].nunique()),
        n_points=len(points), n_dropped=td.n_dropped, dropped=dict(td.dropped), t0=p["t_ref"], draws=draws,
        data=points, diagnostics=p, settings=settings, filters=list(td.filters),
        notes=list(td.notes) + [f"random walk with drift from the last year's {p['n_last_year']} prices of {key} "
                                f"(issue 20's selection, {SELECTION})"],
        seed=seed, data_sha256=points_sha256(points), created=utc_now())


def load_random_walk(path: str | os.PathLike) -> RandomWalkTrend:
    """Load a file written by :meth:`RandomWalkTrend.save` (through
    :func:`scaling.hardware.load_trend`, which checks it), as a :class:`RandomWalkTrend`.

    Raises
    ------
    ScalingError
        A trend file of another model (its ``settings["model"]`` is not ``"random-walk"``).
    """
    t = load_trend(path)
    if t.settings.get("model") != LAW:
        raise ScalingError(f"{path}: a {t.settings.get('model') or t.law} price trend, not a {LAW} one; "
                           "load it with scaling.hardware.load_trend")
    return RandomWalkTrend(**{f.name: getattr(t, f.name) for f in fields(t)})
