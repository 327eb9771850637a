"""``scaling trend``: doubling time of accelerator price-performance, Bayes beside OLS."""

from __future__ import annotations

import click

from .._format import format_fixed, format_interval
from ..datasets import PRECISIONS
from ..errors import ScalingError
from ..hardware.series import PRICE_SERIES, series_help, series_names
from ._util import check_outputs, echo_json, force_option, print_table

_METRICS = {"flops-per-usd": "flops_per_usd", "flops-per-watt": "flops_per_watt",
            "flops-per-usd-cloud": "flops_per_usd_cloud"}
_PRICING = {"on-demand": "on_demand", "on_demand": "on_demand", "1yr": "1yr", "3yr": "3yr"}


def _choice(name: str, value: str, table: dict) -> str:
    key = value.strip().lower()
    if key in table:
        return table[key]
    if key in table.values():
        return key
    raise ScalingError(f"unknown {name} {value!r}; allowed: {', '.join(k for k in table if '_' not in k or name != 'pricing')}")


def _dt_row(label: str, t) -> list:
    d, g = t.doubling_time_years, t.growth_per_year
    rhat = float(t.summary()["r_hat"].max())  # NaN for OLS
    return [label, t.n_chips, f"{d['median']:.2f}", format_interval(d["lower"], d["upper"], format_fixed, 2, nan="nan",
                                                                    inf="inf"),
            f"x{g['median']:.3f}", f"[{g['lower']:.3f}, {g['upper']:.3f}]", f"{d['prob_no_improvement']:.3f}",
            format_fixed(rhat, 3, inf="inf")]


@click.command("trend")
@click.option("--metric", default="flops-per-usd", show_default=True,
              help="flops-per-usd | flops-per-watt | flops-per-usd-cloud")
@click.option("--precision", default="tensor16", show_default=True, help=" | ".join(PRECISIONS) + " (bf16 = tensor16)")
@click.option("--ols", "ols_only", is_flag=True, help="Only the OLS baseline (fast; no PyMC).")
@click.option("--vendor", default=None, help="Keep one vendor (e.g. NVIDIA).")
@click.option("--type", "type_", default=None, help="Keep one chip type (e.g. GPU, TPU).")
@click.option("--segment", default=None, help="consumer | workstation | datacenter")
@click.option("--since", default=None, help="Keep chips dated on or after this date.")
@click.option("--before", default=None, help="Keep chips dated before this date.")
@click.option("--dollars", default="nominal", show_default=True, help="nominal | real (PPI-deflated to 2024 $)")
@click.option("--frontier", is_flag=True, help="Only chips that beat every earlier one.")
@click.option("--pricing", default="on-demand", show_default=True, help="Cloud price: on-demand | 1yr | 3yr")
@click.option("--backtest", "cutoffs", multiple=True, metavar="DATE",
              help="Fit before DATE, score chips from DATE on (repeatable).")
@click.option("--series", default=None, metavar="NAME",
              help="A named cloud-price series instead of --metric: "
                   + series_help([n for n in series_names("cloud") if PRICE_SERIES[n].model != "random-walk"])
                   + " (panel model; see docs/hardware-trends.md).")
@click.option("--draws", default=1000, show_default=True, type=int, help="Posterior draws per chain.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="Save the trend (Bayesian, or OLS with --ols) as versioned JSON.")
@force_option
def trend(metric, precision, ols_only, vendor, type_, segment, since, before, dollars, frontier, pricing, cutoffs,
          series, draws, seed, as_json, output, force):
    """Doubling time of peak FLOP/s per $ / per W with its 90% interval, vs Epoch and the seed."""
    check_outputs(output, force=force)
    from scaling.hardware import backtest, fit_trend, published_table

    if series is not None:
        from scaling.hardware import SERIES, fit_series

        name = series.strip().lower()
        if name not in SERIES:
            raise ScalingError(f"unknown price series {series!r}; allowed: {', '.join(SERIES)}")
        fit = fit_series(name, method="ols" if (ols_only and name == "pooled") else "bayes", seed=seed, draws=draws)
        if output:
            fit.save(output)
        if as_json:
            echo_json({"series": name, "trend": fit.headline(), "saved": output})
            return
        click.echo(f"series {name}: {SERIES[name][2]}")
        click.echo(fit.report())
        if output:
            click.echo(f"\nsaved {output}")
        return

    metric_key = _choice("metric", metric, _METRICS)
    pricing_key = _choice("pricing", pricing, _PRICING)
    kwargs = dict(metric=metric_key, precision=precision.strip().lower(), vendor=vendor, type=type_,
                  segment=segment, since=since, before=before, dollars=dollars.strip().lower(), frontier=frontier,
                  pricing=pricing_key)
    ols = fit_trend(method="ols", seed=seed, draws=draws, **kwargs)  # validates every option, fast
    fits = {"ols": ols}
    if not ols_only:
        fits = {"bayes": fit_trend(method="bayes", seed=seed, draws=draws, progress=True, **kwargs), "ols": ols}
    main = fits["ols" if ols_only else "bayes"]
    method = "ols" if ols_only else "bayes"
    bts = [backtest(c, metric_key, kwargs["precision"], method, seed=seed, draws=draws,
                    **{k: v for k, v in kwargs.items() if k not in ("metric", "precision")}) for c in cutoffs]
    if output:
        main.save(output)
    pub = published_table(metric_key)
    if as_json:
        echo_json({"trends": {k: v.headline() for k, v in fits.items()},
                   "published": pub.to_dict("records"), "backtests": [b.headline() for b in bts],
                   "saved": output})
        return
    click.echo(main.report().splitlines()[0])
    for line in main.report().splitlines()[1:3]:
        click.echo(line)
    click.echo("")
    for w in main.warnings():
        click.echo(f"warning: {w.message}", err=True)
    print_table([_dt_row(k, v) for k, v in fits.items()],
                header=["method", "chips", "doubling (yr)", "90% interval", "growth/yr", "90% interval",
                        "P(no improvement)", "max R-hat"])
    click.echo("")
    rows = [[r["source"], r["precision"], f"{r['doubling_years']:.2f}",
             "" if r["lower"] is None or r["lower"] != r["lower"] else f"[{r['lower']:.2f}, {r['upper']:.2f}]",
             f"x{r['growth_per_year']:.3f}"] for _, r in pub.iterrows()]
    print_table(rows, header=["published", "precision", "doubling (yr)", "interval", "growth/yr"])
    for b in bts:
        click.echo("")
        click.echo(b.report())
    if output:
        click.echo(f"\nsaved {output}")


COMMANDS = [trend]
