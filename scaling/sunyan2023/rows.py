"""The 20 rows of the reproduction of Sunyan (2023), each recomputed through :mod:`scaling.cost`.

Each ``row_NN_*`` function recomputes one figure of "The Economics of Large Language
Models", https://sunyan.substack.com/p/the-economics-of-large-language-models, from the
article's stated inputs (:data:`~scaling.sunyan2023.article.ARTICLE_INPUTS`) with the
public cost API and compares it with the published figure
(:data:`~scaling.sunyan2023.article.PUBLISHED`) within the figure's own rounding. Whether a
row reproduces is decided by that comparison, never written in. :func:`factors` gives the
article's own decomposition of the fall of the GPT-3-equivalent cost (row 20).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .. import cost
from .._format import format_si, format_usd
from ..errors import ScalingError
from .article import ARTICLE_INPUTS, CHINCHILLA_ROUNDED, LARGE_MODEL, PUBLISHED
from .checks import Check, SeedRow

__all__ = ["ROWS", "rows", "row", "factors"]

A = ARTICLE_INPUTS
P = PUBLISHED


def _inputs(*keys: str, **extra) -> tuple[tuple[str, object], ...]:
    return tuple((k, A[k]) for k in keys) + tuple(extra.items())


# --------------------------------------------------------------------------------------
# Shared pieces (each goes through the public cost API)
# --------------------------------------------------------------------------------------

_SEARCH_KEYS = ("usd_per_1k_tokens", "words_per_token", "cache_hit_rate", "gross_margin")


def _chat_query(prompt_per_sample: bool) -> cost.QueryCost:
    return cost.query_cost(
        A["prompt_words"], A["response_words"], n_samples=A["n_samples"],
        usd_per_1k_tokens=A["usd_per_1k_tokens"], cache_hit_rate=A["cache_hit_rate"],
        gross_margin=A["gross_margin"], words_per_token=A["words_per_token"],
        prompt_per_sample=prompt_per_sample,
    )


def _summariser_query() -> cost.QueryCost:
    # One response per retrieved result; the query itself counted once.
    return cost.query_cost(
        A["prompt_words"], A["response_words"], n_samples=A["n_results"], n_results=A["n_results"],
        words_per_result=A["words_per_result"], usd_per_1k_tokens=A["usd_per_1k_tokens"],
        cache_hit_rate=A["cache_hit_rate"], gross_margin=A["gross_margin"],
        words_per_token=A["words_per_token"],
    )


def _searches_per_year() -> float:
    return cost.searches_per_year(A["searches_per_month_2012"], A["internet_penetration_2012"],
                                  A["internet_penetration_2020"])


def _revenue_per_query(queries_per_year: float | None = None) -> float:
    # The article divides by its rounded 2.1T; the unrounded volume is reported alongside.
    q = A["searches_per_year_published"] if queries_per_year is None else queries_per_year
    return cost.revenue_per_query(A["search_revenue_usd"], q)


def _gpt3_inference_aws() -> cost.InferenceCost:
    p4d = cost.price_point("aws-p4d-1yr")
    return cost.inference_cost(A["gpt3_n_params"], hardware="a100", mfu=A["mfu_gpt3"],
                               chips_per_instance=8, usd_per_instance_hour=p4d.value)


def _train_tpu_v4(n_params: float, n_tokens: float, price_key: str = "gcp-tpu-v4-1yr") -> cost.TrainingCost:
    return cost.training_cost(n_params, n_tokens, hardware="tpu-v4", mfu=A["mfu_palm"],
                              usd_per_chip_hour=cost.price_point(price_key).value)


def _gpt3_v100_split(usd_per_kwh: float) -> tuple[float, float]:
    """(hardware $, energy $) of the $744k GPT-3 run, given an energy price."""
    energy = cost.energy_cost_usd(A["gpt3_v100_energy_kwh"], usd_per_kwh)
    return A["gpt3_v100_total_usd"] - energy, energy


def _gpt3_on_h100(usd_per_kwh: float) -> float:
    hardware, energy = _gpt3_v100_split(usd_per_kwh)
    return cost.cost_after_generations(
        hardware, energy, A["generations_v100_to_h100"],
        per_dollar_factor=A["throughput_per_usd_per_generation"],
        per_watt_factor=A["throughput_per_watt_per_generation"],
    )


def _chinchilla_terms(n_params, n_tokens) -> tuple[float, float, float]:
    """(parameter term A/N^alpha, data term B/D^beta, loss) of Hoffmann's rounded law."""
    p = CHINCHILLA_ROUNDED
    n = np.asarray(n_params, dtype=float)
    d = np.asarray(n_tokens, dtype=float)
    param_term = p["A"] / n ** p["alpha"]
    data_term = p["B"] / d ** p["beta"]
    return float(param_term), float(data_term), float(p["E"] + param_term + data_term)


