"""``scaling backtest``: fit a price or chip model before cut-offs, score it and naive baselines after."""

from __future__ import annotations

import click

from ..errors import ScalingError
from ..hardware.series import PRICE_SERIES, series_help, series_names
from ._util import echo_json, print_table

_METRICS = {"flops-per-usd": "flops_per_usd", "flops-per-watt": "flops_per_watt",
            "flops-per-usd-cloud": "flops_per_usd_cloud"}


@click.command("backtest")
@click.option("--series", default=None, metavar="NAME",
              help="A cloud-price series: "
                   + series_help([n for n in series_names("cloud") if PRICE_SERIES[n].rows_fixed
                                  and PRICE_SERIES[n].model != "random-walk"]) + ".")
@click.option("--metric", default=None,
              help="A trend instead, as `scaling trend` names it: flops-per-usd | flops-per-watt | "
                   "flops-per-usd-cloud (= --series pooled).")
@click.option("--precision", default="tensor16", show_default=True, help="Chip trends: the peak throughput.")
@click.option("--cutoff", "cutoffs", multiple=True, metavar="DATE",
              help="Fit on data dated before DATE, score from DATE on (repeatable). Default: every quarter from "
                   "2018 to the last date that leaves a year of later data.")
@click.option("--models", default=None, metavar="LIST",
              help="Comma-separated: panel, panel-forecast, trend, ols, rw, nochange, epoch, rw-seen. Default: the "
                   "target's Bayesian model (panel for a series, trend for chips and pooled) and the baselines.")
@click.option("--jobs", default=1, show_default=True, type=int, help="Fits (cut-offs x models) run in parallel.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--draws", default=800, show_default=True, type=int, help="Posterior draws per chain.")
@click.option("--tune", default=1000, show_default=True, type=int, help="Tuning steps per chain.")
@click.option("--all-fits", is_flag=True, help="Score unconverged Bayesian fits too (default: left out, counted).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="Write every row (training and later observations, quantiles, scores) as CSV.")
def backtest(series, metric, precision, cutoffs, models, jobs, seed, draws, tune, all_fits, as_json, output):
    """Score a price or chip model against naive baselines on data after each cut-off.

    Each model is fitted on the data dated before the cut-off only; every later observation of
    the same population gets its predictive quantiles, CRPS, log score, interval scores and PIT.
    """
    from scaling.hardware.evaluation import evaluate

    if series is None and metric is None:
        raise ScalingError("give --series NAME or --metric flops-per-usd|flops-per-watt|flops-per-usd-cloud")
    if metric is not None:
        key = metric.strip().lower()
        if key not in _METRICS and key not in _METRICS.values():
            raise ScalingError(f"unknown metric {metric!r}; allowed: {', '.join(_METRICS)}")
        metric = _METRICS.get(key, key)
    res = evaluate(series, metric=metric, precision=precision.strip().lower(), cutoffs=list(cutoffs) or None,
                   models=models, seed=seed, jobs=jobs, draws=draws, tune=tune)
    if output:
        res.save(output)
    summary = res.scores(include_unconverged=all_fits)
    try:
        best = res.best_baseline()
        paired = res.paired("crps", [best], include_unconverged=all_fits)
    except ScalingError:
        best, paired = None, None
    excluded = {m: n for m, n in res.n_excluded().items() if n}
    if as_json:
        echo_json({"settings": res.settings, "summary": summary.reset_index().to_dict("records"),
                   "best_baseline": best, "paired_crps": None if paired is None else paired.to_dict("records"),
                   "excluded_unconverged": excluded, "notes": res.notes, "saved": output})
        return
    for note in res.notes:
        click.echo(f"note: {note}", err=True)
    if excluded and not all_fits:
        click.echo("warning: unconverged fits left out of the scores (--all-fits to include): "
                   + ", ".join(f"{m} {n} rows" for m, n in excluded.items()), err=True)
    st = res.settings
    click.echo(f"backtest of {st['target']}: cut-offs {', '.join(st['cutoffs'])}; scores in dex "
               "(log score in nats), lower is better")
    print_table([[m, int(r["n_test"]), f"{r['crps']:.3f}", f"{r['log_score']:.2f}", f"{r['is50']:.2f}",
                  f"{r['is90']:.2f}", f"{r['coverage50']:.0%}", f"{r['coverage90']:.0%}"]
                 for m, r in summary.iterrows()],
                header=["model", "test rows", "CRPS", "log score", "IS 50%", "IS 90%", "cover 50%", "cover 90%"])
    if paired is not None and len(paired):
        click.echo(f"\nCRPS minus the best baseline's ({best}); 90% cluster-bootstrap interval over chip x provider:")
        print_table([[r["model"], f"{r['mean']:+.3f}", f"[{r['lower']:+.3f}, {r['upper']:+.3f}]", r["n_clusters"]]
                     for _, r in paired.iterrows()], header=["model", "difference", "90% interval", "clusters"])
    if output:
        click.echo(f"\nsaved {output}")


COMMANDS = [backtest]
