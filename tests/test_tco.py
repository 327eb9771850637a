"""Total cost of ownership of purchased hardware and real dollars."""

from __future__ import annotations

import numpy as np
import pytest

from scaling.cost.tco import (
    SECONDS_PER_YEAR, TCOAssumptions, annuity_factor, cost_shares, dollar_factor, usd_per_peak_flop_tco,
)
from scaling.errors import ScalingError


def test_annuity_factor_limits():
    assert annuity_factor(0.0, 4.0) == pytest.approx(0.25)
    # 10% over 4 years: 0.1 / (1 - 1.1**-4) = 0.31547
    assert annuity_factor(0.10, 4.0) == pytest.approx(0.315471, rel=1e-5)
    assert annuity_factor(0.10, 4.0) > annuity_factor(0.0, 4.0)


def test_tco_formula_by_hand():
    inputs = {k: np.array([v]) for k, v in dict(server_overhead=1.5, interconnect_overhead=1.2, lifetime_years=4.0,
                                                cost_of_capital=0.0, occupancy=0.8, server_power_factor=1.8,
                                                pue=1.2, usd_per_kwh=0.1).items()}
    got = usd_per_peak_flop_tco(np.array([[9.0]]), np.array([[11.0]]), inputs)
    capital = 1.5 * 1.2 * 0.25 / (1e9 * SECONDS_PER_YEAR * 0.8)
    energy = 1.8 * 1.2 * 0.1 / (3.6e6 * 1e11)
    assert got[0, 0] == pytest.approx(capital + energy, rel=1e-12)
    shares = cost_shares(np.array([[9.0]]), np.array([[11.0]]), inputs)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares["server"] == pytest.approx(shares["chips"] * 0.5)


def test_defaults_are_cottier_ranges_and_draws_stay_inside():
    tco = TCOAssumptions()
    assert (tco.server_overhead.low, tco.server_overhead.high) == (1.3, 2.1)
    assert (tco.interconnect_overhead.low, tco.interconnect_overhead.high) == (1.07, 1.32)
    d = tco.draw(2000, np.random.default_rng(0))
    assert d["server_overhead"].min() >= 1.3 and d["server_overhead"].max() <= 2.1
    assert d["server_overhead"].std() > 0.1
    chip = TCOAssumptions.chip_only()
    assert chip.server_overhead.low == chip.server_overhead.high == 1.0


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(pue=0.9), "pue must be"),
    (dict(occupancy=(0.9, 0.5)), "low 0.9 is above high 0.5"),
    (dict(warp=2), "unknown TCO input"),
    (dict(lifetime_years=0), "lifetime_years must be"),
])
def test_bad_tco_inputs(kwargs, pattern):
    with pytest.raises(ScalingError, match=pattern):
        TCOAssumptions.make(**kwargs)


def test_dollar_factor_is_one_in_the_base_year_and_falls_later():
    f, note = dollar_factor(["2024-07-01", "2030-01-01", "2018-01-01"], base_year=2024)
    assert f[0] == pytest.approx(1.0, abs=0.03)
    assert f[1] < f[0] < f[2]  # prices rise: later nominal dollars are worth fewer 2024 dollars
    assert "PPI" in note
    with pytest.raises(ScalingError, match="base year 1990"):
        dollar_factor(["2024-01-01"], base_year=1990)


def test_two_term_formula_is_the_sum_of_the_components():
    from scaling.cost.tco import _components

    rng = np.random.default_rng(3)
    inputs = TCOAssumptions().draw(500, rng)
    lu, lw = rng.normal(9.5, 0.5, (500, 4)), rng.normal(11.0, 0.3, (500, 4))
    parts = _components(lu, lw, inputs)
    assert np.allclose(usd_per_peak_flop_tco(lu, lw, inputs), sum(parts.values()), rtol=1e-12, atol=0)
