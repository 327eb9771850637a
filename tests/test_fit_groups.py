"""fit(groups=...): one law per group or shared exponents; fits record their data's path and sha256."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scaling import datasets, fitting
from scaling.errors import ScalingError
from scaling.laws import get_law

ALPHA, BETA = 0.34, 0.30
OFFSETS = {"web": dict(E=1.8, A=400.0, B=900.0), "code": dict(E=1.1, A=250.0, B=1500.0)}


def _runs(seed=0, sigma=0.004):
    rng = np.random.default_rng(seed)
    law = get_law("chinchilla")
    rows = []
    for g, off in OFFSETS.items():
        n = np.repeat(np.geomspace(5e7, 5e9, 6), 5)
        d = n * np.tile(np.geomspace(5, 80, 5), 6)
        loss = law.predict({**off, "alpha": ALPHA, "beta": BETA}, n, d) * np.exp(sigma * rng.standard_normal(n.size))
        rows.append(pd.DataFrame({"n_params": n, "n_tokens": d, "loss": loss, "group": g}))
    return pd.concat(rows, ignore_index=True)


def test_shared_exponents_recovered_with_per_group_offsets():
    res = fitting.fit(_runs(), grid="coarse", groups="shared", bootstrap=30, seed=1)
    assert list(res) == ["web", "code"]
    web, code = res["web"], res["code"]
    assert web.params["alpha"] == code.params["alpha"] and web.params["beta"] == code.params["beta"]
    assert abs(web.params["alpha"] - ALPHA) < 0.05 and abs(web.params["beta"] - BETA) < 0.05
    assert abs(web.params["E"] - 1.8) < 0.1 and abs(code.params["E"] - 1.1) < 0.1
    assert web.settings["groups"] == "shared" and web.settings["shared_params"] == ["alpha", "beta"]
    assert web.n_runs == 30 and len(web.draws) == 30
    np.testing.assert_array_equal(web.draws["alpha"], code.draws["alpha"])  # one bootstrap of the joint model
    # the joint optimum is no worse than separate fits forced to agree: its objective is at most the sum of
    # the separate fits' objectives plus the cost of sharing, and each group's prediction stays close
    for g, r in res.items():
        sub = _runs()[lambda df: df.group == g]
        assert r.diagnostics["rms_log_residual"] < 0.01
        np.testing.assert_allclose(r.predict(sub["n_params"], sub["n_tokens"]), sub["loss"], rtol=0.03)


def test_separate_groups_are_independent_fits():
    runs = _runs()
    res = fitting.fit(runs, grid="coarse", groups="separate")
    alone = fitting.fit(runs[runs.group == "code"].drop(columns="group"), grid="coarse")
    assert res["code"].params == pytest.approx(alone.params, rel=1e-6)
    assert res["code"].settings["group"] == "code"


def test_groups_bad_input():
    runs = _runs()
    with pytest.raises(ScalingError, match="unknown groups 'pooled'"):
        fitting.fit(runs, groups="pooled")
    with pytest.raises(ScalingError, match="needs a 'group' column"):
        fitting.fit(runs[runs.group == "web"].drop(columns="group"), groups="shared")
    with pytest.raises(ScalingError, match="method='huber' only"):
        fitting.fit(runs, groups="shared", method="huber-mle")


def test_fit_records_data_path_and_sha(tmp_path):
    path = tmp_path / "runs.csv"
    _runs()[lambda df: df.group == "web"].drop(columns="group").to_csv(path, index=False)
    runs = datasets.read_runs(path)
    res = fitting.fit(runs, grid="coarse")
    assert res.data_path == str(path) and res.data_sha256 == datasets.runs_sha256(runs)
    back = fitting.load_fit(res.save(tmp_path / "fit.json"))
    assert back.data_path == str(path)
    assert fitting.fit(runs.copy().iloc[:20], grid="coarse").data_path == str(path)  # a subset keeps the attrs
    assert fitting.fit(pd.DataFrame(runs.to_dict()), grid="coarse").data_path == ""
