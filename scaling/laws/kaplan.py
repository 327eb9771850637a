r"""The Kaplan law: Kaplan et al. (2020), "Scaling Laws for Neural Language Models", Eq. 1.5.

:math:`L(N, D) = \left[(N_c/N)^{\alpha_N/\alpha_D} + D_c/D\right]^{\alpha_D}`, with no
irreducible term and no closed-form allocation: the generic numerics of
:mod:`scaling.laws.numerics` answer its compute-optimal questions.
"""

from __future__ import annotations

import numpy as np

from ..errors import ScalingError
from .base import Law, LawFunctions

__all__ = ["KAPLAN", "LAWS"]


def _kap_predict(N_c, D_c, alpha_N, alpha_D, n_params, n_tokens):
    return ((N_c / n_params) ** (alpha_N / alpha_D) + D_c / n_tokens) ** alpha_D


def _kap_to_params(theta):
    c1, c2, alpha_n, alpha_d = np.moveaxis(theta, -1, 0)
    with np.errstate(over="ignore"):  # an optimum run off to infinity is reported by the fit's warnings
        return {"N_c": np.exp(c1), "D_c": np.exp(c2), "alpha_N": alpha_n, "alpha_D": alpha_d}


def _kap_from_params(p):
    return np.stack([np.log(p["N_c"]), np.log(p["D_c"]), p["alpha_N"], p["alpha_D"]], axis=-1)


def _kap_log_predict_vjp(theta, log_n, log_d):
    c1, c2, alpha_n, alpha_d = (theta[:, j:j + 1] for j in range(4))
    q = alpha_n / alpha_d
    z = c1 - log_n
    u1 = q * z
    u2 = c2 - log_d
    m = np.maximum(u1, u2)
    t1 = np.exp(u1 - m)
    t2 = np.exp(u2 - m)
    s = t1 + t2
    lse = m + np.log(s)
    p1 = t1 / s
    p2 = t2 / s
    y = alpha_d * lse

    def vjp(v):
        g_c1 = (v * p1).sum(axis=1) * alpha_n[:, 0]
        g_c2 = (v * p2).sum(axis=1) * alpha_d[:, 0]
        vpz = (v * p1 * z).sum(axis=1)
        g_an = vpz
        g_ad = (v * lse).sum(axis=1) - q[:, 0] * vpz
        return np.column_stack([g_c1, g_c2, g_an, g_ad])

    return y, vjp


def _kap_grid(name):
    if name == "hoffmann":
        c = np.arange(20.0, 40.0 + 1e-9, 5.0)
        alpha = np.array([0.05, 0.1, 0.2, 0.4])
    elif name == "coarse":
        c = np.array([25.0, 32.0])
        alpha = np.array([0.08, 0.2])
    else:
        raise ScalingError(f"unknown grid {name!r}; known grids: hoffmann, coarse")
    mesh = np.meshgrid(c, c, alpha, alpha, indexing="ij")
    return np.column_stack([m.ravel() for m in mesh])


KAPLAN = Law(
    name="kaplan",
    param_names=("N_c", "D_c", "alpha_N", "alpha_D"),
    bounds={"N_c": (0.0, np.inf), "D_c": (0.0, np.inf), "alpha_N": (0.0, 3.0), "alpha_D": (0.0, 3.0)},
    formula=r"L(N, D) = \left[\left(\frac{N_c}{N}\right)^{\alpha_N/\alpha_D} + \frac{D_c}{D}\right]^{\alpha_D}",
    source="Kaplan et al. (2020), Scaling Laws for Neural Language Models, Eq. 1.5",
    theta_names=("log_N_c", "log_D_c", "alpha_N", "alpha_D"),
    functions=LawFunctions(
        predict=_kap_predict,
        to_params=_kap_to_params,
        from_params=_kap_from_params,
        log_predict_vjp=_kap_log_predict_vjp,
        grid=_kap_grid,
    ),
    doc=r"""Kaplan law (no irreducible term).

    .. math:: L(N, D) = \left[(N_c/N)^{\alpha_N/\alpha_D} + D_c/D\right]^{\alpha_D}

    Kaplan et al. (2020) report :math:`\alpha_N = 0.076, \alpha_D = 0.095,
    N_c = 8.8 \times 10^{13}, D_c = 5.4 \times 10^{13}` (non-embedding parameters).
    It has no closed-form allocation: the generic numerics of :mod:`scaling.laws` answer.
    The "hoffmann" grid for this law is a Hoffmann-style regular grid
    (log N_c, log D_c in {20, 25, ..., 40}; alpha_N, alpha_D in {0.05, 0.1, 0.2, 0.4}).
    """,
)

#: The laws of this family, in registry order.
LAWS = (KAPLAN,)
