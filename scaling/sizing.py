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
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from . import library
from ._checks import check_level, check_number
from ._format import format_sig
from .errors import ScalingError, ScalingWarning
from .laws import (COMPUTE_FLOPS_RANGE, INFERENCE_TOKENS_MAX, N_PARAMS_RANGE, N_TOKENS_RANGE, Law,
                   get_law)
from .results import (DEFAULT_LEVEL, DrawColumns, FrameField, draw_arrays, require_result, summary_frame,
                      summary_rows)

if TYPE_CHECKING:  # a query computes on arrays; pandas loads only when a DataFrame is asked for
    import pandas as pd

__all__ = [
    "optimal", "OptimalResult", "fit_context", "loss_meaning", "allocate", "compute_for_loss", "loss_at", "tokens_for_loss",
    "gpt3_loss", "min_cost_for_loss", "extrapolation_warnings", "GPT3_N_PARAMS", "GPT3_N_TOKENS", "TARGETS", "EXTRAPOLATION_FACTOR",
]

GPT3_N_PARAMS = 175e9
GPT3_N_TOKENS = 300e9
TARGETS = ("gpt3",)
#: An answer more than this factor beyond the fitted runs' N or D gets an ``extrapolation`` warning.
EXTRAPOLATION_FACTOR = 10.0


# --------------------------------------------------------------------------------------
# building blocks: thin calls into the law (budgets, sizes and losses checked > 0 and finite)
# --------------------------------------------------------------------------------------
def allocate(params: Mapping[str, Any], compute_flops, law: str | Law = "chinchilla"):
    r"""Compute-optimal split of a budget (:meth:`scaling.laws.Law.allocate`);
    chinchilla: :math:`N = G (C/6)^a`, :math:`D = G^{-1} (C/6)^b`."""
    return get_law(law).allocate(params, check_number("compute_flops", compute_flops))


def loss_at(params: Mapping[str, Any], n_params, n_tokens, law: str | Law = "chinchilla") -> np.ndarray:
    r"""Loss of the law at (N, D) (:meth:`scaling.laws.Law.predict`)."""
    return get_law(law).predict(params, check_number("n_params", n_params), check_number("n_tokens", n_tokens))


def gpt3_loss(params: Mapping[str, Any], law: str | Law = "chinchilla") -> np.ndarray:
    """The law's loss for GPT-3's run (175e9 parameters, 300e9 tokens)."""
    return loss_at(params, GPT3_N_PARAMS, GPT3_N_TOKENS, law)


def tokens_for_loss(params: Mapping[str, Any], n_params, loss, law: str | Law = "chinchilla") -> np.ndarray:
    r"""Tokens a model of ``n_params`` needs to reach ``loss`` (NaN where unreachable);
    chinchilla: :math:`D = \left(B / (L - E - A N^{-\alpha})\right)^{1/\beta}`."""
    return get_law(law).tokens_for_loss(params, check_number("n_params", n_params), check_number("loss", loss))


def compute_for_loss(params: Mapping[str, Any], loss, law: str | Law = "chinchilla"):
    r"""Least compute reaching ``loss`` on the compute-optimal frontier (NaN where unreachable).

    Returns
    -------
    compute_flops, n_params, n_tokens
    """
    return get_law(law).compute_for_loss(params, check_number("loss", loss))


def min_cost_for_loss(params: Mapping[str, Any], loss, inference_tokens, n_steps: int = 200,
                      law: str | Law = "chinchilla"):
    r"""Smallest training + inference compute :math:`6 N D + 2 N T` reaching ``loss``
    (:meth:`scaling.laws.Law.min_total_for_loss`).

    Returns
    -------
    total_flops, n_params, n_tokens
    """
    return get_law(law).min_total_for_loss(params, check_number("loss", loss),
                                           check_number("inference_tokens", inference_tokens, low_open=False),
                                           n_steps=n_steps)


