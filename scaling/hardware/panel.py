r"""Cloud prices as a panel: hardware progress apart from market composition.

The pooled cloud trend regresses every observed rental price on its date. From 2022 on,
new GPU clouds and marketplaces (consumer cards among them) join AWS, Azure, GCP and
Oracle, so the pooled slope mixes *hardware progress* with *who sells at what price*. This
module fits the hierarchical (panel) regression, for observation :math:`i` of chip
:math:`c`, provider :math:`p` of kind :math:`k` at pricing tier :math:`r` and decimal year
:math:`t_i`,

.. math::

    \log_{10} y_i = a + b\,(t_i - t_0) + g\,(\mathrm{age}_i - \bar{\mathrm{age}}) + \kappa_{k} + \rho_{r}
                    + u_c + v_p + w_{q(i)} + \sigma\,\varepsilon_i,
    \qquad u_c \sim N(0, \tau_c^2),\; v_p \sim N(0, \tau_p^2),\; \varepsilon_i \sim t_\nu,

with :math:`y` the peak FLOP per $ of rental, :math:`\kappa_{\mathrm{hyperscaler}} = 0`,
:math:`\rho_{\mathrm{on\ demand}} = 0` (the reference segment), and :math:`w_q` a random walk
of the market's level over the yearly periods :math:`q` counted back from the last price,
anchored at the end of the data (Harvey 1989, *Forecasting, Structural Time Series Models
and the Kalman Filter*, ch. 2, the local level with drift :math:`b`):

.. math::

    w_0 = 0, \qquad w_{q} - w_{q-1} \sim N(0, \omega^2 \Delta), \quad \Delta = 1\ \mathrm{yr},

so the line :math:`a + b(t - t_0)` is the level at the end of the data and, beyond it, the
level keeps wandering: a forecast :math:`h` years past the last price adds
:math:`\omega W(h) \sim N(0, \omega^2 h)` (:func:`scaling.hardware.trend.horizon_walk`; the
draw column ``rw_scale``). :math:`\omega` is learned from the data before the fit's last
price: how far each year's level strayed from the line.

Priors (weakly informative, but for the slope): :math:`a \sim N(\mathrm{median}\,y, 1)`,
:math:`b \sim N(\hat b_{\mathrm{buy}}, s_b^2)` centred on the purchase-price trend of the chips
released before the last price (:func:`purchase_slope_prior`: FP32 FLOP/s per release $, about
0.09 dex/yr, :math:`s_b \approx 0.05`), :math:`g \sim N(0, 0.5)`, :math:`\kappa, \rho \sim N(0, 0.5)`, :math:`\tau_c \sim HN(0.5)`, :math:`\tau_p \sim
HN(0.3)`, :math:`\sigma \sim HN(0.5)`, :math:`\nu - 1 \sim \Gamma(2, 0.1)` (so a price's predictive
distribution has a finite mean), :math:`\omega \sim
HN(0.1)` dex per square-root year (Gelman & Hill 2007, *Data Analysis Using Regression and
Multilevel/Hierarchical Models*, ch. 11-13, for the varying-intercept panel; Juarez & Steel
2010 for the prior on :math:`\nu`).

Parameterisation (what makes the fit fast: about 25 s of sampling for 1,000 tuning steps and 2 x 800
draws, against about 60 s and too few effective draws before): chip and provider effects
with at least :data:`CENTRE_MIN` prices are centred, sparser ones non-centred (Betancourt &
Girolami 2015); provider levels are centred on their kind's level :math:`a + \kappa_k`
("hierarchical centring", Gelfand, Sahu & Carlin 1995), so :math:`a` and :math:`\kappa`,
known only through the providers, do not make a funnel with :math:`\tau_p`; the walk is
centred (each year's level is pinned by its prices). The model is sampled by
:func:`scaling.bayes.samplers.sample` and checked by :mod:`scaling.bayes.diagnostics`.

Named series (:data:`SERIES`) turn the posterior into :class:`~scaling.hardware.TrendResult`
objects a forecast can use: the line of one market segment,
:math:`a + \kappa_k + \rho_r + b (t - t_0)`, and the scatter of a price a buyer meets in it at
a date (a new chip and provider of the segment), :math:`\sigma_{\mathrm{buyer}} =
(\tau_c^2 + \tau_p^2 + \sigma^2)^{1/2}` with the residual's :math:`\nu`.

``lowest-available`` is the segment whose line is lowest (posterior median of
:math:`\kappa_k + \rho_r`) among the segments *widely available*: offered by at least
:data:`WIDE_PROVIDERS` providers in the data, marketplaces excepted (interruptible hosts
without service guarantees; they are a segment of their own).
"""

