"""The result contract: what every fitted result in ``scaling`` honours.

Every fitted result (the least-squares :class:`scaling.fitting.FitResult`, the
Bayesian :class:`scaling.bayes.BayesFitResult`, the hardware
:class:`scaling.hardware.TrendResult`, and every law or trend added later) is a
frozen dataclass with

``law``
    Name of the model fitted (a law in :mod:`scaling.laws`, or ``"log-linear"`` for
    a hardware trend).
``params``
    ``dict`` of point estimates, one float per parameter.
``draws``
    ``pandas.DataFrame`` with one row per bootstrap resample or posterior draw and one
    column per parameter (derived quantities may follow), or ``None`` without draws.
``summary(level=DEFAULT_LEVEL)``
    ``DataFrame`` indexed by ``parameter`` with columns ``value``, ``lower``, ``upper``
    (diagnostic columns such as ``r_hat`` may follow); built by :func:`summary_frame`.
``predict(..., level=None)``
    Without ``level``: a float ``ndarray`` of point predictions (inputs broadcast).
    With ``level``: a ``DataFrame`` with the inputs and ``median``, ``lower``,
    ``upper``; built by :func:`predict_frame`.
``warnings()``
    ``list`` of :class:`scaling.errors.ScalingWarning` (empty when all is well).
``save(path)`` / ``load(path)``
    A versioned schema whose metadata has the keys :data:`METADATA_KEYS`
    (schema, version, package version, creation time, data sha256, settings, seed),
    written atomically and validated on load (:func:`check_metadata`).

One interval level is the default everywhere: :data:`DEFAULT_LEVEL` = 0.9 (a 90%
interval: percentile for bootstrap and posterior draws, equal-tailed).

Draws that cannot answer a question (a target loss below a draw's irreducible loss,
say) are never dropped silently. The rule, applied by :func:`interval`: such draws
rank above every answer (as if they needed unbounded compute), so an interval end
that falls among them is ``inf`` (printed "unbounded"), and the number of such draws
is reported with the interval.

Draws may be held as arrays until a DataFrame is asked for: a dataclass field declared
``draws: ... = FrameField()`` accepts a DataFrame, ``None`` or :class:`DrawColumns` (a
mapping of equal-length arrays) and reads back as a ``DataFrame``, built on first read.
:func:`draw_arrays` gives the columns without building it, so that a query from the
shell (``scaling optimal``) never imports pandas (issue 13: answers within 0.5 s).

**One store for draws** (issue 19). Every saved result keeps its draws the same way:
:func:`encode_draws` thins them evenly to at most :data:`MAX_SAVED_DRAWS` rows
(:func:`thin_index`: deterministic, no seed needed) and rounds each value to
:data:`DRAW_DIGITS` significant digits, column by column (``{"format": "columns",
"digits": 6, "n_draws", "thinned_from", "columns", "values": [[...], ...]}``);
:func:`decode_draws` reads that block and the older layouts (``{"columns", "values":
{name: [...]}}`` of law fits up to schema version 3, ``{name: [...]}`` of trends up to
version 2). A posterior (netCDF) is thinned by the same :func:`thin_index`. A 90% interval
from 1,000 draws has a Monte Carlo error of about 1-2% of its width (50 draws beyond each
end), and 6 digits are far below it; ``validation/thinning.py`` measures both on the
shipped fits. What a loaded result reports is computed from the draws its file holds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from ._checks import check_level, check_memory
from .errors import ScalingError, ScalingWarning

if TYPE_CHECKING:  # pandas loads inside the functions that build DataFrames
    import pandas as pd

__all__ = [
    "DEFAULT_LEVEL", "INDEX_NAME", "SUMMARY_COLUMNS", "PREDICT_COLUMNS", "METADATA_KEYS", "Result",
    "check_level", "interval", "summary_rows", "summary_frame", "predict_frame", "metadata", "check_metadata",
    "require_result", "DrawColumns", "FrameField", "draw_arrays", "as_columns", "n_draws", "check_predict_memory",
    "MAX_SAVED_DRAWS", "DRAW_DIGITS", "thin_index", "round_significant", "encode_draws", "decode_draws",
]

#: The default interval level of every summary, prediction and query.
DEFAULT_LEVEL = 0.9
INDEX_NAME = "parameter"
SUMMARY_COLUMNS = ("value", "lower", "upper")
PREDICT_COLUMNS = ("median", "lower", "upper")
#: Keys every saved result carries, in this order, whatever its format.
METADATA_KEYS = ("schema", "schema_version", "scaling_version", "created", "data_sha256", "settings", "seed")


@runtime_checkable
class Result(Protocol):
    """Structural type of a fitted result (see the module docstring)."""

    law: str
    params: dict
    draws: Any

    def summary(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame: ...

    def predict(self, *args, level: float | None = None, **kwargs): ...

    def warnings(self) -> list[ScalingWarning]: ...

    def save(self, path) -> Any: ...


_RESULT_MEMBERS = ("law", "params", "draws", "summary", "predict", "warnings", "save")


def _has_member(obj, name: str) -> bool:
    import inspect

    try:
        inspect.getattr_static(obj, name)
        return True
    except AttributeError:
        return hasattr(obj, name)  # provided dynamically (__getattr__)


def require_result(obj, what: str = "a fitted result") -> Any:
    """Return ``obj`` if it honours the contract, else raise ``ScalingError`` naming its type.

    The same test as ``isinstance(obj, Result)``, but members are looked up statically first
    (``inspect.getattr_static``), so that a check reads no lazily built field (draws held as
    arrays stay arrays).
    """
    if not all(_has_member(obj, name) for name in _RESULT_MEMBERS):
        raise ScalingError(f"expected {what} (FitResult, BayesFitResult or TrendResult), "
                           f"got {type(obj).__name__}")
    return obj


def _quantiles_linear(values: np.ndarray, qs, axis: int = 0) -> list:
    r"""``np.quantile(values, qs, axis=axis, method="linear")`` for NaN-free values, without its ``np.unique``.

    NumPy's own steps (Hyndman & Fan 1996, type 7; numpy ``_quantile`` and ``_lerp``): virtual
    index :math:`h = (n - 1) q`, neighbours :math:`\lfloor h \rfloor` and :math:`\lfloor h \rfloor + 1`
    of the sorted values (the last value at or beyond the end), and the interpolation
    :math:`a + (b - a) \gamma`, or :math:`b - (b - a)(1 - \gamma)` for :math:`\gamma \ge 0.5`,
    so the results are NumPy's to the bit (tests/test_sizing.py). NumPy 2's ``quantile``
    calls ``np.unique``, which imports ``numpy.ma`` (~25 ms of a 0.5 s sizing query).
    """
    v = np.asarray(values, dtype=float)
    if v.ndim == 0 or v.shape[axis] == 0:
        return list(np.quantile(v, list(qs), axis=axis, method="linear"))
    s = np.sort(v, axis=axis)
    if axis != 0:
        s = np.moveaxis(s, axis, 0)
    n = s.shape[0]
    out = []
    for q in qs:
        h = (n - 1) * np.float64(q)  # the virtual index
        below = int(np.floor(h))
        if h >= n - 1:  # numpy: both neighbours the last value, gamma measured from index -1
            below, above, gamma = n - 1, n - 1, h - np.float64(-1)
        else:
            above, gamma = below + 1, h - np.float64(below)
        a, b = s[below], s[above]
        diff = b - a
        value = a + diff * gamma if gamma < 0.5 else b - diff * (1 - gamma)
        out.append(value[()] if np.ndim(value) == 0 else value)
    return out


def interval(values, level: float = DEFAULT_LEVEL, axis: int = 0):
    """Equal-tailed percentile interval of draws, by the package's one rule for NaN draws.

    NaN marks a draw that cannot answer; it ranks above every answer (as ``+inf``), so
    an interval end among such draws is ``inf``. ``-inf`` and ``+inf`` answers rank as
    themselves.

    Returns
    -------
    lower, upper : ndarray (or float)
        Along ``axis``.
    n_unanswered : ndarray (or int)
        Number of NaN draws along ``axis``.
    """
    level = check_level(level)
    v = np.asarray(values, dtype=float)
    nan = np.isnan(v)
    ranked = np.where(nan, np.inf, v)
    with np.errstate(invalid="ignore"):  # inf - inf between two unbounded draws: handled below
        lo, hi = _quantiles_linear(ranked, ((1 - level) / 2, (1 + level) / 2), axis)
        # quantile interpolates inf - inf as nan: an end between a finite value and inf is inf
        lo = np.where(np.isnan(lo), np.inf, lo)
        hi = np.where(np.isnan(hi), np.inf, hi)
    n_nan = nan.sum(axis=axis)
    if np.ndim(lo) == 0:
        return float(lo), float(hi), int(n_nan)
    return lo, hi, n_nan


# --------------------------------------------------------------------------------------
# draws held as arrays until a DataFrame is asked for
# --------------------------------------------------------------------------------------
class DrawColumns(Mapping):
    """Draws as ``{column: 1-D float ndarray}`` (equal lengths), before any DataFrame is built.

    Given to a :class:`FrameField` (e.g. ``FitResult(draws=DrawColumns(...))``), it reads
    back as ``pandas.DataFrame(columns)``; :func:`draw_arrays` returns it as it is. A
    mapping of columns (``len`` counts columns); ``n_rows`` counts draws.
    """

    def __init__(self, columns: Mapping[str, Any]):
        self._columns = {str(k): np.asarray(v, dtype=float) for k, v in columns.items()}
        shapes = {v.shape for v in self._columns.values()}
        if len(shapes) > 1 or any(len(shape) != 1 for shape in shapes):
            raise ScalingError(f"draw columns must be 1-D arrays of one length, got shapes {sorted(shapes)}")
        self.n_rows = next(iter(shapes))[0] if shapes else 0

    def __getitem__(self, name: str) -> np.ndarray:
        return self._columns[name]

    def __iter__(self):
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def to_frame(self) -> "pd.DataFrame":
        import pandas as pd

        return pd.DataFrame(self._columns)


class FrameField:
    """A frozen-dataclass field of draws that reads as a ``DataFrame`` (or ``None``).

    Declared as ``draws: pd.DataFrame | None = FrameField()``: the dataclass passes the
    value given to ``__init__`` to :meth:`__set__`, which keeps it as it is (a DataFrame,
    ``None`` or :class:`DrawColumns`); the first read of :class:`DrawColumns` builds the
    DataFrame and keeps it. The default is ``None``. ``vars(result)["draws"]`` is the value
    as held (possibly :class:`DrawColumns`).
    """

    def __set_name__(self, owner, name: str) -> None:
        # the value lives in the instance's __dict__ under the field's own name (a data
        # descriptor wins over it on lookup), so ``type(r)(**vars(r))`` still works
        self.slot = name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return None  # the dataclass default
        value = obj.__dict__.get(self.slot)
        if isinstance(value, DrawColumns):
            value = value.to_frame()
            obj.__dict__[self.slot] = value
        return value

    def __set__(self, obj, value) -> None:
        obj.__dict__[self.slot] = value


class _FrameColumns(Mapping):
    """A DataFrame seen as a mapping of float arrays (columns converted when read)."""

    def __init__(self, frame):
        self._frame = frame
        self.n_rows = len(frame)

    def __getitem__(self, name) -> np.ndarray:
        if name not in self._frame.columns:
            raise KeyError(name)
        return self._frame[name].to_numpy(dtype=float)

    def __iter__(self):
        return iter(self._frame.columns)

    def __len__(self) -> int:
        return len(self._frame.columns)


def draw_arrays(obj, attr: str = "draws") -> Mapping[str, np.ndarray] | None:
    """A result's draws as a mapping ``{column: float ndarray}`` (with ``n_rows``), or None.

    Builds no DataFrame: a :class:`FrameField` still holding :class:`DrawColumns` returns
    them as they are; a DataFrame is seen column by column. Works for every result.
    """
    held = getattr(obj, "__dict__", {}).get(attr)
    if isinstance(held, DrawColumns):
        return held
    return as_columns(getattr(obj, attr, None))


def as_columns(draws) -> Mapping[str, np.ndarray] | None:
    """Draws given as a DataFrame, a mapping of arrays or None, as a mapping with ``n_rows`` (or None)."""
    if draws is None or isinstance(draws, (DrawColumns, _FrameColumns)):
        return draws
    if isinstance(draws, Mapping):
        return DrawColumns(draws)
    return _FrameColumns(draws)


def n_draws(draws) -> int:
    """Rows of draws given as a DataFrame, a mapping of arrays, or None (0)."""
    columns = as_columns(draws)
    return 0 if columns is None else int(columns.n_rows)


def summary_rows(values: Mapping[str, float], draws, level: float = DEFAULT_LEVEL) -> list[tuple]:
    """The rows of :func:`summary_frame` without pandas: ``(name, value, lower, upper)``.

    ``draws``: a DataFrame, a mapping of arrays (:func:`draw_arrays`) or None.
    """
    level = check_level(level)
    draws = as_columns(draws)
    rows = []
    for name, value in values.items():
        lower = upper = math.nan
        if draws is not None and draws.n_rows and name in draws:
            lower, upper, _ = interval(draws[name], level)
        rows.append((name, float(value), lower, upper))
    return rows


def summary_frame(values: Mapping[str, float], draws, level: float = DEFAULT_LEVEL,
                  *, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """The contract's summary table: point ``value`` and ``level`` interval per parameter.

    Parameters
    ----------
    values : mapping
        Parameter (or derived quantity) -> point estimate, in display order.
    draws : DataFrame, mapping of arrays, or None
        Draws with (some of) the same columns; parameters without draws get NaN ends.
    level : float
    extra : DataFrame, optional
        Further columns (e.g. ``r_hat``, ``ess_bulk``) indexed by parameter, joined on.
    """
    import pandas as pd

    level = check_level(level)
    rows = summary_rows(values, draws, level)
    out = pd.DataFrame(rows, columns=[INDEX_NAME, *SUMMARY_COLUMNS]).set_index(INDEX_NAME)
    if extra is not None:
        out = out.join(extra)
    out.attrs["level"] = level
    return out


#: (draws, points) float64 arrays a prediction with an interval holds at its peak: the
#: per-draw predictions, the noise of a new run, and the sorted copies of the percentiles.
PREDICT_ARRAYS = 4


def check_predict_memory(n_draws: int, n_points: int) -> None:
    """Refuse, before computing, a prediction with an interval too big for the memory limit."""
    check_memory(f"a prediction with an interval at {n_points:,} points x {n_draws:,} draws",
                 8.0 * PREDICT_ARRAYS * n_draws * n_points, hint="predict at fewer points at a time")


def predict_frame(inputs: Mapping[str, np.ndarray], per_draw: np.ndarray, level: float = DEFAULT_LEVEL,
                  *, median=None) -> pd.DataFrame:
    """The contract's prediction table: inputs, then ``median``, ``lower``, ``upper``.

    Parameters
    ----------
    inputs : mapping
        Input columns (flattened, each of length ``n``).
    per_draw : ndarray, shape (n_draws, n)
        The prediction under every draw.
    median : array, optional
        The central value to report (default: the median of the draws).
    """
    import pandas as pd

    level = check_level(level)
    per_draw = np.asarray(per_draw, dtype=float)
    lo, hi, n_nan = interval(per_draw, level, axis=0)
    if median is None:
        with np.errstate(invalid="ignore"):  # noqa: SIM117
            median = np.quantile(np.where(np.isnan(per_draw), np.inf, per_draw), 0.5, axis=0)
    out = pd.DataFrame({**{k: np.asarray(v) for k, v in inputs.items()},
                        "median": np.asarray(median, dtype=float) * np.ones(per_draw.shape[1]),
                        "lower": lo, "upper": hi})
    out.attrs["level"] = level
    out.attrs["n_unanswered"] = int(np.max(n_nan)) if np.size(n_nan) else 0
    return out


def metadata(schema: str, schema_version: int, *, created: str, data_sha256: str, settings: Mapping,
             seed: int) -> dict:
    """The metadata block every saved result starts with (keys :data:`METADATA_KEYS`)."""
    from . import __version__

    return {"schema": schema, "schema_version": int(schema_version), "scaling_version": __version__,
            "created": created, "data_sha256": str(data_sha256), "settings": dict(settings), "seed": int(seed)}


def check_metadata(meta: Mapping[str, Any], path) -> dict:
    """Validate a loaded metadata block; returns it with ``seed`` as ``int``.

    Raises
    ------
    ScalingError
        A missing key, a seed that is not an integer, a sha256 that is not 64 hex digits
        (empty is allowed for results not made from a table), settings not a mapping.
    """
    missing = [k for k in METADATA_KEYS if k not in meta]
    if missing:
        raise ScalingError(f"{path}: metadata lacks {', '.join(missing)}; not a complete file written by scaling")
    seed = meta["seed"]
    if isinstance(seed, np.generic):
        seed = seed.item()
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ScalingError(f"{path}: seed must be an integer, got {seed!r}")
    sha = meta["data_sha256"]
    if not isinstance(sha, str) or (sha and (len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha))):
        raise ScalingError(f"{path}: data_sha256 must be 64 hex digits, got {sha!r}")
    if not isinstance(meta["settings"], Mapping):
        raise ScalingError(f"{path}: settings must be a mapping, got {type(meta['settings']).__name__}")
    return {**meta, "seed": int(seed)}


# --------------------------------------------------------------------------------------
# the one store for draws: thinning and the saved layout
# --------------------------------------------------------------------------------------
#: Most draws a saved result keeps (thinned evenly by :func:`thin_index`).
MAX_SAVED_DRAWS = 1000
#: Significant digits of every saved draw.
DRAW_DIGITS = 6
DRAW_FORMAT = "columns"


def thin_index(n_rows: int, max_draws: int | None = MAX_SAVED_DRAWS) -> np.ndarray:
    """Rows kept when ``n_rows`` draws are thinned to at most ``max_draws``: evenly spaced.

    Row ``floor(i * n_rows / max_draws)`` for ``i = 0 .. max_draws - 1`` (every k-th row when
    ``k = n_rows / max_draws`` is whole): deterministic, so a refit on the same data keeps
    the same rows, and for stacked chains each chain keeps its share. All rows when
    ``max_draws`` is None or not smaller than ``n_rows``.
    """
    n_rows = int(n_rows)
    if max_draws is None or n_rows <= max_draws:
        return np.arange(n_rows)
    if int(max_draws) < 1:
        raise ScalingError(f"max_draws must be at least 1, got {max_draws!r}")
    return (np.arange(int(max_draws), dtype=np.int64) * n_rows) // int(max_draws)


def round_significant(values, digits: int = DRAW_DIGITS) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits (as ``'%.{digits}g'`` prints them); inf and NaN kept."""
    v = np.asarray(values, dtype=float)
    return np.array([float(f"{x:.{digits}g}") for x in v.ravel().tolist()], dtype=float).reshape(v.shape)


