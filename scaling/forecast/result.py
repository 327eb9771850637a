"""The :class:`Forecast` result: a cost trajectory with intervals, on the one result contract.

A forecast is saved as two files (:meth:`Forecast.save`): the tidy table (``.csv``, the
result's file: ``forecasts/*.csv``) and, beside it, its metadata and assumptions (``.json``:
schema ``scaling.forecast``, version :data:`SCHEMA_VERSION`, with the contract's metadata --
``data_sha256``, a hash of the law's and price trends' data and of the
:class:`~scaling.forecast.spec.ForecastSpec`, ``seed`` and ``settings`` (the spec) -- and a
content hash). Version 1 files (no data hash, no settings) are read through
:meth:`Forecast._upgrade`.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Mapping, Sequence

import numpy as np
import pandas as pd

from .._checks import check_level
from .._dates import decimal_year
from .._io import atomic_write_text, check_content_sha256, dumps_json, read_versioned_json, round_floats, \
    with_content_sha256
from ..errors import ScalingError, ScalingWarning
from ..result_base import MALFORMED, ResultBase
from ..results import DEFAULT_LEVEL, INDEX_NAME, SUMMARY_COLUMNS, check_metadata
from .decompose import INFER, SOURCES, TRAIN, _tidy

__all__ = ["Forecast", "load_forecast", "SCHEMA", "SCHEMA_VERSION", "SIGNIFICANT_DIGITS"]

SCHEMA = "scaling.forecast"
#: Version 2: the contract's metadata (data hash, settings, seed) and a content hash.
SCHEMA_VERSION = 2
#: Significant digits of every saved number (the table and the JSON beside it).
SIGNIFICANT_DIGITS = 6
_STATS = ["median", "lower", "upper", "level"]


class SavedForecast(type(Path())):
    """The path of a saved forecast table (``.csv``); unpacking it as ``(csv, json)`` is deprecated.

    :meth:`Forecast.save` returned the two paths; it now returns the table's path, as every
    result's ``save`` does (the JSON beside it is ``path.with_suffix(".json")``).
    """

    def _pair(self) -> tuple[Path, Path]:
        warnings.warn("Forecast.save returns the table's path; the JSON beside it is path.with_suffix('.json') "
                      "(unpacking two paths is deprecated)", DeprecationWarning, stacklevel=3)
        return Path(self), Path(self).with_suffix(".json")

    def __iter__(self):
        return iter(self._pair())

    def __getitem__(self, i):
        return self._pair()[i]


@dataclass(frozen=True)
class Forecast(ResultBase):
    """A cost trajectory with intervals: a tidy table plus the assumptions behind it.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``date, quantity, median, lower, upper, level``: one row per date,
        quantity and interval level.
    assumptions : dict
        Every input that shaped the numbers (fits, trends, utilisation, basis, seed, ...).
    dates : pandas.DatetimeIndex
    samples : dict of numpy arrays
        Joint draws per quantity, shape ``(n_draws, n_dates)`` (not saved; for
        :meth:`change` and custom summaries).
    decomposition : pandas.DataFrame
        Columns ``date, quantity, source, share, source_width_log10, width_removed_log10,
        width_log10, variance_removed_log10, sd_log10``: per date, each source's share of the
        spread of log10 cost (:func:`scaling.forecast.decompose._decompose`),
        :meth:`width_by_source` for a yearly view.
    label : str
        The scenario's name (legend entry of a fan chart, column prefix of wide tables).
    data_sha256, seed, settings, created
        The contract's metadata: a hash of the inputs (the law's and trends' data hashes and
        the spec), the seed of every draw, the :class:`~scaling.forecast.spec.ForecastSpec`
        as a dict, and when it was saved.
    """

    table: pd.DataFrame
    assumptions: dict
    dates: pd.DatetimeIndex
    samples: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)
    decomposition: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    label: str = ""
    data_sha256: str = ""
    seed: int = 0
    settings: dict = field(default_factory=dict, repr=False)
    created: str = ""

    SCHEMA: ClassVar[str] = SCHEMA
    SCHEMA_VERSION: ClassVar[int] = SCHEMA_VERSION
    READABLE_VERSIONS: ClassVar[tuple[int, ...]] = (1, 2)
    KIND: ClassVar[str] = "cost forecast"
    SUFFIX: ClassVar[str] = ".csv"
    REMEDY: ClassVar[str] = "rerun the forecast (`scaling forecast`, or `scaling run --force`)"

    # ------------------------------------------------------------------------- views
    @property
    def header(self) -> str:
        """One line naming the law, price series, basis, dollars and utilisation."""
        return self.assumptions.get("header", "")

    @property
    def params(self) -> dict[str, float]:
        """Point values of :meth:`summary` (medians at the default level), by quantity and date."""
        return self.summary()["value"].to_dict()

    @property
    def draws(self) -> None:
        """A forecast saves no draws (its table holds the quantiles); :attr:`samples` while in memory."""
        return None

    @property
    def quantities(self) -> list[str]:
        return list(dict.fromkeys(self.table["quantity"]))

    def to_frame(self) -> pd.DataFrame:
        """The tidy table (a copy)."""
        return self.table.copy()

    def _rows(self, level: float) -> pd.DataFrame:
        """The tidy rows at ``level``: the table's, else computed from the samples; else ScalingError."""
        sub = self.table[np.isclose(self.table["level"], level)]
        if not sub.empty:
            return sub
        if self.samples:
            return _tidy(self.samples, self.dates, [level])
        levels = ", ".join(f"{x:g}" for x in sorted(self.table["level"].unique()))
        raise ScalingError(f"this forecast's table holds levels {levels}, not {level:g}, and a loaded forecast "
                           "keeps no samples to compute another level: ask for one of those")

    def summary(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Median and ``level`` interval of every quantity at every date (the contract's summary).

        Index ``parameter`` (``<quantity>@<YYYY-MM-DD>``), columns ``value`` (the median),
        ``lower``, ``upper``: the table's equal-tailed quantiles (a forecast's draws are not
        saved, so the table is its summary; another level is computed from the samples of
        a forecast still in memory). :meth:`by_date` gives one row per date instead.
        """
        level = check_level(level)
        sub = self._rows(level)
        names = [f"{q}@{pd.Timestamp(d).date().isoformat()}" for q, d in zip(sub["quantity"], sub["date"])]
        out = pd.DataFrame({"value": sub["median"].to_numpy(float), "lower": sub["lower"].to_numpy(float),
                            "upper": sub["upper"].to_numpy(float)},
                           index=pd.Index(names, name=INDEX_NAME))[list(SUMMARY_COLUMNS)]
        out.attrs["level"] = level
        return out

    def by_date(self, level: float | None = None) -> pd.DataFrame:
        """Wide view: one row per date, median/lower/upper per quantity at ``level`` (default: the widest)."""
        level = self.table["level"].max() if level is None else check_level(level)
        sub = self._rows(level)
        wide = sub.pivot(index="date", columns="quantity", values=["median", "lower", "upper"])
        wide.columns = [f"{q}_{stat}" for stat, q in wide.columns]
        return wide[[f"{q}_{s}" for q in self.quantities for s in ("median", "lower", "upper")]]

    def wide(self, level: float = 0.9, quantities: Sequence[str] = (TRAIN, INFER), yearly: bool = False
             ) -> pd.DataFrame:
        """One row per date, columns ``<label>:<quantity>_<stat>`` (units in the quantity name)."""
        out = self.by_date(level=level)
        out = out[[c for c in out.columns if any(c.startswith(q + "_") for q in quantities)]]
        if yearly:
            out = out[out.index.month == 1]
        unit = "usd" if self.assumptions.get("dollars") != "real" else f"usd{self.assumptions.get('base_year')}real"
        out.columns = [f"{self.label or 'forecast'}:{c.replace('usd', unit, 1)}" for c in out.columns]
        return out

    def width_by_source(self, quantity: str = TRAIN, yearly: bool = True) -> pd.DataFrame:
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

    def at(self, date, quantity: str = TRAIN, level: float | None = None) -> pd.Series:
        """Median and interval of ``quantity`` at the forecast date nearest ``date``."""
        t = pd.Timestamp(date)
        sub = self.table[self.table["quantity"] == quantity]
        if sub.empty:
            raise ScalingError(f"unknown quantity {quantity!r}; known: {', '.join(self.quantities)}")
        level = sub["level"].max() if level is None else level
        sub = sub[np.isclose(sub["level"], level)]
        i = int(np.argmin(np.abs((sub["date"] - t).dt.total_seconds().to_numpy())))
        return sub.iloc[i]

    def change(self, start, end, quantity: str = TRAIN, level: float = 0.9) -> dict:
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

    def plot(self, ax=None, quantity: str = TRAIN, **kwargs):
        """Fan chart of ``quantity`` (see :func:`scaling.plot.fan_chart`)."""
        from ..plot import fan_chart

        return fan_chart(self, quantity=quantity, ax=ax, **kwargs)

    # ------------------------------------------------------------------------- the contract's hooks
    def _report_title(self) -> str:
        return f"Forecast: cost of reaching {self.assumptions.get('target_description', 'the target')}"

    def _report_lines(self, level: float) -> list[str]:
        """The header, then each quantity at the first and last dates."""
        lines = [f"  {self.header}"]
        rows = self._rows(level)
        for q in self.quantities:
            sub = rows[rows["quantity"] == q]
            for d in (self.dates[0], self.dates[-1]):
                r = sub[sub["date"] == d].iloc[0]
                lines.append(f"  {q} {d.date()}: {r['median']:.4g} [{r['lower']:.4g}, {r['upper']:.4g}] "
                             f"({r['level']:.0%})")
        return lines

    def _warnings(self, level: float) -> list[ScalingWarning]:
        """The warnings recorded in the assumptions (a capability forecast's extrapolation, ...)."""
        return [ScalingWarning(w["code"], w["message"]) for w in self.assumptions.get("warnings") or []]

    def _fields(self) -> dict:
        return {"table": "", "n_rows": int(len(self.table)), "label": self.label,
                "significant_digits": SIGNIFICANT_DIGITS, "assumptions": self.assumptions}

    def _saved_draws(self):
        return None

    def _write(self, path: Path, max_draws: int | None) -> SavedForecast:
        """The table as CSV at ``path`` and the metadata and assumptions as JSON beside it (both atomic)."""
        payload = round_floats(self.to_dict(max_draws), SIGNIFICANT_DIGITS)
        payload.pop("draws", None)  # none: the table holds the quantiles
        payload["table"] = path.name
        table = self.table.copy()
        table["date"] = table["date"].dt.strftime("%Y-%m-%d")
        atomic_write_text(path, table.to_csv(index=False, lineterminator="\n",
                                             float_format=f"%.{SIGNIFICANT_DIGITS}g"))
        atomic_write_text(path.with_suffix(".json"), dumps_json(with_content_sha256(payload)))
        return SavedForecast(path)

    def save(self, path: str | os.PathLike, max_draws: int | None = None) -> SavedForecast:
        """Write the table as CSV (``path``, ``.csv``) and its metadata and assumptions as JSON beside it.

        Both writes are atomic; every number at :data:`SIGNIFICANT_DIGITS` digits. Returns the
        table's path (the JSON is ``path.with_suffix(".json")``).
        """
        return super().save(path, max_draws)

    @classmethod
    def _upgrade(cls, payload: dict) -> dict:
        """Version 1 (no data hash, settings nor seed in the metadata) in today's layout."""
        if payload.get("schema_version") == 1:
            assumptions = payload.get("assumptions") or {}
            seed = assumptions.get("seed", 0) if isinstance(assumptions, dict) else 0
            payload = {**payload, "data_sha256": "", "settings": {}, "seed": seed if isinstance(seed, int) else 0}
        return payload

    @classmethod
    def _read(cls, path: Path) -> Forecast:
        json_path = path.with_suffix(".json")
        raw: dict = {}
        meta: dict = {}
        if json_path.exists():
            raw = read_versioned_json(json_path, cls.SCHEMA, cls.READABLE_VERSIONS)
            try:
                meta = check_metadata(cls._upgrade(raw), json_path)
            except ScalingError:
                raise
            except MALFORMED as exc:
                raise ScalingError(f"{json_path}: a {cls.SCHEMA!r} file with a malformed field "
                                   f"({type(exc).__name__}: {exc})") from None
        table, dates = _read_table(path, meta.get("n_rows"), json_path.name)
        if raw:
            check_content_sha256(raw, json_path, cls.REMEDY)
        assumptions = meta.get("assumptions", {})
        if not isinstance(assumptions, dict):
            raise ScalingError(f"{json_path}: assumptions must be a mapping; {cls.REMEDY}")
        return cls(table=table, assumptions=assumptions, dates=dates, label=str(meta.get("label", "") or ""),
                   data_sha256=meta.get("data_sha256", ""), seed=meta.get("seed", 0),
                   settings=dict(meta.get("settings", {})), created=str(meta.get("created", "")))


def _read_table(path: Path, expected, meta_name: str) -> tuple[pd.DataFrame, pd.DatetimeIndex]:
    """A forecast's tidy table, complete: the rows its metadata counted, every quantity and level at
    every date, finite numbers (a truncated or edited file is refused, not drawn)."""
    from .._tables import read_table

    table = read_table(path)  # by content, not name (pandas decompressed by the suffix); one ScalingError
    need = {"date", "quantity", "median", "lower", "upper", "level"}
    if not need <= set(table.columns):
        raise ScalingError(f"{path} is not a forecast table: needs columns {sorted(need)}")
    if table.empty:
        raise ScalingError(f"{path} has no rows: the forecast table is truncated; rerun the forecast")
    if expected is not None and len(table) != expected:
        raise ScalingError(f"{path} has {len(table)} rows, its metadata {meta_name} says {expected}: "
                           "the table is truncated or was edited; rerun the forecast")
    table["date"] = pd.to_datetime(table["date"], errors="coerce")
    values = table[_STATS].apply(pd.to_numeric, errors="coerce")
    if table["date"].isna().any() or not np.isfinite(values.to_numpy(dtype=float)).all():
        raise ScalingError(f"{path} has a missing or non-numeric cell: the table is damaged; rerun the forecast")
    table[_STATS] = values
    dates = pd.DatetimeIndex(sorted(table["date"].unique()))
    groups = table.groupby(["quantity", "level"]).size()
    if (groups != len(dates)).any():
        raise ScalingError(f"{path} does not have every quantity and level at every date: the table is "
                           "truncated or was edited; rerun the forecast")
    return table, dates


def load_forecast(path: str | os.PathLike) -> Forecast:
    """Load a forecast saved by :meth:`Forecast.save` (table + assumptions; no samples)."""
    return Forecast.load(path)
