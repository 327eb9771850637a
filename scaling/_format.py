"""Human formatting of quantities for tables, summaries and generated docs."""

from __future__ import annotations


def usd(x: float, digits: int = 3) -> str:
    """Dollars with a k/M/B suffix: ``usd(1.4e6) == '$1.4M'``, ``usd(0.0035) == '$0.0035'``."""
    x = float(x)
    for unit, div in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= div:
            return f"${x / div:.{digits}g}{unit}"
    return f"${x:.{digits}g}"
