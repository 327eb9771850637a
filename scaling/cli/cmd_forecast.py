"""``scaling forecast``: the cost of reaching a target over time, from saved fits, one or several scenarios."""

from __future__ import annotations

from pathlib import Path

import click

from scaling import library

from ._util import check_outputs, echo_json, echo_warnings, force_option, print_table, resolve_fit_path
from scaling._format import format_usd as _money


def _fits_dir(fits_dir: Path | None) -> Path:
    """The folder of saved fits: ``--fits-dir``, else ``fits/``, else the shipped fits."""
    if fits_dir is not None:
        return Path(fits_dir)
    return Path(resolve_fit_path(None, "fits/chinchilla_lsq.json")).parent


#: Options that set a scenario key (option name -> key). Given on the command line with
#: --scenarios, each is the default of the scenarios that do not set that key.
_SCENARIO_OPTIONS = {"target": "target", "law": "law", "basis": "basis", "price_series": "price_series",
                     "price_mixture": "price_mixture",
                     "price_doubling_years": "price_doubling_years", "mfu": "mfu",
                     "inference_mfu": "inference_mfu", "dollars": "dollars",
                     "halving": "algorithmic", "algorithmic_cap": "algorithmic_cap",
                     "algorithmic_slowdown": "algorithmic_slowdown",
                     "lifetime_years": "lifetime_years", "pue": "pue", "usd_per_kwh": "usd_per_kwh"}


#: Deprecated options -> the option they are an old name of.
_ALIASES = {"utilisation": "mfu", "inference_utilisation": "inference_mfu"}


def _explicit(ctx: click.Context, options: dict) -> set[str]:
    """The scenario options given on the command line; a deprecated alias given counts as its option."""
    from click.core import ParameterSource

    from scaling.errors import ScalingError

    explicit = {opt for opt in _SCENARIO_OPTIONS if ctx.get_parameter_source(opt) != ParameterSource.DEFAULT}
    for old, new in _ALIASES.items():
        if options.get(old) is not None:
            if new in explicit:
                raise ScalingError(f"give --{new.replace('_', '-')} or its old name --{old.replace('_', '-')}, "
                                   "not both")
            options[new] = options[old]
            explicit.add(new)
    if options["fit_path"] is not None:  # --fit FILE is --law FILE
        explicit.add("law")
    return explicit


def _scenarios(ctx: click.Context, scenario_file: Path | None, options: dict, run: dict) -> dict:
    """The scenarios to run, as ForecastSpecs: the file's, each over the options given on the command line; else one."""
    from scaling.errors import ScalingError
    from scaling.forecast.scenarios import DEFAULT_LAW, TCO_KEYS, load_scenarios, scenario_specs

    explicit = _explicit(ctx, options)
    given = {key: options[opt] for opt, key in _SCENARIO_OPTIONS.items()
             if opt in explicit and options[opt] is not None}
    if scenario_file is not None:
        # TCO options on the command line are the default of the scenarios that own hardware only
        # (the purchase basis, or a mixture with a purchase component); a scenario without any price
        # key prices with the headline's mixture, as 'scaling forecast' without a file does
        tco = [k for k in TCO_KEYS if k in given]
        rest = {k: v for k, v in given.items() if k not in tco}
        scenarios = {}
        for name, spec in load_scenarios(scenario_file).items():
            merged = {**given, **spec}
            merged = {**_headline_price(merged, merged.get("target", options["target"])), **merged}
            scenarios[name] = merged if _owns_hardware(merged) else {**rest, **spec}
        if tco and not any(_owns_hardware(spec) for spec in scenarios.values()):
            raise ScalingError(f"--{tco[0].replace('_', '-')} sets the total cost of owned hardware, which applies "
                               "to the purchase basis (alone or in a price mixture) only, and no scenario of the "
                               "file is on it")
    else:
        spec = {"law": DEFAULT_LAW, "target": options["target"], "mfu": options["mfu"],
                "dollars": options["dollars"], "algorithmic": options["halving"]}
        scenarios = {"forecast": {**spec, **_headline_price(given, options["target"]), **given}}
    return scenario_specs(scenarios, **run)


def _range_help(what: str, default: str) -> str:
    return f"Purchase basis: {what}, a number or LOW:HIGH (drawn uniformly) [default: {default}]."


@click.command("forecast")
@click.option("--target", default="gpt3", show_default=True,
              help="A reference model (gpt3, Chinchilla, Llama-2-70B, ...), a loss (e.g. 2.0), N,D (175e9,300e9) or a "
                   "benchmark score, capability:BENCH=SCORE (capability:MMLU=0.439: GPT-3's MMLU, priced from the "
                   "least compute public models needed).")