# ======================================================================================
def _fmt(value: float) -> str:
    """A report number: 5 significant figures; inf as 'unbounded', NaN as 'n/a' (scaling._format)."""
    return format_sig(value, 5, nan="n/a")


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
        Held as arrays and built on first read (:class:`scaling.results.FrameField`);
        :meth:`rows`, :meth:`to_dict` and :meth:`report` need no pandas.
    level : float
        Interval level used by :meth:`summary` by default.
    fit_warnings : tuple of ScalingWarning
        The fit's own warnings, carried into :meth:`warnings`.
    data_range : dict or None
        The fitted runs' span (``n_params_min/max``, ``n_tokens_min/max``,
        ``compute_flops_min/max``): ``fit.data_range``, else what :func:`fit_context` knows
        of the fit's data.
    loss_meaning : str
        What the loss is (nats per token on which data and tokenizer), from :func:`fit_context`.
    costs : dict or None
        The hardware of a budget or a dollar query: ``training`` and ``inference``
        (:meth:`scaling.budget.ChipRate.to_dict`), ``chips`` and ``objective``
        (``"flops"`` or ``"usd"``).
    """

    law: str
    query: dict
    point: dict
    draws: pd.DataFrame | None = FrameField()
    level: float = DEFAULT_LEVEL
    fit_warnings: tuple = ()
    data_range: dict | None = None
    loss_meaning: str = ""
    costs: dict | None = None

    @property
    def n_draws(self) -> int:
        columns = draw_arrays(self)
        return 0 if columns is None else int(columns.n_rows)

    @property
    def n_unreachable(self) -> int:
        """Draws that cannot answer (a target at or below their irreducible loss)."""
        columns = draw_arrays(self)
        if columns is None or not columns.n_rows:
            return 0
        nan = np.zeros(columns.n_rows, dtype=bool)
        for name in columns:
            nan |= np.isnan(columns[name])
        return int(nan.sum())

    def rows(self, level: float | None = None) -> list[tuple[str, float, float, float]]:
        """:meth:`summary` without pandas: ``(quantity, value, lower, upper)`` per quantity."""
        level = self.level if level is None else check_level(level)
        with np.errstate(invalid="ignore"):  # inf - inf inside the quantile of unbounded ends
            return summary_rows(self.point, draw_arrays(self), level)

    def summary(self, level: float | None = None) -> pd.DataFrame:
        """DataFrame indexed by ``quantity`` with ``value`` (point), ``lower``, ``upper``.

        Intervals follow :func:`scaling.results.interval`: draws that cannot answer rank
        above every answer, so an end among them is ``inf``; ``attrs["n_unreachable"]``
        counts them.
        """
        level = self.level if level is None else check_level(level)
        with np.errstate(invalid="ignore"):  # inf - inf inside the quantile of unbounded ends
            out = summary_frame(self.point, draw_arrays(self), level).rename_axis("quantity")
        out.attrs["n_unreachable"] = self.n_unreachable
        return out

    def extrapolation(self) -> dict[str, dict]:
        """How far the answer lies beyond the fitted runs, per quantity (N, D, C).

        Returns
        -------
        dict
            ``{"n_params" | "n_tokens" | "compute_flops": {"value", "fitted_min", "fitted_max",
            "factor", "side"}}``: ``factor`` is value / largest fitted value above the data,
            smallest fitted value / value below it (so > 1 means outside, by that factor), and 1
            inside; ``side`` is ``"above"``, ``"below"`` or ``"within"``. Empty when the fit's
            data span is unknown.
        """
        rng = self.data_range or {}
        out = {}
        for key in ("n_params", "n_tokens", "compute_flops"):
            value = self.point.get(key, math.nan)
            lo, hi = rng.get(f"{key}_min"), rng.get(f"{key}_max")
            if lo is None or hi is None or not math.isfinite(value):
                continue
            if value > hi:
                factor, side = value / hi, "above"
            elif value < lo:
                factor, side = lo / value, "below"
            else:
                factor, side = 1.0, "within"
            out[key] = {"value": value, "fitted_min": float(lo), "fitted_max": float(hi), "factor": factor,
                        "side": side}
        return out

    def extrapolation_line(self) -> str:
        """One line: the factor beyond the fitted data in N, D and C (or that the span is unknown)."""
        ext = self.extrapolation()
        if not ext:
            return "extrapolation: unknown (the fit records no span of its data)"
        labels = {"n_params": "N", "n_tokens": "D", "compute_flops": "C"}
        parts = [f"{labels[k]} within the fitted runs" if e["side"] == "within" else
                 f"{labels[k]} {e['factor']:.3g}x {'above the largest' if e['side'] == 'above' else 'below the smallest'}"
                 for k, e in ext.items()]
        return "extrapolation beyond the fitted runs: " + ", ".join(parts)

    def warnings(self) -> list[ScalingWarning]:
        """The fit's warnings, then ``unreachable_draws`` and ``extrapolation`` where they apply."""
        out = list(self.fit_warnings)
        if self.n_unreachable:
            out.append(ScalingWarning(
                "unreachable_draws", f"{self.n_unreachable} of {self.n_draws} draws cannot reach the target "
                "(it is at or below their irreducible loss); interval ends among them are unbounded"))
        out += extrapolation_warnings(self.point, self.data_range)
        if self.costs:
            from .budget import price_warnings

            out += price_warnings({role: self.costs.get(role) for role in ("training", "inference")})
        return out

    def to_dict(self) -> dict:
        return {
            "law": self.law, "query": dict(self.query), "level": self.level,
            "n_draws": self.n_draws, "n_unreachable": self.n_unreachable,
            "quantities": {q: {"value": float(value), "lower": float(lower), "upper": float(upper)}
                           for q, value, lower, upper in self.rows()},
            "loss_meaning": self.loss_meaning,
            "extrapolation": self.extrapolation(),
            "costs": self.costs,
            "warnings": [w.to_dict() for w in self.warnings()],
        }

    def notes(self) -> list[str]:
        """What the answer means: the loss, the extrapolation, the hardware and the objective."""
        out = []
        if self.loss_meaning:
            out.append(f"loss: {self.loss_meaning}")
        out.append(self.extrapolation_line())
        costs = self.costs or {}
        for role in ("training", "inference"):
            rate = costs.get(role)
            if rate:
                price = (f"${rate['usd_per_chip_hour']:.4g}/chip-hour ({rate['price_rule']})"
                         if math.isfinite(rate["usd_per_chip_hour"]) else "no price")
                chips = f", {costs['chips']:g} chips" if role == "training" and costs.get("chips") else ""
                out.append(f"{role} hardware: {rate['hardware'] or 'peak as given'}, {rate['precision']} peak "
                           f"{rate['peak_flops_per_s']:.3g} FLOP/s, MFU {rate['mfu']:g}{chips}, {price}")
        if "inference_tokens" in self.query:
            what = {"usd": "dollars: training and inference each at their own hardware's price",
                    "chip_hours": "chip-hours of the budget's chips (training and serving each at its own MFU)"
                    }.get(costs.get("objective"), "FLOPs: 6ND + 2NT")
            goal = "least loss within the budget" if "compute_flops" in self.query else "least cost at the loss"
            out.append(f"objective: {goal}, counting training and inference in {what}")
            held = costs.get("budget") or {}
            if held.get("converted"):
                out.append(f"note: {held['converted']}")
            elif held:
                out.append(f"budget: {held['chips']:g} chips x {held['days']:g} days of chip time (not converted to "
                           f"dollars), shared by training ({self.point['training_days']:.3g} days) and serving "
                           f"({self.point['inference_days']:.3g} days) on those chips")
            out.append("baseline: the Chinchilla-optimal model reaching the same loss (trained compute-optimally, "
                       "then serving the same tokens); saving: its total cost minus this answer's (Sardana et al. "
                       "2023, arXiv:2401.00448)")
        return out

    def report(self) -> str:
        lines = [f"compute-optimal sizing ({self.law} law), query: "
                 + ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                             for k, v in self.query.items())]
        pct = f"{self.level:.0%}"
        lines.append(f"  {'quantity':<18}{'value':>14}  {pct} interval")
        for q, value, lower, upper in self.rows():
            lines.append(f"  {q:<18}{_fmt(value):>14}  [{_fmt(lower)}, {_fmt(upper)}]")
        if draw_arrays(self) is not None:
            lines.append(f"  {self.n_draws} draws, {self.n_unreachable} cannot answer")
        lines.extend(f"  {line}" for line in self.notes())
        lines.extend(f"  warning: {w}" for w in self.warnings())
        return "\n".join(lines)


