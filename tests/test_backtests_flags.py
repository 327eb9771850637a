"""validation/backtests.py flags the rows of unconverged fits and keeps them out of every verdict
(goal check, specification curve, the backtest record), and its pieces run through joblib with
the same rows for any number of jobs."""

from __future__ import annotations

import json
from functools import partial
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from conftest import load_validation_script


@pytest.fixture(scope="module")
def bt():
    return load_validation_script("backtests", register=False)  # joblib sends its functions by value


def test_rows_do_not_depend_on_jobs(bt):
    from scaling.hardware.trend import fit_prepared

    ols = partial(fit_prepared, method="ols")  # cheap stand-in for the Bayesian fit
    kw = dict(cutoffs=["2019-01-01", "2021-01-01", "2023-01-01"], fit=ols, fit_panel_=None, log=lambda *_: None)
    one, two = bt.run_backtests(jobs=1, **kw), bt.run_backtests(jobs=2, **kw)
    pd.testing.assert_frame_equal(one, two)
    assert list(one["trend"].unique()) == [*bt.PURCHASE, "pooled"]
    assert one["coverage_90"].notna().sum() >= 6  # scored rows, not only empty ones
    with pytest.raises(Exception, match="jobs"):
        bt.run_backtests(jobs=0, **kw)


def _fit(r_hat=1.001, ess=900.0, div=0, chains=4, draws=500):
    return SimpleNamespace(diagnostics={"r_hat": {"a": 1.0, "b": r_hat}, "ess_bulk": {"a": 2000.0, "b": ess},
                                        "ess_tail": {"a": 800.0, "b": 700.0}, "divergences": div,
                                        "chains": chains, "draws": draws, "seconds": 1.0})


def test_fit_diag_flags_each_failed_check(bt):
    assert bt._fit_diag(_fit())["converged"] is True
    assert bt._fit_diag(_fit(r_hat=1.02))["converged"] is False
    assert bt._fit_diag(_fit(ess=399.0))["converged"] is False
    assert bt._fit_diag(_fit(div=20))["converged"] is True  # 20 of 2,000 transitions: 1%
    assert bt._fit_diag(_fit(div=21))["converged"] is False
    assert bt._fit_diag(SimpleNamespace(diagnostics={"method": "ols"})) == {}  # no sampler: no flag


def _row(cutoff, coverage, n, p_lo, ok, **diag):
    return {"trend": "pooled", "cutoff": cutoff, "n_train": 30, "n_test": n, "coverage_90": coverage,
            "coverage_50": coverage / 2, "p_at_most": p_lo, "p_at_least": 1.0, "p_goal": 0.5,
            "coverage_sim_mean": 0.9, "coverage_sim_q05": 0.8, "coverage_sim_q95": 1.0, "converged": ok,
            "r_hat_max": 1.2 if not ok else 1.001, "ess_bulk_min": 50.0 if not ok else 900.0,
            "divergences": 12 if not ok else 0, **diag}


def test_unconverged_rows_are_left_out_of_goal_check_and_record(bt, tmp_path):
    from scaling.hardware.record import RECORD, make_record, record_key, record_warning

    rows = pd.DataFrame([_row("2020-01-01", 0.85, 100, 0.3, True),
                         _row("2021-01-01", 0.30, 200, 0.0, False),  # far off, but its fit did not converge
                         _row("2022-01-01", 0.95, 50, 0.6, True)])
    assert list(bt.converged(rows)) == [True, False, True]
    text = "\n".join(bt.goal_check(rows))
    assert "goal met at 2 of 2 scored cut-offs with a converged fit" in text
    assert "pooled: 88% of 150 later points" in text  # (0.85*100 + 0.95*50) / 150, the 2021 row not in it
    assert "Left out: 1 cut-off(s) whose fit did not converge (2021: R-hat 1.20, bulk ESS 50, 12 divergent)" in text

    entries = bt.record_entries(rows)
    (key, entry), = entries.items()
    assert entry["trend"] == "pooled" and [c["cutoff"] for c in entry["cutoffs"]] == ["2020-01-01", "2022-01-01"]
    assert entry["n_test"] == 150 and entry["coverage_90_pooled"] == pytest.approx(0.8833, abs=1e-4)
    assert entry["left_out"] == [{"cutoff": "2021-01-01",
                                  "reason": "fit not converged: R-hat 1.20, bulk ESS 50, 12 divergent"}]
    # the forecast's warning: none, though the unconverged cut-off alone would give one
    path = tmp_path / RECORD
    trend = SimpleNamespace(settings={}, metric="flops_per_usd_cloud", precision="tensor16", method="bayes",
                            groups=(), data_sha256=key.rsplit("/", 1)[1])
    assert record_key(trend) == key
    path.write_text(json.dumps(make_record(entries, n_rep=400, source="test")))
    assert record_warning(trend, path) is None
    flagged_ok = rows.assign(converged=True)  # the same rows, all converged: the 2021 cut-off gives a verdict
    path.write_text(json.dumps(make_record(bt.record_entries(flagged_ok), n_rep=400, source="test")))
    assert "2021 cut-off" in record_warning(trend, path)


def test_no_converged_cutoff_gives_no_verdict(bt):
    rows = pd.DataFrame([_row("2021-01-01", 0.30, 200, 0.0, False)])
    assert "no scored cut-off whose fit converged: no verdict" in "\n".join(bt.goal_check(rows))
    (entry,) = bt.record_entries(rows).values()
    assert entry["cutoffs"] == [] and entry["n_test"] == 0 and entry["coverage_90_pooled"] is None


def test_table_marks_unconverged_rows(bt):
    rows = pd.DataFrame([{**_row("2020-01-01", 0.85, 100, 0.3, True), "bias_dex": 0.0, "interval_score_90": 1.0,
                          "median_abs_error_dex": 0.1, "median_abs_error_factor": 1.26, "doubling_years": 2.0,
                          "doubling_lower": 1.5, "doubling_upper": 3.0},
                         {**_row("2021-01-01", 0.30, 200, 0.0, False), "bias_dex": 0.0, "interval_score_90": 1.0,
                          "median_abs_error_dex": 0.1, "median_abs_error_factor": 1.26, "doubling_years": 2.0,
                          "doubling_lower": 1.5, "doubling_upper": 3.0}])
    spec = pd.DataFrame([{"specification": "x", "model": "OLS", "n": 3, "doubling_years": np.nan,
                          "doubling_lower": np.nan, "doubling_upper": np.nan, "coverage_90": np.nan,
                          "coverage_50": np.nan, "interval_score_90": np.nan, "n_cutoffs": 0}])
    md = bt.render(spec, rows)
    lines = [ln for ln in md.splitlines() if ln.startswith("| pooled |")]
    assert lines[0].endswith("| yes |") and lines[1].endswith("| **no** (R-hat 1.20, bulk ESS 50, 12 divergent) |")
    assert f"{bt.PANEL_SAMPLER['chains']} chains x {bt.PANEL_SAMPLER['draws']} draws" in md


def test_one_convergence_rule_for_backtests_and_evaluation():
    from scaling.bayes.diagnostics import convergence
    from scaling.hardware import evaluation

    assert evaluation.convergence is convergence  # the evaluation's rule is this one, not a copy
    ok, info = convergence(_fit().diagnostics, 500, 4)
    assert ok and info["r_hat_max"] == 1.001 and info["ess_bulk_min"] == 900.0
    assert not convergence({"r_hat": {"a": np.nan}, "ess_bulk": {"a": np.nan}}, 500, 4)[0]  # nothing checked it
