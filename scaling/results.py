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
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from ._checks import check_level
from .errors import ScalingError, ScalingWarning

__all__ = [
    "DEFAULT_LEVEL", "INDEX_NAME", "SUMMARY_COLUMNS", "PREDICT_COLUMNS", "METADATA_KEYS", "Result",
    "check_level", "interval", "summary_frame", "predict_frame", "metadata", "check_metadata",
    "require_result",
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


def require_result(obj, what: str = "a fitted result") -> Any:
    """Return ``obj`` if it honours the contract, else raise ``ScalingError`` naming its type."""
    if not isinstance(obj, Result):
        raise ScalingError(f"expected {what} (FitResult, BayesFitResult or TrendResult), "
                           f"got {type(obj).__name__}")
    return obj


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
        lo, hi = np.quantile(ranked, [(1 - level) / 2, (1 + level) / 2], axis=axis, method="linear")
        # quantile interpolates inf - inf as nan: an end between a finite value and inf is inf
        lo = np.where(np.isnan(lo), np.inf, lo)
        hi = np.where(np.isnan(hi), np.inf, hi)
    n_nan = nan.sum(axis=axis)
    if np.ndim(lo) == 0:
        return float(lo), float(hi), int(n_nan)
    return lo, hi, n_nan


def summary_frame(values: Mapping[str, float], draws: pd.DataFrame | None, level: float = DEFAULT_LEVEL,
                  *, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """The contract's summary table: point ``value`` and ``level`` interval per parameter.

    Parameters
    ----------
    values : mapping
        Parameter (or derived quantity) -> point estimate, in display order.
    draws : DataFrame or None
        Draws with (some of) the same columns; parameters without draws get NaN ends.
    level : float
    extra : DataFrame, optional
        Further columns (e.g. ``r_hat``, ``ess_bulk``) indexed by parameter, joined on.
    """
    level = check_level(level)
    rows = []
    for name, value in values.items():
        lower = upper = math.nan
        if draws is not None and len(draws) and name in draws.columns:
            lower, upper, _ = interval(draws[name].to_numpy(dtype=float), level)
        rows.append((name, float(value), lower, upper))
    out = pd.DataFrame(rows, columns=[INDEX_NAME, *SUMMARY_COLUMNS]).set_index(INDEX_NAME)
    if extra is not None:
        out = out.join(extra)
    out.attrs["level"] = level
    return out


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
