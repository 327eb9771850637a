r"""A batched L-BFGS: many independent smooth minimisations advanced together.

Calling ``scipy.optimize.minimize`` once per start spends most of its time in Python
overhead. :func:`batched_lbfgs` runs one L-BFGS per row of the starting matrix (its own
history of ``m`` pairs, its own weak-Wolfe line search, scipy L-BFGS-B's stopping rules)
but evaluates the objectives and gradients of all running rows in one vectorised call,
``fun(X, ids) -> (f, g)``. It knows nothing of scaling laws: any objective with an
analytic gradient works. :func:`polish` refines one point with scipy's L-BFGS-B.

References: Nocedal & Wright (2006), *Numerical Optimization*, 2nd ed., Alg. 7.4 (two-loop
recursion) and Sec. 3.5 (line search); Byrd, Lu, Nocedal & Zhu (1995), "A limited memory
algorithm for bound constrained optimization", SIAM J. Sci. Comput. 16(5) (the stopping rules).
"""

from __future__ import annotations

import numpy as np

__all__ = ["batched_lbfgs", "polish", "CONVERGED", "MAX_ITER", "LINE_SEARCH", "NONFINITE", "STATUS_NAMES",
           "SCIPY_FTOL", "SCIPY_GTOL"]

# scipy L-BFGS-B defaults (factr = 1e7 -> ftol = 1e7 * machine eps; pgtol = 1e-5).
SCIPY_FTOL = 1e7 * np.finfo(float).eps
SCIPY_GTOL = 1e-5

CONVERGED, MAX_ITER, LINE_SEARCH, NONFINITE = 0, 1, 2, 3
STATUS_NAMES = {CONVERGED: "converged", MAX_ITER: "max_iter", LINE_SEARCH: "line_search_stalled",
                 NONFINITE: "non_finite"}


def batched_lbfgs(fun, x0, *, m=10, max_iter=15000, ftol=SCIPY_FTOL, gtol=SCIPY_GTOL,
                   f_floor=1.0, max_ls=20, c1=1e-4, c2=0.9, callback=None):
    """Minimise many independent problems at once, each by its own L-BFGS.

    Each row of ``x0`` is a start with its own history (``m`` pairs), its own
    weak-Wolfe line search (bracketing, quadratic interpolation on a failed Armijo
    test, doubling on a failed curvature test) and scipy L-BFGS-B's stopping rules:
    ``(f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, f_floor) <= ftol`` or
    ``max|g| <= gtol``. Only the starts still running are evaluated.

    Returns x, f, n_iter, n_eval, status (CONVERGED, MAX_ITER, LINE_SEARCH, NONFINITE).
    """
    x = np.array(x0, dtype=float)
    S, k = x.shape
    f, g = fun(x, np.arange(S))
    status = np.full(S, -1)
    n_iter = np.zeros(S, dtype=int)
    n_eval = np.ones(S, dtype=int)
    finite = np.isfinite(f) & np.isfinite(g).all(axis=1)
    status[~finite] = NONFINITE
    status[finite & (np.abs(g).max(axis=1) <= gtol)] = CONVERGED

    act = np.flatnonzero(status < 0)
    xa, fa, ga = x[act], f[act], g[act]
    hist = _History.empty(act.size, m, k)
    it = 0
    while act.size and it < max_iter:
        it += 1
        d = hist.direction(ga)
        gd = np.einsum("ij,ij->i", ga, d)
        bad_dir = ~(gd < 0) | ~np.isfinite(gd)
        if bad_dir.any():  # restart from steepest descent, as L-BFGS-B does
            d[bad_dir] = -ga[bad_dir]
            gd[bad_dir] = -np.einsum("ij,ij->i", ga[bad_dir], ga[bad_dir])
            hist.forget(bad_dir)
        # first step of a fresh start: 1 / ||d|| (scipy L-BFGS-B's choice)
        t = np.where(hist.fresh, np.minimum(1.0, 1.0 / np.sqrt(np.einsum("ij,ij->i", d, d))), 1.0)
        xn, fn, gn, ok = _line_search(fun, act, xa, fa, ga, d, gd, t, n_eval, max_ls=max_ls, c1=c1, c2=c2)
        n_iter[act] += 1
        hist.push(ok, xn - xa, gn - ga)
        # --- stopping rules ---
        small_f = (fa - fn) <= ftol * np.maximum(np.maximum(np.abs(fa), np.abs(fn)), f_floor)
        small_g = np.abs(gn).max(axis=1) <= gtol
        conv = ok & (small_f | small_g)
        stalled = ~ok
        done = conv | stalled
        x[act], f[act] = xn, fn
        status[act[conv]] = CONVERGED
        status[act[stalled]] = LINE_SEARCH
        if done.any():
            keep = ~done
            act = act[keep]
            xa, fa, ga = xn[keep], fn[keep], gn[keep]
            hist = hist.take(keep)
        else:
            xa, fa, ga = xn, fn, gn
        if callback is not None:
            callback(S - act.size, S)
    status[act] = MAX_ITER
    return x, f, n_iter, n_eval, status


