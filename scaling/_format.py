"""Numbers, dollars, bytes, intervals and durations for people: the one home of the package's formatters.

- :func:`format_sig` (significant figures), :func:`format_fixed` (decimals), :func:`format_pct`
  (a share as a percentage), :func:`format_interval` (``[lower, upper]``), :func:`fmt_num`
  (a table cell): plain numbers;
- :func:`format_si` (``688.7k``), :func:`format_usd` (``$1.40M``), :func:`format_bytes`
  (``3.5 TB``): numbers with units;
- :func:`format_clock` (``1:02:05``): durations.

Every number formatter accepts any float and returns a string without raising:

- ``NaN`` (no answer) prints as ``"-"``;
- ``inf`` prints as ``"unbounded"`` and ``-inf`` as ``"-unbounded"`` (the contract's rule
  for interval ends among draws that cannot answer, see :mod:`scaling.results`);
- finite values, however large or small (``1e308``, ``1e-300``), keep a short form:
  scientific notation beyond the range the unit suffixes cover, never an overflow.

Examples
--------
>>> format_usd(1.398e6), format_si(688_705.2), format_bytes(3.5e12), fmt_num(3.15e23)
('$1.40M', '688.7k', '3.5 TB', '3.150e+23')
>>> format_usd(float("inf")), format_si(float("nan")), format_usd(1e308)
('unbounded', '-', '$1.00e+308')
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["format_sig", "format_fixed", "format_pct", "format_interval", "format_clock", "format_si", "format_usd",
           "format_bytes", "fmt_num", "plain_formula", "plural", "NAN_TEXT", "INF_TEXT"]

#: How a missing answer (NaN) prints.
NAN_TEXT = "-"
#: How an unbounded answer (inf) prints; ``-inf`` gets a minus sign.
INF_TEXT = "unbounded"

_SUFFIXES = (("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3))
_BYTE_UNITS = (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3))
#: Dollar amounts at or above this print in scientific notation (a thousand trillion).
_USD_SCI_ABOVE = 1e15
#: Non-zero dollar amounts below this print in scientific notation (a millionth of a cent).
_USD_SCI_BELOW = 1e-6


def _non_finite(x: float) -> str | None:
    """The printed form of NaN and +-inf, or None for a finite ``x``."""
    if math.isnan(x):
        return NAN_TEXT
    if math.isinf(x):
        return INF_TEXT if x > 0 else "-" + INF_TEXT
    return None


def _digits(digits: int) -> int:
    return max(int(digits), 1)


def _missing(x, nan: str, inf: str | None) -> str | None:
    """The text of a missing (None, NaN) or infinite ``x``, or None for a finite one.

    ``inf`` prints for +inf, ``"-" + inf`` for -inf; ``inf=None`` prints infinities as ``nan``.
    """
    if x is None:
        return nan
    x = float(x)
    if math.isnan(x):
        return nan
    if math.isinf(x):
        return nan if inf is None else (inf if x > 0 else "-" + inf)
    return None


def format_sig(x, digits: int = 4, *, nan: str = NAN_TEXT, inf: str | None = INF_TEXT) -> str:
    """``x`` to ``digits`` significant figures (``f"{x:.{digits}g}"``): ``3.14159 -> '3.142'``.

    None and NaN print as ``nan`` (``"-"``), +-inf as ``inf`` (``"unbounded"``, with a minus
    sign for -inf); ``inf=None`` prints infinities as ``nan``.

    >>> format_sig(1234.5678), format_sig(0.000123456, 3), format_sig(float("inf")), format_sig(None, nan="n/a")
    ('1235', '0.000123', 'unbounded', 'n/a')
    """
    special = _missing(x, nan, inf)
    return special if special is not None else f"{float(x):.{_digits(digits)}g}"


def format_fixed(x, decimals: int = 2, *, nan: str = NAN_TEXT, inf: str | None = INF_TEXT) -> str:
    """``x`` with ``decimals`` decimals (``f"{x:.{decimals}f}"``): ``1.2345 -> '1.23'``; missing and
    infinite values as in :func:`format_sig`.

    >>> format_fixed(1.2345), format_fixed(2.5, 0), format_fixed(float("nan")), format_fixed(float("-inf"), inf="inf")
    ('1.23', '2', '-', '-inf')
    """
    special = _missing(x, nan, inf)
    return special if special is not None else f"{float(x):.{max(int(decimals), 0)}f}"


def format_pct(x, decimals: int = 1, *, nan: str = NAN_TEXT, inf: str | None = INF_TEXT) -> str:
    """A share as a percentage with ``decimals`` decimals: ``0.1234 -> '12.3%'``; missing and infinite
    values as in :func:`format_sig`.

    >>> format_pct(0.1234), format_pct(0.5, 0), format_pct(float("nan"))
    ('12.3%', '50%', '-')
    """
    special = _missing(x, nan, inf)
    return special if special is not None else f"{100 * float(x):.{max(int(decimals), 0)}f}%"


def format_interval(lower, upper, fmt=format_sig, *args, **kwargs) -> str:
    """``[lower, upper]``, each end printed by ``fmt(end, *args, **kwargs)`` (default :func:`format_sig`).

    An end among draws that cannot answer is infinite and prints ``"unbounded"`` (the
    contract's rule, :mod:`scaling.results`) unless ``fmt``'s ``inf`` says otherwise.

    >>> format_interval(1.5, float("inf")), format_interval(0.1, 0.25, format_pct, 0)
    ('[1.5, unbounded]', '[10%, 25%]')
    """
    return f"[{fmt(lower, *args, **kwargs)}, {fmt(upper, *args, **kwargs)}]"


def format_clock(seconds) -> str:
    """A duration as a clock: ``75 -> '1:15'``, ``3725 -> '1:02:05'`` (rounded to whole seconds;
    negative durations print as ``0:00``, missing or infinite ones as ``"-"``).

    >>> format_clock(75), format_clock(3725), format_clock(-3)
    ('1:15', '1:02:05', '0:00')
    """
    special = _missing(seconds, NAN_TEXT, None)
    if special is not None:
        return special
    seconds = int(round(max(float(seconds), 0.0)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_si(x, digits: int = 4) -> str:
    """Short number: ``688705 -> '688.7k'``, ``1.5e9 -> '1.5B'``, ``3.15e23 -> '3.15e+23'``.

    Suffixes k, M, B, T up to 1e15; scientific notation above (``digits - 1`` significant
    figures there, ``digits`` below).
    """
    x = float(x)
    special = _non_finite(x)
    if special is not None:
        return special
    digits = _digits(digits)
    if abs(x) >= 1e15:
        return f"{x:.{digits - 1}g}" if digits > 1 else f"{x:.0e}"
    for unit, scale in _SUFFIXES:
        if abs(x) >= scale:
            return f"{x / scale:.{digits}g}{unit}"
    return f"{x:.{digits}g}"


def format_usd(x, digits: int = 3) -> str:
    """Dollars to ``digits`` significant figures.

    ``1398e3 -> '$1.40M'``, ``312100 -> '$312k'``, ``82 -> '$82.0'``,
    ``0.009567 -> '$0.00957'``; amounts of $1e15 and more, or below $1e-6, in scientific
    notation (``1e20 -> '$1.00e+20'``).
    """
    x = float(x)
    special = _non_finite(x)
    if special is not None:
        return special
    digits = _digits(digits)
    if x == 0:
        return "$0"
    if abs(x) >= _USD_SCI_ABOVE or abs(x) < _USD_SCI_BELOW:
        return f"${x:.{digits - 1}e}"
    for unit, scale in _SUFFIXES:
        if abs(x) >= scale:
            v = x / scale
            decimals = max(digits - len(str(int(abs(v)))), 0)
            return f"${v:.{decimals}f}{unit}"
    decimals = max(digits - 1 - math.floor(math.log10(abs(x))), 0)
    return f"${x:.{decimals}f}"


def format_bytes(n_bytes, digits: int = 3) -> str:
    """Decimal units: ``6.8e9 -> '6.8 GB'``, ``3.5e12 -> '3.5 TB'``, ``512 -> '512 B'``."""
    x = float(n_bytes)
    special = _non_finite(x)
    if special is not None:
        return special
    digits = _digits(digits)
    for unit, scale in _BYTE_UNITS:
        if abs(x) >= scale:
            return f"{x / scale:.{digits}g} {unit}"
    return f"{x:.{digits}g} B"


def fmt_num(x: Any, digits: int = 4) -> str:
    """A table cell: ints with thousands separators, floats compact, None and NaN as ``'-'``.

    Floats of magnitude 1e6 and more, or below 1e-3, print in scientific notation
    (``3.15e23 -> '3.150e+23'``); others to ``digits`` significant figures with
    separators (``1234.5 -> '1,234'``). Anything else prints as ``str(x)``.
    """
    if x is None:
        return NAN_TEXT
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}"
    if isinstance(x, (float, np.floating)):
        x = float(x)
        special = _non_finite(x)
        if special is not None:
            return special
        digits = _digits(digits)
        if x != 0 and (abs(x) >= 1e6 or abs(x) < 1e-3):
            return f"{x:.{digits - 1}e}"
        return f"{x:,.{digits}g}" if abs(x) >= 1 else f"{x:.{digits}g}"
    return str(x)


def plain_formula(latex: str) -> str:
    r"""A LaTeX formula as plain text for a terminal: ``\frac{A}{N^{\alpha}}`` -> ``A/N^alpha``.

    Handles what the laws' formulas use: ``\frac``, ``^{...}``, ``\left``/``\right``,
    Greek letters and other ``\name`` commands (written as ``name``). A group of more
    than one token gets parentheses where it would otherwise be ambiguous.

    Examples
    --------
    >>> plain_formula(r"L(N, D) = E + \frac{A}{N^{\alpha}} + \frac{B}{D^{\beta}}")
    'L(N, D) = E + A/N^alpha + B/D^beta'
    >>> plain_formula(r"\left(\frac{N_c}{N}\right)^{\alpha_N/\alpha_D}")
    '(N_c/N)^(alpha_N/alpha_D)'
    """
    text, _ = _plain(str(latex), 0)
    return " ".join(text.split())


def _group(text: str, i: int) -> tuple[str, int]:
    """The braced group starting at ``text[i] == "{"`` as plain text, and the index after it."""
    inner, j = _plain(text, i + 1, stop="}")
    return inner, j + 1


def _atom(s: str) -> bool:
    return bool(s) and all(c.isalnum() or c in "_'*.^" for c in s)


def _plain(text: str, i: int, stop: str = "") -> tuple[str, int]:
    out = []
    while i < len(text) and text[i] != stop:
        c = text[i]
        if c == "\\":
            j = i + 1
            while j < len(text) and text[j].isalpha():
                j += 1
            name = text[i + 1:j]
            if name == "frac" and j < len(text) and text[j] == "{":
                num, j = _group(text, j)
                den, j = _group(text, j)
                out.append(f"{num if _atom(num) else f'({num})'}/{den if _atom(den) else f'({den})'}")
            elif name not in ("left", "right"):
                out.append(name or text[j:j + 1])
                j += 0 if name else 1
            i = j
        elif c == "^" and i + 1 < len(text) and text[i + 1] == "{":
            exp, i = _group(text, i + 1)
            out.append("^" + (exp if _atom(exp) else f"({exp})"))
        elif c == "{":
            inner, i = _group(text, i)
            out.append(inner)
        else:
            out.append(c)
            i += 1
    return "".join(out), i


def plural(n, noun: str, nouns: str | None = None) -> str:
    """A count and its noun, singular for exactly one: ``plural(1, "figure") -> '1 figure'``.

    ``nouns`` is the plural when it is not ``noun + "s"`` (``plural(2, "series", "series")``).
    Integers print with thousands separators.

    >>> plural(1, "figure"), plural(3, "figure"), plural(1200, "draw"), plural(0, "query", "queries")
    ('1 figure', '3 figures', '1,200 draws', '0 queries')
    """
    value = n.item() if isinstance(n, np.generic) else n
    text = f"{value:,}" if isinstance(value, int) else f"{value:g}"
    return f"{text} {noun if value == 1 else (nouns or noun + 's')}"
