"""Hardware-trend and forecast figures."""

from __future__ import annotations

import re
import sys

import numpy as np
import pandas as pd

from .._checks import check_level
from .._format import format_pct
from ..errors import ScalingError
from ..results import DEFAULT_LEVEL
from .. import _style
from ._base import PALETTE, _finish, _fonts, _new_ax, _source, style
from ._layout import defer_labels, set_legend
from ._units import log_axis, year_axis


_FLAGSHIPS = ("K80", "P100", "V100", "A100", "H100", "B200", "TPU v4", "MI300X")

_METRIC_LABELS = {
    "flops_per_usd": "peak FLOP/s per US$ of release price",
    "flops_per_usd_cloud": "peak FLOP per US$ of cloud rental",
    "flops_per_watt": "peak FLOP/s per watt",
    "flops_per_s": "peak FLOP/s",
    "usd_per_flop": "US$ per FLOP/s",
}


def _trend_name(trend) -> str:
    """``flops per usd cloud (tensor16)`` for legends of several trends."""
    return f"{trend.metric.replace('_', ' ')} ({trend.precision})"


def _as_list(obj) -> list:
    return list(obj) if isinstance(obj, (list, tuple)) else [obj]


def _labels(label, n: int, default) -> list:
    """One label per series: ``label`` (a string for one series, a sequence for several) or defaults."""
    if label is None:
        return [default(i) for i in range(n)]
    labels = [label] if isinstance(label, str) else list(label)
    if len(labels) != n:
        raise ScalingError(f"got {len(labels)} label(s) for {n} series")
    return [str(x) for x in labels]


def hardware_trend(trend, ax=None, label_chips=True, *, level=DEFAULT_LEVEL, extend_years: float = 2.0,
                   label=None, size=None, title=None, subtitle=None, source=None):
    r"""Price-performance (or energy-efficiency) trend of accelerators: points, fit and bands.

    The fit is log-linear in time, :math:`\log_{10} y = c_0 + c_1 t`, with doubling
    time :math:`\log_{10} 2 / c_1` years (Hobbhahn & Besiroglu 2022). The darker
    band is the interval of the trend line (credible for a Bayesian fit, confidence for
    OLS), the lighter one the predictive interval for a new chip (or cloud price).

    Parameters
    ----------
    trend : TrendResult or sequence of TrendResult
        A fitted trend (:func:`scaling.hardware.fit_trend` or
        :func:`scaling.hardware.load_trend`), or several, each drawn in its own
        Okabe-Ito colour.
    ax : matplotlib Axes, optional
    label_chips : bool or sequence of str
        ``True`` labels the flagship chips found in the data (V100, A100, H100, ...);
        a sequence names substrings of chip names to label; ``False`` none. Labels
        that find no free spot near their point are left out.
    level : float
        Probability mass of the bands.
    extend_years : float
        How far past the last point the trend is drawn.
    label : str or sequence of str, optional
        Legend name of each trend (default its metric and precision when several).
    size : {"column", "page", "slide"}, optional
        Size preset of a new figure; ignored when ``ax`` is given.
    title, subtitle, source : str, True or None
        Title, assumptions line (precision, dollars, pricing, method) and data source;
        ``True`` writes the automatic text, ``None`` leaves the line out.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ScalingError
        ``trend`` is not a ``TrendResult``, or a bad ``level`` or ``label``.
    """
    from ..hardware import TrendResult

    trends = _as_list(trend)
    bad = [type(t).__name__ for t in trends if not isinstance(t, TrendResult)]
    if bad or not trends:
        raise ScalingError(f"hardware_trend needs a TrendResult (scaling.hardware.fit_trend or load_trend), "
                           f"got {', '.join(bad) or 'nothing'}")
    level = check_level(level)
    many = len(trends) > 1
    names = _labels(label, len(trends), lambda i: _trend_name(trends[i]) if many else "trend")
    clouds = {t.metric == "flops_per_usd_cloud" for t in trends}
    import matplotlib.dates as mdates

    with style(size):
        ax = _new_ax(ax, size)
        fonts = _fonts(ax)
        area = _style.marker_area(ax.figure.__dict__.get("_scaling_size"), 14)
        all_dates, all_values, chips = [], [], []
        for k, (t, name) in enumerate(zip(trends, names)):
            color = PALETTE[k % (len(PALETTE) - 1)]
            dates, values = _draw_trend(ax, t, name, color, many=many, level=level, extend_years=extend_years,
                                        area=area)
            all_dates.append(dates)
            all_values.append(values)
            if label_chips is not False:
                chips += _mark_chips(ax, t.data, dates, values, label_chips, area)
        every_date = pd.concat(all_dates)
        span = (every_date.max() - every_date.min()).days / 365.25 + extend_years
        year_axis(ax.xaxis, span, ax.figure.get_figwidth() * 0.8, fonts["tick"])
        log_axis(ax.yaxis, "power")
        ax.set_xlabel("price observation date" if clouds == {True} else "release date" if clouds == {False}
                      else "release or price observation date")
        ylabels = {f"{_METRIC_LABELS.get(t.metric, t.metric.replace('_', ' '))} ({t.precision})" for t in trends}
        ax.set_ylabel(ylabels.pop() if len(ylabels) == 1 else "value (see legend)")
        if chips:
            xs, ys, labs = zip(*chips)
            defer_labels(ax, xs, ys, labs, color=PALETTE[1], marker_pt=np.sqrt(area * 1.6),
                         avoid=(mdates.date2num(pd.concat(all_dates)), pd.concat(all_values)))
        if set_legend(ax) is not None:
            ax.legend(loc="upper left")
        first = trends[0]
        _finish(ax.figure, title, subtitle, source, auto_title=_trend_title(first),
                auto_subtitle="; ".join(_trend_assumptions(t) for t in trends),
                auto_source=_source(*sorted({"cloud_prices" if t.metric == "flops_per_usd_cloud" else "accelerators"
                                             for t in trends})))
    return ax


