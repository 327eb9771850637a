"""Deprecated alias of :mod:`scaling.sunyan2023` (the seed article, Sunyan 2023), kept for one release.

``from scaling import seed`` still works; every name read from it warns
:class:`DeprecationWarning` and returns the object of :mod:`scaling.sunyan2023`
(``scaling.seed.rows()`` is ``scaling.sunyan2023.rows()``). ``python -m scaling.seed``
still prints the reproduction.
"""

from __future__ import annotations

import warnings

from . import sunyan2023 as _new

__all__ = list(_new.__all__)


def __getattr__(name: str):
    if name in _new.__all__:
        warnings.warn(f"scaling.seed is deprecated: use scaling.sunyan2023.{name} "
                      "(the module of Sunyan 2023, 'The Economics of Large Language Models')",
                      DeprecationWarning, stacklevel=2)
        return getattr(_new, name)
    raise AttributeError(f"module 'scaling.seed' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))


if __name__ == "__main__":  # pragma: no cover
    warnings.warn("python -m scaling.seed is deprecated: use python -m scaling.sunyan2023",
                  DeprecationWarning, stacklevel=1)
    raise SystemExit(_new.main(prog="python -m scaling.seed"))
