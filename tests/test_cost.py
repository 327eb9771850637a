"""Unit tests of scaling.cost (formulas, accelerators, errors) and the `scaling cost` CLI."""

from __future__ import annotations

import dataclasses
import doctest
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from scaling import cost
from scaling.cli import main

# --------------------------------------------------------------------------------------
# FLOPs
# --------------------------------------------------------------------------------------


def test_training_flops_is_6nd_and_3nd_for_encoder_decoder():
    assert cost.training_flops(175e9, 300e9) == pytest.approx(3.15e23, rel=1e-12)
    assert cost.training_flops(175e9, 300e9, "encoder-decoder") == pytest.approx(1.575e23, rel=1e-12)
    assert cost.training_flops_per_token(1e9) == 6e9
    assert cost.training_flops_per_token(1e9, "encoder-decoder") == 3e9


def test_inference_flops_per_token():
    assert cost.inference_flops_per_token(175e9) == 350e9
    assert cost.inference_flops_per_token(175e9, architecture="encoder-decoder") == 175e9


def test_flops_broadcast_over_arrays():
    n = np.array([1e9, 1e10])[:, None]
    d = np.array([1e11, 2e11, 3e11])
    c = cost.training_flops(n, d)
    assert c.shape == (2, 3)
    np.testing.assert_allclose(c, 6 * n * d)
    assert isinstance(cost.training_flops(1e9, 1e10), float)


@pytest.mark.parametrize("bad", [-1.0, 0.0, math.nan, math.inf])
def test_flops_reject_bad_params(bad):
    with pytest.raises(ValueError, match="n_params"):
        cost.training_flops(bad, 1e9)


def test_flops_reject_non_numbers_and_unknown_architecture():
    with pytest.raises(TypeError, match="n_tokens"):
        cost.training_flops(1e9, "many")
    with pytest.raises(TypeError, match="n_params"):
        cost.training_flops(None, 1e9)
    with pytest.raises(ValueError, match="unknown architecture 'encoder'.*decoder, encoder-decoder"):
        cost.training_flops(1e9, 1e9, architecture="encoder")


def test_error_names_first_bad_element_of_array():
    with pytest.raises(ValueError, match=r"n_params must be a number > 0, got -5"):
        cost.training_flops([1e9, -5.0, -6.0], 1e9)


# --------------------------------------------------------------------------------------
# Accelerators
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, peak", [
    ("tpu-v4", 275e12), ("TPU v4", 275e12), ("Google TPU v4", 275e12), ("TPU_V4", 275e12),
    ("a100", 312e12), ("A100", 312e12), ("v100", 125e12),
    ("h100", 989.4e12), ("NVIDIA H100 SXM5 80GB", 989.4e12), ("nvidia h100 sxm5 80 gb", 989.4e12),
])
def test_resolve_accelerator_by_alias_or_name(name, peak):
    acc = cost.resolve_accelerator(name)
    assert acc.tensor16_flops_per_s == pytest.approx(peak)
    assert cost.peak_flops_per_s(name) == pytest.approx(peak)


def test_accelerator_fields_and_precisions():
    h100 = cost.resolve_accelerator("h100")
    assert h100.name == "NVIDIA H100 SXM5 80GB"
    assert h100.memory_bytes == 80e9
    assert h100.tdp_w == 700
    assert h100.release_date.year == 2022
    assert h100.peak_flops_per_s("bf16") == h100.peak_flops_per_s() == h100.tensor16_flops_per_s
    assert h100.peak_flops_per_s("fp32") < h100.peak_flops_per_s()
    with pytest.raises(dataclasses.FrozenInstanceError):
        h100.tdp_w = 1.0
    with pytest.raises(ValueError, match="unknown precision 'fp4'"):
        h100.peak_flops_per_s("fp4")
    # TPU v4 has no non-tensor fp16 figure in the table: the error says so.
    with pytest.raises(ValueError, match="no fp16 peak"):
        cost.peak_flops_per_s("tpu-v4", precision="fp16")
    assert cost.resolve_accelerator(h100) is h100


