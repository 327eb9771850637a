"""Every plot kind at every size preset: no two texts overlap and no text leaves the figure.

Texts are the ones matplotlib actually draws (recorded while the figure renders: tick
labels in view, axis labels, titles, legend entries, annotations, contour and colorbar
labels, the caption lines), measured with the renderer. Figures are drawn from the
shipped fits in ``fits/``, the shipped data and the committed forecast tables, with
the captions on (as ``scaling run`` draws them).

The page preset runs by default; column and slide are marked slow (CI runs them).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from scaling import plot  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"column": (3.5, None), "page": (7.0, None), "slide": (13.33, 7.5)}


@pytest.fixture(scope="module")
def shipped():
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


def _drawn_texts(fig):
    """(text, box) of every non-empty Text drawn, recorded during a full draw."""
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
    unique = list({id(t): t for t in found}.values())
    return [(t, Text.get_window_extent(t, renderer)) for t in unique]


def _overlap(a, b, tol=0.5):
    return min(a.x1, b.x1) - max(a.x0, b.x0) > tol and min(a.y1, b.y1) - max(a.y0, b.y0) > tol


def _params():
    for size in SIZES:
        marks = () if size == "page" else (pytest.mark.slow,)
        for kind in KINDS:
            yield pytest.param(kind, size, marks=marks, id=f"{kind}-{size}")


@pytest.mark.parametrize("kind,size", list(_params()))
def test_no_text_overlaps_or_leaves_the_figure(shipped, kind, size):
    obj = KINDS[kind](shipped, size=size, **plot.CAPTIONS)
    fig = _figure(obj)
    try:
        width, height = SIZES[size]
        assert fig.get_figwidth() == pytest.approx(width)
        if height:
            assert fig.get_figheight() == pytest.approx(height)
        items = _drawn_texts(fig)
        texts = [t.get_text() for t, _ in items]
        assert len(items) >= 8, texts  # ticks, labels, legend, captions were drawn
        assert any(t.startswith("Data: ") for t in texts)  # the source line
        clashes = [(a.get_text(), b.get_text()) for i, (a, ba) in enumerate(items) for b, bb in items[i + 1:]
                   if _overlap(ba, bb)]
        assert not clashes, clashes
        outside = [t.get_text() for t, box in items
                   if box.x0 < -0.5 or box.y0 < -0.5 or box.x1 > fig.bbox.x1 + 0.5 or box.y1 > fig.bbox.y1 + 0.5]
        assert not outside, outside
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
