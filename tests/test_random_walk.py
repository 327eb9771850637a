"""The random walk with drift (scaling.hardware.random_walk): the evaluation's ``rw`` baseline,
shipped as the headline's price series (issue 20's selection)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scaling._dates import decimal_year
from scaling.errors import ScalingError
from scaling.hardware import evaluation
from scaling.hardware.random_walk import (LAW, MIN_SPREAD, RandomWalkTrend, fit_random_walk, load_random_walk,
                                          segment_points)

CUTOFFS = ("2022-01-01", "2023-07-01")


@pytest.fixture(scope="module")
def scored():
    """The evaluation's rw baseline at two cut-offs (many predictive draws: tight quantiles)."""
    return evaluation.evaluate("hyperscaler-on-demand", cutoffs=list(CUTOFFS), models="rw", seed=3, n_draws=20000)


def test_same_numbers_as_the_evaluation(scored):
    """L, s0, t_ref, mu and omega are those the evaluation's rw used at each cut-off."""
    assert MIN_SPREAD == evaluation.MIN_SPREAD
    fits = scored.fits.set_index("cutoff")
    for cut in CUTOFFS:
        t = fit_random_walk(before=cut)
        row = fits.loc[cut]
        p = t.diagnostics
        for ours, theirs in (("level", "level"), ("sd", "sd"), ("t_ref", "t_ref"), ("drift_per_year", "drift_per_year"),
                             ("walk_scale", "walk_scale")):
            assert p[ours] == pytest.approx(float(row[theirs]), rel=1e-12, abs=1e-12), (cut, ours)
        # ... and the draws say the same
        d = t.draws
        assert (d["intercept"] == p["level"]).all() and (d["slope_per_year"] == p["drift_per_year"]).all()
        assert (d["sigma"] == p["sd"]).all() and (d["rw_scale"] == p["walk_scale"]).all()
        assert np.isposinf(d["nu"]).all()
        assert t.t0 == t.horizon_origin == p["t_ref"] < pd.Timestamp(cut).year + 1
        # the same rows as the evaluation's population before the cut-off
        pop = evaluation._target("hyperscaler-on-demand", None, "tensor16").population
        assert len(t.data) == int((pop["date"] < pd.Timestamp(cut)).sum()) == t.n_points


def test_the_forecast_machinery_draws_the_rw_predictive(scored):
    """price_log10_draws (line, walk from t_ref, scatter_draws) at a few horizons: the mean and sd
    of N(L + mu h, s0^2 + omega^2 h), and the evaluation's own quantiles of the later prices."""
    from scaling.forecast.draws import price_log10_draws

    rows = scored.test_rows()
    for cut in CUTOFFS:
        t = fit_random_walk(before=cut)
        p = t.diagnostics
        later = rows.loc[rows["cutoff"] == cut].drop_duplicates("date").sort_values("date")
        dates = pd.to_datetime(later["date"]).iloc[[0, len(later) // 2, -1]]
        n = 200_000
        line, noise = price_log10_draws(t, dates, n, np.random.default_rng(5))
        x = line + noise
        h = decimal_year(dates) - p["t_ref"]
        assert (h > 0).all()
        sd = np.sqrt(p["sd"] ** 2 + p["walk_scale"] ** 2 * h)
        se_mean = sd / np.sqrt(n)
        np.testing.assert_array_less(np.abs(x.mean(axis=0) - (p["level"] + p["drift_per_year"] * h)), 5 * se_mean)
        np.testing.assert_allclose(x.std(axis=0), sd, rtol=0.01)
        # the evaluation's 5%, 50% and 95% quantiles of those dates (20,000 draws each)
        ev = later.set_index(pd.to_datetime(later["date"])).loc[dates]
        for col, q in (("q05", 0.05), ("q50", 0.5), ("q95", 0.95)):
            np.testing.assert_allclose(np.quantile(x, q, axis=0), ev[col].to_numpy(dtype=float), atol=0.015)


def test_saves_and_loads_as_a_trend(tmp_path):
    from scaling.hardware import load_trend

    t = fit_random_walk(seed=4)
    assert isinstance(t, RandomWalkTrend) and t.law == LAW == "random-walk"
    s = t.settings
    assert s["model"] == LAW and s["series"] == "hyperscaler-on-demand" and s["name"] == "hyperscaler-on-demand-rw"
    assert s["before"] is None and "N(L + mu h" in s["rule"] and s["horizon_origin_year"] == t.t0
    assert len(t.data_sha256) == 64 and t.seed == 4
    assert t.data["date"].max() == segment_points()["date"].max()
    path = t.save(tmp_path / "trend_hyperscaler-on-demand-rw.json")
    back = load_random_walk(path)
    assert isinstance(back, RandomWalkTrend) and back.law == LAW and back.data_sha256 == t.data_sha256
    assert back.t0 == t.t0 and back.horizon_origin == t.horizon_origin
    np.testing.assert_allclose(back.draws[["intercept", "slope_per_year", "sigma", "rw_scale"]].to_numpy(),
                               t.draws[["intercept", "slope_per_year", "sigma", "rw_scale"]].to_numpy(), rtol=1e-5)
    plain = load_trend(path)  # what `scaling forecast` loads: the same predictive
    assert plain.settings["model"] == LAW and np.isposinf(plain.draws["nu"]).all()
    assert t.doubling_time_years["lower"] == t.doubling_time_years["upper"] > 0  # no parameter uncertainty
    assert "random walk with drift" in t.report() and "price_selection.md" in t.report()
    assert t.to_dict()["law"] == LAW


def test_refuses_what_it_cannot_model(tmp_path):
    with pytest.raises(ScalingError, match="unknown price segment 'pooled'.*hyperscaler-on-demand"):
        fit_random_walk("pooled")
    with pytest.raises(ScalingError, match="lowest-available"):
        fit_random_walk("lowest-available")
    with pytest.raises(ScalingError, match="at least 3"):
        fit_random_walk(before="2018-01-01")
    with pytest.raises(ScalingError, match="seed"):
        fit_random_walk(seed=-1)
    other = tmp_path / "t.json"
    fit_random_walk().save(other)
    import json

    from scaling._io import dumps_json, with_content_sha256

    payload = json.loads(other.read_text())
    payload["settings"]["model"] = "panel"
    other.write_text(dumps_json(with_content_sha256(payload)))
    with pytest.raises(ScalingError, match="not a random-walk"):
        load_random_walk(other)


def test_price_series_entry_and_default():
    """The series is named in PRICE_SERIES on the cloud basis and is the cloud default (the selection)."""
    from scaling.forecast.scenarios import DEFAULT_SERIES, PRICE_SERIES, series_for

    s = PRICE_SERIES["hyperscaler-on-demand-rw"]
    assert s.basis == "cloud" and s.price_file == "trend_hyperscaler-on-demand-rw.json" and s.energy_file is None
    assert "selection" in s.description
    assert DEFAULT_SERIES["cloud"] == "hyperscaler-on-demand-rw" == series_for({})[0]
    from scaling.pipeline.config import HEADLINE_SERIES

    assert HEADLINE_SERIES == DEFAULT_SERIES["cloud"]
