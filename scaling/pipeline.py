"""The main job: from the shipped data to fits, forecasts and figures (``scaling run``).

Steps, each cached:

1. Chinchilla law, least squares (Hoffmann/Epoch method) with a 4,000-resample bootstrap.
2. Chinchilla law, Bayesian (PyMC).
3. Hardware trends (Bayesian): peak FLOP/s per purchase dollar and per watt (tensor FP16/BF16
   and FP32), peak FLOP per dollar of cloud rental pooled over every provider (the
   baseline), and the hierarchical cloud-price panel (:mod:`scaling.hardware.panel`), fitted
   once and saved as its named series (``fits/trend_hyperscaler-on-demand.json``,
   ``trend_lowest-available.json``, ...).
4. The seed article's numbers, recomputed (``forecasts/seed_reproduction.csv``).
5. GPT-3-equivalent cost forecasts in ``forecasts/``: the headline ``gpt3_equivalent_cost``
   on the typical hyperscaler on-demand price (:data:`HEADLINE_SERIES`: hardware progress,
   not the market composition the pooled trend mixes in), ``_lowest`` on the lowest widely
   available price, ``_pooled`` on the pooled baseline, the purchase basis (total cost of
   ownership), one law at a time (``_lsq``, ``_bayes``) and with algorithmic progress; and
   ``gpt3_capability_equivalent_cost``: GPT-3's MMLU priced from the least compute public
   models needed (:mod:`scaling.forecast.capability`).
   Every forecast's header names its price series.
6. Figures in ``forecasts/figures/``.

**Caches that check themselves.** A saved fit (steps 1 to 3) is reused only when the file
loads and validates, records the data sha256 of the table the step would fit, the law,
method, seed and settings the step asks for, and ``fits/manifest.json`` records the same
key (a hash of the dataset files, the settings and the scaling version) and the sha256 of
the file's bytes as the job wrote it (a file edited or replaced since is refitted). Otherwise
the step refits and says why in one line (``refitting fits/chinchilla_lsq.json: it was
fitted to other data (sha256 ab12... != cd34...)``). A damaged file (truncated JSON or
netCDF, another schema) is refitted, never fatal.

**An idempotent job.** Every file is written atomically (an interrupted run leaves earlier
outputs intact; stale temporary files of killed runs are swept at start) and only when its
content changes (:func:`scaling._io.write_if_changed`; a JSON file whose only change is its
``created`` stamp is kept). Forecast tables and their metadata, ``summary.json`` and the seed
reproduction table store numbers at :data:`SIGNIFICANT_DIGITS` significant digits: far finer
than the intervals resolve (their Monte Carlo error is about 1% of their width), and coarse enough that the
last-bit differences of another CPU's ``exp`` and ``log`` do not change a file. So a second
``scaling run`` with nothing changed leaves every file byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from . import __version__
from ._io import dumps_json, round_floats, sweep_stale_temps, utc_now, write_if_changed
from ._workers import start_worker, stop_worker
from .datasets import datasets_dir, runs_sha256
from ._format import format_usd as _money
from ._format import plural

__all__ = ["RunConfig", "run", "seed_comparison", "SIGNIFICANT_DIGITS"]

MANIFEST = "manifest.json"

#: Significant digits of the numbers in the forecast tables and ``summary.json``.
SIGNIFICANT_DIGITS = 6

# The least-squares settings the main job uses (fit()'s defaults, spelled out so that a
# saved fit can be checked against them).
LSQ_METHOD, LSQ_DELTA, LSQ_GRID, LSQ_INCLUDE = "huber", 1e-3, "hoffmann", "kept"


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
    # The cloud-price panel's sampler settings; None: fit_panel's own defaults.
    panel_draws: int | None = None
    panel_tune: int | None = None
    panel_chains: int | None = None
    # Processes for the fits: 2 fits the cloud-price panel beside steps 1-3; 1 fits all here.
    jobs: int = 2


def _file_sha(name: str) -> str:
    return hashlib.sha256((datasets_dir() / f"{name}.csv").read_bytes()).hexdigest()


def _bytes_sha(path: Path) -> str | None:
    """sha256 of a file's bytes (None when it cannot be read)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _key(step: str, datasets: list[str], settings: dict) -> str:
    from .results import DRAW_DIGITS, MAX_SAVED_DRAWS

    payload = {
        "step": step,
        "data": {d: _file_sha(d) for d in datasets},
        "settings": settings,
        "scaling_version": __version__,
        "saved_draws": [MAX_SAVED_DRAWS, DRAW_DIGITS],  # the saved form (scaling.results.encode_draws)
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class _Manifest:
    def __init__(self, path: Path):
        self.path = path
        try:
            self.entries = json.loads(path.read_text())["entries"]
            if not isinstance(self.entries, dict):
                raise TypeError
        except (OSError, ValueError, RecursionError, KeyError, TypeError):  # a bad manifest vouches for nothing
            self.entries = {}

    def reason(self, output: Path, key: str, *, bytes_sha: bool = True) -> str | None:
        """Why the manifest does not vouch for ``output`` (None when it does); ``bytes_sha``: its
        bytes must be those recorded (see :meth:`record`)."""
        entry = self.entries.get(output.name)
        if not isinstance(entry, dict):
            return f"{self.path} has no record of it"
        if entry.get("key") != key:
            return f"its inputs, settings or the scaling version changed since it was made ({self.path})"
        if bytes_sha and entry.get("sha256") != _bytes_sha(output):  # reused only when it is the very file this job wrote
            return f"the file is not the one this job wrote (edited or replaced since; {self.path} records its sha256)"
        return None

    def record(self, output: Path, key: str, seconds: float | None = None, *, bytes_sha: bool = True) -> None:
        """Vouch for ``output`` made from ``key``; ``bytes_sha``: also pin its bytes (a fit, which later
        steps read, is reused only when unedited; a figure, which nothing reads, is not: another CPU's
        sub-pixels must not make a fresh clone redraw it)."""
        entry = {"key": key} if seconds is None else {"key": key, "seconds": round(seconds, 2)}
        self.entries[output.name] = {**entry, "sha256": _bytes_sha(output)} if bytes_sha else entry
        payload = {"schema": "scaling.manifest", "schema_version": 1, "entries": dict(sorted(self.entries.items()))}
        write_if_changed(self.path, dumps_json(payload))


@dataclass(frozen=True)
class _Request:
    """What a step asks of a saved result.

    ``data_sha256``: the hashes a result of this step may record (like with like: the
    :func:`scaling.datasets.runs_sha256` of the whole table the step would fit).
    ``attrs``: result attributes and their values (law, method, seed).
    ``settings``: keys the result's ``settings`` must hold with these values.
    """

    data_sha256: tuple[str, ...]
    attrs: dict
    settings: dict


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, (list, tuple)) and isinstance(got, (list, tuple)):
        return len(got) == len(want) and all(_same(g, w) for g, w in zip(got, want))
    if isinstance(want, (int, float)) and not isinstance(want, bool) and isinstance(got, (int, float, np.number)) \
            and not isinstance(got, bool):
        return float(got) == float(want)
    return got == want