from __future__ import annotations

import dataclasses
import time
import warnings

import numpy as np
import pandas as pd

from .._checks import check_int, check_number
from .._io import utc_now
from ..bayes.diagnostics import count_divergences, diagnose
from ..errors import ScalingError
from .data import KINDS, TrendData, trend_data
from .panel_result import TIERS, WIDE_PROVIDERS, WIDE_TIERS, PanelFit, _age_years  # noqa: F401 (re-exported)
from .predictive import PROVIDER_PREFIX, WALK
from .series import PRICE_SERIES
from .trend_result import TrendResult

__all__ = ["SERIES", "PanelFit", "panel_data", "fit_panel", "series_trend", "fit_series", "build_panel_model",
           "WIDE_PROVIDERS", "series_names", "save_series", "purchase_slope_prior", "SLOPE_PRIOR_SD"]

#: Named cloud-price series: name -> (provider kind, pricing tier, description), derived from
#: the one registry :data:`scaling.hardware.series.PRICE_SERIES` (its cloud series of the panel
#: and the pooled trend; the random walk is :mod:`scaling.hardware.random_walk`'s). ``None``
#: marks a series chosen from the data (``lowest-available``) or the pooled baseline.
SERIES: dict[str, tuple[str | None, str | None, str]] = {
    s.name: (s.provider_kind, s.pricing, s.description) for s in PRICE_SERIES.values()
    if s.basis == "cloud" and s.model in ("panel", "trend")}
#: Default sampler settings of :func:`fit_panel`: draws per chain and tuning steps (see
#: :func:`fit_panel` for why 1,000 tuning steps).
DRAWS = 800
TUNE = 1000
def series_names() -> list[str]:
    """The names :func:`fit_series` accepts."""
    return list(SERIES)


def panel_data(cloud_prices: pd.DataFrame | None = None, accelerators: pd.DataFrame | None = None,
               precision: str = "tensor16", *, before=None, **filters) -> TrendData:
    """Every cloud price of every tier: :func:`trend_data` with ``pricing="all"``."""
    return trend_data(accelerators, "flops_per_usd_cloud", precision, pricing="all", before=before,
                      cloud_prices=cloud_prices, **filters)


#: Chips or providers with at least this many prices get centred effects (their data pin the
#: effect down, so the centred form samples best); sparser ones non-centred (Betancourt &
#: Girolami 2015, "Hamiltonian Monte Carlo for hierarchical models").
CENTRE_MIN = 3
#: Width of the periods of the level's random walk, years.
WALK_BIN_YEARS = 1.0
#: Prior scale of the walk, dex per square-root year: HalfNormal(0.1) puts 90% of its mass
#: below 0.16 dex/sqrt(yr), i.e. below x1.9 in 4 years' wandering (1 sd).
WALK_PRIOR = 0.1


