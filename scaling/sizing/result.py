"""The answer of a sizing query: :class:`OptimalResult`, and the one extrapolation rule
(:func:`extrapolation_warnings`, shared with :mod:`scaling.prediction`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

import numpy as np

from .._checks import check_level
from .._format import format_sig
from ..errors import ScalingWarning
from ..laws import COMPUTE_FLOPS_RANGE, N_PARAMS_RANGE, N_TOKENS_RANGE
from ..results import DEFAULT_LEVEL, FrameField, draw_arrays, summary_frame, summary_rows

if TYPE_CHECKING:  # a query computes on arrays; pandas loads only when a DataFrame is asked for
    import pandas as pd

__all__ = ["OptimalResult", "extrapolation_warnings", "EXTRAPOLATION_FACTOR"]

#: An answer more than this factor beyond the fitted runs' N or D gets an ``extrapolation`` warning.
EXTRAPOLATION_FACTOR = 10.0


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
            from ..budget import price_warnings

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
