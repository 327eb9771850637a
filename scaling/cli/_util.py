"""Output helpers shared by the CLI subcommands: human tables and ``--json``."""

from __future__ import annotations

import json
import math
from typing import Any, Sequence

import click
import numpy as np

from scaling._format import fmt_num

__all__ = ["fmt_num", "print_table", "echo_json"]


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



def echo_warnings(warnings) -> None:
    """Print each :class:`scaling.errors.ScalingWarning` as ``warning: <message>`` on stderr."""
    for w in warnings:
        click.echo(f"warning: {w.message}", err=True)


def resolve_fit_path(given, default: str) -> str:
    """The fit file a query uses: ``given``; else ``default`` if it exists here; else the shipped copy.

    Says so in one line on stderr when it falls back to the fit shipped with the package.
    """
    from pathlib import Path

    from scaling.paths import default_fit_path, shipped_note

    if given is not None:
        return given
    path, shipped = default_fit_path(Path(default).name)
    if shipped:
        click.echo(shipped_note(path), err=True)
    return str(path)


#: ``--force`` of the commands that write files: replace a file scaling did not write.
force_option = click.option("--force", "force", is_flag=True,
                            help="Replace an existing output file that scaling did not write (never a read-only one).")


def check_outputs(*paths, force: bool = False) -> None:
    """Before any work: refuse outputs that would replace a read-only file or someone else's file."""
    from scaling._io import check_overwrite

    for path in paths:
        if path:
            check_overwrite(path, force=force)
