"""``scaling laws``: the law families one can fit and the published fits one can name with ``--law``.

Both tables come from the registries (:func:`scaling.laws.names`, :data:`scaling.library.PUBLISHED`
and :data:`scaling.library.ABOUT`); nothing here is typed twice.
"""

from __future__ import annotations

import click

from scaling._format import format_sig
from scaling.cli._util import echo_json


def law_names_help() -> str:
    """The law families, for ``--law`` help of ``scaling fit`` (from :func:`scaling.laws.names`)."""
    from scaling import laws

    return ", ".join(laws.names())


def published_names_help() -> str:
    """The published fits, for every ``--law NAME|FILE`` help (from :data:`scaling.library.PUBLISHED`)."""
    from scaling import library

    return ", ".join(library.names())


def _params_text(params: dict) -> str:
    return ", ".join(f"{k} {format_sig(v, 6)}" for k, v in params.items())


@click.command("laws")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def laws_command(as_json):
    """List the law families (scaling fit --law) and the published fits (--law NAME).

    \b
    A published fit is a law with a paper's parameters: hoffmann2022 is the rounded Eq. 10
    of Hoffmann et al. (2022) (32.2B parameters at 5.76e23 FLOPs); hoffmann2022-unrounded
    is the same fit unrounded (40.4B, the number usually quoted). Examples:
      scaling laws
      scaling optimal --law hoffmann2022-unrounded --compute 5.76e23
      scaling predict --law besiroglu2024 --n-params 70e9 --n-tokens 1.4e12
    """
    from scaling import laws, library
    from scaling._format import plain_formula

    families = [{"name": name, "formula": plain_formula(law.formula), "parameters": list(law.param_names),
                 "needs": list(law.covariates), "source": law.source}
                for name, law in ((n, laws.get_law(n)) for n in laws.names())]
    published = library.describe()
    if as_json:
        echo_json({"laws": families, "published": published})
        return
    click.echo("law families (fit one with: scaling fit --law NAME)")
    _left_table([(f["name"], f["formula"] + (f"  [needs {', '.join(f['needs'])}: --unique-tokens]"
                                             if f["needs"] else "")) for f in families])
    click.echo("")
    click.echo("published fits (use one with --law NAME: optimal, predict, forecast, plot, compare --published)")
    _left_table([(p["name"], p["law"], "rounded" if p["rounded"] else "unrounded", p["paper"], p["data"])
                 for p in published], header=["name", "law", "values", "paper", "fitted on"])
    click.echo("")
    click.echo("their parameters")
    _left_table([(p["name"], _params_text(p["params"])) for p in published])


def _left_table(rows, header=None) -> None:
    """Text columns, left-aligned (``print_table`` right-aligns numbers)."""
    rows = [list(header)] + [list(r) for r in rows] if header else [list(r) for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for k, row in enumerate(rows):
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if header and k == 0:
            click.echo("  ".join("-" * w for w in widths))


COMMANDS = [laws_command]
