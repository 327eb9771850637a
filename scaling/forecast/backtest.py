r"""Backtest the forecast itself: forecast from prices known before a cut-off, score on later
prices of the same population.

With cloud prices observed before ``cutoff`` only, the named price series is fitted
(:func:`scaling.hardware.fit_series`: the hierarchical panel model's segment, or the pooled
baseline) and the GPT-3-equivalent training cost forecast at each later year. Each later
price observation :math:`j` *of the population the series describes* (peak FLOP per dollar
:math:`m_j`) implies the cost

.. math:: \text{cost}_j = \frac{C}{u} \cdot \frac{1}{m_j},

with the same law point :math:`C` and utilisation :math:`u` as the forecast, so only the
price side is tested. The population of a series is its market segment (provider kind and
pricing tier: ``hyperscaler-on-demand`` is scored on the on-demand prices of AWS, Azure, GCP
and Oracle; ``lowest-available`` on the segment it picked at the cut-off); the pooled
baseline regresses every on-demand price, so it is scored on every on-demand price. Scoring
a forecast of one population against the prices of another (a hyperscaler line against
marketplaces that did not exist at the cut-off) tests nothing about the forecast.

Scores per year: the share of implied costs inside the forecast's 50% and 90% intervals
(coverage), the ratio of the forecast median to the median implied cost (error, x1 is
perfect), and the mean 90% interval score in dex (Gneiting & Raftery 2007, eq. 43; lower
is better: the width plus 20 times each miss).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._dates import to_datetimes
from ..errors import ScalingError

__all__ = ["forecast_backtest", "series_population", "observed_prices", "backtest_markdown"]


def series_population(series: str, trend=None) -> tuple[str | None, str]:
    """The (provider kind, pricing tier) whose prices a series forecasts; kind ``None``: every kind.

    ``pooled`` (and its alias ``cloud``): every on-demand price. A panel series: its segment,
    read from the fitted trend's settings where given (``lowest-available`` picks its
    segment from the data it was fitted on), else from :data:`scaling.hardware.SERIES`.
    """
    from ..hardware import SERIES

    if series in ("pooled", "cloud"):
        return None, "on_demand"
    if series not in SERIES:
        raise ScalingError(f"unknown price series {series!r}; allowed: {', '.join(SERIES)}")
    settings = {} if trend is None else trend.settings
    kind = settings.get("provider_kind") or SERIES[series][0]
    tier = settings.get("pricing") or SERIES[series][1]
    if kind is None or tier is None:
        raise ScalingError(f"series {series!r} picks its segment from the data: pass its fitted trend")
    return kind, tier


def observed_prices(prices: pd.DataFrame, kind: str | None, tier: str) -> pd.DataFrame:
    """The rows of ``prices`` (a :func:`scaling.hardware.panel_data` table) of one population."""
    keep = prices["pricing_tier"] == tier
    if kind is not None:
        keep &= prices["provider_kind"] == kind
    return prices.loc[keep]


def _score(implied: np.ndarray, lo90: float, hi90: float) -> float:
    """Mean 90% interval score of log10 cost (dex); an interval end at 0 or infinity scores inf."""
    from ..hardware.backtest import interval_score

    with np.errstate(divide="ignore"):
        return float(np.mean(interval_score(np.log10(implied), np.log10(lo90), np.log10(hi90), 0.9)))


def forecast_backtest(loss_fit, *, series: str = "hyperscaler-on-demand", cutoff: str = "2021-01-01",
                      years=(2022, 2023, 2024, 2025), method: str = "bayes", mfu: float = 0.4,
                      n_draws: int = 4000, seed: int = 0, price_scatter: bool = True, draws: int | None = None,
                      past=None, panel=None, prices: pd.DataFrame | None = None, reference=None,
                      utilisation: float | None = None) -> pd.DataFrame:
    """Coverage and error of the cut-off forecast against later prices of the series' population.

    Parameters
    ----------
    loss_fit
        The law (a fit or a mixture) giving the GPT-3-equivalent compute.
    series : str
        A name of :data:`scaling.hardware.SERIES` (``"cloud"`` is an alias of ``"pooled"``).
    cutoff : date
        Only prices observed before it are fitted.
    method : {"bayes", "ols"}
        Pooled baseline only (the panel series are Bayesian).
    mfu : float
        Training model-FLOPs utilisation, fixed (``utilisation=``: its deprecated name).
    past : TrendResult, optional
        The series already fitted before ``cutoff`` (its settings must record that cut-off);
        else :func:`scaling.hardware.fit_series` fits it (``draws`` posterior draws per chain;
        None: the fitting function's default).
    panel : PanelFit, optional
        A panel fitted on the prices before ``cutoff``, reused for a panel series.
    prices : DataFrame, optional
        Later prices to score on, with ``year``, ``value`` (FLOP per $), ``provider_kind`` and
        ``pricing_tier`` (default: every price of :func:`scaling.hardware.panel_data`).
    reference : TrendResult, optional
        The series fitted on all data: its line-only median is reported beside (``full_fit_median``).

    Returns
    -------
    DataFrame
        ``year, n_observed, forecast_median, forecast_lower90, forecast_upper90,
        observed_median, full_fit_median, coverage50, coverage90, error_ratio,
        interval_score90_dex``; ``attrs`` record the series, its population, the cut-off and
        the doubling times.
    """
    from ..hardware import fit_series, panel_data
    from .core import _quantiles, equivalent_cost

    if utilisation is not None:
        warnings.warn("utilisation= is deprecated; use mfu=", DeprecationWarning, stacklevel=2)
        mfu = utilisation
    name = "pooled" if series == "cloud" else series
    cut = to_datetimes(cutoff)[0]  # a ScalingError for a date pandas cannot hold
    if past is None:
        if panel is not None:
            before = panel.settings.get("before")
            if before is None or pd.Timestamp(before) != cut:
                raise ScalingError(f"the panel was fitted with before={before!r}, not the cut-off {cutoff!r}")
            past = fit_series(name, panel=panel, seed=seed)
        else:
            past = fit_series(name, method=method, before=cutoff, seed=seed,
                              **({} if draws is None else {"draws": draws}))
    else:
        before = past.settings.get("before")
        if before is None or pd.Timestamp(before) != cut:
            raise ScalingError(f"the past trend was fitted with before={before!r}, not the cut-off {cutoff!r}")
    kind, tier = series_population(name, past)
    prices = panel_data().data if prices is None else prices
    population = observed_prices(prices, kind, tier)

    dates = pd.to_datetime([f"{y}-07-01" for y in years])
    kw = dict(dates=dates, mfu=mfu, n_draws=n_draws, seed=seed, levels=(0.5, 0.9), decompose=False)
    fc = equivalent_cost(loss_fit, past, price_scatter=price_scatter, price_series=name, **kw)
    ref = None if reference is None else equivalent_cost(loss_fit, reference, price_scatter=False, **kw)
    x = fc.samples["training_cost_usd"]
    compute_per_u = np.median(fc.samples["compute_flops"][:, 0]) / mfu
    rows = []
    for i, y in enumerate(years):
        obs = population[(population["year"] >= y) & (population["year"] < y + 1)]
        implied = compute_per_u / obs["value"].to_numpy(dtype=float)
        lo50, hi50, lo90, hi90, med = _quantiles(x[:, i], [0.25, 0.75, 0.05, 0.95, 0.5])
        n = len(obs)
        rows.append({
            "year": y, "n_observed": n, "forecast_median": med, "forecast_lower90": lo90,
            "forecast_upper90": hi90, "observed_median": float(np.median(implied)) if n else np.nan,
            "full_fit_median": np.nan if ref is None else float(np.median(ref.samples["training_cost_usd"][:, i])),
            "coverage50": float(np.mean((implied >= lo50) & (implied <= hi50))) if n else np.nan,
            "coverage90": float(np.mean((implied >= lo90) & (implied <= hi90))) if n else np.nan,
            "error_ratio": med / float(np.median(implied)) if n else np.nan,
            "interval_score90_dex": _score(implied, lo90, hi90) if n else np.nan,
        })
    out = pd.DataFrame(rows)
    diag = past.diagnostics if isinstance(past.diagnostics, dict) else {}
    r_hat = [float(v) for v in (diag.get("r_hat") or {}).values() if np.isfinite(v)]
    out.attrs.update(series=name, population={"provider_kind": kind or "all", "pricing_tier": tier},
                     max_r_hat=max(r_hat) if r_hat else None, divergences=diag.get("divergences"),
                     cutoff=str(cutoff), method=past.method, n_past=int(past.n_points),
                     doubling_past=past.doubling(0.9),
                     doubling_full=None if reference is None else reference.doubling(0.9),
                     price_scatter=bool(price_scatter), utilisation=mfu)
    return out


def _convergence(attrs) -> str:
    """``; max R-hat 1.004, 0 divergences`` (flagged when the cut-off fit did not converge)."""
    from .._checks import R_HAT_MAX

    r, div = attrs.get("max_r_hat"), attrs.get("divergences")
    if r is None:
        return ""
    flag = " (NOT CONVERGED: the scores below test an unconverged fit)" if r > R_HAT_MAX else ""
    return f"; max R-hat {r:.3f}, {div or 0} divergences{flag}"


def backtest_markdown(tables) -> str:
    """One markdown table per series from :func:`forecast_backtest` results (a list of DataFrames)."""
    from .._format import format_usd as _usd

    def format_usd(x):
        return "unbounded" if np.isinf(x) else _usd(x)

    def dex(x):
        return "inf" if np.isinf(x) else f"{x:.2f}"

    def years(x):
        return "never" if np.isinf(x) else (f"{x:.0f}" if x >= 100 else f"{x:.2f}")

    lines = []
    for t in tables:
        a = t.attrs
        pop = a["population"]
        dp = a["doubling_past"]
        lines += [
            f"**{a['series']}** (scored on {pop['provider_kind']} / {pop['pricing_tier']} prices; fitted on "
            f"{a['n_past']} prices before {a['cutoff']}, {a['method']}; doubling {years(dp['median'])} yr "
            f"[{years(dp['lower'])}, {years(dp['upper'])}]; "
            f"{'with buyer scatter' if a.get('price_scatter', True) else 'line only'}"
            + _convergence(a) + ")",
            "",
            "| year | prices | forecast median [90%] | observed median | 50% covers | 90% covers "
            "| error (forecast / observed) | interval score (dex) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for _, r in t.iterrows():
            if not r["n_observed"]:
                lines.append(f"| {int(r['year'])} | 0 | {format_usd(r['forecast_median'])} "
                             f"[{format_usd(r['forecast_lower90'])}, {format_usd(r['forecast_upper90'])}] "
                             "| - | - | - | - | - |")
                continue
            lines.append(
                f"| {int(r['year'])} | {int(r['n_observed'])} | {format_usd(r['forecast_median'])} "
                f"[{format_usd(r['forecast_lower90'])}, {format_usd(r['forecast_upper90'])}] "
                f"| {format_usd(r['observed_median'])} | {r['coverage50']:.0%} | {r['coverage90']:.0%} "
                f"| x{r['error_ratio']:.2f} | {dex(r['interval_score90_dex'])} |")
        lines.append("")
    return "\n".join(lines)
