r"""A sweep of compute-optimal answers: one row per budget (or target loss), from one call.

``scaling.optimal(fit, compute_flops=np.array([...]))`` (or ``target_loss=`` an array)
returns an :class:`OptimalSweep`: the law answers every value at once (the point estimate
over values, the draws as ``(n_draws, 1)`` against values, broadcast by
:mod:`scaling.laws`), and the sweep holds, for each value, the same
:class:`~scaling.sizing.OptimalResult` the scalar query returns (``sweep[i]``).

Examples
--------
>>> import numpy as np, scaling
>>> from scaling import library
>>> sweep = scaling.optimal(library.published_fit("besiroglu2024"), compute_flops=np.array([1e23, 5.76e23]))
>>> [round(float(v) / 1e9, 1) for v in sweep.point["n_params"]]
[29.4, 72.2]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

import numpy as np

from ._checks import check_level
from .results import DEFAULT_LEVEL, SUMMARY_COLUMNS, interval

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["OptimalSweep"]


@dataclass(frozen=True)
class OptimalSweep:
    """Compute-optimal answers for every value of a swept query.

    Attributes
    ----------
    law : str
    axis : {"compute_flops", "target_loss"}
        The query swept.
    values : ndarray
        Its values, in the order given (after the scalar query's checks).
    results : tuple of OptimalResult
        The answer for each value, as :func:`scaling.sizing.optimal` gives it for that value.
    point : dict
        Quantity -> array over values (the point estimate's answers).
    draws : dict or None
        Quantity -> array of shape ``(n_draws, n_values)``; None for a fit without draws.
    level : float
    """

    law: str
    axis: str
    values: np.ndarray
    results: tuple
    point: dict
    draws: dict | None
    level: float = DEFAULT_LEVEL

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, i: int):
        return self.results[i]

    def __iter__(self) -> Iterator:
        return iter(self.results)

    def _ends(self, level: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Quantity -> (lower, upper) over values, by the one rule of :func:`scaling.results.interval`."""
        nan = np.full(len(self), np.nan)
        out = {}
        for q in self.point:
            if self.draws is None or q not in self.draws or not self.draws[q].shape[0]:
                out[q] = (nan, nan)
                continue
            with np.errstate(invalid="ignore"):  # inf - inf inside the quantile of unbounded ends
                lo, hi, _ = interval(self.draws[q], level, axis=0)
            out[q] = (np.asarray(lo, dtype=float), np.asarray(hi, dtype=float))
        return out

    def summary(self, level: float | None = None) -> pd.DataFrame:
        """One row per value (indexed by :attr:`axis`); columns ``(quantity, value | lower | upper)``."""
        import pandas as pd

        level = self.level if level is None else check_level(level)
        ends = self._ends(level)
        columns = {}
        for q, value in self.point.items():
            lo, hi = ends[q]
            columns.update({(q, "value"): value, (q, "lower"): lo, (q, "upper"): hi})
        out = pd.DataFrame(columns, index=pd.Index(self.values, name=self.axis))
        out.columns = pd.MultiIndex.from_tuples(out.columns, names=["quantity", "stat"])
        out.attrs["level"] = level
        return out

    def to_frame(self, level: float | None = None) -> pd.DataFrame:
        """:meth:`summary` with flat columns ``<quantity>``, ``<quantity>_lower``, ``<quantity>_upper``
        for each quantity; one row per value, indexed by :attr:`axis`."""
        summ = self.summary(level)
        flat = summ.copy()
        flat.columns = [q if stat == SUMMARY_COLUMNS[0] else f"{q}_{stat}" for q, stat in summ.columns]
        flat.attrs["level"] = summ.attrs["level"]
        return flat

    def warnings(self) -> list:
        """The fit's warnings once, then each value's own (unreachable draws, extrapolation, prices)."""
        out, seen = [], set()
        for result in self.results:
            for w in result.warnings():
                if w.message not in seen:
                    seen.add(w.message)
                    out.append(w)
        return out

    def to_dict(self) -> dict:
        """``law``, ``axis``, ``level``, and per value the scalar answer's :meth:`~scaling.sizing.OptimalResult.to_dict`."""
        return {"law": self.law, "axis": self.axis, "level": self.level,
                "values": [float(v) for v in self.values], "results": [r.to_dict() for r in self.results]}
