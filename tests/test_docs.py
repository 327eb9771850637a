"""The docs: the CLI reference is current, and every link and figure resolves."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _builder():
    spec = importlib.util.spec_from_file_location("build_docs", ROOT / "docs" / "build_docs.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["build_docs"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_cli_reference_is_current():
    expected = _builder().render_cli()
    current = (ROOT / "docs" / "cli.md").read_text()
    assert current.rstrip("\n") == expected.rstrip("\n"), "docs/cli.md is stale: run 'python docs/build_docs.py cli'"


def test_cli_reference_covers_every_command():
    text = (ROOT / "docs" / "cli.md").read_text()
    for command in ("run", "fit", "optimal", "forecast", "trend", "plot", "cost train", "cost seed"):
        assert f"`scaling {command}`" in text


PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "datasets" / "README.md"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_and_figures_resolve(page):
    text = page.read_text()
    broken = []
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:", "#")):
            continue
        path = (page.parent / target.split("#")[0]).resolve()
        if not path.exists():
            broken.append(target)
    assert not broken, f"{page.relative_to(ROOT)} links to missing files: {broken}"


def test_docs_have_the_promised_pages():
    for name in ("index.md", "tutorial.md", "methodology.md", "cli.md", "api.md", "seed-reproduction.md",
                 "chinchilla-fit.md", "hardware-trends.md", "forecast.md"):
        assert (ROOT / "docs" / name).exists(), name


def test_layers_diagram_is_current():
    """docs/architecture.md draws the import graph tests/test_imports.py checks (python docs/layers.py)."""
    spec = importlib.util.spec_from_file_location("layers", ROOT / "docs" / "layers.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert mod.updated(text) == text, "docs/architecture.md's layers diagram is stale: run python docs/layers.py"
    assert "runs --> datasets" in text and "fitting -.->|lazy dispatch| bayes" in text
