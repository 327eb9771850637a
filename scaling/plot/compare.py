"""The figure of a law comparison (:mod:`scaling.compare`): held-out error per law and scheme."""

from __future__ import annotations

import numpy as np

from .. import _style
from ..compare import GroupedCompareResult
from ..errors import ScalingError
from ._base import SOURCES, _fonts, _finish, _shipped_table, style
from ._layout import set_legend

#: Legend label of each held-out scheme (:data:`scaling.compare.SCHEMES`).
SCHEME_LABELS = {"loso": "leave one size out", "extrapolate": "predict the largest sizes"}


def held_out_errors(result, ax=None, *, size=None, title=None, subtitle=None, source=None):
    r"""Held-out error of each law (bars) per scheme, with the coverage of its predictive intervals.

    Bars are the held-out RMS of :math:`r_i = \log(\hat L_i / L_i)` in percent, one per
    scheme (``loso``: leave one model size out; ``extrapolate``: fit the smaller sizes,
    predict the largest), labelled with the share of held-out losses inside the law's
    ``level`` predictive interval (:func:`scaling.compare.compare`). Published fits are
    hatched: their authors fitted them to runs that include the held-out ones. A grouped
    result gets one panel per group, sharing the y axis.

    Parameters
    ----------
    result : CompareResult or GroupedCompareResult
        From :func:`scaling.compare.compare`.
    ax : matplotlib Axes or sequence of Axes, optional
        Where to draw: one Axes per panel (one for an ungrouped result).
    size : {"column", "page", "slide"}, optional
        Size preset of a new figure (default ``"page"``); in a column the groups' panels
        are stacked. Ignored when ``ax`` is given.
    title, subtitle, source : str, True or None
        Title, assumptions line and data-source line; ``True`` writes the automatic
        text, ``None`` (default) leaves the line out (``**scaling.plot.CAPTIONS`` for all three).

    Returns
    -------
    matplotlib.axes.Axes or numpy.ndarray of Axes
        The Axes of an ungrouped result; for a grouped one an array of one Axes per group.
    """
    grouped = isinstance(result, GroupedCompareResult)
    if not grouped and not all(hasattr(result, k) for k in ("summary", "settings", "level")):
        raise ScalingError(f"held_out_errors draws a CompareResult or GroupedCompareResult (scaling.compare.compare), "
                           f"got {type(result).__name__}")
    panels = list(result.by_group.items()) if grouped else [(None, result)]
    with style(size):
        axes = _panel_axes(ax, len(panels), size)
        for a, (group, res) in zip(axes, panels):
            _bars(a, res, group)
        _finish(axes[0].figure, title, subtitle, source, auto_title="Held-out error of each law",
                auto_subtitle=_assumptions(result, grouped), auto_source=_data_source(result))
    return axes if grouped else axes[0]


def _panel_axes(ax, n_panels: int, size) -> np.ndarray:
    """One Axes per panel: those given, else a new figure of the preset (stacked in a column)."""
    if ax is None:
        stacked = _style.check_size(size) == "column" and n_panels > 1
        _, axes = _style.new_figure(size, nrows=n_panels if stacked else 1, ncols=1 if stacked else n_panels,
                                    sharey=True, squeeze=False,
                                    height=2.4 * n_panels if stacked else None)
        return np.asarray(axes, dtype=object).ravel()
    axes = np.asarray(ax if isinstance(ax, (list, tuple, np.ndarray)) else [ax], dtype=object).ravel()
    if axes.size != n_panels:
        raise ScalingError(f"got {axes.size} Axes for {n_panels} panel(s) (one per group)")
    return axes


def _bars(ax, result, group) -> None:
    """One panel: a bar per law and scheme, labelled with its coverage; published fits hatched."""
    summ = result.summary()
    schemes = list(result.settings["schemes"])
    laws = list(summ.index)
    width = 0.8 / len(schemes)
    x = np.arange(len(laws))
    note = _fonts(ax)["note"]
    for j, scheme in enumerate(schemes):
        rms = summ[f"{scheme}_rms"].to_numpy(dtype=float)
        cov = summ[f"{scheme}_coverage"].to_numpy(dtype=float)
        bars = ax.bar(x + (j - (len(schemes) - 1) / 2) * width, 100 * rms, width, label=SCHEME_LABELS[scheme],
                      color=_style.PALETTE[j % len(_style.PALETTE)])
        for bar, c, kind in zip(bars, cov, summ["kind"]):
            if kind == "published":
                bar.set_hatch("//")  # fitted to these runs by their authors: not held out
            if np.isfinite(c):
                ax.annotate(f"{c:.0%}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                            ha="center", va="bottom", fontsize=note)
    ax.set_xticks(x, laws, rotation=20, ha="right")
    ax.set_ylabel("held-out RMS of log(pred / obs), %")
    ax.grid(False, axis="x")
    where = "" if group is None else f"group {group}: "
    ax.set_title(f"{where}bar labels: {result.level:.0%} interval coverage")
    if set_legend(ax) is not None:
        ax.legend(loc="upper left")


def _assumptions(result, grouped: bool) -> str:
    """The subtitle: the schemes, the interval and what hatching means."""
    runs = result.settings["n_runs"]
    counted = (f"{sum(runs.values())} runs in {len(runs)} groups, each group ranked alone" if grouped
               else f"{runs} runs, {result.settings['n_sizes']} model sizes")
    hatched = ("; hatched: published fits (fitted by their authors to these runs, so in-sample)"
               if result.settings.get("published") else "")
    return f"{counted}; labels: share of held-out losses inside the {result.level:.0%} predictive interval{hatched}"


def _data_source(result) -> str:
    """``Data: <citation>`` of a shipped run table, else the user's runs."""
    name = _shipped_table(result.data_sha256)
    return "Data: " + (SOURCES[name] if name in SOURCES else "runs given by the user")
