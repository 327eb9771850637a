"""``scaling forecast``: the cost of reaching a target over time, from saved fits, one or several scenarios."""

from __future__ import annotations

from pathlib import Path

import click

from ._util import check_outputs, echo_json, echo_warnings, force_option, print_table, resolve_fit_path
from scaling._format import format_usd as _money


def _fits_dir(fits_dir: Path | None) -> Path:
    """The folder of saved fits: ``--fits-dir``, else ``fits/``, else the shipped fits."""
    if fits_dir is not None:
        return Path(fits_dir)
    return Path(resolve_fit_path(None, "fits/chinchilla_lsq.json")).parent


@click.command("forecast")
@click.option("--target", default="gpt3", show_default=True,
              help="A reference model (gpt3, Chinchilla, Llama-2-70B, ...), a loss (e.g. 2.0) or N,D (175e9,300e9).")
@click.option("--since", default="2020-01-01", show_default=True, help="First date.")
@click.option("--until", type=int, default=2032, show_default=True, help="Last year.")
@click.option("--law", default=None,
              help="mixture (LSQ, Bayes, Hoffmann 2022, equal weights), a published law (hoffmann2022, ...) or a "
                   "fit file [default: fits/chinchilla_lsq.json].")
@click.option("--fit", "fit_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Loss fit file (same as --law FILE).")
@click.option("--basis", default=None, help="cloud or purchase (total cost of ownership) [default: cloud].")
@click.option("--price-series", default=None,
              help="A named price series: hyperscaler-on-demand (the cloud default), lowest-available, "
                   "gpu-cloud-on-demand, hyperscaler-3yr, pooled (the pooled baseline; alias cloud), purchase, "
                   "purchase-fp32.")
@click.option("--price-doubling-years", type=float, default=None, help="Override the price trend's doubling time.")
@click.option("--utilisation", default="0.3:0.5", show_default=True, help="Training MFU, a number or LOW:HIGH.")
@click.option("--inference-utilisation", default=None, help="Serving MFU, a number or LOW:HIGH [default: 0.1:0.3].")
@click.option("--dollars", default="nominal", show_default=True, help="nominal or real (constant 2024 $).")
@click.option("--algorithmic", "halving", default="off", show_default=True,
              help="Algorithmic progress: off, ho2024 (8 months, 90%% CI 2-22), ho2024-arxiv or months.")
@click.option("--algorithmic-cap", type=float, default=None, help="Largest effective-compute multiplier.")
@click.option("--scenarios", "scenario_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="TOML file with one [name] table per scenario (keys: the options above, with underscores).")
@click.option("--fits-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder with the saved fits and trends [default: fits/, else the shipped fits].")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--draws", type=click.IntRange(min=10), default=4000, show_default=True, help="Joint draws.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the wide table (.csv): years x scenarios x median/lower/upper.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@force_option
def forecast_command(target, since, until, law, fit_path, basis, price_series, price_doubling_years, utilisation,
                     inference_utilisation, dollars, halving, algorithmic_cap, scenario_file, fits_dir, seed, draws,
                     output, as_json, force):
    """Forecast the training and inference cost of reaching TARGET, year by year, with every uncertainty."""
    from scaling.errors import ScalingError
    from scaling.forecast import default_dates
    from scaling.forecast.scenarios import load_scenarios, run_scenarios, wide_table

    check_outputs(output, force=force)
    folder = _fits_dir(fits_dir)
    if law is not None and fit_path is not None:
        raise ScalingError("give --law or --fit, not both")
    if scenario_file is not None:
        scenarios = load_scenarios(scenario_file)
    else:
        spec = {"law": law or (str(fit_path) if fit_path else "chinchilla_lsq.json"), "target": target,
                "utilisation": utilisation, "dollars": dollars, "algorithmic": halving}
        for key, value in (("basis", basis), ("price_series", price_series),
                           ("price_doubling_years", price_doubling_years),
                           ("inference_utilisation", inference_utilisation), ("algorithmic_cap", algorithmic_cap)):
            if value is not None:
                spec[key] = value
        scenarios = {"forecast": spec}
    dates = default_dates(since, until)
    forecasts = run_scenarios(scenarios, fits_dir=folder, dates=dates, n_draws=draws, seed=seed,
                              on_warning=lambda w: echo_warnings([w]))
    table = wide_table(forecasts)
    if output is not None:
        from scaling._io import atomic_write_text

        if output.suffix != ".csv":
            raise ScalingError(f"output must end in .csv, got {output.name!r}")
        atomic_write_text(output, table.to_csv(lineterminator="\n", float_format="%.6g"))
    if as_json:
        echo_json({name: {"header": fc.header, "assumptions": fc.assumptions,
                          "yearly": table[[c for c in table.columns if c.startswith(f"{fc.label}:")]]
                          .reset_index().to_dict(orient="records")} for name, fc in forecasts.items()})
        return
    for name, fc in forecasts.items():
        click.echo(f"[{fc.label}] cost of reaching {fc.assumptions['target_description']}")
        click.echo(f"  {fc.header}")
        yearly = fc.summary(level=0.9)
        yearly = yearly[yearly.index.month == 1]
        rows = [[d.date().isoformat(), _money(r["training_cost_usd_median"]),
                 f"[{_money(r['training_cost_usd_lower'])}, {_money(r['training_cost_usd_upper'])}]",
                 f"${r['inference_usd_per_1k_tokens_median']:.3g}",
                 f"[${r['inference_usd_per_1k_tokens_lower']:.3g}, ${r['inference_usd_per_1k_tokens_upper']:.3g}]"]
                for d, r in yearly.iterrows()]
        print_table(rows, header=["date", "training $", "90% interval", "$ per 1K tokens", "90% interval"])
    if output is not None:
        click.echo(f"wrote {output}")


COMMANDS = [forecast_command]
