"""The main job's settings: :class:`RunConfig` and the constants every step shares."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["RunConfig", "SIGNIFICANT_DIGITS", "LSQ_METHOD", "LSQ_DELTA", "LSQ_GRID", "LSQ_INCLUDE", "HEADLINE_SERIES",
           "PANEL_HEADLINE_SERIES", "LOWEST_SERIES", "PANEL_SERIES", "POOLED", "TRENDS", "ALGORITHMIC_OPTIONS",
           "CAPABILITY_BOOTSTRAP", "CAPABILITY_VARIANT", "CAPABILITY_TARGET"]

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
#: The lowest-price variant's series (a panel series).
LOWEST_SERIES = "lowest-available"
#: Every panel series the main job saves (one panel fit serves them all).
PANEL_SERIES = ("hyperscaler-on-demand", "lowest-available", "gpu-cloud-on-demand", "hyperscaler-3yr")
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
