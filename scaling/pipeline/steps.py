"""The six steps of the main job (``scaling run``), each cached, and :func:`run` that chains them.

1. the Chinchilla law by least squares with a bootstrap; 2. by Bayes (PyMC); 3. the hardware
trends, the cloud-price panel (:mod:`._panel`) and the capability laws; 4. the seed article's
numbers (:mod:`scaling.sunyan2023`); 5. the forecasts; 6. the figures (:mod:`.figures`). The
caches are those of :mod:`._cache`; the summary is written by :mod:`.summary`.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Callable

import pandas as pd

from .._io import dumps_json, round_floats, sweep_stale_temps, utc_now, write_if_changed
from ..datasets import runs_sha256
from ._cache import MANIFEST, _cached, _key, _Manifest, _Request, _reusable, _say_warnings, _written
from ._panel import _start_panel, _stop, panel_requests, panel_series
from .config import (
    ALGORITHMIC_OPTIONS, CAPABILITY_BOOTSTRAP, CAPABILITY_TARGET, CAPABILITY_VARIANT, HEADLINE_IS_SERIES_MIXTURE,
    HEADLINE_SERIES, LOWEST_SERIES, LSQ_DELTA, LSQ_GRID, LSQ_INCLUDE, LSQ_METHOD, PANEL_HEADLINE_SERIES,
    PANEL_LOWEST_SERIES, POOLED, SERIES_MIXTURE_VARIANT, SIGNIFICANT_DIGITS, TRENDS, WALK_DRAWS, WALKS, RunConfig,
)
from .figures import _figures, figure_inputs
from .summary import _summary, _summary_lines, seed_comparison

__all__ = ["run"]

N_STEPS = 6


def _with_bar(label: str, total: int, work):
    """``work(progress)`` under a progress bar on stderr (silent when stderr is not a terminal)."""
    from .._progress import Progress

    if not total:
        return work(None)
    with Progress(label, total=total) as bar:
        return work(lambda done, _total: bar.update(done))


def run(config: RunConfig = RunConfig(), echo: Callable[[str], None] = print) -> dict:
    """Run the main job; returns a summary dict (also written to ``forecasts/summary.json``).

    Relative ``fits_dir`` and ``forecasts_dir`` are relative to the current directory.
    """
    from .. import datasets

    fits_dir, out_dir = Path(config.fits_dir), Path(config.forecasts_dir)
    fits_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    for folder in (fits_dir, out_dir):
        for stale in sweep_stale_temps(folder):
            echo(f"removed {stale} (left by an interrupted write)")
    manifest = _Manifest(fits_dir / MANIFEST)
    t_start = time.perf_counter()

    def step(i: int, text: str) -> Callable[[str], None]:
        echo(f"[{i}/{N_STEPS}] {text}")
        return lambda msg: echo(f"      {msg}")

    runs = datasets.load("chinchilla_runs")
    # The cloud-price panel (step 3b) is the longest fit and needs nothing from steps 1-3:
    # when a series is stale, it is fitted in a second process while steps 1-3 run here.
    psettings, requests, checks = panel_requests(config, manifest, fits_dir)
    panel_stale = any(result is None for result, _ in checks.values())
    background = _start_panel(config, psettings) if panel_stale and config.jobs > 1 else None
    try:
        lsq, bayes, trends, series = _fits(config, manifest, step, runs, (psettings, requests, checks, background))
        table = _seed_table(out_dir, step(4, "The seed article's numbers (Sunyan 2023), recomputed"))
        forecasts = _forecasts(config, step, lsq, bayes, trends, series)
        main_fc = forecasts["gpt3_equivalent_cost"]
        # The seed article's 2020-2023 is a retrospective: the panel fits those years' prices,
        # while the headline's random walk starts from the last year's (config.PANEL_HEADLINE_SERIES).
        comparison = seed_comparison(forecasts["gpt3_equivalent_cost_panel"], lsq, series[PANEL_HEADLINE_SERIES])
        figures = []
        if config.figures:
            figures = _figures(out_dir / "figures", lsq, bayes, runs, trends, forecasts, step(6, "Figures"),
                               inputs=figure_inputs(fits_dir, out_dir, bayes is not None), force=config.force)
        else:
            step(6, "Figures skipped (--no-figures)")
    finally:
        if background is not None:
            _stop(*background)
    summary = _summary(lsq, bayes, trends, main_fc, forecasts, comparison, table)
    summary["figures"] = [str(p) for p in figures]
    summary = round_floats(summary, SIGNIFICANT_DIGITS)
    summary["significant_digits"] = SIGNIFICANT_DIGITS
    summary["created"] = utc_now()
    write_if_changed(out_dir / "summary.json", dumps_json(summary))
    for line in _summary_lines(summary):
        echo(line)
    echo(f"Done in {time.perf_counter() - t_start:.1f} s")
    return summary


def _fits(config: RunConfig, manifest: _Manifest, step, runs, panel: tuple):
    """Steps 1-3: ``(lsq, bayes, trends, series)``; ``panel``: :func:`panel_requests`' answer and
    the panel's second process (or None)."""
    # Like with like: every law fit records the runs_sha256 of the whole table it was given.
    sha_all = runs_sha256(runs)
    lsq = _fit_lsq(config, manifest, step(1, f"Chinchilla law, least squares (Hoffmann/Epoch), "
                                             f"{config.bootstrap:,}-resample bootstrap"), runs, sha_all)
    bayes = None
    if config.bayes:
        bayes = _fit_bayes(config, manifest, step(2, "Chinchilla law, Bayesian (PyMC)"), runs, sha_all)
    else:
        step(2, "Bayesian fit skipped (--no-bayes)")
    method_name = {"bayes": "Bayesian", "ols": "OLS"}.get(config.trend_method, config.trend_method)
    say = step(3, f"Hardware trends ({method_name}): FLOP/s per $, per W, cloud FLOP per $")
    trends = _fit_trends(config, manifest, say)
    series = panel_series(config, manifest, say, *panel)
    series[HEADLINE_SERIES] = _fit_price_walk(config, manifest, say)
    walks = _fit_walks(config, manifest, say)
    series[LOWEST_SERIES] = walks[f"trend_{LOWEST_SERIES}"]
    _check_lowest_segment(series[PANEL_LOWEST_SERIES], series[LOWEST_SERIES], say)
    trends.update({f"trend_{name}": t for name, t in series.items()})
    trends.update(walks)
    # 3c. Capability laws (benchmark accuracy against compute, by family; Ruan et al. 2024): one
    # joint least-squares fit, saved per benchmark, read by 'scaling capability'. Reused while
    # the table, the settings and the version are those it was made from (the manifest key).
    _capability_fits(config, Path(config.fits_dir), manifest, say)
    return lsq, bayes, trends, series


