r"""The trend's least-squares fit: statsmodels OLS, and draws from the coefficients' sampling distribution.

For points :math:`(x_i, y_i)`, :math:`x` centred years and :math:`y = \log_{10}` value,
:math:`y = c_0 + c_1 x + \varepsilon` by ordinary least squares. The coefficients are drawn
from their sampling distribution with estimated variance, a multivariate t with :math:`n - 2`
degrees of freedom (so the draws' quantiles reproduce the t-based confidence interval), and
:math:`\sigma^2` from the scaled inverse chi-square :math:`s^2 (n-2) / \chi^2_{n-2}`
(Gelman et al. 2013, *Bayesian Data Analysis*, 3rd ed., section 14.2: the posterior of
linear regression under the flat prior), so downstream code treats an OLS trend and a
Bayesian one alike (``nu`` is ``inf``: Gaussian errors).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["fit_ols"]


def fit_ols(y: np.ndarray, x: np.ndarray, n_draws: int, seed: int) -> tuple[pd.DataFrame, dict]:
    """OLS of ``y`` on ``x``: ``n_draws`` draws of ``intercept, slope_per_year, sigma, nu`` and diagnostics
    (slope, its standard error and 90% t-interval, R^2, residual sd)."""
    import statsmodels.api as sm

    X = sm.add_constant(x, has_constant="add")
    res = sm.OLS(y, X).fit()
    df = int(res.df_resid)
    rng = np.random.default_rng(seed)
    beta = np.asarray(res.params, dtype=float)
    cov = np.asarray(res.cov_params(), dtype=float)
    # Multivariate t (df = n - 2): the sampling distribution of the coefficients with
    # estimated variance, so draw quantiles reproduce the t-based confidence interval.
    z = rng.multivariate_normal(np.zeros(2), cov, size=n_draws)
    w = rng.chisquare(df, size=n_draws) / df
    coef = beta + z / np.sqrt(w)[:, None]
    s = float(np.sqrt(res.scale))
    sigma = s * np.sqrt(df / rng.chisquare(df, size=n_draws))
    draws = pd.DataFrame({"intercept": coef[:, 0], "slope_per_year": coef[:, 1], "sigma": sigma,
                          "nu": np.full(n_draws, np.inf)})
    ci = np.asarray(res.conf_int(alpha=0.10))[1]
    diag = {"slope": float(beta[1]), "slope_se": float(res.bse[1]), "slope_ci_t": [float(ci[0]), float(ci[1])],
            "df_resid": df, "r_squared": float(res.rsquared), "resid_sd": s, "n_draws": n_draws}
    return draws, diag
