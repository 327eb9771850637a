r"""Random walks with drift on any price series: a cloud segment or a chip trend, with a stated drift rule.

The random walk of :mod:`scaling.hardware.random_walk`,

.. math::

    \log_{10} y(t) \sim N\big(L + \mu h,\; s_0^2 + \omega^2 h\big), \qquad h = t - t_{\mathrm{ref}},

(:math:`L`, :math:`s_0`, :math:`t_{\mathrm{ref}}` from the last year's observations,
:func:`~scaling.hardware.random_walk.start_level`; :math:`\omega` from the yearly medians'
changes less the drift, :func:`~scaling.hardware.random_walk.walk_scale`) fitted to

- a cloud-price segment (``series``: ``hyperscaler-on-demand``, ``gpu-cloud-on-demand``, ...;
  the rows of :func:`~scaling.hardware.random_walk.segment_points`), or
- a chip trend (``metric`` and ``precision``: the points of
  :func:`scaling.hardware.data.trend_data` ``(None, metric, precision)``, one per chip at its
  release date: FLOP/s per $ of the release price, FLOP/s per W of the TDP),

with one of the drift rules :data:`DRIFT_RULES`:

``"purchase-prior"``
    The evaluation's ``rw`` on a cloud segment (:func:`~scaling.hardware.random_walk.fit_random_walk`,
    which this delegates to): the mean of the panel's purchase-price slope prior.
``"epoch"``
    The evaluation's ``epoch`` baseline (:mod:`scaling.hardware.evaluation`): the metric doubles
    every :math:`D` years, :math:`\ln D \sim N(m, s^2)` with 5% and 95% points Epoch's published
    doubling times, :func:`scaling.hardware.published.epoch_doubling` (FLOP/s per $ and cloud
    FLOP per $: 2.1-2.46 yr, Hobbhahn, Heim & Aydos 2023,
    https://epoch.ai/blog/trends-in-machine-learning-hardware, and Hobbhahn & Besiroglu 2022,
    https://epoch.ai/blog/trends-in-gpu-price-performance; FLOP/s per W: 3.0 yr, fixed). Each
    saved draw row carries its own :math:`\mu = \log_{10} 2 / D`, drawn by
    :func:`epoch_slope_draws`, the one function the evaluation draws it with; :math:`\omega`
    uses the central drift :math:`\log_{10} 2 / e^{m}` (:func:`epoch_drift`), as the evaluation's.
    Caveat: Epoch's rates were published in 2022-2023 from chips up to then, so a walk fitted
    before an early cut-off has seen, through its drift, part of what it forecasts.

``spread="calibrated"`` scales :math:`s_0` and :math:`\omega` by a factor :math:`k` and makes the
scatter a Student :math:`t_\nu`, :math:`(k, \nu)` estimated from the walk's own errors at
pseudo-origins before the data's end (:mod:`scaling.hardware.walk_spread`; the evaluation's
``epoch-cal`` and ``rw-cal``). It beat the ``epoch`` baseline on GPU-cloud on-demand prices
and is the lowest-price series' walk (``validation/results/calibrated_walks.md``).

Issue 20's evaluation (``validation/results/evaluation_*.md``, ``trend_calibration.md``)
chose these as the default price models: the best baseline (``epoch``) won on the chip trends
and on GPU-cloud on-demand prices (where the panel's win rested on unconverged fits), ``rw``
on hyperscaler on-demand prices. The fitted walk is a
:class:`~scaling.hardware.random_walk.RandomWalkTrend` whose draw rows make the forecast's
price machinery (:func:`scaling.forecast.draws.price_log10_draws`, which resamples rows)
draw the evaluation's predictive: identical rows but for ``slope_per_year`` under ``"epoch"``.
``settings["drift"]`` records the rule.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from .._checks import check_int
from .._io import utc_now
from ..errors import ScalingError
from .published import epoch_doubling
from .random_walk import (LAW, N_DRAWS, RandomWalkTrend, fit_random_walk, last_year, points_sha256, segment_points,
                          start_level, walk_scale)

__all__ = ["DRIFT_RULES", "SPREAD_RULES", "EPOCH_SELECTION", "EPOCH_CHOICE", "CALIBRATED_SELECTION", "DATA_COLUMNS",
           "fit_walk", "walk_points", "epoch_drift", "epoch_slope_draws", "LOG10_2"]

#: The drift rules :func:`fit_walk` takes (module docstring).
DRIFT_RULES = ("purchase-prior", "epoch")
#: The spread rules :func:`fit_walk` takes: the rule of the module docstring, or estimated from the
#: walk's own errors (:mod:`scaling.hardware.walk_spread`).
SPREAD_RULES = ("rule", "calibrated")
#: Where the choice of an Epoch-drift walk is reported: a chip trend's, a cloud segment's (``{}`` its name).
EPOCH_SELECTION = {"chip": "validation/results/trend_calibration.md",
                   "cloud": "validation/results/evaluation_{}.md"}
#: Where the choice of a calibrated spread is reported, and why (issue 20's rule, a pre-registered protocol).
CALIBRATED_SELECTION = ("validation/results/calibrated_walks.md: the calibrated walk beat the best shippable baseline "
                        "on pooled CRPS with a 90% interval below zero (protocol: "
                        "validation/protocols/calibrated_walks.md)")
#: The rule that chose them (issue 20).
EPOCH_CHOICE = "the best baseline, as no model beats it with a 90% interval excluding zero (issue 20's rule)"
LOG10_2 = float(np.log10(2.0))
#: The columns of the observations a walk keeps in its ``data``: what it is computed from and who
#: priced it (a segment's provider kind and pricing tier are in ``settings``); the files stay small.
DATA_COLUMNS = ("name", "date", "year", "value", "log10_value", "provider")
_Z95 = 1.6449  # the standard normal's 95% point: (hi - lo) / (2 z) is the sd of ln D


def _log_doubling(metric: str) -> tuple[float, float, str]:
    """``(m, s, span)``: mean and sd of :math:`\\ln D` from Epoch's 5-95% points, and the span in words."""
    d_lo, d_hi = epoch_doubling(metric)
    lo, hi = np.log(d_lo), np.log(d_hi)
    span = f"{d_lo:g}-{d_hi:g}" if d_hi > d_lo else f"{d_lo:g}"
    return (lo + hi) / 2.0, (hi - lo) / (2 * _Z95), span