def _short(sha: str) -> str:
    return f"{sha[:12]}..."


def _stale_reason(result, request: _Request) -> str | None:
    """Why ``result`` does not answer ``request`` (None when it does)."""
    if request.data_sha256 and result.data_sha256 not in request.data_sha256:
        return (f"it was fitted to other data (sha256 {_short(str(result.data_sha256))} != "
                f"{_short(request.data_sha256[0])})")
    for name, want in request.attrs.items():
        got = getattr(result, name)
        if not _same(got, want):
            return f"its {name} is {got!r}, not {want!r}"
    settings = result.settings if isinstance(result.settings, dict) else {}
    for name, want in request.settings.items():
        if name not in settings:
            return f"it records no {name!r} setting (this run uses {want!r})"
        if not _same(settings[name], want):
            return f"it was made with {name} = {settings[name]!r}, this run uses {want!r}"
    return None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def _reusable(manifest: _Manifest, output: Path, key: str, request: _Request, force: bool, load: Callable):
    """``(result, None)`` when ``output`` answers ``request`` and the manifest vouches for it,
    else ``(None, reason)`` (``reason`` None: there is no file yet)."""
    if force:
        return None, "--force"
    if not output.exists():
        return None, None
    try:
        result = load(output)
    except Exception as exc:  # noqa: BLE001 - a cache that cannot be read is refitted, whatever the cause
        return None, f"it could not be read ({_one_line(exc)})"
    reason = _stale_reason(result, request) or manifest.reason(output, key)
    return (result, None) if reason is None else (None, reason)


