"""What reaching a given performance costs, date by date, with uncertainty.

The forecast joins two independent sources of uncertainty:

1. a **loss fit** (bootstrap draws of the least-squares fit, or posterior draws of the
   Bayesian fit): for each draw, the target loss (by default GPT-3's loss under that
   draw, :func:`scaling.sizing.gpt3_loss`) and the compute-optimal run that reaches it
   (:func:`scaling.sizing.compute_for_loss`: compute ``C``, parameters ``N``, tokens ``D``);
2. **hardware trends** (:func:`scaling.hardware.fit_trend`): for each draw, the trend
   line of peak FLOP per dollar (and, on the purchase basis, FLOP/s per watt) at each date.

For each joint draw and date,

.. math::

    \\text{cost}_\\text{train}(t) = \\frac{C \\, g(t)}{u(t)} \\; c_\\text{FLOP}(t),
    \\qquad
    \\text{cost}_\\text{1K tokens}(t) = \\frac{2 N \\cdot 1000}{u_\\text{inf}(t)} \\; c_\\text{FLOP}(t),

where ``u`` is the utilisation (model FLOPs utilisation), ``g(t) = 2^{-(t - t_a)/H}`` an
optional algorithmic-progress factor (compute for fixed performance halves every ``H``
months; Ho et al. 2024 estimate H about 8 months, 95% CI 5 to 14) and ``c_FLOP`` the
dollars per *peak* FLOP:

- ``basis="cloud"`` (default): ``c_FLOP = 1 / m(t)``, with ``m`` the trend of peak FLOP
  per dollar of cloud rental (peak FLOP/s x 3600 / $ per chip-hour); energy is inside
  the rental price.
- ``basis="purchase"``: the chip's price amortised over its lifetime plus its energy,

  .. math::

      c_\\text{FLOP} = \\frac{k}{m_\\$(t)\\, T_\\text{life}}
                     + \\frac{\\text{PUE} \\cdot p_\\text{kWh}}{3.6\\times10^6 \\, m_W(t)},

  with ``m_$`` the trend of peak FLOP/s per purchase dollar, ``m_W`` of peak FLOP/s per
  watt (TDP), ``k`` an overhead factor for the rest of the server and network.

The forecast is computed in one vectorised pass: 4,000 draws x 50 dates take a few
milliseconds (``benchmarks/bench_forecast.py``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from . import __version__
from ._checks import check_int, check_level, check_number, check_positive
from ._dates import decimal_year
from ._io import atomic_write_text, dumps_json, utc_now
from .errors import ScalingError
from .laws import get_law
from .results import require_result
from .sizing import GPT3_N_PARAMS, GPT3_N_TOKENS

__all__ = [
    "Forecast",
    "equivalent_cost",
    "default_dates",
    "decimal_year",
    "DEFAULTS",
    "load_forecast",
]

SCHEMA = "scaling.forecast"
SCHEMA_VERSION = 1

#: Documented defaults of :func:`equivalent_cost` (see each entry's note).
DEFAULTS: dict[str, dict[str, Any]] = {
    "utilisation": {
        "value": 0.4,
        "note": "model FLOPs utilisation of a well-run large training job; GPT-3 21.3% (2020), "
        "MT-NLG 30.2%, Gopher 32.5%, PaLM 46.2% (2022), Llama 3.1 38-43% (2024)",
    },
    "utilisation_growth_per_year": {
        "value": 0.0,
        "note": "relative growth of utilisation per year (0: constant); capped at max_utilisation",
    },
    "max_utilisation": {"value": 0.75, "note": "cap on utilisation when it grows"},
    "utilisation_reference_date": {"value": "2023-01-01", "note": "date at which utilisation applies"},
    "inference_utilisation": {
        "value": None,
        "note": "utilisation when serving; None: same as training (the seed article uses 21.3%)",
    },
    "lifetime_years": {"value": 4.0, "note": "amortisation period of purchased hardware (purchase basis)"},
    "overhead_factor": {
        "value": 1.0,
        "note": "multiplier on the chip price for servers, network and facility (purchase basis); "
        "1.0 counts the chip alone",
    },
    "usd_per_kwh": {
        "value": 0.08,
        "note": "US industrial electricity, about $0.067-0.083/kWh in 2020-23 (purchase basis)",
    },
    "pue": {"value": 1.1, "note": "hyperscaler power usage effectiveness (~1.1; industry average ~1.56)"},
    "algorithmic_halving_months": {
        "value": None,
        "note": "None: off. 'ho2024': halving time drawn per draw from a lognormal with median 8 "
        "months and 95% interval 5-14 months (Ho et al. 2024); or a number of months",
    },
    "algorithmic_reference_date": {
        "value": "2020-06-01",
        "note": "date from which algorithmic progress is counted (GPT-3's release)",
    },
}

#: Forecast dates the package answers for: from the first accelerator trends to a horizon
#: beyond which a log-linear price trend is no forecast at all.
YEAR_RANGE = (2000, 2050)
#: Largest target loss (nats per token) a forecast accepts: a uniform distribution over a
#: 250k-token vocabulary has 12.4 nats; a larger "loss" is a mistake (e.g. a parameter count).
MAX_TARGET_LOSS = 20.0

_TRAIN = "training_cost_usd"
_INFER = "inference_usd_per_1k_tokens"


def _check_years(idx: pd.DatetimeIndex) -> None:
    lo, hi = YEAR_RANGE
    bad = (idx.year < lo) | (idx.year > hi)
    if bad.any():
        raise ScalingError(f"forecast date {idx[bad][0].date()} is outside {lo}-{hi}: the price trends are "
                           f"fitted to accelerators from the 2000s on, and a log-linear trend beyond {hi} "
                           "is no forecast")


def default_dates(start: str = "2020-01-01", until: int | str = 2032) -> pd.DatetimeIndex:
    """Quarterly dates from ``start`` to the end of ``until`` (a year or a date), within :data:`YEAR_RANGE`."""
    try:
        end = (pd.Timestamp(f"{int(until)}-12-31") if isinstance(until, (int, np.integer)) or str(until).isdigit()
               else pd.Timestamp(until))
        begin = pd.Timestamp(start)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ScalingError(f"cannot read the forecast range {start!r} .. {until!r}: {exc}") from None
    _check_years(pd.DatetimeIndex([begin, end]))
    dates = pd.date_range(start=begin, end=end, freq="QS")
    if len(dates) < 2:
        raise ScalingError(f"forecast range {start} .. {until} holds fewer than two quarterly dates")
    return dates


def _check_dates(dates) -> pd.DatetimeIndex:
    try:
        idx = pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(dates)))
    except (ValueError, TypeError, OverflowError) as exc:
        raise ScalingError(f"dates must be dates (e.g. '2024-01-01'): {exc}") from None
    if len(idx) == 0:
        raise ScalingError("dates is empty; give at least one date")
    if idx.hasnans:
        raise ScalingError("dates contains a missing value (NaT)")
    _check_years(idx)
    if not idx.is_monotonic_increasing or idx.has_duplicates:
        bad = int(np.flatnonzero(np.diff(idx.asi8) <= 0)[0]) + 1
        raise ScalingError(
            f"dates must be strictly increasing; {idx[bad].date()} follows {idx[bad - 1].date()}"
        )
    return idx


def _positive(name: str, value, upper: float | None = None, allow_zero: bool = False) -> float:
    """A finite number > 0 (>= 0 with ``allow_zero``), at most ``upper``: :func:`scaling._checks.check_number`."""
    return float(check_number(name, value, low=0.0, high=upper, low_open=not allow_zero))


def _param_draws(loss_fit, n_draws: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n_draws`` parameter sets of the law, resampled from the fit's draws (its point without draws)."""
    names = list(get_law(loss_fit.law).param_names)
    draws = loss_fit.draws
    if draws is None or len(draws) == 0:
        return pd.DataFrame({k: np.full(n_draws, float(loss_fit.params[k])) for k in names})
    idx = rng.integers(0, len(draws), size=n_draws)
    return draws[names].iloc[idx].reset_index(drop=True)