def epoch_drift(metric: str) -> tuple[float, str]:
    r"""``(mu, rule)``: the central drift :math:`\log_{10} 2 / e^{m}` (dex per year) of Epoch's
    doubling of ``metric`` and the rule in words (the evaluation's ``epoch`` ``drift_rule``)."""
    m, _, span = _log_doubling(metric)
    return float(LOG10_2 / np.exp(m)), f"Epoch's published doubling {span} yr"


def epoch_slope_draws(metric: str, rng: np.random.Generator, size) -> np.ndarray:
    r"""Slopes :math:`\log_{10} 2 / D` (dex per year), :math:`\ln D \sim N(m, s^2)` with 5% and
    95% points Epoch's doubling times of ``metric`` (:func:`scaling.hardware.published.epoch_doubling`),
    of shape ``size``, from ``rng`` (one ``rng.normal`` call: the evaluation's ``epoch`` draws)."""
    m, s, _ = _log_doubling(metric)
    return LOG10_2 / np.exp(rng.normal(m, s, size=size))


def walk_points(series: str | None = None, *, metric: str | None = None, precision: str = "tensor16",
                before=None):
    """``(points, trend_data)``: the observations a walk is fitted to, dated before ``before``,
    and the :class:`~scaling.hardware.data.TrendData` they come from (its filters and dollars):
    a cloud segment's prices (``series``) or a chip trend's points (``metric``, ``precision``)."""
    from .data import METRICS, trend_data
    from .panel import panel_data

    if (series is None) == (metric is None):
        raise ScalingError("give a cloud segment (series=) or a chip trend (metric=), not both and not neither")
    if series is not None:
        points = segment_points(series, before)
        return points, panel_data()
    key = str(metric).strip().lower().replace("-", "_")
    chips = [m for m in METRICS if m != "flops_per_usd_cloud"]
    if key not in chips:
        raise ScalingError(f"unknown chip-trend metric {metric!r} for a walk; allowed: {', '.join(chips)} "
                           "(cloud prices: give series=, a segment)")
    td = trend_data(None, key, precision)
    points = td.data
    if before is not None:
        points = points.loc[points["date"] < pd.Timestamp(before)]
    return points.reset_index(drop=True), td


def _check_drift(drift, chip: bool) -> str:
    rule = str(drift).strip().lower()
    if rule not in DRIFT_RULES:
        raise ScalingError(f"unknown drift rule {drift!r} for a random walk; allowed: {', '.join(DRIFT_RULES)}")
    if chip and rule == "purchase-prior":
        raise ScalingError("drift rule 'purchase-prior' (the panel's purchase-price prior) is for cloud segments; a "
                           "chip trend takes drift 'epoch'")
    return rule


