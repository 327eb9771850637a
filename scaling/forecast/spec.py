r"""Every scenario input of a cost forecast in one frozen, validated object: :class:`ForecastSpec`.

:func:`scaling.forecast.equivalent_cost` takes a :class:`ForecastSpec` (or builds one from its
keyword arguments); ``scaling forecast`` builds one from its options, and each table of a
scenario file is one (:meth:`ForecastSpec.from_mapping`, keys :data:`SCENARIO_FIELDS`). Every
value is checked once, in :meth:`ForecastSpec.__post_init__`, with a
:class:`~scaling.errors.ScalingError` naming the bad value and what is allowed; the forecast's
``assumptions`` start from :meth:`ForecastSpec.assumptions` and its saved ``settings`` are
:meth:`ForecastSpec.to_dict`.

**Utilisation (MFU) has one name, one set of defaults and one bound**: ``mfu`` (training
model-FLOPs utilisation, a share of peak), ``inference_mfu`` (serving), with defaults
:data:`DEFAULT_MFU_RANGE` and :data:`DEFAULT_INFERENCE_MFU_RANGE` and bounds :data:`MFU_BOUNDS`
(:math:`0.001 \le \text{mfu} \le 1`, from :mod:`scaling.cost.rates`, the one home of both). ``utilisation=`` (and ``inference_utilisation=``,
``utilisation_growth_per_year=``, ``max_utilisation=``, ``utilisation_reference_date=``) are
deprecated keyword aliases (:data:`DEPRECATED_NAMES`). The saved ``assumptions`` keep the key
names of schema version 1 (``utilisation``, ...) so that readers of older files read both.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from .._checks import check_int, check_level, check_number
from ..cost.rates import DEFAULT_INFERENCE_MFU_RANGE, DEFAULT_MFU_RANGE, MFU_BOUNDS
from .._dates import decimal_year, iso_date, to_datetimes
from ..cost.tco import DOLLARS, TCOAssumptions
from ..errors import ScalingError
from .draws import PRICE_DOUBLING_YEARS_RANGE, SLOWDOWN_PRIOR_NOTE, check_halving, check_range, check_slowdown
from .price_mixture import format_price_mixture, parse_price_mixture
from .targets import parse_target, target_spec

__all__ = ["ForecastSpec", "DEFAULTS", "DEFAULT_MFU_RANGE", "DEFAULT_INFERENCE_MFU_RANGE", "MFU_BOUNDS", "DEFAULT_MAX_MFU",
           "MIN_UTILISATION", "YEAR_RANGE", "BASES", "SCENARIO_FIELDS", "DEPRECATED_NAMES", "default_dates",
           "check_dates", "rename_deprecated"]

# The MFU's defaults and bounds have one home, scaling.cost.rates: training MFU uniform per draw
# over DEFAULT_MFU_RANGE (30-50%), serving over DEFAULT_INFERENCE_MFU_RANGE (10-30%), allowed MFU_BOUNDS.
#: Old name of the lower bound (kept for callers of ``scaling.forecast.core.MIN_UTILISATION``).
MIN_UTILISATION = MFU_BOUNDS[0]
#: Cap on MFU when it grows (``mfu_growth_per_year``).
DEFAULT_MAX_MFU = 0.75
#: Forecast dates the package answers for: from the first accelerator trends to a horizon
#: beyond which a log-linear price trend is no forecast at all.
YEAR_RANGE = (2000, 2050)
#: Bases of the price of a FLOP: cloud rental, or total cost of ownership of bought hardware.
BASES = ("cloud", "purchase")

#: Documented defaults of :func:`scaling.forecast.equivalent_cost` (see each entry's note).
DEFAULTS: dict[str, dict[str, Any]] = {
    "mfu": {
        "value": DEFAULT_MFU_RANGE,
        "note": "training model-FLOPs utilisation, uniform per draw over 30-50%: GPT-3 21.3% (2020), "
        "MT-NLG 30.2%, Gopher 32.5%, PaLM 46.2% (Chowdhery et al. 2022, Table 3), Llama 3.1 405B 38-43% "
        "(Grattafiori et al. 2024); a well-run large job today sits in 30-50%. Allowed: 0.001 <= mfu <= 1",
    },
    "mfu_growth_per_year": {
        "value": 0.0,
        "note": "relative growth of MFU per year (0: constant); capped at max_mfu",
    },
    "max_mfu": {"value": DEFAULT_MAX_MFU, "note": "cap on MFU when it grows"},
    "mfu_reference_date": {"value": "2023-01-01", "note": "date at which mfu applies"},
    "inference_mfu": {
        "value": None,
        "default_range": DEFAULT_INFERENCE_MFU_RANGE,
        "note": "MFU when serving; None: uniform 10-30%, below training: autoregressive decoding is "
        "memory-bandwidth bound, and Pope et al. (2022), Efficiently Scaling Transformer Inference "
        "(arXiv:2211.05102), reach high MFU only for large-batch prefill, far lower for low-latency decoding; "
        "the seed article uses GPT-3's 21.3%",
    },
    "lifetime_years": {"value": None, "note": "purchase basis: overrides TCOAssumptions.lifetime_years (3-5 yr)"},
    "overhead_factor": {
        "value": None,
        "note": "purchase basis, old callers: sets the server overhead and turns the interconnect off; "
        "None uses TCOAssumptions (Cottier et al. 2024 ranges)",
    },
    "usd_per_kwh": {"value": None, "note": "purchase basis: overrides TCOAssumptions.usd_per_kwh ($0.067-0.083)"},
    "pue": {"value": None, "note": "purchase basis: overrides TCOAssumptions.pue (1.1-1.56)"},
    "price_scatter": {
        "value": True,
        "note": "add the spread of prices a buyer meets at a date (the trend's Student-t scatter) to the line",
    },
    "dollars": {"value": "nominal", "note": "nominal, or real (constant base_year) dollars via the shipped PPI"},
    "base_year": {"value": 2024, "note": "base year of real dollars"},
    "algorithmic_halving_months": {
        "value": None,
        "note": "None: off. 'ho2024': halving time drawn per draw from a two-piece lognormal with median 8 "
        "months and 90% interval 2-22 months (Ho et al. 2024, NeurIPS); 'ho2024-arxiv': the v1 interval "
        "(95% CI 5-14 months); or a number of months",
    },
    "algorithmic_reference_date": {
        "value": "2020-06-01",
        "note": "date from which algorithmic progress is counted (GPT-3's release)",
    },
    "algorithmic_slowdown_per_year": {
        "value": "prior",
        "note": "beyond algorithmic_slowdown_date the halving time grows by the factor 1 + s per year (the rate of "
        "progress shrinks by it); 'prior': " + SLOWDOWN_PRIOR_NOTE + "; a number fixes s (0: constant rate)",
    },
    "algorithmic_slowdown_date": {
        "value": "2024-01-01",
        "note": "date from which the rate slows: the end of the years Ho et al. (2024) measured (2012-2023); "
        "before it their rate holds",
    },
    "algorithmic_cap": {
        "value": None,
        "note": "largest effective-compute multiplier (None: no cap). The capability frontier of GPT-3's MMLU "
        "fell 268x by 2023-09 (scaling.forecast.capability), so a 100x cap is below the evidence; a cap "
        "set reports the share of draws it binds (assumptions['algorithmic_cap_binding'])",
    },
}

#: Deprecated keyword -> its name now (``equivalent_cost(utilisation=...)`` warns and means ``mfu=``).
DEPRECATED_NAMES = {"utilisation": "mfu", "inference_utilisation": "inference_mfu",
                    "utilisation_growth_per_year": "mfu_growth_per_year", "max_utilisation": "max_mfu",
                    "utilisation_reference_date": "mfu_reference_date"}

#: Scenario keys (a scenario file's, ``scaling forecast``'s options with underscores) -> spec field.
SCENARIO_FIELDS = {
    "label": "label", "law": "law", "target": "target", "basis": "basis", "price_series": "price_series",
    "price_mixture": "price_mixture",
    "price_doubling_years": "price_doubling_years", "price_scatter": "price_scatter", "mfu": "mfu",
    "utilisation": "mfu", "inference_mfu": "inference_mfu", "inference_utilisation": "inference_mfu",
    "dollars": "dollars", "base_year": "base_year", "algorithmic": "algorithmic_halving_months",
    "algorithmic_cap": "algorithmic_cap", "algorithmic_slowdown": "algorithmic_slowdown_per_year",
    "lifetime_years": "lifetime_years", "pue": "pue", "usd_per_kwh": "usd_per_kwh",
}
#: The TCO inputs a scenario may set (purchase basis only).
TCO_FIELDS = ("lifetime_years", "pue", "usd_per_kwh")


# ----------------------------------------------------------------------------- dates
def _check_years(idx: pd.DatetimeIndex) -> None:
    lo, hi = YEAR_RANGE
    bad = (idx.year < lo) | (idx.year > hi)
    if bad.any():
        raise ScalingError(f"forecast date {iso_date(idx[bad][0])} is outside {lo}-{hi}: the price trends are "
                           f"fitted to accelerators from the 2000s on, and a log-linear trend beyond {hi} "
                           "is no forecast")


def default_dates(start: str = "2020-01-01", until: int | str = 2032) -> pd.DatetimeIndex:
    """Quarterly dates from ``start`` to the end of ``until`` (a year or a date), within :data:`YEAR_RANGE`."""
    last = until
    if isinstance(until, (int, np.integer)) and not isinstance(until, bool) or str(until).lstrip("-").isdigit():
        year = int(until)
        if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:  # before building a date of year -5 or 99999
            raise ScalingError(f"forecast year {until} is outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}")
        last = f"{year}-12-31"
    try:  # one reader of dates: a date outside pandas' range is a ScalingError naming it
        begin, end = to_datetimes(start)[0], to_datetimes(last)[0]
    except ScalingError as exc:
        raise ScalingError(f"cannot read the forecast range {start!r} .. {until!r}: {exc}") from None
    _check_years(pd.DatetimeIndex([begin, end]))
    dates = pd.date_range(start=begin, end=end, freq="QS")
    if len(dates) < 2:
        raise ScalingError(f"forecast range {start} .. {until} holds fewer than two quarterly dates")
    return dates


def check_dates(dates) -> pd.DatetimeIndex:
    """Forecast dates: readable, within :data:`YEAR_RANGE`, strictly increasing; else ScalingError."""
    try:
        idx = pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(dates)))
    except (ValueError, TypeError, OverflowError) as exc:
        raise ScalingError(f"dates must be dates (e.g. '2024-01-01'): {exc}") from None
    if len(idx) == 0:
        raise ScalingError("dates is empty; give at least one date")
    if idx.hasnans:
        raise ScalingError("dates contains a missing value (NaT)")
    _check_years(idx)
    if not idx.is_monotonic_increasing or idx.has_duplicates:
        bad = int(np.flatnonzero(np.diff(idx.asi8) <= 0)[0]) + 1
        raise ScalingError(
            f"dates must be strictly increasing; {idx[bad].date()} follows {idx[bad - 1].date()}"
        )
    return idx


def _date(name: str, value) -> str:
    """A single date as given (checked readable)."""
    try:
        decimal_year(value)
    except ScalingError as exc:
        raise ScalingError(f"{name}: {exc}") from None
    return str(value)


# ----------------------------------------------------------------------------- values as written
def _tco_value(name: str, value):
    """A TCO input: a number, ``"LOW:HIGH"`` or ``[LOW, HIGH]``, checked against its limits."""
    if isinstance(value, str):
        try:
            parts = [float(x) for x in value.split(":")]
        except ValueError:
            parts = []
        if len(parts) not in (1, 2):
            raise ScalingError(f"{name} {value!r}: give a number or LOW:HIGH (e.g. 3:5)")
        value = parts[0] if len(parts) == 1 else tuple(parts)
    if isinstance(value, (list, tuple)) and len(value) != 2:
        raise ScalingError(f"{name} must be a number or [LOW, HIGH], got {value!r}")
    if name == "pue" and float(np.min(np.atleast_1d(np.asarray(value, dtype=float)))) < 1:
        raise ScalingError(f"pue must be >= 1 (total facility power / IT power), got {value!r}")
    if name == "usd_per_kwh":
        check_number("usd_per_kwh", np.asarray(value, dtype=float), low=0.0, low_open=False)
    rng = getattr(TCOAssumptions.make(**{name: value}), name)  # the limits of TCO_SOURCES
    return rng.low if rng.low == rng.high else (rng.low, rng.high)


def _halving(value):
    """``algorithmic``: off (None, ``"off"``), a preset name, or months (a numeric string too)."""
    if isinstance(value, str):
        if value.strip().lower() == "off":
            return None
        try:
            value = float(value)
        except ValueError:
            pass
    return check_halving(value)


def _slowdown(value):
    """``"prior"`` or a number in [0, 10] (a numeric string from the command line)."""
    if isinstance(value, str) and value.strip().lower() != "prior":
        try:
            value = float(value)
        except ValueError:
            raise ScalingError(f"algorithmic_slowdown {value!r}: give 'prior' or a number in [0, 10]") from None
    return check_slowdown(value)


def _range_out(r: tuple[float, float]):
    """A range as saved: one number when fixed, else ``[LOW, HIGH]``."""
    return list(r) if r[0] != r[1] else r[0]


def rename_deprecated(kwargs: Mapping[str, Any], stacklevel: int = 2) -> dict[str, Any]:
    """``kwargs`` with the old names of :data:`DEPRECATED_NAMES` renamed (a :class:`DeprecationWarning` each).

    ``utilisation=`` means ``mfu=``, and so on; giving both an old and a new name is an error.
    """
    out = dict(kwargs)
    for old, new in DEPRECATED_NAMES.items():
        if old in out:
            if new in out:
                raise ScalingError(f"give {new}= or its old name {old}=, not both")
            warnings.warn(f"{old}= is deprecated; use {new}= (model-FLOPs utilisation, MFU)",
                          DeprecationWarning, stacklevel=stacklevel + 1)
            out[new] = out.pop(old)
    return out


# ----------------------------------------------------------------------------- the spec
@dataclass(frozen=True)
class ForecastSpec:
    r"""Every scenario input of a cost forecast, validated once (:func:`scaling.forecast.equivalent_cost`).

    The law and the price trends themselves are passed beside the spec (they are fitted
    results); ``law``, ``basis`` and ``price_series`` name them for the scenario layer and
    the header. Values are normalised on construction: ranges become ``(low, high)`` tuples,
    targets as written (``"175e9,300e9"``) become ``(n_params, n_tokens)``, dates a tuple of
    timestamps (:attr:`date_index`; default :func:`default_dates`).

    Attributes
    ----------
    target : str, float or (n_params, n_tokens)
        A reference model (``"gpt3"``, ``"Chinchilla"``, ...), a loss in nats (below
        :data:`scaling.forecast.MAX_TARGET_LOSS`), a model's (N, D), or
        ``capability:BENCH=SCORE`` (priced from the capability frontier).
    dates : sequence of dates, optional
        Strictly increasing, within :data:`YEAR_RANGE`; default quarterly 2020-2032.
    mfu, inference_mfu : float or (low, high)
        Training and serving model-FLOPs utilisation, fixed or uniform per draw; in
        :data:`MFU_BOUNDS`; defaults :data:`DEFAULT_MFU_RANGE`, :data:`DEFAULT_INFERENCE_MFU_RANGE`.
    mfu_growth_per_year, max_mfu, mfu_reference_date
        :math:`u(t) = \min(u_\max, u_i (1 + g)^{t - t_\text{ref}})`; :math:`-1 \le g \le 10`,
        :math:`0 < u_\max \le 1`.
    lifetime_years, pue, usd_per_kwh, overhead_factor, tco
        Purchase basis: the total cost of ownership (:class:`scaling.cost.tco.TCOAssumptions`).
    price_scatter, price_doubling_years, dollars, base_year
        Buyer scatter on/off, the price trend's slope override (0.25-100 years), nominal or
        real (constant ``base_year``) dollars.
    algorithmic_halving_months, algorithmic_reference_date, algorithmic_slowdown_per_year,
    algorithmic_slowdown_date, algorithmic_cap, algorithmic_banked
        Algorithmic progress (Ho et al. 2024; :data:`DEFAULTS` gives each one's meaning).
    label, law, basis, price_series
        The scenario's name and what its law and price series are called.
    price_mixture : str or mapping, optional
        A mixture of price series and bases (:mod:`scaling.forecast.price_mixture`):
        ``"NAME:WEIGHT,..."`` with names of :data:`scaling.forecast.scenarios.PRICE_SERIES`
        and positive weights, normalised to sum to 1 (kept as the normalised text); each
        joint draw prices with one series. Excludes ``basis`` and ``price_series``.
    decompose, levels, n_draws, seed
        The decomposition of the spread on/off, interval levels, joint draws (10 to 1e6) and
        the seed of every draw (>= 0).
    """

    target: Any = "gpt3"
    dates: Any = field(default=None, repr=False)
    label: str | None = None
    law: str | None = None
    basis: str | None = None
    price_series: str | None = None
    price_mixture: Any = None
    price_scatter: bool = DEFAULTS["price_scatter"]["value"]
    price_doubling_years: float | None = None
    dollars: str = DEFAULTS["dollars"]["value"]
    base_year: int = DEFAULTS["base_year"]["value"]
    mfu: Any = DEFAULT_MFU_RANGE
    inference_mfu: Any = None
    mfu_growth_per_year: float = 0.0
    max_mfu: float = DEFAULT_MAX_MFU
    mfu_reference_date: str = DEFAULTS["mfu_reference_date"]["value"]
    lifetime_years: Any = None
    pue: Any = None
    usd_per_kwh: Any = None
    overhead_factor: float | None = None
    tco: Any = None
    algorithmic_halving_months: Any = None
    algorithmic_reference_date: str = DEFAULTS["algorithmic_reference_date"]["value"]
    algorithmic_slowdown_per_year: Any = DEFAULTS["algorithmic_slowdown_per_year"]["value"]
    algorithmic_slowdown_date: str = DEFAULTS["algorithmic_slowdown_date"]["value"]
    algorithmic_cap: float | None = None
    algorithmic_banked: Any = "auto"
    decompose: bool = True
    levels: Any = (0.5, 0.9)
    n_draws: int = 4000
    seed: int = 0

    def __post_init__(self) -> None:
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen)
        put("n_draws", check_int("n_draws", self.n_draws, 10, 1_000_000))
        put("seed", check_int("seed", self.seed, 0))
        put("levels", tuple(check_level(lv) for lv in self.levels))
        put("target", self._checked_target(self.target))
        idx = default_dates() if self.dates is None else check_dates(self.dates)
        put("dates", tuple(idx))
        for name in ("label", "law", "price_series"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), str):
                raise ScalingError(f"{name} must be a string, got {getattr(self, name)!r}")
        if self.price_mixture is not None:
            put("price_mixture", format_price_mixture(parse_price_mixture(self.price_mixture)))
            given = [k for k in ("basis", "price_series") if getattr(self, k) is not None]
            if given:
                raise ScalingError(f"price_mixture names its series and their bases; leave {' and '.join(given)} "
                                   f"({', '.join(repr(getattr(self, k)) for k in given)}) unset")
        if self.basis is not None and self.basis not in BASES:
            raise ScalingError(f"unknown basis {self.basis!r}; allowed: {', '.join(BASES)}")
        if self.dollars not in DOLLARS:
            raise ScalingError(f"unknown dollars {self.dollars!r}; allowed: {', '.join(DOLLARS)}")
        put("base_year", check_int("base_year", self.base_year, YEAR_RANGE[0] - 100, YEAR_RANGE[1]))
        put("price_scatter", bool(self.price_scatter))
        put("decompose", bool(self.decompose))
        if self.price_doubling_years is not None:
            lo, hi = PRICE_DOUBLING_YEARS_RANGE
            put("price_doubling_years", float(check_number("price_doubling_years (years for $ per FLOP to halve)",
                                                           self.price_doubling_years, low=lo, high=hi,
                                                           low_open=False)))
        self._check_mfu(put)
        self._check_tco(put)
        self._check_algorithmic(put)

    @staticmethod
    def _checked_target(target):
        from .capability import is_capability_target, parse_capability_target

        target = parse_target(target)
        if is_capability_target(target):
            parse_capability_target(target)
        else:
            target_spec(target)
        return target

    def _check_mfu(self, put) -> None:
        low, high = MFU_BOUNDS
        put("mfu", check_range("mfu", self.mfu, low=low, high=high, low_open=False))  # MFU_BOUNDS: both ends
        if self.inference_mfu is not None:
            put("inference_mfu", check_range("inference_mfu", self.inference_mfu, low=low, high=high,
                                                    low_open=False))
        put("max_mfu", float(check_number("max_mfu", self.max_mfu, low=0.0, high=1.0)))
        put("mfu_growth_per_year", float(check_number("mfu_growth_per_year", self.mfu_growth_per_year,
                                                      low=-1.0, high=10.0)))
        put("mfu_reference_date", _date("mfu_reference_date", self.mfu_reference_date))

    def _check_tco(self, put) -> None:
        for name in TCO_FIELDS:
            if getattr(self, name) is not None:
                put(name, _tco_value(name, getattr(self, name)))
        if self.overhead_factor is not None:
            put("overhead_factor", float(check_number("overhead_factor", self.overhead_factor, low=0.0)))
        if isinstance(self.tco, Mapping):  # as saved: field -> [low, high]
            put("tco", TCOAssumptions.make(**{k: tuple(v) for k, v in self.tco.items()}))
        elif self.tco is not None and not isinstance(self.tco, TCOAssumptions):
            raise ScalingError(f"tco must be a TCOAssumptions, got {type(self.tco).__name__}")
        given = [k for k in (*TCO_FIELDS, "overhead_factor", "tco") if getattr(self, k) is not None]
        if given and self.basis == "cloud":
            raise ScalingError(f"{', '.join(given)} set(s) the total cost of owned hardware, which applies to the "
                               "purchase basis only; this scenario is on the cloud basis (rental prices include "
                               "it): add basis = \"purchase\" (--basis purchase) or leave "
                               f"{', '.join(given)} out")

    def _check_algorithmic(self, put) -> None:
        put("algorithmic_halving_months", _halving(self.algorithmic_halving_months))
        put("algorithmic_slowdown_per_year", _slowdown(self.algorithmic_slowdown_per_year))
        if self.algorithmic_cap is not None:
            put("algorithmic_cap", float(check_number("algorithmic_cap", self.algorithmic_cap, low=1.0,
                                                      low_open=False)))
        banked = self.algorithmic_banked
        if isinstance(banked, str):
            if banked != "auto":
                raise ScalingError(f"algorithmic_banked must be 'auto' or a number >= 1, got {banked!r}")
        else:
            put("algorithmic_banked", float(check_number("algorithmic_banked", banked, low=1.0, low_open=False)))
        for name in ("algorithmic_reference_date", "algorithmic_slowdown_date"):
            put(name, _date(name, getattr(self, name)))

    # ------------------------------------------------------------------------- constructors
    @classmethod
    def from_kwargs(cls, **kwargs) -> ForecastSpec:
        """A spec from :func:`~scaling.forecast.equivalent_cost`'s keywords; deprecated names warn
        (:func:`rename_deprecated`)."""
        return cls(**rename_deprecated(kwargs, stacklevel=3))

    @classmethod
    def from_mapping(cls, scenario: Mapping[str, Any], *, name: str | None = None, **run) -> ForecastSpec:
        """A spec from a scenario (keys :data:`SCENARIO_FIELDS`: a scenario file's table, the CLI's options).

        ``run`` sets further fields (``dates``, ``n_draws``, ``seed``, ...). The price series
        is resolved against :data:`scaling.forecast.scenarios.PRICE_SERIES` (``basis`` and
        ``price_series`` are both filled in); the label defaults to ``name``.
        """
        from .scenarios import series_for

        where = f"scenario {name!r}: " if name is not None else ""
        unknown = sorted(set(scenario) - set(SCENARIO_FIELDS))
        if unknown:
            raise ScalingError(f"{where}unknown key(s) {', '.join(unknown)}; allowed: {', '.join(SCENARIO_FIELDS)}")
        values: dict[str, Any] = {}
        for key, value in scenario.items():
            field_name = SCENARIO_FIELDS[key]
            if field_name in values and value is not None:
                raise ScalingError(f"{where}give {field_name} once ({key} is its old name)")
            if value is not None or field_name not in values:
                values[field_name] = value
        values = {k: v for k, v in values.items() if v is not None}
        if "price_mixture" not in values:
            series_name, series = series_for(values)
            values.update(basis=series.basis, price_series=series_name)
        if name is not None:
            values.setdefault("label", name)
        try:
            return cls(**{**values, **run})
        except ScalingError as exc:
            raise ScalingError(f"{where}{exc}") if where else exc from None

    # ------------------------------------------------------------------------- views
    @property
    def date_index(self) -> pd.DatetimeIndex:
        """The forecast dates as a DatetimeIndex."""
        return pd.DatetimeIndex(self.dates)

    @property
    def inference_range(self) -> tuple[float, float]:
        """Serving MFU as (low, high): ``inference_mfu``, else :data:`DEFAULT_INFERENCE_MFU_RANGE`."""
        return DEFAULT_INFERENCE_MFU_RANGE if self.inference_mfu is None else self.inference_mfu

    def tco_assumptions(self) -> TCOAssumptions:
        """The purchase basis's TCO inputs: ``tco`` (default Cottier et al. 2024) with the overrides set."""
        tco = TCOAssumptions() if self.tco is None else self.tco
        overrides = {k: getattr(self, k) for k in TCO_FIELDS if getattr(self, k) is not None}
        if self.overhead_factor is not None:
            overrides.update(server_overhead=self.overhead_factor, interconnect_overhead=1.0)
        central = {k: getattr(tco, k) for k in tco.central()}
        return TCOAssumptions.make(**{**central, **overrides})

    def replace(self, **changes) -> ForecastSpec:
        """A copy with ``changes`` (checked again)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Every field, JSON-ready (the saved forecast's ``settings``); ``ForecastSpec(**d)`` reads it back."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "dates":
                v = [iso_date(t) if t == t.normalize() else t.isoformat() for t in self.dates]
            elif f.name == "tco":
                v = None if v is None else v.to_dict()
            elif isinstance(v, tuple):
                v = list(v)
            elif f.name == "price_mixture" and v is None:
                continue  # absent when unset: the hashes of single-series forecasts stay as they were
            out[f.name] = v
        return out

    def sha256(self) -> str:
        """Hash of :meth:`to_dict` (canonical JSON): part of a forecast's ``data_sha256``."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True, default=str).encode()).hexdigest()

    def assumptions(self, derived: Mapping[str, Any]) -> dict[str, Any]:
        """The forecast's ``assumptions``: this spec's inputs with what the run ``derived``, in saved order.

        ``derived`` holds what only the run knows (header, target's description and median
        loss, basis, dollar note, the law's and trends' metadata, TCO, algorithmic gain and the
        cap's binding share, ...); its keys that are not in the saved order are appended.
        """
        algorithmic = self.algorithmic_halving_months is not None
        target = self.target if isinstance(self.target, (str, float, int)) else list(self.target)
        own = {
            "label": self.label, "target": target, "dollars": self.dollars,
            "base_year": int(self.base_year) if self.dollars == "real" else None,
            "price_series": self.price_series, "price_scatter": self.price_scatter,
            **({"price_mixture": self.price_mixture} if self.price_mixture is not None else {}),
            "price_doubling_years": self.price_doubling_years,
            "utilisation": _range_out(self.mfu), "utilisation_growth_per_year": self.mfu_growth_per_year,
            "max_utilisation": self.max_mfu, "utilisation_reference_date": self.mfu_reference_date,
            "inference_utilisation": _range_out(self.inference_range),
            "algorithmic_halving_months": self.algorithmic_halving_months,
            "algorithmic_reference_date": self.algorithmic_reference_date,
            "algorithmic_slowdown_per_year": self.algorithmic_slowdown_per_year,
            "algorithmic_slowdown_date": self.algorithmic_slowdown_date,
            "algorithmic_cap": self.algorithmic_cap,
            "algorithmic_banked": self.algorithmic_banked if algorithmic else None,
            "levels": [float(x) for x in self.levels], "n_draws": self.n_draws, "seed": int(self.seed),
            "flops_per_token_inference": "2N", "training_flops": "6ND",
        }
        order = ("label", "header", "target", "target_description", "target_loss_median", "basis", "dollars",
                 "dollar_note", "base_year", "law", "loss_fit", "price_series", "price_mixture", "price_trend",
                 "energy_trend",
                 "price_scatter", "price_doubling_years", "utilisation", "utilisation_growth_per_year",
                 "max_utilisation", "utilisation_reference_date", "inference_utilisation", "tco",
                 "algorithmic_halving_months", "algorithmic_reference_date", "algorithmic_slowdown_per_year",
                 "algorithmic_slowdown_date", "algorithmic_cap", "algorithmic_cap_binding", "algorithmic_gain",
                 "algorithmic_banked", "levels", "n_draws", "seed", "flops_per_token_inference", "training_flops")
        merged = {**own, **derived}
        out = {k: merged[k] for k in order if k in merged}
        out.update({k: v for k, v in derived.items() if k not in out})
        return out
