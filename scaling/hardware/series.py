"""The one registry of named price series: what each one is, on which basis, from which rows.

A price series is a saved trend a cost forecast draws the price of a FLOP from
(``fits/trend_<...>.json``): a segment of the cloud-price panel
(:mod:`scaling.hardware.panel`), the pooled cloud trend, or the purchase trends of release
prices and TDP (:func:`scaling.hardware.fit_trend`). Each name is declared once here, with

- ``basis``: ``"cloud"`` (rental) or ``"purchase"`` (total cost of ownership);
- ``description``: what it is, in words;
- ``model``: ``"panel"`` (a segment of the panel model), ``"trend"`` (a log-linear trend),
  ``"random-walk"`` (a random walk with drift from the last year's observations: of a cloud
  segment with the purchase-price prior's drift, :mod:`scaling.hardware.random_walk`, or of a
  cloud segment or a chip trend with Epoch's published drift, :mod:`scaling.hardware.walks`);
- ``rows``: which rows of the data it is fitted to (the panel segment's provider kind and
  pricing tier; ``None`` where the segment is chosen from the data, ``lowest-available``),
  or the metric and precision of a trend;
- ``price_file`` (and ``energy_file`` for the purchase basis): the saved trends.

:data:`scaling.hardware.SERIES` (the series ``scaling trend --series`` fits) is derived from
it; the forecasts' table and the CLI help are to read it too.

The defaults are what issue 20's rule chose per series (a model becomes a default only if its
pooled CRPS beats the best baseline with a 90% interval excluding zero, from converged fits;
else the best baseline ships): ``hyperscaler-on-demand-rw`` (baseline ``rw``;
``validation/results/price_selection.md``), ``lowest-available-epoch-cal`` and ``purchase`` /
``purchase-fp32`` (baseline ``epoch``: ``validation/results/evaluation_gpu-cloud-on-demand.md``,
``validation/results/trend_calibration.md``). The Bayesian lines stay available as
``purchase-line`` and ``purchase-fp32-line``, the panel as ``hyperscaler-on-demand`` and
``lowest-available``. Epoch's rates were published in 2022-2023 from chips up to then: at early
cut-offs the ``epoch`` baseline saw part of what it forecast.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ScalingError

__all__ = ["PriceSeriesSpec", "PRICE_SERIES", "ALIASES", "BASES", "series_spec", "series_names", "panel_series",
           "series_help"]

BASES = ("cloud", "purchase")


@dataclass(frozen=True)
class PriceSeriesSpec:
    """One named price series (see the module docstring)."""

    name: str
    basis: str
    description: str
    model: str
    provider_kind: str | None = None
    pricing: str | None = None
    metric: str = "flops_per_usd_cloud"
    precision: str = "tensor16"
    price_file: str = ""
    energy_file: str | None = None

    @property
    def rows_fixed(self) -> bool:
        """Whether the series' rows are fixed in advance (not chosen from the data at each fit)."""
        return not (self.model == "panel" and self.provider_kind is None)

    @property
    def rows(self) -> str:
        """Which rows of the data the series is fitted to, in words."""
        if self.metric == "flops_per_usd_cloud" and self.model in ("panel", "random-walk"):
            if self.provider_kind is None:
                return "cloud prices of the lowest widely available segment (chosen from the data)"
            return f"cloud prices, provider kind {self.provider_kind}, pricing {self.pricing}"
        if self.metric == "flops_per_usd_cloud":
            return f"every on-demand cloud price ({self.precision})"
        return f"accelerators: {self.metric} and flops_per_watt at {self.precision}"


def _panel(name, kind, tier, description) -> PriceSeriesSpec:
    return PriceSeriesSpec(name, "cloud", description, "panel", kind, tier, price_file=f"trend_{name}.json")


