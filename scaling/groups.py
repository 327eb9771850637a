r"""Fits of runs from several groups (datasets, tokenizers): one law per group, or shared exponents.

Called by :func:`scaling.fitting.fit` with ``groups=``; the runs carry a ``group`` column
(:func:`scaling.datasets.validate_runs`).

``"separate"``
    one independent fit per group (the same method, grid and bootstrap).
``"shared"``
    one model whose exponents are shared by every group while the other parameters
    are the group's own. For chinchilla,

    .. math::

        L_{gi} = E_g + A_g N_{gi}^{-\alpha} + B_g D_{gi}^{-\beta},

    minimising :math:`\sum_g \sum_i \mathrm{Huber}_\delta(\log \hat L_{gi} - \log L_{gi})`
    (Hoffmann et al. 2022, App. D.2, summed over groups). Why E, A *and* B per group: a
    tokenizer changes the unit of the loss (nats per token of a different token), which
    scales every term, and a dataset changes the irreducible loss and the reducible terms'
    sizes; the exponents set the compute-optimal split (:math:`a = \beta/(\alpha+\beta)`),
    the quantity one wants to pool across groups. The shared parameters are a law's
    exponents (parameters named ``alpha*``/``beta*``: chinchilla ``alpha, beta``; kaplan
    ``alpha_N, alpha_D``; data_constrained ``alpha, beta``), everything else is per group.

    Starts: each group's separate fit, with the exponents of every group's fit and of
    their mean; L-BFGS on all at once, then scipy's L-BFGS-B polish. The bootstrap resamples
    runs within each group (stratified) and refits the joint model from its optimum.

Each group's answer is a :class:`scaling.fitting.FitResult` of the group's own law (its
parameters, with the shared exponents), so sizing, plots and forecasts take it as any fit;
``settings`` say ``groups``, ``group``, ``shared_params`` and ``table_sha256``.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np
import pandas as pd

from ._checks import check_int, check_memory, check_number
from ._format import plural
from ._io import utc_now
from .datasets import runs_sha256
from .errors import ScalingError
from .laws import Law, get_law
from .objective import make_objective
from .optim import MAX_ITER, NONFINITE, batched_lbfgs, polish
from . import runs as runs_mod

__all__ = ["fit_groups", "MODES", "shared_params"]

MODES = ("separate", "shared")


def shared_params(law: Law) -> tuple[str, ...]:
    """The exponents a ``"shared"`` fit pools: fitting parameters named ``alpha*`` or ``beta*``."""
    return tuple(t for t in law.theta_names if t.startswith(("alpha", "beta")))


def _group_labels(clean: pd.DataFrame) -> list[str]:
    if "group" not in clean.columns:
        raise ScalingError("groups= needs a 'group' column in the runs (a label per run: dataset, tokenizer); "
                           f"the runs have: {', '.join(map(str, clean.columns))}")
    return list(dict.fromkeys(clean["group"].tolist()))


def fit_groups(runs: pd.DataFrame, law: str = "chinchilla", mode: str = "separate", method: str = "huber",
               delta: float = 1e-3, grid="hoffmann", include: str | None = None, bootstrap: int = 0,
               seed: int = 0, progress: Callable | None = None, **bayes_kwargs) -> dict:
    """Fit ``law`` to the runs of each group: ``mode="separate"`` or ``"shared"`` (see the module).

    Returns
    -------
    dict
        ``{group: FitResult}`` in the order the groups first appear.
    """
    from . import fitting

    if mode not in MODES:
        raise ScalingError(f"unknown groups {mode!r}; allowed: {', '.join(MODES)} (or None: one law for all runs)")
    clean, kept, _, include = runs_mod.prepare_runs(runs, include)
    labels = _group_labels(clean)
    path = runs_mod.data_path(runs)
    if mode == "separate":
        out = {}
        for g in labels:
            sub = clean.loc[clean["group"] == g].reset_index(drop=True)
            sub.attrs["path"] = path
            res = fitting.fit(sub, law=law, method=method, delta=delta, grid=grid, include=include,
                              bootstrap=bootstrap, seed=seed, progress=progress, **bayes_kwargs)
            out[g] = dataclasses.replace(res, settings={**res.settings, "groups": "separate", "group": g,
                                                        "table_sha256": runs_sha256(clean)})
        return out
    if method != "huber" or bayes_kwargs:
        raise ScalingError(f"groups='shared' fits method='huber' only (got method={method!r}); "
                           "use groups='separate' for the other methods")
    return _fit_shared(clean, kept, get_law(law), labels, check_number("delta", delta), grid, include,
                       check_int("bootstrap", bootstrap, 0, fitting.MAX_BOOTSTRAP), seed, path)


def _fit_shared(clean, kept, law: Law, labels, delta, grid, include, bootstrap, seed, path) -> dict:
    from . import fitting

    shared = shared_params(law)
    if not shared:
        raise ScalingError(f"the {law.name} law has no exponents to share")
    k = law.n_params
    s_idx = [law.theta_names.index(t) for t in shared]
    o_idx = [j for j in range(k) if j not in s_idx]
    ns, no = len(s_idx), len(o_idx)
    parts = []
    for g in labels:
        sub = kept.loc[kept["group"] == g].reset_index(drop=True)
        if len(sub) < no + 1:
            raise ScalingError(f"group {g!r} has {plural(len(sub), 'run')}; a shared-exponent fit needs at least {no + 1} "
                               "per group")
        cov = law.covariate_values(sub)
        parts.append({"runs": sub, "law": law.at(**cov) if cov else law,
                      "log_n": np.log(sub["n_params"].to_numpy(float)), "log_d": np.log(sub["n_tokens"].to_numpy(float)),
                      "log_l": np.log(sub["loss"].to_numpy(float))})

    def split(X, gi):
        th = np.empty((X.shape[0], k))
        th[:, s_idx] = X[:, :ns]
        th[:, o_idx] = X[:, ns + gi * no: ns + (gi + 1) * no]
        return th

    def joint(weights=None):
        funs = [make_objective(p["law"], "huber", p["log_n"], p["log_d"], p["log_l"], delta,
                               weights=None if weights is None else weights[gi]) for gi, p in enumerate(parts)]

        def fun(X, ids):
            f = np.zeros(X.shape[0])
            grad = np.zeros_like(X)
            for gi, fg in enumerate(funs):
                v, gv = fg(split(X, gi), ids)
                f += v
                grad[:, :ns] += gv[:, s_idx]
                grad[:, ns + gi * no: ns + (gi + 1) * no] = gv[:, o_idx]
            return f, grad

        return fun

    # starts: each group's own fit, with the exponents of every group's fit and of their mean
    sep = [law.from_params(fitting.fit(p["runs"], law=law.name, grid=grid, include="all").params)
           for p in parts]
    own = np.concatenate([t[o_idx] for t in sep])
    candidates = [t[s_idx] for t in sep] + [np.mean([t[s_idx] for t in sep], axis=0)]
    x0 = np.array([np.concatenate([c, own]) for c in candidates])
    fun = joint()
    x, f, _, _, status = batched_lbfgs(fun, x0, ftol=1e-13, gtol=1e-10, f_floor=0.0)
    j = int(np.nanargmin(np.where(np.isfinite(f), f, np.nan)))
    best_x, best_f = x[j], float(f[j])
    xs, fs, _ = polish(fun, best_x)
    if np.isfinite(fs) and fs < best_f:
        best_x, best_f = xs, fs

    draws_theta = None
    n_failed = 0
    if bootstrap:
        n_all = sum(len(p["runs"]) for p in parts)
        check_memory(f"a shared-exponent bootstrap of {bootstrap:,} resamples x {n_all:,} runs",
                     16.0 * bootstrap * n_all, hint="use fewer resamples")
        rng = np.random.default_rng(seed)
        weights = [rng.multinomial(len(p["runs"]), np.full(len(p["runs"]), 1.0 / len(p["runs"])),
                                   size=bootstrap).astype(float) for p in parts]
        xb, _, _, _, bstatus = batched_lbfgs(joint(weights), np.repeat(best_x[None, :], bootstrap, axis=0),
                                             ftol=1e-13, gtol=1e-10, f_floor=0.0)
        n_failed = int(((bstatus == MAX_ITER) | (bstatus == NONFINITE)).sum())
        draws_theta = xb

    table_sha = runs_sha256(clean)
    created = utc_now()
    out = {}
    for gi, (g, p) in enumerate(zip(labels, parts)):
        th = split(best_x[None, :], gi)[0]
        params = {q: float(v) for q, v in law.to_params(th).items()}
        draws = None
        if draws_theta is not None:
            draws = runs_mod.draws_frame(law, law.to_params(split(draws_theta, gi)), {})
        y, _ = p["law"].log_predict_vjp(th[None, :], p["log_n"], p["log_d"])
        clean_g = clean.loc[clean["group"] == g]
        settings = {"delta": float(delta), "grid": grid if isinstance(grid, str) else "custom", "include": include,
                    "bootstrap": int(bootstrap), "groups": "shared", "group": g, "n_groups": len(labels),
                    "shared_params": list(shared), "table_sha256": table_sha,
                    "bootstrap_resampling": "runs within each group", "objective": "sum over groups"}
        out[g] = fitting.FitResult(
            law=law.name, method="huber", params=params, objective=best_f, n_runs=len(p["runs"]),
            n_excluded=int(clean_g["excluded"].sum()) if include != "all" else 0,
            data_sha256=runs_sha256(clean_g), seed=int(seed), settings=settings, draws=draws,
            starts={"n_starts": int(x0.shape[0]), "grid": "separate fits", "bootstrap_failed": n_failed,
                    "converged": int((status == 0).sum())},
            data_range=runs_mod.data_range(p["runs"]["n_params"].to_numpy(float), p["runs"]["n_tokens"].to_numpy(float)),
            diagnostics={"condition_number": runs_mod.condition_number(p["law"], th, p["log_n"], p["log_d"],
                                                                       p["log_l"], delta),
                         "rms_log_residual": float(np.sqrt(np.mean((y[0] - p["log_l"]) ** 2)))},
            created=created, data_path=path)
    return out
