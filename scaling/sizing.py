r"""Compute-optimal sizing from any fitted law, with uncertainty.

The maths lives in :mod:`scaling.laws` (one :class:`~scaling.laws.Law` per law, with
chinchilla's closed forms of Hoffmann et al. 2022, Eq. 4, and generic numerics for a law
without them). This module asks the law and adds what a query needs: domain checks,
the answer for every draw, intervals and warnings.

Vectorised building blocks (``params``: a dict of floats, or a DataFrame / dict of
arrays with one entry per draw; every output has the broadcast shape; ``law`` defaults
to chinchilla):

- :func:`allocate` ``(params, compute_flops) -> (n_params, n_tokens)``
- :func:`compute_for_loss` ``(params, loss) -> (compute_flops, n_params, n_tokens)``
- :func:`loss_at` ``(params, n_params, n_tokens) -> loss``
- :func:`tokens_for_loss` ``(params, n_params, loss) -> n_tokens``
- :func:`gpt3_loss` ``(params) -> loss`` of GPT-3 (175e9 parameters, 300e9 tokens)
- :func:`min_cost_for_loss` ``(params, loss, inference_tokens)``: training plus inference FLOPs

Unreachable answers (a loss at or below the irreducible loss) are NaN in the building
blocks. :func:`optimal` checks its query against the domains stated in
:mod:`scaling.laws` and raises :class:`~scaling.errors.ScalingError` outside them.

Examples
--------
>>> p = dict(E=1.8172, A=477.76, B=2142.94, alpha=0.3473, beta=0.3672)
>>> n, d = allocate(p, 5.76e23)
>>> round(float(n) / 1e9, 1), round(float(d) / 1e12, 2)
(73.3, 1.31)
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ._checks import check_level
from .errors import ScalingError, ScalingWarning
from .laws import (COMPUTE_FLOPS_RANGE, INFERENCE_TOKENS_MAX, N_PARAMS_RANGE, N_TOKENS_RANGE, Law,
                   get_law)
from .results import DEFAULT_LEVEL, require_result, summary_frame

__all__ = [
    "optimal", "OptimalResult", "allocate", "compute_for_loss", "loss_at", "tokens_for_loss",
    "gpt3_loss", "min_cost_for_loss", "GPT3_N_PARAMS", "GPT3_N_TOKENS", "TARGETS", "EXTRAPOLATION_FACTOR",
]

GPT3_N_PARAMS = 175e9
GPT3_N_TOKENS = 300e9
TARGETS = ("gpt3",)
#: An answer more than this factor beyond the fitted runs' N or D gets an ``extrapolation`` warning.
EXTRAPOLATION_FACTOR = 10.0


# --------------------------------------------------------------------------------------
# building blocks: thin calls into the law
# --------------------------------------------------------------------------------------
def allocate(params: Mapping[str, Any], compute_flops, law: str | Law = "chinchilla"):
    r"""Compute-optimal split of a budget (:meth:`scaling.laws.Law.allocate`);
    chinchilla: :math:`N = G (C/6)^a`, :math:`D = G^{-1} (C/6)^b`."""
    return get_law(law).allocate(params, compute_flops)


def loss_at(params: Mapping[str, Any], n_params, n_tokens, law: str | Law = "chinchilla") -> np.ndarray:
    r"""Loss of the law at (N, D) (:meth:`scaling.laws.Law.predict`)."""
    return get_law(law).predict(params, n_params, n_tokens)


def gpt3_loss(params: Mapping[str, Any], law: str | Law = "chinchilla") -> np.ndarray:
    """The law's loss for GPT-3's run (175e9 parameters, 300e9 tokens)."""
    return loss_at(params, GPT3_N_PARAMS, GPT3_N_TOKENS, law)


def tokens_for_loss(params: Mapping[str, Any], n_params, loss, law: str | Law = "chinchilla") -> np.ndarray:
    r"""Tokens a model of ``n_params`` needs to reach ``loss`` (NaN where unreachable);
    chinchilla: :math:`D = \left(B / (L - E - A N^{-\alpha})\right)^{1/\beta}`."""
    return get_law(law).tokens_for_loss(params, n_params, loss)


def compute_for_loss(params: Mapping[str, Any], loss, law: str | Law = "chinchilla"):
    r"""Least compute reaching ``loss`` on the compute-optimal frontier (NaN where unreachable).

    Returns
    -------
    compute_flops, n_params, n_tokens
    """
    return get_law(law).compute_for_loss(params, loss)


def min_cost_for_loss(params: Mapping[str, Any], loss, inference_tokens, n_steps: int = 200,
                      law: str | Law = "chinchilla"):
    r"""Smallest training + inference compute :math:`6 N D + 2 N T` reaching ``loss``
    (:meth:`scaling.laws.Law.min_total_for_loss`).

    Returns
    -------
    total_flops, n_params, n_tokens
    """
    return get_law(law).min_total_for_loss(params, loss, inference_tokens, n_steps=n_steps)


# ======================================================================================
def _fmt(value: float) -> str:
    if math.isinf(value):
        return "unbounded" if value > 0 else "-unbounded"
    if math.isnan(value):
        return "n/a"
    return f"{value:.5g}"


@dataclass(frozen=True)
class OptimalResult:
    """Answer to a compute-optimal sizing query, with intervals and warnings.

    Attributes
    ----------
    law : str
    query : dict
        ``{"compute_flops": C}``, ``{"target_loss": L}`` or ``{"target": "gpt3"}`` (plus
        ``inference_tokens`` when counted).
    point : dict
        ``n_params, n_tokens, tokens_per_param, loss, compute_flops`` (and ``target_loss``,
        ``inference_flops``, ``total_flops`` where they apply) at the fit's point estimate.
    draws : pandas.DataFrame or None
        The same quantities for every draw of the fit; NaN where a draw cannot answer.
    level : float
        Interval level used by :meth:`summary` by default.
    fit_warnings : tuple of ScalingWarning
        The fit's own warnings, carried into :meth:`warnings`.
    data_range : dict or None
        The fitted runs' span (``n_params_min/max``, ``n_tokens_min/max``) when the fit
        records it in ``fit.data_range``.
    """

    law: str
    query: dict
    point: dict
    draws: pd.DataFrame | None
    level: float = DEFAULT_LEVEL
    fit_warnings: tuple = ()
    data_range: dict | None = None

    @property
    def n_draws(self) -> int:
        return 0 if self.draws is None else len(self.draws)

    @property
    def n_unreachable(self) -> int:
        """Draws that cannot answer (a target at or below their irreducible loss)."""
        if self.draws is None or not len(self.draws):
            return 0
        return int(self.draws.isna().any(axis=1).sum())

    def summary(self, level: float | None = None) -> pd.DataFrame:
        """DataFrame indexed by ``quantity`` with ``value`` (point), ``lower``, ``upper``.

        Intervals follow :func:`scaling.results.interval`: draws that cannot answer rank
        above every answer, so an end among them is ``inf``; ``attrs["n_unreachable"]``
        counts them.
        """
        level = self.level if level is None else check_level(level)
        with np.errstate(invalid="ignore"):  # inf - inf inside the quantile of unbounded ends
            out = summary_frame(self.point, self.draws, level).rename_axis("quantity")
        out.attrs["n_unreachable"] = self.n_unreachable
        return out

    def warnings(self) -> list[ScalingWarning]:
        """The fit's warnings, then ``unreachable_draws`` and ``extrapolation`` where they apply."""
        out = list(self.fit_warnings)
        if self.n_unreachable:
            out.append(ScalingWarning(
                "unreachable_draws", f"{self.n_unreachable} of {self.n_draws} draws cannot reach the target "
                "(it is at or below their irreducible loss); interval ends among them are unbounded"))
        for key, label, domain in (("n_params", "N", N_PARAMS_RANGE), ("n_tokens", "D", N_TOKENS_RANGE),
                                   ("compute_flops", "C", COMPUTE_FLOPS_RANGE)):
            value = self.point.get(key, math.nan)
            if not math.isfinite(value):
                continue
            lo, hi = domain
            if not lo <= value <= hi:
                out.append(ScalingWarning(
                    "extrapolation", f"{label} = {value:.3g} lies outside {lo:.0e} .. {hi:.0e}, the range "
                    "the package answers for (scaling.laws)"))
                continue
            rng = self.data_range or {}
            lo_d, hi_d = rng.get(f"{key}_min"), rng.get(f"{key}_max")
            if lo_d is None or hi_d is None:
                continue
            if value > EXTRAPOLATION_FACTOR * hi_d or value < lo_d / EXTRAPOLATION_FACTOR:
                side = "above the largest" if value > hi_d else "below the smallest"
                ratio = value / hi_d if value > hi_d else lo_d / value
                out.append(ScalingWarning(
                    "extrapolation", f"{label} = {value:.3g} is {ratio:.3g}x {side} {label} the fit was made on "
                    f"({lo_d:.3g} .. {hi_d:.3g}): an extrapolation of the law"))
        return out

    def to_dict(self) -> dict:
        s = self.summary()
        return {
            "law": self.law, "query": dict(self.query), "level": self.level,
            "n_draws": self.n_draws, "n_unreachable": self.n_unreachable,
            "quantities": {q: {"value": float(r["value"]), "lower": float(r["lower"]), "upper": float(r["upper"])}
                           for q, r in s.iterrows()},
            "warnings": [w.to_dict() for w in self.warnings()],
        }

    def report(self) -> str:
        lines = [f"compute-optimal sizing ({self.law} law), query: "
                 + ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                             for k, v in self.query.items())]
        pct = f"{self.level:.0%}"
        lines.append(f"  {'quantity':<18}{'value':>14}  {pct} interval")
        for q, r in self.summary().iterrows():
            lines.append(f"  {q:<18}{_fmt(r['value']):>14}  [{_fmt(r['lower'])}, {_fmt(r['upper'])}]")
        if self.draws is not None:
            lines.append(f"  {self.n_draws} draws, {self.n_unreachable} cannot answer")
        lines.extend(f"  warning: {w}" for w in self.warnings())
        return "\n".join(lines)


