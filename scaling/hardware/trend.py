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

``method="ols"`` fits the same design by ordinary least squares (statsmodels) and
draws the coefficients from their sampling distribution (a multivariate t with
:math:`n-2` degrees of freedom, :math:`\sigma^2` from the scaled inverse chi-square), so
downstream code treats both results alike.
"""

from __future__ import annotations

import json
import logging
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__
from .._io import atomic_write_text, dumps_json, read_versioned_json, utc_now
from .data import METRICS, TrendData, decimal_year, to_datetimes, trend_data
from .._checks import check_level as _check_level

__all__ = ["TrendResult", "fit_trend", "load_trend", "SCHEMA", "SCHEMA_VERSION", "fit_prepared"]

SCHEMA = "scaling.hardware.trend"
SCHEMA_VERSION = 1
LOG10_2 = float(np.log10(2.0))
METHODS = ("bayes", "ols")
PRIORS = {
    "intercept": "Normal(median(log10 y), 1)",
    "slope_per_year": "Normal(0, 0.5)",
    "sigma": "HalfNormal(1)",
    "nu": "Gamma(alpha=2, beta=0.1)",
    "tau": "HalfNormal(0.5) (hierarchical only)",
}
# Thresholds for report() warnings.
RHAT_MAX = 1.01
ESS_MIN = 400


def _q(x: np.ndarray, level: float) -> tuple[float, float, float]:
    a = (1.0 - level) / 2.0
    x = np.asarray(x, dtype=float)
    if x.size and np.all(x == x[0]):  # e.g. OLS's nu = inf (Gaussian)
        return float(x[0]), float(x[0]), float(x[0])
    lo, med, hi = np.quantile(x, [a, 0.5, 1.0 - a])
    return float(med), float(lo), float(hi)



@dataclass(frozen=True)
class TrendResult:
    """A fitted hardware trend. Immutable; derived quantities are computed on demand.

    Attributes
    ----------
    metric, precision, method : str
        What was fitted and how (``"bayes"`` or ``"ols"``).
    n_chips, n_points : int
        Distinct chips and data points used (cloud prices: several points per chip).
    n_dropped : int
        Rows left out for missing data; ``dropped`` gives the reasons.
    t0 : float
        Centring year: the line is ``intercept + slope_per_year * (year - t0)``.
    draws : pandas.DataFrame
        ``intercept, slope_per_year, sigma, nu`` (+ ``tau``, ``offset[<group>]``), one
        row per posterior draw (OLS: per draw from the sampling distribution).
    data : pandas.DataFrame
        The points used: ``name, date, year, value, log10_value`` and more.
    diagnostics : dict
        ``r_hat``, ``ess_bulk``, ``ess_tail`` per parameter, ``divergences``,
        ``seconds``, sampler settings (Bayes); the t-based slope interval (OLS).
    """

    metric: str
    precision: Any
    method: str
    n_chips: int
    n_points: int
    n_dropped: int
    dropped: dict
    t0: float
    draws: pd.DataFrame
    data: pd.DataFrame
    diagnostics: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    filters: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    seed: int = 0
    data_sha256: str = ""
    groups: tuple = ()
    created: str = ""
    version: str = __version__

    # ----------------------------------------------------------------- headline numbers
    def _slope(self) -> np.ndarray:
        return self.draws["slope_per_year"].to_numpy(dtype=float)

    def growth(self, level: float = 0.9) -> dict:
        """Factor per year, :math:`10^{c_1}`: median and ``level`` interval."""
        med, lo, hi = _q(10.0 ** self._slope(), _check_level(level))
        return {"median": med, "value": med, "lower": lo, "upper": hi, "level": level}

    @property
    def growth_per_year(self) -> dict:
        """Growth factor per year (``10**slope``): median, 90% interval."""
        return self.growth(0.9)

    def doubling(self, level: float = 0.9) -> dict:
        r"""Doubling time :math:`\log_{10} 2 / c_1` in years: median, interval, P(slope <= 0).

        Quantiles are taken on the slope and mapped through the (decreasing) transform,
        so an interval end whose slope is <= 0 is ``inf`` (no doubling at all).
        """
        level = _check_level(level)
        med, lo, hi = _q(self._slope(), level)

        def dt(s):
            return LOG10_2 / s if s > 0 else float("inf")

        m = dt(med)
        return {"median": m, "value": m, "lower": dt(hi), "upper": dt(lo), "level": level,
                "prob_no_improvement": float(np.mean(self._slope() <= 0))}

    @property
    def doubling_time_years(self) -> dict:
        """Doubling time in years: median, 90% interval and ``prob_no_improvement``."""
        return self.doubling(0.9)

    # ----------------------------------------------------------------- predictions
    def _group_offset(self, group: str | None) -> np.ndarray:
        if group is None or not self.groups:
            if group is not None:
                raise ValueError(f"group {group!r} given but the trend is not hierarchical")
            return np.zeros(len(self.draws))
        col = f"offset[{group}]"
        if col not in self.draws.columns:
            raise ValueError(f"unknown group {group!r}; groups: {', '.join(self.groups)}")
        return self.draws[col].to_numpy(dtype=float)

    def line_draws(self, dates, group: str | None = None) -> np.ndarray:
        r"""Trend line in log10 units, one row per draw: shape ``(n_draws, n_dates)``.

        .. math:: \log_{10} y(t) = c_0 + c_1 (t - t_0) \; [+ \delta_g]

        Parameters
        ----------
        dates : dates, strings or decimal years
        group : str, optional
            For hierarchical trends, a vendor/precision whose offset is added; ``None``
            gives the population line.
        """
        years = decimal_year(dates)
        c0 = self.draws["intercept"].to_numpy(dtype=float) + self._group_offset(group)
        c1 = self._slope()
        return c0[:, None] + c1[:, None] * (years[None, :] - self.t0)

    def predict(self, dates, level: float = 0.9, group: str | None = None) -> pd.DataFrame:
        """Median trend with credible (line) and predictive (a new chip) intervals.

        Returns
        -------
        pandas.DataFrame
            ``date, year, log10_median, median, lower, upper`` (line, credible
            interval) and ``pred_lower, pred_upper`` (new chip, predictive interval),
            in the metric's units; ``level`` is the interval mass.
        """
        level = _check_level(level)
        d = to_datetimes(dates)
        lines = self.line_draws(d, group=group)
        rng = np.random.default_rng([self.seed, 7919])
        nu = self.draws["nu"].to_numpy(dtype=float)
        sigma = self.draws["sigma"].to_numpy(dtype=float)
        # One noise draw per posterior draw, shared by all dates: each date's predictive
        # distribution is unchanged, and the band's edges vary smoothly with the date.
        shape = (lines.shape[0], 1)
        eps = np.where(np.isfinite(nu)[:, None],
                       rng.standard_t(np.where(np.isfinite(nu), nu, 1.0)[:, None], size=shape),
                       rng.standard_normal(shape))
        new = lines + sigma[:, None] * eps
        if self.groups and group is None and "tau" in self.draws.columns:
            new = new + self.draws["tau"].to_numpy(dtype=float)[:, None] * rng.standard_normal(shape)
        a = (1 - level) / 2
        lo, med, hi = np.quantile(lines, [a, 0.5, 1 - a], axis=0)
        plo, phi = np.quantile(new, [a, 1 - a], axis=0)
        return pd.DataFrame({
            "date": d, "year": decimal_year(d), "log10_median": med, "median": 10 ** med,
            "lower": 10 ** lo, "upper": 10 ** hi, "pred_lower": 10 ** plo, "pred_upper": 10 ** phi,
            "level": level,
        })

    # ----------------------------------------------------------------- reporting
    def summary(self, level: float = 0.9) -> pd.DataFrame:
        """Parameters and derived quantities: value (median), lower, upper, r_hat, ess_bulk."""
        level = _check_level(level)
        rows = []
        for col in self.draws.columns:
            med, lo, hi = _q(self.draws[col], level)
            rows.append((col, med, lo, hi))
        g, d = self.growth(level), self.doubling(level)
        rows.append(("growth_per_year", g["median"], g["lower"], g["upper"]))
        rows.append(("doubling_time_years", d["median"], d["lower"], d["upper"]))
        out = pd.DataFrame(rows, columns=["parameter", "value", "lower", "upper"]).set_index("parameter")
        rhat, ess = self.diagnostics.get("r_hat", {}), self.diagnostics.get("ess_bulk", {})
        out["r_hat"] = [rhat.get(p, np.nan) for p in out.index]
        out["ess_bulk"] = [ess.get(p, np.nan) for p in out.index]
        return out

    def warnings(self) -> list[str]:
        """Convergence and data warnings (empty when all is well)."""
        out = []
        if self.method == "bayes":
            rhat = self.diagnostics.get("r_hat", {})
            ess = self.diagnostics.get("ess_bulk", {})
            bad_r = {k: v for k, v in rhat.items() if not v <= RHAT_MAX}
            bad_e = {k: v for k, v in ess.items() if not v >= ESS_MIN}
            if bad_r:
                out.append("WARNING: R-hat > %.2f for %s" % (RHAT_MAX, ", ".join(f"{k} ({v:.3f})" for k, v in bad_r.items())))
            if bad_e:
                out.append("WARNING: bulk ESS < %d for %s" % (ESS_MIN, ", ".join(f"{k} ({v:.0f})" for k, v in bad_e.items())))
            div = int(self.diagnostics.get("divergences", 0))
            if div:
                out.append(f"WARNING: {div} divergent transitions; raise target_accept")
        if self.n_chips < 10:
            out.append(f"WARNING: only {self.n_chips} chips; the interval is wide and sensitive to each chip")
        if self.doubling_time_years["prob_no_improvement"] > 0.05:
            out.append("WARNING: P(no improvement) = %.2f: the data do not establish a falling cost"
                       % self.doubling_time_years["prob_no_improvement"])
        return out

    def report(self) -> str:
        """Human-readable report: data used and dropped, headline numbers, warnings."""
        d, g = self.doubling_time_years, self.growth_per_year
        years = self.data["year"]
        lines = [
            f"Hardware trend: {METRICS.get(self.metric, self.metric)} ({self.metric}), precision {self.precision}, "
            f"method {self.method}",
            f"data: {self.n_points} points from {self.n_chips} chips, {years.min():.1f}-{years.max():.1f}; "
            f"dropped {self.n_dropped} rows for missing data"
            + (": " + ", ".join(f"{k}: {v}" for k, v in self.dropped.items()) if self.dropped else ""),
        ]
        if self.filters:
            lines.append("filters: " + "; ".join(f"{f} -> {n}" for f, n in self.filters))
        lines += [f"note: {n}" for n in self.notes]
        lines += [
            f"doubling time: {d['median']:.2f} yr (90% interval {d['lower']:.2f}-{d['upper']:.2f}); "
            f"P(no improvement) = {d['prob_no_improvement']:.3f}",
            f"growth: x{g['median']:.3f} per year (90% interval x{g['lower']:.3f}-x{g['upper']:.3f})",
            f"t0 = {self.t0:.2f}; seed {self.seed}; data sha256 {self.data_sha256[:12]}",
        ]
        diag = self.diagnostics
        if self.method == "bayes":
            rhat = max(diag.get("r_hat", {}).values(), default=np.nan)
            ess = min(diag.get("ess_bulk", {}).values(), default=np.nan)
            lines.append(f"sampler {diag.get('sampler')}: {diag.get('chains')} chains x {diag.get('draws')} draws "
                         f"(tune {diag.get('tune')}), max R-hat {rhat:.4f}, min bulk ESS {ess:.0f}, "
                         f"{diag.get('divergences', 0)} divergences, {diag.get('seconds', np.nan):.1f} s")
        else:
            ci = diag.get("slope_ci_t", [np.nan, np.nan])
            lines.append(f"OLS: slope {diag.get('slope', np.nan):.4f} log10/yr, 90% t-interval "
                         f"[{ci[0]:.4f}, {ci[1]:.4f}], R^2 {diag.get('r_squared', np.nan):.3f}, "
                         f"residual sd {diag.get('resid_sd', np.nan):.3f} dex")
        lines += self.warnings()
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """Headline numbers for JSON output."""
        return {
            "metric": self.metric, "precision": self.precision, "method": self.method,
            "n_chips": self.n_chips, "n_points": self.n_points, "n_dropped": self.n_dropped,
            "dropped": dict(self.dropped), "t0": self.t0,
            "doubling_time_years": self.doubling_time_years, "growth_per_year": self.growth_per_year,
            "settings": self.settings, "warnings": self.warnings(),
            "r_hat_max": max(self.diagnostics.get("r_hat", {}).values(), default=None),
            "ess_bulk_min": min(self.diagnostics.get("ess_bulk", {}).values(), default=None),
        }

    # ----------------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Write a versioned JSON file with the draws and the data (atomic)."""
        data = self.data.copy()
        for c in data.columns:
            if pd.api.types.is_datetime64_any_dtype(data[c]):
                data[c] = data[c].dt.strftime("%Y-%m-%d")
        payload = {
            "schema": SCHEMA, "schema_version": SCHEMA_VERSION, "package_version": __version__,
            "created": self.created or utc_now(), "saved": utc_now(),
            "metric": self.metric, "precision": list(self.precision) if isinstance(self.precision, tuple) else self.precision,
            "method": self.method, "n_chips": self.n_chips, "n_points": self.n_points,
            "n_dropped": self.n_dropped, "dropped": self.dropped, "t0": self.t0, "seed": self.seed,
            "data_sha256": self.data_sha256, "groups": list(self.groups), "settings": self.settings,
            "filters": [list(f) for f in self.filters], "notes": list(self.notes),
            "priors": PRIORS if self.method == "bayes" else None,
            "diagnostics": self.diagnostics,
            "headline": {"doubling_time_years": self.doubling_time_years, "growth_per_year": self.growth_per_year},
            "draws": {c: self.draws[c].to_numpy(dtype=float).tolist() for c in self.draws.columns},
            "data": json.loads(data.to_json(orient="records")),
        }
        return atomic_write_text(path, dumps_json(payload))


