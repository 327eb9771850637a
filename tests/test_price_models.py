"""Price data rules, the cloud-price panel model and its named series, backtest scores."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scaling.errors import ScalingError
from scaling.hardware import load_trend
from scaling.hardware.backtest import interval_score, score_draws
from scaling.hardware.data import KINDS, PRICINGS, kind_of_provider, trend_data
from scaling.hardware.panel import SERIES, PanelFit, fit_series, panel_data, series_trend


# ----------------------------------------------------------------------------- data rules
def test_geforce_tensor16_is_fp32_accumulate_rate():
    td = trend_data(None, "flops_per_usd", "tensor16", consumer=True)
    row = td.data.loc[td.data["name"] == "NVIDIA GeForce RTX 4090"].iloc[0]
    assert row["value"] * 1599.0 == pytest.approx(165e12, rel=1e-6)  # listed 330 TFLOP/s FP16-accumulate
    h100 = td.data.loc[td.data["name"] == "NVIDIA H100 SXM5 80GB"].iloc[0]
    assert h100["value"] * 33600.0 == pytest.approx(9.894e14, rel=1e-6)  # datacenter parts unchanged
    assert any("FP32-accumulate" in n for n in td.notes)


def test_export_limited_parts_left_out_unless_asked():
    default = trend_data(None, "flops_per_usd", "tensor16")
    assert not default.data["name"].str.contains("H20|L20").any()
    assert ("export_limited=False", len(default.data) + 3) in default.filters  # then consumer=False: 3 GeForce
    kept = trend_data(None, "flops_per_usd", "tensor16", export_limited=True)
    assert kept.data["name"].str.contains("H20").any() and len(kept.data) == len(default.data) + 2


def test_consumer_filter_and_provider_kinds():
    no_consumer = trend_data(None, "flops_per_usd_cloud", "tensor16", consumer=False)
    assert (no_consumer.data["segment"] != "consumer").all()
    assert no_consumer.settings["consumer"] is False
    assert kind_of_provider("Amazon Web Services") == "hyperscaler"
    assert kind_of_provider("vast.ai") == "marketplace" and kind_of_provider("Some New Cloud") == "gpu_cloud"
    hyp = trend_data(None, "flops_per_usd_cloud", "tensor16", provider_kind="hyperscaler")
    assert set(hyp.data["provider_kind"]) == {"hyperscaler"}
    assert set(hyp.data["provider"]) <= {"Amazon Web Services", "Microsoft Azure", "Google Cloud", "Oracle Cloud"}


def test_pricing_all_gives_one_row_per_tier():
    allp = panel_data()
    assert set(allp.data["pricing_tier"]) <= set(PRICINGS)
    for tier in PRICINGS:
        one = trend_data(None, "flops_per_usd_cloud", "tensor16", pricing=tier)
        assert (allp.data["pricing_tier"] == tier).sum() == len(one.data)
    assert set(allp.data["provider_kind"]) <= set(KINDS)


@pytest.mark.parametrize("kw, match", [
    (dict(metric="flops_per_usd", pricing="all"), "cloud metric"),
    (dict(metric="flops_per_usd_cloud", provider_kind="cloud9"), "provider kind"),
    (dict(metric="flops_per_watt", provider_kind="hyperscaler"), "cloud metric"),
])
def test_bad_price_options(kw, match):
    with pytest.raises(ScalingError, match=match):
        trend_data(None, precision="tensor16", **kw)


# ----------------------------------------------------------------------------- scores
def test_interval_score_formula():
    # inside: width only; below: width + 2/alpha * distance
    s = interval_score([0.0, -1.0, 3.0], [-0.5, -0.5, -0.5], [0.5, 0.5, 0.5], 0.9)
    assert s == pytest.approx([1.0, 1.0 + 20 * 0.5, 1.0 + 20 * 2.5])


def test_score_draws_calibrated_and_not():
    rng = np.random.default_rng(0)
    y = rng.standard_normal(4000)
    good = score_draws(y, rng.standard_normal((2000, 1)) + np.zeros((1, y.size)))
    assert abs(good["coverage_90"] - 0.9) < 0.03 and abs(good["coverage_50"] - 0.5) < 0.04
    narrow = score_draws(y, 0.3 * rng.standard_normal((2000, 1)) + np.zeros((1, y.size)))
    assert narrow["coverage_90"] < 0.6 and narrow["interval_score_90"] > good["interval_score_90"]


# ----------------------------------------------------------------------------- series
def _fake_panel(n=400, seed=0) -> PanelFit:
    """A PanelFit with hand-made draws: gpu clouds 0.3 dex cheaper, 1yr 0.2 dex, 3yr 0.5 dex."""
    rng = np.random.default_rng(seed)
    data = panel_data()
    draws = pd.DataFrame({
        "intercept": 17.5 + 0.01 * rng.standard_normal(n), "slope_per_year": 0.06 + 0.005 * rng.standard_normal(n),
        "age_slope": -0.05 + 0.0 * rng.standard_normal(n), "sigma": np.full(n, 0.05), "nu": np.full(n, 5.0),
        "tau_chip": np.full(n, 0.2), "tau_provider": np.full(n, 0.1),
        "kind[gpu_cloud]": np.full(n, 0.3), "kind[marketplace]": np.full(n, 0.6),
        "tier[1yr]": np.full(n, 0.2), "tier[3yr]": np.full(n, 0.5), "rw_scale": np.full(n, 0.05)})
    return PanelFit(data=data, t0=2023.0, age_ref=2.0, draws=draws, chips=(), providers=(),
                    diagnostics={"r_hat": {}, "ess_bulk": {}, "ess_tail": {}, "divergences": 0}, seed=seed,
                    settings={**data.settings, "model": "panel", "horizon_origin_year": 2025.5})


def test_series_levels_and_lowest_available(tmp_path):
    panel = _fake_panel()
    hyp = series_trend(panel, "hyperscaler-on-demand")
    gpu = series_trend(panel, "gpu-cloud-on-demand")
    low = series_trend(panel, "lowest-available")
    # lowest widely available: gpu clouds on demand (0.3) beat hyperscaler 1yr (0.2); 3yr and marketplaces are
    # not 'widely available' by the rule
    assert (low.settings["provider_kind"], low.settings["pricing"]) == ("gpu_cloud", "on_demand")
    assert gpu.params["intercept"] - hyp.params["intercept"] == pytest.approx(0.3, abs=1e-9)
    assert hyp.params["sigma"] == pytest.approx(np.sqrt(0.2 ** 2 + 0.1 ** 2 + 0.05 ** 2))
    assert set(hyp.data["provider_kind"]) == {"hyperscaler"} and set(hyp.data["pricing_tier"]) == {"on_demand"}
    lines = hyp.line_draws(pd.to_datetime(["2024-01-01", "2030-01-01"]))
    assert lines.shape == (400, 2)
    assert np.median(lines[:, 1] - lines[:, 0]) == pytest.approx(6 * 0.06, rel=0.05)
    path = hyp.save(tmp_path / "trend_hyperscaler-on-demand.json")
    back = load_trend(path)
    assert back.settings["series"] == "hyperscaler-on-demand"
    np.testing.assert_allclose(back.line_draws([2030.0]), hyp.line_draws([2030.0]), rtol=1e-5)  # 6 digits kept
    df = back.predict(["2030-01-01"], level=0.9, interval="new")
    assert df["lower"].iloc[0] < df["median"].iloc[0] < df["upper"].iloc[0]


def test_series_line_is_its_providers_mean_level():
    """With provider effects, the series' line is the segment's providers' mean level and each
    provider column its deviation: every provider's level (line + column) is the panel's
    a + kappa + v_p draw for draw, and the columns sum to zero."""
    panel = _fake_panel()
    rng = np.random.default_rng(5)
    hyp_provs = ["Amazon Web Services", "Google Cloud", "Microsoft Azure", "Oracle Cloud"]
    effects = {p: 0.05 * (i - 1.5) + 0.02 * rng.standard_normal(len(panel.draws)) for i, p in enumerate(hyp_provs)}
    draws = panel.draws.assign(**{f"provider[{p}]": v for p, v in effects.items()})
    panel = dataclasses.replace(panel, draws=draws, providers=tuple(hyp_provs))
    t = series_trend(panel, "hyperscaler-on-demand")
    cols = [c for c in t.draws.columns if c.startswith("provider[")]
    seg_provs = set(panel.data.data.query("provider_kind == 'hyperscaler' and pricing_tier == 'on_demand'")["provider"])
    assert {c[len("provider["):-1] for c in cols} == seg_provs & set(hyp_provs) and len(cols) >= 2
    np.testing.assert_allclose(t.draws[cols].sum(axis=1), 0.0, atol=1e-12)
    for c in cols:
        level = draws["intercept"] + draws[c]  # hyperscaler on demand: kind and tier offsets are 0
        np.testing.assert_allclose(t.draws["intercept"] + t.draws[c], level, rtol=0, atol=1e-12)


def test_unknown_series_lists_the_names():
    with pytest.raises(ScalingError, match="hyperscaler-on-demand"):
        fit_series("cheapest")
    with pytest.raises(ScalingError, match="lowest-available"):
        series_trend(_fake_panel(), "pooled")
    assert {"hyperscaler-on-demand", "lowest-available", "pooled"} <= set(SERIES)


def test_pooled_series_is_the_baseline_trend():
    t = fit_series("pooled", method="ols")
    assert t.settings["series"] == "pooled" and t.metric == "flops_per_usd_cloud"
    assert 1.5 < t.doubling_time_years["median"] < 4


@pytest.mark.slow
@pytest.mark.xfail(reason="known limit: the centred provider levels that make the fit fast on the shipped prices "
                          "(tau_provider ~0.15) do not converge on this synthetic panel whose providers have no "
                          "effect (tau_provider = 0, the centred funnel): R-hat ~1.3-1.8, tens of divergences",
                   strict=False)
def test_panel_fit_recovers_synthetic_progress():
    """A synthetic panel: 0.1 dex/yr across generations, chips flat with age, gpu clouds 0.3 dex cheaper."""
    from scaling.hardware.data import TrendData
    from scaling.hardware.panel import fit_panel

    rng = np.random.default_rng(3)
    rows = []
    provs = {"AWS": "hyperscaler", "Azure": "hyperscaler", "GCP": "hyperscaler", "L": "gpu_cloud", "R": "gpu_cloud"}
    for c in range(12):
        rel = 2016 + c * 0.7
        u = 0.1 * rng.standard_normal()
        for p, kind in provs.items():
            for k in range(3):
                year = rel + rng.uniform(0.2, 3.0)
                y = 17 + 0.1 * (rel - 2020) + u + (0.3 if kind == "gpu_cloud" else 0) + 0.02 * rng.standard_normal()
                rows.append({"name": f"chip{c}", "provider": p, "provider_kind": kind, "pricing_tier": "on_demand",
                             "year": year, "date": pd.Timestamp(int(year), 1, 1) + pd.Timedelta(days=365 * (year % 1)),
                             "hardware_release_date": pd.Timestamp(int(rel), 1, 1)
                             + pd.Timedelta(days=365 * (rel % 1)), "log10_value": y, "value": 10 ** y})
    td = TrendData(metric="flops_per_usd_cloud", precision="tensor16", data=pd.DataFrame(rows),
                   settings={"metric": "flops_per_usd_cloud"})
    panel = fit_panel(td, seed=1, draws=300, tune=400)
    slope = panel.draws["slope_per_year"]
    assert np.quantile(slope, 0.05) < 0.1 < np.quantile(slope, 0.95)
    assert panel.draws["kind[gpu_cloud]"].median() == pytest.approx(0.3, abs=0.1)
    t = series_trend(panel, "hyperscaler-on-demand")
    # Short chains (2 x 300 draws) of a hierarchical model: R-hat may exceed the strict 1.01 of the
    # shipped fits (and is reported as a warning), but gross non-convergence would fail here.
    assert all(w.code in ("r_hat", "ess_bulk", "ess_tail") for w in t.warnings())
    r_hat = [v for v in panel.diagnostics.get("r_hat", {}).values() if np.isfinite(v)] \
        if isinstance(panel.diagnostics, dict) else []
    assert not r_hat or max(r_hat) < 1.1


# ----------------------------------------------------------------------------- horizon discrepancy
def test_horizon_walk_grows_with_the_horizon():
    from scaling.hardware.trend import horizon_walk

    rng = np.random.default_rng(1)
    years = np.array([2031.0, 2024.0, 2027.0, 2025.0])  # unordered, one before the origin
    w = horizon_walk(years, 2025.0, np.full(40000, 0.1), rng)
    assert w.shape == (40000, 4)
    assert np.all(w[:, 1] == 0) and np.all(w[:, 3] == 0)  # at or before the last data point: none
    np.testing.assert_allclose(w.std(axis=0)[[0, 2]], 0.1 * np.sqrt([6.0, 2.0]), rtol=0.03)
    # one path per draw: the 6-year value is the 2-year value plus an independent step
    assert np.corrcoef(w[:, 2], w[:, 0])[0, 1] == pytest.approx(np.sqrt(2 / 6), abs=0.02)


def test_series_carries_the_walk_and_old_files_still_load(tmp_path):
    hyp = series_trend(_fake_panel(), "hyperscaler-on-demand")
    assert hyp.has_walk and hyp.horizon_origin == 2025.5
    back = load_trend(hyp.save(tmp_path / "t.json"))
    assert back.has_walk and back.horizon_origin == 2025.5
    np.testing.assert_allclose(back.draws["rw_scale"], hyp.draws["rw_scale"], rtol=1e-5)
    # a file without the column (written before the discrepancy existed) loads, with no walk
    import dataclasses

    old = dataclasses.replace(hyp, draws=hyp.draws.drop(columns="rw_scale"),
                              settings={k: v for k, v in hyp.settings.items() if k != "horizon_origin_year"})
    old_back = load_trend(old.save(tmp_path / "old.json"))
    assert not old_back.has_walk
    assert old_back.horizon_origin == pytest.approx(float(old.data["year"].max()))
    assert np.all(old_back.walk_draws([2035.0], np.random.default_rng(0)) == 0)
    # the predictive band is wider far out with the walk, equal at the origin
    far = [2035.5]
    w_new = back.predict(far, level=0.9, interval="new")
    o_new = old_back.predict(far, level=0.9, interval="new")
    assert np.log10(w_new["upper"] / w_new["lower"]).iloc[0] > np.log10(o_new["upper"] / o_new["lower"]).iloc[0]


def test_price_log10_draws_adds_the_walk_beyond_the_data():
    import dataclasses

    from scaling.forecast.draws import price_log10_draws

    hyp = series_trend(_fake_panel(n=4000), "hyperscaler-on-demand")
    dates = [2025.5, 2027.5, 2035.5]
    line, noise = price_log10_draws(hyp, dates, 4000, np.random.default_rng(3), scatter=False)
    assert line.shape == (4000, 3) and noise.shape == (4000, 1)
    plain = dataclasses.replace(hyp, draws=hyp.draws.drop(columns="rw_scale"))
    line0, _ = price_log10_draws(plain, dates, 4000, np.random.default_rng(3), scatter=False)
    extra = line.var(axis=0) - line0.var(axis=0)  # same draws of the line: the walk's variance
    np.testing.assert_allclose(extra, [0.0, 0.05 ** 2 * 2, 0.05 ** 2 * 10], atol=0.004)
    # without the column the draws are those of the plain line (no random numbers spent)
    rng = np.random.default_rng(3)
    idx = rng.integers(0, len(plain.draws), size=4000)
    expected = (plain.draws["intercept"].to_numpy()[idx, None]
                + plain.draws["slope_per_year"].to_numpy()[idx, None] * (np.array(dates)[None, :] - plain.t0))
    np.testing.assert_allclose(line0, expected)


@pytest.mark.slow
def test_small_panel_fit_is_fast_and_has_the_walk():
    """A short fit (2 x 150 draws) on the shipped prices: the walk's scale is sampled and carried."""
    from scaling.hardware.panel import fit_panel

    data = panel_data()
    panel = fit_panel(data, seed=2, draws=150, tune=150)
    assert {"rw_scale", "slope_per_year", "tau_chip", "tau_provider"} <= set(panel.draws.columns)
    assert panel.settings["horizon_origin_year"] == pytest.approx(data.data["year"].max(), abs=1e-3)
    assert (panel.draws["rw_scale"] >= 0).all() and len(panel.draws) == 300
    t = series_trend(panel, "hyperscaler-on-demand")
    assert t.has_walk and t.horizon_origin == panel.settings["horizon_origin_year"]
    assert 2 < t.doubling_time_years["median"] < 15  # hyperscalers: far slower than the pooled ~2.5 yr
    assert max(v for v in panel.diagnostics["r_hat"].values() if np.isfinite(v)) < 1.1


