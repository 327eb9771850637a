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
"""


from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .. import __version__
from .._checks import check_int, check_level, check_memory, check_number, max_memory_bytes, units_warnings
from .._dates import decimal_year, iso_date, to_datetimes
from .._io import atomic_write_text, dumps_json, utc_now
from ..cost.tco import DOLLARS, TCOAssumptions, cost_shares, dollar_factor, usd_per_peak_flop_tco
from ..errors import ScalingError
from ..laws import get_law
from ..results import require_result
from ..sizing import GPT3_N_PARAMS, GPT3_N_TOKENS
from .algorithmic import algorithmic_text, gain_summary
from .draws import (
    SLOWDOWN_PRIOR_NOTE, LawMixture, algorithmic_log2_gain, cap_binding_share, check_range, halving_draws, law_draws,
    price_log10_draws, slowdown_draws, utilisation_draws,
)

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
        "value": (0.3, 0.5),
        "note": "training model-FLOPs utilisation, uniform per draw over 30-50%: GPT-3 21.3% (2020), "
        "MT-NLG 30.2%, Gopher 32.5%, PaLM 46.2% (Chowdhery et al. 2022, Table 3), Llama 3.1 405B 38-43% "
        "(Grattafiori et al. 2024); a well-run large job today sits in 30-50%",
    },
    "utilisation_growth_per_year": {
        "value": 0.0,
        "note": "relative growth of utilisation per year (0: constant); capped at max_utilisation",
    },
    "max_utilisation": {"value": 0.75, "note": "cap on utilisation when it grows"},
    "utilisation_reference_date": {"value": "2023-01-01", "note": "date at which utilisation applies"},
    "inference_utilisation": {
        "value": None,
        "default_range": (0.1, 0.3),
        "note": "utilisation when serving; None: uniform 10-30%, below training: autoregressive decoding is "
        "memory-bandwidth bound, and Pope et al. (2022), Efficiently Scaling Transformer Inference "
        "(arXiv:2211.05102), reach high MFU only for large-batch prefill, far lower for low-latency decoding; "
        "the seed article uses GPT-3's 21.3%",
    },
    "lifetime_years": {"value": None, "note": "purchase basis: overrides TCOAssumptions.lifetime_years (3-5 yr)"},
    "overhead_factor": {
        "value": None,
        "note": "purchase basis, old callers: sets the server overhead and turns the interconnect off; "
        "None uses TCOAssumptions (Cottier et al. 2024 ranges)",
    },
    "usd_per_kwh": {"value": None, "note": "purchase basis: overrides TCOAssumptions.usd_per_kwh ($0.067-0.083)"},
    "pue": {"value": None, "note": "purchase basis: overrides TCOAssumptions.pue (1.1-1.56)"},
    "price_scatter": {
        "value": True,
        "note": "add the spread of prices a buyer meets at a date (the trend's Student-t scatter) to the line",
    },
    "dollars": {"value": "nominal", "note": "nominal, or real (constant base_year) dollars via the shipped PPI"},
    "base_year": {"value": 2024, "note": "base year of real dollars"},
    "algorithmic_halving_months": {
        "value": None,
        "note": "None: off. 'ho2024': halving time drawn per draw from a two-piece lognormal with median 8 "
        "months and 90% interval 2-22 months (Ho et al. 2024, NeurIPS); 'ho2024-arxiv': the v1 interval "
        "(95% CI 5-14 months); or a number of months",
    },
    "algorithmic_reference_date": {
        "value": "2020-06-01",
        "note": "date from which algorithmic progress is counted (GPT-3's release)",
    },
    "algorithmic_slowdown_per_year": {
        "value": "prior",
        "note": "beyond algorithmic_slowdown_date the halving time grows by the factor 1 + s per year (the rate of "
        "progress shrinks by it); 'prior': " + SLOWDOWN_PRIOR_NOTE + "; a number fixes s (0: constant rate)",
    },
    "algorithmic_slowdown_date": {
        "value": "2024-01-01",
        "note": "date from which the rate slows: the end of the years Ho et al. (2024) measured (2012-2023); "
        "before it their rate holds",
    },
    "algorithmic_cap": {
        "value": None,
        "note": "largest effective-compute multiplier (None: no cap). The capability frontier of GPT-3's MMLU "
        "fell 268x by 2023-09 (scaling.forecast.capability), so a 100x cap is below the evidence; a cap "
        "set reports the share of draws it binds (assumptions['algorithmic_cap_binding'])",
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
        raise ScalingError(f"forecast date {iso_date(idx[bad][0])} is outside {lo}-{hi}: the price trends are "
                           f"fitted to accelerators from the 2000s on, and a log-linear trend beyond {hi} "
                           "is no forecast")


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


#: Utilisation (MFU) below this is refused: at 0.1% of peak a forecast is no forecast, and
#: a utilisation near 0 (5e-324) would make every cost infinite.
MIN_UTILISATION = 1e-3


def default_dates(start: str = "2020-01-01", until: int | str = 2032) -> pd.DatetimeIndex:
    """Quarterly dates from ``start`` to the end of ``until`` (a year or a date), within :data:`YEAR_RANGE`."""
    last = until
    if isinstance(until, (int, np.integer)) and not isinstance(until, bool) or str(until).lstrip("-").isdigit():
        year = int(until)
        if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:  # before building a date of year -5 or 99999
            raise ScalingError(f"forecast year {until} is outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}")
        last = f"{year}-12-31"
    try:  # one reader of dates: a date outside pandas' range is a ScalingError naming it
        begin, end = to_datetimes(start)[0], to_datetimes(last)[0]
    except ScalingError as exc:
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
    decomposition : pandas.DataFrame
        Columns ``date, quantity, source, share, source_width_log10, width_removed_log10,
        width_log10, variance_removed_log10, sd_log10``: per date, each source's share of the
        spread of log10 cost (the 90% width of its own term over the sum of the sources'
        widths; :func:`_decompose`), :meth:`width_by_source` for a yearly view.
    label : str
        The scenario's name (legend entry of a fan chart, column prefix of wide tables).
    """

    table: pd.DataFrame
    assumptions: dict
    dates: pd.DatetimeIndex
    samples: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)
    decomposition: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    label: str = ""

    @property
    def header(self) -> str:
        """One line naming the law, price series, basis, dollars and utilisation."""
        return self.assumptions.get("header", "")

    def wide(self, level: float = 0.9, quantities: Sequence[str] = (_TRAIN, _INFER), yearly: bool = False
             ) -> pd.DataFrame:
        """One row per date, columns ``<label>:<quantity>_<stat>`` (units in the quantity name)."""
        out = self.summary(level=level)
        out = out[[c for c in out.columns if any(c.startswith(q + "_") for q in quantities)]]
        if yearly:
            out = out[out.index.month == 1]
        unit = "usd" if self.assumptions.get("dollars") != "real" else f"usd{self.assumptions.get('base_year')}real"
        out.columns = [f"{self.label or 'forecast'}:{c.replace('usd', unit, 1)}" for c in out.columns]
        return out

    def width_by_source(self, quantity: str = _TRAIN, yearly: bool = True) -> pd.DataFrame:
        """Share of the fan's log width from each source: rows dates, columns sources (+ ``sd_log10``)."""
        d = self.decomposition
        if d is None or d.empty:
            raise ScalingError("this forecast has no decomposition of its spread (decompose=False, or loaded "
                               "from disk)")
        d = d[d["quantity"] == quantity]
        out = d.pivot(index="date", columns="source", values="share")
        out = out[[s for s in SOURCES if s in out.columns]]
        out["sd_log10"] = d.groupby("date")["sd_log10"].first()
        if yearly:
            out = out[out.index.month == 1]
        return out

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
        lines = [f"Forecast: cost of reaching {a['target_description']}", f"  {self.header}"]
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
            "n_rows": int(len(self.table)),
            "label": self.label,
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
        from ..plot import fan_chart

        return fan_chart(self, quantity=quantity, ax=ax, **kwargs)