def extrapolation_warnings(point: Mapping[str, float], data_range: Mapping | None) -> list[ScalingWarning]:
    """``extrapolation`` warnings for N, D and C of ``point`` (those it has): outside the
    domains of :mod:`scaling.laws`, or more than :data:`EXTRAPOLATION_FACTOR` (10x) beyond
    the span of the fitted runs (``data_range``: ``n_params_min/max``, ...; None: unknown)."""
    out = []
    for key, label, domain in (("n_params", "N", N_PARAMS_RANGE), ("n_tokens", "D", N_TOKENS_RANGE),
                               ("compute_flops", "C", COMPUTE_FLOPS_RANGE)):
        value = point.get(key, math.nan)
        if not math.isfinite(value):
            continue
        lo, hi = domain
        if not lo <= value <= hi:
            out.append(ScalingWarning(
                "extrapolation", f"{label} = {value:.3g} lies outside {lo:.0e} .. {hi:.0e}, the range "
                "the package answers for (scaling.laws)"))
            continue
        rng = data_range or {}
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


def _point_answer(law: Law, params: dict, query: dict, costs: "_Costs | None" = None) -> dict[str, float]:
    out = _answer(law, params, query, costs)
    bad = [k for k, v in out.items() if not np.isfinite(v)]
    if bad:
        raise ScalingError(f"the {law.name} law's point estimate cannot answer {query}: {', '.join(bad)} not "
                           "finite")
    return {k: float(np.asarray(v)) for k, v in out.items()}


@dataclass(frozen=True)
class _Costs:
    """Hardware of a query: training and inference chip rates, chips, and what is minimised."""

    training: Any = None   # scaling.budget.ChipRate
    inference: Any = None  # scaling.budget.ChipRate
    chips: float | None = None
    objective: str = "flops"  # "flops", "usd" or "chip_hours" (a chip-time budget shared with serving)
    budget: dict | None = None  # a chip-time budget: chips, days, and how it was counted

    @property
    def inference_weight(self) -> float:
        """Inference tokens' weight in the objective: 1 for FLOPs; for dollars the ratio of
        the inference and training dollars per FLOP, for chip-hours the ratio of the training
        and inference FLOPs per chip-hour, so that each problem is the FLOP problem with
        ``T`` scaled (cost = unit per training FLOP x (6ND + 2N x weight x T))."""
        if self.objective == "usd":
            return self.inference.usd_per_flop / self.training.usd_per_flop
        if self.objective == "chip_hours":
            return self.training.flops_per_chip_hour / self.inference.flops_per_chip_hour
        return 1.0

    def to_dict(self) -> dict:
        return {"training": None if self.training is None else self.training.to_dict(),
                "inference": None if self.inference is None else self.inference.to_dict(),
                "chips": self.chips, "objective": self.objective, "budget": self.budget}


