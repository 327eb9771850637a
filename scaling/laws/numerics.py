r"""The generic numerics of :mod:`scaling.laws`: what answers a law without closed forms.

Vectorised over any broadcast shape; answers a search cannot give are NaN.

- :func:`argmin_log`: the compute-optimal allocation. Along :math:`D = C / 6N` the loss is
  unimodal in :math:`x = \log N`; its minimum is found by bisection on the sign of
  :math:`dL/dx`, computed exactly by the complex step :math:`dL/dx = \operatorname{Im}
  L(x + ih) / h` (Squire & Trapp 1998, "Using complex variables to estimate derivatives of
  real functions", SIAM Review 40(1)). The derivative stays exact when the reducible loss is
  many orders below the irreducible one, where comparing loss values cannot locate the
  minimum. A law's formula must therefore accept complex inputs (``+ - * / **``, ``exp``,
  ``log``);
- :func:`solve_decreasing`, :func:`solve_log_newton`: least compute and tokens for a loss,
  in :math:`\log C` or :math:`\log D` of a loss that decreases with it;
- :func:`golden_min`: inference-aware sizing, golden-section search in :math:`\log N`;
- :func:`query_array`, :func:`param_array`: a query's inputs and a law's parameters as
  float arrays, with a :class:`~scaling.errors.ScalingError` for what is not a number.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping

import numpy as np

from ..errors import ScalingError

__all__ = ["COMPUTE_SEARCH", "TOKENS_SEARCH", "N_SEARCH", "HALF_WIDTH", "STEP", "MAX_ITER", "query_array",
           "param_array", "argmin_log", "solve_decreasing", "solve_log_newton", "golden_min"]

# Search ranges of the generic numerics (wider than the domains of scaling.laws: answers
# outside the domains are computed, then flagged by the callers; beyond these ranges they are NaN).
COMPUTE_SEARCH = (1e0, 1e60)  # FLOPs
TOKENS_SEARCH = (1e0, 1e150)  # tokens
N_SEARCH = (1e-30, 1e150)     # parameters, for the smallest N reaching a loss
HALF_WIDTH = 60.0             # allocation searches log N within sqrt(C/6) * exp(+-60)
STEP = 1e-20                  # complex step
MAX_ITER = 400


def query_array(name: str, value) -> np.ndarray:
    """A query input as a float array; ``ScalingError`` for what is not a number (a string, None, a dict).

    Values are not range-checked here: answers a draw cannot give are NaN
    (:mod:`scaling.laws`).
    """
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        raise ScalingError(f"{name} must be a number or an array of numbers, got {shown}") from None


def param_array(params: Mapping[str, Any], name: str) -> np.ndarray:
    """Parameter ``name`` of ``params`` as a float array; ``ScalingError`` naming what is missing."""
    try:
        value = params[name]
    except (KeyError, IndexError):
        raise ScalingError(f"parameters lack {name!r}; got: {', '.join(map(str, params.keys()))}") from None
    return query_array(f"parameter {name}", value)


def _converged(lo, hi) -> bool:
    width = hi - lo
    scale = np.maximum(np.maximum(np.abs(lo), np.abs(hi)), 1.0)
    return bool(np.all(~(width > 4 * np.finfo(float).eps * scale)))


def argmin_log(loss_of_x: Callable, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    r"""Minimum of a unimodal loss along :math:`x` in ``[lo, hi]``, elementwise.

    Bisection on the sign of the complex-step derivative
    :math:`\operatorname{Im} L(x + ih)/h`. Where the loss overflows (far from the
    optimum) the derivative is taken as negative below the bracket's centre and positive
    above it (the term that blows up is then the one in N, respectively in D). NaN where
    the derivative does not change sign inside the bracket.
    """
    lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
    centre = 0.5 * (lo + hi)

    def slope(x):
        with np.errstate(all="ignore"):
            g = np.imag(loss_of_x(x + 1j * STEP)) / STEP
        return np.where(np.isfinite(g), g, np.where(x > centre, 1.0, -1.0))

    ok = (slope(lo) < 0) & (slope(hi) > 0)
    for _ in range(MAX_ITER):
        if _converged(lo, hi):
            break
        mid = 0.5 * (lo + hi)
        up = slope(mid) > 0
        hi = np.where(up, mid, hi)
        lo = np.where(up, lo, mid)
    return np.where(ok, 0.5 * (lo + hi), np.nan)


def solve_decreasing(fun: Callable, target: np.ndarray, lo: float, hi: float, shape) -> np.ndarray:
    """``y`` in ``[lo, hi]`` with ``fun(y) == target`` for a decreasing ``fun``, by bisection.

    NaN where ``target`` is not within ``[fun(hi), fun(lo)]`` (or is NaN).
    """
    lo, hi = np.full(shape, float(lo)), np.full(shape, float(hi))
    target = np.broadcast_to(np.asarray(target, dtype=float), shape)
    with np.errstate(all="ignore"):
        ok = (fun(hi) < target) & (fun(lo) >= target)
        for _ in range(MAX_ITER):
            if _converged(lo, hi):
                break
            mid = 0.5 * (lo + hi)
            above = fun(mid) > target
            lo = np.where(above, mid, lo)
            hi = np.where(above, hi, mid)
    return np.where(ok, 0.5 * (lo + hi), np.nan)


def solve_log_newton(fun_slope: Callable, target: np.ndarray, floor: np.ndarray, lo: float, hi: float,
                      shape) -> np.ndarray:
    r"""``y`` in ``[lo, hi]`` with ``fun(y) == target`` for a decreasing ``fun`` above ``floor``.

    Safeguarded Newton (bisection whenever a step leaves the bracket) on
    :math:`\log(f(y) - f_\infty) - \log(\text{target} - f_\infty)`, which is nearly linear
    in :math:`y = \log C` for power laws, so it converges in a few steps.
    ``fun_slope(y)`` returns ``f(y)`` and ``df/dy``. NaN where not bracketed.
    """
    lo, hi = np.full(shape, float(lo)), np.full(shape, float(hi))
    target = np.broadcast_to(np.asarray(target, dtype=float), shape)
    floor = np.broadcast_to(np.asarray(floor, dtype=float), shape)
    with np.errstate(all="ignore"):
        log_gap = np.log(target - floor)
        ok = (fun_slope(hi)[0] < target) & (fun_slope(lo)[0] >= target) & (target > floor)
        y = 0.5 * (lo + hi)
        for _ in range(MAX_ITER):
            f, df = fun_slope(y)
            above = f > target
            lo = np.where(above, y, lo)
            hi = np.where(above, hi, y)
            step = (np.log(f - floor) - log_gap) * (f - floor) / df
            y_new = y - step
            inside = np.isfinite(y_new) & (y_new > lo) & (y_new < hi)
            y_new = np.where(inside, y_new, 0.5 * (lo + hi))
            done = ~ok | (np.abs(y_new - y) <= 4 * np.finfo(float).eps * np.maximum(np.abs(y), 1.0))
            y = y_new
            if np.all(done):
                break
    return np.where(ok, y, np.nan)


def golden_min(cost: Callable, lo: np.ndarray, hi: np.ndarray, n_steps: int = 200) -> np.ndarray:
    """Vectorised golden-section search for the minimum of a unimodal ``cost`` on ``[lo, hi]``."""
    phi = (math.sqrt(5) - 1) / 2
    x1 = hi - phi * (hi - lo)
    x2 = lo + phi * (hi - lo)
    f1, f2 = cost(x1), cost(x2)
    for _ in range(n_steps):
        left = f1 <= f2
        hi = np.where(left, x2, hi)
        lo = np.where(left, lo, x1)
        x2n = np.where(left, x1, lo + phi * (hi - lo))
        x1n = np.where(left, hi - phi * (hi - lo), x2)
        f_new = cost(np.where(left, x1n, x2n))
        f1, f2 = np.where(left, f_new, f2), np.where(left, f1, f_new)
        x1, x2 = x1n, x2n
    return 0.5 * (lo + hi)
