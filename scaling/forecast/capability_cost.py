r"""The training cost of reaching a benchmark score over time: the capability frontier's compute, priced.

See :mod:`scaling.forecast.capability` for the frontier and its trend; here the compute path
(:func:`compute_path`: the observed frontier within the data, the trend beyond it) is priced
with the forecast's own joint draws (:func:`capability_equivalent_cost`), and the main job's
summary entry is written (:func:`summary_entry`, :func:`summary_lines`).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd

from ..errors import ScalingError
from .capability import (
    DEFAULT_TOLERANCE, HO2024_HALVING_MONTHS, CapabilityTarget, FrontierTrend, _as_target, _table, frontier_at,
    frontier_trend,
)

__all__ = ["capability_equivalent_cost", "compute_path", "summary_entry", "summary_lines"]


#: equivalent_cost options that do not apply: the frontier trend *is* the algorithmic progress.
_NOT_HERE = ("algorithmic_halving_months", "algorithmic_cap", "algorithmic_slowdown_per_year",
             "algorithmic_slowdown_date", "algorithmic_reference_date", "algorithmic_banked", "target", "decompose",
             "inference_mfu")


def compute_path(trend: FrontierTrend, dates, trend_compute: np.ndarray) -> np.ndarray:
    r"""The compute needed per draw and date: the observed frontier within the data, the trend beyond it.

    .. math::

        C_i(t) = \begin{cases} C^*(\max(t, t_1)) & t \le t_\text{last} \\
                 \min\big(C^\text{trend}_i(t),\, C^*(t_\text{last})\big) & t > t_\text{last} \end{cases}

    with :math:`t_1` the first record (GPT-3: before it, its own compute), :math:`t_\text{last}`
    the table's last release (up to it the least compute is data, not a forecast), and the
    trend never above the last record (a capability once reached stays reachable).
    """
    dates = pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(dates)))
    observed = frontier_at(trend.frontier, dates)
    observed = np.where(np.isnan(observed), float(trend.frontier["compute_flops"].iloc[0]), observed)
    last = pd.Timestamp(trend.settings.get("last_release") or trend.reaching["release_date"].max())
    within = np.asarray(dates <= last)
    ceiling = float(trend.frontier["compute_flops"].iloc[-1])
    trend_compute = np.asarray(trend_compute, dtype=float)
    return np.where(within[None, :], observed[None, :], np.minimum(trend_compute, ceiling))


def capability_equivalent_cost(price_trend, energy_trend=None, *, target="capability:MMLU=0.439",
                               table: pd.DataFrame | None = None, trend: FrontierTrend | None = None,
                               points: str = "frontier", tolerance: float = DEFAULT_TOLERANCE,
                               compute_scatter: bool = True, dates=None, n_draws: int = 4000, seed: int = 0,
                               label: str | None = None, spec=None, **pricing):
    r"""The training cost of reaching a benchmark score at each date: the frontier trend's compute, priced.

    For each joint draw :math:`i` and date :math:`t`,

    .. math::

        C^\text{trend}_i(t) = 10^{\,a_i + b_i (t - t_0) + \sigma_i \varepsilon_i}, \qquad
        \text{cost}_i(t) = \frac{C_i(t)}{u_i}\, c_{\text{FLOP},i}(t),

    with :math:`(a_i, b_i, \sigma_i)` a posterior draw of :func:`frontier_trend`, one scatter
    draw :math:`\varepsilon_i \sim N(0, 1)` per joint draw (a lab's place around the trend,
    like the buyer's place in the spread of prices), and :math:`C_i(t)` the observed frontier
    (:func:`least_compute_frontier`) up to the table's last release and the trend beyond it,
    never above the last record (:func:`compute_path`).
    The dollars per useful FLOP :math:`c_{\text{FLOP},i}(t) / u_i` are the forecast's own joint
    draws of price trend, buyer scatter, utilisation and (purchase basis) total cost of
    ownership: :func:`scaling.forecast.equivalent_cost` priced per FLOP, so every pricing
    option means here what it means there. Beyond the last model in the data the path is the
    trend extrapolated (an ``extrapolation`` warning in ``assumptions["warnings"]``).

    Parameters
    ----------
    price_trend, energy_trend
        As for :func:`scaling.forecast.equivalent_cost`.
    target : str or CapabilityTarget
        ``capability:BENCH=SCORE``; default GPT-3's 5-shot MMLU, 0.439.
    table : DataFrame, optional
        The capability table (default ``datasets/capability.csv``).
    trend : FrontierTrend, optional
        A fitted trend (default :func:`frontier_trend` with ``points``, ``tolerance``, ``seed``).
    compute_scatter : bool
        Add the residual scatter around the trend (``False``: the trend line alone).
    dates, n_draws, seed, label
        As for :func:`scaling.forecast.equivalent_cost`.
    spec : ForecastSpec, optional
        Every input at once (its target a capability target); then ``target``, ``dates``,
        ``n_draws``, ``seed`` and ``label`` are the spec's.
    **pricing
        Any other pricing option of :func:`scaling.forecast.equivalent_cost` (``mfu``,
        ``dollars``, ``price_scatter``, ``price_doubling_years``, ``tco``, ``price_series``, ...).

    Returns
    -------
    Forecast
        Quantities ``training_cost_usd``, ``compute_flops`` and ``usd_per_peak_flop`` (no
        inference cost: the table says which compute reached the score, not how large a model
        one would serve).
    """
    from .. import library
    from .._io import round_floats
    from .core import SIGNIFICANT_DIGITS, Forecast, _TRAIN, _tidy, equivalent_cost
    from .spec import ForecastSpec, rename_deprecated

    pricing = rename_deprecated(pricing, stacklevel=3)
    bad = sorted(k for k in pricing if k in _NOT_HERE)
    if spec is not None:
        bad += [k for k, v in (("inference_mfu", spec.inference_mfu), ("algorithmic_halving_months", spec.algorithmic_halving_months),
                               ("algorithmic_cap", spec.algorithmic_cap)) if v is not None]
    if bad:
        raise ScalingError(f"{', '.join(bad)} does not apply to a capability target: the frontier trend is the "
                           "algorithmic progress, and the table gives no model size to serve")
    if spec is None:
        spec = ForecastSpec(target=target.spec if isinstance(target, CapabilityTarget) else target, dates=dates,
                            n_draws=n_draws, seed=seed, label=label, **pricing)
    elif pricing:
        spec = spec.replace(**pricing)
    target, seed, label = _as_target(spec.target), spec.seed, spec.label
    if trend is None:
        trend = frontier_trend(target, table, points=points, tolerance=tolerance, seed=seed)
    elif trend.target != target:
        raise ScalingError(f"the trend given is for {trend.target.spec}, not {target.spec}")
    # Prices per useful FLOP, per joint draw and date: the forecast's own composition (any law
    # serves; its compute divides out).
    base = equivalent_cost(library.published_fit("hoffmann2022"), price_trend, energy_trend,
                           spec.replace(target="gpt3", decompose=False))
    usd_per_flop = base.samples[_TRAIN] / base.samples["compute_flops"]
    rng = np.random.default_rng([seed, 7])  # its own stream: the pricing draws are those of the other variants
    idx = rng.integers(0, len(trend.draws), size=usd_per_flop.shape[0])
    sub = FrontierTrend(**{**trend.__dict__, "draws": trend.draws.iloc[idx].reset_index(drop=True)})
    log_c = sub.log10_compute(base.dates, scatter=compute_scatter, rng=rng)
    compute = compute_path(trend, base.dates, 10.0 ** log_c)
    samples = {_TRAIN: compute * usd_per_flop, "compute_flops": compute,
               "usd_per_peak_flop": base.samples["usd_per_peak_flop"]}
    levels = base.assumptions["levels"]
    table_out = _tidy(samples, base.dates, levels)
    digest = hashlib.sha256(json.dumps({"pricing": base.data_sha256, "frontier": trend.data_sha256,
                                        "trend": {k: float(v) for k, v in trend.params.items()},
                                        "settings": trend.settings, "spec": spec.to_dict(),
                                        "compute_scatter": bool(compute_scatter)},
                                       sort_keys=True, default=str).encode()).hexdigest()
    return Forecast(table=table_out, assumptions=_assumptions(base, trend, target, compute_scatter, label),
                    dates=base.dates, samples=samples, label=label or f"{target.describe()} (capability frontier)",
                    data_sha256=digest, seed=seed, settings=round_floats(spec.to_dict(), SIGNIFICANT_DIGITS))


def _finite_or_none(d: dict) -> dict:
    """Numbers as floats, an unbounded (infinite) one as None (strict JSON; null reads "unbounded")."""
    return {k: (float(v) if np.isfinite(v) else None) if isinstance(v, (int, float, np.number)) else v
            for k, v in d.items()}


def _assumptions(base, trend: FrontierTrend, target: CapabilityTarget, compute_scatter: bool,
                 label: str | None) -> dict:
    """The pricing assumptions of ``base`` with the law's replaced by the capability trend's."""
    h = trend.halving(0.9)
    upper = "unbounded" if not np.isfinite(h["upper"]) else f"{h['upper']:.1f}"
    records = trend.frontier
    compute_text = (f"least compute reaching {target.describe()}, trend over {len(trend.points)} "
                    f"{trend.settings['points']} points (halving {h['median']:.1f} months [{h['lower']:.1f}, "
                    f"{upper}], 90%){', with scatter' if compute_scatter else ', line only'}")
    pricing = base.header.split("; ", 1)[1]
    pricing = pricing.replace("; algorithmic progress: off", "")
    pricing = ", ".join(p for p in pricing.split(", ") if not p.startswith("inference "))
    drop = ("law", "loss_fit", "target_loss_median", "inference_utilisation", "flops_per_token_inference",
            "training_flops", "algorithmic_halving_months", "algorithmic_reference_date",
            "algorithmic_slowdown_per_year", "algorithmic_slowdown_date", "algorithmic_cap",
            "algorithmic_cap_binding", "algorithmic_gain", "algorithmic_banked")
    out = {k: v for k, v in base.assumptions.items() if k not in drop}
    ho_med, ho_lo, ho_hi, ho_level = HO2024_HALVING_MONTHS
    out.update({
        "label": label or f"{target.describe()} (capability frontier)",
        "header": f"compute: {compute_text}; {pricing}",
        "target": target.spec,
        "target_description": f"{target.describe()}: the least training compute that reached it, trended",
        "capability": {
            "benchmark": target.benchmark, "score": target.score, "chance": target.chance,
            "tolerance": trend.settings["tolerance"], "points": trend.settings["points"],
            "method": "Bayesian regression of log10 compute on date, reference prior (exact posterior)",
            "halving_months": _finite_or_none(h), "trend": _finite_or_none(trend.params),
            "t0": trend.t0, "compute_scatter": bool(compute_scatter),
            "frontier": [{"model": r.model, "release_date": str(pd.Timestamp(r.release_date).date()),
                          "compute_flops": float(r.compute_flops), "score": float(r.score)}
                         for r in records.itertuples()],
            "n_reaching": int(records.attrs.get("n_reaching", len(records))),
            "ho2024_halving_months": {"median": ho_med, "lower": ho_lo, "upper": ho_hi, "level": ho_level,
                                      "source": "Ho et al. (2024), arXiv:2403.05812"},
            "compute_path": (f"the observed frontier up to the table's last release ({trend.settings['last_release']}); "
                             "beyond it the trend draw, never above the last record: an extrapolation"),
        },
        "warnings": [w.to_dict() for w in trend.warnings()],
    })
    return out


# ----------------------------------------------------------------------------- the main job's summary
def summary_entry(forecast, table: pd.DataFrame | None = None) -> dict:
    """A capability forecast's entry in ``forecasts/summary.json``: halving time, frontier, Ho et al. beside it.

    ``sensitivity`` refits the trend on the other choices a reader may doubt: every model reaching
    the score (least compute per family) instead of the records, and no tolerance on the score.
    """
    cap = forecast.assumptions["capability"]
    keys = ("benchmark", "score", "tolerance", "points", "method", "halving_months", "frontier", "n_reaching",
            "ho2024_halving_months")
    target = forecast.assumptions["target"]
    seed = int(forecast.assumptions.get("seed", 0))
    table = _table(table)
    sensitivity = {}
    for name, options in (("reaching", dict(points="reaching", tolerance=cap["tolerance"])),
                          ("no_tolerance", dict(points=cap["points"], tolerance=0.0))):
        try:
            t = frontier_trend(target, table, seed=seed, **options)
        except ScalingError as exc:  # too few points under that choice: say so
            sensitivity[name] = {"error": str(exc)}
            continue
        sensitivity[name] = {**options, "n_points": len(t.points),
                             "models": [str(m) for m in t.points["model"]],
                             "compute_flops": [float(c) for c in t.points["compute_flops"]],
                             "least_compute_flops": float(t.frontier["compute_flops"].min()),
                             "halving_months": _finite_or_none(t.halving(0.9))}
    yearly = {}
    for d in forecast.dates[forecast.dates.month == 1]:
        r90, r50 = (forecast.at(d, "training_cost_usd", level) for level in (0.9, 0.5))
        c = forecast.at(d, "compute_flops", 0.9)
        yearly[str(d.date())] = {"median": float(r90["median"]), "lower": float(r90["lower"]),
                                 "upper": float(r90["upper"]), "lower_50": float(r50["lower"]),
                                 "upper_50": float(r50["upper"]), "compute_flops_median": float(c["median"])}
    return {"target": target, **{k: cap[k] for k in keys}, "sensitivity": sensitivity, "yearly": yearly}


def summary_lines(entry: dict, training: dict) -> list[str]:
    """The printed summary's lines: ``entry`` from :func:`summary_entry`, ``training`` date -> interval."""
    from .._format import format_usd

    h, ho = entry["halving_months"], entry["ho2024_halving_months"]
    upper = "unbounded" if h["upper"] is None else f"{h['upper']:.1f}"
    models = ", ".join(r["model"].rsplit("/", 1)[-1] for r in entry["frontier"])
    lines = [f"Least compute reaching GPT-3's MMLU ({entry['score']:.1%}): halving every {h['median']:.1f} months "
             f"[{h['lower']:.1f}, {upper}] ({h['level']:.0%}; Ho et al. 2024: {ho['median']:g} [{ho['lower']:g}, "
             f"{ho['upper']:g}] months, {ho['level']:.0%}); frontier: {models}"]
    for d in ("2026-01-01", "2030-01-01"):
        if d in training:
            r = training[d]
            lines.append(f"Capability-equivalent (MMLU {entry['score']:.1%}) training_cost_usd {d}: "
                         f"{format_usd(r['median'])} [{format_usd(r['lower'])}, {format_usd(r['upper'])}] "
                         f"({r['level']:.0%}; an extrapolation)")
    return lines