# ----------------------------------------------------------------------------- a buyer's scatter
def test_panel_scatter_adds_its_parts_each_with_its_own_distribution():
    """A panel series' new price: normal chip and provider effects plus the Student-t residual.
    With no residual the scatter is exactly normal with sd (tau_c^2 + tau_p^2)^(1/2): its 95th
    percentile is 1.645 sd, not the Student-t(nu = 2) one of 2.92 sd a single t would give."""
    from scaling.hardware.trend import scatter_draws

    n = 200_000
    draws = pd.DataFrame({"sigma": np.full(4, 0.5), "nu": np.full(4, 2.0), "tau_chip": np.full(4, 0.3),
                          "tau_provider": np.full(4, 0.4), "sigma_residual": np.zeros(4)})
    eps = scatter_draws(draws, np.random.default_rng(0), (n, 1), idx=np.zeros(n, dtype=int))
    assert np.quantile(eps, 0.95) == pytest.approx(1.645 * 0.5, rel=0.02)
    # a trend without the parts: sigma * t_nu
    single = scatter_draws(draws[["sigma", "nu"]], np.random.default_rng(0), (n, 1), idx=np.zeros(n, dtype=int))
    assert np.quantile(single, 0.95) == pytest.approx(2.92 * 0.5, rel=0.03)
    # the residual keeps its tails: with only the residual, the t quantile
    draws["tau_chip"] = draws["tau_provider"] = 0.0
    draws["sigma_residual"] = 0.5
    resid = scatter_draws(draws, np.random.default_rng(1), (n, 1), idx=np.zeros(n, dtype=int))
    assert np.quantile(resid, 0.95) == pytest.approx(2.92 * 0.5, rel=0.03)


