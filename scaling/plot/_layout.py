"""Figure finishing: title, assumptions and source lines, one legend outside the data,
label placement without overlap, and tick labels that never run together.

Every plot function ends with :func:`finish`. On a figure the package made (a size
preset) it

1. gathers the legend entries of all axes (one entry per label) into one legend below
   the plot area, in as many columns as the width allows;
2. writes the title, the subtitle (the assumptions) and the source line, and lets
   constrained layout fit the axes, colorbars and tick labels into the rest;
3. wraps axis labels longer than their axes and thins tick labels that overlap;
4. places the point labels registered with :func:`defer_labels` (reference models,
   chips) next to their points, or away from them with a leader line, or not at all
   when no free spot is left; optional texts (contour and iso-compute labels) that
   would overlap anything are hidden.

Placement works on the rendered text boxes (``Text.get_window_extent``), so it holds
whatever the fonts and the preset.
"""

from __future__ import annotations

import numpy as np

from .._style import FONTS, check_size

#: Overlaps smaller than this (pixels) are touching, not overlapping.
TOLERANCE_PX = 0.5


# --------------------------------------------------------------------------------------
# rendered text boxes
# --------------------------------------------------------------------------------------
def drawn_texts(fig):
    """Draw ``fig`` and return ``[(text, bbox)]`` for every non-empty Text actually drawn.

    Texts are recorded as they are drawn, so hidden ones, ticks outside the view and
    texts of invisible axes are left out. ``bbox`` is the text's own box in display
    pixels (for an annotation, without its arrow).
    """
    from matplotlib.text import Text

    found = []
    original = Text.draw

    def record(self, renderer):
        if self.get_visible() and self.get_text().strip():
            found.append(self)
        return original(self, renderer)

    Text.draw = record
    try:
        fig.canvas.draw()
    finally:
        Text.draw = original
    renderer = fig.canvas.get_renderer()
    seen, out = set(), []
    for t in found:
        if id(t) not in seen:
            seen.add(id(t))
            out.append((t, Text.get_window_extent(t, renderer)))
    return out


def _overlap(a, b, tol: float = TOLERANCE_PX) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > tol) and (min(a.y1, b.y1) - max(a.y0, b.y0) > tol)


def _inside(box, outer, tol: float = TOLERANCE_PX) -> bool:
    return (box.x0 >= outer.x0 - tol and box.x1 <= outer.x1 + tol and box.y0 >= outer.y0 - tol
            and box.y1 <= outer.y1 + tol)


def collisions(fig) -> tuple[list[tuple[str, str]], list[str]]:
    """Pairs of drawn texts that overlap, and texts that fall outside the figure."""
    items = drawn_texts(fig)
    pairs = [(a.get_text(), b.get_text()) for i, (a, ba) in enumerate(items) for b, bb in items[i + 1:]
             if _overlap(ba, bb)]
    outside = [t.get_text() for t, box in items if not _inside(box, fig.bbox)]
    return pairs, outside


# --------------------------------------------------------------------------------------
# colour contrast (WCAG 2, https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio)
# --------------------------------------------------------------------------------------
#: Contrast a legend swatch needs against the legend's (white) background.
MIN_SWATCH_CONTRAST = 1.5


def luminance(rgb) -> np.ndarray:
    r"""WCAG 2 relative luminance of sRGB colours in [0, 1] (RGB on the last axis; alpha ignored).

    :math:`L = 0.2126 R + 0.7152 G + 0.0722 B` of the linearised channels,
    :math:`c / 12.92` for :math:`c \le 0.04045`, else :math:`((c + 0.055) / 1.055)^{2.4}`.
    """
    rgb = np.asarray(rgb, dtype=float)[..., :3]
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return lin @ np.array([0.2126, 0.7152, 0.0722])


def contrast(a, b) -> np.ndarray:
    """WCAG 2 contrast ratio :math:`(L_1 + 0.05) / (L_2 + 0.05)` of two colours, from 1 to 21."""
    la, lb = luminance(a), luminance(b)
    return (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)


def over(rgba, background=(1.0, 1.0, 1.0)) -> np.ndarray:
    """An RGBA colour composited over an opaque background: the RGB seen."""
    from matplotlib.colors import to_rgba

    r, g, b, a = to_rgba(rgba)
    return a * np.array([r, g, b]) + (1 - a) * np.asarray(background, dtype=float)


