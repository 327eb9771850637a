"""The data behind a hardware trend: which chips, which value, which were left out and why.

Three metrics, each one point per chip (or per dated cloud price observation):

``flops_per_usd``
    peak FLOP/s at a precision / release price in US$ (FLOP/s per $), dated by release: the
    purchase basis, datacenter and workstation chips only by default
    (:data:`CONSUMER_DEFAULT`).
``flops_per_watt``
    peak FLOP/s / thermal design power (FLOP/s per W), dated by release.
``flops_per_usd_cloud``
    peak FLOP per $ of rental, :math:`3600\\, F / p_h` with :math:`F` the peak FLOP/s and
    :math:`p_h` the $ per chip-hour, dated by the price observation.

Rows lacking what a metric needs are dropped and counted by reason, never silently; a
filter that leaves fewer than three usable chips raises ``ScalingError`` naming it.
Precisions are those of :data:`scaling.datasets.PRECISIONS` (``bf16`` is an alias of
``tensor16``); dates are read by :func:`scaling._dates.to_datetimes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .. import datasets
from .._dates import decimal_year, to_datetimes
from .._format import plural
from .._io import sha256_arrays
from ..datasets import PRECISIONS
from ..errors import ScalingError

__all__ = ["METRICS", "PRECISIONS", "PRICINGS", "TrendData", "trend_data", "decimal_year", "to_datetimes",
           "MIN_CHIPS", "PROVIDER_KINDS", "KINDS", "kind_of_provider", "is_export_limited", "fp32_accumulate_tensor16",
           "EXPORT_LIMITED", "GEFORCE_HALF_RATE", "CONSUMER_DEFAULT"]

METRICS: dict[str, str] = {
    "flops_per_usd": "peak FLOP/s per US$ of release price",
    "flops_per_watt": "peak FLOP/s per watt of TDP",
    "flops_per_usd_cloud": "peak FLOP per US$ of cloud rental",
}
PRICINGS: dict[str, str] = {
    "on_demand": "usd_per_chip_hour_on_demand",
    "1yr": "usd_per_chip_hour_1yr",
    "3yr": "usd_per_chip_hour_3yr",
}
DOLLARS = ("nominal", "real")
MIN_CHIPS = 3
#: ``pricing="all"``: one row per observation and price tier it has (column ``pricing_tier``).
PRICING_ALL = "all"

#: Provider kind of every provider in the shipped cloud prices (rules in datasets/README.md):
#: ``hyperscaler`` (the four big clouds), ``gpu_cloud`` (specialised GPU clouds renting their
#: own datacenter machines) and ``marketplace`` (peer-to-peer or community markets where hosts,
#: often with consumer cards, set prices). A provider not listed is a ``gpu_cloud``.
PROVIDER_KINDS: dict[str, str] = {
    "Amazon Web Services": "hyperscaler", "Microsoft Azure": "hyperscaler", "Google Cloud": "hyperscaler",
    "Oracle Cloud": "hyperscaler",
    "vast.ai": "marketplace", "Salad": "marketplace", "RunPod": "marketplace",
    "Lambda Labs": "gpu_cloud", "Oblivus Cloud": "gpu_cloud", "Cudo Compute": "gpu_cloud",
    "Jarvislabs": "gpu_cloud", "NovoNimbus": "gpu_cloud", "Paperspace": "gpu_cloud", "Exoscale": "gpu_cloud",
    "Datacrunch": "gpu_cloud", "FluidStack": "gpu_cloud", "CR8DL": "gpu_cloud", "OVHcloud": "gpu_cloud",
    "Latitude.sh": "gpu_cloud", "Databricks": "gpu_cloud",
}
KINDS = ("hyperscaler", "gpu_cloud", "marketplace")

#: Export-limited parts (US export rules of Oct 2022 / Oct 2023): NVIDIA's China variants with
#: capped interconnect (A800, H800) or capped compute (H20, L20, L2). Left out of every trend by
#: default (``export_limited=True`` keeps them): their price-performance is set by export rules,
#: not by the hardware frontier.
EXPORT_LIMITED = re.compile(r"\b(?:A800|H800|H20|L20|L2)\b", re.IGNORECASE)

#: NVIDIA GeForce RTX cards (Turing, Ampere, Ada, Blackwell) run FP16 tensor maths with FP32
#: accumulation, as mixed-precision training uses, at half the FP16-accumulate rate that is
#: listed as their tensor FP16 peak (NVIDIA Turing, GA102 and Ada architecture whitepapers;
#: e.g. RTX 4090 330 -> 165 TFLOP/s dense). Workstation and datacenter parts run both at full rate.
GEFORCE_HALF_RATE = re.compile(r"GeForce RTX", re.IGNORECASE)


#: Whether consumer cards (accelerators ``segment == "consumer"``: GeForce, Radeon RX/VII, TITAN)
#: count by default, per metric. The purchase basis (release prices, ``flops_per_usd``) is what a
#: datacenter run pays for its chips, so consumer cards are left out: a datacenter cannot run
#: them (NVIDIA's GeForce driver licence excludes datacenter deployment,
#: https://www.nvidia.com/en-us/drivers/geforce-license/) and their list prices
#: are far below datacenter parts of the same throughput. Per watt and cloud prices keep them
#: (cloud prices have their own rule: provider kind ``marketplace``). ``consumer=`` overrides.
CONSUMER_DEFAULT: dict[str, bool] = {"flops_per_usd": False, "flops_per_watt": True, "flops_per_usd_cloud": True}


def kind_of_provider(provider: str) -> str:
    """The kind of a cloud provider: ``hyperscaler``, ``gpu_cloud`` or ``marketplace``."""
    return PROVIDER_KINDS.get(str(provider).strip(), "gpu_cloud")


def is_export_limited(names: pd.Series) -> pd.Series:
    """True for export-limited parts (:data:`EXPORT_LIMITED`)."""
    return names.astype(str).str.contains(EXPORT_LIMITED)


def fp32_accumulate_tensor16(acc: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The accelerators table with GeForce RTX tensor FP16 rates at FP32 accumulation.

    Returns the adjusted copy and the number of chips changed (:data:`GEFORCE_HALF_RATE`).
    """
    acc = acc.copy()
    col = PRECISIONS["tensor16"]
    hit = acc["name"].astype(str).str.contains(GEFORCE_HALF_RATE) & pd.to_numeric(acc[col], errors="coerce").notna()
    acc.loc[hit, col] = pd.to_numeric(acc.loc[hit, col], errors="coerce") / 2.0
    return acc, int(hit.sum())


