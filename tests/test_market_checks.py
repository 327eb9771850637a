"""The market checks (validation/market_checks.py): curated tables, one hand-computed ratio, docs current."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pandas as pd
import pytest

from scaling import budget, datasets
from scaling.cost.tco import dollar_factor

from conftest import ROOT, load_validation_script


@pytest.fixture(scope="module")
def mc():
    return load_validation_script("market_checks")


@pytest.fixture(scope="module")
def tables(mc):
    return mc.training_table(), mc.inference_table()


def test_api_prices_table_has_units_and_sources():
    prices = datasets.load("api_prices")
    assert len(prices) >= 5
    for col in ("date", "model", "provider", "usd_per_million_tokens", "price_basis", "mmlu_fraction",
                "source_url", "source"):
        assert prices[col].notna().all() and (prices[col].astype(str).str.strip() != "").all(), col
    assert prices["source_url"].str.match(r"https://\S+$").all()
    assert prices.apply(lambda r: r["source"].startswith(r["source_url"]), axis=1).all()
    assert prices["usd_per_million_tokens"].between(0.01, 100).all()  # per million, not per 1K tokens
    assert prices["mmlu_fraction"].between(0.42, 1.0).all()  # a fraction, at or above GPT-3's MMLU
    assert (prices["n_params"].dropna() > 1e9).all()
    assert prices["date"].is_monotonic_increasing
    davinci = prices.set_index("model").loc["GPT-3 davinci"]
    assert davinci["usd_per_million_tokens"] == pytest.approx(60.0)  # $0.06 per 1K tokens


def test_epoch_training_costs_table():
    epoch = datasets.load("epoch_training_costs")
    assert len(epoch) == 160 and epoch["model"].is_unique
    assert (epoch["cost_usd_2023"] > 0).all()
    assert epoch["source"].str.contains("Cottier et al. 2024").all()
    assert epoch["publication_date"].notna().all()
    assert epoch["mfu"].dropna().between(0.05, 1.0).all()
    assert (epoch["compute_flops"].dropna() > 1e15).all()
    gpt4 = epoch.set_index("model").loc["GPT-4"]
    assert gpt4["compute_flops"] == pytest.approx(2.1e25) and gpt4["hardware"] == "NVIDIA A100 SXM4 40 GB"


def test_readme_schema_names_every_column():
    readme = (ROOT / "datasets" / "README.md").read_text()
    for name in ("epoch_training_costs", "api_prices"):
        assert f"`{name}.csv`" in readme
        schema = readme.split(f"**{name}**:", 1)[1].split("\n\n", 1)[0]
        for col in datasets.load(name).columns:
            assert f"`{col}`" in schema, (name, col)


def test_every_model_is_compared_or_excluded_with_a_reason(tables):
    training, _ = tables
    assert len(training) == 160
    compared = training["status"] == "compared"
    assert compared.sum() >= 140
    assert set(training.loc[~compared, "status"]) <= {
        "no training compute", "no training hardware named", "several kinds of hardware",
        "hardware not in the accelerators table", "no floating-point peak in the accelerators table"}
    assert training.loc[compared, "purchase_ratio"].notna().all()


def test_one_ratio_equals_a_hand_computation(tables):
    """GPT-4 on A100 SXM4 40 GB at Epoch's MFU: compute / (peak x MFU x 3600) x $/chip-hour."""
    training, _ = tables
    row = training.set_index("model").loc["GPT-4"]
    compute, peak, mfu = 2.1e25, 312e12, 0.34
    assert row["peak_flops_per_s"] == pytest.approx(peak) and row["mfu"] == pytest.approx(mfu, abs=0.01)
    mfu = row["mfu"]  # Epoch's value, 0.34 to two digits
    chip_hours = compute / (peak * mfu * 3600.0)
    assert row["chip_hours"] == pytest.approx(chip_hours, rel=1e-12)
    usd_per_chip_hour = budget.cloud_price("NVIDIA A100 SXM4 40 GB", "2023-03-15").usd_per_chip_hour
    assert 0.5 < usd_per_chip_hour < 10
    to_2023 = dollar_factor(["2023-03-15"], 2023)[0][0]
    epoch_usd = datasets.load("epoch_training_costs").set_index("model").loc["GPT-4", "cost_usd_2023"]
    assert row["cloud_ratio"] == pytest.approx(chip_hours * usd_per_chip_hour * to_2023 / epoch_usd, rel=1e-9)
    purchase = chip_hours * row["purchase_usd_per_chip_hour"] * to_2023
    assert row["purchase_ratio"] == pytest.approx(purchase / epoch_usd, rel=1e-9)


def test_ratio_summary_is_the_quantiles(mc, tables):
    training, _ = tables
    summary = mc.ratio_summary(training).set_index(["basis", "models"])
    x = training.loc[training["status"] == "compared", "purchase_ratio"].to_numpy(dtype=float)
    row = summary.loc[("purchase", "all compared")]
    assert row["n"] == len(x) and row["median"] == pytest.approx(np.median(x))
    assert row["q10"] <= row["q25"] <= row["median"] <= row["q75"] <= row["q90"]


def test_inference_ratios_use_the_forecast(mc, tables):
    _, inf = tables
    f = pd.read_csv(ROOT / "forecasts" / mc.FORECASTS["cloud"])  # the cloud-basis forecast the check prices with
    at = f[(f["quantity"] == "inference_usd_per_1k_tokens") & (f["level"] == 0.9) & (f["date"] == "2024-10-01")]
    row = inf.set_index("model").loc["Gemini-1.5-Flash-8B"]  # dated on a forecast date: no interpolation
    assert row["cloud_usd_per_million_tokens_median"] == pytest.approx(1000 * at["median"].iloc[0], rel=1e-9)
    assert row["cloud_ratio"] == pytest.approx(row["cloud_usd_per_million_tokens_median"] / 0.07, rel=1e-12)


def test_update_page_inserts_before_known_limits_and_replaces(mc):
    page = "# T\n\n## Forecasts\n\nx\n\n## Known limits\n\n- y\n"
    block = mc.section("# Market checks\n\nbody one\n")
    once = mc.update_page(page, block)
    assert once.index(mc.START) < once.index("## Known limits") and "body one" in once
    twice = mc.update_page(once, mc.section("# Market checks\n\nbody two\n"))
    assert "body two" in twice and "body one" not in twice and twice.count(mc.START) == 1
    assert mc.update_page(twice, mc.section("# Market checks\n\nbody two\n")) == twice


def test_docs_section_is_current(mc, tables):
    markdown = mc.render(*tables)
    stale = "stale: run python validation/market_checks.py"
    assert mc.RESULT_MD.read_text(encoding="utf-8") == markdown, stale
    page = (ROOT / "docs" / "forecast.md").read_text(encoding="utf-8")
    assert mc.section(markdown) in page, stale
    assert page.count(mc.START) == 1 and page.count(mc.END) == 1


def test_build_docs_keeps_the_section(mc):
    sys.path.insert(0, str(ROOT / "docs"))
    spec = importlib.util.spec_from_file_location("build_docs_mc", ROOT / "docs" / "build_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    summary = ROOT / "forecasts" / "summary.json"
    if not summary.exists():
        pytest.skip("forecasts/summary.json not present")
    text = mod.render_forecast_report(summary)
    assert mc.section(mc.RESULT_MD.read_text(encoding="utf-8")) in text
