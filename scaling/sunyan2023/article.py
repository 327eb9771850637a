"""The article's numbers, in one place: its stated inputs and its published figures.

Sunyan (2023), "The Economics of Large Language Models",
https://sunyan.substack.com/p/the-economics-of-large-language-models. Its tables were
images; :data:`ARTICLE_INPUTS` holds the inputs it states, :data:`PUBLISHED` the figures it
publishes (with the rounding each carries), :data:`PERIOD` the dates of its "2.5 years"
and :data:`CHINCHILLA_ROUNDED` the rounded law it uses. Every other module that quotes the
article (the reproduction, :func:`scaling.pipeline.seed_comparison`,
:mod:`scaling.forecast.sunyan2023`) reads them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from .. import cost
from .._flops import GPT3_N_PARAMS, GPT3_N_TOKENS

__all__ = ["ARTICLE_INPUTS", "CHINCHILLA_ROUNDED", "PERIOD", "LARGE_MODEL", "Claim", "PUBLISHED", "claim"]

#: The article's stated inputs (Sunyan 2023), in one place. Prices come from
#: :data:`scaling.cost.PRICE_POINTS`.
ARTICLE_INPUTS: Mapping[str, float] = MappingProxyType({
    # LLM-powered search
    "prompt_words": 50.0,
    "response_words": 400.0,
    "n_samples": 5,
    "usd_per_1k_tokens": cost.price_point("openai-davinci-api").value,
    "words_per_token": cost.WORDS_PER_TOKEN,
    "cache_hit_rate": 0.30,
    "gross_margin": 0.75,
    "n_results": 10,
    "words_per_result": 1000.0,
    "searches_per_month_2012": 100e9,
    "internet_penetration_2012": 0.34,
    "internet_penetration_2020": 0.60,
    "search_revenue_usd": 100e9,
    "searches_per_year_published": 2.1e12,
    "reduction_model": 4.0,        # quantisation, distillation, compute-optimal models
    "reduction_in_house": 2.0,     # own hardware instead of a 50%-margin cloud
    # models (Brown et al. 2020; Rae et al. 2021; Chowdhery et al. 2022; Hoffmann et al. 2022)
    "gpt3_n_params": GPT3_N_PARAMS,  # 175e9 and 300e9: GPT-3's one definition, scaling._flops
    "gpt3_n_tokens": GPT3_N_TOKENS,
    "gpt3_compute_flops_paper": 3.14e23,
    "gopher_n_params": 280e9,
    "gopher_n_tokens": 300e9,
    "palm_n_params": 540e9,
    "palm_n_tokens": 780e9,
    "chinchilla_n_params": 70e9,
    "chinchilla_n_tokens": 1.4e12,
    "bert_large_n_params": 340e6,
    "mfu_gpt3": 0.213,
    "mfu_palm": 0.462,
    "mfu_mt_nlg": 0.302,
    # GPT-3 on V100 (Patterson et al. 2021)
    "gpt3_v100_n_chips": 10_000,
    "gpt3_v100_days": 14.8,
    "gpt3_v100_energy_kwh": 1_287e3,
    "gpt3_v100_total_usd": 744e3,
    # hardware generations (the article: V100 -> A100 -> H100)
    "generations_v100_to_h100": 2,
    "throughput_per_usd_per_generation": 1.5,
    "throughput_per_watt_per_generation": 1.8,
    "years_per_generation": 2.0,
    # Assumed, not stated: the energy price that splits $744k (see row 14).
    "usd_per_kwh_assumed": 0.106,
    # Jasper.ai pricing
    "jasper_usd": 82.0,
    "jasper_words": 100_000.0,
})

#: Hoffmann et al. (2022), Eq. 10, rounded as the article uses it.
CHINCHILLA_ROUNDED: Mapping[str, float] = MappingProxyType(
    {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
)

#: The article's "2.5 years": GPT-3 (mid-2020) to the article (early 2023).
PERIOD: tuple[str, str] = ("2020-07-01", "2023-01-01")


@dataclass(frozen=True)
class Claim:
    """One published figure and its rounding.

    ``tolerance``: half a unit of the figure's last digit unless the reproduction says
    otherwise; ``comparison`` is ``"abs"`` (within ``tolerance``) or ``"gt"`` (a claim like
    ">80%": the recomputation must exceed ``value``). ``fmt`` names how the reproduction
    prints it (see :class:`scaling.sunyan2023.Check`).
    """

    value: float
    text: str
    tolerance: float
    fmt: str = "num"
    comparison: str = "abs"


#: The article's published figures by name, in the order of the reproduction's rows.
PUBLISHED: Mapping[str, Claim] = MappingProxyType({
    # 1-6: LLM-powered search
    "chat_query_usd": Claim(0.010, "$0.010", 0.0005, "usd"),
    "summariser_query_usd": Claim(0.066, "$0.066", 0.0005, "usd"),
    "searches_per_year": Claim(2.1e12, "2.1T", 0.05e12, "si"),
    "search_revenue_per_query_usd": Claim(0.048, "$0.048", 0.0005, "usd"),
    "summariser_cost_over_revenue": Claim(1.4, "~1.4x", 0.05, "x"),
    "optimised_share_of_revenue": Claim(0.15, "~15%", 0.005, "pct"),
    # 7-9: GPT-3 inference
    "gpt3_inference_usd_per_1k_tokens_aws": Claim(0.0035, "$0.0035", 0.00005, "usd"),
    # "similar" to the AWS figure, read as within 10% of it
    "gpt3_inference_usd_per_1k_tokens_tpu": Claim(0.0035, '"similar"', 0.00035, "usd"),
    # "~20%" and "~80%" carry one significant figure: +-5 points
    "inference_share_of_api_price": Claim(0.20, "~20%", 0.05, "pct"),
    "api_gross_margin": Claim(0.80, "~80%", 0.05, "pct"),
    # 10-12: training on TPU v4
    "gpt3_training_usd_tpu_v4": Claim(1.4e6, "~$1.4M", 0.05e6, "usd"),
    # a table image that could not be read: the value rebuilt from the same inputs
    "gopher_training_usd_tpu_v4": Claim(2.24e6, "(table) rebuilt $2.24M", 0.005e6, "usd"),
    "palm_training_usd_tpu_v4": Claim(11.2e6, "~$11.2M", 0.05e6, "usd"),
    # 13-15: GPT-3 on V100 and on H100, hardware per year
    "gpt3_v100_gpu_hours": Claim(3.55e6, "3.55M", 0.005e6, "si"),
    "gpt3_h100_usd": Claim(312e3, "$312k", 0.5e3, "usd"),
    "gpt3_h100_reduction": Claim(0.58, "58% lower", 0.005, "pct"),
    "improvement_per_usd_per_year": Claim(0.22, "~22%/yr", 0.005, "pct"),
    "improvement_per_watt_per_year": Claim(0.34, "~34%/yr", 0.005, "pct"),
    # 16-17: memory, utilisation
    "gpt3_training_memory_bytes": Claim(3.5e12, "3.5 TB", 0.05e12, "bytes"),
    "bert_large_training_memory_bytes": Claim(6.8e9, "6.8 GB", 0.05e9, "bytes"),
    "gpt3_training_h100s": Claim(44, ">= 44", 0.0, "count"),
    "utilisation_gain_gpt3_to_palm": Claim(2.2, "2.2x", 0.05, "x"),
    # 18: a 1T-parameter model on 300B tokens under the rounded Chinchilla law
    "chinchilla_parameter_term_1t": Claim(0.03, "0.03", 0.005, "num"),
    "chinchilla_data_term_300b": Claim(0.25, "0.25", 0.005, "num"),
    # 19-20: Jasper's price; the fall of the GPT-3-equivalent cost over PERIOD
    "jasper_usd_per_1k_tokens": Claim(1.09, "$1.09", 0.005, "usd"),
    "gpt3_equivalent_inference_decline": Claim(0.80, ">80%", 0.0, "pct", "gt"),
    "gpt3_equivalent_training_decline": Claim(0.80, ">80%", 0.0, "pct", "gt"),
})

#: The 1T-parameter, 300B-token model of the article's Chinchilla argument (row 18).
LARGE_MODEL: Mapping[str, float] = MappingProxyType({"n_params": 1e12, "n_tokens": 300e9})


def claim(name: str) -> Claim:
    """A published figure by name (see :data:`PUBLISHED`); ``KeyError`` lists the names."""
    try:
        return PUBLISHED[name]
    except KeyError:
        raise KeyError(f"no published figure {name!r}; known: {', '.join(PUBLISHED)}") from None