class _History:
    r"""The L-BFGS memory of many starts: the last ``m`` steps ``s`` and gradient changes ``y`` of
    each, newest in slot 0, with :math:`\rho = 1 / s^\top y` (0 marks an empty slot); ``fresh``
    marks a start without usable pairs (its next step is scaled steepest descent)."""

    def __init__(self, Sh, Yh, rho, fresh):
        self.Sh, self.Yh, self.rho, self.fresh = Sh, Yh, rho, fresh

    @classmethod
    def empty(cls, n: int, m: int, k: int) -> "_History":
        return cls(np.zeros((n, m, k)), np.zeros((n, m, k)), np.zeros((n, m)), np.ones(n, dtype=bool))

    def take(self, keep) -> "_History":
        """The memory of the starts ``keep`` selects."""
        return _History(self.Sh[keep], self.Yh[keep], self.rho[keep], self.fresh[keep])

    def direction(self, g: np.ndarray) -> np.ndarray:
        r"""The quasi-Newton direction :math:`-H g` of every start, by the two-loop recursion
        (Nocedal & Wright 2006, Alg. 7.4) with :math:`H_0 = \gamma I`,
        :math:`\gamma = s^\top y / y^\top y` of the newest pair (1 for a fresh start)."""
        Sh, Yh, rho = self.Sh, self.Yh, self.rho
        m = rho.shape[1]
        q = -g
        alphas = np.empty((g.shape[0], m))
        for j in range(m):
            alphas[:, j] = rho[:, j] * np.einsum("ij,ij->i", Sh[:, j], q)
            q = q - alphas[:, j, None] * Yh[:, j]
        yy = np.einsum("ij,ij->i", Yh[:, 0], Yh[:, 0])
        sy = np.einsum("ij,ij->i", Sh[:, 0], Yh[:, 0])
        gamma = np.where(self.fresh | (yy <= 0), 1.0, sy / np.where(yy > 0, yy, 1.0))
        q = q * gamma[:, None]
        for j in range(m - 1, -1, -1):
            beta = rho[:, j] * np.einsum("ij,ij->i", Yh[:, j], q)
            q = q + (alphas[:, j] - beta)[:, None] * Sh[:, j]
        return q

    def forget(self, rows) -> None:
        """Empty the memory of ``rows`` (a restart from steepest descent)."""
        self.rho[rows] = 0.0
        self.fresh[rows] = True

    def push(self, ok, s_vec, y_vec) -> None:
        r"""Add the pair (s, y) of each start whose step was accepted (``ok``), skipping pairs
        without positive curvature :math:`s^\top y > \epsilon\, y^\top y`; the oldest pair drops out."""
        sy = np.einsum("ij,ij->i", s_vec, y_vec)
        upd = ok & (sy > np.finfo(float).eps * np.einsum("ij,ij->i", y_vec, y_vec))
        if upd.any():
            self.Sh[upd] = np.roll(self.Sh[upd], 1, axis=1)
            self.Yh[upd] = np.roll(self.Yh[upd], 1, axis=1)
            self.rho[upd] = np.roll(self.rho[upd], 1, axis=1)
            self.Sh[upd, 0] = s_vec[upd]
            self.Yh[upd, 0] = y_vec[upd]
            self.rho[upd, 0] = 1.0 / sy[upd]
            self.fresh[upd] = False


