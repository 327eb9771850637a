r"""What a capability costs over time: the least compute that reached a benchmark score, its trend, its price.

"GPT-3-equivalent" elsewhere in :mod:`scaling.forecast` means GPT-3's *loss* under a
Chinchilla law. Users ask in capabilities, and public models answer that directly: phi-1.5
(1.2e21 FLOPs, 2023) scores on MMLU what GPT-3 (3.1e23 FLOPs, 2020) scored (43.9%, 5-shot;
Hendrycks et al. 2021, arXiv:2009.03300). This module turns the shipped table of public base
models (``datasets/capability.csv``: Ruan, Maddison & Hashimoto 2024, arXiv:2405.10938, with
Epoch AI's release dates) into

1. **the observed frontier** (:func:`least_compute_frontier`): for a benchmark and a target
   score, the least training compute of any model released by each date that reached the
   score -- a step function of the date; the models where it steps down are its *records*;
2. **its trend** (:func:`frontier_trend`): a Bayesian regression of log10 compute on the date
   over the records (or over every model reaching the score), whose slope is an
   effective-compute halving time, set beside Ho et al. (2024, arXiv:2403.05812);
3. **its price** (:func:`scaling.forecast.capability_cost.capability_equivalent_cost`): the trend's compute path priced by the
   forecast's own joint draws of price trend, buyer scatter and utilisation
   (:func:`scaling.forecast.equivalent_cost`), a :class:`~scaling.forecast.Forecast` like
   every other variant.

A target is written ``capability:BENCH=SCORE`` (``capability:MMLU=0.439``), parsed by
:func:`parse_capability_target`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._checks import check_int, check_level, check_number
from .._dates import decimal_year
from ..errors import ScalingError, ScalingWarning
from .._format import format_sig
from .._io import utc_now
from ..result_base import ResultBase
from ..results import DEFAULT_LEVEL, interval, predict_frame

__all__ = [
    "CapabilityTarget", "parse_capability_target", "is_capability_target", "least_compute_frontier",
    "frontier_at", "FrontierTrend", "frontier_trend", "halving_from_date_term", "GPT3_MMLU", "GPT3_RELEASE",
    "HO2024_HALVING_MONTHS",
]

PREFIX = "capability:"
#: GPT-3's published 5-shot MMLU accuracy (Hendrycks et al. 2021, arXiv:2009.03300, Table 1: 43.9%).
GPT3_MMLU = 0.439
#: GPT-3's release (Brown et al. 2020, arXiv:2005.14165, v1 28 May 2020) and training compute
#: (3.14e23 FLOPs, the paper's Table D.1), used when the table has no GPT-3 row.
GPT3_RELEASE = "2020-05-28"
GPT3_COMPUTE_FLOPS = 3.14e23
#: Ho et al. (2024), "Algorithmic progress in language models" (arXiv:2403.05812): the compute
#: needed for a fixed performance halves about every 8 months, 95% CI 5-14 months (arXiv v1).
HO2024_HALVING_MONTHS = (8.0, 5.0, 14.0, 0.95)
#: Default tolerance of "reached": half the last digit of a score published to 0.1
#: percentage point (GPT-3's 43.9% is anything in [43.85%, 43.95%)). MMLU's own sampling
#: error (14,042 questions) is about 0.4 points at 44%, far wider.
DEFAULT_TOLERANCE = 0.0005


# ----------------------------------------------------------------------------- the target
@dataclass(frozen=True)
class CapabilityTarget:
    """A benchmark score to reach: ``benchmark`` (the table's column), ``score`` (0-1), ``chance``."""

    benchmark: str
    score: float
    chance: float

    @property
    def spec(self) -> str:
        return f"{PREFIX}{self.benchmark.upper()}={self.score:g}"

    def describe(self) -> str:
        ref = " (GPT-3's 5-shot MMLU, Hendrycks et al. 2021)" if (
            self.benchmark == "mmlu" and math.isclose(self.score, GPT3_MMLU)) else ""
        return f"{self.benchmark.upper()} {self.score:.1%}{ref}"


def is_capability_target(target) -> bool:
    """Whether ``target`` is a ``capability:BENCH=SCORE`` string."""
    return isinstance(target, str) and target.strip().lower().startswith(PREFIX)


def parse_capability_target(spec: str) -> CapabilityTarget:
    """Read ``capability:BENCH=SCORE`` (``capability:MMLU=0.439``; the benchmark in any case).

    Raises
    ------
    ScalingError
        Not of that form, an unknown benchmark (the known ones are listed), or a score
        outside (chance, 1): at or below chance any model "reaches" it, at 1 none does.
    """
    if not is_capability_target(spec):
        raise ScalingError(f"a capability target is written capability:BENCH=SCORE (e.g. capability:MMLU=0.439), "
                           f"got {spec!r}")
    from ..capability import CHANCE, benchmark_column  # the capability laws' names and floors

    body = spec.strip()[len(PREFIX):]
    if "=" not in body:
        raise ScalingError(f"capability target {spec!r}: give BENCH=SCORE, e.g. capability:MMLU=0.439; "
                           f"benchmarks: {', '.join(b.upper() for b in CHANCE)}")
    name, _, value = body.partition("=")
    key = benchmark_column(name.strip())
    try:
        score = float(value)
    except ValueError:
        raise ScalingError(f"capability target {spec!r}: the score {value.strip()!r} is not a number "
                           "(an accuracy between chance and 1, e.g. 0.439)") from None
    floor = CHANCE[key]
    if not (np.isfinite(score) and floor < score < 1.0):
        hint = " (a percentage? give 0.439, not 43.9)" if 2.0 <= score <= 100.0 else ""
        raise ScalingError(f"capability target {spec!r}: the score must lie in ({floor:g}, 1) -- above "
                           f"{key.upper()}'s chance accuracy {floor:g} and below 1{hint}")
    return CapabilityTarget(key, score, floor)


def _as_target(target) -> CapabilityTarget:
    return target if isinstance(target, CapabilityTarget) else parse_capability_target(target)


# ----------------------------------------------------------------------------- the frontier
def _table(table: pd.DataFrame | None) -> pd.DataFrame:
    if table is not None:
        return table
    from .. import datasets

    return datasets.load_capability(include_reference=True)


def _with_gpt3(rows: pd.DataFrame, target: CapabilityTarget) -> pd.DataFrame:
    """The dated rows with GPT-3 among them (its table row, else its published numbers for MMLU)."""
    is_gpt3 = rows["model"].astype(str).str.lower().str.replace("_", "-").str.contains("gpt-3", regex=False)
    if is_gpt3.any() or target.benchmark != "mmlu":
        return rows
    gpt3 = pd.DataFrame({"model": ["GPT-3 175B"], "family": ["GPT-3"], "release_date": [pd.Timestamp(GPT3_RELEASE)],
                         "compute_flops": [GPT3_COMPUTE_FLOPS], target.benchmark: [GPT3_MMLU]})
    return pd.concat([rows, gpt3], ignore_index=True)


def reaching_models(target, table: pd.DataFrame | None = None, tolerance: float = DEFAULT_TOLERANCE
                    ) -> pd.DataFrame:
    """Every dated model with known compute whose ``benchmark`` score reached ``score - tolerance``.

    Columns ``model, family, release_date, compute_flops, score``, sorted by date then compute.
    """
    target = _as_target(target)
    tol = float(check_number("tolerance", tolerance, low=0.0, high=0.1, low_open=False))
    df = _with_gpt3(_table(table), target)
    need = ["model", "family", "release_date", "compute_flops", target.benchmark]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise ScalingError(f"the capability table lacks columns {', '.join(missing)}")
    df = df[need].rename(columns={target.benchmark: "score"})
    df = df.assign(release_date=pd.to_datetime(df["release_date"], errors="coerce"),
                   compute_flops=pd.to_numeric(df["compute_flops"], errors="coerce"),
                   score=pd.to_numeric(df["score"], errors="coerce"))
    ok = df["release_date"].notna() & (df["compute_flops"] > 0) & np.isfinite(df["compute_flops"])
    ok &= df["score"] >= target.score - tol
    return df[ok].sort_values(["release_date", "compute_flops"], kind="mergesort").reset_index(drop=True)


def least_compute_frontier(target="capability:MMLU=0.439", table: pd.DataFrame | None = None,
                           tolerance: float = DEFAULT_TOLERANCE) -> pd.DataFrame:
    r"""The least compute that reached ``target`` among the models released by each date.

    .. math:: C^*(t) = \min \{ C_m : \text{date}_m \le t,\ s_m \ge s^* - \text{tol} \}

    a non-increasing step function of :math:`t`, undefined before the first model reaching the
    score. Rows are the *records*: the models at whose release :math:`C^*` stepped down
    (GPT-3 counts at its own date). Only models with known compute and a release date count.

    Returns
    -------
    pandas.DataFrame
        ``model, family, release_date, compute_flops, score``, one row per record, dates
        increasing and compute strictly decreasing; ``attrs["n_reaching"]`` counts every
        model that reached the score.
    """
    reached = reaching_models(target, table, tolerance)
    if reached.empty:
        t = _as_target(target)
        raise ScalingError(f"no model with known compute and release date reached {t.describe()} in the table")
    best = np.minimum.accumulate(reached["compute_flops"].to_numpy())
    prev = np.r_[np.inf, best[:-1]]
    records = reached[reached["compute_flops"].to_numpy() < prev].reset_index(drop=True)
    records.attrs["n_reaching"] = int(len(reached))
    return records


def frontier_at(frontier: pd.DataFrame, dates) -> np.ndarray:
    """:math:`C^*(t)` at ``dates`` (NaN before the first record)."""
    t = pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(dates)))
    rel = pd.DatetimeIndex(frontier["release_date"])
    idx = np.searchsorted(rel.asi8, t.asi8, side="right") - 1
    values = frontier["compute_flops"].to_numpy(dtype=float)
    return np.where(idx >= 0, values[np.maximum(idx, 0)], np.nan)


