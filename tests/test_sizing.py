"""Compute-optimal sizing: closed forms against published numbers, draws, errors, CLI."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scaling import fitting, sizing
from scaling.cli import main
from scaling.errors import ScalingError, ScalingWarning

EPOCH = dict(E=1.8169, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)
HOFFMANN = dict(E=np.exp(0.5267228), A=np.exp(6.0073404), B=np.exp(6.0179186), alpha=0.33917084, beta=0.2849083)
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def shipped(root):
    return fitting.load_fit(root / "fits" / "chinchilla_lsq.json")


def test_allocation_matches_published():
    # published-results.md: at C = 5.76e23 Epoch gives N = 72.4B, D = 1.33T (18.3 tokens/param);
    # unrounded Hoffmann N = 40.4B, D = 2.38T.
    n, d = sizing.allocate(EPOCH, 5.76e23)
    assert n == pytest.approx(72.4e9, rel=0.01) and d == pytest.approx(1.33e12, rel=0.01)
    assert d / n == pytest.approx(18.3, rel=0.01)
    n, d = sizing.allocate(HOFFMANN, 5.76e23)
    assert n == pytest.approx(40.4e9, rel=0.01) and d == pytest.approx(2.38e12, rel=0.01)
    assert 6 * n * d == pytest.approx(5.76e23, rel=1e-12)


def test_rounding_alpha_beta_moves_n_by_about_20_percent():
    rounded = {**HOFFMANN, "alpha": 0.34, "beta": 0.28}
    ratio = sizing.allocate(rounded, 5.76e23)[0] / sizing.allocate(HOFFMANN, 5.76e23)[0]
    assert ratio - 1 == pytest.approx(-0.20, abs=0.05)


def test_predicted_losses():
    # Epoch's fit: Chinchilla (70B, 1.4T) 1.973; Gopher (280B, 300B) 1.999
    assert sizing.loss_at(EPOCH, 70e9, 1.4e12) == pytest.approx(1.973, abs=2e-3)
    assert sizing.loss_at(EPOCH, 280e9, 300e9) == pytest.approx(1.999, abs=2e-3)
    assert sizing.gpt3_loss(EPOCH) == pytest.approx(sizing.loss_at(EPOCH, 175e9, 300e9))


def test_compute_for_loss_inverts_the_frontier():
    c = np.array([1e21, 5.76e23, 1e26])
    n, d = sizing.allocate(EPOCH, c)
    loss = sizing.loss_at(EPOCH, n, d)
    c2, n2, d2 = sizing.compute_for_loss(EPOCH, loss)
    assert c2 == pytest.approx(c, rel=1e-9) and n2 == pytest.approx(n, rel=1e-9) and d2 == pytest.approx(d, rel=1e-9)
    # the frontier is optimal: other splits of the same compute lose more
    for f in (0.5, 2.0):
        assert sizing.loss_at(EPOCH, n[1] * f, d[1] / f) > loss[1]
    assert np.isnan(sizing.compute_for_loss(EPOCH, 1.5)[0])


def test_tokens_for_loss_inverts_loss_at():
    d = sizing.tokens_for_loss(EPOCH, 70e9, 2.0)
    assert sizing.loss_at(EPOCH, 70e9, d) == pytest.approx(2.0, rel=1e-12)
    assert np.isnan(sizing.tokens_for_loss(EPOCH, 1e6, 2.0))  # parameter term alone exceeds the gap


def test_building_blocks_take_draws():
    draws = pd.DataFrame([EPOCH, HOFFMANN, {**EPOCH, "E": 2.0}])
    n, d = sizing.allocate(draws, 5.76e23)
    assert n.shape == (3,) and n[0] == pytest.approx(sizing.allocate(EPOCH, 5.76e23)[0])
    c, n, d = sizing.compute_for_loss({k: draws[k].to_numpy() for k in draws}, 1.95)
    assert np.isfinite(c[:2]).all() and np.isnan(c[2])  # 1.95 is below the third draw's E
    with pytest.raises(ScalingError, match="lack 'beta'"):
        sizing.allocate({k: v for k, v in EPOCH.items() if k != "beta"}, 1e23)


@pytest.fixture(scope="module")
def make_fit(shipped):
    """A real FitResult with Epoch's parameters (and the given draws) in place of the shipped ones."""
    def make(draws=None, params=EPOCH, law="chinchilla", settings=None, data_range=None):
        return dataclasses.replace(shipped, law=law, params=dict(params), draws=draws,
                                   settings=dict(shipped.settings if settings is None else settings),
                                   data_range=dict(shipped.data_range if data_range is None else data_range))
    return make


