r"""Total cost of ownership of purchased accelerators: dollars per peak FLOP, with ranges.

A buyer who owns the hardware pays, per second the chip is in use,

.. math::

    c_\text{FLOP} = \underbrace{\frac{k_\text{server}\, k_\text{net}\; a(r, T)}
                                     {m_\$ \; 3.156\times10^7 \; o}}_\text{capital}
                  + \underbrace{\frac{f_\text{server}\; \text{PUE}\; p_\text{kWh}}
                                     {3.6\times10^6 \; m_W}}_\text{energy},

with :math:`m_\$` the peak FLOP/s per dollar of chip price, :math:`m_W` the peak FLOP/s per
watt of chip TDP, and

* :math:`k_\text{server}`: price of the whole server over the price of its accelerators.
  Cottier et al. (2024), "The rising costs of training frontier AI models",
  arXiv:2405.21015, measure 1.54 (P100) to 1.69 (V100) and carry 1.3-2.1 as their 90%
  interval (their code: https://github.com/epoch-research/training-cost-trends);
* :math:`k_\text{net}`: cluster-level interconnect on top of the servers; Cottier et al.
  take interconnect as 19% of the cluster cost (:math:`1/(1-0.19) = 1.23`), 90% interval
  1.07-1.32. With these, other server components come to 15-22% and interconnect to 9-13%
  of their amortised development cost, energy to 2-6%;
* :math:`a(r, T) = r / (1 - (1 + r)^{-T})`: the annuity factor, the yearly payment that
  repays one dollar over the amortisation period :math:`T` years at cost of capital
  :math:`r` (:math:`1/T` at :math:`r = 0`);
* :math:`o`: occupancy, the share of the hardware's hours that are paid for by work;
* :math:`f_\text{server}`: server power over accelerator TDP (NVIDIA's DGX H100 is
  specified at 10.2 kW for 8 x 700 W GPUs: 1.82);
* PUE: facility power over IT power (Google's fleet about 1.1; the Uptime Institute's
  industry average about 1.56 in 2023); :math:`p_\text{kWh}` the electricity price (US
  industrial about $0.067-0.083/kWh in 2020-23, EIA).

Every input is a :class:`Range`: a uniform distribution between ``low`` and ``high``
(a single number when they are equal) that the forecast carries as uncertainty, one value
per joint draw. Every default is overridable.

:func:`dollar_factor` converts nominal dollars to constant (real) dollars of a base year with
the shipped producer price index (``datasets/price_index.csv``: US BLS PPI for data
processing and hosting, PCU518210518210, as Epoch AI uses).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import Mapping

import numpy as np
import pandas as pd

from .._checks import check_number
from ..errors import ScalingError

__all__ = ["Range", "TCOAssumptions", "TCO_SOURCES", "usd_per_peak_flop_tco", "tco_factors", "cost_shares", "dollar_factor",
           "DOLLARS", "SECONDS_PER_YEAR"]

SECONDS_PER_YEAR = 365.25 * 24 * 3600
DOLLARS = ("nominal", "real")


@dataclass(frozen=True)
class Range:
    """A quantity known to lie between ``low`` and ``high``, drawn uniformly (fixed if equal)."""

    low: float
    high: float

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        if self.low == self.high:
            return np.full(n, float(self.low))
        return rng.uniform(self.low, self.high, size=n)

    @property
    def mid(self) -> float:
        return 0.5 * (self.low + self.high)

    def __str__(self) -> str:
        return f"{self.low:g}" if self.low == self.high else f"{self.low:g}-{self.high:g}"


#: Physical limits of each input (low, high) and where its default comes from.
TCO_SOURCES: dict[str, tuple[float, float, str]] = {
    "server_overhead": (1.0, 5.0, "server price / accelerator price; Cottier et al. 2024 (arXiv:2405.21015): "
                        "1.54-1.69 measured, 1.3-2.1 as 90% interval"),
    "interconnect_overhead": (1.0, 3.0, "cluster cost / server cost; Cottier et al. 2024: interconnect 19% of the "
                              "cluster (x1.23), 1.07-1.32 as 90% interval"),
    "lifetime_years": (0.25, 15.0, "amortisation period; 3-5 years is usual for accelerators"),
    "cost_of_capital": (0.0, 0.5, "yearly cost of capital (WACC); 5-12% for large technology firms"),
    "occupancy": (0.01, 1.0, "share of the hardware's hours paid for by work (owner-operators 70-95%)"),
    "server_power_factor": (1.0, 4.0, "server power / accelerator TDP; DGX H100: 10.2 kW / (8 x 700 W) = 1.82"),
    "pue": (1.0, 3.0, "power usage effectiveness: Google fleet ~1.1, Uptime Institute industry average ~1.56"),
    "usd_per_kwh": (0.0, 1.0, "electricity price; US industrial ~$0.067-0.083/kWh in 2020-23 (EIA)"),
}


def _range(name: str, value) -> Range:
    lo_lim, hi_lim, _ = TCO_SOURCES[name]
    if isinstance(value, Range):
        low, high = value.low, value.high
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        low, high = value
    else:
        low = high = value
    low = float(check_number(name, low, low=lo_lim, high=hi_lim, low_open=name in ("lifetime_years", "occupancy")))
    high = float(check_number(name, high, low=lo_lim, high=hi_lim, low_open=name in ("lifetime_years", "occupancy")))
    if low > high:
        raise ScalingError(f"{name}: low {low:g} is above high {high:g}; give LOW:HIGH with LOW <= HIGH")
    return Range(low, high)


@dataclass(frozen=True)
class TCOAssumptions:
    """The inputs of :func:`usd_per_peak_flop_tco`, each a :class:`Range` (see the module docs).

    Build with :meth:`make` to check and convert numbers or ``(low, high)`` pairs;
    :meth:`chip_only` gives the old "chip price alone" basis (no server, network, capital
    cost, full occupancy) for comparison.
    """

    server_overhead: Range = Range(1.3, 2.1)
    interconnect_overhead: Range = Range(1.07, 1.32)
    lifetime_years: Range = Range(3.0, 5.0)
    cost_of_capital: Range = Range(0.05, 0.12)
    occupancy: Range = Range(0.7, 0.95)
    server_power_factor: Range = Range(1.5, 2.0)
    pue: Range = Range(1.1, 1.56)
    usd_per_kwh: Range = Range(0.067, 0.083)

    @classmethod
    def make(cls, **values) -> "TCOAssumptions":
        """Defaults overridden by ``values`` (numbers, ``(low, high)`` or :class:`Range`)."""
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ScalingError(f"unknown TCO input(s) {', '.join(unknown)}; allowed: {', '.join(known)}")
        base = cls()
        return replace(base, **{k: _range(k, v) for k, v in values.items() if v is not None})

    @classmethod
    def chip_only(cls, lifetime_years: float = 4.0, usd_per_kwh: float = 0.08, pue: float = 1.1) -> "TCOAssumptions":
        """The chip alone, straight-line over ``lifetime_years``, always busy, energy at chip TDP."""
        return cls.make(server_overhead=1.0, interconnect_overhead=1.0, lifetime_years=lifetime_years,
                        cost_of_capital=0.0, occupancy=1.0, server_power_factor=1.0, pue=pue, usd_per_kwh=usd_per_kwh)

    def draw(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """One value of each input per draw (uniform over its range), in field order."""
        return {f.name: getattr(self, f.name).draw(n, rng) for f in fields(self)}

    def central(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name).mid for f in fields(self)}

    def to_dict(self) -> dict[str, list[float]]:
        return {f.name: [getattr(self, f.name).low, getattr(self, f.name).high] for f in fields(self)}

    def describe(self) -> str:
        return ", ".join(f"{f.name} {getattr(self, f.name)}" for f in fields(self))


def annuity_factor(rate, years) -> np.ndarray:
    r"""Yearly payment repaying one dollar over ``years`` at ``rate``: :math:`r / (1 - (1+r)^{-T})`."""
    rate = np.asarray(rate, dtype=float)
    years = np.asarray(years, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = rate / (1.0 - (1.0 + rate) ** (-years))
    return np.where(rate > 1e-12, a, 1.0 / years)


def _components(log10_flops_per_usd, log10_flops_per_watt, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-draw (rows) and date (columns) $ per peak FLOP of each cost component."""
    def col(name):
        return np.asarray(inputs[name], dtype=float).reshape(-1, 1)

    chip = annuity_factor(col("cost_of_capital"), col("lifetime_years")) / (
        10.0 ** np.asarray(log10_flops_per_usd, dtype=float) * SECONDS_PER_YEAR * col("occupancy"))
    server = chip * (col("server_overhead") - 1.0)
    network = (chip + server) * (col("interconnect_overhead") - 1.0)
    energy = col("server_power_factor") * col("pue") * col("usd_per_kwh") / (
        3.6e6 * 10.0 ** np.asarray(log10_flops_per_watt, dtype=float))
    return {"chips": chip, "server": server, "interconnect": network, "energy": energy}


