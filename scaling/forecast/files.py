"""Forecast files: the one writer of ``scaling forecast -o`` and the one reader of every forecast file.

Three formats, all read by :func:`load_forecasts` (and so by ``scaling plot fan``):

* **the tidy table** of :meth:`Forecast.save <scaling.forecast.Forecast.save>` (``scaling run``'s
  ``forecasts/*.csv``): columns ``date, quantity, median, lower, upper, level``, with its
  assumptions in a JSON file beside it;
* **the wide table** (``scaling forecast -o out.csv``): one row per year, columns
  ``<label>:<quantity>_<median|lower|upper>`` (units in the quantity name, e.g.
  ``training_cost_usd``, ``training_cost_usd2024real``), after a header of ``#`` lines that
  states what the file holds (interval level, law, price series, basis, seed, scaling's
  version) and ends with one ``# metadata: {...}`` JSON line. pandas reads it with
  ``pd.read_csv(path, comment="#", index_col="date")``;
* **the JSON file** (``scaling forecast -o out.json``): the versioned schema
  :data:`SET_SCHEMA` (the metadata block of :func:`scaling.results.metadata`), with each
  scenario's label, header, assumptions and full tidy table (every quarter, levels 50% and 90%).

Labels follow :data:`scaling.forecast.scenarios.LABEL_RULE` (no ``:`` nor ``#``) and are
unique in a file, so no two scenarios share a column.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .._io import atomic_write_text, dumps_json, read_json, read_versioned_json, utc_now
from ..errors import ScalingError
from ..results import check_metadata, metadata
from .result import SCHEMA as TIDY_SCHEMA
from .result import Forecast, load_forecast as _load_tidy

__all__ = ["save_forecasts", "load_forecasts", "load_forecast", "WIDE_SCHEMA", "SET_SCHEMA", "SCHEMA_VERSION",
           "FORMATS"]

#: Schema of the wide table's ``# metadata:`` line and of the JSON file, both version 1.
WIDE_SCHEMA = "scaling.forecast.wide"
SET_SCHEMA = "scaling.forecast.set"
SCHEMA_VERSION = 1
#: What :func:`save_forecasts` writes, by suffix.
FORMATS = {".csv": "the wide table (years x scenarios x median/lower/upper) after a '#' header",
           ".json": "every scenario's tidy table and assumptions (versioned JSON)"}
_META = "# metadata: "
_TIDY_COLUMNS = ("date", "quantity", "median", "lower", "upper", "level")
_STATS = ("median", "lower", "upper")
_REAL_UNIT = re.compile(r"usd\d{4}real")


def _checked(forecasts: Mapping[str, Forecast]) -> list[tuple[str, Forecast]]:
    from .scenarios import _labels

    if not forecasts:
        raise ScalingError("no forecasts to write")
    labels = _labels({name: {"label": fc.label or "forecast"} for name, fc in forecasts.items()})
    return [(labels[name], fc) for name, fc in forecasts.items()]


def _meta(schema: str, items: list[tuple[str, Forecast]], level: float, notes: Sequence[str]) -> dict:
    seeds = {int(fc.seed) for _, fc in items}
    n_draws = {fc.assumptions.get("n_draws") for _, fc in items}
    hashes = [fc.data_sha256 for _, fc in items]
    digest = hashlib.sha256("".join(hashes).encode()).hexdigest() if all(hashes) else ""
    meta = metadata(schema, SCHEMA_VERSION, created=utc_now(), data_sha256=digest,
                    settings={"level": float(level), "n_draws": n_draws.pop() if len(n_draws) == 1 else None},
                    seed=seeds.pop() if len(seeds) == 1 else 0)
    meta["level"] = float(level)
    meta["notes"] = list(notes)
    return meta


def save_forecasts(forecasts: Mapping[str, Forecast], path: str | os.PathLike, *, level: float = 0.9,
                   notes: Sequence[str] = ()) -> Path:
    """Write forecasts (name -> :class:`Forecast`) to ``path``: ``.csv`` (wide) or ``.json`` (:data:`FORMATS`).

    Atomic. Every file records the interval level, each scenario's law, price series,
    basis, dollars and seed (its header and assumptions) and scaling's version. Returns ``path``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ScalingError(f"cannot write a forecast to {path.name!r}: allowed suffixes are "
                           + "; ".join(f"{k} ({v})" for k, v in FORMATS.items()))
    items = _checked(forecasts)
    if suffix == ".json":
        meta = _meta(SET_SCHEMA, items, level, notes)
        scenarios = []
        for label, fc in items:
            table = fc.to_frame()
            table["date"] = table["date"].dt.strftime("%Y-%m-%d")
            scenarios.append({"label": label, "header": fc.header, "data_sha256": fc.data_sha256, "seed": fc.seed,
                              "assumptions": fc.assumptions, "table": {c: table[c].tolist() for c in _TIDY_COLUMNS}})
        return atomic_write_text(path, dumps_json({**meta, "scenarios": scenarios}))
    from .scenarios import wide_table

    table = wide_table(dict(items), level=level)
    if table.empty:
        raise ScalingError(f"the forecast's dates ({items[0][1].dates[0].date()} .. {items[0][1].dates[-1].date()}) "
                           "hold no 1 January, and the wide table is yearly: widen the range or write .json")
    meta = _meta(WIDE_SCHEMA, items, level, notes)
    meta["scenarios"] = [{"label": label, "header": fc.header, "data_sha256": fc.data_sha256, "seed": fc.seed,
                          "assumptions": fc.assumptions} for label, fc in items]
    first = items[0][1].assumptions
    lines = [f"# scaling forecast: cost of reaching {first.get('target_description', 'the target')}; yearly medians "
             f"and {level:.0%} intervals (equal-tailed), one column group per scenario",
             '# read with pandas: pd.read_csv(path, comment="#", index_col="date"); columns '
             "<scenario>:<quantity>_<median|lower|upper>",
             f"# scaling {meta['scaling_version']}, created {meta['created']}; seed {meta['seed']}; "
             f"{meta['settings']['n_draws']} joint draws; interval level {level:g}"]
    lines += [f"# [{label}] {fc.header}" for label, fc in items]
    lines += [f"# {n}" for n in notes]
    lines.append(_META + json.dumps(json.loads(dumps_json(meta)), separators=(",", ":")))
    body = table.to_csv(lineterminator="\n", float_format="%.6g")
    return atomic_write_text(path, "\n".join(lines) + "\n" + body)


