"""``scaling plot <kind>``: draw a figure from saved fits, trends and forecasts."""

from __future__ import annotations

from pathlib import Path

import click

from scaling import library

from scaling.errors import ScalingError

from ._util import check_outputs, echo_warnings, force_option, resolve_fit_path

DEFAULT_LSQ = "fits/chinchilla_lsq.json"
DEFAULT_BAYES = "fits/chinchilla_bayes.nc"
DEFAULT_TREND = "fits/trend_flops_per_usd_tensor16.json"
DEFAULT_FORECAST = "forecasts/gpt3_equivalent_cost.csv"

#: Kinds that draw training runs (and so take --data).
RUN_KINDS = ("isoflop", "contours", "residuals", "optimal")

#: Kinds that draw the law over a grid of (N, D) (and so take --unique-tokens for a data-constrained law).
GRID_KINDS = ("isoflop", "contours", "optimal")

# kind -> (what it draws, inputs it reads)
KINDS = {
    "isoflop": ("IsoFLOP profiles: loss against N at fixed compute", "fit"),
    "contours": ("loss contours over (N, D), efficient frontier, reference models", "fit"),
    "residuals": ("fitted against observed loss; log residuals against compute", "fit"),
    "params": ("pair plot of bootstrap and posterior parameter draws", "fits"),
    "optimal": ("compute-optimal N and D against compute, with bands", "fit"),
    "trend": ("hardware price-performance trend with bands", "trend"),
    "fan": ("fan chart of a cost forecast", "forecast"),
    "prior-check": ("prior predictive check of the Bayesian fit", "posterior"),
    "posterior-check": ("posterior predictive check of the Bayesian fit", "posterior"),
    "capability": ("least compute that reached GPT-3's MMLU over time, its trend and Ho et al.'s rate", "capability"),
    "capability-curve": ("benchmark accuracy against compute by family, with a capability law", "capability-curve"),
}


