"""The main job's settings: :class:`RunConfig` and the constants every step shares."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..hardware.series import panel_series

__all__ = ["RunConfig", "SIGNIFICANT_DIGITS", "LSQ_METHOD", "LSQ_DELTA", "LSQ_GRID", "LSQ_INCLUDE", "HEADLINE_SERIES",
           "PANEL_HEADLINE_SERIES", "LOWEST_SERIES", "PANEL_LOWEST_SERIES", "PANEL_SERIES", "WALKS", "WALK_DRAWS",
           "POOLED", "TRENDS", "ALGORITHMIC_OPTIONS",
           "CAPABILITY_BOOTSTRAP", "CAPABILITY_VARIANT", "CAPABILITY_TARGET", "SERIES_MIXTURE_VARIANT",
           "HEADLINE_IS_SERIES_MIXTURE"]

#: Significant digits of the numbers in the forecast tables and ``summary.json``.
SIGNIFICANT_DIGITS = 6

# The least-squares settings the main job uses (fit()'s defaults, spelled out so that a
# saved fit can be checked against them).
LSQ_METHOD, LSQ_DELTA, LSQ_GRID, LSQ_INCLUDE = "huber", 1e-3, "hoffmann", "kept"


@dataclass(frozen=True)
class RunConfig:
    """Settings of the main job (all seeded; defaults are what the committed outputs use)."""

    fits_dir: Path = Path("fits")
    forecasts_dir: Path = Path("forecasts")
    seed: int = 0
    bootstrap: int = 4000
    bayes: bool = True
    bayes_draws: int = 1000
    bayes_chains: int = 2
    trend_draws: int = 1000
    trend_method: str = "bayes"
    until: int = 2032
    n_draws: int = 4000
    figures: bool = True
    force: bool = False
    # The cloud-price panel's sampler settings; None: fit_panel's own defaults.
    panel_draws: int | None = None
    panel_tune: int | None = None
    panel_chains: int | None = None
    # Processes for the fits: 2 fits the cloud-price panel beside steps 1-3; 1 fits all here.
    jobs: int = 2


#: The price series of the headline forecast: the random walk with drift on the hyperscaler
#: on-demand prices (:mod:`scaling.hardware.random_walk`, ``fits/trend_<name>.json``), the model
#: issue 20's pre-registered selection chose: the hierarchical panel's forecast of that series
#: scored 0.030 dex CRPS worse on the rolling origins 2019-2023, 90% interval +0.021 to +0.042
#: (``validation/results/price_selection.md``), so by the protocol the baseline is the default.
HEADLINE_SERIES = "hyperscaler-on-demand-rw"
#: The hierarchical panel's series of the same segment (:data:`scaling.hardware.SERIES`): the
#: random walk is fitted to its prices; the ``_panel`` variant, the price figure and the
#: comparison with the seed article (a retrospective of 2020-2023, which the panel fits and the
#: walk, anchored at its last year, does not) use it.
PANEL_HEADLINE_SERIES = "hyperscaler-on-demand"
#: The lowest-price variant's series: the random walk with Epoch's drift on GPU-cloud on-demand
#: prices, the segment the panel's ``lowest-available`` chooses (issue 20's rule: the panel's
#: forecast of that segment beat the ``epoch`` baseline only with unconverged fits, which are not
#: evidence; validation/results/evaluation_gpu-cloud-on-demand.md). One of :data:`WALKS`.
LOWEST_SERIES = "lowest-available-epoch-cal"
#: The panel's lowest-available series (a panel series): the segment it chooses is checked
#: against :data:`LOWEST_SERIES`'s fixed one.
PANEL_LOWEST_SERIES = "lowest-available"
#: Every panel series the main job saves (one panel fit serves them all).
PANEL_SERIES = panel_series()  # from the one registry, scaling.hardware.series
#: The pooled cloud trend (the baseline) in :data:`TRENDS`.
POOLED = "trend_flops_per_usd_cloud_tensor16"

TRENDS = {
    # file stem: fit_trend keyword arguments
    "trend_flops_per_usd_tensor16": dict(metric="flops_per_usd", precision="tensor16"),
    "trend_flops_per_watt_tensor16": dict(metric="flops_per_watt", precision="tensor16"),
    "trend_flops_per_usd_fp32": dict(metric="flops_per_usd", precision="fp32"),
    "trend_flops_per_watt_fp32": dict(metric="flops_per_watt", precision="fp32"),
    "trend_flops_per_usd_cloud_tensor16": dict(metric="flops_per_usd_cloud", precision="tensor16"),
}

#: The random walks with Epoch's published drift the main job fits (closed form, no sampler;
#: :func:`scaling.hardware.walks.fit_walk`): file stem -> fit_walk keyword arguments. The
#: defaults of the purchase bases (``purchase``, ``purchase-fp32``) and of the lowest-price
#: cloud series, as issue 20's rule chose (the Bayesian trends above lose to the ``epoch``
#: baseline on every chip trend, validation/results/trend_calibration.md). WALK_DRAWS rows,
#: identical but for the drawn slope (Epoch's doubling time, one per row): the five files add
#: about 57 kB to fits/ (kept under 2.5 MB); a 4,000-draw forecast resamples every row, and 64
#: draws of a doubling time whose 5-95% range is 2.1-2.46 yr move the forecast's quantiles by
#: far less than its walk and scatter do.
WALK_DRAWS = 64
WALKS = {
    "trend_lowest-available-epoch-cal": dict(series="gpu-cloud-on-demand", name="lowest-available-epoch-cal",
                                             spread="calibrated"),
    "trend_flops_per_usd_tensor16-epoch": dict(metric="flops_per_usd", precision="tensor16"),
    "trend_flops_per_watt_tensor16-epoch": dict(metric="flops_per_watt", precision="tensor16"),
    "trend_flops_per_usd_fp32-epoch": dict(metric="flops_per_usd", precision="fp32"),
    "trend_flops_per_watt_fp32-epoch": dict(metric="flops_per_watt", precision="fp32"),
}


#: Options of the algorithmic-progress variant. Ho et al.'s rate at their arXiv 95% CI (5-14 months;
#: the NeurIPS interval's 2-month end implies a millionfold fall by 2024, which the capability
#: frontier rules out: no public model reached GPT-3's MMLU with under 1/268 of its compute)
#: through 2023, slowing after by a drawn factor (scaling.forecast.draws.SLOWDOWN_PRIOR); no cap.
ALGORITHMIC_OPTIONS = {"algorithmic_halving_months": "ho2024-arxiv", "algorithmic_slowdown_per_year": "prior",
                       "algorithmic_cap": None}

#: Bootstrap resamples of the shipped capability fits (scaling.capability's default).
CAPABILITY_BOOTSTRAP = 200


#: The capability-equivalent variant: GPT-3's 5-shot MMLU (43.9%), priced from the least training
#: compute public models needed (scaling.forecast.capability).
CAPABILITY_VARIANT = "gpt3_capability_equivalent_cost"
CAPABILITY_TARGET = "capability:MMLU=0.439"


#: The variant priced with a mixture of price series and bases (scaling.forecast.price_mixture,
#: PRICE_MIXTURE_DEFAULT: equal thirds of hyperscaler on-demand (rw), lowest available (epoch
#: walk) and purchase (epoch walks)).
SERIES_MIXTURE_VARIANT = "gpt3_equivalent_cost_series_mixture"
#: True: the headline (``gpt3_equivalent_cost``) is the series mixture, and the hyperscaler-only
#: forecast (the list-price upper envelope) is saved as ``gpt3_equivalent_cost_hyperscaler``;
#: False: the headline prices with HEADLINE_SERIES alone. On since issue 20's defaults: each
#: component is what the rule chose for its series (docs/forecast.md).
HEADLINE_IS_SERIES_MIXTURE = True
