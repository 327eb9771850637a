"""The one figure style: Okabe-Ito colours, rcParams and the size presets.

Kept below every layer (like :mod:`scaling._format`) so that the figures of
:mod:`scaling.plot` and the predictive checks of :mod:`scaling.bayes` share one look.
matplotlib is imported inside the functions only: ``import scaling`` stays light.

Size presets (Epoch AI's and journals' usual widths):

========  ==================  ==========================================
preset    size (inches)       use
========  ==================  ==========================================
column    3.5 wide            one column of a two-column paper
page      7 wide              the full text width of a paper
slide     13.33 x 7.5         a 16:9 slide
========  ==================  ==========================================
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from .errors import ScalingError

#: Okabe & Ito (2008) colour-blind-safe palette (black moved last: it is kept for data).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")

#: The size presets: name -> (width, default height) in inches.
SIZES: dict[str, tuple[float, float]] = {"column": (3.5, 3.0), "page": (7.0, 4.4), "slide": (13.33, 7.5)}

#: The preset used when none is given.
DEFAULT_SIZE = "page"

#: Font sizes (points) of each preset: base text, ticks, legend, title, subtitle, source, notes.
FONTS: dict[str, dict[str, float]] = {
    "column": dict(base=7.0, tick=6.0, legend=6.0, title=8.0, subtitle=6.0, source=5.5, note=5.5),
    "page": dict(base=9.0, tick=8.0, legend=8.0, title=11.0, subtitle=8.0, source=7.0, note=7.0),
    "slide": dict(base=16.0, tick=14.0, legend=13.0, title=24.0, subtitle=14.0, source=11.0, note=11.0),
}

#: Resolution (dots per inch) figures are saved at by default (:func:`scaling.plot.savefig`).
SAVE_DPI = 200

#: rcParams shared by every preset (sizes are added per preset by :func:`rc`).
RC: dict[str, Any] = {
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.which": "major",
    "axes.axisbelow": True,
    "axes.titlelocation": "left",
    "grid.color": "#e0e0e0",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "lines.linewidth": 1.6,
    "lines.markersize": 4,
    "figure.dpi": 100,
    "savefig.dpi": SAVE_DPI,
    "image.cmap": "viridis",
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
    "axes.formatter.use_mathtext": True,
    # Unhinted glyphs: text is as wide (in inches) at every dpi, so a layout measured on
    # screen holds in the saved file (hinting moves widths by up to 10% between 72 and 200 dpi).
    "text.hinting": "no_hinting",
}


def check_size(size: str | None) -> str:
    """The preset name (``None`` -> :data:`DEFAULT_SIZE`); ScalingError for an unknown one."""
    if size is None:
        return DEFAULT_SIZE
    if size not in SIZES:
        raise ScalingError(f"unknown figure size {size!r}; allowed: {', '.join(SIZES)}")
    return size


def rc(size: str | None = None) -> dict[str, Any]:
    """rcParams of a preset: :data:`RC` plus its font sizes, line widths and colour cycle."""
    from cycler import cycler

    size = check_size(size)
    f = FONTS[size]
    scale = {"column": 0.75, "page": 1.0, "slide": 1.6}[size]
    out = dict(RC)
    out.update({
        "axes.prop_cycle": cycler(color=list(PALETTE)),
        "font.size": f["base"], "axes.labelsize": f["base"], "axes.titlesize": f["base"],
        "xtick.labelsize": f["tick"], "ytick.labelsize": f["tick"],
        "legend.fontsize": f["legend"], "legend.title_fontsize": f["legend"],
        "lines.linewidth": 1.6 * scale, "lines.markersize": 4 * scale,
        "axes.linewidth": 0.8 * scale, "grid.linewidth": 0.6 * scale,
        "xtick.major.width": 0.8 * scale, "ytick.major.width": 0.8 * scale,
        "xtick.major.size": 3.5 * scale, "ytick.major.size": 3.5 * scale,
        "xtick.minor.size": 2.0 * scale, "ytick.minor.size": 2.0 * scale,
        "xtick.major.pad": 3.0 * scale, "ytick.major.pad": 3.0 * scale,
        "axes.labelpad": 3.0 * scale,
    })
    return out


def marker_area(size: str | None, area: float) -> float:
    """Scatter marker area (points^2) for a preset, given the area at the page preset."""
    return area * {"column": 0.6, "page": 1.0, "slide": 2.4}[check_size(size)]


@contextmanager
def style(size: str | None = None):
    """Apply the package style of a size preset inside a ``with`` block.

    Examples
    --------
    >>> from scaling import plot
    >>> with plot.style("column"):                     # doctest: +SKIP
    ...     fig, ax = plt.subplots()
    """
    import matplotlib

    with matplotlib.rc_context(rc(size)):
        yield


def new_figure(size: str | None = None, *, nrows: int = 1, ncols: int = 1, height: float | None = None,
               **subplot_kw):
    """A figure of a preset with constrained layout, and its axes (``plt.subplots``).

    ``height`` overrides the preset's default height (inches), except for ``slide``,
    which is always 13.33 x 7.5 in. Call inside :func:`style`.
    """
    import matplotlib.pyplot as plt

    size = check_size(size)
    width, default_height = SIZES[size]
    if size == "slide" or height is None:
        height = default_height
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained", **subplot_kw)
    fig._scaling_size = size  # read by scaling.plot when it finishes the figure
    return fig, axes
