"""The one reader of a user's table file (runs): what people hand over, read or refused in one line.

:func:`read_table` looks at the bytes, never at the file name (pandas picks a decompressor
from the extension, so ``runs.zip`` holding plain text failed, and a gzip file named
``.csv`` was read as text):

- text CSV in UTF-8 (with or without a byte-order mark), UTF-16 or UTF-32 with a mark (what
  Excel's "Unicode text" export writes), UTF-16 without a mark, and, when the bytes are not
  UTF-8, Windows-1252 (Excel's "CSV" on Windows; a superset of Latin-1's printable
  characters) with Latin-1 as the last resort, noted in ``DataFrame.attrs["note"]``;
  separated by commas, or by semicolons or tabs when the header holds no comma;
- gzip, bzip2, xz and single-file zip archives of such a CSV (zstandard when the
  ``zstandard`` package is installed);
- Excel workbooks (``.xlsx``, first sheet) when ``openpyxl`` is installed, Parquet when
  ``pyarrow`` (or ``fastparquet``) is; else one line saying what to install.

Anything else (tar archives, old ``.xls``, netCDF/HDF5, images, JSON, other binary files)
is refused with a :class:`~scaling.errors.ScalingError` saying what the file is. So is a
header that names a column twice: pandas would rename the second ``loss`` to ``loss.1`` and
fit the first without a word.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import importlib.util
import io
import lzma
import os
import zipfile
import zlib
from collections import Counter
from pathlib import Path

import pandas as pd

from .errors import ScalingError

__all__ = ["read_table", "MAX_TABLE_BYTES"]

#: Largest table read, in bytes (after decompression): far above any table of training runs,
#: and a bound on what a small compressed file can expand to.
MAX_TABLE_BYTES = 256 * 2 ** 20

_GZIP, _BZIP2, _XZ, _ZSTD, _ZIP = b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd", b"PK\x03\x04"
_PARQUET, _OLE2, _HDF5, _NETCDF3 = b"PAR1", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\x89HDF\r\n\x1a\n", b"CDF"
_OTHER = {b"%PDF": "a PDF document", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image",
          b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive", b"Rar!": "a RAR archive", b"\x7fELF": "a program"}
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xef\xbb\xbf", "utf-8-sig"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_SAVE_AS = "save it as CSV (UTF-8) and pass that"


def _installed(*modules: str) -> bool:
    return any(importlib.util.find_spec(m) is not None for m in modules)


def _capped(path: Path, data: bytes) -> bytes:
    if len(data) > MAX_TABLE_BYTES:
        raise ScalingError(f"{path}: the table is larger than {MAX_TABLE_BYTES // 2 ** 20} MiB once "
                           "decompressed; a table of training runs is far smaller")
    return data


def _decompress(path: Path, raw: bytes) -> tuple[bytes, str]:
    """The bytes inside a compressed file (by its magic bytes), and how it was packed ("" for none)."""
    openers = {_GZIP: ("gzip", lambda fh: gzip.GzipFile(fileobj=fh)), _BZIP2: ("bzip2", bz2.BZ2File), _XZ: ("xz", lzma.LZMAFile)}
    for magic, (name, opener) in openers.items():
        if raw.startswith(magic):
            try:
                with opener(io.BytesIO(raw)) as fh:
                    data = fh.read(MAX_TABLE_BYTES + 1)
            except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as exc:
                raise ScalingError(f"{path} is {name}-compressed but damaged ({type(exc).__name__}); "
                                   "decompress it to check, or export the table again") from None
            return _capped(path, data), name
    if raw.startswith(_ZSTD):
        if not _installed("zstandard"):
            raise ScalingError(f"{path} is zstandard-compressed: install zstandard (pip install zstandard) "
                               "or decompress it first (zstd -d)")
        import zstandard

        try:
            with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw)) as fh:
                data = fh.read(MAX_TABLE_BYTES + 1)
        except zstandard.ZstdError as exc:
            raise ScalingError(f"{path} is zstandard-compressed but damaged ({exc})") from None
        return _capped(path, data), "zstandard"
    if raw.startswith(_ZIP) and not _is_xlsx(raw):
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                members = [m for m in zf.infolist() if not m.is_dir()]
                if len(members) != 1:
                    names = ", ".join(m.filename for m in members[:5]) or "nothing"
                    raise ScalingError(f"{path} is a zip archive holding {len(members)} files ({names}); "
                                       "a zipped table must hold exactly one CSV")
                with zf.open(members[0]) as fh:
                    data = fh.read(MAX_TABLE_BYTES + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, zlib.error) as exc:
            raise ScalingError(f"{path} is a zip archive that cannot be read ({type(exc).__name__}: {exc})") from None
        return _capped(path, data), "zip"
    return raw, ""


def _is_xlsx(raw: bytes) -> bool:
    return raw.startswith(_ZIP) and b"[Content_Types].xml" in raw[:4096] or (
        raw.startswith(_ZIP) and b"xl/" in raw[:65536])


def _refuse_binary(path: Path, raw: bytes, packed: str) -> None:
    """A ScalingError for formats that are no table of runs (or need a library that is missing)."""
    inside = f" (inside its {packed} compression)" if packed else ""
    if raw[257:262] == b"ustar":
        raise ScalingError(f"{path} is a tar archive{inside}: extract the CSV from it (tar -xf) and pass that")
    if raw.startswith(_OLE2):
        raise ScalingError(f"{path} is an old Excel (.xls) or other Office file{inside}: {_SAVE_AS}")
    if raw.startswith(_HDF5) or raw.startswith(_NETCDF3):
        raise ScalingError(f"{path} is a netCDF/HDF5 file{inside} (a saved Bayesian fit?), not a table of runs: "
                           "give a CSV")
    for magic, what in _OTHER.items():
        if raw.startswith(magic):
            raise ScalingError(f"{path} is {what}{inside}, not a table of runs: give a CSV")
    if any(raw.startswith(m) for m in (_GZIP, _BZIP2, _XZ, _ZSTD, _ZIP)) and not _is_xlsx(raw):
        raise ScalingError(f"{path} is compressed twice{inside}: decompress it and pass the CSV")


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    """Text and the encoding it was read in: a byte-order mark, UTF-16 without one, UTF-8, cp1252, Latin-1."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding.replace("-sig", "")
            except UnicodeDecodeError as exc:
                raise ScalingError(f"{path} starts with a {encoding} byte-order mark but is not valid "
                                   f"{encoding} ({exc.reason} at byte {exc.start})") from None
    head = raw[:4096]
    if b"\x00" in head:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        encoding = "utf-16-le" if odd > 0.9 * len(head[1::2]) and even == 0 else (
            "utf-16-be" if even > 0.9 * len(head[0::2]) and odd == 0 else None)
        if encoding is not None:
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError:
                pass
        raise ScalingError(f"{path} is a binary file, not a CSV table (it holds NUL bytes); {_SAVE_AS}")
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _check_header(path: Path, text: str, sep: str = ",") -> None:
    """Refuse a header naming a column twice (pandas would rename the second and use the first)."""
    try:
        header = next(csv.reader(io.StringIO(text.split("\n", 1)[0]), delimiter=sep), [])
    except csv.Error:
        return  # the CSV parser gives the error
    names = [h.strip() for h in header]
    twice = [n for n, k in Counter(n for n in names if n).items() if k > 1]
    if twice:
        name = twice[0]
        where = [i + 1 for i, n in enumerate(names) if n == name]
        raise ScalingError(f"{path}: column {name!r} appears {len(where)} times (columns "
                           f"{', '.join(map(str, where))}); keep one, or rename the others")


