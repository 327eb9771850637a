"""Search-query economics: words and tokens, the cost of an LLM-answered query, revenue per query.

The framework of Sunyan (2023), "The Economics of Large Language Models",
https://sunyan.substack.com/p/the-economics-of-large-language-models, section
"LLM-powered search": a query costs its tokens at the API's list price less the
provider's cache hits and margin, against search revenue per query.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from .._format import format_usd
from ..errors import ScalingError
from ._args import arg, frame, out

__all__ = ["WORDS_PER_TOKEN", "words_to_tokens", "tokens_to_words", "usd_per_1k_tokens_from_words",
           "provider_usd_per_1k_tokens", "QueryCost", "query_cost", "searches_per_year",
           "revenue_per_query", "apply_reductions", "SearchEconomics", "search_economics"]

#: Words per token (1K tokens = 750 words, OpenAI's rule of thumb for English).
WORDS_PER_TOKEN = 0.75


def words_to_tokens(n_words, words_per_token=WORDS_PER_TOKEN):
    """Tokens for a word count: :math:`n_{tok} = n_{words} / 0.75` (1K tokens = 750 words).

    ``n_words`` in [0, 1e15]; ``words_per_token`` in [0.01, 100].
    """
    return out(arg("n_words", n_words) / arg("words_per_token", words_per_token))


def tokens_to_words(n_tokens, words_per_token=WORDS_PER_TOKEN):
    """Words for a token count: :math:`n_{words} = 0.75\\, n_{tok}` (``n_tokens`` in [0, 1e18])."""
    tokens = arg("n_tokens", n_tokens, kind="token_count")
    return out(tokens * arg("words_per_token", words_per_token))


def usd_per_1k_tokens_from_words(usd, n_words, words_per_token=WORDS_PER_TOKEN):
    """Convert a price per word count to a price per 1K tokens.

    .. math:: \\$_{1K\\,tok} = \\frac{\\$}{n_{words} / (1000 \\cdot w)}

    Example: Jasper's $82 per 100K words is 133.3K tokens, so $0.615 per 1K tokens.
    ``usd`` in [0, 1e15]; ``n_words`` in [1e-3, 1e15].

    >>> round(usd_per_1k_tokens_from_words(82, 100_000), 3)
    0.615
    """
    p = arg("usd", usd)
    words = arg("n_words", n_words, kind="words_priced")
    tokens = np.asarray(words_to_tokens(words, words_per_token))
    return out(p / (tokens / 1000.0))


def provider_usd_per_1k_tokens(usd_per_1k_tokens, cache_hit_rate=0.0, gross_margin=0.0):
    """What serving costs the provider, from the list price.

    .. math:: c = p\\,(1 - h)(1 - m)

    ``cache_hit_rate`` ``h`` in [0, 1): share of requests answered from a cache at no
    compute; ``gross_margin`` ``m`` in [0, 1): the provider's margin on the price.
    """
    p = arg("usd_per_1k_tokens", usd_per_1k_tokens)
    h = arg("cache_hit_rate", cache_hit_rate)
    m = arg("gross_margin", gross_margin)
    return out(p * (1.0 - h) * (1.0 - m))


@dataclass(frozen=True)
class QueryCost:
    """Tokens and cost of answering one query with a language model."""

    prompt_words: Any
    response_words: Any
    n_samples: Any
    n_results: Any
    words_per_result: Any
    prompt_per_sample: bool
    n_words: Any
    n_tokens: Any
    usd_per_1k_tokens: Any
    cache_hit_rate: Any
    gross_margin: Any
    list_price_usd: Any
    cost_usd: Any

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def summary(self) -> pd.DataFrame:
        d = self.to_dict()
        d["prompt_per_sample"] = str(self.prompt_per_sample)
        return frame(d)

    def report(self) -> str:
        return "\n".join(
            f"{r['n_words']:,.0f} words = {r['n_tokens']:,.0f} tokens: list {format_usd(r['list_price_usd'])}, "
            f"cost {format_usd(r['cost_usd'])} per query"
            for _, r in self.summary().iterrows()
        )


def query_cost(prompt_words, response_words, *, usd_per_1k_tokens, n_samples=1, n_results=0,
               words_per_result=0, cache_hit_rate=0.0, gross_margin=0.0,
               words_per_token=WORDS_PER_TOKEN, prompt_per_sample: bool = False) -> QueryCost:
    """Cost of one query answered by a language model, priced per token.

    .. math::

        W = W_{prompt}\\,(S \\text{ if per sample else } 1) + K W_{result} + S W_{response},
        \\quad n_{tok} = W / w,
        \\quad \\text{cost} = \\frac{n_{tok}}{1000}\\, p\\,(1 - h)(1 - m)

    Parameters
    ----------
    prompt_words, response_words : float or array_like
        Words in the prompt (query) and in each sampled response, in [0, 1e15].
    usd_per_1k_tokens : float or array_like
        List price per 1K tokens, in [0, 1e6] (``PRICE_POINTS["openai-davinci-api"]``: $0.02).
    n_samples : int
        Responses generated, 1 to 1e6 (the seed article samples 5; the 2-stage summariser
        writes one per retrieved result, so ``n_samples = n_results``).
    n_results, words_per_result : int, float
        Retrieved documents read by the model (K, 0 to 1e6) and their length.
    cache_hit_rate, gross_margin : float in [0, 1)
        See :func:`provider_usd_per_1k_tokens`.
    words_per_token : float
        0.75 (1K tokens = 750 words).
    prompt_per_sample : bool
        Count the prompt once (default) or once per sample. Row 1 of the seed article gives
        $0.0096 (once) or $0.0105 (per sample); both round to its $0.010.

    References
    ----------
    Sunyan (2023), "The Economics of Large Language Models", "LLM-powered search".
    """
    pw = arg("prompt_words", prompt_words)
    rw = arg("response_words", response_words)
    s = arg("n_samples", n_samples)
    k = arg("n_results", n_results)
    kw = arg("words_per_result", words_per_result)
    if not isinstance(prompt_per_sample, (bool, np.bool_)):
        raise ScalingError(f"prompt_per_sample must be True or False, got {prompt_per_sample!r}")
    words = pw * (s if prompt_per_sample else 1.0) + k * kw + s * rw
    tokens = words / arg("words_per_token", words_per_token)
    price = arg("usd_per_1k_tokens", usd_per_1k_tokens)
    unit_cost = np.asarray(provider_usd_per_1k_tokens(price, cache_hit_rate, gross_margin))
    return QueryCost(
        prompt_words=out(pw), response_words=out(rw), n_samples=out(s), n_results=out(k),
        words_per_result=out(kw), prompt_per_sample=bool(prompt_per_sample), n_words=out(words),
        n_tokens=out(tokens), usd_per_1k_tokens=out(price), cache_hit_rate=out(cache_hit_rate),
        gross_margin=out(gross_margin), list_price_usd=out(tokens / 1000.0 * price),
        cost_usd=out(tokens / 1000.0 * unit_cost),
    )


def searches_per_year(searches_per_month, penetration_then, penetration_now):
    """Scale a dated search volume by internet penetration.

    .. math:: Q = 12\\, q_{month} \\cdot \\frac{\\pi_{now}}{\\pi_{then}}

    ``searches_per_month`` in [1, 1e16]; penetrations (shares of people online) in
    [1e-6, 1]. The seed article: 100B searches a month in 2012, penetration 34% -> 60%:
    2.1T a year.
    """
    q = arg("searches_per_month", searches_per_month)
    a = arg("penetration_then", penetration_then)
    b = arg("penetration_now", penetration_now)
    return out(12.0 * q * b / a)


def revenue_per_query(revenue_usd, queries_per_year):
    """Revenue per query: :math:`R / Q` (seed article: ~$100B / 2.1T = $0.048).

    ``revenue_usd`` in [1, 1e15]; ``queries_per_year`` in [1, 1e18].
    """
    return out(arg("revenue_usd", revenue_usd) / arg("queries_per_year", queries_per_year))


def apply_reductions(cost_usd, factors):
    """Divide a cost by successive reduction factors: :math:`c / \\prod_i f_i`.

    The seed article's optimisation chain: /4 (quantisation, distillation, compute-optimal
    models), then /2 (in-house hardware instead of a 50%-margin cloud). ``cost_usd`` in
    [0, 1e15]; each factor in [1e-6, 1e6], and their product within the float range.
    """
    c = arg("cost_usd", cost_usd)
    try:
        factors = list(factors)
    except TypeError:
        raise ScalingError(f"factors must be a sequence of numbers, got {factors!r}") from None
    total = np.ones(())
    for i, f in enumerate(factors):
        total = total * arg(f"factors[{i}]", f, kind="factor")
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        reduced = c / total
    if not (np.all(np.isfinite(total)) and np.all(total > 0) and np.all(np.isfinite(reduced))):
        raise ScalingError(f"the product of the reduction factors {factors!r} is beyond the float range; "
                           "give fewer or smaller factors")
    return out(reduced)


@dataclass(frozen=True)
class SearchEconomics:
    """An LLM-answered search query against search revenue per query, before and after reductions."""

    query: QueryCost
    searches_per_year: Any
    revenue_per_query_usd: Any
    reductions: tuple
    optimised_cost_usd: Any

    @property
    def cost_over_revenue(self):
        """Cost of the query / revenue per query."""
        return out(np.asarray(self.query.cost_usd) / self.revenue_per_query_usd)

    @property
    def optimised_share_of_revenue(self):
        """Cost after the reductions / revenue per query."""
        return out(np.asarray(self.optimised_cost_usd) / self.revenue_per_query_usd)

    def to_dict(self) -> dict:
        """The query's fields, then the search figures (what ``scaling cost search --json`` prints)."""
        return {**self.query.to_dict(), "searches_per_year": self.searches_per_year,
                "revenue_per_query_usd": self.revenue_per_query_usd, "cost_over_revenue": self.cost_over_revenue,
                "reductions": list(self.reductions), "optimised_cost_usd": self.optimised_cost_usd,
                "optimised_share_of_revenue": self.optimised_share_of_revenue}


