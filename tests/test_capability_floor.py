"""The attainable-floor check of validation/capability.py (issue 22): what it computes, and the docs agree."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT, load_validation_script


@pytest.fixture(scope="module")
def floor():
    mod = load_validation_script("capability")
    return mod.floor_check(mod.fitted_models(), 1e22, bootstrap=20, seed=0)


def test_floor_orders_the_predictions(floor):
    _, out = floor
    mean = {k: sum(v.values()) / len(v) for k, v in out["mae"].items()}
    # Knowing every family (in sample) beats asking the unseen ones as new, which beats the pooled baseline.
    assert mean["known"] < mean["floor"] < mean["pooled"]
    assert 0 < out["n_new_family"] < out["n_test"]
    assert out["floor_ratio"] == pytest.approx(mean["floor"] / out["baseline_mae"])


def test_shipped_floor_result_matches_docs():
    saved = json.loads((ROOT / "validation" / "results" / "capability.json").read_text())["floor"]
    doc = (ROOT / "docs" / "capability.md").read_text()
    assert f"The floor's ratio is {saved['floor_ratio']:.2f}" in doc
