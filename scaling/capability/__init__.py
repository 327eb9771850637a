r"""Capability laws: benchmark accuracy against training compute, by model family.

"How much compute does it take to reach GPT-3's MMLU?" and "what MMLU should a 1e24-FLOP run
expect?" are answered from public base models (Ruan, Maddison & Hashimoto 2024,
*Observational Scaling Laws and the Predictability of Language Model Performance*,
arXiv:2405.10938; the shipped table :func:`scaling.datasets.load_capability`).

Laws (``law=``):

``"sigmoid"`` (default)
    :math:`\mathrm{acc} = \chi + (\kappa - \chi)\,\sigma(s(\log_{10}C - m + u_f))`, chance
    :math:`\chi`, fitted ceiling :math:`\kappa \le 1`, family offsets :math:`u_f` in log10
    compute (a family's compute efficiency, a random effect shared by the benchmarks fitted
    together); optional terms in log tokens per parameter and release date
    (:mod:`scaling.capability.sigmoid`). ``method="lsq"`` (least squares with a seeded
    bootstrap over models) or ``"bayes"`` (PyMC, :mod:`scaling.capability.bayes_model`).
``"observational"``
    PC1 of the benchmarks as a capability, log-linear in compute with family intercepts, mapped
    to each benchmark by a sigmoid (:mod:`scaling.capability.observational`; lsq only).

Every fit is a :class:`CapabilityFit` (the result contract of :mod:`scaling.results`):
``predict(models, level=0.9)``, ``target(score)`` (least compute reaching a score, for a new
family and by family), ``summary()``, ``warnings()``, ``save``/:func:`load`.

Examples
--------
>>> from scaling import capability
>>> from scaling.datasets import load_capability
>>> fit = capability.fit(load_capability(), benchmark="MMLU", bootstrap=0)
>>> round(float(fit.predict({"compute_flops": [3.14e23]})[0]), 2)   # GPT-3's compute
0.43
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._checks import check_int
from .._io import utc_now
from ..errors import ScalingError
from .data import BENCHMARK_NAMES, CHANCE, TERMS, benchmark_column, prepare
from .result import INTERVALS, LAWS, METHODS, NEW_FAMILY, CapabilityFit, load

if TYPE_CHECKING:
    from ..bayes.samplers import SamplerSettings

__all__ = ["fit", "fit_benchmarks", "fit_shipped", "fit_shipped_benchmarks", "load", "CapabilityFit", "CHANCE", "TERMS", "LAWS", "METHODS", "INTERVALS",
           "NEW_FAMILY", "COMPANIONS", "benchmark_column", "BENCHMARK_NAMES", "DEFAULT_BOOTSTRAP",
           "SHIPPED_BENCHMARKS", "fit_name"]

#: Benchmarks fitted alongside the one asked for, sharing the family offsets (complete for every shipped model).
COMPANIONS = ("mmlu", "arc_c", "hellaswag", "winogrande", "gsm8k")
DEFAULT_BOOTSTRAP = 200
MAX_BOOTSTRAP = 20_000
#: Benchmarks ``scaling capability`` ships fits for (fits/capability_<benchmark>.json).
SHIPPED_BENCHMARKS = ("mmlu", "arc_c", "hellaswag", "winogrande", "gsm8k")


def fit_name(benchmark: str) -> str:
    """File name of a benchmark's saved fit in ``fits/``: ``capability_<benchmark>.json``."""
    return f"capability_{benchmark_column(benchmark)}.json"


def _observed(models):
    """Leave out reference rows (``role == "reference"``, e.g. GPT-3) unless asked."""
    if "role" in models.columns:
        return models[models["role"].astype(str) != "reference"]
    return models


