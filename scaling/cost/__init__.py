"""What large language models cost: FLOPs -> chip-hours -> dollars, memory, energy, queries.

The framework of Sunyan (2023), "The Economics of Large Language Models",
https://sunyan.substack.com/p/the-economics-of-large-language-models, for dense
decoder-only transformers (Kaplan et al. 2020, Section 2.1):

* FLOPs per token: about :math:`2N` to serve (forward pass) and :math:`6N` to train
  (forward + backward); encoder-decoder models: :math:`N` and :math:`3N`.
* Training compute :math:`C = 6ND`.
* Chip time :math:`C / (\\text{peak FLOP/s} \\times \\text{MFU})`; cost = chip-hours x $ per chip-hour.
* Training memory about 20 bytes per parameter (mixed-precision Adam), activations excluded.

Modules, one per section: :mod:`~scaling.cost.prices` (dated price points),
:mod:`~scaling.cost.accelerators` (chips, peak FLOP/s, chip time),
:mod:`~scaling.cost.training` (FLOPs, training cost, memory),
:mod:`~scaling.cost.inference` (throughput, $ per 1K tokens),
:mod:`~scaling.cost.energy` (energy, amortisation, hardware generations, $ per FLOP) and
:mod:`~scaling.cost.queries` (search-query economics). Everything is re-exported here.

Every function is pure and broadcasts over numpy arrays (pass arrays to sweep a grid).
Every argument has a stated physical range (:data:`scaling.cost._args.RANGES`, wide but
bounded, so every result is a finite number); a value outside it, or not a number, raises
:class:`~scaling.errors.ScalingError` naming the argument and its range. Dated price
points live in :data:`PRICE_POINTS`; no formula hides a price. The formatters
(:func:`format_usd`, :func:`format_si`, :func:`format_bytes`) live in
:mod:`scaling._format` and are re-exported here.

Examples
--------
>>> from scaling import cost
>>> run = cost.training_cost(175e9, 300e9, hardware="tpu-v4", mfu=0.462, usd_per_chip_hour=2.03)
>>> f"{run.compute_flops:.3g} FLOPs, {run.chip_hours:.4g} chip-hours, ${run.cost_usd / 1e6:.2f}M"
'3.15e+23 FLOPs, 6.887e+05 chip-hours, $1.40M'
"""

from __future__ import annotations

from .._format import format_bytes, format_si, format_usd
from .accelerators import (
    PRECISIONS, Accelerator, chip_hours, chip_seconds, implied_mfu, known_accelerators, peak_flops_per_s,
    resolve_accelerator,
)
from .energy import (
    HOURS_PER_YEAR, USD_PER_FLOP_DEFAULTS, amortised_usd_per_chip_hour, cost_after_generations, energy_cost_usd,
    energy_kwh, factor_over_years, factor_per_year, usd_per_flop_cloud, usd_per_flop_purchase,
)
from .inference import InferenceCost, inference_cost, inference_tokens_per_s
from .prices import PRICE_POINTS, PricePoint, price_point
from .queries import (
    WORDS_PER_TOKEN, QueryCost, apply_reductions, provider_usd_per_1k_tokens, query_cost, revenue_per_query,
    searches_per_year, tokens_to_words, usd_per_1k_tokens_from_words, words_to_tokens,
)
from .tco import TCOAssumptions, Range, dollar_factor, usd_per_peak_flop_tco
from .training import (
    ARCHITECTURES, TRAINING_BYTES_PER_PARAM, TrainingCost, TrainingMemory, chips_for_memory,
    inference_flops_per_token, training_cost, training_flops, training_flops_per_token, training_memory,
    training_memory_bytes,
)

__all__ = [
    "TCOAssumptions", "Range", "dollar_factor", "usd_per_peak_flop_tco",
    "PRICE_POINTS", "PricePoint", "price_point", "WORDS_PER_TOKEN", "TRAINING_BYTES_PER_PARAM",
    "HOURS_PER_YEAR", "ARCHITECTURES", "PRECISIONS",
    "training_flops", "training_flops_per_token", "inference_flops_per_token",
    "Accelerator", "resolve_accelerator", "known_accelerators", "peak_flops_per_s",
    "chip_seconds", "chip_hours", "implied_mfu", "TrainingCost", "training_cost",
    "inference_tokens_per_s", "InferenceCost", "inference_cost",
    "training_memory_bytes", "chips_for_memory", "TrainingMemory", "training_memory", "format_bytes",
    "energy_kwh", "energy_cost_usd", "amortised_usd_per_chip_hour",
    "factor_per_year", "factor_over_years", "cost_after_generations",
    "usd_per_flop_purchase", "usd_per_flop_cloud", "USD_PER_FLOP_DEFAULTS",
    "words_to_tokens", "tokens_to_words", "usd_per_1k_tokens_from_words", "provider_usd_per_1k_tokens",
    "QueryCost", "query_cost", "searches_per_year", "revenue_per_query", "apply_reductions",
    "format_usd", "format_si",
]
