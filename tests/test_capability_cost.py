"""What GPT-3-level capability costs over time (scaling.forecast.capability): the least-compute
frontier, its trend, the priced forecast, and the ``capability:BENCH=SCORE`` target."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scaling.cli import main
from scaling.errors import ScalingError
from scaling.forecast.capability import (
    GPT3_MMLU, frontier_at, frontier_trend, least_compute_frontier, parse_capability_target, reaching_models,
)
from scaling.forecast.capability_cost import capability_equivalent_cost, compute_path

ROOT = Path(__file__).resolve().parent.parent


def _table(rows) -> pd.DataFrame:
    """A capability table from (model, family, date, compute, mmlu) rows."""
    df = pd.DataFrame(rows, columns=["model", "family", "release_date", "compute_flops", "mmlu"])
    df["release_date"] = pd.to_datetime(df["release_date"])
    return df


SMALL = _table([
    ("GPT-3", "GPT-3", "2020-05-28", 3.14e23, 0.439),
    ("a-big", "A", "2021-01-01", 5e23, 0.50),        # reaches, but with more compute: no record
    ("b", "B", "2022-01-01", 1e23, 0.45),            # record
    ("c-weak", "C", "2022-06-01", 1e21, 0.30),       # below the score
    ("d", "D", "2023-01-01", 2e22, 0.4386),          # reaches within the tolerance (0.439 - 0.0005): record
    ("e", "E", "2023-06-01", 5e22, 0.60),            # reaches, more than the frontier: no record
    ("f-undated", "F", None, 1e20, 0.70),            # no date: never counts
    ("g-no-compute", "G", "2023-03-01", np.nan, 0.70),
])


def test_frontier_is_the_running_minimum_on_a_small_table():
    f = least_compute_frontier("capability:MMLU=0.439", SMALL)
    assert list(f["model"]) == ["GPT-3", "b", "d"]
    assert np.all(np.diff(f["compute_flops"]) < 0)
    assert f.attrs["n_reaching"] == 5  # GPT-3, a-big, b, d, e
    # without the tolerance, d (43.86%) does not reach 43.9%, and e (later, 5e22) sets the record
    assert list(least_compute_frontier("capability:MMLU=0.439", SMALL, tolerance=0.0)["model"]) == ["GPT-3", "b", "e"]


def test_frontier_step_function_is_monotone_and_undefined_before_the_first_record():
    f = least_compute_frontier("capability:MMLU=0.439", SMALL)
    dates = pd.date_range("2019-01-01", "2025-01-01", freq="QS")
    c = frontier_at(f, dates)
    assert np.all(np.isnan(c[dates < "2020-05-28"]))
    defined = c[~np.isnan(c)]
    assert np.all(np.diff(defined) <= 0)
    assert frontier_at(f, ["2022-01-01"])[0] == 1e23 and frontier_at(f, ["2021-12-31"])[0] == 3.14e23


def test_gpt3_is_added_for_mmlu_when_the_table_lacks_it():
    no_gpt3 = SMALL[SMALL["model"] != "GPT-3"]
    f = least_compute_frontier("capability:MMLU=0.439", no_gpt3)
    assert f["model"].iloc[0] == "GPT-3 175B" and f["score"].iloc[0] == GPT3_MMLU


def test_shipped_frontier_is_gpt3_llama_stablelm_phi():
    f = least_compute_frontier()
    assert [m.rsplit("/", 1)[-1] for m in f["model"]] == ["GPT-3", "llama-13b", "stablelm-base-alpha-7b-v2",
                                                         "phi-1_5"]
    assert np.all(np.diff(f["compute_flops"]) < 0)
    assert len(reaching_models("capability:MMLU=0.439")) == f.attrs["n_reaching"] >= 8


def test_halving_time_fit_recovers_a_synthetic_rate():
    rng = np.random.default_rng(3)
    years = np.sort(rng.uniform(2019, 2025, 40))
    halving_months = 8.0
    log_c = 23.0 - np.log10(2) * 12 / halving_months * (years - 2019) + 0.15 * rng.standard_normal(40)
    dates = pd.to_datetime([f"{int(y)}-01-01" for y in years]) + pd.to_timedelta((years % 1) * 365.25, unit="D")
    table = _table([(f"m{i}", f"fam{i}", d, 10 ** c, 0.5) for i, (d, c) in enumerate(zip(dates, log_c))])
    # GSM8K: no GPT-3 row is added (its published score is MMLU's)
    table = table.rename(columns={"mmlu": "gsm8k"})
    trend = frontier_trend("capability:GSM8K=0.4", table, points="reaching", seed=1)
    h = trend.halving(0.9)
    assert h["lower"] < halving_months < h["upper"]
    assert h["median"] == pytest.approx(halving_months, rel=0.1)
    assert trend.params["sigma"] == pytest.approx(0.15, rel=0.35)
    assert h["p_no_decline"] == 0.0


def test_few_points_give_a_wide_honest_interval_and_warnings():
    trend = frontier_trend()  # the shipped table: four records
    h = trend.halving(0.9)
    assert h["lower"] < 8.0 < h["upper"]
    codes = {w.code for w in trend.warnings()}
    assert "extrapolation" in codes
    with pytest.raises(ScalingError, match="at least 3"):
        frontier_trend("capability:MMLU=0.439", SMALL[SMALL["model"].isin(["GPT-3", "b"])])
    with pytest.raises(ScalingError, match="unknown points"):
        frontier_trend(points="all")


@pytest.mark.parametrize("spec,bench,score", [
    ("capability:MMLU=0.439", "mmlu", 0.439), ("capability:mmlu=0.5", "mmlu", 0.5),
    (" Capability:GSM8K=0.3 ", "gsm8k", 0.3), ("capability:ARC-C=0.6", "arc_c", 0.6),
])
def test_targets_parse(spec, bench, score):
    t = parse_capability_target(spec)
    assert (t.benchmark, t.score) == (bench, score)


@pytest.mark.parametrize("spec,message", [
    ("capability:MMLU", "BENCH=SCORE"),
    ("capability:MMMU=0.4", "unknown benchmark 'MMMU'"),
    ("capability:MMLU=high", "not a number"),
    ("capability:MMLU=0.2", r"\(0.25, 1\)"),
    ("capability:MMLU=0.25", r"\(0.25, 1\)"),
    ("capability:MMLU=1", r"\(0.25, 1\)"),
    ("capability:MMLU=43.9", "percentage"),
    ("capability:MMLU=nan", r"\(0.25, 1\)"),
    ("mmlu=0.4", "capability:BENCH=SCORE"),
])
def test_bad_targets_are_refused(spec, message):
    with pytest.raises(ScalingError, match=message):
        parse_capability_target(spec)


@pytest.fixture(scope="module")
def cloud_trend():
    from scaling.hardware import load_trend

    return load_trend(ROOT / "fits" / "trend_hyperscaler-on-demand.json")


def test_cost_is_the_frontier_compute_priced_by_the_forecasts_draws(cloud_trend):
    from scaling import library
    from scaling.forecast import equivalent_cost

    dates = pd.date_range("2021-01-01", "2028-01-01", freq="YS")
    fc = capability_equivalent_cost(cloud_trend, dates=dates, n_draws=400, seed=2, price_series="x")
    assert set(fc.quantities) == {"training_cost_usd", "compute_flops", "usd_per_peak_flop"}
    compute = fc.samples["compute_flops"]
    observed = frontier_at(least_compute_frontier(), dates)
    assert np.all(compute <= observed[None, :] * (1 + 1e-12))  # never more than a released model used
    # dollars per useful FLOP are those of the loss-equivalent forecast, draw for draw
    base = equivalent_cost(library.published_fit("hoffmann2022"), cloud_trend, dates=dates, n_draws=400, seed=2,
                           decompose=False)
    per_flop = base.samples["training_cost_usd"] / base.samples["compute_flops"]
    np.testing.assert_allclose(fc.samples["training_cost_usd"] / compute, per_flop, rtol=1e-9)
    assert fc.header.startswith("compute: least compute reaching MMLU 43.9%")
    assert {w["code"] for w in fc.assumptions["warnings"]} >= {"extrapolation"}
    cap = fc.assumptions["capability"]
    assert cap["frontier"][-1]["model"] == "microsoft/phi-1_5"
    # the median compute falls over time (the trend), and cost with it
    med = np.median(compute, axis=0)
    assert np.all(np.diff(med) <= 0) and med[-1] < med[0]


def test_compute_path_is_data_within_the_table_and_the_trend_beyond():
    trend = frontier_trend()
    dates = pd.date_range("2020-01-01", "2030-01-01", freq="QS")
    line = 10.0 ** trend.log10_compute(dates)[:200]
    path = compute_path(trend, dates, line)
    last = pd.Timestamp(trend.settings["last_release"])
    within = dates <= last
    observed = frontier_at(trend.frontier, dates[within])
    observed[np.isnan(observed)] = 3.14e23  # before GPT-3: its own compute
    np.testing.assert_allclose(path[:, within], np.broadcast_to(observed, (200, within.sum())))
    assert np.all(path[:, ~within] <= trend.frontier["compute_flops"].iloc[-1])
    np.testing.assert_allclose(path[:, ~within], np.minimum(line[:, ~within], 1.17e21))


def test_cost_refuses_options_that_do_not_apply(cloud_trend):
    with pytest.raises(ScalingError, match="does not apply"):
        capability_equivalent_cost(cloud_trend, algorithmic_halving_months="ho2024", n_draws=50)
    other = frontier_trend("capability:MMLU=0.45")
    with pytest.raises(ScalingError, match="trend given is for"):
        capability_equivalent_cost(cloud_trend, trend=other, n_draws=50)


def test_forecast_cli_capability_target():
    r = CliRunner().invoke(main, ["forecast", "--target", "capability:MMLU=0.439", "--until", "2026",
                                  "--draws", "200"])
    assert r.exit_code == 0, r.output
    assert "cost of reaching MMLU 43.9%" in r.output and "$ per 1K tokens" not in r.output
    assert "extrapolated" in r.output  # the warning, before the table


@pytest.mark.parametrize("args,message", [
    (["--target", "capability:MMLU=1.2"], "(0.25, 1)"),
    (["--target", "capability:FOO=0.5"], "unknown benchmark"),
    (["--target", "capability:MMLU=0.439", "--algorithmic", "ho2024"], "does not apply"),
    (["--target", "capability:MMLU=0.439", "--inference-utilisation", "0.2"], "no inference cost"),
])
def test_forecast_cli_refuses_bad_capability_targets(args, message):
    r = CliRunner().invoke(main, ["forecast", *args, "--draws", "50"])
    assert r.exit_code == 2, r.output
    assert message in r.output and r.output.count("error:") == 1


def test_halving_from_a_date_term():
    from types import SimpleNamespace

    from scaling.forecast.capability import halving_from_date_term

    beta = np.array([np.log10(2) * 12 / 8.0] * 9 + [-0.1])  # 8 months, and one draw without progress
    h = halving_from_date_term(SimpleNamespace(draws=pd.DataFrame({"beta_date": beta})), level=0.5)
    assert h["median"] == pytest.approx(8.0) and h["p_no_decline"] == pytest.approx(0.1)
    with pytest.raises(ScalingError, match="date term"):
        halving_from_date_term(SimpleNamespace(draws=pd.DataFrame({"slope": [1.0]})))
