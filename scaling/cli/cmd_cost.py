"""``scaling cost``: training, inference, search-query and memory arithmetic; the seed article's table.

Parses, calls :mod:`scaling.cost` and :mod:`scaling.sunyan2023` (the seed article, Sunyan 2023,
whose stated inputs are the defaults of ``scaling cost search``), prints. No maths here.
"""

from __future__ import annotations

import click

from scaling import cost
from scaling._format import format_bytes, format_si, format_usd
from scaling.sunyan2023 import ARTICLE_INPUTS as ARTICLE
from scaling.cli._util import check_outputs, echo_json, echo_warnings, force_option, print_table
from scaling.errors import ScalingError

_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
_ARCH = click.option("--architecture", type=click.Choice(list(cost.ARCHITECTURES)), default="decoder",
                     show_default=True, help="decoder: 2N / 6N FLOPs per token; encoder-decoder: N / 3N.")
_PRECISION = click.option("--precision", type=click.Choice(list(cost.PRECISIONS)), default="tensor16",
                          show_default=True, help="Peak to look up for --hardware (dense tensor FP16/BF16 by default).")
_HARDWARE = click.option("--hardware", metavar="NAME",
                         help="Accelerator alias or full name (tpu-v4, a100, h100, 'NVIDIA H100 SXM5 80GB', ...).")
_PEAK = click.option("--peak-flops", type=float, metavar="FLOP/S",
                     help="Peak FLOP/s per chip, instead of --hardware (e.g. 275e12).")


class _WritePath(click.Path):
    """A file path to write; a NUL character (which no file system accepts) is a usage error."""

    def convert(self, value, param, ctx):
        if "\0" in str(value):
            self.fail(f"{value!r} contains a NUL character", param, ctx)
        return super().convert(value, param, ctx)


def _hardware_arg(hardware: str | None, peak_flops: float | None):
    if (hardware is None) == (peak_flops is None):
        raise ScalingError("give exactly one of --hardware NAME and --peak-flops FLOP/S")
    return hardware if hardware is not None else peak_flops


def _print_pairs(pairs) -> None:
    print_table([(k, v) for k, v in pairs], header=("quantity", "value"))


@click.group("cost")
def cost_group():
    """Cost arithmetic of Sunyan (2023): training, inference, search queries, memory.

    \b
    Examples:
      scaling cost train --params 175e9 --tokens 300e9 --hardware tpu-v4 --mfu 0.462 --usd-per-chip-hour 2.03
      scaling cost infer --params 175e9 --hardware a100 --chips-per-instance 8 --usd-per-instance-hour 19.22 --mfu 0.213
      scaling cost search --results 10 --samples 10
      scaling cost memory --params 175e9 --hardware h100
      scaling cost seed --write docs/seed-reproduction.md
    """


@cost_group.command("train")
@click.option("--params", "n_params", type=float, required=True, help="Parameters N (e.g. 175e9).")
@click.option("--tokens", "n_tokens", type=float, required=True, help="Training tokens D (e.g. 300e9).")
@_HARDWARE
@_PEAK
@click.option("--mfu", type=float, required=True, help="Model FLOPs utilisation in [1e-6, 1] (PaLM: 0.462).")
@click.option("--usd-per-chip-hour", type=float, required=True, help="Price per chip-hour (TPU v4 1-year: 2.03).")
@click.option("--chips", "n_chips", type=int, default=None, help="Chips in parallel, for wall-clock days.")
@_ARCH
@_PRECISION
@_JSON
def train_cmd(n_params, n_tokens, hardware, peak_flops, mfu, usd_per_chip_hour, n_chips, architecture,
              precision, as_json):
    """Training FLOPs (6ND), chip-hours and dollars of one run.

    \b
    GPT-3 on TPU v4 at PaLM's utilisation and the 1-year price (about 3.15e23 FLOPs,
    688.7k chip-hours, $1.40M):
      scaling cost train --params 175e9 --tokens 300e9 --hardware tpu-v4 --mfu 0.462 --usd-per-chip-hour 2.03
    """
    r = cost.training_cost(n_params, n_tokens, hardware=_hardware_arg(hardware, peak_flops), mfu=mfu,
                           usd_per_chip_hour=usd_per_chip_hour, n_chips=n_chips,
                           architecture=architecture, precision=precision)
    echo_warnings(r.warnings())
    if as_json:
        echo_json(r.to_dict())
        return
    pairs = [
        ("hardware", r.hardware or "-"),
        ("peak FLOP/s per chip", f"{r.peak_flops_per_s:.4g}"),
        ("MFU", f"{r.mfu:.1%}"),
        ("training FLOPs", f"{r.compute_flops:.3g}"),
        ("chip-hours", format_si(r.chip_hours)),
        ("cost", format_usd(r.cost_usd)),
    ]
    if r.wall_clock_days is not None:
        pairs.append((f"wall-clock days on {int(r.n_chips):,} chips", f"{r.wall_clock_days:.1f}"))
    _print_pairs(pairs)