@click.option("--since", default="2020-01-01", show_default=True, help="First date.")
@click.option("--until", type=int, default=2032, show_default=True, help="Last year.")
@click.option("--law", default=None,
              help="mixture (the headline's: LSQ, Bayes, Hoffmann 2022, equal weights), a published law "
                   f"({', '.join(library.names())}; see 'scaling laws') or a fit file [default: mixture].")
@click.option("--fit", "fit_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Loss fit file (same as --law FILE).")
@click.option("--basis", default=None,
              help="cloud or purchase (total cost of ownership). Without --basis, --price-series, --price-mixture "
                   "and --price-doubling-years: the headline's price mixture (see --price-mixture).")
@click.option("--price-series", default=None,
              help="A named price series: hyperscaler-on-demand-rw (the cloud default: random walk with drift, "
                   "chosen by the pre-registered selection), hyperscaler-on-demand (hierarchical panel), "
                   "lowest-available-epoch-cal (GPU-cloud on-demand, random walk with Epoch's drift and a spread "
                   "estimated from its own past errors), "
                   "lowest-available, gpu-cloud-on-demand, hyperscaler-3yr, pooled (the pooled baseline; alias "
                   "cloud), purchase, purchase-fp32 (random walks with Epoch's drift: the purchase defaults), "
                   "purchase-line, purchase-fp32-line (the Bayesian lines).")
@click.option("--price-mixture", default=None,
              help="A mixture of price series and bases, NAME:WEIGHT,... (weights > 0, normalised): each joint draw "
                   "prices with one series, so the fan carries the choice; e.g. hyperscaler-on-demand-rw:1,"
                   "lowest-available-epoch-cal:1,purchase:1 (equal thirds, the main job's headline). Not with --basis "
                   "or --price-series.")
@click.option("--price-doubling-years", type=float, default=None, help="Override the price trend's doubling time, in years (0.25 to 100).")
@click.option("--mfu", default="0.3:0.5", show_default=True,
              help="Training model-FLOPs utilisation, a number or LOW:HIGH in [0.001, 1].")
@click.option("--inference-mfu", default=None,
              help="Serving model-FLOPs utilisation, a number or LOW:HIGH [default: 0.1:0.3].")
@click.option("--utilisation", default=None, deprecated="use --mfu", hidden=True, help="Old name of --mfu.")
@click.option("--inference-utilisation", default=None, deprecated="use --inference-mfu", hidden=True,
              help="Old name of --inference-mfu.")
@click.option("--lifetime-years", default=None, help=_range_help("amortisation period in years", "3:5"))
@click.option("--pue", default=None, help=_range_help("power usage effectiveness (facility / IT power)", "1.1:1.56"))
@click.option("--usd-per-kwh", default=None, help=_range_help("electricity price in $ per kWh", "0.067:0.083"))
@click.option("--dollars", default="nominal", show_default=True, help="nominal or real (constant 2024 $).")
@click.option("--algorithmic", "halving", default="off", show_default=True,
              help="Algorithmic progress: off, ho2024 (8 months, 90% CI 2-22), ho2024-arxiv or months.")
@click.option("--algorithmic-slowdown", default="prior", show_default=True,
              help="From 2024 the halving time grows by the factor 1+S per year: prior (S drawn per draw, median "
                   "0.1, 90% 0.025-0.4) or S (0: Ho et al.'s rate forever).")
@click.option("--algorithmic-cap", type=float, default=None,
              help="Largest effective-compute multiplier; the output says in what share of draws it binds.")