def fit(models, benchmark: str = "MMLU", method: str = "lsq", law: str = "sigmoid", *, bootstrap: int = DEFAULT_BOOTSTRAP,
        seed: int = 0, terms=(), family_effects: bool = True, companions=COMPANIONS, include_reference: bool = False,
        ceiling_prior=None, draws: int | None = None, tune: int | None = None, chains: int | None = None,
        sampler: str | SamplerSettings = "nutpie", target_accept: float | None = None,
        progress: bool = False, family_slopes: bool = False) -> CapabilityFit:
    r"""Fit a capability law to a table of models.

    Parameters
    ----------
    models : pandas.DataFrame
        Columns ``model``, ``family``, ``n_params``, ``n_tokens``, ``compute_flops`` (6ND; or
        ``n_params`` and ``n_tokens``) and one accuracy column (0-1) per benchmark, as
        :func:`scaling.datasets.load_capability` returns. Rows without compute or without the
        benchmark's score are left out (counted in ``data_range["n_dropped"]``); rows with
        ``role == "reference"`` (GPT-3) unless ``include_reference``.
    benchmark : str
        ``"MMLU"``, ``"ARC-C"``, ``"HellaSwag"``, ``"WinoGrande"`` (``"Winograd"``),
        ``"TruthfulQA"``, ``"GSM8K"``, ``"XWinograd"``, ``"HumanEval"``.
    method : {"lsq", "bayes"}
        Least squares with a bootstrap over models, or PyMC's posterior (sigmoid law only).
    law : {"sigmoid", "observational"}
    bootstrap : int
        Resamples for ``method="lsq"`` (0: point estimate only, no intervals).
    seed : int
        Seed of the bootstrap, the sampler and the predictive noise.
    terms : tuple of str
        Optional terms of the sigmoid law: ``"tokens_per_param"``, ``"date"``, ``"family_date"``
        (:data:`scaling.capability.data.TERMS`; the families' eras are kept in ``settings["family_dates"]``).
    family_effects : bool
        ``False``: one pooled curve, no family offsets (the validation's baseline).
    companions : tuple of str
        Benchmarks fitted together with ``benchmark`` so that the family offsets (compute
        efficiency) are estimated from all of them; ``()`` for the benchmark alone.
    ceiling_prior : (float, float), optional
        Mean and sd of the prior on :math:`\mathrm{logit}((\kappa - \chi)/(1 - \chi))` of every
        benchmark fitted (sigmoid law); default ``(2, 1)`` (:data:`sigmoid.PRIOR_MEAN`).
    sampler : SamplerSettings or {"nutpie", "pymc"}
        For ``method="bayes"``: the sampler's settings, ``SamplerSettings(sampler, draws, tune,
        chains, target_accept)`` (:class:`scaling.bayes.SamplerSettings`; defaults nutpie, 1,000,
        1,000, 2, 0.9), or the sampler's name with the other settings as keywords, as
        :func:`scaling.bayes.fit` takes them (:meth:`~scaling.bayes.SamplerSettings.resolve`);
        here ``draws >= 10`` and ``chains <= 16``.
    draws, tune, chains, target_accept : optional
        For ``method="bayes"``, without ``SamplerSettings`` (left out: the defaults above).
    progress : bool
        For ``method="bayes"``: the sampler's progress display (:func:`scaling.bayes.samplers.sample`).
    family_slopes : bool
        Observational law only: each family's own line of capability in log compute (intercept and
        slope shrunk to the population's, after Ruan et al. 2024) instead of intercepts alone.

    Raises
    ------
    ScalingError
        An unknown benchmark, law, method or term; a table that is not a DataFrame, lacks the
        benchmark's column, has an accuracy outside [0, 1], a compute <= 0, or fewer than 5 usable models.
    """
    import pandas as pd

    if law not in LAWS:
        raise ScalingError(f"unknown law {law!r}; known laws: {', '.join(LAWS)}")
    if method not in METHODS:
        raise ScalingError(f"unknown method {method!r}; known methods: {', '.join(METHODS)}")
    if not isinstance(models, pd.DataFrame):
        raise ScalingError(f"models must be a pandas DataFrame, got {type(models).__name__}")
    seed = check_int("seed", seed)
    bootstrap = check_int("bootstrap", bootstrap, 0, MAX_BOOTSTRAP)
    if not include_reference:
        models = _observed(models)
    col = benchmark_column(benchmark)
    settings = {"bootstrap": bootstrap if method == "lsq" else 0, "family_effects": bool(family_effects),
                "resample": "models", "terms": list(terms) if not isinstance(terms, str) else [terms]}
    prior = _prior(ceiling_prior, settings)
    if law == "observational":
        if method != "lsq":
            raise ScalingError("the observational law is fitted by least squares only (method='lsq')")
        if terms or ceiling_prior is not None:
            raise ScalingError("the observational law takes no terms and no ceiling_prior; use law='sigmoid'")
        from .observational import fit_observational

        point, cols, info, counts, rng, pca, sha = fit_observational(models, col, bootstrap, seed, family_slopes)
        settings["pca"] = pca
        if family_slopes:
            settings["family_slopes"] = True
        return CapabilityFit(law=law, benchmark=col, method=method, params=point, draws=_frame(cols),
                             chance=CHANCE[col], families=counts, data_range=rng, terms=(), data_sha256=sha,
                             settings=settings, seed=seed, created=utc_now(), diagnostics=info)
    if family_slopes:
        raise ScalingError("family_slopes is an option of the observational law (law='observational')")
    d = prepare(models, col, terms, companions=companions if family_effects else ())
    settings["companions"] = list(d.benchmarks[1:])
    if d.family_dates:
        settings["family_dates"] = d.family_dates
    point, cols, info = _fit_design(d, method, bootstrap, seed, family_effects, settings, prior, sampler=sampler,
                                    draws=draws, tune=tune, chains=chains, target_accept=target_accept,
                                    progress=progress)
    return _result(d, 0, law, method, point, cols, info, settings, seed, family_effects)


