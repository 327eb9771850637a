"""Cost forecasts: the arithmetic, the options and the errors, on small synthetic fits and trends."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scaling.cost.tco import TCOAssumptions
from scaling.errors import ScalingError
from scaling.fitting import FitResult
from scaling.forecast import decimal_year, default_dates, equivalent_cost, load_forecast
from scaling.hardware import TrendResult
from scaling.sizing import compute_for_loss, gpt3_loss

EPOCH = dict(E=1.8172, A=477.76, B=2142.94, alpha=0.3473, beta=0.3672)


def _fit(n=200, spread=0.0, seed=1):
    """A real FitResult whose draws scatter around Epoch's fit by ``spread`` (relative)."""
    rng = np.random.default_rng(seed)
    draws = pd.DataFrame({k: v * (1 + spread * rng.standard_normal(n)) for k, v in EPOCH.items()})
    return FitResult(law="chinchilla", method="huber", params=dict(EPOCH), objective=0.0, n_runs=240, n_excluded=0,
                     data_sha256="", seed=seed, settings={}, draws=draws)


def _trend(metric="flops_per_usd_cloud", intercept=17.0, slope=0.12, n=100, spread=0.0, seed=2):
    """A real TrendResult with known draws: log10 m(t) = intercept + slope (t - 2020)."""
    rng = np.random.default_rng(seed)
    draws = pd.DataFrame({"intercept": intercept + spread * rng.standard_normal(n),
                          "slope_per_year": slope * (1 + spread * rng.standard_normal(n)),
                          "sigma": np.full(n, 0.1), "nu": np.full(n, np.inf)})
    data = pd.DataFrame({"name": ["a", "b"], "date": pd.to_datetime(["2018-01-01", "2022-01-01"]),
                         "year": [2018.0, 2022.0], "value": [1e17, 1e17], "log10_value": [17.0, 17.0]})
    return TrendResult(metric=metric, precision="tensor16", method="ols", n_chips=20, n_points=2, n_dropped=0,
                       dropped={}, t0=2020.0, draws=draws, data=data, seed=seed)


def test_point_forecast_matches_hand_computation():
    fit, trend = _fit(), _trend()
    dates = pd.to_datetime(["2020-01-01", "2025-01-01"])
    fc = equivalent_cost(fit, trend, dates=dates, mfu=0.5, inference_mfu=0.5, price_scatter=False,
                         n_draws=50)
    c, n, _ = compute_for_loss(EPOCH, gpt3_loss(EPOCH))
    for date, year in zip(dates, (2020.0, 2025.0)):
        usd_per_flop = 10 ** -(17.0 + 0.12 * (year - 2020.0))
        row = fc.at(date, "training_cost_usd")
        assert row["median"] == pytest.approx(float(c) / 0.5 * usd_per_flop, rel=1e-9)
        assert row["lower"] == pytest.approx(row["upper"], rel=1e-9)  # no uncertainty in, none out
        inf = fc.at(date, "inference_usd_per_1k_tokens")
        assert inf["median"] == pytest.approx(2 * float(n) * 1000 / 0.5 * usd_per_flop, rel=1e-9)


def test_cost_falls_at_the_trend_rate_and_intervals_nest():
    fc = equivalent_cost(_fit(spread=0.05), _trend(spread=0.02), n_draws=2000, seed=3)
    ch = fc.change("2020-01-01", "2030-01-01")
    assert ch["median"] == pytest.approx(10 ** (-1.2) - 1, abs=0.05)
    tab = fc.to_frame()
    wide = tab[tab.quantity == "training_cost_usd"].pivot(index="date", columns="level", values=["lower", "upper"])
    assert (wide[("lower", 0.9)] <= wide[("lower", 0.5)]).all()
    assert (wide[("upper", 0.9)] >= wide[("upper", 0.5)]).all()
    assert set(tab.columns) == {"date", "quantity", "median", "lower", "upper", "level"}