def _fit_lsq(config: RunConfig, manifest: _Manifest, say, runs, sha_all: str):
    """Step 1: least squares with bootstrap (``fits/chinchilla_lsq.json``)."""
    from ..fitting import fit as lsq_fit
    from ..fitting import load_fit

    settings = {"method": LSQ_METHOD, "bootstrap": config.bootstrap, "seed": config.seed}
    request = _Request((sha_all,), {"law": "chinchilla", "method": LSQ_METHOD, "seed": config.seed},
                       {"bootstrap": config.bootstrap, "delta": LSQ_DELTA, "grid": LSQ_GRID,
                        "include": LSQ_INCLUDE})
    lsq = _cached(
        manifest, Path(config.fits_dir) / "chinchilla_lsq.json", _key("lsq", ["chinchilla_runs"], settings), request,
        config.force,
        lambda: _with_bar("      bootstrap", config.bootstrap, lambda progress: lsq_fit(
            runs, method=LSQ_METHOD, delta=LSQ_DELTA, grid=LSQ_GRID, include=LSQ_INCLUDE,
            bootstrap=config.bootstrap, seed=config.seed, progress=progress)),
        load_fit, say,
    )
    _say_warnings(lsq, say)
    return lsq


def _fit_bayes(config: RunConfig, manifest: _Manifest, say, runs, sha_all: str):
    """Step 2: the Bayesian fit (``fits/chinchilla_bayes.nc``)."""
    from ..fitting import load_fit

    settings = {"draws": config.bayes_draws, "chains": config.bayes_chains, "seed": config.seed}
    request = _Request((sha_all,), {"law": "chinchilla", "method": "bayes", "seed": config.seed},
                       {"draws": config.bayes_draws, "chains": config.bayes_chains})

    def _bayes():
        from ..bayes import fit as bayes_fit

        return bayes_fit(runs, seed=config.seed, draws=config.bayes_draws, chains=config.bayes_chains,
                         progress=True)  # a ticker on a terminal only (scaling._progress)

    bayes = _cached(manifest, Path(config.fits_dir) / "chinchilla_bayes.nc",
                    _key("bayes", ["chinchilla_runs"], settings), request, config.force, _bayes, load_fit, say)
    _say_warnings(bayes, say)
    return bayes