# ----------------------------------------------------------------------------- the trend
LOG10_2 = math.log10(2.0)


_FRAME_COLUMNS = ("model", "family", "release_date", "compute_flops", "score")


def _frame_records(frame: pd.DataFrame) -> list[dict]:
    """A points table as JSON-ready records (dates as ISO days)."""
    cols = [c for c in _FRAME_COLUMNS if c in frame.columns]
    out = []
    for row in frame[cols].itertuples(index=False):
        rec = dict(zip(cols, row))
        if "release_date" in rec:
            rec["release_date"] = str(pd.Timestamp(rec["release_date"]).date())
        for k in ("compute_flops", "score"):
            if k in rec:
                rec[k] = float(rec[k])
        out.append({k: (str(v) if k in ("model", "family") else v) for k, v in rec.items()})
    return out


def _records_frame(records) -> pd.DataFrame:
    frame = pd.DataFrame(list(records), columns=list(_FRAME_COLUMNS))
    frame["release_date"] = pd.to_datetime(frame["release_date"]).astype("datetime64[us]")
    frame["compute_flops"] = frame["compute_flops"].astype(float)
    frame["score"] = frame["score"].astype(float)
    return frame


def table_sha256(table: pd.DataFrame) -> str:
    """sha256 of the models a frontier is read from (name, family, date, compute, scores)."""
    import hashlib

    return hashlib.sha256(table.to_csv(index=False, lineterminator="\n").encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class FrontierTrend(ResultBase):
    r"""A log-linear trend of the least compute reaching a score, with its posterior draws.

    .. math:: \log_{10} C(t) = a + b\,(t - t_0) + \sigma\,\varepsilon, \qquad
              T_{1/2} = -\frac{12 \log_{10} 2}{b} \ \text{months}

    Attributes follow the result contract (:mod:`scaling.results`): ``params`` (``intercept``,
    ``slope_per_year``, ``sigma``, ``halving_months``), ``draws`` (one row per posterior draw;
    ``halving_months`` is ``inf`` where the slope is not negative), ``settings``, ``seed``;
    ``points`` holds the points fitted, ``frontier`` the records, ``reaching`` every model that
    reached the score, ``reference`` Ho et al.'s halving time (median, low, high, level).
    """

    law: str
    params: dict
    draws: pd.DataFrame
    t0: float
    points: pd.DataFrame
    frontier: pd.DataFrame
    target: CapabilityTarget
    reaching: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    reference: tuple = HO2024_HALVING_MONTHS
    settings: dict = field(default_factory=dict)
    seed: int = 0
    data_sha256: str = ""
    created: str = ""

    SCHEMA: ClassVar[str] = "scaling.capability_frontier"
    SCHEMA_VERSION: ClassVar[int] = 1
    KIND: ClassVar[str] = "capability frontier trend"
    REMEDY: ClassVar[str] = "refit (`scaling run --force`, or scaling.forecast.capability.frontier_trend)"

    def _report_title(self) -> str:
        h = self.halving()
        return (f"least compute reaching {self.target.describe()}: halving every {format_sig(h['median'], 3)} months "
                f"[{format_sig(h['lower'], 3)}, {format_sig(h['upper'], 3)}] ({h['level']:.0%}), "
                f"{len(self.points)} points")

    def _fields(self) -> dict[str, Any]:
        return {"law": self.law, "params": {k: float(v) for k, v in self.params.items()}, "t0": float(self.t0),
                "target": self.target.spec, "points": _frame_records(self.points),
                "frontier": _frame_records(self.frontier), "reaching": _frame_records(self.reaching),
                "reference": [float(v) for v in self.reference]}

    @classmethod
    def _from_saved(cls, payload: dict, meta: dict, draws, path) -> FrontierTrend:
        if draws is None or not draws.n_rows:
            raise ScalingError(f"{path}: a frontier trend needs its posterior draws")
        return cls(law=str(payload["law"]), params={k: float(v) for k, v in payload["params"].items()},
                   draws=draws.to_frame(), t0=float(payload["t0"]), points=_records_frame(payload["points"]),
                   frontier=_records_frame(payload["frontier"]), target=parse_capability_target(payload["target"]),
                   reaching=_records_frame(payload["reaching"]), reference=tuple(payload["reference"]),
                   settings=dict(meta["settings"]), seed=meta["seed"], data_sha256=meta["data_sha256"],
                   created=meta["created"])

    def halving(self, level: float = DEFAULT_LEVEL) -> dict:
        """Median and ``level`` interval of the halving time in months (``inf``: no decline)."""
        h = self.draws["halving_months"].to_numpy()
        lo, hi, _ = interval(h, level)
        return {"median": float(np.median(h)), "lower": lo, "upper": hi, "level": check_level(level),
                "p_no_decline": float(np.mean(~np.isfinite(h)))}

    def log10_compute(self, dates, scatter: bool = False, rng: np.random.Generator | None = None) -> np.ndarray:
        """log10 compute per draw and date, shape ``(n_draws, n_dates)`` (the line, or plus scatter)."""
        years = decimal_year(dates)
        a = self.draws["intercept"].to_numpy()[:, None]
        b = self.draws["slope_per_year"].to_numpy()[:, None]
        out = a + b * (years[None, :] - self.t0)
        if scatter:
            if rng is None:
                raise ScalingError("scatter draws need a seeded rng")
            out = out + self.draws["sigma"].to_numpy()[:, None] * rng.standard_normal((len(out), 1))
        return out

    def predict(self, dates, level: float | None = None):
        """The trend line's compute at ``dates``: an array of medians, or with ``level`` a table."""
        per_draw = 10.0 ** self.log10_compute(dates)
        if level is None:
            return np.median(per_draw, axis=0)
        return predict_frame({"date": pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(dates)))}, per_draw, level)

    def _warnings(self, level: float) -> list[ScalingWarning]:
        out = []
        h = self.halving(level)
        if h["p_no_decline"] > (1 - level) / 2:
            out.append(ScalingWarning("no_improvement", (
                f"{h['p_no_decline']:.0%} of the posterior draws of the {self.target.describe()} frontier show no "
                f"decline: {len(self.points)} points do not establish a falling trend")))
        last = self.settings.get("last_release", "the last release in the table")
        record = self.frontier.iloc[-1]
        out.append(ScalingWarning("extrapolation", (
            f"the compute path of {self.target.describe()} beyond {last} (the table's last release) is the "
            f"fitted trend extrapolated; no model in the table beat {record['model']} "
            f"({pd.Timestamp(record['release_date']).date()}, {record['compute_flops']:.3g} FLOPs), and the "
            f"table holds only models up to {_max_compute(self.settings):.2g} FLOPs")))
        return out


