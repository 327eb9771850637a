r"""The data-constrained laws: Muennighoff et al. (2023), "Scaling Data-Constrained Language
Models", NeurIPS, arXiv:2305.16264, Eq. 5 and App. A.

- :data:`DATA_CONSTRAINED`: exponents tied (:math:`\beta = \alpha`), as the published fit;
- :data:`DATA_CONSTRAINED_UNTIED`: separate exponents.

Both take the unique tokens :math:`U` as a covariate (``n_unique_tokens``); a fixed pool
(:meth:`scaling.laws.Law.at`) makes them laws of (N, D) that the generic numerics answer.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..errors import ScalingError
from .base import Law, LawFunctions

__all__ = ["DATA_CONSTRAINED", "DATA_CONSTRAINED_UNTIED", "LAWS"]


def _dc_unique_params(A, B, alpha, beta, n_unique_tokens):
    r"""Compute-optimal parameters for ``U`` tokens under the law's own Chinchilla terms.

    :math:`U_N = G (U G)^{\beta/\alpha}` with :math:`G = (\alpha A / \beta B)^{1/(\alpha+\beta)}`:
    Hoffmann et al. (2022), Eq. 4 (:math:`N_{opt} = G (C/6)^{a}`, :math:`D_{opt} = G^{-1}
    (C/6)^{b}`) solved for the N whose optimal D is U; the README of huggingface/datablations
    computes it so (``D_to_N``). With tied exponents :math:`U_N = G^2 U = (A/B)^{1/\alpha} U`.
    """
    G = (alpha * A / (beta * B)) ** (1.0 / (alpha + beta))
    return G * (n_unique_tokens * G) ** (beta / alpha)


def _dc_predict_full(E, A, B, alpha, beta, R_D_star, R_N_star, n_params, n_tokens, n_unique_tokens):
    # Written with np.where on real parts (no min/max) so that it takes complex inputs
    # (the complex step of the generic numerics) and n_tokens = inf.
    N, D = n_params, n_tokens
    U = np.where(np.real(n_unique_tokens) < np.real(D), n_unique_tokens, D)  # unique tokens seen
    R_D = np.where(np.real(D / U) > 1.0, D / U - 1.0, 0.0)
    D_eff = U + U * R_D_star * -np.expm1(-R_D / R_D_star)
    U_N0 = _dc_unique_params(A, B, alpha, beta, U)
    U_N = np.where(np.real(N) < np.real(U_N0), N, U_N0)
    R_N = N / U_N - 1.0
    N_eff = U_N + U_N * R_N_star * -np.expm1(-R_N / R_N_star)
    return E + A / N_eff**alpha + B / D_eff**beta


def _dc_predict(E, A, B, alpha, R_D_star, R_N_star, n_params, n_tokens, n_unique_tokens):
    return _dc_predict_full(E, A, B, alpha, alpha, R_D_star, R_N_star, n_params, n_tokens, n_unique_tokens)


def _dc_untied_predict(E, A, B, alpha, beta, R_D_star, R_N_star, n_params, n_tokens, n_unique_tokens):
    return _dc_predict_full(E, A, B, alpha, beta, R_D_star, R_N_star, n_params, n_tokens, n_unique_tokens)


def _dc_check_inputs(n_params, n_tokens, n_unique_tokens):
    """Unique tokens cannot exceed the tokens seen (epochs = D / U >= 1)."""
    n_tokens, n_unique_tokens = np.broadcast_arrays(np.asarray(n_tokens, float), np.asarray(n_unique_tokens, float))
    bad = n_unique_tokens > n_tokens * (1.0 + 1e-12)
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        u, d = float(n_unique_tokens.ravel()[i]), float(n_tokens.ravel()[i])
        raise ScalingError(f"n_unique_tokens = {u:.6g} is above n_tokens = {d:.6g} (epochs = {d / u:.3g}): a run "
                           "sees at most as many unique tokens as tokens; epochs = n_tokens / n_unique_tokens "
                           "must be >= 1")


def _dc_log_core(theta, log_n, log_d, log_u, tied):
    r"""``log L`` and its partial derivatives in theta, one row per start.

    theta columns: ``a, b, e, alpha, [beta,] log R_D*, log R_N*``. With
    :math:`u = \min(\log U, \log D)`, :math:`R_D = D/U - 1`, :math:`q_D = 1 + R_D^*(1 - e^{-R_D/R_D^*})`,
    :math:`\log D' = u + \log q_D`; :math:`\log U_N = (a - b + \log\alpha - \log\beta + \beta u)/\alpha`,
    above it :math:`R_N = N/U_N - 1` and :math:`\log N' = \log U_N + \log q_N`, below it
    :math:`N' = N`; :math:`\log L = \mathrm{LSE}(e, a - \alpha \log N', b - \beta \log D')`.
    """
    a, b, e, alpha = (theta[:, j:j + 1] for j in range(4))
    beta = alpha if tied else theta[:, 4:5]
    rho_d, rho_n = theta[:, -2:-1], theta[:, -1:]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        u = np.minimum(log_u, log_d)
        r_d = np.expm1(log_d - u)                       # repeated epochs of data, (n,)
        R_d = np.exp(rho_d)
        x_d = r_d / R_d
        e_d = np.exp(-x_d)
        h_d = -np.expm1(-x_d)
        q_d = 1.0 + R_d * h_d
        log_dp = u + np.log(q_d)
        dlogdp_rho = (R_d * h_d - r_d * e_d) / q_d
        log_ratio = np.zeros_like(alpha) if tied else np.log(alpha) - np.log(beta)
        lu0 = (a - b + log_ratio + beta * u) / alpha     # log U_N, (S, n)
        over = log_n > lu0
        r_n = np.where(over, np.expm1(np.where(over, log_n - lu0, 0.0)), 0.0)
        R_n = np.exp(rho_n)
        x_n = r_n / R_n
        e_n = np.exp(-x_n)
        h_n = -np.expm1(-x_n)
        q_n = 1.0 + R_n * h_n
        log_np = np.where(over, lu0 + np.log(q_n), log_n)
        dlognp_lu0 = np.where(over, 1.0 - e_n * (r_n + 1.0) / q_n, 0.0)
        dlognp_rho = np.where(over, (R_n * h_n - r_n * e_n) / q_n, 0.0)
        t1 = np.exp(a - alpha * log_np - e)
        t2 = np.exp(b - beta * log_dp - e)
        s = 1.0 + t1 + t2
        y = e + np.log(s)
        p1, p2 = t1 / s, t2 / s
        parts = [p1 * (1.0 - dlognp_lu0), p2 + p1 * dlognp_lu0, 1.0 / s]
        if tied:
            parts.append(-p1 * log_np - p2 * log_dp - p1 * dlognp_lu0 * (u - lu0))
        else:
            parts.append(-p1 * log_np - p1 * dlognp_lu0 * (1.0 / alpha - lu0))
            parts.append(-p2 * log_dp - p1 * dlognp_lu0 * (u - 1.0 / beta))
        parts += [-beta * p2 * dlogdp_rho, -alpha * p1 * dlognp_rho]
    return y, parts


def _dc_vjp_factory(tied):
    def log_predict_vjp(theta, log_n, log_d, log_u):
        y, parts = _dc_log_core(theta, log_n, log_d, log_u, tied)

        def vjp(v):
            with np.errstate(over="ignore", invalid="ignore"):
                return np.column_stack([np.einsum("ij,ij->i", v, np.broadcast_to(p, v.shape)) for p in parts])

        return y, vjp

    return log_predict_vjp


def _dc_to_params(theta):
    a, b, e, alpha, rd, rn = np.moveaxis(theta, -1, 0)
    return {"E": np.exp(e), "A": np.exp(a), "B": np.exp(b), "alpha": alpha, "R_D_star": np.exp(rd),
            "R_N_star": np.exp(rn)}


def _dc_from_params(p):
    return np.stack([np.log(p["A"]), np.log(p["B"]), np.log(p["E"]), p["alpha"], np.log(p["R_D_star"]),
                     np.log(p["R_N_star"])], axis=-1)


def _dc_untied_to_params(theta):
    a, b, e, alpha, beta, rd, rn = np.moveaxis(theta, -1, 0)
    return {"E": np.exp(e), "A": np.exp(a), "B": np.exp(b), "alpha": alpha, "beta": beta,
            "R_D_star": np.exp(rd), "R_N_star": np.exp(rn)}


def _dc_untied_from_params(p):
    return np.stack([np.log(p["A"]), np.log(p["B"]), np.log(p["E"]), p["alpha"], p["beta"],
                     np.log(p["R_D_star"]), np.log(p["R_N_star"])], axis=-1)


def _dc_grid_axes(name):
    # "hoffmann" (the default name): 48 starts, a, b in {2.5, 10}, e = 0.5, alpha in
    # {0.25, 0.5, 1}, R_D*, R_N* in {3, 30}. On the 250 kept runs of Muennighoff et al. it
    # reaches the optimum of a 108-start grid (and of 864 starts) to 1e-15, in half the time.
    if name == "hoffmann":
        return np.array([2.5, 10.0]), np.array([0.5]), np.array([0.25, 0.5, 1.0]), np.log([3.0, 30.0])
    if name == "coarse":
        return np.array([5.0, 10.0]), np.array([0.5]), np.array([0.3, 0.6]), np.log([3.0, 30.0])
    raise ScalingError(f"unknown grid {name!r}; known grids: hoffmann, coarse")


def _dc_grid(name):
    ab, e, alpha, rho = _dc_grid_axes(name)
    mesh = np.meshgrid(ab, ab, e, alpha, rho, rho, indexing="ij")
    return np.column_stack([m.ravel() for m in mesh])


def _dc_untied_grid(name):
    grid = _dc_grid(name)
    return np.column_stack([grid[:, :4], grid[:, 3], grid[:, 4:]])


_DC_DOC = r"""Data-constrained law of Muennighoff et al. (2023), "Scaling Data-Constrained Language
    Models", NeurIPS, arXiv:2305.16264, Eq. 5.

    .. math::

        L(N, D, U) = E + \frac{A}{N'^{\alpha}} + \frac{B}{D'^{\beta}}, \quad
        D' = U + U R_D^* (1 - e^{-R_D/R_D^*}), \quad R_D = \max(D/U - 1, 0),

        N' = U_N + U_N R_N^* (1 - e^{-R_N/R_N^*}), \quad U_N = \min(N, G (U G)^{\beta/\alpha}),
        \quad R_N = N/U_N - 1,

    with :math:`G = (\alpha A/\beta B)^{1/(\alpha+\beta)}`: :math:`U_N` is the parameter count
    that is compute-optimal for :math:`U` tokens under the law's own Chinchilla terms
    (Hoffmann et al. 2022, Eq. 4), as in the README of huggingface/datablations. Repeated
    tokens are worth less and less (:math:`R_D^*` epochs is the decay constant), and so are
    parameters beyond :math:`U_N`. :math:`U` is the number of unique tokens; as a covariate
    of a fit (column ``n_unique_tokens``) it must not exceed :math:`D`. Fixed with
    :meth:`Law.at` it is a pool of unique tokens: a run of :math:`D < U` tokens sees
    :math:`D` of them.

    Fitted in log space as :math:`\log L = \mathrm{LSE}(a - \alpha\log N', b - \beta\log D', e)`
    with :math:`\theta = (a, b, e, \alpha, [\beta,] \log R_D^*, \log R_N^*)`; its gradient
    is analytic (:func:`_dc_log_core`; tests check it against finite differences).
    """

DATA_CONSTRAINED = Law(
    name="data_constrained",
    param_names=("E", "A", "B", "alpha", "R_D_star", "R_N_star"),
    bounds={"E": (0.0, 10.0), "A": (0.0, np.inf), "B": (0.0, np.inf), "alpha": (0.0, 3.0),
            "R_D_star": (0.0, np.inf), "R_N_star": (0.0, np.inf)},
    formula=r"L(N, D, U) = E + \frac{A}{N'^{\alpha}} + \frac{B}{D'^{\alpha}}, "
            r"D' = U + U R_D^* (1 - e^{-R_D/R_D^*}), N' = U_N + U_N R_N^* (1 - e^{-R_N/R_N^*})",
    source="Muennighoff et al. (2023), Scaling Data-Constrained Language Models, arXiv:2305.16264, Eq. 5 "
           "(exponents tied, alpha = beta, as in the published fit)",
    theta_names=("a", "b", "e", "alpha", "log_R_D_star", "log_R_N_star"),
    functions=LawFunctions(
        predict=_dc_predict,
        to_params=_dc_to_params,
        from_params=_dc_from_params,
        log_predict_vjp=_dc_vjp_factory(tied=True),
        grid=_dc_grid,
        check_inputs=_dc_check_inputs,
    ),
    doc=_DC_DOC + r"""
    This entry ties the exponents (:math:`\beta = \alpha`), as the published fit does;
    ``data_constrained_untied`` frees :math:`\beta`.
    """,
    covariates=("n_unique_tokens",),
)

DATA_CONSTRAINED_UNTIED = dataclasses.replace(
    DATA_CONSTRAINED,
    name="data_constrained_untied",
    param_names=("E", "A", "B", "alpha", "beta", "R_D_star", "R_N_star"),
    bounds={**DATA_CONSTRAINED.bounds, "beta": (0.0, 3.0)},
    formula=DATA_CONSTRAINED.formula.replace(r"D'^{\alpha}", r"D'^{\beta}"),
    source="Muennighoff et al. (2023), arXiv:2305.16264, Eq. 5 with separate exponents",
    theta_names=("a", "b", "e", "alpha", "beta", "log_R_D_star", "log_R_N_star"),
    functions=dataclasses.replace(
        DATA_CONSTRAINED.functions,
        predict=_dc_untied_predict,
        to_params=_dc_untied_to_params,
        from_params=_dc_untied_from_params,
        log_predict_vjp=_dc_vjp_factory(tied=False),
        grid=_dc_untied_grid,
    ),
    doc=_DC_DOC + "\n    This entry has separate exponents alpha and beta.\n",
)

#: The laws of this family, in registry order.
LAWS = (DATA_CONSTRAINED, DATA_CONSTRAINED_UNTIED)