def _draw_trend(ax, t, name: str, color, *, many: bool, level: float, extend_years: float,
                area: float) -> tuple[pd.Series, pd.Series]:
    """One trend of :func:`hardware_trend` on ``ax``: its predictive and line bands (with legend
    swatches, grey when ``many`` trends share them), its median line labelled with the doubling
    time, and its observations; returns their dates and values."""
    cloud = t.metric == "flops_per_usd_cloud"
    data = t.data
    dates = pd.to_datetime(data["date"])
    values = data["value"].astype(float)
    grid = pd.date_range(dates.min(), dates.max() + pd.DateOffset(months=int(12 * extend_years)),
                         periods=120)
    line = t.predict(grid, level=level, interval="line")
    new = t.predict(grid, level=level, interval="new")
    x = pd.to_datetime(line["date"])
    line_band = "credible" if t.method == "bayes" else "confidence"
    band_color = "0.6" if many else color
    ax.fill_between(x, new["lower"], new["upper"], color=color, alpha=0.12, lw=0)
    ax.fill_between(x, line["lower"], line["upper"], color=color, alpha=0.3, lw=0)
    # Legend swatches: one per distinct band (several trends share them, in grey).
    ax.fill_between([], [], [], color=band_color, alpha=0.15,
                    label=f"{level:.0%} predictive interval (new {'price' if cloud else 'chip'})")
    ax.fill_between([], [], [], color=band_color, alpha=0.35,
                    label=f"{level:.0%} {line_band} interval (trend)")
    d = t.doubling(level)
    line_label = name
    if np.isfinite(d["median"]):
        line_label += f", doubling every {d['median']:.2f} years [{d['lower']:.2f}, {d['upper']:.2f}]"
    ax.plot(x, line["median"], color=color, label=line_label)
    what = "price observations" if cloud else "accelerators"
    ax.scatter(dates, values, s=area, color=color if many else PALETTE[7], alpha=0.75, zorder=3,
               linewidths=0, label=f"{what} ({name})" if many else what)
    return dates, values


def _mark_chips(ax, data: pd.DataFrame, dates: pd.Series, values: pd.Series, label_chips,
                area: float) -> list[tuple[float, float, str]]:
    """Mark the best chip of each flagship pattern found in ``data`` (:data:`_FLAGSHIPS` for
    ``label_chips=True``, else its substrings); returns ``(x, y, short name)`` for their labels."""
    import matplotlib.dates as mdates

    chips = []
    patterns = _FLAGSHIPS if label_chips is True else tuple(label_chips)
    chip_names = data["name"].astype(str)
    for pat in patterns:
        # Whole-word match: "V100" must not pick the Quadro "GV100".
        hit = chip_names.str.contains(rf"(?<![\w-]){re.escape(pat)}(?![\w-])", regex=True, case=False)
        if hit.any():
            i = values[hit].idxmax()
            ax.scatter([dates[i]], [values[i]], s=area * 1.6, color=PALETTE[1], zorder=4, linewidths=0)
            chips.append((mdates.date2num(dates[i]), values[i], _short_chip(chip_names[i])))
    return chips


