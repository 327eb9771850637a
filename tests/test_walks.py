"""Random walks on any price series (scaling.hardware.walks): the evaluation's ``epoch`` baseline
on chip trends and cloud segments, shipped as the purchase and lowest-price defaults (issue 20)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scaling._dates import decimal_year
from scaling.errors import ScalingError
from scaling.hardware import evaluation
from scaling.hardware.random_walk import LAW, RandomWalkTrend, fit_random_walk, load_random_walk
from scaling.hardware.walks import DRIFT_RULES, epoch_drift, epoch_slope_draws, fit_walk, walk_points

# (target, cut-off): a chip trend with a drawn doubling time (per $), one with Epoch's fixed one
# (per W), and the cloud segment lowest-available chooses
CASES = [(dict(metric="flops_per_usd", precision="fp32"), "2021-01-01"),
         (dict(metric="flops_per_watt", precision="tensor16"), "2022-01-01"),
         (dict(series="gpu-cloud-on-demand"), "2024-01-01")]


def _evaluate(target: dict, cut: str):
    if "series" in target:
        return evaluation.evaluate(target["series"], cutoffs=[cut], models="epoch", seed=3, n_draws=20000)
    return evaluation.evaluate(metric=target["metric"], precision=target["precision"], cutoffs=[cut],
                               models="epoch", seed=3, n_draws=20000)


@pytest.mark.parametrize("target,cut", CASES)
def test_the_fitted_walk_draws_the_evaluations_epoch_predictive(target, cut):
    """The walk's numbers are the evaluation's epoch fit record, and the forecast's price machinery
    (price_log10_draws, resampling the saved rows) gives the evaluation's quantiles of every later
    date to Monte Carlo error (20,000 evaluation draws; 200 rows resampled 200,000 times)."""
    from scaling.forecast.draws import price_log10_draws

    scored = _evaluate(target, cut)
    rec = scored.fits.iloc[0]
    t = fit_walk(**target, before=cut, n_draws=200, seed=1)
    p = t.diagnostics
    for k in ("level", "sd", "t_ref", "drift_per_year", "walk_scale"):
        assert p[k] == pytest.approx(float(rec[k]), rel=1e-12, abs=1e-12), k
    assert p["drift_rule"] == rec["drift_rule"] and t.settings["drift"] == "epoch"
    later = scored.test_rows().drop_duplicates("date").sort_values("date")
    dates = pd.to_datetime(later["date"]).iloc[[0, len(later) // 2, -1]]
    line, noise = price_log10_draws(t, dates, 200_000, np.random.default_rng(5))
    x = line + noise
    assert (decimal_year(dates) > p["t_ref"]).all()
    ev = later.set_index(pd.to_datetime(later["date"])).loc[dates]
    for col, q in (("q05", 0.05), ("q50", 0.5), ("q95", 0.95)):
        np.testing.assert_allclose(np.quantile(x, q, axis=0), ev[col].to_numpy(dtype=float), atol=0.02)


def test_slopes_are_epochs_doubling_drawn_per_row():
    """Per $: one slope per row from ln D normal with 5-95% points 2.1-2.46 yr (the evaluation's
    draw); per W: Epoch's fixed 3.0 yr. The rows are otherwise identical, and a 4,000-draw forecast
    resamples nearly every distinct slope."""
    from scaling.forecast.draws import price_log10_draws

    t = fit_walk(metric="flops_per_usd", precision="tensor16", n_draws=200, seed=2)
    s = t.draws["slope_per_year"].to_numpy()
    np.testing.assert_array_equal(s, epoch_slope_draws("flops_per_usd", np.random.default_rng(2), 200))
    assert len(np.unique(s)) == 200
    doubling = np.log10(2) / s
    assert 2.1 < np.median(doubling) < 2.46 and np.quantile(doubling, 0.03) < 2.1 < 2.46 < np.quantile(doubling, 0.97)
    for c in ("intercept", "sigma", "rw_scale"):
        assert t.draws[c].nunique() == 1
    assert np.isposinf(t.draws["nu"]).all()
    assert epoch_drift("flops_per_usd")[0] == pytest.approx(np.log10(2) / np.sqrt(2.1 * 2.46))
    w = fit_walk(metric="flops_per_watt", precision="tensor16", n_draws=50)
    assert np.allclose(w.draws["slope_per_year"], np.log10(2) / 3.0) and w.doubling_time_years["median"] == \
        pytest.approx(3.0)
    # the main job's walks: WALK_DRAWS distinct slopes, every one resampled by a 4,000-draw forecast
    # (price_log10_draws takes the rows first, with rng.integers)
    from scaling.pipeline.config import RunConfig, WALK_DRAWS

    shipped = fit_walk(metric="flops_per_usd", precision="tensor16", n_draws=WALK_DRAWS)
    assert shipped.draws["slope_per_year"].nunique() == WALK_DRAWS >= 50
    rows = np.random.default_rng(0).integers(0, WALK_DRAWS, size=RunConfig().n_draws)
    assert len(np.unique(rows)) == WALK_DRAWS
    line, _ = price_log10_draws(shipped, ["2030-01-01"], RunConfig().n_draws, np.random.default_rng(0), scatter=False)
    assert np.unique(line).size == RunConfig().n_draws  # a walk path per draw on top of the resampled slope


def test_settings_record_the_rule_and_the_file_round_trips(tmp_path):
    t = fit_walk("gpu-cloud-on-demand", name="gpu-walk", seed=4)
    s = t.settings
    assert isinstance(t, RandomWalkTrend) and t.law == LAW and t.method == "ols"
    assert s["model"] == LAW and s["drift"] == "epoch" and s["name"] == "gpu-walk" and s["spread"] == "rule"
    assert (s["provider_kind"], s["pricing"]) == ("gpu_cloud", "on_demand") and s["before"] is None
    assert "2022-2023" in s["caveat"] and "evaluation_gpu-cloud-on-demand.md" in s["selection"]
    assert t.metric == "flops_per_usd_cloud" and t.horizon_origin == t.t0 == s["horizon_origin_year"]
    chip = fit_walk(metric="flops-per-watt", precision="fp32")
    assert chip.metric == "flops_per_watt" and chip.settings["name"] == "flops_per_watt_fp32-epoch"
    assert "trend_calibration.md" in chip.settings["selection"] and "114 chips" in chip.report()
    assert "caveat" in chip.report()
    path = t.save(tmp_path / "trend_gpu-walk.json")
    back = load_random_walk(path)
    assert back.settings["drift"] == "epoch" and back.data_sha256 == t.data_sha256
    np.testing.assert_allclose(back.draws["slope_per_year"], t.draws["slope_per_year"], rtol=1e-5)
    assert path.stat().st_size < 40_000  # identical rows but the slope: a small file
    # purchase-prior on a cloud segment is the hyperscaler walk, rule recorded
    rw, plain = fit_walk("hyperscaler-on-demand", drift="purchase-prior"), fit_random_walk()
    assert rw.settings == {**plain.settings, "drift": "purchase-prior", "spread": "rule"}
    pd.testing.assert_frame_equal(rw.draws, plain.draws)
    assert "drift" not in plain.settings  # the hyperscaler series' file is as before
    # a calibrated walk keeps its Student-t scatter and its estimate through a file
    cal = fit_walk("gpu-cloud-on-demand", seed=4, spread="calibrated")
    back = load_random_walk(cal.save(tmp_path / "trend_cal.json"))
    assert back.settings["spread"] == "calibrated" and back.settings["name"] == "gpu-cloud-on-demand-epoch-cal"
    assert np.isfinite(back.draws["nu"]).all() and back.draws["nu"].iloc[0] == pytest.approx(cal.draws["nu"].iloc[0])
    assert back.diagnostics["spread_k"] == pytest.approx(cal.diagnostics["spread_k"]) and cal.diagnostics["spread_k"] < 1
    assert "calibrated_walks.md" in back.settings["selection"]


def test_refuses_what_it_cannot_model():
    assert DRIFT_RULES == ("purchase-prior", "epoch")
    with pytest.raises(ScalingError, match=r"unknown drift rule 'kalman'.*allowed: purchase-prior, epoch"):
        fit_walk(metric="flops_per_usd", drift="kalman")
    with pytest.raises(ScalingError, match="'purchase-prior'.*cloud segments.*'epoch'"):
        fit_walk(metric="flops_per_usd", drift="purchase-prior")
    with pytest.raises(ScalingError, match="not both"):
        fit_walk("gpu-cloud-on-demand", metric="flops_per_usd")
    with pytest.raises(ScalingError, match="not both and not neither"):
        walk_points()
    with pytest.raises(ScalingError, match="unknown chip-trend metric 'flops_per_usd_cloud'.*flops_per_usd"):
        fit_walk(metric="flops_per_usd_cloud")
    with pytest.raises(ScalingError, match="unknown price segment 'lowest-available'"):
        fit_walk("lowest-available")
    with pytest.raises(ScalingError, match="at least 3"):
        fit_walk(metric="flops_per_usd", before="2010-01-01")
    with pytest.raises(ScalingError, match="n_draws"):
        fit_walk(metric="flops_per_usd", n_draws=0)


def test_registry_defaults_and_the_main_jobs_walks():
    """purchase, purchase-fp32 and lowest-available-epoch-cal are Epoch-drift walks the main job fits
    (config.WALKS, one per file, with the series' own target); the Bayesian lines stay as *-line."""
    from pathlib import Path

    from scaling.forecast.scenarios import DEFAULT_SERIES, PRICE_SERIES
    from scaling.hardware.series import PRICE_SERIES as SPECS
    from scaling.pipeline.config import LOWEST_SERIES, PANEL_LOWEST_SERIES, WALKS

    assert DEFAULT_SERIES["purchase"] == "purchase"
    assert SPECS["purchase"].price_file == "trend_flops_per_usd_tensor16-epoch.json"
    assert SPECS["purchase"].energy_file == "trend_flops_per_watt_tensor16-epoch.json"
    assert SPECS["purchase-fp32"].price_file == "trend_flops_per_usd_fp32-epoch.json"
    assert SPECS["purchase-line"].price_file == "trend_flops_per_usd_tensor16.json"
    assert SPECS["purchase-fp32-line"].energy_file == "trend_flops_per_watt_fp32.json"
    low = SPECS["lowest-available-epoch-cal"]
    assert (low.basis, low.model, low.provider_kind, low.pricing) == ("cloud", "random-walk", "gpu_cloud", "on_demand")
    assert "Epoch" in low.description and "lowest-available chooses" in low.description
    assert LOWEST_SERIES == "lowest-available-epoch-cal" and SPECS[PANEL_LOWEST_SERIES].model == "panel"
    assert PRICE_SERIES["purchase"].basis == "purchase" and PRICE_SERIES["lowest-available-epoch-cal"].basis == "cloud"
    walk_files = {f for n, s in SPECS.items() if s.model == "random-walk" and n != "hyperscaler-on-demand-rw"
                  for f in (s.price_file, s.energy_file) if f}
    assert walk_files == {f"{stem}.json" for stem in WALKS}
    for name, s in SPECS.items():
        if s.model != "random-walk" or name == "hyperscaler-on-demand-rw":
            continue
        if s.basis == "cloud":
            kw = WALKS[Path(s.price_file).stem]
            assert kw["name"] == name and walk_points(kw["series"])[0]["provider_kind"].eq(s.provider_kind).all()
        else:
            assert WALKS[Path(s.price_file).stem] == dict(metric="flops_per_usd", precision=s.precision)
            assert WALKS[Path(s.energy_file).stem] == dict(metric="flops_per_watt", precision=s.precision)


@pytest.mark.parametrize("target,cut,model", [(dict(series="gpu-cloud-on-demand"), "2024-01-01", "epoch-cal"),
                                              (dict(metric="flops_per_watt", precision="fp32"), "2020-01-01",
                                               "epoch-cal"),
                                              (dict(series="hyperscaler-on-demand"), "2022-01-01", "rw-cal")])
def test_a_calibrated_walk_draws_the_evaluations_calibrated_predictive(target, cut, model):
    """spread="calibrated": the evaluation's (k, nu) estimate, and the forecast's price machinery
    gives the evaluation's epoch-cal / rw-cal quantiles of later dates to Monte Carlo error."""
    from scaling.forecast.draws import price_log10_draws

    kw = dict(series=target["series"]) if "series" in target else dict(metric=target["metric"],
                                                                         precision=target["precision"])
    scored = evaluation.evaluate(**kw, cutoffs=[cut], models=model, seed=3, n_draws=20000)
    rec = scored.fits.iloc[0]
    drift = "epoch" if model == "epoch-cal" else "purchase-prior"
    t = fit_walk(**target, drift=drift, before=cut, n_draws=200, seed=1, spread="calibrated")
    p = t.diagnostics
    assert not bool(rec["spread_fallback"]) and not p["spread_fallback"]
    assert p["spread_k"] == pytest.approx(float(rec["spread_k"]), rel=1e-9)
    assert p["spread_n_errors"] == int(rec["spread_n_errors"]) > 12
    nu = float("inf") if p["spread_nu"] is None else p["spread_nu"]
    assert nu == pytest.approx(float(rec["spread_nu"]), rel=1e-9)
    assert t.draws["sigma"].iloc[0] == pytest.approx(p["spread_k"] * p["sd"])
    assert t.settings["spread"] == "calibrated" and t.settings["name"].endswith("-cal")
    later = scored.test_rows().drop_duplicates("date").sort_values("date")
    dates = pd.to_datetime(later["date"]).iloc[[0, len(later) // 2, -1]]
    line, noise = price_log10_draws(t, dates, 200_000, np.random.default_rng(5))
    x = line + noise
    ev = later.set_index(pd.to_datetime(later["date"])).loc[dates]
    for col, q in (("q05", 0.05), ("q50", 0.5), ("q95", 0.95)):
        np.testing.assert_allclose(np.quantile(x, q, axis=0), ev[col].to_numpy(dtype=float), atol=0.025)


def test_calibrated_spread_recovers_a_known_scale_and_refuses_bad_rules():
    """fit_spread on errors simulated from the calibrated predictive with k 0.5 and nu 5 recovers
    them (3,000 errors); too few errors fall back to the parent; an unknown spread rule is refused."""
    from scaling.hardware.walk_spread import MIN_ERRORS, fit_spread

    rng = np.random.default_rng(0)
    n = 3000
    h = rng.uniform(0, 2, n)
    s0, omega = 0.3, 0.1
    e = 0.5 * (omega * np.sqrt(h) * rng.standard_normal(n) + s0 * rng.standard_t(5, n))
    errs = pd.DataFrame({"origin": rng.integers(0, 8, n), "error": e, "h": h, "s0": s0, "omega": omega})
    est = fit_spread(errs)
    assert not est["fallback"] and est["k"] == pytest.approx(0.5, rel=0.06) and 3.5 < est["nu"] < 8
    few = fit_spread(errs.head(MIN_ERRORS - 1))
    assert few["fallback"] and few["k"] == 1.0 and few["nu"] == float("inf")
    with pytest.raises(ScalingError, match="unknown spread rule 'wide'.*allowed: rule, calibrated"):
        fit_walk(metric="flops_per_usd", precision="fp32", spread="wide")


def test_the_retired_lowest_price_name_says_what_replaced_it():
    """lowest-available-epoch (the walk with the rule's spread) was replaced by the calibrated walk:
    asking for it names the new series, from Python and from the CLI (exit 2, nothing written)."""
    from click.testing import CliRunner

    from scaling.cli import main
    from scaling.hardware.series import series_spec

    with pytest.raises(ScalingError, match="'lowest-available-epoch' is retired.*use lowest-available-epoch-cal"):
        series_spec("lowest-available-epoch")
    res = CliRunner().invoke(main, ["forecast", "--price-series", "lowest-available-epoch", "--draws", "200"])
    assert res.exit_code == 2 and "use lowest-available-epoch-cal" in res.output
