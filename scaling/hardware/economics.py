r"""Dollars per FLOP actually delivered, from a purchase price or a cloud rental price.

Defaults (documented, dated, overridable; see ``/work/shared/reference/seed-economics.md``):

``lifetime_years = 4``
    Amortisation period of a purchased accelerator. Four years is the usual
    depreciation life of data-centre servers and GPUs (hyperscalers' 4-6 years;
    ``scaling.forecast`` uses the same value).
``utilisation = 0.4``
    Model FLOP utilisation: between GPT-3's 21.3% (2020) and PaLM's 46.2% (2022),
    and near MT-NLG's 30.2% / Gopher's 32.5% (the seed article's figures).
``usd_per_kwh = 0.08``
    US industrial electricity, $0.067-0.083/kWh in 2020-23 (EIA, via the seed notes).
``pue = 1.1``
    Power usage effectiveness of hyperscale data centres (about 1.1; the industry
    average is about 1.56 in 2024).

Energy is charged at the chip's TDP, an upper bound on its draw; host CPUs,
networking and cooling beyond the PUE are not included.
"""

from __future__ import annotations

import numpy as np

__all__ = ["usd_per_flop_purchase", "usd_per_flop_cloud", "HOURS_PER_YEAR", "DEFAULTS"]

HOURS_PER_YEAR = 365.25 * 24.0
DEFAULTS = {
    "lifetime_years": (4.0, "amortisation period of a purchased accelerator (server depreciation, 4-6 years)"),
    "utilisation": (0.4, "MFU between GPT-3 21.3% (2020) and PaLM 46.2% (2022), seed article"),
    "usd_per_kwh": (0.08, "US industrial electricity $0.067-0.083/kWh (2020-23), seed-economics.md"),
    "pue": (1.1, "hyperscaler PUE ~1.1 (industry average ~1.56, 2024), seed-economics.md"),
}


def _positive(name: str, value, upper: float | None = None) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    if upper is not None and np.any(arr > upper):
        raise ValueError(f"{name} must be <= {upper}, got {value!r}")
    return arr


def _out(x: np.ndarray):
    return float(x) if np.ndim(x) == 0 else x


def usd_per_flop_purchase(flops_per_s, price_usd, tdp_w, lifetime_years=4.0, utilisation=0.4,
                          usd_per_kwh=0.08, pue=1.1):
    r"""US$ per delivered FLOP of an owned accelerator: amortised price plus energy.

    .. math::

        \frac{\$}{\mathrm{FLOP}} = \frac{P / (L \cdot 8766\,\mathrm{h}) + (W/1000)\, \mathrm{PUE}\, e}
                                         {3600\, F\, u}

    with price :math:`P` ($), lifetime :math:`L` (years), TDP :math:`W` (watts),
    electricity :math:`e` ($/kWh), peak :math:`F` (FLOP/s) and utilisation :math:`u`.
    All arguments broadcast (NumPy rules); scalars in, float out.

    Examples
    --------
    >>> round(usd_per_flop_purchase(989.4e12, 33_600, 700) * 1e18, 3)  # H100 SXM at launch
    0.716
    """
    f = _positive("flops_per_s", flops_per_s)
    p = _positive("price_usd", price_usd)
    w = _positive("tdp_w", tdp_w)
    life = _positive("lifetime_years", lifetime_years)
    u = _positive("utilisation", utilisation, upper=1.0)
    e = _positive("usd_per_kwh", usd_per_kwh)
    pue_ = _positive("pue", pue)
    if np.any(pue_ < 1):
        raise ValueError(f"pue must be >= 1 (facility power over IT power), got {pue!r}")
    usd_per_hour = p / (life * HOURS_PER_YEAR) + w / 1000.0 * pue_ * e
    return _out(usd_per_hour / (3600.0 * f * u))


def usd_per_flop_cloud(flops_per_s, usd_per_chip_hour, utilisation=0.4):
    r"""US$ per delivered FLOP of a rented accelerator.

    .. math:: \frac{\$}{\mathrm{FLOP}} = \frac{p_h}{3600\, F\, u}

    Examples
    --------
    >>> round(usd_per_flop_cloud(312e12, 19.22 / 8, 0.213) * 1e18, 3)  # A100, AWS p4d 1-yr
    10.042
    """
    f = _positive("flops_per_s", flops_per_s)
    p = _positive("usd_per_chip_hour", usd_per_chip_hour)
    u = _positive("utilisation", utilisation, upper=1.0)
    return _out(p / (3600.0 * f * u))
