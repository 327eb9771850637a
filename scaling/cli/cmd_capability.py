"""``scaling capability``: benchmark accuracy against training compute (predict, target, fit).

Queries use the fit saved at ``fits/capability_<benchmark>.json`` (yours, else the one shipped
with scaling) when there is one, else fit the shipped data on the fly (least squares with a
bootstrap, a few seconds) and say so on stderr.
"""

from __future__ import annotations

import math
from pathlib import Path

import click

from .._format import format_pct
from ..errors import ScalingError
from ._util import check_outputs, echo_json, echo_warnings, fmt_num, force_option, print_table

_LEVEL = click.option("--level", default=0.9, show_default=True, type=float, help="Interval level.")
_BENCH = click.option("--benchmark", "-b", default="MMLU", show_default=True,
                      help="MMLU | ARC-C | HellaSwag | WinoGrande | GSM8K | TruthfulQA | XWinograd | HumanEval")
_FIT = click.option("--fit", "fit_path", default=None, type=click.Path(dir_okay=False),
                    help="A fit saved by `scaling capability fit` (default: fits/capability_<benchmark>.json).")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")


def _get_fit(benchmark: str, fit_path):
    """The fit a query uses, and where it came from (one line on stderr says so)."""
    from ..capability import benchmark_column, fit_name, fit_shipped, load
    from ..paths import default_fit_path

    col = benchmark_column(benchmark)
    if fit_path is not None:
        fit = load(fit_path)
        source = str(fit_path)
    else:
        path, shipped = default_fit_path(fit_name(col))
        if path.exists():
            fit = load(path)
            source = f"{path}{' (shipped with scaling)' if shipped else ''}"
        else:
            click.echo(f"note: no saved fit {path}; fitting the shipped data now (sigmoid law, least squares, "
                       "200 bootstrap resamples; save one with `scaling capability fit -o`)", err=True)
            fit = fit_shipped(col)
            source = "fitted now on the shipped data"
    if fit.benchmark != col:
        raise ScalingError(f"{fit_path} is a fit for {fit.benchmark}, not {col}")
    click.echo(f"using {source}", err=True)
    return fit, source


def _pct(x: float) -> str:
    """A score as a percentage, one decimal; not finite: '-' (scaling._format)."""
    return format_pct(x, 1, inf=None)


def _flops(x: float) -> str:
    """Training compute in a table: fmt_num (inf prints 'unbounded')."""
    return fmt_num(x)


@click.group("capability")
def capability():
    """Benchmark accuracy against training compute, by model family (MMLU, ARC-C, ...)."""


@capability.command("predict")
@click.option("--compute", "compute", multiple=True, required=True, type=float, metavar="FLOPS",
              help="Training compute (repeatable).")
@click.option("--family", default=None, help="A model family of the fit (e.g. Llama-2); default: a new family.")
@_BENCH
@_LEVEL
@click.option("--curve", is_flag=True, help="Interval of the expected score instead of a new model's score.")
@_FIT
@_JSON
def predict(compute, family, benchmark, level, curve, fit_path, as_json):
    """Expected score of a model trained with --compute FLOPs, with its interval."""
    fit, source = _get_fit(benchmark, fit_path)
    ans = fit.predict_compute(list(compute), family=family, level=level, interval="curve" if curve else "model")
    warnings = fit.warnings(compute_flops=list(compute), level=level)
    if family is not None and not ans["seen_family"]:
        click.echo(f"note: family {family!r} is not in the fit: predicting for a new family "
                   f"(known: {', '.join(sorted(fit.families))})", err=True)
    if as_json:
        echo_json({"benchmark": fit.benchmark, "law": fit.law, "method": fit.method, "fit": source, "level": level,
                   "family": family, "seen_family": ans["seen_family"], "interval": "curve" if curve else "model",
                   "predictions": [{"compute_flops": c, "median": m, "lower": lo, "upper": hi}
                                   for c, m, lo, hi in zip(ans["compute_flops"], ans["median"], ans["lower"],
                                                           ans["upper"])],
                   "warnings": [w.to_dict() for w in warnings]})
        return
    echo_warnings(warnings)
    who = family if ans["seen_family"] else "a new family"
    click.echo(f"{fit.benchmark} of a model from {who} (chance {_pct(fit.chance)}; "
               f"{'expected score' if curve else 'a new model'}, {level:.0%} interval)")
    print_table([[_flops(c), _pct(m), f"[{_pct(lo)}, {_pct(hi)}]"]
                 for c, m, lo, hi in zip(ans["compute_flops"], ans["median"], ans["lower"], ans["upper"])],
                header=["compute (FLOPs)", "median", "interval"])


