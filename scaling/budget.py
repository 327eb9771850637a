r"""Budgets in the units people have: chips x days, or dollars, turned into FLOPs.

A training budget is usually stated as hardware ("1,000 H100s for 30 days at 40% MFU") or
as money ("$2M of H100 time"). Both become a FLOP budget through the chip's peak rate and
the model FLOPs utilisation (MFU) of Chowdhery et al. (2022), "PaLM: Scaling Language
Modeling with Pathways", Appendix B (https://arxiv.org/abs/2204.02311):

.. math::

    C = n_{chips} \times t_{days} \times 86400 \times \text{peak FLOP/s} \times \text{MFU},
    \qquad
    C = \frac{\text{USD}}{\text{USD per chip-hour}} \times 3600 \times \text{peak FLOP/s} \times \text{MFU}.

- :class:`ChipRate`: what one chip-hour of a given chip does (FLOPs, at a precision and an
  MFU) and costs (dollars);
- :func:`chip_rate`: a :class:`ChipRate` from a hardware name (the shipped ``accelerators``
  table) and, unless a price is given, the shipped cloud price (:func:`cloud_price`);
- :func:`cloud_price`: the median on-demand price of a chip near a date, from the shipped
  ``cloud_prices`` table;
- :class:`Budget`: ``compute_flops``, ``chip_hours``, ``days`` (wall clock), ``usd`` and the
  ``assumptions`` that made them; built by :func:`from_compute`, :func:`from_chips` and
  :func:`from_usd`, or by :func:`from_options` from whichever of them a caller gives.

FLOPs become chip-hours and dollars through :func:`scaling.cost.compute_cost_usd`, the one
conversion of the package; the MFU's default and allowed range are those of
:mod:`scaling.cost.rates` (:data:`DEFAULT_MFU`, :data:`~scaling.cost.MFU_BOUNDS`). The options of
``scaling optimal`` (``--hardware``, ``--chips``, ...) are read in :mod:`scaling.cli._budget_options`.

:func:`scaling.sizing.optimal` takes a :class:`Budget` (``budget=``) and answers in FLOPs,
chip-hours, days and dollars.

The price rule (:func:`cloud_price`)
------------------------------------
On-demand dollars per chip-hour of that chip (rows of ``cloud_prices`` whose ``hardware`` is
the chip's full name in ``accelerators``), one observation per (date, provider, price)
(a provider quoting the same price for 1, 2, 4 and 8-chip instances counts once), within
:data:`PRICE_WINDOW_DAYS` (182) days of the date; the median of those. The date defaults to
the chip's latest observation. Cloud list prices are not what large clusters pay under
contract (often 30-60% less): give ``usd_per_chip_hour`` when you know your price.

Examples
--------
>>> from scaling import budget
>>> b = budget.from_chips("h100", chips=1000, days=30, mfu=0.4, usd_per_chip_hour=2.0)
>>> f"{b.compute_flops:.3g} FLOPs, {b.chip_hours:.3g} chip-hours, ${b.usd / 1e6:.2f}M"
'1.03e+24 FLOPs, 7.2e+05 chip-hours, $1.44M'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from ._checks import check_number
from ._format import plural
from .cost.rates import DEFAULT_MFU, INFERENCE_MFU_FACTOR, check_mfu, compute_cost_usd, flops_per_chip_hour
from .errors import ScalingError

__all__ = [
    "ChipRate", "Budget", "CloudPrice", "chip_rate", "cloud_price", "from_compute", "from_chips", "from_usd",
    "inference_rate", "from_options", "price_warnings", "SECONDS_PER_DAY", "PRICE_WINDOW_DAYS", "DEFAULT_MFU", "INFERENCE_MFU_FACTOR",
]

SECONDS_PER_DAY = 86400.0
#: Observations within this many days of the price date enter the median cloud price.
PRICE_WINDOW_DAYS = 182
# DEFAULT_MFU (training) and INFERENCE_MFU_FACTOR (inference MFU = factor x training MFU) are
# those of scaling.cost.rates, re-exported here.

_CHIPS_MAX = 1e8        # chips in one budget
_DAYS_MAX = 36500.0     # a century of wall clock
_USD_MAX = 1e13         # ten trillion dollars
_PRICE_MAX = 1e4        # dollars per chip-hour
_PEAK_RANGE = (1e3, 1e21)  # FLOP/s per chip, as scaling.cost


@dataclass(frozen=True)
class CloudPrice:
    """A chip's cloud price by the rule of :func:`cloud_price`."""

    usd_per_chip_hour: float
    hardware: str
    date: str
    n_observations: int
    rule: str