def test_same_seed_same_numbers_other_seed_other_numbers():
    a = equivalent_cost(_fit(spread=0.05), _trend(spread=0.02), n_draws=500, seed=7).to_frame()
    b = equivalent_cost(_fit(spread=0.05), _trend(spread=0.02), n_draws=500, seed=7).to_frame()
    c = equivalent_cost(_fit(spread=0.05), _trend(spread=0.02), n_draws=500, seed=8).to_frame()
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["upper"], c["upper"])


def test_purchase_basis_adds_amortised_price_and_energy():
    fit = _fit()
    usd = _trend("flops_per_usd", intercept=9.0, slope=0.1)
    watt = _trend("flops_per_watt", intercept=11.0, slope=0.1)
    dates = pd.to_datetime(["2020-01-01"])
    fc = equivalent_cost(fit, usd, watt, dates=dates, mfu=0.4, lifetime_years=4, usd_per_kwh=0.1,
                         pue=1.2, n_draws=20, tco=TCOAssumptions.chip_only(), price_scatter=False)
    c, _, _ = compute_for_loss(EPOCH, gpt3_loss(EPOCH))
    per_flop = 1 / (1e9 * 4 * 365.25 * 86400) + 1.2 * 0.1 / (3.6e6 * 1e11)
    assert fc.at("2020-01-01")["median"] == pytest.approx(float(c) / 0.4 * per_flop, rel=1e-9)
    assert fc.assumptions["basis"] == "purchase"


def test_algorithmic_progress_halves_compute_every_h_months():
    fit, trend = _fit(), _trend(slope=0.0)
    dates = pd.to_datetime(["2020-06-01", "2021-06-01"])
    kw = dict(dates=dates, mfu=0.4, price_scatter=False, algorithmic_banked=1.0)
    base = equivalent_cost(fit, trend, n_draws=20, **kw)
    algo = equivalent_cost(fit, trend, n_draws=20, algorithmic_halving_months=6, **kw)
    ratio = algo.at("2021-06-01")["median"] / base.at("2021-06-01")["median"]
    assert ratio == pytest.approx(0.25, rel=3e-3)  # a leap year: 2020-06 to 2021-06 is 0.998 decimal years
    ho = equivalent_cost(fit, trend, n_draws=2000, algorithmic_halving_months="ho2024", seed=1, **kw)
    r = ho.at("2021-06-01")
    assert r["lower"] < r["median"] < r["upper"]  # uncertain halving time gives an interval
    assert 2 ** (-12 / 8) == pytest.approx(r["median"] / base.at("2021-06-01")["median"], rel=0.05)


def test_targets_loss_and_model():
    fit, trend = _fit(), _trend()
    by_loss = equivalent_cost(fit, trend, target=2.3, n_draws=20)
    by_model = equivalent_cost(fit, trend, target=(175e9, 300e9), n_draws=20)
    gpt3 = equivalent_cost(fit, trend, n_draws=20)
    assert by_model.at("2024-01-01")["median"] == pytest.approx(gpt3.at("2024-01-01")["median"], rel=1e-9)
    assert by_loss.at("2024-01-01")["median"] < gpt3.at("2024-01-01")["median"]  # 2.3 is easier than GPT-3's loss


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (dict(dates=["2024-01-01", "2023-01-01"]), "strictly increasing"),
        (dict(target=1.5), "unreachable"),
        (dict(target="gpt4"), "unknown target 'gpt4'"),
        (dict(mfu=1.5), "mfu must be"),
        (dict(mfu=0), "mfu must be"),
        (dict(usd_per_kwh=-0.1), "usd_per_kwh must be"),
        (dict(pue=0.9), "pue must be >= 1"),
        (dict(algorithmic_halving_months="fast"), "algorithmic_halving_months"),
        (dict(levels=(0.9, 1.2)), "level must be a probability"),
        (dict(target=175e9), "parameter count"),
        (dict(dates=["1900-01-01", "1901-01-01"]), "outside 2000-2050"),
        (dict(dates=["2024-01-01", "3000-01-01"]), "outside 2000-2050"),
        (dict(n_draws=True), "n_draws must be an integer"),
    ],
)
def test_bad_options_are_clear_errors(kwargs, pattern):
    with pytest.raises(ScalingError, match=pattern):
        equivalent_cost(_fit(), _trend(), **{"n_draws": 20, **kwargs})


