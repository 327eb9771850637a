"""Algorithmic progress that can slow (issue #20 item 8) and stable shares of the spread (item 6)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad

from scaling.errors import ScalingError
from scaling.forecast.draws import (
    SLOWDOWN_PRIOR, algorithmic_log2_gain, cap_binding_share, slowdown_draws,
)

ROOT = Path(__file__).resolve().parents[1]
FITS = ROOT / "fits"


@pytest.mark.parametrize("h, s, t_s", [(0.667, 0.1, 2024.0), (0.4, 0.5, 2020.5), (1.2, 0.03, 2026.0),
                                       (0.667, 2.0, 2022.0)])
def test_gain_is_the_integral_of_the_rate(h, s, t_s):
    t_a = 2020.5
    years = np.array([2019.0, 2020.5, 2021.3, 2024.0, 2027.7, 2032.0])

    def rate(t):  # halvings per year: 1/H until t_s, then the halving time grows by (1+s) per year
        return 1.0 / (h * (1.0 + s) ** max(t - t_s, 0.0))

    expected = [quad(rate, t_a, t, points=[t_s] if t_a < t_s < t else None)[0] if t > t_a else 0.0 for t in years]
    got = algorithmic_log2_gain(years, t_a, np.array([h]), slowdown_per_year=s, slowdown_year=t_s)[0]
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_zero_slowdown_is_the_constant_halving_gain_and_per_draw_arrays_mix():
    years = np.array([2020.5, 2023.0, 2030.0])
    h = np.array([0.5, 0.667, 1.0])
    const = algorithmic_log2_gain(years, 2020.5, h, slowdown_per_year=0.0, slowdown_year=2024.0)
    assert const == pytest.approx((years[None, :] - 2020.5) / h[:, None])
    mixed = algorithmic_log2_gain(years, 2020.5, h, slowdown_per_year=np.array([0.0, 0.2, 0.0]), slowdown_year=2024.0)
    assert mixed[[0, 2]] == pytest.approx(const[[0, 2]])
    assert mixed[1, :2] == pytest.approx(const[1, :2])  # before the slowdown date: the same
    assert mixed[1, 2] < const[1, 2]
    # bounded when slowing: at most (t_s - t_a)/H + 1/(H ln(1+s)) halvings
    far = algorithmic_log2_gain(np.array([2050.0]), 2020.5, np.array([0.667]), slowdown_per_year=0.2,
                                slowdown_year=2024.0)
    assert far[0, 0] < 3.5 / 0.667 + 1 / (0.667 * np.log(1.2))


def test_cap_binding_share_on_synthetic_draws():
    gain = np.log2(np.array([[1.0, 50.0], [10.0, 100.0], [200.0, 1e4], [99.0, 101.0]]))
    assert cap_binding_share(gain, 100.0) == pytest.approx([0.25, 0.75])
    assert cap_binding_share(gain, None) == pytest.approx([0.0, 0.0])
    capped = algorithmic_log2_gain(np.array([2030.0]), 2020.5, np.array([0.1, 10.0]), cap=100.0)
    assert 2 ** capped[0, 0] == pytest.approx(100.0) and 2 ** capped[1, 0] < 100.0


def test_slowdown_prior_matches_its_stated_quantiles():
    s = slowdown_draws("prior", 200_000, np.random.default_rng(0))
    med, lo, hi, level = SLOWDOWN_PRIOR
    q = (1 - level) / 2
    assert np.quantile(s, [q, 0.5, 1 - q]) == pytest.approx([lo, med, hi], rel=0.03)
    assert slowdown_draws(0.1, 3, np.random.default_rng(0)) == pytest.approx([0.1] * 3)
    for bad in ("fast", -0.1, 11.0, float("nan")):
        with pytest.raises(ScalingError, match="algorithmic_slowdown"):
            slowdown_draws(bad, 3, np.random.default_rng(0))


@pytest.fixture(scope="module")
def shipped():
    """The headline's law mixture (loading the posterior takes seconds) and price series."""
    if not (FITS / "trend_hyperscaler-on-demand.json").exists():
        pytest.skip("no shipped fits")
    from scaling.forecast.scenarios import resolve_law
    from scaling.hardware import load_trend

    return resolve_law("mixture", FITS), load_trend(FITS / "trend_hyperscaler-on-demand.json")


