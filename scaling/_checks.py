"""Argument checks shared across modules (errors name the bad value and what is allowed)."""

from __future__ import annotations

import numpy as np


def check_level(level) -> float:
    """An interval level (probability mass) in (0, 1), as a float; else ``ValueError``."""
    if isinstance(level, (bool, np.bool_)) or not isinstance(level, (int, float, np.integer, np.floating)) \
            or not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must be a probability in (0, 1), got {level!r}")
    return float(level)
