"""Argument checks and thresholds shared across modules.

Every check raises :class:`scaling.errors.ScalingError` with a message naming the bad
value and what is allowed. This is the one home of the positivity check and of the
sampler-diagnostic thresholds.
"""

from __future__ import annotations

import math
import numbers
import os

import numpy as np

from .errors import ScalingError, ScalingWarning

# Sampler diagnostics: Vehtari et al. (2021), "Rank-normalization, folding, and
# localization: an improved R-hat for assessing convergence of MCMC", Bayesian Analysis
# 16(2), recommend R-hat < 1.01 and bulk and tail ESS > 400 (100 per chain, 4 chains).
R_HAT_MAX = 1.01
ESS_MIN = 400
#: Largest share of divergent transitions (of chains x draws after tuning) of a converged fit.
DIVERGENT_MAX = 0.01

#: Memory one computation may ask for, in GiB, unless the environment variable
#: ``SCALING_MAX_MEMORY_GB`` says otherwise: big arrays are chunked to fit it, or refused with
#: the estimate (:func:`check_memory`) before anything is allocated.
MAX_MEMORY_GB = 2.0
MEMORY_ENV = "SCALING_MAX_MEMORY_GB"

#: Units checks (:func:`units_warnings`): no language model of interest has fewer parameters,
#: and no training run more tokens per parameter (Chinchilla: 20; Llama 3 8B: about 1,900;
#: Muennighoff et al. 2023's most repeated runs: 6e4 with 60 epochs). A table in millions of
#: parameters trips both.
MIN_PLAUSIBLE_N_PARAMS = 1e5
MAX_PLAUSIBLE_TOKENS_PER_PARAM = 1e4


def check_level(level) -> float:
    """An interval level (probability mass) in (0, 1), as a float; else ``ScalingError``."""
    if isinstance(level, (bool, np.bool_)) or not isinstance(level, (int, float, np.integer, np.floating)) \
            or not 0.0 < float(level) < 1.0:
        raise ScalingError(f"level must be a probability in (0, 1), got {level!r}")
    return float(level)


