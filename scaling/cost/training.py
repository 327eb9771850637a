"""Training: FLOPs per token, training compute, cost of a run, and training memory.

For dense transformers (Kaplan et al. 2020, "Scaling Laws for Neural Language Models",
Sec. 2.1): about :math:`2N` FLOPs per token forward and :math:`6N` to train (forward and
backward); encoder-decoder models half that. Training compute :math:`C = 6ND`; training
memory about 20 bytes per parameter (mixed-precision Adam), activations excluded
(Sunyan 2023, "The Economics of Large Language Models").
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .. import _flops as flops
from .._checks import units_warnings
from .._format import format_bytes, format_si, format_usd
from ..errors import ScalingError, ScalingWarning
from ._args import arg, frame, out
from .accelerators import chip_value, hardware_name, peak_flops_per_s
from .rates import compute_cost_usd

__all__ = ["ARCHITECTURES", "TRAINING_BYTES_PER_PARAM", "training_flops", "training_flops_per_token",
           "inference_flops_per_token", "TrainingCost", "training_cost", "training_memory_bytes",
           "chips_for_memory", "TrainingMemory", "training_memory"]

#: FLOPs per parameter per token: (inference, training); the mapping of :mod:`scaling._flops`, the
#: one home of the formulas that this module checks its arguments for.
ARCHITECTURES: Mapping[str, tuple[float, float]] = flops.FLOPS_PER_PARAM_TOKEN
#: Training memory per parameter in bytes: fp16 weights and gradients (2 + 2), fp32 master
#: weights, Adam moments (4 + 4 + 4) and headroom: the ~20 bytes of Sunyan (2023).
TRAINING_BYTES_PER_PARAM = 20.0


def _check_architecture(architecture: str) -> None:
    """``ScalingError`` for an architecture not in :data:`ARCHITECTURES`."""
    try:
        ARCHITECTURES[architecture]
    except (KeyError, TypeError):
        raise ScalingError(
            f"unknown architecture {architecture!r}; known: {', '.join(ARCHITECTURES)}"
        ) from None


# --------------------------------------------------------------------------------------
# FLOPs
# --------------------------------------------------------------------------------------


def training_flops_per_token(n_params, architecture: str = "decoder"):
    """Training FLOPs per token: :math:`6N` (decoder) or :math:`3N` (encoder-decoder).

    Forward pass :math:`2N`, backward pass about twice that (Kaplan et al. 2020, Sec. 2.1).
    """
    _check_architecture(architecture)
    return out(flops.training_flops_per_token(arg("n_params", n_params), architecture))


def training_flops(n_params, n_tokens, architecture: str = "decoder"):
    """Training compute of a dense transformer.

    .. math:: C = 6 N D \\quad (\\text{encoder-decoder: } 3 N D)

    Parameters
    ----------
    n_params : float or array_like
        Parameters :math:`N`, in [1, 1e18].
    n_tokens : float or array_like
        Training tokens :math:`D`, in [1, 1e18].
    architecture : {"decoder", "encoder-decoder"}
        Encoder-decoder models spend about half the FLOPs per parameter (each token passes
        through either the encoder or the decoder half).

    Returns
    -------
    float or numpy.ndarray
        FLOPs (broadcast over the inputs).

    References
    ----------
    Kaplan et al. (2020), "Scaling Laws for Neural Language Models", Sec. 2.1;
    Sunyan (2023), "The Economics of Large Language Models".

    Examples
    --------
    >>> training_flops(175e9, 300e9)
    3.15e+23
    """
    n = arg("n_params", n_params)
    d = arg("n_tokens", n_tokens)
    _check_architecture(architecture)
    return out(flops.training_flops(n, d, architecture))


def inference_flops_per_token(n_params, architecture: str = "decoder"):
    """Inference (forward-pass) FLOPs per token.

    .. math:: 2N \\quad (\\text{encoder-decoder: } N)

    Attention over the context adds :math:`2 n_{layer} n_{ctx} d_{attn}` per token, small
    next to :math:`2N` for large models and ignored here (Kaplan et al. 2020, Table 1).
    """
    _check_architecture(architecture)
    return out(flops.inference_flops_per_token(arg("n_params", n_params), architecture))


# --------------------------------------------------------------------------------------
# Training cost
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingCost:
    """What a training run costs; fields broadcast when the inputs are arrays."""

    n_params: Any
    n_tokens: Any
    architecture: str
    hardware: str
    peak_flops_per_s: Any
    mfu: Any
    usd_per_chip_hour: Any
    compute_flops: Any
    chip_hours: Any
    cost_usd: Any
    n_chips: Any = None
    wall_clock_days: Any = None

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def summary(self) -> pd.DataFrame:
        """One row per scenario (the broadcast inputs), one column per quantity."""
        return frame(self.to_dict())

    def warnings(self) -> list[ScalingWarning]:
        """``units`` when N or D look like they are in other units (e.g. millions of parameters)."""
        n = np.asarray(self.n_params, dtype=float)
        return units_warnings(n, np.asarray(self.n_tokens, dtype=float) / n, what="the inputs")

    def report(self) -> str:
        """A few readable lines with warnings on unusual inputs."""
        lines = [f"warning: {w.message}" for w in self.warnings()]
        for _, r in self.summary().iterrows():
            text = (f"{format_si(r['compute_flops'])} FLOPs ({r['architecture']}, N={format_si(r['n_params'])}, "
                    f"D={format_si(r['n_tokens'])}) at MFU {r['mfu']:.1%} on "
                    f"{r['hardware'] or format_si(r['peak_flops_per_s']) + 'FLOP/s'}: "
                    f"{format_si(r['chip_hours'])} chip-hours, {format_usd(r['cost_usd'])}")
            if r["wall_clock_days"] is not None and pd.notna(r["wall_clock_days"]):
                text += f", {r['wall_clock_days']:.1f} days on {int(r['n_chips']):,} chips"
            lines.append(text)
        if np.any(np.asarray(self.mfu) > 0.6):
            lines.append("warning: MFU above 60% is higher than any published large-scale run "
                         "(PaLM 46.2%, Chowdhery et al. 2022)")
        return "\n".join(lines)


def training_cost(n_params, n_tokens, *, hardware, mfu, usd_per_chip_hour, n_chips=None,
                  architecture: str = "decoder", precision: str = "tensor16") -> TrainingCost:
    """Training compute, chip-hours, dollars and (given a chip count) wall-clock days.

    .. math::

        C = 6ND, \\qquad
        t_{chip\\,h} = \\frac{C}{3600 \\cdot \\text{peak} \\cdot \\text{MFU}}, \\qquad
        \\text{cost} = t_{chip\\,h} \\cdot \\$_{chip\\,h}, \\qquad
        \\text{days} = \\frac{t_{chip\\,h}}{24\\, n_{chips}}

    Parameters
    ----------
    n_params, n_tokens : float or array_like
        Parameters and training tokens, each in [1, 1e18].
    hardware : str, Accelerator, float or array_like
        A hardware name (``"tpu-v4"``, ``"a100"``, ``"NVIDIA H100 SXM5 80GB"``) or the peak
        FLOP/s per chip (in [1e3, 1e21]).
    mfu : float or array_like
        Model FLOPs utilisation in [1e-6, 1].
    usd_per_chip_hour : float or array_like
        Price per chip-hour in [0, 1e6]; see :data:`~scaling.cost.PRICE_POINTS`
        (e.g. ``gcp-tpu-v4-1yr``, $2.03).
    n_chips : int or array_like, optional
        Chips used in parallel (1 to 1e9); gives ``wall_clock_days``.
    architecture : {"decoder", "encoder-decoder"}
    precision : str
        Peak to use for a named chip (default ``tensor16``, dense FP16/BF16).

    Returns
    -------
    TrainingCost

    References
    ----------
    Sunyan (2023), "The Economics of Large Language Models"; Chowdhery et al. (2022), PaLM,
    Appendix B (model FLOPs utilisation).

    Examples
    --------
    >>> r = training_cost(175e9, 300e9, hardware=275e12, mfu=0.462, usd_per_chip_hour=2.03)
    >>> round(r.cost_usd / 1e6, 2)
    1.4
    """
    flops = training_flops(n_params, n_tokens, architecture)
    peak = peak_flops_per_s(hardware, precision)
    hours, usd = compute_cost_usd(flops, peak, mfu, usd_per_chip_hour)
    price = arg("usd_per_chip_hour", usd_per_chip_hour)
    days = None
    if n_chips is not None:
        chips = arg("n_chips", n_chips)
        days = out(np.asarray(hours) / chips / 24.0)
        n_chips = out(chips)
    return TrainingCost(
        n_params=out(n_params), n_tokens=out(n_tokens), architecture=architecture,
        hardware=hardware_name(hardware), peak_flops_per_s=peak, mfu=out(mfu),
        usd_per_chip_hour=out(price), compute_flops=flops, chip_hours=hours,
        cost_usd=usd, n_chips=n_chips, wall_clock_days=days,
    )


# --------------------------------------------------------------------------------------
# Memory
# --------------------------------------------------------------------------------------


def training_memory_bytes(n_params, bytes_per_param=TRAINING_BYTES_PER_PARAM):
    """Training memory for weights, gradients and optimiser state.

    .. math:: M = b N, \\quad b \\approx 20 \\text{ bytes (mixed-precision Adam)}

    Activations (which depend on batch, sequence length and recomputation) are excluded.
    ``bytes_per_param`` is in [1e-3, 1000].
    """
    return out(arg("n_params", n_params) * arg("bytes_per_param", bytes_per_param))


def _memory_per_chip(hardware) -> np.ndarray:
    return chip_value(hardware, "memory_bytes", "memory_per_chip_bytes", "memory size (bytes)")


def chips_for_memory(memory_bytes, hardware):
    """Fewest chips whose combined memory holds ``memory_bytes``: :math:`\\lceil M / m_{chip} \\rceil`.

    ``memory_bytes`` is in [1e-3, 1e24]; ``hardware`` is a hardware name (its memory size is
    looked up) or bytes per chip, in [1e3, 1e15].
    """
    m = arg("memory_bytes", memory_bytes)
    per_chip = _memory_per_chip(hardware)
    return out(np.ceil(m / per_chip))


@dataclass(frozen=True)
class TrainingMemory:
    """Training memory of a model and how many chips it needs."""

    n_params: Any
    bytes_per_param: Any
    memory_bytes: Any
    hardware: str
    memory_per_chip_bytes: Any
    n_chips_exact: Any
    n_chips: Any

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def summary(self) -> pd.DataFrame:
        return frame(self.to_dict())

    def report(self) -> str:
        return "\n".join(
            f"N={format_si(r['n_params'])} x {r['bytes_per_param']:g} B = {format_bytes(r['memory_bytes'])}: "
            f">= {int(r['n_chips']):,} x {r['hardware'] or format_bytes(r['memory_per_chip_bytes'])} "
            f"({r['n_chips_exact']:.2f}); activations not included"
            for _, r in self.summary().iterrows()
        )


def training_memory(n_params, hardware, bytes_per_param=TRAINING_BYTES_PER_PARAM) -> TrainingMemory:
    """Training memory (:func:`training_memory_bytes`) and chips to hold it (:func:`chips_for_memory`).

    Examples
    --------
    >>> m = training_memory(175e9, "h100")
    >>> format_bytes(m.memory_bytes), m.n_chips
    ('3.5 TB', 44.0)
    """
    mem = training_memory_bytes(n_params, bytes_per_param)
    per_chip = _memory_per_chip(hardware)
    return TrainingMemory(
        n_params=out(n_params), bytes_per_param=out(bytes_per_param), memory_bytes=mem,
        hardware=hardware_name(hardware), memory_per_chip_bytes=out(per_chip),
        n_chips_exact=out(np.asarray(mem) / per_chip), n_chips=chips_for_memory(mem, per_chip),
    )