def test_forecast_and_predict_use_the_panel_scatter():
    """The forecast's price draws of a panel series use its parts: the shipped hyperscaler
    series' 90% band of a new price is narrower than a single Student-t of the combined scale
    would make it, and matches the parts drawn here one by one."""
    from scaling.forecast.draws import price_log10_draws

    t = load_trend(Path(__file__).resolve().parent.parent / "fits" / "trend_hyperscaler-on-demand.json")
    provs = [c for c in t.draws.columns if c.startswith("provider[")]
    assert len(provs) >= 3  # AWS, Azure, GCP (and Oracle): a buyer meets one of them
    line, noise = price_log10_draws(t, ["2020-01-01"], 40_000, np.random.default_rng(3))
    d = t.draws
    rng = np.random.default_rng(4)
    n = 10 * len(d)
    rows = np.tile(np.arange(len(d)), 10)
    combined = d["sigma"].to_numpy()[rows] * rng.standard_t(d["nu"].to_numpy()[rows])
    effects = d[provs].to_numpy()[rows, rng.integers(0, len(provs), n)]
    parts = (d["tau_chip"].to_numpy()[rows] * rng.standard_normal(n) + effects
             + d["sigma_residual"].to_numpy()[rows] * rng.standard_t(d["nu"].to_numpy()[rows]))
    width = lambda x: np.quantile(x, 0.95) - np.quantile(x, 0.05)  # noqa: E731
    assert width(noise) < 0.85 * width(combined)
    assert width(noise) == pytest.approx(width(parts), rel=0.05)


