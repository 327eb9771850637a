"""Output helpers shared by the CLI subcommands: human tables and ``--json``."""

from __future__ import annotations

import json
import math
from typing import Any, Iterable, Sequence

import click
import numpy as np


def fmt_num(x: Any, digits: int = 4) -> str:
    """Compact human formatting: 3.15e+23, 688.7k-style left to callers; NaN as '-'."""
    if x is None:
        return "-"
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}"
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return "-"
        if x != 0 and (abs(x) >= 1e6 or abs(x) < 1e-3):
            return f"{x:.{digits - 1}e}"
        return f"{x:,.{digits}g}" if abs(x) >= 1 else f"{x:.{digits}g}"
    return str(x)


def print_table(rows: Sequence[Sequence[Any]], header: Sequence[str] | None = None) -> None:
    """Print rows as an aligned plain-text table."""
    cells = [[fmt_num(c) if not isinstance(c, str) else c for c in row] for row in rows]
    if header:
        cells = [list(header)] + cells
    if not cells:
        return
    widths = [max(len(r[i]) for r in cells if i < len(r)) for i in range(max(map(len, cells)))]
    for k, row in enumerate(cells):
        line = "  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row))
        click.echo(line.rstrip())
        if header and k == 0:
            click.echo("  ".join("-" * w for w in widths))


def _jsonable(obj: Any):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return obj


def echo_json(obj: Any) -> None:
    """Print ``obj`` as JSON (NaN/inf as null) for scripts."""
    click.echo(json.dumps(_jsonable(obj), indent=2))


def echo_lines(lines: Iterable[str]) -> None:
    for line in lines:
        click.echo(line)
