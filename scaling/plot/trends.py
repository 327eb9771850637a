"""Hardware-trend and forecast figures."""

from __future__ import annotations

import re
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ._base import PALETTE, _mpl, _new_ax, style


_FLAGSHIPS = ("K80", "P100", "V100", "A100", "H100", "B200", "TPU v4", "MI300X")

_METRIC_LABELS = {
    "flops_per_usd": "peak FLOP/s per US$ of release price",
    "flops_per_usd_cloud": "peak FLOP per US$ of cloud rental",
    "flops_per_watt": "peak FLOP/s per watt",
    "flops_per_s": "peak FLOP/s",
    "usd_per_flop": "US$ per FLOP/s",
}


def _column(df: pd.DataFrame, candidates: Sequence[str], what: str) -> str:
    for c in candidates:
        if c in df.columns:
            return c
    raise ValueError(f"{what}: none of the columns {', '.join(candidates)} found; columns: {', '.join(map(str, df.columns))}")


def hardware_trend(trend, ax=None, label_chips=True, *, level=0.9, extend_years: float = 2.0):
    r"""Price-performance (or energy-efficiency) trend of accelerators: points, fit and bands.

    The fit is log-linear in time, :math:`\log_{10} y = c_0 + c_1 t`, with doubling
    time :math:`\log_{10} 2 / c_1` years (Hobbhahn & Besiroglu 2022). The darker
    band is the credible (confidence) interval of the trend line, the lighter one the
    predictive interval for a new chip.

    Parameters
    ----------
    trend : TrendResult
        With ``metric``, ``precision``, ``data`` (one row per point: ``name``,
        ``date``, ``value``), ``predict(dates, level=...)`` (columns ``median``,
        ``lower``/``upper`` for the line, ``pred_lower``/``pred_upper`` for a new
        chip) and ``doubling_time_years`` (a number or a dict with value, lower, upper).
    ax : matplotlib Axes, optional
    label_chips : bool or sequence of str
        ``True`` labels the flagship chips found in the data (V100, A100, H100, ...);
        a sequence names substrings of chip names to label; ``False`` none.
    level : float
        Probability mass of the bands.
    extend_years : float
        How far past the last chip the trend is drawn.

    Returns
    -------
    matplotlib.axes.Axes
    """
    data = pd.DataFrame(trend.data)
    date_col = _column(data, ("release_date", "date"), "trend data")
    value_col = _column(data, ("value", getattr(trend, "metric", "value")), "trend data")
    name_col = "name" if "name" in data.columns else None
    dates = pd.to_datetime(data[date_col])
    grid = pd.date_range(dates.min(), dates.max() + pd.DateOffset(months=int(12 * extend_years)), periods=120)
    pred = pd.DataFrame(trend.predict(grid, level=level))
    median = _column(pred, ("median", "mean", "value"), "trend.predict()")
    x = pd.to_datetime(pred["date"]) if "date" in pred.columns else grid
    metric = str(getattr(trend, "metric", "value"))
    precision = getattr(trend, "precision", None)
    with style():
        ax = _new_ax(ax)
        # Column names of TrendResult.predict (and two common alternatives).
        bands = [(("pred_lower", "predictive_lower"), ("pred_upper", "predictive_upper"),
                  0.15, f"{level:.0%} predictive interval (new chip)"),
                 (("lower", "credible_lower"), ("upper", "credible_upper"),
                  0.35, f"{level:.0%} credible interval (trend)")]
        for lows, highs, alpha, label in bands:
            lo = next((c for c in lows if c in pred.columns), None)
            hi = next((c for c in highs if c in pred.columns), None)
            if lo and hi:
                ax.fill_between(x, pred[lo], pred[hi], color=PALETTE[0], alpha=alpha, lw=0, label=label)
        doubling = getattr(trend, "doubling_time_years", None)
        if callable(doubling):
            doubling = doubling()
        dt = _scalar(doubling)
        line_label = "trend" + (f", doubling every {dt:.2f} years" if dt is not None else "")
        if dt is not None and isinstance(doubling, Mapping) and {"lower", "upper"} <= set(doubling):
            lo_dt, hi_dt = _scalar(doubling["lower"]), _scalar(doubling["upper"])
            if lo_dt is not None and hi_dt is not None:
                line_label += f" [{lo_dt:.2f}, {hi_dt:.2f}]"
        ax.plot(x, pred[median], color=PALETTE[0], label=line_label)
        ax.scatter(dates, data[value_col], s=14, color=PALETTE[7], alpha=0.75, zorder=3, label="accelerators")
        if label_chips is not False and name_col:
            patterns = _FLAGSHIPS if label_chips is True else tuple(label_chips)
            names = data[name_col].astype(str)
            for pat in patterns:
                # Whole-word match: "V100" must not pick the Quadro "GV100".
                hit = names.str.contains(rf"(?<![\w-]){re.escape(pat)}(?![\w-])", regex=True, case=False)
                if hit.any():
                    i = data.loc[hit, value_col].astype(float).idxmax()
                    ax.annotate(_short_chip(names[i]), (dates[i], data.loc[i, value_col]),
                                fontsize=7, xytext=(4, 4), textcoords="offset points", color=PALETTE[1])
                    ax.scatter([dates[i]], [data.loc[i, value_col]], s=22, color=PALETTE[1], zorder=4)
        ax.set_yscale("log")
        ax.set_xlabel("release date")
        ylabel = _METRIC_LABELS.get(metric, metric.replace("_", " "))
        ax.set_ylabel(ylabel + (f" ({precision})" if precision else ""))
        ax.legend(loc="upper left")
    return ax


def _short_chip(name: str) -> str:
    """'NVIDIA Tesla V100 SXM2' -> 'V100 SXM2': vendor and product-line words dropped."""
    words = [w for w in str(name).split() if w not in ("NVIDIA", "AMD", "Google", "Intel", "Tesla", "Instinct")]
    return " ".join(words) or str(name)


def _scalar(value) -> float | None:
    """A number from a float, a (value, lower, upper) tuple, a Series or a 1-row frame."""
    if value is None:
        return None
    if isinstance(value, pd.DataFrame):
        value = value.iloc[0].get("value", value.iloc[0, 0])
    elif isinstance(value, pd.Series):
        value = value.get("value", value.iloc[0])
    elif isinstance(value, (tuple, list, np.ndarray)):
        value = value[0] if len(value) else None
    elif isinstance(value, Mapping):
        value = value.get("value")
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) else None


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
    frame = forecast_or_frame.to_frame() if hasattr(forecast_or_frame, "to_frame") else forecast_or_frame
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a Forecast or a DataFrame, got {type(forecast_or_frame).__name__}")
    need = {"date", "quantity", "median", "lower", "upper", "level"}
    missing = need - set(frame.columns)
    if missing:
        raise ValueError(f"forecast frame lacks column(s) {', '.join(sorted(missing))}; needs {', '.join(sorted(need))}")
    known = sorted(frame["quantity"].astype(str).unique())
    if quantity not in known:
        raise ValueError(f"unknown quantity {quantity!r}; this forecast has: {', '.join(known)}")
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