def _cached(manifest: _Manifest, output: Path, key: str, request: _Request, force: bool,
            compute: Callable, load: Callable, say, checked: tuple | None = None):
    """Reuse ``output`` when it answers ``request`` and the manifest vouches for it; else refit.
    ``checked``: :func:`_reusable`'s answer when the caller already has it."""
    result, reason = checked if checked is not None else _reusable(manifest, output, key, request, force, load)
    if result is not None:
        say(f"reusing {output} (inputs unchanged)")
        return result
    if reason:
        say(f"refitting {output}: {reason}")
    t0 = time.perf_counter()
    result = compute()
    seconds = time.perf_counter() - t0
    _write_result(result, output)
    manifest.record(output, key, seconds)
    say(f"wrote {output} ({seconds:.1f} s)")
    # The saved form (thinned draws at 6 digits) is what every later step uses, as on a run
    # that reuses the file: a fresh fit and a cached one give the same forecasts and figures.
    return load(output)


def _write_result(result, path: Path) -> bool:
    """Save ``result`` to ``path`` through the one write-if-changed helper."""
    return write_if_changed(path, result.save)


def _say_warnings(result, say) -> None:
    for w in result.warnings():
        say(f"warning: {w.message}")


def _written(path: Path | str, changed: bool) -> str:
    return f"wrote {path}" if changed else f"kept {path} (unchanged)"


def _save_forecast(fc, path: Path) -> bool:
    """Write a forecast's CSV and JSON at :data:`SIGNIFICANT_DIGITS` digits, each only if changed."""
    with tempfile.TemporaryDirectory(prefix="scaling-forecast-") as tmp:
        csv_tmp, json_tmp = fc.save(Path(tmp) / path.name)
        table = pd.read_csv(csv_tmp, dtype={"date": str, "quantity": str})
        meta = json.loads(json_tmp.read_text(encoding="utf-8"))
    meta = round_floats(meta, SIGNIFICANT_DIGITS)
    meta["significant_digits"] = SIGNIFICANT_DIGITS
    text = table.to_csv(index=False, lineterminator="\n", float_format=f"%.{SIGNIFICANT_DIGITS}g")
    changed = write_if_changed(path, text)
    return write_if_changed(path.with_suffix(".json"), dumps_json(meta)) or changed


#: The price series of the headline forecast and of the lowest-price variant (names of
#: :data:`scaling.hardware.SERIES`, saved as ``fits/trend_<name>.json``).
HEADLINE_SERIES = "hyperscaler-on-demand"
LOWEST_SERIES = "lowest-available"
#: Every panel series the main job saves (one panel fit serves them all).
PANEL_SERIES = ("hyperscaler-on-demand", "lowest-available", "gpu-cloud-on-demand", "hyperscaler-3yr")
#: The pooled cloud trend (the baseline) in :data:`TRENDS`.
POOLED = "trend_flops_per_usd_cloud_tensor16"