def _fit_trends(config: RunConfig, manifest: _Manifest, say) -> dict:
    """Step 3: the hardware trends of :data:`TRENDS`, each saved as ``fits/<stem>.json``."""
    from ..hardware import fit_trend, load_trend, trend_data

    trends = {}
    for stem, kwargs in TRENDS.items():
        settings = {**kwargs, "method": config.trend_method, "seed": config.seed, "draws": config.trend_draws}
        request = _Request((trend_data(**kwargs).sha256,), {"method": config.trend_method, "seed": config.seed},
                           {**kwargs, "method": config.trend_method, "draws": config.trend_draws})
        trends[stem] = _cached(
            manifest, Path(config.fits_dir) / f"{stem}.json",
            _key(stem, ["accelerators", "cloud_prices", "price_index"], settings), request, config.force,
            lambda kw=kwargs: fit_trend(method=config.trend_method, seed=config.seed, draws=config.trend_draws,
                                        progress=True, **kw),
            load_trend, say,
        )
        _say_warnings(trends[stem], say)
    return trends


def _fit_price_walk(config: RunConfig, manifest: _Manifest, say):
    """Step 3b: the headline's price model, the random walk with drift on the prices of
    :data:`PANEL_HEADLINE_SERIES`'s segment (:mod:`scaling.hardware.random_walk`: closed form,
    no sampling), saved as ``fits/trend_<HEADLINE_SERIES>.json`` and cached like the trends."""
    from ..hardware.random_walk import LAW, fit_random_walk, load_random_walk, points_sha256, segment_points

    settings = {"model": LAW, "series": PANEL_HEADLINE_SERIES, "name": HEADLINE_SERIES, "before": None}
    request = _Request((points_sha256(segment_points(PANEL_HEADLINE_SERIES)),), {"law": LAW, "seed": config.seed},
                       settings)
    walk = _cached(
        manifest, Path(config.fits_dir) / f"trend_{HEADLINE_SERIES}.json",
        _key(f"{LAW}:{HEADLINE_SERIES}", ["accelerators", "cloud_prices", "price_index"],
             {**settings, "seed": config.seed}), request, config.force,
        lambda: fit_random_walk(PANEL_HEADLINE_SERIES, seed=config.seed, name=HEADLINE_SERIES), load_random_walk, say,
    )
    _say_warnings(walk, say)
    return walk


def _fit_walks(config: RunConfig, manifest: _Manifest, say) -> dict:
    """Step 3b: the random walks with Epoch's drift of :data:`WALKS` (:func:`scaling.hardware.walks.fit_walk`:
    closed form), each saved as ``fits/<stem>.json`` and cached like the trends."""
    from ..hardware.random_walk import LAW, load_random_walk, points_sha256
    from ..hardware.walks import fit_walk, walk_points

    out = {}
    for stem, kwargs in WALKS.items():
        target = {k: v for k, v in kwargs.items() if k not in ("name", "spread")}
        name = kwargs.get("name") or stem.removeprefix("trend_")
        spread = kwargs.get("spread", "rule")
        settings = {"model": LAW, "name": name, "drift": "epoch", "before": None, "n_draws": WALK_DRAWS,
                    "spread": spread}
        points, _ = walk_points(**target)
        request = _Request((points_sha256(points),), {"law": LAW, "seed": config.seed}, settings)
        out[stem] = _cached(
            manifest, Path(config.fits_dir) / f"{stem}.json",
            _key(f"{LAW}:{stem}", ["accelerators", "cloud_prices", "price_index"],
                 {**target, **settings, "seed": config.seed}), request, config.force,
            lambda t=target, n=name, sp=spread: fit_walk(**t, drift="epoch", seed=config.seed, n_draws=WALK_DRAWS,
                                                         name=n, spread=sp),
            load_random_walk, say,
        )
        _say_warnings(out[stem], say)
    return out


def _check_lowest_segment(panel_lowest, walk, say) -> None:
    """Say so when the panel's lowest-available segment is not the one the lowest-price walk is fitted to."""
    chosen = (panel_lowest.settings.get("provider_kind"), panel_lowest.settings.get("pricing"))
    fixed = (walk.settings.get("provider_kind"), walk.settings.get("pricing"))
    if chosen != fixed:
        say(f"warning: the panel's {PANEL_LOWEST_SERIES} now chooses {'/'.join(map(str, chosen))}, but "
            f"{LOWEST_SERIES} is fitted to {'/'.join(map(str, fixed))} (scaling.pipeline.config.WALKS)")


