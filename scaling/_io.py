"""Atomic, versioned file writing shared by every saved result.

Every save in the package goes through :func:`atomic_write_bytes`: the data is
written to a temporary file in the destination folder, flushed to disk and then
renamed over the target, so an interrupted save leaves the previous file intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np


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


def atomic_write_with(path: str | os.PathLike, writer) -> Path:
    """Atomically create ``path`` with ``writer(tmp_path)``, a function that writes a file.

    For writers that want a file name rather than bytes (netCDF, matplotlib).
    The temporary file keeps the target's suffix so format sniffing still works.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    try:
        writer(tmp)
        _public(tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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


def dumps_json(payload: dict) -> str:
    """JSON with a stable key order and full float precision."""
    return json.dumps(payload, indent=2, sort_keys=False, default=_default, allow_nan=True) + "\n"


def read_versioned_json(path: str | os.PathLike, schema: str, version: int) -> dict:
    """Read a JSON file written by this package and check its schema name and version.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not JSON, names another schema, or has another major version.
    """
    path = Path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not a JSON file written by scaling ({exc})") from None
    if not isinstance(payload, dict) or "schema" not in payload:
        raise ValueError(f"{path} has no 'schema' key: not a file written by scaling")
    if payload["schema"] != schema:
        raise ValueError(f"{path} holds schema {payload['schema']!r}, expected {schema!r}")
    got = payload.get("schema_version")
    if got != version:
        raise ValueError(
            f"{path} has schema version {got!r}; this version of scaling reads version {version} "
            f"of {schema!r}. Refit, or install the scaling version that wrote it."
        )
    return payload
