r"""The bootstrap of the sigmoid law's least squares, every resample refitted at once.

Resample :math:`r` draws the models with replacement (seeded, as before: one
``rng.integers(0, n_models, n_models)`` per resample, in order); model :math:`i` then counts
:math:`w_{ri}` times. Its refit minimises the same penalised least squares as the full-data fit
(:mod:`scaling.capability.sigmoid`) with the full-data :math:`\sigma_b` and :math:`\tau`,

.. math::

    S_r(\theta) = \sum_i w_{ri}\,\frac{(y_i - \mu_i(\theta))^2}{\sigma_{b(i)}^2}
        + \sum_f \frac{u_f^2}{\tau^2} + \text{priors},

which equals the sum over the resample's rows (a model drawn twice contributes twice), started at
the full-data optimum, followed by one EM step of :math:`\sigma_b` and :math:`\tau` (as
``BOOT_OUTER = 1`` refits did). The minimiser is the same; only the route differs: a
Levenberg-Marquardt iteration (Marquardt 1963, diagonal scaling of the normal matrix, as
MINPACK's ``x_scale="jac"``) run on all resamples of a chunk together, with batched normal
equations, instead of one ``scipy.optimize.least_squares`` call per resample. It stops by
MINPACK's tests (More, Garbow & Hillstrom 1980; scipy's defaults): actual and predicted relative
reductions of the cost below :data:`FTOL`, or a step below :data:`XTOL` relative to the
parameters. On the shipped table the draws agree with one-at-a-time refits to within 0.01
standard deviations of each parameter's draws (their 5/50/95% quantiles to within 0.004), far
below the Monte Carlo error of 200 resamples (tests/test_capability.py).
"""

from __future__ import annotations

import numpy as np

from .data import Design

__all__ = ["refit_resamples", "named_columns", "FTOL", "XTOL", "MAX_STEPS", "CHUNK"]

FTOL = 1e-8  # relative reduction of the cost (actual and predicted) at which a refit has converged (MINPACK's default)
XTOL = 1e-8  # ... or a step this small relative to the parameters' norm (MINPACK's default)
MAX_STEPS = 200  # Levenberg-Marquardt steps per resample (a refit that needs more counts as failed)
CHUNK = 256  # resamples refitted together (memory: CHUNK x observations x parameters doubles)


