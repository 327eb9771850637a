r"""Algorithmic progress in a forecast: its summary, its cap's binding share, and the evidence beside it.

The model itself lives with the other sources of uncertainty (:mod:`scaling.forecast.draws`:
:func:`~scaling.forecast.draws.halving_draws`, :func:`~scaling.forecast.draws.slowdown_draws`,
:func:`~scaling.forecast.draws.algorithmic_log2_gain`): the compute needed for a fixed loss
halves every :math:`H` (Ho et al. 2024, "Algorithmic progress in language models",
arXiv:2403.05812) up to the end of the years they measured, then the halving time grows by
:math:`1+s` per year, :math:`s` drawn from a stated prior. This module says what that implies:

* :func:`gain_summary`: the effective-compute multiplier per date (median, interval, the
  share of draws past a cap), stored in a forecast's assumptions;
* :func:`cap_binding_text`: "cap 100x binds in 55% of draws by 2026, 85% by 2030";
* :func:`evidence_table`: the compute the variant implies for GPT-3's loss beside the least
  compute public models needed for GPT-3's MMLU (:mod:`scaling.forecast.capability`) and
  Ho et al.'s constant rate, date by date.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..cost import training_flops
from ..sizing import GPT3_N_PARAMS, GPT3_N_TOKENS

__all__ = ["algorithmic_text", "gain_summary", "cap_binding_text", "evidence_table", "summary_entry",
           "GPT3_AS_BUILT_FLOPS"]

#: GPT-3's training compute as built, 6 x 175e9 x 300e9 FLOPs (Brown et al. 2020 report 3.14e23).
GPT3_AS_BUILT_FLOPS = training_flops(GPT3_N_PARAMS, GPT3_N_TOKENS)
#: Multipliers whose exceedance :func:`gain_summary` reports: the old default cap (100x) and
#: the capability frontier's observed fall by 2023-09 (GPT-3 to phi-1.5, 268x).
THRESHOLDS = (100.0, 268.0)


def algorithmic_text(halving, slowdown, cap) -> str:
    """The header's words for algorithmic progress: off, or the halving time, its slowdown and cap."""
    if halving is None:
        return "off"
    slow = ("slowing per the prior" if isinstance(slowdown, str) else
            f"halving time +{slowdown:.0%}/yr" if slowdown else "constant rate")
    return f"{halving} ({slow}{f', cap {cap:g}x' if cap is not None else ''})"


def gain_summary(log2_gain: np.ndarray, dates: pd.DatetimeIndex, level: float = 0.9,
                 thresholds: Sequence[float] = THRESHOLDS) -> dict:
    r"""Per 1 January date: the multiplier :math:`M = 2^{\log_2 M}` (net of the banked gain) and exceedances.

    Returns ``{date: {"median", "lower", "upper", "level", "p_over_100x", "p_over_268x"}}``
    from the uncapped per-draw gains (draws x dates).
    """
    x = np.asarray(log2_gain, dtype=float)
    q = (1 - level) / 2
    out = {}
    for j, d in enumerate(pd.DatetimeIndex(dates)):
        if d.month != 1 or d.day != 1:
            continue
        lo, med, hi = np.quantile(x[:, j], [q, 0.5, 1 - q])
        row = {"median": float(2.0 ** med), "lower": float(2.0 ** lo), "upper": float(2.0 ** hi), "level": level}
        for t in thresholds:
            row[f"p_over_{t:g}x"] = float(np.mean(x[:, j] >= np.log2(t)))
        out[d.date().isoformat()] = row
    return out


def cap_binding_text(forecast, years: Sequence[int] = (2026, 2030)) -> str | None:
    """``"cap 100x binds in 55% of draws by 2026, 85% by 2030"``, or ``None`` without a cap.

    Each year's share is at the last forecast date on or before that year's 1 January
    (``assumptions["algorithmic_cap_binding"]``, :func:`scaling.forecast.draws.cap_binding_share`).
    """
    shares = forecast.assumptions.get("algorithmic_cap_binding")
    if not shares:
        return None
    dates = pd.DatetimeIndex(list(shares))
    parts = []
    for y in years:
        ok = dates[dates <= pd.Timestamp(f"{y}-01-01")]
        if len(ok):
            parts.append(f"{shares[ok[-1].date().isoformat()]:.0%} by {y}")
    if not parts:
        return None
    parts[0] = parts[0].replace(" by ", " of draws by ", 1)
    return f"cap {forecast.assumptions['algorithmic_cap']:g}x binds in " + ", ".join(parts)