def test_results_not_honouring_the_contract_are_refused():
    with pytest.raises(ScalingError, match="expected a fitted scaling law"):
        equivalent_cost({"E": 1.8}, _trend(), n_draws=20)


def test_until_is_checked():
    with pytest.raises(ScalingError, match="outside 2000-2050"):
        default_dates(until=3000)


def test_basis_is_checked():
    with pytest.raises(ValueError, match="needs energy_trend"):
        equivalent_cost(_fit(), _trend("flops_per_usd"), n_draws=20)
    with pytest.raises(ValueError, match="must be a 'flops_per_usd_cloud'"):
        equivalent_cost(_fit(), _trend("flops_per_watt"), n_draws=20)


def test_default_dates_and_speed_shape():
    dates = default_dates(until=2032)
    assert dates[0] == pd.Timestamp("2020-01-01") and dates[-1].year == 2032 and len(dates) == 52
    fc = equivalent_cost(_fit(spread=0.03), _trend(spread=0.02), n_draws=4000)
    assert fc.samples["training_cost_usd"].shape == (4000, 52)


def test_save_and_load_roundtrip_atomic(tmp_path, monkeypatch):
    fc = equivalent_cost(_fit(spread=0.03), _trend(spread=0.02), n_draws=200)
    path = tmp_path / "f.csv"
    fc.save(path)
    back = load_forecast(path)
    assert back.assumptions["basis"] == "cloud"
    pd.testing.assert_series_equal(back.table["median"], fc.table["median"], rtol=1e-5, check_names=False)
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    import scaling._io as io_mod

    monkeypatch.setattr(io_mod.os, "fsync", boom)  # fail after the temporary file is written
    with pytest.raises(OSError):
        fc.save(path)
    assert path.read_bytes() == before  # the old file survives an interrupted save
    assert not list(tmp_path.glob(".*tmp*"))
    with pytest.raises(ValueError, match=r"saved as \.csv"):
        fc.save(tmp_path / "f.txt")


# ------------------------------------------------------------------ every uncertainty, as joint draws
def _hoffmann():
    from scaling import library

    return library.resolve("hoffmann2022")


def test_law_mixture_draws_each_law_by_its_weight_and_widens_the_fan():
    from scaling.forecast import law_mixture

    fit, trend = _fit(spread=0.01), _trend()
    kw = dict(dates=["2024-01-01"], mfu=0.4, price_scatter=False, n_draws=3000, seed=2)
    one = equivalent_cost(fit, trend, **kw)
    mix = equivalent_cost(law_mixture({"epoch": fit, "hoffmann2022": _hoffmann()}, {"epoch": 3, "hoffmann2022": 1}),
                          trend, **kw)
    c_h, _, _ = compute_for_loss(_hoffmann().params, gpt3_loss(_hoffmann().params))
    c = mix.samples["compute_flops"][:, 0]
    share_h = np.mean(np.isclose(c, float(c_h), rtol=1e-9))
    assert share_h == pytest.approx(0.25, abs=0.03)
    w1 = one.at("2024-01-01")
    w2 = mix.at("2024-01-01")
    assert w2["lower"] < w1["lower"]  # Hoffmann's equivalent is cheaper: the mixture reaches lower
    assert "mixture" in mix.header and "hoffmann2022 0.25" in mix.header
    with pytest.raises(ScalingError, match="weights for unknown law"):
        law_mixture({"epoch": fit}, {"other": 1})