def load_forecast(path: str | os.PathLike) -> Forecast:
    """Load a forecast saved by :meth:`Forecast.save` (table + assumptions; no samples)."""
    path = Path(path)
    json_path = path.with_suffix(".json")
    if not path.exists():
        raise FileNotFoundError(f"forecast table {path} does not exist")
    meta = {}
    if json_path.exists():
        from .._io import read_versioned_json

        meta = read_versioned_json(json_path, SCHEMA, SCHEMA_VERSION)
    from .._tables import read_table

    table = read_table(path)  # by content, not name (pandas decompressed by the suffix); one ScalingError
    need = {"date", "quantity", "median", "lower", "upper", "level"}
    if not need <= set(table.columns):
        raise ScalingError(f"{path} is not a forecast table: needs columns {sorted(need)}")
    if table.empty:
        raise ScalingError(f"{path} has no rows: the forecast table is truncated; rerun the forecast")
    # A complete table: the rows its metadata counted, every quantity and level at every date,
    # finite numbers (a truncated or edited file is refused, not drawn).
    expected = meta.get("n_rows")
    if expected is not None and len(table) != expected:
        raise ScalingError(f"{path} has {len(table)} rows, its metadata {json_path.name} says {expected}: "
                           "the table is truncated or was edited; rerun the forecast")
    table["date"] = pd.to_datetime(table["date"], errors="coerce")
    values = table[["median", "lower", "upper", "level"]].apply(pd.to_numeric, errors="coerce")
    if table["date"].isna().any() or not np.isfinite(values.to_numpy(dtype=float)).all():
        raise ScalingError(f"{path} has a missing or non-numeric cell: the table is damaged; rerun the forecast")
    table[["median", "lower", "upper", "level"]] = values
    dates = pd.DatetimeIndex(sorted(table["date"].unique()))
    groups = table.groupby(["quantity", "level"]).size()
    if (groups != len(dates)).any():
        raise ScalingError(f"{path} does not have every quantity and level at every date: the table is "
                           "truncated or was edited; rerun the forecast")
    return Forecast(table=table, assumptions=meta.get("assumptions", {}), dates=dates, label=meta.get("label", ""))


