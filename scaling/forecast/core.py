r"""What reaching a given performance costs, date by date, as joint draws of every uncertainty.

For each joint draw :math:`i` and date :math:`t`,

.. math::

    \text{cost}_\text{train} = \frac{C_i / M_i(t)}{u_i(t)} \; c_{\text{FLOP},i}(t),
    \qquad
    \text{cost}_\text{1K tokens} = \frac{2 N_i(t) \cdot 1000}{u_{\text{inf},i}(t)} \; c_{\text{FLOP},i}(t),

where every factor is drawn (:mod:`scaling.forecast.draws`):

1. **the law** -- which law (one fit, or a :class:`~scaling.forecast.draws.LawMixture` of
   e.g. the refitted least-squares law, its Bayesian posterior and Hoffmann's published fit)
   and its parameters: the target loss (a reference model's loss under that draw, or a loss)
   and the least compute :math:`C_i` reaching it, with its compute-optimal :math:`N_i, D_i`;
2. **prices** -- the price trend's line per posterior draw plus the buyer's place in the
   spread of prices at a date (Student-t scatter, the trend's ``sigma`` and ``nu``).
   ``c_FLOP`` is ``1 / m(t)`` for cloud rental (peak FLOP per dollar; energy inside the
   price) or the total cost of ownership of bought hardware
   (:mod:`scaling.cost.tco`: servers, interconnect, cost of capital, occupancy, energy with
   PUE; Cottier et al. 2024 ranges drawn per draw);
3. **utilisation** -- training and inference MFU, each uniform over a range;
4. **algorithmic progress** (optional) -- an effective-compute multiplier :math:`M_i(t)`
   from Ho et al. (2024), re-allocating N and D so that :math:`6 N D = C / M` in every row.

Nominal or real (constant) dollars (:func:`scaling.cost.tco.dollar_factor`). The
decomposition (:attr:`Forecast.decomposition`) says, date by date, how much of the fan's
log width (its 90% interval) each source contributes. One vectorised pass: 4,000 draws x 50 dates in
well under a second (``benchmarks/bench_forecast.py``).

**Algorithmic progress without double counting.** Ho et al. (2024) measure how fast the
compute needed for a fixed performance falls, 2012-2023; their estimate *includes* the
gains from reallocating compute between N and D, chiefly the one-off move from
Kaplan-style to Chinchilla-style allocation (GPT-3, 175B parameters on 300B tokens, was
far from compute-optimal). Our baseline is compute-optimal at every date, GPT-3's
date included, so it has banked that reallocation already. Two rules keep it from being
counted twice: (1) the multiplier only shrinks the *compute*, and N and D are then
re-derived by the fitted law's own allocation (never scaled by Ho's rate themselves);
(2) the first :math:`G` of effective-compute gain after ``algorithmic_reference_date`` is
absorbed, where :math:`G = 6 \cdot 175\text{e}9 \cdot 300\text{e}9 / C_\text{opt}(L_\text{GPT-3})`
is, per law draw, the compute saving of reallocating GPT-3 compute-optimally
(``algorithmic_banked="auto"``; a number sets :math:`G`, 1 turns the rule off).

Module layout: :mod:`~scaling.forecast.spec` (:class:`ForecastSpec`, every input, validated
once), this module (the draws composed into costs: :func:`equivalent_cost`),
:mod:`~scaling.forecast.decompose` (the spread by source, the tidy table) and
:mod:`~scaling.forecast.result` (the :class:`Forecast` result and its files).
"""


from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd

