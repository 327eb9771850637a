r"""The optimisation behind :func:`scaling.fitting.fit`: the grid of starts, the best start, the bootstrap.

Three stages, each on every start (or resample) at once by the batched L-BFGS of
:mod:`scaling.optim` on the objectives of :mod:`scaling.objective`:

1. :func:`grid_starts`: Hoffmann et al.'s (2022, App. D.2) grid of starts (4,500 for the
   Chinchilla law), or a coarse one, or the user's array; for ``huber-mle`` a scale start
   :math:`\log\sigma_0 = \log(\delta\,\overline{|r|})` per start.
2. :func:`best_start`: L-BFGS from every start (scipy's stopping rules), then the
   :data:`N_POLISH` best distinct end points with tight tolerances, then the best of those by
   ``scipy.optimize.minimize(method="L-BFGS-B")``.
3. :func:`bootstrap_thetas`: every resample (multinomial counts as weights, equivalent to
   resampling runs with replacement) refitted from the full-data optimum, as Epoch AI did
   (Besiroglu et al. 2024).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ._checks import chunk_rows
from .errors import ScalingError
from .laws import Law
from .objective import block_rows, make_objective
from .optim import MAX_ITER, NONFINITE, STATUS_NAMES, batched_lbfgs, polish

__all__ = ["GRIDS", "MAX_BOOTSTRAP", "N_POLISH", "grid_starts", "best_start", "bootstrap_thetas",
           "summarise_starts"]

GRIDS = ("hoffmann", "coarse")
#: Most bootstrap resamples one fit takes (memory grows with resamples x runs).
MAX_BOOTSTRAP = 100_000
BOOT_CHUNK = 8192  # resamples refitted at once: bounds the (chunk, n_runs) weight matrix
N_POLISH = 20  # distinct best end points of the grid stage refined with tight tolerances


def summarise_starts(status, f, best, grid_name, n_polished) -> dict:
    """How the starts ended: counts by status, how many ended within 1e-8 of the best, how many were polished."""
    counts = {name: int((status == code).sum()) for code, name in STATUS_NAMES.items()}
    finite = np.isfinite(f)
    return {"n_starts": int(status.size), "grid": grid_name, **counts,
            "within_1e-8": int((finite & (f <= best + 1e-8 * max(1.0, abs(best)))).sum()),
            "polished": int(n_polished)}


def grid_starts(law: Law, grid, method: str, log_n, log_d, log_l, delta):
    """The starts ``(n_starts, n_theta)`` and the grid's name (``"custom"`` for an array).

    Raises
    ------
    ScalingError
        An unknown grid name, or an array of another width or with non-finite values.
    """
    if isinstance(grid, str):
        if grid not in GRIDS:
            raise ScalingError(f"unknown grid {grid!r}; known grids: {', '.join(GRIDS)} (or an array of starts)")
        x0, name = law.grid(grid), grid
    else:
        x0 = np.atleast_2d(np.asarray(grid, dtype=float))
        if x0.shape[1] != law.n_params or not np.isfinite(x0).all():
            raise ScalingError(f"grid array must have shape (n_starts, {law.n_params}) with finite values "
                             f"in the order {', '.join(law.theta_names)}; got shape {x0.shape}")
        name = "custom"
    if method == "huber-mle":
        # scale start: the profile maximum for nearly-absolute residuals, sigma = delta * mean |r|
        mad = np.empty(len(x0))
        step = block_rows(log_l.size)  # the (starts, runs) predictions in blocks that fit the memory limit
        for i in range(0, len(x0), step):
            y, _ = law.log_predict_vjp(x0[i:i + step], log_n, log_d)
            with np.errstate(invalid="ignore", over="ignore"):
                mad[i:i + step] = np.abs(y - log_l).mean(axis=1)
        s0 = np.log(np.clip(np.where(np.isfinite(mad), mad, 1.0), 1e-12, 1e12) * delta)
        x0 = np.column_stack([x0, s0])
    return x0, name


def best_start(fun, x0: np.ndarray, grid_name: str) -> tuple[np.ndarray, float, dict]:
    """The optimum of ``fun`` from the starts ``x0``: ``(theta, objective, starts summary)``.

    Every start runs its own L-BFGS, all together (scipy's stopping rules); the best
    :data:`N_POLISH` distinct end points are refined by batched L-BFGS with tight
    tolerances, then the best of those by scipy's L-BFGS-B (analytic gradient).

    Raises
    ------
    ScalingError
        No start reached a finite objective.
    """
    x, f, _, _, status = batched_lbfgs(fun, x0)
    f_ok = np.where(np.isfinite(f), f, np.inf)
    if not np.isfinite(f_ok).any():
        raise ScalingError("no start reached a finite objective; check the data and the law")
    order = np.argsort(f_ok, kind="stable")
    picks: list[int] = []
    for i in order:
        if not np.isfinite(f_ok[i]) or len(picks) >= N_POLISH:
            break
        if all(np.max(np.abs(x[i] - x[j])) > 1e-6 for j in picks):
            picks.append(i)
    xp, fp, _, _, _ = batched_lbfgs(fun, x[picks], ftol=1e-13, gtol=1e-10, f_floor=0.0)
    j = int(np.nanargmin(np.where(np.isfinite(fp), fp, np.nan)))
    best_x, best_f = (xp[j], float(fp[j])) if fp[j] < f_ok[order[0]] else (x[order[0]], float(f_ok[order[0]]))
    xs, fs, _ = polish(fun, best_x)
    if np.isfinite(fs) and fs < best_f:
        best_x, best_f = xs, fs
    return best_x, best_f, summarise_starts(status, f_ok, best_f, grid_name, len(picks))


def bootstrap_thetas(run_law: Law, method: str, log_n, log_d, log_l, delta, best_x: np.ndarray, bootstrap: int,
                     seed: int, progress: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, int]:
    """``bootstrap`` resamples of the runs, each refitted from ``best_x``: ``(thetas, n_failed)``.

    The resamples are multinomial counts (``np.random.default_rng(seed)``) used as weights;
    they are refitted in chunks that bound the (chunk, n_runs) counts by the memory limit, and
    the draws are the same whatever the chunk. ``n_failed`` counts the resamples that hit the
    iteration limit or non-finite values (kept in the draws).
    """
    rng = np.random.default_rng(seed)
    n = log_l.size
    xb = np.empty((bootstrap, best_x.size))
    bstatus = np.empty(bootstrap, dtype=int)
    # chunks bound the (chunk, n_runs) counts (int and float, 16 bytes a cell) by the memory limit
    chunk = chunk_rows(16.0 * n, bootstrap, BOOT_CHUNK)
    for c0 in range(0, bootstrap, chunk):
        size = min(chunk, bootstrap - c0)
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=size).astype(float)
        bfun = make_objective(run_law, method, log_n, log_d, log_l, delta, weights=counts)
        xb0 = np.repeat(best_x[None, :], size, axis=0)
        callback = None if progress is None else (lambda done, _tot, c0=c0: progress(c0 + done, bootstrap))
        xb[c0:c0 + size], _, _, _, bstatus[c0:c0 + size] = batched_lbfgs(
            bfun, xb0, ftol=1e-13, gtol=1e-10, f_floor=0.0, callback=callback)
    return xb, int(((bstatus == MAX_ITER) | (bstatus == NONFINITE)).sum())
