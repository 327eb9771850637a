"""``scaling plot <kind>``: draw a figure from saved fits, trends and forecasts."""

from __future__ import annotations

from pathlib import Path

import click

from scaling.errors import ScalingError

DEFAULT_LSQ = "fits/chinchilla_lsq.json"
DEFAULT_BAYES = "fits/chinchilla_bayes.nc"
DEFAULT_TREND = "fits/trend_flops_per_usd_tensor16.json"
DEFAULT_FORECAST = "forecasts/gpt3_equivalent_cost.csv"

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
}


def _existing(path: str, what: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{what} file {p} does not exist (run 'scaling run' or pass its path)")
    return p


def _load_fits(kind: str, fit_paths: tuple[str, ...]) -> list:
    from scaling.fitting import load_fit

    if kind == "params":
        if fit_paths:
            return [load_fit(_existing(p, "fit")) for p in fit_paths]
        fits = [load_fit(_existing(DEFAULT_LSQ, "fit"))]
        if Path(DEFAULT_BAYES).exists():
            fits.append(load_fit(DEFAULT_BAYES))
        else:
            click.echo(f"note: {DEFAULT_BAYES} not found; drawing the least-squares fit only", err=True)
        return fits
    if len(fit_paths) > 1:
        raise ScalingError(f"'scaling plot {kind}' draws one fit; got {len(fit_paths)} --fit paths")
    return [load_fit(_existing(fit_paths[0] if fit_paths else DEFAULT_LSQ, "fit"))]



@click.command("plot")
@click.argument("kind", metavar="KIND")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Image file to write: .png, .svg or .pdf [default: KIND.png].")
@click.option("--fit", "fit_paths", multiple=True, type=click.Path(dir_okay=False),
              help=f"Saved loss fit (.json or .nc); repeat for 'params' [default: {DEFAULT_LSQ}, "
                   f"and {DEFAULT_BAYES} for 'params'].")
@click.option("--trend", "trend_path", default=DEFAULT_TREND, show_default=True,
              type=click.Path(dir_okay=False), help="Saved hardware trend (for 'trend').")
@click.option("--forecast", "forecast_path", default=DEFAULT_FORECAST, show_default=True,
              type=click.Path(dir_okay=False), help="Saved forecast table .csv (for 'fan').")
@click.option("--quantity", default="training_cost_usd", show_default=True,
              help="Forecast quantity to draw (for 'fan').")
@click.option("--level", default=0.9, show_default=True, type=float,
              help="Interval level of the bands (for 'optimal', 'trend' and the checks).")
@click.option("--size", type=click.Choice(["column", "page", "slide"]), default="page", show_default=True,
              help="column: 3.5 in wide; page: 7 in wide; slide: 13.33 x 7.5 in.")
@click.option("--captions/--no-captions", default=True, show_default=True,
              help="Title, assumptions line and data source around the plot.")
@click.option("--title", default=None, help="Title instead of the automatic one.")
def plot_cmd(kind, output, fit_paths, trend_path, forecast_path, quantity, level, size, captions, title):
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

    Example: scaling plot contours --size column -o contours.pdf
    """
    if kind not in KINDS:
        raise ScalingError(f"unknown plot kind {kind!r}; known kinds: {', '.join(KINDS)}")
    out = Path(output) if output else Path(f"{kind}.png")
    from scaling import plot

    if out.suffix.lower() not in plot.SAVE_FORMATS:
        raise ScalingError(f"cannot write {out.name!r}: allowed suffixes are {', '.join(plot.SAVE_FORMATS)}")

    # Load everything before importing matplotlib, so a missing file fails fast.
    source = KINDS[kind][1]
    if source in ("fit", "fits"):
        fits = _load_fits(kind, fit_paths)
    elif source == "posterior":
        from scaling.bayes import load as load_posterior

        if len(fit_paths) > 1:
            raise ScalingError(f"'scaling plot {kind}' draws one posterior; got {len(fit_paths)} --fit paths")
        posterior = load_posterior(_existing(fit_paths[0] if fit_paths else DEFAULT_BAYES, "posterior"))
    elif source == "trend":
        from scaling.hardware import load_trend

        trend = load_trend(_existing(trend_path, "trend"))
    else:
        from scaling.forecast import load_forecast

        forecast = load_forecast(_existing(forecast_path, "forecast"))

    import matplotlib

    matplotlib.use("Agg")  # never open a window from the command line
    import matplotlib.pyplot as plt

    kw = dict(size=size, title=title or captions or None, subtitle=captions or None, source=captions or None)
    draw = {
        "isoflop": lambda: plot.isoflop(fits[0], **kw),
        "contours": lambda: plot.loss_contours(fits[0], **kw),
        "residuals": lambda: plot.fit_residuals(fits[0], **kw),
        "params": lambda: plot.param_pairs(*fits, **kw),
        "optimal": lambda: plot.optimal_allocation(fits[0], level=level, **kw),
        "trend": lambda: plot.hardware_trend(trend, level=level, **kw),
        "fan": lambda: plot.fan_chart(forecast, quantity=quantity, **kw),
        "prior-check": lambda: plot.predictive_check(posterior, "prior", level, **kw),
        "posterior-check": lambda: plot.predictive_check(posterior, "posterior", level, **kw),
    }[kind]
    before = set(plt.get_fignums())
    try:
        plot.savefig(draw(), out)
    finally:
        for num in set(plt.get_fignums()) - before:
            plt.close(num)
    click.echo(f"wrote {out}")


COMMANDS = [plot_cmd]
