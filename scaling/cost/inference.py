"""Inference: serving throughput and dollars per 1K generated tokens.

Compute-bound throughput of a dense decoder at :math:`2N` FLOPs per token (Kaplan et al.
2020, Sec. 2.1), priced per chip- or instance-hour as in Sunyan (2023), "The Economics of
Large Language Models" (GPT-3 on an AWS p4d at 21.3% utilisation: about $0.0035 per 1K
tokens).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from .._checks import units_warnings
from .._format import format_si
from ..errors import ScalingError, ScalingWarning
from ._args import arg, frame, out
from .accelerators import hardware_name, peak_flops_per_s
from .rates import chip_hours_of
from .training import inference_flops_per_token

__all__ = ["inference_tokens_per_s", "InferenceCost", "inference_cost"]


def inference_tokens_per_s(n_params, hardware, mfu, *, n_chips=1, architecture: str = "decoder",
                           precision: str = "tensor16"):
    """Tokens generated per second by ``n_chips`` chips at utilisation ``mfu``.

    .. math:: \\text{tokens/s} = \\frac{n_{chips} \\cdot \\text{peak} \\cdot \\text{MFU}}{2N}

    Compute-bound throughput (large batches); small-batch decoding is memory-bandwidth
    bound and slower, which a low ``mfu`` stands in for.
    """
    peak = np.asarray(peak_flops_per_s(hardware, precision))
    u = arg("mfu", mfu)
    chips = arg("n_chips", n_chips)
    return out(chips * peak * u / np.asarray(inference_flops_per_token(n_params, architecture)))


@dataclass(frozen=True)
class InferenceCost:
    """Serving throughput and $ per 1K tokens; fields broadcast over array inputs."""

    n_params: Any
    architecture: str
    hardware: str
    peak_flops_per_s: Any
    mfu: Any
    chips_per_instance: Any
    usd_per_instance_hour: Any
    tokens_per_s_per_chip: Any
    tokens_per_s_per_instance: Any
    usd_per_1k_tokens: Any

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def summary(self) -> pd.DataFrame:
        return frame(self.to_dict())

    def warnings(self) -> list[ScalingWarning]:
        """``units`` when N looks like it is in other units (e.g. billions of parameters)."""
        return units_warnings(self.n_params, what="the inputs")

    def report(self) -> str:
        lines = [f"warning: {w.message}" for w in self.warnings()] + [
            f"{format_si(r['tokens_per_s_per_instance'])} tokens/s per instance of "
            f"{int(r['chips_per_instance'])} x {r['hardware'] or format_si(r['peak_flops_per_s']) + 'FLOP/s'} "
            f"at MFU {r['mfu']:.1%}: ${r['usd_per_1k_tokens']:.3g} per 1K tokens"
            for _, r in self.summary().iterrows()
        ]
        return "\n".join(lines)


def inference_cost(n_params, *, hardware, mfu, usd_per_chip_hour=None, usd_per_instance_hour=None,
                   chips_per_instance=1, architecture: str = "decoder",
                   precision: str = "tensor16") -> InferenceCost:
    """Cost of generating tokens on rented hardware.

    .. math::

        \\text{tokens/s} = \\frac{n_{chips} \\cdot \\text{peak} \\cdot \\text{MFU}}{2N}, \\qquad
        \\$ / 1\\text{K tokens} = \\frac{1000\\; \\$_{instance\\,h}}{3600\\; \\text{tokens/s}}

    Parameters
    ----------
    n_params : float or array_like
        Parameters, in [1, 1e18].
    hardware : str, Accelerator, float or array_like
        Hardware name or peak FLOP/s per chip (in [1e3, 1e21]).
    mfu : float or array_like
        Utilisation in [1e-6, 1] (the seed article uses GPT-3's 21.3%).
    usd_per_chip_hour, usd_per_instance_hour : float or array_like
        Give exactly one (in [0, 1e6] and [0, 1e9]). An instance holds
        ``chips_per_instance`` chips (AWS p4d: 8 x A100 at $19.22/h 1-year reserved,
        ``PRICE_POINTS["aws-p4d-1yr"]``).
    chips_per_instance : int
        1 to 1e9.

    Examples
    --------
    >>> r = inference_cost(175e9, hardware="a100", mfu=0.213, chips_per_instance=8,
    ...                    usd_per_instance_hour=19.22)
    >>> round(r.tokens_per_s_per_instance), round(r.usd_per_1k_tokens, 5)
    (1519, 0.00351)
    """
    if (usd_per_chip_hour is None) == (usd_per_instance_hour is None):
        raise ScalingError("give exactly one of usd_per_chip_hour and usd_per_instance_hour")
    chips = arg("chips_per_instance", chips_per_instance)
    if usd_per_instance_hour is None:
        per_instance = arg("usd_per_chip_hour", usd_per_chip_hour) * chips
    else:
        per_instance = arg("usd_per_instance_hour", usd_per_instance_hour)
    peak = peak_flops_per_s(hardware, precision)
    per_chip = np.asarray(inference_tokens_per_s(n_params, peak, mfu, architecture=architecture))
    per_inst = per_chip * chips
    # chip-hours of 1K tokens (FLOPs -> chip-hours, scaling.cost.rates), priced per chip of the instance
    hours_per_1k = chip_hours_of(1000.0 * np.asarray(inference_flops_per_token(n_params, architecture)), peak, mfu)
    return InferenceCost(
        n_params=out(n_params), architecture=architecture, hardware=hardware_name(hardware),
        peak_flops_per_s=peak, mfu=out(mfu), chips_per_instance=out(chips),
        usd_per_instance_hour=out(per_instance), tokens_per_s_per_chip=out(per_chip),
        tokens_per_s_per_instance=out(per_inst),
        usd_per_1k_tokens=out(np.asarray(hours_per_1k) * per_instance / chips),
    )