@dataclass(frozen=True)
class ChipRate:
    """What one chip-hour does and costs.

    Attributes
    ----------
    hardware : str
        The chip's full name in the ``accelerators`` table ("" for a peak given as a number).
    peak_flops_per_s : float
        Dense peak FLOP/s per chip at ``precision``.
    mfu : float
        Model FLOPs utilisation in :data:`scaling.cost.MFU_BOUNDS` ([0.001, 1]).
    precision : str
        Which peak (see :data:`scaling.datasets.PRECISIONS`).
    usd_per_chip_hour : float
        NaN when no price is known.
    price_rule : str
        Where the price comes from ("given", or the cloud-price rule with its date).
    n_price_observations : int or None
        How many shipped observations the looked-up price is the median of (None for a
        given price or none); a price resting on one observation gets a ``thin_price``
        warning in the answers that use it (:func:`price_warnings`).
    """

    hardware: str
    peak_flops_per_s: float
    mfu: float
    precision: str = "tensor16"
    usd_per_chip_hour: float = math.nan
    price_rule: str = ""
    n_price_observations: int | None = None

    @property
    def flops_per_chip_hour(self) -> float:
        """Useful FLOPs per chip-hour: ``3600 x peak x MFU`` (:func:`scaling.cost.flops_per_chip_hour`)."""
        return flops_per_chip_hour(self.peak_flops_per_s, self.mfu)

    @property
    def usd_per_flop(self) -> float:
        """Dollars per useful FLOP (NaN without a price)."""
        return self.usd_per_chip_hour / self.flops_per_chip_hour

    @property
    def priced(self) -> bool:
        return math.isfinite(self.usd_per_chip_hour)

    def describe(self) -> str:
        """One line: chip, precision, MFU and price."""
        name = self.hardware or f"{self.peak_flops_per_s:.3g} FLOP/s per chip"
        price = (f"${self.usd_per_chip_hour:.4g}/chip-hour ({self.price_rule})" if self.priced
                 else "no price")
        return f"{name}, {self.precision} peak {self.peak_flops_per_s:.3g} FLOP/s, MFU {self.mfu:g}, {price}"

    def to_dict(self) -> dict:
        return {"hardware": self.hardware, "peak_flops_per_s": self.peak_flops_per_s, "mfu": self.mfu,
                "precision": self.precision, "usd_per_chip_hour": self.usd_per_chip_hour,
                "price_rule": self.price_rule, "n_price_observations": self.n_price_observations}


@dataclass(frozen=True)
class Budget:
    """A FLOP budget with what it means in chip time and money.

    Attributes
    ----------
    compute_flops : float
        The budget in FLOPs.
    chip_hours : float
        Chip-hours it takes on ``rate`` (NaN without hardware).
    days : float
        Wall-clock days on ``chips`` chips (NaN without a chip count).
    usd : float
        Dollars at the rate's price (NaN without a price).
    assumptions : dict
        Everything the conversion assumed (hardware, precision, peak, MFU, chips, price and
        its rule), for the report.
    rate : ChipRate or None
    chips : float or None
    kind : {"flops", "chip_time", "usd"}
        How the budget was given: FLOPs (:func:`from_compute`), chips x days
        (:func:`from_chips`) or dollars (:func:`from_usd`). A chip-time budget stays one in
        inference-aware sizing (:func:`scaling.sizing.optimal`): training and serving share
        its chip-hours, not its dollars.
    """

    compute_flops: float
    chip_hours: float = math.nan
    days: float = math.nan
    usd: float = math.nan
    assumptions: dict = field(default_factory=dict)
    rate: ChipRate | None = None
    chips: float | None = None
    kind: str = "flops"

    def for_flops(self, compute_flops: float) -> "Budget":
        """The same hardware, chips and price, for another number of FLOPs."""
        return replace(_budget(float(compute_flops), self.rate, self.chips), kind=self.kind)

    def to_dict(self) -> dict:
        return {"compute_flops": self.compute_flops, "chip_hours": self.chip_hours, "days": self.days,
                "usd": self.usd, "kind": self.kind, "assumptions": dict(self.assumptions)}

    def report(self) -> str:
        parts = [f"{self.compute_flops:.3g} FLOPs"]
        if math.isfinite(self.chip_hours):
            parts.append(f"{self.chip_hours:.3g} chip-hours")
        if math.isfinite(self.days):
            parts.append(f"{self.days:.3g} days on {self.chips:g} chips")
        if math.isfinite(self.usd):
            parts.append(f"${self.usd:,.0f}")
        text = "budget: " + ", ".join(parts)
        if self.rate is not None:
            text += f" ({self.rate.describe()})"
        return text