def test_price_scatter_and_utilisation_range_widen_the_interval():
    fit, trend = _fit(), _trend(spread=0.0)
    kw = dict(dates=["2024-01-01"], n_draws=3000, seed=1)
    line = equivalent_cost(fit, trend, mfu=0.4, price_scatter=False, **kw).at("2024-01-01")
    scat = equivalent_cost(fit, trend, mfu=0.4, price_scatter=True, **kw).at("2024-01-01")
    util = equivalent_cost(fit, trend, mfu=(0.3, 0.5), price_scatter=False, **kw).at("2024-01-01")
    assert line["upper"] / line["lower"] == pytest.approx(1.0, abs=1e-9)
    # sigma 0.1 dex, Gaussian: the 90% band spans 2 x 1.645 x 0.1 dex
    assert np.log10(scat["upper"] / scat["lower"]) == pytest.approx(0.329, rel=0.08)
    assert util["upper"] / util["lower"] == pytest.approx(0.49 / 0.31, rel=0.02)  # 5% and 95% of U(0.3, 0.5)


def test_inference_utilisation_is_separate_and_lower_by_default():
    fc = equivalent_cost(_fit(), _trend(), dates=["2024-01-01"], price_scatter=False, n_draws=2000)
    assert fc.assumptions["inference_utilisation"] == [0.1, 0.3]
    assert fc.assumptions["utilisation"] == [0.3, 0.5]


def test_variance_decomposition_attributes_the_sources():
    fc = equivalent_cost(_fit(spread=0.0), _trend(spread=0.0), dates=["2024-01-01", "2030-01-01"],
                         mfu=0.4, n_draws=3000)
    w = fc.width_by_source(yearly=False)
    assert w.loc["2024-01-01", "price_scatter"] == pytest.approx(1.0, abs=1e-6)  # the only source left
    fc2 = equivalent_cost(_fit(spread=0.05), _trend(spread=0.02), mfu=(0.2, 0.6), n_draws=3000)
    w2 = fc2.width_by_source()
    assert np.allclose(w2.drop(columns="sd_log10").sum(axis=1), 1.0)
    assert (w2["utilisation"] > 0.05).all() and (w2["law_parameters"] > 0.01).all()
    # the trend's slope uncertainty grows with the distance from its centre (2020)
    assert w2["price_trend"].iloc[-1] > w2["price_trend"].iloc[1]


def test_algorithmic_multiplier_keeps_6nd_equal_to_c_and_caps():
    fit, trend = _fit(), _trend()
    fc = equivalent_cost(fit, trend, n_draws=500, algorithmic_halving_months="ho2024", algorithmic_cap=100.0)
    s = fc.samples
    assert np.allclose(6 * s["n_params"] * s["n_tokens"], s["compute_flops"], rtol=1e-9)
    c0, n0, _ = compute_for_loss(EPOCH, gpt3_loss(EPOCH))
    assert s["compute_flops"].min() >= float(c0) / 100 * (1 - 1e-9)  # the cap holds
    assert s["n_params"][:, -1].max() <= float(n0) * (1 + 1e-9)   # N shrinks with the compute
    assert np.median(s["n_params"][:, -1]) < 0.5 * float(n0)


def test_algorithmic_banked_gain_absorbs_the_reallocation_first():
    fit, trend = _fit(), _trend(slope=0.0)
    kw = dict(dates=["2020-06-01", "2020-09-01", "2023-06-01"], mfu=0.4, price_scatter=False, n_draws=20,
              algorithmic_halving_months=8)
    auto = equivalent_cost(fit, trend, **kw)
    off = equivalent_cost(fit, trend, algorithmic_banked=1.0, **kw)
    c0, _, _ = compute_for_loss(EPOCH, gpt3_loss(EPOCH))
    g = 6 * 175e9 * 300e9 / float(c0)  # ~1.6: GPT-3 re-allocated compute-optimally needs 1/G of its compute
    assert auto.at("2020-09-01")["median"] == pytest.approx(auto.at("2020-06-01")["median"])  # still absorbing
    ratio = auto.at("2023-06-01")["median"] / off.at("2023-06-01")["median"]
    assert ratio == pytest.approx(g, rel=1e-6)