@cost_group.command("infer")
@click.option("--params", "n_params", type=float, required=True, help="Parameters N (e.g. 175e9).")
@_HARDWARE
@_PEAK
@click.option("--mfu", type=float, required=True, help="Model FLOPs utilisation in [1e-6, 1] (GPT-3: 0.213).")
@click.option("--chips-per-instance", type=int, default=1, show_default=True,
              help="Chips per rented instance (AWS p4d: 8 x A100).")
@click.option("--usd-per-instance-hour", type=float, default=None, help="Instance price per hour (p4d 1-year: 19.22).")
@click.option("--usd-per-chip-hour", type=float, default=None, help="Chip price per hour, instead of the instance price.")
@_ARCH
@_PRECISION
@_JSON
def infer_cmd(n_params, hardware, peak_flops, mfu, chips_per_instance, usd_per_instance_hour,
              usd_per_chip_hour, architecture, precision, as_json):
    """Serving throughput (2N FLOPs per token) and $ per 1K tokens.

    \b
    GPT-3 on an AWS p4d (8 x A100, $19.22/h 1-year reserved) at 21.3% utilisation
    (about $0.0035 per 1K tokens):
      scaling cost infer --params 175e9 --hardware a100 --chips-per-instance 8 --usd-per-instance-hour 19.22 --mfu 0.213
    """
    r = cost.inference_cost(n_params, hardware=_hardware_arg(hardware, peak_flops), mfu=mfu,
                            usd_per_chip_hour=usd_per_chip_hour, usd_per_instance_hour=usd_per_instance_hour,
                            chips_per_instance=chips_per_instance, architecture=architecture,
                            precision=precision)
    echo_warnings(r.warnings())
    if as_json:
        echo_json(r.to_dict())
        return
    _print_pairs([
        ("hardware", r.hardware or "-"),
        ("peak FLOP/s per chip", f"{r.peak_flops_per_s:.4g}"),
        ("tokens/s per chip", f"{r.tokens_per_s_per_chip:,.1f}"),
        (f"tokens/s per instance ({int(r.chips_per_instance)} chips)", f"{r.tokens_per_s_per_instance:,.0f}"),
        ("$ per instance-hour", f"{r.usd_per_instance_hour:.2f}"),
        ("$ per 1K tokens", format_usd(r.usd_per_1k_tokens)),
    ])


@cost_group.command("search")
@click.option("--prompt-words", type=float, default=ARTICLE["prompt_words"], show_default=True,
              help="Words in the query/prompt.")
@click.option("--response-words", type=float, default=ARTICLE["response_words"], show_default=True,
              help="Words per response.")
@click.option("--samples", "n_samples", type=int, default=ARTICLE["n_samples"], show_default=True,
              help="Responses generated (2-stage summariser: one per result, so equal to --results).")
@click.option("--results", "n_results", type=int, default=0, show_default=True,
              help=f"Retrieved results the model reads (2-stage summariser: {ARTICLE['n_results']:g}).")
@click.option("--words-per-result", type=float, default=ARTICLE["words_per_result"], show_default=True,
              help="Words per retrieved result.")
@click.option("--prompt-per-sample/--prompt-once", default=False, show_default=True,
              help="Count the prompt with every sample, or once.")
@click.option("--usd-per-1k-tokens", type=float, default=ARTICLE["usd_per_1k_tokens"],
              show_default=True, help="List price per 1K tokens (GPT-3 davinci, 2022).")
@click.option("--cache-hit-rate", type=float, default=ARTICLE["cache_hit_rate"], show_default=True,
              help="Share served from cache, [0, 1).")
@click.option("--gross-margin", type=float, default=ARTICLE["gross_margin"], show_default=True,
              help="Provider gross margin, [0, 1).")
@click.option("--words-per-token", type=float, default=ARTICLE["words_per_token"], show_default=True,
              help="Words per token (1K tokens = 750 words).")
@click.option("--revenue-usd", type=float, default=ARTICLE["search_revenue_usd"], show_default=True,
              help="Yearly search revenue.")
@click.option("--searches-per-year", type=float, default=None,
              help="Queries per year; default: --searches-per-month x 12 scaled by internet penetration.")
@click.option("--searches-per-month", type=float, default=ARTICLE["searches_per_month_2012"], show_default=True,
              help="Monthly searches (2012).")
@click.option("--penetration-then", type=float, default=ARTICLE["internet_penetration_2012"], show_default=True,
              help="Internet penetration (2012).")
@click.option("--penetration-now", type=float, default=ARTICLE["internet_penetration_2020"], show_default=True,
              help="Internet penetration (2020).")
