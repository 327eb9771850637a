"""Build ``docs/gallery.md``: every plot kind at every size preset, with the command that made it.

Run from the repository root (``python docs/build_docs.py gallery`` calls :func:`build`)::

    python docs/gallery.py

The images go to ``docs/gallery/`` as PNGs at modest resolutions (a column figure at
130 dpi, a page at 90, a slide at 72: 455, 630 and 960 pixels wide), drawn from the
shipped fits in ``fits/`` and the committed forecasts in ``forecasts/`` (the data-constrained
entry: the published fit ``muennighoff2023`` and ``datasets/muennighoff_runs.csv``) with the
captions on, exactly as ``scaling plot KIND --size SIZE`` draws them.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "gallery"
PAGE = ROOT / "docs" / "gallery.md"
sys.path.insert(0, str(ROOT))

SIZES = {"column": 130, "page": 90, "slide": 72}  # preset -> dpi of the gallery PNG

# kind -> (what it shows, extra CLI options)
KINDS = {
    "isoflop": ("IsoFLOP profiles of the least-squares fit", ""),
    "contours": ("loss contours, efficient frontier and reference models", ""),
    "residuals": ("fitted against observed loss; log residuals against compute", ""),
    "params": ("bootstrap and posterior parameter draws", ""),
    "optimal": ("compute-optimal N and D with bands and reference models", ""),
    "trend": ("hardware price-performance trend", ""),
    "fan": ("fan chart of the GPT-3-equivalent training cost", ""),
    "prior-check": ("prior predictive check", ""),
    "posterior-check": ("posterior predictive check", ""),
    "capability": ("least training compute that reached GPT-3's MMLU (43.9%) by release date: the frontier's "
                   "records, its Bayesian trend and band, Ho et al. (2024)'s rate", ""),
    "capability-curve": ("MMLU against training compute by model family, with the sigmoid capability law", ""),
    "isoflop-dc": ("IsoFLOP profiles of the published data-constrained law (Muennighoff et al. 2023) at a pool of "
                   "100M unique tokens, with the shipped runs on that pool", " --law muennighoff2023 --data "
                   "datasets/muennighoff_runs.csv --unique-tokens 1e8"),
}

#: Gallery entries that draw a plot kind with other inputs: entry -> ``scaling plot`` kind.
CLI_KIND = {"isoflop-dc": "isoflop"}


def _inputs():
    import pandas as pd

    from scaling import bayes
    from scaling.fitting import load_fit
    from scaling.hardware import load_trend

    try:
        from scaling.forecast import load_forecast

        forecast = load_forecast(ROOT / "forecasts" / "gpt3_equivalent_cost.csv")
    except Exception:  # noqa: BLE001 - a forecast saved by another version: draw its table
        forecast = pd.read_csv(ROOT / "forecasts" / "gpt3_equivalent_cost.csv")
    from scaling import capability

    cap = ROOT / "fits" / capability.fit_name("mmlu")
    return dict(capability_fit=capability.load(cap) if cap.exists() else capability.fit_shipped("mmlu"),
                lsq=load_fit(ROOT / "fits" / "chinchilla_lsq.json"),
                bayes=bayes.load(ROOT / "fits" / "chinchilla_bayes.nc"),
                trend=load_trend(ROOT / "fits" / "trend_flops_per_usd_tensor16.json"),
                forecast=forecast)


def draw(kind: str, size: str, d: dict):
    """The figure ``scaling plot KIND --size SIZE`` draws (captions on)."""
    from scaling import library, plot

    kw = dict(size=size, **plot.CAPTIONS)
    if kind == "isoflop-dc":
        published = library.resolve("muennighoff2023")
        runs = plot.runs_of(published, ROOT / "datasets" / "muennighoff_runs.csv").runs
        return plot.isoflop(published, runs=runs, n_unique_tokens=1e8, **kw)
    return {
        "isoflop": lambda: plot.isoflop(d["lsq"], **kw),
        "contours": lambda: plot.loss_contours(d["lsq"], **kw),
        "residuals": lambda: plot.fit_residuals(d["lsq"], **kw),
        "params": lambda: plot.param_pairs(d["lsq"], d["bayes"], **kw),
        "optimal": lambda: plot.optimal_allocation(d["lsq"], **kw),
        "trend": lambda: plot.hardware_trend(d["trend"], **kw),
        "fan": lambda: plot.fan_chart(d["forecast"], **kw),
        "prior-check": lambda: plot.predictive_check(d["bayes"], "prior", **kw),
        "posterior-check": lambda: plot.predictive_check(d["bayes"], "posterior", **kw),
        "capability": lambda: plot.capability_frontier(_capability_trend(), **kw),
        "capability-curve": lambda: plot.capability_curve(d["capability_fit"], **kw),
    }[kind]()


def _capability_trend():
    """The frontier trend of GPT-3's MMLU on the shipped capability table (what ``scaling plot capability`` draws)."""
    from scaling.forecast.capability import frontier_trend

    return frontier_trend()


def build() -> Path:
    """Draw every kind at every preset into ``docs/gallery/`` and write ``docs/gallery.md``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scaling import plot
    from scaling._io import write_if_changed

    d = _inputs()
    OUT.mkdir(parents=True, exist_ok=True)
    lines = ["# Figure gallery", "",
             "Every plot kind at every size preset, drawn from the shipped fits (`fits/`) and forecasts "
             "(`forecasts/`). Generated by `python docs/build_docs.py gallery`; each figure's command is "
             "above it. Presets: `column` is 3.5 in wide (one column of a paper), `page` 7 in (the text "
             "width), `slide` 13.33 x 7.5 in (16:9). `--no-captions` leaves out the title, the assumptions "
             "line and the source line.", ""]
    for kind, (what, extra) in KINDS.items():
        lines += [f"## {kind}", "", what[0].upper() + what[1:] + ".", ""]
        for size, dpi in SIZES.items():
            name = f"{kind}_{size}.png"
            cmd = f"scaling plot {CLI_KIND.get(kind, kind)} --size {size}{extra} -o {name}"
            fig = plot._base._figure_of(draw(kind, size, d))
            write_if_changed(OUT / name, lambda tmp, f=fig, r=dpi: plot.savefig(f, tmp, dpi=r))
            plt.close(fig)
            lines += [f"`{cmd}`", "", f"![{kind}, {size}](gallery/{name})", ""]
    PAGE.write_text("\n".join(lines))
    return PAGE


if __name__ == "__main__":
    print(build())
