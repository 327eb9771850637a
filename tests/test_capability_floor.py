"""The attainable-floor check of validation/capability.py (issue 22): what it computes, and the docs agree."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from scaling.datasets import load_capability

from conftest import ROOT

SCRIPT = ROOT / "validation" / "capability.py"


@pytest.fixture(scope="module")
def floor():
    spec = importlib.util.spec_from_file_location("validation_capability", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["validation_capability"] = mod
    spec.loader.exec_module(mod)
    models = load_capability()
    models = models[models["compute_flops"].notna() & (models["role"].astype(str) != "reference")]
    return mod.floor_check(models.reset_index(drop=True), 1e22, bootstrap=20, seed=0)


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
