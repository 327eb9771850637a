"""``scaling fit``: fit a scaling law to runs (``scaling optimal`` is in :mod:`scaling.cli.cmd_optimal`)."""

from __future__ import annotations

import click

from scaling import laws
from scaling.cli._util import check_outputs, echo_json, echo_warnings, force_option
from scaling.results import DEFAULT_LEVEL

DEFAULT_FIT = "fits/chinchilla_lsq.json"
DEFAULT_DATASET = "chinchilla_runs"


def _load_runs(data, dataset):
    from scaling import datasets
    from scaling.errors import ScalingError

    if data is not None:
        if dataset is not None:
            raise ScalingError(f"give --data (your CSV) or --dataset (a shipped table), not both "
                               f"(got --data {data} and --dataset {dataset})")
        runs = datasets.read_runs(data)
        if runs.attrs.get("note"):  # an encoding guessed (not UTF-8): say so once
            click.echo(f"note: {runs.attrs['note']}", err=True)
        return runs
    return datasets.load(DEFAULT_DATASET if dataset is None else dataset)


@click.command("fit")
@click.option("--data", type=click.Path(dir_okay=False), default=None, help="CSV of your own runs.")
@click.option("--dataset", default=None, help=f"A shipped table of runs [default: {DEFAULT_DATASET}].")
@click.option("--law", default="chinchilla", show_default=True,
              help=f"A law family: {', '.join(laws.names())} (see 'scaling laws'); a data-constrained law needs an "
                   "n_unique_tokens column, e.g. --dataset muennighoff_runs.")
@click.option("--method", default="huber", show_default=True,
              help="huber, huber-mle, or bayes (the same as --bayes).")
@click.option("--bayes", is_flag=True, help="Bayesian fit (PyMC) instead of least squares: laws chinchilla, "
                                            "data_constrained, data_constrained_untied.")
@click.option("--sampler", default=None, help="Bayes: sampler (e.g. nutpie, pymc).")
@click.option("--draws", "n_draws", type=int, default=None, help="Bayes: draws per chain.")
@click.option("--chains", type=int, default=None, help="Bayes: number of chains.")
@click.option("--bootstrap", type=int, default=0, show_default=True, help="Bootstrap resamples (e.g. 4000).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--include", type=click.Choice(["kept", "all"]), default="kept", show_default=True,
              help="Keep or drop runs marked excluded in the data.")
@click.option("--grid", default="hoffmann", show_default=True, help="hoffmann (4,500 starts) or coarse.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Save the fit (.json; .nc for --bayes).")
@click.option("--level", type=float, default=DEFAULT_LEVEL, show_default=True, help="Interval level.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@force_option
def fit_command(data, dataset, law, method, bayes, sampler, n_draws, chains, bootstrap, seed, include, grid,
                output, level, as_json, force):
    """Fit L(N, D) = E + A/N^alpha + B/D^beta (or another --law) to training runs (Hoffmann's Approach 3)."""
    from scaling import fitting

    check_outputs(output, force=force)
    runs = _load_runs(data, dataset)
    if bayes or method == "bayes":
        kwargs = {k: v for k, v in (("sampler", sampler), ("draws", n_draws), ("chains", chains)) if v is not None}
        result = fitting.fit(runs, law=law, method="bayes", seed=seed, include=include,
                             progress=not as_json, **kwargs)
    else:
        if any(v is not None for v in (sampler, n_draws, chains)):
            raise click.UsageError("--sampler, --draws and --chains apply to --bayes only")
        if bootstrap and not as_json:
            from scaling._progress import Progress

            # ETA from the measured rate only after a few updates (click's bar guessed from the first).
            with Progress("bootstrap", total=bootstrap) as bar:
                result = fitting.fit(runs, law=law, method=method, grid=grid, include=include,
                                     bootstrap=bootstrap, seed=seed, progress=lambda done, _total: bar.update(done))
        else:
            result = fitting.fit(runs, law=law, method=method, grid=grid, include=include,
                                 bootstrap=bootstrap, seed=seed)
    summary = result.summary(level)
    if output:
        result.save(output)
    if as_json:
        echo_json({"law": result.law, "method": result.method, "level": level,
                   "warnings": [w.to_dict() for w in result.warnings()],
                   "params": {k: float(v) for k, v in result.params.items()},
                   "summary": {n: {c: float(r[c]) for c in ("value", "lower", "upper") if c in r}
                               for n, r in summary.iterrows()},
                   "output": output})
        return
    echo_warnings(result.warnings())
    # the report holds the table (once) and the formula as plain text; its warnings went to stderr
    click.echo("\n".join(line for line in result.report(level).splitlines()
                         if not line.strip().startswith("warning:")).strip("\n"))
    if result.draws is None:
        click.echo(f"(no intervals: add --bootstrap 4000 for {level:.0%} bootstrap intervals, or --bayes for "
                   "credible intervals)")
    if output:
        click.echo(f"saved {output}")


COMMANDS = [fit_command]  # ``scaling optimal`` lives in cmd_optimal.py
