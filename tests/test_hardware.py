"""Hardware trends: data selection, OLS/Bayes fits, the result contract, save/load, backtest, economics, CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scaling import datasets
from scaling.cli import main
from scaling.errors import WARNING_CODES, ScalingError, ScalingWarning
from scaling.hardware import (
    PRECISIONS, TrendResult, backtest, decimal_year, fit_trend, load_trend, published_table, render_markdown,
    seed_growth_per_year, trend_data, usd_per_flop_cloud, usd_per_flop_purchase,
)
from scaling.results import DEFAULT_LEVEL

LOG10_2 = math.log10(2)


# ----------------------------------------------------------------------------- synthetic data
def _synthetic(n=40, slope=0.15, sd=0.1, seed=1, start=2010.0, span=12.0):
    """An accelerators table whose per-W values follow a known line."""
    rng = np.random.default_rng(seed)
    years = start + np.sort(rng.uniform(0, span, n))
    dates = pd.to_datetime([f"{int(y)}-01-01" for y in years]) + pd.to_timedelta((years % 1) * 365, unit="D")
    log_per_w = 10.0 + slope * (decimal_year(dates) - 2016.0) + sd * rng.standard_normal(n)
    tdp = rng.uniform(100, 700, n)
    flops = 10 ** log_per_w * tdp
    return pd.DataFrame({
        "name": [f"chip{i}" for i in range(n)], "alias": "", "vendor": np.where(np.arange(n) % 2, "A", "B"),
        "type": "GPU", "segment": "datacenter", "release_date": dates,
        "release_price_usd": np.where(np.arange(n) % 4 == 0, np.nan, flops / 10 ** (8 + slope * (years - 2016))),
        "fp32_flops_per_s": flops, "tf32_flops_per_s": np.nan, "tensor16_flops_per_s": np.nan,
        "fp16_flops_per_s": np.nan, "fp8_flops_per_s": np.nan, "int8_ops_per_s": np.nan,
        "tdp_w": np.where(np.arange(n) % 5 == 0, np.nan, tdp), "memory_bytes": np.nan,
        "memory_bandwidth_bytes_per_s": np.nan, "source": "synthetic",
    })


@pytest.fixture(scope="module")
def synth():
    return _synthetic()


@pytest.fixture(scope="module")
def acc():
    return datasets.load("accelerators")


# ----------------------------------------------------------------------------- data selection
def test_decimal_year():
    assert decimal_year(["2024-01-01"])[0] == 2024.0
    assert abs(decimal_year(["2023-07-02 12:00"])[0] - 2023.5) < 1e-9
    assert abs(decimal_year([2021.25])[0] - 2021.25) < 1e-6


def test_missing_rows_are_counted(synth):
    td = trend_data(synth, "flops_per_watt", "fp32")
    assert td.dropped == {"no TDP": 8}
    assert len(td.data) == 32
    td = trend_data(synth, "flops_per_usd", "fp32")
    assert td.dropped == {"no release price": 10}
    fit = fit_trend(synth, "flops_per_usd", "fp32", method="ols")
    assert fit.n_dropped == 10 and "no release price: 10" in fit.report()


def test_shipped_counts_match_table(acc):
    td = trend_data(None, "flops_per_usd", "tensor16")
    usable = acc["release_price_usd"].notna() & acc["tensor16_flops_per_s"].notna() & acc["release_date"].notna()
    limited = acc["name"].str.contains(r"\b(?:A800|H800|H20|L20|L2)\b")  # export-limited: a filter, not a drop
    limited |= acc["segment"] == "consumer"  # the purchase basis leaves consumer cards out: a filter too
    assert len(td.data) == int((usable & ~limited).sum())
    assert len(td.data) + td.n_dropped + int(limited.sum()) == len(acc)


def test_purchase_basis_leaves_consumer_cards_out_by_default(acc):
    consumer = set(acc.loc[acc["segment"] == "consumer", "name"])
    assert {"NVIDIA GeForce RTX 4090", "NVIDIA TITAN Xp", "AMD Radeon RX 7900 XTX"} <= consumer
    for precision in ("tensor16", "fp32"):
        kept = trend_data(None, "flops_per_usd", precision, consumer=True)
        default = trend_data(None, "flops_per_usd", precision)
        n_consumer = int(kept.data["name"].isin(consumer).sum())
        assert n_consumer >= 3 and not default.data["name"].isin(consumer).any()
        assert len(default.data) == len(kept.data) - n_consumer
        assert default.filters[-1] == ("consumer=False", len(default.data))
        assert default.settings["consumer"] is False and kept.settings["consumer"] is True
    # per watt and cloud prices keep them unless asked
    assert trend_data(None, "flops_per_watt", "tensor16").data["name"].isin(consumer).any()
    assert not trend_data(None, "flops_per_watt", "tensor16", consumer=False).data["name"].isin(consumer).any()
    assert trend_data(None, "flops_per_usd_cloud", "tensor16").data["name"].isin(consumer).any()


@pytest.mark.parametrize("kw, word", [
    (dict(vendor="AMD"), "vendor='AMD'"),
    (dict(segment="nonexistent"), "segment='nonexistent'"),
    (dict(before="2009-01-01"), "before=2009-01-01"),
])
def test_filter_leaving_few_chips_names_it(kw, word):
    with pytest.raises(ScalingError, match="filter") as e:
        trend_data(None, "flops_per_usd", "fp32" if "before" in kw else "tensor16", **kw)
    assert word in str(e.value) and "at least 3" in str(e.value)


@pytest.mark.parametrize("kw", [dict(metric="flops"), dict(precision="fp64"), dict(dollars="euro"),
                                dict(pricing="spot", metric="flops_per_usd_cloud"),
                                dict(hierarchical="chip"), dict(method="mcmc")])
def test_bad_options_raise(kw):
    with pytest.raises(ScalingError, match="allowed") as e:
        fit_trend(**{"method": "ols", **kw})
    if "precision" in kw:  # the message lists every allowed precision
        assert all(p in str(e.value) for p in PRECISIONS)


def test_one_precision_map_and_dates():
    assert PRECISIONS is datasets.PRECISIONS
    from scaling import _dates

    assert decimal_year is _dates.decimal_year
    # bf16 is an alias of tensor16: the same points
    a, b = trend_data(None, "flops_per_usd", "bf16"), trend_data(None, "flops_per_usd", "tensor16")
    np.testing.assert_array_equal(a.data["value"], b.data["value"])


@pytest.mark.parametrize("kw", [dict(draws=10), dict(draws=1000.0), dict(seed=1.5), dict(seed=-1),
                                dict(chains=0), dict(precision=["fp32", "fp16"]), dict(vendor=3),
                                dict(since="notadate")])
def test_bad_values_raise_scaling_error(kw):
    with pytest.raises(ScalingError):
        fit_trend(**{"method": "ols", "metric": "flops_per_watt", "precision": "fp32", **kw})


def test_real_dollars_and_frontier():
    nominal = trend_data(None, "flops_per_usd", "fp32")
    real = trend_data(None, "flops_per_usd", "fp32", dollars="real", base_year=2024)
    # PPI for data processing rose 2008 -> 2024, so 2024 $ prices are higher, value lower, for old chips
    assert (real.data["value"].iloc[0] < nominal.data["value"].iloc[0])
    fr = trend_data(None, "flops_per_usd", "fp32", frontier=True)
    assert np.all(np.diff(fr.data["value"].to_numpy()) > 0)
    assert "below the frontier (frontier=True)" in fr.dropped
    with pytest.raises(ScalingError, match="per-\\$"):
        trend_data(None, "flops_per_watt", "fp32", dollars="real")


def test_cloud_join():
    td = trend_data(None, "flops_per_usd_cloud", "tensor16", pricing="on_demand")
    d = td.data
    assert {"provider", "usd_per_chip_hour"} <= set(d.columns)
    # FLOP per $ = FLOP/s * 3600 / ($/h)
    acc = datasets.load("accelerators").set_index("name")
    row = d.iloc[0]
    assert row["value"] == pytest.approx(acc.loc[row["name"], "tensor16_flops_per_s"] * 3600 / row["usd_per_chip_hour"])
    assert td.dropped.get("hardware not in the accelerators table", 0) > 0
    one = trend_data(None, "flops_per_usd_cloud", "tensor16", pricing="1yr")
    assert len(one.data) < len(d)


# ----------------------------------------------------------------------------- OLS
def test_ols_recovers_synthetic_slope(synth):
    fit = fit_trend(synth, "flops_per_watt", "fp32", method="ols", seed=3)
    lo, hi = fit.diagnostics["slope_ci_t"]
    assert lo < 0.15 < hi
    # draws follow the t sampling distribution: their 90% interval matches the t interval
    q = np.quantile(fit.draws["slope_per_year"], [0.05, 0.95])
    assert q == pytest.approx([lo, hi], abs=0.15 * (hi - lo))
    d = fit.doubling_time_years
    assert d["median"] == pytest.approx(LOG10_2 / fit.diagnostics["slope"], rel=0.02)
    assert d["lower"] < d["median"] < d["upper"]
    assert d["prob_no_improvement"] == 0.0


def test_ols_seeded_and_matches_statsmodels(synth):
    import statsmodels.api as sm

    a = fit_trend(synth, "flops_per_watt", "fp32", method="ols", seed=5)
    b = fit_trend(synth, "flops_per_watt", "fp32", method="ols", seed=5)
    c = fit_trend(synth, "flops_per_watt", "fp32", method="ols", seed=6)
    pd.testing.assert_frame_equal(a.draws, b.draws)
    assert not a.draws.equals(c.draws)
    x = a.data["year"] - a.t0
    res = sm.OLS(a.data["log10_value"], sm.add_constant(x)).fit()
    assert a.diagnostics["slope"] == pytest.approx(float(res.params.iloc[1]), rel=1e-10)


def test_line_draws_and_predict(synth):
    fit = fit_trend(synth, "flops_per_watt", "fp32", method="ols")
    dates = pd.to_datetime(["2018-01-01", "2024-06-01"])
    lines = fit.line_draws(dates)
    assert lines.shape == (len(fit.draws), 2)
    manual = fit.draws["intercept"].to_numpy() + fit.draws["slope_per_year"].to_numpy() * (decimal_year(dates)[1] - fit.t0)
    np.testing.assert_allclose(lines[:, 1], manual)
    # without level: the median line as a float array, in the metric's units
    y = fit.predict(dates)
    assert isinstance(y, np.ndarray) and y.dtype == float and y.shape == (2,)
    np.testing.assert_allclose(np.log10(y), np.median(lines, axis=0))
    # with level: inputs then median/lower/upper; "new" (a new chip) is wider than "line"
    line = fit.predict(dates, level=0.9)
    new = fit.predict(dates, level=0.9, interval="new")
    assert list(line.columns) == ["date", "year", "median", "lower", "upper"]
    assert list(new.columns) == list(line.columns)
    np.testing.assert_allclose(line["median"], y)
    assert (new["lower"] < line["lower"]).all() and (line["upper"] < new["upper"]).all()
    assert (line["lower"] < line["median"]).all() and (line["median"] < line["upper"]).all()
    np.testing.assert_allclose(np.log10(line["lower"]), np.quantile(lines, 0.05, axis=0))
    pd.testing.assert_frame_equal(new, fit.predict(dates, level=0.9, interval="new"))  # seeded
    narrow = fit.predict(dates, level=0.5)
    assert (narrow["upper"] < line["upper"]).all()
    assert fit.predict([2018.0]).shape == (1,)
    with pytest.raises(ScalingError, match="level"):
        fit.predict(dates, level=1.5)
    with pytest.raises(ScalingError, match="interval"):
        fit.predict(dates, level=0.9, interval="chip")
    with pytest.raises(ScalingError, match="not hierarchical"):
        fit.predict(dates, group="A")
    with pytest.raises(ScalingError):
        fit.predict(["not a date"])


def test_contract(synth):
    fit = fit_trend(synth, "flops_per_watt", "fp32", method="ols")
    assert isinstance(fit, TrendResult) and fit.law == "log-linear"
    assert set(fit.params) == {"intercept", "slope_per_year", "sigma", "nu"}
    assert fit.params["slope_per_year"] == pytest.approx(np.median(fit.draws["slope_per_year"]))
    assert fit.params["nu"] == math.inf  # OLS: Gaussian errors
    assert all(isinstance(v, float) for v in fit.params.values())
    assert fit.seed == 0 and len(fit.data_sha256) == 64 and fit.settings["method"] == "ols"


def test_summary_and_report(synth):
    fit = fit_trend(synth, "flops_per_watt", "fp32", method="ols")
    s = fit.summary()
    assert s.index.name == "parameter"
    assert list(s.columns[:3]) == ["value", "lower", "upper"] and {"r_hat", "ess_bulk"} <= set(s.columns)
    assert s.attrs["level"] == DEFAULT_LEVEL
    assert {"intercept", "slope_per_year", "sigma", "nu", "doubling_time_years", "growth_per_year"} <= set(s.index)
    assert s.loc["growth_per_year", "value"] == pytest.approx(10 ** s.loc["slope_per_year", "value"], rel=1e-4)
    d = fit.doubling(0.8)
    s80 = fit.summary(0.8)
    assert s80.loc["doubling_time_years", ["value", "lower", "upper"]].tolist() == \
        pytest.approx([d["median"], d["lower"], d["upper"]])
    assert s80.loc["slope_per_year", "upper"] < s.loc["slope_per_year", "upper"]
    assert s["r_hat"].isna().all()  # OLS: not sampled by MCMC
    assert "doubling time" in fit.report()
    with pytest.raises(ScalingError, match="level"):
        fit.summary(level=0)


def test_no_improvement_is_reported():
    flat = _synthetic(n=20, slope=0.0, sd=0.3, seed=2)
    fit = fit_trend(flat, "flops_per_watt", "fp32", method="ols")
    assert fit.doubling_time_years["prob_no_improvement"] > 0.05
    assert "P(no improvement)" in fit.report()
    codes = [w.code for w in fit.warnings()]
    assert "no_improvement" in codes
    assert all(isinstance(w, ScalingWarning) and w.code in WARNING_CODES for w in fit.warnings())
    assert not any(w.message.lower().startswith("warning") for w in fit.warnings())
    assert "warning: P(no improvement)" in fit.report()


def test_few_chips_warning():
    few = _synthetic(n=8, slope=0.15, sd=0.05, seed=4)
    fit = fit_trend(few, "flops_per_usd", "fp32", method="ols")
    assert fit.n_chips < 10
    assert [w.code for w in fit.warnings()] == ["few_chips"]
    many = fit_trend(_synthetic(), "flops_per_watt", "fp32", method="ols")
    assert many.warnings() == []


# ----------------------------------------------------------------------------- save / load
def test_save_load_roundtrip(tmp_path, synth):
    fit = fit_trend(synth, "flops_per_watt", "fp32", method="ols", seed=2)
    assert len(fit.draws) == 2000
    p = fit.save(tmp_path / "t.json", max_draws=None)
    back = load_trend(p)
    # the draws are kept at 6 significant digits (scaling.results.encode_draws)
    pd.testing.assert_frame_equal(back.draws, fit.draws, rtol=1e-5)
    assert back.params == pytest.approx(fit.params, rel=1e-5)
    assert back.t0 == fit.t0 and back.doubling_time_years == pytest.approx(fit.doubling_time_years, rel=1e-4)
    assert (back.seed, back.data_sha256, back.settings, back.method) == (fit.seed, fit.data_sha256, fit.settings,
                                                                         fit.method)
    np.testing.assert_allclose(back.line_draws(["2030-01-01"]), fit.line_draws(["2030-01-01"]), rtol=1e-5)
    pd.testing.assert_frame_equal(back.summary(), fit.summary(), rtol=1e-4)
    payload = json.loads(p.read_text())
    # metadata of scaling.results.metadata first, then the trend's fields
    assert list(payload)[:7] == ["schema", "schema_version", "scaling_version", "created", "data_sha256",
                                 "settings", "seed"]
    assert payload["schema"] == "scaling.hardware.trend" and payload["schema_version"] == 3
    assert payload["data_sha256"] == fit.data_sha256 and payload["law"] == "log-linear"
    # the headline stored is that of the draws stored
    assert payload["headline"]["doubling_time_years"]["median"] == back.doubling_time_years["median"]


def test_saved_trend_keeps_at_most_max_saved_draws_evenly(tmp_path, synth):
    from scaling.results import MAX_SAVED_DRAWS, thin_index

    fit = fit_trend(synth, "flops_per_watt", "fp32", method="ols", seed=2)
    back = load_trend(fit.save(tmp_path / "t.json"))
    assert len(back.draws) == MAX_SAVED_DRAWS == 1000
    kept = fit.draws.iloc[thin_index(len(fit.draws))].reset_index(drop=True)
    pd.testing.assert_frame_equal(back.draws, kept, rtol=1e-5)
    payload = json.loads((tmp_path / "t.json").read_text())
    assert payload["draws"]["thinned_from"] == 2000 and payload["draws"]["n_draws"] == 1000
    # what the loaded trend reports is what the file says: its headline is that of the kept draws
    assert payload["headline"]["doubling_time_years"] == pytest.approx(back.doubling_time_years, rel=1e-12)
    assert (tmp_path / "t.json").read_text().count("\n") < 200  # one line per column, not per draw


def test_loads_committed_v1_files(root):
    paths = sorted((root / "fits").glob("trend_*.json"))
    if not paths:
        pytest.skip("no committed trend files")
    for path in paths:
        payload = json.loads(path.read_text())
        t = load_trend(path)
        if payload["schema_version"] == 1:
            assert t.scaling_version == payload["package_version"]
        assert t.law == "log-linear" and t.method in ("bayes", "ols")
        assert len(t.draws) > 0 and t.summary().index.name == "parameter"
        # the stored headline is reproduced from the stored draws (to interpolation error)
        d = payload["headline"]["doubling_time_years"]
        assert t.doubling_time_years["median"] == pytest.approx(d["median"], rel=1e-3)
        assert t.doubling_time_years["prob_no_improvement"] == d["prob_no_improvement"]


def _damage(tmp_path, synth, edit):
    fit = fit_trend(synth, "flops_per_watt", "fp32", method="ols", seed=2)
    payload = json.loads(fit.save(tmp_path / "ok.json").read_text())
    edit(payload)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(payload))
    return bad


def _column(p, name):
    """A saved trend's draws of ``name`` (the column layout of scaling.results.encode_draws)."""
    return p["draws"]["values"][p["draws"]["columns"].index(name)]


