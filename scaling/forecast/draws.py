r"""The sources of uncertainty of a forecast, each as per-draw arrays (one row per joint draw).

Every function takes ``n`` and a seeded :class:`numpy.random.Generator` and returns arrays
whose first axis is the joint draw, so :func:`scaling.forecast.equivalent_cost` combines
them without loops:

* **the law** (:class:`LawMixture`, :func:`law_draws`): which law (a mixture of fits with
  stated weights) and its parameters (bootstrap or posterior draws of that fit);
* **the price trend** (:func:`price_log10_draws`): the trend line per posterior draw, plus
  the spread of prices a buyer meets at a date (Student-t scatter with the trend's
  ``sigma`` and ``nu``), and the level's random walk beyond the data
  (:func:`pinned_horizon_walk`: a date's draws depend on the seed and that date only);
* **utilisation** (:func:`utilisation_draws`): uniform over a LOW:HIGH range;
* **algorithmic progress** (:func:`halving_draws`, :func:`slowdown_draws`, :func:`algorithmic_log2_gain`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from .._checks import check_number
from ..errors import ScalingError
from ..laws import get_law
from ..results import require_result

__all__ = ["LawMixture", "law_mixture", "law_draws", "price_log10_draws", "pinned_horizon_walk", "utilisation_draws",
           "halving_draws", "algorithmic_log2_gain", "HALVING_PRESETS", "check_range", "SLOWDOWN_PRIOR",
           "slowdown_draws", "cap_binding_share", "check_halving", "check_slowdown"]

LOG10_2 = float(np.log10(2.0))
#: Allowed override of the price trend's doubling time, in years. Measured price-performance
#: trends double every 2-3 years (Hobbhahn & Besiroglu 2022, Epoch AI, "Trends in GPU
#: price-performance"); a quarter of a year (16x per year) is beyond any of them, and a doubling
#: time near 0 overflows every price to infinity.
PRICE_DOUBLING_YEARS_RANGE = (0.25, 100.0)


# ----------------------------------------------------------------------------- the law
@dataclass(frozen=True)
class LawMixture:
    """Several fitted laws with weights: each joint draw first picks a law, then its parameters.

    Attributes
    ----------
    fits : dict
        Name -> fitted result (``FitResult``, ``BayesFitResult`` or a published fit).
    weights : dict
        Name -> weight (sums to 1).
    rule : str
        How the weights were chosen (printed with the forecast), e.g. ``"equal weights"``.
    """

    fits: Mapping[str, object]
    weights: Mapping[str, float]
    rule: str = "equal weights"
    label: str = field(default="")

    @property
    def names(self) -> list[str]:
        return list(self.fits)

    def describe(self) -> str:
        parts = ", ".join(f"{k} {w:.2g}" for k, w in self.weights.items())
        return f"mixture ({parts}; {self.rule})"

    def warnings(self) -> list:
        """The warnings of every law in the mixture, each prefixed with the law's name."""
        from ..errors import ScalingWarning

        return [ScalingWarning(w.code, f"{name}: {w.message}")
                for name, fit in self.fits.items() for w in fit.warnings()]


def law_mixture(fits: Mapping[str, object], weights: Mapping[str, float] | None = None,
                rule: str | None = None) -> LawMixture:
    """A :class:`LawMixture`; equal weights unless ``weights`` (any positive numbers, normalised).

    The default rule is equal weights: no fit is known to predict held-out runs better (the
    refitted law and its posterior use the same 240 runs; Hoffmann's published fit is the
    paper's own, whose residuals Besiroglu et al. 2024 show to be poor on the reconstructed
    data, but which describes the paper's full data set that we cannot see).
    """
    if not fits:
        raise ScalingError("a law mixture needs at least one fit")
    for name, fit in fits.items():
        require_result(fit, f"a fitted scaling law for {name!r}")
    if weights is None:
        w = {k: 1.0 for k in fits}
        rule = rule or "equal weights"
    else:
        unknown = sorted(set(weights) - set(fits))
        if unknown:
            raise ScalingError(f"weights for unknown law(s) {', '.join(unknown)}; laws: {', '.join(fits)}")
        w = {k: float(check_number(f"weight of {k}", weights.get(k, 0.0), low=0.0, low_open=False)) for k in fits}
        rule = rule or "user weights"
    total = sum(w.values())
    if total <= 0:
        raise ScalingError("the law weights sum to 0; give at least one positive weight")
    return LawMixture(dict(fits), {k: v / total for k, v in w.items()}, rule)


