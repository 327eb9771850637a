"""The registry of laws, built once from the family modules: :func:`names`, :func:`get_law`.

Adding a law family is adding a module that defines ``LAWS`` (a tuple of
:class:`~scaling.laws.Law`) and naming it in :data:`FAMILIES`; the registry is read-only.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

from ..errors import ScalingError
from . import chinchilla, data_constrained, kaplan
from .base import Law

__all__ = ["FAMILIES", "REGISTRY", "names", "get_law"]

#: The law family modules, in the order their laws are listed.
FAMILIES = (chinchilla, kaplan, data_constrained)


def _build(families) -> Mapping[str, Law]:
    """Name -> law over the families' ``LAWS``, read-only; a name given twice is a ``ScalingError``."""
    registry: dict[str, Law] = {}
    for family in families:
        for law in family.LAWS:
            if law.name in registry:
                raise ScalingError(f"law {law.name!r} is registered twice (in {family.__name__})")
            registry[law.name] = law
    return MappingProxyType(registry)


#: Name -> :class:`~scaling.laws.Law`, for every law of :data:`FAMILIES` (read-only).
REGISTRY: Mapping[str, Law] = _build(FAMILIES)


def names() -> list[str]:
    """Names of the registered laws."""
    return list(REGISTRY)


def get_law(name: "str | Law") -> Law:
    """Look up a law by name (a :class:`Law` is returned unchanged).

    Raises
    ------
    ScalingError
        ``unknown law 'chinchila'; known laws: chinchilla, kaplan``.
    """
    if isinstance(name, Law):
        return name
    if not isinstance(name, str) or name not in REGISTRY:
        raise ScalingError(f"unknown law {name!r}; known laws: {', '.join(REGISTRY)}")
    return REGISTRY[name]