def _check_choice(name: str, value: Any, allowed) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ScalingError(f"unknown {name} {value!r}; allowed: {', '.join(allowed)}")
    return value


def _norm_name(s: pd.Series) -> pd.Series:
    return s.astype(str).str.lower().map(lambda x: re.sub(r"\s+", " ", x).strip())


@dataclass(frozen=True)
class TrendData:
    """Points for a trend fit plus the book-keeping of what was left out.

    Attributes
    ----------
    data : pandas.DataFrame
        ``name, vendor, segment, date, year, value, log10_value, group`` (+ ``release_date``
        for chip metrics, ``provider``/``hardware_release_date`` for cloud prices).
    dropped : dict
        reason -> number of rows left out for missing data.
    filters : list of (str, int)
        Each filter applied and how many usable rows remained after it.
    notes : list of str
        Anything else the report should say (e.g. dates outside the price index).
    """

    metric: str
    precision: str | tuple[str, ...]
    data: pd.DataFrame
    dropped: dict = field(default_factory=dict)
    filters: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    @property
    def n_dropped(self) -> int:
        return int(sum(self.dropped.values()))

    @property
    def n_chips(self) -> int:
        return int(self.data["name"].nunique())

    @property
    def sha256(self) -> str:
        return sha256_arrays(self.data["year"], self.data["value"])


def _as_list(value) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [str(v) for v in value]
    raise ScalingError(f"expected a string or a list of strings, got {type(value).__name__}")


