"""Scenario files, named price series and laws, the wide table, and the CLI's one-line errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from scaling.cli import main as cli
from scaling.errors import ScalingError
from scaling.forecast.scenarios import (
    DEFAULT_SERIES, PRICE_SERIES, load_scenarios, run_scenarios, series_for, wide_table,
)

FITS = Path(__file__).resolve().parent.parent / "fits"
needs_fits = pytest.mark.skipif(not (FITS / "trend_flops_per_usd_cloud_tensor16.json").exists(), reason="no fits/")


def test_unknown_key_names_key_and_line(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('[a]\nlaw = "hoffmann2022"\n\n[b]\nbasis = "purchase"\nspeed = 3\n')
    with pytest.raises(ScalingError, match=r"s.toml:6: unknown key 'speed' in scenario \[b\]"):
        load_scenarios(p)
    p.write_text('[a]\nprice_doubling_years = "fast"\n')
    with pytest.raises(ScalingError, match=r":2: price_doubling_years = 'fast'"):
        load_scenarios(p)
    p.write_text("[a\n")
    with pytest.raises(ScalingError, match="not valid TOML"):
        load_scenarios(p)


def test_series_and_basis_names_list_the_allowed_ones():
    with pytest.raises(ScalingError, match="unknown price series 'x'; allowed: hyperscaler-on-demand, .*"
                       "lowest-available, .*lowest-available-epoch-cal, pooled, purchase, purchase-fp32, "
                       "purchase-line, purchase-fp32-line, cloud"):
        series_for({"price_series": "x"})
    with pytest.raises(ScalingError, match="unknown basis 'rent'; allowed: cloud, purchase"):
        series_for({"basis": "rent"})
    with pytest.raises(ScalingError, match="is on the cloud basis"):
        series_for({"basis": "purchase", "price_series": "cloud"})
    assert series_for({"basis": "purchase"})[0] == "purchase"
    assert all(s.basis in ("cloud", "purchase") for s in PRICE_SERIES.values())


def test_default_cloud_series_is_hyperscaler_on_demand_and_pooled_stays_by_name():
    # The headline separates hardware progress from market composition (issue 12): the cloud
    # basis defaults to a hyperscaler on-demand series, not the pooled trend; since issue 20's
    # pre-registered selection, the random walk with drift on those prices, not the panel's series.
    assert DEFAULT_SERIES["cloud"] == "hyperscaler-on-demand-rw"
    assert series_for({})[0] == "hyperscaler-on-demand-rw"
    assert series_for({"basis": "cloud"})[1].price_file == "trend_hyperscaler-on-demand-rw.json"
    assert series_for({"price_series": "hyperscaler-on-demand"})[1].price_file == "trend_hyperscaler-on-demand.json"
    assert series_for({"price_series": "lowest-available"})[1].price_file == "trend_lowest-available.json"
    # issue 20's rule: the lowest-price and purchase defaults are random walks with Epoch's drift
    assert series_for({"price_series": "lowest-available-epoch-cal"})[1].price_file == "trend_lowest-available-epoch-cal.json"
    assert series_for({"basis": "purchase"})[1].price_file == "trend_flops_per_usd_tensor16-epoch.json"
    assert series_for({"price_series": "purchase-line"})[1].energy_file == "trend_flops_per_watt_tensor16.json"
    # the pooled regression stays available as the baseline, by either name
    for name in ("pooled", "cloud"):
        assert series_for({"price_series": name})[1].price_file == "trend_flops_per_usd_cloud_tensor16.json"
    from scaling.hardware import SERIES

    panel = [k for k, v in PRICE_SERIES.items() if v.price_file.removeprefix("trend_").removesuffix(".json") in SERIES]
    assert {"hyperscaler-on-demand", "lowest-available"} <= set(panel) <= set(SERIES)


@needs_fits
@pytest.mark.skipif(not (FITS / "trend_hyperscaler-on-demand-rw.json").exists(), reason="no rw series in fits/")
def test_default_scenario_header_names_the_hyperscaler_series():
    dates = pd.date_range("2021-01-01", periods=5, freq="QS")
    fcs = run_scenarios({"a": {"law": "hoffmann2022"}, "b": {"law": "hoffmann2022", "price_series": "pooled"}},
                        fits_dir=FITS, dates=dates, n_draws=200)
    assert "price series: hyperscaler-on-demand-rw (doubling" in fcs["a"].header
    assert "price series: pooled (doubling" in fcs["b"].header
    # the pooled trend falls faster (market composition) than the hyperscaler line
    ratio = {k: fc.at("2022-01-01")["median"] / fc.at("2021-01-01")["median"] for k, fc in fcs.items()}
    assert ratio["b"] < ratio["a"] < 1


@needs_fits
def test_two_scenarios_make_one_wide_table():
    dates = pd.date_range("2021-01-01", periods=8, freq="QS")
    fcs = run_scenarios({"slow": {"law": "hoffmann2022", "price_doubling_years": 6.0},
                         "fast": {"law": "hoffmann2022", "price_doubling_years": 1.5, "dollars": "real"}},
                        fits_dir=FITS, dates=dates, n_draws=300)
    table = wide_table(fcs)
    assert list(table.index) == ["2021-01-01", "2022-01-01"]
    assert "slow:training_cost_usd_median" in table.columns
    assert "fast:training_cost_usd2024real_upper" in table.columns
    assert len(table.columns) == 12
    # a faster price decline makes 2022 relatively cheaper
    slow = table["slow:training_cost_usd_median"]
    fast = table["fast:training_cost_usd2024real_median"]
    assert fast.iloc[1] / fast.iloc[0] < slow.iloc[1] / slow.iloc[0]
    for fc in fcs.values():
        for word in ("law:", "price series:", "basis:", "dollars:", "utilisation:"):
            assert word in fc.header


@needs_fits
@pytest.mark.parametrize("args, pattern", [
    (["--price-series", "foo"], "unknown price series 'foo'; allowed"),
    (["--law", "foo"], "unknown law 'foo'; allowed: mixture"),
    (["--basis", "rent"], "unknown basis 'rent'; allowed"),
    (["--mfu", "0.5:0.3"], "LOW 0.5 is above HIGH 0.3"),
    (["--target", "1.5"], "at or below the irreducible loss E = 1.69"),
    (["--target", "GPT-5"], "reference model: gpt3"),
])
def test_cli_bad_input_is_one_error_line(args, pattern, monkeypatch):
    import scaling.forecast.core as core

    def no_sampling(*a, **k):
        raise AssertionError("sampled before checking")

    monkeypatch.setattr(core, "law_draws", no_sampling)
    law = [] if "--law" in args else ["--law", "hoffmann2022"]
    res = CliRunner().invoke(cli, ["forecast", "--draws", "10", "--until", "2022", *law, *args])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and pattern in lines[0], res.output


@needs_fits
@pytest.mark.slow
def test_cli_writes_wide_csv(tmp_path):
    out = tmp_path / "w.csv"
    res = CliRunner().invoke(cli, ["forecast", "--law", "hoffmann2022", "--target", "Chinchilla", "--until", "2023",
                                   "--draws", "200", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "Chinchilla's loss" in res.output and "basis: mixture" in res.output  # the headline mixture: no price option given
    table = pd.read_csv(out, comment="#")  # the header lines say what the file holds
    assert table["date"].tolist() == ["2020-01-01", "2021-01-01", "2022-01-01", "2023-01-01"]