def _read_csv_text(path: Path, text: str) -> pd.DataFrame:
    if "\x00" in text:
        raise ScalingError(f"{path} is a binary file, not a CSV table (it holds NUL characters); {_SAVE_AS}")
    start = text.lstrip()[:1]
    if start in ("{", "["):
        raise ScalingError(f"{path} holds JSON (a saved result?), not a CSV table of runs")
    header = text.split("\n", 1)[0]
    # Excel in locales with a decimal comma writes ';'; "Unicode text" exports are tab-separated
    sep = next((c for c in (";", "\t") if "," not in header and c in header), ",")
    _check_header(path, text, sep)
    try:
        return pd.read_csv(io.StringIO(text), sep=sep)
    except pd.errors.EmptyDataError:
        raise ScalingError(f"{path}: the file is empty; expected a CSV with columns n_params, n_tokens, loss") \
            from None
    except (pd.errors.ParserError, ValueError, csv.Error) as exc:
        reason = " ".join(str(exc).split())  # pandas' message ends in a newline: keep one error line
        raise ScalingError(f"{path}: not a readable CSV ({reason})") from None


def _read_binary_table(path: Path, raw: bytes, packed: str) -> pd.DataFrame | None:
    """An Excel workbook or a Parquet file, when the library that reads it is installed; else None."""
    if _is_xlsx(raw):
        if not _installed("openpyxl"):
            raise ScalingError(f"{path} is an Excel workbook: reading it needs openpyxl (pip install openpyxl), "
                               f"or {_SAVE_AS}")
        reader, what = pd.read_excel, "Excel workbook"
    elif raw.startswith(_PARQUET):
        if not _installed("pyarrow", "fastparquet"):
            raise ScalingError(f"{path} is a Parquet file: reading it needs pyarrow (pip install pyarrow), "
                               f"or {_SAVE_AS}")
        reader, what = pd.read_parquet, "Parquet file"
    else:
        return None
    try:
        df = reader(io.BytesIO(raw))
    except Exception as exc:  # noqa: BLE001 - a third-party reader's errors vary by version; report in one line
        raise ScalingError(f"{path}: cannot read this {what} ({type(exc).__name__}: "
                           f"{' '.join(str(exc).split())[:200]})") from None
    df.attrs["format"] = what + (f" ({packed})" if packed else "")
    return df


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a user's table (a CSV, however encoded or compressed; Excel or Parquet if supported).

    Parameters
    ----------
    path : str or PathLike

    Returns
    -------
    pandas.DataFrame
        ``attrs["format"]`` says what was read (e.g. ``"CSV (utf-16, gzip)"``); ``attrs["note"]``
        is set when the encoding was a guess (Windows-1252 or Latin-1), to be shown to the user.

    Raises
    ------
    FileNotFoundError, IsADirectoryError, PermissionError
        When the file cannot be opened.
    ScalingError
        Anything that is not a readable table, in one line saying what the file is.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        raw = _capped(path, fh.read(MAX_TABLE_BYTES + 1))
    raw, packed = _decompress(path, raw)
    table = _read_binary_table(path, raw, packed)
    if table is not None:
        return table
    _refuse_binary(path, raw, packed)
    text, encoding = _decode(path, raw)
    df = _read_csv_text(path, text)
    df.attrs["format"] = f"CSV ({encoding}{', ' + packed if packed else ''})"
    if encoding in ("cp1252", "latin-1"):
        df.attrs["note"] = (f"{path} is not UTF-8: read it as {'Windows-1252' if encoding == 'cp1252' else 'Latin-1'} "
                            "(check any text columns; numbers are unaffected)")
    return df
