"""Where the default fits are: your own ``fits/`` first, else the ones shipped with scaling.

``scaling run`` writes its fits to ``fits/`` in the current directory, and the query
commands (``scaling optimal``, ``forecast``, ``plot``, ``trend``) read them from there by
default. Where there is no such file (a fresh directory, an installed package), they fall
back to the fits shipped with the package: an installed wheel carries a copy of the
repository's ``fits/*.json`` and ``fits/*.nc`` as package data
(``scaling/_shipped/fits``); a source checkout or editable install uses the checkout's
``fits/``. Callers say so in one line (:func:`shipped_note`).

Examples
--------
>>> from scaling.paths import default_fit_path
>>> path, shipped = default_fit_path("chinchilla_lsq.json")
>>> path.name
'chinchilla_lsq.json'
"""

from __future__ import annotations

from pathlib import Path

from .errors import ScalingError

__all__ = ["LOCAL_FITS", "shipped_fits_dir", "default_fit_path", "shipped_note"]

_PACKAGE_ROOT = Path(__file__).resolve().parent

#: Where ``scaling run`` writes its fits and the queries look first (relative to the
#: current directory).
LOCAL_FITS = Path("fits")


def shipped_fits_dir() -> Path:
    """The folder of fits shipped with the package.

    ``scaling/_shipped/fits`` in an installed wheel; the checkout's ``fits/`` in a source
    checkout or editable install.
    """
    inside = _PACKAGE_ROOT / "_shipped" / "fits"
    if inside.is_dir():
        return inside
    return _PACKAGE_ROOT.parent / "fits"


def default_fit_path(name: str) -> tuple[Path, bool]:
    """The fit file a command uses when none is given.

    Parameters
    ----------
    name : str
        A file name in ``fits/``, e.g. ``"chinchilla_lsq.json"``,
        ``"chinchilla_bayes.nc"`` or ``"trend_flops_per_usd_tensor16.json"``.

    Returns
    -------
    (pathlib.Path, bool)
        ``fits/<name>`` in the current directory and ``False`` when that file exists;
        else the copy shipped with the package and ``True``. When neither exists, the
        local path and ``False`` (so the caller's "does not exist" error names the
        place ``scaling run`` would write it).

    Raises
    ------
    ScalingError
        If ``name`` is not a plain file name.
    """
    if not isinstance(name, str) or not name or Path(name).name != name:
        raise ScalingError(f"fit name must be a plain file name such as 'chinchilla_lsq.json', got {name!r}")
    local = LOCAL_FITS / name
    if local.exists():
        return local, False
    shipped = shipped_fits_dir() / name
    if shipped.is_file() and shipped.resolve() != local.resolve():
        return shipped, True
    return local, False


def shipped_note(path: str | Path) -> str:
    """The one line a command prints when it falls back to a shipped fit."""
    return f"using the fit shipped with scaling ({path}); run `scaling run` to make your own"