def test_unknown_accelerator_lists_aliases():
    with pytest.raises(ValueError) as info:
        cost.resolve_accelerator("tpu-v9")
    message = str(info.value)
    assert "tpu-v9" in message
    for alias in ("tpu-v4", "a100", "h100"):
        assert alias in message
    assert set(cost.known_accelerators()) >= {"tpu-v4", "a100", "h100", "v100"}
    with pytest.raises(TypeError):
        cost.resolve_accelerator(3)


def test_accelerator_table_is_cached():
    cost.resolve_accelerator("a100")
    before = cost._accelerator_index.cache_info().hits
    cost.resolve_accelerator("h100")
    assert cost._accelerator_index.cache_info().hits == before + 1


# --------------------------------------------------------------------------------------
# Training and inference cost
# --------------------------------------------------------------------------------------


def test_chip_hours_and_implied_mfu_are_inverse():
    hours = cost.chip_hours(3.15e23, 275e12, 0.462)
    assert hours == pytest.approx(3.15e23 / (275e12 * 0.462) / 3600)
    assert cost.implied_mfu(3.15e23, hours, "tpu-v4") == pytest.approx(0.462)
    assert cost.chip_seconds(3.15e23, "tpu-v4", 0.462) == pytest.approx(hours * 3600)


@pytest.mark.parametrize("mfu", [0.0, -0.1, 1.01, math.nan])
def test_mfu_outside_unit_interval_is_rejected(mfu):
    with pytest.raises(ValueError, match="mfu"):
        cost.chip_hours(1e20, 1e14, mfu)


def test_training_cost_gpt3_on_tpu_v4():
    r = cost.training_cost(175e9, 300e9, hardware="tpu-v4", mfu=0.462, usd_per_chip_hour=2.03, n_chips=4096)
    assert r.compute_flops == pytest.approx(3.15e23)
    assert r.chip_hours == pytest.approx(688_705, rel=1e-5)
    assert r.cost_usd == pytest.approx(1.398e6, rel=1e-3)
    assert r.wall_clock_days == pytest.approx(r.chip_hours / 4096 / 24)
    assert r.hardware == "Google TPU v4"
    frame = r.summary()
    assert frame.shape[0] == 1 and frame.loc[0, "cost_usd"] == pytest.approx(r.cost_usd)
    assert "$1.40M" in r.report() and "688.7k chip-hours" in r.report()
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.cost_usd = 0.0


def test_training_cost_same_with_peak_number_and_broadcasts():
    by_name = cost.training_cost(175e9, 300e9, hardware="tpu-v4", mfu=0.462, usd_per_chip_hour=2.03)
    by_peak = cost.training_cost(175e9, 300e9, hardware=275e12, mfu=0.462, usd_per_chip_hour=2.03)
    assert by_peak.cost_usd == pytest.approx(by_name.cost_usd)
    assert by_peak.hardware == ""
    grid = cost.training_cost([175e9, 280e9], 300e9, hardware=275e12, mfu=[[0.3], [0.462]],
                              usd_per_chip_hour=2.03)
    assert np.shape(grid.cost_usd) == (2, 2)
    assert grid.cost_usd[1, 0] == pytest.approx(by_name.cost_usd)
    assert len(grid.summary()) == 4
    with pytest.raises(ValueError, match="n_chips"):
        cost.training_cost(1e9, 1e9, hardware=1e14, mfu=0.5, usd_per_chip_hour=1.0, n_chips=2.5)
    with pytest.raises(ValueError, match="usd_per_chip_hour"):
        cost.training_cost(1e9, 1e9, hardware=1e14, mfu=0.5, usd_per_chip_hour=-1.0)


def test_training_cost_report_warns_on_implausible_mfu():
    r = cost.training_cost(1e9, 1e10, hardware=1e14, mfu=0.9, usd_per_chip_hour=1.0)
    assert "warning" in r.report()


