"""Budgets in chips x days and dollars become FLOP budgets (scaling.budget)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from scaling import budget, datasets
from scaling.cost import resolve_accelerator
from scaling.errors import ScalingError

H100_PEAK = resolve_accelerator("h100").tensor16_flops_per_s


def test_chips_days_mfu_become_flops():
    b = budget.from_chips("h100", chips=1000, days=30, mfu=0.4, usd_per_chip_hour=2.0)
    assert b.compute_flops == pytest.approx(1000 * 30 * 86400 * H100_PEAK * 0.4, rel=1e-12)
    assert b.chip_hours == pytest.approx(1000 * 30 * 24) and b.days == pytest.approx(30)
    assert b.usd == pytest.approx(1000 * 30 * 24 * 2.0)
    assert b.assumptions["hardware"] == "NVIDIA H100 SXM5 80GB" and b.assumptions["price_rule"] == "given"
    assert "chip-hours" in b.report() and "$1,440,000" in b.report()


def test_precision_picks_the_peak():
    fp8 = budget.from_chips("h100", chips=8, days=1, mfu=0.4, precision="fp8", usd_per_chip_hour=2.0)
    bf16 = budget.from_chips("h100", chips=8, days=1, mfu=0.4, usd_per_chip_hour=2.0)
    assert fp8.compute_flops / bf16.compute_flops == pytest.approx(
        resolve_accelerator("h100").fp8_flops_per_s / H100_PEAK)


def test_dollars_round_trip_with_chip_time():
    time = budget.from_chips("a100", chips=64, days=10, mfu=0.35, usd_per_chip_hour=1.8)
    money = budget.from_usd(time.usd, "a100", mfu=0.35, usd_per_chip_hour=1.8, chips=64)
    assert money.compute_flops == pytest.approx(time.compute_flops, rel=1e-12)
    assert money.days == pytest.approx(10) and money.chip_hours == pytest.approx(64 * 240)
    same = money.for_flops(money.compute_flops / 2)
    assert same.usd == pytest.approx(time.usd / 2) and same.days == pytest.approx(5)


def _median_rule(name, date, window=budget.PRICE_WINDOW_DAYS):
    t = datasets.load("cloud_prices")
    t = t[(t["hardware"] == name) & t["usd_per_chip_hour_on_demand"].notna()]
    t = t.drop_duplicates(["date", "provider", "usd_per_chip_hour_on_demand"])
    when = t["date"].max() if date is None else pd.Timestamp(date)
    near = t[(t["date"] - when).abs() <= pd.Timedelta(days=window)]
    return float(near["usd_per_chip_hour_on_demand"].median()), len(near)


@pytest.mark.parametrize("hardware,date", [("h100", None), ("h100", "2024-01-15"), ("a100", "2023-06-01"),
                                           ("tpu-v4", None)])
def test_cloud_price_is_the_median_near_the_date(hardware, date):
    name = resolve_accelerator(hardware).name
    value, n = _median_rule(name, date)
    cp = budget.cloud_price(hardware, date)
    assert cp.usd_per_chip_hour == pytest.approx(value) and cp.n_observations == n > 0
    assert "median on-demand" in cp.rule and cp.hardware == name


def test_dollar_budget_uses_the_shipped_price():
    b = budget.from_usd(2e6, "h100", mfu=0.4, price_date="2024-06-01")
    price = budget.cloud_price("h100", "2024-06-01").usd_per_chip_hour
    assert b.chip_hours == pytest.approx(2e6 / price)
    assert b.compute_flops == pytest.approx(2e6 / price * 3600 * H100_PEAK * 0.4)
    assert "2024-06-01" in b.assumptions["price_rule"] and math.isnan(b.days)


def test_chip_time_budget_of_an_unpriced_chip_has_no_dollars():
    b = budget.from_chips("gb200", chips=10, days=1, mfu=0.4)
    assert math.isnan(b.usd) and b.compute_flops > 0


def test_inference_rate_defaults_to_half_the_training_mfu():
    train = budget.chip_rate("h100", mfu=0.4, usd_per_chip_hour=3.0)
    inf = budget.inference_rate(train)
    assert inf.mfu == pytest.approx(0.2) and inf.usd_per_chip_hour == 3.0
    assert inf.usd_per_flop == pytest.approx(2 * train.usd_per_flop)
    other = budget.inference_rate(train, hardware="a100", usd_per_chip_hour=1.0, mfu=0.3)
    assert other.hardware.startswith("NVIDIA A100") and other.mfu == 0.3


@pytest.mark.parametrize("call,match", [
    (lambda: budget.from_chips("h100", chips=0, days=30), r"chips .*\(0, 1e\+08\], got 0"),
    (lambda: budget.from_chips("h100", chips=8, days=-1), "days"),
    (lambda: budget.from_chips("h1000", chips=8, days=1), "unknown hardware 'h1000'; known aliases: .*h100"),
    (lambda: budget.from_chips("h100", chips=8, days=1, mfu=1.5), r"mfu .*\[0.001, 1\]"),  # cost.MFU_BOUNDS
    (lambda: budget.from_chips("h100", chips=8, days=1, precision="fp4"), "unknown precision"),
    (lambda: budget.from_usd(1e6, "gb200"), "no on-demand price for NVIDIA GB200"),
    (lambda: budget.from_usd(-5, "h100"), "usd"),
    (lambda: budget.from_usd(1e6, "h100", price_date="2019-01-01"), "observations span 2023"),
    (lambda: budget.from_usd(1e6, "h100", price_date="soon"), "not a date"),
    (lambda: budget.from_usd(1e6, "h100", usd_per_chip_hour=2, price_date="2024-01-01"), "not both"),
    (lambda: budget.from_usd(1e6, 1e15), "no shipped price"),
])
def test_bad_budgets(call, match):
    with pytest.raises(ScalingError, match=match):
        call()


@pytest.mark.parametrize("kwargs,match", [
    (dict(compute_flops=1e24, chips=10, hardware="h100"), "conflicting budget options --compute, --chips"),
    (dict(compute_flops=1e24, usd=1e6, hardware="h100"), "conflicting"),
    (dict(hardware="h100", chips=8, days=3, usd=1e6), "--days 3 and --usd"),
    (dict(hardware="h100", days=3), "--days 3 needs --chips"),
    (dict(hardware="h100", chips=3), "--chips 3 needs --days"),
    (dict(usd=1e6), "--usd needs --hardware .* and a price"),
    (dict(mfu=0.3, compute_flops=1e23), "--mfu needs --hardware"),
    (dict(hardware="h100", usd=1e6, query="--loss"), "--loss is a query of its own"),
])
def test_conflicting_options(kwargs, match):
    """The command line's budget options: its messages name the options as typed."""
    from scaling.cli._budget_options import budget_options

    with pytest.raises(ScalingError, match=match):
        budget_options(**kwargs)


