"""Tick formats people read: $100k, $1M; 1B parameters; 1T tokens; 10^21 FLOPs; years.

Each ``*_label`` function formats one number; :func:`log_axis` and :func:`year_axis`
set an axis' locator and formatter (major ticks at whole decades or years, minor ticks
unlabelled) so that tick labels stay few and short at every size preset.
"""

from __future__ import annotations

import math

#: Suffixes of counts and dollars: thousand, million, billion, trillion, quadrillion.
_SUFFIXES = ((1e15, "P"), (1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def _short(x: float) -> str:
    """``1.5`` -> ``1.5``, ``100.0`` -> ``100``: at most 3 significant digits, no trailing zeros."""
    return f"{x:.3g}"


def count_label(x: float) -> str:
    """A count with a suffix: ``1e9`` -> ``1B``, ``7e10`` -> ``70B``, ``1.4e12`` -> ``1.4T``.

    For parameters and tokens; beyond 1e18 the power of ten (``10^18``) reads better.
    """
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    if abs(x) >= 1e18:
        return power_label(x)
    for scale, suffix in _SUFFIXES:
        if abs(x) >= scale:
            return f"{_short(x / scale)}{suffix}"
    return _short(x)


def usd_label(x: float) -> str:
    """Dollars as people write them: ``1e5`` -> ``$100k``, ``2.5e6`` -> ``$2.5M``, ``0.003`` -> ``$0.003``."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    sign = "-" if x < 0 else ""
    x = abs(x)
    if x >= 1e3:
        return sign + "$" + count_label(x)
    return f"{sign}${_short(x)}"


def power_label(x: float) -> str:
    """A power of ten in mathtext: ``1e21`` -> ``$10^{21}$``; other values as ``3e21``."""
    x = float(x)
    if x <= 0 or not math.isfinite(x):
        return f"{x:g}"
    e = math.log10(x)
    if abs(e - round(e)) < 1e-9:
        return f"$10^{{{int(round(e))}}}$"
    return f"{x:.0e}".replace("e+", "e")


def flops_label(x: float) -> str:
    """A FLOP count as ``1e21`` (compact text for legends and notes)."""
    return f"{float(x):.0e}".replace("e+", "e").replace("e0", "e")


_FORMATS = {"usd": usd_label, "count": count_label, "power": power_label}


def log_axis(axis, kind: str = "power", *, max_ticks: int | None = None) -> None:
    """Log-scale an axis with labelled ticks at whole decades only.

    Parameters
    ----------
    axis : matplotlib.axis.Axis
        ``ax.xaxis`` or ``ax.yaxis``; its scale is set to log.
    kind : {"usd", "count", "power"}
        ``$1M``, ``1B`` or ``10^21``.
    max_ticks : int, optional
        At most this many labelled decades (every 2nd, 5th... decade beyond); default
        what the axis length allows (matplotlib's ``numticks="auto"``).
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    if kind not in _FORMATS:
        raise ValueError(f"unknown axis kind {kind!r}; allowed: {', '.join(_FORMATS)}")
    ax = axis.axes
    (ax.set_xscale if axis is ax.xaxis else ax.set_yscale)("log")
    fmt = _FORMATS[kind]
    axis.set_major_locator(LogLocator(base=10, subs=(1.0,), numticks=max_ticks or "auto"))
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: fmt(x)))
    axis.set_minor_locator(LogLocator(base=10, subs="auto"))  # none when the axis spans many decades
    axis.set_minor_formatter(NullFormatter())
    axis._scaling_kind = kind  # read by thin_ticks


def year_axis(axis, years_span: float, width_in: float, fontsize: float) -> None:
    """Date axis labelled with years only, every 1, 2, 5, 10... years, as the width allows.

    A label ``2024`` is about 2.4 font sizes wide; ticks are kept at least two label
    widths apart.
    """
    import matplotlib.dates as mdates

    room = max(2, int(width_in * 72 / (fontsize * 2.4 * 2.0)))
    base = next(b for b in (1, 2, 5, 10, 20, 50, 100) if years_span / b <= room or b == 100)
    axis.set_major_locator(mdates.YearLocator(base))
    axis.set_major_formatter(mdates.DateFormatter("%Y"))
    axis.set_minor_locator(mdates.YearLocator(1) if base > 1 else mdates.MonthLocator((1, 7)))
    axis._scaling_year_base = base  # read by thin_ticks


def thin_ticks(axis) -> None:
    """Halve the number of labelled ticks of an axis (called when its labels overlap)."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import LogLocator, MaxNLocator

    base = getattr(axis, "_scaling_year_base", None)
    if base is not None:
        nxt = next(b for b in (1, 2, 5, 10, 20, 50, 100, 200) if b > base)
        axis.set_major_locator(mdates.YearLocator(nxt))
        axis._scaling_year_base = nxt
        return
    n = max(len(axis.get_majorticklocs()), 3)
    if axis.get_scale() == "log":
        axis.set_major_locator(LogLocator(base=10, subs=(1.0,), numticks=max(2, n // 2 + 1)))
    else:
        axis.set_major_locator(MaxNLocator(nbins=max(2, n // 2), steps=[1, 2, 2.5, 5, 10]))
