"""validation/reproduce.py: two evaluation CSVs compared (pooled scores, flags, verdict), on tiny synthetic files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scaling.errors import ScalingError
from scaling.hardware.evaluation import QUANTILES, ROW_COLUMNS, EvaluationResult

from conftest import load_validation_script

MODELS = {"panel": 0.05, "rw": 0.10, "ols": 0.20}  # mean CRPS of each synthetic model (dex)
CUTOFFS = ("2020-01-01", "2021-01-01")


@pytest.fixture(scope="module")
def rp():
    return load_validation_script("reproduce")


def _result(shift=None, converged=None) -> EvaluationResult:
    """Three models, two cut-offs, 12 test rows each over 6 chip x provider clusters; ``shift``
    adds dex to a model's scores, ``converged`` sets the panel's flag per cut-off."""
    shift, converged = shift or {}, converged or {}
    rng = np.random.default_rng(7)
    frames, fits = [], []
    for c in CUTOFFS:
        for m, level in MODELS.items():
            n = 12
            crps = level + rng.normal(0, 0.005, n) + shift.get(m, 0.0)
            ok = converged.get(c, True) if m == "panel" else True
            rows = pd.DataFrame({
                "cutoff": c, "date": "2022-06-01", "hardware": [f"chip{i % 3}" for i in range(n)],
                "provider": [f"cloud{i % 2}" for i in range(n)], "tier": "on_demand", "split": "test",
                "observed": 17.0 + 0.01 * np.arange(n), "model": m, "obs": np.arange(n), "horizon_years": 1.5,
                **{f"q{round(100 * t):02d}": 17.0 for t in QUANTILES}, "pit": 0.5, "crps": crps,
                "log_score": -1.0 + crps, "is50": 4 * crps, "is90": 8 * crps, "covered50": True,
                "covered90": True, "converged": ok})
            frames.append(rows[ROW_COLUMNS])
            fits.append({"cutoff": c, "model": m, "n_train": 10, "n_test": n,
                         "r_hat_max": 1.003 if ok else 1.2 if m == "panel" else None,
                         "ess_bulk_min": 800.0 if m == "panel" else None,
                         "divergences": 0.0 if m == "panel" else None, "converged": ok})
    return EvaluationResult(rows=pd.concat(frames, ignore_index=True), fits=pd.DataFrame(fits),
                            settings={"cutoffs": list(CUTOFFS), "models": list(MODELS)})


def _files(tmp_path, fresh: EvaluationResult):
    a, b = tmp_path / "committed.csv", tmp_path / "fresh.csv"
    _result().save(a)
    fresh.save(b)
    return str(a), str(b)


def test_identical_files_reproduce_and_exit_zero(rp, tmp_path, capsys):
    a, b = _files(tmp_path, _result())
    assert rp.main([a, b]) == 0
    out = capsys.readouterr().out
    assert "**Reproduced**" in out and "| panel | 24 |" in out
    assert "`panel` beats `rw`" in out


def test_a_pooled_crps_beyond_the_tolerance_fails(rp, tmp_path, capsys):
    a, b = _files(tmp_path, _result(shift={"ols": 0.02}))
    assert rp.main([a, b]) == 1
    out = capsys.readouterr().out
    assert "ols: pooled crps differs by +0.0200 dex" in out and "**Not reproduced**" in out
    assert "panel: pooled" not in out  # the untouched models pass


def test_differences_within_the_tolerance_pass(rp):
    c = rp.compare(_result(), _result(shift={"panel": 0.001, "ols": -0.001}))
    assert c.reproduced, c.problems
    assert c.scores.loc["panel", "d_crps"] == pytest.approx(0.001, abs=1e-5)
    assert c.scores.loc["panel", "d_is90"] == pytest.approx(0.008, abs=1e-5)  # is90 = 8 * crps here
    assert c.scores.loc["ols", "d_crps_cutoff_max"] == pytest.approx(0.001, abs=1e-5)
    # the interval score moves 8x the CRPS: 0.002 dex of CRPS is 0.016 dex of is90, beyond 0.01
    c2 = rp.compare(_result(), _result(shift={"panel": 0.002}))
    assert [p.split(" differs")[0] for p in c2.problems] == ["panel: pooled is90"]


def test_a_changed_convergence_flag_fails_even_with_equal_scores(rp):
    c = rp.compare(_result(), _result(converged={"2021-01-01": False}))
    assert not c.reproduced
    assert any(p.startswith("2021-01-01 panel: converged True committed, False fresh") for p in c.problems)
    row = c.fits.set_index(["cutoff", "model"]).loc[("2021-01-01", "panel")]
    assert bool(row["flag_differs"]) and row["r_hat_max_fresh"] == pytest.approx(1.2)
    assert not c.fits.set_index(["cutoff", "model"]).loc[("2020-01-01", "panel"), "flag_differs"]


def test_a_changed_verdict_fails_whatever_the_tolerance(rp):
    c = rp.compare(_result(), _result(shift={"panel": 0.10}), tol=1.0)  # panel now loses to rw
    assert c.verdict_committed == {"best baseline": "rw", "panel": "beats"}
    assert c.verdict_fresh["panel"] == "loses to"
    assert c.problems == ["verdict panel: 'beats' committed, 'loses to' fresh"]


def test_bad_input(rp, tmp_path, capsys):
    with pytest.raises(ScalingError, match="tol"):
        rp.compare(_result(), _result(), tol=-0.1)
    bad = tmp_path / "bad.csv"
    bad.write_text("# {\"schema\": \"other\"}\na,b\n1,2\n", encoding="utf-8")
    assert rp.main([str(bad), str(bad)]) == 2
    assert rp.main([str(tmp_path / "missing.csv"), str(bad)]) == 2
    assert "error:" in capsys.readouterr().err