def _effect_layout(idx: np.ndarray, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Levels with >= :data:`CENTRE_MIN` points (centred) and the rest (non-centred)."""
    counts = np.bincount(idx, minlength=n_levels)
    return np.flatnonzero(counts >= CENTRE_MIN), np.flatnonzero(counts < CENTRE_MIN)


def _effects(pm, pt, name: str, tau, idx: np.ndarray, n_levels: int, loc=None):
    """Group levels :math:`N(\\mathrm{loc}, \\tau^2)` gathered at the observations: centred
    (``c_<name>``) for levels with >= :data:`CENTRE_MIN` points, non-centred
    (:math:`\\mathrm{loc} + \\tau z`, ``z_<name>``) for the rest, stacked in that order
    (:func:`_effect_layout`). ``loc`` (a tensor per level, default 0) puts the levels'
    common mean inside the hierarchy ("hierarchical centring", Gelfand, Sahu & Carlin 1995,
    Biometrika 82:479), so a mean pinned only through the levels does not make a funnel with
    :math:`\\tau`."""
    dense, sparse = _effect_layout(idx, n_levels)
    parts = []
    if dense.size:
        parts.append(pm.Normal(f"c_{name}", 0.0 if loc is None else loc[dense], tau, shape=int(dense.size)))
    if sparse.size:
        z = tau * pm.Normal(f"z_{name}", 0.0, 1.0, shape=int(sparse.size))
        parts.append(z if loc is None else loc[sparse] + z)
    stacked = parts[0] if len(parts) == 1 else pt.concatenate(parts)
    pos = np.empty(n_levels, dtype=int)
    pos[np.r_[dense, sparse]] = np.arange(n_levels)
    return stacked[pm.Data(name, pos[idx])]


def _effect_draws(post, name: str, tau: np.ndarray, idx: np.ndarray, n_levels: int) -> np.ndarray:
    """Draws ``(chain, draw, level)`` of the levels sampled by :func:`_effects`, less their
    ``loc`` for the centred ones (the caller subtracts it from all)."""
    dense, sparse = _effect_layout(idx, n_levels)
    out = np.zeros(tau.shape + (n_levels,))
    if dense.size:
        out[..., dense] = np.asarray(post[f"c_{name}"].values, dtype=float)
    if sparse.size:
        out[..., sparse] = tau[..., None] * np.asarray(post[f"z_{name}"].values, dtype=float)
    return out, dense


#: Version of the panel model, recorded in every fit's settings (``model_version``) so that a
#: saved series is reused only by the model that made it. 4: a series' line is its segment's
#: providers' mean level (same predictive, a cleaner split of line and scatter); 3: a series
#: carries the effects of its segment's providers (a buyer meets one of them;
#: :func:`series_trend`); 2: the slope's
#: prior from the purchase-price trend (:func:`purchase_slope_prior`); 1 (unrecorded): the
#: vague prior.
MODEL_VERSION = 4
#: A segment with at least this many providers in the data carries their effects (a buyer
#: meets one of them); with fewer, a buyer's provider is a new one, N(0, tau_p^2).
SEGMENT_PROVIDERS_MIN = 2


def model_settings(slope_prior="purchase") -> dict:
    """What a fit records about its model: ``model_version`` and ``slope_prior_rule``
    (``"purchase"``, ``"vague"`` or ``"given"``)."""
    rule = "given" if not isinstance(slope_prior, (str, type(None))) else (slope_prior or "vague")
    return {"model_version": MODEL_VERSION, "slope_prior_rule": rule}


#: How far the rental-price trend's slope may stray from the purchase-price trend's, dex per
#: year (the prior sd of :func:`purchase_slope_prior` beyond the purchase slope's own error).
SLOPE_PRIOR_SD = 0.05
#: The weakly informative slope prior of a fit without the purchase prior (``slope_prior=None``).
VAGUE_SLOPE_PRIOR = (0.0, 0.5)


def purchase_slope_prior(before=None, accelerators: pd.DataFrame | None = None) -> tuple[float, float, str]:
    r"""The panel slope's prior from the hardware itself: ``(mean, sd, description)``.

    A rental price is the chip's cost recovered over its service life plus the provider's
    margin, so over the years rental FLOP per $ rises at about the rate purchase FLOP/s per $
    does. The prior is centred on the least-squares slope :math:`\hat b_{\mathrm{buy}}` of
    log10 peak FP32 FLOP/s per release-price $ on release date, over the chips released
    before ``before`` (a date; all chips by default) — the longest price-performance record
    there is (2008 on; FP32 because tensor rates start in 2017) — with sd
    :math:`(\mathrm{se}(\hat b_{\mathrm{buy}})^2 + s^2)^{1/2}`, :math:`s` =
    :data:`SLOPE_PRIOR_SD` for how far rental progress may stray from purchase progress
    (margins, utilisation, the mix of chips offered).

    Why: with two chip generations the cloud slope alone is barely determined (rolling-origin
    backtests before 2022: doubling-time intervals with no upper end, 90% predictive
    intervals covering 100% of later prices). The purchase record before each cut-off gave
    0.067-0.084 dex/yr (doubling 3.6-4.5 yr), against 0.057 dex/yr for the hyperscalers'
    prices on all data (``docs/hardware-trends.md``).
    """
    from .data import trend_data

    # consumer=True: the prior keeps its long record (consumer cards from 2008), not the purchase basis's default.
    td = trend_data(accelerators, "flops_per_usd", "fp32", before=before, consumer=True)
    d = td.data
    x = d["year"].to_numpy(dtype=float)
    y = d["log10_value"].to_numpy(dtype=float)
    X = np.column_stack([np.ones_like(x), x - x.mean()])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    s2 = float(resid @ resid) / max(len(y) - 2, 1)
    se = float(np.sqrt(s2 / float(((x - x.mean()) ** 2).sum())))
    sd = float(np.hypot(se, SLOPE_PRIOR_SD))
    when = "" if before is None else f" before {pd.Timestamp(before).date()}"
    text = (f"Normal({beta[1]:.4f}, {sd:.4f}) dex/yr: FP32 FLOP/s per release-price $ of {len(d)} chips released"
            f"{when} (least squares, se {se:.4f}) widened by {SLOPE_PRIOR_SD} for rental vs purchase")
    return float(beta[1]), sd, text


def build_panel_model(y, x, age, kind_idx, tier_idx, chip_idx, prov_idx, n_chips: int, n_provs: int,
                      bin_idx=None, n_bins: int = 1, bin_years: float = WALK_BIN_YEARS, prov_kind=None,
                      slope_prior: tuple[float, float] = VAGUE_SLOPE_PRIOR):
    """The PyMC panel model (module docstring) on ``y - median(y)``; returns ``(model, y_ref)``.

    ``bin_idx`` numbers each price's period counting back from the last one (0: the latest
    ``bin_years``); the level's random walk :math:`w` is anchored at 0 in period 0, so the
    line :math:`a + b(t - t_0)` is the market's level at the end of the data. Data enter
    through ``pm.Data`` containers, so PyTensor's on-disk cache of compiled code serves every
    later fit of the same model (the backtests' cut-offs).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pymc as pm
        import pytensor.tensor as pt
    y_ref = float(np.median(y))
    bin_idx = np.zeros(len(y), dtype=int) if bin_idx is None else np.asarray(bin_idx, dtype=int)
    if prov_kind is None:  # each provider's kind, from its prices
        prov_kind = np.zeros(n_provs, dtype=int)
        prov_kind[np.asarray(prov_idx, dtype=int)] = np.asarray(kind_idx, dtype=int)
    n_bins = max(int(n_bins), 1)
    with pm.Model() as model:
        xd, aged, yd = pm.Data("x", x), pm.Data("age", age), pm.Data("y", y - y_ref)
        td = pm.Data("tier", tier_idx)
        a = pm.Normal("a", 0.0, 1.0)
        prior = pm.Data("slope_prior", np.asarray(slope_prior[:2], dtype=float))  # (mean, sd)
        b = pm.Normal("slope_per_year", prior[0], prior[1])
        d_age = pm.Normal("age_slope", 0.0, 0.5)
        kind = pm.Normal("kind_effect", 0.0, 0.5, shape=len(KINDS) - 1)
        tier = pm.Normal("tier_effect", 0.0, 0.5, shape=len(TIERS) - 1)
        tau_c = pm.HalfNormal("tau_chip", 0.5)
        tau_p = pm.HalfNormal("tau_provider", 0.3)
        kind_all = pt.concatenate([pt.zeros(1), kind])
        tier_all = pt.concatenate([pt.zeros(1), tier])
        chip_obs = _effects(pm, pt, "chip", tau_c, np.asarray(chip_idx, dtype=int), n_chips)
        # a + kind + v_p: the provider's level, centred on its kind's (module docstring)
        prov_obs = _effects(pm, pt, "provider", tau_p, np.asarray(prov_idx, dtype=int), n_provs,
                            loc=a + kind_all[np.asarray(prov_kind, dtype=int)])
        sigma = pm.HalfNormal("sigma", 0.5)
        # nu > 1: a price's predictive distribution keeps a finite mean (with few prices the
        # posterior otherwise wanders to nu < 1, where intervals have no useful bound)
        nu = pm.Deterministic("nu", 1.0 + pm.Gamma("nu_minus_one", alpha=2.0, beta=0.1))
        omega = pm.HalfNormal("rw_scale", WALK_PRIOR)
        mu = b * xd + d_age * aged + tier_all[td] + chip_obs + prov_obs
        if n_bins > 1:
            # Centred: each period's level is pinned by its prices, so the centred walk
            # samples well where the non-centred one makes a funnel with omega.
            steps = pm.Normal("walk_step", 0.0, omega * np.sqrt(bin_years), shape=n_bins - 1)
            walk = pt.concatenate([pt.zeros(1), pt.cumsum(steps)])
            mu = mu + walk[pm.Data("period", bin_idx)]
        pm.StudentT("obs", nu=nu, mu=mu, sigma=sigma, observed=yd)
    return model, y_ref


def fit_panel(data: TrendData | None = None, *, seed: int = 0, draws: int = DRAWS, chains: int = 2, tune: int = TUNE,
              target_accept: float = 0.9, sampler: str = "nutpie", t0: float | None = None,
              slope_prior="purchase") -> PanelFit:
    """Sample the panel model of the module docstring on ``data`` (default :func:`panel_data`).

    ``slope_prior``: ``"purchase"`` (default) centres the slope's prior on the purchase-price
    trend of the chips released before the panel's last price (:func:`purchase_slope_prior`);
    ``None`` gives the vague :data:`VAGUE_SLOPE_PRIOR`; a ``(mean, sd)`` pair, dex per year,
    is used as given. The choice is recorded in ``settings["slope_prior"]``.

    The defaults (2 chains x :data:`DRAWS` draws after :data:`TUNE` tuning steps) give on
    the shipped data R-hat 1.003, bulk ESS >= 1,000, tail ESS >= 750 and no divergences in
    about 25 s of sampling plus 11 s of compiling (2 cores). 1,000 tuning steps, not fewer:
    with 250, the backtests' fit on the 58 prices before 2021 left one chain at nu ~ 5 and
    the other at nu ~ 20 (R-hat 1.55); with 1,000 they agree (R-hat 1.009).
    """
    from ..bayes.samplers import sample

    data = panel_data() if data is None else data
    if "pricing_tier" not in data.data.columns:
        raise ScalingError("fit_panel needs cloud prices (metric 'flops_per_usd_cloud', pricing='all')")
    draws, chains, tune, seed = (check_int("draws", draws, 100), check_int("chains", chains, 1),
                                 check_int("tune", tune, 100), check_int("seed", seed, 0))
    target_accept = check_number("target_accept", target_accept, low=0.0, high=1.0, high_open=True)
    d = data.data
    y = d["log10_value"].to_numpy(dtype=float)
    year = d["year"].to_numpy(dtype=float)
    t0 = round(float(np.mean(year)), 2) if t0 is None else float(t0)
    t_last = float(np.max(year))
    chips = tuple(sorted(d["name"].unique()))
    provs = tuple(sorted(d["provider"].unique()))
    idx = lambda col, levels: d[col].map({v: i for i, v in enumerate(levels)}).to_numpy(dtype=int)  # noqa: E731
    age_years = _age_years(d)
    age_ref = round(float(np.median(age_years)), 2)
    period = np.floor((t_last - year) / WALK_BIN_YEARS).astype(int)
    if isinstance(slope_prior, str) and slope_prior == "purchase":
        last = pd.to_datetime(d["date"]).max()
        mean, sd, prior_text = purchase_slope_prior(before=last + pd.Timedelta(days=1))
    elif slope_prior is None:
        (mean, sd), prior_text = VAGUE_SLOPE_PRIOR, f"Normal{VAGUE_SLOPE_PRIOR} dex/yr (vague)"
    else:
        try:
            mean, sd = (float(v) for v in slope_prior)
        except (TypeError, ValueError):
            raise ScalingError(f"slope_prior {slope_prior!r}: give 'purchase', None or (mean, sd) in dex/yr") from None
        mean = check_number("slope_prior mean", mean, low=-5.0, high=5.0)
        sd = check_number("slope_prior sd", sd, low=0.0, high=5.0, low_open=True)
        prior_text = f"Normal({mean}, {sd}) dex/yr (given)"
    t_start = time.perf_counter()
    chip_idx, prov_idx = idx("name", chips), idx("provider", provs)
    model, y_ref = build_panel_model(y, year - t0, age_years - age_ref, idx("provider_kind", KINDS),
                                     idx("pricing_tier", TIERS), chip_idx, prov_idx, len(chips), len(provs),
                                     bin_idx=period, n_bins=int(period.max()) + 1, slope_prior=(mean, sd))
    idata, timings = sample(model, sampler=sampler, draws=draws, tune=tune, chains=chains, seed=seed,
                            target_accept=target_accept)
    post = idata.posterior
    arr = lambda name: np.asarray(post[name].values, dtype=float)  # noqa: E731
    arrays = {"intercept": arr("a") + y_ref, "slope_per_year": arr("slope_per_year"), "age_slope": arr("age_slope"),
              "sigma": arr("sigma"), "nu": arr("nu"), "tau_chip": arr("tau_chip"),
              "tau_provider": arr("tau_provider"), WALK: arr(WALK)}
    for j, k in enumerate(KINDS[1:]):
        arrays[f"kind[{k}]"] = arr("kind_effect")[..., j]
    for j, r in enumerate(TIERS[1:]):
        arrays[f"tier[{r}]"] = arr("tier_effect")[..., j]
    table = diagnose({k: v for k, v in arrays.items()})
    zc, _ = _effect_draws(post, "chip", arrays["tau_chip"], chip_idx, len(chips))
    zp, dense = _effect_draws(post, "provider", arrays["tau_provider"], prov_idx, len(provs))
    prov_kind = d.groupby("provider")["provider_kind"].first()
    for j in dense:  # centred provider levels hold a + kind + v_p: keep v_p
        kind = prov_kind[provs[j]]
        zp[..., j] -= arr("a") + (0.0 if kind == KINDS[0] else arrays[f"kind[{kind}]"])
    for j, c in enumerate(chips):
        arrays[f"chip[{c}]"] = zc[..., j]
    for j, p in enumerate(provs):
        arrays[f"provider[{p}]"] = zp[..., j]
    diag = {"sampler": f"{sampler} NUTS", "chains": chains, "draws": draws, "tune": tune,
            "target_accept": target_accept,
            **{c: {n: float(v) for n, v in table[c].items()} for c in ("r_hat", "ess_bulk", "ess_tail")},
            "divergences": count_divergences(idata), "seconds": round(time.perf_counter() - t_start, 2),
            "timings_s": {k.removesuffix("_s"): round(float(v), 3) for k, v in timings.items()}}
    settings = {**data.settings, "model": "panel", "draws": draws, "chains": chains, "tune": tune,
                "sampler": sampler, "target_accept": target_accept, "seed": seed, "age_ref_years": age_ref,
                "horizon_origin_year": round(t_last, 4), "walk_bin_years": WALK_BIN_YEARS,
                "walk_prior": f"HalfNormal({WALK_PRIOR})", "slope_prior": prior_text, **model_settings(slope_prior)}
    return PanelFit(data=data, t0=t0, age_ref=age_ref, draws=pd.DataFrame({k: v.ravel() for k, v in arrays.items()}),
                    chips=chips, providers=provs, diagnostics=diag, seed=seed, settings=settings, created=utc_now())


def series_trend(panel: PanelFit, name: str) -> TrendResult:
    """The named series ``name`` of a fitted panel, as a :class:`TrendResult`.

    Draws: ``intercept`` (the segment's line at ``t0``: the mean level of its providers where
    it carries them, else the kind's level), ``slope_per_year``, ``sigma`` (a
    buyer's scatter, :math:`(\\tau_c^2+\\tau_p^2+\\sigma^2)^{1/2}`, for display), ``nu``, then
    ``sigma_residual``, ``tau_chip``, ``tau_provider``, ``rw_scale`` (:math:`\\omega`, the
    horizon discrepancy's scale, :func:`scaling.hardware.trend.horizon_walk`; its origin,
    the panel's last price, is ``settings["horizon_origin_year"]``) and, where the segment
    has at least :data:`SEGMENT_PROVIDERS_MIN` providers, ``provider[<name>]``: each one's
    effect :math:`v_p` less their mean (a buyer meets one of them,
    :func:`scaling.hardware.trend.scatter_draws`).
    ``data`` holds the segment's points.
    """
    if name not in SERIES or name == "pooled":
        allowed = [s for s in SERIES if s != "pooled"]
        raise ScalingError(f"unknown panel series {name!r}; allowed: {', '.join(allowed)}")
    kind, tier, _ = SERIES[name]
    if kind is None:
        kind, tier = panel.lowest_segment()
    d = panel.draws
    sigma_buyer = np.sqrt(d["tau_chip"] ** 2 + d["tau_provider"] ** 2 + d["sigma"] ** 2)
    # The segment's line for a chip of the panel's median age (age_ref): the slope is
    # progress across chip generations at a fixed age, provider and segment.
    draws = pd.DataFrame({"intercept": d["intercept"] + panel.segment_offset(kind, tier),
                          "slope_per_year": d["slope_per_year"], "sigma": sigma_buyer, "nu": d["nu"],
                          "sigma_residual": d["sigma"], "tau_chip": d["tau_chip"],
                          "tau_provider": d["tau_provider"]})
    if WALK in d:  # the horizon discrepancy (panels fitted before it existed have none)
        draws[WALK] = d[WALK]
    pts = panel.data.data
    seg = pts.loc[(pts["provider_kind"] == kind) & (pts["pricing_tier"] == tier)].reset_index(drop=True)
    # The segment's providers: a buyer of this segment meets one of them (scatter_draws). The
    # line is their mean level, the provider columns each one's deviation from it: the data
    # pin each provider's level a + kappa + v_p, not a + kappa (its correlation with v_p is
    # about -0.9), so this split puts the level's uncertainty in the line and the spread
    # between providers in the scatter, and leaves every draw's sum unchanged.
    provs = sorted(p for p in seg["provider"].unique() if f"provider[{p}]" in d)
    if len(provs) >= SEGMENT_PROVIDERS_MIN:
        v = np.column_stack([d[f"provider[{p}]"].to_numpy(dtype=float) for p in provs])
        centre = v.mean(axis=1)
        draws["intercept"] = draws["intercept"].to_numpy(dtype=float) + centre
        for j, p in enumerate(provs):
            draws[f"{PROVIDER_PREFIX}{p}]"] = v[:, j] - centre
    if seg.empty:  # a segment with no data yet (early cut-offs): keep every point for the record
        seg = pts.reset_index(drop=True)
    settings = {**panel.settings, "series": name, "provider_kind": kind, "pricing": tier, "method": "bayes",
                "hierarchical": "panel"}
    return TrendResult(metric="flops_per_usd_cloud", precision=panel.data.precision, method="bayes",
                       n_chips=int(seg["name"].nunique()), n_points=len(seg), n_dropped=panel.data.n_dropped,
                       dropped=dict(panel.data.dropped), t0=panel.t0, draws=draws.reset_index(drop=True),
                       data=seg, diagnostics=dict(panel.diagnostics), settings=settings,
                       filters=list(panel.data.filters),
                       notes=list(panel.data.notes) + [f"series {name}: segment {kind} / {tier} of the panel model "
                                                       f"({panel.data.n_chips} chips, {len(pts)} prices)"],
                       seed=panel.seed, data_sha256=panel.data.sha256, created=utc_now())


def fit_series(name: str, *, panel: PanelFit | None = None, method: str = "bayes", before=None, seed: int = 0,
               draws: int | None = None, **kwargs) -> TrendResult:
    """Fit the named cloud-price series ``name`` (:data:`SERIES`).

    ``"pooled"`` is :func:`scaling.hardware.fit_trend` on every on-demand price (the
    baseline; ``draws`` default 1000); the others come from one panel fit (pass ``panel`` to
    reuse one; ``draws`` default :data:`DRAWS`).
    """
    if name not in SERIES:
        raise ScalingError(f"unknown price series {name!r}; allowed: {', '.join(SERIES)}")
    if name == "pooled":
        from .trend import fit_trend
        t = fit_trend(metric="flops_per_usd_cloud", precision="tensor16", method=method, before=before, seed=seed,
                      draws=1000 if draws is None else draws, **kwargs)
        return dataclasses.replace(t, settings={**t.settings, "series": "pooled"})
    if panel is None:
        panel = fit_panel(panel_data(before=before), seed=seed, draws=DRAWS if draws is None else draws, **kwargs)
    return series_trend(panel, name)


def save_series(out_dir, names=None, *, seed: int = 0, draws: int | None = None, tune: int | None = None,
                panel: PanelFit | None = None) -> dict:
    """Fit the panel once and save each named series as ``out_dir/trend_<name>.json``.

    ``"pooled"`` is fitted by :func:`scaling.hardware.fit_trend` (Bayes). Returns
    ``name -> path``.
    """
    from pathlib import Path

    names = list(SERIES) if names is None else list(names)
    for n in names:
        if n not in SERIES:
            raise ScalingError(f"unknown price series {n!r}; allowed: {', '.join(SERIES)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if panel is None and any(n != "pooled" for n in names):
        panel = fit_panel(panel_data(), seed=seed, draws=DRAWS if draws is None else draws,
                          tune=TUNE if tune is None else tune)
    paths = {}
    for n in names:
        t = fit_series(n, panel=panel, seed=seed, draws=draws)
        paths[n] = t.save(out_dir / f"trend_{n}.json")
    return paths