def readable_on(background) -> str:
    """``"black"`` or ``"white"``, whichever stands out more against ``background`` (RGB)."""
    return "black" if contrast((0, 0, 0), background) >= contrast((1, 1, 1), background) else "white"


def _visible_handle(handle):
    """A legend handle that shows on the white legend: a faint filled patch (a light band,
    a white outline) gets an edge, darker than its fill; other handles are kept."""
    from matplotlib.collections import Collection
    from matplotlib.patches import Patch, Rectangle

    if not isinstance(handle, (Patch, Collection)):
        return handle
    face = handle.get_facecolor()
    edge = handle.get_edgecolor()
    face, edge = (np.atleast_2d(c)[0] if np.size(c) else (0, 0, 0, 0) for c in (face, edge))
    widths = np.atleast_1d(handle.get_linewidth())
    seen = [over(face)] + ([over(edge)] if widths.size and widths[0] > 0 else [])
    if max(float(contrast(c, (1, 1, 1))) for c in seen) >= MIN_SWATCH_CONTRAST:
        return handle
    solid = tuple(face[:3])
    line = solid if contrast(solid, (1, 1, 1)) >= 2 * MIN_SWATCH_CONTRAST else "0.45"
    return Rectangle((0, 0), 1, 1, facecolor=face, edgecolor=line, linewidth=0.8)


# --------------------------------------------------------------------------------------
# registration by the plot functions
# --------------------------------------------------------------------------------------
def optional(text, priority: int = 5, candidates=None):
    """Mark a Text as optional: :func:`finish` hides it where it would overlap a text or a marker.

    ``priority``: lower is kept first. ``candidates``: other anchor points (data
    coordinates) of an annotation, tried in order when its own spot is taken (a label
    that may sit anywhere along its line).
    """
    text._scaling_optional = priority
    if candidates is not None:
        text._scaling_candidates = [(float(x), float(y)) for x, y in candidates]
    return text


def defer_labels(ax, xs, ys, names, *, color="black", avoid=None, marker_pt: float = 6.0):
    """Register point labels for :func:`finish` to place once the layout is settled.

    Parameters
    ----------
    ax : Axes
    xs, ys, names : sequences
        Points (data coordinates) and their labels, most important first.
    color : str
    avoid : (xs, ys), optional
        Other points (data coordinates) labels must not cover.
    marker_pt : float
        Size of the labelled markers (points): labels keep off them.
    """
    ax.__dict__.setdefault("_scaling_labels", []).append(
        dict(xs=list(xs), ys=list(ys), names=[str(n) for n in names], color=color, avoid=avoid,
             marker_pt=marker_pt))


def set_legend(ax, title: str | None = None, **kwargs):
    """Draw an axes legend on a user's figure; on a preset figure :func:`finish` gathers it."""
    if hasattr(ax.figure, "_scaling_size"):
        ax._scaling_legend = dict(title=title)
        return None
    return ax.legend(title=title, **kwargs)


# --------------------------------------------------------------------------------------
# finishing
# --------------------------------------------------------------------------------------
#: Share of the available width a wrapped line may fill: room for renderers and fonts
#: that set text a little wider than the one measured with (vector backends, viewers).
FIT_SHARE = 0.97


def fit_text(text: str, fontsize: float, width_px: float, renderer, weight="normal") -> tuple[str, float]:
    """``text`` wrapped at spaces to fit ``width_px``, and the font size to draw it at.

    The one text-fitting rule of every figure's title, subtitle and source line: a greedy
    word wrap measured with ``renderer`` (unhinted text, :data:`scaling._style.RC`, so
    the widths hold at every dpi) to :data:`FIT_SHARE` of the width; a word longer than
    a whole line (a path, a long name) shrinks the font until it fits, down to 60%.

    Returns
    -------
    (str, float)
        The text with line breaks, and the font size (points).
    """
    from matplotlib.font_manager import FontProperties

    width = width_px * FIT_SHARE

    def measure(s, size):
        return renderer.get_text_width_height_descent(s, FontProperties(size=size, weight=weight), ismath=False)[0]

    words = [w for para in str(text).split("\n") for w in para.split(" ")]
    longest = max(words, key=lambda w: measure(w, fontsize), default="")
    floor = 0.6 * fontsize
    while longest and fontsize * 0.95 >= floor and measure(longest, fontsize) > width:
        fontsize *= 0.95
    lines = []
    for para in str(text).split("\n"):
        line = ""
        for word in para.split(" "):
            trial = f"{line} {word}".strip()
            if line and measure(trial, fontsize) > width:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return "\n".join(lines), fontsize


