"""One row of the reproduction: a published figure beside its recomputation, and the verdict.

:class:`Check` compares one figure of Sunyan (2023), "The Economics of Large Language
Models", with its recomputation within the figure's rounding; :class:`SeedRow` gathers the
checks of one row of the reproduction (:mod:`scaling.sunyan2023.rows`) with its inputs,
details and notes, and decides whether it reproduces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .._format import format_bytes, format_si, format_usd
from .article import Claim

__all__ = ["Check", "SeedRow"]

_FORMATS: dict[str, Callable[[float], str]] = {
    "usd": lambda x: format_usd(x, 3),
    "usd4": lambda x: format_usd(x, 4),
    "pct": lambda x: f"{100 * x:.1f}%",
    "x": lambda x: f"{x:.3g}x",
    "si": lambda x: format_si(x),
    "bytes": lambda x: format_bytes(x),
    "num": lambda x: f"{x:.4g}",
    "count": lambda x: f"{x:,.0f}",
}


def _tolerance_format(fmt: str, x: float) -> str:
    if fmt == "pct":
        return f"{100 * x:g} pt"
    if fmt == "bytes":
        return format_bytes(x)
    text = format_si(x, 3) if abs(x) >= 1e3 else np.format_float_positional(
        x, precision=3, unique=True, fractional=False, trim="-")
    return {"usd": "$", "usd4": "$"}.get(fmt, "") + text + ("x" if fmt == "x" else "")


@dataclass(frozen=True)
class Check:
    """One published figure against its recomputation.

    ``comparison`` is ``"abs"`` (:math:`|r - p| \\le tol`) or ``"gt"`` (:math:`r > p`, for
    claims like ">80%").
    """

    label: str
    published: float
    published_text: str
    recomputed: float
    tolerance: float
    fmt: str = "num"
    comparison: str = "abs"

    @classmethod
    def of(cls, label: str, claim: Claim, recomputed: float) -> "Check":
        """The check of a published figure (:data:`scaling.sunyan2023.PUBLISHED`) against ``recomputed``."""
        return cls(label, claim.value, claim.text, float(recomputed), claim.tolerance, claim.fmt, claim.comparison)

    @property
    def passes(self) -> bool:
        if self.comparison == "gt":
            return bool(self.recomputed > self.published)
        return bool(abs(self.recomputed - self.published) <= self.tolerance)

    @property
    def recomputed_text(self) -> str:
        return _FORMATS[self.fmt](self.recomputed)

    @property
    def tolerance_text(self) -> str:
        if self.comparison == "gt":
            return "one-sided"
        return "±" + _tolerance_format(self.fmt, self.tolerance)


@dataclass(frozen=True)
class SeedRow:
    """One row of the reproduction: inputs, published and recomputed figures, verdict."""

    row: int
    quantity: str
    inputs: tuple[tuple[str, object], ...]
    checks: tuple[Check, ...]
    details: tuple[tuple[str, str], ...] = ()
    note: str = ""
    #: Set when part of the published figure cannot be recomputed from the stated inputs.
    unrecoverable: str = ""

    @property
    def published(self) -> float:
        return self.checks[0].published

    @property
    def recomputed(self) -> float:
        return self.checks[0].recomputed

    @property
    def tolerance(self) -> float:
        return self.checks[0].tolerance

    @property
    def reproduces(self) -> str:
        """``"yes"`` (every check within tolerance), ``"partly"`` or ``"no"`` (none)."""
        passed = [c.passes for c in self.checks]
        if all(passed):
            return "partly" if self.unrecoverable else "yes"
        return "partly" if any(passed) else "no"

    @property
    def published_text(self) -> str:
        if len(self.checks) == 1:  # a label qualifies the recomputation, not the article's figure
            return self.checks[0].published_text
        return "; ".join(_labelled(c, c.published_text) for c in self.checks)

    @property
    def recomputed_text(self) -> str:
        return "; ".join(_labelled(c, c.recomputed_text) for c in self.checks)

    @property
    def tolerance_text(self) -> str:
        return "; ".join(c.tolerance_text for c in self.checks)

    @property
    def inputs_text(self) -> str:
        return ", ".join(f"{k} = {_show(v)}" for k, v in self.inputs)

    def to_dict(self) -> dict:
        return {
            "row": self.row, "quantity": self.quantity, "inputs": self.inputs_text,
            "published": self.published_text, "recomputed": self.recomputed_text,
            "tolerance": self.tolerance_text, "reproduces": self.reproduces,
            "details": "; ".join(f"{k}: {v}" for k, v in self.details),
            "note": self.note, "published_value": self.published,
            "recomputed_value": self.recomputed, "tolerance_value": self.tolerance,
        }


def _labelled(check: Check, text: str) -> str:
    return f"{check.label} {text}" if check.label else text


def _show(v) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    v = float(v)
    if v == int(v) and abs(v) < 1e5:
        return f"{int(v):,}"
    return f"{v:.4g}"
