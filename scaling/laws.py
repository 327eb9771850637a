"""Parametric scaling-law forms as vectorised, pure-numpy functions.

Each law is a frozen :class:`Law` in a registry (:func:`get_law`, :func:`names`).
``Law.predict(params, n_params, n_tokens)`` broadcasts: ``params`` may hold floats
or arrays of draws, e.g. shape ``(n_draws, 1)`` against ``n_params`` of shape
``(1, n_points)``.

For fitting, each law also has an unconstrained parameterisation ``theta`` (e.g.
``a = log A``) with the log-loss prediction and its vector-Jacobian product, so
that :mod:`scaling.fitting` can optimise many starts at once.

Examples
--------
>>> from scaling.laws import get_law
>>> law = get_law("chinchilla")
>>> p = dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)
>>> round(float(law.predict(p, 70e9, 1.4e12)), 3)
1.937
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

__all__ = ["Law", "get_law", "names", "CHINCHILLA", "KAPLAN"]


def _param_array(params: Mapping[str, Any], name: str) -> np.ndarray:
    try:
        value = params[name]
    except (KeyError, IndexError):
        raise ValueError(f"parameters lack {name!r}; got: {', '.join(map(str, params.keys()))}") from None
    return np.asarray(value, dtype=float)


@dataclass(frozen=True)
class Law:
    """A parametric law L(N, D) of training loss against parameters and tokens.

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"chinchilla"``.
    param_names : tuple of str
        Natural parameter names, in the order used by draws and files.
    bounds : dict
        ``name -> (lower, upper)``: where the law is meaningful. The fits are
        unconstrained (as in Hoffmann et al.); a result at or beyond a bound is
        flagged by ``FitResult.report()``.
    formula : str
        The formula in LaTeX.
    source : str
        The paper it comes from.
    theta_names : tuple of str
        Names of the unconstrained fitting parameters.
    """

    name: str
    param_names: tuple[str, ...]
    bounds: dict[str, tuple[float, float]]
    formula: str
    source: str
    theta_names: tuple[str, ...]
    _predict: Callable = field(repr=False)
    _to_params: Callable = field(repr=False)
    _from_params: Callable = field(repr=False)
    _log_predict_vjp: Callable = field(repr=False)
    _grid: Callable = field(repr=False)
    _derived: Callable | None = field(default=None, repr=False)
    derived_names: tuple[str, ...] = ()
    doc: str = ""

    @property
    def n_params(self) -> int:
        """Number of free parameters of the law."""
        return len(self.param_names)

    def predict(self, params: Mapping[str, Any], n_params, n_tokens) -> np.ndarray:
        """Predicted loss; broadcasts ``params`` (floats or arrays of draws) against N and D."""
        values = [_param_array(params, p) for p in self.param_names]
        n_params = np.asarray(n_params, dtype=float)
        n_tokens = np.asarray(n_tokens, dtype=float)
        return self._predict(*values, n_params, n_tokens)

    def derived(self, params: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Derived quantities (for chinchilla: ``a``, ``b``, ``G`` of the compute-optimal split)."""
        if self._derived is None:
            return {}
        return self._derived(*[_param_array(params, p) for p in self.param_names])

    # -- fitting interface (unconstrained theta, shape (n_starts, k)) ----------------
    def to_params(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Natural parameters from unconstrained ``theta`` (last axis = theta_names)."""
        return self._to_params(np.asarray(theta, dtype=float))

    def from_params(self, params: Mapping[str, Any]) -> np.ndarray:
        """Unconstrained ``theta`` from natural parameters."""
        return self._from_params({p: _param_array(params, p) for p in self.param_names})

    def log_predict_vjp(self, theta: np.ndarray, log_n: np.ndarray, log_d: np.ndarray):
        """``log L`` for each start and run, and its vector-Jacobian product.

        Parameters
        ----------
        theta : ndarray, shape (S, k)
        log_n, log_d : ndarray, shape (n,)

        Returns
        -------
        y : ndarray, shape (S, n)
        vjp : callable
            ``vjp(v)`` with ``v`` of shape (S, n) returns ``sum_i v_i dy_i/dtheta``, shape (S, k).
        """
        return self._log_predict_vjp(theta, log_n, log_d)

    def grid(self, name: str) -> np.ndarray:
        """Starting points (rows of theta) of a named grid: ``"hoffmann"`` or ``"coarse"``."""
        return self._grid(name)


# --------------------------------------------------------------------------------------
# Chinchilla: Hoffmann et al. (2022), Eq. 2 / App. D.2
# --------------------------------------------------------------------------------------
def _chin_predict(E, A, B, alpha, beta, n_params, n_tokens):
    return E + A / n_params**alpha + B / n_tokens**beta


def _chin_derived(E, A, B, alpha, beta):
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        total = alpha + beta
        return {
            "a": beta / total,
            "b": alpha / total,
            "G": (alpha * A / (beta * B)) ** (1.0 / total),
        }


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
        raise ValueError(f"unknown grid {name!r}; known grids: hoffmann, coarse")
    mesh = np.meshgrid(a, b, e, alpha, beta, indexing="ij")
    return np.column_stack([m.ravel() for m in mesh])


CHINCHILLA = Law(
    name="chinchilla",
    param_names=("E", "A", "B", "alpha", "beta"),
    bounds={"E": (0.0, 10.0), "A": (0.0, np.inf), "B": (0.0, np.inf), "alpha": (0.0, 3.0), "beta": (0.0, 3.0)},
    formula=r"L(N, D) = E + \frac{A}{N^{\alpha}} + \frac{B}{D^{\beta}}",
    source="Hoffmann et al. (2022), Training Compute-Optimal Large Language Models, Eq. 2 and App. D.2",
    theta_names=("a", "b", "e", "alpha", "beta"),
    _predict=_chin_predict,
    _to_params=_chin_to_params,
    _from_params=_chin_from_params,
    _log_predict_vjp=_chin_log_predict_vjp,
    _grid=_chin_grid,
    _derived=_chin_derived,
    derived_names=("a", "b", "G"),
    doc=r"""Chinchilla law.

    .. math:: L(N, D) = E + A N^{-\alpha} + B D^{-\beta}

    fitted in log space as
    :math:`\log L = \mathrm{LSE}(a - \alpha \log N,\ b - \beta \log D,\ e)` with
    :math:`A = e^a, B = e^b, E = e^e` (Hoffmann et al. 2022, App. D.2).
    Derived: :math:`a = \beta/(\alpha+\beta)`, :math:`b = \alpha/(\alpha+\beta)`,
    :math:`G = (\alpha A / (\beta B))^{1/(\alpha+\beta)}` (Approach 3's compute-optimal split).
    """,
)


# --------------------------------------------------------------------------------------
# Kaplan et al. (2020), Eq. 1.5
# --------------------------------------------------------------------------------------
def _kap_predict(N_c, D_c, alpha_N, alpha_D, n_params, n_tokens):
    return ((N_c / n_params) ** (alpha_N / alpha_D) + D_c / n_tokens) ** alpha_D


def _kap_to_params(theta):
    c1, c2, alpha_n, alpha_d = np.moveaxis(theta, -1, 0)
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
        raise ValueError(f"unknown grid {name!r}; known grids: hoffmann, coarse")
    mesh = np.meshgrid(c, c, alpha, alpha, indexing="ij")
    return np.column_stack([m.ravel() for m in mesh])


KAPLAN = Law(
    name="kaplan",
    param_names=("N_c", "D_c", "alpha_N", "alpha_D"),
    bounds={"N_c": (0.0, np.inf), "D_c": (0.0, np.inf), "alpha_N": (0.0, 3.0), "alpha_D": (0.0, 3.0)},
    formula=r"L(N, D) = \left[\left(\frac{N_c}{N}\right)^{\alpha_N/\alpha_D} + \frac{D_c}{D}\right]^{\alpha_D}",
    source="Kaplan et al. (2020), Scaling Laws for Neural Language Models, Eq. 1.5",
    theta_names=("log_N_c", "log_D_c", "alpha_N", "alpha_D"),
    _predict=_kap_predict,
    _to_params=_kap_to_params,
    _from_params=_kap_from_params,
    _log_predict_vjp=_kap_log_predict_vjp,
    _grid=_kap_grid,
    doc=r"""Kaplan law (no irreducible term).

    .. math:: L(N, D) = \left[(N_c/N)^{\alpha_N/\alpha_D} + D_c/D\right]^{\alpha_D}

    Kaplan et al. (2020) report :math:`\alpha_N = 0.076, \alpha_D = 0.095,
    N_c = 8.8 \times 10^{13}, D_c = 5.4 \times 10^{13}` (non-embedding parameters).
    The "hoffmann" grid for this law is a Hoffmann-style regular grid
    (log N_c, log D_c in {20, 25, ..., 40}; alpha_N, alpha_D in {0.05, 0.1, 0.2, 0.4}).
    """,
)

_REGISTRY: dict[str, Law] = {law.name: law for law in (CHINCHILLA, KAPLAN)}


def names() -> list[str]:
    """Names of the registered laws."""
    return list(_REGISTRY)


def get_law(name: "str | Law") -> Law:
    """Look up a law by name (a :class:`Law` is returned unchanged).

    Raises
    ------
    ValueError
        ``unknown law 'chinchila'; known laws: chinchilla, kaplan``.
    """
    if isinstance(name, Law):
        return name
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValueError(f"unknown law {name!r}; known laws: {', '.join(_REGISTRY)}")
    return _REGISTRY[name]
