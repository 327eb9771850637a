r"""The Chinchilla laws: Hoffmann et al. (2022), Eq. 2 and App. D.2, and its tied variant.

- :data:`CHINCHILLA`: :math:`L(N, D) = E + A N^{-\alpha} + B D^{-\beta}`, with the closed
  forms of the compute-optimal split (Hoffmann et al. 2022, Eq. 4);
- :data:`CHINCHILLA_TIED`: the same with :math:`\beta = \alpha` (four parameters), a nested
  alternative for :mod:`scaling.compare`.
"""

from __future__ import annotations

import numpy as np

from .._flops import TRAINING_FLOPS_PER_PARAM_TOKEN
from ..errors import ScalingError
from .base import Law, LawFunctions

__all__ = ["CHINCHILLA", "CHINCHILLA_TIED", "LAWS"]


def _chin_predict(E, A, B, alpha, beta, n_params, n_tokens):
    return E + A / n_params**alpha + B / n_tokens**beta


def _chin_derived(E, A, B, alpha, beta):
    r"""Hoffmann et al. (2022), Eq. 4: :math:`a = \beta/(\alpha+\beta)`, :math:`b = \alpha/(\alpha+\beta)`,
    :math:`G = (\alpha A / (\beta B))^{1/(\alpha+\beta)}`."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        total = alpha + beta
        return {
            "a": beta / total,
            "b": alpha / total,
            "G": (alpha * A / (beta * B)) ** (1.0 / total),
        }


def _chin_allocate(E, A, B, alpha, beta, compute_flops):
    r""":math:`N_{opt} = G (C/6)^a`, :math:`D_{opt} = G^{-1} (C/6)^b` (Hoffmann et al. 2022, Eq. 4)."""
    d = _chin_derived(E, A, B, alpha, beta)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        c6 = compute_flops / TRAINING_FLOPS_PER_PARAM_TOKEN  # C/6 = N D
        return d["G"] * c6 ** d["a"], c6 ** d["b"] / d["G"]


def _chin_k(A, B, alpha, beta, G):
    return A * G ** (-alpha) + B * G**beta


def _chin_loss_at_optimum(E, A, B, alpha, beta, compute_flops):
    r""":math:`L_{opt}(C) = E + K (C/6)^{-\alpha\beta/(\alpha+\beta)}`, :math:`K = A G^{-\alpha} + B G^{\beta}`."""
    G = _chin_derived(E, A, B, alpha, beta)["G"]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        c6 = compute_flops / TRAINING_FLOPS_PER_PARAM_TOKEN
        return E + _chin_k(A, B, alpha, beta, G) * c6 ** (-alpha * beta / (alpha + beta))


def _chin_compute_for_loss(E, A, B, alpha, beta, loss):
    r"""Inverse of :func:`_chin_loss_at_optimum`:
    :math:`C = 6 \left((L - E)/K\right)^{-(\alpha+\beta)/(\alpha\beta)}`; NaN where :math:`L \le E`."""
    d = _chin_derived(E, A, B, alpha, beta)
    a, b, G = d["a"], d["b"], d["G"]
    K = _chin_k(A, B, alpha, beta, G)
    gap = loss - E
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        c6 = np.where(gap > 0, (np.where(gap > 0, gap, 1.0) / K) ** (-(alpha + beta) / (alpha * beta)), np.nan)
        return TRAINING_FLOPS_PER_PARAM_TOKEN * c6, G * c6**a, c6**b / G


def _chin_tokens_for_loss(E, A, B, alpha, beta, n_params, loss):
    r""":math:`D = \left(B / (L - E - A N^{-\alpha})\right)^{1/\beta}`; NaN where the gap is not positive."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        gap = loss - E - A / n_params**alpha
        return np.where(gap > 0, (B / np.where(gap > 0, gap, 1.0)) ** (1.0 / beta), np.nan)


def _chin_to_params(theta):
    a, b, e, alpha, beta = np.moveaxis(theta, -1, 0)
    return {"E": np.exp(e), "A": np.exp(a), "B": np.exp(b), "alpha": alpha, "beta": beta}


