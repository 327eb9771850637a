"""The two NUTS samplers behind ``scaling.bayes.fit(sampler=...)``.

``"nutpie"`` (the default): nutpie's Rust NUTS with a low-rank-modified mass matrix,
driving the model's log density and gradient compiled by PyTensor's C backend.
PyTensor caches compiled C modules on disk (``~/.pytensor``), so once the model has
been compiled on a machine the compile step takes ~4 s; nutpie's own numba compile of
the same model (its default, ``nutpie.compile_pymc_model``) takes ~14 s every time
(20-27 s with a cold numba cache), because nutpie's numba callbacks are not cached.
Sampling through a Python callback is slower per gradient (~5 s against ~1 s for
numba) but the sum is smaller: ~9 s against ~15 s on 2 shared cores, measured in
``benchmarks/bench_bayes.py --samplers``. On a fresh install (empty PyTensor cache)
the first fit compiles for ~28 s.

``"pymc"``: PyMC's NUTS with a dense mass matrix adapted during tuning
(``init="jitter+adapt_full"``); slower per step (Python overhead; ~41 s for the
default 2 x 1,000 draws) but needs only PyMC.

Both samplers adapt a (low-rank or dense) mass matrix because even with centred
covariates the posterior keeps a strong linear correlation between each exponent and
its term's intercept (about -0.98) and between ``log E`` and both exponents (about 0.67):
the reducible terms are determined mostly at the small-N / small-D end of the data.
A diagonal mass matrix then needs ~50 leapfrog steps per draw; a low-rank or dense one
needs ~6.

:class:`SamplerSettings` is the one description of a NUTS run (sampler, draws, tune, chains,
target_accept) that every MCMC fit of the package takes, as ``sampler=SamplerSettings(...)``
or as the separate keywords it replaces (:meth:`SamplerSettings.resolve`).
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
import warnings
from dataclasses import dataclass

import numpy as np

from .._checks import check_int, check_number
from ..errors import ScalingError

__all__ = ["SAMPLERS", "SamplerSettings", "sample", "sample_nutpie", "sample_pymc", "sample_nutpie_numba"]

SAMPLERS = ("nutpie", "pymc")


@dataclass(frozen=True)
class SamplerSettings:
    """How NUTS samples a model: which sampler, how many draws and chains, how careful a step.

    Attributes
    ----------
    sampler : {"nutpie", "pymc"}
        :func:`sample_nutpie` (PyTensor-compiled density, low-rank mass matrix) or
        :func:`sample_pymc` (PyMC's NUTS, dense mass matrix).
    draws, tune : int
        Posterior draws (>= 1) and tuning steps (>= 0) per chain.
    chains : int
        Independent chains (>= 1; R-hat needs 2 or more).
    target_accept : float
        NUTS target acceptance rate, in (0, 1) (Hoffman & Gelman 2014, "The No-U-Turn
        Sampler", JMLR 15): higher means smaller steps and fewer divergences.

    The seed is not a setting: it is the result's own metadata, passed to every fit beside
    these settings. Values are checked on construction.

    Raises
    ------
    ScalingError
        An unknown sampler, or a count or rate out of its range.
    """

    sampler: str = "nutpie"
    draws: int = 1000
    tune: int = 1000
    chains: int = 2
    target_accept: float = 0.9

    def __post_init__(self):
        if not isinstance(self.sampler, str) or self.sampler not in SAMPLERS:
            raise ScalingError(f"unknown sampler {self.sampler!r}; known samplers: {', '.join(SAMPLERS)}")
        object.__setattr__(self, "draws", check_int("draws", self.draws, 1))
        object.__setattr__(self, "tune", check_int("tune", self.tune, 0))
        object.__setattr__(self, "chains", check_int("chains", self.chains, 1))
        object.__setattr__(self, "target_accept", check_number("target_accept", self.target_accept, low=0.0,
                                                               high=1.0, high_open=True))

    def as_dict(self) -> dict:
        """``{"sampler", "draws", "tune", "chains", "target_accept"}`` (the order of a result's settings)."""
        return dataclasses.asdict(self)

    @classmethod
    def resolve(cls, sampler: str | SamplerSettings | None = None, defaults: SamplerSettings | None = None,
                **keywords) -> SamplerSettings:
        """The settings of a call that takes ``sampler=SamplerSettings(...)`` or the old keywords.

        Parameters
        ----------
        sampler : SamplerSettings, str or None
            Settings (then no keyword may be given), or a sampler's name, or None (the default's).
        defaults : SamplerSettings, optional
            What a keyword left out (None) takes; ``SamplerSettings()`` when not given.
        **keywords
            ``draws``, ``tune``, ``chains``, ``target_accept`` (None: the default).

        Raises
        ------
        ScalingError
            Settings and keywords both given, an unknown keyword, or an invalid value.
        """
        unknown = sorted(set(keywords) - {f.name for f in dataclasses.fields(cls)} - {"sampler"})
        if unknown:
            raise ScalingError(f"unknown sampler setting(s) {', '.join(unknown)}; allowed: draws, tune, chains, "
                               "target_accept")
        given = {k: v for k, v in keywords.items() if v is not None}
        if isinstance(sampler, cls):
            if given:
                raise ScalingError(f"sampler=SamplerSettings(...) already says {', '.join(sorted(given))}: give "
                                   "the settings either as SamplerSettings or as keywords, not both")
            return sampler
        if sampler is not None:
            given["sampler"] = sampler
        return dataclasses.replace(defaults if defaults is not None else cls(), **given)


def _cores(chains: int) -> int:
    return max(1, min(chains, os.cpu_count() or 1))


def _label(sampler: str, chains: int) -> str:
    return f"NUTS ({sampler}, {int(chains)} chain{'s' if int(chains) != 1 else ''})"


def _run_nutpie(compiled, t0, t1, *, draws, tune, chains, seed, target_accept, progress, low_rank,
                count=None):
    """Sample a nutpie-compiled model; returns ``(idata, timings)``.

    With ``progress`` and a ``count`` (the draws done so far, tuning included, summed
    over chains) a bar with an ETA follows the sampling; without a count (nutpie's numba
    compile path, which has no hook) an elapsed-time line. nutpie's own bar stays off: it
    would overwrite ours, and it only observes, so the draws are the same either way.
    """
    import nutpie

    from .._progress import Activity, Progress

    label = _label("nutpie", chains)
    enabled = None if progress else False
    if count is not None:
        display = Progress(label, total=int(chains) * (int(tune) + int(draws)), enabled=enabled, follow=count)
    else:
        display = Activity(label, enabled=enabled)
    with display:
        idata = nutpie.sample(
            compiled, draws=draws, tune=tune, chains=chains, cores=_cores(chains), seed=seed,
            progress_bar=False, save_warmup=False, low_rank_modified_mass_matrix=low_rank,
            target_accept=target_accept,
        )
    return idata, {"compile_s": t1 - t0, "sample_s": time.perf_counter() - t1}


def sample_nutpie(model, *, draws: int, tune: int, chains: int, seed: int,
                  target_accept: float, progress: bool, low_rank: bool = True):
    """Sample ``model`` with nutpie, using a PyTensor (C) compiled log density and gradient.

    Returns ``(idata, timings)``; ``timings`` has ``compile_s`` and ``sample_s``.
    ``progress`` shows, on stderr and only when it is a terminal, an elapsed-time line
    while compiling and then a bar of the draws done (tuning included, all chains) with
    an ETA from the measured rate.
    """
    from .._progress import Activity

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        # PyTensor warns that it found no BLAS; this model has no matrix products.
        warnings.filterwarnings("ignore", message=".*could not link to a BLAS.*")
        with Activity("compiling the model (nutpie)", enabled=None if progress else False):
            compiled, count = _compile_nutpie(model)
        t1 = time.perf_counter()
        return _run_nutpie(compiled, t0, t1, draws=draws, tune=tune, chains=chains, seed=seed,
                           target_accept=target_accept, progress=progress, low_rank=low_rank,
                           count=count)


def _compile_nutpie(model):
    """nutpie model from PyTensor-compiled functions, and ``count()``: draws made so far."""
    import pytensor
    import pytensor.tensor as pt
    from nutpie.compiled_pyfunc import from_pyfunc
    from pymc.initial_point import make_initial_point_fn
    from pymc.pytensorf import join_nonshared_inputs

    value_vars = model.value_vars
    point = model.initial_point()
    ndim = int(sum(np.size(point[v.name]) for v in value_vars))

    logp = model.logp()
    grad = pt.concatenate([g.ravel() for g in pytensor.grad(logp, value_vars)])
    [logp_j, grad_j], joined = join_nonshared_inputs(point, [logp, grad], value_vars)
    logp_fn = pytensor.function([joined], [logp_j, grad_j])
    logp_fn.trust_input = True

    transformed = {v.name for v in value_vars if model.rvs_to_transforms.get(model.values_to_rvs[v]) is not None}
    outputs = [v for v in model.unobserved_value_vars if v.name not in transformed]
    names = [v.name for v in outputs]
    outputs_j, joined_x = join_nonshared_inputs(point, outputs, value_vars)
    expand_fn = pytensor.function([joined_x], outputs_j)
    expand_fn.trust_input = True
    shapes = [tuple(np.shape(v)) for v in expand_fn(np.zeros(ndim))]

    initial_point_fn = make_initial_point_fn(
        model=model, jitter_rvs=set(model.free_RVs), return_transformed=True
    )

    # The initial-point function reseeds shared random generators and then draws from
    # them: two chains starting at once could interleave those steps, so starts are made
    # one at a time.
    init_lock = threading.Lock()

    def make_initial_point(seed_):
        with init_lock:
            p = initial_point_fn(int(seed_) % (2**32))
            return np.concatenate([np.ravel(p[v.name]) for v in value_vars]).astype(np.float64)

    # nutpie runs chains in parallel threads and asks for one callback per chain. A
    # PyTensor function keeps its intermediate results in storage of its own, so two
    # threads calling the same function can overwrite each other's values: each chain gets
    # its own copy (same compiled code, separate storage), which keeps chains independent
    # and the draws reproducible whatever the thread timing.
    def _private(fn):
        copy = fn.copy(share_memory=False)
        copy.trust_input = True
        return copy

    def make_logp():
        fn = _private(logp_fn)

        def logp_(x):
            value, gradient = fn(x)
            return float(value), np.array(gradient, dtype=np.float64, copy=True)

        return logp_

    # nutpie expands every draw, tuning included, exactly once: counting the calls gives the
    # progress without touching the sampler.
    done = [0]
    done_lock = threading.Lock()

    def make_expand(seed1, seed2, chain):
        fn = _private(expand_fn)

        def expand(x):
            with done_lock:
                done[0] += 1
            return {n: np.array(v, dtype=np.float64, copy=True) for n, v in zip(names, fn(x))}

        return expand

    compiled = from_pyfunc(
        ndim, make_logp, make_expand, [np.dtype("float64")] * len(names), shapes, names,
        make_initial_point_fn=make_initial_point,
    )
    return compiled, lambda: done[0]


def sample_nutpie_numba(model, *, draws: int, tune: int, chains: int, seed: int,
                        target_accept: float, progress: bool, low_rank: bool = True):
    """nutpie's own compile path (numba); kept for the benchmark's comparison."""
    import nutpie

    t0 = time.perf_counter()
    compiled = nutpie.compile_pymc_model(model)
    t1 = time.perf_counter()
    return _run_nutpie(compiled, t0, t1, draws=draws, tune=tune, chains=chains, seed=seed,
                       target_accept=target_accept, progress=progress, low_rank=low_rank)


class _PymcProgress:
    """PyMC's ``callback=``: an elapsed-time line until the first draw (PyMC compiles and
    starts its chains inside ``pm.sample``), then a bar of the draws done with an ETA.

    PyMC calls the callback once per draw, tuning included, in the main process; it only
    observes, so the draws are the same with or without it.
    """

    def __init__(self, total: int, chains: int, enabled):
        from .._progress import Activity, Progress

        self.activity = Activity("compiling the model and starting the chains (pymc)", enabled=enabled)
        self.bar = Progress(_label("pymc", chains), total=total, enabled=enabled)
        self.done = 0

    def __enter__(self):
        self.activity.__enter__()
        return self

    def __call__(self, trace=None, draw=None):
        if self.activity is not None:
            self.activity.__exit__(None, None, None)
            self.activity = None
            self.bar.__enter__()
        self.done += 1
        self.bar.update(self.done)

    def __exit__(self, *exc):
        if self.activity is not None:
            self.activity.__exit__(*exc)
        else:
            self.bar.close()
        return False


def sample_pymc(model, *, draws: int, tune: int, chains: int, seed: int,
                target_accept: float, progress: bool, init: str = "jitter+adapt_full"):
    """Sample ``model`` with PyMC's NUTS (dense mass matrix adaptation).

    ``progress``: as for :func:`sample_nutpie` (PyMC's own bar stays off).
    """
    import pymc as pm

    t0 = time.perf_counter()
    with warnings.catch_warnings(), _PymcProgress(int(chains) * (int(tune) + int(draws)), chains,
                                                  enabled=None if progress else False) as callback:
        warnings.filterwarnings("ignore", message=".*QuadPotentialFullAdapt is an experimental.*")
        warnings.filterwarnings("ignore", message=".*could not link to a BLAS.*")
        idata = pm.sample(
            draws=draws, tune=tune, chains=chains, cores=_cores(chains), random_seed=seed,
            target_accept=target_accept, init=init, progressbar=False,
            compute_convergence_checks=False, model=model,
            callback=callback if callback.bar.enabled else None,
        )
    # PyMC compiles inside pm.sample (C modules cached on disk); not separable here.
    return idata, {"compile_and_sample_s": time.perf_counter() - t0}


def sample(model, *, sampler: str | SamplerSettings = "nutpie", draws: int | None = None, tune: int | None = None,
           chains: int | None = None, seed: int, target_accept: float | None = None, progress: bool = False):
    """Sample any PyMC ``model`` with NUTS: the one sampling entry point of ``scaling``.

    Every MCMC fit in the package (scaling laws, hardware trends) samples through here,
    so seeding and sampler choice behave alike everywhere: the same ``seed`` gives the
    same draws whatever the thread timing (see :func:`sample_nutpie`).

    Parameters
    ----------
    model : pymc.Model
    sampler : SamplerSettings or {"nutpie", "pymc"}
        The settings of the run (:class:`SamplerSettings`); or the sampler's name, with
        the other settings as keywords: ``"nutpie"``: :func:`sample_nutpie`
        (PyTensor-compiled density, low-rank mass matrix); ``"pymc"``: :func:`sample_pymc`
        (PyMC's NUTS, dense mass matrix).
    draws, tune, chains : int, optional
        Draws and tuning steps per chain, and the number of chains (without
        ``SamplerSettings``; left out: the defaults of :class:`SamplerSettings`).
    seed : int
    target_accept : float, optional
        NUTS target acceptance rate, in (0, 1) (without ``SamplerSettings``).
    progress : bool
        Show on stderr, only when it is a terminal, an elapsed-time line while the model
        compiles (:class:`scaling._progress.Activity`) and then a bar of the draws done,
        tuning included, summed over chains, out of ``chains * (tune + draws)``, with an
        ETA from the measured rate (:class:`scaling._progress.Progress`). The display only
        observes: the same ``seed`` gives the same draws with or without it. Without it
        PyMC's INFO log lines are silenced too.

    Returns
    -------
    idata : arviz.InferenceData
        ``posterior`` (one variable per free random variable and deterministic, on its
        natural scale) and ``sample_stats`` (with the divergences).
    timings : dict
        Seconds by step (``compile_s``/``sample_s`` for nutpie,
        ``compile_and_sample_s`` for PyMC).

    Raises
    ------
    ScalingError
        An unknown sampler name, an invalid setting, or settings given twice.
    """
    settings = SamplerSettings.resolve(sampler, draws=draws, tune=tune, chains=chains, target_accept=target_accept)
    import logging

    run = sample_nutpie if settings.sampler == "nutpie" else sample_pymc
    logger = logging.getLogger("pymc")
    level = logger.level
    if not progress:
        # PyMC logs "Auto-assigning NUTS sampler...", "Sampling 2 chains..." at INFO.
        logger.setLevel(logging.WARNING)
    try:
        return run(model, draws=settings.draws, tune=settings.tune, chains=settings.chains, seed=int(seed),
                   target_accept=settings.target_accept, progress=bool(progress))
    finally:
        logger.setLevel(level)
