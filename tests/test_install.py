"""The package works installed, from any directory (issue 11, item 11).

Builds the wheel from a copy of the checkout, installs it (``--no-deps``) into a fresh
virtual environment that sees this environment's packages (``--system-site-packages``:
numpy, PyMC and the rest come from here, nothing is downloaded), and from an empty
directory runs a query, which must use the fit shipped in the wheel and say so, and the
main job, which must write ``fits/`` and ``forecasts/`` there.

About 2 minutes on 2 cores (most of it the main job's Bayesian hardware trends).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow

# What the source tree needs to build; build outputs and caches stay behind.
_IGNORE = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                                 ".benchmarks", "forecasts", ".*.tmp*")


def _env() -> dict:
    """This environment without what would point Python at the checkout."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SCALING_DATASETS")}


def _pip(python: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([python, "-m", "pip", "--disable-pip-version-check", *args], capture_output=True,
                          text=True, env=_env())


def _build_wheel(src: Path, out: Path) -> Path:
    """Build offline with this environment's setuptools when it can; else in pip's isolated
    build environment (which needs setuptools and wheel from a package index or cache)."""
    tried = []
    for isolation in (["--no-build-isolation"], []):
        done = _pip(sys.executable, "wheel", "--no-deps", *isolation, "-w", str(out), str(src))
        if done.returncode == 0:
            return next(out.glob("scaling-*.whl"))
        tried.append(f"pip wheel {' '.join(isolation)}: {done.stdout[-800:]}{done.stderr[-800:]}")
    pytest.skip("cannot build the wheel here (no build backend offline, no index):\n" + "\n".join(tried))


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=_IGNORE)
    wheel = _build_wheel(src, tmp / "wheel")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True,
                   env=_env())
    python = str(venv / "bin" / "python")
    # --force-reinstall: the checkout's editable install is visible through the system site.
    done = _pip(python, "install", "--no-deps", "--no-index", "--force-reinstall", str(wheel))
    assert done.returncode == 0, done.stdout + done.stderr
    empty = tmp / "empty"
    empty.mkdir()
    return wheel, venv, empty


def _scaling(venv: Path, cwd: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / "scaling"), *args], cwd=cwd, env=_env(), capture_output=True,
                          text=True, timeout=timeout)


def test_wheel_carries_the_datasets_and_the_shipped_fits(installed):
    wheel, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for csv in sorted((ROOT / "datasets").glob("*.csv")):
        assert f"scaling/_shipped/datasets/{csv.name}" in names
    for name in ("chinchilla_lsq.json", "chinchilla_bayes.nc", "trend_flops_per_usd_cloud_tensor16.json",
                 "price_backtests_record.json"):
        assert f"scaling/_shipped/fits/{name}" in names
    assert "scaling/_shipped/fits/manifest.json" not in names


def test_installed_package_is_the_one_imported(installed):
    _, venv, empty = installed
    code = "import scaling, scaling.datasets as d; print(scaling.__file__); print(d.datasets_dir())"
    done = subprocess.run([str(venv / "bin" / "python"), "-c", code], cwd=empty, capture_output=True, text=True,
                          env=_env())
    assert done.returncode == 0, done.stderr
    module, tables = done.stdout.split()
    assert Path(module).is_relative_to(venv) and not Path(module).is_relative_to(ROOT)
    assert Path(tables) == Path(module).parent / "_shipped" / "datasets"


def test_query_in_an_empty_directory_uses_the_shipped_fit(installed):
    _, venv, empty = installed
    done = _scaling(venv, empty, "optimal", "--compute", "1e23")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout + done.stderr
    assert "using the fit shipped with scaling (" in out and "run `scaling run` to make your own" in out
    assert "_shipped" in out
    assert not (empty / "fits").exists()


def test_main_job_in_an_empty_directory_writes_there(installed):
    _, venv, empty = installed
    done = _scaling(venv, empty, "run", "--no-bayes", "--bootstrap", "100", "--no-figures")
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("chinchilla_lsq.json", "manifest.json", "trend_flops_per_usd_cloud_tensor16.json"):
        assert (empty / "fits" / name).is_file(), name
    for name in ("gpt3_equivalent_cost.csv", "gpt3_equivalent_cost.json", "summary.json", "seed_reproduction.csv"):
        assert (empty / "forecasts" / name).is_file(), name
    # a query now uses the local fit, without the note
    query = _scaling(venv, empty, "optimal", "--compute", "1e23")
    assert query.returncode == 0, query.stdout + query.stderr
    assert "shipped with scaling" not in query.stdout + query.stderr
