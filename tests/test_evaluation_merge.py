"""Evaluations merged without refitting, Epoch's published rates, the verdict of issue 20."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scaling.errors import ScalingError
from scaling.hardware.evaluation import evaluate, evaluation_markdown, load_evaluation, merge_evaluations
from scaling.hardware.evaluation_report import GOAL50, GOAL90, verdict, verdicts_markdown
from scaling.hardware.published import EPOCH_DOUBLING, epoch_doubling, published_table

KW = dict(metric="flops_per_usd", precision="fp32", cutoffs=["2016-01-01", "2018-01-01"], seed=3, n_draws=500)


def _sorted(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.sort_values(["cutoff", "model", "obs"], kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module")
def parts():
    return evaluate(models="ols,rw", **KW), evaluate(models="epoch,nochange", **KW)


def test_merged_rows_are_those_of_one_run(parts, tmp_path):
    merged = merge_evaluations(*parts)
    joint = evaluate(models="ols,rw,epoch,nochange", **KW)
    pd.testing.assert_frame_equal(_sorted(merged.rows), _sorted(joint.rows), rtol=1e-12)
    assert merged.models == ["ols", "rw", "epoch", "nochange"] and merged.data_sha256 == joint.data_sha256
    assert merged.settings["models"] == merged.models
    assert merged.settings["merged"][0]["models"] == ["epoch", "nochange"]
    assert len(merged.fits) == 8
    back = load_evaluation(merged.save(tmp_path / "m.csv"))
    pd.testing.assert_frame_equal(back.scores(), joint.scores(), atol=1e-9)
    assert back.settings["merged"][0]["models"] == ["epoch", "nochange"]


def test_merge_refuses_what_one_run_could_not_give(parts):
    first, second = parts
    with pytest.raises(ScalingError, match="both score ols"):
        merge_evaluations(first, evaluate(models="ols", **KW))
    with pytest.raises(ScalingError, match="different cutoffs"):
        merge_evaluations(first, evaluate(models="epoch", **{**KW, "cutoffs": ["2016-01-01"]}))
    with pytest.raises(ScalingError, match="different seed"):
        merge_evaluations(first, evaluate(models="epoch", **{**KW, "seed": 4}))
    with pytest.raises(ScalingError, match="different target"):
        merge_evaluations(first, evaluate(models="epoch", **{**KW, "metric": "flops_per_watt"}))
    with pytest.raises(ScalingError, match="different populations"):
        merge_evaluations(first, dataclasses.replace(second, data_sha256="0" * 64))


def test_epoch_rates_have_one_home():
    pub = published_table()
    for metric, (lo, hi) in EPOCH_DOUBLING.items():
        epoch_rows = pub.loc[(pub["metric"] == metric) & pub["source"].str.contains("Epoch")]
        assert lo in set(epoch_rows["doubling_years"]) and hi in set(epoch_rows["doubling_years"])
    assert epoch_doubling("flops_per_usd_cloud") == epoch_doubling("flops_per_usd") == (2.1, 2.46)
    with pytest.raises(ScalingError, match="flops_per_gram"):
        epoch_doubling("flops_per_gram")


def test_epoch_baseline_for_flops_per_watt_has_a_fixed_doubling():
    res = evaluate(metric="flops_per_watt", precision="fp32", cutoffs=["2020-01-01"], models="epoch", n_draws=500)
    fit = res.fits.iloc[0]
    assert fit["drift_per_year"] == pytest.approx(np.log10(2.0) / 3.0)
    assert fit["drift_rule"] == "Epoch's published doubling 3 yr"
    # per $: the lognormal between Epoch's two figures; its median drift is log10(2) / sqrt(2.1 * 2.46)
    usd = evaluate(metric="flops_per_usd", precision="fp32", cutoffs=["2020-01-01"], models="epoch", n_draws=500)
    assert usd.fits.iloc[0]["drift_per_year"] == pytest.approx(np.log10(2.0) / np.sqrt(2.1 * 2.46))


def test_verdict_follows_the_paired_interval_and_the_coverage_goal(parts):
    res = merge_evaluations(*parts)
    v = verdict(res, "ols", baselines=("rw", "nochange"))
    s = res.scores()
    best = s.loc[["rw", "nochange"], "crps"].idxmin()
    p = res.paired("crps", [best]).set_index("model").loc["ols"]
    assert v["baseline"] == best and v["mean"] == pytest.approx(p["mean"]) and v["upper"] == pytest.approx(p["upper"])
    assert v["beats"] == (p["upper"] < 0)
    c50, c90 = s.loc["ols", "coverage50"], s.loc["ols", "coverage90"]
    assert v["coverage_ok"] == (GOAL90[0] <= c90 <= GOAL90[1] and GOAL50[0] <= c50 <= GOAL50[1])
    for m in res.models:  # the best baseline other than the model itself
        assert verdict(res, m)["baseline"] == s.drop(m)["crps"].idxmin()
    with pytest.raises(ScalingError, match="none of the baselines"):
        verdict(res, "ols", baselines=("rw-seen",))
    table = verdicts_markdown([("FP32 per $", res, "ols")])
    assert table.count("| FP32 per $ | ols |") == 2 and "converged only" in table


def test_chip_report_names_chips_and_gives_a_trend_verdict(parts):
    res = merge_evaluations(*parts)
    rows = res.rows.assign(model=res.rows["model"].replace({"ols": "trend-static"}))
    fake = dataclasses.replace(res, rows=rows)  # a baseline's rows standing in for a trend's: the rendering only
    md = evaluation_markdown(fake)
    assert "FLOP/s per $ of release price" in md and "resamples of chips" in md
    assert "**Verdict**: `trend-static`" in md and "later chips" in md


def test_gzip_csv_round_trip_is_byte_stable_and_refuses_damage(tmp_path):
    from scaling.hardware.evaluation import load_evaluation as load

    saved = Path(__file__).resolve().parent.parent / "validation" / "results" / "evaluation_pooled.csv.gz"
    if not saved.exists():
        pytest.skip("no saved pooled evaluation")
    res = load(saved)
    plain = res.save(tmp_path / "e.csv")
    packed = load(plain).save(tmp_path / "e.csv.gz")
    assert packed.stat().st_size < plain.stat().st_size / 2
    pd.testing.assert_frame_equal(load(packed).rows, res.rows)
    assert load(packed).save(tmp_path / "f.csv.gz").read_bytes() == packed.read_bytes()  # no timestamp inside
    (tmp_path / "bad.csv.gz").write_bytes(packed.read_bytes()[:200])
    with pytest.raises(ScalingError, match="not an evaluation file written by scaling"):
        load(tmp_path / "bad.csv.gz")
    with pytest.raises(ScalingError, match=r"saved as \.csv or \.csv\.gz"):
        res.save(tmp_path / "e.gz")