def _param_draws(fit, idx_n: int, rng: np.random.Generator) -> pd.DataFrame:
    names = list(get_law(fit.law).param_names)
    draws = fit.draws
    if draws is None or len(draws) == 0:
        return pd.DataFrame({k: np.full(idx_n, float(fit.params[k])) for k in names})
    idx = rng.integers(0, len(draws), size=idx_n)
    return draws[names].iloc[idx].reset_index(drop=True)


def law_draws(loss_fit, n: int, rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[str, object, pd.DataFrame]]]:
    """Which component each draw uses, and each component's parameter draws.

    Returns
    -------
    component : ndarray of int (n,)
    parts : list of (name, fit, params)
        ``params`` holds one row per draw of that component (in draw order).
    """
    mix = loss_fit if isinstance(loss_fit, LawMixture) else LawMixture({"fit": loss_fit}, {"fit": 1.0}, "one law")
    names = mix.names
    p = np.array([mix.weights[k] for k in names], dtype=float)
    component = rng.choice(len(names), size=n, p=p) if len(names) > 1 else np.zeros(n, dtype=int)
    parts = []
    for i, name in enumerate(names):
        k = int(np.count_nonzero(component == i))
        parts.append((name, mix.fits[name], _param_draws(mix.fits[name], k, rng)))
    return component, parts


