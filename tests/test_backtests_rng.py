"""validation/backtests.py draws each piece's random numbers from its own stream
(:func:`draw_rng`): a trend's (or a specification's) scores do not change when another trend
is scored before it, when one is removed, or when the cut-offs around it change."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from conftest import load_validation_script


@pytest.fixture(scope="module")
def bt():
    return load_validation_script("backtests", register=False)  # joblib sends its functions by value


def _ols(bt):
    return lambda train: bt.fit_prepared(train, "ols")  # cheap stand-in for the Bayesian fit


def test_stable_int_is_fixed_across_processes(bt):
    """The key hash is BLAKE2b (the same in every process), not Python's salted ``hash``:
    values computed once, by hand with hashlib, and written here."""
    assert bt.stable_int("pooled") == 16025447784297942721
    assert bt.stable_int("backtest") == 17331010046534829211
    a, b = bt.draw_rng("backtest", "pooled", "2020-01-01"), bt.draw_rng("backtest", "pooled", "2020-01-01")
    assert a.random() == b.random()
    assert bt.draw_rng("backtest", "pooled", "2020-01-01").random() != bt.draw_rng("backtest", "pooled",
                                                                                    "2021-01-01").random()


def test_trend_scores_do_not_depend_on_other_trends_or_cutoffs(bt):
    usd = bt.trend_data(None, "flops_per_usd", "tensor16")
    watt = bt.trend_data(None, "flops_per_watt", "tensor16")
    cuts = ["2020-01-01", "2021-01-01"]
    fit = _ols(bt)
    quiet = lambda _: None  # noqa: E731
    alone = [bt.trend_row("usd", usd, c, fit=fit, log=quiet) for c in cuts]
    assert all("coverage_sim_mean" in r for r in alone)  # scored, with the calibrated-model simulation
    # another trend scored first, the cut-offs in another order, one more cut-off before them
    [bt.trend_row("watt", watt, c, fit=fit, log=quiet) for c in cuts]
    after = {c: bt.trend_row("usd", usd, c, fit=fit, log=quiet) for c in ["2019-01-01", *cuts[::-1]]}
    for r in alone:
        assert after[r["cutoff"]] == r
    # the stream is keyed by the trend's name: the same fit under another name draws other numbers
    other = bt.trend_row("usd, renamed", usd, cuts[0], fit=fit, log=quiet)
    assert other["n_test"] == alone[0]["n_test"] and other["interval_score_90"] != alone[0]["interval_score_90"]


def test_specification_rows_do_not_depend_on_the_other_specifications(bt, monkeypatch):
    first = ["pooled", "hyperscalers only", "chip effects"]
    monkeypatch.setattr(bt, "SPECS", {k: bt.SPECS[k] for k in first})
    full = bt.specification_curve(None).set_index("specification")
    keep = ["chip effects", "pooled"]  # one removed, the others in reverse order
    monkeypatch.setattr(bt, "SPECS", {k: bt.SPECS[k] for k in keep})
    part = bt.specification_curve(None).set_index("specification")
    assert list(part.index) == keep
    pd.testing.assert_frame_equal(part, full.loc[keep])
    assert np.isfinite(part["interval_score_90"]).all()
