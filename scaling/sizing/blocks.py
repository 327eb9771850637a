r"""The building blocks of sizing: thin calls into the law, vectorised over draws.

``params``: a dict of floats, or a DataFrame / dict of arrays with one entry per draw; every
output has the broadcast shape; ``law`` defaults to chinchilla. Budgets, sizes and losses
are checked > 0 and finite; unreachable answers (a loss at or below the irreducible loss)
are NaN.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from .._checks import check_number
# GPT-3 (Brown et al. 2020, arXiv:2005.14165): 175e9 parameters trained on 300e9 tokens, defined once in
# scaling._flops (below every layer that names it: this one and scaling.sunyan2023), public here.
from .._flops import GPT3_N_PARAMS, GPT3_N_TOKENS
from ..laws import Law, get_law

__all__ = ["allocate", "compute_for_loss", "loss_at", "tokens_for_loss", "gpt3_loss", "min_cost_for_loss",
           "GPT3_N_PARAMS", "GPT3_N_TOKENS"]


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
