from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_validation_script(name: str, register: bool = True):
    """Import ``validation/<name>.py`` (not a package) as the module ``validation_<name>``.

    ``register`` puts it in ``sys.modules`` (dataclasses and pickling by reference look there);
    without, joblib's worker processes receive its functions by value, as when the script runs.
    """
    import importlib.util
    import sys

    module = f"validation_{name}"
    spec = importlib.util.spec_from_file_location(module, ROOT / "validation" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    if register:
        sys.modules[module] = mod
    spec.loader.exec_module(mod)
    return mod
RAW = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def raw_data_dir() -> Path:
    if not (RAW / "chinchilla" / "svg_extracted_data.csv").exists():
        pytest.skip("raw data (../shared/data) not present")
    return RAW


# -- fuzz-test outcome counts (tests/test_fuzz_*.py, tests/test_exit_codes.py) ---------------------
# Each fuzz test adds how each generated case ended; the counts print at the end of every run.
_FUZZ_COUNTS: dict[str, Counter] = defaultdict(Counter)


@pytest.fixture(scope="session")
def fuzz_counts() -> dict[str, Counter]:
    """``{suite: Counter(outcome -> cases)}`` shared by the fuzz tests, printed in the summary."""
    return _FUZZ_COUNTS


def pytest_terminal_summary(terminalreporter):
    if not _FUZZ_COUNTS:
        return
    terminalreporter.section("fuzz cases and how they ended")
    for suite in sorted(_FUZZ_COUNTS):
        counts = _FUZZ_COUNTS[suite]
        detail = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        terminalreporter.write_line(f"{suite}: {sum(counts.values())} cases ({detail})")
