"""The figures of the main job (step 6): what is drawn from what, and redrawn only when that changed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .. import __version__
from .._format import plural
from .._io import write_if_changed
from ..datasets import datasets_dir
from ._cache import MANIFEST, _Manifest
from .config import CAPABILITY_TARGET, CAPABILITY_VARIANT, PANEL_HEADLINE_SERIES, POOLED

__all__ = ["figure_jobs", "figure_inputs", "figure_key"]


def figure_jobs(lsq, bayes, runs, trends, forecasts) -> dict:
    """file name -> drawing function of every figure ``scaling run`` writes (captions on, page size)."""
    from .. import plot

    cap = plot.CAPTIONS
    fc = forecasts["gpt3_equivalent_cost"]
    jobs = {
        "isoflop.png": lambda: plot.isoflop(lsq, runs=runs, **cap),
        "loss_contours.png": lambda: plot.loss_contours(lsq, runs=runs, data_range=runs, **cap),
        "fit_residuals.png": lambda: plot.fit_residuals(lsq, runs=runs, **cap),
        "optimal_allocation.png": lambda: plot.optimal_allocation(lsq, data_range=runs, **cap),
        "trend_flops_per_usd_tensor16.png": lambda: plot.hardware_trend(trends["trend_flops_per_usd_tensor16"], **cap),
        "trend_flops_per_watt_tensor16.png": lambda: plot.hardware_trend(trends["trend_flops_per_watt_tensor16"], **cap),
        "trend_flops_per_usd_cloud.png": lambda: plot.hardware_trend(trends["trend_flops_per_usd_cloud_tensor16"], **cap),
        f"trend_{PANEL_HEADLINE_SERIES}.png": lambda: plot.hardware_trend(
            trends[f"trend_{PANEL_HEADLINE_SERIES}"], **{**cap, "subtitle": (
                "hyperscaler on-demand prices (AWS, Azure, GCP, Oracle), hierarchical panel model, tensor16")}),
        "gpt3_equivalent_training_cost.png": lambda: plot.fan_chart(fc, quantity="training_cost_usd", **cap),
        "gpt3_equivalent_inference_cost.png": lambda: plot.fan_chart(fc, quantity="inference_usd_per_1k_tokens", **cap),
    }
    if CAPABILITY_VARIANT in forecasts:
        from ..forecast.capability import frontier_trend

        jobs["gpt3_capability_frontier.png"] = lambda: plot.capability_frontier(
            frontier_trend(CAPABILITY_TARGET), **cap)
    if bayes is not None:
        jobs["param_pairs.png"] = lambda: plot.param_pairs(lsq, bayes, labels=["bootstrap", "posterior"], **cap)
        jobs["prior_check.png"] = lambda: plot.predictive_check(bayes, "prior", **cap)
        jobs["posterior_check.png"] = lambda: plot.predictive_check(bayes, "posterior", **cap)
    return jobs


def figure_inputs(fits_dir: Path, out_dir: Path, bayes: bool = True) -> dict[str, list[Path]]:
    """file name -> the files each figure of :func:`figure_jobs` is drawn from (its cache key's inputs)."""
    lsq = [Path(fits_dir) / "chinchilla_lsq.json", datasets_dir() / "chinchilla_runs.csv"]
    post = [Path(fits_dir) / "chinchilla_bayes.nc", datasets_dir() / "chinchilla_runs.csv"]
    fan = [Path(out_dir) / "gpt3_equivalent_cost.csv", Path(out_dir) / "gpt3_equivalent_cost.json"]
    trend = lambda stem: [Path(fits_dir) / f"{stem}.json"]  # noqa: E731
    out = {name: lsq for name in ("isoflop.png", "loss_contours.png", "fit_residuals.png", "optimal_allocation.png")}
    out.update({
        "trend_flops_per_usd_tensor16.png": trend("trend_flops_per_usd_tensor16"),
        "trend_flops_per_watt_tensor16.png": trend("trend_flops_per_watt_tensor16"),
        "trend_flops_per_usd_cloud.png": trend(POOLED),
        f"trend_{PANEL_HEADLINE_SERIES}.png": trend(f"trend_{PANEL_HEADLINE_SERIES}"),
        "gpt3_equivalent_training_cost.png": fan, "gpt3_equivalent_inference_cost.png": fan,
    })
    if bayes:
        out.update({"param_pairs.png": lsq + post[:1], "prior_check.png": post, "posterior_check.png": post})
    return out


def _plot_code_sha() -> str:
    """A hash of the code that draws the figures (scaling/plot/, the style): a change redraws them."""
    root = Path(__file__).resolve().parent.parent  # scaling/
    h = hashlib.sha256()
    for path in sorted([*(root / "plot").glob("*.py"), root / "_style.py", root / "bayes" / "plots.py"]):
        if path.exists():
            h.update(path.name.encode())
            h.update(path.read_bytes().replace(b"\r\n", b"\n"))
    return h.hexdigest()


def figure_key(name: str, inputs: list[Path]) -> str | None:
    """The cache key of a figure: its name, the content hashes of its input files, the plotting
    code, scaling's and matplotlib's versions. None when an input is missing (always redraw)."""
    import matplotlib

    try:
        shas = {p.name: hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in inputs}
    except OSError:
        return None
    payload = {"figure": name, "inputs": shas, "plot_code": _plot_code_sha(), "scaling_version": __version__,
               "matplotlib": matplotlib.__version__}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _figures(fig_dir: Path, lsq, bayes, runs, trends, forecasts, say, inputs: dict | None = None,
             force: bool = False) -> list[Path]:
    """Draw the figures whose inputs changed (``fig_dir/manifest.json`` keys each one on
    :func:`figure_key`): a figure whose inputs, plotting code and versions are those it was
    drawn from is kept without redrawing, so a fresh clone's ``scaling run`` rewrites none
    (PNG bytes of the same drawing differ in sub-pixels between CPUs)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .. import plot

    fig_dir.mkdir(parents=True, exist_ok=True)
    manifest = _Manifest(fig_dir / MANIFEST)
    jobs = figure_jobs(lsq, bayes, runs, trends, forecasts)
    written = []
    n_changed = n_current = 0
    from .._progress import Progress

    with Progress("      figures", total=len(jobs)) as bar:  # silent off a terminal
        for name, draw in jobs.items():
            path = fig_dir / name
            key = figure_key(name, (inputs or {}).get(name, [])) if name in (inputs or {}) else None
            written.append(path)
            if key is not None and not force and path.exists() and manifest.reason(path, key, bytes_sha=False) is None:
                n_current += 1
                bar.advance()
                continue
            artist = draw()
            n_changed += write_if_changed(path, lambda tmp, a=artist: plot.savefig(a, tmp))
            if key is not None:
                manifest.record(path, key, bytes_sha=False)
            plt.close("all")
            bar.advance()
    say(f"wrote {plural(n_changed, 'figure')} to {fig_dir}, kept {len(written) - n_changed} unchanged "
        f"({n_current} not redrawn: their inputs are those they were drawn from)")
    return written