def _answer(law: Law, params: Mapping[str, Any], query: dict, costs: _Costs | None = None) -> dict[str, np.ndarray]:
    """Every quantity of the answer, for one parameter set or arrays of draws."""
    out: dict[str, np.ndarray] = {}
    target_loss = query.get("target_loss")
    inference_tokens = query.get("inference_tokens")
    weight = 1.0 if costs is None else costs.inference_weight
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
                n, d = law.allocate_total(params, budget, weight * inference_tokens)
                c = 6.0 * n * d
        elif inference_tokens is not None:
            _, n, d = law.min_total_for_loss(params, target_loss, weight * inference_tokens)
            c = 6.0 * n * d
        else:
            c, n, d = law.compute_for_loss(params, target_loss)
        out.update(n_params=n, n_tokens=d, tokens_per_param=d / n, loss=law.predict(params, n, d), compute_flops=c)
        if "unique_tokens" in query:
            out["epochs"] = d / query["unique_tokens"]
        if inference_tokens is not None:
            out["inference_flops"] = 2.0 * n * inference_tokens
            out["total_flops"] = c + out["inference_flops"]
        if costs is not None and costs.training is not None:
            train = costs.training
            out["training_chip_hours"] = c / train.flops_per_chip_hour
            if costs.chips:
                out["training_days"] = out["training_chip_hours"] / 24.0 / costs.chips
            if train.priced:
                out["training_usd"] = out["training_chip_hours"] * train.usd_per_chip_hour
            infer = costs.inference
            if inference_tokens is not None and infer is not None:
                out["inference_chip_hours"] = out["inference_flops"] / infer.flops_per_chip_hour
                if costs.objective == "chip_hours":  # serving on the budget's chips: days of its chip time
                    out["inference_days"] = out["inference_chip_hours"] / 24.0 / costs.chips
                    out["total_days"] = out["training_days"] + out["inference_days"]
                if infer.priced:
                    out["inference_usd"] = out["inference_chip_hours"] * infer.usd_per_chip_hour
                    if train.priced:
                        out["total_usd"] = out["training_usd"] + out["inference_usd"]
        if inference_tokens is not None:
            out.update(_baseline(law, params, out, inference_tokens, costs))
    return out


def _baseline(law: Law, params, out: dict, inference_tokens: float, costs: _Costs | None) -> dict:
    r"""The Chinchilla-optimal model reaching the same loss, and what the inference-aware answer saves.

    The baseline trains compute-optimally for the answer's loss :math:`L`
    (:meth:`scaling.laws.Law.compute_for_loss`: :math:`C_b, N_b, D_b`) and then serves the
    same :math:`T` tokens, at :math:`C_b + 2 N_b T` FLOPs. The saving is the baseline's total
    cost minus the answer's, in FLOPs, and in dollars (both priced) or chip-hours (a
    chip-time budget); ``saving_pct`` is that of the minimised cost
    :math:`C + 2 N T w` (``w``: :attr:`_Costs.inference_weight`), Sardana et al. (2023),
    "Beyond Chinchilla-Optimal", https://arxiv.org/abs/2401.00448, Figure 1.
    """
    c_b, n_b, d_b = law.compute_for_loss(params, out["loss"])
    serve_b = 2.0 * n_b * inference_tokens
    base = {"baseline_n_params": n_b, "baseline_n_tokens": d_b, "baseline_compute_flops": c_b,
            "baseline_total_flops": c_b + serve_b, "saving_flops": c_b + serve_b - out["total_flops"]}
    weight = 1.0 if costs is None else costs.inference_weight
    base["saving_pct"] = 100.0 * (1.0 - (out["compute_flops"] + weight * out["inference_flops"])
                                  / (c_b + weight * serve_b))
    if costs is not None and costs.training is not None and costs.inference is not None:
        train, infer = costs.training, costs.inference
        hours_b = c_b / train.flops_per_chip_hour + serve_b / infer.flops_per_chip_hour
        if costs.objective == "chip_hours":
            base["saving_chip_hours"] = hours_b - out["training_chip_hours"] - out["inference_chip_hours"]
        if "total_usd" in out:
            base["baseline_total_usd"] = (c_b / train.flops_per_chip_hour * train.usd_per_chip_hour
                                          + serve_b / infer.flops_per_chip_hour * infer.usd_per_chip_hour)
            base["saving_usd"] = base["baseline_total_usd"] - out["total_usd"]
    return base