def _gather_legend(fig):
    """One entry per label from every axes that asked for a legend; their legends removed."""
    handles, labels, title = [], [], None
    for ax in fig.axes:
        spec = ax.__dict__.get("_scaling_legend")
        if spec is None:
            continue
        title = title or spec["title"]
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels and not lab.startswith("_"):
                handles.append(_visible_handle(h))
                labels.append(lab)
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    return handles, labels, title


def finish(fig, *, title=None, subtitle=None, source=None):
    """Finish a figure: header, footer, legend, layout, labels (see the module docstring).

    ``title``, ``subtitle`` and ``source`` are strings or None (left out). On a figure
    not made from a preset (a user's ``ax``) only steps 3-4 run and the header lines
    become the first axes' title.
    """
    size = fig.__dict__.get("_scaling_size")
    if size is None:
        ax = fig.axes[0]
        if title or subtitle:
            ax.set_title("\n".join(t for t in (title, subtitle) if t), loc="left")
        _place_all(fig)
        return fig
    size = check_size(size)
    f = FONTS[size]
    renderer = fig.canvas.get_renderer()
    width_px = fig.bbox.width
    pad_px = f["base"] * 0.6 * fig.dpi / 72
    avail = width_px - 2 * pad_px

    # Header: title and subtitle at the top left.
    y = fig.bbox.height - pad_px
    top_texts = []
    for text, fs, weight, color in ((title, f["title"], "bold", "black"), (subtitle, f["subtitle"], "normal", "0.3")):
        if not text:
            continue
        text, fs = fit_text(text, fs, avail, renderer, weight)
        t = fig.text(pad_px / width_px, y / fig.bbox.height, text,
                     ha="left", va="top", fontsize=fs, fontweight=weight, color=color, linespacing=1.25)
        t.set_in_layout(False)
        y -= t.get_window_extent(renderer).height + 0.35 * fs * fig.dpi / 72
        top_texts.append(t)
    top = y / fig.bbox.height if top_texts else 1.0

    # Footer: source line, then the legend above it.
    bottom_px = pad_px * 0.6
    if source:
        source, fs = fit_text(source, f["source"], avail, renderer)
        s = fig.text(pad_px / width_px, bottom_px / fig.bbox.height, source,
                     ha="left", va="bottom", fontsize=fs, color="0.35", linespacing=1.2)
        s.set_in_layout(False)
        bottom_px += s.get_window_extent(renderer).height + 0.4 * f["source"] * fig.dpi / 72
    handles, labels, ltitle = _gather_legend(fig)
    if handles:
        legend = None
        for ncol in range(len(labels), 0, -1):
            if legend is not None:
                legend.remove()
            legend = fig.legend(handles, labels, loc="lower center", ncol=ncol, title=ltitle,
                                bbox_to_anchor=(0.5, bottom_px / fig.bbox.height),
                                bbox_transform=fig.transFigure, frameon=False, fontsize=f["legend"],
                                title_fontsize=f["legend"], borderaxespad=0.0, columnspacing=1.2,
                                handlelength=1.6, handletextpad=0.5, borderpad=0.2)
            legend.set_in_layout(False)
            if legend.get_window_extent(renderer).width <= avail * FIT_SHARE:
                break
        bottom_px += legend.get_window_extent(renderer).height + 0.3 * f["base"] * fig.dpi / 72
    bottom = bottom_px / fig.bbox.height
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):
        engine.set(rect=(0.0, bottom, 1.0, max(top - bottom, 0.2)))
    _fit_text(fig)
    _place_all(fig)
    return fig


