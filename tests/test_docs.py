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


def test_ci_installs_the_pinned_versions_then_runs_the_readme_command():
    """.ci/run installs with .ci/constraints.txt, which pins every dependency of pyproject.toml
    (at a version its specifier allows) and the sampler stack (docs/reproducibility.md)."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    run = (ROOT / ".ci" / "run").read_text().splitlines()
    install = [line for line in run if "pip install" in line]
    assert install and all("-c .ci/constraints.txt" in line for line in install)
    assert "python -m pytest" in run and "python -m pytest" in (ROOT / "README.md").read_text()
    assert run.index("python -m pytest") > run.index(install[0])
    pins = {}
    for line in (ROOT / ".ci" / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version.strip()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for spec in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in pins, f"{name} is not pinned in .ci/constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} breaks {spec}"
    assert {"pymc", "pytensor", "arviz", "nutpie", "numba", "llvmlite", "numpy", "scipy"} <= set(pins)
    assert "setuptools" not in pins  # build tools stay free (pyproject's build-system needs setuptools>=68)