def load_trend(path: str | os.PathLike) -> TrendResult:
    """Load a trend written by :meth:`TrendResult.save`, checking schema and version.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a trend file of this schema version, or is incomplete.
    """
    p = read_versioned_json(path, SCHEMA, SCHEMA_VERSION)
    try:
        draws = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in p["draws"].items()})
        data = pd.DataFrame(p["data"])
        for c in ("date", "release_date", "hardware_release_date"):
            if c in data.columns:
                data[c] = pd.to_datetime(data[c], errors="coerce")
        precision = tuple(p["precision"]) if isinstance(p["precision"], list) else p["precision"]
        missing = {"intercept", "slope_per_year", "sigma", "nu"} - set(draws.columns)
        if missing:
            raise ValueError(f"{path}: draws lack {', '.join(sorted(missing))}")
        return TrendResult(
            metric=p["metric"], precision=precision, method=p["method"], n_chips=int(p["n_chips"]),
            n_points=int(p["n_points"]), n_dropped=int(p["n_dropped"]), dropped=dict(p["dropped"]),
            t0=float(p["t0"]), draws=draws, data=data, diagnostics=p.get("diagnostics", {}),
            settings=p.get("settings", {}), filters=[tuple(f) for f in p.get("filters", [])],
            notes=list(p.get("notes", [])), seed=int(p.get("seed", 0)), data_sha256=p.get("data_sha256", ""),
            groups=tuple(p.get("groups", [])), created=p.get("created", ""),
            version=p.get("package_version", ""),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path}: incomplete or corrupt trend file (missing/bad {exc})") from None