def test_ho2024_interval_is_the_neurips_one():
    from scaling.forecast.draws import halving_draws

    h = halving_draws("ho2024", 200_000, np.random.default_rng(0)) * 12
    assert np.quantile(h, [0.05, 0.5, 0.95]) == pytest.approx([2.0, 8.0, 22.0], rel=0.03)


def test_target_below_e_is_refused_before_any_sampling(monkeypatch):
    import scaling.forecast.core as core

    monkeypatch.setattr(core, "law_draws", lambda *a, **k: (_ for _ in ()).throw(AssertionError("sampled")))
    with pytest.raises(ScalingError, match="irreducible loss E = 1.8172"):
        equivalent_cost(_fit(), _trend(), target=1.8, n_draws=20)


def test_reference_model_targets():
    fit, trend = _fit(), _trend()
    chin = equivalent_cost(fit, trend, target="Chinchilla", n_draws=20, price_scatter=False, mfu=0.4)
    by_nd = equivalent_cost(fit, trend, target=(70e9, 1.4e12), n_draws=20, price_scatter=False, mfu=0.4)
    assert chin.at("2024-01-01")["median"] == pytest.approx(by_nd.at("2024-01-01")["median"], rel=1e-9)
    assert "Chinchilla's loss" in chin.assumptions["target_description"]


def test_real_dollars_deflate_later_costs():
    fit, trend = _fit(), _trend()
    kw = dict(dates=["2024-07-01", "2030-01-01"], n_draws=50, price_scatter=False, mfu=0.4)
    nom = equivalent_cost(fit, trend, **kw)
    real = equivalent_cost(fit, trend, dollars="real", base_year=2024, **kw)
    assert real.at("2024-07-01")["median"] == pytest.approx(nom.at("2024-07-01")["median"], rel=0.03)
    assert real.at("2030-01-01")["median"] < nom.at("2030-01-01")["median"]
    assert "real 2024 dollars" in real.header and "nominal" in nom.header
    with pytest.raises(ScalingError, match="unknown dollars 'gold'"):
        equivalent_cost(fit, trend, dollars="gold", **kw)


def test_purchase_basis_default_is_tco_above_chip_only():
    fit = _fit()
    usd = _trend("flops_per_usd", intercept=9.0, slope=0.1)
    watt = _trend("flops_per_watt", intercept=11.0, slope=0.1)
    kw = dict(dates=["2024-01-01"], mfu=0.4, price_scatter=False, n_draws=2000)
    tco = equivalent_cost(fit, usd, watt, **kw)
    chip = equivalent_cost(fit, usd, watt, tco=TCOAssumptions.chip_only(), **kw)
    r = tco.at("2024-01-01")["median"] / chip.at("2024-01-01")["median"]
    assert 1.5 < r < 4.0  # servers x1.3-2.1, interconnect x1.07-1.32, capital cost, occupancy
    assert tco.at("2024-01-01")["upper"] > tco.at("2024-01-01")["lower"] * 1.2  # the ranges are carried
    shares = tco.assumptions["tco_shares_median"]
    assert 0 < shares["energy"] < 0.2 and shares["chips"] > shares["server"] > 0
    assert (tco.width_by_source()["tco"] > 0.05).all()