def _frame(table: pd.DataFrame, path) -> pd.DataFrame:
    """A tidy table checked like :func:`scaling.forecast.result.load_forecast` checks its own."""
    table = table.copy()
    table["date"] = pd.to_datetime(table["date"], errors="coerce")
    values = table[["median", "lower", "upper", "level"]].apply(pd.to_numeric, errors="coerce")
    if table["date"].isna().any() or not np.isfinite(values.to_numpy(dtype=float)).all():
        raise ScalingError(f"{path} has a missing or non-numeric cell: the file is damaged; rerun the forecast")
    table[["median", "lower", "upper", "level"]] = values
    return table


def _forecast(table: pd.DataFrame, scenario: dict, label: str, path) -> Forecast:
    """One scenario of a wide or JSON file: its table, assumptions, data hash and seed."""
    table = _frame(table, path)
    dates = pd.DatetimeIndex(sorted(table["date"].unique()))
    if (table.groupby(["quantity", "level"]).size() != len(dates)).any():
        raise ScalingError(f"{path}: scenario {label!r} does not have every quantity and level at every date: "
                           "the file is truncated or was edited; rerun the forecast")
    sha, seed = scenario.get("data_sha256") or "", scenario.get("seed", 0)
    if not isinstance(sha, str) or isinstance(seed, bool) or not isinstance(seed, int):
        raise ScalingError(f"{path}: scenario {label!r} has a malformed data_sha256 or seed; rerun the forecast")
    return Forecast(table=table, assumptions=dict(scenario.get("assumptions") or {}), dates=dates, label=label,
                    data_sha256=sha, seed=seed)


def _read_meta(line: str, path) -> dict:
    try:
        meta = json.loads(line[len(_META):])
    except (ValueError, RecursionError) as exc:  # malformed, a huge integer, nesting too deep
        raise ScalingError(f"{path}: its '# metadata:' line is not JSON ({exc}); rerun the forecast") from None
    if not isinstance(meta, dict) or meta.get("schema") != WIDE_SCHEMA:
        raise ScalingError(f"{path}: its '# metadata:' line names schema {meta.get('schema') if isinstance(meta, dict) else None!r}, "
                           f"expected {WIDE_SCHEMA!r}")
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise ScalingError(f"{path} has schema version {meta.get('schema_version')!r}; this version of scaling "
                           f"reads version {SCHEMA_VERSION} of {WIDE_SCHEMA!r}: rerun the forecast")
    return check_metadata(meta, path)