def test_inference_cost_gpt3_on_p4d():
    r = cost.inference_cost(175e9, hardware="a100", mfu=0.213, chips_per_instance=8,
                            usd_per_instance_hour=cost.price_point("aws-p4d-1yr").value)
    assert r.tokens_per_s_per_instance == pytest.approx(8 * 312e12 * 0.213 / 350e9)
    assert round(r.tokens_per_s_per_instance) == 1519
    assert r.usd_per_1k_tokens == pytest.approx(0.003515, abs=1e-6)
    # The same price quoted per chip gives the same cost per token.
    per_chip = cost.inference_cost(175e9, hardware="a100", mfu=0.213, chips_per_instance=8,
                                   usd_per_chip_hour=19.22 / 8)
    assert per_chip.usd_per_1k_tokens == pytest.approx(r.usd_per_1k_tokens)
    with pytest.raises(ValueError, match="exactly one"):
        cost.inference_cost(175e9, hardware="a100", mfu=0.2)
    with pytest.raises(ValueError, match="exactly one"):
        cost.inference_cost(175e9, hardware="a100", mfu=0.2, usd_per_chip_hour=1, usd_per_instance_hour=8)
    assert cost.inference_tokens_per_s(1e9, 1e14, 0.5, n_chips=2) == pytest.approx(2 * 1e14 * 0.5 / 2e9)


# --------------------------------------------------------------------------------------
# Memory, energy, amortisation, improvement
# --------------------------------------------------------------------------------------


def test_training_memory_and_chips():
    assert cost.training_memory_bytes(340e6) == pytest.approx(6.8e9)
    assert cost.training_memory_bytes(175e9, bytes_per_param=16) == pytest.approx(2.8e12)
    m = cost.training_memory(175e9, "h100")
    assert m.memory_bytes == pytest.approx(3.5e12)
    assert m.n_chips_exact == pytest.approx(43.75)
    assert m.n_chips == 44
    assert cost.chips_for_memory(3.2e12, 80e9) == 40  # exact multiple: no extra chip
    assert cost.chips_for_memory(3.2e12 + 1, 80e9) == 41
    np.testing.assert_array_equal(cost.chips_for_memory([1e9, 81e9], 80e9), [1, 2])
    assert "44" in m.report()


@pytest.mark.parametrize("n, text", [(6.8e9, "6.8 GB"), (3.5e12, "3.5 TB"), (512, "512 B"), (1.5e6, "1.5 MB")])
def test_format_bytes(n, text):
    assert cost.format_bytes(n) == text


def test_energy_and_amortisation():
    assert cost.energy_kwh(1000, 400) == pytest.approx(400)
    assert cost.energy_kwh(1000, 400, pue=1.1) == pytest.approx(440)
    assert cost.energy_kwh(1000, "h100") == pytest.approx(700)
    with pytest.raises(ValueError, match="pue"):
        cost.energy_kwh(1000, 400, pue=0.9)
    assert cost.energy_cost_usd(1_287e3, 0.106) == pytest.approx(136_422)
    assert cost.amortised_usd_per_chip_hour(10_000, 4) == pytest.approx(10_000 / (4 * 8766))
    assert cost.amortised_usd_per_chip_hour(10_000, 4, utilisation=0.5) == pytest.approx(
        2 * cost.amortised_usd_per_chip_hour(10_000, 4))
    with pytest.raises(ValueError, match="utilisation"):
        cost.amortised_usd_per_chip_hour(10_000, 4, utilisation=1.5)


def test_generation_improvement():
    assert cost.factor_per_year(1.5) == pytest.approx(1.2247, abs=1e-4)
    assert cost.factor_per_year(1.8) == pytest.approx(1.3416, abs=1e-4)
    assert cost.factor_per_year(1.5, years_per_generation=1) == 1.5
    assert cost.factor_over_years(cost.factor_per_year(1.5), 2) == pytest.approx(1.5)
    assert cost.cost_after_generations(225, 324, 2, per_dollar_factor=1.5, per_watt_factor=1.8) == pytest.approx(200)
    assert cost.cost_after_generations(100, 50, 0, per_dollar_factor=1.5, per_watt_factor=1.8) == 150


# --------------------------------------------------------------------------------------
# Search-query economics
# --------------------------------------------------------------------------------------


def test_words_tokens_conversion():
    assert cost.words_to_tokens(750) == pytest.approx(1000)
    assert cost.tokens_to_words(1000) == pytest.approx(750)
    assert cost.usd_per_1k_tokens_from_words(82, 100_000) == pytest.approx(0.615)


