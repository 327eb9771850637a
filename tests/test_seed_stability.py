"""The small cut-offs' seed study (validation/seed_stability.py): which fits it reruns, and that its
saved table is what the saved reruns give."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import ROOT, load_validation_script
from scaling.hardware.evaluation import load_evaluation
from scaling.hardware.evaluation_report import verdict

RESULTS = ROOT / "validation" / "results"


@pytest.fixture(scope="module")
def study():
    return load_validation_script("seed_stability")


def test_small_fits_are_the_bayesian_fits_on_few_observations(study):
    res = load_evaluation(RESULTS / "trend_calibration_flops_per_usd_tensor16.csv")
    small = study.small_fits(res)
    assert set(small["model"]) == {"trend", "trend-static"} and (small["n_train"] < study.SMALL).all()
    big = load_evaluation(RESULTS / "trend_calibration_flops_per_watt_fp32.csv")
    assert study.small_fits(big).empty  # 19 chips before its first cut-off


def test_swapping_in_a_runs_own_rows_changes_nothing_and_another_seed_changes_the_rows(study):
    name = "trend_calibration_flops_per_usd_tensor16.csv"
    saved = load_evaluation(RESULTS / name)
    cuts, models = study._small(saved)
    same = study._swap(saved, saved, cuts, models)
    v0, v1 = verdict(saved, "trend-static"), verdict(same, "trend-static")
    assert v0["mean"] == pytest.approx(v1["mean"]) and len(same.rows) == len(saved.rows)
    other = study._swap(saved, load_evaluation(study._rerun_path(name, 1)), cuts, models)
    assert len(other.rows) == len(saved.rows)
    assert verdict(other, "trend-static")["mean"] != pytest.approx(v0["mean"], abs=1e-6)


def test_the_saved_table_is_what_the_saved_reruns_give(study):
    scores, quant = study.summary()
    saved = pd.read_csv(RESULTS / "seed_stability.csv")
    pd.testing.assert_frame_equal(scores.reset_index(drop=True), saved, check_dtype=False, atol=1e-4)
    assert set(scores["seed"]) == {0, *study.SEEDS} and (quant[["q05", "q50", "q95"]] >= 0).all().all()