from .._checks import check_memory, max_memory_bytes
from .._dates import decimal_year
from .._flops import inference_flops
from .._io import round_floats
from ..cost.tco import cost_shares, dollar_factor, usd_per_peak_flop_tco
from ..errors import ScalingError
from ..laws import get_law
from ..results import require_result
from ..sizing import GPT3_N_PARAMS, GPT3_N_TOKENS
from .algorithmic import GPT3_AS_BUILT_FLOPS, algorithmic_text, gain_summary
from .decompose import DECOMPOSITION_COLUMNS, INFER, SOURCES, SPREAD_LEVEL, TRAIN, _decompose, _median_by_date, _quantiles, _spread, _tidy
from .decompose import price_changes
from .draws import (
    LawMixture, algorithmic_log2_gain, cap_binding_share, halving_draws, law_draws, price_log10_draws,
    slowdown_draws, utilisation_draws,
)
from .price_mixture import PriceMixture, mixture_log_price, mixture_price_draws, parse_price_mixture
from .result import SCHEMA, SCHEMA_VERSION, SIGNIFICANT_DIGITS, Forecast, load_forecast
from .spec import (
    DEFAULTS, MIN_UTILISATION, YEAR_RANGE, ForecastSpec, _check_years, check_dates, default_dates, rename_deprecated,
)
from .targets import MAX_TARGET_LOSS, _reference_model, reference_models, target_spec, target_text, target_warnings

__all__ = [
    "Forecast",
    "ForecastSpec",
    "equivalent_cost",
    "default_dates",
    "decimal_year",
    "DEFAULTS",
    "load_forecast",
    "input_sha256",
]

# Names this module held before the split (kept for callers of scaling.forecast.core).
_TRAIN, _INFER = TRAIN, INFER
_check_dates = check_dates
_target_spec, _target_text = target_spec, target_text
_KEPT = (SCHEMA, SCHEMA_VERSION, SOURCES, SPREAD_LEVEL, _median_by_date, _quantiles, _spread, MIN_UTILISATION,
         YEAR_RANGE, _check_years, MAX_TARGET_LOSS, _reference_model, reference_models, target_warnings, load_forecast)


#: Draws x dates float64 arrays a forecast holds at its peak (samples, price and utilisation
#: draws, the decomposition's frozen copies): 14 measured (peak RSS at 1e5 draws), 16 allowed.
ARRAYS_PER_DRAW_DATE = 16


#: Draws x dates arrays a finished forecast keeps (``Forecast.samples``: six quantities).
ARRAYS_KEPT = 6


def check_forecast_memory(n_draws: int, n_dates: int, n_forecasts: int = 1) -> None:
    """Refuse forecasts whose draws x dates arrays would exceed the memory limit, before sampling.

    One forecast at its peak (:data:`ARRAYS_PER_DRAW_DATE`) beside the samples the others keep.
    """
    arrays = ARRAYS_PER_DRAW_DATE + ARRAYS_KEPT * (max(int(n_forecasts), 1) - 1)
    per_draw = n_dates * arrays * 8
    what = f"{n_forecasts} forecasts" if n_forecasts > 1 else "a forecast"
    check_memory(f"{what} of {n_draws:,} draws x {n_dates} dates", n_draws * per_draw,
                 hint=f"use at most {max(max_memory_bytes() // per_draw, 10):,} draws for these dates, or fewer dates"
                      + (" or scenarios" if n_forecasts > 1 else ""))


def check_target(loss_fit, target) -> None:
    """Refuse a loss target at or below any law's irreducible loss E, before any sampling."""
    kind, spec = target_spec(target)
    if kind != "loss":
        return
    mix = loss_fit if isinstance(loss_fit, LawMixture) else LawMixture({"fit": loss_fit}, {"fit": 1.0})
    for name, fit in mix.fits.items():
        if mix.weights[name] <= 0:
            continue
        floor = float(np.asarray(get_law(fit.law).irreducible_loss(fit.params)))
        if spec <= floor:
            who = "" if name == "fit" else f" of {name}"
            raise ScalingError(f"target loss {spec:g} is at or below the irreducible loss E = {floor:.4f}{who}: "
                               "unreachable; choose a loss above E")


