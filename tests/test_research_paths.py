"""The researcher's paths from the shell (issue 21 part D): law names, predict, inference-aware
baselines and savings, chip-time budgets, the data-constrained hint, fit output, in-sample
published fits in compare, thin prices, and sizing sweeps."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import scaling
from scaling import budget as budgets
from scaling import datasets, fitting, laws, library, prediction, sizing
from scaling._format import plain_formula
from scaling.cli import main
from scaling.errors import ScalingError

EPOCH = dict(E=1.8169, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def shipped(root):
    return fitting.load_fit(root / "fits" / "chinchilla_lsq.json")


@pytest.fixture(scope="module")
def epoch_fit(shipped):
    """Epoch's parameters with 300 draws about them (a fit with intervals, fast to answer)."""
    rng = np.random.default_rng(1)
    draws = pd.DataFrame({k: v * (1 + 0.01 * rng.standard_normal(300)) for k, v in EPOCH.items()})
    return dataclasses.replace(shipped, params=dict(EPOCH), draws=draws)


# -- 1. law names --------------------------------------------------------------------------------
def test_scaling_laws_lists_every_registry_name():
    res = run("laws")
    assert res.exit_code == 0, res.output
    for name in [*laws.names(), *library.names()]:
        assert f"\n{name} " in res.output
    assert "rounded" in res.output and "unrounded" in res.output and "A/N^alpha" in res.output
    out = json.loads(run("laws", "--json").stdout)
    assert [f["name"] for f in out["laws"]] == laws.names()
    assert [p["name"] for p in out["published"]] == library.names()
    assert {p["name"]: p["rounded"] for p in out["published"]}["hoffmann2022"] is True
    assert out["published"][0]["params"] == library.PUBLISHED["hoffmann2022"][1]


@pytest.mark.parametrize("command,names", [
    ("optimal", library.names()), ("predict", library.names()), ("forecast", library.names()),
    ("plot", library.names()), ("fit", laws.names()), ("compare", [*laws.names(), *library.names()]),
])
def test_every_law_option_lists_the_names(command, names):
    text = " ".join(run(command, "--help").output.split())
    for name in names:
        assert name in text, (command, name)


def test_plain_formula_of_every_law():
    for name in laws.names():
        text = plain_formula(laws.get_law(name).formula)
        assert "\\" not in text and "{" not in text and text.startswith("L(N, D")
    assert plain_formula(laws.get_law("chinchilla").formula) == "L(N, D) = E + A/N^alpha + B/D^beta"


def test_sizing_reads_published_context_from_the_library():
    for name in library.names():
        span, meaning = sizing.fit_context(library.published_fit(name))
        assert span is not None and meaning
    assert library.fitted_on("kaplan2020")["n_params_max"] == 1.5e9