# --------------------------------------------------------------------------------------
# The 20 rows
# --------------------------------------------------------------------------------------


def row_01_chat_query_cost() -> SeedRow:
    once, per_sample = _chat_query(False), _chat_query(True)
    return SeedRow(
        1, '"ChatGPT-equivalent" cost per query (first-order API estimate)',
        _inputs("prompt_words", "response_words", "n_samples", *_SEARCH_KEYS),
        (Check.of("prompt once", P["chat_query_usd"], once.cost_usd),),
        details=(("prompt counted per sample", format_usd(per_sample.cost_usd)),
                 ("tokens (prompt once / per sample)", f"{once.n_tokens:,.0f} / {per_sample.n_tokens:,.0f}")),
        note=("The article does not say whether the 50-word prompt is counted once or with each of "
              "the 5 samples; `query_cost(prompt_per_sample=...)` models both. Counted once: "
              f"{format_usd(once.cost_usd)}; per sample: {format_usd(per_sample.cost_usd)}. "
              "Both round to the published $0.010 (the second sits on the rounding edge)."),
    )


def row_02_summariser_query_cost() -> SeedRow:
    q = _summariser_query()
    return SeedRow(
        2, '"2-stage search summarizer" cost per query',
        _inputs("prompt_words", "n_results", "words_per_result", "response_words", *_SEARCH_KEYS),
        (Check.of("", P["summariser_query_usd"], q.cost_usd),),
        details=(("words / tokens", f"{q.n_words:,.0f} / {q.n_tokens:,.0f}"),),
        note="One 400-word response per retrieved result; the query is counted once.",
    )


def row_03_searches_per_year() -> SeedRow:
    return SeedRow(
        3, "Searches per year",
        _inputs("searches_per_month_2012", "internet_penetration_2012", "internet_penetration_2020"),
        (Check.of("", P["searches_per_year"], _searches_per_year()),),
    )


def row_04_revenue_per_query() -> SeedRow:
    unrounded = _revenue_per_query(_searches_per_year())
    return SeedRow(
        4, "Search revenue per query",
        _inputs("search_revenue_usd", "searches_per_year_published"),
        (Check.of("", P["search_revenue_per_query_usd"], _revenue_per_query()),),
        details=(("with the unrounded 2.118T searches", format_usd(unrounded)),),
        note=("Follows the article in dividing by its rounded 2.1T searches. With the unrounded "
              f"{format_si(_searches_per_year())} the figure is {format_usd(unrounded)}, "
              "which would round to $0.047."),
    )


def row_05_cost_over_revenue() -> SeedRow:
    ratio = _summariser_query().cost_usd / _revenue_per_query()
    return SeedRow(
        5, "2-stage cost / search revenue per query", _inputs("search_revenue_usd", "searches_per_year_published"),
        (Check.of("", P["summariser_cost_over_revenue"], ratio),),
    )


def row_06_share_after_optimisation() -> SeedRow:
    base = _summariser_query().cost_usd
    optimised = cost.apply_reductions(base, (A["reduction_model"], A["reduction_in_house"]))
    share = optimised / _revenue_per_query()
    published = P["optimised_share_of_revenue"].value
    needed = base / _revenue_per_query() / published
    return SeedRow(
        6, "Share of search revenue after optimisation",
        _inputs("reduction_model", "reduction_in_house"),
        (Check.of("", P["optimised_share_of_revenue"], share),),
        details=(("optimised cost per query", format_usd(optimised)),
                 ("reduction needed for 15%", f"{needed:.2f}x instead of 8x")),
        note=(f"The stated chain (/4, then /2) gives {share:.1%} ({format_usd(optimised)} per query "
              f"against {format_usd(_revenue_per_query())} revenue), {share / published:.2f}x the published ~15%; "
              f"15% would need a {needed:.1f}x reduction. Same order of magnitude, but not the published figure."),
    )