def test_segment_providers_replace_a_new_providers_draw():
    """With the segment's provider effects present, tau_provider (the spread of all providers,
    marketplaces included) does not enter a buyer's scatter."""
    from scaling.hardware.trend import scatter_draws

    n = 100_000
    draws = pd.DataFrame({"sigma": [5.0], "nu": [np.inf], "tau_chip": [0.0], "tau_provider": [5.0],
                          "sigma_residual": [0.0], "provider[A]": [-0.1], "provider[B]": [0.1]})
    eps = scatter_draws(draws, np.random.default_rng(0), (n, 1), idx=np.zeros(n, dtype=int))
    assert set(np.round(np.unique(eps), 6)) == {-0.1, 0.1}
    assert abs(eps.mean()) < 0.01  # each provider equally likely
    without = scatter_draws(draws.drop(columns=["provider[A]", "provider[B]"]), np.random.default_rng(0), (n, 1),
                            idx=np.zeros(n, dtype=int))
    assert without.std() == pytest.approx(5.0, rel=0.02)


# ----------------------------------------------------------------------------- slope prior
def test_purchase_slope_prior_is_the_purchase_trend_before_the_date():
    from scaling.hardware.panel import SLOPE_PRIOR_SD, purchase_slope_prior

    mean, sd, text = purchase_slope_prior("2022-01-01")
    d = trend_data(None, "flops_per_usd", "fp32", before="2022-01-01", consumer=True).data  # consumer cards too
    assert (pd.to_datetime(d["date"]) < "2022-01-01").all()
    assert mean == pytest.approx(np.polyfit(d["year"], d["log10_value"], 1)[0], rel=1e-9)
    assert SLOPE_PRIOR_SD < sd < SLOPE_PRIOR_SD * 1.5
    assert f"{len(d)} chips" in text and "before 2022-01-01" in text
    later, _, _ = purchase_slope_prior()
    assert later != mean


