"""Unit tests of scaling.cost (formulas, accelerators, errors), the formatters of
scaling._format, and the `scaling cost` CLI."""

from __future__ import annotations

import dataclasses
import doctest
import inspect
import json
import math
import os

import numpy as np
import pytest
from click.testing import CliRunner

from scaling import _format, cost
from scaling.cli import main
from scaling.errors import ScalingError

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
    with pytest.raises(ScalingError, match="n_tokens"):
        cost.training_flops(1e9, "many")
    with pytest.raises(ScalingError, match="n_params"):
        cost.training_flops(None, 1e9)
    with pytest.raises(ScalingError, match="unknown architecture 'encoder'.*decoder, encoder-decoder"):
        cost.training_flops(1e9, 1e9, architecture="encoder")


def test_error_names_first_bad_element_of_array():
    with pytest.raises(ScalingError, match=r"n_params must be a finite number in \[1, 1e\+18\], got -5.0"):
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
    with pytest.raises(ScalingError, match="string"):
        cost.resolve_accelerator(3)


def test_accelerator_table_is_cached():
    cost.resolve_accelerator("a100")
    index = cost.accelerators._accelerator_index
    before = index.cache_info().hits
    cost.resolve_accelerator("h100")
    assert index.cache_info().hits == before + 1


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
    with pytest.raises(ScalingError, match="prompt_per_sample"):
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