def row_07_gpt3_inference_aws() -> SeedRow:
    r = _gpt3_inference_aws()
    return SeedRow(
        7, "GPT-3 inference cost per 1K tokens, AWS p4d",
        _inputs("gpt3_n_params", "mfu_gpt3", hardware="8 x A100 (312 TFLOP/s)",
                usd_per_instance_hour=cost.price_point("aws-p4d-1yr").value),
        (Check.of("", P["gpt3_inference_usd_per_1k_tokens_aws"], r.usd_per_1k_tokens),),
        details=(("tokens/s per instance", f"{r.tokens_per_s_per_instance:,.0f}"),),
    )


def row_08_gpt3_inference_tpu() -> SeedRow:
    r = cost.inference_cost(A["gpt3_n_params"], hardware="tpu-v4", mfu=A["mfu_gpt3"],
                            usd_per_chip_hour=cost.price_point("gcp-tpu-v4-1yr").value)
    return SeedRow(
        8, "GPT-3 inference cost per 1K tokens, GCP TPU v4",
        _inputs("gpt3_n_params", "mfu_gpt3", hardware="TPU v4 (275 TFLOP/s)",
                usd_per_chip_hour=cost.price_point("gcp-tpu-v4-1yr").value),
        (Check.of("", P["gpt3_inference_usd_per_1k_tokens_tpu"], r.usd_per_1k_tokens),),
        details=(("tokens/s per chip", f"{r.tokens_per_s_per_chip:,.1f}"),),
        note='"Similar" to the AWS $0.0035 is read as within 10% of it.',
    )


def row_09_share_of_api_price() -> SeedRow:
    share = _gpt3_inference_aws().usd_per_1k_tokens / A["usd_per_1k_tokens"]
    return SeedRow(
        9, "Inference cost as a share of the $0.02 API price", _inputs("usd_per_1k_tokens"),
        (Check.of("cost", P["inference_share_of_api_price"], share),
         Check.of("margin", P["api_gross_margin"], 1.0 - share)),
        note='"~20%" and "~80%" carry one significant figure: tolerance ±5 points.',
    )


def row_10_gpt3_training_tpu() -> SeedRow:
    r = _train_tpu_v4(A["gpt3_n_params"], A["gpt3_n_tokens"])
    on_demand = _train_tpu_v4(A["gpt3_n_params"], A["gpt3_n_tokens"], "gcp-tpu-v4-on-demand")
    return SeedRow(
        10, "GPT-3 training cost, TPU v4",
        _inputs("gpt3_n_params", "gpt3_n_tokens", "mfu_palm", hardware="TPU v4 (275 TFLOP/s)",
                usd_per_chip_hour=cost.price_point("gcp-tpu-v4-1yr").value),
        (Check.of("", P["gpt3_training_usd_tpu_v4"], r.cost_usd),),
        details=(("FLOPs", f"{r.compute_flops:.3g}"), ("chip-hours", format_si(r.chip_hours)),
                 ("at the $3.22 on-demand price", format_usd(on_demand.cost_usd))),
    )


def row_11_gopher_training_tpu() -> SeedRow:
    r = _train_tpu_v4(A["gopher_n_params"], A["gopher_n_tokens"])
    return SeedRow(
        11, "Gopher training cost, TPU v4",
        _inputs("gopher_n_params", "gopher_n_tokens", "mfu_palm", hardware="TPU v4 (275 TFLOP/s)",
                usd_per_chip_hour=cost.price_point("gcp-tpu-v4-1yr").value),
        (Check.of("", P["gopher_training_usd_tpu_v4"], r.cost_usd),),
        details=(("chip-hours", format_si(r.chip_hours)),),
        note=("The article's figure sits in a table image that could not be read; the comparison is "
              "with the value rebuilt from the same inputs in the reference notes."),
    )