def _drop_column(p, name):
    i = p["draws"]["columns"].index(name)
    del p["draws"]["columns"][i], p["draws"]["values"][i]


@pytest.mark.parametrize("edit, match", [
    (lambda p: p["draws"].update(values=[[] for _ in p["draws"]["values"]]), "no draws"),
    (lambda p: _column(p, "slope_per_year").__setitem__(3, float("nan")), "not all finite"),
    (lambda p: _column(p, "intercept").__setitem__(0, float("inf")), "not all finite"),
    (lambda p: _column(p, "sigma").__setitem__(0, -1.0), "sigma must be > 0"),
    (lambda p: _drop_column(p, "sigma"), "lack sigma"),
    (lambda p: p["draws"].update(format="rows"), "unknown draws format"),
    (lambda p: p["draws"]["values"].pop(), "as many value lists as columns"),
    (lambda p: _column(p, "sigma").pop(), "one length"),
    (lambda p: p.update(draws=[1, 2, 3]), "draws"),
    (lambda p: p.update(method="mcmc"), "unknown method 'mcmc'"),
    (lambda p: p.update(metric="flops"), "unknown metric"),
    (lambda p: p.update(precision="fp64"), "unknown precision"),
    (lambda p: p.update(seed=1.5), "seed must be an integer"),
    (lambda p: p.update(seed=True), "seed must be an integer"),
    (lambda p: p.pop("seed"), "lacks seed"),
    (lambda p: p.update(data_sha256="abc"), "sha256"),
    (lambda p: p.update(t0="soon"), "t0"),
    (lambda p: p.pop("n_chips"), "n_chips"),
    (lambda p: p.update(settings=[1]), "settings"),
])
def test_load_rejects_damaged_files(tmp_path, synth, edit, match):
    with pytest.raises(ScalingError, match=match):
        load_trend(_damage(tmp_path, synth, edit))


