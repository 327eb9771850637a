"""``scaling fit`` and ``scaling optimal``: fit the Chinchilla law, size compute-optimal runs."""

from __future__ import annotations

import click

from scaling.cli._util import echo_json, echo_warnings, print_table, resolve_fit_path
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
        return datasets.read_runs(data)
    return datasets.load(DEFAULT_DATASET if dataset is None else dataset)


def _summary_rows(summary):
    return [(name, row["value"], row["lower"], row["upper"]) for name, row in summary.iterrows()]


@click.command("fit")
@click.option("--data", type=click.Path(dir_okay=False), default=None, help="CSV of your own runs.")
@click.option("--dataset", default=None, help=f"A shipped table of runs [default: {DEFAULT_DATASET}].")
@click.option("--law", default="chinchilla", show_default=True, help="chinchilla or kaplan.")
@click.option("--method", default="huber", show_default=True, help="huber or huber-mle.")
@click.option("--bayes", is_flag=True, help="Bayesian fit (PyMC) instead of least squares.")
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
def fit_command(data, dataset, law, method, bayes, sampler, n_draws, chains, bootstrap, seed, include, grid,
                output, level, as_json):
    """Fit L(N, D) = E + A/N^alpha + B/D^beta to training runs (Hoffmann's Approach 3)."""
    from scaling import fitting

    runs = _load_runs(data, dataset)
    if bayes:
        kwargs = {k: v for k, v in (("sampler", sampler), ("draws", n_draws), ("chains", chains)) if v is not None}
        result = fitting.fit(runs, law=law, method="bayes", seed=seed, include=include,
                             progress=not as_json, **kwargs)
    else:
        if any(v is not None for v in (sampler, n_draws, chains)):
            raise click.UsageError("--sampler, --draws and --chains apply to --bayes only")
        if bootstrap and not as_json:
            with click.progressbar(length=bootstrap, label="bootstrap", file=click.get_text_stream("stderr")) as bar:
                state = {"done": 0}

                def progress(done, total):
                    bar.update(done - state["done"])
                    state["done"] = done

                result = fitting.fit(runs, law=law, method=method, grid=grid, include=include,
                                     bootstrap=bootstrap, seed=seed, progress=progress)
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
    print_table(_summary_rows(summary), header=["param", "value", f"lower {level:.0%}", f"upper {level:.0%}"])
    click.echo("")
    click.echo("\n".join(line for line in result.report(level).splitlines()
                         if not line.strip().startswith("warning:")))
    if output:
        click.echo(f"saved {output}")


@click.command("optimal")
@click.option("--fit", "fit_path", type=click.Path(dir_okay=False), default=None,
              help=f"A saved fit (.json or .nc) [default: {DEFAULT_FIT}, else the fit shipped with scaling].")
@click.option("--compute", type=float, default=None, help="Training budget in FLOPs, e.g. 5.76e23.")
@click.option("--loss", "target_loss", type=float, default=None, help="Target loss.")
@click.option("--target", type=click.Choice(["gpt3"]), default=None, help="Reach GPT-3's fitted loss.")
@click.option("--inference-tokens", type=float, default=None,
              help="With --loss/--target: also count 2 N T inference FLOPs for T tokens served.")
@click.option("--level", type=float, default=DEFAULT_LEVEL, show_default=True, help="Interval level.")
@click.option("--json", "as_json", is_flag=True)
def optimal_command(fit_path, compute, target_loss, target, inference_tokens, level, as_json):
    """Compute-optimal N and D (with intervals) for a budget, a loss, or GPT-3's loss."""
    from scaling import fitting, sizing

    given = [v for v in (compute, target_loss, target) if v is not None]
    if len(given) != 1:
        raise click.UsageError("give exactly one of --compute, --loss or --target")
    fit_path = resolve_fit_path(fit_path, DEFAULT_FIT)
    fit = fitting.load_fit(fit_path)
    result = sizing.optimal(fit, compute_flops=compute, target_loss=target_loss,
                            target=target, level=level, inference_tokens=inference_tokens)
    # The fit's own warnings and the query's (unreachable draws, extrapolation) come first.
    echo_warnings(result.warnings())
    if as_json:
        echo_json(result.to_dict())
        return
    click.echo(f"fit: {fit_path}")
    s = result.summary()
    labels = {"n_params": "N (parameters)", "n_tokens": "D (tokens)", "tokens_per_param": "tokens per parameter",
              "loss": "loss", "compute_flops": "training compute (FLOPs)", "target_loss": "target loss (GPT-3 fit)",
              "inference_flops": "inference FLOPs", "total_flops": "total FLOPs"}
    print_table([(labels.get(q, q), r["value"], r["lower"], r["upper"]) for q, r in s.iterrows()],
                header=["quantity", "value", f"lower {level:.0%}", f"upper {level:.0%}"])


COMMANDS = [fit_command, optimal_command]