def _trend_title(trend) -> str:
    if trend.metric == "flops_per_usd_cloud":
        return "Price-performance of ML accelerators rented in the cloud"
    if trend.metric == "flops_per_watt":
        return "Energy efficiency of ML accelerators"
    if trend.metric == "flops_per_usd":
        return "Price-performance of ML accelerators"
    return f"{trend.metric.replace('_', ' ').capitalize()} of ML accelerators"


def _trend_assumptions(trend) -> str:
    """``tensor16 precision, nominal dollars, on-demand prices, Bayesian log-linear fit``."""
    s = trend.settings
    parts = [f"{trend.precision} precision"]
    if "usd" in trend.metric:
        parts.append(f"{s.get('dollars') or 'nominal'} dollars"
                     + (f" of {s['base_year']}" if s.get("base_year") else ""))
    if trend.metric == "flops_per_usd_cloud" and s.get("pricing"):
        parts.append(f"{str(s['pricing']).replace('_', '-')} prices")
    parts.append({"bayes": "Bayesian", "ols": "least-squares"}.get(trend.method, str(trend.method))
                 + " log-linear fit")
    return ", ".join(parts)


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


def _forecast_type() -> tuple[type, ...]:
    """``(Forecast,)`` once :mod:`scaling.forecast.result` is loaded, else ``()`` (no Forecast exists yet).

    plot sits below forecast in the layers (tests/test_imports.py), so it looks the class up
    among the loaded modules instead of importing it.
    """
    module = sys.modules.get(f"{__package__.rpartition('.')[0]}.forecast.result")
    return () if module is None else (module.Forecast,)


def _series(forecasts, label) -> list[tuple[str | None, pd.DataFrame, dict]]:
    """``[(label, frame, assumptions)]`` from a Forecast, a frame, or a list or dict of them.

    A frame with a ``scenario`` (or ``label``) column gives one series per value.
    """
    if isinstance(forecasts, dict):
        items = list(forecasts.items())
    else:
        items = [(None, f) for f in _as_list(forecasts)]
    out = []
    for name, obj in items:
        if isinstance(obj, pd.DataFrame):
            frame, assumptions = obj, {}
        elif isinstance(obj, _forecast_type()):  # its label names the series
            frame, assumptions = obj.to_frame(), dict(obj.assumptions or {})
            name = name or obj.label
        else:
            raise ScalingError(f"expected a Forecast or a DataFrame, got {type(obj).__name__}")
        need = {"date", "quantity", "median", "lower", "upper", "level"}
        missing = need - set(frame.columns)
        if missing:
            raise ScalingError(f"forecast frame lacks column(s) {', '.join(sorted(missing))}; "
                               f"needs {', '.join(sorted(need))}")
        split = next((c for c in ("scenario", "label") if c in frame.columns and frame[c].nunique() > 1), None)
        if split:
            out += [(str(v), part, assumptions) for v, part in frame.groupby(split, sort=False)]
        else:
            out.append((name, frame, assumptions))
    if label is not None:
        labels = _labels(label, len(out), str)
        out = [(lab, f, a) for lab, (_, f, a) in zip(labels, out)]
    return out