def _chin_from_params(p):
    return np.stack([np.log(p["A"]), np.log(p["B"]), np.log(p["E"]), p["alpha"], p["beta"]], axis=-1)


def _chin_log_predict_vjp(theta, log_n, log_d):
    # log L = e + log(1 + exp(a - e - alpha log N) + exp(b - e - beta log D)): two exp and
    # one log per run (exp and log dominate the cost of a fit). Where a term overflows the
    # prediction is inf and the optimiser's line search backs off, as from any wall.
    a, b, e, alpha, beta = (theta[:, j:j + 1] for j in range(5))
    with np.errstate(over="ignore", invalid="ignore"):
        t1 = np.multiply(alpha, log_n)
        np.subtract(a - e, t1, out=t1)
        np.exp(t1, out=t1)
        t2 = np.multiply(beta, log_d)
        np.subtract(b - e, t2, out=t2)
        np.exp(t2, out=t2)
        s = t1 + t2
        s += 1.0
        y = np.log(s)
        y += e

    def vjp(v):
        # d log L / d(a, alpha) = p1 (1, -log N), p1 = t1 / s; likewise for (b, beta); d/de = 1/s.
        with np.errstate(over="ignore", invalid="ignore"):
            vs = v / s
            w1 = vs * t1
            w2 = vs * t2
            return np.column_stack([
                w1.sum(axis=1), w2.sum(axis=1), vs.sum(axis=1),
                -np.einsum("ij,j->i", w1, log_n), -np.einsum("ij,j->i", w2, log_d),
            ])

    return y, vjp


def _chin_grid(name):
    if name == "hoffmann":
        alpha = beta = np.arange(0.0, 2.0 + 1e-9, 0.5)
        e = np.arange(-1.0, 1.0 + 1e-9, 0.5)
        a = b = np.arange(0.0, 25.0 + 1e-9, 5.0)
    elif name == "coarse":
        alpha = beta = np.array([0.2, 0.5])
        e = np.array([0.0, 0.5])
        a = b = np.array([5.0, 10.0])
    else:
        raise ScalingError(f"unknown grid {name!r}; known grids: hoffmann, coarse")
    mesh = np.meshgrid(a, b, e, alpha, beta, indexing="ij")
    return np.column_stack([m.ravel() for m in mesh])


CHINCHILLA = Law(
    name="chinchilla",
    param_names=("E", "A", "B", "alpha", "beta"),
    bounds={"E": (0.0, 10.0), "A": (0.0, np.inf), "B": (0.0, np.inf), "alpha": (0.0, 3.0), "beta": (0.0, 3.0)},
    formula=r"L(N, D) = E + \frac{A}{N^{\alpha}} + \frac{B}{D^{\beta}}",
    source="Hoffmann et al. (2022), Training Compute-Optimal Large Language Models, Eq. 2 and App. D.2",
    theta_names=("a", "b", "e", "alpha", "beta"),
    functions=LawFunctions(
        predict=_chin_predict,
        to_params=_chin_to_params,
        from_params=_chin_from_params,
        log_predict_vjp=_chin_log_predict_vjp,
        grid=_chin_grid,
        derived=_chin_derived,
        allocate=_chin_allocate,
        loss_at_optimum=_chin_loss_at_optimum,
        compute_for_loss=_chin_compute_for_loss,
        tokens_for_loss=_chin_tokens_for_loss,
    ),
    derived_names=("a", "b", "G"),
    doc=r"""Chinchilla law.

    .. math:: L(N, D) = E + A N^{-\alpha} + B D^{-\beta}

    fitted in log space as
    :math:`\log L = \mathrm{LSE}(a - \alpha \log N,\ b - \beta \log D,\ e)` with
    :math:`A = e^a, B = e^b, E = e^e` (Hoffmann et al. 2022, App. D.2).
    Derived: :math:`a = \beta/(\alpha+\beta)`, :math:`b = \alpha/(\alpha+\beta)`,
    :math:`G = (\alpha A / (\beta B))^{1/(\alpha+\beta)}` (Approach 3's compute-optimal split).

    Closed forms (Hoffmann et al. 2022, Eq. 4 and App. D; :math:`C = 6ND`):

    .. math::

        N_{opt} = G (C/6)^{a}, \quad D_{opt} = G^{-1} (C/6)^{b}, \quad
        L_{opt}(C) = E + K (C/6)^{-\alpha\beta/(\alpha+\beta)}, \quad K = A G^{-\alpha} + B G^{\beta},

        C(L) = 6 \left(\frac{L - E}{K}\right)^{-(\alpha+\beta)/(\alpha\beta)}, \quad
        D(N, L) = \left(\frac{B}{L - E - A N^{-\alpha}}\right)^{1/\beta}.
    """,
)


