"""Argument checks and thresholds shared across modules.

Every check raises :class:`scaling.errors.ScalingError` with a message naming the bad
value and what is allowed. This is the one home of the positivity check and of the
sampler-diagnostic thresholds.
"""

from __future__ import annotations

import numbers

import numpy as np

from .errors import ScalingError

# Sampler diagnostics: Vehtari et al. (2021), "Rank-normalization, folding, and
# localization: an improved R-hat for assessing convergence of MCMC", Bayesian Analysis
# 16(2), recommend R-hat < 1.01 and bulk and tail ESS > 400 (100 per chain, 4 chains).
R_HAT_MAX = 1.01
ESS_MIN = 400


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