# ----------------------------------------------------------------------------- prices
def price_log10_draws(trend, dates, n: int, rng: np.random.Generator, *, scatter: bool = True,
                      doubling_years: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    r"""Trend line (with its horizon discrepancy) and buyer's scatter, log10 units, ``n`` draws.

    .. math:: \log_{10} m_i(t) = c_{0,i} + c_{1,i} (t - t_0) + \omega_i W_i(\max(t - t_{\mathrm{last}}, 0))
              + \varepsilon_i

    with :math:`\varepsilon_i` a new price's deviation from the line
    (:func:`scaling.hardware.predictive.scatter_draws`: :math:`\sigma_i t_{\nu_i}`, or for a panel
    series the new chip's and provider's normal effects plus the Student-t residual).

    The random walk :math:`\omega W` (:func:`pinned_horizon_walk`) is
    the market level's wandering after the trend's last data point :math:`t_{\mathrm{last}}`
    (``trend.horizon_origin``); trends without a ``rw_scale`` draw column have none (and use
    no random numbers for it). It is part of ``line``: one path per joint draw across the
    dates, so its variance :math:`\omega^2 h` grows with the horizon :math:`h`. Its value at
    a date depends on the generator's state and that date only, and it takes one number
    from ``rng`` whatever the dates: every draw of a date is the same whichever other dates
    are asked for (``--since``, ``--until``).

    One scatter draw per joint draw, shared by all dates: a buyer's price sits at the same
    quantile of the market at every date, so each date's spread is the predictive spread of
    a new price while the cost's change between dates is the trend's.

    ``doubling_years`` replaces every draw's slope by :math:`\log_{10}2 / T`, pivoting the
    line about the trend's centring year :math:`t_0` (where its level is best measured);
    :math:`T` must lie in :data:`PRICE_DOUBLING_YEARS_RANGE` (0.25 to 100 years).

    Returns
    -------
    line : ndarray (n, n_dates)
    noise : ndarray (n, 1)
        :math:`\varepsilon` (zeros without ``scatter``).
    """
    slope = None
    if doubling_years is not None:
        lo, hi = PRICE_DOUBLING_YEARS_RANGE
        slope = LOG10_2 / float(check_number("price_doubling_years (years for $ per FLOP to halve)",
                                             doubling_years, low=lo, high=hi, low_open=False))

    def walk(years, origin, scale, gen):
        # One number from rng seeds the walk, whatever the dates: a date's draws depend on
        # (seed, date) only, so a forecast from another start or to another end agrees there.
        return pinned_horizon_walk(years, origin, scale, np.random.SeedSequence(int(gen.integers(2 ** 63))))

    # the trend's predictive, asked of the trend (TrendResult.predictive_log10)
    return trend.predictive_log10(dates, n, rng, scatter=scatter, slope_per_year=slope, walk=walk)


#: Depth of the dyadic refinement of :func:`pinned_horizon_walk` within a year: 2**-12 yr
#: (about two hours); below it a Brownian bridge keyed by the date itself.
PIN_DEPTH = 12


def pinned_horizon_walk(years, origin: float, scale: np.ndarray, seed: np.random.SeedSequence) -> np.ndarray:
    r""":func:`~scaling.hardware.trend.horizon_walk` whose value at a date depends only on ``seed`` and that date.

    The same process, :math:`\omega W(\max(t - t_{\mathrm{last}}, 0))`, built so that asking
    for other dates beside ``t`` (an earlier start, a later end, a finer grid) does not move
    the draws at ``t``: a Brownian path constructed top-down (Levy's construction; Glasserman
    2003, *Monte Carlo Methods in Financial Engineering*, section 3.1.2), each random number
    taken from its own stream keyed by where it sits:

    1. the value at each 1 January after :math:`t_{\mathrm{last}}`, a sum of yearly
       increments, the increment of year :math:`Y` from the stream keyed ``(Y, 0)``;
    2. within a year :math:`[a, b]`, the dyadic midpoints down to :data:`PIN_DEPTH`
       levels, each the Brownian bridge of its two neighbours,
       :math:`W(m) = \tfrac12 (W(l) + W(r)) + \tfrac12 \sqrt{r - l}\, z_{(Y, 1, m)}`;
    3. the date between its two finest neighbours by one more bridge, keyed by the date.

    Every date's marginal and the joint law of dates more than :math:`2^{-12}` yr apart are
    exactly those of :func:`~scaling.hardware.trend.horizon_walk`.

    Parameters
    ----------
    years : array of decimal years (any order)
    origin : float
        :math:`t_{\mathrm{last}}`.
    scale : ndarray (n_draws,)
    seed : numpy.random.SeedSequence
        The walk's seed (:func:`price_log10_draws` takes it from the forecast's generator,
        one number whatever the dates).

    Returns
    -------
    ndarray (n_draws, n_dates), zero at and before ``origin``.
    """
    years = np.atleast_1d(np.asarray(years, dtype=float))
    scale = np.asarray(scale, dtype=float)
    origin = float(origin)
    n = scale.size
    cache: dict[tuple, np.ndarray] = {}

    def z(*key) -> np.ndarray:
        if key not in cache:
            ss = np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, *key))
            cache[key] = np.random.default_rng(ss).standard_normal(n)
        return cache[key]

    out = np.zeros((n, years.size))
    after = years > origin
    if not after.any():
        return out
    first, last = int(np.floor(origin)), int(np.floor(years[after].max()))
    knots = {first: np.zeros(n)}  # W at max(Y, origin) for each year Y
    for y in range(first, last + 1):
        knots[y + 1] = knots[y] + np.sqrt(y + 1 - max(y, origin)) * z(y, 0)
    full = 2 ** PIN_DEPTH
    for j in np.flatnonzero(after):
        t = float(years[j])
        y = int(np.floor(t))
        a = max(float(y), origin)
        step = (y + 1 - a) / full  # years per finest interval
        pos = (t - a) / step
        lo, hi, w_lo, w_hi = 0, full, knots[y], knots[y + 1]
        while hi - lo > 1:
            mid = (lo + hi) // 2
            w_mid = 0.5 * (w_lo + w_hi) + 0.5 * np.sqrt((hi - lo) * step) * z(y, 1, mid)
            if pos < mid:
                hi, w_hi = mid, w_mid
            else:
                lo, w_lo = mid, w_mid
        f = min(max(pos - lo, 0.0), 1.0)
        value = w_lo + f * (w_hi - w_lo)
        if 0.0 < f < 1.0:
            value = value + np.sqrt(step * f * (1.0 - f)) * z(y, 2, int(np.float64(t).view(np.uint64)))
        out[:, j] = value
    return scale[:, None] * out


# ----------------------------------------------------------------------------- utilisation
def check_range(name: str, value, low: float = 0.0, high: float = 1.0, *,
                low_open: bool = True) -> tuple[float, float]:
    """A number or a (LOW, HIGH) pair in (low, high] (``[low, high]`` with ``low_open=False``),
    LOW <= HIGH, as a pair of floats."""
    if isinstance(value, str):
        parts = value.split(":")
        if len(parts) not in (1, 2):
            raise ScalingError(f"{name} {value!r}: give a number or LOW:HIGH (e.g. 0.3:0.5)")
        try:
            value = tuple(float(x) for x in parts)
        except ValueError:
            raise ScalingError(f"{name} {value!r}: give a number or LOW:HIGH (e.g. 0.3:0.5)") from None
        if len(value) == 1:
            value = value[0]
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ScalingError(f"{name} must be a number or (LOW, HIGH), got {value!r}")
        lo, hi = value
    else:
        lo = hi = value
    lo = float(check_number(name, lo, low=low, high=high, low_open=low_open))
    hi = float(check_number(name, hi, low=low, high=high, low_open=low_open))
    if lo > hi:
        raise ScalingError(f"{name}: LOW {lo:g} is above HIGH {hi:g}; give LOW:HIGH with LOW <= HIGH")
    return lo, hi