def _seed_table(out_dir: Path, say) -> pd.DataFrame:
    """Step 4: the seed article's reproduction (``forecasts/seed_reproduction.csv``)."""
    from ..sunyan2023 import reproduction_table

    table = reproduction_table()
    seed_path = out_dir / "seed_reproduction.csv"
    changed = write_if_changed(seed_path, table.to_csv(index=False, lineterminator="\n",
                                                       float_format=f"%.{SIGNIFICANT_DIGITS}g"))
    n_yes = int(table["reproduces"].astype(str).str.startswith("yes").sum())
    say(f"{_written(seed_path, changed)} ({n_yes} of {len(table)} rows reproduce as published)")
    return table


def _forecasts(config: RunConfig, step, lsq, bayes, trends: dict, series: dict) -> dict:
    """Step 5: the GPT-3-equivalent cost forecasts, each saved as ``forecasts/<stem>.csv/.json``."""
    from .. import library
    from ..forecast import default_dates, equivalent_cost
    from ..forecast.draws import law_mixture
    from ..forecast.scenarios import PRICE_SERIES

    out_dir = Path(config.forecasts_dir)
    say = step(5, f"GPT-3-equivalent cost forecasts, 2020-{config.until}")
    dates = default_dates(until=config.until)
    cloud, panel = series[HEADLINE_SERIES], series[PANEL_HEADLINE_SERIES]
    lowest, pooled = series[LOWEST_SERIES], trends[POOLED]
    purchase = PRICE_SERIES["purchase"]  # the purchase basis' default (Epoch-drift walks, scaling.hardware.series)
    per_usd, per_w = trends[Path(purchase.price_file).stem], trends[Path(purchase.energy_file).stem]
    # The headline carries the choice of law too: our refit, its posterior and Hoffmann's
    # published fit, equal weights (scaling.forecast.draws.law_mixture states the rule).
    laws = {"chinchilla_lsq": lsq, **({"chinchilla_bayes": bayes} if bayes is not None else {}),
            "hoffmann2022": library.published_fit("hoffmann2022")}
    mixture = law_mixture(laws, rule="equal weights (stated rule; no held-out score separates them)")
    head = dict(price_trend=cloud, price_series=HEADLINE_SERIES)
    variants = {
        "gpt3_equivalent_cost": dict(loss_fit=mixture, **head,
                                     label="law mixture, hyperscaler on-demand (random walk with drift)"),
        "gpt3_equivalent_cost_panel": dict(loss_fit=mixture, price_trend=panel, price_series=PANEL_HEADLINE_SERIES,
                                           label="hierarchical panel, hyperscaler on-demand"),
        "gpt3_equivalent_cost_lowest": dict(loss_fit=mixture, price_trend=lowest, price_series=LOWEST_SERIES,
                                            label="law mixture, lowest available price (GPU-cloud on-demand, "
                                                  "random walk with Epoch's drift)"),
        "gpt3_equivalent_cost_pooled": dict(loss_fit=mixture, price_trend=pooled, price_series="pooled",
                                            label="law mixture, pooled cloud trend (baseline)"),
        "gpt3_equivalent_cost_lsq": dict(loss_fit=lsq, **head, label="refitted law (least squares)"),
        "gpt3_equivalent_cost_purchase": dict(loss_fit=mixture, price_trend=per_usd, energy_trend=per_w,
                                              price_series="purchase",
                                              label="purchase (total cost of ownership; random walks with Epoch's "
                                                    "drift)"),
        "gpt3_equivalent_cost_algorithmic": dict(loss_fit=mixture, **head, **ALGORITHMIC_OPTIONS,
                                                 label="with algorithmic progress (Ho et al. 2024, slowing)"),
    }
    if bayes is not None:
        variants["gpt3_equivalent_cost_bayes"] = dict(loss_fit=bayes, **head, label="Bayesian posterior")
    prices = _series_mixture(series, trends)
    variants[SERIES_MIXTURE_VARIANT] = dict(loss_fit=mixture, price_trend=prices,
                                            label="law mixture, price mixture (" + ", ".join(
                                                f"{k} {w:.0%}" for k, w in prices.weights.items()) + ")")
    if HEADLINE_IS_SERIES_MIXTURE:  # the lead's switch (config.py): the headline carries the series choice
        variants["gpt3_equivalent_cost_hyperscaler"] = {
            **variants["gpt3_equivalent_cost"],
            "label": "law mixture, hyperscaler on-demand list price only (random walk with drift)"}
        variants["gpt3_equivalent_cost"] = variants[SERIES_MIXTURE_VARIANT]
    forecasts = {}
    for stem, kwargs in variants.items():
        fc = equivalent_cost(dates=dates, n_draws=config.n_draws, seed=config.seed, **kwargs)
        changed = _save_forecast(fc, out_dir / f"{stem}.csv")
        forecasts[stem] = fc
        say(_written(f"{out_dir / stem}.csv/.json", changed))
    forecasts[CAPABILITY_VARIANT] = _capability_variant(cloud, dates, config, out_dir, say)
    return forecasts


