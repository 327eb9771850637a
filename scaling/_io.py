"""Atomic, versioned file writing shared by every saved result.

Every save in the package goes through :func:`atomic_write_bytes`: the data is
written to a temporary file in the destination folder (``.{stem}.XXXXXXXX.tmp{suffix}``),
flushed to disk and then renamed over the target, so an interrupted save leaves the
previous file intact, and a replaced file keeps its mode; a read-only file is never replaced
(``PermissionError``). The temporary file is removed when the write fails; one left
behind by a killed process is removed by the next write of the same target once it is
older than :data:`STALE_TEMP_SECONDS` (and by :func:`sweep_stale_temps`, which
``scaling run`` calls on its output folders at start).

:func:`write_if_changed` writes only when the content changes, so a job re-run with
nothing changed leaves its files (and their ``created`` stamps) byte-identical.
"""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import re
import stat
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from .errors import ScalingError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _public(tmp: str) -> None:
    # mkstemp creates 0600 files; saved results are ordinary files (0644 under the usual umask).
    os.chmod(tmp, 0o666 & ~_umask())


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, ``os.replace``)."""

    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    return atomic_write_with(path, write)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


#: A temporary file older than this (seconds, by modification time) belongs to no live
#: write: a write refreshes its file's time as it goes, and none takes this long.
STALE_TEMP_SECONDS = 60.0

# tempfile.mkstemp's random part: 8 characters of this alphabet.
_RANDOM = r"[a-z0-9_]{8}"
_ANY_TEMP = re.compile(rf"^\..+\.{_RANDOM}\.tmp(\.[^./]+)?$")


def _temp_pattern(path: Path) -> re.Pattern:
    return re.compile(rf"^\.{re.escape(path.stem)}\.{_RANDOM}\.tmp{re.escape(path.suffix)}$")


def _remove_old(candidates: Iterable[Path], older_than: float) -> list[Path]:
    now = time.time()
    removed = []
    for p in candidates:
        try:
            if p.is_file() and now - p.stat().st_mtime > older_than:
                p.unlink()
                removed.append(p)
        except FileNotFoundError:  # another process removed it first
            pass
    return removed


def remove_stale_temps(path: str | os.PathLike, older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove temporary files that killed writes of ``path`` left in its folder.

    Only files named like this module's temporary files for ``path``
    (``.{stem}.XXXXXXXX.tmp{suffix}``) and older than ``older_than`` seconds are removed;
    returns them.
    """
    path = Path(path)
    if not path.parent.is_dir():
        return []
    pattern = _temp_pattern(path)
    return _remove_old((p for p in path.parent.iterdir() if pattern.match(p.name)), older_than)


