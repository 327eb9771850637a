"""Capability laws (issue 22): recovery, intervals, files, errors, the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scaling import capability
from scaling.capability.sigmoid import log10_compute_for, mean_accuracy
from scaling.cli import main
from scaling.datasets import load_capability
from scaling.errors import ScalingError

TRUE = {"midpoint": 23.0, "slope": 1.5, "ceiling": 0.85, "tau": 0.4, "sigma": 0.015}


def synthetic(seed: int = 1, n_families: int = 12, per_family: int = 6) -> tuple[pd.DataFrame, dict]:
    """Models from a known sigmoid law with family offsets (chance 0.25, as MMLU)."""
    rng = np.random.default_rng(seed)
    offsets = {f"fam{k}": float(rng.normal(0, TRUE["tau"])) for k in range(n_families)}
    rows = []
    for fam, u in offsets.items():
        for x in np.sort(rng.uniform(20.5, 24.5, per_family)):
            acc = mean_accuracy(x, 0.25, TRUE["midpoint"], TRUE["slope"], TRUE["ceiling"], u)
            rows.append({"model": f"{fam}-{x:.2f}", "family": fam, "compute_flops": 10**x,
                         "mmlu": float(np.clip(acc + rng.normal(0, TRUE["sigma"]), 0, 1))})
    return pd.DataFrame(rows), offsets


@pytest.fixture(scope="module")
def synth_fit():
    models, offsets = synthetic()
    return capability.fit(models, "MMLU", companions=(), bootstrap=60, seed=3), models, offsets


@pytest.fixture(scope="module")
def shipped_fit():
    return capability.fit_shipped("MMLU", bootstrap=60, seed=0)


def test_the_law_inverts():
    x = np.array([21.0, 23.0, 25.0])
    acc = mean_accuracy(x, 0.25, 23.0, 1.5, 0.9, 0.2)
    assert np.allclose(log10_compute_for(acc, 0.25, 23.0, 1.5, 0.9, 0.2), x)
    assert np.isnan(log10_compute_for(0.95, 0.25, 23.0, 1.5, 0.9))  # above the ceiling: never reached
    assert log10_compute_for(0.2, 0.25, 23.0, 1.5, 0.9) == -np.inf


def test_fit_recovers_synthetic_parameters(synth_fit):
    fit, _, offsets = synth_fit
    p = fit.params
    assert p["midpoint"] == pytest.approx(TRUE["midpoint"], abs=0.3)
    assert p["slope"] == pytest.approx(TRUE["slope"], rel=0.25)
    assert p["ceiling"] == pytest.approx(TRUE["ceiling"], abs=0.05)
    assert p["sigma"] == pytest.approx(TRUE["sigma"], rel=0.4)
    assert 0.5 * TRUE["tau"] < p["tau"] < 2 * TRUE["tau"]
    est = np.array([p[f"offset[{f}]"] for f in offsets])
    assert np.corrcoef(est, list(offsets.values()))[0, 1] > 0.9
    s = fit.summary()
    assert list(s.columns[:3]) == ["value", "lower", "upper"]
    assert (s["lower"] <= s["value"] + 1e-9).all() and (s["value"] <= s["upper"] + 1e-9).all()


def test_predict_shapes_and_an_unseen_family_is_wider(synth_fit):
    fit, _, _ = synth_fit
    frame = pd.DataFrame({"compute_flops": [1e23, 1e23, 1e23], "family": ["fam0", "somebody-new", None]})
    point = fit.predict(frame)
    assert point.shape == (3,) and np.all((point > 0.25) & (point < 0.85))
    p = fit.predict(frame, level=0.9)
    assert list(p.columns[-4:]) == ["median", "lower", "upper", "seen_family"]
    assert (p["lower"] <= p["median"]).all() and (p["median"] <= p["upper"]).all()
    width = p["upper"] - p["lower"]
    assert p["seen_family"].tolist() == [True, False, False]
    assert width[1] > 1.5 * width[0] and width[2] > 1.5 * width[0]
    curve = fit.predict(frame, level=0.9, interval="curve")
    assert (curve["upper"] - curve["lower"])[0] < width[0]  # residual scatter widens a new model's interval
    assert fit.predict({"n_params": [1e10], "n_tokens": [1e23 / 6e10]})[0] == pytest.approx(point[1])


def test_target_by_family_and_unreachable_scores(synth_fit):
    fit, _, offsets = synth_fit
    t = fit.target(0.5)
    assert t["family"].iloc[0] == capability.NEW_FAMILY and len(t) == 1 + len(offsets)
    assert (t["lower"] <= t["median"]).all() and (t["median"] <= t["upper"]).all()
    best = max(offsets, key=offsets.get)
    row = t.set_index("family").loc[best]
    assert row["median"] < t["median"].iloc[0]  # the most efficient family needs less compute
    # the curve at the target compute gives back the score
    back = fit.predict({"compute_flops": [row["median"]], "family": [best]})[0]
    assert back == pytest.approx(0.5, abs=0.03)
    high = fit.target(0.99, family=[capability.NEW_FAMILY])
    assert high["unreachable_draws"].iloc[0] > 0 and np.isinf(high["upper"].iloc[0])
    with pytest.raises(ScalingError, match="score"):
        fit.target(0.2)  # below chance


def test_save_load_round_trip(synth_fit, tmp_path):
    fit, _, _ = synth_fit
    path = fit.save(tmp_path / "cap.json")
    back = capability.load(path)
    assert back.params == fit.params and back.families == fit.families and back.seed == fit.seed
    frame = pd.DataFrame({"compute_flops": [1e21, 1e24], "family": ["fam1", None]})
    pd.testing.assert_frame_equal(back.predict(frame, level=0.9), fit.predict(frame, level=0.9))
    meta = json.loads(path.read_text())
    for key in ("schema", "schema_version", "scaling_version", "created", "data_sha256", "settings", "seed"):
        assert key in meta
    meta["params"]["slope"] = None
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(meta))
    with pytest.raises(ScalingError, match="slope"):
        capability.load(bad)
    (tmp_path / "other.json").write_text(json.dumps({"schema": "scaling.fit"}))
    with pytest.raises(ScalingError, match="capability"):
        capability.load(tmp_path / "other.json")
    with pytest.raises(FileNotFoundError):
        capability.load(tmp_path / "missing.json")


@pytest.mark.parametrize("change, pattern", [
    (lambda m: m.assign(mmlu=m["mmlu"] + 1.0), "accuracies must lie in"),
    (lambda m: m.assign(compute_flops=-m["compute_flops"]), "training compute"),
    (lambda m: m.assign(mmlu="high"), "not a number"),
    (lambda m: m.drop(columns="mmlu"), "no column 'mmlu'"),
    (lambda m: m.head(3), "at least 5"),
    (lambda m: m.to_dict(), "DataFrame"),
])
def test_bad_input_is_a_scaling_error(change, pattern):
    models, _ = synthetic()
    with pytest.raises(ScalingError, match=pattern):
        capability.fit(change(models), "MMLU", bootstrap=0, companions=())


def test_bad_options_are_scaling_errors(synth_fit):
    fit, models, _ = synth_fit
    for kwargs, pattern in [({"benchmark": "MMLU-Pro"}, "unknown benchmark"), ({"law": "linear"}, "unknown law"),
                            ({"method": "mcmc"}, "unknown method"), ({"terms": ("size",)}, "unknown term"),
                            ({"bootstrap": -1}, "bootstrap"), ({"law": "observational", "method": "bayes"}, "lsq")]:
        with pytest.raises(ScalingError, match=pattern):
            capability.fit(models, **{"benchmark": "MMLU", "bootstrap": 0, **kwargs})
    with pytest.raises(ScalingError, match="no draws"):
        capability.fit(models, "MMLU", bootstrap=0, companions=()).predict({"compute_flops": [1e22]}, level=0.9)
    with pytest.raises(ScalingError, match="compute"):
        fit.predict({"compute_flops": [0.0]})
    with pytest.raises(ScalingError, match="interval"):
        fit.predict({"compute_flops": [1e22]}, level=0.9, interval="band")


def test_shipped_fit_gpt3_and_warnings(shipped_fit):
    fit = shipped_fit
    assert fit.data_range["n_models"] == 77  # GPT-3's reference row is left out
    assert fit.settings["companions"] == ["arc_c", "hellaswag", "winogrande", "gsm8k"]
    gpt3 = fit.predict(pd.DataFrame({"compute_flops": [3.14e23]}), level=0.9)
    assert gpt3["lower"][0] < 0.439 < gpt3["upper"][0]
    codes = {w.code for w in fit.warnings(compute_flops=1e25)}
    assert {"few_family_models", "extrapolation", "few_draws"} <= codes
    far = [w.message for w in fit.warnings(compute_flops=1e25) if w.code == "extrapolation"][0]
    assert "2.1 decades above" in far
    assert not any(w.code == "extrapolation" for w in fit.warnings(compute_flops=1e22))


def test_joint_fit_is_one_fit_per_benchmark():
    models = load_capability()
    joint = capability.fit_benchmarks(models, ("mmlu", "arc_c"), bootstrap=0)
    alone = capability.fit(models, "ARC-C", companions=("mmlu", "arc_c"), bootstrap=0)
    assert joint["arc_c"].benchmark == "arc_c"
    for key in ("midpoint", "slope", "ceiling", "tau", "offset[Phi]"):
        assert joint["arc_c"].params[key] == pytest.approx(alone.params[key], rel=1e-6)


def test_pooled_and_observational_laws():
    models = load_capability()
    pooled = capability.fit(models, "HellaSwag", family_effects=False, bootstrap=20)
    assert not any(k.startswith("offset[") for k in pooled.params) and pooled.families == {}
    obs = capability.fit(models, "MMLU", law="observational", bootstrap=20)
    assert obs.params["pc_slope"] > 0 and obs.settings["pca"]["variance_share"] > 0.5
    p = obs.predict(pd.DataFrame({"compute_flops": [1e22, 1e22], "family": ["Phi", "OPT"]}), level=0.9)
    assert p["median"][0] > p["median"][1]  # Phi is the more efficient family
    t = obs.target(0.439, family=[capability.NEW_FAMILY, "Phi"])
    assert t["median"].iloc[1] < t["median"].iloc[0]


def test_terms_need_their_columns():
    models = load_capability()
    fit = capability.fit(models, "MMLU", terms=("tokens_per_param",), bootstrap=0)
    assert "beta_tokens_per_param" in fit.params
    with pytest.raises(ScalingError, match="n_params"):
        fit.predict({"compute_flops": [1e23]})
    ok = fit.predict({"n_params": [7e9], "n_tokens": [2e12]})
    assert 0.25 <= ok[0] <= 1



def test_tokens_per_param_term_recovers_its_coefficient():
    """The term of validation's chosen law: acc = law(log10 C + beta log10(D/N/20)) with known beta."""
    rng = np.random.default_rng(5)
    beta, rows = 0.5, []
    for k in range(10):
        u = float(rng.normal(0, 0.3))
        for x in rng.uniform(20.5, 24.5, 6):
            ratio = 10 ** rng.uniform(0.0, 2.5)  # 1 to 300 tokens per parameter
            n_params = math.sqrt(10**x / 6 / ratio)
            w = math.log10(ratio / 20)
            acc = mean_accuracy(x, 0.25, TRUE["midpoint"], TRUE["slope"], TRUE["ceiling"], u, beta * w)
            rows.append({"model": f"f{k}-{x:.2f}", "family": f"f{k}", "n_params": n_params,
                         "n_tokens": ratio * n_params, "mmlu": float(np.clip(acc + rng.normal(0, 0.015), 0, 1))})
    fit = capability.fit(pd.DataFrame(rows), "MMLU", terms=("tokens_per_param",), companions=(), bootstrap=0)
    assert fit.params["beta_tokens_per_param"] == pytest.approx(beta, abs=0.15)
    assert fit.params["midpoint"] == pytest.approx(TRUE["midpoint"], abs=0.3)