def test_optimal_point_and_intervals(make_fit):
    rng = np.random.default_rng(0)
    draws = pd.DataFrame({k: v * (1 + 0.01 * rng.standard_normal(500)) for k, v in EPOCH.items()})
    res = sizing.optimal(make_fit(draws), compute_flops=5.76e23, level=0.9)
    s = res.summary()
    assert s.loc["n_params", "value"] == pytest.approx(72.4e9, rel=0.01)
    assert s.loc["n_params", "lower"] < 72.4e9 < s.loc["n_params", "upper"]
    assert set(s.index) >= {"n_params", "n_tokens", "tokens_per_param", "loss", "compute_flops"}
    assert res.summary(0.5).loc["n_params", "upper"] < s.loc["n_params", "upper"]
    d = res.to_dict()
    assert d["quantities"]["n_tokens"]["value"] == pytest.approx(1.33e12, rel=0.01)
    json.dumps(d)
    with pytest.raises(Exception):
        res.level = 0.5  # frozen


def test_optimal_target_loss_and_gpt3(make_fit):
    res = sizing.optimal(make_fit(), target_loss=2.0)
    assert res.point["loss"] == pytest.approx(2.0) and res.draws is None
    g = sizing.optimal(make_fit(), target="gpt3")
    assert g.point["target_loss"] == pytest.approx(sizing.gpt3_loss(EPOCH))
    assert g.point["loss"] == pytest.approx(g.point["target_loss"])
    # GPT-3's own run spent 6 * 175e9 * 300e9 FLOPs; the compute-optimal run reaching its loss needs less
    assert g.point["compute_flops"] < 6 * 175e9 * 300e9


def test_unreachable_target_names_e(make_fit):
    with pytest.raises(ScalingError, match=r"target loss 1.7 is unreachable.*E = 1.8169"):
        sizing.optimal(make_fit(), target_loss=1.7)


@pytest.mark.parametrize("kwargs,match", [
    (dict(), "exactly one"),
    (dict(compute_flops=1e23, target_loss=2.0), "exactly one"),
    (dict(compute_flops=-1.0), r"compute_flops must be a finite number in \[1e\+12, 1e\+32\]"),
    (dict(compute_flops=10**400), "integer of 401 digits"),
    (dict(compute_flops=1), "got 1.0"),  # would be N = 0.045 parameters
    (dict(compute_flops=True), "got bool True"),
    (dict(compute_flops="1e23"), "real number"),
    (dict(compute_flops=np.array([1e23, 1e24])), "real number"),
    (dict(compute_flops=math.inf), "finite"),
    (dict(target_loss=1e300), "target_loss must be a finite number"),  # would be N = 0
    (dict(target_loss=math.nan), "target_loss must be a finite number"),
    (dict(target_loss=2.0, inference_tokens=-1.0), "inference_tokens"),
    (dict(target_loss=2.0, inference_tokens=1e300), "inference_tokens"),
    (dict(target="gpt4"), "unknown target 'gpt4'"),
    (dict(compute_flops=1e23, level=90), "level"),
])
def test_optimal_bad_queries(make_fit, kwargs, match):
    with pytest.raises(ScalingError, match=match):
        sizing.optimal(make_fit(), **kwargs)


def test_optimal_refuses_what_is_not_a_result():
    with pytest.raises(ScalingError, match="dict"):
        sizing.optimal(dict(EPOCH), compute_flops=1e23)


def test_kaplan_is_answered_by_the_generic_numerics(make_fit):
    kaplan = dict(N_c=8.8e13, D_c=5.4e13, alpha_N=0.076, alpha_D=0.095)
    rng = np.random.default_rng(1)
    draws = pd.DataFrame({k: v * (1 + 0.01 * rng.standard_normal(50)) for k, v in kaplan.items()})
    res = sizing.optimal(make_fit(draws, params=kaplan, law="kaplan"), compute_flops=1e23)
    p = res.point
    assert 6 * p["n_params"] * p["n_tokens"] == pytest.approx(1e23, rel=1e-9)
    for f in (0.9, 1.1):  # the answer is the minimum along 6ND = C
        assert sizing.loss_at(kaplan, p["n_params"] * f, p["n_tokens"] / f, law="kaplan") > p["loss"]
    s = res.summary()
    assert s.loc["n_params", "lower"] < p["n_params"] < s.loc["n_params", "upper"]
    back = sizing.optimal(make_fit(params=kaplan, law="kaplan"), target_loss=p["loss"])
    assert back.point["compute_flops"] == pytest.approx(1e23, rel=1e-6)


def test_loss_just_above_e_reports_unreachable_draws(shipped):
    # E = 1.8172: about half the bootstrap draws have E above the target and cannot reach it
    res = sizing.optimal(shipped, target_loss=1.8173)
    s = res.summary()
    assert 0 < res.n_unreachable < len(shipped.draws)
    assert s.attrs["n_unreachable"] == res.n_unreachable
    for q in ("n_params", "n_tokens", "compute_flops"):
        assert s.loc[q, "lower"] <= s.loc[q, "value"] <= s.loc[q, "upper"]
        assert s.loc[q, "upper"] == math.inf  # an end among the draws that cannot answer
    codes = [w.code for w in res.warnings()]
    assert "unreachable_draws" in codes and "extrapolation" in codes  # N ~ 2e20 > 1e16
    assert all(isinstance(w, ScalingWarning) for w in res.warnings())
    d = res.to_dict()
    assert d["n_unreachable"] == res.n_unreachable and d["quantities"]["compute_flops"]["upper"] == math.inf
    assert "unbounded" in res.report() and str(res.n_unreachable) in res.report()