@pytest.mark.parametrize("module", [cost, cost.accelerators, cost.rates, cost.training, cost.inference, cost.energy,
                                    cost.queries, _format], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


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
    from scaling import sunyan2023 as seed
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


# --------------------------------------------------------------------------------------
# No tracebacks, no overflow: physical ranges, formatters for every float (issue 11)
# --------------------------------------------------------------------------------------

SPECIAL = [math.inf, -math.inf, math.nan, 0.0, -0.0, 1e-300, -1e-300, 5e-324, 1e308, -1e308, 1.7976931348623157e308]
FORMATTERS = [_format.format_si, _format.format_usd, _format.format_bytes, _format.fmt_num]


def _finite_text_ok(text: str) -> bool:
    return "inf" not in text and "nan" not in text and "unbounded" not in text and text != "-"


@pytest.mark.parametrize("fmt", FORMATTERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", SPECIAL, ids=repr)
def test_formatters_print_every_special_value(fmt, x):
    text = fmt(x)
    assert isinstance(text, str) and 0 < len(text) < 30
    if math.isnan(x):
        assert text == "-"
    elif math.isinf(x):
        assert text == ("unbounded" if x > 0 else "-unbounded")
    else:
        assert _finite_text_ok(text), text


def test_formatters_keep_their_usual_forms():
    assert _format.format_usd(82) == "$82.0" and _format.format_usd(0) == "$0"
    assert _format.format_usd(1e308) == "$1.00e+308" and _format.format_usd(1e-300) == "$1.00e-300"
    assert _format.format_si(1e308) == "1e+308" and _format.format_bytes(-3.5e12) == "-3.5 TB"
    assert _format.fmt_num(None) == "-" and _format.fmt_num(1234) == "1,234" and _format.fmt_num(True) == "True"
    assert _format.fmt_num(3.15e23) == "3.150e+23" and _format.fmt_num(0.5) == "0.5"
    # the CLI's table helper keeps its name
    from scaling.cli._util import fmt_num
    assert fmt_num is _format.fmt_num


hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None, database=None)
@given(x=st.floats(allow_nan=True, allow_infinity=True), digits=st.integers(1, 8))
def test_formatters_never_raise_for_any_float(x, digits):
    for fmt in FORMATTERS:
        text = fmt(x, digits)
        assert isinstance(text, str) and 0 < len(text) < 40
        if math.isfinite(x):
            assert _finite_text_ok(text), (fmt.__name__, x, text)


def _in_range(name):
    low, high, low_open = cost._args.RANGES[name]
    lo = math.nextafter(low, math.inf) if low_open else low
    # the ends of each range, and values spread log-uniformly in between
    edges = st.sampled_from([lo, high])
    if lo > 0:
        spread = st.floats(math.log10(lo), math.log10(high)).map(lambda e: min(max(10.0**e, lo), high))
    else:
        spread = st.floats(lo, high)
    return st.one_of(edges, spread)


def _all_finite(result) -> bool:
    values = result.to_dict().values() if hasattr(result, "to_dict") else [result]
    return all(np.all(np.isfinite(np.asarray(v, dtype=float))) for v in values
               if v is not None and not isinstance(v, (str, bool)))


@settings(max_examples=150, deadline=None, database=None)
@given(n=_in_range("n_params"), d=_in_range("n_tokens"), peak=_in_range("peak_flops_per_s"),
       mfu=_in_range("mfu"), price=_in_range("usd_per_chip_hour"), chips=_in_range("n_chips"),
       per_chip=_in_range("memory_per_chip_bytes"), bpp=_in_range("bytes_per_param"))
def test_every_answer_in_range_is_finite(n, d, peak, mfu, price, chips, per_chip, bpp):
    chips = float(round(chips))
    assert _all_finite(cost.training_cost(n, d, hardware=peak, mfu=mfu, usd_per_chip_hour=price, n_chips=chips))
    assert _all_finite(cost.inference_cost(n, hardware=peak, mfu=mfu, usd_per_chip_hour=price,
                                           chips_per_instance=chips))
    assert _all_finite(cost.training_memory(n, per_chip, bytes_per_param=bpp))
    hours = cost.chip_hours(cost.training_flops(n, d), peak, mfu)
    assert _all_finite(cost.energy_kwh(hours, 1e6, pue=10.0))


@settings(max_examples=100, deadline=None, database=None)
@given(f=_in_range("per_dollar_factor"), g=_in_range("n_generations"), t=_in_range("years_per_generation"),
       y=_in_range("years"), life=_in_range("lifetime_years"), u=_in_range("utilisation"),
       words=_in_range("prompt_words"), wpt=_in_range("words_per_token"), q=_in_range("queries_per_year"),
       a=_in_range("penetration_then"), month=_in_range("searches_per_month"))
def test_energy_and_query_answers_in_range_are_finite(f, g, t, y, life, u, words, wpt, q, a, month):
    assert _all_finite(cost.cost_after_generations(1e15, 1e15, g, per_dollar_factor=f, per_watt_factor=f))
    assert _all_finite(cost.factor_over_years(f, y)) and _all_finite(cost.factor_per_year(f, t))
    assert _all_finite(cost.amortised_usd_per_chip_hour(1e12, life, u))
    assert _all_finite(cost.usd_per_flop_purchase(1e3, 1e12, 1e6, life, u, 1e3, 10.0))
    assert _all_finite(cost.query_cost(words, words, usd_per_1k_tokens=1e6, n_samples=1e6, n_results=1e6,
                                       words_per_result=words, words_per_token=wpt, prompt_per_sample=True))
    assert _all_finite(cost.revenue_per_query(1.0, q)) and _all_finite(cost.searches_per_year(month, a, 1.0))
    assert _all_finite(cost.usd_per_1k_tokens_from_words(1e15, 1e-3, wpt))


@pytest.mark.parametrize("call, needle", [
    (lambda: cost.inference_cost(1e308, hardware="a100", mfu=0.2, usd_per_chip_hour=2), r"n_params .*\[1, 1e\+18\]"),
    (lambda: cost.training_memory(175e9, 1e-300), r"memory_per_chip_bytes .*\[1000, 1e\+15\]"),
    (lambda: cost.chip_hours(1e20, 1e-300, 0.5), "peak_flops_per_s"),
    (lambda: cost.chip_hours(1e20, 1e14, 1e-300), "mfu"),
    (lambda: cost.training_cost(1e9, 1e9, hardware=1e14, mfu=0.5, usd_per_chip_hour=1, n_chips=10**400), "n_chips"),
    (lambda: cost.training_cost(1e9, 1e9, hardware=1e14, mfu=True, usd_per_chip_hour=1), "mfu"),
    (lambda: cost.implied_mfu(1e40, 1e-300, 1e3), "chip_hours"),
    (lambda: cost.factor_over_years(1e3, 1e300), "years"),
    (lambda: cost.apply_reductions(1.0, [1e-6] * 60), "reduction factors"),
    (lambda: cost.apply_reductions(1.0, 3), "sequence"),
    (lambda: cost.revenue_per_query(100e9, 0.0), "queries_per_year"),
    (lambda: cost.usd_per_1k_tokens_from_words(82, 1e-300), "n_words"),
    (lambda: cost.price_point(None), "unknown price point"),
    (lambda: cost.peak_flops_per_s("h100", precision=None), "unknown precision"),
])
def test_out_of_range_queries_are_scaling_errors(call, needle):
    with pytest.raises(ScalingError, match=needle):
        call()


def _one_error_line(r, needle=""):
    assert r.exit_code == 2, (r.exit_code, r.output, r.exception)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], r.stderr
    assert "Traceback" not in r.output