def reference_models() -> pd.DataFrame:
    """The named models a target may be (``datasets/reference_models.csv``)."""
    from .. import datasets

    return datasets.load("reference_models")


def _reference_model(name: str) -> tuple[float, float, str] | None:
    key = name.strip().lower().replace("_", "-")
    if key in ("gpt3", "gpt-3"):
        return GPT3_N_PARAMS, GPT3_N_TOKENS, "GPT-3"
    refs = reference_models()
    hit = refs[refs["name"].str.lower().str.replace("_", "-") == key]
    if hit.empty:
        return None
    row = hit.iloc[0]
    return float(row["n_params"]), float(row["n_tokens"]), str(row["name"])


def _target_spec(target) -> tuple[str, Any]:
    """Classify a target: ("model", (n, d, name)) or ("loss", loss); ScalingError otherwise."""
    if isinstance(target, str):
        ref = _reference_model(target)
        if ref is None:
            names = ", ".join(["gpt3", *reference_models()["name"]])
            raise ScalingError(f"unknown target {target!r}; use a loss (float), (n_params, n_tokens) or a "
                               f"reference model: {names}")
        return "model", ref
    if isinstance(target, (tuple, list)) and len(target) == 2:
        n, d = (_positive("target n_params", target[0]), _positive("target n_tokens", target[1]))
        return "model", (n, d, None)
    if isinstance(target, (int, float, np.integer, np.floating)) and not isinstance(target, bool):
        loss = _positive("target loss", target)
        if loss > MAX_TARGET_LOSS:
            raise ScalingError(
                f"target loss {loss:g} is above {MAX_TARGET_LOSS:g} nats per token: a loss is a few nats; "
                "a number like 175e9 is a parameter count, give a model as (n_params, n_tokens)")
        return "loss", loss
    raise ScalingError(f"target must be a reference model name, a loss or (n_params, n_tokens), got {target!r}")


def _target_text(kind: str, spec) -> str:
    if kind == "loss":
        return f"loss {spec:g}"
    n, d, name = spec
    if name == "GPT-3":
        return "GPT-3-equivalent loss (L(175e9, 300e9) under the fit)"
    label = f"{name}'s loss" if name else "the loss"
    return f"{label} (L({n:.3g}, {d:.3g}) under the fit)"


def target_warnings(target) -> list:
    """``units`` warnings for a target model given as (n_params, n_tokens) in other units (e.g. billions)."""
    kind, spec = _target_spec(target)
    if kind != "model" or spec[2] is not None:  # a loss, or a reference model of the package's table
        return []
    return units_warnings(spec[0], [spec[1] / spec[0]], what="the target model")


def check_target(loss_fit, target) -> None:
    """Refuse a loss target at or below any law's irreducible loss E, before any sampling."""
    kind, spec = _target_spec(target)
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
    kind, spec = _target_spec(target)
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


def _check_basis(price_trend, energy_trend) -> str:
    metric = price_trend.metric
    if metric == "flops_per_usd_cloud":
        if energy_trend is not None:
            raise ScalingError("energy_trend applies to the purchase basis only; cloud prices include energy")
        return "cloud"
    if metric == "flops_per_usd":
        if energy_trend is None or energy_trend.metric != "flops_per_watt":
            raise ScalingError("the purchase basis needs energy_trend, a 'flops_per_watt' TrendResult")
        return "purchase"
    raise ScalingError(
        f"price_trend must be a 'flops_per_usd_cloud' (cloud basis) or 'flops_per_usd' "
        f"(purchase basis) trend, got metric {metric!r}"
    )


def _fmt_range(lo: float, hi: float, pct: bool = True) -> str:
    f = (lambda x: f"{100 * x:.3g}%") if pct else (lambda x: f"{x:g}")
    return f(lo) if lo == hi else f"{f(lo)}-{f(hi)}"