# --------------------------------------------------------------------------------------
def _cost():
    from .cost import accelerators  # pandas and the accelerators table: only when hardware is named

    return accelerators


def cloud_price(hardware: str, date=None, window_days: int = PRICE_WINDOW_DAYS) -> CloudPrice:
    """The median on-demand cloud price of a chip near a date (the rule in the module notes).

    Parameters
    ----------
    hardware : str
        A chip alias or full name (see :func:`scaling.cost.resolve_accelerator`).
    date : str or date-like, optional
        Default: the chip's latest observation.
    window_days : int
        Observations within this many days of ``date`` count.

    Raises
    ------
    ScalingError
        An unknown chip; a chip without on-demand cloud prices; no observation within the
        window (the message gives the span of the observations).
    """
    from datetime import timedelta

    acc = _cost().resolve_accelerator(hardware)
    # the table read with the csv module (no pandas: a sizing query stays fast); one observation
    # per (date, provider, price), as DataFrame.drop_duplicates
    seen, rows = set(), []
    for i, r in enumerate(_cost().table_rows("cloud_prices")):
        if r["hardware"] != acc.name or not r["usd_per_chip_hour_on_demand"].strip():
            continue
        key = (r["date"], r["provider"], r["usd_per_chip_hour_on_demand"])
        if key in seen:
            continue
        seen.add(key)
        rows.append((_parse_day(r["date"]), _price_cell(i, r["usd_per_chip_hour_on_demand"])))
    rows = [(day, usd) for day, usd in rows if not math.isnan(usd)]
    if not rows:
        raise ScalingError(f"the shipped cloud_prices table has no on-demand price for {acc.name}; "
                           "give the price with usd_per_chip_hour (--usd-per-chip-hour)")
    days = [day for day, _ in rows if day is not None]
    first, last = min(days), max(days)
    when = last if date is None else _price_date(date)
    window = timedelta(days=window_days)
    near = [usd for day, usd in rows if day is not None and abs(day - when) <= window]
    if not near:
        raise ScalingError(
            f"no on-demand price for {acc.name} within {window_days} days of {when.date()}: the shipped "
            f"observations span {first.date()} .. {last.date()}; choose a price date in that span or give "
            "usd_per_chip_hour (--usd-per-chip-hour)")
    near.sort()  # the median (the mean of the two middle prices for an even count, as pandas)
    half = len(near) // 2
    value = float(near[half] if len(near) % 2 else (near[half - 1] + near[half]) / 2)
    rule = (f"median on-demand cloud price of {plural(len(near), 'observation')} within {plural(window_days, 'day')} of "
            f"{when.date()} (datasets/cloud_prices.csv)")
    return CloudPrice(value, acc.name, str(when.date()), int(len(near)), rule)


