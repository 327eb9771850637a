"""Hardware-trend and forecast figures."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .._checks import check_level
from ..errors import ScalingError
from ..results import DEFAULT_LEVEL
from ._base import PALETTE, _mpl, _new_ax, style


_FLAGSHIPS = ("K80", "P100", "V100", "A100", "H100", "B200", "TPU v4", "MI300X")

_METRIC_LABELS = {
    "flops_per_usd": "peak FLOP/s per US$ of release price",
    "flops_per_usd_cloud": "peak FLOP per US$ of cloud rental",
    "flops_per_watt": "peak FLOP/s per watt",
    "flops_per_s": "peak FLOP/s",
    "usd_per_flop": "US$ per FLOP/s",
}


def hardware_trend(trend, ax=None, label_chips=True, *, level=DEFAULT_LEVEL, extend_years: float = 2.0):
    r"""Price-performance (or energy-efficiency) trend of accelerators: points, fit and bands.

    The fit is log-linear in time, :math:`\log_{10} y = c_0 + c_1 t`, with doubling
    time :math:`\log_{10} 2 / c_1` years (Hobbhahn & Besiroglu 2022). The darker
    band is the interval of the trend line (credible for a Bayesian fit, confidence for
    OLS), the lighter one the predictive interval for a new chip (or cloud price).

    Parameters
    ----------
    trend : TrendResult
        A fitted trend (:func:`scaling.hardware.fit_trend` or
        :func:`scaling.hardware.load_trend`).
    ax : matplotlib Axes, optional
    label_chips : bool or sequence of str
        ``True`` labels the flagship chips found in the data (V100, A100, H100, ...);
        a sequence names substrings of chip names to label; ``False`` none.
    level : float
        Probability mass of the bands.
    extend_years : float
        How far past the last point the trend is drawn.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ScalingError
        ``trend`` is not a ``TrendResult``, or a bad ``level``.
    """
    from ..hardware import TrendResult

    if not isinstance(trend, TrendResult):
        raise ScalingError(f"hardware_trend needs a TrendResult (scaling.hardware.fit_trend or load_trend), "
                           f"got {type(trend).__name__}")
    level = check_level(level)
    cloud = trend.metric == "flops_per_usd_cloud"
    data = trend.data
    dates = pd.to_datetime(data["date"])
    values = data["value"].astype(float)
    grid = pd.date_range(dates.min(), dates.max() + pd.DateOffset(months=int(12 * extend_years)), periods=120)
    line = trend.predict(grid, level=level, interval="line")
    new = trend.predict(grid, level=level, interval="new")
    x = pd.to_datetime(line["date"])
    line_band = "credible" if trend.method == "bayes" else "confidence"
    with style():
        ax = _new_ax(ax)
        ax.fill_between(x, new["lower"], new["upper"], color=PALETTE[0], alpha=0.15, lw=0,
                        label=f"{level:.0%} predictive interval (new {'price' if cloud else 'chip'})")
        ax.fill_between(x, line["lower"], line["upper"], color=PALETTE[0], alpha=0.35, lw=0,
                        label=f"{level:.0%} {line_band} interval (trend)")
        d = trend.doubling(level)
        line_label = "trend"
        if np.isfinite(d["median"]):
            line_label += f", doubling every {d['median']:.2f} years [{d['lower']:.2f}, {d['upper']:.2f}]"
        ax.plot(x, line["median"], color=PALETTE[0], label=line_label)
        ax.scatter(dates, values, s=14, color=PALETTE[7], alpha=0.75, zorder=3,
                   label="price observations" if cloud else "accelerators")
        if label_chips is not False:
            patterns = _FLAGSHIPS if label_chips is True else tuple(label_chips)
            names = data["name"].astype(str)
            for pat in patterns:
                # Whole-word match: "V100" must not pick the Quadro "GV100".
                hit = names.str.contains(rf"(?<![\w-]){re.escape(pat)}(?![\w-])", regex=True, case=False)
                if hit.any():
                    i = values[hit].idxmax()
                    ax.annotate(_short_chip(names[i]), (dates[i], values[i]),
                                fontsize=7, xytext=(4, 4), textcoords="offset points", color=PALETTE[1])
                    ax.scatter([dates[i]], [values[i]], s=22, color=PALETTE[1], zorder=4)
        ax.set_yscale("log")
        ax.set_xlabel("price observation date" if cloud else "release date")
        ylabel = _METRIC_LABELS.get(trend.metric, trend.metric.replace("_", " "))
        ax.set_ylabel(f"{ylabel} ({trend.precision})")
        ax.legend(loc="upper left")
    return ax


def _short_chip(name: str) -> str:
    """'NVIDIA Tesla V100 SXM2' -> 'V100 SXM2': vendor and product-line words dropped."""
    words = [w for w in str(name).split() if w not in ("NVIDIA", "AMD", "Google", "Intel", "Tesla", "Instinct")]
    return " ".join(words) or str(name)


_QUANTITY_LABELS = {
    "training_cost_usd": "training cost (US$)",
    "inference_usd_per_1k_tokens": "inference cost (US$ per 1K tokens)",
    "inference_cost_usd_per_1k_tokens": "inference cost (US$ per 1K tokens)",
}


def _quantity_label(quantity: str) -> str:
    if quantity in _QUANTITY_LABELS:
        return _QUANTITY_LABELS[quantity]
    words = quantity.split("_")
    if "usd" in words:
        words.remove("usd")
        return " ".join(words) + " (US$)"
    return " ".join(words)


def fan_chart(forecast_or_frame, quantity="training_cost_usd", ax=None, *, log=None, color=None):
    """Fan chart of a forecast: the median and nested bands for every level present.

    Parameters
    ----------
    forecast_or_frame : Forecast or DataFrame
        A ``Forecast`` (its ``to_frame()`` is used) or a tidy frame with columns
        ``date, quantity, median, lower, upper, level``; each level (e.g. 0.5 and
        0.9) gives one band, wider levels lighter.
    quantity : str
        Which quantity to draw (e.g. ``"training_cost_usd"``,
        ``"inference_usd_per_1k_tokens"``).
    ax : matplotlib Axes, optional
    log : bool, optional
        Log y axis; default True for costs (names with ``usd``/``cost``) and for
        positive values spanning more than a decade.
    color : str, optional
        Colour of the median and bands (default the first palette colour).

    Returns
    -------
    matplotlib.axes.Axes
    """
    # plot sits below forecast in the layers (tests/test_imports.py): a Forecast is
    # recognised by its to_frame(), not imported.
    frame = forecast_or_frame if isinstance(forecast_or_frame, pd.DataFrame) else \
        forecast_or_frame.to_frame() if hasattr(forecast_or_frame, "to_frame") else None
    if not isinstance(frame, pd.DataFrame):
        raise ScalingError(f"expected a Forecast or a DataFrame, got {type(forecast_or_frame).__name__}")
    need = {"date", "quantity", "median", "lower", "upper", "level"}
    missing = need - set(frame.columns)
    if missing:
        raise ScalingError(f"forecast frame lacks column(s) {', '.join(sorted(missing))}; needs {', '.join(sorted(need))}")
    known = sorted(frame["quantity"].astype(str).unique())
    if quantity not in known:
        raise ScalingError(f"unknown quantity {quantity!r}; this forecast has: {', '.join(known)}")
    df = frame[frame["quantity"].astype(str) == quantity].copy()
    df["date"] = pd.to_datetime(df["date"])
    df = df.sort_values("date")
    levels = sorted(df["level"].dropna().astype(float).unique(), reverse=True)
    color = color or PALETTE[0]
    values = df[["median", "lower", "upper"]].to_numpy(dtype=float)
    if log is None:
        pos = values[np.isfinite(values)]
        log = bool(pos.size and (pos > 0).all() and ("usd" in quantity or "cost" in quantity
                                                    or pos.max() / pos.min() > 10))
    with style():
        ax = _new_ax(ax)
        for k, level in enumerate(levels):
            part = df[df["level"].astype(float) == level]
            alpha = 0.15 + 0.5 * (k + 1) / (len(levels) + 1)
            ax.fill_between(part["date"], part["lower"], part["upper"], color=color, alpha=alpha * 0.6,
                            lw=0, label=f"{level:.0%} interval")
        med = df.drop_duplicates("date")
        ax.plot(med["date"], med["median"], color=color, label="median")
        if log:
            ax.set_yscale("log")
        ax.set_xlabel("date")
        ax.set_ylabel(_quantity_label(quantity))
        ax.legend(loc="upper right")
        _, _ = _mpl()
        import matplotlib.dates as mdates

        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    return ax