def test_cli_says_how_often_the_cap_binds():
    from click.testing import CliRunner

    from scaling.cli import main as cli

    args = ["forecast", "--law", "hoffmann2022", "--draws", "400", "--until", "2030", "--algorithmic", "ho2024"]
    res = CliRunner().invoke(cli, [*args, "--algorithmic-cap", "100", "--algorithmic-slowdown", "0"])
    assert res.exit_code == 0, res.output
    line = next(x for x in res.output.splitlines() if "binds in" in x)
    share = float(line.split("binds in ")[1].split("%")[0])
    assert "cap 100x" in line and "by 2026" in line and "by 2030" in line and share > 30
    res = CliRunner().invoke(cli, args)  # no cap: no line, and the header names the slowdown
    assert res.exit_code == 0 and "binds in" not in res.output and "slowing per the prior" in res.output
    res = CliRunner().invoke(cli, [*args, "--algorithmic-slowdown", "fast"])
    assert res.exit_code == 2 and "algorithmic_slowdown" in res.output


@pytest.mark.slow
def test_forecast_reports_the_cap_binding_share_and_the_gain(shipped):
    from scaling.forecast import equivalent_cost
    from scaling.forecast.algorithmic import cap_binding_text

    law, cloud = shipped
    dates = pd.date_range("2020-01-01", "2030-01-01", freq="YS")
    kw = dict(dates=dates, n_draws=2000, decompose=False, algorithmic_halving_months="ho2024")
    old = equivalent_cost(law, cloud, algorithmic_cap=100.0, algorithmic_slowdown_per_year=0.0, **kw)
    binding = old.assumptions["algorithmic_cap_binding"]
    # the review's finding: the old default (constant rate, 100x cap) is decided by its cap
    assert binding["2026-01-01"] > 0.4 and binding["2030-01-01"] > 0.75
    assert binding["2020-01-01"] == 0.0
    assert binding["2030-01-01"] == pytest.approx(old.assumptions["algorithmic_gain"]["2030-01-01"]["p_over_100x"])
    assert cap_binding_text(old).startswith("cap 100x binds in ") and "% of draws by 2026" in cap_binding_text(old)
    assert equivalent_cost(law, cloud, **kw).assumptions["algorithmic_cap_binding"] is None


@pytest.mark.slow
def test_default_variant_is_not_decided_by_a_cap(shipped):
    from scaling.forecast import equivalent_cost
    from scaling.forecast.draws import cap_binding_share
    from scaling.pipeline import ALGORITHMIC_OPTIONS

    law, cloud = shipped
    fc = equivalent_cost(law, cloud, dates=["2024-01-01", "2026-01-01", "2030-01-01"], n_draws=4000,
                         decompose=False, **ALGORITHMIC_OPTIONS)
    cap = ALGORITHMIC_OPTIONS.get("algorithmic_cap")
    shares = fc.assumptions["algorithmic_cap_binding"] or {"2030-01-01": 0.0}
    assert shares["2030-01-01"] <= 0.10
    if cap is None:  # no cap: what a 100x cap would do is reported, and the gain is the model's own
        gain = fc.assumptions["algorithmic_gain"]["2030-01-01"]
        assert 100 < gain["median"] < 1e5 and gain["upper"] < 1e7
    assert cap_binding_share(np.zeros((3, 1)), cap).tolist() == [0.0]
    # the variant's compute by 2024 is within the span the capability frontier and Ho et al. give
    from scaling.forecast.algorithmic import evidence_table

    ev = evidence_table(fc, dates=("2024-01-01",)).iloc[0]
    assert ev["frontier_strict_fall"] < ev["fall_median"] < ev["frontier_fall"]
    assert ev["ho_fall_lower"] < ev["fall_median"] < ev["ho_fall_upper"]


@pytest.mark.slow
@pytest.mark.slow
def test_shares_of_the_spread_are_stable_across_seeds(shipped):
    from scaling.forecast import default_dates, equivalent_cost

    law, cloud = shipped
    forecasts = [equivalent_cost(law, cloud, dates=default_dates(until=2032), n_draws=4000, seed=seed)
                 for seed in (0, 1, 2)]
    tables = [fc.width_by_source() for fc in forecasts]
    d = forecasts[0].decomposition
    d = d[d["quantity"] == "training_cost_usd"]
    total = d.groupby("date")["source_width_log10"].transform("sum")
    assert np.allclose(d["share"], d["source_width_log10"] / total)  # share = W_s / sum_r W_r
    assert (d["source_width_log10"] <= d["width_log10"] + 1e-9).all()  # no source is wider than the fan
    assert {"width_removed_log10", "variance_removed_log10", "sd_log10"} <= set(d.columns)
    sources = [c for c in tables[0].columns if c != "sd_log10"]
    shares = np.stack([t[sources].to_numpy() for t in tables])
    assert np.allclose(shares.sum(axis=2), 1.0)
    assert (shares.max(axis=0) - shares.min(axis=0)).max() <= 0.02