def test_ceiling_prior_pulls_the_ceiling_and_is_checked(synth_fit):
    _, models, _ = synth_fit
    low = models[models["compute_flops"] < 10**22.5]  # below the midpoint: the ceiling rests on the prior
    free = capability.fit(low, "MMLU", companions=(), bootstrap=0)
    near_one = capability.fit(low, "MMLU", companions=(), bootstrap=0, ceiling_prior=(4.0, 0.3))
    assert near_one.params["ceiling"] > free.params["ceiling"]
    assert near_one.params["ceiling"] > 0.93
    assert near_one.settings["ceiling_prior"] == [4.0, 0.3] and "ceiling_prior" not in free.settings
    for bad in [(2.0, 0.0), (float("nan"), 1.0), 3.0, "wide"]:
        with pytest.raises(ScalingError, match="ceiling_prior"):
            capability.fit(models, "MMLU", companions=(), bootstrap=0, ceiling_prior=bad)
    with pytest.raises(ScalingError, match="ceiling_prior"):
        capability.fit(models, "MMLU", law="observational", bootstrap=0, ceiling_prior=(4.0, 0.5))

# --- the command line ------------------------------------------------------------------
@pytest.fixture()
def in_tmp(tmp_path, monkeypatch, synth_fit):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fits").mkdir()
    return tmp_path


