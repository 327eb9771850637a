"""Caches that check themselves: the manifest of what the job wrote, and when a saved result is reused.

A saved fit is reused only when it loads, answers the step's request (:class:`_Request`: the
data it was fitted to, its law, method, seed and settings) and the manifest
(``fits/manifest.json``) records the same key (:func:`_key`) and the sha256 of the file's
bytes as the job wrote it; otherwise the step refits and says why in one line.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .. import __version__
from .._io import dumps_json, write_if_changed
from ..datasets import datasets_dir

MANIFEST = "manifest.json"


def _file_sha(name: str) -> str:
    return hashlib.sha256((datasets_dir() / f"{name}.csv").read_bytes()).hexdigest()


def _bytes_sha(path: Path) -> str | None:
    """sha256 of a file's bytes (None when it cannot be read)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


#: Parts of the package that make no fit (the outputs layer): their code is left out of a fit's key.
_NOT_FITTING = ("pipeline", "cli", "plot", "forecast", "__main__.py")
#: Modules that score or report fits and never make one (forecast evaluation, proper scores, the
#: nested rule): left out of the hash, so editing them refits nothing. No module in the hash may
#: import them except a package's ``__init__`` re-exporting names (tests/test_pipeline_cache_code.py).
ANALYSIS_ONLY = ("hardware/evaluation.py", "hardware/evaluation_result.py", "hardware/evaluation_report.py",
                 "hardware/nested_rule.py", "hardware/scores.py")


