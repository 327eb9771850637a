"""Every plot kind at every size preset, checked in the PNG as it is saved.

Each figure is saved with :func:`scaling.plot.savefig` at its default resolution
(:data:`scaling._style.SAVE_DPI`); the texts and legend entries are measured with the
renderer of that save (recorded while it draws: tick labels in view, axis labels,
titles, legend entries, annotations, contour and colorbar labels, the caption lines)
and the checks read the PNG's pixels:

- no two texts overlap and no text leaves the figure;
- every text has a WCAG 2 contrast ratio of at least 3:1 against the background under it;
- every legend swatch differs from the legend's background by at least 1.5:1 somewhere;
- every axis that shows tick labels shows at least three (major and minor, in view).

Figures are drawn from the shipped fits in ``fits/``, the shipped data and the committed
forecast tables, with the captions on (as ``scaling run`` draws them). The page preset
runs by default; column and slide are marked slow (CI runs them).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from scaling import plot  # noqa: E402
from scaling._style import SAVE_DPI  # noqa: E402
from scaling.plot._layout import MIN_SWATCH_CONTRAST, contrast  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"column": (3.5, None), "page": (7.0, None), "slide": (13.33, 7.5)}


def load_shipped():
    """The shipped fits, runs and forecasts the figures are drawn from."""
    from scaling import bayes, datasets, library
    from scaling.fitting import load_fit
    from scaling.forecast.capability import frontier_trend
    from scaling.hardware import load_trend

    return dict(
        dc=library.resolve("muennighoff2023"),
        dc_runs=datasets.load("muennighoff_runs"),
        lsq=load_fit(ROOT / "fits" / "chinchilla_lsq.json"),
        bayes=bayes.load(ROOT / "fits" / "chinchilla_bayes.nc"),
        runs=datasets.load("chinchilla_runs"),
        trend=load_trend(ROOT / "fits" / "trend_flops_per_usd_tensor16.json"),
        cloud=load_trend(ROOT / "fits" / "trend_flops_per_usd_cloud_tensor16.json"),
        watt=load_trend(ROOT / "fits" / "trend_flops_per_watt_tensor16.json"),
        forecast=pd.read_csv(ROOT / "forecasts" / "gpt3_equivalent_cost.csv"),
        purchase=pd.read_csv(ROOT / "forecasts" / "gpt3_equivalent_cost_purchase.csv"),
        capability=frontier_trend(),
        capability_curve=_capability_fit(),
    )


@pytest.fixture(scope="module")
def shipped():
    return load_shipped()


def _capability_fit():
    from scaling import capability

    path = ROOT / "fits" / capability.fit_name("mmlu")
    return capability.load(path) if path.exists() else capability.fit_shipped("mmlu", bootstrap=200)


KINDS = {
    "isoflop": lambda d, **kw: plot.isoflop(d["lsq"], **kw),
    "contours": lambda d, **kw: plot.loss_contours(d["bayes"], **kw),
    "residuals": lambda d, **kw: plot.fit_residuals(d["lsq"], **kw),
    "params": lambda d, **kw: plot.param_pairs(d["lsq"], d["bayes"], **kw),
    "optimal": lambda d, **kw: plot.optimal_allocation(d["lsq"], data_range=d["runs"], **kw),
    "trend": lambda d, **kw: plot.hardware_trend(d["trend"], **kw),
    "cloud-trend": lambda d, **kw: plot.hardware_trend([d["cloud"], d["trend"]], label=["cloud", "purchase"], **kw),
    "fan": lambda d, **kw: plot.fan_chart({"cloud": d["forecast"], "purchase": d["purchase"]}, **kw),
    "fan-training": lambda d, **kw: plot.fan_chart(d["forecast"], **kw),
    "fan-inference": lambda d, **kw: plot.fan_chart(d["forecast"], quantity="inference_usd_per_1k_tokens",
                                                    **kw),
    "prior-check": lambda d, **kw: plot.predictive_check(d["bayes"], "prior", **kw),
    # the data-constrained law (Muennighoff et al. 2023): the published fit, the shipped runs
    "dc-isoflop": lambda d, **kw: plot.isoflop(d["dc"], runs=d["dc_runs"], n_unique_tokens=1e8, **kw),
    "dc-contours": lambda d, **kw: plot.loss_contours(d["dc"], runs=d["dc_runs"], n_unique_tokens=25e9, **kw),
    "dc-optimal": lambda d, **kw: plot.optimal_allocation(d["dc"], data_range=d["dc_runs"], n_unique_tokens=25e9,
                                                          **kw),
    "dc-residuals": lambda d, **kw: plot.fit_residuals(d["dc"], runs=d["dc_runs"], **kw),
    "posterior-check": lambda d, **kw: plot.predictive_check(d["bayes"], "posterior", **kw),
    "capability": lambda d, **kw: plot.capability_frontier(d["capability"], **kw),
    "capability-curve": lambda d, **kw: plot.capability_curve(d["capability_curve"], **kw),
}


def _figure(obj):
    if hasattr(obj, "flat"):
        return obj.flat[0].figure
    return obj.figure


# --------------------------------------------------------------------------------------
# the figure as saved: texts, legend swatches and pixels of the PNG plot.savefig writes
# --------------------------------------------------------------------------------------
def _save_and_record(fig, path):
    """Save ``fig`` with :func:`scaling.plot.savefig` (its default dpi) and return what was drawn.

    Returns ``(texts, swatches, image)``: ``[(Text, box)]`` of every non-empty Text drawn,
    ``[(legend label, handle box, legend box)]`` of every legend entry, the PNG as an
    (H, W, 4) float array; boxes in the PNG's pixels (origin bottom left), measured with
    the renderer of the save itself.
    """
    from matplotlib.image import imread
    from matplotlib.legend import Legend

    texts, swatches = {}, {}  # by artist: a save may draw twice (layout, then pixels); the last draw counts
    draw_text, draw_legend = Text.draw, Legend.draw

    def record_text(self, renderer):
        out = draw_text(self, renderer)
        if self.get_visible() and self.get_text().strip():
            texts[id(self)] = (self, Text.get_window_extent(self, renderer))
        return out

    def record_legend(self, renderer):
        out = draw_legend(self, renderer)
        if self.get_visible():
            frame = self.get_window_extent(renderer)
            rows = [row for column in self._legend_handle_box.get_children() for row in column.get_children()]
            for k, row in enumerate(rows):
                handle, label = row.get_children()[:2]
                swatches[id(self), k] = (label.get_text(), handle.get_window_extent(renderer), frame)
        return out

    Text.draw, Legend.draw = record_text, record_legend
    try:
        plot.savefig(fig, path)
    finally:
        Text.draw, Legend.draw = draw_text, draw_legend
    return list(texts.values()), list(swatches.values()), imread(path)


def _overlap(a, b, tol=0.5):
    return min(a.x1, b.x1) - max(a.x0, b.x0) > tol and min(a.y1, b.y1) - max(a.y0, b.y0) > tol


def _pixels(image, box):
    """The RGB pixels of the PNG inside a display box (origin bottom left), as (n, 3)."""
    h, w = image.shape[:2]
    x0, x1 = int(np.clip(np.floor(box.x0), 0, w)), int(np.clip(np.ceil(box.x1), 0, w))
    r0, r1 = int(np.clip(np.floor(h - box.y1), 0, h)), int(np.clip(np.ceil(h - box.y0), 0, h))
    return image[r0:r1, x0:x1, :3].reshape(-1, 3)


#: WCAG 2 contrast a text needs against what is under it (3:1: large text, graphics).
MIN_TEXT_CONTRAST = 3.0


def _low_contrast(texts, image):
    """Texts whose colour has contrast < 3:1 against the background under them.

    The background is the median colour of the text's box without the pixels near the
    text's own colour (the glyphs); a box where nearly all pixels are text-coloured has
    the text's colour as background (contrast 1).
    """
    from matplotlib.colors import to_rgb

    bad = []
    for t, box in texts:
        px = _pixels(image, box)
        if not len(px):
            continue
        ink = np.asarray(to_rgb(t.get_color()))
        away = px[np.abs(px - ink).max(axis=1) > 0.2]
        background = np.median(away if len(away) >= 0.1 * len(px) else px, axis=0)
        ratio = float(contrast(ink, background))
        if ratio < MIN_TEXT_CONTRAST:
            bad.append(f"{t.get_text()!r} {ratio:.2f}:1")
    return bad


def _faint_swatches(swatches, image):
    """Legend entries whose swatch no pixel of differs from the legend background by 1.5:1."""
    bad = []
    for label, handle, frame in swatches:
        background = np.median(_pixels(image, frame), axis=0)
        px = _pixels(image, handle)
        best = float(contrast(px, background).max()) if len(px) else 1.0
        if best < MIN_SWATCH_CONTRAST:
            bad.append(f"{label!r} {best:.2f}:1")
    return bad


def _few_ticks(fig, texts, least: int = 3):
    """Axes (by their label) whose shown tick labels, major and minor, in view are fewer than ``least``."""
    from matplotlib.ticker import FixedLocator, NullLocator

    drawn = {id(t) for t, _ in texts}
    bad = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            locator = axis.get_major_locator()
            if isinstance(locator, NullLocator) or (isinstance(locator, FixedLocator) and not len(locator.locs)):
                continue  # no ticks by design (a histogram's density axis, a colorbar's short side)
            shown = axis.get_tick_params(which="major")
            if not any(v for k, v in shown.items() if k.startswith("label") and k != "labelrotation"):
                continue  # labels left to a shared axis
            ticks = axis.get_major_ticks() + axis.get_minor_ticks()
            n = sum(id(t.label1) in drawn or id(t.label2) in drawn for t in ticks)
            if n < least:
                what = axis.label.get_text() or getattr(ax, "_colorbar", None) and "colorbar" or ax.get_label()
                bad.append(f"{name} axis {what!r}: {n} labelled ticks")
    return bad


def _on_markers(fig, items):
    """Optional texts (contour and iso-compute labels) drawn over a run's or a model's marker."""
    from matplotlib.transforms import Affine2D

    from scaling.plot._layout import _marker_boxes

    scale = Affine2D().scale(SAVE_DPI / fig.dpi)  # marker boxes at the figure's dpi, texts at the save's
    boxes = {id(ax): [b.transformed(scale) for b in _marker_boxes(ax)] for ax in fig.axes}
    return [t.get_text() for t, box in items if hasattr(t, "_scaling_optional") and t.axes is not None
            and any(_overlap(box, b) for b in boxes.get(id(t.axes), []))]


def problems(fig, items, swatches, image) -> dict[str, list]:
    """What is wrong with a saved figure, by check (empty when nothing is)."""
    h, w = image.shape[:2]
    found = {
        "overlap": [(a.get_text(), b.get_text()) for i, (a, ba) in enumerate(items) for b, bb in items[i + 1:]
                    if _overlap(ba, bb)],
        "outside": [t.get_text() for t, box in items
                    if box.x0 < -0.5 or box.y0 < -0.5 or box.x1 > w + 0.5 or box.y1 > h + 0.5],
        "contrast": _low_contrast(items, image),
        "swatch": _faint_swatches(swatches, image),
        "ticks": _few_ticks(fig, items),
        "on data": _on_markers(fig, items),
    }
    return {k: v for k, v in found.items() if v}


def _params():
    for size in SIZES:
        marks = () if size == "page" else (pytest.mark.slow,)
        for kind in KINDS:
            yield pytest.param(kind, size, marks=marks, id=f"{kind}-{size}")


@pytest.mark.parametrize("kind,size", list(_params()))
def test_figure_as_saved_is_readable(shipped, kind, size, tmp_path):
    """At the dpi it is saved at: no text overlaps another or leaves the figure, every text
    stands out from what is under it (WCAG 3:1), every legend swatch is visible, every
    axis with tick labels has at least three."""
    obj = KINDS[kind](shipped, size=size, **plot.CAPTIONS)
    fig = _figure(obj)
    try:
        width, height = SIZES[size]
        assert fig.get_figwidth() == pytest.approx(width)
        if height:
            assert fig.get_figheight() == pytest.approx(height)
        items, swatches, image = _save_and_record(fig, tmp_path / "figure.png")
        assert image.shape[1] == round(width * SAVE_DPI)
        texts = [t.get_text() for t, _ in items]
        assert len(items) >= 8, texts  # ticks, labels, legend, captions were drawn
        assert any(t.startswith("Data: ") for t in texts)  # the source line
        found = problems(fig, items, swatches, image)
        assert not found, found
        # The legend sits outside every data area.
        for legend in fig.legends:
            lbox = legend.get_window_extent()
            for ax in fig.axes:
                if ax.get_visible():
                    assert not _overlap(lbox, ax.get_window_extent()), (legend, ax)
    finally:
        plt.close(fig)


def test_labels_are_thinned_rather_than_stacked(shipped):
    """In a column the reference-model labels that find no room are left out, not piled up."""
    ax = plot.loss_contours(shipped["bayes"], size="column")
    fig = ax.figure
    labels = [t for t in ax.texts if t.get_text() in set(pd.read_csv(ROOT / "datasets" / "reference_models.csv")["name"])]
    assert 3 <= len(labels) <= 10
    boxes = [Text.get_window_extent(t, fig.canvas.get_renderer()) for t in labels]
    assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    plt.close(fig)


@pytest.mark.parametrize("value,expected", [(1e5, "$100k"), (1e6, "$1M"), (2.5e7, "$25M"), (3e-3, "$0.003")])
def test_dollar_ticks(value, expected):
    from scaling.plot._units import usd_label

    assert usd_label(value) == expected


@pytest.mark.parametrize("value,expected", [(1e9, "1B"), (1e10, "10B"), (1e12, "1T"), (7e7, "70M")])
def test_count_ticks(value, expected):
    from scaling.plot._units import count_label

    assert count_label(value) == expected


def test_fan_axis_reads_dollars(shipped):
    ax = plot.fan_chart(shipped["forecast"], size="page")
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all(t.startswith("$") for t in labels), labels
    plt.close(ax.figure)


def test_bad_size_is_a_scaling_error(shipped):
    from scaling.errors import ScalingError

    with pytest.raises(ScalingError, match="column, page, slide"):
        plot.isoflop(shipped["lsq"], size="poster")


@pytest.mark.parametrize("limits,least", [((2e5, 6e6), 3), ((2e5, 6e5), 3), ((1e3, 1e9), 3), ((3e4, 9e4), 3)])
def test_log_axis_labels_at_least_three_ticks(limits, least, tmp_path):
    """A log axis spanning less than three decades labels minor ticks ($300k, $1M, $3M)."""
    from scaling.plot._units import log_axis

    with plot.style("column"):
        fig, ax = plt.subplots(figsize=(3.5, 3))
        ax.plot(limits, limits)
        log_axis(ax.yaxis, "usd")
        ax.set_ylim(*limits)
        items, _, _ = _save_and_record(fig, tmp_path / "axis.png")
    assert not _few_ticks(fig, items, least)
    labels = [t.get_text() for t in ax.get_yticklabels(which="both") if t.get_text()]
    assert all(lab.startswith("$") for lab in labels), labels
    plt.close(fig)


@pytest.mark.parametrize("dpi", [72, 100, 200, 300])
def test_fit_text_holds_at_every_dpi(dpi):
    """A line wrapped to a width at 100 dpi stays inside it (in inches) at another dpi: unhinted text."""
    from scaling.plot._layout import fit_text

    text = "Data-constrained law, published; U = 25B unique tokens; frontier: compute-optimal (N, D); dashed"
    with plot.style("column"):
        fig = plt.figure(figsize=(3.5, 3), dpi=100)
        wrapped, size = fit_text(text, 6.0, 300.0, fig.canvas.get_renderer())
        assert "\n" in wrapped and size == 6.0
        t = fig.text(0, 0.5, wrapped, fontsize=size)
        fig.set_dpi(dpi)
        fig.canvas.draw()
        assert Text.get_window_extent(t, fig.canvas.get_renderer()).width * 100 / dpi <= 300.0
        word, small = fit_text("x" * 200, 6.0, 300.0, fig.canvas.get_renderer())
        assert small < 6.0  # a word longer than the line shrinks the font
    plt.close(fig)


def test_data_constrained_isoflop_says_validation_loss(shipped):
    """Muennighoff et al.'s losses are final C4 validation losses (datasets/README.md); Hoffmann et al.'s training."""
    ax = KINDS["dc-isoflop"](shipped, size="page")
    assert ax.get_ylabel().startswith("validation loss")
    plt.close(ax.figure)
    ax = KINDS["isoflop"](shipped, size="page")
    assert ax.get_ylabel().startswith("training loss")
    plt.close(ax.figure)


def test_residuals_are_scaled_to_the_kept_runs(shipped):
    """The excluded runs do not set the scale: those beyond it sit at the edge, as triangles."""
    runs = shipped["runs"]
    axes = plot.fit_residuals(shipped["lsq"], runs=runs, size="page", subtitle=True)
    fitted, compute = axes
    excluded = runs["excluded"].to_numpy(dtype=bool)
    assert excluded.sum() == 5
    assert fitted.get_ylim()[1] < runs["loss"][excluded].max()
    markers = {c.get_paths()[0].vertices.shape[0] for c in compute.collections if len(c.get_offsets())}
    assert len(markers) >= 2  # circles and triangles
    assert any("5 off the scale" in t.get_text().replace("\n", " ") for t in fitted.figure.texts)
    plt.close(fitted.figure)
