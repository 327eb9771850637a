"""``scaling forecast``: the cost of reaching a target loss over time, from saved fits."""

from __future__ import annotations

from pathlib import Path

import click

from ._util import echo_json, echo_warnings, print_table, resolve_fit_path
from scaling._format import format_usd as _money

BASIS_TRENDS = {
    "cloud": ("trend_flops_per_usd_cloud_tensor16.json", None),
    "purchase": ("trend_flops_per_usd_tensor16.json", "trend_flops_per_watt_tensor16.json"),
}


def _target(value: str):
    v = value.strip().lower()
    if v in ("gpt3", "gpt-3"):
        return "gpt3"
    if "," in v:
        parts = v.split(",")
        if len(parts) != 2:
            raise click.BadParameter(f"{value!r}: use gpt3, a loss (2.0) or N,D (175e9,300e9)")
        try:
            return (float(parts[0]), float(parts[1]))
        except ValueError:
            raise click.BadParameter(f"{value!r}: N and D must be numbers") from None
    try:
        return float(v)
    except ValueError:
        raise click.BadParameter(f"{value!r}: use gpt3, a loss (2.0) or N,D (175e9,300e9)") from None



def _halving(value):
    if value is None or value.lower() == "off":
        return None
    if value.lower() == "ho2024":
        return "ho2024"
    try:
        return float(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: use off, ho2024 or a number of months") from None


@click.command("forecast")
@click.option("--target", default="gpt3", show_default=True,
              help="gpt3 (GPT-3's fitted loss), a loss (e.g. 2.0), or N,D (e.g. 175e9,300e9).")
@click.option("--since", default="2020-01-01", show_default=True, help="First date.")
@click.option("--until", type=int, default=2032, show_default=True, help="Last year.")
@click.option("--basis", type=click.Choice(["cloud", "purchase"]), default="cloud", show_default=True,
              help="Cloud rental prices, or purchase price amortised plus energy.")
@click.option("--fit", "fit_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Loss fit (.json or .nc) [default: fits/chinchilla_lsq.json, else the shipped fit].")
@click.option("--fits-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder with the saved hardware trends [default: fits/, else the shipped fits].")
@click.option("--utilisation", type=float, default=0.4, show_default=True, help="Utilisation (MFU) in (0, 1].")
@click.option("--utilisation-growth", type=float, default=0.0, show_default=True,
              help="Relative growth of utilisation per year.")
@click.option("--lifetime-years", type=float, default=4.0, show_default=True, help="Purchase basis: amortisation.")
@click.option("--usd-per-kwh", type=float, default=0.08, show_default=True, help="Purchase basis: electricity price.")
@click.option("--pue", type=float, default=1.1, show_default=True, help="Purchase basis: power usage effectiveness.")
@click.option("--algorithmic", "halving", default="off", show_default=True,
              help="Algorithmic progress: off, ho2024 (8-month halving, 5-14) or months.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--draws", type=click.IntRange(min=10), default=4000, show_default=True, help="Joint draws.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Save the table (.csv) and assumptions (.json).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def forecast_command(target, since, until, basis, fit_path, fits_dir, utilisation, utilisation_growth,
                     lifetime_years, usd_per_kwh, pue, halving, seed, draws, output, as_json):
    """Forecast the training and inference cost of reaching TARGET, year by year."""
    from scaling.fitting import load_fit
    from scaling.forecast import default_dates, equivalent_cost
    from scaling.hardware import load_trend

    from scaling.errors import ScalingError

    price_file, energy_file = BASIS_TRENDS[basis]
    trend_paths = []
    for name in (price_file, energy_file):
        if not name:
            continue
        path = Path(resolve_fit_path(None if fits_dir is None else str(fits_dir / name), f"fits/{name}"))
        if not path.exists():
            raise ScalingError(f"{path} not found: run 'scaling run' first (or pass --fits-dir)")
        trend_paths.append(path)
    fit_path = Path(resolve_fit_path(None if fit_path is None else str(fit_path), "fits/chinchilla_lsq.json"))
    loss_fit = load_fit(fit_path)
    price = load_trend(trend_paths[0])
    energy = load_trend(trend_paths[1]) if energy_file else None
    echo_warnings([*loss_fit.warnings(), *price.warnings(), *(energy.warnings() if energy else [])])
    fc = equivalent_cost(
        loss_fit, price, energy, target=_target(target), dates=default_dates(since, until),
        utilisation=utilisation, utilisation_growth_per_year=utilisation_growth,
        lifetime_years=lifetime_years, usd_per_kwh=usd_per_kwh, pue=pue,
        algorithmic_halving_months=_halving(halving), n_draws=draws, seed=seed,
    )
    if output is not None:
        fc.save(output)
    yearly = fc.summary(level=0.9)
    yearly = yearly[yearly.index.month == 1]
    if as_json:
        rows = [{"date": d.date().isoformat(), **{k: float(v) for k, v in r.items()}} for d, r in yearly.iterrows()]
        echo_json({"assumptions": fc.assumptions, "yearly": rows})
        return
    click.echo(fc.report().splitlines()[0])
    click.echo(f"basis: {basis}; fit: {fit_path}; 90% intervals")
    rows = []
    for d, r in yearly.iterrows():
        rows.append([
            d.date().isoformat(),
            _money(r["training_cost_usd_median"]),
            f"[{_money(r['training_cost_usd_lower'])}, {_money(r['training_cost_usd_upper'])}]",
            f"${r['inference_usd_per_1k_tokens_median']:.3g}",
            f"[${r['inference_usd_per_1k_tokens_lower']:.3g}, ${r['inference_usd_per_1k_tokens_upper']:.3g}]",
        ])
    print_table(rows, header=["date", "training $", "90% interval", "$ per 1K tokens", "90% interval"])
    if output is not None:
        click.echo(f"wrote {output} and {output.with_suffix('.json')}")


COMMANDS = [forecast_command]