def test_cli_fit_predict_target_exit_codes(in_tmp, shipped_fit):
    shipped_fit.save(in_tmp / "fits" / "capability_mmlu.json")
    run = CliRunner().invoke
    r = run(main, ["capability", "predict", "--compute", "1e24", "--benchmark", "MMLU"])
    assert r.exit_code == 0, r.output
    assert "warning:" in r.stderr and "extrapolation" not in r.stdout and "%" in r.stdout
    r = run(main, ["capability", "predict", "--compute", "1e22", "--family", "Phi", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["seen_family"] is True
    r = run(main, ["capability", "target", "--score", "0.439"])
    assert r.exit_code == 0 and "(new family)" in r.stdout and "Phi" in r.stdout
    r = run(main, ["capability", "target", "--score", "0.439", "--family", "Llama-2", "--json"])
    assert r.exit_code == 0 and [t["family"] for t in json.loads(r.stdout)["targets"]] == ["(new family)", "Llama-2"]
    for bad in (["capability", "predict", "--compute", "-1"], ["capability", "target", "--score", "0.1"],
                ["capability", "predict", "--compute", "1e22", "--benchmark", "MMLU-Pro"],
                ["capability", "predict", "--compute", "1e22", "--fit", "missing.json"],
                ["capability", "predict"], ["capability", "nonsense"]):
        r = run(main, bad)
        assert r.exit_code == 2, (bad, r.output)
        assert r.stderr.strip().splitlines()[-1].startswith("error:")


@pytest.mark.slow
def test_cli_fit_writes_a_loadable_file(in_tmp):
    r = CliRunner().invoke(main, ["capability", "fit", "--benchmark", "GSM8K", "--bootstrap", "20", "-o", "g.json"])
    assert r.exit_code == 0, r.output
    fit = capability.load(in_tmp / "g.json")
    assert fit.benchmark == "gsm8k" and len(fit.draws) == 20


@pytest.mark.slow
def test_bayes_fit_shares_the_contract(tmp_path):
    models, _ = synthetic(n_families=6, per_family=5)
    fit = capability.fit(models, "MMLU", method="bayes", companions=(), draws=300, tune=300, chains=2, seed=2)
    assert fit.method == "bayes" and len(fit.draws) == 600
    assert fit.params["midpoint"] == pytest.approx(TRUE["midpoint"], abs=0.5)
    p = fit.predict(pd.DataFrame({"compute_flops": [1e23], "family": ["fam0"]}), level=0.9)
    assert p["lower"][0] < p["median"][0] < p["upper"][0]
    back = capability.load(fit.save(tmp_path / "b.json"))
    assert back.method == "bayes" and back.params == fit.params


def test_bayes_fit_takes_sampler_settings_or_the_keywords(monkeypatch):
    """capability.fit resolves the sampler's settings as scaling.bayes.fit does (SamplerSettings.resolve)."""
    from scaling.bayes import SamplerSettings
    from scaling.capability import bayes_model

    seen = {}

    def record(d, chance, *, seed, prior, sampler, progress):
        seen.update(sampler=sampler, progress=progress)
        raise RuntimeError("recorded")

    monkeypatch.setattr(bayes_model, "fit_bayes", record)
    models, _ = synthetic(n_families=6, per_family=5)
    chosen = SamplerSettings("pymc", draws=50, tune=20, chains=3, target_accept=0.95)
    for kwargs in ({"sampler": chosen}, {"sampler": "pymc", "draws": 50, "tune": 20, "chains": 3, "target_accept": 0.95}):
        with pytest.raises(RuntimeError, match="recorded"):
            capability.fit(models, "MMLU", method="bayes", companions=(), **kwargs)
        assert seen["sampler"] == chosen and seen["progress"] is False
    with pytest.raises(RuntimeError, match="recorded"):
        capability.fit_benchmarks(models, ("mmlu",), method="bayes", draws=40)
    assert seen["sampler"] == SamplerSettings(draws=40)
    with pytest.raises(ScalingError, match="either as SamplerSettings or as keywords"):
        capability.fit(models, "MMLU", method="bayes", companions=(), sampler=chosen, draws=300)
    for bad in ({"draws": 5}, {"chains": 17}, {"sampler": SamplerSettings(draws=9)}, {"sampler": "gibbs"}):
        with pytest.raises(ScalingError, match="draws|chains|sampler"):
            capability.fit(models, "MMLU", method="bayes", companions=(), **bad)
    fit = capability.fit(models, "MMLU", companions=(), bootstrap=0, sampler=chosen)  # lsq: no sampler
    assert "sampler" not in fit.settings


def test_plot_capability_curve_and_cli(in_tmp, shipped_fit):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scaling import plot

    ax = plot.capability_curve(shipped_fit, families=["Phi", "OPT"])
    labels = ax.get_legend_handles_labels()[1]
    assert any(lab.startswith("Phi") for lab in labels) and any("GPT-3" in lab for lab in labels)
    assert ax.get_xscale() == "log" and ax.get_ylim() == (0, 100)
    plt.close(ax.figure)
    with pytest.raises(ScalingError, match="CapabilityFit"):
        plot.capability_curve({"midpoint": 23.0})
    with pytest.raises(ScalingError, match="families not in the data"):
        plot.capability_curve(shipped_fit, families=["nobody"])
    path = shipped_fit.save(in_tmp / "cap.json")
    r = CliRunner().invoke(main, ["plot", "capability-curve", "--fit", str(path), "-o", "cap.png"])
    assert r.exit_code == 0, r.output
    assert (in_tmp / "cap.png").stat().st_size > 10_000


@pytest.mark.parametrize("options", [{}, {"terms": ("tokens_per_param",)}, {"family_effects": False}])
def test_batched_bootstrap_equals_one_at_a_time_refits(options):
    """The batched refits (scaling.capability.bootstrap) minimise what one scipy refit per resample
    did: same resamples, draws within a small fraction of their spread, same failures."""
    from scaling.capability import sigmoid
    from scaling.capability.data import CHANCE, prepare

    models = capability._observed(load_capability())
    terms = options.get("terms", ())
    effects = options.get("family_effects", True)
    d = prepare(models, "mmlu", terms, companions=capability.COMPANIONS if effects else ())
    chance = [CHANCE[b] for b in d.benchmarks]
    point, batched, info = sigmoid.fit_lsq(d, chance, 40, 5, family_effects=effects)
    # the reference: the same picks, one scipy least_squares refit at a time
    p = sigmoid._Problem(d, np.asarray(chance), np.arange(d.accuracy.size))
    sigma0 = np.array([max(float(np.std(d.accuracy[d.bench_index == b])), 0.01) for b in range(p.B)])
    fix = None if effects else 1e-6
    theta, sigma, tau, _ = sigmoid._solve(p, sigmoid._start(d, np.asarray(chance)), sigma0,
                                          0.5 if effects else sigmoid.TAU_FLOOR, sigmoid.MAX_OUTER, fix)
    rng = np.random.default_rng(5)
    picks = np.stack([rng.integers(0, d.n_models, size=d.n_models) for _ in range(40)])
    ref_info = {}
    ref = sigmoid.refit_one_by_one(d, chance, (sigmoid.PRIOR_MEAN, sigmoid.PRIOR_SD), theta, sigma, tau, picks,
                                   fix, ref_info)
    assert set(batched) == set(ref) == set(point)
    for k in ref:
        spread = max(float(np.std(ref[k])), 1e-9)
        assert np.max(np.abs(batched[k] - ref[k])) <= 0.05 * spread, k
    assert info["bootstrap_failed"] <= ref_info["bootstrap_failed"] + 1


def test_family_date_term_moves_the_offsets_mean_with_the_era(tmp_path):
    """Third round (ii): u_f ~ N(gamma (t_f - 2023), tau^2); a fitted family is at its own era, a new
    family at the model's own date."""
    rng = np.random.default_rng(4)
    rows = []
    for k in range(14):
        year = 2019 + 0.4 * k
        u = 0.5 * (year - 2023) + rng.normal(0, 0.1)
        for x in rng.uniform(20.5, 24.5, 5):
            acc = mean_accuracy(x, 0.25, TRUE["midpoint"], TRUE["slope"], TRUE["ceiling"], u)
            rows.append({"model": f"f{k}-{x:.2f}", "family": f"f{k}", "compute_flops": 10**x,
                         "release_date": f"{int(year)}-{1 + int(12 * (year % 1)):02d}-15",
                         "mmlu": float(np.clip(acc + rng.normal(0, 0.01), 0, 1))})
    models = pd.DataFrame(rows)
    fit = capability.fit(models, "MMLU", companions=(), terms=("family_date",), bootstrap=20, seed=1)
    assert fit.params["beta_family_date"] == pytest.approx(0.5, abs=0.15)
    assert set(fit.settings["family_dates"]) == set(models["family"])
    late = pd.DataFrame({"compute_flops": [1e22, 1e22], "family": ["", ""], "release_date": ["2019-01-01", "2024-06-01"]})
    p = fit.predict(late)
    assert p[1] > p[0]  # a new family of a later era is more efficient
    seen = pd.DataFrame({"compute_flops": [1e22, 1e22], "family": ["f3", "f3"],
                         "release_date": ["2019-01-01", "2024-06-01"]})
    a, b = fit.predict(seen)
    assert a == pytest.approx(b)  # a fitted family is at its own era, whatever the row's date
    back = capability.load(fit.save(tmp_path / "era.json"))
    assert back.settings["family_dates"] == pytest.approx(fit.settings["family_dates"])
    t = back.target(0.5, family=[capability.NEW_FAMILY, "f3"], release_date="2024-01-01")
    assert np.isfinite(t["median"]).all()


def test_observational_family_slopes():
    """Third round (i): each family's own line of capability, shrunk to the population's."""
    models = load_capability()
    fit = capability.fit(models, "MMLU", law="observational", family_slopes=True, bootstrap=10, seed=0)
    assert fit.settings["family_slopes"] and fit.params["tau_slope"] > 0
    fams = [k for k in fit.params if k.startswith("offset[")]
    assert len([k for k in fit.params if k.startswith("slope_offset[")]) == len(fams)
    single = [f for f, n in fit.families.items() if n == 1]
    # one model says nothing about a family's slope: it stays near the population's
    assert all(abs(fit.params[f"slope_offset[{f}]"]) < fit.params["tau_slope"] for f in single)
    p = fit.predict(pd.DataFrame({"compute_flops": [1e21, 1e22, 1e22], "family": ["Llama-2", "Llama-2", ""]}),
                    level=0.9)
    assert p["median"][1] > p["median"][0] and not p["seen_family"][2]
    t = fit.target(0.439, family=[capability.NEW_FAMILY, "Llama-2"])
    assert t["lower"].iloc[1] <= t["median"].iloc[1]
    with pytest.raises(ScalingError, match="observational"):
        capability.fit(models, "MMLU", family_slopes=True, bootstrap=0)