def _load_wide(path: Path, text: str) -> dict[str, Forecast]:
    meta_lines = [ln for ln in text.splitlines() if ln.startswith(_META)]
    if not meta_lines:
        raise ScalingError(f"{path} is a wide forecast table without its '# metadata:' line (saved again by "
                           "another program?): its interval level is unknown; rerun 'scaling forecast -o'")
    meta = _read_meta(meta_lines[0], path)
    try:
        wide = pd.read_csv(io.StringIO(text), comment="#", dtype={"date": str})
    except (ValueError, pd.errors.ParserError) as exc:
        raise ScalingError(f"{path} is not a readable forecast table ({type(exc).__name__})") from None
    if "date" not in wide.columns or wide.empty:
        raise ScalingError(f"{path} has no 'date' column or no rows: not a forecast table")
    level = float(meta["level"])
    parts: dict[str, list] = {}
    for col in wide.columns.drop("date"):
        label, _, rest = str(col).rpartition(":")
        quantity, _, stat = rest.rpartition("_")
        if not label or stat not in _STATS:
            raise ScalingError(f"{path}: column {col!r} is not <scenario>:<quantity>_<median|lower|upper>")
        parts.setdefault(label, []).append((_REAL_UNIT.sub("usd", quantity), stat, col))
    described = {s["label"]: s for s in meta.get("scenarios", [])}
    if set(parts) != set(described):
        raise ScalingError(f"{path}: its columns name scenarios {sorted(parts)}, its metadata {sorted(described)}: "
                           "the file was edited; rerun the forecast")
    out = {}
    for label, cols in parts.items():
        rows = []
        for quantity in dict.fromkeys(q for q, _, _ in cols):
            got = {stat: col for q, stat, col in cols if q == quantity}
            if set(got) != set(_STATS):
                raise ScalingError(f"{path}: scenario {label!r} lacks {quantity} column(s) for "
                                   f"{', '.join(s for s in _STATS if s not in got)}")
            rows.append(pd.DataFrame({"date": wide["date"], "quantity": quantity,
                                      **{s: wide[got[s]] for s in _STATS}, "level": level}))
        out[label] = _forecast(pd.concat(rows, ignore_index=True), described[label], label, path)
    return out


def _load_json(path: Path) -> dict[str, Forecast]:
    head = read_json(path)  # the one JSON reader: any unreadable content is a ScalingError
    schema = head.get("schema") if isinstance(head, dict) else None
    if schema == TIDY_SCHEMA:  # the assumptions beside a tidy table (Forecast.save)
        fc = _load_tidy(path.with_suffix(".csv"))
        return {fc.label or "forecast": fc}
    if schema != SET_SCHEMA:
        raise ScalingError(f"{path} holds schema {schema!r}; a forecast file holds {SET_SCHEMA!r} "
                           f"(scaling forecast -o out.json) or {TIDY_SCHEMA!r} (beside a forecast table)")
    try:
        meta = check_metadata(read_versioned_json(path, SET_SCHEMA, SCHEMA_VERSION), path)
    except ScalingError:
        raise
    except ValueError as exc:
        raise ScalingError(str(exc)) from None
    out = {}
    for s in meta.get("scenarios") or []:
        table = s.get("table") if isinstance(s, dict) else None
        if not isinstance(table, dict) or not set(_TIDY_COLUMNS) <= set(table):
            raise ScalingError(f"{path}: a scenario lacks its table (columns {', '.join(_TIDY_COLUMNS)})")
        try:
            frame = pd.DataFrame({c: table[c] for c in _TIDY_COLUMNS})
        except ValueError as exc:
            raise ScalingError(f"{path}: a scenario's table is damaged ({exc})") from None
        label = str(s.get("label") or "forecast")
        out[label] = _forecast(frame, s, label, path)
    if not out:
        raise ScalingError(f"{path} holds no scenarios")
    return out


def load_forecasts(path: str | os.PathLike) -> dict[str, Forecast]:
    """Every forecast in a file, label -> :class:`Forecast` (tables and assumptions; no samples).

    Reads each format of this module's docstring: the tidy table of ``scaling run`` (with
    its JSON beside it), the wide table and the JSON file of ``scaling forecast -o``.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ScalingError
        A file that is none of these, or damaged (a missing cell, a scenario without every
        date, a wrong schema version).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"forecast file {path} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _load_json(path)
    if suffix != ".csv":
        raise ScalingError(f"cannot read a forecast from {path.name!r}: give a .csv or .json file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScalingError(f"{path} is not a UTF-8 text file: not a forecast table") from None
    header = next((ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")), "")
    columns = [c.strip().strip('"') for c in header.split(",")]
    if set(_TIDY_COLUMNS) <= set(columns):
        fc = _load_tidy(path)
        return {fc.label or "forecast": fc}
    return _load_wide(path, text)


def load_forecast(path: str | os.PathLike) -> Forecast:
    """The one forecast in a file (any format of :func:`load_forecasts`); refuses a file of several."""
    forecasts = load_forecasts(path)
    if len(forecasts) != 1:
        raise ScalingError(f"{path} holds {len(forecasts)} scenarios ({', '.join(forecasts)}); "
                           "read them with scaling.forecast.load_forecasts")
    return next(iter(forecasts.values()))