def _costs(budget, training, inference, inference_tokens, objective: str, chips=None
           ) -> tuple[float | None, _Costs | None]:
    """The budget's FLOPs and the query's hardware, checked for conflicts."""
    from . import budget as _budget
    from ._checks import check_number

    if objective not in ("auto", "flops", "usd"):
        raise ScalingError(f"objective must be 'auto', 'flops' or 'usd', got {objective!r}")
    flops = None
    if chips is not None:
        chips = check_number("chips", chips, low=0.0, high=1e8)
        if budget is not None or training is None:
            raise ScalingError(f"chips ({chips:g}) go with training hardware (training=) for a target; a budget "
                               "carries its own chips")
    if budget is not None:
        if not isinstance(budget, _budget.Budget):
            raise ScalingError(f"budget must be a scaling.budget.Budget (from_chips, from_usd, from_compute), "
                               f"got {type(budget).__name__}")
        flops, chips = budget.compute_flops, budget.chips
        if training is not None and budget.rate is not None and training != budget.rate:
            raise ScalingError("give the training hardware once: in the budget or as training=, not both")
        training = budget.rate if training is None else training
    if training is not None and not isinstance(training, _budget.ChipRate):
        raise ScalingError(f"training must be a scaling.budget.ChipRate (scaling.budget.chip_rate), got "
                           f"{type(training).__name__}")
    if inference is not None:
        if not isinstance(inference, _budget.ChipRate):
            raise ScalingError(f"inference must be a scaling.budget.ChipRate (scaling.budget.chip_rate or "
                               f"inference_rate), got {type(inference).__name__}")
        if inference_tokens is None:
            raise ScalingError("inference hardware applies with inference_tokens (--inference-tokens)")
        if training is None:
            raise ScalingError("inference hardware needs the training hardware too (--hardware), so that "
                               "training and inference are counted in the same units")
    if training is None:
        if objective == "usd":
            raise ScalingError("objective 'usd' needs the training hardware and its price (--hardware, "
                               "--usd-per-chip-hour)")
        return flops, None
    if inference_tokens is not None and inference is None:
        inference = _budget.inference_rate(training)
    priced = training.priced and (inference is None or inference.priced)
    if objective == "usd" and not (priced and inference_tokens is not None):
        raise ScalingError("objective 'usd' needs inference_tokens and a price for the training and the "
                           "inference hardware (--usd-per-chip-hour, or a chip with shipped cloud prices)")
    use_usd = objective == "usd" or (objective == "auto" and inference_tokens is not None and priced)
    chosen = "usd" if use_usd else "flops"
    held = None
    if budget is not None and budget.kind == "chip_time" and inference_tokens is not None:
        chosen, held = _chip_time_objective(budget, inference, objective, chosen)
    return flops, _Costs(training, inference, chips, chosen, held)


def _chip_time_objective(budget, inference, objective: str, chosen: str) -> tuple[str, dict]:
    """How an inference-aware query counts a chip-time budget (chips x days).

    Serving on the budget's own chip (any MFU): the budget stays chip time, shared by
    training and serving chip-hours (``chip_hours``; the days of training plus serving are
    the days given). Serving on other hardware, or ``objective`` given as ``usd`` or
    ``flops``: the budget is counted in that unit, and ``converted`` says so.
    """
    train = budget.rate
    same_chip = (inference.hardware == train.hardware and inference.peak_flops_per_s == train.peak_flops_per_s
                 and inference.precision == train.precision)
    held = {"kind": "chip_time", "chips": budget.chips, "days": budget.days, "converted": None}
    if objective == "auto" and same_chip:
        return "chip_hours", held
    why = (f"as asked (objective {objective})" if objective != "auto" else
           f"because serving runs on other hardware ({inference.hardware or 'a peak as given'})")
    if chosen == "usd":
        held["converted"] = (f"the chip-time budget ({budget.chips:g} chips x {budget.days:g} days) was converted "
                             f"to dollars (${budget.usd:,.0f} at ${train.usd_per_chip_hour:.4g}/chip-hour) {why}; "
                             "training and serving share those dollars")
    else:
        held["converted"] = (f"the chip-time budget ({budget.chips:g} chips x {budget.days:g} days) was converted "
                             f"to FLOPs ({budget.compute_flops:.3g}) {why}; training and serving share those FLOPs "
                             "(6ND + 2NT)")
    return chosen, held