@capability.command("target")
@click.option("--score", required=True, type=float, help="Accuracy to reach (0-1, e.g. 0.439 = GPT-3's MMLU).")
@click.option("--family", default=None, help="Only this family (and the new-family row).")
@_BENCH
@_LEVEL
@_FIT
@_JSON
def target(score, family, benchmark, level, fit_path, as_json):
    """Least training compute whose expected score reaches --score: a new family, and by family."""
    from ..capability import NEW_FAMILY

    fit, source = _get_fit(benchmark, fit_path)
    wanted = None if family is None else [NEW_FAMILY, family]
    rows = fit.target_rows(score, family=wanted, level=level)
    warnings = fit.warnings(level=level)
    n_bad = max(r["unreachable_draws"] for r in rows)
    if n_bad:
        from ..errors import ScalingWarning

        warnings.append(ScalingWarning("unreachable_draws", f"in up to {n_bad} draws the curve's ceiling is below "
                                                            f"{score:g}: those draws never reach it (unbounded ends)"))
    finite = [r["median"] for r in rows if math.isfinite(r["median"])]
    if finite:
        warnings += fit.extrapolation_warnings(max(finite))
    if as_json:
        echo_json({"benchmark": fit.benchmark, "law": fit.law, "method": fit.method, "fit": source, "score": score,
                   "level": level, "targets": rows, "warnings": [w.to_dict() for w in warnings]})
        return
    echo_warnings(warnings)
    click.echo(f"least training compute at which the expected {fit.benchmark} reaches {_pct(score)} "
               f"({level:.0%} intervals; new family: the spread between families included)")
    body = [r for r in rows if r["family"] != NEW_FAMILY]
    body.sort(key=lambda r: r["median"])
    table = [[r["family"], str(r["n_models"]) if r["family"] != NEW_FAMILY else "-", _flops(r["median"]),
              f"[{_flops(r['lower'])}, {_flops(r['upper'])}]"] for r in [rows[0], *body]]
    print_table(table, header=["family", "models", "compute (FLOPs)", "interval"])


@capability.command("fit")
@_BENCH
@click.option("--law", default="sigmoid", show_default=True, help="sigmoid | observational")
@click.option("--method", default="lsq", show_default=True, help="lsq | bayes")
@click.option("--bootstrap", default=200, show_default=True, type=int, help="Resamples (lsq).")
@click.option("--term", "terms", multiple=True, help="Optional term of the sigmoid law: tokens_per_param | date | family_date.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--draws", default=1000, show_default=True, type=int, help="Posterior draws per chain (bayes).")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="Save the fit (default: fits/capability_<benchmark>.json).")
@_JSON
@force_option
def fit_cmd(benchmark, law, method, bootstrap, terms, seed, draws, output, as_json, force):
    """Fit a capability law to the shipped models and save it."""
    from ..capability import fit_name, fit_shipped

    check_outputs(Path(output) if output else Path("fits") / fit_name(benchmark), force=force)
    fit = fit_shipped(benchmark, seed=seed, method=method.strip().lower(), law=law.strip().lower(),
                      bootstrap=bootstrap, terms=tuple(terms), draws=draws, progress=method == "bayes")
    path = Path(output) if output else Path("fits") / fit_name(benchmark)
    fit.save(path)
    warnings = fit.warnings()
    if as_json:
        s = fit.summary()
        echo_json({"benchmark": fit.benchmark, "law": fit.law, "method": fit.method, "saved": str(path),
                   "summary": {k: {c: float(s.loc[k, c]) for c in ("value", "lower", "upper")} for k in s.index},
                   "warnings": [w.to_dict() for w in warnings]})
        return
    echo_warnings(warnings)
    # the report's warnings went to stderr
    click.echo("\n".join(line for line in fit.report().splitlines() if not line.strip().startswith("warning:")))
    click.echo(f"\nsaved {path}")


COMMANDS = [capability]
