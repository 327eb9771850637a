"""The domain of every argument of the cost framework, and the check that enforces it.

Each argument name has one physical range, stated in :data:`RANGES`; the check itself is
:func:`scaling._checks.check_number` (the package's one positivity check, raising
:class:`~scaling.errors.ScalingError`). The ranges are wide (orders of magnitude beyond
any real model, chip or price) but bounded, so that every result of :mod:`scaling.cost`
is a finite number: a query outside them is an error that names the value and the range,
never an overflow to ``inf`` or a division by zero.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from .._checks import check_number
from ..errors import ScalingError

if TYPE_CHECKING:
    import pandas as pd  # loaded in frame(): the checks need none (a sizing query with --hardware)

#: Allowed model FLOPs utilisation (MFU), both ends included: a thousandth of the peak to all of
#: it (below 0.1% an answer is no estimate, and an MFU near 0 makes every cost infinite). The one
#: range of the package (:mod:`scaling.cost.rates`, :mod:`scaling.budget`, :mod:`scaling.forecast`).
MFU_BOUNDS: tuple[float, float] = (1e-3, 1.0)

#: Argument name -> (low, high, low_open): allowed values are ``low < x <= high`` when
#: ``low_open`` else ``low <= x <= high``. Shares that must stay below 1 are listed in
#: :data:`_HIGH_OPEN`.
RANGES: Mapping[str, tuple[float, float, bool]] = MappingProxyType({
    # models and data: from one parameter or token to a million times the largest published
    # models (~1e12 parameters) and datasets (~1e13 tokens)
    "n_params": (1.0, 1e18, False),
    "n_tokens": (1.0, 1e18, False),
    "compute_flops": (0.0, 1e40, False),
    "bytes_per_param": (1e-3, 1e3, False),
    "memory_bytes": (1e-3, 1e24, False),
    # chips: 1 kFLOP/s to 1 ZFLOP/s per chip (an H100 does ~1e15), 1 kB to 1 PB of memory,
    # up to a billion chips, a milliwatt to a megawatt each
    "peak_flops_per_s": (1e3, 1e21, False),
    "flops_per_s": (1e3, 1e21, False),
    "memory_per_chip_bytes": (1e3, 1e15, False),
    "n_chips": (1.0, 1e9, False),
    "chips_per_instance": (1.0, 1e9, False),
    "tdp_w": (1e-3, 1e6, False),
    "chip_hours": (0.0, 1e40, False),
    # utilisation: a thousandth of the peak to all of it
    "mfu": (*MFU_BOUNDS, False),
    "utilisation": (*MFU_BOUNDS, False),
    # prices and money: up to a thousand trillion dollars (about ten times world GDP)
    "usd_per_chip_hour": (0.0, 1e6, False),
    "usd_per_instance_hour": (0.0, 1e9, False),
    "usd_per_kwh": (0.0, 1e3, False),
    "usd_per_1k_tokens": (0.0, 1e6, False),
    "purchase_price_usd": (0.0, 1e12, False),
    "price_usd": (0.0, 1e12, True),
    "hardware_cost_usd": (0.0, 1e15, False),
    "energy_cost_usd": (0.0, 1e15, False),
    "cost_usd": (0.0, 1e15, False),
    "usd": (0.0, 1e15, False),
    "revenue_usd": (1.0, 1e15, False),
    # energy
    "energy_kwh": (0.0, 1e45, False),
    "pue": (1.0, 10.0, False),
    # time and improvement
    "lifetime_years": (0.01, 100.0, False),
    "years_per_generation": (0.1, 100.0, False),
    "years": (-100.0, 100.0, False),
    "n_generations": (0.0, 20.0, False),
    "factor_per_generation": (1e-3, 1e3, False),
    "factor_per_year": (1e-3, 1e3, False),
    "per_dollar_factor": (1e-3, 1e3, False),
    "per_watt_factor": (1e-3, 1e3, False),
    "factor": (1e-6, 1e6, False),
    # words, tokens, queries
    "n_words": (0.0, 1e15, False),
    "words_priced": (1e-3, 1e15, False),
    "token_count": (0.0, 1e18, False),
    "prompt_words": (0.0, 1e15, False),
    "response_words": (0.0, 1e15, False),
    "words_per_result": (0.0, 1e15, False),
    "words_per_token": (0.01, 100.0, False),
    "n_samples": (1.0, 1e6, False),
    "n_results": (0.0, 1e6, False),
    "cache_hit_rate": (0.0, 1.0, False),
    "gross_margin": (0.0, 1.0, False),
    "searches_per_month": (1.0, 1e16, False),
    "queries_per_year": (1.0, 1e18, False),
    "penetration_then": (1e-6, 1.0, False),
    "penetration_now": (1e-6, 1.0, False),
})

#: Shares that must stay below 1 (a 100% cache hit rate or margin leaves nothing to price).
_HIGH_OPEN = frozenset({"cache_hit_rate", "gross_margin"})
#: Counts that must be whole numbers.
INTEGERS = frozenset({"n_chips", "chips_per_instance", "n_samples", "n_results"})


def arg(name: str, value: Any, *, kind: str | None = None, positive: bool = False) -> np.ndarray:
    """Check ``value`` against the range of argument ``kind`` (default: ``name``).

    Returns a float array (0-d for a scalar). ``positive=True`` excludes zero from a range
    that starts at 0.

    Raises
    ------
    ScalingError
        Not a number, not finite, outside the range, or not whole where a count is needed.
    """
    kind = name if kind is None else kind
    low, high, low_open = RANGES[kind]
    checked = check_number(name, value, low=low, high=high, low_open=low_open or (positive and low == 0.0),
                           high_open=kind in _HIGH_OPEN)
    arr = np.asarray(checked, dtype=float)
    if kind in INTEGERS and np.any(arr != np.round(arr)):
        first = float(arr.ravel()[np.flatnonzero((arr != np.round(arr)).ravel())[0]])
        raise ScalingError(f"{name} must be a whole number in [{low:g}, {high:g}], got {first!r}")
    return arr


def out(x):
    """Plain float for scalar results, the array otherwise."""
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def frame(values: dict) -> pd.DataFrame:
    """One row per broadcast scenario, one column per field (strings and None repeated)."""
    import pandas as pd

    numeric = {k: v for k, v in values.items() if v is not None and not isinstance(v, str)}
    shape = np.broadcast_shapes(*(np.shape(v) for v in numeric.values())) if numeric else ()
    size = int(np.prod(shape)) if shape else 1
    cols = {}
    for k, v in values.items():
        if v is None or isinstance(v, str):
            cols[k] = [v] * size
        else:
            cols[k] = np.broadcast_to(np.asarray(v, dtype=float), shape).ravel() if shape else [float(v)]
    return pd.DataFrame(cols)