def _existing(path: str, what: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{what} file {p} does not exist (run 'scaling run' or pass its path)")
    return p


def _load_law(spec: str):
    """A fit for ``--law NAME|FILE`` or ``--fit FILE``: a published law by name, else a saved fit file."""
    from scaling import library

    if Path(spec).suffix.lower() in (".json", ".nc"):
        return library.resolve(_existing(spec, "fit"))
    return library.resolve(spec)  # a published name, else one error line listing them


def _load_fits(kind: str, specs: list[str]) -> list:
    from scaling.fitting import load_fit
    from scaling.paths import default_fit_path

    if kind == "params":
        if specs:
            return [_load_law(s) for s in specs]
        fits = [load_fit(_existing(resolve_fit_path(None, DEFAULT_LSQ), "fit"))]
        bayes, _ = default_fit_path(Path(DEFAULT_BAYES).name)
        if bayes.exists():
            fits.append(load_fit(bayes))
        else:
            click.echo(f"note: {DEFAULT_BAYES} not found; drawing the least-squares fit only", err=True)
        return fits
    if len(specs) > 1:
        raise ScalingError(f"'scaling plot {kind}' draws one fit; got {len(specs)} (--law/--fit)")
    if specs:
        return [_load_law(specs[0])]
    return [load_fit(_existing(resolve_fit_path(None, DEFAULT_LSQ), "fit"))]


def _plot_runs(kind: str, fit, data_path):
    """The runs a plot of ``fit`` draws (:func:`scaling.plot.runs_of`), saying on stderr where none or foreign."""
    from scaling.plot import runs_of

    if kind == "optimal" and data_path is None:
        return None  # the shaded range is the fit's own data_range
    found = runs_of(fit, data_path)
    if found.warning:
        click.echo(f"warning: {found.warning}", err=True)
    if found.runs is None:
        if kind == "residuals":
            raise ScalingError(f"cannot draw residuals: {found.note.removeprefix('no runs drawn: ')}")
        click.echo(f"note: {found.note}", err=True)
    return found.runs


@click.command("plot")
@click.argument("kind", metavar="KIND")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Image file to write: .png, .svg or .pdf [default: KIND.png].")
@click.option("--law", "law_specs", multiple=True,
              help=f"A published law by name ({', '.join(library.names())}; see 'scaling laws') or a saved fit file (.json or "
                   f".nc); repeat for 'params' [default: {DEFAULT_LSQ}, and {DEFAULT_BAYES} for 'params', "
                   "else the fits shipped with scaling].")
@click.option("--fit", "fit_paths", multiple=True, type=click.Path(dir_okay=False),
              help="A saved fit file (the same as --law FILE).")
@click.option("--data", "data_path", type=click.Path(dir_okay=False), default=None,
              help="CSV of training runs to draw (isoflop, contours, residuals; optimal: the shaded range) "
                   "[default: the runs the fit was made from, when they can be found].")
@click.option("--unique-tokens", "unique_tokens", type=float, default=None,
              help="Unique tokens U to draw a data-constrained law at (e.g. --law muennighoff2023; isoflop, contours, "
                   "optimal); isoflop draws only the runs on these unique tokens. Residuals use each run's own "
                   "n_unique_tokens.")
@click.option("--trend", "trend_path", default=None, type=click.Path(dir_okay=False),
              help=f"Saved hardware trend (for 'trend') [default: {DEFAULT_TREND}, else the shipped one].")
@click.option("--forecast", "forecast_path", default=DEFAULT_FORECAST, show_default=True,
              type=click.Path(dir_okay=False),
              help="Saved forecast (for 'fan'): a table of 'scaling run', or the .csv or .json of 'scaling forecast "
                   "-o'; one line and band per scenario.")
@click.option("--quantity", default="training_cost_usd", show_default=True,
              help="Forecast quantity to draw (for 'fan').")
@click.option("--level", default=0.9, show_default=True, type=float,
              help="Interval level of the bands (for 'optimal', 'trend', 'capability' and the checks).")
@click.option("--size", type=click.Choice(["column", "page", "slide"]), default="page", show_default=True,
              help="column: 3.5 in wide; page: 7 in wide; slide: 13.33 x 7.5 in.")
@click.option("--captions/--no-captions", default=True, show_default=True,
              help="Title, assumptions line and data source around the plot.")
@click.option("--title", default=None, help="Title instead of the automatic one.")
@click.option("--benchmark", default="MMLU", show_default=True,
              help="Benchmark of 'capability-curve' (its fit: --fit FILE, else fits/capability_<benchmark>.json).")
@force_option
def plot_cmd(kind, output, law_specs, fit_paths, data_path, unique_tokens, trend_path, forecast_path, quantity, level,
             size, captions, title, benchmark, force):
    """Draw a figure of KIND from saved results and write it to a file.

    \b
    KIND is one of:
      isoflop    IsoFLOP profiles: loss against N at fixed compute
      contours   loss contours over (N, D), efficient frontier, reference models
      residuals  fitted against observed loss; log residuals against compute
      params     pair plot of bootstrap and posterior parameter draws
      optimal    compute-optimal N and D against compute, with bands
      trend      hardware price-performance trend with bands
      fan        fan chart of a cost forecast
      prior-check      prior predictive check of the Bayesian fit
      posterior-check  posterior predictive check of the Bayesian fit
      capability least compute that reached GPT-3's MMLU over time, its trend and Ho et al.'s rate
      capability-curve  benchmark accuracy against compute by family (--benchmark)

    The runs drawn are the fit's own: --data FILE, else the file it was fitted from
    (if unchanged), else the shipped table it was fitted on, else none (with a note).
    IsoFLOP budgets are chosen from the runs. A data-constrained law (Muennighoff et al.
    2023) is drawn at --unique-tokens U; its residuals use each run's own unique tokens.

    \b
    Examples:
      scaling plot isoflop --law my_fit.json --data runs.csv -o isoflop.pdf
      scaling plot optimal --law muennighoff2023 --unique-tokens 25e9 -o optimal.png
    """
    if kind not in KINDS:
        raise ScalingError(f"unknown plot kind {kind!r}; known kinds: {', '.join(KINDS)}")
    out = Path(output) if output else Path(f"{kind}.png")
    from scaling import plot

    if out.suffix.lower() not in plot.SAVE_FORMATS:
        raise ScalingError(f"cannot write {out.name!r}: allowed suffixes are {', '.join(plot.SAVE_FORMATS)}")
    check_outputs(out, force=force)

    # Load everything before importing matplotlib, so a missing file fails fast.
    if data_path is not None and kind not in RUN_KINDS:
        raise ScalingError(f"--data applies to {', '.join(RUN_KINDS)}, not to 'scaling plot {kind}'")
    if unique_tokens is not None and kind not in GRID_KINDS:
        own = " (residuals use each run's own n_unique_tokens)" if kind == "residuals" else ""
        raise ScalingError(f"--unique-tokens applies to {', '.join(GRID_KINDS)}, not to 'scaling plot {kind}'{own}")
    inputs = _load_inputs(kind, [*law_specs, *fit_paths], data_path=data_path, unique_tokens=unique_tokens,
                          trend_path=trend_path, forecast_path=forecast_path, benchmark=benchmark)

    import matplotlib

    matplotlib.use("Agg")  # never open a window from the command line
    import matplotlib.pyplot as plt

    if kind == "residuals":
        echo_warnings(plot.residual_warnings(inputs["fits"][0], inputs["runs"]))
    kw = dict(size=size, title=title or captions or None, subtitle=captions or None, source=captions or None)
    before = set(plt.get_fignums())
    try:
        plot.savefig(_draw(kind, inputs, unique_tokens=unique_tokens, quantity=quantity, level=level, **kw), out)
    finally:
        for num in set(plt.get_fignums()) - before:
            plt.close(num)
    click.echo(f"wrote {out}")


def _load_inputs(kind: str, specs: list[str], *, data_path, unique_tokens, trend_path, forecast_path,
                 benchmark) -> dict:
    """What a plot of ``kind`` draws, loaded from its files (the fits and their runs, a posterior, the
    capability frontier or fit, a trend or forecasts), by the input ``KINDS`` names for it."""
    source = KINDS[kind][1]
    if source in ("fit", "fits"):
        fits = _load_fits(kind, specs)
        if kind in GRID_KINDS:
            from scaling.plot._base import _grid_law

            _grid_law(fits[0], unique_tokens, option="--unique-tokens")  # needed by a covariate law, else refused
        return {"fits": fits, "runs": _plot_runs(kind, fits[0], data_path) if kind in RUN_KINDS else None}
    if source == "posterior":
        from scaling.bayes import load as load_posterior
        from scaling.library import names as published

        if len(specs) > 1:
            raise ScalingError(f"'scaling plot {kind}' draws one posterior; got {len(specs)} (--law/--fit)")
        if specs and specs[0].lower() in published():
            raise ScalingError(f"'scaling plot {kind}' needs a Bayesian fit file (.nc), not the published law "
                               f"{specs[0]!r}")
        return {"posterior": load_posterior(_existing(specs[0] if specs else resolve_fit_path(None, DEFAULT_BAYES),
                                                      "posterior"))}
    if source == "capability":
        from scaling.forecast.capability import frontier_trend

        return {"frontier": frontier_trend()}  # the shipped capability table, GPT-3's MMLU
    if source == "capability-curve":
        from .cmd_capability import _get_fit

        if len(specs) > 1:
            raise ScalingError(f"'scaling plot capability-curve' draws one fit; got {len(specs)} (--law/--fit)")
        return {"cap_fit": _get_fit(benchmark, specs[0] if specs else None)[0]}
    if source == "trend":
        from scaling.hardware import load_trend

        return {"trend": load_trend(_existing(resolve_fit_path(trend_path, DEFAULT_TREND), "trend"))}
    from scaling.forecast import load_forecasts

    # any file scaling writes: scaling run's table, scaling forecast -o's .csv or .json
    return {"forecast": list(load_forecasts(_existing(forecast_path, "forecast")).values())}


def _draw(kind: str, inputs: dict, *, unique_tokens, quantity, level, **kw):
    """The figure of ``kind`` from the loaded ``inputs`` (:func:`_load_inputs`); ``kw``: size and captions."""
    from scaling import plot

    fits, runs = inputs.get("fits"), inputs.get("runs")
    drawn = runs if runs is not None else False
    u = dict(n_unique_tokens=unique_tokens)
    draw = {
        "isoflop": lambda: plot.isoflop(fits[0], runs=drawn, **u, **kw),
        "contours": lambda: plot.loss_contours(fits[0], runs=drawn, **u, **kw),
        "residuals": lambda: plot.fit_residuals(fits[0], runs=runs, **kw),
        "params": lambda: plot.param_pairs(*fits, **kw),
        "optimal": lambda: plot.optimal_allocation(fits[0], level=level, data_range=runs, **u, **kw),
        "trend": lambda: plot.hardware_trend(inputs["trend"], level=level, **kw),
        "fan": lambda: plot.fan_chart(inputs["forecast"], quantity=quantity, **kw),
        "prior-check": lambda: plot.predictive_check(inputs["posterior"], "prior", level, **kw),
        "posterior-check": lambda: plot.predictive_check(inputs["posterior"], "posterior", level, **kw),
        "capability": lambda: plot.capability_frontier(inputs["frontier"], level=level, **kw),
        "capability-curve": lambda: plot.capability_curve(inputs["cap_fit"], level=level, **kw),
    }[kind]
    return draw()


COMMANDS = [plot_cmd]