def encode_draws(draws, max_draws: int | None = MAX_SAVED_DRAWS, digits: int = DRAW_DIGITS) -> dict:
    """The saved form of draws (a DataFrame or a mapping of arrays): thinned, rounded, by column.

    Returns ``{"format": "columns", "digits", "n_draws", "thinned_from", "columns",
    "values"}``, ``values`` one list of floats per column (JSON-ready).
    """
    columns = as_columns(draws)
    rows = thin_index(columns.n_rows, max_draws)
    names = [str(c) for c in columns]
    return {"format": DRAW_FORMAT, "digits": int(digits), "n_draws": int(rows.size),
            "thinned_from": int(columns.n_rows), "columns": names,
            "values": [round_significant(np.asarray(columns[c], dtype=float)[rows], digits).tolist() for c in names]}


def decode_draws(block, path="draws") -> DrawColumns:
    """Draws saved by :func:`encode_draws`, or in an older layout, as :class:`DrawColumns`.

    Raises
    ------
    ScalingError
        A block of no known layout, or columns of unequal lengths.
    """
    if not isinstance(block, Mapping):
        raise ScalingError(f"{path}: draws must be a mapping, got {type(block).__name__}")
    if block.get("format") == DRAW_FORMAT:
        names, values = block.get("columns"), block.get("values")
        if not isinstance(names, list) or not isinstance(values, list) or len(names) != len(values):
            raise ScalingError(f"{path}: draws need as many value lists as columns")
        columns = dict(zip(names, values))
    elif "format" in block:
        raise ScalingError(f"{path}: unknown draws format {block['format']!r}; this version reads {DRAW_FORMAT!r}")
    elif set(block) == {"columns", "values"} and isinstance(block["values"], Mapping):
        columns = {c: block["values"][c] for c in block["columns"]}  # law fits, schema versions 1-3
    else:
        columns = dict(block)  # trends, schema versions 1-2: {name: [values]}
    try:
        return DrawColumns({k: np.asarray(v, dtype=float) for k, v in columns.items()})
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ScalingError):
            raise ScalingError(f"{path}: {exc}") from None
        raise ScalingError(f"{path}: draws must be lists of numbers ({exc})") from None