def test_query_cost_prompt_once_or_per_sample():
    kw = dict(n_samples=5, usd_per_1k_tokens=0.02, cache_hit_rate=0.3, gross_margin=0.75)
    once = cost.query_cost(50, 400, **kw)
    per = cost.query_cost(50, 400, prompt_per_sample=True, **kw)
    assert once.n_words == 2050 and per.n_words == 2250
    assert once.cost_usd == pytest.approx(2050 / 750 * 0.02 * 0.7 * 0.25)
    assert per.cost_usd == pytest.approx(0.0105)
    assert once.list_price_usd == pytest.approx(once.cost_usd / (0.7 * 0.25))
    summariser = cost.query_cost(50, 400, n_samples=10, n_results=10, words_per_result=1000,
                                 usd_per_1k_tokens=0.02, cache_hit_rate=0.3, gross_margin=0.75)
    assert summariser.n_words == 14_050
    assert summariser.cost_usd == pytest.approx(0.06557, abs=1e-5)
    with pytest.raises(TypeError, match="prompt_per_sample"):
        cost.query_cost(50, 400, usd_per_1k_tokens=0.02, prompt_per_sample="yes")


@pytest.mark.parametrize("kw", [dict(cache_hit_rate=1.0), dict(cache_hit_rate=-0.1), dict(gross_margin=1.0)])
def test_provider_cost_rejects_bad_shares(kw):
    with pytest.raises(ValueError, match=next(iter(kw))):
        cost.provider_usd_per_1k_tokens(0.02, **kw)


def test_search_revenue_chain():
    q = cost.searches_per_year(100e9, 0.34, 0.60)
    assert q == pytest.approx(12 * 100e9 * 0.60 / 0.34)
    assert cost.revenue_per_query(100e9, 2.1e12) == pytest.approx(0.047619, abs=1e-6)
    assert cost.apply_reductions(0.066, (4, 2)) == pytest.approx(0.00825)
    assert cost.apply_reductions(1.0, ()) == 1.0
    with pytest.raises(ValueError, match=r"factors\[1\]"):
        cost.apply_reductions(1.0, (4, 0))
    with pytest.raises(ValueError, match="penetration_then"):
        cost.searches_per_year(100e9, 0.0, 0.6)


# --------------------------------------------------------------------------------------
# Price points, formatting, doctests
# --------------------------------------------------------------------------------------


def test_price_points_are_dated_sourced_and_read_only():
    assert cost.price_point("gcp-tpu-v4-1yr").value == 2.03
    assert cost.price_point("aws-p4d-1yr").value == 19.22
    for key, point in cost.PRICE_POINTS.items():
        assert point.key == key and point.date and point.source and point.unit
        assert point.value > 0
    with pytest.raises(TypeError):
        cost.PRICE_POINTS["new"] = None
    with pytest.raises(ValueError, match="unknown price point 'tpu'.*gcp-tpu-v4-1yr"):
        cost.price_point("tpu")


@pytest.mark.parametrize("x, text", [(1.398e6, "$1.40M"), (312_141, "$312k"), (0.003515, "$0.00351"),
                                     (0.008196, "$0.00820"), (11.216e6, "$11.2M"), (0.615, "$0.615")])
def test_format_usd(x, text):
    assert cost.format_usd(x) == text


def test_format_si():
    assert cost.format_si(688_705.2) == "688.7k"
    assert cost.format_si(2.1176e12) == "2.118T"
    assert cost.format_si(3.15e23) == "3.15e+23"