def _deflator(dates: pd.Series, price_index: pd.DataFrame, base_year: int, notes: list) -> np.ndarray:
    """Multiplier turning nominal $ at ``dates`` into $ of ``base_year`` (PPI data processing)."""
    pi = price_index.dropna(subset=["date", "ppi_data_processing"]).sort_values("date")
    base = pi.loc[pi["date"].dt.year == base_year, "ppi_data_processing"]
    if base.empty:
        years = sorted(pi["date"].dt.year.unique())
        raise ScalingError(f"base_year {base_year} is outside the price index ({years[0]}-{years[-1]})")
    month = pd.to_datetime(dates).dt.to_period("M").dt.to_timestamp()
    lo, hi = pi["date"].min(), pi["date"].max()
    outside = (month < lo) | (month > hi)
    if outside.any():
        notes.append(f"{int(outside.sum())} date(s) outside the price index ({lo:%Y-%m}..{hi:%Y-%m}) "
                     "deflated with the nearest month")
    month = month.clip(lo, hi)
    idx = pi.set_index("date")["ppi_data_processing"]
    level = idx.reindex(month, method="nearest").to_numpy(dtype=float)
    return float(base.mean()) / level


def _check_options(metric, dollars, pricing, provider_kind, group_by, precision) -> tuple[list, list | None]:
    """Validate :func:`trend_data`'s options; the precisions and provider kinds asked for."""
    _check_choice("metric", metric, METRICS)
    _check_choice("dollars", dollars, DOLLARS)
    _check_choice("pricing", pricing, (*PRICINGS, PRICING_ALL))
    if pricing == PRICING_ALL and metric != "flops_per_usd_cloud":
        raise ScalingError("pricing='all' applies to the cloud metric 'flops_per_usd_cloud' only")
    kinds = _as_list(provider_kind)
    for k in kinds or ():
        _check_choice("provider kind", k, KINDS)
    if kinds is not None and metric != "flops_per_usd_cloud":
        raise ScalingError("provider_kind applies to the cloud metric 'flops_per_usd_cloud' only")
    if group_by not in (None, "vendor", "precision"):
        raise ScalingError(f"unknown hierarchical grouping {group_by!r}; allowed: None, 'vendor', 'precision'")
    precisions = _as_list(precision)
    if not precisions:
        raise ScalingError(f"no precision given; allowed: {', '.join(PRECISIONS)}")
    for p in precisions:
        _check_choice("precision", p, PRECISIONS)
    if len(precisions) > 1 and group_by != "precision":
        raise ScalingError(f"several precisions {precisions} need hierarchical='precision'")
    if dollars == "real" and metric == "flops_per_watt":
        raise ScalingError("dollars='real' applies to the per-$ metrics, not 'flops_per_watt'")

    return precisions, kinds