def _law_compute(loss_fit, target, n: int, rng) -> dict:
    """Per draw: component, target loss, compute-optimal C, N, D and the law's parameters."""
    kind, spec = target_spec(target)
    component, parts = law_draws(loss_fit, n, rng)
    out = {k: np.empty(n) for k in ("target_loss", "compute", "n_params", "n_tokens", "gpt3_compute")}
    for i, (name, fit, params) in enumerate(parts):
        rows = component == i
        if not rows.any():
            continue
        law = get_law(fit.law)
        if kind == "loss":
            loss = np.full(len(params), spec)
        else:
            loss = np.asarray(law.predict(params, spec[0], spec[1]), dtype=float)
        floor = np.asarray(law.irreducible_loss(params), dtype=float)
        if np.all(loss <= floor):
            raise ScalingError(f"target loss {float(np.median(loss)):g} is at or below the irreducible loss "
                               f"(median E {float(np.median(floor)):.4f}) in every draw of {name}: unreachable; "
                               "choose a higher target")
        c, nn, dd = (np.asarray(x, dtype=float) for x in law.compute_for_loss(params, loss))
        if not np.all(np.isfinite(c)):
            bad = int(np.count_nonzero(~np.isfinite(c)))
            raise ScalingError(f"the target loss is unreachable (at or below the fitted irreducible loss E) in "
                               f"{bad} of {len(c)} draws of {name}; choose a higher target")
        g3 = np.asarray(law.compute_for_loss(params, law.predict(params, GPT3_N_PARAMS, GPT3_N_TOKENS))[0], dtype=float)
        out["target_loss"][rows], out["compute"][rows] = loss, c
        out["n_params"][rows], out["n_tokens"][rows], out["gpt3_compute"][rows] = nn, dd, g3
    out["component"] = component
    out["parts"] = parts
    out["kind"], out["spec"] = kind, spec
    return out


