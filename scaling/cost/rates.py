r"""FLOPs to chip-hours to dollars, and the model FLOPs utilisation (MFU): the one home of both.

A job of :math:`C` FLOPs on chips of peak :math:`F` FLOP/s at model FLOPs utilisation
:math:`u` (Chowdhery et al. 2022, "PaLM: Scaling Language Modeling with Pathways",
Appendix B, https://arxiv.org/abs/2204.02311) takes

.. math::

    t_{chip\,h} = \frac{C}{3600\, F\, u}, \qquad \text{cost} = t_{chip\,h} \cdot p_h

chip-hours and dollars at :math:`p_h` dollars per chip-hour. Every caller of the package
(:func:`scaling.cost.training_cost`, :func:`scaling.cost.inference_cost`,
:mod:`scaling.budget`, dollars per FLOP in :mod:`scaling.cost.energy`) converts through
:func:`compute_cost_usd` and :func:`flops_per_chip_hour`; the MFU's default and allowed
range are :data:`DEFAULT_MFU` and :data:`MFU_BOUNDS`.

The arithmetic itself lives in :mod:`scaling._flops` (unchecked, for arrays of draws and the
layers below this one); the functions here check their arguments and call it. This module needs
numpy only (no pandas, no tables): a sizing query may use it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .. import _flops as flops
from .._flops import SECONDS_PER_HOUR
from ._args import MFU_BOUNDS, arg, out

__all__ = ["SECONDS_PER_HOUR", "DEFAULT_MFU", "DEFAULT_MFU_RANGE", "DEFAULT_INFERENCE_MFU_RANGE", "MFU_BOUNDS", "INFERENCE_MFU_FACTOR",
           "ComputeCost", "flops_per_chip_hour", "chip_hours_of", "compute_cost_usd", "check_mfu"]

#: Default training MFU: large dense runs reach 0.3-0.5 (Chowdhery et al. 2022, Table 3:
#: GPT-3 0.213, Gopher 0.323, MT-NLG 0.302, PaLM 0.462; Llama 3.1 405B 0.38-0.43,
#: Grattafiori et al. 2024). The middle of :data:`DEFAULT_MFU_RANGE`.
DEFAULT_MFU = 0.4
#: Where a well-run large training job sits today (for a drawn MFU, e.g. a forecast's).
DEFAULT_MFU_RANGE: tuple[float, float] = (0.3, 0.5)
#: Default inference MFU = this factor x the training MFU: autoregressive decoding is
#: memory-bandwidth bound and reaches a lower utilisation than training (Pope et al. 2022,
#: "Efficiently Scaling Transformer Inference", https://arxiv.org/abs/2211.05102).
INFERENCE_MFU_FACTOR = 0.5
#: Serving MFU drawn by a forecast: uniform over 10-30%, centred on
#: ``INFERENCE_MFU_FACTOR * DEFAULT_MFU`` (Pope et al. 2022 reach high MFU only for large-batch
#: prefill, far lower for low-latency decoding).
DEFAULT_INFERENCE_MFU_RANGE: tuple[float, float] = (0.1, 0.3)


class ComputeCost(NamedTuple):
    """Chip-hours and dollars of a job (floats, or arrays when the inputs are)."""

    chip_hours: Any
    cost_usd: Any


def check_mfu(mfu, name: str = "mfu"):
    """An MFU within :data:`MFU_BOUNDS` as a float (or float array); else ``ScalingError``
    naming the value and the range."""
    return out(arg(name, mfu, kind="mfu"))


def flops_per_chip_hour(peak_flops_per_s, mfu):
    """Useful FLOPs per chip-hour: :math:`3600\\, F\\, u`.

    ``peak_flops_per_s`` in [1e3, 1e21]; ``mfu`` in :data:`MFU_BOUNDS`. Broadcasts.
    """
    return out(flops.flops_per_chip_hour(arg("peak_flops_per_s", peak_flops_per_s), arg("mfu", mfu)))


def compute_cost_usd(compute_flops, peak_flops_per_s, mfu, usd_per_chip_hour) -> ComputeCost:
    r"""Chip-hours and dollars to execute ``compute_flops`` FLOPs.

    .. math::

        t_{chip\,h} = \frac{C}{3600\, F\, u}, \qquad \text{cost} = t_{chip\,h}\, p_h

    Parameters
    ----------
    compute_flops : float or array_like
        FLOPs to execute, in [0, 1e40].
    peak_flops_per_s : float or array_like
        Peak FLOP/s per chip, in [1e3, 1e21] (a chip name is resolved by the callers:
        :func:`scaling.cost.peak_flops_per_s`).
    mfu : float or array_like
        Model FLOPs utilisation in :data:`MFU_BOUNDS`.
    usd_per_chip_hour : float or array_like
        Price per chip-hour in [0, 1e6].

    Returns
    -------
    ComputeCost
        ``(chip_hours, cost_usd)``, broadcast over the inputs.

    References
    ----------
    Chowdhery et al. (2022), PaLM, Appendix B (MFU); Sunyan (2023), "The Economics of Large
    Language Models" (chip-hours x $ per chip-hour).

    Examples
    --------
    >>> hours, usd = compute_cost_usd(3.15e23, 275e12, 0.462, 2.03)  # GPT-3 on TPU v4
    >>> round(hours), round(usd / 1e6, 2)
    (688705, 1.4)
    """
    c = arg("compute_flops", compute_flops)
    rate = np.asarray(flops_per_chip_hour(peak_flops_per_s, mfu))
    hours, usd = flops.compute_cost(c, rate, arg("usd_per_chip_hour", usd_per_chip_hour))
    return ComputeCost(out(hours), out(usd))


def chip_hours_of(compute_flops, peak_flops_per_s, mfu):
    """Chip-hours of ``compute_flops`` FLOPs: :math:`C / (3600\\, F\\, u)` (the first half of
    :func:`compute_cost_usd`, for a job without a price). Broadcasts."""
    return out(flops.chip_hours(arg("compute_flops", compute_flops),
                                np.asarray(flops_per_chip_hour(peak_flops_per_s, mfu))))