def test_load_rejects_foreign_and_corrupt(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text('{"schema": "scaling.fit", "schema_version": 1}')
    with pytest.raises(ScalingError, match="schema"):
        load_trend(bad)
    bad.write_text("not json{")
    with pytest.raises(ScalingError, match="not a JSON"):
        load_trend(bad)
    bad.write_text("[1, 2]")
    with pytest.raises(ScalingError, match="schema"):
        load_trend(bad)
    bad.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ScalingError):
        load_trend(bad)
    bad.write_text('{"schema": "scaling.hardware.trend", "schema_version": 99}')
    with pytest.raises(ScalingError, match="version"):
        load_trend(bad)
    bad.write_text('{"schema": "scaling.hardware.trend", "schema_version": 1, "metric": "x"}')
    with pytest.raises(ScalingError, match="lacks"):
        load_trend(bad)
    with pytest.raises(FileNotFoundError):
        load_trend(tmp_path / "missing.json")


def test_cli_damaged_trend_file_is_one_error_line(tmp_path, synth):
    bad = _damage(tmp_path, synth, lambda p: p.update(draws={k: [] for k in p["draws"]}))
    r = CliRunner().invoke(main, ["plot", "trend", "--trend", str(bad), "-o", str(tmp_path / "t.png")])
    assert r.exit_code == 2, r.output
    assert r.output.startswith("error:") and r.output.strip().count("\n") == 0