def _series_mixture(series: dict, trends: dict):
    """The price mixture of :data:`~scaling.forecast.price_mixture.PRICE_MIXTURE_DEFAULT`, from the fitted trends."""
    from ..forecast.price_mixture import PRICE_MIXTURE_DEFAULT, PRICE_MIXTURE_RULE, parse_price_mixture, price_mixture
    from ..forecast.scenarios import PRICE_SERIES

    def pair(name):
        s = PRICE_SERIES[name]
        if name in series:
            return series[name], None
        return trends[Path(s.price_file).stem], (trends[Path(s.energy_file).stem] if s.energy_file else None)

    weights = parse_price_mixture(PRICE_MIXTURE_DEFAULT)
    return price_mixture({k: pair(k) for k in weights}, weights, PRICE_MIXTURE_RULE)


def _capability_fits(config: RunConfig, fits_dir: Path, manifest: _Manifest, say) -> dict:
    """``fits/capability_<benchmark>.json`` for each shipped benchmark (one joint fit when any is stale)."""
    from .. import capability

    settings = {"bootstrap": CAPABILITY_BOOTSTRAP, "seed": config.seed, "benchmarks": list(capability.SHIPPED_BENCHMARKS)}
    key = _key("capability", ["capability"], settings)
    box: dict = {}

    def joint():
        if "fits" not in box:
            say(f"fitting the capability laws ({', '.join(capability.SHIPPED_BENCHMARKS)}; one joint fit, "
                f"{CAPABILITY_BOOTSTRAP} bootstrap resamples)")
            box["fits"] = {capability.fit_name(b): f for b, f in capability.fit_shipped_benchmarks(
                seed=config.seed, bootstrap=CAPABILITY_BOOTSTRAP).items()}
        return box["fits"]

    out = {}
    for bench in capability.SHIPPED_BENCHMARKS:
        name = capability.fit_name(bench)
        # the manifest key covers the table's bytes; the result must also be this run's kind of fit
        request = _Request((), {"method": "lsq", "seed": config.seed}, {"bootstrap": CAPABILITY_BOOTSTRAP})
        checked = _reusable(manifest, fits_dir / name, key, request, config.force, capability.load)
        out[name] = _cached(manifest, fits_dir / name, key, request, config.force,
                            lambda n=name: joint()[n], capability.load, say, checked=checked)
    return out


def _capability_variant(cloud, dates, config: RunConfig, out_dir: Path, say):
    """The capability-equivalent forecast on the headline price series, saved beside the others."""
    from ..forecast.capability_cost import capability_equivalent_cost

    fc = capability_equivalent_cost(cloud, target=CAPABILITY_TARGET, price_series=HEADLINE_SERIES, dates=dates,
                                    n_draws=config.n_draws, seed=config.seed,
                                    label="GPT-3's MMLU (capability frontier), hyperscaler on-demand "
                                          "(random walk with drift)")
    for w in fc.assumptions["warnings"]:
        say(f"warning: {w['message']}")
    changed = _save_forecast(fc, out_dir / f"{CAPABILITY_VARIANT}.csv")
    say(_written(f"{out_dir / CAPABILITY_VARIANT}.csv/.json", changed))
    return fc


def _save_forecast(fc, path: Path) -> bool:
    """Write a forecast's CSV and JSON at :data:`SIGNIFICANT_DIGITS` digits, each only if changed."""
    with tempfile.TemporaryDirectory(prefix="scaling-forecast-") as tmp:
        csv_tmp = fc.save(Path(tmp) / path.name)
        json_tmp = csv_tmp.with_suffix(".json")
        table = pd.read_csv(csv_tmp, dtype={"date": str, "quantity": str})
        meta = json.loads(json_tmp.read_text(encoding="utf-8"))
    meta = round_floats(meta, SIGNIFICANT_DIGITS)
    meta["significant_digits"] = SIGNIFICANT_DIGITS
    text = table.to_csv(index=False, lineterminator="\n", float_format=f"%.{SIGNIFICANT_DIGITS}g")
    changed = write_if_changed(path, text)
    return write_if_changed(path.with_suffix(".json"), dumps_json(meta)) or changed