def _line_draws(trend, years: np.ndarray, dates: pd.DatetimeIndex, n_draws: int, rng) -> np.ndarray:
    """(n_draws, n_dates) log10 trend-line values, resampled to ``n_draws``."""
    lines = np.asarray(trend.line_draws(dates), dtype=float)
    idx = rng.integers(0, lines.shape[0], size=n_draws)
    return lines[idx]


def _halving_years(spec, n_draws: int, rng) -> np.ndarray | None:
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec.lower() != "ho2024":
            raise ScalingError(f"algorithmic_halving_months must be None, a number of months or 'ho2024', got {spec!r}")
        # Lognormal with median 8 months and 95% interval [5, 14] months (Ho et al. 2024).
        sd = (np.log(14.0) - np.log(5.0)) / (2 * 1.959964)
        return np.exp(rng.normal(np.log(8.0), sd, size=n_draws)) / 12.0
    return np.full(n_draws, _positive("algorithmic_halving_months", spec) / 12.0)


@dataclass(frozen=True)
class Forecast:
    """A cost trajectory with intervals: a tidy table plus the assumptions behind it.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``date, quantity, median, lower, upper, level``: one row per date,
        quantity and interval level.
    assumptions : dict
        Every input that shaped the numbers (fits, trends, utilisation, basis, seed, ...).
    samples : dict of numpy arrays
        Joint draws per quantity, shape ``(n_draws, n_dates)`` (not saved; for
        :meth:`change` and custom summaries).
    dates : pandas.DatetimeIndex
    """

    table: pd.DataFrame
    assumptions: dict
    dates: pd.DatetimeIndex
    samples: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def quantities(self) -> list[str]:
        return list(dict.fromkeys(self.table["quantity"]))

    def to_frame(self) -> pd.DataFrame:
        """The tidy table (a copy)."""
        return self.table.copy()

    def at(self, date, quantity: str = _TRAIN, level: float | None = None) -> pd.Series:
        """Median and interval of ``quantity`` at the forecast date nearest ``date``."""
        t = pd.Timestamp(date)
        sub = self.table[self.table["quantity"] == quantity]
        if sub.empty:
            raise ScalingError(f"unknown quantity {quantity!r}; known: {', '.join(self.quantities)}")
        level = sub["level"].max() if level is None else level
        sub = sub[np.isclose(sub["level"], level)]
        i = int(np.argmin(np.abs((sub["date"] - t).dt.total_seconds().to_numpy())))
        return sub.iloc[i]

    def change(self, start, end, quantity: str = _TRAIN, level: float = 0.9) -> dict:
        """Relative change of ``quantity`` between two dates, per joint draw.

        Returns the median and ``level`` interval of ``value(end) / value(start) - 1``
        (so -0.8 means 80% cheaper). Dates are matched to the nearest forecast date.
        """
        if quantity not in self.samples:
            raise ScalingError(f"no samples for {quantity!r} (a loaded forecast keeps only its table)")
        years = decimal_year(self.dates)
        i0 = int(np.argmin(np.abs(years - decimal_year(start)[0])))
        i1 = int(np.argmin(np.abs(years - decimal_year(end)[0])))
        x = self.samples[quantity]
        ratio = x[:, i1] / x[:, i0] - 1.0
        q = (1 - level) / 2
        return {
            "start": self.dates[i0].date().isoformat(),
            "end": self.dates[i1].date().isoformat(),
            "median": float(np.median(ratio)),
            "lower": float(np.quantile(ratio, q)),
            "upper": float(np.quantile(ratio, 1 - q)),
            "level": level,
        }

    def summary(self, level: float | None = None) -> pd.DataFrame:
        """Wide view: one row per date, median/lower/upper per quantity at ``level``."""
        level = self.table["level"].max() if level is None else level
        sub = self.table[np.isclose(self.table["level"], level)]
        wide = sub.pivot(index="date", columns="quantity", values=["median", "lower", "upper"])
        wide.columns = [f"{q}_{stat}" for stat, q in wide.columns]
        return wide[[f"{q}_{s}" for q in self.quantities for s in ("median", "lower", "upper")]]

    def report(self) -> str:
        """A short text summary: the assumptions and the cost at the first and last dates."""
        a = self.assumptions
        lines = [
            f"Forecast: cost of reaching {a['target_description']}",
            f"  loss fit: {a['loss_fit']['method']} ({a['loss_fit']['n_draws']} draws); "
            f"basis: {a['basis']}; utilisation {a['utilisation']:g}"
            + (f" growing {a['utilisation_growth_per_year']:.0%}/yr" if a["utilisation_growth_per_year"] else "")
            + f"; algorithmic progress: {a['algorithmic_halving_months'] or 'off'}",
        ]
        for q in self.quantities:
            for d in (self.dates[0], self.dates[-1]):
                r = self.at(d, q)
                lines.append(
                    f"  {q} {d.date()}: {r['median']:.4g} [{r['lower']:.4g}, {r['upper']:.4g}] ({r['level']:.0%})"
                )
        return "\n".join(lines)

    def save(self, path: str | os.PathLike) -> tuple[Path, Path]:
        """Write the table as CSV (``path``, ``.csv``) and the assumptions as JSON beside it.

        Both writes are atomic. Returns the two paths.
        """
        path = Path(path)
        if path.suffix != ".csv":
            raise ScalingError(f"forecast path must end in .csv, got {path.name!r}")
        meta = {
            "schema": SCHEMA,
            "schema_version": SCHEMA_VERSION,
            "scaling_version": __version__,
            "created": utc_now(),
            "table": path.name,
            "assumptions": self.assumptions,
        }
        json_path = path.with_suffix(".json")
        table = self.table.copy()
        table["date"] = table["date"].dt.strftime("%Y-%m-%d")
        atomic_write_text(path, table.to_csv(index=False, lineterminator="\n", float_format="%.6g"))
        atomic_write_text(json_path, dumps_json(meta))
        return path, json_path

    def plot(self, ax=None, quantity: str = _TRAIN, **kwargs):
        """Fan chart of ``quantity`` (see :func:`scaling.plot.fan_chart`)."""
        from .plot import fan_chart

        return fan_chart(self, quantity=quantity, ax=ax, **kwargs)