def evidence_table(forecast, dates: Sequence[str] = ("2023-01-01", "2024-01-01"), level: float = 0.9,
                   target: str = "capability:MMLU=0.439", seed: int = 0) -> pd.DataFrame:
    r"""The compute a forecast implies for its target beside the capability frontier and Ho et al.

    Per date (the forecast date nearest each): the forecast's ``compute_flops`` (median and
    ``level`` interval) and its fall from GPT-3 as built (:data:`GPT3_AS_BUILT_FLOPS` /
    compute); the least compute that reached GPT-3's MMLU among public models released by
    then (:func:`~scaling.forecast.capability.least_compute_frontier`, with the default
    tolerance and with none) and its fall from GPT-3's 3.14e23 FLOPs; and Ho et al.'s constant
    rate from GPT-3's release, :math:`2^{\Delta / H}` at their median and 95% interval
    (:data:`~scaling.forecast.capability.HO2024_HALVING_MONTHS`). The frontier's own
    halving time (:func:`~scaling.forecast.capability.frontier_trend`) is in ``attrs``.

    The frontier is MMLU accuracy, the forecast GPT-3's loss under a Chinchilla law: the two
    need not fall alike (a model trained on curated data may reach the score at a higher loss).
    """
    from .._dates import decimal_year
    from .capability import (
        GPT3_COMPUTE_FLOPS, GPT3_RELEASE, HO2024_HALVING_MONTHS, frontier_at, frontier_trend, least_compute_frontier,
    )
    from ..errors import ScalingError

    if "compute_flops" not in forecast.samples:
        raise ScalingError("the forecast has no compute samples (a loaded forecast keeps only its table)")
    x = forecast.samples["compute_flops"]
    years = decimal_year(forecast.dates)
    q = (1 - level) / 2
    tol = least_compute_frontier(target)
    strict = least_compute_frontier(target, tolerance=0.0)
    med, lo, hi, _ = HO2024_HALVING_MONTHS
    rows = []
    for d in dates:
        j = int(np.argmin(np.abs(years - decimal_year(d)[0])))
        c = x[:, j]
        c_lo, c_med, c_hi = np.quantile(c, [q, 0.5, 1 - q])
        dt_months = 12.0 * (decimal_year(d)[0] - decimal_year(GPT3_RELEASE)[0])
        f_tol, f_strict = float(frontier_at(tol, [d])[0]), float(frontier_at(strict, [d])[0])
        rows.append({
            "date": str(d), "compute_median": float(c_med), "compute_lower": float(c_lo), "compute_upper": float(c_hi),
            "fall_median": GPT3_AS_BUILT_FLOPS / float(c_med), "fall_lower": GPT3_AS_BUILT_FLOPS / float(c_hi),
            "fall_upper": GPT3_AS_BUILT_FLOPS / float(c_lo),
            "frontier_flops": f_tol, "frontier_fall": GPT3_COMPUTE_FLOPS / f_tol,
            "frontier_model": str(tol["model"].iloc[np.searchsorted(pd.DatetimeIndex(tol["release_date"]).asi8,
                                                                    pd.Timestamp(d).value, side="right") - 1]),
            "frontier_strict_flops": f_strict, "frontier_strict_fall": GPT3_COMPUTE_FLOPS / f_strict,
            "ho_fall_median": float(2.0 ** (dt_months / med)), "ho_fall_lower": float(2.0 ** (dt_months / hi)),
            "ho_fall_upper": float(2.0 ** (dt_months / lo)),
        })
    out = pd.DataFrame(rows)
    out.attrs["frontier_halving_months"] = frontier_trend(target, seed=seed).halving(level)
    out.attrs["frontier_strict_halving_months"] = frontier_trend(target, tolerance=0.0, seed=seed).halving(level)
    out.attrs["level"] = level
    return out


def summary_entry(forecast, evidence_dates: Sequence[str] = ("2023-01-01", "2024-01-01")) -> dict:
    """The algorithmic variant in ``forecasts/summary.json``: its model, gains, cap and the evidence beside it."""
    from .capability_cost import _finite_or_none
    from .draws import HALVING_PRESETS, SLOWDOWN_PRIOR

    a = forecast.assumptions
    preset = a.get("algorithmic_halving_months")
    ev = evidence_table(forecast, evidence_dates)
    return {
        "halving": preset,
        "halving_source": HALVING_PRESETS[preset][4] if isinstance(preset, str) and preset in HALVING_PRESETS else None,
        "slowdown": a.get("algorithmic_slowdown_per_year"),
        "slowdown_prior": dict(zip(("median", "lower", "upper", "level"), SLOWDOWN_PRIOR)),
        "slowdown_date": a.get("algorithmic_slowdown_date"),
        "cap": a.get("algorithmic_cap"),
        "cap_binding": a.get("algorithmic_cap_binding"),
        "gain": a.get("algorithmic_gain"),
        "evidence": ev.to_dict(orient="records"),
        "frontier_halving_months": _finite_or_none(ev.attrs["frontier_halving_months"]),
        "frontier_strict_halving_months": _finite_or_none(ev.attrs["frontier_strict_halving_months"]),
    }