# ----------------------------------------------------------------------------- backtest
def test_backtest_ols_synthetic(synth):
    bt = backtest("2019-01-01", "flops_per_watt", "fp32", "ols", accelerators=synth)
    assert bt.n_train + bt.n_test == 32
    assert 0.6 <= bt.coverage <= 1.0  # the line is true: coverage near 90%
    assert bt.median_abs_error_log10 < 0.3
    assert "coverage" in bt.report()
    assert {"median", "pred_lower", "pred_upper", "error_log10", "covered"} <= set(bt.points.columns)
    assert (bt.points["pred_lower"] < bt.points["median"]).all()
    with pytest.raises(ScalingError, match="no flops_per_watt points"):
        backtest("2040-01-01", "flops_per_watt", "fp32", "ols", accelerators=synth)
    with pytest.raises(ScalingError, match="unknown backtest option"):
        backtest("2019-01-01", "flops_per_watt", "fp32", "ols", accelerators=synth, colour="red")
    with pytest.raises(ScalingError, match="at least 3"):
        backtest("2000-01-01", "flops_per_watt", "fp32", "ols", accelerators=synth)


# ----------------------------------------------------------------------------- economics
def test_usd_per_flop():
    # A100 on AWS p4d 1-year ($19.22/h per 8 GPUs), 312 TFLOP/s, 21.3% MFU: the seed's
    # GPT-3 inference cost of $0.0035 per 1K tokens at 2N FLOPs per token.
    per_flop = usd_per_flop_cloud(312e12, 19.22 / 8, 0.213)
    assert 2 * 175e9 * 1000 * per_flop == pytest.approx(0.00351, rel=0.01)
    # purchase: amortised price + energy, per delivered FLOP
    v = usd_per_flop_purchase(1e15, 30_000, 700, lifetime_years=4, utilisation=0.5, usd_per_kwh=0.1, pue=1.2)
    hourly = 30_000 / (4 * 8766) + 0.7 * 1.2 * 0.1
    assert v == pytest.approx(hourly / (3600 * 1e15 * 0.5))
    arr = usd_per_flop_purchase(np.array([1e14, 2e14]), 1e4, 300)
    assert arr.shape == (2,) and arr[0] == pytest.approx(2 * arr[1])
    for bad in (dict(utilisation=1.5), dict(pue=0.9), dict(lifetime_years=0)):
        with pytest.raises(ValueError):
            usd_per_flop_purchase(1e15, 1e4, 300, **bad)
    with pytest.raises(ValueError, match="flops_per_s"):
        usd_per_flop_cloud("fast", 2.0)