@pytest.mark.parametrize("bad", ["flat", (0.1,), (0.1, 0.0), (0.1, -1), (np.nan, 0.1)])
def test_bad_slope_prior_is_refused_before_sampling(bad):
    from scaling.hardware.panel import fit_panel

    with pytest.raises(ScalingError, match="slope_prior"):
        fit_panel(panel_data(), slope_prior=bad)


# ----------------------------------------------------------------------------- calibration by simulation
def _toy_trend(intercept_sd: float, sigma: float, n: int = 4000, seed: int = 0):
    from types import SimpleNamespace

    rng = np.random.default_rng(seed)
    draws = pd.DataFrame({"intercept": intercept_sd * rng.standard_normal(n), "slope_per_year": np.zeros(n),
                          "sigma": np.full(n, sigma), "nu": np.full(n, np.inf)})
    return SimpleNamespace(draws=draws, has_walk=False, horizon_origin=2020.0,
                           line_draws=lambda dates: np.repeat(draws["intercept"].to_numpy()[:, None], len(dates), 1))


@pytest.mark.parametrize("intercept_sd, sigma, spread", [(0.001, 0.1, "binomial"), (0.3, 0.05, "shared")])
def test_coverage_under_model_spread(intercept_sd, sigma, spread):
    """A calibrated model's coverage at one cut-off: about binomial when the points' errors are
    independent, spread from near 0 to 100% when a shared error (the line) dominates."""
    from scaling.hardware.backtest import coverage_under_model

    trend = _toy_trend(intercept_sd, sigma)
    pts = pd.DataFrame({"date": pd.date_range("2021-01-01", periods=100, freq="W"), "name": [f"c{i}" for i in range(100)]})
    rng = np.random.default_rng(1)
    per_draw = trend.line_draws(pts["date"]) + sigma * rng.standard_normal((4000, 100))
    out = coverage_under_model(trend, pts, per_draw, rng, observed=1.0, n_rep=400)
    with pytest.raises(ScalingError, match="n_rep"):
        coverage_under_model(trend, pts, per_draw, rng, n_rep=0)
    assert out["coverage_sim_mean"] == pytest.approx(0.9, abs=0.03)
    if spread == "binomial":
        assert out["coverage_sim_q05"] > 0.82 and out["p_goal"] > 0.8 and out["p_at_least"] < 0.01
    else:
        assert out["coverage_sim_q05"] < 0.5 and out["p_goal"] < 0.5 and out["p_at_least"] > 0.3