def row_12_palm_training_tpu() -> SeedRow:
    r = _train_tpu_v4(A["palm_n_params"], A["palm_n_tokens"])
    return SeedRow(
        12, "PaLM training cost, TPU v4",
        _inputs("palm_n_params", "palm_n_tokens", "mfu_palm", hardware="TPU v4 (275 TFLOP/s)",
                usd_per_chip_hour=cost.price_point("gcp-tpu-v4-1yr").value),
        (Check.of("", P["palm_training_usd_tpu_v4"], r.cost_usd),),
        details=(("FLOPs", f"{r.compute_flops:.3g}"), ("chip-hours", format_si(r.chip_hours))),
    )


def row_13_gpt3_on_v100() -> SeedRow:
    gpu_hours = A["gpt3_v100_n_chips"] * A["gpt3_v100_days"] * 24.0
    mfu_paper = cost.implied_mfu(A["gpt3_compute_flops_paper"], gpu_hours, "v100")
    mfu_6nd = cost.implied_mfu(cost.training_flops(A["gpt3_n_params"], A["gpt3_n_tokens"]), gpu_hours, "v100")
    all_in = A["gpt3_v100_total_usd"] / gpu_hours
    return SeedRow(
        13, "GPT-3 on 10,000 V100 for 14.8 days (2020)",
        _inputs("gpt3_v100_n_chips", "gpt3_v100_days", "gpt3_v100_energy_kwh", "gpt3_v100_total_usd"),
        (Check.of("GPU-hours", P["gpt3_v100_gpu_hours"], gpu_hours),),
        details=(("published total", "$744k (not recomputable: split unknown)"),
                 ("implied MFU at 125 TFLOP/s (3.14e23 FLOPs / 6ND)", f"{mfu_paper:.1%} / {mfu_6nd:.1%}"),
                 ("implied all-in $ per GPU-hour", format_usd(all_in))),
        unrecoverable="the $744k total: the article gives no hardware/energy split or $ per GPU-hour",
        note=(f"10,000 x 14.8 days = {format_si(gpu_hours)} GPU-hours reproduces; the implied "
              f"utilisation is {mfu_paper:.1%} with the paper's 3.14e23 FLOPs ({mfu_6nd:.1%} with 6ND). "
              f"The $744k total ({format_usd(all_in)} per GPU-hour all-in) cannot be split into "
              "hardware and energy from the stated inputs."),
    )


def row_14_gpt3_on_h100() -> SeedRow:
    price = A["usd_per_kwh_assumed"]
    total = A["gpt3_v100_total_usd"]
    h100 = _gpt3_on_h100(price)
    hardware, energy = _gpt3_v100_split(price)
    # The energy price at which the rebuild gives exactly $312k (linear in the energy share).
    g = A["generations_v100_to_h100"]
    fd = A["throughput_per_usd_per_generation"] ** g
    fw = A["throughput_per_watt_per_generation"] ** g
    exact_energy = (total / fd - P["gpt3_h100_usd"].value) / (1 / fd - 1 / fw)
    exact_price = exact_energy / A["gpt3_v100_energy_kwh"]
    low = _gpt3_on_h100(cost.price_point("electricity-us-industrial-low").value)
    high = _gpt3_on_h100(cost.price_point("electricity-us-industrial-high").value)
    return SeedRow(
        14, 'GPT-3 on H100 "today"',
        _inputs("gpt3_v100_total_usd", "gpt3_v100_energy_kwh", "generations_v100_to_h100",
                "throughput_per_usd_per_generation", "throughput_per_watt_per_generation",
                "usd_per_kwh_assumed"),
        (Check.of("cost", P["gpt3_h100_usd"], h100),
         Check.of("reduction", P["gpt3_h100_reduction"], 1.0 - h100 / total)),
        details=(("split at the assumed price (hardware / energy)",
                  f"{format_usd(hardware)} / {format_usd(energy)}"),
                 ("energy price giving exactly $312k", f"${exact_price:.4f}/kWh"),
                 ("at US industrial $0.067-0.083/kWh", f"{format_usd(low)}-{format_usd(high)}")),
        note=("Assumption: the article states no split of $744k between hardware and energy. Energy is "
              f"taken as Patterson et al.'s 1,287 MWh at ${price}/kWh ({format_usd(energy)}), the rest "
              "as hardware; hardware is divided by 1.5^2 and energy by 1.8^2. The price that gives exactly "
              f"$312k is ${exact_price:.4f}/kWh, above the US industrial $0.067-0.083/kWh, which would give "
              f"{format_usd(high)}-{format_usd(low)}: the headline is insensitive to the split (within 2.5%)."),
    )


