r"""The loss a fitted law predicts at given (N, D), with intervals and what the answer means.

:func:`predict_loss` asks the fit (``fit.predict(n_params, n_tokens, level=...)``, the
result contract; for a data-constrained law with ``n_unique_tokens=``) and adds what a
query needs: the inputs checked against the domains of :mod:`scaling.laws`, the fit's
warnings, ``extrapolation`` warnings for inputs more than 10x beyond the fitted runs
(:func:`scaling.sizing.extrapolation_warnings`) and what the loss means
(:func:`scaling.sizing.fit_context`). A fit without draws (a published fit) answers a point
without an interval.

Examples
--------
>>> from scaling import library
>>> p = predict_loss(library.published_fit("hoffmann2022-unrounded"), 70e9, 1.4e12)
>>> round(float(p.loss[0]), 3)
1.921
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._checks import check_level
from .errors import ScalingError, ScalingWarning
from .laws import N_PARAMS_RANGE, N_TOKENS_RANGE, get_law
from .results import DEFAULT_LEVEL, draw_arrays, require_result

__all__ = ["predict_loss", "LossPrediction", "read_points"]


@dataclass(frozen=True)
class LossPrediction:
    """Predicted losses at given (N, D) (and unique tokens U for a data-constrained law).

    Attributes
    ----------
    law : str
    inputs : dict
        ``n_params``, ``n_tokens`` (and ``n_unique_tokens``): float arrays of one length.
    loss : ndarray
        The fit's central prediction: the ``median`` column of ``fit.predict(..., level=)``
        (the point estimate's loss for a least-squares fit; the median of the posterior's
        losses for a Bayesian fit), or ``fit.predict(...)`` for a fit without draws.
    lower, upper : ndarray or None
        The ``level`` interval of the per-draw losses; None for a fit without draws.
    level : float
    fit_warnings : tuple of ScalingWarning
    data_range : dict or None
        The fitted runs' span (:func:`scaling.sizing.fit_context`).
    loss_meaning : str
    """

    law: str
    inputs: dict
    loss: np.ndarray
    lower: np.ndarray | None
    upper: np.ndarray | None
    level: float = DEFAULT_LEVEL
    fit_warnings: tuple = ()
    data_range: dict | None = None
    loss_meaning: str = ""

    def __len__(self) -> int:
        return int(self.loss.size)

    def rows(self) -> list[dict[str, float]]:
        """One dict per point: the inputs, ``loss``, ``lower``, ``upper`` (NaN without draws)."""
        nan = np.full(self.loss.size, math.nan)
        lower = nan if self.lower is None else self.lower
        upper = nan if self.upper is None else self.upper
        return [{**{k: float(v[i]) for k, v in self.inputs.items()}, "loss": float(self.loss[i]),
                 "lower": float(lower[i]), "upper": float(upper[i])} for i in range(self.loss.size)]

    def to_frame(self):
        """DataFrame: one row per point, the inputs then ``loss``, ``lower``, ``upper``."""
        import pandas as pd

        out = pd.DataFrame(self.rows())
        out.attrs["level"] = self.level
        return out

    def warnings(self) -> list[ScalingWarning]:
        """The fit's warnings, then ``extrapolation`` for the smallest and largest N and D asked."""
        out = list(self.fit_warnings)
        seen = set()
        for pick in (np.max, np.min):
            point = {k: float(pick(self.inputs[k])) for k in ("n_params", "n_tokens")}
            for w in extrapolation_warnings(point, self.data_range):
                if w.message not in seen:
                    seen.add(w.message)
                    out.append(w)
        return out

    def to_dict(self) -> dict:
        return {"law": self.law, "level": self.level, "intervals": self.lower is not None,
                "points": self.rows(), "loss_meaning": self.loss_meaning,
                "warnings": [w.to_dict() for w in self.warnings()]}


def extrapolation_warnings(point, data_range):
    from .sizing import extrapolation_warnings as warn  # the one rule, shared with sizing answers

    return warn(point, data_range)


def _values(name: str, value, domain: tuple[float, float]) -> np.ndarray:
    """A 1-d float array of finite numbers inside ``domain``; ScalingError naming the first bad one."""
    if isinstance(value, (bool, np.bool_, str)):
        raise ScalingError(f"{name} must be numbers, got {value!r}")
    try:
        arr = np.atleast_1d(np.asarray(value, dtype=float)).ravel()
    except (TypeError, ValueError, OverflowError):
        raise ScalingError(f"{name} must be numbers, got {value!r:.80}") from None
    if not arr.size:
        raise ScalingError(f"{name} must not be empty")
    lo, hi = domain
    bad = ~(np.isfinite(arr) & (arr >= lo) & (arr <= hi))
    if bad.any():
        raise ScalingError(f"{name} must be finite numbers in [{lo:g}, {hi:g}] (the range the package answers "
                           f"for, scaling.laws), got {float(arr[np.flatnonzero(bad)[0]])!r}")
    return arr