def load_forecast(path: str | os.PathLike) -> Forecast:
    """Load a forecast saved by :meth:`Forecast.save` (table + assumptions; no samples)."""
    path = Path(path)
    json_path = path.with_suffix(".json")
    if not path.exists():
        raise FileNotFoundError(f"forecast table {path} does not exist")
    meta = {}
    if json_path.exists():
        from ._io import read_versioned_json

        meta = read_versioned_json(json_path, SCHEMA, SCHEMA_VERSION)
    table = pd.read_csv(path)
    need = {"date", "quantity", "median", "lower", "upper", "level"}
    if not need <= set(table.columns):
        raise ScalingError(f"{path} is not a forecast table: needs columns {sorted(need)}")
    table["date"] = pd.to_datetime(table["date"])
    dates = pd.DatetimeIndex(sorted(table["date"].unique()))
    return Forecast(table=table, assumptions=meta.get("assumptions", {}), dates=dates)


def _target_losses(law, target, params: pd.DataFrame) -> tuple[np.ndarray, str]:
    if isinstance(target, str):
        if target.lower() not in ("gpt3", "gpt-3"):
            raise ScalingError(f"unknown target {target!r}; use 'gpt3', a loss (float) or (n_params, n_tokens)")
        return (np.asarray(law.predict(params, GPT3_N_PARAMS, GPT3_N_TOKENS), dtype=float),
                "GPT-3-equivalent loss (L(175e9, 300e9) under the fit)")
    if isinstance(target, (tuple, list)) and len(target) == 2:
        n, d = (_positive("target n_params", target[0]), _positive("target n_tokens", target[1]))
        return np.asarray(law.predict(params, n, d), dtype=float), f"the loss of N={n:.3g}, D={d:.3g} under the fit"
    if isinstance(target, (int, float, np.floating)) and not isinstance(target, bool):
        loss = _positive("target loss", target)
        if loss > MAX_TARGET_LOSS:
            raise ScalingError(
                f"target loss {loss:g} is above {MAX_TARGET_LOSS:g} nats per token: a loss is a few nats; "
                "a number like 175e9 is a parameter count, give a model as (n_params, n_tokens)")
        return np.full(len(params), loss), f"loss {loss:g}"
    raise ScalingError(f"target must be 'gpt3', a loss or (n_params, n_tokens), got {target!r}")