@pytest.mark.parametrize("kwargs,match", [
    (dict(compute_flops=1e24, chips=10, hardware="h100"), "conflicting budget arguments compute_flops, chips"),
    (dict(compute_flops=1e24, usd=1e6, hardware="h100"), "conflicting"),
    (dict(hardware="h100", chips=8, days=3, usd=1e6), "days=3 and usd=1e"),
    (dict(hardware="h100", days=3), "days=3 needs chips"),
    (dict(hardware="h100", chips=3), "chips=3 needs days"),
    (dict(usd=1e6), "usd needs hardware .* and a price"),
    (dict(mfu=0.3, compute_flops=1e23), "mfu needs hardware"),
    (dict(hardware="h100", usd=1e6, query="target_loss"), "target_loss is a query of its own"),
])
def test_conflicting_arguments_name_the_python_arguments(kwargs, match):
    """The library's messages name its Python arguments, never a command-line option."""
    with pytest.raises(ScalingError, match=match) as info:
        budget.from_options(**kwargs)
    assert "--" not in str(info.value)


def test_cli_options_give_what_the_library_gives():
    from scaling.cli._budget_options import budget_options

    for kwargs in (dict(), dict(compute_flops=1e23), dict(hardware="h100", chips=64, days=2),
                   dict(hardware="h100", usd=1e6, usd_per_chip_hour=2.0), dict(hardware="h100", chips=64, query="--loss")):
        cli, lib = budget_options(**kwargs), budget.from_options(**kwargs)
        assert cli.keys() == lib.keys()
        for key in cli:
            assert getattr(cli[key], "to_dict", lambda: cli[key])() == getattr(lib[key], "to_dict", lambda: lib[key])()


def test_options_for_each_kind_of_query():
    assert budget.from_options() == {}
    assert budget.from_options(compute_flops=1e23)["budget"].compute_flops == 1e23
    assert math.isfinite(budget.from_options(compute_flops=1e23, hardware="h100")["budget"].chip_hours)
    loss = budget.from_options(hardware="h100", chips=64, query="--loss")
    assert loss["chips"] == 64 and loss["training"].hardware.startswith("NVIDIA H100")
    assert budget.from_options(hardware="h100", chips=64, days=2)["budget"].days == pytest.approx(2)
