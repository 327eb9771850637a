"""A mixture of price series and bases (scaling.forecast.price_mixture), on small synthetic fits and trends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scaling.cost.tco import TCOAssumptions
from scaling.errors import ScalingError
from scaling.forecast import ForecastSpec, equivalent_cost
from scaling.forecast.decompose import SOURCES
from scaling.forecast.price_mixture import (
    PRICE_MIXTURE_DEFAULT, format_price_mixture, parse_price_mixture, price_mixture,
)
from test_forecast import _fit, _trend

HYPER, LOWEST, BUY = "hyperscaler-on-demand-rw", "lowest-available-epoch-cal", "purchase"


def _purchase(spread=0.0):
    return (_trend("flops_per_usd", intercept=9.0, slope=0.1, spread=spread, seed=4),
            _trend("flops_per_watt", intercept=11.0, slope=0.1, spread=spread, seed=5))


def _trends(spread=0.0):
    return {HYPER: _trend(intercept=17.0, spread=spread, seed=2), LOWEST: _trend(intercept=17.5, spread=spread, seed=3),
            BUY: _purchase(spread)}


def test_draws_pick_each_series_by_its_weight():
    weights = {HYPER: 0.5, LOWEST: 0.3, BUY: 0.2}
    mix = price_mixture(_trends(), weights)
    n = 4000
    fixed = dict(dates=["2024-01-01"], mfu=0.4, price_scatter=False, tco=TCOAssumptions.chip_only(), seed=3)
    fc = equivalent_cost(_fit(), mix, n_draws=n, **fixed)
    price = fc.samples["usd_per_peak_flop"][:, 0]
    alone = {k: equivalent_cost(_fit(), *(v if isinstance(v, tuple) else (v,)), n_draws=50,
                                **{**fixed, "tco": fixed["tco"] if k == BUY else None})
             .samples["usd_per_peak_flop"][0, 0] for k, v in _trends().items()}
    for name, w in weights.items():
        share = np.mean(np.isclose(price, alone[name], rtol=1e-6, atol=0))
        assert share == pytest.approx(w, abs=4 * np.sqrt(w * (1 - w) / n)), name
    again = equivalent_cost(_fit(), mix, n_draws=n, **fixed)
    np.testing.assert_array_equal(again.samples["usd_per_peak_flop"], fc.samples["usd_per_peak_flop"])
    assert fc.assumptions["price_mixture"] == format_price_mixture(weights)
    assert fc.assumptions["basis"] == "mixture" and "purchase 0.2 (purchase" in fc.header


@pytest.mark.parametrize("name", [HYPER, BUY])
def test_one_series_mixture_is_the_plain_forecast_exactly(name):
    trends = _trends(spread=0.02)
    pair = trends[name] if isinstance(trends[name], tuple) else (trends[name], None)
    kw = dict(n_draws=800, seed=5, mfu=(0.3, 0.5))
    plain = equivalent_cost(_fit(spread=0.03), *pair, **kw)
    mixed = equivalent_cost(_fit(spread=0.03), price_mixture({name: pair}), **kw)
    for q, x in plain.samples.items():
        np.testing.assert_array_equal(np.asarray(mixed.samples[q]), np.asarray(x), err_msg=q)
    pd.testing.assert_frame_equal(mixed.table, plain.table)
    pd.testing.assert_frame_equal(mixed.decomposition, plain.decomposition)
    assert "price_series" not in set(mixed.decomposition["source"])


def test_decomposition_has_the_series_source_and_shares_sum_to_one():
    fc = equivalent_cost(_fit(spread=0.03), price_mixture(_trends(spread=0.02)), mfu=(0.3, 0.5), n_draws=3000,
                         seed=1)
    sources = list(dict.fromkeys(fc.decomposition["source"]))
    assert sources == [s for s in SOURCES if s in sources] and "price_series" in sources and "tco" in sources
    for q in ("training_cost_usd", "inference_usd_per_1k_tokens"):
        w = fc.width_by_source(q, yearly=False).drop(columns="sd_log10")
        assert np.allclose(w.sum(axis=1), 1.0)
        # cloud at 1e17-1e17.5 FLOP per $ against purchase at ~1e9 FLOP/s per $ over years: a wide gap
        assert (w["price_series"] > 0.2).all()
    narrow = equivalent_cost(_fit(spread=0.03), price_mixture({HYPER: _trend(intercept=17.0, seed=2),
                                                               LOWEST: _trend(intercept=17.02, seed=3)}),
                             mfu=(0.3, 0.5), n_draws=3000, seed=1)
    assert (narrow.width_by_source(yearly=False)["price_series"] < 0.1).all()  # close series: a small share


@pytest.mark.parametrize("value, pattern", [
    ("nosuch:1", "unknown price series 'nosuch'"),
    (f"{HYPER}:0", f"weight '0' of '{HYPER}' must be a positive"),
    (f"{HYPER}:-1,{BUY}:2", f"weight '-1' of '{HYPER}'"),
    (f"{HYPER}:abc", "weight 'abc' of"),
    (f"{HYPER}:nan", "positive finite"),
    (f"{HYPER}", "has no weight"),
    (f"{HYPER}:1,{HYPER}:1", "twice"),
    ("", "empty"),
])
def test_bad_mixtures_name_the_bad_part(value, pattern):
    with pytest.raises(ScalingError, match=pattern):
        ForecastSpec(price_mixture=value)
    with pytest.raises(ScalingError, match=pattern):
        parse_price_mixture(value)


def test_the_default_is_what_issue_20s_rule_chose_per_series():
    """Equal thirds of the defaults the rule chose: the hyperscaler walk (rw), the Epoch-drift walk on the
    segment lowest-available chooses, and the purchase basis' Epoch-drift walks (not the Bayesian lines)."""
    from scaling.hardware.series import PRICE_SERIES

    assert PRICE_MIXTURE_DEFAULT == "hyperscaler-on-demand-rw:1,lowest-available-epoch-cal:1,purchase:1"
    assert all(PRICE_SERIES[k].model == "random-walk" for k in parse_price_mixture(PRICE_MIXTURE_DEFAULT))
    buy = PRICE_SERIES[BUY]
    assert buy.price_file.endswith("-epoch.json") and buy.energy_file.endswith("-epoch.json")


