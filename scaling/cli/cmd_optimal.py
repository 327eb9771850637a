"""``scaling optimal``: compute-optimal N and D for a budget (FLOPs, chip time or dollars) or a loss.

Parses, calls :func:`scaling.cli._budget_options.budget_options`, :func:`scaling.budget.inference_rate` and
:func:`scaling.sizing.optimal`, prints. No maths here.
"""

from __future__ import annotations

import click

from scaling import library
from scaling.cli._util import echo_json, echo_warnings, print_table, resolve_fit_path
from scaling.results import DEFAULT_LEVEL

DEFAULT_FIT = "fits/chinchilla_lsq.json"

LABELS = {
    "n_params": "N (parameters)", "n_tokens": "D (tokens)", "tokens_per_param": "tokens per parameter",
    "loss": "loss", "compute_flops": "training compute (FLOPs)", "target_loss": "target loss (GPT-3 fit)",
    "inference_flops": "inference FLOPs", "total_flops": "total FLOPs",
    "training_chip_hours": "training chip-hours", "training_days": "training days (wall clock)",
    "training_usd": "training cost (USD)", "inference_chip_hours": "inference chip-hours",
    "inference_usd": "inference cost (USD)", "total_usd": "total cost (USD)",
    "inference_days": "serving days (same chips)", "total_days": "training + serving days",
    "baseline_n_params": "baseline N (Chinchilla-opt.)", "baseline_n_tokens": "baseline D",
    "baseline_compute_flops": "baseline training FLOPs", "baseline_total_flops": "baseline total FLOPs",
    "baseline_total_usd": "baseline total cost (USD)", "saving_flops": "saving (total FLOPs)",
    "saving_usd": "saving (USD)", "saving_chip_hours": "saving (chip-hours)", "saving_pct": "saving (%)",
}


def load_law(law, fit_path):
    """The fit a query uses: ``--law NAME|FILE``, ``--fit FILE`` (an alias), else the default fit.

    Returns the fit and a line saying which it is.
    """
    from scaling import fitting, library
    from scaling.errors import ScalingError

    if law is not None and fit_path is not None:
        raise ScalingError(f"give --law ({law}) or --fit ({fit_path}), not both (--fit FILE is --law FILE)")
    if law is not None:
        fit = library.resolve(law)
        source = fit.settings.get("source") if fit.method == "published" else None
        return fit, f"law: {law}" + (f" ({source})" if source else "")
    path = resolve_fit_path(fit_path, DEFAULT_FIT)
    return fitting.load_fit(path), f"fit: {path}"


@click.command("optimal")
@click.option("--law", default=None,
              help=f"A published law by name ({', '.join(library.names())}; see 'scaling laws') or a saved fit "
                   "file (.json or .nc).")
@click.option("--fit", "fit_path", type=click.Path(dir_okay=False), default=None,
              help=f"A saved fit file (the same as --law FILE) [default: {DEFAULT_FIT}, else the fit shipped "
                   "with scaling].")
@click.option("--compute", type=float, default=None, help="Budget in FLOPs, e.g. 5.76e23.")
@click.option("--loss", "target_loss", type=float, default=None, help="Target loss (in the law's own units).")
@click.option("--target", type=click.Choice(["gpt3"]), default=None, help="Reach GPT-3's fitted loss.")
@click.option("--hardware", default=None, help="Training chip (e.g. h100, a100, tpu-v4): adds chip-hours, "
                                               "days and dollars; with --chips/--days or --usd, the budget.")
@click.option("--chips", type=float, default=None, help="Chips that train (with --days: a chip-time budget).")
@click.option("--days", type=float, default=None, help="Wall-clock days of --chips chips: the budget.")
@click.option("--mfu", type=float, default=None, help="Training model FLOPs utilisation [default: 0.4].")
@click.option("--precision", default=None, help="Which peak of the chip [default: tensor16].")
@click.option("--usd", type=float, default=None, help="Budget in dollars of chip time (needs --hardware).")
@click.option("--usd-per-chip-hour", type=float, default=None,
              help="Training price; default: the median on-demand cloud price near --price-date.")
@click.option("--price-date", default=None,
              help="Date of the shipped cloud price (e.g. 2024-06-01) [default: the chip's latest].")
@click.option("--inference-tokens", type=float, default=None,
              help="Tokens served over the model's life: minimise training + inference cost.")
