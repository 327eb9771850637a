"""The least compute that reached a benchmark score, over time: frontier, trend, and Ho et al.'s rate."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._checks import check_level
from .._dates import decimal_year
from ..errors import ScalingError
from ..results import DEFAULT_LEVEL
from .. import _style
from ._base import PALETTE, _finish, _fonts, _new_ax, style
from ._layout import defer_labels, set_legend
from ._units import log_axis, year_axis

#: Source line of the capability table.
CAPABILITY_SOURCE = ("Data: Ruan, Maddison & Hashimoto (2024), arXiv:2405.10938; release dates from Epoch AI, "
                     "Data on AI Models (CC BY 4.0); GPT-3: Brown et al. (2020), Hendrycks et al. (2021)")


def _short_model(name: str) -> str:
    """'microsoft/phi-1_5' -> 'phi-1_5' (the organisation prefix dropped)."""
    return str(name).rsplit("/", 1)[-1]


def capability_frontier(trend, ax=None, *, level=DEFAULT_LEVEL, until: int = 2030, reference: bool = True,
                        size=None, title=None, subtitle=None, source=None):
    r"""The least training compute that reached a benchmark score, by release date.

    Draws every model that reached the score (grey), the observed frontier
    :math:`C^*(t)` (a step down at each record, labelled), the fitted trend of
    :math:`\log_{10} C` on the date with its ``level`` credible band, and -- with
    ``reference`` -- Ho et al.'s (2024, arXiv:2403.05812) rate from the first record:
    compute needed halving every 8 months (95% CI 5-14 months, the dashed lines).

    Parameters
    ----------
    trend : FrontierTrend
        :func:`scaling.forecast.capability.frontier_trend` (read for its ``frontier``,
        ``reaching``, ``points``, ``target``, ``reference`` and draws).
    ax : matplotlib Axes, optional
    level : float
        Probability mass of the trend's band.
    until : int
        Last year drawn (the trend beyond the data is an extrapolation).
    reference : bool
        Draw Ho et al.'s rate for comparison.
    size : {"column", "page", "slide"}, optional
    title, subtitle, source : str, True or None
        ``True`` writes the automatic text, ``None`` leaves the line out.

    Returns
    -------
    matplotlib.axes.Axes
    """
    need = ("frontier", "reaching", "target", "halving", "predict", "reference")
    if not all(hasattr(trend, k) for k in need):
        raise ScalingError(f"capability_frontier needs a FrontierTrend (scaling.forecast.capability.frontier_trend), "
                           f"got {type(trend).__name__}")
    level = check_level(level)
    import matplotlib.dates as mdates

    frontier, reached = trend.frontier, trend.reaching
    t_first = pd.Timestamp(frontier["release_date"].iloc[0])
    last = pd.Timestamp(trend.settings.get("last_release") or reached["release_date"].max())
    end = pd.Timestamp(f"{int(until)}-12-31")
    if end <= last:
        raise ScalingError(f"until {until} must lie after the table's last release ({last.date()})")
    with style(size):
        ax = _new_ax(ax, size)
        fonts = _fonts(ax)
        area = _style.marker_area(ax.figure.__dict__.get("_scaling_size"), 14)
        grid = pd.date_range(t_first, end, periods=160)
        band = trend.predict(grid, level=level)
        h = trend.halving(level)
        upper = "unbounded" if not np.isfinite(h["upper"]) else f"{h['upper']:.0f}"
        ax.fill_between(grid, band["lower"], band["upper"], color=PALETTE[0], alpha=0.2, lw=0,
                        label=f"{level:.0%} credible interval (trend)")
        ax.plot(grid, band["median"], color=PALETTE[0],
                label=f"trend: halving every {h['median']:.1f} months [{h['lower']:.1f}, {upper}]")
        if reference:
            med, lo, hi, ref_level = trend.reference
            c0 = float(frontier["compute_flops"].iloc[0])
            dt = decimal_year(grid) - decimal_year([t_first])[0]
            ax.plot(grid, c0 * 2.0 ** (-12.0 * dt / med), color=PALETTE[2], ls="--",
                    label=f"Ho et al. (2024): halving every {med:g} months [{lo:g}, {hi:g}] ({ref_level:.0%})")
            for months in (lo, hi):
                ax.plot(grid, c0 * 2.0 ** (-12.0 * dt / months), color=PALETTE[2], ls=":", lw=0.8)
        steps_x = list(pd.to_datetime(frontier["release_date"])) + [last]
        steps_y = list(frontier["compute_flops"]) + [frontier["compute_flops"].iloc[-1]]
        ax.step(steps_x, steps_y, where="post", color=PALETTE[1], lw=1.6, label="observed frontier (least compute)")
        others = reached[~reached["model"].isin(frontier["model"])]
        ax.scatter(pd.to_datetime(others["release_date"]), others["compute_flops"], s=area, color=PALETTE[7],
                   alpha=0.7, linewidths=0, zorder=3, label="other models reaching the score")
        ax.scatter(pd.to_datetime(frontier["release_date"]), frontier["compute_flops"], s=area * 1.6,
                   color=PALETTE[1], linewidths=0, zorder=4, label="records")
        xs = mdates.date2num(pd.to_datetime(frontier["release_date"]))
        defer_labels(ax, xs, frontier["compute_flops"], [_short_model(m) for m in frontier["model"]],
                     color=PALETTE[1], marker_pt=np.sqrt(area * 1.6),
                     avoid=(mdates.date2num(pd.to_datetime(others["release_date"])), others["compute_flops"]))
        lo_y = float(frontier["compute_flops"].min()) / 1e3
        hi_y = float(max(frontier["compute_flops"].max(), reached["compute_flops"].max())) * 10
        ax.set_ylim(lo_y, hi_y)
        ax.set_xlim(t_first - pd.DateOffset(months=6), end)
        span = (end - t_first).days / 365.25
        year_axis(ax.xaxis, span, ax.figure.get_figwidth() * 0.8, fonts["tick"])
        log_axis(ax.yaxis, "power")
        ax.set_xlabel("release date")
        ax.set_ylabel("training compute (FLOPs)")
        if set_legend(ax) is not None:
            ax.legend(loc="lower left")
        target = trend.target.describe()
        _finish(ax.figure, title, subtitle, source,
                auto_title=f"Least training compute that reached {target.split(' (')[0]}",
                auto_subtitle=(f"{target}; Bayesian log-linear trend over the {len(trend.points)} "
                               f"{trend.settings.get('points', 'frontier')} points; beyond {last.date()} an "
                               "extrapolation"),
                auto_source=CAPABILITY_SOURCE)
    return ax