def test_seed_decomposition_like_for_like():
    from scaling.forecast import seed_decomposition

    d = seed_decomposition(_fit(), _trend(slope=0.12))
    hw = 10 ** (-0.12 * 2.5027)  # 2020-07-01 -> 2023-01-01 along the trend
    assert d["usd_per_flop_ratio_hardware_trend"] == pytest.approx(hw, rel=1e-3)
    assert d["training_cost_ratio"] == pytest.approx(hw * 0.213 / 0.462, rel=1e-3)
    # inference: parameters x $/FLOP, no training-utilisation gain
    assert d["inference_cost_ratio"] == pytest.approx(
        d["params_ratio_vs_gpt3"] * d["usd_per_flop_ratio_hardware_trend"], rel=1e-12)
    assert d["inference_cost_ratio"] < d["training_cost_ratio"] / d["utilisation_ratio"]
    assert d["seed"]["training"] == pytest.approx(0.193, abs=1e-3)
    assert d["seed"]["inference"] == pytest.approx(0.168, abs=1e-3)


@pytest.mark.parametrize("keep", ["half", "whole_lines"])
def test_truncated_forecast_table_is_refused(tmp_path, keep):
    """Issue 11, case 7: a truncated forecast CSV used to load and plot; now it is refused."""
    fc = equivalent_cost(_fit(spread=0.03), _trend(spread=0.02), n_draws=200)
    path = fc.save(tmp_path / "f.csv")
    text = path.read_text()
    cut = len(text) // 2 if keep == "half" else text.index("\n", len(text) // 2) + 1
    path.write_text(text[:cut])
    with pytest.raises(ScalingError, match="truncated|damaged"):
        load_forecast(path)
    assert load_forecast(fc.save(tmp_path / "g.csv")).table.shape == fc.table.shape


# ----------------------------------------------------------------------------- speed helpers
def test_sort_quantiles_match_numpy():
    from scaling.forecast.core import _median_by_date, _quantiles

    x = np.random.default_rng(0).lognormal(size=(1001, 7))
    qs = [0.5, 0.05, 0.95, 0.25, 0.75, 0.0, 1.0]
    assert np.allclose(_quantiles(x, qs), np.quantile(x, qs, axis=0), rtol=1e-12, atol=0)
    assert np.allclose(_median_by_date(x), np.median(x, axis=0)[None, :], rtol=1e-12)
    const = np.repeat(x[:, :1], 5, axis=1)
    assert _median_by_date(const).shape == (1, 1) and _median_by_date(const)[0, 0] == np.median(x[:, 0])


