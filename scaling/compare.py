r"""Which law predicts runs it did not see? Fit several laws to one table and score them out of sample.

Two held-out schemes, both grouping runs by model size (sizes within 10% of their group's
smallest are one size: :func:`scaling.datasets.size_groups`, the rule of
:func:`scaling.fitting.data_range`'s distinct counts):

``loso``
    leave one model size out: for each size, fit every law to the runs of the other sizes
    and predict the runs of that size. Each run is predicted once.
``extrapolate``
    fit on the smaller sizes and predict the largest: the largest sizes holding at least
    ``extrapolate_share`` (10%) of the runs are held out, the law is fitted to the rest.
    This is what users do with a law (Hoffmann et al. 2022 extrapolated 0.5 decades in N).

Scores per law and scheme, on the held-out runs, with :math:`r_i = \log(\hat L_i / L_i)`:

- ``rms``: :math:`\sqrt{\overline{r_i^2}}`; ``median_abs``: the median of :math:`|r_i|`;
  ``bias``: the mean of :math:`r_i` (positive: the law predicts too high a loss);
- ``coverage``: the share of held-out losses inside the law's ``level`` (90%) *predictive*
  interval. A bootstrap interval is the uncertainty of the line only; a new run also
  scatters about the line. The predictive draws are therefore
  :math:`\log \hat L^{(b)}(x) + \varepsilon`, with :math:`b` a bootstrap resample and
  :math:`\varepsilon` drawn from the residuals of the fitted law on its training runs
  (the residual bootstrap for prediction, Davison & Hinkley 1997, *Bootstrap Methods and
  their Application*, Sec. 6.3.3, Alg. 6.4 without the leverage correction). Published fits
  (no draws) get the residual scatter only.

Published fits (:mod:`scaling.library`) are scored as they are, never refitted, on the same
held-out runs (their residual scatter is taken on the same training runs). They were fitted
to these very runs by their authors (Hoffmann's and Epoch's fits of the Chinchilla runs), so
their "held-out" errors are in-sample errors: a reference, not a competitor.

Runs from several groups (a ``group`` column: datasets, tokenizers) are compared per group:
every law is fitted and scored on each group's runs alone, giving one ranking per group, and
:meth:`GroupedCompareResult.combined` averages each law's per-group scores (every group
weighing the same). One law fitted to the pooled groups is not compared: a tokenizer changes
the unit of the loss and a dataset its irreducible part, so pooled runs scatter by the gap
between the groups, not about one law, and every law's held-out error measures that gap
(``groups="pool"`` is refused with that reason; drop the column to pool on purpose).

For a Bayesian fit (``loo=True``; the Chinchilla law only) ArviZ's PSIS-LOO
(Vehtari, Gelman & Gabry 2017, "Practical Bayesian model evaluation using leave-one-out
cross-validation and WAIC", Statistics and Computing 27) estimates the expected log
predictive density of a left-out run, from the pointwise Student-t log-likelihood of the
observed log-losses under every posterior draw (computed here: the sampler does not store it).

Examples
--------
>>> from scaling import compare, datasets
>>> res = compare.compare(datasets.load("chinchilla_runs"), laws=("chinchilla", "kaplan"),
...                       bootstrap=0, grid="coarse")            # doctest: +SKIP
>>> res.summary()[["loso_rms", "extrapolate_rms"]]            # doctest: +SKIP
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ._checks import check_int, check_level, check_number, chunk_rows
from ._io import utc_now
# The result kinds live in scaling.compare_result; their names stay importable from here.
from .compare_result import (COMBINED, READABLE_VERSIONS, SCHEMA, SCHEMA_VERSION, SCHEMES,  # noqa: F401
                             SCORE_COLUMNS, CompareResult, GroupedCompareResult, load)
from .datasets import runs_sha256, size_groups, validate_runs
from .errors import ScalingError
from .laws import get_law
from .results import DEFAULT_LEVEL

__all__ = ["compare", "load", "CompareResult", "GroupedCompareResult", "size_groups", "SCHEMES",
           "DEFAULT_LAWS", "GROUP_MODES", "SCHEMA", "SCHEMA_VERSION"]

DEFAULT_LAWS = ("chinchilla", "chinchilla_tied", "kaplan")
#: Predictive draws per held-out run (bootstrap resample x residual pairs).
N_PREDICTIVE = 4000
#: Fewest distinct model sizes for a held-out comparison (one held out, three to fit).
MIN_SIZES = 4
#: How runs with a ``group`` column are compared: ``"separate"`` per group; ``"pool"`` is refused.
GROUP_MODES = ("separate", "pool")


def _folds(sizes: np.ndarray, schemes: Sequence[str], extrapolate_share: float) -> list[tuple[str, int, np.ndarray]]:
    """``(scheme, fold, held-out mask)`` for every fold of every scheme."""
    out = []
    k = int(sizes.max()) + 1
    if "loso" in schemes:
        out += [("loso", g, sizes == g) for g in range(k)]
    if "extrapolate" in schemes:
        counts = np.bincount(sizes, minlength=k)
        need = max(1, math.ceil(extrapolate_share * sizes.size))
        first = k - 1
        while first > 0 and counts[first:].sum() < need:
            first -= 1
        out.append(("extrapolate", first, sizes >= first))
    return out


# ======================================================================================
# Figures: the deprecated CompareResult.figure and plot_compare (scaling.plot.held_out_errors)
# ======================================================================================
def _figure(result, path):
    """The deprecated ``figure`` methods: :func:`_plot_compare`, saved to ``path`` if given."""
    warnings.warn("CompareResult.figure() is deprecated and will be removed in the next release: use "
                  "scaling.plot.held_out_errors(result) and scaling.plot.savefig(ax, path)", DeprecationWarning,
                  stacklevel=3)
    fig = _plot_compare(result)
    if path is not None:
        from .plot import savefig  # upward, for the deprecated aliases only (tests/test_imports.py LAZY_UP)

        savefig(fig, path)
    return fig


def _plot_compare(result):
    """The Figure of :func:`scaling.plot.held_out_errors` (the deprecated ``plot_compare``)."""
    from .plot import _base, held_out_errors  # upward, for the deprecated aliases only (LAZY_UP)

    return _base._figure_of(held_out_errors(result))


def __getattr__(name: str):
    """``plot_compare``, deprecated: :func:`scaling.plot.held_out_errors` draws a comparison."""
    if name == "plot_compare":
        warnings.warn("scaling.compare.plot_compare is deprecated and will be removed in the next release: use "
                      "scaling.plot.held_out_errors(result)", DeprecationWarning, stacklevel=2)
        return _plot_compare
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")



# ======================================================================================
# compare()
# ======================================================================================
def _log_residuals(predicted, observed) -> np.ndarray:
    return np.log(np.asarray(predicted, dtype=float)) - np.log(np.asarray(observed, dtype=float))


def _predictive(law, draws: pd.DataFrame | None, point: dict, residuals: np.ndarray, runs: pd.DataFrame,
                level: float, rng: np.random.Generator):
    """Point prediction and ``level`` predictive interval: bootstrap line draws plus a resampled residual."""
    n_params = runs["n_params"].to_numpy(float)
    n_tokens = runs["n_tokens"].to_numpy(float)
    cov = law.covariate_values(runs)
    pred = np.asarray(law.predict(point, n_params, n_tokens, **cov), dtype=float)
    has_draws = draws is not None and len(draws)
    b = rng.integers(0, len(draws), size=N_PREDICTIVE) if has_draws else None
    eps = rng.choice(residuals, size=(N_PREDICTIVE, 1), replace=True) if residuals.size else np.zeros((1, 1))
    lo, hi = np.empty(pred.size), np.empty(pred.size)
    # held-out runs in blocks: the (draws, runs) arrays stay within the memory limit
    step = chunk_rows(8.0 * ((len(draws) if has_draws else 0) + 4 * N_PREDICTIVE), pred.size)
    for i in range(0, pred.size, step):
        sl = slice(i, i + step)
        if has_draws:
            per_draw = np.log(np.asarray(law.predict({p: draws[p].to_numpy(float)[:, None] for p in law.param_names},
                                                     n_params[None, sl], n_tokens[None, sl],
                                                     **{k: v[None, sl] for k, v in cov.items()}), dtype=float))
            line = per_draw[b]
        else:
            line = np.log(pred[sl])[None, :]
        with np.errstate(invalid="ignore"):
            logs = line + eps
            logs = np.where(np.isfinite(logs), logs, np.inf)
            lo[sl], hi[sl] = np.quantile(logs, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return pred, np.exp(lo), np.exp(hi)


def _predict(law, params, runs: pd.DataFrame) -> np.ndarray:
    """The law at each run (with its covariates, e.g. ``n_unique_tokens``, from the table)."""
    return np.asarray(law.predict(params, runs["n_params"].to_numpy(float), runs["n_tokens"].to_numpy(float),
                                  **law.covariate_values(runs)), dtype=float)


def _rms(r) -> float:
    return float(np.sqrt(np.mean(np.square(r))))


def _score(obs, pred, lo, hi) -> dict:
    with np.errstate(invalid="ignore", divide="ignore"):
        r = _log_residuals(pred, obs)
    r = np.where(np.isfinite(r), r, np.inf)  # a law that cannot predict a run scores an unbounded error
    return {"n_heldout": int(obs.size),
            "rms": float(np.sqrt(np.mean(r**2))) if obs.size else math.nan,
            "median_abs": float(np.median(np.abs(r))) if obs.size else math.nan,
            "bias": float(np.mean(r)) if obs.size else math.nan,
            "coverage": float(np.mean((obs >= lo) & (obs <= hi))) if obs.size else math.nan,
            "width": float(np.mean(np.log(hi / lo))) if obs.size else math.nan}


def _check_names(laws, published):
    from . import library

    if isinstance(laws, str):
        laws = tuple(s for s in laws.split(",") if s)
    if isinstance(published, str):
        published = tuple(s for s in published.split(",") if s)
    laws, published = tuple(laws), tuple(p.lower() for p in published)
    for name in laws:
        get_law(name)  # ScalingError for an unknown law
    for name in published:
        if name not in library.PUBLISHED:
            raise ScalingError(f"unknown published law {name!r}; known: {', '.join(library.PUBLISHED)}")
    if not laws and not published:
        raise ScalingError("nothing to compare: give at least one law or published fit")
    dup = {n for n in laws + published if (laws + published).count(n) > 1}
    if dup:
        raise ScalingError(f"law named twice: {', '.join(sorted(dup))}")
    return laws, published


def compare(runs: pd.DataFrame, laws: Sequence[str] | str = DEFAULT_LAWS, published: Sequence[str] | str = (),
            *, schemes: Sequence[str] = SCHEMES, method: str = "huber", grid="coarse", bootstrap: int = 50,
            level: float = DEFAULT_LEVEL, extrapolate_share: float = 0.1, include: str | None = None,
            loo: bool = False, loo_draws: int = 500, seed: int = 0,
            groups: str = "separate") -> CompareResult | GroupedCompareResult:
    r"""Fit several laws to the same runs and score them on runs they did not see.

    Parameters
    ----------
    runs : pandas.DataFrame
        A runs table (:func:`scaling.datasets.validate_runs`); rows flagged ``excluded`` are
        left out unless ``include="all"``. With a ``group`` column (dataset, tokenizer) the
        groups are compared one by one (``groups``).
    laws : sequence of str or comma-separated str
        Registered laws to fit (:func:`scaling.laws.names`), default chinchilla,
        chinchilla_tied and kaplan.
    published : sequence of str or comma-separated str
        Published fits (:mod:`scaling.library`) scored as they are, without refitting.
    schemes : sequence of {"loso", "extrapolate"}
    method, grid : str
        Least-squares method and grid (:func:`scaling.fitting.fit`) of the full-data fits.
        A leave-one-size-out fit starts from the full-data optimum only (dropping one size
        moves it little); the extrapolation fit starts from it and from the grid.
    bootstrap : int
        Resamples per fold and law for the line's uncertainty (0: residual scatter only).
    level : float
        Level of the predictive intervals whose coverage is reported (0.9).
    extrapolate_share : float
        Share of the runs (the largest sizes) held out by ``"extrapolate"``, in (0, 0.5].
    loo : bool
        Also fit the Bayesian chinchilla model to every run and report its PSIS-LOO
        (``loo_draws`` draws per chain, 2 chains; about 10-20 s).
    seed : int
        Seeds every bootstrap (``seed + fold``) and the predictive draws.
    groups : {"separate", "pool"}
        For runs with a ``group`` column: ``"separate"`` (default) fits and scores every law
        on each group's runs alone and returns a :class:`GroupedCompareResult` (a ranking
        per group and their mean); ``"pool"`` is refused (see the module notes: one law
        over groups with their own loss units measures the gap between the groups). Runs
        without the column are one group whatever this says.

    Returns
    -------
    CompareResult, or GroupedCompareResult for runs with a ``group`` column

    Raises
    ------
    ScalingError
        Unknown law, scheme, published fit or groups mode; fewer than :data:`MIN_SIZES`
        distinct model sizes (in a group, naming it); ``groups="pool"`` for grouped runs.
    """
    from . import fitting

    laws, published = _check_names(laws, published)
    schemes = tuple(schemes)
    bad = [s for s in schemes if s not in SCHEMES]
    if bad or not schemes:
        raise ScalingError(f"unknown scheme(s) {', '.join(map(repr, bad)) or '(none given)'}; "
                           f"allowed: {', '.join(SCHEMES)}")
    level = check_level(level)
    bootstrap = check_int("bootstrap", bootstrap, 0, fitting.MAX_BOOTSTRAP)
    seed = check_int("seed", seed, 0)
    extrapolate_share = check_number("extrapolate_share", extrapolate_share, low=0.0, high=0.5, low_open=True)
    if include not in (None, "kept", "all"):
        raise ScalingError(f"unknown include {include!r}; allowed: kept, all")
    if groups not in GROUP_MODES:
        raise ScalingError(f"unknown groups {groups!r}; allowed: {', '.join(GROUP_MODES)}")
    clean = validate_runs(runs)
    options = dict(laws=laws, published=published, schemes=schemes, method=method, grid=grid, bootstrap=bootstrap,
                   level=level, extrapolate_share=extrapolate_share, include=include, loo=loo, loo_draws=loo_draws,
                   seed=seed)
    if "group" not in clean.columns:
        return _compare_table(clean, **options)
    labels = list(dict.fromkeys(clean["group"].tolist()))
    if groups == "pool":
        raise ScalingError(
            f"the runs hold {len(labels)} group(s) ({', '.join(map(repr, labels))}): losses of other datasets or "
            "tokenizers are in other units, and one law fitted to them all is scored on the gap between the groups, "
            "not on how well it predicts unseen runs; compare ranks laws per group (groups='separate'). Drop the "
            "'group' column to pool on purpose")
    tables = {label: clean.loc[clean["group"].to_numpy() == label].drop(columns="group").reset_index(drop=True)
              for label in labels}
    for label, rows in tables.items():  # every group's sizes before any fit
        try:
            _kept_sizes(rows, include)
        except ScalingError as exc:
            raise ScalingError(f"group {label!r}: {exc}") from None
    by_group = {label: _compare_table(rows, **options) for label, rows in tables.items()}
    first = next(iter(by_group.values())).settings
    settings = {**{k: v for k, v in first.items() if k not in ("n_runs", "n_sizes")},
                "groups": "separate", "group_labels": labels,
                "n_runs": {g: r.settings["n_runs"] for g, r in by_group.items()},
                "n_sizes": {g: r.settings["n_sizes"] for g, r in by_group.items()}}
    return GroupedCompareResult(by_group=by_group, data_sha256=runs_sha256(clean), seed=seed, settings=settings,
                                created=utc_now())


def _kept_sizes(clean: pd.DataFrame, include) -> tuple[pd.DataFrame, np.ndarray]:
    """The runs compared and their size labels; ScalingError below :data:`MIN_SIZES` sizes."""
    kept = clean if include == "all" else clean.loc[~clean["excluded"].to_numpy(bool)].reset_index(drop=True)
    if not len(kept):
        raise ScalingError("every run is marked excluded; nothing to compare (include='all' keeps them)")
    sizes = size_groups(kept["n_params"].to_numpy(float))
    k = int(sizes.max()) + 1
    if k < MIN_SIZES:
        raise ScalingError(f"the runs have {k} distinct model sizes; a held-out comparison needs at least "
                           f"{MIN_SIZES} (sizes within 10% of a group's smallest count as one)")
    return kept, sizes


def _compare_table(clean: pd.DataFrame, *, laws, published, schemes, method, grid, bootstrap, level,
                   extrapolate_share, include, loo, loo_draws, seed) -> CompareResult:
    """:func:`compare` on one table of validated runs (one group), its arguments checked."""
    from . import fitting, library

    kept, sizes = _kept_sizes(clean, include)
    k = int(sizes.max()) + 1
    l_all = kept["loss"].to_numpy(float)

    # full-data fits: in-sample error, and the warm start of every fold
    full, in_sample = {}, []
    for name in laws:
        res = fitting.fit(kept, law=name, method=method, grid=grid, include="all", seed=seed)
        full[name] = res
        law = get_law(name)
        in_sample.append({"law": name, "kind": "fitted", "n_free": law.n_params,
                          "rms_in_sample": _rms(_log_residuals(_predict(law, res.params, kept), l_all)),
                          "fitted_on_these_runs": 0.0})
    pub = {name: library.published_fit(name) for name in published}
    for name, res in pub.items():
        # a published fit of these very runs is scored in sample: a reference, not a competitor
        share = library.in_sample_share(name, *(kept[c].to_numpy(float) for c in ("n_params", "n_tokens", "loss")))
        in_sample.append({"law": name, "kind": "published", "n_free": 0,
                          "rms_in_sample": _rms(_log_residuals(_predict(get_law(res.law), res.params, kept), l_all)),
                          "fitted_on_these_runs": share})
    in_sample = pd.DataFrame(in_sample).set_index("law")

    rows, preds, folds = [], [], []
    for scheme, fold, held in _folds(sizes, schemes, extrapolate_share):
        train = kept.loc[~held].reset_index(drop=True)
        test = kept.loc[held]
        n_t, d_t, l_t = (test[c].to_numpy(float) for c in ("n_params", "n_tokens", "loss"))
        test = test.reset_index(drop=True)
        folds.append({"scheme": scheme, "fold": int(fold), "n_runs": int(held.sum()),
                      "n_params_min": float(n_t.min()), "n_params_max": float(n_t.max())})
        fold_seed = seed + fold + (0 if scheme == "loso" else 10_000)
        for j, name in enumerate((*laws, *published)):
            rng = np.random.default_rng([seed, fold, j, SCHEMES.index(scheme)])
            if name in full:
                law = get_law(name)
                starts = law.from_params(full[name].params)[None, :]
                if scheme == "extrapolate" and isinstance(grid, str):
                    # the fit on the smaller sizes may move far from the full-data optimum
                    starts = np.vstack([starts, law.grid(grid)])
                res = fitting.fit(train, law=name, method=method, grid=starts, include="all",
                                  bootstrap=bootstrap, seed=fold_seed)
                params, draws = res.params, res.draws
            else:
                res = pub[name]
                law, params, draws = get_law(res.law), res.params, None
            # residual = log observed - log predicted, added to the predicted log-loss
            resid = -_log_residuals(_predict(law, params, train), train["loss"].to_numpy(float))
            pred, lo, hi = _predictive(law, draws, params, resid, test, level, rng)
            preds.append(pd.DataFrame({"law": name, "scheme": scheme, "fold": int(fold), "n_params": n_t,
                                       "n_tokens": d_t, "loss": l_t, "predicted": pred, "lower": lo, "upper": hi}))
    preds = pd.concat(preds, ignore_index=True)
    for (name, scheme), g in preds.groupby(["law", "scheme"], sort=False):
        rows.append({"law": name, "kind": in_sample.loc[name, "kind"], "scheme": scheme,
                     **_score(g["loss"].to_numpy(float), g["predicted"].to_numpy(float),
                              g["lower"].to_numpy(float), g["upper"].to_numpy(float))})
    scores = pd.DataFrame(rows, columns=["law", "kind", "scheme", *SCORE_COLUMNS])

    loo_out = {}
    if loo:
        loo_out = bayes_loo(kept, seed=seed, draws=loo_draws)
    settings = {"laws": list(laws), "published": list(published), "schemes": list(schemes), "method": method,
                "grid": grid if isinstance(grid, str) else "custom", "bootstrap": int(bootstrap),
                "level": level, "extrapolate_share": extrapolate_share, "include": include or "kept",
                "n_runs": int(len(kept)), "n_sizes": k,
                "fold_starts": "loso: full-data optimum; extrapolate: full-data optimum + grid",
                "predictive_interval": "bootstrap line draws + resampled training residuals (log-loss)",
                "n_predictive": N_PREDICTIVE, "loo": bool(loo)}
    return CompareResult(scores=scores, predictions=preds, in_sample=in_sample, data_sha256=runs_sha256(clean),
                         seed=seed, settings=settings, loo=loo_out, folds=folds, created=utc_now())


def bayes_loo(runs: pd.DataFrame, seed: int = 0, draws: int | None = None, tune: int | None = None,
              chains: int | None = None, sampler=None) -> dict:
    r"""PSIS-LOO of the Bayesian chinchilla fit (:func:`scaling.bayes.fit`) on ``runs``.

    The pointwise log-likelihood, absent from the sampler's output, is computed from the
    posterior draws: :math:`\log p(\log L_i \mid \theta) = \log t_\nu\big((\log L_i - \mu_i)/\sigma\big)
    - \log\sigma`, with :math:`\mu_i = \log(E + A N_i^{-\alpha} + B D_i^{-\beta})`.
    The ELPD is on the log-loss scale.

    The sampler runs with ``sampler=SamplerSettings(...)``
    (:class:`scaling.bayes.samplers.SamplerSettings`) or the keywords ``draws``, ``tune``,
    ``chains`` (default: 500 draws and 500 tuning steps per chain, 2 chains, nutpie).

    Returns
    -------
    dict
        ``law``, ``elpd_loo``, ``se``, ``p_loo``, ``n_pareto_k_bad`` (k > 0.7), ``n_runs``,
        ``draws``, ``chains``, ``seconds``.
    """
    import time

    import xarray as xr
    from scipy import stats

    from . import bayes
    from .bayes.diagnostics import import_arviz
    from .bayes.samplers import SamplerSettings

    settings = SamplerSettings.resolve(sampler, SamplerSettings(draws=500, tune=500, chains=2), draws=draws, tune=tune,
                                       chains=chains)
    az = import_arviz()
    t0 = time.perf_counter()
    res = bayes.fit(runs, seed=seed, sampler=settings, include="all")
    post = res.idata.posterior
    law = get_law("chinchilla")
    p = {k: np.asarray(post[k].values)[..., None] for k in (*law.param_names, "sigma", "nu")}
    n = runs["n_params"].to_numpy(float)
    d = runs["n_tokens"].to_numpy(float)
    y = np.log(runs["loss"].to_numpy(float))
    mu = np.log(law.predict(p, n, d))
    ll = stats.t.logpdf(y, df=p["nu"], loc=mu, scale=p["sigma"])
    idata = az.InferenceData(posterior=post,
                             log_likelihood=xr.Dataset({"log_loss": (("chain", "draw", "run"), ll)}))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loo = az.loo(idata, pointwise=True)
    k = np.asarray(loo.pareto_k)
    return {"law": "chinchilla (bayes)", "elpd_loo": float(loo.elpd_loo), "se": float(loo.se),
            "p_loo": float(loo.p_loo), "n_pareto_k_bad": int(np.sum(k > 0.7)), "n_runs": int(len(runs)),
            "draws": settings.draws, "chains": settings.chains, "seconds": round(time.perf_counter() - t0, 1),
            "warnings": [w.message for w in res.warnings()]}