def row_15_improvement_per_year() -> SeedRow:
    per_usd = cost.factor_per_year(A["throughput_per_usd_per_generation"], A["years_per_generation"])
    per_watt = cost.factor_per_year(A["throughput_per_watt_per_generation"], A["years_per_generation"])
    return SeedRow(
        15, "Per-year hardware improvement",
        _inputs("throughput_per_usd_per_generation", "throughput_per_watt_per_generation", "years_per_generation"),
        (Check.of("per $", P["improvement_per_usd_per_year"], per_usd - 1.0),
         Check.of("per W", P["improvement_per_watt_per_year"], per_watt - 1.0)),
    )


def row_16_training_memory() -> SeedRow:
    bert = cost.training_memory(A["bert_large_n_params"], "h100")
    gpt3 = cost.training_memory(A["gpt3_n_params"], "h100")
    return SeedRow(
        16, "Training memory at 20 bytes per parameter",
        _inputs("bert_large_n_params", "gpt3_n_params", bytes_per_param=cost.TRAINING_BYTES_PER_PARAM,
                hardware="H100 (80 GB)"),
        (Check.of("GPT-3", P["gpt3_training_memory_bytes"], gpt3.memory_bytes),
         Check.of("BERT-Large", P["bert_large_training_memory_bytes"], bert.memory_bytes),
         Check.of("H100s", P["gpt3_training_h100s"], gpt3.n_chips)),
        details=(("GPT-3 memory / 80 GB", f"{gpt3.n_chips_exact:.2f}"),),
        note="Weights, gradients and Adam state only; activations are excluded.",
    )


def row_17_utilisation_gain() -> SeedRow:
    return SeedRow(
        17, "Utilisation gain, GPT-3 (2020) -> PaLM (2022)", _inputs("mfu_gpt3", "mfu_palm", "mfu_mt_nlg"),
        (Check.of("", P["utilisation_gain_gpt3_to_palm"], A["mfu_palm"] / A["mfu_gpt3"]),),
        details=(("MT-NLG / GPT-3", f"{A['mfu_mt_nlg'] / A['mfu_gpt3']:.2f}x"),),
    )


def row_18_chinchilla_terms() -> SeedRow:
    p_term, d_term, loss = _chinchilla_terms(LARGE_MODEL["n_params"], LARGE_MODEL["n_tokens"])
    *_, chinchilla = _chinchilla_terms(A["chinchilla_n_params"], A["chinchilla_n_tokens"])
    return SeedRow(
        18, "1T-parameter model on 300B tokens, Chinchilla law",
        tuple(CHINCHILLA_ROUNDED.items()) + tuple(LARGE_MODEL.items()),
        (Check.of("parameter term", P["chinchilla_parameter_term_1t"], p_term),
         Check.of("data term", P["chinchilla_data_term_300b"], d_term)),
        details=(("loss", f"{loss:.3f}"), ("Chinchilla-70B on 1.4T tokens", f"{chinchilla:.3f}")),
        note=(f"L = E + A/N^alpha + B/D^beta with Hoffmann's rounded Eq. 10 values: the 1T/300B model "
              f"reaches {loss:.3f}, worse than Chinchilla-70B/1.4T at {chinchilla:.3f}: the data term dominates."),
    )


def row_19_jasper_price() -> SeedRow:
    right = cost.usd_per_1k_tokens_from_words(A["jasper_usd"], A["jasper_words"], A["words_per_token"])
    inverted = cost.usd_per_1k_tokens_from_words(A["jasper_usd"], A["jasper_words"], 1.0 / A["words_per_token"])
    return SeedRow(
        19, "Jasper.ai price per 1K tokens", _inputs("jasper_usd", "jasper_words", "words_per_token"),
        (Check.of("", P["jasper_usd_per_1k_tokens"], right),),
        details=(("with words and tokens swapped", format_usd(inverted)),),
        note=(f"100K words are {cost.words_to_tokens(A['jasper_words']) / 1e3:.1f}K tokens, so $82 buys "
              f"1K tokens for {format_usd(right)}. The published $1.09 is $82 / 75: it treats 100K words "
              f"as 75K tokens (the conversion inverted), {inverted / right:.2f}x too high."),
    )


