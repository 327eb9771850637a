r"""Backtest the forecast itself: forecast from prices known before a cut-off, score on later prices.

With cloud prices observed before ``cutoff`` only, the forecast of the GPT-3-equivalent
training cost at each later year is set against the costs the *observed* prices of that
year imply: each later price observation :math:`p` (peak FLOP per dollar :math:`m_j`) gives

.. math:: \text{cost}_j = \frac{C}{u} \cdot \frac{1}{m_j},

with the same law point :math:`C` and utilisation :math:`u` as the forecast, so only the
price side is tested. Scores per year: the share of implied costs inside the forecast's
50% and 90% intervals (coverage), and the ratio of the forecast median to the median
implied cost (error, x1 is perfect). The full-data trend line's median is reported
beside, as "what a fit on all data says".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["forecast_backtest"]


def forecast_backtest(loss_fit, *, cutoff: str = "2021-01-01", years=(2022, 2023, 2024, 2025), method: str = "ols",
                      utilisation: float = 0.4, n_draws: int = 4000, seed: int = 0,
                      price_scatter: bool = True) -> pd.DataFrame:
    """Coverage and error of the cutoff forecast against later observed cloud prices, per year.

    Returns
    -------
    DataFrame
        ``year, n_observed, forecast_median, forecast_lower90, forecast_upper90,
        observed_median, full_fit_median, coverage50, coverage90, error_ratio``.
    """
    from ..hardware import fit_trend
    from .core import equivalent_cost

    past = fit_trend(metric="flops_per_usd_cloud", precision="tensor16", method=method, before=cutoff, seed=seed)
    full = fit_trend(metric="flops_per_usd_cloud", precision="tensor16", method=method, seed=seed)
    dates = pd.to_datetime([f"{y}-07-01" for y in years])
    kw = dict(dates=dates, utilisation=utilisation, n_draws=n_draws, seed=seed, levels=(0.5, 0.9), decompose=False)
    fc = equivalent_cost(loss_fit, past, price_scatter=price_scatter, **kw)
    ref = equivalent_cost(loss_fit, full, price_scatter=False, **kw)
    x = fc.samples["training_cost_usd"]
    compute_per_u = np.median(fc.samples["compute_flops"][:, 0]) / utilisation
    data = full.data
    rows = []
    for i, y in enumerate(years):
        obs = data[(data["year"] >= y) & (data["year"] < y + 1)]
        implied = compute_per_u / obs["value"].to_numpy(dtype=float)
        lo50, hi50, lo90, hi90, med = np.quantile(x[:, i], [0.25, 0.75, 0.05, 0.95, 0.5])
        rows.append({
            "year": y, "n_observed": len(obs), "forecast_median": med, "forecast_lower90": lo90,
            "forecast_upper90": hi90, "observed_median": float(np.median(implied)) if len(obs) else np.nan,
            "full_fit_median": float(np.median(ref.samples["training_cost_usd"][:, i])),
            "coverage50": float(np.mean((implied >= lo50) & (implied <= hi50))) if len(obs) else np.nan,
            "coverage90": float(np.mean((implied >= lo90) & (implied <= hi90))) if len(obs) else np.nan,
            "error_ratio": med / float(np.median(implied)) if len(obs) else np.nan,
        })
    out = pd.DataFrame(rows)
    out.attrs.update(cutoff=cutoff, method=method, n_past=int(past.n_points),
                     doubling_past=past.doubling(0.9), doubling_full=full.doubling(0.9))
    return out
