r"""The protocol of a law: :class:`LawFunctions` (what a law family supplies) and :class:`Law`.

A law family (:mod:`scaling.laws.chinchilla`, :mod:`~scaling.laws.kaplan`,
:mod:`~scaling.laws.data_constrained`) writes its maths as plain functions of the law's
parameters in order, collects them in a :class:`LawFunctions`, and wraps that in a
:class:`Law` with its names, bounds, formula and source. :class:`Law` asks the functions
every question of the package (:mod:`scaling.laws` lists them) and answers those a family
leaves out (no closed forms) with the generic numerics of :mod:`scaling.laws.numerics`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from .._checks import check_number
from .._flops import (INFERENCE_FLOPS_PER_PARAM_TOKEN, TRAINING_FLOPS_PER_PARAM_TOKEN, inference_flops, tokens_for_flops,
                      training_flops)
from ..errors import ScalingError
from .numerics import (COMPUTE_SEARCH, HALF_WIDTH, N_SEARCH, STEP, TOKENS_SEARCH, argmin_log, golden_min,
                       param_array, query_array, solve_decreasing, solve_log_newton)

__all__ = ["LawFunctions", "Law"]

_REQUIRED = ("predict", "to_params", "from_params", "log_predict_vjp", "grid")


@dataclass(frozen=True)
class LawFunctions:
    r"""The functions that define a law: the protocol a law family implements.

    ``*params`` below are the law's parameters as positional arrays, in the order of
    :attr:`Law.param_names` (chinchilla: ``E, A, B, alpha, beta``); every function
    broadcasts them against its other inputs. ``theta`` is a ``(n_starts, k)`` array of the
    unconstrained fitting parameters (:attr:`Law.theta_names`).

    Attributes
    ----------
    predict : callable
        ``predict(*params, n_params, n_tokens, *covariates) -> loss``: the law itself. It must
        accept complex N and D (the complex step of the generic numerics: write it with
        ``+ - * / **``, ``exp``, ``log``, and ``np.where`` on real parts instead of min/max)
        and ``n_tokens = inf`` (the infinite-data limit).
    to_params : callable
        ``to_params(theta) -> dict`` of natural parameters (e.g. ``A = exp(a)``); ``theta``'s
        last axis holds the theta names.
    from_params : callable
        ``from_params(params: dict) -> theta``, the inverse of ``to_params``.
    log_predict_vjp : callable
        ``log_predict_vjp(theta, log_n, log_d, *log_covariates) -> (y, vjp)``: ``y`` the
        log-loss, shape ``(S, n)``, and ``vjp(v)`` its vector-Jacobian product in theta,
        shape ``(S, k)``, for the batched optimiser of :mod:`scaling.fitting`.
    grid : callable
        ``grid(name) -> theta`` rows of a named start grid (``"hoffmann"``, ``"coarse"``);
        a :class:`~scaling.errors.ScalingError` for another name.
    derived : callable, optional
        ``derived(*params) -> dict`` of derived quantities (chinchilla: ``a``, ``b``, ``G``).
    allocate : callable, optional
        Closed form ``allocate(*params, compute_flops) -> (n_params, n_tokens)`` of the
        compute-optimal split under :math:`C = 6ND`; without it, numeric.
    loss_at_optimum : callable, optional
        Closed form ``loss_at_optimum(*params, compute_flops) -> loss``.
    compute_for_loss : callable, optional
        Closed form ``compute_for_loss(*params, loss) -> (compute_flops, n_params, n_tokens)``,
        NaN where unreachable.
    tokens_for_loss : callable, optional
        Closed form ``tokens_for_loss(*params, n_params, loss) -> n_tokens``, NaN where
        unreachable.
    check_inputs : callable, optional
        ``check_inputs(n_params, n_tokens, *covariates)`` raises a
        :class:`~scaling.errors.ScalingError` for inputs the law refuses (data_constrained:
        more unique tokens than tokens).
    """

    predict: Callable
    to_params: Callable
    from_params: Callable
    log_predict_vjp: Callable
    grid: Callable
    derived: Callable | None = None
    allocate: Callable | None = None
    loss_at_optimum: Callable | None = None
    compute_for_loss: Callable | None = None
    tokens_for_loss: Callable | None = None
    check_inputs: Callable | None = None

    def __post_init__(self):
        for name in (f.name for f in dataclasses.fields(self)):
            value = getattr(self, name)
            if not callable(value) and (name in _REQUIRED or value is not None):
                raise ScalingError(f"LawFunctions.{name} must be a function, got {type(value).__name__}")


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
    functions : LawFunctions
        The law's maths (:class:`LawFunctions`): the prediction, the fitting
        parameterisation and, optionally, closed forms. Without the closed forms
        (``allocate``, ``loss_at_optimum``, ``compute_for_loss``, ``tokens_for_loss``) the
        generic numerics of :mod:`scaling.laws.numerics` answer.
    derived_names : tuple of str
        Names of :meth:`derived` quantities.
    doc : str
        The law's formula, closed forms and fitting parameterisation, in words and LaTeX.
    covariates : tuple of str
        Extra inputs of the prediction besides N and D (data_constrained:
        ``n_unique_tokens``); :meth:`at` fixes them.
    """

    name: str
    param_names: tuple[str, ...]
    bounds: dict[str, tuple[float, float]]
    formula: str
    source: str
    theta_names: tuple[str, ...]
    functions: LawFunctions = field(repr=False)
    derived_names: tuple[str, ...] = ()
    doc: str = ""
    covariates: tuple[str, ...] = ()

    @property
    def n_params(self) -> int:
        """Number of free parameters of the law."""
        return len(self.param_names)

    @property
    def has_closed_forms(self) -> bool:
        """Whether allocation and least compute have closed forms (else generic numerics)."""
        return self.functions.allocate is not None

    def _values(self, params: Mapping[str, Any], query: bool = True) -> tuple[np.ndarray, ...]:
        if query and self.covariates:
            raise ScalingError(
                f"the {self.name} law needs {', '.join(self.covariates)} to answer this query; give it "
                f"(e.g. unique_tokens= in scaling.optimal, --unique-tokens in the CLI) or bind it with "
                f"law.at({self.covariates[0]}=...)")
        if not isinstance(params, Mapping) and not hasattr(params, "columns"):
            raise ScalingError(f"params must be a mapping of {', '.join(self.param_names)}, "
                               f"got {type(params).__name__}")
        return tuple(param_array(params, p) for p in self.param_names)

    # -- the law itself -------------------------------------------------------------
    def predict(self, params: Mapping[str, Any], n_params, n_tokens, **covariates) -> np.ndarray:
        """Predicted loss; broadcasts ``params`` (floats or arrays of draws) against N and D.

        A law with ``covariates`` (data_constrained: ``n_unique_tokens``) takes them as
        keyword arguments, broadcast like N and D.
        """
        values = self._values(params, query=False)
        n_params = query_array("n_params", n_params)
        n_tokens = query_array("n_tokens", n_tokens)
        extra = self._covariate_args(covariates)
        if self.functions.check_inputs is not None and extra:
            self.functions.check_inputs(n_params, n_tokens, *extra)
        return self.functions.predict(*values, n_params, n_tokens, *extra)

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
        least compute, tokens for a loss, ...) is answered by the generic numerics
        (:mod:`scaling.laws.numerics`). An array (one value per run) binds per-run values, as
        :func:`scaling.fitting.fit` does for the log-prediction.
        """
        if not self.covariates:
            raise ScalingError(f"the {self.name} law has no covariates to fix")
        extra = self._covariate_args(covariates)
        logs = tuple(np.log(x) for x in extra)
        base_predict, base_vjp = self.functions.predict, self.functions.log_predict_vjp

        def predict(*args):
            return base_predict(*args, *extra)

        def log_predict_vjp(theta, log_n, log_d):
            return base_vjp(theta, log_n, log_d, *logs)

        functions = dataclasses.replace(self.functions, predict=predict, log_predict_vjp=log_predict_vjp,
                                        check_inputs=None)
        return dataclasses.replace(self, covariates=(), functions=functions)

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
        if out and self.functions.check_inputs is not None:
            self.functions.check_inputs(np.asarray(runs["n_params"], dtype=float),
                                        np.asarray(runs["n_tokens"], dtype=float), *out.values())
        return out

    def derived(self, params: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Derived quantities (for chinchilla: ``a``, ``b``, ``G`` of the compute-optimal split)."""
        if self.functions.derived is None:
            return {}
        return self.functions.derived(*self._values(params, query=False))

    def irreducible_loss(self, params: Mapping[str, Any]) -> np.ndarray:
        r"""The loss with unbounded parameters and data, :math:`L(\infty, \infty)` (chinchilla: E)."""
        values = self._values(params)
        with np.errstate(all="ignore"):
            return np.asarray(self.functions.predict(*values, np.inf, np.inf), dtype=float)

    # -- compute-optimal questions ------------------------------------------------------
    def _alloc(self, values, compute_flops):
        if self.functions.allocate is not None:
            return self.functions.allocate(*values, compute_flops)
        return self._allocate_total(values, compute_flops, 0.0)

    def _allocate_total(self, values, total_flops, inference_tokens):
        total = query_array("total_flops", total_flops)
        T = query_array("inference_tokens", inference_tokens)
        shape = np.broadcast_shapes(total.shape, T.shape, *(v.shape for v in values))
        total, T = np.broadcast_to(total, shape), np.broadcast_to(T, shape)
        with np.errstate(all="ignore"):
            # N = D = sqrt(C/6) at the centre; serving alone spends the budget at N = C / 2T
            centre = 0.5 * np.log(total / TRAINING_FLOPS_PER_PARAM_TOKEN)
            hi = np.minimum(centre + HALF_WIDTH, np.log(total / (INFERENCE_FLOPS_PER_PARAM_TOKEN * T)))
            lo = centre - HALF_WIDTH

            def loss(x):
                n = np.exp(x)
                return self.functions.predict(*values, n, tokens_for_flops(total - inference_flops(n, T), n))

            x = argmin_log(loss, lo, hi)
            n = np.exp(x)
            return n, tokens_for_flops(total - inference_flops(n, T), n)

    def allocate(self, params: Mapping[str, Any], compute_flops) -> tuple[np.ndarray, np.ndarray]:
        r"""Compute-optimal parameters and tokens for budgets :math:`C = 6 N D`.

        Minimises :math:`L(N, C / 6N)` over :math:`N` (closed form where the law has one,
        e.g. chinchilla's :math:`N = G (C/6)^a`, :math:`D = G^{-1} (C/6)^b`).

        Returns
        -------
        n_params, n_tokens : ndarray
        """
        return self._alloc(self._values(params), query_array("compute_flops", compute_flops))

    def _loss_opt(self, values, compute_flops):
        if self.functions.loss_at_optimum is not None:
            return self.functions.loss_at_optimum(*values, compute_flops)
        n, d = self._alloc(values, compute_flops)
        with np.errstate(all="ignore"):
            return self.functions.predict(*values, n, d)

    def loss_at_optimum(self, params: Mapping[str, Any], compute_flops) -> np.ndarray:
        r"""Loss of the compute-optimal model for budgets :math:`C`: :math:`L(N_{opt}(C), D_{opt}(C))`."""
        return self._loss_opt(self._values(params), query_array("compute_flops", compute_flops))

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
        loss = query_array("loss", loss)
        if self.functions.compute_for_loss is not None:
            return self.functions.compute_for_loss(*values, loss)
        shape = np.broadcast_shapes(loss.shape, *(v.shape for v in values))

        def loss_and_slope(log_c):
            # envelope theorem: dL_opt/dlog C = dL/dlog D at the optimum (N fixed), by complex step
            n, d = self._alloc(values, np.exp(log_c))
            z = self.functions.predict(*values, n, d * np.exp(1j * STEP))
            return np.real(z), np.imag(z) / STEP

        log_c = solve_log_newton(loss_and_slope, loss, self.irreducible_loss(dict(zip(self.param_names, values))),
                                  math.log(COMPUTE_SEARCH[0]), math.log(COMPUTE_SEARCH[1]), shape)
        c = np.exp(log_c)
        n, d = self._alloc(values, c)
        return c, n, d

    def tokens_for_loss(self, params: Mapping[str, Any], n_params, loss) -> np.ndarray:
        r"""Tokens a model of ``n_params`` parameters needs to reach ``loss``.

        Solves :math:`L(N, D) = \text{loss}` for :math:`D` (closed form where the law has
        one, else bisection in :math:`\log D` over 1 .. 1e150). NaN where unreachable
        (:math:`L(N, \infty) \ge` loss).
        """
        return self._tokens(self._values(params), query_array("n_params", n_params),
                            query_array("loss", loss))

    def _tokens(self, values, n_params, loss):
        if self.functions.tokens_for_loss is not None:
            return self.functions.tokens_for_loss(*values, n_params, loss)
        shape = np.broadcast_shapes(n_params.shape, loss.shape, *(v.shape for v in values))
        log_d = solve_decreasing(lambda y: self.functions.predict(*values, n_params, np.exp(y)), loss,
                                  math.log(TOKENS_SEARCH[0]), math.log(TOKENS_SEARCH[1]), shape)
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
        loss = query_array("loss", loss)
        T = query_array("inference_tokens", inference_tokens)
        shape = np.broadcast_shapes(loss.shape, T.shape, *(v.shape for v in values))
        with np.errstate(all="ignore"):
            log_n_min = solve_decreasing(lambda x: self.functions.predict(*values, np.exp(x), np.inf), loss,
                                          math.log(N_SEARCH[0]), math.log(N_SEARCH[1]), shape)

            def cost(log_n):
                n = np.exp(log_n)
                out = training_flops(n, self._tokens(values, n, loss)) + inference_flops(n, T)
                return np.where(np.isnan(out), np.inf, out)

            log_n = golden_min(cost, log_n_min + 1e-9, log_n_min + 40.0, n_steps)
            log_n = np.where(np.isfinite(log_n_min), log_n, np.nan)
            n = np.exp(log_n)
            d = self._tokens(values, n, loss)
            return training_flops(n, d) + inference_flops(n, T), n, d

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
        return self._allocate_total(self._values(params), query_array("total_flops", total_flops),
                                    query_array("inference_tokens", inference_tokens))

    # -- fitting interface (unconstrained theta, shape (n_starts, k)) ----------------
    def to_params(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Natural parameters from unconstrained ``theta`` (last axis = theta_names)."""
        return self.functions.to_params(np.asarray(theta, dtype=float))

    def from_params(self, params: Mapping[str, Any]) -> np.ndarray:
        """Unconstrained ``theta`` from natural parameters."""
        return self.functions.from_params({p: param_array(params, p) for p in self.param_names})

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
        return self.functions.log_predict_vjp(theta, log_n, log_d)

    def grid(self, name: str) -> np.ndarray:
        """Starting points (rows of theta) of a named grid: ``"hoffmann"`` or ``"coarse"``."""
        return self.functions.grid(name)
