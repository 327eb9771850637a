"""``scaling run``: the main job (fits, forecasts and figures from the shipped data)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("run")
@click.option("--fits-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("fits"),
              show_default=True, help="Where fitted results go.")
@click.option("--forecasts-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("forecasts"),
              show_default=True, help="Where forecast tables, figures and the summary go.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for every random step.")
@click.option("--bootstrap", type=click.IntRange(min=0), default=4000, show_default=True,
              help="Bootstrap resamples of the least-squares fit.")
@click.option("--bayes/--no-bayes", default=True, show_default=True, help="Also fit the Bayesian model.")
@click.option("--until", type=click.IntRange(2021, 2100), default=2032, show_default=True,
              help="Last forecast year.")
@click.option("--figures/--no-figures", default=True, show_default=True, help="Draw the figures.")
@click.option("--force", is_flag=True, help="Refit everything even when saved fits are current.")
@click.option("--jobs", type=click.IntRange(1, 2), default=2, show_default=True,
              help="Processes for the fits: 2 fits the cloud-price panel in a second process beside the "
                   "law fits (same numbers); 1 fits everything in this process.")
def run_command(fits_dir, forecasts_dir, seed, bootstrap, bayes, until, figures, force, jobs):
    """Fit, forecast and plot from the shipped data (the README's main job).

    Re-running reuses saved fits whose data and settings are unchanged (by hash,
    recorded in FITS_DIR/manifest.json) and refits those that changed.
    """
    from scaling._workers import sigterm_as_interrupt
    from scaling.pipeline import RunConfig, run

    config = RunConfig(fits_dir=fits_dir, forecasts_dir=forecasts_dir, seed=seed, bootstrap=bootstrap,
                       bayes=bayes, until=until, figures=figures, force=force, jobs=jobs)
    with sigterm_as_interrupt():  # SIGTERM unwinds like Ctrl-C: the panel's process is stopped
        run(config, echo=click.echo)


COMMANDS = [run_command]