@click.option("--inference-hardware", default=None, help="Serving chip [default: the training chip].")
@click.option("--inference-mfu", type=float, default=None, help="Serving MFU [default: half the training MFU].")
@click.option("--inference-usd-per-chip-hour", type=float, default=None,
              help="Serving price [default: the training price, or the serving chip's cloud price].")
@click.option("--objective", type=click.Choice(["auto", "flops", "usd"]), default="auto", show_default=True,
              help="What inference-aware sizing minimises (auto: dollars when prices are known).")
@click.option("--unique-tokens", type=float, default=None,
              help="Unique tokens available (data-constrained law, e.g. --law muennighoff2023): the best N, D "
                   "and epochs under that cap.")
@click.option("--level", type=float, default=DEFAULT_LEVEL, show_default=True, help="Interval level.")
@click.option("--json", "as_json", is_flag=True)
def optimal_command(law, fit_path, compute, target_loss, target, hardware, chips, days, mfu, precision, usd,
                    usd_per_chip_hour, price_date, inference_tokens, inference_hardware, inference_mfu,
                    inference_usd_per_chip_hour, objective, unique_tokens, level, as_json):
    """Compute-optimal N and D (with intervals) for a budget, a loss, or GPT-3's loss.

    \b
    Budgets: --compute FLOPS | --hardware H --chips N --days T [--mfu U] | --hardware H --usd D.
    Examples:
      scaling optimal --law hoffmann2022 --compute 1e24
      scaling optimal --hardware h100 --chips 1000 --days 30 --mfu 0.4
      scaling optimal --hardware h100 --usd 2e6 --usd-per-chip-hour 2.5
      scaling optimal --loss 2.0 --inference-tokens 2e12 --hardware h100
      scaling optimal --law muennighoff2023 --compute 1e22 --unique-tokens 25e9
    """
    from scaling import budget, sizing
    from scaling.cli._budget_options import budget_options
    from scaling.errors import ScalingError

    targets = [o for o, v in (("--loss", target_loss), ("--target", target)) if v is not None]
    budgets = [o for o, v in (("--compute", compute), ("--days", days), ("--usd", usd)) if v is not None]
    one_query = ("give exactly one query: a budget (--compute, --hardware --chips --days, or --hardware --usd), "
                 "--loss or --target")
    if len(targets) > 1 or (targets and budgets):
        raise ScalingError(f"{one_query} (got {', '.join(targets + budgets)})")
    options = budget_options(compute_flops=compute, hardware=hardware, chips=chips, days=days, usd=usd,
                             mfu=mfu, precision=precision, usd_per_chip_hour=usd_per_chip_hour,
                             price_date=price_date, query=targets[0] if targets else "budget")
    if not (targets or budgets):
        raise ScalingError(one_query)
    inference_given = [o for o, v in (("--inference-hardware", inference_hardware), ("--inference-mfu", inference_mfu),
                                      ("--inference-usd-per-chip-hour", inference_usd_per_chip_hour))
                       if v is not None]
    if inference_given:
        train = options.get("training") or (options["budget"].rate if "budget" in options else None)
        if train is None:
            raise ScalingError(f"{', '.join(inference_given)} need{'s' if len(inference_given) == 1 else ''} "
                               "the training hardware (--hardware) too")
        if inference_tokens is None:
            raise ScalingError(f"{', '.join(inference_given)} apply with --inference-tokens")
        options["inference"] = budget.inference_rate(train, hardware=inference_hardware, mfu=inference_mfu,
                                                     usd_per_chip_hour=inference_usd_per_chip_hour)
    fit, which = load_law(law, fit_path)
    result = sizing.optimal(fit, target_loss=target_loss, target=target, level=level,
                            inference_tokens=inference_tokens, objective=objective, unique_tokens=unique_tokens,
                            **options)
    # The fit's own warnings and the query's (unreachable draws, extrapolation) come first.
    echo_warnings(result.warnings())
    if as_json:
        echo_json({"source": which, **result.to_dict()})
        return
    click.echo(which)
    print_table([(LABELS.get(q, q), value, lower, upper) for q, value, lower, upper in result.rows()],
                header=["quantity", "value", f"lower {result.level:.0%}", f"upper {result.level:.0%}"])
    if not result.n_draws:
        click.echo("(no draws: a point answer without intervals)")
    for line in result.notes():
        click.echo(line)


COMMANDS = [optimal_command]
