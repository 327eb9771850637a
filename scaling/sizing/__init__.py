r"""Compute-optimal sizing from any fitted law, with uncertainty.

The maths lives in :mod:`scaling.laws` (one :class:`~scaling.laws.Law` per law, with
chinchilla's closed forms of Hoffmann et al. 2022, Eq. 4, and generic numerics for a law
without them). This package asks the law and adds what a query needs: domain checks,
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

Modules
-------
- :mod:`scaling.sizing.blocks`: the building blocks below;
- :mod:`scaling.sizing.query`: :func:`optimal` (the query: checks, point and draws, sweeps,
  a data-constrained law's pool of unique tokens);
- :mod:`scaling.sizing.solve`: every quantity of an answer, with the inference-aware baseline;
- :mod:`scaling.sizing.costs`: the hardware of a query and what it minimises;
- :mod:`scaling.sizing.result`: :class:`OptimalResult` and :func:`extrapolation_warnings`;
- :mod:`scaling.sizing.context`: what a fit's answers mean (:func:`fit_context`); published
  fits are read from :mod:`scaling.library`, their one home.

Examples
--------
>>> p = dict(E=1.8172, A=477.76, B=2142.94, alpha=0.3473, beta=0.3672)
>>> n, d = allocate(p, 5.76e23)
>>> round(float(n) / 1e9, 1), round(float(d) / 1e12, 2)
(73.3, 1.31)
"""

from __future__ import annotations

from .blocks import (GPT3_N_PARAMS, GPT3_N_TOKENS, allocate, compute_for_loss, gpt3_loss, loss_at, min_cost_for_loss,
                     tokens_for_loss)
from .context import DATASET_LOSS, LOSS_C4, LOSS_MASSIVETEXT, LOSS_OWN, LOSS_WEBTEXT2, fit_context, loss_meaning
from .query import TARGETS, data_constrained_laws, optimal
from .result import EXTRAPOLATION_FACTOR, OptimalResult, extrapolation_warnings

__all__ = [
    "optimal", "OptimalResult", "fit_context", "loss_meaning", "allocate", "compute_for_loss", "loss_at", "tokens_for_loss",
    "gpt3_loss", "min_cost_for_loss", "extrapolation_warnings", "GPT3_N_PARAMS", "GPT3_N_TOKENS", "TARGETS", "EXTRAPOLATION_FACTOR",
]