def optimal(fit, compute_flops: float | None = None, target_loss: float | None = None,
            target: str | None = None, level: float = DEFAULT_LEVEL,
            inference_tokens: float | None = None, budget=None, training=None, inference=None,
            objective: str = "auto", chips: float | None = None,
            unique_tokens: float | None = None) -> OptimalResult:
    r"""Compute-optimal model size and data for a budget, a target loss, or GPT-3's loss.

    Works for every registered law (closed forms or the generic numerics of
    :mod:`scaling.laws`). The point answer uses ``fit.params``; the intervals are
    percentiles of the per-draw answers by the one rule of
    :func:`scaling.results.interval`.

    Parameters
    ----------
    fit : a fitted result (``FitResult``, ``BayesFitResult``, a published fit of :mod:`scaling.library`)
        Uses ``fit.law``, ``fit.params``, ``fit.draws``, ``fit.warnings()``, ``fit.data_range``
        and ``fit.settings`` (what the loss means, :func:`fit_context`).
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
    unique_tokens : float, optional
        Unique tokens available, for a data-constrained law (and required by it): the
        answer is the best N and D under :math:`L(N, D, U)` with the pool of :math:`U`
        unique tokens, plus ``epochs`` :math:`= D/U` (repeated data counts for less,
        Muennighoff et al. 2023). Refused for a law without unique data.
    inference_tokens : float, optional
        Tokens served over the model's life, in [0, 1e20]. With a target: minimise
        training plus inference cost; with a budget: see above (Sardana et al. 2023,
        "Beyond Chinchilla-Optimal", https://arxiv.org/abs/2401.00448).
    budget : scaling.budget.Budget, optional
        A budget in chips x days or dollars (:func:`scaling.budget.from_chips`,
        :func:`~scaling.budget.from_usd`, :func:`~scaling.budget.from_compute`): its FLOPs
        are the query's ``compute_flops`` (give one of the two), and its hardware adds
        training chip-hours, days (with chips) and dollars (with a price) to the answer.
    training, inference : scaling.budget.ChipRate, optional
        Hardware for training and for serving (:func:`scaling.budget.chip_rate`). Training
        defaults to the budget's; inference to the training chip and price at half its MFU
        (:func:`scaling.budget.inference_rate`).
    objective : {"auto", "flops", "usd"}
        What ``inference_tokens`` queries minimise. ``usd``: training plus inference
        dollars, each at its hardware's $/FLOP = price / (3600 x peak x MFU), i.e.
        :math:`p_{train} (6 N D + 2 N T \, p_{inf} / p_{train})` (the FLOP problem with T
        scaled by the price ratio; with a budget, the budget's dollars pay for both);
        ``flops``: :math:`6 N D + 2 N T`; ``auto``: dollars when both are priced.
    chips : float, optional
        With ``training`` and a target: the chips that train, for wall-clock days.

    Returns
    -------
    OptimalResult, or :class:`scaling.sweep.OptimalSweep` for an array query
        ``compute_flops`` or ``target_loss`` given as a 1-d array (a sweep over budgets
        or losses) answers every value in one call, the law's maths broadcast over draws
        x values: one row per value in ``summary()`` / ``to_frame()``, and
        ``result[i]`` the :class:`OptimalResult` of value ``i`` (equal to the scalar query).

    Raises
    ------
    ScalingError
        Not a fitted result; not exactly one query; a number out of its domain; a budget
        together with ``compute_flops``; inference hardware without inference tokens; a
        dollar objective without prices; a law whose point estimate cannot answer.
    """
    options = dict(target=target, level=level, inference_tokens=inference_tokens, budget=budget, training=training,
                   inference=inference, objective=objective, chips=chips, unique_tokens=unique_tokens)
    axis = _swept_axis(compute_flops, target_loss)
    if axis is not None:
        return _optimal_sweep(fit, axis, compute_flops if axis == "compute_flops" else target_loss,
                              {"compute_flops": compute_flops, "target_loss": target_loss}, options)
    law, params, query, costs, level = _prepare(fit, compute_flops, target_loss, **options)
    point = _point_answer(law, params, query, costs)
    draws = None
    dparams = _draw_params(fit, law)
    if dparams is not None:
        n_rows = next(iter(dparams.values())).shape[0]
        draws = DrawColumns({k: np.broadcast_to(v, (n_rows,)) for k, v in _answer(law, dparams, query, costs).items()})
    rng, meaning = fit_context(fit)
    return OptimalResult(law=law.name, query=query, point=point, draws=draws, level=level,
                         fit_warnings=tuple(fit.warnings()), data_range=rng, loss_meaning=meaning,
                         costs=None if costs is None else costs.to_dict())


def _prepare(fit, compute_flops, target_loss, *, target, level, inference_tokens, budget, training, inference,
             objective, chips, unique_tokens):
    """The checked query of :func:`optimal`: ``(law, params, query, costs, level)``."""
    require_result(fit, "a fitted loss law")
    law, unique_tokens = _law_for_query(get_law(fit.law), unique_tokens)
    flops_from_budget, costs = _costs(budget, training, inference, inference_tokens, objective, chips)
    if flops_from_budget is not None:
        if compute_flops is not None:
            raise ScalingError(f"give compute_flops ({compute_flops!r}) or a budget "
                               f"({flops_from_budget:.3g} FLOPs), not both")
        compute_flops = flops_from_budget
    given = [name for name, v in (("compute_flops", compute_flops), ("target_loss", target_loss),
                                  ("target", target)) if v is not None]
    if len(given) != 1:
        raise ScalingError("give exactly one of compute_flops (or a budget), target_loss or target "
                           f"(got {', '.join(given) if given else 'none'})")
    level = check_level(level)
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
    if costs is not None and costs.objective == "usd":
        query["objective"] = "usd"
    if unique_tokens is not None:
        query["unique_tokens"] = unique_tokens
    if "compute_flops" in query and inference_tokens is not None:
        weight = 1.0 if costs is None else costs.inference_weight
        serving = 2.0 * N_PARAMS_RANGE[0] * weight * query["inference_tokens"]
        if serving >= query["compute_flops"]:
            raise ScalingError(
                f"a budget of {query['compute_flops']:.3g} FLOPs cannot pay for serving "
                f"{query['inference_tokens']:.3g} tokens: inference alone (2 N T"
                f"{'' if weight == 1.0 else ' at the inference price'}) costs {serving:.3g} FLOPs or more for any "
                f"model of at least {N_PARAMS_RANGE[0]:.0e} parameters; raise the budget or lower the inference tokens")

    return law, params, query, costs, level


def _draw_params(fit, law: Law) -> dict | None:
    """The fit's draws of the law's parameters as float arrays (None without draws)."""
    columns = draw_arrays(fit)  # arrays: a fit loaded from a file builds no DataFrame here
    if columns is None or not columns.n_rows:
        return None
    missing = [p for p in law.param_names if p not in columns]
    if missing:
        raise ScalingError(f"the fit's draws lack columns {', '.join(missing)}")
    return {p: np.asarray(columns[p], dtype=float) for p in law.param_names}


def _swept_axis(compute_flops, target_loss) -> str | None:
    """``"compute_flops"`` or ``"target_loss"`` when that query is an array (a sweep), else None."""
    swept = [name for name, v in (("compute_flops", compute_flops), ("target_loss", target_loss))
             if isinstance(v, (np.ndarray, list, tuple)) and np.ndim(v) >= 1]
    if len(swept) > 1:
        raise ScalingError("sweep one query at a time: compute_flops or target_loss as an array, not both")
    return swept[0] if swept else None


