"""Dates as the package reads them: ISO strings, datetimes or decimal years.

The one home of :func:`to_datetimes` and :func:`decimal_year`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ScalingError

__all__ = ["to_datetimes", "decimal_year", "iso_date", "YEAR_MIN", "YEAR_MAX"]

#: The years the package reads: whole years within pandas' nanosecond Timestamp range
#: (1677-09-21 to 2262-04-11), which date arithmetic here and in pandas assumes.
YEAR_MIN, YEAR_MAX = 1678, 2261


def iso_date(t) -> str:
    """``YYYY-MM-DD`` of a Timestamp, for messages; works where ``Timestamp.date()`` does not (year 0)."""
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}"


def _check_range(out: pd.DatetimeIndex, values) -> pd.DatetimeIndex:
    """``out`` when every date is within :data:`YEAR_MIN`-:data:`YEAR_MAX`; else a ScalingError."""
    years = np.asarray(out.year)
    bad = (years < YEAR_MIN) | (years > YEAR_MAX)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        shown = values[i] if isinstance(values, list) and i < len(values) else iso_date(out[i])
        raise ScalingError(f"date {shown!r} is outside the dates scaling reads ({YEAR_MIN}-01-01 to "
                           f"{YEAR_MAX}-12-31)")
    return out


def to_datetimes(dates) -> pd.DatetimeIndex:
    """Dates from strings, datetimes or decimal years (floats such as ``2024.5``).

    Raises
    ------
    ScalingError
        A date that cannot be read, a missing date, a non-finite decimal year, or a date
        outside :data:`YEAR_MIN`-:data:`YEAR_MAX` (pandas' nanosecond range).
    """
    if isinstance(dates, (str, pd.Timestamp, np.datetime64)) or np.isscalar(dates):
        dates = [dates]
    values = list(dates) if not isinstance(dates, (pd.Index, pd.Series, np.ndarray)) else dates
    arr = np.asarray(values)
    if arr.dtype.kind in "fiu":
        years = arr.astype(float)
        if not np.all(np.isfinite(years)) or np.any(years < YEAR_MIN) or np.any(years >= YEAR_MAX + 1):
            raise ScalingError(f"decimal years must be finite and within {YEAR_MIN}-{YEAR_MAX}, got {values!r}")
        whole = np.floor(years).astype(int)
        start = pd.to_datetime([f"{y}-01-01" for y in whole])
        length = pd.to_datetime([f"{y + 1}-01-01" for y in whole]) - start
        return pd.DatetimeIndex(start + pd.to_timedelta((years - whole) * length.total_seconds(), unit="s"))
    try:
        out = pd.DatetimeIndex(pd.to_datetime(values))
    except (ValueError, TypeError, OverflowError) as exc:
        raise ScalingError(f"cannot read dates {values!r}: use ISO dates such as '2024-01-01' "
                           "or decimal years") from exc
    if out.isna().any():
        raise ScalingError(f"missing date in {values!r}")
    return _check_range(out, values)


def decimal_year(dates) -> np.ndarray:
    """Decimal years: 2024-07-02 -> 2024.5 (time since 1 January over the year's length)."""
    d = to_datetimes(dates)
    years = d.year.to_numpy()
    start = pd.DatetimeIndex((years - 1970).astype("datetime64[Y]"))  # 1 January of each year
    end = pd.DatetimeIndex((years - 1969).astype("datetime64[Y]"))
    frac = (d - start).total_seconds() / (end - start).total_seconds()
    return np.asarray(d.year + np.asarray(frac), dtype=float)