def _max_compute(settings: dict) -> float:
    return float(settings.get("table_max_compute_flops", float("nan")))


def frontier_trend(target="capability:MMLU=0.439", table: pd.DataFrame | None = None, *, points: str = "frontier",
                   tolerance: float = DEFAULT_TOLERANCE, n_draws: int = 4000, seed: int = 0) -> FrontierTrend:
    r"""Bayesian regression of log10 least compute on the release date: an effective-compute halving time.

    .. math:: y_j = \log_{10} C_j = a + b\,(t_j - \bar t) + \sigma \varepsilon_j, \quad
              \varepsilon_j \sim N(0, 1), \qquad p(a, b, \sigma) \propto \sigma^{-1}

    With the reference prior the posterior is exact and needs no sampler (Gelman et al.,
    *Bayesian Data Analysis*, 3rd ed., section 14.2): :math:`\sigma^2 \sim (n-2)s^2/\chi^2_{n-2}`
    and :math:`(a, b) \mid \sigma \sim N(\hat\beta, \sigma^2 (X^\top X)^{-1})`, so the slope's
    marginal is a Student-t with :math:`n - 2` degrees of freedom: with few points the
    interval is as wide as the data leave it. The halving time of the compute needed,
    :math:`-12 \log_{10} 2 / b` months, is compared with Ho et al. (2024,
    arXiv:2403.05812): 8 months, 95% CI 5-14.

    Parameters
    ----------
    points : {"frontier", "reaching"}
        ``"frontier"``: the records of :func:`least_compute_frontier` (the least compute, but
        few points, and a running minimum falls even without progress, so its slope leans
        steep); ``"reaching"``: every model that reached the score, the least compute of each
        family (more points; models that overshoot the score lean the line high and flat).
    tolerance, n_draws, seed
        See :func:`least_compute_frontier`; posterior draws and their seed.
    """
    target = _as_target(target)
    n_draws = check_int("n_draws", n_draws, 10, 1_000_000)
    seed = check_int("seed", seed, 0)
    full = _table(table)
    observed = full[full["role"] != "reference"] if "role" in full.columns else full
    frontier = least_compute_frontier(target, full, tolerance)
    reached = reaching_models(target, full, tolerance)
    if points == "frontier":
        pts = frontier
    elif points == "reaching":
        pts = (reached.sort_values("compute_flops", kind="mergesort").groupby("family", sort=False).head(1)
               .sort_values(["release_date", "compute_flops"], kind="mergesort").reset_index(drop=True))
    else:
        raise ScalingError(f"unknown points {points!r}; allowed: frontier, reaching")
    n = len(pts)
    if n < 3:
        raise ScalingError(f"{n} {points} point(s) for {target.describe()}: a trend with an interval needs at least 3")
    x = decimal_year(pts["release_date"])
    y = np.log10(pts["compute_flops"].to_numpy(dtype=float))
    t0 = float(x.mean())
    X = np.column_stack([np.ones(n), x - t0])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    dof = n - 2
    s2 = float(resid @ resid) / dof
    V = np.linalg.inv(X.T @ X)
    rng = np.random.default_rng(seed)
    sigma2 = dof * s2 / rng.chisquare(dof, size=n_draws)
    z = rng.standard_normal((n_draws, 2)) @ np.linalg.cholesky(V).T
    ab = beta[None, :] + np.sqrt(sigma2)[:, None] * z
    slope = ab[:, 1]
    with np.errstate(divide="ignore"):
        halving = np.where(slope < 0, -12.0 * LOG10_2 / slope, np.inf)
    draws = pd.DataFrame({"intercept": ab[:, 0], "slope_per_year": slope, "sigma": np.sqrt(sigma2),
                          "halving_months": halving})
    point_slope = float(beta[1])
    params = {"intercept": float(beta[0]), "slope_per_year": point_slope, "sigma": math.sqrt(s2),
              "halving_months": -12.0 * LOG10_2 / point_slope if point_slope < 0 else math.inf}
    settings: dict[str, Any] = {
        "points": points, "tolerance": float(tolerance), "n_points": n, "method": "bayes-reference-prior",
        "benchmark": target.benchmark, "score": target.score,
        "table_max_compute_flops": float(pd.to_numeric(observed["compute_flops"], errors="coerce").max()),
        "last_release": str(pd.Timestamp(pd.to_datetime(observed["release_date"], errors="coerce").max()).date()),
    }
    return FrontierTrend(law="loglinear-date", params=params, draws=draws, t0=t0, points=pts.reset_index(drop=True),
                         frontier=frontier, target=target, reaching=reached, settings=settings, seed=seed,
                         data_sha256=table_sha256(full), created=utc_now())