def _optimal_sweep(fit, axis: str, values, given: dict, options: dict):
    """:func:`optimal` for every value of an array query, in one broadcast evaluation.

    Each value is checked as the scalar query would be (:func:`_prepare`); then the law
    answers all of them at once: the point estimate over values, the draws as
    ``(n_draws, 1)`` against values (:mod:`scaling.laws` broadcasts).
    """
    from .sweep import OptimalSweep

    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1 or not arr.size:
        raise ScalingError(f"{axis} as an array must be 1-d and not empty, got shape {arr.shape}")
    other = {k: v for k, v in given.items() if k != axis}
    prepared = [_prepare(fit, **{axis: v}, **other, **options) for v in arr.tolist()]
    law, params, _, costs, level = prepared[0]
    queries = [p[2] for p in prepared]
    query = {**queries[0], axis: np.array([q[axis] for q in queries])}
    n = len(queries)
    with np.errstate(all="ignore"):
        point = {k: np.broadcast_to(np.asarray(v, dtype=float), (n,)) for k, v in _answer(law, params, query, costs).items()}
    for k, v in point.items():
        bad = np.flatnonzero(~np.isfinite(v))
        if bad.size:
            raise ScalingError(f"the {law.name} law's point estimate cannot answer {axis} = {query[axis][bad[0]]:g}: "
                               f"{k} not finite")
    draws = None
    dparams = _draw_params(fit, law)
    if dparams is not None:
        rows = next(iter(dparams.values())).shape[0]
        per = _answer(law, {p: v[:, None] for p, v in dparams.items()}, query, costs)
        draws = {k: np.broadcast_to(np.asarray(v, dtype=float), (rows, n)) for k, v in per.items()}
    rng, meaning = fit_context(fit)
    common = dict(law=law.name, level=level, fit_warnings=tuple(fit.warnings()), data_range=rng,
                  loss_meaning=meaning, costs=None if costs is None else costs.to_dict())
    results = tuple(OptimalResult(query=q, point={k: float(v[i]) for k, v in point.items()},
                                  draws=None if draws is None else DrawColumns({k: v[:, i] for k, v in draws.items()}),
                                  **common) for i, q in enumerate(queries))
    return OptimalSweep(law=law.name, axis=axis, values=query[axis], results=results, point=point, draws=draws,
                        level=level)


def _law_for_query(law: Law, unique_tokens) -> tuple[Law, float | None]:
    """The law that answers: a data-constrained law with its pool of unique tokens fixed.

    ``unique_tokens`` :math:`U` caps the distinct tokens: the numeric search along
    :math:`6ND = C` then uses :math:`L(N, D, U)`, and the answer's ``epochs`` is :math:`D/U`.
    """
    if not law.covariates:
        if unique_tokens is not None:
            raise ScalingError(f"unique_tokens (--unique-tokens) applies to a data-constrained law: "
                               f"{data_constrained_laws()}; this fit's law is {law.name}, which assumes "
                               "unlimited unique data")
        return law, None
    if unique_tokens is None:
        raise ScalingError(f"the {law.name} law needs the unique tokens available: give unique_tokens "
                           "(--unique-tokens), e.g. 5e11")
    u = _query_number("unique_tokens", unique_tokens, *N_TOKENS_RANGE, what=" tokens")
    return law.at(n_unique_tokens=u), u


def data_constrained_laws() -> str:
    """The laws that take unique tokens, for messages: the families and the published fits
    (``--law``) of a law with covariates (from the registries of :mod:`scaling.laws` and
    :mod:`scaling.library`)."""
    from . import laws as _laws

    families = [n for n in _laws.names() if get_law(n).covariates]
    published = [n for n, (name, _, _) in library.PUBLISHED.items() if get_law(name).covariates]
    return (f"the laws {', '.join(families)} (fit one with scaling fit --law) or a published fit of one "
            f"(--law {', '.join(published)})")


# --------------------------------------------------------------------------------------
# what a fit's answers mean: its data's span and its loss
# --------------------------------------------------------------------------------------
#: Chinchilla's loss: Hoffmann et al. (2022) train and evaluate on MassiveText (Rae et al.
#: 2021) with a SentencePiece tokenizer of 32,000 tokens.
LOSS_MASSIVETEXT = ("nats per token on MassiveText (Chinchilla's data and SentencePiece tokenizer, Hoffmann "
                    "et al. 2022); not comparable across datasets or tokenizers")
#: Kaplan's loss: test loss on WebText2 with GPT-2's byte-pair tokenizer; N excludes embeddings.
LOSS_WEBTEXT2 = ("nats per token on WebText2 (GPT-2's byte-pair tokenizer, Kaplan et al. 2020), with N "
                 "counting non-embedding parameters; not comparable with MassiveText losses or across "
                 "datasets or tokenizers")
LOSS_OWN = ("in the units of the fitted runs' loss column (usually nats per token on those runs' own data "
            "and tokenizer); not comparable across datasets or tokenizers")
