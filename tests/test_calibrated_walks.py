"""The calibrated walks' study (validation/calibrated_walks.py): what ships is what its rule chose,
the calibrated-model probability of the coverage goal is right, and the candidates use only the
data before their cut-off."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, load_validation_script
from scaling.hardware import evaluation
from scaling.hardware.evaluation import load_evaluation
from scaling.hardware.evaluation_report import GOAL50, GOAL90, verdict

RESULTS = ROOT / "validation" / "results"


@pytest.fixture(scope="module")
def study():
    return load_validation_script("calibrated_walks")


def test_the_shipped_walks_are_what_the_rule_chose(study):
    """For each target with a shipped walk, the saved evaluation's verdict on the calibrated version
    decides the spread the main job fits: calibrated where it beat the best shippable baseline (the
    GPU clouds' prices today), the rule's spread elsewhere."""
    from scaling.pipeline.config import WALKS

    spread = {(kw.get("series"), kw.get("metric"), kw.get("precision", "tensor16")): kw.get("spread", "rule")
              for kw in WALKS.values()}
    checked = 0
    for _, name, target, default in study.TARGETS:
        key = (target.get("series"), target.get("metric"), target.get("precision", "tensor16"))
        if key not in spread:
            continue  # hyperscaler prices: the rw walk (random_walk.py); the pooled trend: no walk
        res = load_evaluation(RESULTS / name)
        v = verdict(res, f"{default}-cal", include_unconverged=True, baselines=study.SHIPPABLE)
        assert spread[key] == ("calibrated" if v["beats"] else "rule"), name
        checked += 1
    assert checked == 5
    assert spread[("gpu-cloud-on-demand", None, "tensor16")] == "calibrated"


def test_probability_a_calibrated_model_meets_the_goal_matches_simulation(study):
    """p_goal's exact sum against 200,000 simulated multinomial test sets (inside 50%, inside 90%
    only, outside: 0.5, 0.4, 0.1)."""
    rng = np.random.default_rng(0)
    for n in (9, 29, 52):
        counts = rng.multinomial(n, [0.5, 0.4, 0.1], size=200_000)
        c50, c90 = counts[:, 0] / n, (counts[:, 0] + counts[:, 1]) / n
        ok = ((c90 >= GOAL90[0]) & (c90 <= GOAL90[1]) & (c50 >= GOAL50[0]) & (c50 <= GOAL50[1])).mean()
        assert study.p_goal(n) == pytest.approx(ok, abs=0.005), n
    assert study.p_goal(4) == 0.0  # 4 of 4 covered is 100%, 3 of 4 is 75%: never in 80-97%


def test_a_calibrated_candidate_sees_only_the_data_before_its_cut_off(monkeypatch):
    """Changing every price dated after the cut-off leaves epoch-cal's estimate (k, nu) and its
    predictive quantiles of the unchanged later prices as they were."""
    from scaling.hardware import evaluation as ev

    cut = "2024-01-01"
    first = ev.evaluate("gpu-cloud-on-demand", cutoffs=[cut], models="epoch-cal", seed=1, n_draws=2000)
    real = ev._target

    def shifted(*args, **kw):
        t = real(*args, **kw)
        pop = t.population.copy()
        later = pop["date"] >= pd.Timestamp(cut)
        pop.loc[later, "log10_value"] = pop.loc[later, "log10_value"] + 1.0
        return ev._Target(t.label, t.series, t.metric, t.precision, pop)

    monkeypatch.setattr(ev, "_target", shifted)
    second = ev.evaluate("gpu-cloud-on-demand", cutoffs=[cut], models="epoch-cal", seed=1, n_draws=2000)
    a, b = first.fits.iloc[0], second.fits.iloc[0]
    assert float(a["spread_k"]) == float(b["spread_k"]) and float(a["spread_nu"]) == float(b["spread_nu"])
    qa = first.test_rows()[["q05", "q50", "q95"]].to_numpy()
    qb = second.test_rows()[["q05", "q50", "q95"]].to_numpy()
    np.testing.assert_array_equal(qa, qb)
    assert not np.allclose(first.test_rows()["crps"], second.test_rows()["crps"])  # the prices did move


def test_unknown_cal_model_names_are_refused():
    with pytest.raises(Exception, match="unknown model 'walk-cal'.*rw-cal, epoch-cal"):
        evaluation.evaluate("gpu-cloud-on-demand", cutoffs=["2024-01-01"], models="walk-cal")


def test_shared_walk_probability_is_the_independent_one_without_a_walk(study):
    """With no walk (omega 0) and a fixed drift the later observations are independent, and the
    simulated probability of meeting the goal is p_goal's exact one; the hyperscaler walk's shared
    path makes it much smaller than that."""
    import dataclasses

    res = load_evaluation(RESULTS / "trend_calibration_flops_per_usd_tensor16.csv")
    fits = res.fits.copy()
    fits.loc[fits["model"] == "rw", "walk_scale"] = 0.0
    flat = dataclasses.replace(res, fits=fits)
    n = int((flat.test_rows(include_unconverged=True)["model"] == "rw").sum())
    assert n == 9
    assert study.p_goal_shared(flat, "rw", n_rep=4000, seed=1) == pytest.approx(study.p_goal(n), abs=0.025)
    hyper = load_evaluation(RESULTS / "evaluation_hyperscaler.csv.gz")
    assert study.p_goal_shared(hyper, "rw", n_rep=1000, seed=1) < 0.8 < study.p_goal(447)
