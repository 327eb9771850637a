"""``scaling compare``: fit several laws to one table of runs and rank them on held-out runs."""

from __future__ import annotations

import click

from scaling import laws as _laws
from scaling import library
from scaling._format import plural
from scaling.cli._util import check_outputs, echo_json, echo_warnings, force_option, print_table
from scaling.results import DEFAULT_LEVEL

DEFAULT_DATASET = "chinchilla_runs"


@click.command("compare")
@click.option("--data", type=click.Path(dir_okay=False), default=None, help="CSV of your own runs.")
@click.option("--dataset", default=None, help=f"A shipped table of runs [default: {DEFAULT_DATASET}].")
@click.option("--laws", default="chinchilla,chinchilla_tied,kaplan", show_default=True,
              help=f"Comma-separated law families to fit: any of {', '.join(_laws.names())} (see 'scaling laws').")
@click.option("--published", default="", help="Comma-separated published fits scored as they are: any of "
                                                f"{', '.join(library.names())} (see 'scaling laws').")
@click.option("--schemes", default="loso,extrapolate", show_default=True,
              help="loso (leave one model size out) and/or extrapolate (predict the largest sizes).")
@click.option("--bootstrap", type=int, default=50, show_default=True,
              help="Bootstrap resamples per fold and law (0: residual scatter only).")
@click.option("--grid", default="coarse", show_default=True, help="coarse or hoffmann (full-data fits).")
@click.option("--level", type=float, default=DEFAULT_LEVEL, show_default=True,
              help="Level of the predictive intervals whose coverage is reported.")
@click.option("--loo", is_flag=True, help="Also PSIS-LOO of the Bayesian chinchilla fit (~15 s).")
@click.option("--include", type=click.Choice(["kept", "all"]), default="kept", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--groups", type=click.Choice(["separate", "pool"]), default="separate", show_default=True,
              help="Runs with a 'group' column (dataset, tokenizer): rank the laws per group, and their mean "
                   "over groups. 'pool' is refused: losses of other datasets or tokenizers are in other units.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Save the result (.json).")
@click.option("--figure", type=click.Path(dir_okay=False), default=None,
              help="Save the held-out error figure (.png, .svg or .pdf).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@force_option
def compare_command(data, dataset, laws, published, schemes, bootstrap, grid, level, loo, include, seed, groups,
                    output, figure, as_json, force):
    """Rank laws by how well they predict runs they did not see.

    Leave-one-model-size-out and fit-on-the-smaller-sizes-predict-the-largest errors
    (RMS and median |log(predicted / observed)|), and the coverage of each law's
    predictive intervals on the held-out runs. Runs with a 'group' column are ranked
    per group, then by the mean of the per-group scores.
    """
    from scaling import compare
    from scaling.cli.cmd_fit import _load_runs

    check_outputs(output, figure, force=force)
    runs = _load_runs(data, dataset)
    result = compare.compare(runs, laws=laws, published=published,
                             schemes=tuple(s for s in schemes.split(",") if s), bootstrap=bootstrap, grid=grid,
                             level=level, loo=loo, include=include, seed=seed, groups=groups)
    if output:
        result.save(output)
    if figure:
        _save_figure(result, figure)
    echo_warnings(result.warnings())
    grouped = isinstance(result, compare.GroupedCompareResult)
    if as_json:
        payload = result.to_dict()
        for part in (payload["groups"].values() if grouped else [payload]):
            part.pop("predictions")
        echo_json({**payload, "output": output, "figure": figure})
        return
    if grouped:
        for group, res in result.by_group.items():
            click.echo(f"group {group}: {plural(res.settings['n_runs'], 'run')}, "
                       f"{plural(res.settings['n_sizes'], 'model size')}")
            _print_ranking(res.summary(), res.settings["schemes"], level)
            _print_notes(res)
            click.echo("")
        click.echo(f"all {len(result.by_group)} groups: the mean of each law's per-group scores (every group "
                   "weighs the same); rank: of the mean RMS")
        _print_ranking(result.combined(), result.settings["schemes"], level)
    else:
        _print_ranking(result.summary(), result.settings["schemes"], level)
        click.echo(f"\n{plural(result.settings['n_runs'], 'run')}, {plural(result.settings['n_sizes'], 'model size')}; errors are "
                   "log(predicted / observed loss) on held-out runs")
        _print_notes(result)
    for path in (output, figure):
        if path:
            click.echo(f"saved {path}")


def _save_figure(result, path) -> None:
    """The held-out error figure (scaling.plot.held_out_errors, page preset, with captions), saved like
    every figure of 'scaling plot' (scaling.plot.savefig)."""
    import matplotlib

    matplotlib.use("Agg")  # never open a window from the command line
    import matplotlib.pyplot as plt

    from scaling import plot

    before = set(plt.get_fignums())
    try:
        plot.savefig(plot.held_out_errors(result, **plot.CAPTIONS), path)
    finally:
        for num in set(plt.get_fignums()) - before:
            plt.close(num)


def _print_ranking(summ, schemes, level) -> None:
    header = ["law", "kind", "k", "in-sample"]
    for s in schemes:
        header += [f"{s} rms", "med|r|", "bias", f"cov {level:.0%}", "rank"]
    rows = []
    shares = summ["fitted_on_these_runs"] if "fitted_on_these_runs" in summ else {}
    flagged = [name for name in summ.index if shares.get(name, 0.0) > 0]
    for name, r in summ.iterrows():
        row = [f"{name} *" if name in flagged else name, r["kind"], str(int(r["n_free"])) if r["n_free"] else "-",
               f"{r['rms_in_sample']:.4f}"]
        for s in schemes:
            row += [f"{r[f'{s}_rms']:.4f}", f"{r[f'{s}_median_abs']:.4f}", f"{r[f'{s}_bias']:+.4f}",
                    f"{r[f'{s}_coverage']:.0%}", str(r[f"{s}_rank"])]
        rows.append(row)
    print_table(rows, header=header)
    for name in flagged:
        click.echo(f"* {name}: a published fit of these very runs ({shares[name]:.0%} of them are runs it was fitted "
                   "on): its held-out errors are in-sample errors, a reference, not a competitor")


def _print_notes(result) -> None:
    held = {f["scheme"]: f for f in result.folds if f["scheme"] == "extrapolate"}
    if "extrapolate" in held:
        f = held["extrapolate"]
        click.echo(f"extrapolate: fitted below {f['n_params_min']:.3g} parameters, predicted {f['n_runs']} runs "
                   f"of {f['n_params_min']:.3g}-{f['n_params_max']:.3g}")
    if result.loo:
        lo = result.loo
        click.echo(f"PSIS-LOO ({lo['law']}): elpd_loo {lo['elpd_loo']:.1f} (se {lo['se']:.1f}), p_loo "
                   f"{lo['p_loo']:.1f}, {lo['n_pareto_k_bad']} runs with Pareto k > 0.7")


COMMANDS = [compare_command]