# ----------------------------------------------------------------------------- the forecast backtest
def _population_prices(rng, n_per_year=400):
    """Later prices of three populations at mid-year 2022 and 2023: hyperscaler on-demand on the
    known line 17 + 0.12 (t - 2020) with N(0, 0.1) scatter; GPU clouds 1 dex cheaper per FLOP$;
    hyperscaler 3-year commitments 0.5 dex cheaper."""
    rows = []
    for year in (2022, 2023):
        t = float(decimal_year(f"{year}-07-01")[0])
        for kind, tier, shift, n in (("hyperscaler", "on_demand", 0.0, n_per_year),
                                     ("gpu_cloud", "on_demand", 1.0, n_per_year),
                                     ("hyperscaler", "3yr", 0.5, n_per_year // 4)):
            log10 = 17.0 + 0.12 * (t - 2020.0) + shift + 0.1 * rng.standard_normal(n)
            rows.append(pd.DataFrame({"year": t, "value": 10.0 ** log10, "log10_value": log10,
                                      "provider_kind": kind, "pricing_tier": tier}))
    return pd.concat(rows, ignore_index=True)


def test_forecast_backtest_scores_only_the_series_population():
    import dataclasses

    from scaling.forecast.backtest import forecast_backtest

    prices = _population_prices(np.random.default_rng(5))
    past = _trend(intercept=17.0, slope=0.12, spread=0.0)  # the true line, sigma 0.1, normal scatter
    kw = dict(cutoff="2021-01-01", years=(2022, 2023), n_draws=4000, prices=prices)
    hyper = dataclasses.replace(past, settings={"before": "2021-01-01", "provider_kind": "hyperscaler",
                                                "pricing": "on_demand"})
    t = forecast_backtest(_fit(), series="hyperscaler-on-demand", past=hyper, **kw)
    assert t["n_observed"].tolist() == [400, 400]  # hyperscaler on-demand only
    assert t.attrs["population"] == {"provider_kind": "hyperscaler", "pricing_tier": "on_demand"}
    # a calibrated forecast of the right population: nominal coverage, no bias
    assert np.all(np.abs(t["coverage90"] - 0.9) < 0.05) and np.all(np.abs(t["coverage50"] - 0.5) < 0.08)
    assert np.allclose(t["error_ratio"], 1.0, atol=0.05)
    # the pooled baseline is scored on every on-demand price: GPU clouds 10x cheaper included
    pooled = dataclasses.replace(past, settings={"before": "2021-01-01"})
    p = forecast_backtest(_fit(), series="pooled", past=pooled, **kw)
    assert p["n_observed"].tolist() == [800, 800]
    assert p.attrs["population"] == {"provider_kind": "all", "pricing_tier": "on_demand"}
    assert np.all(p["error_ratio"] > 2) and np.all(p["coverage90"] < 0.6)
    assert np.all(p["interval_score90_dex"] > t["interval_score90_dex"])
    # a lowest-available series is scored on the segment its fit picked
    low = dataclasses.replace(past, settings={"before": "2021-01-01", "provider_kind": "hyperscaler",
                                              "pricing": "3yr"})
    assert forecast_backtest(_fit(), series="lowest-available", past=low, **kw)["n_observed"].tolist() == [100, 100]


def test_forecast_backtest_refuses_a_past_fit_of_another_cutoff():
    import dataclasses

    from scaling.forecast.backtest import forecast_backtest

    past = dataclasses.replace(_trend(), settings={"before": "2023-01-01"})
    with pytest.raises(ScalingError, match="not the cut-off"):
        forecast_backtest(_fit(), series="pooled", past=past, prices=_population_prices(np.random.default_rng(0)))
    with pytest.raises(ScalingError, match="unknown price series 'nope'"):
        forecast_backtest(_fit(), series="nope", past=dataclasses.replace(_trend(), settings={"before": "2021-01-01"}),
                          prices=_population_prices(np.random.default_rng(0)))


# ----------------------------------------------------------------------------- the spec (issue 19)
def test_spec_is_validated_once_and_shared_by_keywords():
    from scaling.forecast import ForecastSpec

    spec = ForecastSpec(dates=["2024-01-01", "2025-01-01"], mfu="0.3:0.5", target="175e9,300e9", n_draws=50,
                        price_scatter=False, seed=4)
    assert spec.mfu == (0.3, 0.5) and spec.target == (175e9, 300e9) and len(spec.dates) == 2
    assert spec.inference_range == (0.1, 0.3)
    a = equivalent_cost(_fit(), _trend(), spec=spec)
    b = equivalent_cost(_fit(), _trend(), dates=["2024-01-01", "2025-01-01"], mfu=(0.3, 0.5),
                        target=(175e9, 300e9), n_draws=50, price_scatter=False, seed=4)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.data_sha256 == b.data_sha256 and len(a.data_sha256) == 64 and a.seed == 4
    assert a.settings["mfu"] == [0.3, 0.5] and a.assumptions["utilisation"] == [0.3, 0.5]
    # keywords change a spec given; the data hash follows the inputs
    c = equivalent_cost(_fit(), _trend(), spec=spec, seed=5)
    assert c.seed == 5 and c.data_sha256 != a.data_sha256
    assert ForecastSpec(**a.settings) == spec  # the saved settings read back as the spec


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(mfu=0), r"mfu must be a finite number in \[0.001, 1\]"),
    (dict(inference_mfu="0.5:0.2"), "inference_mfu: LOW 0.5 is above HIGH 0.2"),
    (dict(max_mfu=1.5), "max_mfu"),
    (dict(basis="rent"), "unknown basis 'rent'"),
    (dict(dollars="euros"), "unknown dollars"),
    (dict(algorithmic_halving_months="fast"), "algorithmic_halving_months"),
    (dict(algorithmic_slowdown_per_year="fast"), "algorithmic_slowdown"),
    (dict(algorithmic_banked="no"), "algorithmic_banked"),
    (dict(basis="cloud", pue=1.2), "purchase basis only"),
    (dict(price_doubling_years=0.01), "price_doubling_years"),
    (dict(levels=(0.5, 1.0)), "level"),
])
def test_spec_refuses_bad_values_naming_them(kwargs, pattern):
    from scaling.forecast import ForecastSpec

    with pytest.raises(ScalingError, match=pattern):
        ForecastSpec(**kwargs)