def utilisation_draws(name: str, value, n: int, rng: np.random.Generator) -> np.ndarray:
    """Utilisation per draw: fixed (a number) or uniform over ``(LOW, HIGH)``."""
    lo, hi = check_range(name, value)
    return np.full(n, lo) if lo == hi else rng.uniform(lo, hi, size=n)


# ----------------------------------------------------------------------------- algorithms
#: Halving times of the compute needed for fixed performance, months: (median, low, high, level, source).
HALVING_PRESETS: dict[str, tuple[float, float, float, float, str]] = {
    "ho2024": (8.0, 2.0, 22.0, 0.90, "Ho et al. (2024), Algorithmic progress in language models, NeurIPS 2024: "
               "halving about every 8 months, 90% CI about 2-22 months"),
    "ho2024-arxiv": (8.0, 5.0, 14.0, 0.95, "Ho et al. (2024), arXiv:2403.05812v1: 95% CI 5-14 months"),
}


def halving_draws(spec, n: int, rng: np.random.Generator) -> np.ndarray | None:
    """Halving time in years per draw; ``None`` when algorithmic progress is off.

    A preset name draws from a two-piece lognormal: median at the published median, the
    lower and upper interval ends at the published ones (the NeurIPS interval is skewed:
    8 months is not the geometric middle of 2 and 22).
    """
    spec = check_halving(spec)
    if spec is None:
        return None
    if isinstance(spec, str):
        med, lo, hi, level, _ = HALVING_PRESETS[spec.lower()]
        from statistics import NormalDist

        zq = NormalDist().inv_cdf(0.5 + level / 2)
        z = rng.standard_normal(n)
        sd = np.where(z < 0, (np.log(med) - np.log(lo)) / zq, (np.log(hi) - np.log(med)) / zq)
        return np.exp(np.log(med) + sd * z) / 12.0
    return np.full(n, spec / 12.0)


def check_halving(spec) -> float | str | None:
    """``algorithmic_halving_months`` checked: None (off), a preset of :data:`HALVING_PRESETS`, or months in [1, 1200]."""
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec.lower() not in HALVING_PRESETS:
            raise ScalingError(f"algorithmic_halving_months must be None, a number of months or one of "
                               f"{', '.join(HALVING_PRESETS)}; got {spec!r}")
        return spec
    # at least a month: faster halving (1e-300 months) makes every cost $0 (4096x per year at 1 month)
    return float(check_number("algorithmic_halving_months", spec, low=1.0, high=1200.0, low_open=False))


#: Prior of the slowdown of algorithmic progress (``algorithmic_slowdown="prior"``): the halving
#: time grows by the factor :math:`1 + s` per year beyond the years Ho et al. measured, :math:`s`
#: lognormal with this median and central interval (median, low, high, level).
SLOWDOWN_PRIOR: tuple[float, float, float, float] = (0.10, 0.025, 0.40, 0.90)
SLOWDOWN_PRIOR_NOTE = (
    "slowdown s per draw, lognormal, median 0.10, 90% interval 0.025-0.40 (the halving time grows 10% a year, "
    "doubling in 7 years; 2.5%: Ho et al.'s rate holds through the horizon; 40%: it doubles in 2 years). Ho et "
    "al. (2024) measure 2012-2023 and say nothing of later years; the gain for a fixed target saturates "
    "(Chinchilla's reallocation and curated data are one-off gains), and research productivity falls about "
    "5-7% a year unless effort grows (Bloom et al. 2020, Are Ideas Getting Harder to Find?, AER 110(4))")


