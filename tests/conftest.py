from __future__ import annotations

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