def _sig(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic (as sigmoid._sig)


class _Batch:
    """Residuals, cost and normal equations of R weighted problems at once (theta: (R, P))."""

    def __init__(self, d: Design, chance_b: np.ndarray, weights: np.ndarray, sigma, tau: float, prior, n_free: int):
        self.x, self.y, self.cov = d.log10_compute, d.accuracy, d.covariates
        self.fam, self.bench = d.family_index, d.bench_index
        self.B, self.K, self.F = len(d.benchmarks), d.covariates.shape[1], len(d.families)
        self.P = 3 * self.B + self.K + self.F
        self.n_free = n_free  # the first n_free parameters move (the pooled law: all but the offsets)
        self.chance = chance_b[self.bench]
        self.w = weights  # (R, n) times each observation is drawn
        self.inv_sigma = 1.0 / np.asarray(sigma, dtype=float)[self.bench]
        self.tau = float(tau)
        self.pm, self.ps = (np.asarray(v, dtype=float) for v in prior)

    def parts(self, theta):
        B, K = self.B, self.K
        s = np.exp(theta[:, B:2 * B])[:, self.bench]
        share = _sig(theta[:, 2 * B:3 * B])[:, self.bench]
        A = (1 - self.chance) * share
        shift = sum(theta[:, 3 * B + k, None] * self.cov[None, :, k] for k in range(K)) if K else 0.0
        z = s * (self.x - theta[:, :B][:, self.bench] + theta[:, 3 * B + K:][:, self.fam] + shift)
        g = _sig(z)
        return s, share, A, z, g, self.chance + A * g

    def _penalty(self, theta):
        B, K = self.B, self.K
        pen = (((theta[:, B:2 * B] - self.pm[0]) / self.ps[0]) ** 2).sum(axis=1)
        pen += (((theta[:, 2 * B:3 * B] - self.pm[1]) / self.ps[1]) ** 2).sum(axis=1)
        if self.n_free == self.P:
            pen += ((theta[:, 3 * B + K:] / self.tau) ** 2).sum(axis=1)
        return pen

    def cost(self, theta):
        r = (self.y - self.parts(theta)[-1]) * self.inv_sigma
        return (self.w * r * r).sum(axis=1) + self._penalty(theta)

    def normal(self, theta):
        """Cost, gradient (R, P) and Gauss-Newton matrix (R, P, P) of S/2.

        A data row's Jacobian is nonzero only at its benchmark's three parameters, the betas and
        its family's offset (whose entry is minus the midpoint's), so the normal matrix is
        assembled block by block from sums over benchmarks and (benchmark, family) cells.
        """
        B, K, F, P = self.B, self.K, self.F, self.P
        first = 3 * B + K
        s, share, A, z, g, mu = self.parts(theta)
        R = mu.shape[0]
        dg = A * g * (1 - g) * self.inv_sigma
        r = (self.y - mu) * self.inv_sigma
        a = dg * s  # d r / d midpoint; d r / d offset = -a; d r / d beta_k = -a w_k
        v = np.stack([a, -dg * z, -(1 - self.chance) * share * (1 - share) * g * self.inv_sigma])  # (3, R, n)
        wv = v * self.w
        bench, cell, fam = self.bench, self.bench * F + self.fam, self.fam
        H = np.zeros((R, P, P))
        pairs = [(j, k) for j in range(3) for k in range(j, 3)]
        blocks = self._sums(np.stack([wv[j] * v[k] for j, k in pairs]), bench, B)  # (6, R, B)
        bi = np.arange(B)
        for (j, k), blk in zip(pairs, blocks):
            H[:, j * B + bi, k * B + bi] = blk
            H[:, k * B + bi, j * B + bi] = blk
        fi = first + np.arange(F)
        cross = self._sums(-(wv * a), cell, B * F).reshape(3, R, B, F)  # bench parameter x family offset
        for j in range(3):
            H[:, j * B:(j + 1) * B, first:] = cross[j]
            H[:, first:, j * B:(j + 1) * B] = cross[j].transpose(0, 2, 1)
        wa2 = self.w * a * a
        H[:, fi, fi] = self._sums(wa2, fam, F)
        grad = np.zeros((R, P))
        grad[:, :3 * B] = self._sums(wv * r, bench, B).transpose(1, 0, 2).reshape(R, 3 * B)
        grad[:, first:] = -self._sums(self.w * a * r, fam, F)
        for k in range(K):
            cov = self.cov[:, k]
            col = 3 * B + k
            bk = self._sums(-(wv * a) * cov, bench, B)  # (3, R, B)
            H[:, :3 * B, col] = bk.transpose(1, 0, 2).reshape(R, 3 * B)
            H[:, col, :3 * B] = H[:, :3 * B, col]
            H[:, first:, col] = self._sums(wa2 * cov, fam, F)
            H[:, col, first:] = H[:, first:, col]
            for l in range(k, K):
                H[:, col, 3 * B + l] = H[:, 3 * B + l, col] = (wa2 * (cov * self.cov[:, l])).sum(axis=1)
            grad[:, col] = -(self.w * a * r * cov).sum(axis=1)
        idx = np.arange(B)
        H[:, B + idx, B + idx] += 1.0 / self.ps[0] ** 2
        H[:, 2 * B + idx, 2 * B + idx] += 1.0 / self.ps[1] ** 2
        grad[:, B:2 * B] += (theta[:, B:2 * B] - self.pm[0]) / self.ps[0] ** 2
        grad[:, 2 * B:3 * B] += (theta[:, 2 * B:3 * B] - self.pm[1]) / self.ps[1] ** 2
        if self.n_free == P:
            H[:, fi, fi] += 1.0 / self.tau**2
            grad[:, first:] += theta[:, first:] / self.tau**2
        cost = (self.w * r * r).sum(axis=1) + self._penalty(theta)
        return cost, grad, H

    def _sums(self, values, key, n_keys: int):
        """Sums of ``values`` (..., R, n) over the observations with each ``key`` (n,): (..., R, n_keys).

        ``np.bincount`` rather than a product with an indicator matrix: no BLAS call, whose
        threads slow a loaded machine down several-fold (issue 22's timings).
        """
        lead = values.shape[:-1]
        rows = int(np.prod(lead))
        idx = (np.arange(rows)[:, None] * n_keys + key[None, :]).ravel()
        return np.bincount(idx, weights=values.reshape(-1), minlength=rows * n_keys).reshape(*lead, n_keys)


def _levenberg_marquardt(batch: _Batch, theta: np.ndarray):
    """Minimise every problem of the batch from ``theta``; returns (theta, converged)."""
    R, q = theta.shape[0], batch.n_free
    lam = np.full(R, 1e-3)
    done = np.zeros(R, dtype=bool)
    cost, grad, H = batch.normal(theta)
    eye = np.eye(q)
    for _ in range(MAX_STEPS):
        act = np.flatnonzero(~done)
        if not act.size:
            break
        Hq, gq = H[act][:, :q, :q], grad[act][:, :q]
        diag = np.maximum(np.einsum("rii->ri", Hq), 1e-12)
        M = Hq + (lam[act, None] * diag)[:, :, None] * eye
        try:
            step = -np.linalg.solve(M, gq[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            step = -np.stack([np.linalg.lstsq(m, v, rcond=None)[0] for m, v in zip(M, gq)])
        trial = theta[act].copy()
        trial[:, :q] += step
        new = (batch if act.size == R else _sub(batch, act)).cost(trial)
        better = np.isfinite(new) & (new < cost[act])
        # MINPACK's tests (More et al. 1980): the actual and the predicted relative reductions of
        # the cost both below FTOL, or a step below XTOL relative to the parameters
        pred = -2 * np.einsum("ri,ri->r", gq, step) - np.einsum("ri,rij,rj->r", step, Hq, step)
        scale = np.maximum(cost[act], 1e-300)
        flat = better & ((cost[act] - new) <= FTOL * scale) & (pred <= FTOL * scale)
        small = np.linalg.norm(step, axis=1) <= XTOL * (np.linalg.norm(theta[act, :q], axis=1) + XTOL)
        acc = act[better]
        if acc.size:
            theta[acc] = trial[better]
            c2, g2, H2 = _sub(batch, acc).normal(theta[acc])
            cost[acc], grad[acc], H[acc] = c2, g2, H2
        lam[acc] = np.maximum(lam[acc] * 0.2, 1e-12)
        rej = act[~better]
        lam[rej] = lam[rej] * 10.0
        # converged, or damped so far that no step lowers the cost (a minimum to rounding)
        done[act[flat | small]] = True
        done[rej[lam[rej] > 1e10]] = True
    return theta, done


def _sub(batch: _Batch, rows: np.ndarray) -> _Batch:
    """The batch restricted to some of its problems."""
    out = object.__new__(_Batch)
    out.__dict__.update(batch.__dict__)
    out.w = batch.w[rows]
    return out


def refit_resamples(d: Design, chance_b, theta, sigma, tau: float, picks: np.ndarray, prior,
                    fix_tau: float | None, tau_floor: float):
    r"""Refit the law on each resample of ``picks`` ((R, n_models) model indices).

    Returns ``(theta (R, P), sigma (R, B), tau (R,), present (R, F), converged (R,))``: the
    refits' parameters (a family absent from a resample keeps the offset 0 here; the caller puts
    back its full-data estimate), and one EM step of :math:`\sigma_b` and :math:`\tau` after each.
    ``fix_tau``: the pooled law (offsets held at 0, ``tau`` fixed).
    """
    chance_b = np.asarray(chance_b, dtype=float)
    B, K, F = len(d.benchmarks), d.covariates.shape[1], len(d.families)
    first = 3 * B + K
    n_free = first if fix_tau is not None else first + F
    out_theta, out_sigma, out_tau, out_present, out_ok = [], [], [], [], []
    for lo in range(0, picks.shape[0], CHUNK):
        pk = picks[lo:lo + CHUNK]
        R = pk.shape[0]
        counts = np.stack([np.bincount(p, minlength=d.n_models) for p in pk]).astype(float)
        w = counts[:, d.model_index]  # (R, n)
        batch = _Batch(d, chance_b, w, sigma, tau, prior, n_free)
        present = batch._sums(w, d.family_index, F) > 0  # (R, F)
        start = np.repeat(np.asarray(theta, dtype=float)[None], R, axis=0)
        if fix_tau is not None:
            start[:, first:] = 0.0
        else:
            start[:, first:][~present] = 0.0  # an absent family's offset: its optimum, 0, at once
        th, ok = _levenberg_marquardt(batch, start)
        s, _, A, _, g, mu = batch.parts(th)
        rss = batch._sums(w * (d.accuracy - mu) ** 2, d.bench_index, B)
        n_b = batch._sums(w, d.bench_index, B)
        dof = np.maximum(n_b - 3 - K / B, 1.0)
        new_sigma = np.sqrt(np.maximum(rss / dof, 1e-8))
        if fix_tau is not None:
            new_tau = np.full(R, float(fix_tau))
        else:
            h = batch._sums(w * (A * g * (1 - g) * s / new_sigma[:, d.bench_index]) ** 2, d.family_index, F)
            v = 1.0 / (h + 1.0 / tau**2)
            u = th[:, first:]
            m2 = np.where(present, u**2 + v, 0.0).sum(axis=1) / np.maximum(present.sum(axis=1), 1)
            new_tau = np.maximum(np.sqrt(m2), tau_floor)
        out_theta.append(th)
        out_sigma.append(new_sigma)
        out_tau.append(new_tau)
        out_present.append(present)
        out_ok.append(ok)
    return (np.concatenate(out_theta), np.concatenate(out_sigma), np.concatenate(out_tau),
            np.concatenate(out_present), np.concatenate(out_ok))


def named_columns(theta, sigma, tau, d: Design, chance_b) -> dict[str, np.ndarray]:
    """Per-resample columns in the names of :func:`scaling.capability.sigmoid._named`."""
    B, K = len(d.benchmarks), d.covariates.shape[1]
    out = {}
    for b, bench in enumerate(d.benchmarks):
        tag = "" if b == 0 else f"@{bench}"
        out[f"midpoint{tag}"] = theta[:, b].copy()
        out[f"slope{tag}"] = np.exp(theta[:, B + b])
        out[f"ceiling{tag}"] = chance_b[b] + (1 - chance_b[b]) * _sig(theta[:, 2 * B + b])
        out[f"sigma{tag}"] = sigma[:, b].copy()
    for k, term in enumerate(d.terms):
        out[f"beta_{term}"] = theta[:, 3 * B + k].copy()
    out["tau"] = np.asarray(tau, dtype=float).copy()
    for j, fam in enumerate(d.families):
        out[f"offset[{fam}]"] = theta[:, 3 * B + K + j].copy()
    return out

