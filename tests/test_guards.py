"""Guards of issue 21 (part B): no non-finite answer, no memory blow-up, no plausible input with
a wrong answer and no warning, no orphan process.

One test (at least) per class of the hostile tester's report:

1. non-finite answers: a price doubling time near 0, a fit whose optimum runs off to infinity
   (never saved), sizing building blocks on budgets and sizes <= 0;
2. memory: a forecast too big for the limit is refused with its estimate before sampling; the
   objective's blocks and the bootstrap's chunks shrink to fit the limit (same numbers);
3. units: N in millions warns (code ``units``), in fits and in training costs; runs of several
   groups are refused by ``fit`` as by ``compare``;
4. size grouping does not chain sizes 8% apart into one size;
5. the cloud-price panel's worker process dies with its parent (SIGKILL, SIGTERM);
6. a loss that is no loss (1e308 nats per token) is refused.
"""

from __future__ import annotations

import dataclasses
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scaling import _checks, compare, cost, datasets, fitting, laws, objective, sizing
from scaling.cli import main
from scaling.errors import WARNING_CODES, ScalingError

ROOT = Path(__file__).resolve().parent.parent
CHIN = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def _runs(n_params, n_tokens, seed=0, sigma=0.01):
    n = np.asarray(n_params, dtype=float)
    d = np.asarray(n_tokens, dtype=float)
    rng = np.random.default_rng(seed)
    loss = laws.get_law("chinchilla").predict(CHIN, n, d) * np.exp(sigma * rng.standard_normal(n.size))
    return pd.DataFrame({"n_params": n, "n_tokens": d, "loss": loss})


def _cli(args, env=None):
    return CliRunner().invoke(main, args, catch_exceptions=True, env=env)


# -- 1. non-finite answers ----------------------------------------------------------------------
@pytest.mark.parametrize("years", ["1e-9", "0.1", "0", "1000"])
def test_price_doubling_time_outside_its_range_is_refused(years):
    res = _cli(["forecast", "--price-doubling-years", years, "--draws", "10"])
    assert res.exit_code == 2, res.output
    assert "price_doubling_years" in res.stderr and "[0.25, 100]" in res.stderr and "Traceback" not in res.stderr


def test_fit_whose_optimum_runs_to_infinity_warns_why_and_is_never_saved(tmp_path):
    n, d = np.meshgrid([1e7, 3e7, 1e8, 3e8], [1e9, 3e9, 1e10, 3e10])
    flat = pd.DataFrame({"n_params": n.ravel(), "n_tokens": d.ravel(), "loss": 3.0})
    fit = fitting.fit(flat, law="kaplan", grid=laws.get_law("kaplan").grid("coarse")[:2])  # each start diverges
    bad = [p for p, v in fit.params.items() if not math.isfinite(v)]
    assert bad  # the law's N_c, D_c run off to infinity on losses that do not fall
    msgs = [w.message for w in fit.warnings() if w.code == "param_not_finite"]
    assert len(msgs) == len(bad) and all("no optimum" in m and "cannot be saved" in m for m in msgs)
    with pytest.raises(ScalingError, match=r"not saving k\.json: parameter N_c is inf"):
        fit.save(tmp_path / "k.json")
    assert not (tmp_path / "k.json").exists()
    good = fitting.fit(_runs(np.repeat([1e8, 4e8, 1.6e9], 3), np.tile([2e9, 8e9, 3.2e10], 3)),
                       grid=laws.get_law("chinchilla").grid("coarse")[:4])
    nan = dataclasses.replace(good, params={**good.params, "E": math.nan})
    with pytest.raises(ScalingError, match=r"parameter E is nan \(allowed: a finite number\)"):
        nan.save(tmp_path / "nan.json")
    assert good.save(tmp_path / "good.json").exists() and not (tmp_path / "nan.json").exists()


@pytest.mark.parametrize("call", [
    lambda: sizing.allocate(CHIN, 0.0),
    lambda: sizing.allocate(CHIN, -1e23),
    lambda: sizing.allocate(CHIN, math.inf),
    lambda: sizing.loss_at(CHIN, 0.0, 1e9),
    lambda: sizing.loss_at(CHIN, 1e9, -5.0),
    lambda: sizing.loss_at(CHIN, math.nan, 1e9),
    lambda: sizing.tokens_for_loss(CHIN, -1.0, 2.0),
    lambda: sizing.compute_for_loss(CHIN, 0.0),
    lambda: sizing.min_cost_for_loss(CHIN, 2.0, -1.0),
])
def test_sizing_building_blocks_refuse_budgets_and_sizes_that_are_not_positive(call):
    with pytest.raises(ScalingError, match=r"must be a finite number in"):
        call()