# ===================================================================== fitting
def _fit_ols(y: np.ndarray, x: np.ndarray, n_draws: int, seed: int):
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


def _fit_bayes(y, x, group_idx, groups, *, seed, draws, chains, tune, target_accept, cores):
    with warnings.catch_warnings():
        # pytensor warns at import about pip-installed BLAS; not actionable here.
        warnings.simplefilter("ignore")
        try:
            import pymc as pm
            import arviz as az
        except ImportError as exc:  # pragma: no cover
            raise ImportError("method='bayes' needs pymc and arviz: pip install 'pymc>=5' arviz") from exc
    y_ref = float(np.median(y))
    t_start = time.perf_counter()
    logger = logging.getLogger("pymc")
    old_level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with pm.Model():
            # Data containers keep the compiled graph independent of the values, so
            # pytensor's on-disk cache serves every later fit of the same model shape.
            xd = pm.Data("x", x)
            yd = pm.Data("y", y - y_ref)
            a = pm.Normal("a", 0.0, 1.0)
            slope = pm.Normal("slope_per_year", 0.0, 0.5)
            sigma = pm.HalfNormal("sigma", 1.0)
            nu = pm.Gamma("nu", alpha=2.0, beta=0.1)
            mu = a + slope * xd
            if groups:
                gd = pm.Data("g", group_idx)
                tau = pm.HalfNormal("tau", 0.5)
                z = pm.Normal("z", 0.0, 1.0, shape=len(groups))
                pm.Deterministic("offset", tau * z)
                mu = mu + tau * z[gd]
            pm.StudentT("obs", nu=nu, mu=mu, sigma=sigma, observed=yd)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                idata = pm.sample(draws=draws, tune=tune, chains=chains, cores=cores, random_seed=seed,
                                  target_accept=target_accept, progressbar=False,
                                  compute_convergence_checks=False, init="jitter+adapt_diag")
    finally:
        logger.setLevel(old_level)
    post = idata.posterior
    out = {"intercept": (post["a"].values + y_ref).ravel(), "slope_per_year": post["slope_per_year"].values.ravel(),
           "sigma": post["sigma"].values.ravel(), "nu": post["nu"].values.ravel()}
    names = ["a", "slope_per_year", "sigma", "nu"]
    if groups:
        out["tau"] = post["tau"].values.ravel()
        off = post["offset"].values.reshape(-1, len(groups))
        for k, gname in enumerate(groups):
            out[f"offset[{gname}]"] = off[:, k]
        names += ["tau", "offset"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rhat = az.rhat(post[names])
        ess_b = az.ess(post[names], method="bulk")
        ess_t = az.ess(post[names], method="tail")

    def flat(ds) -> dict:
        res = {}
        for n in names:
            vals = np.atleast_1d(ds[n].values).astype(float)
            key = "intercept" if n == "a" else n
            if n == "offset":
                for k, gname in enumerate(groups):
                    res[f"offset[{gname}]"] = float(vals[k])
            else:
                res[key] = float(vals[0])
        return res

    diag = {"sampler": f"pymc {pm.__version__} NUTS", "chains": chains, "draws": draws, "tune": tune,
            "target_accept": target_accept, "r_hat": flat(rhat), "ess_bulk": flat(ess_b), "ess_tail": flat(ess_t),
            "divergences": int(idata.sample_stats["diverging"].values.sum()),
            "seconds": round(time.perf_counter() - t_start, 2)}
    return pd.DataFrame(out), diag


def fit_prepared(prep: TrendData, method: str = "bayes", *, seed: int = 0, draws: int = 1000, chains: int = 2,
                 tune: int = 500, target_accept: float = 0.9, cores: int = 1, t0: float | None = None) -> TrendResult:
    """Fit a trend to points already selected by :func:`scaling.hardware.data.trend_data`."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    for name, v, lo in (("draws", draws, 100), ("chains", chains, 1), ("tune", tune, 100)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < lo:
            raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"seed must be an integer, got {seed!r}")
    data = prep.data
    y = data["log10_value"].to_numpy(dtype=float)
    year = data["year"].to_numpy(dtype=float)
    t0 = round(float(np.mean(year)), 2) if t0 is None else float(t0)
    x = year - t0
    groups: tuple = ()
    group_idx = None
    if data["group"].astype(str).str.len().gt(0).any():
        if method != "bayes":
            raise ValueError("hierarchical trends need method='bayes'")
        groups = tuple(sorted(data["group"].unique()))
        group_idx = data["group"].map({g: i for i, g in enumerate(groups)}).to_numpy(dtype=int)
    if method == "ols":
        d, diag = _fit_ols(y, x, draws * chains, int(seed))
    else:
        d, diag = _fit_bayes(y, x, group_idx, groups, seed=int(seed), draws=draws, chains=chains, tune=tune,
                             target_accept=target_accept, cores=cores)
    settings = {**prep.settings, "method": method, "draws": draws, "chains": chains,
                "tune": tune if method == "bayes" else None,
                "hierarchical": prep.settings.get("group_by"), "seed": int(seed)}
    return TrendResult(
        metric=prep.metric, precision=prep.precision, method=method, n_chips=prep.n_chips, n_points=len(data),
        n_dropped=prep.n_dropped, dropped=dict(prep.dropped), t0=t0, draws=d, data=data.reset_index(drop=True),
        diagnostics=diag, settings=settings, filters=list(prep.filters), notes=list(prep.notes), seed=int(seed),
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
    cores: int = 1,
    cloud_prices: pd.DataFrame | None = None,
    price_index: pd.DataFrame | None = None,
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
    seed, draws, chains, tune, target_accept, cores
        Sampler settings; OLS draws ``draws * chains`` coefficient samples with ``seed``.

    Returns
    -------
    TrendResult

    Raises
    ------
    ValueError
        Unknown option, or a filter leaving fewer than 3 chips (naming the filter).

    References
    ----------
    Hobbhahn & Besiroglu (2022), "Trends in GPU price-performance", Epoch AI.
    Hobbhahn, Heim & Aydos (2023), "Trends in machine learning hardware", Epoch AI.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    if hierarchical not in (None, "vendor", "precision"):
        raise ValueError(f"unknown hierarchical {hierarchical!r}; allowed: None, 'vendor', 'precision'")
    if hierarchical is not None and method != "bayes":
        raise ValueError("hierarchical trends need method='bayes'")
    prep = trend_data(accelerators, metric, precision, vendor=vendor, type=type, segment=segment, since=since,
                      before=before, dollars=dollars, base_year=base_year, frontier=frontier, pricing=pricing,
                      cloud_prices=cloud_prices, price_index=price_index, group_by=hierarchical)
    return fit_prepared(prep, method, seed=seed, draws=draws, chains=chains, tune=tune,
                        target_accept=target_accept, cores=cores)