def test_warnings_carry_the_fits_and_flag_extrapolation(make_fit, shipped):
    unknown = dataclasses.replace(make_fit(data_range={}), data_sha256="")  # no span, data unknown
    res = sizing.optimal(unknown, compute_flops=5.76e23)
    assert [w.code for w in res.warnings()] == [w.code for w in make_fit().warnings()]
    assert res.extrapolation() == {} and "unknown" in res.extrapolation_line()
    rng = dict(n_params_min=7e7, n_params_max=1.6e10, n_tokens_min=5e9, n_tokens_max=5e11)
    fit = make_fit(data_range=rng)
    near = sizing.optimal(fit, compute_flops=5.76e23)  # N 7e10 < 10 x 1.6e10, D 1.3e12 < 10 x 5e11
    assert "extrapolation" not in [w.code for w in near.warnings()]
    far = sizing.optimal(fit, compute_flops=1e27)
    msgs = [w.message for w in far.warnings() if w.code == "extrapolation"]
    assert len(msgs) == 2 and "above the largest N" in msgs[0] and "above the largest D" in msgs[1]
    small = sizing.optimal(fit, compute_flops=1e13)
    assert any("below the smallest N" in w.message for w in small.warnings())


def test_budget_paying_for_inference(make_fit):
    T = 1e13
    res = sizing.optimal(make_fit(), compute_flops=5.76e23, inference_tokens=T)
    p = res.point
    assert p["total_flops"] == pytest.approx(5.76e23, rel=1e-12)
    assert p["compute_flops"] + 2 * p["n_params"] * T == pytest.approx(5.76e23, rel=1e-12)
    n0, _ = sizing.allocate(EPOCH, 5.76e23)
    assert p["n_params"] < n0  # serving costs favour a smaller model
    n, d = p["n_params"], p["n_tokens"]
    for f in (0.95, 1.05):  # the answer is the least loss within the budget
        n2 = n * f
        assert sizing.loss_at(EPOCH, n2, (5.76e23 - 2 * n2 * T) / (6 * n2)) > p["loss"]
    zero = sizing.optimal(make_fit(), compute_flops=5.76e23, inference_tokens=0.0)
    assert zero.point["n_params"] == pytest.approx(n0, rel=1e-9)


def test_inference_aware_sizing(make_fit):
    c0, n0, d0 = sizing.compute_for_loss(EPOCH, 2.0)
    total, n, d = sizing.min_cost_for_loss(EPOCH, 2.0, 0.0)
    assert total == pytest.approx(c0, rel=1e-6) and n == pytest.approx(n0, rel=1e-3)
    T = 2e13
    total, n, d = sizing.min_cost_for_loss(EPOCH, 2.0, T)
    assert n < n0 and d > d0  # serving traffic favours smaller models trained longer
    assert sizing.loss_at(EPOCH, n, d) == pytest.approx(2.0, rel=1e-9)
    assert total <= c0 + 2 * n0 * T
    res = sizing.optimal(make_fit(), target_loss=2.0, inference_tokens=T)
    assert res.point["total_flops"] == pytest.approx(total, rel=1e-9)


def test_optimal_with_shipped_fit(shipped):
    res = sizing.optimal(shipped, compute_flops=5.76e23, level=0.9)
    s = res.summary()
    # our grid fit (not Epoch's MLE) gives N about 73B; Epoch's 72.4B lies inside the interval
    assert s.loc["n_params", "value"] == pytest.approx(72.4e9, rel=0.03)
    assert s.loc["n_params", "lower"] < 72.4e9 < s.loc["n_params", "upper"]
    assert len(res.draws) == 4000


def test_cli_optimal_compute():
    res = CliRunner().invoke(main, ["optimal", "--compute", "5.76e23"])
    assert res.exit_code == 0, res.output
    assert "N (parameters)" in res.output and "D (tokens)" in res.output and "lower 90%" in res.output


def test_cli_optimal_gpt3_json():
    res = CliRunner().invoke(main, ["optimal", "--target", "gpt3", "--json"])
    assert res.exit_code == 0, res.output
    q = json.loads(res.stdout)["quantities"]
    assert q["target_loss"]["value"] == pytest.approx(q["loss"]["value"])
    assert q["compute_flops"]["lower"] < q["compute_flops"]["value"] < q["compute_flops"]["upper"]


@pytest.mark.parametrize("args,match", [
    (["optimal", "--loss", "1.5"], "unreachable"),
    (["optimal", "--compute", "1e23", "--fit", str(DATA / "fit_v0_chinchilla.json")], "schema version 0"),
    (["optimal", "--compute", "1e23", "--fit", "no/such.json"], "does not exist"),
])
def test_cli_optimal_errors(args, match):
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2, res.output
    assert match in res.output and "\n" not in res.output.strip()


def test_cli_optimal_needs_one_query():
    res = CliRunner().invoke(main, ["optimal"])
    assert res.exit_code == 2