def test_sizing_building_blocks_still_answer():
    n, d = sizing.allocate(CHIN, 1e23)
    assert n > 0 and d > 0 and np.isclose(6 * n * d, 1e23, rtol=1e-9)
    assert np.isclose(sizing.loss_at(CHIN, n, d), laws.get_law("chinchilla").predict(CHIN, n, d))


# -- 2. memory --------------------------------------------------------------------------------------
def test_memory_limit_reads_the_environment(monkeypatch):
    monkeypatch.delenv(_checks.MEMORY_ENV, raising=False)
    assert _checks.max_memory_bytes() == int(_checks.MAX_MEMORY_GB * 2**30)
    monkeypatch.setenv(_checks.MEMORY_ENV, "0.5")
    assert _checks.max_memory_bytes() == 2**29
    for bad in ("abc", "-1", "nan", "0"):
        monkeypatch.setenv(_checks.MEMORY_ENV, bad)
        with pytest.raises(ScalingError, match=_checks.MEMORY_ENV):
            _checks.max_memory_bytes()


@pytest.mark.parametrize("args, estimate", [
    (["--draws", "1000000"], "6.2 GiB"),
    (["--draws", "1000000", "--since", "2000-01-01", "--until", "2050"], "24.3 GiB"),
])
def test_forecast_too_big_for_memory_is_refused_with_its_estimate(args, estimate):
    res = _cli(["forecast", *args], env={_checks.MEMORY_ENV: None})
    assert res.exit_code == 2, res.output
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("error: a forecast of 1,000,000 draws") and estimate in last
    assert "limit of 2.0 GiB" in last and _checks.MEMORY_ENV in last and "use at most" in last


def test_scenarios_count_every_forecast_they_keep(tmp_path):
    (tmp_path / "s.toml").write_text('[a]\nlabel = "a"\n[b]\nlabel = "b"\n[c]\nlabel = "c"\n')
    res = _cli(["forecast", "--scenarios", str(tmp_path / "s.toml"), "--draws", "300000"], env={_checks.MEMORY_ENV: None})
    assert res.exit_code == 2 and "error: 3 forecasts of 300,000 draws x 52 dates needs about 3.3 GiB" in res.stderr
    assert _cli(["forecast", "--draws", "300000", "--until", "2021"], env={_checks.MEMORY_ENV: None}).exit_code == 0


def test_objective_blocks_and_bootstrap_chunks_fit_the_limit_with_the_same_numbers(monkeypatch):
    runs = _runs(np.repeat([5e7, 1e8, 2e8, 4e8, 8e8], 6), np.tile([1e9, 2e9, 4e9, 8e9, 1.6e10, 3.2e10], 5))
    monkeypatch.delenv(_checks.MEMORY_ENV, raising=False)
    assert objective.block_rows(len(runs)) == objective._BLOCK
    assert objective.block_rows(10**6) < objective._BLOCK  # 1e6 runs: the 128-start block would need ~10 GB
    grid = laws.get_law("chinchilla").grid("coarse")[::8]
    full = fitting.fit(runs, grid=grid, bootstrap=6, seed=1)
    # a limit so small that one start and one resample are evaluated at a time
    monkeypatch.setenv(_checks.MEMORY_ENV, "1e-9")
    assert objective.block_rows(len(runs)) == 1 and _checks.chunk_rows(16.0 * len(runs), 6, 8192) == 1
    small = fitting.fit(runs, grid=grid, bootstrap=6, seed=1)
    assert np.isclose(small.objective, full.objective, rtol=1e-9)
    for p in full.params:
        assert np.isclose(small.params[p], full.params[p], rtol=1e-6)
    # the same resamples (the chunking does not change the random stream)
    np.testing.assert_allclose(small.draws["alpha"], full.draws["alpha"], rtol=1e-6)