def _fit_text(fig, rounds: int = 4) -> None:
    """Wrap axis labels longer than their axes; thin tick labels that overlap. Redraws."""
    from matplotlib.text import Text

    from ._units import thin_ticks

    renderer = fig.canvas.get_renderer()
    for _ in range(rounds):
        fig.canvas.draw()
        changed = False
        for ax in fig.axes:
            if not ax.get_visible():
                continue
            box = ax.get_window_extent(renderer)
            for axis, length in ((ax.xaxis, box.width), (ax.yaxis, box.height)):
                label = axis.label
                text = label.get_text()
                if text and "\n" not in text:
                    ext = Text.get_window_extent(label, renderer)
                    extent = ext.width if axis is ax.xaxis else ext.height
                    if extent > length * 1.02 and " " in text:
                        words = text.split(" ")
                        cut = min(range(1, len(words)),
                                  key=lambda k: abs(len(" ".join(words[:k])) - len(text) / 2))
                        label.set_text(" ".join(words[:cut]) + "\n" + " ".join(words[cut:]))
                        changed = True
                ticks = [t.label1 for t in axis._update_ticks() if t.label1.get_visible() and t.label1.get_text()]
                boxes = [Text.get_window_extent(t, renderer) for t in ticks]
                gap = 0.5 * ticks[0].get_fontsize() * fig.dpi / 72 if ticks else 0
                if any(_overlap(a.expanded(1, 1).padded(gap / 2), b) for a, b in zip(boxes, boxes[1:])):
                    thin_ticks(axis)
                    changed = True
        if not changed:
            return


def _marker_boxes(ax) -> list:
    """Display boxes of the scatter markers drawn in ``ax`` (texts keep off the data)."""
    from matplotlib.collections import PathCollection
    from matplotlib.transforms import Bbox

    px = ax.figure.dpi / 72.0
    boxes = []
    for c in ax.collections:
        if not isinstance(c, PathCollection) or not c.get_visible() or not len(c.get_offsets()):
            continue
        xy = c.get_offset_transform().transform(np.asarray(c.get_offsets(), dtype=float))
        sizes = np.asarray(c.get_sizes(), dtype=float)
        sizes = np.resize(sizes, len(xy)) if len(sizes) else np.full(len(xy), 36.0)
        for (x, y), s in zip(xy, sizes):
            if np.isfinite([x, y]).all():
                half = np.sqrt(s) * px / 2
                boxes.append(Bbox.from_extents(x - half, y - half, x + half, y + half))
    return boxes


def _place_all(fig) -> None:
    """Place the deferred labels of every axes, then the optional texts where they overlap
    nothing (trying their candidate spots), hiding those that find no room."""
    from matplotlib.text import Text

    items = drawn_texts(fig)
    fixed = [box for t, box in items if not hasattr(t, "_scaling_optional")]
    placed: list = []
    for ax in fig.axes:
        for spec in ax.__dict__.pop("_scaling_labels", []):
            placed += _place(ax, spec, fixed + placed)
    if not any(hasattr(t, "_scaling_optional") for t, _ in items):
        return
    renderer = fig.canvas.get_renderer()
    clear = 3.0 * fig.dpi / 72  # optional texts keep 3 pt clear of the data
    kept = fixed + placed + [b.padded(clear) for ax in fig.axes if ax.get_visible() for b in _marker_boxes(ax)]
    axes_boxes = {id(ax): ax.get_window_extent() for ax in fig.axes}
    for t, box in sorted(((t, b) for t, b in items if hasattr(t, "_scaling_optional")),
                         key=lambda tb: tb[0]._scaling_optional):
        outer = axes_boxes.get(id(t.axes), fig.bbox) if t.axes is not None else fig.bbox
        for spot in [None] + list(getattr(t, "_scaling_candidates", [])):
            if spot is not None:
                t.xy = spot
                t.update_positions(renderer)
                box = Text.get_window_extent(t, renderer)
            if _inside(box, outer) and not any(_overlap(box.padded(1), k) for k in kept):
                kept.append(box)
                break
        else:
            t.set_visible(False)


def _free(box, inner, obstacles, used, blocks) -> bool:
    """A label box inside the axes that overlaps no text, label or marker."""
    return _inside(box, inner) and not any(_overlap(box, o) for group in (obstacles, used, blocks) for o in group)


def _crosses(a, b, c, d) -> bool:
    """Whether segments ab and cd cross (points as (x, y); touching ends do not count)."""
    def side(p, q, r):
        return np.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]))

    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0


def _leader_clear(start, end, own, boxes, leaders, step_px: float = 2.0) -> bool:
    """A leader line from a label (box ``own``, from ``start``) to its point ``end`` that crosses
    no other box (labels, texts, markers other than its own point) and no other leader line."""
    n = max(2, int(np.hypot(end[0] - start[0], end[1] - start[1]) / step_px))
    t = np.linspace(0, 1, n)[:, None]
    pts = np.asarray(start) + t * (np.asarray(end) - np.asarray(start))
    pts = pts[~((pts[:, 0] >= own.x0) & (pts[:, 0] <= own.x1) & (pts[:, 1] >= own.y0) & (pts[:, 1] <= own.y1))]
    for b in boxes:
        if b.contains(*end):
            continue  # the point's own marker
        if ((pts[:, 0] > b.x0) & (pts[:, 0] < b.x1) & (pts[:, 1] > b.y0) & (pts[:, 1] < b.y1)).any():
            return False
    return not any(_crosses(start, end, a, b) for a, b in leaders)