#: Every named price series, in the order the CLI lists them.
PRICE_SERIES: dict[str, PriceSeriesSpec] = {s.name: s for s in (
    _panel("hyperscaler-on-demand", "hyperscaler", "on_demand",
           "typical on-demand price at AWS, Azure, GCP and Oracle (hierarchical model)"),
    _panel("hyperscaler-3yr", "hyperscaler", "3yr", "typical 3-year-commitment price at the hyperscalers"),
    _panel("gpu-cloud-on-demand", "gpu_cloud", "on_demand", "typical on-demand price at specialised GPU clouds"),
    _panel("lowest-available", None, None, "the lowest widely available segment (>= 3 providers, no marketplaces)"),
    PriceSeriesSpec("hyperscaler-on-demand-rw", "cloud", "typical hyperscaler on-demand price, random walk with drift "
                    "(the model the pre-registered selection chose)", "random-walk", "hyperscaler", "on_demand",
                    price_file="trend_hyperscaler-on-demand-rw.json"),
    PriceSeriesSpec("lowest-available-epoch-cal", "cloud", "lowest widely available price: GPU-cloud on-demand prices "
                    "(the segment lowest-available chooses at every cut-off 2023-2024), random walk with Epoch's "
                    "published drift and a spread estimated from its own past errors (beats the epoch baseline, "
                    "validation/results/calibrated_walks.md)", "random-walk",
                    "gpu_cloud", "on_demand", price_file="trend_lowest-available-epoch-cal.json"),
    PriceSeriesSpec("pooled", "cloud", "baseline: every on-demand price pooled, one line (robust regression)",
                    "trend", price_file="trend_flops_per_usd_cloud_tensor16.json"),
    PriceSeriesSpec("purchase", "purchase", "release prices and TDP of accelerators (tensor16), random walks with "
                    "Epoch's published drift (the best baseline: the Bayesian lines lose to it)", "random-walk",
                    metric="flops_per_usd", precision="tensor16", price_file="trend_flops_per_usd_tensor16-epoch.json",
                    energy_file="trend_flops_per_watt_tensor16-epoch.json"),
    PriceSeriesSpec("purchase-fp32", "purchase", "release prices and TDP of accelerators (FP32), random walks with "
                    "Epoch's published drift (the best baseline)", "random-walk", metric="flops_per_usd",
                    precision="fp32", price_file="trend_flops_per_usd_fp32-epoch.json",
                    energy_file="trend_flops_per_watt_fp32-epoch.json"),
    PriceSeriesSpec("purchase-line", "purchase", "release prices and TDP of accelerators (tensor16), Bayesian robust "
                    "lines (for comparison: they lose to the epoch baseline)", "trend", metric="flops_per_usd",
                    precision="tensor16", price_file="trend_flops_per_usd_tensor16.json",
                    energy_file="trend_flops_per_watt_tensor16.json"),
    PriceSeriesSpec("purchase-fp32-line", "purchase", "release prices and TDP of accelerators (FP32), Bayesian robust "
                    "lines (for comparison)", "trend", metric="flops_per_usd", precision="fp32",
                    price_file="trend_flops_per_usd_fp32.json", energy_file="trend_flops_per_watt_fp32.json"),
)}
#: Other names of a series (``cloud``, kept for old callers, is ``pooled``).
ALIASES = {"cloud": "pooled"}
#: Names no longer served, and what replaced them (said in the error).
RETIRED = {"lowest-available-epoch": "its walk's spread is now estimated from its own past errors, which scores "
                                     "better (validation/results/calibrated_walks.md); use lowest-available-epoch-cal"}


def refuse_retired(name: str, what: str = "price series") -> None:
    """Raise a :class:`ScalingError` naming the replacement when ``name`` is in :data:`RETIRED`."""
    key = str(name).strip().lower()
    if key in RETIRED:
        raise ScalingError(f"{what} {name!r} is retired: {RETIRED[key]}")


def series_spec(name: str) -> PriceSeriesSpec:
    """The series ``name`` (an alias of :data:`ALIASES` gives its series).

    Raises
    ------
    ScalingError
        An unknown name, naming the known ones.
    """
    key = str(name).strip().lower()
    key = ALIASES.get(key, key)
    refuse_retired(key)
    if key not in PRICE_SERIES:
        raise ScalingError(f"unknown price series {name!r}; allowed: {', '.join([*PRICE_SERIES, *ALIASES])}")
    return PRICE_SERIES[key]


def series_names(basis: str | None = None, model: str | None = None) -> list[str]:
    """Names of the series on ``basis`` (``"cloud"``, ``"purchase"``) and of ``model`` (``"panel"``, ``"trend"``)."""
    if basis is not None and basis not in BASES:
        raise ScalingError(f"unknown basis {basis!r}; allowed: {', '.join(BASES)}")
    return [n for n, s in PRICE_SERIES.items() if (basis is None or s.basis == basis)
            and (model is None or s.model == model)]


def panel_series() -> tuple[str, ...]:
    """The series made from one fit of the cloud-price panel."""
    return tuple(series_names(model="panel"))


def series_help(names) -> str:
    """The names, comma-separated, for a CLI help text."""
    return ", ".join(names)