def test_utilisation_keyword_is_a_deprecated_alias_of_mfu():
    kw = dict(dates=["2024-01-01"], n_draws=20, price_scatter=False)
    with pytest.warns(DeprecationWarning, match="use mfu="):
        old = equivalent_cost(_fit(), _trend(), utilisation=0.4, **kw)
    new = equivalent_cost(_fit(), _trend(), mfu=0.4, **kw)
    pd.testing.assert_frame_equal(old.table, new.table)
    with pytest.raises(ScalingError, match="not both"):
        equivalent_cost(_fit(), _trend(), utilisation=0.4, mfu=0.4, **kw)


def test_scenario_mapping_builds_the_spec():
    from scaling.forecast import ForecastSpec

    spec = ForecastSpec.from_mapping({"utilisation": "0.2:0.4", "algorithmic": "off", "basis": "purchase",
                                      "lifetime_years": "3:6"}, name="own", n_draws=30)
    assert spec.mfu == (0.2, 0.4) and spec.price_series == "purchase" and spec.label == "own"
    assert spec.lifetime_years == (3.0, 6.0) and spec.algorithmic_halving_months is None
    with pytest.raises(ScalingError, match="scenario 'own': unknown key"):
        ForecastSpec.from_mapping({"mfus": 0.3}, name="own")


def test_saved_forecast_has_metadata_and_refuses_edits(tmp_path):
    fc = equivalent_cost(_fit(spread=0.03), _trend(spread=0.02), dates=["2024-01-01", "2025-01-01"], n_draws=50,
                         seed=7)
    path = fc.save(tmp_path / "f.csv")
    with pytest.warns(DeprecationWarning, match="path.with_suffix"):
        csv, meta_path = path  # the old two-path form still unpacks
    assert csv == path and meta_path == path.with_suffix(".json")
    meta = json.loads(meta_path.read_text())
    assert meta["schema_version"] == 2 and meta["seed"] == 7 and meta["data_sha256"] == fc.data_sha256
    back = load_forecast(path)
    assert back.metadata | {"created": ""} == fc.metadata | {"created": ""}
    meta["assumptions"]["basis"] = "purchase"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ScalingError, match="changed after scaling wrote it"):
        load_forecast(path)


def test_version_1_forecast_files_still_load(tmp_path):
    fc = equivalent_cost(_fit(), _trend(), dates=["2024-01-01", "2025-01-01"], n_draws=20, seed=2)
    path = fc.save(tmp_path / "f.csv")
    meta = json.loads(path.with_suffix(".json").read_text())
    old = {"schema": "scaling.forecast", "schema_version": 1, "scaling_version": "0.1.0", "created": meta["created"],
           "table": "f.csv", "n_rows": meta["n_rows"], "label": meta["label"], "assumptions": meta["assumptions"]}
    path.with_suffix(".json").write_text(json.dumps(old))
    back = load_forecast(path)
    assert back.data_sha256 == "" and back.seed == 2 and back.settings == {}
    assert back.summary().shape == fc.summary().shape