def equivalent_cost(
    loss_fit,
    price_trend,
    energy_trend=None,
    *,
    target="gpt3",
    dates=None,
    utilisation=DEFAULTS["utilisation"]["value"],
    utilisation_growth_per_year: float = DEFAULTS["utilisation_growth_per_year"]["value"],
    max_utilisation: float = DEFAULTS["max_utilisation"]["value"],
    utilisation_reference_date: str = DEFAULTS["utilisation_reference_date"]["value"],
    inference_utilisation=DEFAULTS["inference_utilisation"]["value"],
    lifetime_years=None,
    overhead_factor=None,
    usd_per_kwh=None,
    pue=None,
    tco: TCOAssumptions | None = None,
    price_scatter: bool = DEFAULTS["price_scatter"]["value"],
    price_doubling_years: float | None = None,
    dollars: str = DEFAULTS["dollars"]["value"],
    base_year: int = DEFAULTS["base_year"]["value"],
    algorithmic_halving_months=DEFAULTS["algorithmic_halving_months"]["value"],
    algorithmic_reference_date: str = DEFAULTS["algorithmic_reference_date"]["value"],
    algorithmic_slowdown_per_year: float | str = DEFAULTS["algorithmic_slowdown_per_year"]["value"],
    algorithmic_slowdown_date: str = DEFAULTS["algorithmic_slowdown_date"]["value"],
    algorithmic_cap: float | None = DEFAULTS["algorithmic_cap"]["value"],
    algorithmic_banked="auto",
    price_series: str | None = None,
    label: str | None = None,
    decompose: bool = True,
    levels: Sequence[float] = (0.5, 0.9),
    n_draws: int = 4000,
    seed: int = 0,
) -> Forecast:
    r"""Forecast the cost of reaching a target loss at each date, as joint draws of every uncertainty.

    Each joint draw :math:`i` picks a law and its parameters, a price-trend line and the
    buyer's place in the spread of prices, a training and an inference utilisation, the
    purchase basis's TCO inputs and (optionally) an algorithmic-progress halving time; then

    .. math::

        \text{cost}_{\text{train},i}(t) = \frac{C_i / M_i(t)}{u_i}\, c_{\text{FLOP},i}(t), \qquad
        \text{cost}_{\text{1K},i}(t) = \frac{2\, N_i(t) \cdot 1000}{u_{\text{inf},i}}\, c_{\text{FLOP},i}(t),

    with :math:`C_i` the least compute reaching the target under law draw :math:`i`,
    :math:`M_i(t) \ge 1` the effective-compute multiplier of algorithmic progress (1 when
    off) and :math:`N_i(t), D_i(t)` the compute-optimal allocation of :math:`C_i / M_i(t)`
    under the same law, so :math:`6 N_i D_i = C_i / M_i` in every row.

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

    Parameters
    ----------
    loss_fit : FitResult, BayesFitResult or LawMixture
        A fitted law (its draws carry the parameter uncertainty) or a mixture of laws
        (:func:`scaling.forecast.law_mixture`), whose weights say how often each is drawn.
    price_trend, energy_trend : TrendResult
        ``"flops_per_usd_cloud"`` (cloud basis), or ``"flops_per_usd"`` with a
        ``"flops_per_watt"`` energy trend (purchase basis).
    target : str, float or (n_params, n_tokens)
        A reference model's loss under the law (``"gpt3"``, ``"Chinchilla"``,
        ``"Llama-2-70B"``, ... from ``datasets/reference_models.csv``), a loss (refused at
        or below the law's E before any sampling), or a model's (N, D).
    dates : sequence of dates, optional
        Strictly increasing; default quarterly 2020-2032 (:func:`default_dates`).
    utilisation : float or (low, high)
        Training model-FLOPs utilisation: fixed, or uniform per draw over the range (see
        :data:`DEFAULTS` for the published values behind the default 0.3-0.5).
    utilisation_growth_per_year, max_utilisation, utilisation_reference_date
        ``u(t) = min(max, u_i (1 + g)^(t - t_ref))``.
    inference_utilisation : float or (low, high)
        Utilisation when serving; lower than training by default (decoding is
        memory-bandwidth bound: Pope et al. 2022).
    tco : TCOAssumptions, optional
        Purchase basis: :class:`scaling.cost.tco.TCOAssumptions` (Cottier et al. 2024
        defaults, their ranges drawn per draw). ``lifetime_years``, ``usd_per_kwh``,
        ``pue`` (numbers or ranges) override its fields; ``overhead_factor`` (kept for old
        callers) sets the server overhead and turns the interconnect overhead off.
    price_scatter : bool
        Add the spread of prices a buyer meets at a date (the trend's Student-t scatter);
        ``False`` uses the trend line alone.
    price_doubling_years : float, optional
        Override the price trend's slope (doubling time in years, pivoting at its centre).
    dollars : {"nominal", "real"}
        Real: constant ``base_year`` dollars (:func:`scaling.cost.tco.dollar_factor`).
    algorithmic_halving_months : None, float, "ho2024" or "ho2024-arxiv"
        Off, a fixed halving time, or drawn per draw from Ho et al.'s interval (NeurIPS 2024:
        median 8 months, 90% CI 2-22).
    algorithmic_slowdown_per_year, algorithmic_slowdown_date
        From ``algorithmic_slowdown_date`` (the end of Ho et al.'s 2012-2023 data) the halving time
        grows by the factor :math:`1 + s` per year: ``"prior"`` draws :math:`s` per draw
        (:data:`scaling.forecast.draws.SLOWDOWN_PRIOR`), a number fixes it, 0 keeps the rate
        constant (:func:`scaling.forecast.draws.algorithmic_log2_gain`: the gain is the rate's
        integral, bounded when :math:`s > 0`).
    algorithmic_cap : float, optional
        The multiplier stops at ``cap``; ``assumptions["algorithmic_cap_binding"]`` gives the
        share of draws it binds, date by date (:func:`scaling.forecast.draws.cap_binding_share`).
    price_series, label : str, optional
        Names printed in the header (the CLI passes the series name); ``label`` names the
        scenario in plots and wide tables.
    decompose : bool
        Compute the decomposition of the spread by source (:attr:`Forecast.decomposition`).
    levels, n_draws, seed
        Interval levels in the table, joint draws, and the seed of every draw.

    Returns
    -------
    Forecast
        Quantities ``training_cost_usd``, ``inference_usd_per_1k_tokens``,
        ``usd_per_peak_flop``, ``compute_flops``, ``n_params``, ``n_tokens``.
    """
    if not isinstance(loss_fit, LawMixture):
        require_result(loss_fit, "a fitted scaling law")
    require_result(price_trend, "a hardware TrendResult")
    if energy_trend is not None:
        require_result(energy_trend, "a hardware TrendResult")
    n_draws = check_int("n_draws", n_draws, 10, 1_000_000)
    seed = check_int("seed", seed, 0)
    levels = [check_level(lv) for lv in levels]
    basis = _check_basis(price_trend, energy_trend)
    if dollars not in DOLLARS:
        raise ScalingError(f"unknown dollars {dollars!r}; allowed: {', '.join(DOLLARS)}")
    u_range = check_range("utilisation", utilisation, low=MIN_UTILISATION)
    inf_spec = DEFAULTS["inference_utilisation"]["default_range"] if inference_utilisation is None \
        else inference_utilisation
    inf_range = check_range("inference_utilisation", inf_spec, low=MIN_UTILISATION)
    u_max = _positive("max_utilisation", max_utilisation, upper=1.0)
    g = float(check_number("utilisation_growth_per_year", utilisation_growth_per_year, low=-1.0, high=10.0))
    if pue is not None and float(np.min(np.atleast_1d(np.asarray(pue, dtype=float)))) < 1:
        raise ScalingError(f"pue must be >= 1 (total facility power / IT power), got {pue!r}")
    if usd_per_kwh is not None:
        check_number("usd_per_kwh", usd_per_kwh, low=0.0, low_open=False)
    tco = TCOAssumptions() if tco is None else tco
    overrides = {"lifetime_years": lifetime_years, "usd_per_kwh": usd_per_kwh, "pue": pue}
    if overhead_factor is not None:
        overrides.update(server_overhead=_positive("overhead_factor", overhead_factor), interconnect_overhead=1.0)
    tco = TCOAssumptions.make(**{**{k: getattr(tco, k) for k in tco.central()},
                                 **{k: v for k, v in overrides.items() if v is not None}})
    if algorithmic_cap is not None:
        algorithmic_cap = float(check_number("algorithmic_cap", algorithmic_cap, low=1.0, low_open=False))
    slowdown = algorithmic_slowdown_per_year
    if not (isinstance(slowdown, str) and slowdown.lower() == "prior"):
        slowdown = float(check_number("algorithmic_slowdown_per_year", slowdown, low=0.0, low_open=False, high=10.0))
    t_s = decimal_year(algorithmic_slowdown_date)[0]
    check_target(loss_fit, target)  # before any sampling

    dates = default_dates() if dates is None else _check_dates(dates)
    years = decimal_year(dates)
    n_t = len(years)
    check_forecast_memory(n_draws, n_t)
    rng = np.random.default_rng(seed)

    # -- draws of every source (each its own stream of the one seeded generator)
    law = _law_compute(loss_fit, target, n_draws, rng)
    line, noise = price_log10_draws(price_trend, dates, n_draws, rng, scatter=price_scatter,
                                    doubling_years=price_doubling_years)
    if basis == "purchase":
        line_w, noise_w = price_log10_draws(energy_trend, dates, n_draws, rng, scatter=price_scatter)
        tco_draws = tco.draw(n_draws, rng)
    else:
        line_w = noise_w = tco_draws = None
    u_train = utilisation_draws("utilisation", u_range, n_draws, rng)
    u_inf = utilisation_draws("inference_utilisation", inf_range, n_draws, rng)
    halving = halving_draws(algorithmic_halving_months, n_draws, rng)

    t_u = decimal_year(utilisation_reference_date)[0]
    growth = (1.0 + g) ** (years - t_u)

    log2_gain = np.zeros((n_draws, n_t))
    binding, gains = np.zeros(n_t), None
    if halving is not None:
        if isinstance(algorithmic_banked, str):
            if algorithmic_banked != "auto":
                raise ScalingError(f"algorithmic_banked must be 'auto' or a number >= 1, got {algorithmic_banked!r}")
            banked = np.maximum(6.0 * GPT3_N_PARAMS * GPT3_N_TOKENS / law["gpt3_compute"], 1.0)
        else:
            banked = np.full(n_draws, float(check_number("algorithmic_banked", algorithmic_banked, low=1.0,
                                                         low_open=False)))
        t_a = decimal_year(algorithmic_reference_date)[0]
        log2_gain = algorithmic_log2_gain(years, t_a, halving, slowdown_per_year=slowdown_draws(slowdown, n_draws, rng),
                                          slowdown_year=t_s, banked=banked)
        binding = cap_binding_share(log2_gain, algorithmic_cap)
        gains = gain_summary(log2_gain, dates)
        if algorithmic_cap is not None:
            log2_gain = np.minimum(log2_gain, np.log2(algorithmic_cap))
    compute = law["compute"][:, None] * 2.0 ** (-log2_gain)
    if halving is not None:
        n_params, n_tokens = _allocate(law["parts"], law["component"], compute)
    else:
        n_params = np.broadcast_to(law["n_params"][:, None], (n_draws, n_t))
        n_tokens = np.broadcast_to(law["n_tokens"][:, None], (n_draws, n_t))

    if dollars == "real" or price_trend.settings.get("dollars") == "real":
        factor, dollar_note = _dollar_factor(price_trend, dates, dollars, base_year)
    else:
        factor, dollar_note = np.ones(n_t), "nominal dollars (as priced at each date)"

    log_factor = np.log10(factor)

    def log_usd_per_flop(line_, noise_, line_w_, noise_w_, tco_):
        """log10 $ per peak FLOP from (possibly frozen) price inputs."""
        if basis == "cloud":
            return log_factor - (line_ + noise_)
        return np.log10(usd_per_peak_flop_tco(line_ + noise_, line_w_ + noise_w_, tco_)) + log_factor

    log_price = log_usd_per_flop(line, noise, line_w, noise_w, tco_draws)
    c_flop = 10.0 ** log_price
    util = np.minimum(u_max, u_train[:, None] * growth[None, :])
    util_inf = np.minimum(u_max, u_inf[:, None] * growth[None, :])
    samples = {
        _TRAIN: compute / util * c_flop,
        _INFER: (2.0 * n_params * 1000.0) / util_inf * c_flop,
        "usd_per_peak_flop": c_flop,
        "compute_flops": compute,
        "n_params": n_params,
        "n_tokens": n_tokens,
    }
    table = _tidy(samples, dates, levels)

    decomposition = pd.DataFrame(columns=["date", "quantity", "source", "share", "source_width_log10",
                                          "width_removed_log10", "width_log10", "variance_removed_log10",
                                          "sd_log10"])
    if decompose:
        decomposition = _decompose(
            dates=dates, law=law, log2_gain=log2_gain, n_params=n_params, compute=compute,
            line=line, noise=noise, line_w=line_w, noise_w=noise_w, tco_draws=tco_draws,
            util=util, util_inf=util_inf, log_price=log_price, log_usd_per_flop=log_usd_per_flop, basis=basis)

    mix = loss_fit if isinstance(loss_fit, LawMixture) else None
    law_text = mix.describe() if mix else _fit_name(loss_fit)
    dt = price_trend.doubling(0.9)
    slope_text = (f"doubling {price_doubling_years:g} yr (override)" if price_doubling_years is not None
                  else f"doubling {dt['median']:.2f} yr [{dt['lower']:.2f}, {dt['upper']:.2f}]")
    series = price_series or f"{price_trend.metric}/{price_trend.precision}"
    header = (f"law: {law_text}; price series: {series} ({slope_text}"
              f"{', with buyer scatter' if price_scatter else ', line only'}); basis: {basis}"
              f"{' (TCO: ' + tco.describe() + ')' if basis == 'purchase' else ''}; dollars: {dollar_note}; "
              f"utilisation: training {_fmt_range(*u_range)}, inference {_fmt_range(*inf_range)}"
              + (f" growing {g:.0%}/yr" if g else "")
              + f"; algorithmic progress: {algorithmic_text(algorithmic_halving_months, slowdown, algorithmic_cap)}")
    kind, spec = law["kind"], law["spec"]
    target_out = target if isinstance(target, (str, float, int)) else list(target)
    assumptions = {
        "label": label or series,
        "header": header,
        "target": target_out,
        "target_description": _target_text(kind, spec),
        "target_loss_median": float(np.median(law["target_loss"])),
        "basis": basis,
        "dollars": dollars,
        "dollar_note": dollar_note,
        "base_year": int(base_year) if dollars == "real" else None,
        "law": law_text,
        "loss_fit": _fit_meta(loss_fit),
        "price_series": series,
        "price_trend": _trend_meta(price_trend),
        "energy_trend": None if energy_trend is None else _trend_meta(energy_trend),
        "price_scatter": bool(price_scatter),
        "price_doubling_years": price_doubling_years,
        "utilisation": list(u_range) if u_range[0] != u_range[1] else u_range[0],
        "utilisation_growth_per_year": g,
        "max_utilisation": u_max,
        "utilisation_reference_date": str(utilisation_reference_date),
        "inference_utilisation": list(inf_range) if inf_range[0] != inf_range[1] else inf_range[0],
        "tco": tco.to_dict() if basis == "purchase" else None,
        "algorithmic_halving_months": algorithmic_halving_months,
        "algorithmic_reference_date": str(algorithmic_reference_date),
        "algorithmic_slowdown_per_year": slowdown,
        "algorithmic_slowdown_date": str(algorithmic_slowdown_date),
        "algorithmic_cap": algorithmic_cap,
        "algorithmic_cap_binding": ({d.date().isoformat(): float(b) for d, b in zip(dates, binding)}
                                    if halving is not None and algorithmic_cap is not None else None),
        "algorithmic_gain": gains,
        "algorithmic_banked": algorithmic_banked if halving is not None else None,
        "levels": [float(x) for x in levels],
        "n_draws": n_draws,
        "seed": int(seed),
        "flops_per_token_inference": "2N",
        "training_flops": "6ND",
    }
    if basis == "purchase":
        assumptions["tco_shares_median"] = cost_shares(line + noise, line_w + noise_w, tco_draws)
    return Forecast(table=table, assumptions=assumptions, dates=dates, samples=samples,
                    decomposition=decomposition, label=label or series)


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