# ----------------------------------------------------------------------------- the backtest record
SHIPPED_FITS = Path(__file__).resolve().parent.parent / "fits"


def test_shipped_record_describes_the_shipped_trends():
    """Every trend the forecast uses has an entry in the backtest record that matches its model
    and data (a stale record, after a model or data change, fails here: rerun
    validation/backtests.py)."""
    from scaling.hardware.record import RECORD, load_record, record_key

    entries = load_record(SHIPPED_FITS / RECORD)
    for stem in ("trend_hyperscaler-on-demand", "trend_lowest-available",
                 "trend_flops_per_usd_cloud_tensor16", "trend_flops_per_usd_tensor16", "trend_flops_per_watt_tensor16"):
        key = record_key(load_trend(SHIPPED_FITS / f"{stem}.json"))
        assert key in entries, (stem, key)
        e = entries[key]
        assert e["n_test"] == sum(c["n_test"] for c in e["cutoffs"])
        # no converged cut-off left (the others are under 'left_out'): no pooled coverage
        assert e["coverage_90_pooled"] is None if not e["cutoffs"] else 0 <= e["coverage_90_pooled"] <= 1


def _record(tmp_path, trend, p, sha=None):
    import json

    from scaling.hardware.record import RECORD, make_record, record_key

    key = record_key(trend) if sha is None else record_key(trend).rsplit("/", 1)[0] + "/" + sha
    entry = {"trend": "pooled", "n_test": 200, "coverage_90_pooled": 0.7,
             "cutoffs": [{"cutoff": "2022-01-01", "coverage_90": 0.6, "n_test": 100, "p": p},
                         {"cutoff": "2023-01-01", "coverage_90": 0.8, "n_test": 100, "p": 0.5}]}
    path = tmp_path / RECORD
    path.write_text(json.dumps(make_record({key: entry}, n_rep=400, source="test")))
    return path


