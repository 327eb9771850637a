"""Cost forecasts: what reaching a given performance costs, date by date, with every uncertainty.

Modules: :mod:`~scaling.forecast.spec` (:class:`ForecastSpec`: every scenario input, validated once),
:mod:`~scaling.forecast.core` (:func:`equivalent_cost`: the draws composed into costs),
:mod:`~scaling.forecast.result` (the :class:`Forecast` result and its files),
:mod:`~scaling.forecast.decompose` (the spread by source; the tidy table),
:mod:`~scaling.forecast.targets` (what a forecast reaches),
:mod:`~scaling.forecast.draws` (the sources of uncertainty as per-draw arrays),
:mod:`~scaling.forecast.price_mixture` (a mixture of price series and bases, one per joint draw),
:mod:`~scaling.forecast.algorithmic` (what the algorithmic-progress model implies: its gain, a
cap's binding share, the evidence beside it),
:mod:`~scaling.forecast.sunyan2023` (the seed article's decomposition, like for like; formerly
``scaling.forecast.seed``),
:mod:`~scaling.forecast.scenarios` (named price series, scenario files, wide tables),
:mod:`~scaling.forecast.files` (the one writer of ``scaling forecast -o`` and the one reader of
every forecast file) and
:mod:`~scaling.forecast.backtest` (the forecast against later prices).
"""

from __future__ import annotations

from .._dates import decimal_year
from .core import check_target, equivalent_cost
from .decompose import SOURCES
from .result import SCHEMA, SCHEMA_VERSION, Forecast
from .spec import DEFAULT_INFERENCE_MFU_RANGE, DEFAULT_MFU_RANGE, DEFAULTS, MFU_BOUNDS, YEAR_RANGE, ForecastSpec, default_dates
from .targets import MAX_TARGET_LOSS, reference_models
from .files import load_forecast, load_forecasts, save_forecasts
from .draws import HALVING_PRESETS, LawMixture, law_mixture
from .price_mixture import PriceMixture, price_mixture
from .sunyan2023 import seed_decomposition

__all__ = [
    "Forecast", "equivalent_cost", "default_dates", "decimal_year", "DEFAULTS", "load_forecast", "load_forecasts",
    "save_forecasts", "LawMixture",
    "law_mixture", "PriceMixture", "price_mixture", "HALVING_PRESETS", "SOURCES", "seed_decomposition", "check_target", "reference_models",
    "YEAR_RANGE", "MAX_TARGET_LOSS", "SCHEMA", "SCHEMA_VERSION", "ForecastSpec", "DEFAULT_MFU_RANGE", "DEFAULT_INFERENCE_MFU_RANGE",
    "MFU_BOUNDS",
]