@pytest.mark.parametrize("args, needle", [
    (["cost", "infer", "--params", "1e308", "--hardware", "a100", "--mfu", "0.2", "--usd-per-chip-hour", "2"],
     "n_params must be a finite number in [1, 1e+18], got 1e+308"),
    (["cost", "memory", "--params", "175e9", "--memory-per-chip", "1e-300"],
     "memory_per_chip_bytes must be a finite number in [1000, 1e+15], got 1e-300"),
    (["cost", "train", "--params", "175e9", "--tokens", "inf", "--hardware", "h100", "--mfu", "0.4",
      "--usd-per-chip-hour", "2"], "n_tokens"),
    (["cost", "train", "--params", "175e9", "--tokens", "nan", "--peak-flops", "1e-300", "--mfu", "0.4",
      "--usd-per-chip-hour", "2"], "n_tokens"),
    (["cost", "train", "--params", "175e9", "--tokens", "3e11", "--hardware", "h100", "--mfu", "0.4",
      "--usd-per-chip-hour", "2", "--chips", str(10**400)], "n_chips"),
    (["cost", "infer", "--params", "175e9", "--hardware", "a100", "--mfu", "0.2"], "exactly one"),
    (["cost", "memory", "--params", "175e9", "--hardware", "h100", "--memory-per-chip", "8e10"], "only one"),
    (["cost", "search", "--revenue-usd", "0"], "revenue_usd"),
    (["cost", "search", "--searches-per-year", "1e-300"], "queries_per_year"),
    (["cost", "search", "--penetration-then", "1e-300"], "penetration_then"),
    (["cost", "search", "--samples", "0"], "n_samples"),
    (["cost", "search", *["--reduction", "1e-6"] * 60], "reduction factors"),
])
def test_cli_bad_or_huge_values_give_one_error_line(runner, args, needle):
    _one_error_line(runner.invoke(main, args), needle)


def test_cli_extreme_values_in_range_print_finite_answers(runner):
    for args in (
        ["cost", "infer", "--params", "1e18", "--peak-flops", "1e3", "--mfu", "1e-3", "--usd-per-chip-hour", "1e6",
         "--chips-per-instance", "1000000000"],
        ["cost", "train", "--params", "1e18", "--tokens", "1e18", "--peak-flops", "1e3", "--mfu", "1e-3",
         "--usd-per-chip-hour", "1e6", "--chips", "1"],
        ["cost", "memory", "--params", "1e18", "--bytes-per-param", "1000", "--memory-per-chip", "1000"],
        ["cost", "search", "--prompt-words", "1e15", "--revenue-usd", "1", "--searches-per-year", "1e18"],
    ):
        r = runner.invoke(main, args)
        assert r.exit_code == 0, (args, r.output)
        assert "inf" not in r.stdout and "nan" not in r.stdout and "unbounded" not in r.stdout, r.stdout