def search_economics(query: QueryCost, *, revenue_usd, queries_per_year=None, searches_per_month=None,
                     penetration_then=None, penetration_now=None, reductions=()) -> SearchEconomics:
    """A query's cost (:func:`query_cost`) against search revenue per query, and after reductions.

    .. math:: \\frac{c}{R / Q}, \\qquad \\frac{c / \\prod_i f_i}{R / Q}

    Parameters
    ----------
    query : QueryCost
        The query's cost (:func:`query_cost`).
    revenue_usd : float
        Yearly search revenue :math:`R`, in [1, 1e15].
    queries_per_year : float, optional
        Searches per year :math:`Q`, in [1, 1e18]; else :func:`searches_per_year` of
        ``searches_per_month``, ``penetration_then`` and ``penetration_now`` (give all three).
    reductions : sequence of float
        Cost reduction factors applied in turn (:func:`apply_reductions`).

    References
    ----------
    Sunyan (2023), "The Economics of Large Language Models", "LLM-powered search" (rows 4-6 of
    :mod:`scaling.sunyan2023`).
    """
    if not isinstance(query, QueryCost):
        raise ScalingError(f"query must be a QueryCost (scaling.cost.query_cost), got {query!r}")
    if queries_per_year is None:
        missing = [k for k, v in (("searches_per_month", searches_per_month), ("penetration_then", penetration_then),
                                  ("penetration_now", penetration_now)) if v is None]
        if missing:
            raise ScalingError(f"give queries_per_year, or searches_per_month, penetration_then and penetration_now "
                               f"(missing: {', '.join(missing)})")
        queries_per_year = searches_per_year(searches_per_month, penetration_then, penetration_now)
    else:
        queries_per_year = out(arg("queries_per_year", queries_per_year))
    revenue = revenue_per_query(revenue_usd, queries_per_year)
    optimised = apply_reductions(query.cost_usd, reductions)
    return SearchEconomics(query=query, searches_per_year=queries_per_year, revenue_per_query_usd=revenue,
                           reductions=tuple(float(f) for f in reductions), optimised_cost_usd=optimised)