#: Shipped run tables -> what their loss is.
#: Muennighoff et al. (2023): final validation loss on C4 (GPT-2's tokenizer).
LOSS_C4 = ("nats per token on the C4 validation set (GPT-2's byte-pair tokenizer, Muennighoff et al. 2023); "
           "not comparable with MassiveText losses or across tokenizers")
DATASET_LOSS = {"chinchilla_runs": LOSS_MASSIVETEXT, "muennighoff_runs": LOSS_C4}
#: What a published fit's loss is (``scaling.library.ABOUT[name]["loss"]``).
_LOSS_OF = {"massivetext": LOSS_MASSIVETEXT, "webtext2": LOSS_WEBTEXT2, "c4": LOSS_C4}


def _published_context(name: str) -> tuple:
    """A published fit's runs (a shipped table's name or a span) and its loss, from :mod:`scaling.library`."""
    about = library.ABOUT[name]
    return about["fitted_on"], _LOSS_OF[about["loss"]]


_RANGE_KEYS = ("n_params_min", "n_params_max", "n_tokens_min", "n_tokens_max")


def _dataset_span(name: str, include: str = "kept") -> tuple[dict, str]:
    """The span of a shipped runs table (its kept runs) and its hash (:func:`scaling.datasets.runs_sha256`)."""
    from .fitting import data_range

    cols, sha = _shipped_runs(name)
    keep = np.ones(cols["n_params"].size, bool) if include == "all" else ~cols["excluded"]
    return data_range(cols["n_params"][keep], cols["n_tokens"][keep]), sha


def _shipped_runs(name: str) -> tuple[dict, str]:
    """``n_params``, ``n_tokens``, ``excluded`` of a shipped runs table and its data hash.

    Read with the ``csv`` module, not pandas, so that a sizing query stays fast (issue 13);
    the hash equals ``datasets.runs_sha256(datasets.load(name))`` (tests/test_sizing.py
    checks it). A table this reader cannot take (a column missing, an unexpected cell)
    goes through :func:`scaling.datasets.load` and its validation instead.
    """
    from . import datasets

    return _read_shipped_runs(name, str(datasets.datasets_dir() / f"{name}.csv"))


@lru_cache(maxsize=None)
def _read_shipped_runs(name: str, path: str) -> tuple[dict, str]:
    import csv

    from . import datasets
    from ._io import sha256_arrays

    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        cols = {k: np.array([float(r[k]) for r in rows]) for k in ("n_params", "n_tokens", "loss")}
        excluded = [datasets._excluded_value(r["excluded"]) for r in rows]
        ok = rows and None not in excluded and all(np.isfinite(v).all() and (v > 0).all() for v in cols.values())
    except (KeyError, ValueError, TypeError):
        ok = False
    if not ok:
        runs = datasets.load(name)
        cols = {k: runs[k].to_numpy(float) for k in ("n_params", "n_tokens", "loss")}
        excluded = runs["excluded"].to_numpy(bool)
    cols["excluded"] = np.asarray(excluded, dtype=bool)
    return cols, sha256_arrays(cols["n_params"], cols["n_tokens"], cols["loss"])


def _valid_range(rng) -> bool:
    return isinstance(rng, Mapping) and all(isinstance(rng.get(k), (int, float)) for k in _RANGE_KEYS)


def loss_meaning(fit) -> str:
    """What a fit's loss is (see :func:`fit_context`)."""
    return fit_context(fit)[1]


def fit_context(fit) -> tuple[dict | None, str]:
    """The span of the runs a fit was made on, and what its loss means.

    In order: a published fit of :mod:`scaling.library` (by ``settings["name"]``): the span
    of the runs it was fitted on and its paper's loss; else ``fit.data_range`` and, for the
    loss, a shipped runs table named in ``settings["dataset"]``, or whose hash equals
    ``fit.data_sha256`` (the table ``chinchilla_runs``: MassiveText), else the fitted runs'
    own units. A fit that records no span but whose hash is a shipped table's gets that
    table's span.

    Returns
    -------
    (dict or None, str)
        ``data_range`` (``n_params_min/max``, ``n_tokens_min/max``, ``compute_flops_min/max``)
        or None when unknown; the loss's meaning.
    """
    settings = fit.settings if isinstance(fit.settings, Mapping) else {}
    rng = dict(fit.data_range) if _valid_range(fit.data_range) else None
    name = settings.get("name") if fit.method == "published" else None
    if isinstance(name, str) and name in library.ABOUT:
        span, meaning = _published_context(name)
        if isinstance(span, str):
            span = _dataset_span(span)[0]
        return (rng or dict(span)), meaning
    dataset = settings.get("dataset")
    if isinstance(dataset, str) and dataset in DATASET_LOSS:
        if rng is None:
            rng = _dataset_span(dataset, settings.get("include", "kept"))[0]
        return rng, DATASET_LOSS[dataset]
    if fit.data_sha256:
        for table, meaning in DATASET_LOSS.items():
            span, sha = _dataset_span(table, settings.get("include", "kept"))
            if sha == fit.data_sha256:
                return (rng or span), meaning
    if isinstance(dataset, str) and dataset:
        return rng, f"nats per token on the data of {dataset!r} as fitted (its own data and tokenizer); " \
                    "not comparable across datasets or tokenizers"
    return rng, LOSS_OWN
