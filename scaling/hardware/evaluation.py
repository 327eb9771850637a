r"""Forecast evaluation: the price model and naive baselines, fitted before cut-offs, scored after.

:func:`evaluate` fits each model on the observations dated before a cut-off only and scores
its predictive distribution of every later observation of the same population (the series'
segment, e.g. hyperscaler on-demand prices; or the chips of a trend), in log10 units (dex) of
the metric (peak tensor FLOP per US$ for a price, FLOP/s per W or per $ for a chip).

Models (``models=``; each gives predictive draws per later observation):

``panel``
    The hierarchical price panel (:func:`scaling.hardware.panel.fit_panel`, every price before
    the cut-off) predicting each later price *conditioned on what was seen*: a chip or a
    provider priced before the cut-off keeps its posterior effect, a new one gets a draw from
    :math:`N(0, \tau^2)` (:meth:`~scaling.hardware.panel.PanelFit.predict_points`), plus the
    walk beyond the last price and the Student-t residual.
``panel-forecast``
    The same fit, as the cost forecast draws the series: the segment's line, the walk and a
    new buyer's scatter (:func:`scaling.hardware.trend.scatter_draws`), for every later price.
``trend``
    A chip trend's (or the pooled series') Bayesian robust line with the level's walk
    (:func:`scaling.hardware.trend.fit_prepared`): the line, the walk beyond the last point and a
    new chip's scatter; the scatter's scale may change with time (a dynamic trend,
    :func:`scaling.hardware.trend_model.build_model`; the pooled price series keeps the static
    line). ``trend-static``: the static line (the chip trends before issue 20).
``ols``
    Least squares of log10 value on date over the population before the cut-off alone
    (statsmodels); the predictive t distribution of a new observation
    (:math:`\hat y \pm t_{n-2}\, \mathrm{se}_{\mathrm{obs}}`).
``nochange``
    :math:`N(L, s_0^2)`: :math:`L` the median and :math:`s_0` the sd of the log10 values of the
    *last year's* observations (those within a year of the last one before the cut-off; the 3
    latest if fewer), whatever the horizon.
``rw``
    Random walk with drift from the same start: :math:`N(L + \mu h, s_0^2 + \omega^2 h)`, with
    :math:`h` the years from the median date of the last year's observations. The drift
    :math:`\mu`: for a price series the mean of the panel's own slope prior, the purchase-price
    trend of the chips released before the cut-off
    (:func:`scaling.hardware.panel.purchase_slope_prior`); for a chip trend the least-squares
    slope of its points before the cut-off. :math:`\omega` (dex per square-root year): the root
    mean square of the past year-to-year changes of the yearly medians less the drift, each
    divided by the square root of its gap in years (years counted back from the last
    observation); :math:`s_0` where fewer than two years have data.
``epoch``
    ``rw`` with Epoch's published drift: the metric doubling every :math:`D` years, :math:`\ln D`
    normal with 5-95% points :func:`scaling.hardware.published.epoch_doubling`. FLOP/s per $ (and
    cloud FLOP per $): 2.1 and 2.46 yr (Hobbhahn, Heim & Aydos 2023, "Trends in machine learning
    hardware", https://epoch.ai/blog/trends-in-machine-learning-hardware: 2.1 yr for ML hardware;
    Hobbhahn & Besiroglu 2022, "Trends in GPU price-performance",
    https://epoch.ai/blog/trends-in-gpu-price-performance: 2.46 yr for all GPUs). FLOP/s per W:
    3.0 yr, ML GPUs' energy efficiency (Hobbhahn, Heim & Aydos 2023; no interval published, so
    :math:`D` is fixed).
``rw-seen``
    ``rw`` that conditions on what was seen, as ``panel`` does: a later price of a chip at a
    provider priced before the cut-off starts from that pair's last price (:func:`_seen_pairs`);
    other prices as ``rw``. Price series only (a chip trend has one point per chip).
``rw-cal``, ``epoch-cal``
    ``rw`` and ``epoch`` with their spread estimated from their own past errors before the
    cut-off (:mod:`scaling.hardware.walk_spread`): :math:`L + \mu h + k\omega\sqrt{h} Z + k s_0 t_\nu`,
    :math:`(k, \nu)` by maximum likelihood of the walk's errors at quarterly pseudo-origins
    before the cut-off (protocol: ``validation/protocols/calibrated_walks.md``). Not baselines:
    candidates scored against them.

Scores (:mod:`scaling.hardware.scores`): CRPS, log score, 50% and 90% interval scores and
coverage, PIT; paired differences with a cluster bootstrap over chip x provider
(:meth:`EvaluationResult.paired`). A Bayesian fit with R-hat above 1.01, bulk ESS below 400
or more than 1% divergent transitions is flagged (``converged`` False) and left out of the
scored summary unless asked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._checks import DIVERGENT_MAX, check_int  # noqa: F401  (DIVERGENT_MAX: re-exported)
from .._dates import decimal_year, to_datetimes
from .._io import utc_now
from ..bayes.diagnostics import convergence
from ..errors import ScalingError
from .evaluation_report import evaluation_markdown
from .evaluation_result import (_DIGITS, BASELINES, HORIZON_BUCKETS, QUANTILES, ROW_COLUMNS, SCHEMA, SCHEMA_VERSION,
                                EvaluationResult, load_evaluation, merge_evaluations, rows_population_sha256)
from .random_walk import MIN_SPREAD as RW_MIN_SPREAD
from .random_walk import last_year, start_level, walk_scale
from .walks import epoch_drift, epoch_slope_draws
from .scores import score_rows

__all__ = ["evaluate", "EvaluationResult", "load_evaluation", "merge_evaluations", "evaluation_markdown", "MODELS",
           "BASELINES", "QUANTILES", "HORIZON_BUCKETS", "package_versions", "cpu_model", "ROW_COLUMNS", "SCHEMA",
           "SCHEMA_VERSION"]

#: Every model; a model's random stream is keyed by its index here, so new models go at the end.
MODELS = ("panel", "panel-forecast", "trend", "ols", "rw", "nochange", "epoch", "rw-seen", "trend-static", "rw-cal",
          "epoch-cal")
BAYES = ("panel", "panel-forecast", "trend", "trend-static")
#: Smallest spread (dex) of the no-change and random-walk baselines' within-year scatter.
MIN_SPREAD = RW_MIN_SPREAD
#: Cut-offs of the default rolling origins: quarterly from this date.
FIRST_CUTOFF = "2018-01-01"


def package_versions() -> dict:
    """Versions of Python, scaling and the numerical and sampler stack, from the installed
    metadata (nothing imported), and the CPU (:func:`cpu_model`): samplers compiled for the local
    CPU can differ in the last bits between CPUs (``docs/reproducibility.md``). CI pins the
    versions in ``.ci/constraints.txt``."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    from .. import __version__

    out = {"python": platform.python_version(), "scaling": __version__}
    for name in ("numpy", "scipy", "pandas", "statsmodels", "pymc", "pytensor", "arviz", "nutpie", "numba"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    out["cpu"] = cpu_model()
    return out


def cpu_model() -> str:
    """The CPU's model name (Linux ``/proc/cpuinfo``; elsewhere :func:`platform.processor`, or the
    architecture), e.g. ``"AMD EPYC"``; ``"unknown"`` when none is reported."""
    import platform

    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip() or "unknown"
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


# --------------------------------------------------------------------------- the population
@dataclass(frozen=True)
class _Target:
    """What is forecast: a price series' segment or a chip trend, and its observations."""

    label: str
    series: str | None
    metric: str
    precision: str
    population: pd.DataFrame  # trend_data rows of the population

    @property
    def is_price(self) -> bool:
        return self.metric in ("flops_per_usd_cloud",)


def _target(series, metric, precision) -> _Target:
    from .data import METRICS, trend_data
    from .panel import SERIES, panel_data

    if series is not None:
        if metric is not None:
            raise ScalingError("give a series or a metric, not both")
        name = str(series).strip().lower()
        if name not in SERIES:
            raise ScalingError(f"unknown price series {series!r}; allowed: {', '.join(SERIES)}")
        if name == "pooled":
            pop = trend_data(None, "flops_per_usd_cloud", "tensor16").data
        else:
            kind, tier, _ = SERIES[name]
            if kind is None:
                fixed = ", ".join(n for n, (k, _, _) in SERIES.items() if k)
                raise ScalingError(f"series {name!r} picks its segment from the data at each cut-off; evaluate a "
                                   f"segment by name: {fixed}")
            d = panel_data().data
            pop = d.loc[(d["provider_kind"] == kind) & (d["pricing_tier"] == tier)]
        return _Target(name, name, "flops_per_usd_cloud", "tensor16", pop.reset_index(drop=True))
    metric = "flops_per_usd" if metric is None else str(metric).strip().lower().replace("-", "_")
    if metric not in METRICS:
        raise ScalingError(f"unknown metric {metric!r}; allowed: {', '.join(m.replace('_', '-') for m in METRICS)}")
    if metric == "flops_per_usd_cloud":  # as `scaling trend --metric flops-per-usd-cloud`: every on-demand price
        if str(precision).strip().lower() not in ("tensor16", "bf16"):
            raise ScalingError(f"cloud prices are scored at precision tensor16, not {precision!r}")
        return _target("pooled", None, "tensor16")
    pop = trend_data(None, metric, precision).data
    return _Target(f"{metric} ({precision})", None, metric, str(precision), pop.reset_index(drop=True))


def _default_models(target: _Target) -> tuple:
    first = ("panel",) if target.series not in (None, "pooled") else ("trend",)
    seen = ("rw-seen",) if target.is_price else ()  # a chip trend has one point per chip: nothing seen
    return first + ("ols", "rw", "nochange", "epoch") + seen


def _check_models(models, target: _Target) -> tuple:
    if models is None:
        return _default_models(target)
    names = [m.strip().lower() for m in (models.split(",") if isinstance(models, str) else models) if m.strip()]
    for m in names:
        if m not in MODELS:
            raise ScalingError(f"unknown model {m!r}; allowed: {', '.join(MODELS)}")
    panel_ok = target.series not in (None, "pooled")
    for m in names:
        if m.startswith("panel") and not panel_ok:
            raise ScalingError(f"model {m!r} needs a panel price series (hyperscaler-on-demand, ...); "
                               f"{target.label} has 'trend'")
        if m.startswith("trend") and panel_ok:
            raise ScalingError(f"model 'trend' is for chip trends and the pooled series; {target.label} has 'panel'")
    if not names:
        raise ScalingError(f"no model given; allowed: {', '.join(MODELS)}")
    return tuple(dict.fromkeys(names))


def _check_cutoffs(cutoffs, target: _Target) -> tuple[list[pd.Timestamp], list[str]]:
    """Explicit cut-offs (each must leave 3 chips before and a later observation), or the
    default quarterly origins (those that leave too little are skipped, with a note)."""
    from .data import MIN_CHIPS

    pop = target.population
    last = pop["date"].max()
    notes = []
    if cutoffs:
        out = list(to_datetimes(list(cutoffs)))
        for t in out:
            n_chips = pop.loc[pop["date"] < t, "name"].nunique()
            if n_chips < MIN_CHIPS:
                raise ScalingError(f"cut-off {t:%Y-%m-%d} leaves {n_chips} chips of {target.label} before it; at least "
                                   f"{MIN_CHIPS} are needed (data from {pop['date'].min():%Y-%m-%d})")
            if not (pop["date"] >= t).any():
                raise ScalingError(f"cut-off {t:%Y-%m-%d}: no {target.label} observation on or after it to score "
                                   f"(last {last:%Y-%m-%d})")
        return sorted(set(out)), notes
    end = last - pd.DateOffset(years=1)
    grid = pd.date_range(FIRST_CUTOFF, end, freq="QS") if end >= pd.Timestamp(FIRST_CUTOFF) else []
    out = []
    for t in grid:
        if pop.loc[pop["date"] < t, "name"].nunique() >= MIN_CHIPS:
            out.append(t)
        else:
            notes.append(f"cut-off {t:%Y-%m-%d} skipped: fewer than {MIN_CHIPS} chips before it")
    if not out:
        raise ScalingError(f"no default cut-off from {FIRST_CUTOFF} leaves {MIN_CHIPS} chips before it and a year "
                           f"of {target.label} data after it; give --cutoff")
    return out, notes


# --------------------------------------------------------------------------- the baselines
# The random walk's start and walk scale have one home, scaling.hardware.random_walk, and the
# epoch drift scaling.hardware.walks (the shipped price models are those walks: the same
# numbers, tests/test_random_walk.py and tests/test_walks.py).
_last_year, _start, _walk_scale = last_year, start_level, walk_scale


def _series_slope(train: pd.DataFrame) -> float:
    x = train["year"].to_numpy(dtype=float)
    return float(np.polyfit(x - x.mean(), train["log10_value"].to_numpy(dtype=float), 1)[0])


def _drift(parent: str, target: _Target, train: pd.DataFrame, cutoff) -> tuple[float, str]:
    """``(mu, rule)``: the drift of walk ``parent`` (``rw``, ``rw-seen`` or ``epoch``) fitted on ``train`` before ``cutoff``."""
    if parent == "epoch":
        return epoch_drift(target.metric)
    if target.is_price:
        from .panel import purchase_slope_prior

        return purchase_slope_prior(before=cutoff)[0], "purchase-price prior mean (the panel's)"
    return _series_slope(train), "least-squares slope of the points before the cut-off"


def _baseline_draws(model: str, target: _Target, train: pd.DataFrame, test: pd.DataFrame, cutoff, rng,
                    n_draws: int) -> tuple[np.ndarray, dict]:
    """Predictive draws ``(n_draws, n_test)`` of one baseline and what it used."""
    years = test["year"].to_numpy(dtype=float)
    if model == "ols":
        import statsmodels.api as sm

        x = train["year"].to_numpy(dtype=float)
        t0 = float(np.mean(x))
        res = sm.OLS(train["log10_value"].to_numpy(dtype=float), sm.add_constant(x - t0, has_constant="add")).fit()
        pred = res.get_prediction(sm.add_constant(years - t0, has_constant="add"))
        se_obs = np.sqrt(np.asarray(pred.se_mean) ** 2 + res.scale)
        t = rng.standard_t(max(int(res.df_resid), 1), size=(n_draws, len(years)))
        return np.asarray(pred.predicted_mean)[None, :] + se_obs[None, :] * t, {
            "slope_per_year": float(res.params[1]), "resid_sd": float(np.sqrt(res.scale)), "df": int(res.df_resid)}
    level, s0, t_ref = _start(train)
    z = rng.standard_normal((n_draws, len(years)))
    if model == "nochange":
        return level + s0 * z, {"level": level, "sd": s0}
    h = np.maximum(years - t_ref, 0.0)
    parent = model.removesuffix("-cal")
    drift, rule = _drift(parent, target, train, cutoff)
    if parent == "epoch":  # the shipped Epoch-drift walk's helpers (scaling.hardware.walks), one home
        slope = epoch_slope_draws(target.metric, rng, (n_draws, 1))
    else:
        slope = np.full((n_draws, 1), drift)
    omega = _walk_scale(train, drift, s0)
    info = {"level": level, "sd": s0, "drift_per_year": drift, "drift_rule": rule, "walk_scale": omega, "t_ref": t_ref}
    if model.endswith("-cal"):
        from .data import MIN_CHIPS
        from .walk_spread import calibrated_noise, estimate_spread

        spread = estimate_spread(train, cutoff, lambda before, origin: _drift(parent, target, before, origin)[0],
                                 min_chips=MIN_CHIPS)
        out = level + slope * h[None, :] + calibrated_noise(spread["k"], spread["nu"], s0, omega, h, z, rng)
        return out, {**info, **{f"spread_{k}": v for k, v in spread.items()}}
    out = level + slope * h[None, :] + np.sqrt(s0**2 + omega**2 * h)[None, :] * z
    if model == "rw-seen":
        n_seen, info["pair_sd"] = _seen_pairs(out, train, test, drift, omega, z)
        info["n_test_seen"] = n_seen
    return out, info


def _seen_pairs(out: np.ndarray, train: pd.DataFrame, test: pd.DataFrame, drift: float, omega: float,
                z: np.ndarray) -> tuple[int, float]:
    r"""``rw-seen``: a later price of a chip at a provider priced before the cut-off starts from that
    pair's last price :math:`y_{\mathrm{last}}` at :math:`t_{\mathrm{last}}`:
    :math:`N(y_{\mathrm{last}} + \mu h, s_p^2 + \omega^2 h)`, :math:`h = t - t_{\mathrm{last}}`,
    :math:`s_p` the root mean square deviation of the pairs' prices from their own medians
    (pairs with two prices or more; :data:`MIN_SPREAD` at least); other prices keep ``rw``.
    Fills ``out`` in place; returns the number of seen prices and :math:`s_p`."""
    prov = lambda d: d["provider"].astype(str) if "provider" in d else ""  # noqa: E731
    k_train = (train["name"].astype(str) + " @ " + prov(train)).to_numpy()
    k_test = (test["name"].astype(str) + " @ " + prov(test)).to_numpy()
    y = train["log10_value"].astype(float)
    groups = y.groupby(k_train)
    multi = groups.transform("size").to_numpy() >= 2
    dev = (y - groups.transform("median")).to_numpy()[multi]
    s_pair = max(float(np.sqrt(np.mean(dev**2))), MIN_SPREAD) if dev.size else MIN_SPREAD
    last = train.assign(_k=k_train).sort_values("date", kind="stable").groupby("_k").tail(1).set_index("_k")
    seen = np.isin(k_test, last.index)
    if seen.any():
        ref = last.loc[k_test[seen]]
        h = np.maximum(test["year"].to_numpy(dtype=float)[seen] - ref["year"].to_numpy(dtype=float), 0.0)
        out[:, seen] = (ref["log10_value"].to_numpy(dtype=float)[None, :] + drift * h[None, :]
                        + np.sqrt(s_pair**2 + omega**2 * h)[None, :] * z[:, seen])
    return int(seen.sum()), s_pair


# --------------------------------------------------------------------------- the Bayesian models
def _trend_draws(trend, test: pd.DataFrame, rng) -> np.ndarray:
    """As the forecast draws a price or a new chip (:meth:`TrendResult.predictive_draws`)."""
    return trend.predictive_draws(test["date"], rng)


def _bayes_draws(models, target, train, test, cutoff, rng_for, opts) -> tuple[dict, dict]:
    """``{model: draws}`` of the Bayesian models of one cut-off (one panel fit, or one trend fit per
    model; ``rng_for(model)`` each model's generator of predictive draws) and ``{model: diagnostics}``."""
    kw = dict(seed=opts["seed"], draws=opts["draws"], chains=opts["chains"], tune=opts["tune"],
              target_accept=opts["target_accept"])
    if "trend" in models or "trend-static" in models:
        from .data import TrendData
        from .trend import fit_prepared

        td = TrendData(metric=target.metric, precision=target.precision, data=train.reset_index(drop=True),
                       settings={"metric": target.metric, "before": str(cutoff.date())})
        out, infos = {}, {}
        for m in (m for m in ("trend", "trend-static") if m in models):  # one fit each, each its own diagnostics
            fit = fit_prepared(td, "bayes", dynamic=m == "trend" and not target.is_price, **kw)
            out[m] = fit.predictive_draws(test["date"], rng_for(m))
            ok, info = convergence(fit.diagnostics, opts["draws"], opts["chains"])
            infos[m] = {**info, "converged": ok}
        return out, infos
    else:
        from .panel import fit_panel, panel_data, series_trend

        fit = fit_panel(panel_data(before=cutoff), **kw)
        out = {}
        if "panel" in models:
            out["panel"] = fit.predict_points(test, rng_for("panel"))
        if "panel-forecast" in models:
            series = series_trend(fit, target.series)
            out["panel-forecast"] = _trend_draws(series, test, rng_for("panel-forecast"))
    ok, info = convergence(fit.diagnostics, opts["draws"], opts["chains"])
    if hasattr(fit, "lowest_segment"):  # the segment lowest-available chose from the data before the cut-off
        info["lowest_segment"] = "/".join(fit.lowest_segment())
    return out, {m: {**info, "converged": ok} for m in out}


# --------------------------------------------------------------------------- one task, all tasks
def _task(target: _Target, cutoff: pd.Timestamp, models: tuple, opts: dict) -> tuple[pd.DataFrame, list]:
    """Fit ``models`` (one Bayesian fit, or one baseline) at one cut-off; their rows and diagnostics."""
    pop = target.population
    train_mask = (pop["date"] < cutoff).to_numpy()
    train, test = pop.loc[train_mask], pop.loc[~train_mask]
    def rng_for(model: str) -> np.random.Generator:  # one stream per (cut-off date, model), whatever runs it
        return np.random.default_rng([opts["seed"], int(cutoff.strftime("%Y%m%d")), MODELS.index(model)])

    if models[0] in BAYES:
        draws, infos = _bayes_draws(models, target, train, test, cutoff, rng_for, opts)
    else:
        d, info = _baseline_draws(models[0], target, train, test, cutoff, rng_for(models[0]), opts["n_draws"])
        draws, infos = {models[0]: d}, {models[0]: {**info, "converged": True}}
    frames, fits = [], []
    base = pd.DataFrame({
        "cutoff": cutoff.strftime("%Y-%m-%d"), "date": pop["date"].dt.strftime("%Y-%m-%d"),
        "hardware": pop["name"], "provider": pop["provider"] if "provider" in pop else "",
        "tier": pop["pricing_tier"] if "pricing_tier" in pop else "",
        "split": np.where(train_mask, "train", "test"), "observed": pop["log10_value"].to_numpy(dtype=float),
        "obs": np.arange(len(pop)),
        "horizon_years": np.where(train_mask, np.nan, pop["year"].to_numpy(dtype=float) - decimal_year([cutoff])[0]),
    })
    for m, x in draws.items():
        scored = score_rows(x, test["log10_value"].to_numpy(dtype=float), QUANTILES)
        scored.index = np.flatnonzero(~train_mask)
        rows = base.assign(model=m).join(scored)
        rows["converged"] = infos[m]["converged"]
        for c in ("covered50", "covered90"):
            rows[c] = rows[c].astype("boolean")
        frames.append(rows[ROW_COLUMNS])
        fits.append({"cutoff": cutoff.strftime("%Y-%m-%d"), "model": m, "n_train": int(train_mask.sum()),
                     "n_test": int((~train_mask).sum()), **infos[m]})
    return pd.concat(frames, ignore_index=True), fits


def evaluate(series: str | None = None, *, metric: str | None = None, precision: str = "tensor16", cutoffs=None,
             models=None, seed: int = 0, jobs: int = 1, draws: int = 800, tune: int = 1000, chains: int = 2,
             target_accept: float = 0.95, n_draws: int = 4000) -> "EvaluationResult":
    """Fit each model before each cut-off and score it on the later observations (module docstring).

    Parameters
    ----------
    series : str, optional
        A price series of :data:`scaling.hardware.SERIES` with a fixed segment, or ``"pooled"``.
    metric, precision : str, optional
        A chip trend instead (``flops_per_usd`` or ``flops_per_watt``; the names of
        :func:`scaling.hardware.fit_trend`); ``flops_per_usd_cloud`` is the ``pooled`` series.
    cutoffs : list of dates, optional
        Default: every quarter from 2018 to the last date that leaves a year of later data
        (skipping those with fewer than 3 chips before them).
    models : str or list, optional
        Names of :data:`MODELS` (``"panel,ols,rw,nochange,epoch"``); default: the target's
        Bayesian model and every baseline that applies.
    seed : int
        Seeds every fit and every predictive draw: model ``m`` (its index in :data:`MODELS`) at
        cut-off ``YYYY-MM-DD`` draws from ``default_rng([seed, YYYYMMDD, m])``, so the numbers
        depend neither on ``jobs`` nor on the other cut-offs and models of the run.
    jobs : int
        Independent fits (cut-offs x models) run through :class:`joblib.Parallel` with this
        many workers (a backend set with :func:`joblib.parallel_config` is used).
    draws, tune, chains, target_accept
        Sampler settings of the Bayesian fits (the panel's defaults: 800, 1000, 2; 0.95 as in
        ``validation/backtests.py``).
    n_draws : int
        Predictive draws per observation of the baselines.
    """
    from joblib import Parallel, delayed

    target = _target(series, metric, precision)
    models = _check_models(models, target)
    cuts, notes = _check_cutoffs(cutoffs, target)
    opts = dict(seed=check_int("seed", seed, 0), draws=check_int("draws", draws, 100),
                tune=check_int("tune", tune, 100), chains=check_int("chains", chains, 1),
                target_accept=float(target_accept), n_draws=check_int("n_draws", n_draws, 100))
    jobs = check_int("jobs", jobs, 1, 256)
    bayes = tuple(m for m in models if m in BAYES)
    groups = ([bayes] if bayes else []) + [(m,) for m in models if m not in bayes]
    done = Parallel(n_jobs=jobs)(delayed(_task)(target, c, g, opts) for c in cuts for g in groups)
    rows = pd.concat([r for r, _ in done], ignore_index=True)
    fits = pd.DataFrame([f for _, fs in done for f in fs])
    settings = {"target": target.label, "series": target.series, "metric": target.metric,
                "precision": target.precision, "models": list(models),
                "cutoffs": [c.strftime("%Y-%m-%d") for c in cuts], **opts, "jobs": jobs,
                "quantiles": list(QUANTILES)}
    rows = rows.round(_DIGITS)  # as saved: a loaded evaluation reports what this one does
    return EvaluationResult(rows=rows, fits=fits,
                            settings=settings, notes=notes, versions=package_versions(),
                            data_sha256=rows_population_sha256(rows), seed=opts["seed"], created=utc_now())
