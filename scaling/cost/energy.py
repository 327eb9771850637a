r"""Energy, amortised hardware, hardware generations, and dollars per delivered FLOP.

Energy is charged at the chip's TDP, an upper bound on its draw, times the facility's
power usage effectiveness (PUE); host CPUs, networking and cooling beyond the PUE are not
included. A purchased chip is written off over its lifetime; newer generations re-price a
job by their gains in throughput per dollar and per watt.

Defaults of :func:`usd_per_flop_purchase` and :func:`usd_per_flop_cloud`
(:data:`USD_PER_FLOP_DEFAULTS`; documented, dated, overridable):

``lifetime_years = 4``
    Amortisation period of a purchased accelerator: the usual depreciation life of
    data-centre servers and GPUs (hyperscalers use 4-6 years; ``scaling.forecast`` uses
    the same value).
``mfu = 0.4``
    Model FLOPs utilisation (:data:`scaling.cost.DEFAULT_MFU`) between GPT-3's 21.3% (2020) and PaLM's 46.2% (2022), near
    MT-NLG's 30.2% and Gopher's 32.5% (Chowdhery et al. 2022, "PaLM: Scaling Language
    Modeling with Pathways", Table 3, https://arxiv.org/abs/2204.02311).
``usd_per_kwh = 0.08``
    US industrial electricity, $0.067-0.083/kWh in 2020-23 (US Energy Information
    Administration, Electric Power Monthly, Table 5.6.A,
    https://www.eia.gov/electricity/monthly/).
``pue = 1.1``
    Power usage effectiveness of hyperscale data centres (about 1.1, e.g.
    https://www.google.com/about/datacenters/efficiency/); the industry average is about
    1.56 in 2024 (Uptime Institute, Global Data Center Survey 2024,
    https://uptimeinstitute.com/resources/research-and-reports).

References
----------
Sunyan (2023), "The Economics of Large Language Models",
https://sunyan.substack.com/p/the-economics-of-large-language-models (hardware
generations: x1.5 throughput per dollar and x1.8 per watt every ~2 years);
Patterson et al. (2021), "Carbon Emissions and Large Neural Network Training",
https://arxiv.org/abs/2104.10350 (energy of GPT-3's training run).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

import warnings

import numpy as np

from ._args import arg, out
from .accelerators import chip_value
from .rates import DEFAULT_MFU, flops_per_chip_hour

__all__ = ["HOURS_PER_YEAR", "USD_PER_FLOP_DEFAULTS", "energy_kwh", "energy_cost_usd",
           "amortised_usd_per_chip_hour", "factor_per_year", "factor_over_years", "cost_after_generations",
           "usd_per_flop_purchase", "usd_per_flop_cloud"]

#: Hours in a calendar year (365.25 days).
HOURS_PER_YEAR = 365.25 * 24.0

#: Defaults of :func:`usd_per_flop_purchase` / :func:`usd_per_flop_cloud`: name -> (value, why).
USD_PER_FLOP_DEFAULTS: Mapping[str, tuple[float, str]] = MappingProxyType({
    "lifetime_years": (4.0, "amortisation period of a purchased accelerator (server depreciation, 4-6 years)"),
    "mfu": (DEFAULT_MFU, "MFU between GPT-3 21.3% (2020) and PaLM 46.2% (2022), Chowdhery et al. 2022"),
    "usd_per_kwh": (0.08, "US industrial electricity $0.067-0.083/kWh (2020-23), US EIA Electric Power Monthly"),
    "pue": (1.1, "hyperscaler PUE ~1.1 (industry average ~1.56, Uptime Institute 2024)"),
})


def _tdp(tdp_w) -> np.ndarray:
    return chip_value(tdp_w, "tdp_w", "tdp_w", "TDP (watts)")


def energy_kwh(chip_hours, tdp_w, pue=1.0):
    """Facility energy for a job, assuming chips draw their TDP.

    .. math:: E = t_{chip\\,h} \\cdot \\frac{\\text{TDP}}{1000} \\cdot \\text{PUE}

    Parameters
    ----------
    chip_hours : float or array_like
        In [0, 1e40].
    tdp_w : float, array_like or hardware name
        Watts per chip, in [1e-3, 1e6] (a name looks up the TDP).
    pue : float
        Power usage effectiveness, in [1, 10] (``PRICE_POINTS``: 1.1 hyperscalers, 1.56
        industry).
    """
    h = arg("chip_hours", chip_hours)
    p = arg("pue", pue)
    return out(h * _tdp(tdp_w) / 1000.0 * p)


def energy_cost_usd(energy_kwh, usd_per_kwh):
    """Electricity cost: :math:`E \\cdot \\$_{kWh}` (``energy_kwh`` in [0, 1e45], price in [0, 1e3])."""
    return out(arg("energy_kwh", energy_kwh) * arg("usd_per_kwh", usd_per_kwh))


def amortised_usd_per_chip_hour(purchase_price_usd, lifetime_years, utilisation=1.0):
    """Hardware cost per used chip-hour when a purchase is written off over its lifetime.

    .. math:: \\$_{chip\\,h} = \\frac{P}{L \\cdot 8766 \\cdot u}

    Parameters
    ----------
    purchase_price_usd : float or array_like
        In [0, 1e12].
    lifetime_years : float or array_like
        Depreciation period, in [0.01, 100].
    utilisation : float
        Share of calendar hours the chip is busy, in [1e-6, 1].
    """
    p = arg("purchase_price_usd", purchase_price_usd)
    life = arg("lifetime_years", lifetime_years)
    u = arg("utilisation", utilisation)
    return out(p / (life * HOURS_PER_YEAR * u))


def factor_per_year(factor_per_generation, years_per_generation=2.0):
    """Yearly improvement factor from a per-generation one: :math:`f^{1/T}`.

    ``factor_per_generation`` in [1e-3, 1e3], ``years_per_generation`` in [0.1, 100].

    >>> round(factor_per_year(1.5), 3), round(factor_per_year(1.8), 3)
    (1.225, 1.342)
    """
    f = arg("factor_per_generation", factor_per_generation)
    t = arg("years_per_generation", years_per_generation)
    return out(f ** (1.0 / t))


def factor_over_years(factor_per_year, years):
    """Compound a yearly factor: :math:`f^{t}` (``f`` in [1e-3, 1e3]; ``years`` in [-100, 100],
    fractional or negative)."""
    f = arg("factor_per_year", factor_per_year)
    return out(f ** arg("years", years))


def cost_after_generations(hardware_cost_usd, energy_cost_usd, n_generations, *,
                           per_dollar_factor, per_watt_factor):
    """Re-price a job on hardware ``n_generations`` newer.

    .. math:: \\text{cost}' = \\frac{H}{f_\\$^{\\,g}} + \\frac{E}{f_W^{\\,g}}

    The hardware part shrinks with throughput per dollar, the energy part with throughput
    per watt (Sunyan 2023 uses x1.5 and x1.8 per ~2-year generation). Costs in [0, 1e15],
    ``n_generations`` in [0, 20], factors in [1e-3, 1e3].
    """
    h = arg("hardware_cost_usd", hardware_cost_usd)
    e = arg("energy_cost_usd", energy_cost_usd)
    g = arg("n_generations", n_generations)
    fd = arg("per_dollar_factor", per_dollar_factor)
    fw = arg("per_watt_factor", per_watt_factor)
    return out(h / fd**g + e / fw**g)


# --------------------------------------------------------------------------------------
# Dollars per delivered FLOP
# --------------------------------------------------------------------------------------


def _mfu(mfu, utilisation, where: str):
    """``mfu``, or the deprecated keyword ``utilisation`` (one release) when given."""
    if utilisation is None:
        return mfu
    warnings.warn(f"{where}(utilisation=...) is deprecated: the argument is called mfu",
                  DeprecationWarning, stacklevel=3)
    return utilisation


def usd_per_flop_purchase(flops_per_s, price_usd, tdp_w, lifetime_years=4.0, mfu=DEFAULT_MFU,
                          usd_per_kwh=0.08, pue=1.1, *, utilisation=None):
    r"""US$ per delivered FLOP of an owned accelerator: amortised price plus energy.

    .. math::

        \frac{\$}{\mathrm{FLOP}} = \frac{P / (L \cdot 8766\,\mathrm{h}) + (W/1000)\, \mathrm{PUE}\, e}
                                         {3600\, F\, u}

    with price :math:`P` ($), lifetime :math:`L` (years), TDP :math:`W` (watts),
    electricity :math:`e` ($/kWh), peak :math:`F` (FLOP/s) and MFU :math:`u` (``mfu``; the
    keyword ``utilisation`` is a deprecated alias): the
    hourly cost is :func:`amortised_usd_per_chip_hour` (at full use) plus
    :func:`energy_cost_usd` of one chip-hour (:func:`energy_kwh`). All arguments broadcast
    (NumPy rules); scalars in, float out. Defaults: :data:`USD_PER_FLOP_DEFAULTS`.

    Examples
    --------
    >>> round(usd_per_flop_purchase(989.4e12, 33_600, 700) * 1e18, 3)  # H100 SXM at launch
    0.716
    """
    f = arg("flops_per_s", flops_per_s)
    p = arg("price_usd", price_usd)
    w = arg("tdp_w", tdp_w)
    u = arg("mfu", _mfu(mfu, utilisation, "usd_per_flop_purchase"))
    e = arg("usd_per_kwh", usd_per_kwh, positive=True)
    usd_per_hour = (np.asarray(amortised_usd_per_chip_hour(p, lifetime_years))
                    + np.asarray(energy_cost_usd(energy_kwh(1.0, w, pue), e)))
    return out(usd_per_hour / np.asarray(flops_per_chip_hour(f, u)))


def usd_per_flop_cloud(flops_per_s, usd_per_chip_hour, mfu=DEFAULT_MFU, *, utilisation=None):
    r"""US$ per delivered FLOP of a rented accelerator.

    .. math:: \frac{\$}{\mathrm{FLOP}} = \frac{p_h}{3600\, F\, u}

    with :math:`u` the MFU (``mfu``; the keyword ``utilisation`` is a deprecated alias).

    Examples
    --------
    >>> round(usd_per_flop_cloud(312e12, 19.22 / 8, 0.213) * 1e18, 3)  # A100, AWS p4d 1-yr
    10.042
    """
    f = arg("flops_per_s", flops_per_s)
    p = arg("usd_per_chip_hour", usd_per_chip_hour, positive=True)
    u = arg("mfu", _mfu(mfu, utilisation, "usd_per_flop_cloud"))
    return out(p / np.asarray(flops_per_chip_hour(f, u)))
