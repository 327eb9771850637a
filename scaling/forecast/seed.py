"""Deprecated alias of :mod:`scaling.forecast.sunyan2023` (the seed article's decomposition), kept for one release.

Every name read from it warns :class:`DeprecationWarning` and returns the object of
:mod:`scaling.forecast.sunyan2023`.
"""

from __future__ import annotations

import warnings

from . import sunyan2023 as _new

__all__ = list(_new.__all__)


def __getattr__(name: str):
    if name in _new.__all__:
        warnings.warn(f"scaling.forecast.seed is deprecated: use scaling.forecast.sunyan2023.{name}",
                      DeprecationWarning, stacklevel=2)
        return getattr(_new, name)
    raise AttributeError(f"module 'scaling.forecast.seed' has no attribute {name!r}")