def _allocate(parts, component: np.ndarray, compute: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Compute-optimal N and D (6ND = C) for per-draw-and-date budgets, law by law."""
    n_out, d_out = np.empty_like(compute), np.empty_like(compute)
    for i, (_, fit, params) in enumerate(parts):
        rows = component == i
        if not rows.any():
            continue
        law = get_law(fit.law)
        p = {k: params[k].to_numpy(dtype=float)[:, None] for k in law.param_names}
        nn, dd = law.allocate(p, compute[rows])
        n_out[rows], d_out[rows] = nn, dd
    return n_out, d_out


def _check_basis(price_trend, energy_trend, basis: str | None = None) -> str:
    """The basis the trends price (cloud or purchase); refuses trends that price neither, or another ``basis``."""
    metric = price_trend.metric
    if metric == "flops_per_usd_cloud":
        if energy_trend is not None:
            raise ScalingError("energy_trend applies to the purchase basis only; cloud prices include energy")
        found = "cloud"
    elif metric == "flops_per_usd":
        if energy_trend is None or energy_trend.metric != "flops_per_watt":
            raise ScalingError("the purchase basis needs energy_trend, a 'flops_per_watt' TrendResult")
        found = "purchase"
    else:
        raise ScalingError(
            f"price_trend must be a 'flops_per_usd_cloud' (cloud basis) or 'flops_per_usd' "
            f"(purchase basis) trend, got metric {metric!r}"
        )
    if basis is not None and basis != found:
        raise ScalingError(f"the spec's basis is {basis!r}, but the price trend ({metric}) is on the {found} basis")
    return found


def _fmt_range(lo: float, hi: float, pct: bool = True) -> str:
    f = (lambda x: f"{100 * x:.3g}%") if pct else (lambda x: f"{x:g}")
    return f(lo) if lo == hi else f"{f(lo)}-{f(hi)}"


def _spec(spec: ForecastSpec | None, options: dict) -> ForecastSpec:
    """The spec of a call: ``spec``, else one built from the keywords (both: the keywords change it)."""
    options = rename_deprecated(options, stacklevel=4)
    if spec is None:
        return ForecastSpec(**options)
    if not isinstance(spec, ForecastSpec):
        raise ScalingError(f"spec must be a ForecastSpec, got {type(spec).__name__}")
    return spec.replace(**options) if options else spec


def _sources(loss_fit, price_trend, energy_trend, spec: ForecastSpec, basis: str, rng) -> dict:
    """Draws of every source, each its own stream of the one seeded generator (this order)."""
    n, dates = spec.n_draws, spec.date_index
    out = {"law": _law_compute(loss_fit, spec.target, n, rng)}
    if isinstance(price_trend, PriceMixture):
        out["component"], out["parts"] = mixture_price_draws(price_trend, spec, dates, n, rng)
        out["line"] = out["noise"] = out["line_w"] = out["noise_w"] = out["tco_draws"] = None
    else:
        out["line"], out["noise"] = price_log10_draws(price_trend, dates, n, rng, scatter=spec.price_scatter,
                                                      doubling_years=spec.price_doubling_years)
        if basis == "purchase":
            out["line_w"], out["noise_w"] = price_log10_draws(energy_trend, dates, n, rng, scatter=spec.price_scatter)
            out["tco_draws"] = spec.tco_assumptions().draw(n, rng)
        else:
            out["line_w"] = out["noise_w"] = out["tco_draws"] = None
    out["u_train"] = utilisation_draws("mfu", spec.mfu, n, rng)
    out["u_inf"] = utilisation_draws("inference_mfu", spec.inference_range, n, rng)
    out["halving"] = halving_draws(spec.algorithmic_halving_months, n, rng)
    return out


def _algorithmic(spec: ForecastSpec, law: dict, halving, years: np.ndarray, rng) -> dict:
    """log2 of the effective-compute gain per draw and date, the cap's binding share and the gain's summary."""
    n, n_t = spec.n_draws, len(years)
    out = {"log2_gain": np.zeros((n, n_t)), "binding": np.zeros(n_t), "gains": None}
    if halving is None:
        return out
    if spec.algorithmic_banked == "auto":
        banked = np.maximum(GPT3_AS_BUILT_FLOPS / law["gpt3_compute"], 1.0)
    else:
        banked = np.full(n, float(spec.algorithmic_banked))
    t_a = decimal_year(spec.algorithmic_reference_date)[0]
    t_s = decimal_year(spec.algorithmic_slowdown_date)[0]
    log2_gain = algorithmic_log2_gain(years, t_a, halving,
                                      slowdown_per_year=slowdown_draws(spec.algorithmic_slowdown_per_year, n, rng),
                                      slowdown_year=t_s, banked=banked)
    out["binding"] = cap_binding_share(log2_gain, spec.algorithmic_cap)
    out["gains"] = gain_summary(log2_gain, spec.date_index)
    if spec.algorithmic_cap is not None:
        log2_gain = np.minimum(log2_gain, np.log2(spec.algorithmic_cap))
    out["log2_gain"] = log2_gain
    return out


def _header(loss_fit, price_trend, spec: ForecastSpec, basis: str, dollar_note: str, series: str) -> str:
    """One line naming the law, price series, basis, dollars, MFU and algorithmic progress."""
    mix = loss_fit if isinstance(loss_fit, LawMixture) else None
    law_text = mix.describe() if mix else _fit_name(loss_fit)
    g = spec.mfu_growth_per_year
    return (f"law: {law_text}; {_price_text(price_trend, spec, basis, series)}; "
            f"dollars: {dollar_note}; "
            f"utilisation: training {_fmt_range(*spec.mfu)}, inference {_fmt_range(*spec.inference_range)}"
            + (f" growing {g:.0%}/yr" if g else "")
            + "; algorithmic progress: "
            + algorithmic_text(spec.algorithmic_halving_months, spec.algorithmic_slowdown_per_year,
                               spec.algorithmic_cap))


def _price_text(price_trend, spec: ForecastSpec, basis: str, series: str) -> str:
    """``price series: NAME (doubling ...); basis: BASIS``; a mixture names each series, its weight and basis."""
    scatter = ", with buyer scatter" if spec.price_scatter else ", line only"
    tco = " (TCO: " + spec.tco_assumptions().describe() + ")"

    def slope(trend):
        if spec.price_doubling_years is not None:
            return f"doubling {spec.price_doubling_years:g} yr (override)"
        dt = trend.doubling(0.9)
        if "random-walk" in (getattr(trend, "law", None), (getattr(trend, "settings", None) or {}).get("model")):
            return f"doubling {dt['median']:.2f} yr (the walk's fixed drift; the walk carries the spread)"
        return f"doubling {dt['median']:.2f} yr [{dt['lower']:.2f}, {dt['upper']:.2f}]"

    if isinstance(price_trend, PriceMixture):
        parts = [f"{name} {price_trend.weights[name]:.2g} ({'purchase' if energy is not None else 'cloud'}, "
                 f"{slope(price)})" for name, (price, energy) in price_trend.trends.items()]
        has_tco = any(energy is not None for _, energy in price_trend.trends.values())
        return (f"price series: mixture of {', '.join(parts)}{scatter}; {price_trend.rule}; basis: mixture"
                + (tco if has_tco else ""))
    return (f"price series: {series} ({slope(price_trend)}{scatter}); basis: {basis}"
            + (tco if basis == "purchase" else ""))


def _pricing(price_trend, spec: ForecastSpec, basis: str, dates):
    """``log_usd_per_flop(line, noise, line_w, noise_w, tco)``: log10 $ per peak FLOP from (possibly frozen)
    price inputs, in the spec's dollars; and the dollars' note for the header."""
    if spec.dollars == "real" or price_trend.settings.get("dollars") == "real":
        factor, dollar_note = _dollar_factor(price_trend, dates, spec.dollars, spec.base_year)
    else:
        factor, dollar_note = np.ones(len(dates)), "nominal dollars (as priced at each date)"
    log_factor = np.log10(factor)

    def log_usd_per_flop(line_, noise_, line_w_, noise_w_, tco_):
        if basis == "cloud":
            return log_factor - (line_ + noise_)
        return np.log10(usd_per_peak_flop_tco(line_ + noise_, line_w_ + noise_w_, tco_)) + log_factor

    return log_usd_per_flop, dollar_note


def _prices(price_trend, spec: ForecastSpec, basis: str, dates, src: dict) -> tuple[np.ndarray, dict, str]:
    """log10 $ per peak FLOP of every draw and date, the price sources' changes (for the decomposition,
    :func:`~scaling.forecast.decompose.price_changes`) and the dollars' note; a :class:`PriceMixture`
    prices each draw with its own series (:func:`~scaling.forecast.price_mixture.mixture_log_price`)."""
    if basis != "mixture":
        log_usd_per_flop, dollar_note = _pricing(price_trend, spec, basis, dates)
        args = tuple(src[k] for k in ("line", "noise", "line_w", "noise_w", "tco_draws"))
        log_price = log_usd_per_flop(*args)
        return log_price, price_changes(basis, *args, log_price, log_usd_per_flop) if spec.decompose else {}, \
            dollar_note
    notes = {}

    def pricing(part):
        part_basis = _check_basis(part["price_trend"], part["energy_trend"])
        log_usd_per_flop, notes[part["name"]] = _pricing(part["price_trend"], spec, part_basis, dates)
        return part_basis, log_usd_per_flop

    log_price, changes, _ = mixture_log_price(src["component"], src["parts"], len(dates), pricing, spec.decompose)
    distinct = set(notes.values())
    dollar_note = distinct.pop() if len(distinct) == 1 else "; ".join(f"{k}: {v}" for k, v in notes.items())
    return log_price, changes, dollar_note


def _spec_and_basis(price_trend, energy_trend, spec: ForecastSpec) -> tuple[ForecastSpec, str]:
    """The trends checked, and the basis they price (cloud, purchase or mixture); a :class:`PriceMixture`'s
    spec has ``price_mixture`` filled in (or checked against the mixture's weights), no single basis nor series."""
    if energy_trend is not None:
        require_result(energy_trend, "a hardware TrendResult")
    if not isinstance(price_trend, PriceMixture):
        require_result(price_trend, "a hardware TrendResult")
        return spec, _check_basis(price_trend, energy_trend, spec.basis)
    mix = price_trend
    if energy_trend is not None:
        raise ScalingError("a price mixture carries its own energy trends; give energy_trend=None")
    if spec.basis is not None or spec.price_series is not None:
        raise ScalingError(f"a price mixture prices with several series; leave basis ({spec.basis!r}) and "
                           f"price_series ({spec.price_series!r}) unset")
    for price, energy in mix.trends.values():
        _check_basis(price, energy)
    if spec.price_mixture is not None:
        given = parse_price_mixture(spec.price_mixture)
        if set(given) != set(mix.weights) or any(abs(given[k] - mix.weights[k]) > 1e-9 for k in given):
            raise ScalingError(f"the spec's price_mixture {spec.price_mixture!r} is not the mixture's weights "
                               f"{mix.text()!r}")
    return spec.replace(price_mixture=mix.text()), "mixture"


def _derived(loss_fit, price_trend, energy_trend, spec: ForecastSpec, basis: str, dollar_note: str, series: str,
             law: dict, algo: dict, halving_on: bool) -> dict:
    """What the run adds to the spec's assumptions (:meth:`ForecastSpec.assumptions`)."""
    mix = loss_fit if isinstance(loss_fit, LawMixture) else None
    return {
        "label": spec.label or series, "header": _header(loss_fit, price_trend, spec, basis, dollar_note, series),
        "target_description": target_text(law["kind"], law["spec"]),
        "target_loss_median": float(np.median(law["target_loss"])), "basis": basis, "dollar_note": dollar_note,
        "law": mix.describe() if mix else _fit_name(loss_fit), "loss_fit": _fit_meta(loss_fit),
        "price_series": series, **_price_meta(price_trend, energy_trend, spec, basis),
        "algorithmic_cap_binding": ({d.date().isoformat(): float(b) for d, b in zip(spec.date_index, algo["binding"])}
                                    if halving_on and spec.algorithmic_cap is not None else None),
        "algorithmic_gain": algo["gains"],
    }


def _price_meta(price_trend, energy_trend, spec: ForecastSpec, basis: str) -> dict:
    """``price_trend``, ``energy_trend`` and ``tco`` of the assumptions; a mixture's per series, with its weights."""
    if not isinstance(price_trend, PriceMixture):
        return {"price_trend": _trend_meta(price_trend),
                "energy_trend": None if energy_trend is None else _trend_meta(energy_trend),
                "tco": spec.tco_assumptions().to_dict() if basis == "purchase" else None}
    pairs = price_trend.trends
    has_tco = any(e is not None for _, e in pairs.values())
    return {"price_mixture_weights": dict(price_trend.weights), "price_mixture_rule": price_trend.rule,
            "price_mixture_bases": {k: "purchase" if e is not None else "cloud" for k, (_, e) in pairs.items()},
            "price_trend": {k: _trend_meta(p) for k, (p, _) in pairs.items()},
            "energy_trend": {k: _trend_meta(e) for k, (_, e) in pairs.items() if e is not None} or None,
            "tco": spec.tco_assumptions().to_dict() if has_tco else None}


def input_sha256(loss_fit, price_trend, energy_trend, spec: ForecastSpec) -> str:
    """A forecast's ``data_sha256``: hash of its law's and trends' data hashes and parameters, and the spec."""
    def trend(t):
        return None if t is None else {"data_sha256": t.data_sha256, "seed": t.seed, "method": t.method,
                                       "metric": t.metric, "precision": t.precision,
                                       "n_draws": 0 if t.draws is None else len(t.draws)}
    fits = loss_fit.fits if isinstance(loss_fit, LawMixture) else {"fit": loss_fit}
    payload = {"law": _fit_meta(loss_fit),
               "params": {k: {p: float(v) for p, v in f.params.items()} for k, f in fits.items()},
               "price_trend": ({k: [trend(p), trend(e)] for k, (p, e) in price_trend.trends.items()}
                               if isinstance(price_trend, PriceMixture) else trend(price_trend)),
               "energy_trend": trend(energy_trend), "spec": spec.to_dict()}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def equivalent_cost(loss_fit, price_trend, energy_trend=None, spec: ForecastSpec | None = None,
                    **options) -> Forecast:
    r"""Forecast the cost of reaching a target loss at each date, as joint draws of every uncertainty.

    Each joint draw :math:`i` picks a law and its parameters, a price-trend line and the
    buyer's place in the spread of prices, a training and an inference MFU, the purchase
    basis's TCO inputs and (optionally) an algorithmic-progress halving time; then

    .. math::

        \text{cost}_{\text{train},i}(t) = \frac{C_i / M_i(t)}{u_i}\, c_{\text{FLOP},i}(t), \qquad
        \text{cost}_{\text{1K},i}(t) = \frac{2\, N_i(t) \cdot 1000}{u_{\text{inf},i}}\, c_{\text{FLOP},i}(t),

    with :math:`C_i` the least compute reaching the target under law draw :math:`i`,
    :math:`M_i(t) \ge 1` the effective-compute multiplier of algorithmic progress (1 when
    off; counted without double counting, see the module docstring) and
    :math:`N_i(t), D_i(t)` the compute-optimal allocation of :math:`C_i / M_i(t)` under the
    same law, so :math:`6 N_i D_i = C_i / M_i` in every row.

    Parameters
    ----------
    loss_fit : FitResult, BayesFitResult or LawMixture
        A fitted law (its draws carry the parameter uncertainty) or a mixture of laws
        (:func:`scaling.forecast.law_mixture`), whose weights say how often each is drawn.
    price_trend, energy_trend : TrendResult
        ``"flops_per_usd_cloud"`` (cloud basis), or ``"flops_per_usd"`` with a
        ``"flops_per_watt"`` energy trend (purchase basis).
    spec : ForecastSpec, optional
        Every other input (target, dates, MFU, TCO, dollars, algorithmic progress, draws,
        seed, ...), validated once: :class:`scaling.forecast.ForecastSpec` lists each with its
        default and allowed values (:data:`scaling.forecast.DEFAULTS` the published values
        behind the defaults).
    **options
        The spec's fields as keywords (``target="gpt3"``, ``mfu=(0.3, 0.5)``, ``n_draws=4000``,
        ...): they build the spec, or change the one given. ``utilisation=`` and the other
        old names of :data:`scaling.forecast.spec.DEPRECATED_NAMES` still work (deprecated).

    Returns
    -------
    Forecast
        Quantities ``training_cost_usd``, ``inference_usd_per_1k_tokens``,
        ``usd_per_peak_flop``, ``compute_flops``, ``n_params``, ``n_tokens``; metadata
        ``data_sha256`` (:func:`input_sha256`), ``seed`` and ``settings`` (the spec).
    """
    if not isinstance(loss_fit, LawMixture):
        require_result(loss_fit, "a fitted scaling law")
    spec, basis = _spec_and_basis(price_trend, energy_trend, _spec(spec, options))
    check_target(loss_fit, spec.target)  # before any sampling
    dates, n_draws = spec.date_index, spec.n_draws
    years = decimal_year(dates)
    n_t = len(years)
    check_forecast_memory(n_draws, n_t)
    rng = np.random.default_rng(spec.seed)

    src = _sources(loss_fit, price_trend, energy_trend, spec, basis, rng)
    law = src["law"]
    algo = _algorithmic(spec, law, src["halving"], years, rng)
    compute = law["compute"][:, None] * 2.0 ** (-algo["log2_gain"])
    if src["halving"] is not None:
        n_params, n_tokens = _allocate(law["parts"], law["component"], compute)
    else:
        n_params = np.broadcast_to(law["n_params"][:, None], (n_draws, n_t))
        n_tokens = np.broadcast_to(law["n_tokens"][:, None], (n_draws, n_t))

    log_price, price_change, dollar_note = _prices(price_trend, spec, basis, dates, src)
    line, noise, line_w, noise_w, tco_draws = (src[k] for k in ("line", "noise", "line_w", "noise_w", "tco_draws"))
    c_flop = 10.0 ** log_price
    growth = (1.0 + spec.mfu_growth_per_year) ** (years - decimal_year(spec.mfu_reference_date)[0])
    util = np.minimum(spec.max_mfu, src["u_train"][:, None] * growth[None, :])
    util_inf = np.minimum(spec.max_mfu, src["u_inf"][:, None] * growth[None, :])
    samples = {TRAIN: compute / util * c_flop, INFER: inference_flops(n_params, 1000.0) / util_inf * c_flop,
               "usd_per_peak_flop": c_flop, "compute_flops": compute, "n_params": n_params, "n_tokens": n_tokens}

    decomposition = pd.DataFrame(columns=DECOMPOSITION_COLUMNS)
    if spec.decompose:
        decomposition = _decompose(
            dates=dates, law=law, log2_gain=algo["log2_gain"], n_params=n_params, compute=compute,
            util=util, util_inf=util_inf, log_price=log_price, price_change=price_change)

    series = (spec.price_series or ("mixture" if basis == "mixture" else
                                    f"{price_trend.metric}/{price_trend.precision}"))
    derived = _derived(loss_fit, price_trend, energy_trend, spec, basis, dollar_note, series, law, algo,
                       halving_on=src["halving"] is not None)
    if basis == "purchase":
        derived["tco_shares_median"] = cost_shares(line + noise, line_w + noise_w, tco_draws)
    return Forecast(table=_tidy(samples, dates, spec.levels), assumptions=spec.assumptions(derived), dates=dates,
                    samples=samples, decomposition=decomposition, label=spec.label or series,
                    data_sha256=input_sha256(loss_fit, price_trend, energy_trend, spec), seed=spec.seed,
                    settings=round_floats(spec.to_dict(), SIGNIFICANT_DIGITS))


def _dollar_factor(trend, dates, dollars: str, base_year: int) -> tuple[np.ndarray, str]:
    """Factor from the trend's dollars to the requested ones, and a note for the header."""
    fitted = trend.settings.get("dollars") or "nominal"
    if fitted == dollars == "real":
        fitted_base = int(trend.settings.get("base_year") or base_year)
        f, _ = dollar_factor([f"{fitted_base}-07-01"], base_year)
        return np.full(len(dates), float(f[0])), f"real {base_year} dollars (trend fitted in real {fitted_base} $)"
    if fitted == "real":  # nominal wanted from a real-dollar trend
        fitted_base = int(trend.settings.get("base_year") or base_year)
        f, note = dollar_factor(dates, fitted_base)
        return 1.0 / f, f"nominal dollars (trend in real {fitted_base} $; {note.split(': ', 1)[1]})"
    f, note = dollar_factor(dates, base_year)
    return f, note


def _fit_name(fit) -> str:
    name = fit.settings.get("name") if isinstance(fit.settings, dict) else None
    n = 0 if fit.draws is None else len(fit.draws)
    return f"{name or fit.method} ({fit.law}, {n} draws)" if n else f"{name or fit.method} ({fit.law}, point)"


def _fit_meta(loss_fit) -> dict:
    if isinstance(loss_fit, LawMixture):
        return {"mixture": {k: _fit_meta(f) for k, f in loss_fit.fits.items()},
                "weights": dict(loss_fit.weights), "rule": loss_fit.rule,
                "method": "mixture", "n_draws": sum(_fit_meta(f)["n_draws"] for f in loss_fit.fits.values())}
    s = loss_fit.settings
    return {
        "law": loss_fit.law,
        "method": loss_fit.method,
        "n_draws": 0 if loss_fit.draws is None else int(len(loss_fit.draws)),
        "data_sha256": loss_fit.data_sha256,
        "seed": loss_fit.seed,
        "settings": {k: v for k, v in s.items() if isinstance(v, (str, int, float, bool, type(None)))},
    }


def _trend_meta(trend) -> dict:
    d = trend.doubling(0.9)
    # the model and drift rule where the trend records them (a panel series, a random walk)
    named = {k: trend.settings[k] for k in ("model", "drift", "spread") if isinstance(trend.settings.get(k), str)}
    data = getattr(trend, "data", None)
    end = ({"data_end": f"{pd.Timestamp(data['date'].max()):%Y-%m-%d}"}
           if isinstance(data, pd.DataFrame) and "date" in data and len(data) else {})
    return {"metric": trend.metric, "precision": trend.precision, "method": trend.method, **named, **end,
            "doubling_time_years": {k: v for k, v in d.items() if isinstance(v, (int, float))}}