@click.option("--scenarios", "scenario_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="TOML file with one [name] table per scenario (keys: the options above, with underscores; "
                   "docs/tutorial.md). Options given on the command line are the default of every scenario "
                   "that does not set that key (the TCO options: of the scenarios that own hardware, purchase "
                   "basis or a mixture with it). A scenario with no price key prices with the headline's "
                   "mixture, as without a file.")
@click.option("--fits-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder with the saved fits and trends [default: fits/, else the shipped fits].")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--draws", type=click.IntRange(min=10), default=4000, show_default=True, help="Joint draws.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the forecast: .csv (the wide table, years x scenarios x median/lower/upper, after a '#' "
                   "header: pd.read_csv(path, comment='#')) or .json (every scenario's full table); "
                   "'scaling plot fan --forecast FILE' draws either.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@force_option
@click.pass_context
def forecast_command(ctx, target, since, until, law, fit_path, basis, price_series, price_mixture, price_doubling_years,
                     mfu,
                     inference_mfu, utilisation, inference_utilisation, lifetime_years, pue, usd_per_kwh, dollars, halving, algorithmic_slowdown,
                     algorithmic_cap, scenario_file, fits_dir, seed, draws, output, as_json, force):
    """Forecast the training and inference cost of reaching TARGET, year by year, with every uncertainty.

    The default law is the headline's (that of 'scaling run'): an equal-weight mixture of
    the least-squares refit, its Bayesian posterior and Hoffmann et al.'s published fit.
    """
    from scaling.errors import ScalingError
    from scaling.forecast import default_dates
    from scaling.forecast.algorithmic import cap_binding_text
    from scaling.forecast.files import FORMATS, save_forecasts
    from scaling.forecast.scenarios import run_scenarios, scenario_notes

    check_outputs(output, force=force)
    folder = _fits_dir(fits_dir)
    if law is not None and fit_path is not None:
        raise ScalingError("give --law or --fit, not both")
    if output is not None and output.suffix.lower() not in FORMATS:
        raise ScalingError(f"output must end in {' or '.join(FORMATS)}, got {output.name!r}")
    options = {"target": target, "law": law or (str(fit_path) if fit_path else None), "fit_path": fit_path,
               "basis": basis, "price_series": price_series, "price_mixture": price_mixture,
               "price_doubling_years": price_doubling_years,
               "mfu": mfu, "inference_mfu": inference_mfu, "utilisation": utilisation,
               "inference_utilisation": inference_utilisation, "dollars": dollars,
               "halving": halving, "algorithmic_slowdown": algorithmic_slowdown, "algorithmic_cap": algorithmic_cap,
               "lifetime_years": lifetime_years, "pue": pue,
               "usd_per_kwh": usd_per_kwh}
    specs = _scenarios(ctx, scenario_file, options, {"dates": default_dates(since, until), "n_draws": draws,
                                                      "seed": seed})
    forecasts = run_scenarios(specs, fits_dir=folder, on_warning=lambda w: echo_warnings([w]))
    notes = scenario_notes(forecasts)
    if output is not None:
        save_forecasts(forecasts, output, level=0.9, notes=notes)
    if as_json:
        echo_json({name: {"label": fc.label, "header": fc.header, "assumptions": fc.assumptions,
                          "yearly": fc.wide(level=0.9, yearly=True).rename_axis("date").reset_index()
                          .assign(date=lambda d: d["date"].dt.strftime("%Y-%m-%d")).to_dict(orient="records"),
                          "notes": notes}
                   for name, fc in forecasts.items()})
        return
    for name, fc in forecasts.items():
        click.echo(f"[{fc.label}] cost of reaching {fc.assumptions['target_description']}")
        click.echo(f"  {fc.header}")
        binding = cap_binding_text(fc)
        if binding:
            click.echo(f"  algorithmic progress: {binding}")
        yearly = fc.by_date(level=0.9)
        yearly = yearly[yearly.index.month == 1]
        infer = "inference_usd_per_1k_tokens_median" in yearly.columns  # none for a capability target
        rows = [[d.date().isoformat(), _money(r["training_cost_usd_median"]),
                 f"[{_money(r['training_cost_usd_lower'])}, {_money(r['training_cost_usd_upper'])}]"]
                + ([f"${r['inference_usd_per_1k_tokens_median']:.3g}",
                    f"[${r['inference_usd_per_1k_tokens_lower']:.3g}, ${r['inference_usd_per_1k_tokens_upper']:.3g}]"]
                   if infer else [])
                for d, r in yearly.iterrows()]
        print_table(rows, header=["date", "training $", "90% interval"]
                    + (["$ per 1K tokens", "90% interval"] if infer else []))
    for note in notes:
        click.echo(note)
    if output is not None:
        click.echo(f"wrote {output}")


def _owns_hardware(spec: dict) -> bool:
    """Whether a scenario prices owned hardware: the purchase basis, or a mixture with a purchase series."""
    from scaling.forecast.price_mixture import parse_price_mixture
    from scaling.forecast.scenarios import PRICE_SERIES, series_for

    if spec.get("price_mixture") is not None:
        return any(PRICE_SERIES[n].basis == "purchase" for n in parse_price_mixture(spec["price_mixture"]))
    return series_for(spec)[1].basis == "purchase"


def _headline_price(given: dict, target: str) -> dict:
    """The price options of a forecast without any on the command line: the main job's headline
    mixture (``scaling.pipeline.config``) for a loss target, so that ``scaling forecast`` is the
    headline; nothing (the cloud default series) for a capability target, as the job prices it."""
    from scaling.forecast.price_mixture import PRICE_MIXTURE_DEFAULT
    from scaling.pipeline.config import HEADLINE_IS_SERIES_MIXTURE

    price_keys = ("basis", "price_series", "price_mixture", "price_doubling_years")
    if (not HEADLINE_IS_SERIES_MIXTURE or any(k in given for k in price_keys)
            or str(target).strip().lower().startswith("capability:")):
        return {}
    return {"price_mixture": PRICE_MIXTURE_DEFAULT}


COMMANDS = [forecast_command]