def test_seed_growth_and_published():
    assert seed_growth_per_year(1.5) == pytest.approx(1.225, abs=1e-3)
    assert seed_growth_per_year(1.8) == pytest.approx(1.342, abs=1e-3)
    t = published_table("flops_per_watt")
    assert set(t["metric"]) == {"flops_per_watt"} and len(t) >= 2


def test_render_markdown(synth):
    fit = fit_trend(synth, "flops_per_watt", "fp32", method="ols")
    md = render_markdown([fit], [backtest("2019-01-01", "flops_per_watt", "fp32", "ols", accelerators=synth)])
    assert "| flops_per_watt | fp32 | all | ols | 32 |" in md
    assert "Hobbhahn & Besiroglu 2022" in md and "backtest cut-off" in md


# ----------------------------------------------------------------------------- CLI
def test_cli_ols_and_json(tmp_path):
    r = CliRunner().invoke(main, ["trend", "--metric", "flops-per-watt", "--precision", "fp32", "--ols", "--json",
                                  "-o", str(tmp_path / "w.json")])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["trends"]["ols"]["n_chips"] > 50
    assert load_trend(tmp_path / "w.json").method == "ols"
    r = CliRunner().invoke(main, ["trend", "--ols", "--metric", "flops-per-usd", "--precision", "fp32",
                                  "--backtest", "2020-01-01"])
    assert r.exit_code == 0, r.output
    assert "Hobbhahn" in r.output and "coverage" in r.output and "doubling" in r.output