def check_number(name: str, value, *, low: float | None = 0.0, high: float | None = None,
                 low_open: bool = True, high_open: bool = False):
    """A finite number, or an array of them, within bounds; returned as float or float array.

    ``low=0`` with ``low_open=True`` (the default) is the positivity check: ``value > 0``.
    Booleans are refused (``True`` is not one FLOP).

    Raises
    ------
    ScalingError
        Not a number, not finite, or out of ``(low, high]`` (brackets as given).
    """
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, np.ndarray) and value.dtype == bool):
        raise ScalingError(f"{name} must be a number, got {value!r}")
    if isinstance(value, str):
        raise ScalingError(f"{name} must be a number, got the string {value!r}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ScalingError(f"{name} must be a number, got {value!r}") from None
    if arr.size == 0:
        raise ScalingError(f"{name} must not be empty")
    bad = ~np.isfinite(arr)
    if low is not None:
        bad |= (arr <= low) if low_open else (arr < low)
    if high is not None:
        bad |= (arr >= high) if high_open else (arr > high)
    if bad.any():
        first = float(arr.ravel()[np.flatnonzero(bad.ravel())[0]])
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        allowed = f"{'(' if low_open or low is None else '['}{lo}, {hi}{')' if high_open or high is None else ']'}"
        raise ScalingError(f"{name} must be a finite number in {allowed}, got {first!r}")
    return float(arr) if arr.ndim == 0 else arr


def check_positive(name: str, value, upper: float | None = None):
    """``value > 0`` and finite (and ``<= upper`` when given); float or float array."""
    return check_number(name, value, low=0.0, high=upper)


def check_int(name: str, value, minimum: int = 0, maximum: int | None = None) -> int:
    """An integer (not a bool, not a float) in ``[minimum, maximum]``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ScalingError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        hi = "" if maximum is None else f" and <= {maximum:,}"
        raise ScalingError(f"{name} must be an integer >= {minimum}{hi}, got {value!r}")
    return int(value)


def max_memory_bytes() -> int:
    """The memory one computation may use: ``$SCALING_MAX_MEMORY_GB`` GiB, else :data:`MAX_MEMORY_GB`."""
    raw = os.environ.get(MEMORY_ENV, "").strip()
    gib = MAX_MEMORY_GB
    if raw:
        try:
            gib = float(raw)
        except ValueError:
            raise ScalingError(f"{MEMORY_ENV}={raw!r} must be a number of GiB (e.g. 8)") from None
        if not (np.isfinite(gib) and gib > 0):
            raise ScalingError(f"{MEMORY_ENV}={raw!r} must be a positive number of GiB (e.g. 8)")
    return int(gib * 2**30)


def check_memory(what: str, n_bytes: float, hint: str = "") -> None:
    """Refuse, before allocating, a computation estimated to need more than :func:`max_memory_bytes`.

    ``what`` names the computation and its sizes (e.g. "1,000,000 draws x 204 dates"),
    ``hint`` says how to ask for less.
    """
    limit = max_memory_bytes()
    if n_bytes > limit:
        raise ScalingError(
            f"{what} needs about {n_bytes / 2**30:.1f} GiB of memory, above the limit of {limit / 2**30:.1f} GiB"
            f"{'; ' + hint if hint else ''} (or raise the limit: environment variable {MEMORY_ENV}, in GiB)")


def chunk_rows(n_bytes_per_row: float, n_rows: int, cap: int | None = None) -> int:
    """Rows per chunk so that one chunk fits in a quarter of :func:`max_memory_bytes` (at least 1)."""
    rows = int(max_memory_bytes() // (4 * max(float(n_bytes_per_row), 1.0)))
    return max(1, min(rows, n_rows, cap if cap is not None else n_rows))


def units_warnings(n_params, tokens_per_param=None, what: str = "the runs") -> list[ScalingWarning]:
    """``units`` warnings when N or D look like they were given in other units (e.g. millions).

    Warns when the largest of ``n_params`` is below :data:`MIN_PLAUSIBLE_N_PARAMS` or the
    median of ``tokens_per_param`` (D / N) exceeds :data:`MAX_PLAUSIBLE_TOKENS_PER_PARAM`.
    """
    n = np.asarray(n_params, dtype=float).ravel()
    out = []
    if n.size and np.nanmax(n) < MIN_PLAUSIBLE_N_PARAMS:
        out.append(ScalingWarning(
            "units", f"{what}: the largest N is {np.nanmax(n):,.4g} parameters, below {MIN_PLAUSIBLE_N_PARAMS:.0e}: "
                     "is N in millions or billions? n_params is the number of parameters (175e9 for GPT-3)"))
    ratio = np.asarray([] if tokens_per_param is None else tokens_per_param, dtype=float).ravel()
    if ratio.size and np.nanmedian(ratio) > MAX_PLAUSIBLE_TOKENS_PER_PARAM:
        out.append(ScalingWarning(
            "units", f"{what}: {np.nanmedian(ratio):,.3g} tokens per parameter (median), above "
                     f"{MAX_PLAUSIBLE_TOKENS_PER_PARAM:,.0f}: are N or D in other units (millions, billions)? "
                     "n_params and n_tokens are plain counts (GPT-3: 175e9 and 300e9)"))
    return out


#: Draws beyond each interval end needed for a stable percentile (:func:`few_draws_warning`).
MIN_TAIL_DRAWS = 10


def few_draws_warning(n_draws: int, level: float, what: str = "bootstrap resamples") -> list[ScalingWarning]:
    """``few_draws`` when fewer than ``MIN_TAIL_DRAWS`` draws fall beyond each end of a ``level`` interval."""
    if not n_draws:
        return []
    need = int(math.ceil(MIN_TAIL_DRAWS / ((1 - level) / 2) - 1e-9))
    if n_draws < need:
        return [ScalingWarning("few_draws", f"{n_draws} {what} are too few for a {level:.0%} interval "
                                            f"(need at least {need:,}); its ends are unreliable")]
    return []
