"""The cloud-price panel's process: its settings, and its fit in a second process beside steps 1-3.

The panel (:mod:`scaling.hardware.panel`) is the longest fit and needs nothing from steps 1-3:
when a saved series is stale it is fitted in a second process (:mod:`scaling._workers`: one
that dies with this one) while the law fits run here, or in this process where processes
cannot be started or ``jobs`` is 1.
"""

from __future__ import annotations

from pathlib import Path

from .._workers import start_worker, stop_worker
from ._cache import _cached, _key, _one_line, _Request, _reusable
from .config import PANEL_SERIES, RunConfig

__all__ = ["panel_settings", "panel_requests", "panel_series"]


def panel_settings(config: "RunConfig") -> dict:
    """The panel's sampler settings the job asks for: the config's, else :func:`fit_panel`'s defaults."""
    import inspect

    from ..hardware import fit_panel

    params = inspect.signature(fit_panel).parameters
    chosen = {"draws": config.panel_draws, "tune": config.panel_tune, "chains": config.panel_chains}
    out = {k: (params[k].default if v is None else int(v)) for k, v in chosen.items()}
    out.update(sampler=params["sampler"].default, target_accept=params["target_accept"].default)
    from ..hardware.panel import model_settings

    out.update(model_settings(params["slope_prior"].default))  # a saved series of another model is refitted
    return out


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
    from ..hardware import fit_panel, panel_data

    return fit_panel(panel_data(), seed=seed, draws=psettings["draws"], tune=psettings["tune"],
                     chains=psettings["chains"], sampler=psettings["sampler"],
                     target_accept=psettings["target_accept"])


def panel_requests(config: RunConfig, manifest, fits_dir: Path) -> tuple[dict, dict, dict]:
    """What the job asks of each saved panel series, and whether the saved ones answer it:
    ``(psettings, requests, checks)`` with ``requests[name] = (key, request)`` and
    ``checks[name]`` the :func:`_reusable` answer (made before step 1, to start the fit early)."""
    from ..hardware import load_trend, panel_data

    psettings = panel_settings(config)
    panel_sha = panel_data().sha256
    requests = {}
    for name in PANEL_SERIES:
        settings = {"model": "panel", "series": name, "seed": config.seed, **psettings}
        requests[name] = (
            _key(f"panel:{name}", ["accelerators", "cloud_prices", "price_index"], settings),
            _Request((panel_sha,), {"method": "bayes", "seed": config.seed}, {"model": "panel", "series": name,
                                                                              **psettings}))
    checks = {n: _reusable(manifest, fits_dir / f"trend_{n}.json", k, r, config.force, load_trend)
              for n, (k, r) in requests.items()}
    return psettings, requests, checks


def panel_series(config: RunConfig, manifest, say, psettings: dict, requests: dict, checks: dict,
                 background) -> dict:
    """Step 3b: the cloud-price panel, one hierarchical fit saved as every named series. Each
    series file is cached like a trend; the panel is fitted (once) only if one is stale, by the
    second process when ``background`` (its ``(executor, future)``) is running."""
    from ..hardware import load_trend, series_trend

    fits_dir = Path(config.fits_dir)
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
        key, request = requests[name]
        series[name] = _cached(
            manifest, fits_dir / f"trend_{name}.json", key, request, config.force,
            lambda n=name: series_trend(_panel(), n), load_trend, say, checked=checks[name],
        )
    # The series share one panel (and its diagnostics) when fitted together: each warning once.
    for w in dict.fromkeys(w.message for t in series.values() for w in t.warnings()):
        say(f"warning: {w}")
    return series