def panel_settings(config: "RunConfig") -> dict:
    """The panel's sampler settings the job asks for: the config's, else :func:`fit_panel`'s defaults."""
    import inspect

    from .hardware import fit_panel

    params = inspect.signature(fit_panel).parameters
    chosen = {"draws": config.panel_draws, "tune": config.panel_tune, "chains": config.panel_chains}
    out = {k: (params[k].default if v is None else int(v)) for k, v in chosen.items()}
    out.update(sampler=params["sampler"].default, target_accept=params["target_accept"].default)
    from .hardware.panel import model_settings

    out.update(model_settings(params["slope_prior"].default))  # a saved series of another model is refitted
    return out


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
    hardware at 46.2% utilisation, training and inference each with its own factors
    (:func:`scaling.forecast.seed_decomposition`: like for like). Our forecast is
    compute-optimal at every date, so its own change over the period measures the hardware
    trend (and utilisation/algorithmic options). Both views are reported.
    """
    from .forecast.seed import seed_decomposition

    start, end = "2020-07-01", "2023-01-01"
    change = forecast.change(start, end, "training_cost_usd")
    infer_change = forecast.change(start, end, "inference_usd_per_1k_tokens")
    decomposition = seed_decomposition(loss_fit, cloud_trend, start, end)
    c_gpt3 = 6 * 175e9 * 300e9
    lines = np.asarray(cloud_trend.line_draws(pd.to_datetime([end])))
    built_2023 = c_gpt3 / 0.462 / float(np.median(10 ** lines[:, 0]))
    fc_2023 = forecast.at(end, "training_cost_usd")
    return {
        "period": [start, end],
        "years": decomposition["years"],
        "forecast_training_change": change,
        "forecast_inference_change": infer_change,
        "decomposition": {k: v for k, v in decomposition.items() if k not in ("period", "years", "seed", "rule")},
        "decomposition_rule": decomposition["rule"],
        "gpt3_as_built_2023_cloud_usd_at_46pct": built_2023,
        "gpt3_equivalent_2023_forecast_usd": {k: float(fc_2023[k]) for k in ("median", "lower", "upper")},
        "seed": {"change": -0.80, "training_cost_usd_2023_tpu_v4": 1.40e6,
                 "decomposition": {"params": 0.40, "usd_per_flop": 0.419, "utilisation": 0.461,
                                   "inference": 0.168, "training": 0.193}},
    }


def _with_bar(label: str, total: int, work):
    """``work(progress)`` under a progress bar on stderr (silent when stderr is not a terminal)."""
    from ._progress import Progress

    if not total:
        return work(None)
    with Progress(label, total=total) as bar:
        return work(lambda done, _total: bar.update(done))


def run(config: RunConfig = RunConfig(), echo: Callable[[str], None] = print) -> dict:
    """Run the main job; returns a summary dict (also written to ``forecasts/summary.json``).

    Relative ``fits_dir`` and ``forecasts_dir`` are relative to the current directory.
    """
    from . import datasets
    from .hardware import load_trend, panel_data

    fits_dir, out_dir = Path(config.fits_dir), Path(config.forecasts_dir)
    fits_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    for folder in (fits_dir, out_dir):
        for stale in sweep_stale_temps(folder):
            echo(f"removed {stale} (left by an interrupted write)")
    manifest = _Manifest(fits_dir / MANIFEST)
    n_steps = 6
    t_start = time.perf_counter()

    def step(i: int, text: str) -> Callable[[str], None]:
        echo(f"[{i}/{n_steps}] {text}")
        return lambda msg: echo(f"      {msg}")

    runs = datasets.load("chinchilla_runs")
    # Like with like: every law fit records the runs_sha256 of the whole table it was given.
    sha_all = runs_sha256(runs)

    # The cloud-price panel (step 3b) is the longest fit and needs nothing from steps 1-3:
    # when a series is stale, it is fitted in a second process while steps 1-3 run here.
    psettings = panel_settings(config)
    panel_sha = panel_data().sha256
    panel_requests = {}
    for name in PANEL_SERIES:
        settings = {"model": "panel", "series": name, "seed": config.seed, **psettings}
        panel_requests[name] = (
            _key(f"panel:{name}", ["accelerators", "cloud_prices", "price_index"], settings),
            _Request((panel_sha,), {"method": "bayes", "seed": config.seed}, {"model": "panel", "series": name,
                                                                              **psettings}))
    panel_checks = {n: _reusable(manifest, fits_dir / f"trend_{n}.json", k, r, config.force, load_trend)
                    for n, (k, r) in panel_requests.items()}
    panel_stale = any(result is None for result, _ in panel_checks.values())
    background = _start_panel(config, psettings) if panel_stale and config.jobs > 1 else None
    try:
        return _run_steps(config, echo, manifest=manifest, step=step, runs=runs, sha_all=sha_all,
                          t_start=t_start, psettings=psettings, panel_requests=panel_requests,
                          panel_checks=panel_checks, background=background)
    finally:
        if background is not None:
            _stop(*background)


def _stop(executor, future) -> None:
    """Shut the panel's process down without waiting for it: a fit still running (the job
    failed or was interrupted) is abandoned, and a finished one's process, whose result is
    already here, is spared its slow exit (about 5 s of PyTensor's and numba's cleanup)."""
    stop_worker(executor)


def _start_panel(config: RunConfig, psettings: dict):
    """Start :func:`_panel_job` in a second process that dies with this one (:mod:`scaling._workers`):
    ``(executor, future)``, or None where processes cannot be started (the panel is then
    fitted in this process)."""
    try:
        return start_worker(_panel_job, config.seed, psettings)
    except (OSError, RuntimeError):
        return None


def _panel_job(seed: int, psettings: dict):
    """The panel fit of the main job (module-level, so a second process can run it)."""
    from .hardware import fit_panel, panel_data

    return fit_panel(panel_data(), seed=seed, draws=psettings["draws"], tune=psettings["tune"],
                     chains=psettings["chains"], sampler=psettings["sampler"],
                     target_accept=psettings["target_accept"])


def _run_steps(config: RunConfig, echo, *, manifest, step, runs, sha_all, t_start, psettings, panel_requests,
               panel_checks, background) -> dict:
    """Steps 1-6 of :func:`run` (``panel_checks``: each panel series' cache check, made before
    step 1; ``background``: the panel fit's ``(executor, future)`` or None)."""
    from .fitting import fit as lsq_fit
    from .fitting import load_fit

    fits_dir, out_dir = Path(config.fits_dir), Path(config.forecasts_dir)

    # 1. Least squares with bootstrap.
    say = step(1, f"Chinchilla law, least squares (Hoffmann/Epoch), {config.bootstrap:,}-resample bootstrap")
    settings = {"method": LSQ_METHOD, "bootstrap": config.bootstrap, "seed": config.seed}
    request = _Request((sha_all,), {"law": "chinchilla", "method": LSQ_METHOD, "seed": config.seed},
                       {"bootstrap": config.bootstrap, "delta": LSQ_DELTA, "grid": LSQ_GRID,
                        "include": LSQ_INCLUDE})
    lsq = _cached(
        manifest, fits_dir / "chinchilla_lsq.json", _key("lsq", ["chinchilla_runs"], settings), request,
        config.force,
        lambda: _with_bar("      bootstrap", config.bootstrap, lambda progress: lsq_fit(
            runs, method=LSQ_METHOD, delta=LSQ_DELTA, grid=LSQ_GRID, include=LSQ_INCLUDE,
            bootstrap=config.bootstrap, seed=config.seed, progress=progress)),
        load_fit, say,
    )
    _say_warnings(lsq, say)

    # 2. Bayesian fit.
    bayes = None
    if config.bayes:
        say = step(2, "Chinchilla law, Bayesian (PyMC)")
        settings = {"draws": config.bayes_draws, "chains": config.bayes_chains, "seed": config.seed}
        request = _Request((sha_all,), {"law": "chinchilla", "method": "bayes", "seed": config.seed},
                           {"draws": config.bayes_draws, "chains": config.bayes_chains})

        def _bayes():
            from .bayes import fit as bayes_fit

            return bayes_fit(runs, seed=config.seed, draws=config.bayes_draws, chains=config.bayes_chains,
                             progress=True)  # a ticker on a terminal only (scaling._progress)

        bayes = _cached(manifest, fits_dir / "chinchilla_bayes.nc", _key("bayes", ["chinchilla_runs"], settings),
                        request, config.force, _bayes, load_fit, say)
        _say_warnings(bayes, say)
    else:
        step(2, "Bayesian fit skipped (--no-bayes)")

    # 3. Hardware trends.
    from .hardware import fit_trend, load_trend, trend_data

    method_name = {"bayes": "Bayesian", "ols": "OLS"}.get(config.trend_method, config.trend_method)
    say = step(3, f"Hardware trends ({method_name}): FLOP/s per $, per W, cloud FLOP per $")
    trends = {}
    for stem, kwargs in TRENDS.items():
        settings = {**kwargs, "method": config.trend_method, "seed": config.seed, "draws": config.trend_draws}
        request = _Request((trend_data(**kwargs).sha256,), {"method": config.trend_method, "seed": config.seed},
                           {**kwargs, "method": config.trend_method, "draws": config.trend_draws})
        trends[stem] = _cached(
            manifest, fits_dir / f"{stem}.json",
            _key(stem, ["accelerators", "cloud_prices", "price_index"], settings), request, config.force,
            lambda kw=kwargs: fit_trend(method=config.trend_method, seed=config.seed, draws=config.trend_draws,
                                        progress=True, **kw),
            load_trend, say,
        )
        _say_warnings(trends[stem], say)

    # 3b. The cloud-price panel: one hierarchical fit, saved as every named series. Each
    # series file is cached like a trend; the panel is fitted (once) only if one is stale.
    from .hardware import series_trend

    panel_box: dict = {}

    def _panel():
        if "fit" not in panel_box:
            how = "started in a second process with step 1" if background is not None else "in this process"
            say(f"fitting the cloud-price panel (hierarchical model; {psettings['chains']} chains x "
                f"{psettings['draws']} draws; {how})")
            fit = None
            if background is not None:
                from concurrent.futures.process import BrokenProcessPool

                try:
                    fit = background[1].result()
                except BrokenProcessPool as exc:
                    say(f"the second process failed ({_one_line(exc)}); fitting the panel here")
            panel_box["fit"] = fit if fit is not None else _panel_job(config.seed, psettings)
        return panel_box["fit"]

    series = {}
    for name in PANEL_SERIES:
        key, request = panel_requests[name]
        series[name] = _cached(
            manifest, fits_dir / f"trend_{name}.json", key, request, config.force,
            lambda n=name: series_trend(_panel(), n), load_trend, say, checked=panel_checks[name],
        )
    # The series share one panel (and its diagnostics) when fitted together: each warning once.
    for w in dict.fromkeys(w.message for t in series.values() for w in t.warnings()):
        say(f"warning: {w}")
    trends.update({f"trend_{name}": t for name, t in series.items()})

    # 3c. Capability laws (benchmark accuracy against compute, by family; Ruan et al. 2024): one
    # joint least-squares fit, saved per benchmark, read by 'scaling capability'. Reused while
    # the table, the settings and the version are those it was made from (the manifest key).
    _capability_fits(config, fits_dir, manifest, say)

    # 4. Seed reproduction.
    say = step(4, "The seed article's numbers (Sunyan 2023), recomputed")
    from .seed import reproduction_table

    table = reproduction_table()
    seed_path = out_dir / "seed_reproduction.csv"
    changed = write_if_changed(seed_path, table.to_csv(index=False, lineterminator="\n",
                                                       float_format=f"%.{SIGNIFICANT_DIGITS}g"))
    n_yes = int(table["reproduces"].astype(str).str.startswith("yes").sum())
    say(f"{_written(seed_path, changed)} ({n_yes} of {len(table)} rows reproduce as published)")

    # 5. Forecasts.
    from .forecast import default_dates, equivalent_cost

    say = step(5, f"GPT-3-equivalent cost forecasts, 2020-{config.until}")
    dates = default_dates(until=config.until)
    cloud = series[HEADLINE_SERIES]
    lowest, pooled = series[LOWEST_SERIES], trends[POOLED]
    per_usd, per_w = trends["trend_flops_per_usd_tensor16"], trends["trend_flops_per_watt_tensor16"]
    from . import library
    from .forecast.draws import law_mixture

    # The headline carries the choice of law too: our refit, its posterior and Hoffmann's
    # published fit, equal weights (scaling.forecast.draws.law_mixture states the rule).
    laws = {"chinchilla_lsq": lsq, **({"chinchilla_bayes": bayes} if bayes is not None else {}),
            "hoffmann2022": library.published_fit("hoffmann2022")}
    mixture = law_mixture(laws, rule="equal weights (stated rule; no held-out score separates them)")
    head = dict(price_trend=cloud, price_series=HEADLINE_SERIES)
    variants = {
        "gpt3_equivalent_cost": dict(loss_fit=mixture, **head, label="law mixture, hyperscaler on-demand"),
        "gpt3_equivalent_cost_lowest": dict(loss_fit=mixture, price_trend=lowest, price_series=LOWEST_SERIES,
                                            label="law mixture, lowest available price"),
        "gpt3_equivalent_cost_pooled": dict(loss_fit=mixture, price_trend=pooled, price_series="pooled",
                                            label="law mixture, pooled cloud trend (baseline)"),
        "gpt3_equivalent_cost_lsq": dict(loss_fit=lsq, **head, label="refitted law (least squares)"),
        "gpt3_equivalent_cost_purchase": dict(loss_fit=mixture, price_trend=per_usd, energy_trend=per_w,
                                              price_series="purchase", label="purchase (total cost of ownership)"),
        "gpt3_equivalent_cost_algorithmic": dict(loss_fit=mixture, **head, **ALGORITHMIC_OPTIONS,
                                                 label="with algorithmic progress (Ho et al. 2024, slowing)"),
    }
    if bayes is not None:
        variants["gpt3_equivalent_cost_bayes"] = dict(loss_fit=bayes, **head, label="Bayesian posterior")
    forecasts = {}
    for stem, kwargs in variants.items():
        fc = equivalent_cost(dates=dates, n_draws=config.n_draws, seed=config.seed, **kwargs)
        changed = _save_forecast(fc, out_dir / f"{stem}.csv")
        forecasts[stem] = fc
        say(_written(f"{out_dir / stem}.csv/.json", changed))
    forecasts[CAPABILITY_VARIANT] = _capability_variant(cloud, dates, config, out_dir, say)
    main_fc = forecasts["gpt3_equivalent_cost"]
    comparison = seed_comparison(main_fc, lsq, cloud)

    # 6. Figures.
    figures = []
    if config.figures:
        say = step(6, "Figures")
        figures = _figures(out_dir / "figures", lsq, bayes, runs, trends, forecasts, say,
                           inputs=figure_inputs(fits_dir, out_dir, bayes is not None), force=config.force)
    else:
        step(6, "Figures skipped (--no-figures)")

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


#: Options of the algorithmic-progress variant. Ho et al.'s rate at their arXiv 95% CI (5-14 months;
#: the NeurIPS interval's 2-month end implies a millionfold fall by 2024, which the capability
#: frontier rules out: no public model reached GPT-3's MMLU with under 1/268 of its compute)
#: through 2023, slowing after by a drawn factor (scaling.forecast.draws.SLOWDOWN_PRIOR); no cap.
ALGORITHMIC_OPTIONS = {"algorithmic_halving_months": "ho2024-arxiv", "algorithmic_slowdown_per_year": "prior",
                       "algorithmic_cap": None}

#: Bootstrap resamples of the shipped capability fits (scaling.capability's default).
CAPABILITY_BOOTSTRAP = 200


def _capability_fits(config: RunConfig, fits_dir: Path, manifest: _Manifest, say) -> dict:
    """``fits/capability_<benchmark>.json`` for each shipped benchmark (one joint fit when any is stale)."""
    from . import capability

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


#: The capability-equivalent variant: GPT-3's 5-shot MMLU (43.9%), priced from the least training
#: compute public models needed (scaling.forecast.capability).
CAPABILITY_VARIANT = "gpt3_capability_equivalent_cost"
CAPABILITY_TARGET = "capability:MMLU=0.439"


def _capability_variant(cloud, dates, config: RunConfig, out_dir: Path, say):
    """The capability-equivalent forecast on the headline price series, saved beside the others."""
    from .forecast.capability_cost import capability_equivalent_cost

    fc = capability_equivalent_cost(cloud, target=CAPABILITY_TARGET, price_series=HEADLINE_SERIES, dates=dates,
                                    n_draws=config.n_draws, seed=config.seed,
                                    label="GPT-3's MMLU (capability frontier), hyperscaler on-demand")
    for w in fc.assumptions["warnings"]:
        say(f"warning: {w['message']}")
    changed = _save_forecast(fc, out_dir / f"{CAPABILITY_VARIANT}.csv")
    say(_written(f"{out_dir / CAPABILITY_VARIANT}.csv/.json", changed))
    return fc


def figure_jobs(lsq, bayes, runs, trends, forecasts) -> dict:
    """file name -> drawing function of every figure ``scaling run`` writes (captions on, page size)."""
    from . import plot

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
        f"trend_{HEADLINE_SERIES}.png": lambda: plot.hardware_trend(
            trends[f"trend_{HEADLINE_SERIES}"], **{**cap, "subtitle": (
                "hyperscaler on-demand prices (AWS, Azure, GCP, Oracle), hierarchical panel model, tensor16")}),
        "gpt3_equivalent_training_cost.png": lambda: plot.fan_chart(fc, quantity="training_cost_usd", **cap),
        "gpt3_equivalent_inference_cost.png": lambda: plot.fan_chart(fc, quantity="inference_usd_per_1k_tokens", **cap),
    }
    if CAPABILITY_VARIANT in forecasts:
        from .forecast.capability import frontier_trend

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
        f"trend_{HEADLINE_SERIES}.png": trend(f"trend_{HEADLINE_SERIES}"),
        "gpt3_equivalent_training_cost.png": fan, "gpt3_equivalent_inference_cost.png": fan,
    })
    if bayes:
        out.update({"param_pairs.png": lsq + post[:1], "prior_check.png": post, "posterior_check.png": post})
    return out


