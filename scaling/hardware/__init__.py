r"""Accelerator price-performance trends: how fast the cost of a FLOP falls, and how sure we are.

Fits :math:`\log_{10} y = c_0 + c_1 (t - t_0)` to peak FLOP/s per $ (release price),
per W (TDP) or per $ of cloud rental, against date: Bayesian robust regression
(PyMC, Student-t likelihood) with a statsmodels OLS baseline; doubling times with
intervals; backtests on later chips; conversion to $ per delivered FLOP.

>>> from scaling.hardware import fit_trend
>>> trend = fit_trend(metric="flops_per_watt", precision="fp32", method="ols")
>>> 2 < trend.doubling_time_years["median"] < 6
True

Cloud prices also have a panel model (:mod:`scaling.hardware.panel`): chip, provider,
provider-kind and pricing-tier effects, and named series (:data:`SERIES`, e.g.
``hyperscaler-on-demand``, ``lowest-available``) a forecast chooses between; every named
price series, cloud and purchase, is declared once in :mod:`scaling.hardware.series`.

Forecast evaluation (:func:`evaluate`, ``scaling backtest``): a model and naive baselines
fitted before cut-offs and scored on later prices or chips with proper scores.

PyMC is imported only inside the Bayesian fit; importing this package is light.
"""

from __future__ import annotations

from .backtest import BacktestResult, backtest
from .data import METRICS, PRECISIONS, PRICINGS, TrendData, decimal_year, trend_data
from .evaluation import EvaluationResult, evaluate, load_evaluation
from ..cost.energy import USD_PER_FLOP_DEFAULTS as ECONOMICS_DEFAULTS
from ..cost.energy import usd_per_flop_cloud, usd_per_flop_purchase
from .panel import SERIES, fit_panel, fit_series, panel_data, save_series, series_trend
from .published import PUBLISHED, published_table, render_markdown, seed_growth_per_year
from .series import PriceSeriesSpec, series_spec
from .trend import SCHEMA, SCHEMA_VERSION, TrendResult, fit_trend, load_trend

__all__ = [
    "fit_trend", "TrendResult", "load_trend", "backtest", "BacktestResult", "trend_data", "TrendData",
    "usd_per_flop_purchase", "usd_per_flop_cloud", "ECONOMICS_DEFAULTS", "render_markdown", "published_table",
    "PUBLISHED", "seed_growth_per_year", "METRICS", "PRECISIONS", "PRICINGS", "decimal_year", "SCHEMA",
    "SCHEMA_VERSION", "SERIES", "fit_series", "fit_panel", "panel_data", "series_trend", "save_series",
    "evaluate", "EvaluationResult", "load_evaluation", "PriceSeriesSpec", "series_spec",
]