def test_weights_are_normalised_and_the_spec_checks_the_rest():
    assert parse_price_mixture(PRICE_MIXTURE_DEFAULT) == pytest.approx({HYPER: 1 / 3, LOWEST: 1 / 3, BUY: 1 / 3})
    spec = ForecastSpec(price_mixture={HYPER: 2, BUY: 6})
    assert spec.price_mixture == f"{HYPER}:0.25,{BUY}:0.75"
    assert ForecastSpec(price_mixture=spec.price_mixture).price_mixture == spec.price_mixture  # a fixed point
    assert "price_mixture" not in ForecastSpec().to_dict()  # single-series hashes unchanged
    with pytest.raises(ScalingError, match="leave basis"):
        ForecastSpec(price_mixture=PRICE_MIXTURE_DEFAULT, basis="cloud")
    with pytest.raises(ScalingError, match="give one weight per series"):
        price_mixture({HYPER: _trend()}, {HYPER: 1, LOWEST: 1})
    with pytest.raises(ScalingError, match="not the mixture's weights"):
        equivalent_cost(_fit(), price_mixture({HYPER: _trend()}), price_mixture=f"{LOWEST}:1", n_draws=20)
    with pytest.raises(ScalingError, match="purchase basis needs energy_trend"):
        equivalent_cost(_fit(), price_mixture({BUY: _purchase()[0]}), n_draws=20)


def test_scenario_key_builds_a_mixture_spec():
    spec = ForecastSpec.from_mapping({"price_mixture": f"{HYPER}:1,{BUY}:1"}, name="mix")
    assert spec.price_mixture == f"{HYPER}:0.5,{BUY}:0.5" and spec.basis is None and spec.price_series is None
    with pytest.raises(ScalingError, match="leave price_series"):
        ForecastSpec.from_mapping({"price_mixture": f"{HYPER}:1", "price_series": LOWEST}, name="mix")