def _place(ax, spec, obstacles) -> list:
    """Place one group of point labels; returns the boxes used."""
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    size = fig.__dict__.get("_scaling_size") or "page"
    fs = FONTS[check_size(size)]["note"]
    px = fig.dpi / 72.0
    inner = ax.get_window_extent(renderer).padded(-2)
    xy = ax.transData.transform(np.column_stack([np.asarray(spec["xs"], float), np.asarray(spec["ys"], float)]))
    half = spec["marker_pt"] * px / 2 + 1
    blocks = [Bbox.from_extents(x - half, y - half, x + half, y + half) for x, y in xy if np.isfinite([x, y]).all()]
    if spec["avoid"] is not None:
        ax_, ay_ = (np.asarray(v, float) for v in spec["avoid"])
        other = ax.transData.transform(np.column_stack([ax_, ay_]))
        h2 = 2.5 * px
        blocks += [Bbox.from_extents(x - h2, y - h2, x + h2, y + h2) for x, y in other if np.isfinite([x, y]).all()]
    used: list = []
    leaders: list = []  # leader lines drawn: (label centre, point), display pixels
    r = 0.5 * fs  # gap between a marker and its label, points
    near = [(r + spec["marker_pt"] / 2, 0, "left", "center"), (-r - spec["marker_pt"] / 2, 0, "right", "center"),
            (0, r + spec["marker_pt"] / 2, "center", "bottom"), (0, -r - spec["marker_pt"] / 2, "center", "top"),
            (r, r, "left", "bottom"), (-r, r, "right", "bottom"), (r, -r, "left", "top"), (-r, -r, "right", "top")]
    far = []
    for dist in (2.5, 4.0, 6.0, 8.5):
        d = dist * fs
        for ang in (30, 150, -30, -150, 90, -90, 0, 180, 60, 120, -60, -120):
            dx, dy = d * np.cos(np.radians(ang)), d * np.sin(np.radians(ang))
            far.append((dx, dy, "left" if dx > 1 else "right" if dx < -1 else "center",
                        "bottom" if dy > 1 else "top" if dy < -1 else "center"))
    for (x, y), name, x_data, y_data in zip(xy, spec["names"], spec["xs"], spec["ys"]):
        if not (np.isfinite([x, y]).all() and inner.contains(x, y)):
            continue
        probe = ax.annotate(name, (x_data, y_data), fontsize=fs)
        ext = probe.get_window_extent(renderer)
        w, h = ext.width + 3, ext.height + 2
        probe.remove()
        for k, (dx, dy, ha, va) in enumerate(near + far):
            cx, cy = x + dx * px, y + dy * px
            x0 = cx if ha == "left" else cx - w if ha == "right" else cx - w / 2
            y0 = cy if va == "bottom" else cy - h if va == "top" else cy - h / 2
            if not _free(Bbox.from_bounds(x0, y0, w, h), inner, obstacles, used, blocks):
                continue
            ann = ax.annotate(name, (x_data, y_data), xytext=(dx, dy), textcoords="offset points", fontsize=fs,
                              ha=ha, va=va, color=spec["color"], zorder=6, annotation_clip=False,
                              bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none", alpha=0.75),
                              arrowprops=dict(arrowstyle="-", lw=0.5, color="0.4", shrinkA=0, shrinkB=3)
                              if k >= len(near) else None)
            ann.set_in_layout(False)
            ann.update_positions(renderer)  # the text's position is set at draw time otherwise
            box = Text.get_window_extent(ann, renderer).padded(1)  # the box as drawn, not as estimated
            centre = ((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2)
            if _free(box, inner, obstacles, used, blocks) and (
                    k < len(near) or _leader_clear(centre, (x, y), box, [*obstacles, *used, *blocks], leaders)):
                used.append(box)
                if k >= len(near):
                    leaders.append((centre, (x, y)))
                break
            ann.remove()
        # no free spot: the label is left out (the marker stays)
    return used