def _rows(accelerators, metric, precisions, pricing, cloud_prices, notes) -> tuple[pd.DataFrame, list]:
    """One row per chip (or price observation, and tier) and precision, with ``_flops``; and the
    reasons a row is unusable, ``[(reason, mask)]``, in order."""
    acc = datasets.load("accelerators") if accelerators is None else accelerators.copy()
    need = {"name", "vendor", "type", "segment", "release_date", *(PRECISIONS[p] for p in precisions)}
    need |= {"release_price_usd"} if metric == "flops_per_usd" else set()
    need |= {"tdp_w"} if metric == "flops_per_watt" else set()
    missing_cols = sorted(need - set(acc.columns))
    if missing_cols:
        raise ScalingError(f"accelerators table lacks column(s): {', '.join(missing_cols)}")
    acc["release_date"] = pd.to_datetime(acc["release_date"], errors="coerce")
    if any(PRECISIONS[p] == PRECISIONS["tensor16"] for p in precisions):  # tensor16 or its alias bf16
        acc, n_half = fp32_accumulate_tensor16(acc)
        if n_half:
            notes.append(f"{n_half} GeForce RTX card(s) at their FP32-accumulate tensor rate (half the listed "
                         "FP16-accumulate rate)")

    if metric == "flops_per_usd_cloud":
        cp = datasets.load("cloud_prices") if cloud_prices is None else cloud_prices.copy()
        rental = cp[[c for c in PRICINGS.values() if c in cp.columns]].notna().any(axis=1)
        base = cp.loc[rental].copy()
        base["provider"] = base["provider"].fillna("").astype(str).str.strip()
        base["provider_kind"] = base["provider"].map(kind_of_provider)
        if pricing == PRICING_ALL:
            tiers = [base.assign(pricing_tier=t, _price=base[c]) for t, c in PRICINGS.items() if c in base.columns]
            base = pd.concat(tiers, ignore_index=True)
            base = base.loc[base["_price"].notna()].reset_index(drop=True)
        else:
            base = base.assign(pricing_tier=pricing, _price=base[PRICINGS[pricing]]).reset_index(drop=True)
        base["date"] = pd.to_datetime(base["date"], errors="coerce")
        keys = acc.assign(_key=_norm_name(acc["name"]))
        alias = acc.loc[acc["alias"].astype(str).str.len() > 0].assign(_key=_norm_name(acc["alias"])) \
            if "alias" in acc.columns else acc.iloc[:0].assign(_key="")
        lookup = pd.concat([keys, alias]).drop_duplicates("_key").set_index("_key")
        base["_key"] = _norm_name(base["hardware"])
        joined = base.join(lookup[["name", "vendor", "type", "segment", "release_date",
                                   *(PRECISIONS[p] for p in precisions)]], on="_key")
        joined["hardware_release_date"] = joined["release_date"]
        joined["usd_per_chip_hour"] = pd.to_numeric(joined["_price"], errors="coerce")
        df = joined
        reasons = [
            ("no observation date", df["date"].isna()),
            ("hardware not in the accelerators table", df["name"].isna()),
            (f"no {pricing} price", df["usd_per_chip_hour"].isna()),
        ]
    else:
        df = acc.copy()
        df["date"] = df["release_date"]
        reasons = [("no release date", df["date"].isna())]
        if metric == "flops_per_usd":
            reasons.append(("no release price", df["release_price_usd"].isna()))
        else:
            reasons.append(("no TDP", df["tdp_w"].isna()))

    # One row per (chip, precision) when grouping by precision.
    frames = []
    for p in precisions:
        f = df.copy()
        f["precision"] = p
        f["_flops"] = pd.to_numeric(f[PRECISIONS[p]], errors="coerce")
        frames.append(f)
    df = pd.concat(frames, ignore_index=True)
    reasons = [(r, pd.concat([m] * len(precisions), ignore_index=True)) for r, m in reasons]
    reasons.append((f"no {'/'.join(precisions)} FLOP/s", df["_flops"].isna()))

    return df, reasons


def _filter(df, reasons, metric, precisions, *, export_limited, consumer, kinds, provider_kind, vendor, type,  # noqa: A002
            segment, since, before) -> tuple[pd.Series, pd.Series, pd.Series, list]:
    """Each row's usability (and the first reason it is not) and the filters: ``usable``,
    ``reason_of``, ``keep`` and ``filters`` (label, usable rows left), refusing a filter that
    leaves fewer than :data:`MIN_CHIPS`."""
    usable = pd.Series(True, index=df.index)
    reason_of = pd.Series("", index=df.index, dtype=object)
    for r, mask in reasons:
        new = usable & mask.to_numpy()
        reason_of[new] = r
        usable &= ~mask.to_numpy()

    filters: list[tuple[str, int]] = []
    keep = pd.Series(True, index=df.index)
    what = "price observations" if metric == "flops_per_usd_cloud" else "chips"

    def apply(label: str, mask: pd.Series, choices: str = "") -> None:
        nonlocal keep
        keep = keep & mask.fillna(False).astype(bool)
        n = int((keep & usable).sum())
        filters.append((label, n))
        if n < MIN_CHIPS:
            raise ScalingError(
                f"filter {label} leaves {n} {what} with a {metric} value "
                f"(precision {'/'.join(precisions)}); at least {MIN_CHIPS} are needed to fit a trend{choices}"
            )

    apply("(none: usable rows)", pd.Series(True, index=df.index))
    if not export_limited:
        apply("export_limited=False", ~is_export_limited(df["name"].fillna("")))
    if not consumer:
        apply("consumer=False", df["segment"].astype(str).str.lower() != "consumer")
    if kinds is not None:
        apply(f"provider_kind={provider_kind!r}", df["provider_kind"].isin(kinds),
              f"; provider kinds: {', '.join(KINDS)}")
    for col, value in (("vendor", vendor), ("type", type), ("segment", segment)):
        vals = _as_list(value)
        if vals is None:
            continue
        lower = {v.lower() for v in vals}
        known = sorted(df.loc[usable, col].dropna().astype(str).unique())
        apply(f"{col}={value!r}", df[col].astype(str).str.lower().isin(lower),
              f"; {col} values with data: {', '.join(known)}")
    if since is not None:
        t = to_datetimes(since)[0]
        apply(f"since={t:%Y-%m-%d}", df["date"] >= t)
    if before is not None:
        t = to_datetimes(before)[0]
        apply(f"before={t:%Y-%m-%d}", df["date"] < t)

    return usable, reason_of, keep, filters


