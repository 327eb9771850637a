"""Cost forecasts: the arithmetic, the options and the errors, on small synthetic fits and trends."""

from __future__ import annotations

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
    fc = equivalent_cost(fit, trend, dates=dates, utilisation=0.5, inference_utilisation=0.5, price_scatter=False,
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
    fc = equivalent_cost(fit, usd, watt, dates=dates, utilisation=0.4, lifetime_years=4, usd_per_kwh=0.1,
                         pue=1.2, n_draws=20, tco=TCOAssumptions.chip_only(), price_scatter=False)
    c, _, _ = compute_for_loss(EPOCH, gpt3_loss(EPOCH))
    per_flop = 1 / (1e9 * 4 * 365.25 * 86400) + 1.2 * 0.1 / (3.6e6 * 1e11)
    assert fc.at("2020-01-01")["median"] == pytest.approx(float(c) / 0.4 * per_flop, rel=1e-9)
    assert fc.assumptions["basis"] == "purchase"


def test_algorithmic_progress_halves_compute_every_h_months():
    fit, trend = _fit(), _trend(slope=0.0)
    dates = pd.to_datetime(["2020-06-01", "2021-06-01"])
    kw = dict(dates=dates, utilisation=0.4, price_scatter=False, algorithmic_banked=1.0)
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
        (dict(utilisation=1.5), "utilisation must be"),
        (dict(utilisation=0), "utilisation must be"),
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
    with pytest.raises(ValueError, match="must end in .csv"):
        fc.save(tmp_path / "f.txt")