def predict_loss(fit, n_params, n_tokens, *, level: float = DEFAULT_LEVEL, unique_tokens=None) -> LossPrediction:
    r"""The loss of ``fit`` at (``n_params``, ``n_tokens``) pairs, with a ``level`` interval.

    Parameters
    ----------
    fit : a fitted result (``FitResult``, ``BayesFitResult``, a published fit of :mod:`scaling.library`)
    n_params, n_tokens : float or array_like
        Parameters N and training tokens D, in :data:`scaling.laws.N_PARAMS_RANGE` and
        :data:`~scaling.laws.N_TOKENS_RANGE`; equal lengths, or one of them a single value
        (paired with every value of the other).
    level : float
        Interval level; the interval is the fit's (bootstrap percentiles, or the Bayesian
        credible interval of the law's line). A fit without draws gives none.
    unique_tokens : float or array_like, optional
        Unique tokens U for a data-constrained law (required by it, at most D; refused by
        other laws), broadcast like N and D.

    Raises
    ------
    ScalingError
        Not a fitted result; inputs not positive finite numbers inside the domains, or of
        lengths that do not pair; unique tokens missing for a data-constrained law or given
        to another.
    """
    from .sizing import data_constrained_laws, fit_context

    require_result(fit, "a fitted loss law")
    level = check_level(level)
    law = get_law(fit.law)
    n = _values("n_params", n_params, N_PARAMS_RANGE)
    d = _values("n_tokens", n_tokens, N_TOKENS_RANGE)
    covariates: dict[str, Any] = {}
    if law.covariates:
        if unique_tokens is None:
            raise ScalingError(f"the {law.name} law needs the unique tokens available: give unique_tokens "
                               "(--unique-tokens), e.g. 25e9")
        covariates["n_unique_tokens"] = _values("unique_tokens", unique_tokens, N_TOKENS_RANGE)
    elif unique_tokens is not None:
        raise ScalingError(f"unique_tokens (--unique-tokens) applies to a data-constrained law: "
                           f"{data_constrained_laws()}; this fit's law is {law.name}")
    arrays = [n, d, *covariates.values()]
    size = max(a.size for a in arrays)
    if any(a.size not in (1, size) for a in arrays):
        raise ScalingError(f"give as many n_tokens ({d.size}) as n_params ({n.size})"
                           + (f" and unique tokens ({arrays[2].size})" if covariates else "")
                           + ", or a single value of one of them")
    n, d, *rest = (np.broadcast_to(a, (size,)).copy() for a in arrays)
    covariates = dict(zip(covariates, rest))
    columns = draw_arrays(fit)
    lower = upper = None
    if columns is not None and columns.n_rows:
        frame = fit.predict(n, d, level=level, **covariates)
        loss = frame["median"].to_numpy(float)
        lower, upper = frame["lower"].to_numpy(float), frame["upper"].to_numpy(float)
    else:
        loss = np.broadcast_to(np.asarray(fit.predict(n, d, **covariates), dtype=float), (size,)).copy()
    rng, meaning = fit_context(fit)
    return LossPrediction(law=law.name, inputs={"n_params": n, "n_tokens": d, **covariates}, loss=loss,
                          lower=lower, upper=upper, level=level, fit_warnings=tuple(fit.warnings()),
                          data_range=rng, loss_meaning=meaning)


def read_points(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """(N, D) pairs from a CSV with columns ``n_params`` and ``n_tokens`` (and optionally
    ``n_unique_tokens``); other columns are ignored.

    Raises
    ------
    ScalingError
        A missing column, a cell that is not a number, no rows.
    OSError
        The file cannot be read.
    """
    from ._tables import read_table  # the one reader of a user's table: encodings, compression, Excel

    table = read_table(path)
    have = [str(c).strip() for c in table.columns]
    if table.empty:
        raise ScalingError(f"{path}: no rows; expected a table with columns n_params, n_tokens")
    missing = [c for c in ("n_params", "n_tokens") if c not in have]
    if missing:
        raise ScalingError(f"{path}: missing column(s) {', '.join(missing)}; it has: {', '.join(have)}")
    table.columns = have
    names = ["n_params", "n_tokens"] + (["n_unique_tokens"] if "n_unique_tokens" in have else [])
    out = {}
    for name in names:
        values = []
        for i, cell in enumerate(table[name].tolist()):
            try:
                if isinstance(cell, (bool, np.bool_)):
                    raise TypeError
                values.append(float(cell))
            except (TypeError, ValueError):
                raise ScalingError(f"{path}: column {name!r} row {i + 1} is {cell!r}, not a number") from None
        out[name] = np.asarray(values)
    return out