def _values(df, usable, reason_of, keep, filters, metric, *, dollars, base_year, price_index, frontier,
            notes) -> tuple[pd.DataFrame, dict]:
    """The kept rows with their ``value`` (FLOP/s per $ or per W, FLOP per $ of rental), sorted by
    date; and the rows dropped, reason -> count."""
    dropped_rows = reason_of[keep & ~usable]
    dropped = {str(k): int(v) for k, v in dropped_rows.value_counts().items()}
    out = df.loc[keep & usable].copy()

    if metric == "flops_per_usd":
        usd = out["release_price_usd"].astype(float)
        if dollars == "real":
            usd = usd * _deflator(out["date"], datasets.load("price_index") if price_index is None else price_index,
                                  base_year, notes)
        out["value"] = out["_flops"] / usd
    elif metric == "flops_per_watt":
        out["value"] = out["_flops"] / out["tdp_w"].astype(float)
    else:
        usd = out["usd_per_chip_hour"].astype(float)
        if dollars == "real":
            usd = usd * _deflator(out["date"], datasets.load("price_index") if price_index is None else price_index,
                                  base_year, notes)
        out["value"] = out["_flops"] * 3600.0 / usd
    bad = ~(np.isfinite(out["value"].to_numpy(dtype=float)) & (out["value"].to_numpy(dtype=float) > 0))
    if bad.any():
        dropped["value not finite and positive"] = int(bad.sum())
        out = out.loc[~bad]

    out = out.sort_values(["date", "name"], kind="stable").reset_index(drop=True)
    if frontier:
        # Keep a point only if it beats every earlier one (best chip available at its date).
        best = out.groupby("precision")["value"].transform(lambda v: v.cummax().shift(1, fill_value=-np.inf))
        on = out["value"] > best
        if (~on).any():
            dropped["below the frontier (frontier=True)"] = int((~on).sum())
        out = out.loc[on].reset_index(drop=True)
        if out["name"].nunique() < MIN_CHIPS:
            raise ScalingError(f"frontier=True leaves {plural(out['name'].nunique(), 'chip')}; at least {MIN_CHIPS} are needed")
    if out["name"].nunique() < MIN_CHIPS:
        raise ScalingError(f"only {out['name'].nunique()} distinct chips have a {metric} value after the filters "
                         f"{', '.join(f for f, _ in filters)}; at least {MIN_CHIPS} are needed")

    return out, dropped