@pytest.mark.parametrize("args", [["--metric", "bogus"], ["--vendor", "AMD"], ["--since", "notadate"],
                                  ["--precision", "fp64"], ["--pricing", "spot", "--metric", "flops-per-usd-cloud"]])
def test_cli_bad_input_one_line_exit_2(args):
    r = CliRunner().invoke(main, ["trend", "--ols", *args])
    assert r.exit_code == 2
    assert r.output.strip().count("\n") == 0 and r.output.startswith("error:")


# ----------------------------------------------------------------------------- Bayesian
FAST = dict(draws=200, tune=200)


@pytest.fixture(scope="module")
def bayes_fast(synth):
    return fit_trend(synth, "flops_per_watt", "fp32", method="bayes", seed=3, **FAST)


def test_bayes_same_seed_same_draws(bayes_fast, synth):
    again = fit_trend(synth, "flops_per_watt", "fp32", method="bayes", seed=3, **FAST)
    pd.testing.assert_frame_equal(again.draws, bayes_fast.draws)
    other = fit_trend(synth, "flops_per_watt", "fp32", method="bayes", seed=4, **FAST)
    assert not other.draws.equals(bayes_fast.draws)


def test_bayes_contract(bayes_fast, tmp_path):
    b = bayes_fast
    assert b.diagnostics["sampler"] == "nutpie NUTS" and b.settings["sampler"] == "nutpie"
    assert len(b.draws) == 2 * FAST["draws"] and list(b.draws.columns) == ["intercept", "slope_per_year", "sigma",
                                                                            "nu"]
    s = b.summary()
    assert s.index.name == "parameter"
    assert s.loc[["intercept", "slope_per_year", "sigma", "nu"], "r_hat"].notna().all()
    assert all(isinstance(w, ScalingWarning) and w.code in WARNING_CODES for w in b.warnings())
    assert {w.code for w in b.warnings()} <= {"r_hat", "ess_bulk", "ess_tail", "divergences"}
    back = load_trend(b.save(tmp_path / "b.json"))
    pd.testing.assert_frame_equal(back.draws, b.draws, rtol=1e-5)  # 6 significant digits
    assert back.params == pytest.approx(b.params, rel=1e-5) and back.warnings() == b.warnings()
    assert back.diagnostics["r_hat"] == b.diagnostics["r_hat"]