# --------------------------------------------------------------------------------------
# Chinchilla with tied exponents (alpha = beta)
# --------------------------------------------------------------------------------------
def _tied_predict(E, A, B, alpha, n_params, n_tokens):
    return _chin_predict(E, A, B, alpha, alpha, n_params, n_tokens)


def _tied(fun):
    """A chinchilla closed form with ``beta = alpha``."""
    def tied(E, A, B, alpha, *args):
        return fun(E, A, B, alpha, alpha, *args)
    tied.__doc__ = fun.__doc__
    return tied


def _tied_to_params(theta):
    a, b, e, alpha = np.moveaxis(theta, -1, 0)
    return {"E": np.exp(e), "A": np.exp(a), "B": np.exp(b), "alpha": alpha}


def _tied_from_params(p):
    return np.stack([np.log(p["A"]), np.log(p["B"]), np.log(p["E"]), p["alpha"]], axis=-1)


def _tied_log_predict_vjp(theta, log_n, log_d):
    # chinchilla's prediction with beta = alpha; the gradient in alpha is the sum of both exponents'
    y, vjp5 = _chin_log_predict_vjp(np.column_stack([theta, theta[:, 3]]), log_n, log_d)

    def vjp(v):
        g = vjp5(v)
        return np.column_stack([g[:, 0], g[:, 1], g[:, 2], g[:, 3] + g[:, 4]])

    return y, vjp


def _tied_grid(name):
    grid = _chin_grid(name)
    return grid[grid[:, 3] == grid[:, 4]][:, :4]


CHINCHILLA_TIED = Law(
    name="chinchilla_tied",
    param_names=("E", "A", "B", "alpha"),
    bounds={"E": (0.0, 10.0), "A": (0.0, np.inf), "B": (0.0, np.inf), "alpha": (0.0, 3.0)},
    formula=r"L(N, D) = E + \frac{A}{N^{\alpha}} + \frac{B}{D^{\alpha}}",
    source="Hoffmann et al. (2022), Eq. 2 with alpha = beta; Besiroglu et al. (2024) find the exponents "
           "close (0.35, 0.37), which makes D/N constant with compute",
    theta_names=("a", "b", "e", "alpha"),
    functions=LawFunctions(
        predict=_tied_predict,
        to_params=_tied_to_params,
        from_params=_tied_from_params,
        log_predict_vjp=_tied_log_predict_vjp,
        grid=_tied_grid,
        derived=_tied(_chin_derived),
        allocate=_tied(_chin_allocate),
        loss_at_optimum=_tied(_chin_loss_at_optimum),
        compute_for_loss=_tied(_chin_compute_for_loss),
        tokens_for_loss=_tied(_chin_tokens_for_loss),
    ),
    derived_names=("a", "b", "G"),
    doc=r"""Chinchilla law with one exponent for both terms (four parameters).

    .. math:: L(N, D) = E + A N^{-\alpha} + B D^{-\alpha}

    The chinchilla closed forms with :math:`\beta = \alpha`: :math:`a = b = 1/2`, so the
    compute-optimal ratio :math:`D/N = G^{-2} = (B/A)^{1/\alpha}` does not change with compute.
    A nested alternative to the five-parameter law, for :mod:`scaling.compare`.
    """,
)

#: The laws of this family, in registry order.
LAWS = (CHINCHILLA, CHINCHILLA_TIED)