def test_cli_seed_write_to_unusable_paths_is_one_error_line(runner, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    _one_error_line(runner.invoke(main, ["cost", "seed", "--write", str(blocker / "sub" / "x.csv")]), str(blocker))
    # only an in-process call can pass a NUL (argv cannot hold one): a usage error, exit 2
    r = runner.invoke(main, ["cost", "seed", "--write", str(tmp_path / "bad\0name.md")])
    assert r.exit_code == 2 and "NUL" in r.stderr, r.output
    if os.geteuid() != 0:  # root writes anywhere
        _one_error_line(runner.invoke(main, ["cost", "seed", "--write", "/nonexistent-dir/x.csv"]), "nonexistent-dir")
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        _one_error_line(runner.invoke(main, ["cost", "seed", "--write", str(locked / "x.md")]), str(locked))
    assert {p.name for p in tmp_path.iterdir()} <= {"a-file", "locked"}  # no temporary files left


def test_seed_document_is_written_with_ordinary_permissions(tmp_path):
    from scaling import sunyan2023 as seed
    umask = os.umask(0o022)
    try:
        path = seed.write_markdown(tmp_path / "seed.md")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644


# --------------------------------------------------------------------------------------
# One conversion FLOPs -> chip-hours -> dollars; one MFU default and range (issue 19)
# --------------------------------------------------------------------------------------


def test_compute_cost_usd_is_what_every_caller_uses():
    hours, usd = cost.compute_cost_usd(3.15e23, 275e12, 0.462, 2.03)
    assert hours == pytest.approx(3.15e23 / (3600 * 275e12 * 0.462), rel=1e-12)
    assert usd == pytest.approx(hours * 2.03, rel=1e-12)
    run = cost.training_cost(175e9, 300e9, hardware="tpu-v4", mfu=0.462, usd_per_chip_hour=2.03)
    assert (run.chip_hours, run.cost_usd) == pytest.approx((hours, usd), rel=1e-12)
    assert cost.chip_hours(3.15e23, "tpu-v4", 0.462) == pytest.approx(hours, rel=1e-12)
    grid = cost.compute_cost_usd(np.array([1e23, 2e23]), 275e12, np.array([0.4, 0.4]), 2.0)
    assert grid.cost_usd.shape == (2,) and grid.cost_usd[1] == pytest.approx(2 * grid.cost_usd[0])
    # inference: 1K tokens at 2N FLOPs each, priced per chip of the instance
    r = cost.inference_cost(175e9, hardware="a100", mfu=0.213, chips_per_instance=8, usd_per_instance_hour=19.22)
    per_1k = cost.compute_cost_usd(1000 * cost.inference_flops_per_token(175e9), 312e12, 0.213, 19.22 / 8).cost_usd
    assert r.usd_per_1k_tokens == pytest.approx(per_1k, rel=1e-12)
    with pytest.raises(ScalingError, match=r"mfu must be a finite number in \[0.001, 1\], got 1.5"):
        cost.compute_cost_usd(1e23, 275e12, 1.5, 2.0)


def test_one_mfu_default_and_range():
    from scaling import budget

    assert budget.DEFAULT_MFU == cost.DEFAULT_MFU == 0.4 and cost.MFU_BOUNDS == (1e-3, 1.0)
    from scaling import forecast  # the forecast draws MFU from the same range, within the same bounds

    assert forecast.MFU_BOUNDS == cost.MFU_BOUNDS and forecast.DEFAULT_MFU_RANGE == cost.DEFAULT_MFU_RANGE
    assert forecast.DEFAULTS["mfu"]["value"] == cost.DEFAULT_MFU_RANGE
    for mfu in cost.MFU_BOUNDS:  # both ends allowed by the forecast too
        assert forecast.ForecastSpec(mfu=mfu).mfu == (mfu, mfu)
    mid = sum(cost.DEFAULT_INFERENCE_MFU_RANGE) / 2
    assert mid == pytest.approx(cost.INFERENCE_MFU_FACTOR * cost.DEFAULT_MFU)
    low, high = cost.MFU_BOUNDS
    assert cost.DEFAULT_MFU_RANGE[0] < cost.DEFAULT_MFU < cost.DEFAULT_MFU_RANGE[1]
    for mfu in (low, high):  # both ends allowed, by the cost API and by budgets
        assert cost.check_mfu(mfu) == mfu
        assert budget.chip_rate("h100", mfu=mfu, usd_per_chip_hour=2.0).mfu == mfu
    for bad in (low / 2, high * 1.01, 0.0):
        with pytest.raises(ScalingError, match=r"\[0.001, 1\]"):
            cost.check_mfu(bad)
        with pytest.raises(ScalingError, match=r"\[0.001, 1\]"):
            budget.chip_rate("h100", mfu=bad, usd_per_chip_hour=2.0)
    assert inspect.signature(budget.from_chips).parameters["mfu"].default == cost.DEFAULT_MFU
    assert inspect.signature(cost.usd_per_flop_cloud).parameters["mfu"].default == cost.DEFAULT_MFU


def test_usd_per_flop_utilisation_keyword_is_a_deprecated_alias():
    new = cost.usd_per_flop_cloud(312e12, 2.4, mfu=0.3)
    with pytest.warns(DeprecationWarning, match="called mfu"):
        assert cost.usd_per_flop_cloud(312e12, 2.4, utilisation=0.3) == new
    with pytest.warns(DeprecationWarning, match="called mfu"):
        assert cost.usd_per_flop_purchase(1e15, 3e4, 700, utilisation=0.3) == cost.usd_per_flop_purchase(1e15, 3e4, 700, mfu=0.3)


def test_search_economics_is_the_cli_arithmetic():
    q = cost.query_cost(50, 400, usd_per_1k_tokens=0.02, n_samples=10, n_results=10, words_per_result=1000,
                        cache_hit_rate=0.3, gross_margin=0.75)
    s = cost.search_economics(q, revenue_usd=100e9, searches_per_month=100e9, penetration_then=0.34,
                              penetration_now=0.60, reductions=(4, 2))
    assert s.searches_per_year == pytest.approx(12 * 100e9 * 0.60 / 0.34)
    assert s.revenue_per_query_usd == pytest.approx(100e9 / s.searches_per_year)
    assert s.cost_over_revenue == pytest.approx(q.cost_usd / s.revenue_per_query_usd)
    assert s.optimised_share_of_revenue == pytest.approx(q.cost_usd / 8 / s.revenue_per_query_usd)
    given = cost.search_economics(q, revenue_usd=100e9, queries_per_year=2.1e12)
    assert given.revenue_per_query_usd == pytest.approx(0.0476, abs=5e-5) and given.optimised_cost_usd == q.cost_usd
    assert set(s.to_dict()) >= {"searches_per_year", "revenue_per_query_usd", "cost_over_revenue", "reductions",
                                "optimised_cost_usd", "optimised_share_of_revenue", "cost_usd"}
    with pytest.raises(ScalingError, match="missing: penetration_then, penetration_now"):
        cost.search_economics(q, revenue_usd=100e9, searches_per_month=1e11)
    with pytest.raises(ScalingError, match="QueryCost"):
        cost.search_economics(0.01, revenue_usd=100e9, queries_per_year=2e12)
