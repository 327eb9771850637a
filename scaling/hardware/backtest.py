r"""Out-of-sample check of a hardware trend: fit before a cut-off, score chips after it.

For each held-out chip :math:`j` (released at or after the cut-off) with
:math:`\log_{10}` value :math:`y_j` and the trend fitted on earlier chips, we score

- coverage: share of :math:`y_j` inside their ``level`` predictive interval (a new
  chip: line uncertainty plus Student-t scatter); a calibrated trend covers ``level``;
- error: :math:`|y_j - \hat y_j|` with :math:`\hat y_j` the median line, as a median in
  dex (log10 units) and as a factor :math:`10^{\mathrm{median}|e|}`;
- bias: the median of :math:`y_j - \hat y_j` (> 0: chips beat the trend).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._checks import check_int, check_level
from .._dates import to_datetimes
from .._format import plural
from .._io import utc_now
from ..errors import ScalingError, ScalingWarning
from ..result_base import ResultBase
from ..results import DEFAULT_LEVEL, check_metadata, decode_draws
from .data import MIN_CHIPS, TrendData, trend_data
from .trend import fit_prepared
from .trend_result import TrendResult

__all__ = ["BacktestResult", "backtest", "interval_score", "score_draws", "coverage_under_model", "COVERAGE_GOAL"]

#: The 90% intervals' coverage goal at a cut-off (issue "Honest cost forecasts").
COVERAGE_GOAL = (0.80, 0.97)


@dataclass(frozen=True)
class BacktestResult(ResultBase):
    """Scores of a trend fitted before ``cutoff`` on the points from ``cutoff`` on.

    A :class:`scaling.result_base.ResultBase`: ``params`` (and :meth:`summary`) are the
    ``coverage`` of the ``level`` predictive intervals, the median absolute error and the
    median bias (dex); :meth:`scores` is the one-row table of the backtest; the file
    (schema ``scaling.hardware.backtest``) holds the trend fitted before the cut-off too.
    """

    cutoff: pd.Timestamp
    level: float
    trend: TrendResult
    points: pd.DataFrame
    n_train: int
    n_test: int
    coverage: float
    median_abs_error_log10: float
    bias_log10: float
    settings: dict = field(default_factory=dict)
    data_sha256: str = ""
    seed: int = 0
    created: str = ""

    SCHEMA: ClassVar[str] = "scaling.hardware.backtest"
    SCHEMA_VERSION: ClassVar[int] = 1
    KIND: ClassVar[str] = "hardware trend backtest"
    REMEDY: ClassVar[str] = "rerun the backtest (`scaling trend --backtest DATE`)"
    draws: ClassVar[None] = None  # scores of held-out points: no draws of their own

    @property
    def params(self) -> dict[str, float]:
        """``coverage``, ``median_abs_error_log10`` and ``bias_log10``."""
        return {"coverage": float(self.coverage), "median_abs_error_log10": float(self.median_abs_error_log10),
                "bias_log10": float(self.bias_log10)}

    @property
    def median_abs_error_factor(self) -> float:
        """Median absolute error as a multiplicative factor, :math:`10^{\\mathrm{MAE}}`."""
        return float(10.0 ** self.median_abs_error_log10)

    def scores(self) -> pd.DataFrame:
        """One row: cutoff, n_train, n_test, coverage, errors, doubling time of the fit.

        (Before version 0.2 this was ``summary()``; :meth:`summary` is now the contract's.)
        """
        d = self.trend.doubling_time_years
        return pd.DataFrame([{
            "cutoff": self.cutoff.date().isoformat(), "metric": self.trend.metric,
            "precision": self.trend.precision, "method": self.trend.method,
            "n_train": self.n_train, "n_test": self.n_test, "level": self.level,
            "coverage": self.coverage, "median_abs_error_log10": self.median_abs_error_log10,
            "median_abs_error_factor": self.median_abs_error_factor, "bias_log10": self.bias_log10,
            "train_doubling_years": d["median"],
        }])

    def headline(self) -> dict:
        """:meth:`scores`'s row and the scored points, JSON-ready (``scaling trend --backtest --json``)."""
        row = self.scores().iloc[0].to_dict()
        row["points"] = self.points.assign(date=self.points["date"].dt.strftime("%Y-%m-%d")).to_dict("records")
        return row

    def _summary_draws(self):
        return None

    def _report_title(self) -> str:
        return (f"Backtest {self.trend.metric} ({self.trend.precision}, {self.trend.method}): fit on {self.n_train} "
                f"points before {self.cutoff:%Y-%m-%d}, scored on {self.n_test} from then on")

    def _report_lines(self, level: float) -> list[str]:
        return [
            f"coverage of {self.level:.0%} predictive intervals: {self.coverage:.0%} "
            f"({int(round(self.coverage * self.n_test))}/{self.n_test})",
            f"median absolute error: {self.median_abs_error_log10:.3f} dex (x{self.median_abs_error_factor:.2f}); "
            f"median bias {self.bias_log10:+.3f} dex ({'chips beat' if self.bias_log10 > 0 else 'chips fall short of'} "
            "the trend)",
        ]

    def _warnings(self, level: float) -> list[ScalingWarning]:
        out = []
        if self.n_test < 5:
            out.append(ScalingWarning("few_chips", f"only {self.n_test} held-out points: the coverage is a rough "
                                                   "estimate"))
        lo = self.level - 1.645 * np.sqrt(self.level * (1 - self.level) / max(self.n_test, 1))
        if self.coverage < lo:
            out.append(ScalingWarning("backtest", f"coverage {self.coverage:.0%} is well below {self.level:.0%}: the "
                                                  "intervals are too narrow for later chips"))
        return out

    def _fields(self) -> dict[str, Any]:
        pts = self.points.assign(date=self.points["date"].dt.strftime("%Y-%m-%d"))
        return {"params": self.params, "cutoff": self.cutoff.date().isoformat(), "level": float(self.level),
                "n_train": int(self.n_train), "n_test": int(self.n_test),
                "points": {c: pts[c].tolist() for c in pts.columns}, "trend": self.trend.to_dict()}

    def _saved_draws(self):
        return None

    @classmethod
    def _from_saved(cls, payload: dict, meta: dict, draws, path) -> BacktestResult:
        t = TrendResult._upgrade(payload["trend"])
        block = t.get("draws")
        trend = TrendResult._from_saved(t, check_metadata(t, path), decode_draws(block, path) if block else None, path)
        pts = pd.DataFrame(payload["points"])
        pts["date"] = pd.to_datetime(pts["date"])
        p = payload["params"]
        return cls(cutoff=pd.Timestamp(payload["cutoff"]), level=check_level(payload["level"]), trend=trend,
                   points=pts, n_train=int(payload["n_train"]), n_test=int(payload["n_test"]),
                   coverage=float(p["coverage"]), median_abs_error_log10=float(p["median_abs_error_log10"]),
                   bias_log10=float(p["bias_log10"]), settings=dict(meta["settings"]),
                   data_sha256=meta["data_sha256"], seed=meta["seed"], created=str(meta["created"]))


def backtest(cutoff="2022-01-01", metric: str = "flops_per_usd", precision="tensor16", method: str = "bayes",
             *, level: float = DEFAULT_LEVEL, accelerators: pd.DataFrame | None = None, seed: int = 0,
             draws: int = 1000, chains: int = 2, tune: int = 500, sampler: str = "nutpie",
             **filters) -> BacktestResult:
    """Fit on points dated before ``cutoff`` and score those dated on or after it.

    Parameters
    ----------
    cutoff : date
        Split date (release date; observation date for cloud prices).
    metric, precision, method, accelerators, seed, draws, chains, tune, sampler
        As for :func:`scaling.hardware.fit_trend`.
    level : float
        Mass of the predictive intervals scored for coverage.
    **filters
        ``vendor, type, segment, since, before, dollars, base_year, frontier, pricing,
        hierarchical`` as for :func:`fit_trend`; applied to both sides of the split.

    Raises
    ------
    ScalingError
        If either side of the split has too few points (fewer than 3 chips to fit, or
        none to score).
    """
    level = check_level(level)
    t = to_datetimes(cutoff)[0]
    hierarchical = filters.pop("hierarchical", None)
    allowed = {"vendor", "type", "segment", "since", "before", "dollars", "base_year", "frontier", "pricing",
               "cloud_prices", "price_index"}
    unknown = sorted(set(filters) - allowed)
    if unknown:
        raise ScalingError(f"unknown backtest option(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    full = trend_data(accelerators, metric, precision, group_by=hierarchical, **filters)
    data = full.data
    train_mask = (data["date"] < t).to_numpy()
    if train_mask.sum() == 0 or data.loc[train_mask, "name"].nunique() < MIN_CHIPS:
        raise ScalingError(f"cutoff {t:%Y-%m-%d} leaves {plural(data.loc[train_mask, 'name'].nunique(), 'chip')} before it "
                         f"for {metric} ({precision}); at least {MIN_CHIPS} are needed; data span "
                         f"{data['date'].min():%Y-%m-%d}..{data['date'].max():%Y-%m-%d}")
    if (~train_mask).sum() == 0:
        raise ScalingError(f"cutoff {t:%Y-%m-%d}: no {metric} points on or after it to score (last point "
                         f"{data['date'].max():%Y-%m-%d})")
    train = TrendData(metric=full.metric, precision=full.precision, data=data.loc[train_mask].reset_index(drop=True),
                      dropped=full.dropped, filters=full.filters + [(f"before={t:%Y-%m-%d} (backtest)",
                                                                      int(train_mask.sum()))],
                      notes=full.notes, settings={**full.settings, "before": str(t.date())})
    fit = fit_prepared(train, method, seed=seed, draws=draws, chains=chains, tune=tune, sampler=sampler)
    test = data.loc[~train_mask].reset_index(drop=True)
    rows = []
    for i, row in test.iterrows():
        group = row["group"] if fit.groups and row["group"] in fit.groups else None
        p = fit.predict([row["date"]], level=level, group=group, interval="new").iloc[0]
        y = float(row["log10_value"])
        rows.append({"name": row["name"], "date": row["date"], "value": float(row["value"]),
                     "median": float(p["median"]), "pred_lower": float(p["lower"]),
                     "pred_upper": float(p["upper"]), "error_log10": y - float(np.log10(p["median"])),
                     "covered": bool(p["lower"] <= row["value"] <= p["upper"])})
    pts = pd.DataFrame(rows)
    return BacktestResult(
        cutoff=t, level=level, trend=fit, points=pts, n_train=int(train_mask.sum()), n_test=len(pts),
        coverage=float(pts["covered"].mean()), median_abs_error_log10=float(np.median(np.abs(pts["error_log10"]))),
        bias_log10=float(np.median(pts["error_log10"])),
        settings={"metric": metric, "precision": precision, "method": method, "seed": seed, "sampler": sampler,
                  **{k: v for k, v in filters.items() if not isinstance(v, pd.DataFrame)}},
        data_sha256=full.sha256, seed=seed, created=utc_now(),
    )


def interval_score(y: np.ndarray, lower: np.ndarray, upper: np.ndarray, level: float) -> np.ndarray:
    r"""Interval score of central ``level`` intervals (Gneiting & Raftery 2007, eq. 43).

    .. math:: S_\alpha(l, u; y) = (u - l) + \frac{2}{\alpha}(l - y)\,1\{y < l\}
              + \frac{2}{\alpha}(y - u)\,1\{y > u\}, \qquad \alpha = 1 - \mathrm{level},

    in the units of ``y`` (dex for log10 values); lower is better. Gneiting, T. & Raftery,
    A. E. (2007), "Strictly proper scoring rules, prediction, and estimation", JASA 102:359.
    """
    alpha = 1.0 - check_level(level)
    y, lo, hi = (np.asarray(v, dtype=float) for v in (y, lower, upper))
    return (hi - lo) + (2.0 / alpha) * np.clip(lo - y, 0.0, None) + (2.0 / alpha) * np.clip(y - hi, 0.0, None)


def score_draws(y: np.ndarray, per_draw: np.ndarray) -> dict:
    """Scores of held-out log10 values ``y`` against predictive draws ``(n_draws, n_points)``.

    Returns coverage of the central 50% and 90% intervals, the mean 90% interval score
    (dex), the median absolute error of the predictive median (dex and factor) and the
    median signed error (dex; > 0: the points beat the prediction).
    """
    y = np.asarray(y, dtype=float)
    q = np.quantile(per_draw, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    err = y - q[2]
    return {"n_test": int(y.size),
            "coverage_50": float(np.mean((y >= q[1]) & (y <= q[3]))),
            "coverage_90": float(np.mean((y >= q[0]) & (y <= q[4]))),
            "interval_score_90": float(np.mean(interval_score(y, q[0], q[4], 0.9))),
            "median_abs_error_dex": float(np.median(np.abs(err))),
            "median_abs_error_factor": float(10.0 ** np.median(np.abs(err))),
            "bias_dex": float(np.median(err))}


def coverage_under_model(trend: TrendResult, points: pd.DataFrame, per_draw: np.ndarray, rng: np.random.Generator,
                         *, observed: float | None = None, level: float = 0.9, n_rep: int = 400) -> dict:
    r"""The coverage a backtest would show if the trend's own model were true.

    Later prices share their errors: the line and the market's walk are common to all of
    them, and the prices of one chip (or provider) share its effect. So the share of one
    cut-off's points inside their ``level`` predictive intervals is far from binomial: a
    calibrated model can cover 100% of them at one cut-off and 60% at the next. This draws
    ``n_rep`` replicate test sets from the model (Gelman et al. 2013, *Bayesian Data Analysis*,
    ch. 6, posterior predictive replication): a posterior draw :math:`s` as the truth, its
    line and one path of its walk at the points' dates, one effect per chip (``name``) and per
    provider for a panel series (:data:`scaling.hardware.trend.SCATTER_PARTS`; a provider of
    the series' segment has its own posterior effect), and the
    Student-t residual per point; each replicate is scored with the very intervals the
    backtest used (``per_draw``'s central ``level`` quantiles).

    Returns
    -------
    dict
        ``coverage_sim_mean``, ``coverage_sim_q05``, ``coverage_sim_q95`` (the spread of a
        calibrated model's coverage), ``p_goal`` (the share of replicates inside
        :data:`COVERAGE_GOAL`) and, with ``observed``, ``p_at_most`` and ``p_at_least``
        (the shares of replicates covering at most / at least the observed share).
    """
    from .data import decimal_year
    from .trend import PROVIDER_PREFIX, SCATTER_PARTS, WALK, horizon_walk, segment_providers

    level = check_level(level)
    n_rep = check_int("n_rep", n_rep, 1)
    per_draw = np.asarray(per_draw, dtype=float)
    q = (1.0 - level) / 2.0
    lo, hi = np.quantile(per_draw, [q, 1.0 - q], axis=0)
    d = trend.draws
    years = decimal_year(points["date"])
    lines = trend.line_draws(points["date"])
    panel = all(c in d.columns for c in SCATTER_PARTS)
    chip = pd.factorize(points["name"])[0] if panel else np.arange(len(points))
    prov, prov_names = (pd.factorize(points["provider"]) if panel and "provider" in points
                        else (np.zeros(len(points), int), pd.Index(["?"])))
    # A series with its segment's provider effects: a known provider's own effect, an unknown
    # one's drawn from among them (scatter_draws); else N(0, tau_p^2) per provider.
    known = segment_providers(d)
    effects = np.column_stack([d[c].to_numpy(dtype=float) for c in known]) if known else None
    col_of = {c[len(PROVIDER_PREFIX):-1]: j for j, c in enumerate(known)}
    nu = d["nu"].to_numpy(dtype=float)
    resid = d["sigma_residual" if panel else "sigma"].to_numpy(dtype=float)
    walk = d[WALK].to_numpy(dtype=float) if trend.has_walk else None
    covs = np.empty(int(n_rep))
    for r in range(int(n_rep)):
        s = int(rng.integers(len(d)))
        y = lines[s].copy()
        if walk is not None:
            y += horizon_walk(years, trend.horizon_origin, walk[s:s + 1], rng)[0]
        if panel:
            y += d["tau_chip"].iat[s] * rng.standard_normal(chip.max() + 1)[chip]
            if effects is not None:
                pick = [col_of.get(name, int(rng.integers(len(known)))) for name in prov_names]
                y += effects[s, pick][prov]
            else:
                y += d["tau_provider"].iat[s] * rng.standard_normal(prov.max() + 1)[prov]
        t = rng.standard_t(nu[s], len(y)) if np.isfinite(nu[s]) else rng.standard_normal(len(y))
        y += resid[s] * t
        covs[r] = np.mean((y >= lo) & (y <= hi))
    out = {"coverage_sim_mean": float(covs.mean()), "coverage_sim_q05": float(np.quantile(covs, 0.05)),
           "coverage_sim_q95": float(np.quantile(covs, 0.95)),
           "p_goal": float(np.mean((covs >= COVERAGE_GOAL[0]) & (covs <= COVERAGE_GOAL[1])))}
    if observed is not None:
        out["p_at_most"] = float(np.mean(covs <= observed + 1e-12))
        out["p_at_least"] = float(np.mean(covs >= observed - 1e-12))
    return out
