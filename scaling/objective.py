r"""The objectives of a least-squares scaling-law fit (Hoffmann et al. 2022, App. D.2).

.. math::

    \sum_i w_i \,\mathrm{Huber}_\delta\big(\log \hat L_i - \log L_i\big),

with :math:`\delta = 10^{-3}` and weights :math:`w_i` (bootstrap counts; 1 by default), and
Epoch AI's Huber maximum-likelihood variant (Besiroglu et al. 2024), whose residual density is
:math:`\exp(-\mathrm{Huber}_\delta(r/\sigma)) / (\sigma Z_\delta)` with
:math:`Z_\delta = \sqrt{2\pi}(1 - 2\,\bar\Phi(\delta)) + 2 e^{-\delta^2/2}/\delta`.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import chunk_rows
from .laws import Law

__all__ = ["huber", "huber_log_norm", "huber_objective", "make_objective", "block_rows"]

_BLOCK = 128  # starts per vectorised block: keeps the (block, n_runs) temporaries in cache
#: float64 (block, n_runs) temporaries one block evaluation holds at its peak: 10.4 measured
#: (peak RSS of a 128-start fit to 1e5 runs), 12 allowed; many runs shrink the block to fit
#: the memory limit (scaling._checks.max_memory_bytes).
_CELL_ARRAYS = 12


def block_rows(n_runs: int) -> int:
    """Starts evaluated at once on ``n_runs`` runs: :data:`_BLOCK`, fewer where memory needs it."""
    return chunk_rows(8.0 * _CELL_ARRAYS * n_runs, _BLOCK)


def huber(r: np.ndarray, delta: float):
    """Huber loss and its derivative: 0.5 r^2 for |r| <= delta, else delta (|r| - delta / 2)."""
    ar = np.abs(r)
    c = np.minimum(ar, delta)
    return c * (ar - 0.5 * c), np.clip(r, -delta, delta)


def huber_log_norm(delta: float) -> float:
    """log Z_delta, the normalising constant of exp(-Huber_delta(z)) over the real line."""
    from scipy.special import ndtr

    z = math.sqrt(2 * math.pi) * (1 - 2 * float(ndtr(-delta))) + 2 * math.exp(-0.5 * delta**2) / delta
    return math.log(z)


def huber_objective(law: Law, theta: np.ndarray, n_params, n_tokens, loss, delta: float = 1e-3,
                    weights=None) -> np.ndarray:
    r"""Hoffmann's objective :math:`\sum_i w_i \mathrm{Huber}_\delta(\log \hat L_i - \log L_i)` per row of ``theta``."""
    theta = np.atleast_2d(np.asarray(theta, dtype=float))
    y, _ = law.log_predict_vjp(theta, np.log(np.asarray(n_params, float)), np.log(np.asarray(n_tokens, float)))
    h, _ = huber(y - np.log(np.asarray(loss, float)), delta)
    w = np.ones(h.shape[1]) if weights is None else np.asarray(weights, float)
    return (h * w).sum(axis=1)


def make_objective(law: Law, method: str, log_n, log_d, log_l, delta: float, weights=None):
    """``fun(X, ids) -> (f, g)`` over rows of X (one start or resample each).

    ``weights``: None, shape (n,), or shape (n_rows_total, n) indexed by ``ids``.
    For ``huber-mle`` the last column of X is ``s = log sigma``.
    """
    k = law.n_params
    mle = method == "huber-mle"
    log_z = huber_log_norm(delta) if mle else 0.0
    block = block_rows(np.size(log_l))

    def fun(X, ids):
        S = X.shape[0]
        f = np.empty(S)
        g = np.empty((S, X.shape[1]))
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for s0 in range(0, S, block):
                sl = slice(s0, min(S, s0 + block))
                y, vjp = law.log_predict_vjp(X[sl, :k], log_n, log_d)
                r = y - log_l
                if weights is None:
                    w = None
                elif weights.ndim == 1:
                    w = weights
                else:
                    w = weights[ids[sl]]
                if mle:
                    s = X[sl, k:k + 1]
                    inv = np.exp(-s)
                    z = r * inv
                    h, psi = huber(z, delta)
                    const = s + log_z
                    if w is None:
                        f[sl] = h.sum(axis=1) + r.shape[1] * const[:, 0]
                        g[sl, k] = r.shape[1] - np.einsum("ij,ij->i", psi, z)
                    else:
                        f[sl] = np.einsum("ij,ij->i", h, w) + w.sum(axis=1 if w.ndim == 2 else 0) * const[:, 0]
                        g[sl, k] = w.sum(axis=1 if w.ndim == 2 else 0) - np.einsum("ij,ij->i", psi * w, z)
                        psi = psi * w
                    g[sl, :k] = vjp(psi * inv)
                else:
                    h, psi = huber(r, delta)
                    if w is None:
                        f[sl] = h.sum(axis=1)
                    else:
                        f[sl] = np.einsum("ij,ij->i", h, np.broadcast_to(w, h.shape))
                        psi = psi * w
                    g[sl] = vjp(psi)
        return f, g

    return fun