def fan_chart(forecast_or_frame, quantity="training_cost_usd", ax=None, *, log=None, color=None, label=None,
              size=None, title=None, subtitle=None, source=None):
    """Fan chart of one or several forecasts: the medians and nested bands for every level present.

    Parameters
    ----------
    forecast_or_frame : Forecast, DataFrame, or a list or dict of them
        A ``Forecast`` (its ``to_frame()`` is used) or a tidy frame with columns
        ``date, quantity, median, lower, upper, level``; each level (e.g. 0.5 and
        0.9) gives one band, wider levels lighter. Several (a list, a dict label ->
        forecast, or a frame with a ``scenario`` column) are drawn in distinct
        Okabe-Ito colours with one legend entry each.
    quantity : str
        Which quantity to draw (e.g. ``"training_cost_usd"``,
        ``"inference_usd_per_1k_tokens"``).
    ax : matplotlib Axes, optional
    log : bool, optional
        Log y axis; default True for costs (names with ``usd``/``cost``) and for
        positive values spanning more than a decade.
    color : str, optional
        Colour of a single series (default the first palette colour).
    label : str or sequence of str, optional
        Legend name of each series (default the forecasts' labels, or ``median`` for
        one unnamed series).
    size : {"column", "page", "slide"}, optional
        Size preset of a new figure; ignored when ``ax`` is given.
    title, subtitle, source : str, True or None
        Title, assumptions line (loss fit, price series, basis, utilisation) and data
        source; ``True`` writes the automatic text, ``None`` leaves the line out.

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    Where the forecasts record their price trends' last observation (``data_end`` in their
    assumptions), a dotted line marks the latest: to its left the price model is fitted to data
    (a random walk's line is its drift extended back from its last year), to its right every
    price series forecasts.
    """
    series = _series(forecast_or_frame, label)
    known = sorted(set().union(*(set(f["quantity"].astype(str).unique()) for _, f, _ in series)))
    missing = [lab or "forecast" for lab, f, _ in series if quantity not in set(f["quantity"].astype(str))]
    if missing:
        raise ScalingError(f"unknown quantity {quantity!r}; this forecast has: {', '.join(known)}")
    frames = []
    for _, f, _ in series:
        df = f[f["quantity"].astype(str) == quantity].copy()
        df["date"] = pd.to_datetime(df["date"])
        frames.append(df.sort_values("date"))
    values = np.concatenate([df[["median", "lower", "upper"]].to_numpy(dtype=float).ravel() for df in frames])
    if log is None:
        pos = values[np.isfinite(values)]
        log = bool(pos.size and (pos > 0).all() and ("usd" in quantity or "cost" in quantity
                                                    or pos.max() / pos.min() > 10))
    many = len(series) > 1
    import matplotlib.dates as mdates

    with style(size):
        ax = _new_ax(ax, size)
        fonts = _fonts(ax)
        for k, ((name, _, _), df) in enumerate(zip(series, frames)):
            c = (color if not many and color else PALETTE[k % (len(PALETTE) - 1)])
            _bands(ax, df, c, many)
            med = df.drop_duplicates("date")
            ax.plot(med["date"], med["median"], color=c, label=name or "median")
        dates = pd.concat([df["date"] for df in frames])
        end = _price_data_end([a for _, _, a in series])
        if end is not None and dates.min() < end < dates.max():
            # left of it the price model is fitted or extended back, right of it every series forecasts
            ax.axvline(end, color="0.35", ls=":", lw=1.0, label=f"last price data ({end:%b %Y})")
        if log:
            log_axis(ax.yaxis, "usd" if "usd" in quantity or "cost" in quantity else "power")
        span = (dates.max() - dates.min()).days / 365.25
        year_axis(ax.xaxis, span, ax.figure.get_figwidth() * 0.8, fonts["tick"])
        if not isinstance(ax.xaxis.get_major_formatter(), mdates.DateFormatter):  # pragma: no cover
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.set_xlabel("date")
        ax.set_ylabel(_quantity_label(quantity))
        if set_legend(ax) is not None:
            ax.legend(loc="upper right")
        assumptions = series[0][2]
        _finish(ax.figure, title, subtitle, source, auto_title=_fan_title(quantity, assumptions),
                auto_subtitle=_fan_assumptions(assumptions), auto_source=_fan_source(assumptions))
    return ax


def _bands(ax, df: pd.DataFrame, c, many: bool) -> None:
    """The nested interval bands of one forecast, widest first (a legend entry per level; with
    several forecasts on the axes, grey swatches)."""
    levels = sorted(df["level"].dropna().astype(float).unique(), reverse=True)
    parts = [df[df["level"].astype(float) == level] for level in levels]
    shown = 0.0  # the opacity the bands drawn so far would have had over each other
    for j, (level, part) in enumerate(zip(levels, parts)):
        alpha = (0.15 + 0.5 * (j + 1) / (len(levels) + 1)) * (0.6 if not many else 0.45)
        if many:
            ax.fill_between(part["date"], part["lower"], part["upper"], color=c, alpha=alpha, lw=0)
            # grey swatches: one legend entry per level for all series
            ax.fill_between([], [], [], color="0.5", alpha=alpha, lw=0, label=f"{level:.0%} interval")
            continue
        # one series: each band is drawn where it shows (a ring outside the next narrower band)
        # at the opacity the nested bands had over each other, so the colour on the chart is the
        # one its legend swatch shows
        shown = 1.0 - (1.0 - shown) * (1.0 - alpha)
        band = ax.fill_between(part["date"], part["lower"], part["upper"] if j + 1 == len(levels) else
                               _inner(parts[j + 1], part, "lower"), color=c, alpha=shown, lw=0,
                               label=f"{level:.0%} interval")
        if j + 1 < len(levels):
            upper = ax.fill_between(part["date"], _inner(parts[j + 1], part, "upper"), part["upper"],
                                    color=c, alpha=shown, lw=0)
            band.set_verts([path.vertices for path in band.get_paths() + upper.get_paths()])
            upper.remove()