def _parse_day(text: str):
    """A date cell of the shipped table as a naive datetime (None when empty or unreadable)."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _price_cell(row: int, text: str) -> float:
    """A price cell: NaN when not a number (as ``pd.to_numeric(errors="coerce")``); it must be > 0."""
    try:
        value = float(text)
    except ValueError:
        return math.nan
    if not value > 0:
        raise ScalingError(f"dataset 'cloud_prices': column 'usd_per_chip_hour_on_demand' row {row} is "
                           f"{value!r}, must be > 0")
    return value


def _price_date(date):
    """The price date as a naive datetime: ISO text and dates directly, anything else by
    :func:`scaling._dates.to_datetimes` (decimal years, other formats; it loads pandas)."""
    from datetime import date as _date, datetime

    if isinstance(date, datetime) and date.tzinfo is None:
        return date
    if isinstance(date, _date) and not isinstance(date, datetime):
        return datetime(date.year, date.month, date.day)
    if isinstance(date, str):
        try:
            parsed = datetime.fromisoformat(date.strip())
            if parsed.tzinfo is None:
                return parsed
        except ValueError:
            pass
    import pandas as pd

    from ._dates import to_datetimes

    try:
        when = pd.Timestamp(to_datetimes(date)[0])
        return (when.tz_convert(None) if when.tzinfo is not None else when).to_pydatetime()
    except ScalingError as exc:
        raise ScalingError(f"price date {date!r} is not a date (e.g. 2024-06-01): {exc}") from None


def chip_rate(hardware, mfu: float = DEFAULT_MFU, precision: str = "tensor16",
              usd_per_chip_hour: float | None = None, price_date=None, *, price: str = "lookup") -> ChipRate:
    """What one chip-hour of ``hardware`` does and costs.

    Parameters
    ----------
    hardware : str, float or ChipRate
        A chip alias or full name, or a peak FLOP/s per chip (then ``usd_per_chip_hour`` is
        the only price). A ``ChipRate`` is returned unchanged.
    mfu : float
        Model FLOPs utilisation in :data:`scaling.cost.MFU_BOUNDS` ([0.001, 1]).
    precision : str
        Which peak of the chip (default dense tensor FP16/BF16).
    usd_per_chip_hour : float, optional
        The price; without it, the shipped cloud price (:func:`cloud_price`) at
        ``price_date``.
    price : {"lookup", "require", "none"}
        ``lookup``: a chip without a shipped price gets NaN; ``require``: that is an error;
        ``none``: no price unless given.
    """
    if isinstance(hardware, ChipRate):
        return hardware
    mfu = check_mfu(mfu)
    if usd_per_chip_hour is not None:
        usd_per_chip_hour = check_number("usd_per_chip_hour", usd_per_chip_hour, low=0.0, high=_PRICE_MAX)
        if price_date is not None:
            raise ScalingError(f"give a price (usd_per_chip_hour {usd_per_chip_hour:g}) or a price date "
                               f"({price_date}) to look one up, not both")
    if isinstance(hardware, str):
        acc = _cost().resolve_accelerator(hardware)
        peak, name = acc.peak_flops_per_s(precision), acc.name
    else:
        if isinstance(hardware, bool) or not isinstance(hardware, (int, float)):
            raise ScalingError(f"hardware must be a chip name or a peak FLOP/s per chip, got {hardware!r}")
        peak = check_number("peak_flops_per_s", hardware, low=_PEAK_RANGE[0], high=_PEAK_RANGE[1],
                            low_open=False)
        name = ""
    if usd_per_chip_hour is not None:
        return ChipRate(name, float(peak), mfu, str(precision), float(usd_per_chip_hour), "given")
    if price == "none" or (not name and price == "lookup"):
        return ChipRate(name, float(peak), mfu, str(precision))
    if not name:
        raise ScalingError("a peak FLOP/s given as a number has no shipped price: give usd_per_chip_hour "
                           "(--usd-per-chip-hour)")
    try:
        cp = cloud_price(name, price_date)
    except ScalingError:
        if price == "require" or price_date is not None:
            raise
        return ChipRate(name, float(peak), mfu, str(precision), math.nan,
                        "no shipped cloud price for this chip")
    return ChipRate(name, float(peak), mfu, str(precision), cp.usd_per_chip_hour, cp.rule, cp.n_observations)


def inference_rate(training: ChipRate, hardware=None, mfu: float | None = None,
                   usd_per_chip_hour: float | None = None, price_date=None) -> ChipRate:
    """The chips that serve the model: by default the training chip and price at
    :data:`INFERENCE_MFU_FACTOR` (0.5) x its MFU; any of chip, MFU and price may differ."""
    if hardware is None and usd_per_chip_hour is None and price_date is None:
        m = training.mfu * INFERENCE_MFU_FACTOR if mfu is None else check_mfu(mfu, "inference mfu")
        rule = training.price_rule + ("" if mfu is not None else "; inference MFU = "
                                      f"{INFERENCE_MFU_FACTOR:g} x training MFU")
        return replace(training, mfu=float(m), price_rule=rule)
    m = training.mfu * INFERENCE_MFU_FACTOR if mfu is None else mfu
    return chip_rate(training.hardware or training.peak_flops_per_s if hardware is None else hardware,
                     mfu=m, precision=training.precision, usd_per_chip_hour=usd_per_chip_hour,
                     price_date=price_date)


def price_warnings(rates: dict) -> list:
    """A ``thin_price`` :class:`~scaling.errors.ScalingWarning` for each looked-up price that
    rests on a single shipped observation.

    Parameters
    ----------
    rates : dict
        Role (``"training"``, ``"inference"``) -> :meth:`ChipRate.to_dict` (or None).
    """
    from .errors import ScalingWarning

    thin: dict[tuple, list[str]] = {}  # one warning per chip and price, naming its roles
    for role, rate in rates.items():
        if rate and rate.get("n_price_observations") == 1 and math.isfinite(rate.get("usd_per_chip_hour", math.nan)):
            thin.setdefault((rate["hardware"], rate["usd_per_chip_hour"]), []).append(role)
    return [ScalingWarning(
        "thin_price", f"the {' and '.join(roles)} price of {hardware} (${usd:.4g}/chip-hour) rests on a single "
        "observation in the shipped cloud prices (datasets/cloud_prices.csv): treat it as a rough guide, or give "
        "your price with --usd-per-chip-hour") for (hardware, usd), roles in thin.items()]


def _budget(compute_flops: float, rate: ChipRate | None, chips: float | None) -> Budget:
    if rate is None:
        return Budget(compute_flops, assumptions={})
    hours, usd = compute_cost_usd(compute_flops, rate.peak_flops_per_s, rate.mfu,
                                  rate.usd_per_chip_hour if rate.priced else 0.0)
    usd = usd if rate.priced else math.nan
    days = hours / 24.0 / chips if chips else math.nan
    assumptions = {**rate.to_dict(), "chips": chips,
                   "formula": "FLOPs = chip-hours x 3600 x peak FLOP/s x MFU"}
    return Budget(compute_flops, hours, days, usd, assumptions, rate, chips)


def from_compute(compute_flops: float, hardware=None, chips: float | None = None, **rate_options) -> Budget:
    """A budget given in FLOPs; with ``hardware`` (name or :class:`ChipRate`) it adds chip-hours,
    dollars and, with ``chips``, wall-clock days."""
    compute_flops = check_number("compute_flops", compute_flops, low=0.0, high=1e40)
    if chips is not None:
        chips = check_number("chips", chips, low=0.0, high=_CHIPS_MAX)
        if hardware is None:
            raise ScalingError(f"chips ({chips:g}) needs a hardware name (--hardware)")
    rate = None if hardware is None else chip_rate(hardware, **rate_options)
    return _budget(float(compute_flops), rate, chips)


def from_chips(hardware, chips: float, days: float, mfu: float = DEFAULT_MFU, precision: str = "tensor16",
               usd_per_chip_hour: float | None = None, price_date=None) -> Budget:
    r"""A budget of ``chips`` chips for ``days`` days:
    :math:`C = n_{chips} \times t_{days} \times 86400 \times \text{peak} \times \text{MFU}`.

    Dollars use ``usd_per_chip_hour``, else the shipped cloud price (NaN where the chip has
    none). Raises :class:`ScalingError` for ``chips`` or ``days`` not positive, an unknown
    chip or precision, an MFU outside :data:`scaling.cost.MFU_BOUNDS`.
    """
    chips = check_number("chips", chips, low=0.0, high=_CHIPS_MAX)
    days = check_number("days", days, low=0.0, high=_DAYS_MAX)
    rate = chip_rate(hardware, mfu, precision, usd_per_chip_hour, price_date)
    flops = chips * days * 24.0 * rate.flops_per_chip_hour
    return replace(_budget(float(flops), rate, float(chips)), kind="chip_time")


def from_usd(usd: float, hardware, mfu: float = DEFAULT_MFU, precision: str = "tensor16",
             usd_per_chip_hour: float | None = None, price_date=None, chips: float | None = None) -> Budget:
    r"""A budget of ``usd`` dollars of chip time:
    :math:`C = \text{USD} / \text{price} \times 3600 \times \text{peak} \times \text{MFU}`.

    The price is ``usd_per_chip_hour``, else the shipped cloud price at ``price_date`` (the
    rule of :func:`cloud_price`); with ``chips`` the answer has wall-clock days.

    Raises
    ------
    ScalingError
        No price (a chip without shipped prices and no ``usd_per_chip_hour``), dollars not
        positive, and the errors of :func:`chip_rate`.
    """
    usd = check_number("usd", usd, low=0.0, high=_USD_MAX)
    if chips is not None:
        chips = check_number("chips", chips, low=0.0, high=_CHIPS_MAX)
    rate = chip_rate(hardware, mfu, precision, usd_per_chip_hour, price_date, price="require")
    flops = usd / rate.usd_per_chip_hour * rate.flops_per_chip_hour
    return replace(_budget(float(flops), rate, chips), kind="usd")


def from_options(*, compute_flops: float | None = None, hardware=None, chips: float | None = None,
                 days: float | None = None, usd: float | None = None, mfu: float | None = None,
                 precision: str | None = None, usd_per_chip_hour: float | None = None, price_date=None,
                 query: str = "budget") -> dict:
    """The keyword arguments of :func:`scaling.sizing.optimal` for a budget given any of the ways people give it.

    One budget at most: FLOPs (``compute_flops``), chip time (``hardware``, ``chips``,
    ``days``) or dollars (``usd``, ``hardware`` and a price). ``hardware`` alone (with a FLOP
    budget or a target loss) adds chip-hours and dollars; ``chips`` with a target loss adds
    wall-clock days. ``query`` names the other query when there is one (e.g.
    ``"target_loss"``); ``"budget"`` when the budget is the query. ``scaling optimal`` reads
    its options in :func:`scaling.cli._budget_options.budget_options`, whose messages name them.

    Returns
    -------
    dict
        Any of ``budget`` (:class:`Budget`), ``training`` (:class:`ChipRate`), ``chips``.

    Raises
    ------
    ScalingError
        Conflicting or incomplete arguments, one line naming them: ``compute_flops`` with
        ``chips``/``days``/``usd``; ``days`` and ``usd`` together; ``days`` without
        ``chips``; ``chips`` without ``days`` or ``usd`` (for a budget); ``usd`` without
        ``hardware``; hardware arguments without ``hardware``.
    """
    rate_opts = {k: v for k, v in (("mfu", mfu), ("precision", precision),
                                   ("usd_per_chip_hour", usd_per_chip_hour), ("price_date", price_date))
                 if v is not None}
    given = [k for k, v in (("compute_flops", compute_flops), ("chips", chips), ("days", days), ("usd", usd))
             if v is not None]
    if compute_flops is not None and len(given) > 1:
        raise ScalingError(f"conflicting budget arguments {', '.join(given)}: give the budget once, in FLOPs "
                           "(compute_flops), chip time (hardware, chips, days) or dollars (hardware, usd)")
    if days is not None and usd is not None:
        raise ScalingError(f"conflicting budget arguments days={days:g} and usd={usd:g}: give chip time "
                           "(chips, days) or dollars (usd), not both")
    if query != "budget" and (days is not None or usd is not None):
        raise ScalingError(f"{query} is a query of its own: days and usd set a budget; drop one")
    if hardware is None:
        extra = list(rate_opts) + [k for k, v in (("chips", chips), ("days", days), ("usd", usd)) if v is not None]
        if extra:
            price = " and a price (usd_per_chip_hour, or the chip's shipped cloud price)" if usd is not None else ""
            raise ScalingError(f"{', '.join(extra)} need{'s' if len(extra) == 1 else ''} hardware "
                               f"(a chip name, e.g. 'h100'){price}")
        return {} if compute_flops is None else {"budget": from_compute(compute_flops)}
    if days is not None:
        if chips is None:
            raise ScalingError(f"days={days:g} needs chips (how many chips run for that time)")
        return {"budget": from_chips(hardware, chips, days, **rate_opts)}
    if usd is not None:
        return {"budget": from_usd(usd, hardware, chips=chips, **rate_opts)}
    if chips is not None and query == "budget" and compute_flops is None:
        raise ScalingError(f"chips={chips:g} needs days (a chip-time budget) or usd (a dollar budget)")
    out: dict = {}
    if compute_flops is not None:
        out["budget"] = from_compute(compute_flops, hardware, **rate_opts)
    else:
        out["training"] = chip_rate(hardware, **rate_opts)
        if chips is not None:
            out["chips"] = check_number("chips", chips, low=0.0, high=_CHIPS_MAX)
    return out