def sweep_stale_temps(folder: str | os.PathLike, older_than: float = STALE_TEMP_SECONDS,
                      recursive: bool = True) -> list[Path]:
    """Remove every stale temporary file of this module's writes under ``folder``; returns them."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    files = folder.rglob(".*.tmp*") if recursive else folder.glob(".*.tmp*")
    return _remove_old((p for p in files if _ANY_TEMP.match(p.name)), older_than)


def _read_only(path: Path) -> bool:
    """Whether ``path`` is an existing file marked read-only (no write bit, or not writable to us)."""
    try:
        st = path.stat()
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and (not st.st_mode & 0o222 or not os.access(path, os.W_OK))


def _refuse_read_only(path: Path) -> None:
    # os.replace would swap a read-only file for a new one (and reset its mode): never
    if _read_only(path):
        raise PermissionError(errno.EACCES, "a read-only file: scaling does not replace it (make it writable, "
                              "or write elsewhere)", str(path))


def _write_temp(path: Path, writer: Callable[[str], None]) -> str:
    """Run ``writer`` on a fresh temporary file beside ``path``; remove it if that fails."""
    _refuse_read_only(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    try:
        writer(tmp)
    except BaseException:
        _unlink(tmp)
        raise
    return tmp


def _unlink(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


def _commit(tmp: str, path: Path) -> None:
    try:
        _refuse_read_only(path)
        try:  # a replaced file keeps its mode (0600 stays private); a new one gets the umask's
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        except FileNotFoundError:
            _public(tmp)
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


def atomic_write_with(path: str | os.PathLike, writer) -> Path:
    """Atomically create ``path`` with ``writer(tmp_path)``, a function that writes a file.

    For writers that want a file name rather than bytes (netCDF, matplotlib).
    The temporary file keeps the target's suffix so format sniffing still works.
    """
    path = Path(path)
    _commit(_write_temp(path, writer), path)
    return path


def _without(obj: Any, keys: tuple[str, ...]) -> Any:
    if isinstance(obj, dict):
        return {k: _without(v, keys) for k, v in obj.items() if k not in keys}
    if isinstance(obj, list):
        return [_without(v, keys) for v in obj]
    return obj


def same_content(old: bytes, new: bytes, ignore_keys: tuple[str, ...] = ("created",)) -> bool:
    """Whether two file contents say the same thing.

    Equal bytes, or two JSON documents equal once the keys ``ignore_keys`` (at any
    depth; by default the ``created`` stamp) are left out.
    """
    if old == new:
        return True
    if not ignore_keys or not new.lstrip()[:1] in (b"{", b"["):
        return False
    try:
        return _without(json.loads(old), ignore_keys) == _without(json.loads(new), ignore_keys)
    except (UnicodeDecodeError, ValueError):
        return False


def write_if_changed(path: str | os.PathLike, content: bytes | str | Callable[[str], None],
                     ignore_keys: tuple[str, ...] = ("created",)) -> bool:
    """Write ``path`` atomically unless it already holds the same content; True when written.

    Parameters
    ----------
    path : str or PathLike
    content : bytes, str or callable
        The new content: bytes, text (written as UTF-8), or a writer ``f(tmp_path)`` as
        for :func:`atomic_write_with` (its output is compared, then kept or discarded).
    ignore_keys : tuple of str
        JSON keys whose values do not count as a change (:func:`same_content`): a result
        recomputed with nothing changed keeps its file and its ``created`` stamp.
    """
    path = Path(path)
    try:
        old = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        old = None
    if callable(content):
        tmp = _write_temp(path, content)
        try:
            new = Path(tmp).read_bytes()
        except BaseException:
            _unlink(tmp)
            raise
        if old is not None and same_content(old, new, ignore_keys):
            _unlink(tmp)
            return False
        _commit(tmp, path)
        return True
    new = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    if old is not None and same_content(old, new, ignore_keys):
        return False
    atomic_write_bytes(path, new)
    return True


def round_floats(obj: Any, digits: int = 6) -> Any:
    """``obj`` with every float rounded to ``digits`` significant digits (for stable files).

    Dicts, lists and tuples are walked; ``inf`` and ``nan`` are kept; ints, bools and
    strings are unchanged.
    """
    if isinstance(obj, dict):
        return {k: round_floats(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [round_floats(v, digits) for v in obj]
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        return float(f"{x:.{digits}g}") if math.isfinite(x) else x
    return obj


def sha256_arrays(*arrays) -> str:
    """A stable hash of numeric arrays (float64, C order), for data provenance."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(np.asarray(a, dtype=np.float64))
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _default(obj: Any):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__} to JSON")


def dumps_json(payload: dict, compact: bool = False) -> str:
    """JSON with a stable key order and full float precision.

    ``compact=True``: still indented, but every list or mapping that holds only numbers,
    strings, booleans or null is written on one line without spaces (a column of 1,000
    draws is one line, not 1,000): the layout of saved fits.
    """
    if not compact:
        return json.dumps(payload, indent=2, sort_keys=False, default=_default, allow_nan=True) + "\n"
    # one encoding pass for the values (numpy types, paths), then the layout
    plain = json.loads(json.dumps(payload, default=_default, allow_nan=True))
    return _compact(plain, 0) + "\n"


