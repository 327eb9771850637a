r"""Parametric scaling laws: the one home of each law's maths.

Each law is a frozen :class:`Law` in a registry (:func:`get_law`, :func:`names`) and
answers, vectorised over draws, every question the package asks of a law:

- :meth:`Law.predict` ``(params, n_params, n_tokens) -> loss``
- :meth:`Law.derived` ``(params) -> dict`` (chinchilla: ``a``, ``b``, ``G``)
- :meth:`Law.irreducible_loss` ``(params)``: the loss with unbounded N and D
- :meth:`Law.allocate` ``(params, compute_flops) -> (n_params, n_tokens)``: compute-optimal
  split under :math:`C = 6 N D`
- :meth:`Law.loss_at_optimum` ``(params, compute_flops) -> loss``
- :meth:`Law.compute_for_loss` ``(params, loss) -> (compute_flops, n_params, n_tokens)``
- :meth:`Law.tokens_for_loss` ``(params, n_params, loss) -> n_tokens``
- :meth:`Law.min_total_for_loss` ``(params, loss, inference_tokens) -> (total_flops, n_params, n_tokens)``:
  least training plus inference compute, :math:`6 N D + 2 N T`
- :meth:`Law.allocate_total` ``(params, total_flops, inference_tokens) -> (n_params, n_tokens)``:
  least loss within a budget that pays for training and inference
- ``param_names``, ``bounds``, and for fitting the log-prediction and its gradient.

``params`` holds floats or arrays of draws, and every answer broadcasts like
:meth:`Law.predict`, e.g. parameters of shape ``(n_draws, 1)`` against budgets of shape
``(n_budgets,)`` give ``(n_draws, n_budgets)``. Answers a draw cannot give (a loss at or
below its irreducible loss, an optimum outside the numeric search range) are NaN.

A law with closed forms (chinchilla) supplies them; a law without (kaplan) gets the
generic numeric versions below, so that adding a law is adding one :class:`Law`:

- allocation: along :math:`D = C / 6N` the loss is unimodal in :math:`x = \log N`; its
  minimum is found by vectorised bisection on the sign of :math:`dL/dx`, computed exactly
  by the complex step :math:`dL/dx = \operatorname{Im} L(x + ih) / h` (Squire & Trapp 1998,
  "Using complex variables to estimate derivatives of real functions", SIAM Review 40(1)).
  The derivative stays exact when the reducible loss is many orders below the irreducible
  one, where comparing loss values cannot locate the minimum. A law's formula must
  therefore accept complex inputs (write it with ``+ - * / **``, ``exp`` and ``log``);
- least compute, tokens for a loss: bisection in :math:`\log C` or :math:`\log D` of a
  loss that decreases with it;
- inference-aware sizing: golden-section search in :math:`\log N`.

For fitting, each law also has an unconstrained parameterisation ``theta`` (e.g.
``a = log A``) with the log-loss prediction and its vector-Jacobian product, so
that :mod:`scaling.fitting` can optimise many starts at once.

Physical domains
----------------
The ranges below are the inputs the package answers queries for (:mod:`scaling.sizing`
refuses others with a :class:`~scaling.errors.ScalingError`, and warns when an answer
falls outside them):

- :data:`COMPUTE_FLOPS_RANGE` = 1e12 .. 1e32 FLOPs: from a toy run (a 1e4-parameter model
  on 2e7 tokens) to about a million times the largest training runs reported by 2024
  (about 4e25 FLOPs, Epoch AI, "Notable AI Models", https://epoch.ai/data);
- :data:`N_PARAMS_RANGE` = 1e3 .. 1e16 parameters: a tiny model to 1e4 times the largest
  dense models built;
- :data:`N_TOKENS_RANGE` = 1e3 .. 1e17 tokens: about a thousand times the stock of
  public human text (about 3e14 tokens, Villalobos et al. 2024, "Will we run out of data?",
  https://arxiv.org/abs/2211.04325);
- :data:`INFERENCE_TOKENS_MAX` = 1e20 tokens served over a model's life.

Examples
--------
>>> from scaling.laws import get_law
>>> law = get_law("chinchilla")
>>> p = dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)
>>> round(float(law.predict(p, 70e9, 1.4e12)), 3)
1.937
>>> n, d = law.allocate(p, 5.76e23)
>>> round(float(6 * n * d / 5.76e23), 12)
1.0
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ._checks import check_number
from .errors import ScalingError

__all__ = [
    "Law", "get_law", "names", "CHINCHILLA", "CHINCHILLA_TIED", "KAPLAN", "DATA_CONSTRAINED", "DATA_CONSTRAINED_UNTIED", "COMPUTE_FLOPS_RANGE", "N_PARAMS_RANGE",
    "N_TOKENS_RANGE", "INFERENCE_TOKENS_MAX",
]

#: Training compute (FLOPs, C = 6 N D) the package answers for.
COMPUTE_FLOPS_RANGE = (1e12, 1e32)
#: Parameter counts the package answers for.
N_PARAMS_RANGE = (1e3, 1e16)
#: Training-token counts the package answers for.
N_TOKENS_RANGE = (1e3, 1e17)
#: Most tokens served (inference) over a model's life that the package answers for.
INFERENCE_TOKENS_MAX = 1e20

# Search ranges of the generic numerics (wider than the domains: answers outside the
# domains are computed, then flagged by the callers; beyond these ranges they are NaN).
_COMPUTE_SEARCH = (1e0, 1e60)  # FLOPs
_TOKENS_SEARCH = (1e0, 1e150)  # tokens
_N_SEARCH = (1e-30, 1e150)     # parameters, for the smallest N reaching a loss
_HALF_WIDTH = 60.0             # allocation searches log N within sqrt(C/6) * exp(+-60)
_STEP = 1e-20                  # complex step
_MAX_ITER = 400


def _query_array(name: str, value) -> np.ndarray:
    """A query input as a float array; ``ScalingError`` for what is not a number (a string, None, a dict).

    Values are not range-checked here: answers a draw cannot give are NaN (module docstring).
    """
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        raise ScalingError(f"{name} must be a number or an array of numbers, got {shown}") from None


def _param_array(params: Mapping[str, Any], name: str) -> np.ndarray:
    try:
        value = params[name]
    except (KeyError, IndexError):
        raise ScalingError(f"parameters lack {name!r}; got: {', '.join(map(str, params.keys()))}") from None
    return _query_array(f"parameter {name}", value)


# --------------------------------------------------------------------------------------
# generic numerics (vectorised over any broadcast shape)
# --------------------------------------------------------------------------------------
def _converged(lo, hi) -> bool:
    width = hi - lo
    scale = np.maximum(np.maximum(np.abs(lo), np.abs(hi)), 1.0)
    return bool(np.all(~(width > 4 * np.finfo(float).eps * scale)))


def _argmin_log(loss_of_x: Callable, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
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
            g = np.imag(loss_of_x(x + 1j * _STEP)) / _STEP
        return np.where(np.isfinite(g), g, np.where(x > centre, 1.0, -1.0))

    ok = (slope(lo) < 0) & (slope(hi) > 0)
    for _ in range(_MAX_ITER):
        if _converged(lo, hi):
            break
        mid = 0.5 * (lo + hi)
        up = slope(mid) > 0
        hi = np.where(up, mid, hi)
        lo = np.where(up, lo, mid)
    return np.where(ok, 0.5 * (lo + hi), np.nan)


def _solve_decreasing(fun: Callable, target: np.ndarray, lo: float, hi: float, shape) -> np.ndarray:
    """``y`` in ``[lo, hi]`` with ``fun(y) == target`` for a decreasing ``fun``, by bisection.

    NaN where ``target`` is not within ``[fun(hi), fun(lo)]`` (or is NaN).
    """
    lo, hi = np.full(shape, float(lo)), np.full(shape, float(hi))
    target = np.broadcast_to(np.asarray(target, dtype=float), shape)
    with np.errstate(all="ignore"):
        ok = (fun(hi) < target) & (fun(lo) >= target)
        for _ in range(_MAX_ITER):
            if _converged(lo, hi):
                break
            mid = 0.5 * (lo + hi)
            above = fun(mid) > target
            lo = np.where(above, mid, lo)
            hi = np.where(above, hi, mid)
    return np.where(ok, 0.5 * (lo + hi), np.nan)


def _solve_log_newton(fun_slope: Callable, target: np.ndarray, floor: np.ndarray, lo: float, hi: float,
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
        for _ in range(_MAX_ITER):
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


def _golden_min(cost: Callable, lo: np.ndarray, hi: np.ndarray, n_steps: int = 200) -> np.ndarray:
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


@dataclass(frozen=True)
class Law:
    r"""A parametric law L(N, D) of training loss against parameters and tokens.

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"chinchilla"``.
    param_names : tuple of str
        Natural parameter names, in the order used by draws and files.
    bounds : dict
        ``name -> (lower, upper)``: where the law is meaningful. The fits are
        unconstrained (as in Hoffmann et al.); a result at or beyond a bound is
        flagged by the fit's ``warnings()``.
    formula : str
        The formula in LaTeX.
    source : str
        The paper it comes from.
    theta_names : tuple of str
        Names of the unconstrained fitting parameters.
    derived_names : tuple of str
        Names of :meth:`derived` quantities.

    Notes
    -----
    The closed forms (``_allocate``, ``_compute_for_loss``, ``_tokens_for_loss``,
    ``_loss_at_optimum``) are optional; without them the generic numerics of this
    module answer. ``_predict(*params, n_params, n_tokens)`` must accept complex
    inputs and ``n_tokens = inf`` (the infinite-data limit).
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
    _allocate: Callable | None = field(default=None, repr=False)
    _loss_at_optimum: Callable | None = field(default=None, repr=False)
    _compute_for_loss: Callable | None = field(default=None, repr=False)
    _tokens_for_loss: Callable | None = field(default=None, repr=False)
    derived_names: tuple[str, ...] = ()
    doc: str = ""
    covariates: tuple[str, ...] = ()
    _check_inputs: Callable | None = field(default=None, repr=False)

    @property
    def n_params(self) -> int:
        """Number of free parameters of the law."""
        return len(self.param_names)

    @property
    def has_closed_forms(self) -> bool:
        """Whether allocation and least compute have closed forms (else generic numerics)."""
        return self._allocate is not None

    def _values(self, params: Mapping[str, Any], query: bool = True) -> tuple[np.ndarray, ...]:
        if query and self.covariates:
            raise ScalingError(
                f"the {self.name} law needs {', '.join(self.covariates)} to answer this query; give it "
                f"(e.g. unique_tokens= in scaling.optimal, --unique-tokens in the CLI) or bind it with "
                f"law.at({self.covariates[0]}=...)")
        if not isinstance(params, Mapping) and not hasattr(params, "columns"):
            raise ScalingError(f"params must be a mapping of {', '.join(self.param_names)}, "
                               f"got {type(params).__name__}")
        return tuple(_param_array(params, p) for p in self.param_names)

    # -- the law itself -------------------------------------------------------------
    def predict(self, params: Mapping[str, Any], n_params, n_tokens, **covariates) -> np.ndarray:
        """Predicted loss; broadcasts ``params`` (floats or arrays of draws) against N and D.

        A law with ``covariates`` (data_constrained: ``n_unique_tokens``) takes them as
        keyword arguments, broadcast like N and D.
        """
        values = self._values(params, query=False)
        n_params = _query_array("n_params", n_params)
        n_tokens = _query_array("n_tokens", n_tokens)
        extra = self._covariate_args(covariates)
        if self._check_inputs is not None and extra:
            self._check_inputs(n_params, n_tokens, *extra)
        return self._predict(*values, n_params, n_tokens, *extra)

    def _covariate_args(self, covariates: Mapping[str, Any]) -> tuple[np.ndarray, ...]:
        """The covariates in the law's order, as positive float arrays; ``ScalingError`` otherwise."""
        unknown = [k for k in covariates if k not in self.covariates]
        if unknown:
            takes = ", ".join(self.covariates) if self.covariates else "only n_params and n_tokens"
            raise ScalingError(f"the {self.name} law takes no {', '.join(unknown)} (it takes {takes})")
        missing = [k for k in self.covariates if covariates.get(k) is None]
        if missing:
            raise ScalingError(f"the {self.name} law needs {', '.join(missing)}")
        return tuple(np.asarray(check_number(k, covariates[k]), dtype=float) for k in self.covariates)

    def at(self, **covariates) -> "Law":
        """This law with its covariates fixed: a law of (N, D) only.

        ``get_law("data_constrained").at(n_unique_tokens=U)`` is the loss surface for a
        pool of ``U`` unique tokens, so every question of a two-variable law (allocation,
        least compute, tokens for a loss, ...) is answered by the generic numerics of this
        module. An array (one value per run) binds per-run values, as
        :func:`scaling.fitting.fit` does for the log-prediction.
        """
        if not self.covariates:
            raise ScalingError(f"the {self.name} law has no covariates to fix")
        extra = self._covariate_args(covariates)
        logs = tuple(np.log(x) for x in extra)
        base_predict, base_vjp = self._predict, self._log_predict_vjp

        def predict(*args):
            return base_predict(*args, *extra)

        def log_predict_vjp(theta, log_n, log_d):
            return base_vjp(theta, log_n, log_d, *logs)

        return dataclasses.replace(self, covariates=(), _predict=predict, _log_predict_vjp=log_predict_vjp,
                                   _check_inputs=None)

    def covariate_values(self, runs) -> dict[str, np.ndarray]:
        """The extra run columns this law needs (data_constrained: ``n_unique_tokens``), checked.

        ``runs`` is a validated runs table (``n_params``, ``n_tokens`` columns). Empty for a
        law of (N, D) only.

        Raises
        ------
        ScalingError
            A missing column, a value that is not a finite positive number, or a value the
            law refuses (data_constrained: more unique tokens than tokens).
        """
        out = {}
        for name in self.covariates:
            if name not in runs.columns:
                raise ScalingError(f"the {self.name} law needs a {name!r} column in the runs; they have: "
                                   f"{', '.join(map(str, runs.columns))}")
            try:
                values = np.asarray(runs[name], dtype=float)
            except (TypeError, ValueError):
                raise ScalingError(f"column {name!r} must hold numbers") from None
            out[name] = np.asarray(check_number(f"column {name!r}", values), dtype=float).reshape(-1)
        if out and self._check_inputs is not None:
            self._check_inputs(np.asarray(runs["n_params"], dtype=float), np.asarray(runs["n_tokens"], dtype=float),
                               *out.values())
        return out

    def derived(self, params: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Derived quantities (for chinchilla: ``a``, ``b``, ``G`` of the compute-optimal split)."""
        if self._derived is None:
            return {}
        return self._derived(*self._values(params, query=False))

    def irreducible_loss(self, params: Mapping[str, Any]) -> np.ndarray:
        r"""The loss with unbounded parameters and data, :math:`L(\infty, \infty)` (chinchilla: E)."""
        values = self._values(params)
        with np.errstate(all="ignore"):
            return np.asarray(self._predict(*values, np.inf, np.inf), dtype=float)

    # -- compute-optimal questions ------------------------------------------------------
    def _alloc(self, values, compute_flops):
        if self._allocate is not None:
            return self._allocate(*values, compute_flops)
        return self._allocate_total(values, compute_flops, 0.0)

    def _allocate_total(self, values, total_flops, inference_tokens):
        total = _query_array("total_flops", total_flops)
        T = _query_array("inference_tokens", inference_tokens)
        shape = np.broadcast_shapes(total.shape, T.shape, *(v.shape for v in values))
        total, T = np.broadcast_to(total, shape), np.broadcast_to(T, shape)
        with np.errstate(all="ignore"):
            centre = 0.5 * np.log(total / 6.0)
            hi = np.minimum(centre + _HALF_WIDTH, np.log(total / (2.0 * T)))
            lo = centre - _HALF_WIDTH

            def loss(x):
                n = np.exp(x)
                return self._predict(*values, n, (total - 2.0 * n * T) / (6.0 * n))

            x = _argmin_log(loss, lo, hi)
            n = np.exp(x)
            return n, (total - 2.0 * n * T) / (6.0 * n)

    def allocate(self, params: Mapping[str, Any], compute_flops) -> tuple[np.ndarray, np.ndarray]:
        r"""Compute-optimal parameters and tokens for budgets :math:`C = 6 N D`.

        Minimises :math:`L(N, C / 6N)` over :math:`N` (closed form where the law has one,
        e.g. chinchilla's :math:`N = G (C/6)^a`, :math:`D = G^{-1} (C/6)^b`).

        Returns
        -------
        n_params, n_tokens : ndarray
        """
        return self._alloc(self._values(params), _query_array("compute_flops", compute_flops))

    def _loss_opt(self, values, compute_flops):
        if self._loss_at_optimum is not None:
            return self._loss_at_optimum(*values, compute_flops)
        n, d = self._alloc(values, compute_flops)
        with np.errstate(all="ignore"):
            return self._predict(*values, n, d)

    def loss_at_optimum(self, params: Mapping[str, Any], compute_flops) -> np.ndarray:
        r"""Loss of the compute-optimal model for budgets :math:`C`: :math:`L(N_{opt}(C), D_{opt}(C))`."""
        return self._loss_opt(self._values(params), _query_array("compute_flops", compute_flops))

    def compute_for_loss(self, params: Mapping[str, Any], loss) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""Least training compute reaching ``loss``, and its compute-optimal N and D.

        Inverts :meth:`loss_at_optimum` (decreasing in C): closed form where the law has
        one, else bisection in :math:`\log C` over 1 .. 1e60 FLOPs. NaN where the loss is
        unreachable (at or below the irreducible loss, or needing more than the range).

        Returns
        -------
        compute_flops, n_params, n_tokens : ndarray
        """
        values = self._values(params)
        loss = _query_array("loss", loss)
        if self._compute_for_loss is not None:
            return self._compute_for_loss(*values, loss)
        shape = np.broadcast_shapes(loss.shape, *(v.shape for v in values))

        def loss_and_slope(log_c):
            # envelope theorem: dL_opt/dlog C = dL/dlog D at the optimum (N fixed), by complex step
            n, d = self._alloc(values, np.exp(log_c))
            z = self._predict(*values, n, d * np.exp(1j * _STEP))
            return np.real(z), np.imag(z) / _STEP

        log_c = _solve_log_newton(loss_and_slope, loss, self.irreducible_loss(dict(zip(self.param_names, values))),
                                  math.log(_COMPUTE_SEARCH[0]), math.log(_COMPUTE_SEARCH[1]), shape)
        c = np.exp(log_c)
        n, d = self._alloc(values, c)
        return c, n, d

    def tokens_for_loss(self, params: Mapping[str, Any], n_params, loss) -> np.ndarray:
        r"""Tokens a model of ``n_params`` parameters needs to reach ``loss``.

        Solves :math:`L(N, D) = \text{loss}` for :math:`D` (closed form where the law has
        one, else bisection in :math:`\log D` over 1 .. 1e150). NaN where unreachable
        (:math:`L(N, \infty) \ge` loss).
        """
        return self._tokens(self._values(params), _query_array("n_params", n_params),
                            _query_array("loss", loss))

    def _tokens(self, values, n_params, loss):
        if self._tokens_for_loss is not None:
            return self._tokens_for_loss(*values, n_params, loss)
        shape = np.broadcast_shapes(n_params.shape, loss.shape, *(v.shape for v in values))
        log_d = _solve_decreasing(lambda y: self._predict(*values, n_params, np.exp(y)), loss,
                                  math.log(_TOKENS_SEARCH[0]), math.log(_TOKENS_SEARCH[1]), shape)
        return np.exp(log_d)

    def min_total_for_loss(self, params: Mapping[str, Any], loss, inference_tokens,
                           n_steps: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""Least training plus inference compute reaching ``loss``, counting served tokens.

        Minimises :math:`6 N D(N) + 2 N T` over :math:`N`, with :math:`D(N)` from
        :meth:`tokens_for_loss` and :math:`T` tokens served (Sardana & Frankle 2023,
        "Beyond Chinchilla-Optimal", https://arxiv.org/abs/2401.00448), by a vectorised
        golden-section search in :math:`\log N` over 40 nats above the smallest N that
        reaches the loss with unbounded data, :math:`L(N, \infty) = \text{loss}`.

        Returns
        -------
        total_flops, n_params, n_tokens : ndarray
        """
        values = self._values(params)
        loss = _query_array("loss", loss)
        T = _query_array("inference_tokens", inference_tokens)
        shape = np.broadcast_shapes(loss.shape, T.shape, *(v.shape for v in values))
        with np.errstate(all="ignore"):
            log_n_min = _solve_decreasing(lambda x: self._predict(*values, np.exp(x), np.inf), loss,
                                          math.log(_N_SEARCH[0]), math.log(_N_SEARCH[1]), shape)

            def cost(log_n):
                n = np.exp(log_n)
                out = 6.0 * n * self._tokens(values, n, loss) + 2.0 * n * T
                return np.where(np.isnan(out), np.inf, out)

            log_n = _golden_min(cost, log_n_min + 1e-9, log_n_min + 40.0, n_steps)
            log_n = np.where(np.isfinite(log_n_min), log_n, np.nan)
            n = np.exp(log_n)
            d = self._tokens(values, n, loss)
            return 6.0 * n * d + 2.0 * n * T, n, d

    def allocate_total(self, params: Mapping[str, Any], total_flops, inference_tokens
                       ) -> tuple[np.ndarray, np.ndarray]:
        r"""Least loss within a budget that pays for training and serving ``inference_tokens``.

        Minimises :math:`L(N, D)` subject to :math:`6 N D + 2 N T = C_{total}`, i.e.
        :math:`D = (C_{total} - 2 N T) / 6N`, over :math:`N < C_{total} / 2T` (numeric for
        every law; with :math:`T = 0` it is :meth:`allocate`).

        Returns
        -------
        n_params, n_tokens : ndarray
        """
        return self._allocate_total(self._values(params), _query_array("total_flops", total_flops),
                                    _query_array("inference_tokens", inference_tokens))

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
        if self.covariates:
            raise ScalingError(f"the {self.name} law needs {', '.join(self.covariates)} per run: "
                               f"use law.at({self.covariates[0]}=...) (scaling.fitting.fit does)")
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
        c6 = compute_flops / 6.0
        return d["G"] * c6 ** d["a"], c6 ** d["b"] / d["G"]


def _chin_k(A, B, alpha, beta, G):
    return A * G ** (-alpha) + B * G**beta


def _chin_loss_at_optimum(E, A, B, alpha, beta, compute_flops):
    r""":math:`L_{opt}(C) = E + K (C/6)^{-\alpha\beta/(\alpha+\beta)}`, :math:`K = A G^{-\alpha} + B G^{\beta}`."""
    G = _chin_derived(E, A, B, alpha, beta)["G"]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return E + _chin_k(A, B, alpha, beta, G) * (compute_flops / 6.0) ** (-alpha * beta / (alpha + beta))


def _chin_compute_for_loss(E, A, B, alpha, beta, loss):
    r"""Inverse of :func:`_chin_loss_at_optimum`:
    :math:`C = 6 \left((L - E)/K\right)^{-(\alpha+\beta)/(\alpha\beta)}`; NaN where :math:`L \le E`."""
    d = _chin_derived(E, A, B, alpha, beta)
    a, b, G = d["a"], d["b"], d["G"]
    K = _chin_k(A, B, alpha, beta, G)
    gap = loss - E
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        c6 = np.where(gap > 0, (np.where(gap > 0, gap, 1.0) / K) ** (-(alpha + beta) / (alpha * beta)), np.nan)
        return 6.0 * c6, G * c6**a, c6**b / G


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
    _predict=_chin_predict,
    _to_params=_chin_to_params,
    _from_params=_chin_from_params,
    _log_predict_vjp=_chin_log_predict_vjp,
    _grid=_chin_grid,
    _derived=_chin_derived,
    _allocate=_chin_allocate,
    _loss_at_optimum=_chin_loss_at_optimum,
    _compute_for_loss=_chin_compute_for_loss,
    _tokens_for_loss=_chin_tokens_for_loss,
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
    _predict=_tied_predict,
    _to_params=_tied_to_params,
    _from_params=_tied_from_params,
    _log_predict_vjp=_tied_log_predict_vjp,
    _grid=_tied_grid,
    _derived=_tied(_chin_derived),
    _allocate=_tied(_chin_allocate),
    _loss_at_optimum=_tied(_chin_loss_at_optimum),
    _compute_for_loss=_tied(_chin_compute_for_loss),
    _tokens_for_loss=_tied(_chin_tokens_for_loss),
    derived_names=("a", "b", "G"),
    doc=r"""Chinchilla law with one exponent for both terms (four parameters).

    .. math:: L(N, D) = E + A N^{-\alpha} + B D^{-\alpha}

    The chinchilla closed forms with :math:`\beta = \alpha`: :math:`a = b = 1/2`, so the
    compute-optimal ratio :math:`D/N = G^{-2} = (B/A)^{1/\alpha}` does not change with compute.
    A nested alternative to the five-parameter law, for :mod:`scaling.compare`.
    """,
)


# --------------------------------------------------------------------------------------
# Kaplan et al. (2020), Eq. 1.5
# --------------------------------------------------------------------------------------
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
    _predict=_kap_predict,
    _to_params=_kap_to_params,
    _from_params=_kap_from_params,
    _log_predict_vjp=_kap_log_predict_vjp,
    _grid=_kap_grid,
    doc=r"""Kaplan law (no irreducible term).

    .. math:: L(N, D) = \left[(N_c/N)^{\alpha_N/\alpha_D} + D_c/D\right]^{\alpha_D}

    Kaplan et al. (2020) report :math:`\alpha_N = 0.076, \alpha_D = 0.095,
    N_c = 8.8 \times 10^{13}, D_c = 5.4 \times 10^{13}` (non-embedding parameters).
    It has no closed-form allocation: the generic numerics of :mod:`scaling.laws` answer.
    The "hoffmann" grid for this law is a Hoffmann-style regular grid
    (log N_c, log D_c in {20, 25, ..., 40}; alpha_N, alpha_D in {0.05, 0.1, 0.2, 0.4}).
    """,
)

_REGISTRY: dict[str, Law] = {law.name: law for law in (CHINCHILLA, CHINCHILLA_TIED, KAPLAN)}


# --------------------------------------------------------------------------------------
# Data-constrained: Muennighoff et al. (2023), Eq. 5 and App. A
# --------------------------------------------------------------------------------------
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
    _predict=_dc_predict,
    _to_params=_dc_to_params,
    _from_params=_dc_from_params,
    _log_predict_vjp=_dc_vjp_factory(tied=True),
    _grid=_dc_grid,
    doc=_DC_DOC + r"""
    This entry ties the exponents (:math:`\beta = \alpha`), as the published fit does;
    ``data_constrained_untied`` frees :math:`\beta`.
    """,
    covariates=("n_unique_tokens",),
    _check_inputs=_dc_check_inputs,
)

DATA_CONSTRAINED_UNTIED = dataclasses.replace(
    DATA_CONSTRAINED,
    name="data_constrained_untied",
    param_names=("E", "A", "B", "alpha", "beta", "R_D_star", "R_N_star"),
    bounds={**DATA_CONSTRAINED.bounds, "beta": (0.0, 3.0)},
    formula=DATA_CONSTRAINED.formula.replace(r"D'^{\alpha}", r"D'^{\beta}"),
    source="Muennighoff et al. (2023), arXiv:2305.16264, Eq. 5 with separate exponents",
    theta_names=("a", "b", "e", "alpha", "beta", "log_R_D_star", "log_R_N_star"),
    _predict=_dc_untied_predict,
    _to_params=_dc_untied_to_params,
    _from_params=_dc_untied_from_params,
    _log_predict_vjp=_dc_vjp_factory(tied=False),
    _grid=_dc_untied_grid,
    doc=_DC_DOC + "\n    This entry has separate exponents alpha and beta.\n",
)

for _law in (DATA_CONSTRAINED, DATA_CONSTRAINED_UNTIED):
    _REGISTRY[_law.name] = _law


def names() -> list[str]:
    """Names of the registered laws."""
    return list(_REGISTRY)


def get_law(name: "str | Law") -> Law:
    """Look up a law by name (a :class:`Law` is returned unchanged).

    Raises
    ------
    ScalingError
        ``unknown law 'chinchila'; known laws: chinchilla, kaplan``.
    """
    if isinstance(name, Law):
        return name
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ScalingError(f"unknown law {name!r}; known laws: {', '.join(_REGISTRY)}")
    return _REGISTRY[name]
