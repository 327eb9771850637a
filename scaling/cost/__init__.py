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
:mod:`~scaling.cost.rates` (FLOPs -> chip-hours -> dollars, :func:`compute_cost_usd`, and the MFU's
one default and range, :data:`DEFAULT_MFU` and :data:`MFU_BOUNDS`),
:mod:`~scaling.cost.training` (FLOPs, training cost, memory),
:mod:`~scaling.cost.inference` (throughput, $ per 1K tokens),
:mod:`~scaling.cost.energy` (energy, amortisation, hardware generations, $ per FLOP) and
:mod:`~scaling.cost.queries` (search-query economics). Everything is re-exported here,
imported on first use.

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

from importlib import import_module

# Every public name, by the module that defines it; imported on first use (PEP 562), so that
# ``from scaling.cost import accelerators`` (a sizing query with --hardware) loads neither pandas
# nor the other sections.
_SECTIONS = {
    ".._format": ("format_bytes", "format_si", "format_usd"),
    ".accelerators": ("PRECISIONS", "Accelerator", "chip_hours", "chip_seconds", "implied_mfu",
                      "known_accelerators", "peak_flops_per_s", "resolve_accelerator"),
    ".energy": ("HOURS_PER_YEAR", "USD_PER_FLOP_DEFAULTS", "amortised_usd_per_chip_hour", "cost_after_generations",
                "energy_cost_usd", "energy_kwh", "factor_over_years", "factor_per_year", "usd_per_flop_cloud",
                "usd_per_flop_purchase"),
    ".inference": ("InferenceCost", "inference_cost", "inference_tokens_per_s"),
    ".prices": ("PRICE_POINTS", "PricePoint", "price_point"),
    ".rates": ("SECONDS_PER_HOUR", "DEFAULT_MFU", "DEFAULT_MFU_RANGE", "DEFAULT_INFERENCE_MFU_RANGE", "MFU_BOUNDS", "INFERENCE_MFU_FACTOR",
               "ComputeCost", "check_mfu", "chip_hours_of", "compute_cost_usd", "flops_per_chip_hour"),
    ".queries": ("WORDS_PER_TOKEN", "QueryCost", "apply_reductions", "provider_usd_per_1k_tokens", "query_cost",
                 "revenue_per_query", "searches_per_year", "tokens_to_words", "usd_per_1k_tokens_from_words",
                 "words_to_tokens", "SearchEconomics", "search_economics"),
    ".tco": ("TCOAssumptions", "Range", "dollar_factor", "usd_per_peak_flop_tco"),
    ".training": ("ARCHITECTURES", "TRAINING_BYTES_PER_PARAM", "TrainingCost", "TrainingMemory", "chips_for_memory",
                  "inference_flops_per_token", "training_cost", "training_flops", "training_flops_per_token",
                  "training_memory", "training_memory_bytes"),
}
_LAZY = {name: module for module, names in _SECTIONS.items() for name in names}


_SUBMODULES = ("accelerators", "energy", "inference", "prices", "queries", "rates", "tco", "training")


def __getattr__(name: str):
    if name in _SUBMODULES:  # ``cost.training`` as after an eager import
        return import_module(f".{name}", __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'scaling.cost' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))


__all__ = [
    "TCOAssumptions", "Range", "dollar_factor", "usd_per_peak_flop_tco",
    "PRICE_POINTS", "PricePoint", "price_point", "WORDS_PER_TOKEN", "TRAINING_BYTES_PER_PARAM",
    "HOURS_PER_YEAR", "ARCHITECTURES", "PRECISIONS",
    "training_flops", "training_flops_per_token", "inference_flops_per_token",
    "Accelerator", "resolve_accelerator", "known_accelerators", "peak_flops_per_s",
    "chip_seconds", "chip_hours", "implied_mfu", "TrainingCost", "training_cost",
    "SECONDS_PER_HOUR", "DEFAULT_MFU", "DEFAULT_MFU_RANGE", "DEFAULT_INFERENCE_MFU_RANGE", "MFU_BOUNDS", "INFERENCE_MFU_FACTOR",
    "ComputeCost", "check_mfu", "chip_hours_of", "compute_cost_usd", "flops_per_chip_hour",
    "inference_tokens_per_s", "InferenceCost", "inference_cost",
    "training_memory_bytes", "chips_for_memory", "TrainingMemory", "training_memory", "format_bytes",
    "energy_kwh", "energy_cost_usd", "amortised_usd_per_chip_hour",
    "factor_per_year", "factor_over_years", "cost_after_generations",
    "usd_per_flop_purchase", "usd_per_flop_cloud", "USD_PER_FLOP_DEFAULTS",
    "words_to_tokens", "tokens_to_words", "usd_per_1k_tokens_from_words", "provider_usd_per_1k_tokens",
    "QueryCost", "query_cost", "searches_per_year", "revenue_per_query", "apply_reductions",
    "SearchEconomics", "search_economics",
    "format_usd", "format_si",
]