def fit_walk(series: str | None = None, *, metric: str | None = None, precision: str = "tensor16",
             drift: str = "epoch", before=None, seed: int = 0, n_draws: int = N_DRAWS,
             name: str | None = None, spread: str = "rule") -> RandomWalkTrend:
    r"""The random walk with drift of a cloud segment or a chip trend (module docstring).

    Parameters
    ----------
    series : str, optional
        A cloud-price segment (``hyperscaler-on-demand``, ``gpu-cloud-on-demand``, ...).
    metric, precision : str, optional
        A chip trend instead: ``flops_per_usd`` or ``flops_per_watt`` at ``tensor16`` or ``fp32``.
    drift : str
        A rule of :data:`DRIFT_RULES`: ``"epoch"`` (default) or ``"purchase-prior"`` (cloud only:
        :func:`~scaling.hardware.random_walk.fit_random_walk`, settings as it writes them plus ``drift``).
    before : date, optional
        Use only the observations dated before it (a cut-off, as in :func:`scaling.hardware.evaluate`).
    seed : int
        Seeds the draw rows' Epoch doubling times (``numpy.random.default_rng(seed)``) and the
        trend's ``predict``.
    n_draws : int
        Draw rows saved (the forecast resamples them); under ``"epoch"`` each row has its own slope.
    name : str, optional
        The price series' name, in ``settings["name"]`` (default ``<series or metric_precision>-<drift>``,
        with ``-cal`` for a calibrated spread).
    spread : str
        A rule of :data:`SPREAD_RULES`: ``"rule"`` (default), :math:`s_0` and :math:`\omega` as above;
        ``"calibrated"``, both scaled by :math:`k` and the scatter a Student :math:`t_\nu`, with
        :math:`(k, \nu)` estimated from the walk's own errors at quarterly pseudo-origins
        (:mod:`scaling.hardware.walk_spread`; the evaluation's ``epoch-cal`` and ``rw-cal``). Saved as
        ``sigma`` :math:`k s_0`, ``rw_scale`` :math:`k\omega` and ``nu``; ``diagnostics`` keep
        :math:`s_0`, :math:`\omega` and the estimate (``spread_k``, ``spread_nu``, ...).

    Returns
    -------
    RandomWalkTrend
        ``law`` ``"random-walk"``, ``method`` ``"ols"`` (closed form), ``t0`` and
        ``settings["horizon_origin_year"]`` :math:`t_{\mathrm{ref}}`; ``settings["drift"]`` the rule.

    Raises
    ------
    ScalingError
        An unknown segment, metric or drift rule (naming the allowed ones), both or neither of
        ``series`` and ``metric``, or fewer than 3 chips before ``before``.
    """
    from .data import MIN_CHIPS

    rule = _check_drift(drift, chip=metric is not None)
    how = _check_spread(spread)
    seed = check_int("seed", seed, 0)
    n_draws = check_int("n_draws", n_draws, 1, 100_000)
    if rule == "purchase-prior":
        walk_points(series, metric=metric, precision=precision)  # the same checks of the target
        t = fit_random_walk(series, before, seed=seed, n_draws=n_draws, name=name)
        t = replace(t, settings={**t.settings, "drift": rule, "spread": "rule"})
        return t if how == "rule" else _calibrate(t, rule, series=series, before=before, name=name)
    points, td = walk_points(series, metric=metric, precision=precision, before=before)
    points = points[[c for c in DATA_COLUMNS if c in points.columns]]
    label = str(series).strip().lower() if series is not None else f"{td.metric}_{td.precision}"
    if points["name"].nunique() < MIN_CHIPS:
        raise ScalingError(f"{label} has {points['name'].nunique()} chips before {before}; the random walk needs at "
                           f"least {MIN_CHIPS}")
    tmetric = "flops_per_usd_cloud" if series is not None else td.metric
    level, s0, t_ref = start_level(points)
    mu, text = epoch_drift(tmetric)
    omega = walk_scale(points, mu, s0)
    slopes = epoch_slope_draws(tmetric, np.random.default_rng(seed), n_draws)
    when = None if before is None else f"{pd.Timestamp(before):%Y-%m-%d}"
    p = {"level": level, "sd": s0, "t_ref": t_ref, "drift_per_year": mu, "drift_rule": text, "walk_scale": omega,
         "n_last_year": int(len(last_year(points)))}
    draws = pd.DataFrame({"intercept": np.full(n_draws, level), "slope_per_year": slopes, "sigma": s0,
                          "nu": np.inf, "rw_scale": omega})
    rule_text = (f"random walk with Epoch's drift: N(L + mu h, s0^2 + omega^2 h); L, s0, t_ref the median, sd and "
                 f"median date of the last year's log10 values; mu = log10(2)/D per draw row, ln D normal with 5-95% "
                 f"points {text.split('doubling ')[1]}; omega from the yearly medians' changes less the central drift")
    settings = {"model": LAW, "name": name or f"{label}-{rule}", "series": label, "drift": rule, "spread": "rule",
                "provider_kind": None, "pricing": None, "before": when, "rule": rule_text,
                "selection": None, "horizon_origin_year": t_ref, "metric": tmetric,
                "precision": td.precision, "dollars": td.settings.get("dollars"),
                "base_year": td.settings.get("base_year"), "n_draws": n_draws,
                "caveat": "Epoch's rates were published in 2022-2023 from chips up to then"}
    if series is not None:
        from .panel import SERIES

        settings["provider_kind"], settings["pricing"], _ = SERIES[label]
    what = "prices" if series is not None else "chips"
    report = EPOCH_SELECTION["cloud" if series is not None else "chip"].format(label)
    settings["selection"] = f"{report}: {EPOCH_CHOICE}"
    t = RandomWalkTrend(
        metric=tmetric, precision=td.precision, method="ols", n_chips=int(points["name"].nunique()),
        n_points=len(points), n_dropped=td.n_dropped, dropped=dict(td.dropped), t0=t_ref, draws=draws,
        data=points, diagnostics=p, settings=settings, filters=list(td.filters),
        notes=list(td.notes) + [f"random walk with Epoch's drift from the last year's {p['n_last_year']} {what} of "
                                f"{label} (issue 20's evaluation: {settings['selection']})"],
        seed=seed, data_sha256=points_sha256(points), created=utc_now())
    return t if how == "rule" else _calibrate(t, rule, series=series, metric=metric, precision=precision,
                                              before=before, name=name)


