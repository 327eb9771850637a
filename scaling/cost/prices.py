"""Dated price points: the documented defaults of the cost framework.

No formula in :mod:`scaling.cost` hides a price: every default is a :class:`PricePoint`
with its value, unit, date and source, looked up by key with :func:`price_point`.

References
----------
Sunyan (2023), "The Economics of Large Language Models",
https://sunyan.substack.com/p/the-economics-of-large-language-models ("Price points");
the providers' price pages named in each point's ``source``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from ..errors import ScalingError

__all__ = ["PricePoint", "PRICE_POINTS", "price_point"]


@dataclass(frozen=True)
class PricePoint:
    """A dated price (or rate) with its unit and source."""

    key: str
    value: float
    unit: str
    date: str
    source: str
    note: str = ""


def _pp(*args, **kw) -> tuple[str, PricePoint]:
    point = PricePoint(*args, **kw)
    return point.key, point


_SEED = 'Sunyan (2023), "The Economics of Large Language Models"'

#: Dated price points used as documented defaults (Sunyan 2023, "Price points"; provider
#: price pages). Look one up with :func:`price_point`; no formula reads them.
PRICE_POINTS: Mapping[str, PricePoint] = MappingProxyType(dict([
    _pp("aws-p4d-on-demand", 32.77, "usd_per_instance_hour", "2021-22",
        "AWS EC2 p4d.24xlarge price page", "8 x A100 40GB per instance"),
    _pp("aws-p4d-1yr", 19.22, "usd_per_instance_hour", "2021-22",
        "AWS EC2 p4d.24xlarge price page; used by " + _SEED, "1-year reserved; 8 x A100 40GB"),
    _pp("aws-p4d-3yr", 11.57, "usd_per_instance_hour", "2021-22",
        "AWS EC2 p4d.24xlarge price page", "3-year reserved; 8 x A100 40GB"),
    _pp("aws-p5-on-demand", 98.32, "usd_per_instance_hour", "2023-07",
        "AWS EC2 p5.48xlarge launch price", "8 x H100 per instance"),
    _pp("gcp-tpu-v4-on-demand", 3.22, "usd_per_chip_hour", "2022-23", "Google Cloud TPU pricing page"),
    _pp("gcp-tpu-v4-1yr", 2.03, "usd_per_chip_hour", "2022-23",
        "Google Cloud TPU pricing page; used by " + _SEED, "1-year commitment"),
    _pp("gcp-tpu-v4-3yr", 1.45, "usd_per_chip_hour", "2022-23", "Google Cloud TPU pricing page",
        "3-year commitment"),
    _pp("gcp-tpu-v5e-on-demand", 1.20, "usd_per_chip_hour", "2023-24", "Google Cloud TPU pricing page"),
    _pp("gcp-tpu-v5p-on-demand", 4.20, "usd_per_chip_hour", "2023-24", "Google Cloud TPU pricing page"),
    _pp("h100-rental-2024-01", 3.49, "usd_per_chip_hour", "2024-01", "H100 rental market quotes"),
    _pp("h100-rental-2025", 2.50, "usd_per_chip_hour", "2025", "H100 rental market quotes",
        "midpoint of the ~$2-3 range"),
    _pp("openai-davinci-api", 0.02, "usd_per_1k_tokens", "2022",
        "OpenAI API price for GPT-3 davinci; used by " + _SEED),
    _pp("electricity-us-industrial-low", 0.067, "usd_per_kwh", "2020-23", "US EIA industrial average"),
    _pp("electricity-us-industrial-high", 0.083, "usd_per_kwh", "2020-23", "US EIA industrial average"),
    _pp("pue-hyperscaler", 1.10, "ratio", "2020s", "hyperscaler data-centre reports"),
    _pp("pue-industry-average", 1.56, "ratio", "2024", "Uptime Institute global survey 2024"),
]))


def price_point(key: str) -> PricePoint:
    """Look up a dated price point by key (see :data:`PRICE_POINTS`).

    Raises
    ------
    ScalingError
        For an unknown key, listing the known ones.
    """
    try:
        return PRICE_POINTS[key]
    except (KeyError, TypeError):
        raise ScalingError(f"unknown price point {key!r}; known: {', '.join(PRICE_POINTS)}") from None
