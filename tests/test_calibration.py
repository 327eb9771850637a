"""A small coverage check of the bootstrap intervals on synthetic data from a known law.

The full study (100 data sets per noise model, 200 resamples, posterior intervals, SBC) is
``validation/calibration.py`` and ``validation/sbc.py``; results in docs/calibration.md. This
test runs the same procedure on 30 data sets with 100 resamples and fails when the coverage
of the 90% intervals leaves a wide binomial band, i.e. when the intervals are far too narrow
(or too wide) for the noise in the data.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import load_validation_script



def _calibration():
    return load_validation_script("calibration", register=False)  # joblib sends its functions by value


def test_truth_is_the_shipped_fit_within_rounding():
    cal = _calibration()
    truth = cal.true_values()
    assert truth["a"] + truth["b"] == pytest.approx(1.0)
    assert 5e10 < truth["n_params_opt"] < 1e11  # about 70B at Chinchilla's budget


def test_simulated_noise_has_the_stated_scale():
    cal = _calibration()
    n, d = cal.design()
    assert n.size == 240
    for noise in ("normal", "student"):
        runs = cal.simulate(n, d, noise, np.random.default_rng(0))
        from scaling.laws import get_law

        r = np.log(runs["loss"]) - np.log(get_law("chinchilla").predict(cal.TRUTH, n, d))
        assert 0.8 * cal.SIGMA < r.std() < 1.25 * cal.SIGMA


@pytest.mark.slow
def test_bootstrap_coverage_in_a_wide_band():
    cal = _calibration()
    m = 30
    rows = list(cal.coverage_rows("bootstrap", m, "normal", bootstrap=100, seed=7))
    # a correct 90% interval covers Binomial(30, 0.9) times: P(< 21) = 0.0005, so [21, 30] is a wide band;
    # intervals that ignore the noise (or the fit's failures) fall far below it
    lo = math.floor(m * 0.7)
    for q in ("alpha", "beta", "E", "n_params_opt"):
        covered = sum(r[f"cover_{q}"] for r in rows)
        assert covered >= lo, f"{q}: {covered}/{m} intervals covered the truth"
    # and they are not vacuous: the alpha interval is narrower than 0.2
    widths = [r["upper_alpha"] - r["lower_alpha"] for r in rows]
    assert np.median(widths) < 0.2


def test_rows_do_not_depend_on_jobs():
    """Data sets fitted side by side through joblib give the rows fitted one by one, in order."""
    cal = _calibration()
    one = list(cal.coverage_rows("bootstrap", 3, "normal", bootstrap=10, seed=3, start=1, jobs=1))
    two = list(cal.coverage_rows("bootstrap", 3, "normal", bootstrap=10, seed=3, start=1, jobs=2))
    assert [r["i"] for r in one] == [r["i"] for r in two] == [1, 2]
    for a, b in zip(one, two):
        a.pop("seconds"), b.pop("seconds")
        assert a.keys() == b.keys()
        for k in a:
            assert a[k] == pytest.approx(b[k], rel=1e-9, abs=1e-12), k
