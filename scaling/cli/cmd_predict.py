"""``scaling predict``: the loss a law predicts at given N and D, with intervals.

Parses, calls :func:`scaling.prediction.predict_loss` (the fit's ``predict(..., level=)``),
prints. No maths here.
"""

from __future__ import annotations

import click

from scaling import library
from scaling.cli._util import echo_json, echo_warnings, print_table
from scaling.results import DEFAULT_LEVEL


def _numbers(option: str, values) -> list[float] | None:
    """Repeated and/or comma-separated numbers of an option (``--n-params 7e9,70e9``)."""
    from scaling.errors import ScalingError

    out = []
    for text in values:
        for part in str(text).split(","):
            try:
                out.append(float(part))
            except ValueError:
                raise ScalingError(f"{option} takes numbers (e.g. 70e9, or 7e9,70e9), got {part.strip()!r}") \
                    from None
    return out or None


@click.command("predict")
@click.option("--law", default=None,
              help=f"A published law by name ({', '.join(library.names())}; see 'scaling laws') or a saved fit "
                   "file (.json or .nc) [default: fits/chinchilla_lsq.json, else the fit shipped with scaling].")
@click.option("--fit", "fit_path", type=click.Path(dir_okay=False), default=None,
              help="A saved fit file (the same as --law FILE).")
@click.option("--n-params", "n_params", multiple=True, help="Parameters N: one or more, e.g. 70e9 or 7e9,70e9.")
@click.option("--n-tokens", "n_tokens", multiple=True,
              help="Training tokens D, as many as N (or one for every N), e.g. 1.4e12.")
@click.option("--data", "data_path", type=click.Path(dir_okay=False), default=None,
              help="A CSV of points instead: columns n_params, n_tokens (and n_unique_tokens).")
@click.option("--unique-tokens", "unique_tokens", multiple=True,
              help="Unique tokens U for a data-constrained law (e.g. --law muennighoff2023): one, or one per point.")
@click.option("--level", type=float, default=DEFAULT_LEVEL, show_default=True, help="Interval level.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def predict_command(law, fit_path, n_params, n_tokens, data_path, unique_tokens, level, as_json):
    """The loss a law predicts at given N and D, with intervals.

    \b
    The interval is the fit's: bootstrap percentiles of a least-squares fit, the credible
    interval of a Bayesian fit; a published law has none. Examples:
      scaling predict --n-params 70e9 --n-tokens 1.4e12
      scaling predict --law hoffmann2022-unrounded --n-params 7e9,70e9 --n-tokens 1.4e12
      scaling predict --law muennighoff2023 --n-params 1e9 --n-tokens 1e11 --unique-tokens 25e9
      scaling predict --data points.csv --json
    """
    from scaling import prediction
    from scaling.cli.cmd_optimal import load_law
    from scaling.errors import ScalingError

    n, d, u = (_numbers(o, v) for o, v in (("--n-params", n_params), ("--n-tokens", n_tokens),
                                            ("--unique-tokens", unique_tokens)))
    if data_path is not None:
        if n is not None or d is not None:
            raise ScalingError(f"give points as --n-params/--n-tokens or in a CSV (--data {data_path}), not both")
        points = prediction.read_points(data_path)
        n, d = points["n_params"], points["n_tokens"]
        if "n_unique_tokens" in points:
            if u is not None:
                raise ScalingError("give unique tokens once: --unique-tokens or the CSV's n_unique_tokens column")
            u = points["n_unique_tokens"]
    if n is None or d is None:
        raise ScalingError("give the points: --n-params and --n-tokens (e.g. --n-params 70e9 --n-tokens 1.4e12), "
                           "or --data CSV")
    fit, which = load_law(law, fit_path)
    result = prediction.predict_loss(fit, n, d, level=level, unique_tokens=u)
    echo_warnings(result.warnings())
    if as_json:
        echo_json({"source": which, **result.to_dict()})
        return
    click.echo(which)
    labels = {"n_params": "N (parameters)", "n_tokens": "D (tokens)", "n_unique_tokens": "U (unique tokens)"}
    keys = list(result.inputs)
    print_table([[row[k] for k in keys] + [row["loss"], row["lower"], row["upper"]] for row in result.rows()],
                header=[labels[k] for k in keys] + ["loss", f"lower {result.level:.0%}", f"upper {result.level:.0%}"])
    if result.lower is None:
        click.echo("(no draws: a point answer without intervals)")
    if result.loss_meaning:
        click.echo(f"loss: {result.loss_meaning}")


COMMANDS = [predict_command]
