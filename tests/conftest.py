from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
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