def test_docstring_examples():
    result = doctest.testmod(cost, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 5 and result.failed == 0


# --------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


TRAIN = ["cost", "train", "--params", "175e9", "--tokens", "300e9", "--hardware", "tpu-v4",
         "--mfu", "0.462", "--usd-per-chip-hour", "2.03"]
INFER = ["cost", "infer", "--params", "175e9", "--hardware", "a100", "--chips-per-instance", "8",
         "--usd-per-instance-hour", "19.22", "--mfu", "0.213"]


def test_cli_train_must_pass_example(runner):
    r = runner.invoke(main, TRAIN)
    assert r.exit_code == 0, r.output
    assert "3.15e+23" in r.output and "688.7k" in r.output and "$1.40M" in r.output


def test_cli_train_peak_flops_and_json(runner):
    args = [a if a != "--hardware" else "--peak-flops" for a in TRAIN]
    args[args.index("tpu-v4")] = "275e12"
    r = runner.invoke(main, args + ["--chips", "4096", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["cost_usd"] == pytest.approx(1.398e6, rel=1e-3)
    assert data["wall_clock_days"] == pytest.approx(7.0, abs=0.01)


def test_cli_infer_must_pass_example(runner):
    r = runner.invoke(main, INFER)
    assert r.exit_code == 0, r.output
    assert "$0.0035" in r.output and "1,519" in r.output
    data = json.loads(runner.invoke(main, INFER + ["--json"]).stdout)
    assert data["usd_per_1k_tokens"] == pytest.approx(0.003515, abs=1e-6)


def test_cli_search(runner):
    r = runner.invoke(main, ["cost", "search"])
    assert r.exit_code == 0, r.output
    assert "$0.00957" in r.output
    r = runner.invoke(main, ["cost", "search", "--results", "10", "--samples", "10",
                             "--searches-per-year", "2.1e12", "--json"])
    data = json.loads(r.stdout)
    assert data["cost_usd"] == pytest.approx(0.06557, abs=1e-5)
    assert data["optimised_share_of_revenue"] == pytest.approx(0.172, abs=5e-4)
    r = runner.invoke(main, ["cost", "search", "--prompt-per-sample", "--json"])
    assert json.loads(r.stdout)["cost_usd"] == pytest.approx(0.0105)


def test_cli_memory(runner):
    r = runner.invoke(main, ["cost", "memory", "--params", "175e9", "--hardware", "h100"])
    assert r.exit_code == 0, r.output
    assert "3.5 TB" in r.output and "44" in r.output
    data = json.loads(runner.invoke(main, ["cost", "memory", "--params", "340e6", "--memory-per-chip",
                                           "16e9", "--json"]).stdout)
    assert data["memory_bytes"] == pytest.approx(6.8e9) and data["n_chips"] == 1


def test_cli_seed_table_json_and_write(runner, tmp_path):
    r = runner.invoke(main, ["cost", "seed"])
    assert r.exit_code == 0, r.output
    assert "Jasper" in r.output and r.output.count("\n") >= 22
    records = json.loads(runner.invoke(main, ["cost", "seed", "--json"]).stdout)
    assert [rec["row"] for rec in records] == list(range(1, 21))
    target = tmp_path / "doc" / "seed.md"
    r = runner.invoke(main, ["cost", "seed", "--write", str(target)])
    assert r.exit_code == 0, r.output
    from scaling import seed
    assert target.read_text() == seed.render_markdown()


@pytest.mark.parametrize("change, needle", [
    (("--params", "-175e9"), "n_params"),
    (("--hardware", "tpu-v9"), "unknown hardware 'tpu-v9'"),
    (("--mfu", "1.5"), "mfu"),
    (("--mfu", "0"), "mfu"),
])
def test_cli_bad_input_is_one_line_exit_2(runner, change, needle):
    args = list(TRAIN)
    args[args.index(change[0]) + 1] = change[1]
    r = runner.invoke(main, args)
    assert r.exit_code == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0]


def test_cli_hardware_and_peak_both_or_neither_exit_2(runner):
    r = runner.invoke(main, TRAIN + ["--peak-flops", "1e14"])
    assert r.exit_code == 2 and r.stderr.startswith("error: give exactly one")
    no_hw = [a for a in TRAIN if a not in ("--hardware", "tpu-v4")]
    assert runner.invoke(main, no_hw).exit_code == 2


def test_cli_non_number_exits_2(runner):
    args = list(TRAIN)
    args[args.index("--params") + 1] = "abc"
    r = runner.invoke(main, args)
    assert r.exit_code == 2
    assert "abc" in r.stderr


def test_cli_help_documents_flags(runner):
    for sub, flags in [("train", ["--params", "--tokens", "--hardware", "--peak-flops", "--mfu",
                                  "--usd-per-chip-hour", "--json"]),
                       ("infer", ["--chips-per-instance", "--usd-per-instance-hour", "--mfu"]),
                       ("search", ["--cache-hit-rate", "--gross-margin", "--prompt-per-sample"]),
                       ("memory", ["--bytes-per-param", "--memory-per-chip"]),
                       ("seed", ["--write", "--json"])]:
        r = runner.invoke(main, ["cost", sub, "--help"])
        assert r.exit_code == 0
        for flag in flags:
            assert flag in r.output, (sub, flag)
