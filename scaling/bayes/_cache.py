"""Writable cache folders for PyTensor, ArviZ and Matplotlib, chosen before they are imported.

PyTensor compiles into ``~/.pytensor``, ArviZ writes a stamp under ``~/.cache`` when it is
imported, and Matplotlib keeps its font cache under ``~/.config``/``~/.cache``. With no usable
home (``HOME=/nonexistent`` in a container or a service account, a home on a read-only
file system) every Bayesian command failed: an ``OSError`` from ArviZ's import, then a
traceback from PyTensor's compile directory. :func:`ensure_cache_dirs` runs when
:mod:`scaling.bayes` is imported, before any of them is: where a folder they would use
cannot be written, it points them at a private folder under the system's temporary
directory (``XDG_CACHE_HOME``, ``PYTENSOR_FLAGS=base_compiledir=...``, ``MPLCONFIGDIR``) and
says so once on stderr. Settings the user made (those environment variables) are kept.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

__all__ = ["ensure_cache_dirs", "writable"]

_NOTED = "SCALING_CACHE_NOTED"  # set once the note is printed: child processes stay quiet


def writable(folder: Path) -> bool:
    """Whether ``folder`` is, or can be created as, a folder this process can write in.

    Judged without creating anything: the nearest existing ancestor must be a folder we
    may write in (a regular file on the way, a missing root or a read-only file system fail).
    """
    folder = Path(folder)
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            return False
        probe = probe.parent
    return probe.is_dir() and os.access(probe, os.W_OK | os.X_OK)


def _home() -> Path | None:
    try:
        return Path(os.path.expanduser("~"))
    except (RuntimeError, KeyError):
        return None


def _private_dir() -> Path:
    """``$TMPDIR/scaling-cache-<uid>``, ours alone (mode 0700); a fresh one if that name is not safe."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    base = Path(tempfile.gettempdir()) / f"scaling-cache-{uid}"
    try:
        base.mkdir(mode=0o700, exist_ok=True)
        st = base.lstat()
        # another user's folder, or one others may write in, could hold planted compiled code
        if stat.S_ISDIR(st.st_mode) and st.st_uid == uid and not st.st_mode & 0o077:
            return base
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix="scaling-cache-"))


def ensure_cache_dirs(environ=None, stream=None) -> Path | None:
    """Point PyTensor, ArviZ and Matplotlib at writable folders when their defaults are not.

    Returns the private folder used, or None when the defaults (or the user's settings) work.
    Changes only ``environ`` entries (default ``os.environ``) the user has not set; the note
    goes to ``stream`` (default: ``sys.stderr`` at the time of the call).
    """
    environ = os.environ if environ is None else environ
    home = _home()
    needs = []
    cache = Path(environ["XDG_CACHE_HOME"]) if environ.get("XDG_CACHE_HOME") else (home / ".cache" if home else None)
    if "XDG_CACHE_HOME" not in environ and (cache is None or not writable(cache)):
        needs.append("XDG_CACHE_HOME")
    if "base_compiledir" not in environ.get("PYTENSOR_FLAGS", "") and (home is None or not writable(home / ".pytensor")):
        needs.append("PYTENSOR_FLAGS")
    config = Path(environ["XDG_CONFIG_HOME"]) if environ.get("XDG_CONFIG_HOME") else (home / ".config" if home else None)
    if "MPLCONFIGDIR" not in environ and (config is None or not writable(config / "matplotlib")):
        needs.append("MPLCONFIGDIR")
    if not needs:
        return None
    base = _private_dir()
    if "XDG_CACHE_HOME" in needs:
        environ["XDG_CACHE_HOME"] = str(base / "cache")
    if "PYTENSOR_FLAGS" in needs:
        flags = environ.get("PYTENSOR_FLAGS", "")
        environ["PYTENSOR_FLAGS"] = ",".join(f for f in (flags, f"base_compiledir={base / 'pytensor'}") if f)
    if "MPLCONFIGDIR" in needs:
        environ["MPLCONFIGDIR"] = str(base / "matplotlib")
    if not environ.get(_NOTED):
        environ[_NOTED] = "1"
        print(f"note: the home folder ({home}) cannot hold caches; using {base} instead "
              f"(set {', '.join(needs)} to choose)", file=sys.stderr if stream is None else stream)
    return base