def test_bayes_warnings_from_diagnostics(bayes_fast):
    from dataclasses import replace

    diag = {**bayes_fast.diagnostics, "divergences": 3,
            "r_hat": {**bayes_fast.diagnostics["r_hat"], "sigma": 1.2},
            "ess_bulk": {**bayes_fast.diagnostics["ess_bulk"], "nu": 50.0}}
    bad = replace(bayes_fast, diagnostics=diag)
    codes = [w.code for w in bad.warnings()]
    assert {"r_hat", "ess_bulk", "divergences"} <= set(codes)
    assert "warning: R-hat of sigma" in bad.report()


def test_unknown_sampler(synth):
    with pytest.raises(ScalingError, match="sampler"):
        fit_trend(synth, "flops_per_watt", "fp32", method="bayes", sampler="emcee", **FAST)


@pytest.fixture(scope="module")
def bayes_synth(synth):
    return fit_trend(synth, "flops_per_watt", "fp32", method="bayes", seed=1, draws=500, tune=500)


@pytest.mark.slow
def test_bayes_synthetic(bayes_synth, synth):
    b = bayes_synth
    assert max(b.diagnostics["r_hat"].values()) <= 1.01
    assert min(b.diagnostics["ess_bulk"].values()) >= 400
    assert b.diagnostics["divergences"] == 0
    assert b.warnings() == []
    lo, hi = np.quantile(b.draws["slope_per_year"], [0.05, 0.95])
    assert lo < 0.15 < hi
    ols = fit_trend(synth, "flops_per_watt", "fp32", method="ols")
    # with nearly Gaussian noise the robust fit and OLS agree
    assert b.doubling_time_years["median"] == pytest.approx(ols.doubling_time_years["median"], rel=0.1)
    assert b.line_draws(["2020-01-01"]).shape == (1000, 1)


