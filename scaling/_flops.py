r"""The arithmetic of compute, in one place: FLOPs of a dense transformer, chip-hours, dollars.

For a dense transformer of :math:`N` parameters (Kaplan et al. 2020, "Scaling Laws for Neural
Language Models", Sec. 2.1, https://arxiv.org/abs/2001.08361):

* training compute :math:`C = 6 N D` for :math:`D` tokens (forward :math:`2N`, backward about
  twice that, per token), so a budget :math:`C` buys :math:`D = C / 6N` tokens;
* serving :math:`T` tokens costs :math:`2 N T` FLOPs (the forward pass);
* encoder-decoder models spend half of each (:math:`3ND`, :math:`NT`).

A job of :math:`C` FLOPs at :math:`r` useful FLOPs per chip-hour takes :math:`C / r`
chip-hours, :math:`r = 3600\, F\, u` for peak :math:`F` FLOP/s and model FLOPs utilisation
:math:`u` (Chowdhery et al. 2022, "PaLM", Appendix B, https://arxiv.org/abs/2204.02311), and
costs chip-hours x dollars per chip-hour (Sunyan 2023, "The Economics of Large Language Models",
https://sunyan.substack.com/p/the-economics-of-large-language-models).

Every function here is plain arithmetic without checks: it broadcasts over numpy arrays and
pandas columns and lets NaN and inf through, for the law's searches (:mod:`scaling.laws`), the
validation of a runs table (:mod:`scaling.datasets`) and arrays of posterior draws
(:mod:`scaling.sizing`), where NaN marks an unreachable answer. The public, checked home of the
same formulas is :mod:`scaling.cost` (:func:`scaling.cost.training_flops`,
:func:`scaling.cost.inference_flops_per_token`, :func:`scaling.cost.compute_cost_usd`,
:func:`scaling.cost.flops_per_chip_hour`), which calls these after checking its arguments; this
module sits in the foundations so that the layers below :mod:`scaling.cost` share the formulas
too.

GPT-3 (Brown et al. 2020, "Language Models are Few-Shot Learners", arXiv:2005.14165), the
reference run of every "GPT-3-equivalent" answer, is defined here once:
:data:`GPT3_N_PARAMS` and :data:`GPT3_N_TOKENS` (public as :data:`scaling.sizing.GPT3_N_PARAMS`
and read by :data:`scaling.sunyan2023.ARTICLE_INPUTS`).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

__all__ = ["FLOPS_PER_PARAM_TOKEN", "INFERENCE_FLOPS_PER_PARAM_TOKEN", "TRAINING_FLOPS_PER_PARAM_TOKEN",
           "SECONDS_PER_HOUR", "GPT3_N_PARAMS", "GPT3_N_TOKENS", "training_flops", "training_flops_per_token",
           "inference_flops", "inference_flops_per_token", "tokens_for_flops", "flops_per_chip_hour",
           "chip_hours", "compute_cost"]

#: FLOPs per parameter per token, ``(inference, training)``, by architecture.
FLOPS_PER_PARAM_TOKEN: Mapping[str, tuple[float, float]] = MappingProxyType({
    "decoder": (2.0, 6.0),
    "encoder-decoder": (1.0, 3.0),
})
#: A decoder's training FLOPs per parameter per token: the 6 of :math:`C = 6ND`.
TRAINING_FLOPS_PER_PARAM_TOKEN = FLOPS_PER_PARAM_TOKEN["decoder"][1]
#: A decoder's inference FLOPs per parameter per token: the 2 of :math:`2N` per served token.
INFERENCE_FLOPS_PER_PARAM_TOKEN = FLOPS_PER_PARAM_TOKEN["decoder"][0]
SECONDS_PER_HOUR = 3600.0

#: GPT-3 (Brown et al. 2020, arXiv:2005.14165, Table 2.1 and Sec. 2.2): 175e9 parameters
#: trained on 300e9 tokens.
GPT3_N_PARAMS = 175e9
GPT3_N_TOKENS = 300e9


def training_flops_per_token(n_params, architecture: str = "decoder"):
    """Training FLOPs per token, :math:`6N` (encoder-decoder :math:`3N`)."""
    return FLOPS_PER_PARAM_TOKEN[architecture][1] * n_params


def training_flops(n_params, n_tokens, architecture: str = "decoder"):
    """Training compute :math:`C = 6 N D` (encoder-decoder :math:`3ND`), FLOPs."""
    return FLOPS_PER_PARAM_TOKEN[architecture][1] * n_params * n_tokens


def inference_flops_per_token(n_params, architecture: str = "decoder"):
    """Inference (forward-pass) FLOPs per token, :math:`2N` (encoder-decoder :math:`N`)."""
    return FLOPS_PER_PARAM_TOKEN[architecture][0] * n_params


def inference_flops(n_params, n_tokens):
    """FLOPs to serve ``n_tokens`` tokens with a decoder of ``n_params`` parameters: :math:`2 N T`."""
    return INFERENCE_FLOPS_PER_PARAM_TOKEN * n_params * n_tokens


def tokens_for_flops(compute_flops, n_params):
    """Training tokens a budget buys a decoder of ``n_params`` parameters: :math:`D = C / 6N`."""
    return compute_flops / (TRAINING_FLOPS_PER_PARAM_TOKEN * n_params)


def flops_per_chip_hour(peak_flops_per_s, mfu):
    """Useful FLOPs per chip-hour, :math:`r = 3600\\, F\\, u`."""
    return SECONDS_PER_HOUR * peak_flops_per_s * mfu


def chip_hours(compute_flops, flops_per_chip_hour):
    """Chip-hours of ``compute_flops`` FLOPs at ``flops_per_chip_hour`` useful FLOPs each: :math:`C / r`."""
    return compute_flops / flops_per_chip_hour


def compute_cost(compute_flops, flops_per_chip_hour, usd_per_chip_hour):
    """Chip-hours and dollars of ``compute_flops`` FLOPs: :math:`h = C / r` and :math:`h\\, p_h`.

    Returns ``(chip_hours, cost_usd)``; a NaN price gives NaN dollars.
    """
    hours = chip_hours(compute_flops, flops_per_chip_hour)
    return hours, hours * usd_per_chip_hour
