"""The fit cache's code hash (scaling.pipeline._cache) leaves out analysis-only modules; this checks
that no module in the hash can reach them, so an edit there cannot change a fit the cache reuses."""

from __future__ import annotations

import ast
from pathlib import Path

from scaling.pipeline import _cache

PKG = Path(_cache.__file__).resolve().parents[1]


def _hashed() -> list[Path]:
    return [p for p in sorted(PKG.rglob("*.py"))
            if p.relative_to(PKG).as_posix().split("/")[0] not in _cache._NOT_FITTING
            and p.relative_to(PKG).as_posix() not in _cache.ANALYSIS_ONLY]


def _imported_files(path: Path, text: str | None = None) -> set[str]:
    """Package-relative files (``hardware/evaluation.py``) that ``path`` (or ``text`` as if it were
    that file) imports, lazily or not."""
    package = path.relative_to(PKG).parent.parts
    out = set()
    for node in ast.walk(ast.parse(path.read_text() if text is None else text)):
        mods = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - (node.level - 1)])
                mods.append(base + (node.module.split(".") if node.module else []))
                mods += [base + (node.module.split(".") if node.module else []) + [a.name] for a in node.names]
            elif node.module and node.module.split(".")[0] == "scaling":
                parts = node.module.split(".")[1:]
                mods += [parts] + [parts + [a.name] for a in node.names]
        elif isinstance(node, ast.Import):
            mods += [a.name.split(".")[1:] for a in node.names if a.name.split(".")[0] == "scaling"]
        out |= {"/".join(m) + ".py" for m in mods if m}
    return out


def test_analysis_only_modules_exist():
    for rel in _cache.ANALYSIS_ONLY:
        assert (PKG / rel).is_file(), rel


def _forbidden() -> set[str]:
    """The analysis-only files, and the names their packages re-export from them (``from
    scaling.hardware import evaluate`` parses as ``hardware/evaluate.py``)."""
    out = set(_cache.ANALYSIS_ONLY)
    for init in PKG.rglob("__init__.py"):
        pkg = init.relative_to(PKG).parent.as_posix()
        for node in ast.walk(ast.parse(init.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                if f"{pkg}/{node.module}.py".lstrip("./") in _cache.ANALYSIS_ONLY:
                    out |= {f"{pkg}/{a.asname or a.name}.py".lstrip("./") for a in node.names}
    return out


def test_no_hashed_module_imports_an_analysis_only_one():
    offenders = []
    forbidden = _forbidden()
    assert "hardware/evaluate.py" in forbidden  # the package's re-export of evaluation.evaluate
    for path in _hashed():
        if path.name == "__init__.py":  # a package re-exporting names makes no fit with them
            continue
        bad = _imported_files(path) & forbidden
        if bad:
            offenders.append(f"{path.relative_to(PKG)} imports {sorted(bad)}")
    assert not offenders, offenders


def test_the_check_sees_an_import():
    assert "hardware/evaluation.py" not in _imported_files(PKG / "hardware" / "trend.py")
    probe = PKG / "hardware" / "probe.py"  # not written: the text is parsed as if it were this file
    for text in ("def f():\n    from .evaluation import evaluate\n", "from . import nested_rule\n",
                 "import scaling.hardware.scores\n", "from scaling.hardware.evaluation_report import verdict\n"):
        assert _imported_files(probe, text) & set(_cache.ANALYSIS_ONLY), text


def test_editing_an_analysis_module_keeps_the_hash(monkeypatch):
    before = _cache._fitting_code_sha()
    real = Path.read_bytes

    def read_bytes(self):
        data = real(self)
        return data + b"\n# edited\n" if self.name == "nested_rule.py" else data

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert _cache._fitting_code_sha() == before
    monkeypatch.setattr(Path, "read_bytes", lambda self: real(self) + (b"\n# e\n" if self.name == "trend.py" else b""))
    assert _cache._fitting_code_sha() != before