def test_record_warning_only_on_evidence_and_only_for_its_model_and_data(tmp_path):
    from scaling.hardware.record import record_warning

    trend = load_trend(SHIPPED_FITS / "trend_flops_per_usd_cloud_tensor16.json")  # the pooled trend
    msg = record_warning(trend, _record(tmp_path, trend, 0.0))
    assert msg and "too narrow" in msg and "60% of 100 later points at the 2022 cut-off (p < 0.005)" in msg
    assert "2023" not in msg  # a cut-off without evidence is not named
    assert record_warning(trend, _record(tmp_path, trend, 0.2)) is None  # no evidence: no warning
    assert record_warning(trend, _record(tmp_path, trend, 0.0, sha="0" * 64)) is None  # other data
    panel = load_trend(SHIPPED_FITS / "trend_hyperscaler-on-demand.json")
    assert record_warning(panel, _record(tmp_path, trend, 0.0)) is None  # another model
    (tmp_path / "bad.json").write_text("{not json")
    assert record_warning(trend, tmp_path / "bad.json") is None
    import json

    damaged = json.loads(_record(tmp_path, trend, 0.0).read_text())
    for entry in damaged["entries"].values():
        del entry["coverage_90_pooled"]
        entry["cutoffs"][0]["coverage_90"] = "most"
    (tmp_path / "damaged.json").write_text(json.dumps(damaged))
    assert record_warning(trend, tmp_path / "damaged.json") is None  # a damaged entry: no verdict, no crash