def equivalent_cost(
    loss_fit,
    price_trend,
    energy_trend=None,
    *,
    target="gpt3",
    dates=None,
    utilisation: float = DEFAULTS["utilisation"]["value"],
    utilisation_growth_per_year: float = DEFAULTS["utilisation_growth_per_year"]["value"],
    max_utilisation: float = DEFAULTS["max_utilisation"]["value"],
    utilisation_reference_date: str = DEFAULTS["utilisation_reference_date"]["value"],
    inference_utilisation: float | None = DEFAULTS["inference_utilisation"]["value"],
    lifetime_years: float = DEFAULTS["lifetime_years"]["value"],
    overhead_factor: float = DEFAULTS["overhead_factor"]["value"],
    usd_per_kwh: float = DEFAULTS["usd_per_kwh"]["value"],
    pue: float = DEFAULTS["pue"]["value"],
    algorithmic_halving_months=DEFAULTS["algorithmic_halving_months"]["value"],
    algorithmic_reference_date: str = DEFAULTS["algorithmic_reference_date"]["value"],
    levels: Sequence[float] = (0.5, 0.9),
    n_draws: int = 4000,
    seed: int = 0,
) -> Forecast:
    """Forecast the cost of reaching a target loss at each date, with intervals.

    Parameters
    ----------
    loss_fit : FitResult or BayesFitResult
        A chinchilla-law fit; its ``draws`` (bootstrap or posterior) carry the
        uncertainty of the target and of the compute-optimal run.
    price_trend : TrendResult
        Trend of peak FLOP per dollar: metric ``"flops_per_usd_cloud"`` (cloud basis) or
        ``"flops_per_usd"`` (purchase basis; then ``energy_trend`` is required).
    energy_trend : TrendResult, optional
        Trend of peak FLOP/s per watt (``"flops_per_watt"``), purchase basis only.
    target : "gpt3", float or (n_params, n_tokens)
        The loss to reach: GPT-3's fitted loss, a loss, or the fitted loss of a model.
    dates : sequence of dates, optional
        Strictly increasing; default quarterly 2020-2032 (:func:`default_dates`).
    utilisation, utilisation_growth_per_year, max_utilisation, utilisation_reference_date
        Utilisation ``u(t) = min(max, u0 (1 + g)^(t - t_ref))``.
    inference_utilisation : float, optional
        Utilisation when serving (default: same as training).
    lifetime_years, overhead_factor, usd_per_kwh, pue
        Purchase basis: amortisation, capital overhead and energy (see :data:`DEFAULTS`).
    algorithmic_halving_months : None, float or "ho2024"
        Algorithmic progress: the training compute for fixed performance halves every
        ``H`` months from ``algorithmic_reference_date``. Off by default.
    levels : sequence of float
        Central interval levels in the table (0.5 and 0.9 make a fan).
    n_draws : int
        Joint draws (loss-fit draw x trend draw, resampled independently with ``seed``).
    seed : int
        Seed of the resampling (and of the algorithmic-progress draws).

    Returns
    -------
    Forecast
        Quantities ``training_cost_usd``, ``inference_usd_per_1k_tokens``,
        ``usd_per_peak_flop``, ``compute_flops``, ``n_params``, ``n_tokens``.
    """
    require_result(loss_fit, "a fitted scaling law")
    require_result(price_trend, "a hardware TrendResult")
    if energy_trend is not None:
        require_result(energy_trend, "a hardware TrendResult")
    law = get_law(loss_fit.law)
    n_draws = check_int("n_draws", n_draws, 10, 1_000_000)
    seed = check_int("seed", seed, 0)
    levels = [check_level(lv) for lv in levels]
    u0 = _positive("utilisation", utilisation, upper=1.0)
    u_max = _positive("max_utilisation", max_utilisation, upper=1.0)
    u_inf = u0 if inference_utilisation is None else _positive("inference_utilisation", inference_utilisation, upper=1.0)
    g = float(check_number("utilisation_growth_per_year", utilisation_growth_per_year, low=-1.0, high=10.0))
    _positive("lifetime_years", lifetime_years)
    _positive("overhead_factor", overhead_factor)
    _positive("usd_per_kwh", usd_per_kwh, allow_zero=True)
    _positive("pue", pue)
    if float(pue) < 1:
        raise ScalingError(f"pue must be >= 1 (total facility power / IT power), got {pue!r}")

    dates = default_dates() if dates is None else _check_dates(dates)
    years = decimal_year(dates)
    rng = np.random.default_rng(seed)

    metric = price_trend.metric
    if metric == "flops_per_usd_cloud":
        basis = "cloud"
        if energy_trend is not None:
            raise ScalingError("energy_trend applies to the purchase basis only; cloud prices include energy")
    elif metric == "flops_per_usd":
        basis = "purchase"
        if energy_trend is None or energy_trend.metric != "flops_per_watt":
            raise ScalingError("the purchase basis needs energy_trend, a 'flops_per_watt' TrendResult")
    else:
        raise ScalingError(
            f"price_trend must be a 'flops_per_usd_cloud' (cloud basis) or 'flops_per_usd' "
            f"(purchase basis) trend, got metric {metric!r}"
        )

    params = _param_draws(loss_fit, n_draws, rng)
    target_loss, target_text = _target_losses(law, target, params)
    floor = np.asarray(law.irreducible_loss(params), dtype=float)
    if np.all(target_loss <= floor):
        raise ScalingError(f"target loss {float(np.median(target_loss)):g} is at or below the fit's irreducible "
                           f"loss (median {float(np.median(floor)):.4f}) in every draw: unreachable; choose a higher target")
    compute, n_params, n_tokens = (np.asarray(x, dtype=float) for x in law.compute_for_loss(params, target_loss))
    if not np.all(np.isfinite(compute)):
        bad = int(np.count_nonzero(~np.isfinite(compute)))
        raise ScalingError(
            f"the target loss is unreachable (at or below the fitted irreducible loss E) in {bad} of "
            f"{n_draws} draws; choose a higher target"
        )

    log_m = _line_draws(price_trend, years, dates, n_draws, rng)
    if basis == "cloud":
        usd_per_flop = 10.0 ** (-log_m)
    else:
        log_w = _line_draws(energy_trend, years, dates, n_draws, rng)
        lifetime_s = float(lifetime_years) * 365.25 * 24 * 3600
        capital = float(overhead_factor) / (10.0**log_m * lifetime_s)
        energy = float(pue) * float(usd_per_kwh) / (3.6e6 * 10.0**log_w)
        usd_per_flop = capital + energy

    t_u = decimal_year(utilisation_reference_date)[0]
    util = np.minimum(u_max, u0 * (1.0 + g) ** (years - t_u))
    util_inf = np.minimum(u_max, u_inf * (1.0 + g) ** (years - t_u))

    train_compute = np.broadcast_to(compute[:, None], (n_draws, len(years)))
    halving = _halving_years(algorithmic_halving_months, n_draws, rng)
    if halving is not None:
        t_a = decimal_year(algorithmic_reference_date)[0]
        train_compute = train_compute * 2.0 ** (-(years[None, :] - t_a) / halving[:, None])

    samples = {
        _TRAIN: train_compute / util[None, :] * usd_per_flop,
        _INFER: (2.0 * n_params[:, None] * 1000.0) / util_inf[None, :] * usd_per_flop,
        "usd_per_peak_flop": usd_per_flop,
        "compute_flops": np.asarray(train_compute),
        "n_params": np.broadcast_to(n_params[:, None], (n_draws, len(years))),
        "n_tokens": np.broadcast_to(n_tokens[:, None], (n_draws, len(years))),
    }
    table = _tidy(samples, dates, levels)
    fit_settings = loss_fit.settings
    assumptions = {
        "target": target if isinstance(target, (str, float, int)) else list(target),
        "target_description": target_text,
        "target_loss_median": float(np.median(target_loss)),
        "basis": basis,
        "loss_fit": {
            "law": loss_fit.law,
            "method": loss_fit.method,
            "n_draws": 0 if loss_fit.draws is None else int(len(loss_fit.draws)),
            "data_sha256": loss_fit.data_sha256,
            "seed": loss_fit.seed,
            "settings": {k: v for k, v in fit_settings.items() if isinstance(v, (str, int, float, bool, type(None)))},
        },
        "price_trend": _trend_meta(price_trend),
        "energy_trend": None if energy_trend is None else _trend_meta(energy_trend),
        "utilisation": u0,
        "utilisation_growth_per_year": g,
        "max_utilisation": u_max,
        "utilisation_reference_date": str(utilisation_reference_date),
        "inference_utilisation": u_inf,
        "lifetime_years": float(lifetime_years),
        "overhead_factor": float(overhead_factor),
        "usd_per_kwh": float(usd_per_kwh),
        "pue": float(pue),
        "algorithmic_halving_months": algorithmic_halving_months,
        "algorithmic_reference_date": str(algorithmic_reference_date),
        "levels": [float(x) for x in levels],
        "n_draws": n_draws,
        "seed": int(seed),
        "flops_per_token_inference": "2N",
        "training_flops": "6ND",
    }
    return Forecast(table=table, assumptions=assumptions, dates=dates, samples=samples)


def _trend_meta(trend) -> dict:
    d = trend.doubling(0.9)
    return {"metric": trend.metric, "precision": trend.precision, "method": trend.method,
            "doubling_time_years": {k: v for k, v in d.items() if isinstance(v, (int, float))}}


def _tidy(samples: Mapping[str, np.ndarray], dates: pd.DatetimeIndex, levels: Sequence[float]) -> pd.DataFrame:
    frames = []
    for quantity, x in samples.items():
        median = np.median(x, axis=0)
        for lv in levels:
            q = (1 - float(lv)) / 2
            lo, hi = np.quantile(x, [q, 1 - q], axis=0)
            frames.append(pd.DataFrame({
                "date": dates, "quantity": quantity, "median": median,
                "lower": lo, "upper": hi, "level": float(lv),
            }))
    return pd.concat(frames, ignore_index=True)
