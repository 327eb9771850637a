"""Accelerators and chip time: peak FLOP/s, chip-seconds, chip-hours and implied utilisation.

Chips come from the shipped ``accelerators`` table (Epoch AI, "Machine Learning Hardware",
https://epoch.ai/data/machine-learning-hardware), looked up by alias or full name. Chip time
follows from a job's FLOPs, the chip's peak and the model FLOPs utilisation (MFU) of
Chowdhery et al. (2022), "PaLM: Scaling Language Modeling with Pathways", Appendix B:

.. math:: t_{chip} = \\frac{C}{\\text{peak FLOP/s} \\times \\text{MFU}}

The table is read with the ``csv`` module (:func:`table_rows`), not pandas, so that a
sizing query naming a chip (``scaling optimal --hardware h100 ...``) stays fast; the values
are those of :func:`scaling.datasets.load` (tests/test_sizing.py compares them).
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from ..datasets import PRECISIONS
from ..errors import ScalingError
from ._args import arg, out
from .rates import SECONDS_PER_HOUR, chip_hours_of

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PRECISIONS", "Accelerator", "resolve_accelerator", "known_accelerators", "peak_flops_per_s",
           "chip_seconds", "chip_hours", "implied_mfu"]


@dataclass(frozen=True)
class Accelerator:
    """One accelerator from the shipped ``accelerators`` table (Epoch AI).

    Peak rates are dense FLOP/s per chip; NaN where the table has no value.
    """

    name: str
    alias: str
    vendor: str
    release_date: date | None
    release_price_usd: float
    fp32_flops_per_s: float
    tf32_flops_per_s: float
    tensor16_flops_per_s: float
    fp16_flops_per_s: float
    fp8_flops_per_s: float
    int8_ops_per_s: float
    tdp_w: float
    memory_bytes: float
    memory_bandwidth_bytes_per_s: float

    def peak_flops_per_s(self, precision: str = "tensor16") -> float:
        """Peak dense FLOP/s per chip at ``precision`` (see :data:`scaling.datasets.PRECISIONS`)."""
        column = _precision_column(precision)
        value = float(getattr(self, column))
        if not np.isfinite(value):
            raise ScalingError(
                f"{self.name}: the accelerators table has no {precision} peak ({column}); "
                "pass the peak FLOP/s as a number instead"
            )
        return value

    def summary(self) -> pd.DataFrame:
        """The fields as a one-column DataFrame (index: field name)."""
        import pandas as pd

        return pd.DataFrame({"value": pd.Series(asdict(self), dtype=object)})


def _precision_column(precision: str) -> str:
    try:
        return PRECISIONS[str(precision).lower()]
    except KeyError:
        raise ScalingError(f"unknown precision {precision!r}; known: {', '.join(PRECISIONS)}") from None


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", str(text).lower())


def table_rows(name: str) -> list[dict[str, str]]:
    """A shipped table's rows as text cells (``""`` where empty), read with the ``csv`` module.

    For the lookups of a sizing query (this module's chips, :func:`scaling.budget.cloud_price`),
    which need neither pandas nor its start-up time. The same file as :func:`scaling.datasets.load`.
    """
    import csv

    from .. import datasets

    path = datasets.datasets_dir() / f"{name}.csv"
    if not path.exists():
        datasets.load(name)  # raises its FileNotFoundError (how to rebuild the tables)
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


_NUMERIC = ("release_price_usd", "fp32_flops_per_s", "tf32_flops_per_s", "tensor16_flops_per_s", "fp16_flops_per_s",
            "fp8_flops_per_s", "int8_ops_per_s", "tdp_w", "memory_bytes", "memory_bandwidth_bytes_per_s")


def _number(row: int, column: str, text: str) -> float:
    """A cell of the table: NaN when empty or not a number (as ``pd.to_numeric(errors="coerce")``); > 0."""
    try:
        value = float(text) if text.strip() else math.nan
    except ValueError:
        return math.nan
    if not value > 0 and not math.isnan(value):
        raise ScalingError(f"dataset 'accelerators': column {column!r} row {row} is {value!r}, must be > 0")
    return value


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10]) if text.strip() else None
    except ValueError:
        return None


@lru_cache(maxsize=1)
def _accelerator_index() -> tuple[dict[str, Accelerator], tuple[str, ...]]:
    rows = table_rows("accelerators")
    missing = [c for c in ("name", "alias", "vendor", "release_date", *_NUMERIC) if rows and c not in rows[0]]
    if missing:
        raise ScalingError(f"dataset 'accelerators' lacks columns: {', '.join(missing)}")
    index: dict[str, Accelerator] = {}
    aliases = []
    for i, r in enumerate(rows):
        acc = Accelerator(
            name=r["name"],
            alias=r["alias"],
            vendor=r["vendor"],
            release_date=_day(r["release_date"]),
            **{c: _number(i, c, r[c]) for c in _NUMERIC},
        )
        # Aliases win over full names if both ever normalise to the same key.
        if acc.alias:
            index[_norm(acc.alias)] = acc
            aliases.append(acc.alias)
        index.setdefault(_norm(acc.name), acc)
    return index, tuple(aliases)


def known_accelerators() -> list[str]:
    """Short names (aliases) accepted by :func:`resolve_accelerator`; full names work too."""
    return list(_accelerator_index()[1])


def resolve_accelerator(name: str | Accelerator) -> Accelerator:
    """Find an accelerator by short alias or full name.

    Matching ignores case and punctuation: ``"tpu-v4"``, ``"TPU v4"`` and ``"Google TPU v4"``
    are the same chip, as are ``"h100"`` and ``"NVIDIA H100 SXM5 80GB"``.

    Raises
    ------
    ScalingError
        For an unknown name (listing the known aliases) or a name that is not a string.

    Examples
    --------
    >>> resolve_accelerator("TPU v4").tensor16_flops_per_s
    275000000000000.0
    """
    if isinstance(name, Accelerator):
        return name
    if not isinstance(name, str):
        raise ScalingError(f"hardware name must be a string, got {name!r}")
    index, aliases = _accelerator_index()
    try:
        return index[_norm(name)]
    except KeyError:
        raise ScalingError(
            f"unknown hardware {name!r}; known aliases: {', '.join(aliases)} "
            "(full names from the accelerators dataset also work)"
        ) from None


def peak_flops_per_s(hardware, precision: str = "tensor16"):
    """Peak FLOP/s per chip: a number (returned checked) or a hardware name (looked up)."""
    if isinstance(hardware, (str, Accelerator)):
        return resolve_accelerator(hardware).peak_flops_per_s(precision)
    return out(arg("peak_flops_per_s", hardware))


def chip_value(hardware, field: str, arg_name: str, what: str) -> np.ndarray:
    """A per-chip number: the table's ``field`` of a named accelerator, or the number given.

    Raises ScalingError when the table has no value for that chip (naming what to pass instead).
    """
    if isinstance(hardware, (str, Accelerator)):
        acc = resolve_accelerator(hardware)
        value = getattr(acc, field)
        if not np.isfinite(value):
            raise ScalingError(f"{acc.name}: the accelerators table has no {what}; pass it as a number instead")
        return np.asarray(value)
    return arg(arg_name, hardware)


def hardware_name(hardware) -> str:
    """The table's full name for a named chip; ``""`` for a peak given as a number."""
    if isinstance(hardware, (str, Accelerator)):
        return resolve_accelerator(hardware).name
    return ""


def chip_seconds(compute_flops, hardware, mfu, precision: str = "tensor16"):
    """Chip-seconds to execute ``compute_flops`` at a model FLOPs utilisation.

    .. math:: t_{chip} = \\frac{C}{\\text{peak FLOP/s} \\times \\text{MFU}}

    Parameters
    ----------
    compute_flops : float or array_like
        FLOPs to execute, in [0, 1e40].
    hardware : str, Accelerator, float or array_like
        A hardware name (see :func:`resolve_accelerator`) or peak FLOP/s per chip
        (in [1e3, 1e21]).
    mfu : float or array_like
        Model FLOPs utilisation in [1e-6, 1] (Chowdhery et al. 2022: GPT-3 21.3%, PaLM 46.2%).
    precision : str
        Which peak to use for a named chip (default dense tensor FP16/BF16).
    """
    c = arg("compute_flops", compute_flops)
    peak = np.asarray(peak_flops_per_s(hardware, precision))
    u = arg("mfu", mfu)
    return out(c / (peak * u))


def chip_hours(compute_flops, hardware, mfu, precision: str = "tensor16"):
    """Chip-hours to execute ``compute_flops``: :func:`chip_seconds` / 3600
    (:func:`scaling.cost.compute_cost_usd`)."""
    return chip_hours_of(compute_flops, peak_flops_per_s(hardware, precision), mfu)


def implied_mfu(compute_flops, chip_hours, hardware, precision: str = "tensor16"):
    """The utilisation implied by a run's FLOPs and its chip-hours.

    .. math:: \\text{MFU} = \\frac{C}{3600\\, t_{chip\\,h} \\times \\text{peak FLOP/s}}

    ``chip_hours`` must be at least a millionth of the time the FLOPs take at full peak
    (an implied MFU above 1e6 is no measurement).
    """
    c = arg("compute_flops", compute_flops, positive=True)
    h = arg("chip_hours", chip_hours, positive=True)
    peak = np.asarray(peak_flops_per_s(hardware, precision))
    with np.errstate(over="ignore"):
        mfu = c / (SECONDS_PER_HOUR * h * peak)
    bad = ~np.isfinite(mfu) | (mfu > 1e6)
    if np.any(bad):
        first = float(np.broadcast_to(h, np.shape(mfu)).ravel()[np.flatnonzero(np.ravel(bad))[0]])
        raise ScalingError(
            f"chip_hours {first:g} is too short for the FLOPs: the implied MFU exceeds 1e6 "
            "(chip_hours must be at least compute_flops / (3600 x peak FLOP/s x 1e6))"
        )
    return out(mfu)