def tco_factors(inputs: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    r"""Per-draw factors of the module formula, shape ``(n_draws, 1)``: capital and energy.

    :math:`c_\text{FLOP} = K / m_\$ + E / m_W` with
    :math:`K = k_\text{server} k_\text{net}\, a(r, T) / (3.156\times10^7\, o)` and
    :math:`E = f_\text{server}\, \text{PUE}\, p_\text{kWh} / 3.6\times10^6`.
    """
    def col(name):
        return np.asarray(inputs[name], dtype=float).reshape(-1, 1)

    capital = (annuity_factor(col("cost_of_capital"), col("lifetime_years")) * col("server_overhead")
               * col("interconnect_overhead") / (SECONDS_PER_YEAR * col("occupancy")))
    energy = col("server_power_factor") * col("pue") * col("usd_per_kwh") / 3.6e6
    return capital, energy


def usd_per_peak_flop_tco(log10_flops_per_usd, log10_flops_per_watt, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
    """Dollars per peak FLOP of owned hardware (the module formula).

    Parameters
    ----------
    log10_flops_per_usd, log10_flops_per_watt : array (n_draws, n_dates)
        Peak FLOP/s per dollar of chip price and per watt of TDP, in log10 units.
    inputs : mapping of arrays (n_draws,)
        The fields of :class:`TCOAssumptions` (from :meth:`TCOAssumptions.draw`).

    The sum of :func:`cost_shares`' components (chips, server, interconnect, energy), computed
    as two terms (:func:`tco_factors`): one power of ten per price array.
    """
    capital, energy = tco_factors(inputs)
    return (capital * 10.0 ** -np.asarray(log10_flops_per_usd, dtype=float)
            + energy * 10.0 ** -np.asarray(log10_flops_per_watt, dtype=float))


def cost_shares(log10_flops_per_usd, log10_flops_per_watt, inputs: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Median share of each component (chips, server, interconnect, energy) in the TCO.

    To set beside Cottier et al. (2024): server 15-22%, interconnect 9-13%, energy 2-6% of
    development cost *including* R&D staff (29-49%), so their shares of the hardware and
    energy cost alone are larger.
    """
    parts = _components(log10_flops_per_usd, log10_flops_per_watt, inputs)
    total = sum(parts.values())
    return {k: float(np.median(v / total)) for k, v in parts.items()}


def _price_index() -> pd.Series:
    """The shipped price index, read again only when its file changes (callers do not modify it)."""
    from .. import datasets

    path = datasets.datasets_dir() / "price_index.csv"
    try:
        st = path.stat()
    except OSError:
        return _read_price_index(str(path), 0, 0)
    return _read_price_index(str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=4)
def _read_price_index(path: str, mtime_ns: int, size: int) -> pd.Series:
    from .. import datasets

    pi = datasets.load("price_index").dropna(subset=["date", "ppi_data_processing"])
    pi["date"] = pd.to_datetime(pi["date"])
    return pi.sort_values("date").set_index("date")["ppi_data_processing"].astype(float)


def dollar_factor(dates, base_year: int = 2024, *, extrapolate_years: int = 10) -> tuple[np.ndarray, str]:
    """Multiplier turning nominal dollars at ``dates`` into constant dollars of ``base_year``.

    ``P(base) / P(t)`` with ``P`` the producer price index for data processing and hosting
    (monthly). Beyond the index's last month, ``P`` grows at its average log rate over the
    last ``extrapolate_years`` years (before its first month: held at the first value).

    Returns
    -------
    factor : ndarray
    note : str
        How the index was used (printed with every real-dollar forecast).
    """
    idx = _price_index()
    years_avail = idx.index.year
    if not (years_avail.min() <= int(base_year) <= years_avail.max()):
        raise ScalingError(f"base year {base_year} is outside the price index "
                           f"({years_avail.min()}-{years_avail.max()})")
    base = float(idx[years_avail == int(base_year)].mean())
    from .._dates import decimal_year

    t = decimal_year(dates)
    t_idx = decimal_year(idx.index)
    log_p = np.log(idx.to_numpy())
    last, t_last = log_p[-1], t_idx[-1]
    window = t_idx >= t_last - extrapolate_years
    rate = float(np.polyfit(t_idx[window], log_p[window], 1)[0])
    inside = np.interp(t, t_idx, log_p)
    log_pt = np.where(t > t_last, last + rate * (t - t_last), inside)
    note = (f"real {base_year} dollars: PPI data processing (PCU518210518210) to {idx.index[-1]:%Y-%m}, "
            f"then +{np.expm1(rate):.1%}/yr (its {extrapolate_years}-year average)")
    return base / np.exp(log_pt), note