def test_pooled_trend_warns_of_its_backtest_and_the_headline_does_not():
    codes = lambda stem: [w.code for w in load_trend(SHIPPED_FITS / f"{stem}.json").warnings()]  # noqa: E731
    assert "backtest" in codes("trend_flops_per_usd_cloud_tensor16")  # the pooled trend
    # the headline's price model, the random walk chosen by validation/price_selection.py: no failed backtest
    assert "backtest" not in codes("trend_hyperscaler-on-demand-rw")


# ----------------------------------------------------------------------------- the trend's predictive (issue 19)
def test_predictive_log10_is_the_trends_own():
    """The forecast asks the trend (TrendResult.predictive_log10): draws, walk, scatter, in that order."""
    from scaling._dates import decimal_year
    from scaling.forecast.draws import price_log10_draws
    from scaling.hardware.predictive import horizon_walk, scatter_draws

    trend = load_trend(SHIPPED_FITS / "trend_hyperscaler-on-demand.json")
    dates = ["2026-01-01", "2029-06-01"]
    line, noise = trend.predictive_log10(dates, 300, np.random.default_rng(5))
    assert line.shape == (300, 2) and noise.shape == (300, 1)
    # assembled by hand from the same generator: the same numbers
    rng = np.random.default_rng(5)
    d, years = trend.draws, decimal_year(dates)
    idx = rng.integers(0, len(d), size=300)
    want = d["intercept"].to_numpy()[idx][:, None] + d["slope_per_year"].to_numpy()[idx][:, None] * (years - trend.t0)
    want = want + horizon_walk(years, trend.horizon_origin, d["rw_scale"].to_numpy()[idx], rng)
    np.testing.assert_allclose(line, want, rtol=1e-12)
    np.testing.assert_allclose(noise, scatter_draws(d, rng, (300, 1), idx), rtol=1e-12)
    # a fixed slope replaces every draw's; without scatter the noise is zero
    flat, zero = trend.predictive_log10(dates, 300, np.random.default_rng(5), scatter=False, slope_per_year=0.0)
    assert (zero == 0).all()
    np.testing.assert_allclose(flat[:, 0], want[:, 0] - d["slope_per_year"].to_numpy()[idx] * (years[0] - trend.t0))
    # the forecast's price draws are the trend's, with its own walk sampler (one number from rng)
    f_line, f_noise = price_log10_draws(trend, dates, 300, np.random.default_rng(5))
    rng = np.random.default_rng(5)
    idx = rng.integers(0, len(d), size=300)
    rng.integers(2 ** 63)
    np.testing.assert_allclose(f_noise, scatter_draws(d, rng, (300, 1), idx), rtol=1e-12)
    assert f_line.shape == (300, 2) and not np.allclose(f_line, line)


def test_one_price_series_registry():
    from scaling.forecast.scenarios import PRICE_SERIES as FORECAST_SERIES
    from scaling.hardware import SERIES, series_spec
    from scaling.hardware.series import PRICE_SERIES, panel_series, series_names

    assert list(SERIES) == [n for n in series_names("cloud") if series_spec(n).model != "random-walk"]
    for name, (kind, tier, text) in SERIES.items():
        spec = series_spec(name)
        assert (spec.provider_kind, spec.pricing, spec.description) == (kind, tier, text) and spec.rows
    assert series_spec("Cloud").name == "pooled" and set(panel_series()) < set(SERIES)
    # the forecasts' table names the same series on the same bases and files (until it reads this one)
    for name, spec in PRICE_SERIES.items():
        assert FORECAST_SERIES[name].basis == spec.basis and FORECAST_SERIES[name].price_file == spec.price_file
    with pytest.raises(ScalingError, match="hyperscaler-on-demand"):
        series_spec("cheapest")