def _line_search(fun, act, xa, fa, ga, d, gd, t, n_eval, *, max_ls, c1, c2):
    """A weak-Wolfe line search along ``d`` for every running start at once (Nocedal & Wright 2006,
    Sec. 3.5): first trial steps ``t``; a failed Armijo test shrinks the step by safeguarded
    quadratic interpolation, a failed curvature test grows it (doubling, or bisecting once
    bracketed), at most ``max_ls`` trials. ``act`` are the starts' ids for ``fun``; ``n_eval`` counts
    the evaluations (updated in place).

    Returns the new points, values and gradients, and ``ok``: whether each start moved (to a point
    meeting both conditions, or, out of trials, to the last Armijo point found).
    """
    A = act.size
    lo = np.zeros(A)
    hi = np.full(A, np.inf)
    searching = np.ones(A, dtype=bool)
    ok = np.zeros(A, dtype=bool)
    xn, fn, gn = xa.copy(), fa.copy(), ga.copy()
    for _ in range(max_ls):
        si = np.flatnonzero(searching)
        if not si.size:
            break
        ts = t[si]
        xt = xa[si] + ts[:, None] * d[si]
        ft, gt = fun(xt, act[si])
        n_eval[act[si]] += 1
        fin = np.isfinite(ft) & np.isfinite(gt).all(axis=1)
        armijo = fin & (ft <= fa[si] + c1 * ts * gd[si])
        gtd = np.einsum("ij,ij->i", gt, d[si])
        curv = gtd >= c2 * gd[si]
        acc = armijo & curv
        ai = si[acc]
        xn[ai], fn[ai], gn[ai] = xt[acc], ft[acc], gt[acc]
        ok[ai] = True
        searching[ai] = False
        # Armijo failed: shrink, by quadratic interpolation safeguarded to [0.1, 0.5] of the step
        fail = ~armijo
        fi = si[fail]
        hi[fi] = ts[fail]
        denom = 2.0 * (ft[fail] - fa[fi] - gd[fi] * ts[fail])
        with np.errstate(divide="ignore", invalid="ignore"):
            tq = -gd[fi] * ts[fail] ** 2 / denom
        width = hi[fi] - lo[fi]
        tq = np.where(np.isfinite(tq), tq, lo[fi] + 0.5 * width)
        t[fi] = np.clip(tq, lo[fi] + 0.1 * width, lo[fi] + 0.5 * width)
        # curvature failed: the step is too short, grow (or bisect once bracketed)
        grow = armijo & ~curv
        gi = si[grow]
        lo[gi] = ts[grow]
        t[gi] = np.where(np.isinf(hi[gi]), 2.0 * ts[grow], 0.5 * (lo[gi] + hi[gi]))
    # A search that ran out of trials but found an Armijo point (lo > 0) still moves there.
    # Evaluate those few again to have their gradient.
    late = np.flatnonzero(searching & (lo > 0))
    if late.size:
        xt = xa[late] + lo[late, None] * d[late]
        ft, gt = fun(xt, act[late])
        n_eval[act[late]] += 1
        good = np.isfinite(ft) & np.isfinite(gt).all(axis=1) & (ft < fa[late])
        li = late[good]
        xn[li], fn[li], gn[li] = xt[good], ft[good], gt[good]
        ok[li] = True
    return xn, fn, gn, ok


def polish(fun, x0, *, ftol=1e-15, gtol=1e-12, maxiter=15000):
    """Refine one point with scipy's L-BFGS-B (analytic gradient, tight tolerances)."""
    from scipy.optimize import minimize

    def single(z):
        f, g = fun(z[None, :], np.zeros(1, dtype=int))
        return float(f[0]), g[0]

    res = minimize(single, np.asarray(x0, float), jac=True, method="L-BFGS-B",
                   options={"ftol": ftol, "gtol": gtol, "maxiter": maxiter, "maxcor": 10})
    return res.x, float(res.fun), bool(res.success) or res.status == 2