def halving_from_date_term(capability_fit, level: float = DEFAULT_LEVEL) -> dict:
    r"""Halving time of the compute needed for a fixed score, from a capability law's ``date`` term.

    A sigmoid law with a date term (:func:`scaling.capability.fit` with ``terms=("date",)``)
    scores model :math:`i` on its effective compute :math:`\log_{10} C_i + eta_	ext{date}\,(t_i - 2023)`
    (Ho et al. 2024's effective-compute idea, fitted over every dated model rather than the
    few records), so the compute needed for any fixed score halves every
    :math:`12 \log_{10} 2 / eta_	ext{date}` months. Returns the median and ``level``
    interval over the fit's draws (``inf`` where :math:`eta_	ext{date} \le 0`).
    """
    draws = capability_fit.draws
    if draws is None or "beta_date" not in getattr(draws, "columns", ()):
        raise ScalingError("the capability fit has no draws of a date term: fit it with terms=('date',) and a "
                           "bootstrap or posterior")
    beta = draws["beta_date"].to_numpy(dtype=float)
    with np.errstate(divide="ignore"):
        h = np.where(beta > 0, 12.0 * LOG10_2 / beta, np.inf)
    lo, hi, _ = interval(h, level)
    return {"median": float(np.median(h)), "lower": lo, "upper": hi, "level": check_level(level),
            "p_no_decline": float(np.mean(~np.isfinite(h))),
            "beta_date_median": float(np.median(beta)), "n_draws": int(len(beta))}
