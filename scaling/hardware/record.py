r"""What the rolling-origin backtests found, kept beside the shipped fits.

``validation/backtests.py`` fits each trend the forecast uses before every yearly cut-off and
scores it on the later points (``docs/hardware-trends.md``). It writes a short record,
``fits/price_backtests_record.json`` (:data:`RECORD`): per trend, the coverage of its 90%
predictive intervals at each cut-off and the probability of a coverage that far from the
model's own expectation if the model were calibrated (replicate test sets drawn from the
fitted model, :func:`scaling.hardware.backtest.coverage_under_model`). Only cut-offs whose fit
converged (R-hat, bulk ESS and divergences within :func:`scaling.bayes.diagnostics.convergence`)
are in an entry's ``cutoffs`` and pooled coverage; the others are listed under ``left_out``, with
why, so no verdict rests on an unconverged fit.

A trend carries the record's verdict in its warnings (:meth:`TrendResult.warnings`, so every
forecast that uses it prints it) only when the record provably describes it: same model
(:func:`record_key`: metric, precision, method, groups, the panel series and its model
version) and same data (the data sha256). A trend fitted to other data, or by another model,
gets no verdict from the record.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

__all__ = ["RECORD", "P_MISCALIBRATED", "record_key", "load_record", "record_warning", "make_record"]

#: File name of the record, in the shipped fits folder (:func:`scaling.paths.shipped_fits_dir`).
RECORD = "price_backtests_record.json"
SCHEMA = "scaling.hardware.backtest_record"
#: A cut-off whose simulated two-sided p is below this is evidence of miscalibration.
P_MISCALIBRATED = 0.05


def record_key(trend) -> str:
    """The model and data a backtest record entry describes, for a trend (duck-typed:
    ``settings``, ``metric``, ``precision``, ``method``, ``groups``, ``data_sha256``)."""
    s = trend.settings if isinstance(trend.settings, dict) else {}
    if s.get("model") == "panel":
        return f"panel/{s.get('series')}/v{s.get('model_version', 1)}/{trend.data_sha256}"
    groups = "+".join(trend.groups) if trend.groups else "-"
    return f"trend/{trend.metric}/{trend.precision}/{trend.method}/{groups}/{trend.data_sha256}"


@functools.lru_cache(maxsize=4)
def _read(path: str, mtime_ns: int) -> dict:
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # undecodable, malformed, too deep, a huge integer
        return {}
    if not isinstance(payload, dict) or payload.get("schema") != SCHEMA or not isinstance(payload.get("entries"), dict):
        return {}
    return payload["entries"]


def load_record(path: str | Path | None = None) -> dict:
    """The record's entries (``key -> entry``); empty when the file is missing or not a record."""
    if path is None:
        from ..paths import shipped_fits_dir

        path = shipped_fits_dir() / RECORD
    path = Path(path)
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return {}
    return _read(str(path), mtime)


def make_record(entries: dict, *, n_rep: int, source: str) -> dict:
    """The record file's payload: ``entries`` (:func:`record_key` -> entry with ``cutoffs``
    (``cutoff``, ``coverage_90``, ``n_test``, ``p``), ``coverage_90_pooled`` and ``n_test``, and
    optionally ``left_out``: the cut-offs not scored as evidence, each ``cutoff`` and ``reason``)."""
    return {"schema": SCHEMA, "schema_version": 1, "source": source, "n_rep": int(n_rep),
            "entries": {k: {**v, "p_resolution": 2.0 / n_rep} for k, v in sorted(entries.items())}}


def record_warning(trend, path: str | Path | None = None) -> str | None:
    """The record's verdict on ``trend`` when a cut-off's backtest is evidence of
    miscalibrated intervals (:data:`P_MISCALIBRATED`); None otherwise, or without a matching
    entry."""
    entry = load_record(path).get(record_key(trend))
    if not isinstance(entry, dict):
        return None
    try:
        return _verdict(trend, entry)
    except (KeyError, TypeError, ValueError):  # a damaged entry says nothing, and breaks nothing
        return None


def _verdict(trend, entry: dict) -> str | None:
    cuts = [c for c in entry.get("cutoffs", []) if isinstance(c, dict)]
    bad = [c for c in cuts if isinstance(c.get("p"), (int, float)) and not math.isnan(c["p"])
           and c["p"] < P_MISCALIBRATED]
    if not bad:
        return None
    narrow = sum(c["coverage_90"] < 0.9 for c in bad) * 2 >= len(bad)
    floor = float(entry.get("p_resolution", 0.0))
    cells = " and ".join(f"{c['coverage_90']:.0%} of {c['n_test']} later points at the {c['cutoff'][:4]} cut-off "
                         f"(p {_p(c['p'], floor)})" for c in bad)
    return (f"price trend {entry.get('trend', record_key(trend).split('/')[1])!r}: in rolling-origin backtests its "
            f"90% intervals were too {'narrow' if narrow else 'wide'}, covering {cells}, against about 90% for a "
            f"calibrated model (all cut-offs: {entry['coverage_90_pooled']:.0%} of {entry['n_test']}); "
            + ("its intervals understate the uncertainty" if narrow else "its intervals overstate the uncertainty")
            + " (docs/hardware-trends.md)")


def _p(p: float, floor: float) -> str:
    """A simulated p as text: below the simulation's resolution, an upper bound."""
    return f"= {p:.2g}" if p > floor else f"< {max(floor, 1e-9):.2g}"