def _plot_code_sha() -> str:
    """A hash of the code that draws the figures (scaling/plot/, the style): a change redraws them."""
    root = Path(__file__).resolve().parent
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

    from . import plot

    fig_dir.mkdir(parents=True, exist_ok=True)
    manifest = _Manifest(fig_dir / MANIFEST)
    jobs = figure_jobs(lsq, bayes, runs, trends, forecasts)
    written = []
    n_changed = n_current = 0
    from ._progress import Progress

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
        "headline_series": main_fc.assumptions.get("price_series"),
        "forecast_series": {stem: fc.assumptions.get("price_series") for stem, fc in forecasts.items()},
    }
    for stem, tr in trends.items():
        dt = tr.doubling_time_years
        out["trends"][stem] = {k: float(v) for k, v in dict(dt).items() if isinstance(v, (int, float, np.floating))}
    for stem, fc in forecasts.items():
        dates = ("2020-07-01", "2023-01-01", "2026-01-01", "2030-01-01", f"{fc.dates[-1].year}-10-01")
        out["forecast"][stem] = {
            q: {d: _interval(fc.at(d, q)) for d in dict.fromkeys(dates)}
            for q in ("training_cost_usd", "inference_usd_per_1k_tokens") if q in fc.quantities
        }
    if CAPABILITY_VARIANT in forecasts:
        from .forecast.capability_cost import summary_entry

        out["capability_equivalent"] = summary_entry(forecasts[CAPABILITY_VARIANT])
    if "gpt3_equivalent_cost_algorithmic" in forecasts:
        from .forecast.algorithmic import summary_entry as algorithmic_entry

        out["algorithmic"] = algorithmic_entry(forecasts["gpt3_equivalent_cost_algorithmic"])
    # How much of the headline fan's width each source of uncertainty contributes, year by year
    # (each source's own 90% width of log10 cost over the sum of the sources' widths:
    # Forecast.width_by_source).
    widths = main_fc.width_by_source("training_cost_usd", yearly=True)
    out["width_by_source"] = {
        "quantity": "training_cost_usd",
        "rows": [{"date": pd.Timestamp(d).date().isoformat(), **{c: float(v) for c, v in row.items()}}
                 for d, row in widths.iterrows()],
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
            lines.append(f"GPT-3-equivalent {q} (cloud, {s.get('headline_series') or 'cloud'}) {d}: "
                         f"{val} [{lo}, {hi}] ({r['level']:.0%})")
    if "capability_equivalent" in s:
        from .forecast.capability_cost import summary_lines

        lines += summary_lines(s["capability_equivalent"], s["forecast"][CAPABILITY_VARIANT]["training_cost_usd"])
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