# -- 2. scaling predict ----------------------------------------------------------------------------
def test_predict_matches_the_law_for_a_published_fit():
    res = run("predict", "--law", "hoffmann2022-unrounded", "--n-params", "7e9,70e9", "--n-tokens", "1.4e12", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    fit = library.published_fit("hoffmann2022-unrounded")
    want = laws.get_law("chinchilla").predict(fit.params, np.array([7e9, 70e9]), 1.4e12)
    assert [p["loss"] for p in out["points"]] == pytest.approx(want.tolist(), rel=1e-12)
    assert out["intervals"] is False and out["points"][0]["lower"] is None


def test_predict_matches_the_fits_predict_with_intervals(shipped):
    res = run("predict", "--n-params", "1e9", "--n-params", "70e9", "--n-tokens", "2e10,1.4e12", "--level", "0.8",
              "--json")
    assert res.exit_code == 0, res.output
    points = json.loads(res.stdout)["points"]
    frame = shipped.predict(np.array([1e9, 70e9]), np.array([2e10, 1.4e12]), level=0.8)
    for p, (_, row) in zip(points, frame.iterrows()):
        assert p["loss"] == pytest.approx(row["median"], rel=1e-12)
        assert (p["lower"], p["upper"]) == pytest.approx((row["lower"], row["upper"]), rel=1e-9)
        assert p["lower"] < p["loss"] < p["upper"]


def test_predict_from_a_csv_with_unique_tokens(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("n_params,n_tokens,n_unique_tokens,note\n1e9,1e11,25e9,a\n2e9,4e10,4e10,b\n")
    res = run("predict", "--law", "muennighoff2023", "--data", path, "--json")
    assert res.exit_code == 0, res.output
    fit = library.published_fit("muennighoff2023")
    want = laws.get_law("data_constrained").predict(fit.params, np.array([1e9, 2e9]), np.array([1e11, 4e10]),
                                                    n_unique_tokens=np.array([25e9, 4e10]))
    assert [p["loss"] for p in json.loads(res.stdout)["points"]] == pytest.approx(want.tolist(), rel=1e-12)
    table = run("predict", "--law", "muennighoff2023", "--data", path)
    assert "U (unique tokens)" in table.stdout and "C4" in table.stdout


def test_predict_warns_of_extrapolation():
    res = run("predict", "--n-params", "1e12", "--n-tokens", "1e13")
    assert res.exit_code == 0 and "warning: N = 1e+12 is" in res.stderr and "warning: D = 1e+13" in res.stderr


@pytest.mark.parametrize("args,match", [
    (["--n-params", "abc", "--n-tokens", "1e11"], "--n-params takes numbers"),
    (["--n-params", "1e9,2e9", "--n-tokens", "1e11,2e11,3e11"], "as many n_tokens (3) as n_params (2)"),
    (["--n-params", "1e30", "--n-tokens", "1e11"], "n_params must be finite numbers in [1000, 1e+16]"),
    (["--n-params", "1e9", "--n-tokens", "-1"], "n_tokens must be finite numbers"),
    (["--n-params", "1e9"], "give the points"),
    (["--law", "muennighoff2023", "--n-params", "1e9", "--n-tokens", "1e11"], "needs the unique tokens"),
    (["--law", "muennighoff2023", "--n-params", "1e9", "--n-tokens", "1e10", "--unique-tokens", "2e10"], "at most"),
    (["--n-params", "1e9", "--n-tokens", "1e11", "--unique-tokens", "1e10"], "muennighoff2023"),
    (["--law", "nope", "--n-params", "1e9", "--n-tokens", "1e11"], "unknown law 'nope'"),
    (["--data", "{csv}"], "missing column(s) n_tokens"),
    (["--data", "{csv}", "--n-params", "1e9"], "not both"),
    (["--data", "no/such.csv"], "no/such.csv"),
])
def test_predict_errors_are_one_line_exit_2(args, match, tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("n_params,tokens\n1e9,1e11\n")
    res = run("predict", *[a.replace("{csv}", str(csv)) for a in args])
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("error: ") and match in res.stderr and res.stderr.count("\n") == 1


def test_predict_library_refuses_bad_input(shipped):
    with pytest.raises(ScalingError, match="expected a fitted loss law"):
        prediction.predict_loss(object(), 1e9, 1e10)
    with pytest.raises(ScalingError, match="must be numbers"):
        prediction.predict_loss(shipped, "1e9", 1e10)
    p = prediction.predict_loss(shipped, [1e9, 2e9], 1e10)
    assert len(p) == 2 and p.to_frame().shape == (2, 5)


# -- 3. inference-aware answers: the baseline and the saving ----------------------------------------
# Sardana et al. (2023), Figure 1: at 2e12 inference tokens, the 13B Chinchilla-optimal model's
# quality is reached by a 7B model trained longer, saving 1.7e22 FLOPs (17%).
SARDANA = dict(E=1.69, A=406.4, B=410.7, alpha=0.336, beta=0.283)


def test_baseline_and_saving_reproduce_sardana(shipped):
    fit = dataclasses.replace(shipped, params=dict(SARDANA), draws=None)
    law = laws.get_law("chinchilla")
    g = float(law.allocate(SARDANA, 6.0)[0])
    a = SARDANA["beta"] / (SARDANA["alpha"] + SARDANA["beta"])
    d13 = (13e9 / g) ** (1 / a) / 13e9  # tokens that make 13B compute-optimal
    loss = float(law.predict(SARDANA, 13e9, d13))
    p = sizing.optimal(fit, target_loss=loss, inference_tokens=2e12).point
    assert p["baseline_n_params"] == pytest.approx(13e9, rel=1e-6)
    assert p["baseline_total_flops"] == pytest.approx(6 * 13e9 * d13 + 2 * 13e9 * 2e12, rel=1e-6)
    assert p["saving_flops"] == pytest.approx(1.7e22, rel=0.03)
    assert p["saving_pct"] == pytest.approx(17.0, abs=1.0)


def test_baseline_equals_an_independent_computation_per_draw(epoch_fit):
    T = 5e12
    res = sizing.optimal(epoch_fit, compute_flops=1e24, inference_tokens=T)
    law = laws.get_law("chinchilla")
    draws = epoch_fit.draws
    loss = res.draws["loss"].to_numpy()
    e, a, b, al, be = (draws[k].to_numpy() for k in ("E", "A", "B", "alpha", "beta"))
    # compute-optimal N(C), D(C) of Hoffmann's Eq. 4, and C reaching the loss by bisection in log C
    lo, hi = np.full(loss.size, 10.0), np.full(loss.size, 80.0)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        g = (al * a / (be * b)) ** (1 / (al + be))
        n = g * (np.exp(mid) / 6) ** (be / (al + be))
        d = np.exp(mid) / (6 * n)
        above = e + a / n ** al + b / d ** be > loss
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    c_b = np.exp(0.5 * (lo + hi))
    n_b = g * (c_b / 6) ** (be / (al + be))
    np.testing.assert_allclose(res.draws["baseline_n_params"], n_b, rtol=1e-6)
    base_total = c_b + 2 * n_b * T
    np.testing.assert_allclose(res.draws["saving_flops"], base_total - res.draws["total_flops"], rtol=1e-6)
    np.testing.assert_allclose(res.draws["saving_pct"], 100 * (1 - res.draws["total_flops"] / base_total), rtol=1e-6)
    assert (res.draws["saving_flops"] > 0).all()  # the inference-aware answer is never dearer
    s = res.summary()
    assert s.loc["saving_pct", "lower"] < s.loc["saving_pct", "value"] < s.loc["saving_pct", "upper"]
    assert float(law.predict(EPOCH, res.point["baseline_n_params"], res.point["baseline_n_tokens"])) == \
        pytest.approx(res.point["loss"], rel=1e-9)


def test_baseline_and_saving_in_the_table_and_json():
    args = ["optimal", "--law", "hoffmann2022", "--loss", "2.0", "--inference-tokens", "2e12", "--hardware", "h100",
            "--usd-per-chip-hour", "2"]
    table = run(*args)
    assert table.exit_code == 0, table.output
    assert "baseline N (Chinchilla-opt.)" in table.stdout and "saving (%)" in table.stdout
    assert "saving (USD)" in table.stdout and "baseline: the Chinchilla-optimal model" in table.stdout
    q = json.loads(run(*args, "--json").stdout)["quantities"]
    assert q["saving_usd"]["value"] == pytest.approx(q["baseline_total_usd"]["value"] - q["total_usd"]["value"])
    assert q["saving_usd"]["value"] > 0 and 0 < q["saving_pct"]["value"] < 100


# -- 4. a chip-time budget stays chip time --------------------------------------------------------
def test_chip_time_budget_keeps_its_days():
    res = run("optimal", "--hardware", "h100", "--chips", "1000", "--days", "30", "--inference-tokens", "1e13", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    q = out["quantities"]
    assert out["costs"]["objective"] == "chip_hours" and out["costs"]["budget"]["converted"] is None
    assert q["total_days"]["value"] == pytest.approx(30.0, rel=1e-9)
    assert q["training_days"]["value"] + q["inference_days"]["value"] == pytest.approx(30.0, rel=1e-9)
    assert q["total_days"]["lower"] == pytest.approx(30.0) and q["total_days"]["upper"] == pytest.approx(30.0)
    text = run("optimal", "--hardware", "h100", "--chips", "1000", "--days", "30", "--inference-tokens", "1e13").stdout
    assert "budget: 1000 chips x 30 days of chip time (not converted to dollars)" in text


def test_chip_time_budget_in_chip_hours_is_the_dollar_answer_on_one_chip(shipped):
    b = budgets.from_chips("h100", chips=1000, days=30, usd_per_chip_hour=2.0)
    hours = sizing.optimal(shipped, budget=b, inference_tokens=1e13)
    dollars = sizing.optimal(shipped, budget=b, inference_tokens=1e13, objective="usd")
    assert hours.costs["objective"] == "chip_hours" and dollars.costs["objective"] == "usd"
    # one chip at one price: chip-hours and dollars weigh serving alike, so N and D agree
    assert hours.point["n_params"] == pytest.approx(dollars.point["n_params"], rel=1e-6)
    assert "converted to dollars" in dollars.costs["budget"]["converted"]
    assert any("note: the chip-time budget" in line for line in dollars.notes())


def test_chip_time_budget_served_elsewhere_says_it_was_converted():
    res = run("optimal", "--hardware", "h100", "--chips", "1000", "--days", "30", "--inference-tokens", "1e13",
              "--inference-hardware", "a100")
    assert res.exit_code == 0, res.output
    assert "note: the chip-time budget (1000 chips x 30 days) was converted to dollars" in res.stdout


# -- 5. the data-constrained hint ----------------------------------------------------------------------
def test_unique_tokens_with_another_law_names_the_data_constrained_laws():
    res = run("optimal", "--law", "hoffmann2022", "--compute", "1e22", "--unique-tokens", "1e10")
    assert res.exit_code == 2
    assert "data_constrained, data_constrained_untied" in res.stderr and "--law muennighoff2023" in res.stderr


# -- 6. scaling fit's output ---------------------------------------------------------------------------
def test_fit_prints_one_table_a_plain_formula_and_a_hint():
    res = run("fit", "--grid", "coarse")
    assert res.exit_code == 0, res.output
    assert res.stdout.count("param ") == 1 and res.stdout.count("\n  alpha ") == 1
    assert "\\frac" not in res.stdout and "L(N, D) = E + A/N^alpha + B/D^beta" in res.stdout
    assert "no intervals: add --bootstrap" in res.stdout
    boot = run("fit", "--grid", "coarse", "--bootstrap", "20")
    assert boot.exit_code == 0 and "no intervals" not in boot.stdout and "bootstrap: 20 resamples" in boot.stdout


# -- 7. in-sample published fits in compare ------------------------------------------------------------
def test_in_sample_share_of_published_fits():
    runs = datasets.load("chinchilla_runs")
    cols = [runs[c].to_numpy(float) for c in ("n_params", "n_tokens", "loss")]
    assert library.in_sample_share("hoffmann2022", *cols) == 1.0
    assert library.in_sample_share("besiroglu2024", *(c[:10] for c in cols)) == 1.0
    assert library.in_sample_share("kaplan2020", *cols) == 0.0  # its runs are not shipped
    assert library.in_sample_share("hoffmann2022", cols[0], cols[1], cols[2] * 1.01) == 0.0


@pytest.mark.slow
def test_compare_footnotes_in_sample_published_fits():
    res = run("compare", "--laws", "chinchilla", "--published", "hoffmann2022,kaplan2020", "--bootstrap", "0",
              "--schemes", "loso")
    assert res.exit_code == 0, res.output
    assert "hoffmann2022 *" in res.stdout and "kaplan2020 *" not in res.stdout
    assert "* hoffmann2022: a published fit of these very runs (100%" in res.stdout


# -- 8. a price resting on one observation -----------------------------------------------------------
def test_a_single_observation_price_warns(shipped):
    thin = sizing.optimal(shipped, budget=budgets.from_compute(1e23, hardware="h200"))
    assert thin.costs["training"]["n_price_observations"] == 1
    assert [w.code for w in thin.warnings()].count("thin_price") == 1
    assert "single observation" in " ".join(w.message for w in thin.warnings())
    for b in (budgets.from_compute(1e23, hardware="h100"), budgets.from_compute(1e23, hardware="h200",
                                                                                 usd_per_chip_hour=4.0)):
        assert "thin_price" not in [w.code for w in sizing.optimal(shipped, budget=b).warnings()]
    res = run("optimal", "--hardware", "h200", "--compute", "1e23")
    assert "warning: the training price of NVIDIA H200" in res.stderr


# -- 9. sweeps ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("axis,values,extra", [
    ("compute_flops", np.logspace(20, 26, 7), {}),
    ("compute_flops", [1e22, 1e24], {"inference_tokens": 1e12}),
    ("target_loss", np.array([1.95, 2.0, 2.2]), {}),
    ("target_loss", [2.0, 2.1], {"inference_tokens": 1e13}),
])
def test_a_sweep_equals_a_loop_of_scalar_queries(epoch_fit, axis, values, extra):
    sweep = scaling.optimal(epoch_fit, **{axis: values}, **extra)
    summ = sweep.summary()
    assert len(sweep) == len(values) and summ.shape[0] == len(values) and summ.index.name == axis
    for i, v in enumerate(values):
        one = scaling.optimal(epoch_fit, **{axis: float(v)}, **extra).summary()
        for q in one.index:
            got = [summ.loc[summ.index[i], (q, c)] for c in ("value", "lower", "upper")]
            np.testing.assert_allclose(got, one.loc[q, ["value", "lower", "upper"]].to_numpy(float), rtol=1e-9)
        assert sweep[i].query[axis] == pytest.approx(float(v))
    flat = sweep.to_frame()
    assert {"n_params", "n_params_lower", "n_params_upper"} <= set(flat.columns) and len(flat) == len(values)
    json.dumps(sweep.to_dict())


def test_a_sweep_checks_every_value(epoch_fit):
    with pytest.raises(ScalingError, match="got 1.0"):
        scaling.optimal(epoch_fit, compute_flops=[1e23, 1.0])
    with pytest.raises(ScalingError, match="unreachable"):
        scaling.optimal(epoch_fit, target_loss=[2.0, 1.5])
    with pytest.raises(ScalingError, match="not empty"):
        scaling.optimal(epoch_fit, compute_flops=np.array([]))


def test_a_sweep_without_draws_has_no_interval():
    sweep = scaling.optimal(library.published_fit("besiroglu2024"), compute_flops=[1e23, 5.76e23])
    assert sweep.summary()[("n_params", "lower")].isna().all()
    assert sweep.point["n_params"][1] == pytest.approx(72.2e9, rel=0.01)