def test_compare_predictive_in_blocks_gives_the_same_intervals(monkeypatch):
    law = laws.get_law("chinchilla")
    runs = _runs(np.repeat([1e8, 4e8, 1.6e9], 3), np.tile([2e9, 8e9, 3.2e10], 3))
    rng = np.random.default_rng(0)
    draws = pd.DataFrame({p: v * np.exp(0.01 * rng.standard_normal(50)) for p, v in CHIN.items()})
    resid = 0.01 * rng.standard_normal(9)
    monkeypatch.delenv(_checks.MEMORY_ENV, raising=False)
    whole = compare._predictive(law, draws, CHIN, resid, runs, 0.9, np.random.default_rng(5))
    monkeypatch.setenv(_checks.MEMORY_ENV, "1e-9")  # one held-out run at a time
    blocks = compare._predictive(law, draws, CHIN, resid, runs, 0.9, np.random.default_rng(5))
    for a, b in zip(whole, blocks):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_prediction_interval_too_big_for_memory_is_refused(monkeypatch):
    monkeypatch.delenv(_checks.MEMORY_ENV, raising=False)
    fit = fitting.load_fit(ROOT / "fits" / "chinchilla_lsq.json")
    n = np.full(10**6, 1e9)  # 1e6 points x the shipped fit's 1,000 draws: about 30 GiB
    with pytest.raises(ScalingError, match=rf"a prediction with an interval at 1,000,000 points x {len(fit.draws):,} draws needs"):
        fit.predict(n, 2e10, level=0.9)
    assert len(fit.predict(n[:1000], 2e10, level=0.9)) == 1000


# -- 3. units and groups ----------------------------------------------------------------------------
def test_n_params_in_millions_warns_units_in_fits_and_costs():
    assert "units" in WARNING_CODES
    shipped = datasets.load("chinchilla_runs")
    assert not [w for w in fitting.fit(shipped, grid="coarse").warnings() if w.code == "units"]
    millions = shipped.drop(columns="compute_flops").assign(n_params=shipped["n_params"] / 1e6)
    units = [w.message for w in fitting.fit(millions, grid="coarse").warnings() if w.code == "units"]
    assert len(units) == 2 and "millions" in units[0] and "tokens per parameter" in units[1]
    # the muennighoff runs (up to 6e4 tokens per parameter, median 20) are plausible
    assert not _checks.units_warnings(7e6, np.array([20.0, 6e4, 30.0]))
    assert [w.code for w in cost.training_cost(175e3, 300e9, hardware=275e12, mfu=0.4,
                                               usd_per_chip_hour=2.0).warnings()] == ["units"]
    assert not cost.training_cost(175e9, 300e9, hardware=275e12, mfu=0.4, usd_per_chip_hour=2.0).warnings()
    res = _cli(["forecast", "--target", "175,300", "--draws", "10"])  # GPT-3 in billions
    assert res.exit_code == 0 and "warning: the target model: the largest N is 175 parameters" in res.stderr
    res = _cli(["cost", "train", "--params", "175", "--tokens", "300e9", "--hardware", "tpu-v4", "--mfu", "0.4",
                "--usd-per-chip-hour", "2"])
    assert res.exit_code == 0 and res.stderr.count("warning:") == 2
    assert [w.code for w in cost.inference_cost(175, hardware="a100", mfu=0.2, usd_per_chip_hour=2).warnings()] \
        == ["units"]
    assert not cost.inference_cost(175e9, hardware="a100", mfu=0.2, usd_per_chip_hour=2).warnings()


def test_fit_refuses_to_pool_groups_as_compare_does():
    n, d = np.repeat([1e8, 4e8, 1.6e9], 3), np.tile([2e9, 8e9, 3.2e10], 3)
    runs = pd.concat([_runs(n, d).assign(group="web"), _runs(n, d, seed=1).assign(group="code")])
    with pytest.raises(ScalingError, match=r"2 groups \('web', 'code'\).*groups='separate'.*drop the 'group'"):
        fitting.fit(runs, grid="coarse")
    with pytest.raises(ScalingError, match="groups"):
        compare.compare(runs, laws=("chinchilla",), groups="pool")
    # one group is no pooling; dropping the column pools on purpose
    assert fitting.fit(runs[runs.group == "web"], grid="coarse").n_runs == 9
    assert fitting.fit(runs.drop(columns="group").drop_duplicates(["n_params", "n_tokens"]),
                       grid="coarse").n_runs == 9


# -- 4. size grouping ---------------------------------------------------------------------------------
def test_sizes_eight_percent_apart_are_not_chained_into_one_size():
    sizes = 1e8 * 1.08 ** np.arange(60)  # two decades
    labels = datasets.size_groups(sizes)
    assert labels.max() + 1 == 30  # pairs: 1.08 is within 10%, 1.08^2 is not
    for g in range(30):  # no group spans more than 10%
        members = sizes[labels == g]
        assert members.max() <= 1.1 * members.min()
    rng = np.random.default_rng(0)
    many = np.exp(rng.uniform(np.log(1e7), np.log(1e11), 10**6))  # four decades, 1e6 runs
    k = datasets.size_groups(many).max() + 1
    assert 90 <= k <= 98  # about log(1e4) / log(1.1) = 96.6 groups, not one
    runs = _runs(np.repeat(sizes[::3], 3), np.tile([2e9, 8e9, 3.2e10], 20))
    assert fitting.fit(runs, grid="coarse").data_range["n_distinct_params"] == 20
    assert not [w for w in fitting.fit(runs, grid="coarse").warnings() if w.code == "few_distinct_sizes"]
    # compare no longer refuses these runs as "one model size"
    assert compare._kept_sizes(datasets.validate_runs(runs), None)[1].max() + 1 == 20