@pytest.mark.slow
def test_bayes_samplers_agree(bayes_synth, synth):
    """PyMC's NUTS and nutpie sample the same posterior (within Monte Carlo error)."""
    p = fit_trend(synth, "flops_per_watt", "fp32", method="bayes", seed=1, draws=500, tune=500, sampler="pymc")
    assert p.diagnostics["sampler"] == "pymc NUTS"
    for col in ("intercept", "slope_per_year"):
        a, b = p.draws[col], bayes_synth.draws[col]
        se = np.hypot(a.std() / np.sqrt(p.diagnostics["ess_bulk"][col]),
                      b.std() / np.sqrt(bayes_synth.diagnostics["ess_bulk"][col]))
        assert abs(a.median() - b.median()) < 5 * se


@pytest.mark.slow
def test_bayes_hierarchical_vendor(synth):
    b = fit_trend(synth, "flops_per_watt", "fp32", method="bayes", hierarchical="vendor", seed=2, draws=500,
                  tune=500)
    assert b.groups == ("A", "B")
    assert {"tau", "offset[A]", "offset[B]"} <= set(b.draws.columns)
    assert {"tau", "offset[A]", "offset[B]"} <= set(b.diagnostics["r_hat"])
    assert b.line_draws(["2020-01-01"], group="A").shape == (1000, 1)
    assert b.predict(["2020-01-01"], level=0.9, group="A", interval="new").shape == (1, 5)
    with pytest.raises(ScalingError, match="unknown group"):
        b.line_draws(["2020-01-01"], group="C")


@pytest.mark.slow
@pytest.mark.parametrize("stem", ["trend_flops_per_usd_tensor16", "trend_flops_per_watt_tensor16",
                                  "trend_flops_per_usd_fp32", "trend_flops_per_watt_fp32",
                                  "trend_flops_per_usd_cloud_tensor16"])
def test_shipped_fits_converged(root, stem):
    path = root / "fits" / f"{stem}.json"
    if not path.exists():
        pytest.skip(f"{path} not generated")
    t = load_trend(path)
    assert t.method == "bayes"
    assert max(t.diagnostics["r_hat"].values()) <= 1.01
    assert min(t.diagnostics["ess_bulk"].values()) >= 400
    assert not [w for w in t.warnings() if w.code in ("r_hat", "ess_bulk", "ess_tail", "divergences")]
    # the fit is for the shipped data as it is now
    td = trend_data(None, t.metric, t.precision)
    assert td.sha256 == t.data_sha256
    # Published ML-hardware figures are 2-3.8 years; ours must be in a plausible band.
    assert 1.0 < t.doubling_time_years["median"] < 6.0


@pytest.mark.slow
def test_cli_bayes_beside_ols():
    r = CliRunner().invoke(main, ["trend", "--metric", "flops-per-watt", "--precision", "fp32", "--draws", "500"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert any(line.startswith("bayes") for line in lines) and any(line.startswith("ols") for line in lines)
    assert "Seed article" in r.output and "Hobbhahn" in r.output


def test_loads_version_2_trend_file():
    """Version 2 kept the draws as {name: [values]} at full precision and the points as records."""
    from pathlib import Path

    path = Path(__file__).parent / "data" / "trend_v2_flops_per_usd_tensor16.json"
    payload = json.loads(path.read_text())
    assert payload["schema_version"] == 2
    t = load_trend(path)
    assert len(t.draws) == 5 and t.draws["slope_per_year"].tolist() == payload["draws"]["slope_per_year"]
    assert len(t.data) == 6 and t.data["name"].tolist() == [r["name"] for r in payload["data"]]