def _finish(out, filters, notes, dropped, metric, precisions, *, group_by, consumer, export_limited, kinds,
            provider_kind, settings_in) -> TrendData:
    """Years, log10 values, groups, the columns kept, and the settings of the points."""
    out["year"] = decimal_year(out["date"])
    out["log10_value"] = np.log10(out["value"].astype(float))
    if group_by == "vendor":
        out["group"] = out["vendor"].fillna("unknown").astype(str)
    elif group_by == "precision":
        out["group"] = out["precision"].astype(str)
    else:
        out["group"] = ""
    cols = ["name", "vendor", "segment", "precision", "date", "year", "value", "log10_value", "group"]
    if metric == "flops_per_usd_cloud":
        cols += ["provider", "provider_kind", "pricing_tier", "usd_per_chip_hour", "hardware_release_date"]
    else:
        cols.insert(4, "release_date")
    out = out[cols].copy()
    cloud_cols = ("provider", "provider_kind", "pricing_tier") if "provider" in cols else ()
    for c in ("name", "vendor", "segment", "precision", "group") + cloud_cols:
        out[c] = out[c].astype(object).where(out[c].notna(), "").astype(str)
    settings = dict(settings_in)
    # New options enter the settings only when not at their default, so the settings (and
    # caches keyed by them) of trends fitted before the options existed are unchanged.
    if not consumer or consumer != CONSUMER_DEFAULT[metric]:
        settings["consumer"] = consumer
    if export_limited:
        settings["export_limited"] = True
    if kinds is not None:
        settings["provider_kind"] = kinds[0] if len(kinds) == 1 else tuple(kinds)
    return TrendData(metric=metric, precision=settings["precision"], data=out, dropped=dropped,
                     filters=filters, notes=notes, settings=settings)


def trend_data(
    accelerators: pd.DataFrame | None = None,
    metric: str = "flops_per_usd",
    precision: str | Sequence[str] = "tensor16",
    *,
    vendor=None,
    type=None,  # noqa: A002 - the column is called 'type'
    segment=None,
    since=None,
    before=None,
    dollars: str = "nominal",
    base_year: int = 2024,
    frontier: bool = False,
    pricing: str = "on_demand",
    cloud_prices: pd.DataFrame | None = None,
    price_index: pd.DataFrame | None = None,
    group_by: str | None = None,
    consumer: bool | None = None,
    export_limited: bool = False,
    provider_kind=None,
) -> TrendData:
    """Select and compute the points of a hardware trend.

    Parameters are those of :func:`scaling.hardware.fit_trend`; ``group_by`` is
    ``None``, ``"vendor"`` or ``"precision"`` (then ``precision`` may be a list and
    each chip contributes one row per precision it has). ``consumer=False`` leaves out
    consumer cards (segment ``consumer``), ``True`` keeps them; the default (``None``) is
    :data:`CONSUMER_DEFAULT` (left out of ``flops_per_usd``, the purchase basis); ``export_limited=True`` keeps the export-limited
    parts of :data:`EXPORT_LIMITED`; ``provider_kind`` (cloud prices) keeps these kinds of
    provider; ``pricing="all"`` gives one row per observation and tier it has. Tensor FP16
    rates of GeForce RTX cards are always their FP32-accumulate rates
    (:func:`fp32_accumulate_tensor16`).

    Raises
    ------
    ScalingError
        For an unknown metric, precision, pricing or dollars; a filter or the missing
        data leaving fewer than 3 chips (naming the filter).
    """
    precisions, kinds = _check_options(metric, dollars, pricing, provider_kind, group_by, precision)
    consumer = CONSUMER_DEFAULT[metric] if consumer is None else bool(consumer)
    notes: list[str] = []
    df, reasons = _rows(accelerators, metric, precisions, pricing, cloud_prices, notes)
    usable, reason_of, keep, filters = _filter(
        df, reasons, metric, precisions, export_limited=export_limited, consumer=consumer, kinds=kinds,
        provider_kind=provider_kind, vendor=vendor, type=type, segment=segment, since=since, before=before)
    out, dropped = _values(df, usable, reason_of, keep, filters, metric, dollars=dollars, base_year=base_year,
                           price_index=price_index, frontier=frontier, notes=notes)
    settings = dict(metric=metric, precision=precisions[0] if len(precisions) == 1 else tuple(precisions),
                    vendor=vendor, type=type, segment=segment,
                    since=None if since is None else str(to_datetimes(since)[0].date()),
                    before=None if before is None else str(to_datetimes(before)[0].date()),
                    dollars=dollars, base_year=base_year if dollars == "real" else None,
                    frontier=bool(frontier), pricing=pricing if metric == "flops_per_usd_cloud" else None,
                    group_by=group_by)
    return _finish(out, filters, notes, dropped, metric, precisions, group_by=group_by, consumer=consumer,
                   export_limited=export_limited, kinds=kinds, provider_kind=provider_kind, settings_in=settings)
