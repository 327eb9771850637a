"""Tick formats people read: $100k, $1M; 1B parameters; 1T tokens; 10^21 FLOPs; years.

Each ``*_label`` function formats one number; :func:`log_axis` and :func:`year_axis`
set an axis' locator and formatter (major ticks at whole decades or years; on a log axis
with fewer than three decades in view, some minor ticks labelled too) so that tick labels
stay short, and at least three, at every size preset.
"""

from __future__ import annotations

import math

from .._format import format_si, format_sig


def _short(x: float) -> str:
    """``1.5`` -> ``1.5``, ``100.0`` -> ``100``: at most 3 significant digits, no trailing zeros."""
    return format_sig(x, 3)


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
    if abs(x) >= 1e15:  # quadrillions: P, where scaling._format turns to scientific notation
        return f"{_short(x / 1e15)}P"
    return format_si(x, 3)  # k, M, B, T


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
    r"""A power of ten in mathtext: ``1e21`` -> ``$10^{21}$``; other values ``$3{\times}10^{21}$``."""
    x = float(x)
    if x <= 0 or not math.isfinite(x):
        return f"{x:g}"
    e = math.log10(x)
    if abs(e - round(e)) < 1e-9:
        return f"$10^{{{int(round(e))}}}$"
    exponent = math.floor(e + 1e-9)
    return f"${_short(x / 10.0 ** exponent)}{{\\times}}10^{{{exponent}}}$"


def flops_label(x: float) -> str:
    """A FLOP count as ``1e21`` (compact text for legends and notes)."""
    return f"{float(x):.0e}".replace("e+", "e").replace("e0", "e")


_FORMATS = {"usd": usd_label, "count": count_label, "power": power_label}


#: Fewest labelled ticks an axis shows (:func:`log_axis`, :func:`thin_ticks`).
MIN_LABELLED_TICKS = 3

#: Mantissas of the minor ticks a log axis labels when too few decades are in view, fewest first.
MINOR_SUBS = ((3.0,), (2.0, 5.0), (2.0, 3.0, 5.0), (2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0))


def _in_view(axis, locs) -> list[float]:
    lo, hi = sorted(axis.get_view_interval())
    return [x for x in locs if lo * (1 - 1e-9) <= x <= hi * (1 + 1e-9)]


class _MinorLabels:
    """Labels of a log axis' minor ticks, only when the labelled decades in view are too few.

    Called at draw time, so it follows the limits: with at least
    :data:`MIN_LABELLED_TICKS` decades in view no minor tick is labelled; with fewer, the
    first mantissas of :data:`MINOR_SUBS` that bring the labels to that many (3 for
    $300k, $1M, $3M on an axis from $200k to $6M). :func:`thin_ticks` lowers ``cap``
    when the labels collide.
    """

    def __init__(self, fmt):
        self.fmt, self.cap = fmt, len(MINOR_SUBS)

    def subs(self, axis) -> tuple[float, ...]:
        majors = len(_in_view(axis, axis.get_majorticklocs()))
        if majors >= MIN_LABELLED_TICKS:
            return ()
        lo, hi = sorted(axis.get_view_interval())
        if not lo > 0:
            return ()
        decades = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
        for subs in MINOR_SUBS[:self.cap]:
            n = sum(lo <= m * 10.0 ** k <= hi for k in decades for m in subs)
            if majors + n >= MIN_LABELLED_TICKS:
                return subs
        return MINOR_SUBS[self.cap - 1]

    def formatter(self, axis):
        from matplotlib.ticker import FuncFormatter

        def label(x, _pos):
            if not x > 0:
                return ""
            mantissa = x / 10.0 ** math.floor(math.log10(x) + 1e-9)
            return self.fmt(x) if any(abs(mantissa - m) < 1e-6 * m for m in self.subs(axis)) else ""

        out = FuncFormatter(label)
        out._scaling_minor = self  # read by thin_ticks
        return out


def log_axis(axis, kind: str = "power", *, max_ticks: int | None = None) -> None:
    """Log-scale an axis with labelled ticks at whole decades, and between them where needed.

    The one place the package styles a log axis: decades are labelled; when fewer than
    :data:`MIN_LABELLED_TICKS` of them are in view, minor ticks are labelled too
    (:class:`_MinorLabels`: at 3, or 2 and 5, ... times a decade), so every log axis
    reads at least three values.

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
    from matplotlib.ticker import FuncFormatter, LogLocator

    if kind not in _FORMATS:
        raise ValueError(f"unknown axis kind {kind!r}; allowed: {', '.join(_FORMATS)}")
    ax = axis.axes
    (ax.set_xscale if axis is ax.xaxis else ax.set_yscale)("log")
    fmt = _FORMATS[kind]
    axis.set_major_locator(LogLocator(base=10, subs=(1.0,), numticks=max_ticks or "auto"))
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: fmt(x)))
    axis.set_minor_locator(LogLocator(base=10, subs="auto"))  # none when the axis spans many decades
    axis.set_minor_formatter(_MinorLabels(fmt).formatter(axis))
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
    """Fewer labelled ticks on an axis (called when its labels overlap): fewer labelled minor
    ticks on a log axis first, else half the major ticks, never fewer than
    :data:`MIN_LABELLED_TICKS` on a linear axis."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import LogLocator, MaxNLocator

    base = getattr(axis, "_scaling_year_base", None)
    if base is not None:
        nxt = next(b for b in (1, 2, 5, 10, 20, 50, 100, 200) if b > base)
        axis.set_major_locator(mdates.YearLocator(nxt))
        axis._scaling_year_base = nxt
        return
    minor = getattr(axis.get_minor_formatter(), "_scaling_minor", None)
    if minor is not None and minor.subs(axis) and minor.cap > 1:
        minor.cap -= 1  # fewer labelled minor ticks first
        return
    n = max(len(axis.get_majorticklocs()), MIN_LABELLED_TICKS)
    if axis.get_scale() == "log":
        axis.set_major_locator(LogLocator(base=10, subs=(1.0,), numticks=max(MIN_LABELLED_TICKS, n // 2 + 1)))
    else:
        axis.set_major_locator(MaxNLocator(nbins=max(2, n // 2), steps=[1, 2, 2.5, 5, 10],
                                           min_n_ticks=MIN_LABELLED_TICKS))