def _prior(ceiling_prior, settings):
    """The (means, sds) of the slope and ceiling priors; a non-default ceiling prior is recorded in ``settings``."""
    from .sigmoid import PRIOR_MEAN, PRIOR_SD, ceiling_prior as _ceiling

    if ceiling_prior is None:
        return PRIOR_MEAN, PRIOR_SD
    try:
        mean, sd = ceiling_prior
    except (TypeError, ValueError):
        raise ScalingError(f"ceiling_prior must be (mean, sd) of the ceiling's logit, got {ceiling_prior!r}") from None
    prior = _ceiling(mean, sd)
    settings["ceiling_prior"] = [float(prior[0][1]), float(prior[1][1])]
    return prior


def _fit_design(d, method, bootstrap, seed, family_effects, settings, prior, *,
                sampler: str | SamplerSettings = "nutpie", progress: bool = False, **sampler_keywords):
    """Fit the design by ``method``; for ``"bayes"`` the sampler's settings (``SamplerSettings`` or
    the keywords, :meth:`~scaling.bayes.SamplerSettings.resolve`) are checked and recorded in ``settings``."""
    chance = [CHANCE[b] for b in d.benchmarks]
    if method == "lsq":
        from .sigmoid import fit_lsq

        return fit_lsq(d, chance, bootstrap, seed, family_effects=family_effects, prior=prior)
    if not family_effects:
        raise ScalingError("method='bayes' fits family effects; use method='lsq' for the pooled curve")
    from ..bayes.samplers import SamplerSettings
    from .bayes_model import fit_bayes

    sampling = SamplerSettings.resolve(sampler, **sampler_keywords)
    check_int("draws", sampling.draws, 10)
    check_int("chains", sampling.chains, 1, 16)
    chosen = sampling.as_dict()
    settings.update({k: chosen[k] for k in ("draws", "tune", "chains", "sampler", "target_accept")})
    return fit_bayes(d, chance, seed=seed, prior=prior, sampler=sampling, progress=progress)


def _renamed(values: dict, d, b: int) -> dict:
    """Names as if benchmark ``b`` of the design had been the one asked for."""
    if b == 0:
        return dict(values)
    first, mine = d.benchmarks[0], f"@{d.benchmarks[b]}"
    out = {}
    for k, v in values.items():
        if k.endswith(mine):
            out[k[: -len(mine)]] = v
        elif k in ("midpoint", "slope", "ceiling", "sigma"):
            out[f"{k}@{first}"] = v
        else:
            out[k] = v
    return out


