"""The main job: from the shipped data to fits, forecasts and figures (``scaling run``).

Steps, each cached by a hash of its inputs (the dataset files it reads and its
settings) in ``fits/manifest.json``: a re-run reuses a saved result whose key still
matches and refits when data or settings change.

1. Chinchilla law, least squares (Hoffmann/Epoch method) with a 4,000-resample bootstrap.
2. Chinchilla law, Bayesian (PyMC).
3. Hardware trends (Bayesian): peak FLOP/s per purchase dollar and per watt (tensor FP16/BF16
   and FP32), and peak FLOP per dollar of cloud rental.
4. The seed article's numbers, recomputed (``forecasts/seed_reproduction.csv``).
5. GPT-3-equivalent cost forecasts (cloud and purchase basis, bootstrap and posterior,
   with and without algorithmic progress) in ``forecasts/``.
6. Figures in ``forecasts/figures/``.

Every file is written atomically, so an interrupted run leaves earlier outputs intact.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from . import __version__
from ._io import atomic_write_text, dumps_json, utc_now
from .datasets import datasets_dir
from .cost import format_usd as _money

__all__ = ["RunConfig", "run", "seed_comparison"]

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class RunConfig:
    """Settings of the main job (all seeded; defaults are what the committed outputs use)."""

    fits_dir: Path = Path("fits")
    forecasts_dir: Path = Path("forecasts")
    seed: int = 0
    bootstrap: int = 4000
    bayes: bool = True
    bayes_draws: int = 1000
    bayes_chains: int = 2
    trend_draws: int = 1000
    trend_method: str = "bayes"
    until: int = 2032
    n_draws: int = 4000
    figures: bool = True
    force: bool = False
    extra: dict = field(default_factory=dict)


def _file_sha(name: str) -> str:
    return hashlib.sha256((datasets_dir() / f"{name}.csv").read_bytes()).hexdigest()


def _key(step: str, datasets: list[str], settings: dict) -> str:
    payload = {
        "step": step,
        "data": {d: _file_sha(d) for d in datasets},
        "settings": settings,
        "scaling_version": __version__,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class _Manifest:
    def __init__(self, path: Path):
        self.path = path
        try:
            self.entries = json.loads(path.read_text())["entries"]
        except (FileNotFoundError, json.JSONDecodeError, KeyError, TypeError):
            self.entries = {}

    def fresh(self, output: Path, key: str) -> bool:
        entry = self.entries.get(output.name)
        return bool(entry) and entry.get("key") == key and output.exists()

    def record(self, output: Path, key: str, seconds: float) -> None:
        self.entries[output.name] = {"key": key, "seconds": round(seconds, 2)}
        payload = {"schema": "scaling.manifest", "schema_version": 1, "entries": dict(sorted(self.entries.items()))}
        atomic_write_text(self.path, dumps_json(payload))


def _cached(manifest: _Manifest, output: Path, key: str, force: bool, compute: Callable, load: Callable, say):
    if not force and manifest.fresh(output, key):
        say(f"reusing {output} (inputs unchanged)")
        return load(output), True
    t0 = time.perf_counter()
    result = compute()
    seconds = time.perf_counter() - t0
    manifest.record(output, key, seconds)
    say(f"wrote {output} ({seconds:.1f} s)")
    return result, False


TRENDS = {
    # file stem: fit_trend keyword arguments
    "trend_flops_per_usd_tensor16": dict(metric="flops_per_usd", precision="tensor16"),
    "trend_flops_per_watt_tensor16": dict(metric="flops_per_watt", precision="tensor16"),
    "trend_flops_per_usd_fp32": dict(metric="flops_per_usd", precision="fp32"),
    "trend_flops_per_watt_fp32": dict(metric="flops_per_watt", precision="fp32"),
    "trend_flops_per_usd_cloud_tensor16": dict(metric="flops_per_usd_cloud", precision="tensor16"),
}


def seed_comparison(forecast, loss_fit, cloud_trend) -> dict:
    """Put the forecast beside the seed article's claims (80% cheaper in 2.5 years; $1.4M).

    The seed's decomposition compares GPT-3 *as built* (175B parameters, 300B tokens,
    21.3% utilisation, mid-2020 hardware) with a compute-optimal equivalent on early-2023
    hardware at 46.2% utilisation. Our forecast is compute-optimal at every date, so its own
    change over the period measures only the hardware trend (and utilisation/algorithmic
    options). Both views are reported.
    """
    from .sizing import compute_for_loss, gpt3_loss

    start, end = "2020-07-01", "2023-01-01"
    change = forecast.change(start, end, "training_cost_usd")
    infer_change = forecast.change(start, end, "inference_usd_per_1k_tokens")
    params = loss_fit.params
    c_opt, n_opt, d_opt = (float(np.asarray(x)) for x in compute_for_loss(params, gpt3_loss(params)))
    c_gpt3 = 6 * 175e9 * 300e9
    years = np.array([2020.5, 2023.0])
    lines = np.asarray(cloud_trend.line_draws(pd.to_datetime(["2020-07-01", "2023-01-01"])))
    hw_factor = float(np.median(10 ** (lines[:, 0] - lines[:, 1])))
    util_factor = 0.213 / 0.462
    train_factor = (c_opt / c_gpt3) * hw_factor * util_factor
    infer_factor = (n_opt / 175e9) * hw_factor * util_factor
    built_2023 = c_gpt3 / 0.462 / float(np.median(10 ** lines[:, 1]))
    fc_2023 = forecast.at("2023-01-01", "training_cost_usd")
    return {
        "period": [start, end],
        "years": float(years[1] - years[0]),
        "forecast_training_change": change,
        "forecast_inference_change": infer_change,
        "decomposition": {
            "compute_optimal_n_params": n_opt,
            "compute_optimal_n_tokens": d_opt,
            "compute_ratio_vs_gpt3": c_opt / c_gpt3,
            "params_ratio_vs_gpt3": n_opt / 175e9,
            "usd_per_flop_ratio_hardware_trend": hw_factor,
            "utilisation_ratio": util_factor,
            "training_cost_ratio": train_factor,
            "inference_cost_ratio": infer_factor,
        },
        "gpt3_as_built_2023_cloud_usd_at_46pct": built_2023,
        "gpt3_equivalent_2023_forecast_usd": {k: float(fc_2023[k]) for k in ("median", "lower", "upper")},
        "seed": {"change": -0.80, "training_cost_usd_2023_tpu_v4": 1.40e6,
                 "decomposition": {"params": 0.40, "usd_per_flop": 0.419, "utilisation": 0.461,
                                   "inference": 0.168, "training": 0.193}},
    }


def run(config: RunConfig = RunConfig(), echo: Callable[[str], None] = print) -> dict:
    """Run the main job; returns a summary dict (also written to ``forecasts/summary.json``)."""
    from . import datasets
    from .fitting import fit as lsq_fit
    from .fitting import load_fit

    fits_dir, out_dir = Path(config.fits_dir), Path(config.forecasts_dir)
    fits_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = _Manifest(fits_dir / MANIFEST)
    n_steps = 6
    t_start = time.perf_counter()

    def step(i: int, text: str) -> Callable[[str], None]:
        echo(f"[{i}/{n_steps}] {text}")
        return lambda msg: echo(f"      {msg}")

    runs = datasets.load("chinchilla_runs")

    # 1. Least squares with bootstrap.
    say = step(1, f"Chinchilla law, least squares (Hoffmann/Epoch), {config.bootstrap:,}-resample bootstrap")
    settings = {"method": "huber", "bootstrap": config.bootstrap, "seed": config.seed}
    path = fits_dir / "chinchilla_lsq.json"
    lsq, _ = _cached(
        manifest, path, _key("lsq", ["chinchilla_runs"], settings), config.force,
        lambda: _save(lsq_fit(runs, bootstrap=config.bootstrap, seed=config.seed), path),
        load_fit, say,
    )

    # 2. Bayesian fit.
    bayes = None
    if config.bayes:
        say = step(2, "Chinchilla law, Bayesian (PyMC)")
        settings = {"draws": config.bayes_draws, "chains": config.bayes_chains, "seed": config.seed}
        path = fits_dir / "chinchilla_bayes.nc"

        def _bayes():
            from .bayes import fit as bayes_fit

            return _save(bayes_fit(runs, seed=config.seed, draws=config.bayes_draws, chains=config.bayes_chains), path)

        bayes, _ = _cached(manifest, path, _key("bayes", ["chinchilla_runs"], settings), config.force,
                           _bayes, load_fit, say)
        for line in bayes.report().splitlines():
            if "warn" in line.lower():
                say(line.strip())
    else:
        step(2, "Bayesian fit skipped (--no-bayes)")

    # 3. Hardware trends.
    from .hardware import fit_trend, load_trend

    method_name = {"bayes": "Bayesian", "ols": "OLS"}.get(config.trend_method, config.trend_method)
    say = step(3, f"Hardware trends ({method_name}): FLOP/s per $, per W, cloud FLOP per $")
    trends = {}
    for stem, kwargs in TRENDS.items():
        settings = {**kwargs, "method": config.trend_method, "seed": config.seed, "draws": config.trend_draws}
        path = fits_dir / f"{stem}.json"
        trends[stem], _ = _cached(
            manifest, path,
            _key(stem, ["accelerators", "cloud_prices", "price_index"], settings), config.force,
            lambda kw=kwargs, p=path: _save(
                fit_trend(method=config.trend_method, seed=config.seed, draws=config.trend_draws, **kw), p),
            load_trend, say,
        )

    # 4. Seed reproduction.
    say = step(4, "The seed article's numbers (Sunyan 2023), recomputed")
    from .seed import reproduction_table

    table = reproduction_table()
    seed_path = out_dir / "seed_reproduction.csv"
    atomic_write_text(seed_path, table.to_csv(index=False, lineterminator="\n"))
    n_yes = int(table["reproduces"].astype(str).str.startswith("yes").sum())
    say(f"wrote {seed_path} ({n_yes} of {len(table)} rows reproduce as published)")

    # 5. Forecasts.
    from .forecast import equivalent_cost

    say = step(5, f"GPT-3-equivalent cost forecasts, 2020-{config.until}")
    from .forecast import default_dates

    dates = default_dates(until=config.until)
    cloud = trends["trend_flops_per_usd_cloud_tensor16"]
    per_usd, per_w = trends["trend_flops_per_usd_tensor16"], trends["trend_flops_per_watt_tensor16"]
    variants = {
        "gpt3_equivalent_cost": dict(loss_fit=lsq, price_trend=cloud),
        "gpt3_equivalent_cost_purchase": dict(loss_fit=lsq, price_trend=per_usd, energy_trend=per_w),
        "gpt3_equivalent_cost_algorithmic": dict(loss_fit=lsq, price_trend=cloud, algorithmic_halving_months="ho2024"),
    }
    if bayes is not None:
        variants["gpt3_equivalent_cost_bayes"] = dict(loss_fit=bayes, price_trend=cloud)
    forecasts = {}
    for stem, kwargs in variants.items():
        fc = equivalent_cost(dates=dates, n_draws=config.n_draws, seed=config.seed, **kwargs)
        fc.save(out_dir / f"{stem}.csv")
        forecasts[stem] = fc
        say(f"wrote {out_dir / stem}.csv/.json")
    main_fc = forecasts["gpt3_equivalent_cost"]
    comparison = seed_comparison(main_fc, lsq, cloud)

    # 6. Figures.
    figures = []
    if config.figures:
        say = step(6, "Figures")
        figures = _figures(out_dir / "figures", lsq, bayes, runs, trends, forecasts, say)
    else:
        step(6, "Figures skipped (--no-figures)")

    summary = _summary(lsq, bayes, trends, main_fc, forecasts, comparison, table)
    summary["figures"] = [str(p) for p in figures]
    summary["created"] = utc_now()
    summary["seconds"] = round(time.perf_counter() - t_start, 1)
    atomic_write_text(out_dir / "summary.json", dumps_json(summary))
    for line in _summary_lines(summary):
        echo(line)
    return summary


def _save(result, path: Path):
    result.save(path)
    return result


def _figures(fig_dir: Path, lsq, bayes, runs, trends, forecasts, say) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import plot

    fig_dir.mkdir(parents=True, exist_ok=True)
    jobs = {
        "isoflop.png": lambda: plot.isoflop(lsq, runs=runs),
        "loss_contours.png": lambda: plot.loss_contours(lsq, runs=runs),
        "fit_residuals.png": lambda: plot.fit_residuals(lsq, runs=runs),
        "optimal_allocation.png": lambda: plot.optimal_allocation(lsq),
        "trend_flops_per_usd_tensor16.png": lambda: plot.hardware_trend(trends["trend_flops_per_usd_tensor16"]),
        "trend_flops_per_watt_tensor16.png": lambda: plot.hardware_trend(trends["trend_flops_per_watt_tensor16"]),
        "trend_flops_per_usd_cloud.png": lambda: plot.hardware_trend(trends["trend_flops_per_usd_cloud_tensor16"]),
        "gpt3_equivalent_training_cost.png": lambda: plot.fan_chart(forecasts["gpt3_equivalent_cost"], quantity="training_cost_usd"),
        "gpt3_equivalent_inference_cost.png": lambda: plot.fan_chart(forecasts["gpt3_equivalent_cost"], quantity="inference_usd_per_1k_tokens"),
    }
    if bayes is not None:
        from .bayes import plot_ppc

        jobs["param_pairs.png"] = lambda: plot.param_pairs(lsq, bayes, labels=["bootstrap", "posterior"])
        jobs["prior_check.png"] = lambda: plot_ppc(bayes, kind="prior")
        jobs["posterior_check.png"] = lambda: plot_ppc(bayes, kind="posterior")
    written = []
    for name, draw in jobs.items():
        artist = draw()
        path = fig_dir / name
        plot.savefig(artist, path)
        written.append(path)
        plt.close("all")
    say(f"wrote {len(written)} figures to {fig_dir}")
    return written


def _interval(row) -> dict:
    return {k: float(row[k]) for k in ("median", "lower", "upper")} | {"level": float(row["level"])}


def _summary(lsq, bayes, trends, main_fc, forecasts, comparison, seed_table) -> dict:
    from .sizing import optimal

    opt = optimal(lsq, target="gpt3", level=0.9).summary()
    out = {
        "lsq": {k: float(v) for k, v in lsq.params.items()},
        "gpt3_equivalent": {q: {c: float(opt.loc[q, c]) for c in ("value", "lower", "upper")} for q in opt.index},
        "bayes": None if bayes is None else {k: float(v) for k, v in bayes.params.items()},
        "trends": {},
        "forecast": {},
        "seed_comparison": comparison,
        "seed_rows_reproduced": int(seed_table["reproduces"].astype(str).str.startswith("yes").sum()),
        "seed_rows": int(len(seed_table)),
    }
    for stem, tr in trends.items():
        dt = tr.doubling_time_years
        out["trends"][stem] = {k: float(v) for k, v in dict(dt).items() if isinstance(v, (int, float, np.floating))}
    for stem, fc in forecasts.items():
        out["forecast"][stem] = {
            q: {d: _interval(fc.at(d, q)) for d in ("2020-07-01", "2023-01-01", f"{fc.dates[-1].year}-10-01")}
            for q in ("training_cost_usd", "inference_usd_per_1k_tokens")
        }
    return out



def _summary_lines(s: dict) -> list[str]:
    g = s["gpt3_equivalent"]
    lines = ["", "Summary", "-------"]
    p = s["lsq"]
    lines.append(
        f"Chinchilla law (least squares): E={p['E']:.4f} A={p['A']:.1f} B={p['B']:.1f} "
        f"alpha={p['alpha']:.4f} beta={p['beta']:.4f}"
    )
    if s["bayes"]:
        b = s["bayes"]
        lines.append(
            f"Chinchilla law (posterior median): E={b['E']:.4f} A={b['A']:.1f} B={b['B']:.1f} "
            f"alpha={b['alpha']:.4f} beta={b['beta']:.4f}"
        )
    for key in ("n_params", "n_tokens", "compute_flops"):
        if key in g:
            v = g[key]
            lines.append(f"GPT-3-equivalent compute-optimal {key}: {v['value']:.3g} [{v['lower']:.3g}, {v['upper']:.3g}] (90%)")
    for stem, dt in s["trends"].items():
        if "median" in dt:
            lines.append(f"{stem}: doubling time {dt['median']:.2f} yr [{dt.get('lower', float('nan')):.2f}, {dt.get('upper', float('nan')):.2f}]")
    fc = s["forecast"]["gpt3_equivalent_cost"]
    for q, rows in fc.items():
        for d, r in rows.items():
            val = _money(r["median"]) if q == "training_cost_usd" else f"${r['median']:.3g}"
            lo = _money(r["lower"]) if q == "training_cost_usd" else f"${r['lower']:.3g}"
            hi = _money(r["upper"]) if q == "training_cost_usd" else f"${r['upper']:.3g}"
            lines.append(f"GPT-3-equivalent {q} (cloud) {d}: {val} [{lo}, {hi}] ({r['level']:.0%})")
    c = s["seed_comparison"]
    ch = c["forecast_training_change"]
    dec = c["decomposition"]
    lines.append(
        f"Change mid-2020 -> early 2023, compute-optimal at both dates (hardware trend only): "
        f"{ch['median']:+.0%} [{ch['lower']:+.0%}, {ch['upper']:+.0%}]  (seed: about -80%)"
    )
    lines.append(
        f"Seed-style decomposition with our fits: params x{dec['params_ratio_vs_gpt3']:.2f}, compute x{dec['compute_ratio_vs_gpt3']:.2f}, "
        f"$/FLOP x{dec['usd_per_flop_ratio_hardware_trend']:.2f}, utilisation x{dec['utilisation_ratio']:.2f} -> "
        f"training {dec['training_cost_ratio'] - 1:+.0%}, inference {dec['inference_cost_ratio'] - 1:+.0%} (seed: -81%, -83%)"
    )
    lines.append(
        f"GPT-3 as built at 46.2% utilisation, early-2023 cloud trend: {_money(c['gpt3_as_built_2023_cloud_usd_at_46pct'])} "
        f"(seed: $1.40M on TPU v4 at $2.03/chip-hour)"
    )
    lines.append(f"Seed article rows reproduced as published: {s['seed_rows_reproduced']} of {s['seed_rows']}")
    return lines