def _fitting_code_sha() -> str:
    """sha256 of the source of every module that can make a fit (all but :data:`_NOT_FITTING` and
    :data:`ANALYSIS_ONLY`).

    A fit is reused only when the code that would refit it is the code that made it: a changed
    default (a model, a prior, a sampler setting) changes this hash, so the job refits rather
    than reuse a file the current code would not write. Line endings are normalised, so a
    checkout with CRLF endings keys the same.
    """
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.split("/")[0] in _NOT_FITTING or rel in ANALYSIS_ONLY:
            continue
        digest.update(rel.encode() + b"\0" + path.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()


def _key(step: str, datasets: list[str], settings: dict) -> str:
    from ..results import DRAW_DIGITS, MAX_SAVED_DRAWS

    payload = {
        "step": step,
        "data": {d: _file_sha(d) for d in datasets},
        "settings": settings,
        "scaling_version": __version__,
        "code": _fitting_code_sha(),  # the code that makes the fit (a changed default refits)
        "saved_draws": [MAX_SAVED_DRAWS, DRAW_DIGITS],  # the saved form (scaling.results.encode_draws)
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class _Manifest:
    def __init__(self, path: Path):
        self.path = path
        try:
            self.entries = json.loads(path.read_text())["entries"]
            if not isinstance(self.entries, dict):
                raise TypeError
        except (OSError, ValueError, RecursionError, KeyError, TypeError):  # a bad manifest vouches for nothing
            self.entries = {}

    def reason(self, output: Path, key: str, *, bytes_sha: bool = True) -> str | None:
        """Why the manifest does not vouch for ``output`` (None when it does); ``bytes_sha``: its
        bytes must be those recorded (see :meth:`record`)."""
        entry = self.entries.get(output.name)
        if not isinstance(entry, dict):
            return f"{self.path} has no record of it"
        if entry.get("key") != key:
            return f"its inputs, settings, the code that fits it or the scaling version changed since it was made ({self.path})"
        if bytes_sha and entry.get("sha256") != _bytes_sha(output):  # reused only when it is the very file this job wrote
            return f"the file is not the one this job wrote (edited or replaced since; {self.path} records its sha256)"
        return None

    def record(self, output: Path, key: str, seconds: float | None = None, *, bytes_sha: bool = True) -> None:
        """Vouch for ``output`` made from ``key``; ``bytes_sha``: also pin its bytes (a fit, which later
        steps read, is reused only when unedited; a figure, which nothing reads, is not: another CPU's
        sub-pixels must not make a fresh clone redraw it)."""
        entry = {"key": key} if seconds is None else {"key": key, "seconds": round(seconds, 2)}
        self.entries[output.name] = {**entry, "sha256": _bytes_sha(output)} if bytes_sha else entry
        payload = {"schema": "scaling.manifest", "schema_version": 1, "entries": dict(sorted(self.entries.items()))}
        write_if_changed(self.path, dumps_json(payload))


@dataclass(frozen=True)
class _Request:
    """What a step asks of a saved result.

    ``data_sha256``: the hashes a result of this step may record (like with like: the
    :func:`scaling.datasets.runs_sha256` of the whole table the step would fit).
    ``attrs``: result attributes and their values (law, method, seed).
    ``settings``: keys the result's ``settings`` must hold with these values.
    """

    data_sha256: tuple[str, ...]
    attrs: dict
    settings: dict


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, (list, tuple)) and isinstance(got, (list, tuple)):
        return len(got) == len(want) and all(_same(g, w) for g, w in zip(got, want))
    if isinstance(want, (int, float)) and not isinstance(want, bool) and isinstance(got, (int, float, np.number)) \
            and not isinstance(got, bool):
        return float(got) == float(want)
    return got == want


def _short(sha: str) -> str:
    return f"{sha[:12]}..."


def _stale_reason(result, request: _Request) -> str | None:
    """Why ``result`` does not answer ``request`` (None when it does)."""
    if request.data_sha256 and result.data_sha256 not in request.data_sha256:
        return (f"it was fitted to other data (sha256 {_short(str(result.data_sha256))} != "
                f"{_short(request.data_sha256[0])})")
    for name, want in request.attrs.items():
        got = getattr(result, name)
        if not _same(got, want):
            return f"its {name} is {got!r}, not {want!r}"
    settings = result.settings if isinstance(result.settings, dict) else {}
    for name, want in request.settings.items():
        if name not in settings:
            return f"it records no {name!r} setting (this run uses {want!r})"
        if not _same(settings[name], want):
            return f"it was made with {name} = {settings[name]!r}, this run uses {want!r}"
    return None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def _reusable(manifest: _Manifest, output: Path, key: str, request: _Request, force: bool, load: Callable):
    """``(result, None)`` when ``output`` answers ``request`` and the manifest vouches for it,
    else ``(None, reason)`` (``reason`` None: there is no file yet)."""
    if force:
        return None, "--force"
    if not output.exists():
        return None, None
    try:
        result = load(output)
    except Exception as exc:  # noqa: BLE001 - a cache that cannot be read is refitted, whatever the cause
        return None, f"it could not be read ({_one_line(exc)})"
    reason = _stale_reason(result, request) or manifest.reason(output, key)
    return (result, None) if reason is None else (None, reason)


def _cached(manifest: _Manifest, output: Path, key: str, request: _Request, force: bool,
            compute: Callable, load: Callable, say, checked: tuple | None = None):
    """Reuse ``output`` when it answers ``request`` and the manifest vouches for it; else refit.
    ``checked``: :func:`_reusable`'s answer when the caller already has it."""
    result, reason = checked if checked is not None else _reusable(manifest, output, key, request, force, load)
    if result is not None:
        say(f"reusing {output} (inputs unchanged)")
        return result
    if reason:
        say(f"refitting {output}: {reason}")
    t0 = time.perf_counter()
    result = compute()
    seconds = time.perf_counter() - t0
    _write_result(result, output)
    manifest.record(output, key, seconds)
    say(f"wrote {output} ({seconds:.1f} s)")
    # The saved form (thinned draws at 6 digits) is what every later step uses, as on a run
    # that reuses the file: a fresh fit and a cached one give the same forecasts and figures.
    return load(output)


def _write_result(result, path: Path) -> bool:
    """Save ``result`` to ``path`` through the one write-if-changed helper."""
    return write_if_changed(path, result.save)


def _say_warnings(result, say) -> None:
    for w in result.warnings():
        say(f"warning: {w.message}")


def _written(path: Path | str, changed: bool) -> str:
    return f"wrote {path}" if changed else f"kept {path} (unchanged)"