def _result(d, b, law, method, point, cols, info, settings, seed, family_effects) -> CapabilityFit:
    # Each benchmark's result holds its own law and the shared family offsets; the other
    # benchmarks' parameters of the joint fit (``name@bench``) live in their own results.
    point = {k: v for k, v in _renamed(point, d, b).items() if "@" not in k}
    cols = {k: v for k, v in _renamed(cols, d, b).items() if "@" not in k} if cols else cols
    if not family_effects:
        point = {k: v for k, v in point.items() if not k.startswith("offset[")}
        cols = {k: v for k, v in cols.items() if not k.startswith("offset[")} if cols else cols
    bench = d.benchmarks[b]
    rows = np.flatnonzero(d.bench_index == b)
    counts = np.bincount(d.family_index[rows], minlength=len(d.families))
    families = {f: int(c) for f, c in zip(d.families, counts) if c} if family_effects else {}
    rng = {"log10_compute_min": float(d.log10_compute[rows].min()),
           "log10_compute_max": float(d.log10_compute[rows].max()), "n_models": int(rows.size),
           "n_dropped": d.n_dropped if b == 0 else int(d.n_models + d.n_dropped - rows.size)}
    settings = {**settings, "companions": [x for x in d.benchmarks if x != bench]}
    return CapabilityFit(law=law, benchmark=bench, method=method, params=point, draws=_frame(cols),
                         chance=CHANCE[bench], families=families, data_range=rng, terms=d.terms, data_sha256=d.sha256,
                         settings=settings, seed=seed, created=utc_now(), diagnostics=dict(info))


def fit_benchmarks(models, benchmarks=COMPANIONS, method: str = "lsq", *, bootstrap: int = DEFAULT_BOOTSTRAP,
                   seed: int = 0, terms=(), include_reference: bool = False, ceiling_prior=None,
                   **bayes) -> dict[str, CapabilityFit]:
    """One joint sigmoid fit of several benchmarks (shared family offsets), as one fit per benchmark.

    The same model as :func:`fit` with ``companions=benchmarks`` for each benchmark, fitted
    once: ``{benchmark column: CapabilityFit}``. ``**bayes``: ``sampler`` (a ``SamplerSettings``
    or a sampler's name), ``draws``, ``tune``, ``chains``, ``target_accept`` and ``progress``
    for ``method="bayes"``, as :func:`fit` takes them.
    """
    import pandas as pd

    if method not in METHODS:
        raise ScalingError(f"unknown method {method!r}; known methods: {', '.join(METHODS)}")
    if not isinstance(models, pd.DataFrame):
        raise ScalingError(f"models must be a pandas DataFrame, got {type(models).__name__}")
    benchmarks = [benchmark_column(b) for b in ([benchmarks] if isinstance(benchmarks, str) else benchmarks)]
    if not benchmarks:
        raise ScalingError("benchmarks must name at least one benchmark")
    seed = check_int("seed", seed)
    bootstrap = check_int("bootstrap", bootstrap, 0, MAX_BOOTSTRAP)
    if not include_reference:
        models = _observed(models)
    d = prepare(models, benchmarks[0], terms, companions=benchmarks[1:])
    settings = {"bootstrap": bootstrap if method == "lsq" else 0, "family_effects": True, "resample": "models",
                "terms": list(d.terms)}
    if d.family_dates:
        settings["family_dates"] = d.family_dates
    prior = _prior(ceiling_prior, settings)
    point, cols, info = _fit_design(d, method, bootstrap, seed, True, settings, prior, **bayes)
    return {bench: _result(d, b, "sigmoid", method, point, cols, info, settings, seed, True)
            for b, bench in enumerate(d.benchmarks)}


def _frame(cols):
    if not cols:
        return None
    import pandas as pd

    return pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in cols.items()})


def fit_shipped(benchmark: str = "MMLU", seed: int = 0, method: str = "lsq", **kwargs) -> CapabilityFit:
    """Fit the sigmoid law to the shipped table (:func:`scaling.datasets.load_capability`).

    What ``scaling run`` can call to write ``fits/capability_<benchmark>.json`` (see :func:`fit_name`),
    and what ``scaling capability`` does on the fly when no saved fit exists.
    """
    from ..datasets import load_capability

    return fit(load_capability(), benchmark=benchmark, method=method, seed=seed, **kwargs)


def fit_shipped_benchmarks(seed: int = 0, method: str = "lsq", **kwargs) -> dict[str, CapabilityFit]:
    """:func:`fit_benchmarks` of :data:`SHIPPED_BENCHMARKS` on the shipped table, one joint fit.

    For the main job: ``for b, f in fit_shipped_benchmarks().items(): f.save(f"fits/{fit_name(b)}")``.
    """
    from ..datasets import load_capability

    return fit_benchmarks(load_capability(), SHIPPED_BENCHMARKS, method=method, seed=seed, **kwargs)