def factors() -> dict[str, float]:
    r"""The article's decomposition of the fall of the GPT-3-equivalent cost over its 2.5 years.

    .. math::

        f_\text{train} = h \cdot \frac{u_\text{GPT-3}}{u_\text{PaLM}}, \qquad
        f_\text{inf} = \frac{N_\text{Chinchilla}}{N_\text{GPT-3}} \cdot h

    with :math:`h` the change of $ per FLOP from V100 to H100 (row 14's rebuild over the
    $744k total) and :math:`u` the training MFUs (21.3% -> 46.2%).

    Returns
    -------
    dict
        ``params``, ``usd_per_flop``, ``utilisation``, ``training``, ``inference`` (cost
        ratios, e.g. ``training`` 0.193: -81%).
    """
    params = A["chinchilla_n_params"] / A["gpt3_n_params"]
    per_flop = _gpt3_on_h100(A["usd_per_kwh_assumed"]) / A["gpt3_v100_total_usd"]
    utilisation = A["mfu_gpt3"] / A["mfu_palm"]
    return {"params": params, "usd_per_flop": per_flop, "utilisation": utilisation,
            "training": per_flop * utilisation, "inference": params * per_flop}


def row_20_cost_decline() -> SeedRow:
    f = factors()
    per_flop, inference, training = f["usd_per_flop"], f["inference"], f["training"]
    chinchilla_flops = cost.training_flops(A["chinchilla_n_params"], A["chinchilla_n_tokens"])
    gpt3_flops = cost.training_flops(A["gpt3_n_params"], A["gpt3_n_tokens"])
    return SeedRow(
        20, 'GPT-3-equivalent cost fell ">80%" in 2.5 years',
        _inputs("chinchilla_n_params", "gpt3_n_params", "mfu_gpt3", "mfu_palm",
                usd_per_flop_factor=round(per_flop, 4)),
        (Check.of("inference", P["gpt3_equivalent_inference_decline"], 1.0 - inference),
         Check.of("training", P["gpt3_equivalent_training_decline"], 1.0 - training)),
        details=(("inference factor (params x $/FLOP)", f"x{inference:.3f}"),
                 ("training factor ($/FLOP x utilisation)", f"x{training:.3f}"),
                 ("Chinchilla-70B training FLOPs / GPT-3", f"{chinchilla_flops / gpt3_flops:.2f}x")),
        note=("Decomposition: inference scales with parameters (70B/175B) and $/FLOP (row 14); training "
              "of the same FLOPs with $/FLOP and utilisation (21.3% -> 46.2%). Chinchilla-70B itself used "
              f"{chinchilla_flops / gpt3_flops:.2f}x GPT-3's training FLOPs, so the training claim holds "
              "for a GPT-3-sized run, not for training Chinchilla."),
    )


ROWS: tuple[Callable[[], SeedRow], ...] = (
    row_01_chat_query_cost, row_02_summariser_query_cost, row_03_searches_per_year,
    row_04_revenue_per_query, row_05_cost_over_revenue, row_06_share_after_optimisation,
    row_07_gpt3_inference_aws, row_08_gpt3_inference_tpu, row_09_share_of_api_price,
    row_10_gpt3_training_tpu, row_11_gopher_training_tpu, row_12_palm_training_tpu,
    row_13_gpt3_on_v100, row_14_gpt3_on_h100, row_15_improvement_per_year,
    row_16_training_memory, row_17_utilisation_gain, row_18_chinchilla_terms,
    row_19_jasper_price, row_20_cost_decline,
)


def rows() -> list[SeedRow]:
    """All 20 rows, recomputed."""
    return [f() for f in ROWS]


def row(number: int) -> SeedRow:
    """One row by its number (1-20)."""
    if isinstance(number, (bool, np.bool_)) or not isinstance(number, (int, np.integer)) \
            or not 1 <= number <= len(ROWS):
        raise ScalingError(f"seed row must be an integer from 1 to {len(ROWS)}, got {number!r}")
    return ROWS[int(number) - 1]()