# --------------------------------------------------------------------------------------
# the query
# --------------------------------------------------------------------------------------
def _query_number(name: str, value, low: float, high: float, *, low_open: bool = False,
                  what: str = "") -> float:
    """A real scalar (not a bool) within ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    allowed = f"{'(' if low_open else '['}{low:g}, {high:g}]{what}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ScalingError(f"{name} must be a real number in {allowed}, got {type(value).__name__} {value!r:.60}")
    try:
        v = float(value)
    except OverflowError:
        raise ScalingError(f"{name} must be a finite number in {allowed}, got an integer of "
                           f"{len(str(abs(int(value))))} digits") from None
    if not math.isfinite(v) or v > high or v < low or (low_open and v == low):
        raise ScalingError(f"{name} must be a finite number in {allowed}, got {v!r}")
    return v


def _point_answer(law: Law, params: dict, query: dict) -> dict[str, float]:
    out = _answer(law, params, query)
    bad = [k for k, v in out.items() if not np.isfinite(v)]
    if bad:
        raise ScalingError(f"the fit's point estimate cannot answer {query}: {', '.join(bad)} not finite")
    return {k: float(np.asarray(v)) for k, v in out.items()}


def _answer(law: Law, params: Mapping[str, Any], query: dict) -> dict[str, np.ndarray]:
    """Every quantity of the answer, for one parameter set or arrays of draws."""
    out: dict[str, np.ndarray] = {}
    target_loss = query.get("target_loss")
    inference_tokens = query.get("inference_tokens")
    if query.get("target") == "gpt3":
        target_loss = law.predict(params, GPT3_N_PARAMS, GPT3_N_TOKENS)
        out["target_loss"] = target_loss
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if "compute_flops" in query:
            budget = query["compute_flops"]
            if inference_tokens is None:
                n, d = law.allocate(params, budget)
                c = budget * np.ones_like(n)
            else:
                n, d = law.allocate_total(params, budget, inference_tokens)
                c = 6.0 * n * d
        elif inference_tokens is not None:
            _, n, d = law.min_total_for_loss(params, target_loss, inference_tokens)
            c = 6.0 * n * d
        else:
            c, n, d = law.compute_for_loss(params, target_loss)
        out.update(n_params=n, n_tokens=d, tokens_per_param=d / n, loss=law.predict(params, n, d), compute_flops=c)
        if inference_tokens is not None:
            out["inference_flops"] = 2.0 * n * inference_tokens
            out["total_flops"] = c + out["inference_flops"]
    return out


def optimal(fit, compute_flops: float | None = None, target_loss: float | None = None,
            target: str | None = None, level: float = DEFAULT_LEVEL,
            inference_tokens: float | None = None) -> OptimalResult:
    r"""Compute-optimal model size and data for a budget, a target loss, or GPT-3's loss.

    Works for every registered law (closed forms or the generic numerics of
    :mod:`scaling.laws`). The point answer uses ``fit.params``; the intervals are
    percentiles of the per-draw answers by the one rule of
    :func:`scaling.results.interval`.

    Parameters
    ----------
    fit : a fitted result (``FitResult``, ``BayesFitResult``)
        Uses ``fit.law``, ``fit.params``, ``fit.draws`` and ``fit.warnings()``.
    compute_flops : float, optional
        Training budget :math:`C = 6 N D` in :data:`scaling.laws.COMPUTE_FLOPS_RANGE`
        (1e12 .. 1e32 FLOPs): returns :math:`N_{opt}`, :math:`D_{opt}` and the loss reached.
        With ``inference_tokens`` :math:`T`, the budget pays for training and serving:
        minimise :math:`L(N, D)` subject to :math:`6 N D + 2 N T = C`.
    target_loss : float, optional
        Returns the least compute (and its N, D) reaching this loss. It must lie above the
        fit's irreducible loss (E for chinchilla) and below the ceiling
        :math:`L_{opt}(10^{12})`, the loss a compute-optimal model reaches with the
        smallest budget answered.
    target : {"gpt3"}, optional
        The fitted loss of GPT-3 (175e9 parameters, 300e9 tokens), per draw, then the
        smallest compute-optimal run reaching it.
    level : float
        Interval level, default :data:`scaling.results.DEFAULT_LEVEL`.
    inference_tokens : float, optional
        Tokens served over the model's life, in [0, 1e20]. With a target: minimise
        training plus inference FLOPs, :math:`6 N D + 2 N T`; with a budget: see above.

    Raises
    ------
    ScalingError
        Not a fitted result; not exactly one query; a number out of its domain.
    """
    require_result(fit, "a fitted loss law")
    given = [name for name, v in (("compute_flops", compute_flops), ("target_loss", target_loss),
                                  ("target", target)) if v is not None]
    if len(given) != 1:
        raise ScalingError("give exactly one of compute_flops, target_loss or target "
                           f"(got {', '.join(given) if given else 'none'})")
    level = check_level(level)
    law = get_law(fit.law)
    params = {p: float(fit.params[p]) for p in law.param_names if p in fit.params}
    missing = [p for p in law.param_names if p not in params]
    if missing:
        raise ScalingError(f"the fit's params lack {', '.join(missing)} of the {law.name} law")
    query: dict[str, Any] = {}
    if compute_flops is not None:
        query["compute_flops"] = _query_number("compute_flops", compute_flops, *COMPUTE_FLOPS_RANGE,
                                               what=" FLOPs")
    if target_loss is not None:
        floor = float(law.irreducible_loss(params))
        ceiling = float(law.loss_at_optimum(params, COMPUTE_FLOPS_RANGE[0]))
        if isinstance(target_loss, numbers.Real) and not isinstance(target_loss, (bool, np.bool_)) \
                and math.isfinite(float(target_loss)) and float(target_loss) <= floor:
            raise ScalingError(f"target loss {float(target_loss)!r} is unreachable: the fitted irreducible "
                               f"loss is {floor:.4f} (E = {floor:.4f} for chinchilla); choose a loss above it")
        query["target_loss"] = _query_number(
            "target_loss", target_loss, floor, ceiling, low_open=True,
            what=f" (above the irreducible loss, at most the loss reached with {COMPUTE_FLOPS_RANGE[0]:.0e} FLOPs)")
    if target is not None:
        if target not in TARGETS:
            raise ScalingError(f"unknown target {target!r}; known targets: {', '.join(TARGETS)}")
        query["target"] = target
    if inference_tokens is not None:
        query["inference_tokens"] = _query_number("inference_tokens", inference_tokens, 0.0, INFERENCE_TOKENS_MAX,
                                                  what=" tokens")

    point = _point_answer(law, params, query)
    draws = None
    if fit.draws is not None and len(fit.draws):
        missing = [p for p in law.param_names if p not in fit.draws.columns]
        if missing:
            raise ScalingError(f"the fit's draws lack columns {', '.join(missing)}")
        dparams = {p: fit.draws[p].to_numpy(dtype=float) for p in law.param_names}
        draws = pd.DataFrame({k: np.broadcast_to(v, (len(fit.draws),)) for k, v in
                              _answer(law, dparams, query).items()})
    rng = fit.data_range  # every law fit records the span of its runs (empty for published fits)
    if not (isinstance(rng, Mapping) and all(isinstance(rng.get(k), (int, float)) for k in
                                             ("n_params_min", "n_params_max", "n_tokens_min", "n_tokens_max"))):
        rng = None
    return OptimalResult(law=law.name, query=query, point=point, draws=draws, level=level,
                         fit_warnings=tuple(fit.warnings()), data_range=None if rng is None else dict(rng))
