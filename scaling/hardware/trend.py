r"""Log-linear trends of accelerator price-performance: Bayesian (PyMC) and OLS.

The model, for chip :math:`i` released at decimal year :math:`t_i`,

.. math::

    \log_{10} y_i = c_0 + c_1 (t_i - t_0) + \sigma\,\varepsilon_i,
    \qquad \varepsilon_i \sim \mathrm{Student\text{-}t}_\nu ,

with doubling time :math:`\log_{10} 2 / c_1` years and growth :math:`10^{c_1}` per year,
as in Hobbhahn & Besiroglu (2022), "Trends in GPU price-performance" (Epoch AI), who fit
the same line by least squares. :math:`t_0` is the mean release year of the data, so
that intercept and slope are nearly uncorrelated and NUTS samples quickly.

Priors (weakly informative, in log10 units; :math:`m` = median of :math:`\log_{10} y`):
:math:`c_0 \sim N(m, 1)`, :math:`c_1 \sim N(0, 0.5)` (centred on *no* improvement; 90%
of its mass within x0.15-x6.6 per year), :math:`\sigma \sim \mathrm{HalfNormal}(1)`,
:math:`\nu \sim \mathrm{Gamma}(2, 0.1)` (Juarez & Steel 2010). With
``hierarchical="vendor"`` or ``"precision"`` each group gets an intercept offset
:math:`\delta_g = \tau z_g`, :math:`z_g \sim N(0,1)`, :math:`\tau \sim \mathrm{HalfNormal}(0.5)`,
and a common slope.

The model is built here (:func:`build_model`) and sampled through
:func:`scaling.bayes.samplers.sample` (nutpie by default, or PyMC's NUTS), with the
diagnostics of :mod:`scaling.bayes.diagnostics` (R-hat, ESS, divergences): the trend
shares the package's one sampler, seeding and convergence checks.

``method="ols"`` fits the same design by ordinary least squares (statsmodels) and
draws the coefficients from their sampling distribution (a multivariate t with
:math:`n-2` degrees of freedom, :math:`\sigma^2` from the scaled inverse chi-square), so
downstream code treats both results alike.

The seams, one module each (this module fits; every name stays importable from here):
:mod:`~scaling.hardware.trend_result` (:class:`TrendResult`, a
:class:`~scaling.result_base.ResultBase`, and :func:`load_trend`),
:mod:`~scaling.hardware.trend_ols` (the least-squares fit), :mod:`~scaling.hardware.trend_model`
(the PyMC model and its sampling) and :mod:`~scaling.hardware.predictive` (the horizon
discrepancy and a new chip's scatter, shared with the price panel).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._checks import check_int, check_number
from .._io import utc_now
from ..bayes.samplers import SAMPLERS
from ..errors import ScalingError
from .data import TrendData, trend_data
from .predictive import PROVIDER_PREFIX, SCATTER_PARTS, WALK, horizon_walk, scatter_draws, segment_providers
from .trend_model import PRIORS, WALK_BIN_YEARS, WALK_PRIOR, build_model, fit_bayes, walk_periods
from .trend_ols import fit_ols
from .trend_result import (INTERVALS, LAW, LOG10_2, METHODS, PARAMS, READABLE_VERSIONS, SCHEMA, SCHEMA_VERSION,
                           TrendResult, load_trend)

__all__ = ["TrendResult", "fit_trend", "load_trend", "fit_prepared", "build_model", "SCHEMA", "SCHEMA_VERSION",
           "LAW", "PARAMS", "METHODS", "INTERVALS", "WALK", "horizon_walk", "scatter_draws", "SCATTER_PARTS",
           "PROVIDER_PREFIX", "segment_providers", "READABLE_VERSIONS", "LOG10_2", "PRIORS", "MAX_DRAWS",
           "MAX_CHAINS", "DYNAMIC_METRICS", "DYNAMIC_TRENDS"]

#: The most draws per chain (and tuning steps) and chains a trend accepts: more would only
#: exhaust memory (1e8 OLS draws need about 10 GB) without changing an interval visibly.
MAX_DRAWS = 100_000
MAX_CHAINS = 16
#: Trends fitted as dynamic by default (issue 20): (metric, precision). In the rolling-origin
#: calibration (validation/results/trend_calibration.md) the dynamic model improved FP32 per W
#: most (90% coverage 50% -> 73%, CRPS 0.279 -> 0.262 dex), and its full-data fit converges
#: (R-hat 1.007, ESS 806). Tensor16 per W (R-hat 1.02-1.18, up to 124 divergences) and FP32
#: per $ (R-hat 1.03, bulk ESS 40; 13 divergences with longer chains) do not sample reliably on
#: the shipped data, and tensor16 per $ scored worse dynamic, so they keep the static line
#: (``dynamic=True`` asks for the dynamic model). The pooled cloud trend is a baseline: static.
DYNAMIC_TRENDS = frozenset({("flops_per_watt", "fp32")})
#: The metrics with a dynamic default at some precision (kept for callers of the first version).
DYNAMIC_METRICS = tuple(sorted({m for m, _ in DYNAMIC_TRENDS}))


def fit_prepared(prep: TrendData, method: str = "bayes", *, seed: int = 0, draws: int = 1000, chains: int = 2,
                 tune: int = 500, target_accept: float = 0.9, sampler: str = "nutpie", progress: bool = False,
                 t0: float | None = None, dynamic: bool | None = None) -> TrendResult:
    """Fit a trend to points already selected by :func:`scaling.hardware.data.trend_data`.

    Parameters are those of :func:`fit_trend`; ``t0`` fixes the centring year (default: the
    mean year of the points, or for a dynamic trend the last point's year, rounded to 0.01);
    ``dynamic`` (Bayes only; issue 20; default: for :data:`DYNAMIC_TRENDS`) lets
    the level wander over yearly periods and the scatter change with time
    (:func:`scaling.hardware.trend_model.build_model`): the trend's horizon discrepancy
    (``rw_scale``) and a new chip's scatter at the end of the data (``sigma``).
    """
    if method not in METHODS:
        raise ScalingError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    if sampler not in SAMPLERS:
        raise ScalingError(f"unknown sampler {sampler!r}; allowed: {', '.join(SAMPLERS)}")
    draws = check_int("draws", draws, 100, MAX_DRAWS)  # bounded: 1e8 draws would exhaust memory
    chains = check_int("chains", chains, 1, MAX_CHAINS)
    tune = check_int("tune", tune, 100, MAX_DRAWS)
    seed = check_int("seed", seed, 0)
    target_accept = check_number("target_accept", target_accept, low=0.0, high=1.0, high_open=True)
    data = prep.data
    y = data["log10_value"].to_numpy(dtype=float)
    year = data["year"].to_numpy(dtype=float)
    if dynamic is None:
        dynamic = (prep.metric, prep.precision) in DYNAMIC_TRENDS
    dynamic = bool(dynamic) and method == "bayes"
    # A dynamic trend's line is the level at the last point, and sigma the scatter there:
    # centred there (the walk is anchored there, w_0 = 0); else at the mean year.
    if t0 is None:
        t0 = round(float(np.max(year) if dynamic else np.mean(year)), 2)
    t0 = check_number("t0", t0, low=None)
    x = year - t0
    groups: tuple = ()
    group_idx = None
    if data["group"].astype(str).str.len().gt(0).any():
        if method != "bayes":
            raise ScalingError("hierarchical trends need method='bayes'")
        groups = tuple(sorted(data["group"].unique()))
        group_idx = data["group"].map({g: i for i, g in enumerate(groups)}).to_numpy(dtype=int)
    if method == "ols":
        d, diag = fit_ols(y, x, draws * chains, seed)
    else:
        d, diag = fit_bayes(y, x, group_idx, groups, seed=seed, draws=draws, chains=chains, tune=tune,
                            target_accept=target_accept, sampler=sampler, progress=bool(progress),
                            period=walk_periods(year) if dynamic else None)
    settings = {**prep.settings, "method": method, "draws": draws, "chains": chains,
                "tune": tune if method == "bayes" else None,
                "sampler": sampler if method == "bayes" else None,
                "target_accept": target_accept if method == "bayes" else None,
                "hierarchical": prep.settings.get("group_by"), "seed": seed}
    if method == "bayes":
        settings["dynamic"] = dynamic and WALK in d.columns
        if settings["dynamic"]:
            settings.update(walk_bin_years=WALK_BIN_YEARS, walk_prior=f"HalfNormal({WALK_PRIOR})")
    return TrendResult(
        metric=prep.metric, precision=prep.precision, method=method, n_chips=prep.n_chips, n_points=len(data),
        n_dropped=prep.n_dropped, dropped=dict(prep.dropped), t0=t0, draws=d, data=data.reset_index(drop=True),
        diagnostics=diag, settings=settings, filters=list(prep.filters), notes=list(prep.notes), seed=seed,
        data_sha256=prep.sha256, groups=groups, created=utc_now(),
    )


def fit_trend(
    accelerators: pd.DataFrame | None = None,
    metric: str = "flops_per_usd",
    precision="tensor16",
    method: str = "bayes",
    *,
    vendor=None,
    type=None,  # noqa: A002
    segment=None,
    since=None,
    before=None,
    dollars: str = "nominal",
    base_year: int = 2024,
    frontier: bool = False,
    hierarchical: str | None = None,
    pricing: str = "on_demand",
    seed: int = 0,
    draws: int = 1000,
    chains: int = 2,
    tune: int = 500,
    target_accept: float = 0.9,
    sampler: str = "nutpie",
    progress: bool = False,
    cloud_prices: pd.DataFrame | None = None,
    price_index: pd.DataFrame | None = None,
    dynamic: bool | None = None,
) -> TrendResult:
    r"""Fit :math:`\log_{10} y = c_0 + c_1 (t - t_0)` to accelerator price-performance.

    Parameters
    ----------
    accelerators : DataFrame, optional
        The accelerators table; ``None`` loads the shipped one.
    metric : {"flops_per_usd", "flops_per_watt", "flops_per_usd_cloud"}
        Peak FLOP/s per $ of release price, per W of TDP, or peak FLOP per $ of cloud
        rental (:math:`3600 F / p_h`, dated by the price observation).
    precision : {"tensor16", "fp32", "tf32", "fp16", "fp8", "int8"} or list
        Which peak throughput (a list with ``hierarchical="precision"``).
    method : {"bayes", "ols"}
        PyMC robust regression, or statsmodels OLS (the frequentist baseline).
    vendor, type, segment : str or list, optional
        Keep only these (case-insensitive), e.g. ``segment="datacenter"``.
    since, before : date, optional
        Keep dates ``>= since`` and ``< before``.
    dollars : {"nominal", "real"}
        ``"real"`` deflates prices with the US PPI for data processing to ``base_year`` $.
    frontier : bool
        Keep only chips that beat every earlier chip (the best available at each date).
    hierarchical : {None, "vendor", "precision"}
        Per-group intercept offsets with a shared slope (Bayes only).
    pricing : {"on_demand", "1yr", "3yr"}
        Cloud price column for ``flops_per_usd_cloud``.
    seed, draws, chains, tune, target_accept
        Sampler settings (the same ``seed`` gives the same draws); OLS draws
        ``draws * chains`` coefficient samples with ``seed``.
    sampler : {"nutpie", "pymc"}
        The NUTS implementation, through :func:`scaling.bayes.samplers.sample`.
    progress : bool
        Show the sampler's progress bar.
    dynamic : bool, optional
        Default: True for the trends of :data:`DYNAMIC_TRENDS` (FP32 per W), False for the others.
        Bayes only: the level wanders over yearly periods (the horizon discrepancy a
        prediction adds beyond the last point, ``rw_scale``) and the scatter changes with
        time (``sigma_trend``; ``sigma`` is the scatter at the last point), anchored at the
        last point (:func:`scaling.hardware.trend_model.build_model`; issue 20: the static
        line's 90% intervals covered 49% of later FP32 FLOP/s-per-W chips). ``False``: the
        static line of versions before 0.2.

    Returns
    -------
    TrendResult

    Raises
    ------
    ScalingError
        Unknown option, or a filter leaving fewer than 3 chips (naming the filter).

    References
    ----------
    Hobbhahn & Besiroglu (2022), "Trends in GPU price-performance", Epoch AI.
    Hobbhahn, Heim & Aydos (2023), "Trends in machine learning hardware", Epoch AI.
    """
    if method not in METHODS:
        raise ScalingError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    if hierarchical not in (None, "vendor", "precision"):
        raise ScalingError(f"unknown hierarchical {hierarchical!r}; allowed: None, 'vendor', 'precision'")
    if hierarchical is not None and method != "bayes":
        raise ScalingError("hierarchical trends need method='bayes'")
    prep = trend_data(accelerators, metric, precision, vendor=vendor, type=type, segment=segment, since=since,
                      before=before, dollars=dollars, base_year=base_year, frontier=frontier, pricing=pricing,
                      cloud_prices=cloud_prices, price_index=price_index, group_by=hierarchical)
    return fit_prepared(prep, method, seed=seed, draws=draws, chains=chains, tune=tune,
                        target_accept=target_accept, sampler=sampler, progress=progress, dynamic=dynamic)