def _check_spread(spread) -> str:
    how = str(spread).strip().lower()
    if how not in SPREAD_RULES:
        raise ScalingError(f"unknown spread rule {spread!r} for a random walk; allowed: {', '.join(SPREAD_RULES)}")
    return how


def _calibrate(t: RandomWalkTrend, rule: str, *, series=None, metric=None, precision="tensor16", before=None,
               name=None) -> RandomWalkTrend:
    """``t`` with its spread estimated from its own past errors (:mod:`scaling.hardware.walk_spread`)."""
    from .data import MIN_CHIPS
    from .random_walk import price_drift
    from .walk_spread import estimate_spread

    points = t.data
    cutoff = pd.Timestamp(before) if before is not None else points["date"].max() + pd.Timedelta(days=1)
    est = estimate_spread(points, cutoff, lambda prior, origin: epoch_drift(t.metric)[0] if rule == "epoch"
                          else price_drift(origin)[0], min_chips=MIN_CHIPS)
    k, nu = est["k"], est["nu"]
    p = t.diagnostics
    draws = t.draws.assign(sigma=k * float(p["sd"]), rw_scale=k * float(p["walk_scale"]), nu=nu)
    label = t.settings.get("series") or f"{t.metric}_{t.precision}"
    nu_text = "normal" if not np.isfinite(nu) else f"Student t, nu {nu:.1f}"
    what = ("too few past errors: the rule's spread" if est["fallback"] else
            f"k {k:.2f}, {nu_text}, from {est['n_errors']} errors at {est['n_origins']} pseudo-origins")
    settings = {**t.settings, "spread": "calibrated", "name": name or f"{label}-{rule}-cal",
                "selection": CALIBRATED_SELECTION,
                "rule": t.settings["rule"] + "; spread: s0 and omega scaled by k and the scatter a Student t_nu, "
                "(k, nu) by maximum likelihood of the walk's errors at quarterly pseudo-origins"}
    diagnostics = {**p, **{f"spread_{key}": (None if key == "nu" and not np.isfinite(v) else v)
                           for key, v in est.items()}}
    return replace(t, draws=draws, diagnostics=diagnostics, settings=settings,
                   notes=list(t.notes) + [f"spread estimated from the walk's own errors ({what}; "
                                          "validation/results/calibrated_walks.md)"])