#: Sources of the decomposition of the spread, in order.
SOURCES = ("law_choice", "law_parameters", "price_trend", "price_scatter", "utilisation", "tco", "algorithmic")


def _quantiles(x: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """``np.quantile(x, qs, axis=0)`` (linear interpolation), from one sort along axis 0.

    Sorting the columns once is several times faster than numpy's partition-based quantile
    along axis 0 of a C-ordered (draws x dates) array; the numbers agree to rounding.
    """
    s = np.sort(x, axis=0)
    n = s.shape[0]
    pos = np.asarray(qs, dtype=float) * (n - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    frac = (pos - lo).reshape((-1,) + (1,) * (s.ndim - 1))
    a, b = s[lo], s[hi]
    with np.errstate(invalid="ignore"):  # two infinite neighbours: the quantile is that infinity
        return np.where(a == b, a, a + frac * (b - a))


def _median_by_date(x) -> np.ndarray:
    """Median over draws (axis 0), shaped to broadcast against ``x``; one number for 1-D ``x``.

    Columns that are all equal (a quantity constant over dates) take one median.
    """
    x = np.asarray(x)
    if x.ndim == 1:
        return np.median(x, keepdims=True)
    if x.shape[1] == 1 or np.array_equal(x, np.broadcast_to(x[:, :1], x.shape)):
        return np.median(x[:, 0]).reshape(1, 1)
    return _quantiles(x, [0.5])


#: Level of the central interval whose width the decomposition shares out (:func:`_decompose`).
SPREAD_LEVEL = 0.9


def _spread(x: np.ndarray) -> np.ndarray:
    """Width of the central :data:`SPREAD_LEVEL` interval over draws (axis 0), per date."""
    lo, hi = _quantiles(x, [(1 - SPREAD_LEVEL) / 2, (1 + SPREAD_LEVEL) / 2])
    return hi - lo


def _decompose(*, dates, law, log2_gain, n_params, compute, line, noise, line_w, noise_w, tco_draws, util, util_inf,
               log_price, log_usd_per_flop, basis) -> pd.DataFrame:
    r"""Share of the spread of log10 cost, per date, that each source accounts for.

    Freezing one source (setting it to its median across draws, per date; for the law,
    removing the spread between laws or within each law) changes each draw's log10 cost by
    :math:`\delta_s`, the source's own term. Its spread is the width of its central interval,
    and the share of source :math:`s` is that width over the sum of the sources' widths:

    .. math:: W_s = q_{0.95}(\delta_s) - q_{0.05}(\delta_s), \qquad
              \text{share}_s = \frac{W_s}{\sum_r W_r}

    (:data:`SPREAD_LEVEL`; column ``source_width_log10``). Quantile widths, not variances:
    the buyer's price scatter is Student-t with few degrees of freedom, whose sample variance
    a handful of extreme draws move from seed to seed (its variance share was 67%, 73% and
    75% at 2023 for seeds 0, 1, 2); at 4,000 draws these shares move by about 0.01 between
    seeds. The width of each source's own term, not the width the fan loses when the source
    is frozen (``width_removed_log10``, :math:`W - W_{-s}`, kept beside it with the fan's
    width ``width_log10``): that difference of two noisy quantiles moved by 0.05-0.07
    between seeds, and the squared widths (additive for normal terms) by 0.02-0.03.
    ``variance_removed_log10`` (:math:`V - V_{-s}`, clipped at 0) and ``sd_log10`` are kept
    for reference.

    Each frozen variant is the full log cost plus the change of one term (``log_price`` is
    log10 $ per peak FLOP of every draw and date, ``log_usd_per_flop`` recomputes it from
    frozen price inputs), so a variant costs one addition, one variance and one sort.
    """
    comp = law["component"]
    n_comp = int(comp.max()) + 1
    log_c = np.log10(law["compute"])
    log_n = np.log10(law["n_params"])
    has_algo = bool(np.any(log2_gain != 0))

    def law_change(x, which):
        """Change of the per-draw law term when the spread between (or within) laws is removed."""
        means = np.array([x[comp == i].mean() if np.any(comp == i) else 0.0 for i in range(n_comp)])
        if which == "law_choice":
            return (x.mean() - means[comp])[:, None]
        return (means[comp] - x)[:, None]

    # log price changes when a price source is frozen (the same for training and inference)
    if basis == "cloud":  # log price = -(line + noise) + log10(dollar factor)
        price_change = {"price_trend": line - _median_by_date(line), "price_scatter": noise - _median_by_date(noise)}
    else:
        price_change = {
            "price_trend": log_usd_per_flop(_median_by_date(line), noise, _median_by_date(line_w), noise_w,
                                            tco_draws) - log_price,
            "price_scatter": log_usd_per_flop(line, _median_by_date(noise), line_w, _median_by_date(noise_w),
                                              tco_draws) - log_price,
            "tco": log_usd_per_flop(line, noise, line_w, noise_w,
                                    {k: _median_by_date(v) for k, v in tco_draws.items()}) - log_price,
        }
    rows = []
    for quantity, log_law, algo_n_or_c, u in ((_TRAIN, log_c, compute, util), (_INFER, log_n, n_params, util_inf)):
        log_u = np.log10(u)
        algo = np.log10(algo_n_or_c) - log_law[:, None] if has_algo else None  # <= 0: algorithmic shrinkage
        # The constant (3 + log10 2 for inference) does not change a variance.
        total = log_law[:, None] - log_u + log_price + (algo if has_algo else 0.0)
        v_all = np.var(total, axis=0)
        w_all = _spread(total)

        def removed_by(change):
            """(own width W_s, width removed W - W_-s, variance removed) of one source's term."""
            frozen = total + change
            return (_spread(np.broadcast_to(change, total.shape)), w_all - _spread(frozen),
                    v_all - np.var(frozen, axis=0))

        removed = {}
        if n_comp > 1:
            removed["law_choice"] = removed_by(law_change(log_law, "law_choice"))
        removed["law_parameters"] = removed_by(law_change(log_law, "law_parameters"))
        removed["price_trend"] = removed_by(price_change["price_trend"])
        removed["price_scatter"] = removed_by(price_change["price_scatter"])
        removed["utilisation"] = removed_by(log_u - np.log10(_median_by_date(u)))
        if "tco" in price_change:
            removed["tco"] = removed_by(price_change["tco"])
        if has_algo:
            removed["algorithmic"] = removed_by(_median_by_date(algo) - algo)
        norm = np.sum([w for w, _, _ in removed.values()], axis=0)
        for source, (w, w_removed, v_removed) in removed.items():
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(norm > 0, w / norm, 0.0)
            rows.append(pd.DataFrame({"date": dates, "quantity": quantity, "source": source, "share": share,
                                      "source_width_log10": w, "width_removed_log10": np.maximum(w_removed, 0.0),
                                      "width_log10": w_all, "variance_removed_log10": np.maximum(v_removed, 0.0),
                                      "sd_log10": np.sqrt(v_all)}))
    return pd.concat(rows, ignore_index=True)


def _trend_meta(trend) -> dict:
    d = trend.doubling(0.9)
    return {"metric": trend.metric, "precision": trend.precision, "method": trend.method,
            "doubling_time_years": {k: v for k, v in d.items() if isinstance(v, (int, float))}}


def _tidy(samples: Mapping[str, np.ndarray], dates: pd.DatetimeIndex, levels: Sequence[float]) -> pd.DataFrame:
    """The tidy table: per quantity, per level, one row per date (median, lower, upper, level)."""
    qs = [0.5] + [q for lv in levels for q in ((1 - float(lv)) / 2, (1 + float(lv)) / 2)]
    n_t = len(dates)
    cols: dict[str, list] = {"quantity": [], "median": [], "lower": [], "upper": [], "level": []}
    for quantity, x in samples.items():
        x = np.asarray(x)
        if np.all(x[:1] == x[:, :1]) and np.all(x == x[:, :1]):  # constant over dates: one column suffices
            qv = np.repeat(_quantiles(x[:, :1], qs), x.shape[1], axis=1)
        else:
            qv = _quantiles(x, qs)
        for i, lv in enumerate(levels):
            cols["quantity"].append(np.full(n_t, quantity, dtype=object))
            cols["median"].append(qv[0])
            cols["lower"].append(qv[1 + 2 * i])
            cols["upper"].append(qv[2 + 2 * i])
            cols["level"].append(np.full(n_t, float(lv)))
    n_blocks = len(cols["median"])
    return pd.DataFrame({"date": np.tile(np.asarray(dates), n_blocks),
                         **{k: np.concatenate(v) for k, v in cols.items()}})