def test_size_groups_keep_digitised_runs_of_one_size_together():
    n = np.array([1e8, 1.003e8, 0.998e8, 2e8, 2.15e8, 5e8])
    assert datasets.size_groups(n).tolist() == [0, 0, 0, 1, 1, 2]
    assert compare.size_groups is datasets.size_groups and fitting._n_distinct(n) == 3


# -- 5. no orphan worker -------------------------------------------------------------------------------
PARENT = textwrap.dedent("""
    import sys, time
    from scaling import _workers
    executor, future = _workers.start_worker(time.sleep, 600)  # a stand-in for the slow panel fit
    with _workers.sigterm_as_interrupt():
        try:
            time.sleep(0.3)
            print(" ".join(map(str, executor._processes)), flush=True)
            time.sleep(600)
        finally:
            _workers.stop_worker(executor)
""")


def _gone(pid: int, within_s: float) -> bool:
    t0 = time.monotonic()
    while time.monotonic() - t0 < within_s:
        try:
            os.kill(pid, 0)
            state = Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}/stat").exists() else "?"
            if state == "Z":  # exited, not yet reaped by its (init) parent
                return True
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_worker_process_dies_with_its_parent(tmp_path, sig):
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env)
    try:
        worker = int(parent.stdout.readline().split()[0])
        parent.send_signal(sig)
        parent.wait(timeout=10)
        assert _gone(worker, within_s=5.0), f"worker {worker} outlived its parent ({sig.name})"
        if sig == signal.SIGTERM:  # handled like Ctrl-C: unwound through finally, not killed outright
            assert parent.returncode != -signal.SIGTERM
    finally:
        if parent.poll() is None:
            parent.kill()
        parent.communicate()


# -- 6. a loss that is no loss -----------------------------------------------------------------------
def test_loss_above_100_nats_is_refused(tmp_path):
    runs = _runs([1e8, 2e8, 4e8, 8e8, 1.6e9], [2e9, 4e9, 8e9, 1.6e10, 3.2e10])
    runs.loc[2, "loss"] = 1e308
    with pytest.raises(ScalingError, match=r"column 'loss' row 2 is 1e\+308.*\(0, 100\]"):
        datasets.validate_runs(runs)
    runs.to_csv(tmp_path / "big.csv", index=False)
    res = _cli(["plot", "residuals", "--data", str(tmp_path / "big.csv"), "-o", str(tmp_path / "r.png")])
    assert res.exit_code == 2 and "nats per token" in res.stderr and "Traceback" not in res.stderr


def test_one_chain_bayes_fit_reports_unchecked_convergence():
    """Issue 21: 'scaling fit --bayes --chains 1' gave a traceback (idxmax of an all-NaN R-hat):
    one chain has no R-hat; the diagnostics say so and a warning names it."""
    import pandas as pd

    from scaling.bayes.diagnostics import diagnostic_warnings

    table = pd.DataFrame({"r_hat": [np.nan, np.nan], "ess_bulk": [800.0, 900.0], "ess_tail": [700.0, 650.0]},
                         index=pd.Index(["E", "A"], name="parameter"))
    codes = [w.code for w in diagnostic_warnings(table, 0)]
    assert codes == ["r_hat"]
    assert "two chains" in diagnostic_warnings(table, 0)[0].message
    assert diagnostic_warnings(table.assign(r_hat=[1.001, 1.002]), 0) == []


def test_one_chain_diagnostics_are_nan_not_an_error():
    from scaling import bayes

    fit = bayes.load(Path(__file__).resolve().parent.parent / "fits" / "chinchilla_bayes.nc")
    one_chain = dataclasses.replace(fit, diagnostics_table=fit.diagnostics_table.assign(r_hat=np.nan))
    d = one_chain.diagnostics
    assert math.isnan(d["max_r_hat"]) and d["max_r_hat_param"] == ""
    assert d["min_ess_bulk"] == fit.diagnostics["min_ess_bulk"]
    assert "r_hat" in [w.code for w in one_chain.warnings()]