def _is_leaf(obj: Any) -> bool:
    return not isinstance(obj, (dict, list))


def _compact(obj: Any, depth: int) -> str:
    one_line = lambda o: json.dumps(o, separators=(",", ":"), allow_nan=True)  # noqa: E731
    if _is_leaf(obj):
        return json.dumps(obj, allow_nan=True)
    values = obj.values() if isinstance(obj, dict) else obj
    if not obj or all(_is_leaf(v) for v in values):
        return one_line(obj)
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(obj, dict):
        items = [f"{inner}{json.dumps(str(k))}: {_compact(v, depth + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    return "[\n" + ",\n".join(f"{inner}{_compact(v, depth + 1)}" for v in obj) + f"\n{pad}]"


#: Largest JSON file read: every file the package writes is far smaller (a fit with 4,000
#: bootstrap draws is about 0.5 MiB).
MAX_JSON_BYTES = 256 * 2 ** 20


def read_json(path: str | os.PathLike, what: str = "a JSON file written by scaling") -> Any:
    """Parse the JSON file ``path``; anything that is not readable JSON is a :class:`ScalingError`.

    Undecodable bytes, malformed JSON, an integer beyond Python's digit limit (4,300 digits)
    and nesting too deep to parse all raise ``ScalingError`` naming the file, never another
    exception.

    Raises
    ------
    FileNotFoundError, IsADirectoryError, PermissionError
        If ``path`` cannot be opened (the CLI reports these in one line too).
    ScalingError
        If the content is not JSON this package can read.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        raw = fh.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise ScalingError(f"{path} is larger than {MAX_JSON_BYTES // 2 ** 20} MiB: not {what}")
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ScalingError(f"{path} is not {what}: it is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ScalingError(f"{path} is not {what} ({exc})") from None
    except RecursionError:
        raise ScalingError(f"{path} is not {what}: its JSON is nested too deeply to read") from None
    except ValueError as exc:  # Python refuses integers of more than 4,300 digits
        reason = ("it holds an integer of more than 4,300 digits" if "integer string conversion" in str(exc)
                  else " ".join(str(exc).split()))
        raise ScalingError(f"{path} is not {what}: {reason}") from None


def read_versioned_json(path: str | os.PathLike, schema: str, version: int | tuple[int, ...]) -> dict:
    """Read a JSON file written by this package and check its schema name and version.

    Parameters
    ----------
    path : str or PathLike
    schema : str
        The schema the file must hold (``"scaling.fit"``, ...).
    version : int or tuple of int
        The schema version, or the versions, this package reads.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ScalingError
        If the file is not JSON, names another schema, or has another version (the one
        exception type of every versioned reader).
    """
    path = Path(path)
    payload = read_json(path)
    versions = (version,) if isinstance(version, int) else tuple(version)
    if not isinstance(payload, dict) or "schema" not in payload:
        raise ScalingError(f"{path} has no 'schema' key: not a file written by scaling")
    if payload["schema"] != schema:
        raise ScalingError(f"{path} holds schema {payload['schema']!r}, expected {schema!r}")
    got = payload.get("schema_version")
    if isinstance(got, bool) or got not in versions:
        raise ScalingError(
            f"{path} has schema version {got!r}; this version of scaling reads version "
            f"{', '.join(map(str, versions))} of {schema!r}. Refit, or install the scaling version that wrote it."
        )
    return payload


#: The key of a saved file's content hash (:func:`content_sha256`).
CONTENT_KEY = "content_sha256"
# Fields outside the hash: the hash itself, the time stamp (a rewrite with nothing changed keeps
# the file) and the runs file's path (provenance checked by the data's own sha256; a moved file
# may be re-pointed).
_NOT_CONTENT = (CONTENT_KEY, "created", "data_path")


def content_sha256(payload: dict) -> str:
    """sha256 of a JSON payload's content: every field but its hash, ``created`` and ``data_path``.

    Computed on canonical JSON (sorted keys, no spaces), so the same numbers give the same
    hash whatever the file's layout.
    """
    body = {k: v for k, v in payload.items() if k not in _NOT_CONTENT}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=True, default=_default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def with_content_sha256(payload: dict) -> dict:
    """``payload`` with its :data:`CONTENT_KEY` added: the hash of what a reader of the file will parse."""
    parsed = json.loads(dumps_json({k: v for k, v in payload.items() if k != CONTENT_KEY}))
    return {**payload, CONTENT_KEY: content_sha256(parsed)}


def check_content_sha256(payload: dict, path, remedy: str = "refit (`scaling fit`, or `scaling run --force`)") -> bool:
    """Check a loaded payload against its own content hash; False when it records none (older files).

    Raises
    ------
    ScalingError
        The content differs from what the file's hash says was written (a hand-edited file),
        naming the file and ``remedy``.
    """
    want = payload.get(CONTENT_KEY)
    if want is None:
        return False
    if not isinstance(want, str) or want != content_sha256(payload):
        raise ScalingError(f"{path} was changed after scaling wrote it (its content no longer matches its "
                           f"{CONTENT_KEY}): results are not read from an edited file; {remedy}")
    return True


# What marks a file as an output of this package (for :func:`check_overwrite`).
_MARKERS = (re.compile(rb"scaling \d+\.\d+"),  # figures' metadata (scaling.plot.savefig), e.g. "scaling 0.1.0"
            re.compile(rb"scaling\.bayes"),  # a posterior's netCDF attributes
            re.compile(rb"python -m scaling\.seed"))  # the seed reproduction's markdown
_HEADERS = (re.compile(rb"date,quantity,median,lower,upper,level\r?\n"),  # a forecast table
            re.compile(rb"date,[^,\n]+:[^,\n]+_median,"),  # `scaling forecast -o`'s wide table
            re.compile(rb"row,quantity,"))  # the seed reproduction's table
_PEEK_BYTES = 2 ** 20


def written_by_scaling(path: str | os.PathLike) -> bool:
    """Whether the file at ``path`` is one this package writes (recognised by its content).

    A JSON file with a ``scaling.*`` schema or a ``scaling_version``; a figure, posterior or
    document carrying the package's mark in its metadata; a forecast or seed table by its header.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(_PEEK_BYTES)
            fh.seek(max(size - _PEEK_BYTES, len(head)))
            tail = fh.read(_PEEK_BYTES)
    except OSError:
        return False
    if head.lstrip()[:1] == b"{" and size <= 256 * 2 ** 20:
        try:
            payload = read_json(path)
        except (ScalingError, OSError):
            payload = None
        if isinstance(payload, dict) and (str(payload.get("schema", "")).startswith("scaling.")
                                          or "scaling_version" in payload):
            return True
    if any(h.match(head) for h in _HEADERS):
        return True
    return any(m.search(head) or m.search(tail) for m in _MARKERS)


def check_overwrite(path: str | os.PathLike, force: bool = False) -> None:
    """Refuse to write ``path`` over a read-only file, or over a file this package did not write.

    Parameters
    ----------
    path : str or PathLike
        An output the caller is about to write.
    force : bool
        Replace a file that is not recognised as the package's (:func:`written_by_scaling`);
        a read-only file is never replaced.

    Raises
    ------
    PermissionError
        ``path`` is a read-only file.
    ScalingError
        ``path`` is a file of someone else's and ``force`` is False.
    """
    path = Path(path)
    if not path.is_file():
        return  # nothing there (or not a file: the write itself says what is wrong)
    _refuse_read_only(path)
    if not force and not written_by_scaling(path):
        raise ScalingError(f"{path} exists and was not written by scaling: not replacing it "
                           "(choose another path, or pass --force to replace it)")