def _inner(inner: pd.DataFrame, outer: pd.DataFrame, side: str) -> np.ndarray:
    """The narrower band's ``side`` at the wider band's dates (its edge where it has none)."""
    edge = inner.drop_duplicates("date").set_index("date")[side]
    return edge.reindex(outer["date"]).fillna(outer.set_index("date")[side]).to_numpy(dtype=float)


def _price_data_end(assumptions) -> pd.Timestamp | None:
    """The latest ``data_end`` of the price trends the forecasts record (one trend, or a mixture's), or None."""
    ends = []
    for a in assumptions:
        trend = (a or {}).get("price_trend") or {}
        for t in ([trend] if "metric" in trend else list(trend.values())):
            for one in (t if isinstance(t, list) else [t]):
                if isinstance(one, dict) and one.get("data_end"):
                    ends.append(pd.Timestamp(one["data_end"]))
    return max(ends) if ends else None


_FAN_TITLES = {
    "training_cost_usd": "Cost to train a model",
    "inference_usd_per_1k_tokens": "Inference cost per 1K tokens",
    "inference_cost_usd_per_1k_tokens": "Inference cost per 1K tokens",
}


def _fan_title(quantity: str, assumptions: dict) -> str:
    what = _FAN_TITLES.get(quantity, _quantity_label(quantity).capitalize())
    if assumptions.get("target") == "gpt3":
        return what.replace("a model", "a GPT-3-equivalent model") if "a model" in what \
            else f"{what} of a GPT-3-equivalent model"
    return f"{what}: forecast"


def _fan_assumptions(a: dict) -> str | None:
    """The assumptions line of a forecast: loss fit, price series, basis, utilisation."""
    if not a:
        return None
    parts = []
    fit = a.get("loss_fit") or {}
    if fit.get("mixture"):
        parts.append("law: mixture of " + ", ".join(fit["mixture"]))
    elif fit.get("method"):
        parts.append("loss fit: " + {"huber": "least squares (Huber)", "bayes": "Bayesian",
                                     "published": "published"}.get(fit["method"], fit["method"]))
    trend = a.get("price_trend") or {}
    if trend.get("metric"):
        part = f"price: {_METRIC_LABELS.get(trend['metric'], trend['metric'])} ({trend.get('precision')})"
        dt = (trend.get("doubling_time_years") or {}).get("median")
        if dt:
            part += f", doubling every {dt:.1f} years"
        parts.append(part)
    if a.get("basis"):
        parts.append(f"basis: {a['basis']}")
    if a.get("dollars"):
        parts.append(f"{a['dollars']} dollars")
    share = a.get("utilisation")
    if share is not None:  # 40%, or a range 30%-50% (a forecast draws it from the range)
        ranged = isinstance(share, (list, tuple)) and len(share) == 2
        parts.append("utilisation " + ("-".join(format_pct(v, 0) for v in share) if ranged else format_pct(share, 0)))
    halving = a.get("algorithmic_halving_months")
    if halving:
        every = f"{halving:g} months" if isinstance(halving, (int, float)) else f"{halving} (Ho et al. 2024)"
        cap, slow = a.get("algorithmic_cap"), a.get("algorithmic_slowdown_per_year")
        parts.append(f"algorithmic progress: compute halves every {every}"
                     + ((f", slowing from {str(a['algorithmic_slowdown_date'])[:4]}"
                         if a.get("algorithmic_slowdown_date") else ", slowing") if slow else "")
                     + (f", cap {cap:g}x" if cap else ""))
    return "; ".join(parts) or None


def _fan_source(a: dict) -> str:
    trend = (a.get("price_trend") or {}).get("metric")
    keys = ["cloud_prices" if trend == "flops_per_usd_cloud" else "accelerators", "chinchilla_runs"]
    return _source(*keys)