def slowdown_draws(spec, n: int, rng: np.random.Generator) -> np.ndarray:
    r"""The slowdown :math:`s` per draw: a fixed number, or ``"prior"`` (:data:`SLOWDOWN_PRIOR`).

    .. math:: \ln s \sim N(\ln \tilde s, \sigma^2), \quad
              \sigma = \tfrac12 (\ln s_{hi} - \ln s_{lo}) / z_{(1+\text{level})/2}

    A number uses no random numbers (so ``0`` reproduces a constant rate draw for draw).
    """
    spec = check_slowdown(spec)
    if isinstance(spec, str):
        from statistics import NormalDist

        med, lo, hi, level = SLOWDOWN_PRIOR
        sd = (np.log(hi) - np.log(lo)) / (2 * NormalDist().inv_cdf(0.5 + level / 2))
        return np.exp(np.log(med) + sd * rng.standard_normal(n))
    return np.full(n, spec)


def check_slowdown(spec) -> float | str:
    """``algorithmic_slowdown_per_year`` checked: ``"prior"`` or a number in [0, 10]."""
    if isinstance(spec, str):
        if spec.lower() != "prior":
            raise ScalingError(f"algorithmic_slowdown_per_year must be a number in [0, 10] or 'prior', got {spec!r}")
        return spec
    return float(check_number("algorithmic_slowdown_per_year", spec, low=0.0, low_open=False, high=10.0))


def algorithmic_log2_gain(years: np.ndarray, reference_year: float, halving_years: np.ndarray, *,
                          slowdown_per_year: np.ndarray | float = 0.0, slowdown_year: float | None = None,
                          cap: float | None = None, banked: np.ndarray | float = 1.0) -> np.ndarray:
    r"""log2 of the effective-compute multiplier :math:`M(t)`, per draw and date, >= 0.

    The rate of progress (halvings per year) is :math:`1/H` from the reference year :math:`t_a`
    to :math:`t_s` (``slowdown_year``, default :math:`t_a`), then shrinks by the factor
    :math:`(1+s)` per year: the halving time grows as :math:`H (1+s)^{t - t_s}`. The gain is
    the rate's integral, with :math:`k = \ln(1+s)`, :math:`\Delta = t - t_a`,
    :math:`\Delta_s = \max(t_s - t_a, 0)`:

    .. math:: \log_2 M(t) = \frac{\min(\Delta, \Delta_s)}{H}
              + \frac{1}{H}\int_0^{(\Delta - \Delta_s)^+} e^{-k u}\, du
              = \frac{\min(\Delta, \Delta_s)}{H} + \frac{1 - e^{-k (\Delta - \Delta_s)^+}}{H k}

    (:math:`\Delta / H` when :math:`s = 0`; bounded by :math:`\Delta_s/H + 1/(Hk)` when
    :math:`s > 0`), minus :math:`\log_2 G` for a gain ``banked`` in the baseline already (see
    :func:`scaling.forecast.equivalent_cost`), floored at 0 and capped at :math:`\log_2`
    ``cap``. ``halving_years``, ``slowdown_per_year`` and ``banked`` are numbers or per-draw
    arrays.
    """
    dt = np.maximum(np.asarray(years, dtype=float)[None, :] - reference_year, 0.0)
    h = np.asarray(halving_years, dtype=float).reshape(-1, 1)
    d_s = 0.0 if slowdown_year is None else max(float(slowdown_year) - reference_year, 0.0)
    k = np.log1p(np.asarray(slowdown_per_year, dtype=float)).reshape(-1, 1)
    after = np.maximum(dt - d_s, 0.0)
    k_safe = np.where(k > 0, k, 1.0)
    slowed = np.where(k > 0, -np.expm1(-k_safe * after) / k_safe, after)
    halvings = (np.minimum(dt, d_s) + slowed) / h
    gain = np.maximum(halvings - np.log2(np.asarray(banked, dtype=float)).reshape(-1, 1), 0.0)
    if cap is not None:
        gain = np.minimum(gain, np.log2(cap))
    return gain


def cap_binding_share(log2_gain_uncapped: np.ndarray, cap: float | None) -> np.ndarray:
    r"""Share of draws, per date, whose gain reaches the cap: :math:`\Pr[\log_2 M_i(t) \ge \log_2 \text{cap}]`.

    ``log2_gain_uncapped`` is :func:`algorithmic_log2_gain` without ``cap`` (draws x dates);
    zeros without a cap. A share near 1 says the cap, not the rate, decides the forecast.
    """
    x = np.asarray(log2_gain_uncapped, dtype=float)
    if cap is None:
        return np.zeros(x.shape[1])
    return np.mean(x >= np.log2(float(cap)) * (1 - 1e-12), axis=0)