@click.option("--reduction", "reductions", type=float, multiple=True,
              default=(ARTICLE["reduction_model"], ARTICLE["reduction_in_house"]), show_default=True,
              help="Cost reduction factors applied in turn (repeat the option).")
@_JSON
def search_cmd(prompt_words, response_words, n_samples, n_results, words_per_result, prompt_per_sample,
               usd_per_1k_tokens, cache_hit_rate, gross_margin, words_per_token, revenue_usd,
               searches_per_year, searches_per_month, penetration_then, penetration_now, reductions, as_json):
    """Cost of an LLM-answered search query against search revenue per query.

    Defaults are the seed article's chat estimate (Sunyan 2023: 50-word prompt, 5 x 400-word
    responses, $0.02/1K tokens, 30% cache hits, 75% margin); the 2-stage summariser is
    --results 10 --samples 10.
    """
    q = cost.query_cost(prompt_words, response_words, usd_per_1k_tokens=usd_per_1k_tokens,
                        n_samples=n_samples, n_results=n_results,
                        words_per_result=words_per_result if n_results else 0.0,
                        cache_hit_rate=cache_hit_rate, gross_margin=gross_margin,
                        words_per_token=words_per_token, prompt_per_sample=prompt_per_sample)
    s = cost.search_economics(q, revenue_usd=revenue_usd, queries_per_year=searches_per_year,
                              searches_per_month=searches_per_month, penetration_then=penetration_then,
                              penetration_now=penetration_now, reductions=reductions)
    if as_json:
        echo_json(s.to_dict())
        return
    chain = " / ".join(f"{f:g}" for f in reductions) or "none"
    _print_pairs([
        ("words / tokens", f"{q.n_words:,.0f} / {q.n_tokens:,.0f}"),
        ("list price per query", format_usd(q.list_price_usd)),
        ("cost per query", format_usd(q.cost_usd)),
        ("searches per year", format_si(s.searches_per_year)),
        ("revenue per query", format_usd(s.revenue_per_query_usd)),
        ("cost / revenue", f"{s.cost_over_revenue:.3g}x"),
        (f"cost after reductions ({chain})", format_usd(s.optimised_cost_usd)),
        ("share of revenue after reductions", f"{s.optimised_share_of_revenue:.1%}"),
    ])


@cost_group.command("memory")
@click.option("--params", "n_params", type=float, required=True, help="Parameters N (e.g. 175e9).")
@click.option("--bytes-per-param", type=float, default=cost.TRAINING_BYTES_PER_PARAM, show_default=True,
              help="Training bytes per parameter (mixed-precision Adam ~20).")
@_HARDWARE
@click.option("--memory-per-chip", type=float, metavar="BYTES", help="Memory per chip in bytes, instead of --hardware.")
@_JSON
def memory_cmd(n_params, bytes_per_param, hardware, memory_per_chip, as_json):
    """Training memory (20 bytes per parameter) and chips needed to hold it (default: H100 80 GB)."""
    if hardware is not None and memory_per_chip is not None:
        raise ScalingError("give only one of --hardware NAME and --memory-per-chip BYTES")
    target = memory_per_chip if memory_per_chip is not None else (hardware or "h100")
    m = cost.training_memory(n_params, target, bytes_per_param=bytes_per_param)
    if as_json:
        echo_json(m.to_dict())
        return
    _print_pairs([
        ("training memory", format_bytes(m.memory_bytes)),
        ("per chip", f"{format_bytes(m.memory_per_chip_bytes)} ({m.hardware or 'given'})"),
        ("chips needed", f"{int(m.n_chips):,} ({m.n_chips_exact:.2f})"),
        ("note", "activations not included"),
    ])


@cost_group.command("seed")
@click.option("--write", "write_path", type=_WritePath(dir_okay=False), default=None,
              help="Regenerate the markdown document at PATH (atomically), e.g. docs/seed-reproduction.md.")
@_JSON
@force_option
def seed_cmd(write_path, as_json, force):
    """Reproduce the 20 numbers of Sunyan (2023), "The Economics of Large Language Models".

    The seed article of this toolkit (scaling.sunyan2023): each published figure is
    recomputed from the article's stated inputs and compared within its rounding.
    """
    from scaling import sunyan2023

    if write_path:
        check_outputs(write_path, force=force)
        path = sunyan2023.write_markdown(write_path)
        click.echo(f"wrote {path}")
        return
    table = sunyan2023.reproduction_table()
    if as_json:
        echo_json(table.to_dict(orient="records"))
        return
    print_table(
        [(f"{int(r.row):>2}  {r.quantity}", r.published, r.recomputed, r.reproduces) for r in table.itertuples()],
        header=("#   quantity", "published", "recomputed", "reproduces"),
    )


COMMANDS = [cost_group]
