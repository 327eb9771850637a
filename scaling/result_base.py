"""The result contract written once: :class:`ResultBase`, the base of every result kind.

:mod:`scaling.results` says what a result honours (``summary``, ``predict``, ``report``,
``warnings``, ``to_dict``, ``save``/``load`` and the metadata of :data:`~scaling.results.METADATA_KEYS`);
this module implements it once. A result kind is a frozen dataclass that subclasses
:class:`ResultBase` and declares only what differs:

=========================  ============================================================
declared by the kind       meaning
=========================  ============================================================
``SCHEMA``                 the saved schema's name (``"scaling.fit"``, ...)
``SCHEMA_VERSION``         the version written; ``READABLE_VERSIONS`` those read
``KIND``                   what the result is, in words (``"least-squares fit"``)
``SUFFIX``                 the file suffix :meth:`save` writes (``".json"``); ``SUFFIXES``, every
                           suffix it writes and reads (default: ``SUFFIX`` alone)
``REMEDY``                 what a user does about an edited or foreign file
fields                     ``data_sha256``, ``seed``, ``settings``, ``created`` (metadata),
                           ``params`` (point estimates) and ``draws`` (or ``None``)
``_summary_values()``      the quantities of :meth:`summary` (default: ``params``)
``_summary_extra()``       further summary columns (R-hat, ...), or None
``_report_lines()``        the body of :meth:`report` (default: the summary as a table)
``_warnings()``            what may make the numbers wrong
``_fields()``              the saved fields beyond metadata and draws
``_saved_draws()``         the draw columns saved (default: all of ``draws``)
``_from_saved()``          the result, from a loaded payload (classmethod)
``_upgrade()``             an older schema version's payload in today's layout (classmethod)
=========================  ============================================================

Written once here: :meth:`summary`, :meth:`report`, :meth:`warnings`, :attr:`metadata`,
:meth:`to_dict`, :meth:`save` (atomic, with a content hash) and :meth:`load` (one reader of
versioned JSON, one exception type, :class:`~scaling.errors.ScalingError`). A kind whose file
is not JSON (a posterior in netCDF) overrides :meth:`_write` and :meth:`_read` only.
``tests/test_contract.py`` checks every kind against this contract with one parametrised test.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ._format import fmt_num
from ._io import (atomic_write_text, check_content_sha256, dumps_json, read_versioned_json, utc_now,
                  with_content_sha256)
from .errors import ScalingError, ScalingWarning
from .results import (DEFAULT_LEVEL, MAX_SAVED_DRAWS, METADATA_KEYS, check_level, check_metadata, decode_draws,
                      draw_arrays, encode_draws, metadata, summary_frame)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ResultBase", "MALFORMED"]

#: Exceptions a kind's ``_from_saved`` may raise on a malformed payload; :meth:`ResultBase.load`
#: turns them into one ``ScalingError`` naming the file and the schema.
MALFORMED = (KeyError, TypeError, ValueError, AttributeError, OverflowError, IndexError)


def _cell(x: float) -> str:
    """A summary cell: ``-`` for NaN (no draws), else 6 significant figures."""
    return fmt_num(x, 6) if not (isinstance(x, float) and math.isnan(x)) else "-"


class ResultBase:
    """Base of every result kind: the contract of :mod:`scaling.results`, written once.

    Subclasses are frozen dataclasses with the fields ``params``, ``draws``, ``data_sha256``,
    ``seed``, ``settings`` and ``created``; see the module docstring for what they declare.
    """

    SCHEMA: ClassVar[str] = ""
    SCHEMA_VERSION: ClassVar[int] = 1
    READABLE_VERSIONS: ClassVar[tuple[int, ...]] = ()
    KIND: ClassVar[str] = "result"
    SUFFIX: ClassVar[str] = ".json"
    SUFFIXES: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def _suffix_ok(cls, path: Path) -> bool:
        """Whether ``path`` ends in one of the kind's suffixes (:data:`SUFFIXES`, else :data:`SUFFIX`)."""
        return any(path.name.lower().endswith(s) for s in (cls.SUFFIXES or (cls.SUFFIX,)))
    REMEDY: ClassVar[str] = "refit (`scaling run --force`)"

    # ------------------------------------------------------------------------------------
    # what a kind declares (defaults)
    # ------------------------------------------------------------------------------------
    def _summary_values(self) -> dict[str, float]:
        """Quantity -> point value, in display order (default: the parameters)."""
        return {str(k): float(v) for k, v in self.params.items()}

    def _summary_draws(self):
        """Draws behind the summary's intervals (default: the result's draws, without pandas)."""
        return draw_arrays(self)

    def _summary_extra(self, level: float) -> pd.DataFrame | None:
        """Further summary columns indexed by quantity (R-hat, ESS, ...), or None."""
        return None

    def _report_title(self) -> str:
        return f"{self.KIND}"

    def _report_lines(self, level: float) -> list[str]:
        """The report's body (default: the summary as an aligned table)."""
        summ = self.summary(level)
        pct = f"{level:.0%}"
        lines = [f"  {'quantity':<12}{'value':>14}{'lower ' + pct:>16}{'upper ' + pct:>16}"]
        for name, row in summ.iterrows():
            lines.append(f"  {str(name):<12}{_cell(row['value']):>14}{_cell(row['lower']):>16}"
                         f"{_cell(row['upper']):>16}")
        return lines

    def _warnings(self, level: float) -> list[ScalingWarning]:
        """What may make this result's numbers wrong (default: nothing)."""
        return []

    def _fields(self) -> dict[str, Any]:
        """The saved fields beyond the metadata and the draws (JSON-ready)."""
        return {"params": {str(k): float(v) for k, v in self.params.items()}}

    def _saved_draws(self) -> Mapping | None:
        """The draw columns saved (default: every column of ``draws``), or None."""
        return draw_arrays(self)

    def _check_savable(self, path: Path) -> None:
        """Refuse to write a file no loader would read (default: every value may be saved)."""

    @classmethod
    def _upgrade(cls, payload: dict) -> dict:
        """An older schema version's payload in the current layout (default: as it is)."""
        return payload

    @classmethod
    def _from_saved(cls, payload: dict, meta: dict, draws, path) -> ResultBase:
        """The result from a loaded payload: ``meta`` checked, ``draws`` decoded (or None)."""
        raise NotImplementedError(f"{cls.__name__} does not declare _from_saved")

    # ------------------------------------------------------------------------------------
    # the contract, written once
    # ------------------------------------------------------------------------------------
    @property
    def metadata(self) -> dict:
        """The metadata block of the saved file (keys :data:`scaling.results.METADATA_KEYS`)."""
        return metadata(self.SCHEMA, self.SCHEMA_VERSION, created=self.created or utc_now(),
                        data_sha256=self.data_sha256, settings=self.settings, seed=self.seed)

    def summary(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Point values and ``level`` intervals: index ``parameter``; ``value``, ``lower``, ``upper``.

        Intervals are equal-tailed percentiles of the draws (NaN ends without draws), by the
        rule of :func:`scaling.results.interval`.
        """
        level = check_level(level)
        return summary_frame(self._summary_values(), self._summary_draws(), level,
                             extra=self._summary_extra(level))

    def warnings(self, level: float = DEFAULT_LEVEL) -> list[ScalingWarning]:
        """List of :class:`~scaling.errors.ScalingWarning` (empty when all is well)."""
        return list(self._warnings(check_level(level)))

    def report(self, level: float = DEFAULT_LEVEL) -> str:
        """A readable report: title, body, and every warning."""
        level = check_level(level)
        lines = [self._report_title(), *self._report_lines(level)]
        lines += [f"  warning: {w.message}" for w in self.warnings(level)]
        return "\n".join(lines)

    def to_dict(self, max_draws: int | None = MAX_SAVED_DRAWS) -> dict:
        """The saved form: the metadata, the kind's fields, then ``draws`` (the one draw store).

        Draws are thinned evenly to at most ``max_draws`` (None: all) and rounded to 6
        significant digits (:func:`scaling.results.encode_draws`); ``None`` without draws.
        """
        payload = self.metadata
        fields = self._fields()
        clash = sorted(set(fields) & {*METADATA_KEYS, "draws"})
        if clash:
            raise ScalingError(f"{type(self).__name__}._fields() may not redefine {', '.join(clash)}")
        payload.update(fields)
        columns = self._saved_draws()
        payload["draws"] = None if columns is None else encode_draws(columns, max_draws)
        return payload

    def save(self, path: str | os.PathLike, max_draws: int | None = MAX_SAVED_DRAWS) -> Path:
        """Write the result atomically (a temporary file, then a rename); returns the path.

        Raises
        ------
        ScalingError
            A suffix other than the kind's, or a result no loader would read.
        """
        path = Path(path)
        if not self._suffix_ok(path):
            raise ScalingError(f"a {self.KIND} is saved as {' or '.join(self.SUFFIXES or (self.SUFFIX,))}, "
                               f"got {path.name!r}")
        self._check_savable(path)
        return self._write(path, max_draws)

    def _write(self, path: Path, max_draws: int | None) -> Path:
        """Write versioned JSON with its content hash (the JSON kinds' file)."""
        return atomic_write_text(path, dumps_json(with_content_sha256(self.to_dict(max_draws)), compact=True))

    @classmethod
    def load(cls, path: str | os.PathLike):
        """Read a result saved by :meth:`save`, validated.

        Raises
        ------
        FileNotFoundError
            If ``path`` does not exist.
        ScalingError
            A foreign or corrupt file, another schema or an unread version, a malformed
            field, or content edited after it was written (the content hash).
        """
        path = Path(path)
        if not cls._suffix_ok(path):
            raise ScalingError(f"a {cls.KIND} is read from {' or '.join(cls.SUFFIXES or (cls.SUFFIX,))}, "
                               f"got {path.name!r}")
        if not path.exists():
            raise FileNotFoundError(2, f"{cls.KIND} file does not exist", str(path))
        return cls._read(path)

    @classmethod
    def _read(cls, path: Path):
        versions = cls.READABLE_VERSIONS or (cls.SCHEMA_VERSION,)
        raw = read_versioned_json(path, cls.SCHEMA, versions)
        try:
            payload = cls._upgrade(raw)
            meta = check_metadata(payload, path)
            block = payload.get("draws")
            draws = decode_draws(block, path) if block else None
            result = cls._from_saved(payload, meta, draws, path)  # names a malformed value first
        except ScalingError:
            raise
        except MALFORMED as exc:
            raise ScalingError(f"{path}: a {cls.SCHEMA!r} file missing or with a malformed field "
                               f"({type(exc).__name__}: {exc})") from None
        check_content_sha256(raw, path, cls.REMEDY)  # then refuses valid values that were edited
        return result
