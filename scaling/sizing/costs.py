"""The hardware of a sizing query: training and inference chip rates, chips, and what an
inference-aware query minimises (FLOPs, dollars or the chip time of a budget)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ScalingError


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


def _costs(budget, training, inference, inference_tokens, objective: str, chips=None
           ) -> tuple[float | None, _Costs | None]:
    """The budget's FLOPs and the query's hardware, checked for conflicts."""
    from .. import budget as _budget
    from .._checks import check_number

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
