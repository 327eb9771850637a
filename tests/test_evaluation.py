"""Forecast evaluation: proper scores, baselines, the rows table, ``scaling backtest``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from scaling.cli import main
from scaling.errors import ScalingError
from scaling.hardware.backtest import interval_score
from scaling.hardware.evaluation import (QUANTILES, ROW_COLUMNS, _baseline_draws, _seen_pairs, _Target, evaluate,
                                         evaluation_markdown, load_evaluation)
from scaling.hardware.scores import (cluster_bootstrap, crps_draws, crps_quantiles, log_score_draws, pit_draws,
                                     score_rows)

BASELINES = "ols,rw,nochange,epoch"


def _crps_normal(mu, sigma, y):
    """Closed form (Gneiting & Raftery 2007, eq. 5 with the normal): sigma [z(2Phi(z)-1) + 2phi(z) - 1/sqrt(pi)]."""
    z = (y - mu) / sigma
    return sigma * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))


# ----------------------------------------------------------------------------- scores
def test_crps_of_a_point_mass_is_the_absolute_error():
    y = np.array([0.0, 1.5, -2.0])
    draws = np.tile(np.array([1.0, 1.0, 1.0]), (50, 1))
    np.testing.assert_allclose(crps_draws(draws, y), np.abs(1.0 - y), atol=1e-12)


@pytest.mark.parametrize("y", [0.0, 0.7, -2.5])
def test_crps_of_normal_draws_matches_the_closed_form(y):
    x = np.random.default_rng(1).normal(0.3, 0.5, size=(40_000, 1))
    assert crps_draws(x, [y])[0] == pytest.approx(_crps_normal(0.3, 0.5, y), rel=0.02)


def test_crps_from_a_fine_quantile_grid_matches_the_closed_form():
    tau = (np.arange(1, 200) - 0.5) / 199
    q = stats.norm.ppf(tau, 1.0, 2.0)[None, :]
    for y in (1.0, 4.0):
        assert crps_quantiles(q, tau, [y])[0] == pytest.approx(_crps_normal(1.0, 2.0, y), rel=0.02)


def test_crps_from_quantiles_refuses_bad_levels():
    with pytest.raises(ScalingError):
        crps_quantiles([[1.0, 2.0]], [0.0, 0.5], [1.0])


def test_interval_score_by_hand():
    # width 1, y 1 above the upper end, alpha 0.1: 1 + (2 / 0.1) * 1 = 21; inside: the width
    np.testing.assert_allclose(interval_score([3.0, 1.5, 0.5], [1.0] * 3, [2.0] * 3, 0.9), [21.0, 1.0, 11.0])
    # level 0.5: alpha 0.5, penalty 4 per unit outside
    assert interval_score([0.0], [1.0], [2.0], 0.5)[0] == pytest.approx(1.0 + 4.0)


def test_log_score_and_pit_of_normal_draws():
    x = np.random.default_rng(2).standard_normal((20_000, 2))
    ls = log_score_draws(x, [0.0, 1.0])
    np.testing.assert_allclose(ls, -stats.norm.logpdf([0.0, 1.0]), atol=0.03)
    np.testing.assert_allclose(pit_draws(x, [0.0, 1.0]), stats.norm.cdf([0.0, 1.0]), atol=0.01)
    assert np.isfinite(log_score_draws(np.ones((10, 1)), [1.0])).all()  # a point mass keeps a finite score


def test_score_rows_columns_and_quantiles_in_order():
    x = np.random.default_rng(3).normal(size=(2000, 4))
    s = score_rows(x, np.zeros(4), QUANTILES)
    qcols = [f"q{round(100 * t):02d}" for t in QUANTILES]
    assert list(s.columns[: len(qcols)]) == qcols
    assert (np.diff(s[qcols].to_numpy(), axis=1) >= 0).all()
    assert {"pit", "crps", "log_score", "is50", "is90", "covered50", "covered90"} <= set(s.columns)


def test_cluster_bootstrap_is_seeded_and_brackets_the_mean():
    rng = np.random.default_rng(4)
    clusters = np.repeat(np.arange(20), 5)
    diff = rng.normal(-0.1, 0.05, size=20)[clusters] + rng.normal(0, 0.01, size=100)
    a = cluster_bootstrap(diff, clusters, seed=3)
    assert a == cluster_bootstrap(diff, clusters, seed=3)
    assert a["lower"] < a["mean"] < a["upper"] < 0 and a["n_clusters"] == 20
    c = cluster_bootstrap(np.full(10, 0.2), np.arange(10))
    assert c["lower"] == pytest.approx(0.2) and c["upper"] == pytest.approx(0.2)


# ----------------------------------------------------------------------------- baselines
def _synthetic(drift=0.1, noise=0.02, seed=5):
    """Chips every month 2010-2016 on a known line: log10 y = 1 + drift (t - 2010)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2010-01-15", "2016-12-15", freq="MS")
    year = dates.year + (dates.day_of_year - 1) / 365.25
    y = 1.0 + drift * (year - 2010) + rng.normal(0, noise, len(dates))
    return pd.DataFrame({"name": [f"c{i}" for i in range(len(dates))], "date": dates, "year": year,
                         "log10_value": y})


def test_baselines_recover_a_known_drift():
    pop = _synthetic()
    target = _Target("synthetic", None, "flops_per_watt", "tensor16", pop)
    train = pop.loc[pop["date"] < "2015-01-01"]
    test = pd.DataFrame({"date": pd.to_datetime(["2017-01-01", "2018-01-01"]), "year": [2017.0, 2018.0]})
    truth = 1.0 + 0.1 * (test["year"].to_numpy() - 2010)
    rng = np.random.default_rng(0)
    ols, info = _baseline_draws("ols", target, train, test, pd.Timestamp("2015-01-01"), rng, 4000)
    assert info["slope_per_year"] == pytest.approx(0.1, abs=0.005)
    np.testing.assert_allclose(np.median(ols, axis=0), truth, atol=0.02)
    rw, info = _baseline_draws("rw", target, train, test, pd.Timestamp("2015-01-01"), rng, 4000)
    assert info["drift_per_year"] == pytest.approx(0.1, abs=0.005)
    np.testing.assert_allclose(np.median(rw, axis=0), truth, atol=0.03)
    # the spread grows with the horizon: a wider interval two years out than one
    width = np.subtract(*np.quantile(rw, [0.95, 0.05], axis=0))
    assert width[1] > width[0]
    nc, info = _baseline_draws("nochange", target, train, test, pd.Timestamp("2015-01-01"), rng, 4000)
    last_year = train.loc[train["date"] > train["date"].max() - pd.DateOffset(years=1), "log10_value"]
    assert info["level"] == pytest.approx(float(np.median(last_year)))
    np.testing.assert_allclose(np.median(nc, axis=0), info["level"], atol=0.01)


def test_rw_seen_starts_a_seen_pair_from_its_last_price():
    train = pd.DataFrame({"name": ["A", "A", "C"], "provider": ["p", "p", "p"], "year": [2020.0, 2021.0, 2020.5],
                          "date": pd.to_datetime(["2020-01-01", "2021-01-01", "2020-07-01"]),
                          "log10_value": [17.0, 17.1, 16.0]})
    test = pd.DataFrame({"name": ["A", "B"], "provider": ["p", "p"], "year": [2023.0, 2023.0]})
    z = np.random.default_rng(0).standard_normal((4000, 2))
    out = np.zeros((4000, 2))
    n_seen, s_pair = _seen_pairs(out, train, test, drift=0.1, omega=0.05, z=z)
    assert n_seen == 1 and s_pair == pytest.approx(0.05)  # A's two prices lie 0.05 from their median
    assert np.median(out[:, 0]) == pytest.approx(17.1 + 0.1 * 2, abs=0.01)
    assert np.std(out[:, 0]) == pytest.approx(np.sqrt(0.05**2 + 0.05**2 * 2), rel=0.05)
    assert (out[:, 1] == 0).all()  # an unseen chip keeps the plain random walk


# ----------------------------------------------------------------------------- the rows table, the CLI
@pytest.fixture(scope="module")
def fast_eval():
    return evaluate("hyperscaler-on-demand", cutoffs=["2022-01-01", "2023-01-01"], models=BASELINES, seed=1)


def test_rows_have_the_promised_columns_and_split_by_date(fast_eval):
    rows = fast_eval.rows
    assert list(rows.columns) == ROW_COLUMNS
    for c in ("q01", "q05", "q10", "q25", "q50", "q75", "q90", "q95", "q99"):
        assert c in rows.columns
    date, cut = pd.to_datetime(rows["date"]), pd.to_datetime(rows["cutoff"])
    assert ((date < cut) == (rows["split"] == "train")).all()
    train, test = rows[rows["split"] == "train"], rows[rows["split"] == "test"]
    assert train["q50"].isna().all() and test["q50"].notna().all()
    assert (test["horizon_years"] >= 0).all()
    assert set(rows["model"]) == set(BASELINES.split(","))
    # every observation of the population once per cut-off and model
    n_pop = rows.groupby(["cutoff", "model"]).size()
    assert n_pop.nunique() == 1
    assert (rows["tier"] == "on_demand").all()
    s = fast_eval.scores()
    assert set(s.index) == set(BASELINES.split(",")) and (s["excluded"] == 0).all()
    assert {"Amazon Web Services", "Google Cloud"} <= set(rows["provider"])
    assert fast_eval.versions["scaling"]
    assert "nutpie" in fast_eval.versions
    # the sampler stack CI pins (.ci/constraints.txt), recorded with every run
    assert {"python", "numpy", "scipy", "pymc", "pytensor", "arviz", "cpu"} <= set(fast_eval.versions)
    assert fast_eval.versions["cpu"] and fast_eval.versions["cpu"] != "unknown"  # the machine that ran it


def test_paired_differences_and_pit(fast_eval):
    p = fast_eval.paired("crps", n_boot=200)
    assert set(p["baseline"]) == set(BASELINES.split(","))
    assert (p["lower"] <= p["mean"] + 1e-12).all() and (p["mean"] <= p["upper"] + 1e-12).all()
    pit = fast_eval.pit_counts(bins=5)
    assert int(pit.to_numpy().sum()) == len(fast_eval.test_rows())
    assert "Paired differences" in evaluation_markdown(fast_eval)


def test_save_and_load_round_trip(fast_eval, tmp_path):
    path = fast_eval.save(tmp_path / "ev.csv")
    assert path.read_text().startswith("# {")
    back = load_evaluation(path)
    pd.testing.assert_frame_equal(back.scores(), fast_eval.scores(), atol=1e-4)
    assert back.versions == fast_eval.versions
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ScalingError):
        load_evaluation(tmp_path / "bad.csv")


def test_cli_writes_the_csv(tmp_path):
    out = tmp_path / "bt.csv"
    r = CliRunner().invoke(main, ["backtest", "--series", "hyperscaler-on-demand", "--cutoff", "2023-01-01",
                                  "--models", "ols,rw,nochange", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "CRPS" in r.output and out.exists()
    rows = load_evaluation(out).rows
    assert set(rows["model"]) == {"ols", "rw", "nochange"} and (rows["cutoff"] == "2023-01-01").all()


@pytest.mark.parametrize("args", [
    ["--series", "no-such-series"],
    ["--series", "hyperscaler-on-demand", "--cutoff", "2030-01-01"],
    ["--series", "hyperscaler-on-demand", "--cutoff", "2010-01-01"],
    ["--series", "hyperscaler-on-demand", "--cutoff", "not a date"],
    ["--metric", "flops-per-gram"],
    ["--metric", "flops-per-watt", "--models", "panel"],
    ["--series", "hyperscaler-on-demand", "--models", "trend"],
    ["--series", "hyperscaler-on-demand", "--models", "magic"],
    ["--series", "lowest-available"],
    [],
])
def test_cli_bad_input_exits_2(args):
    r = CliRunner().invoke(main, ["backtest", *args])
    assert r.exit_code == 2, r.output
    assert "error:" in r.output


def test_jobs_do_not_change_the_numbers():
    kw = dict(cutoffs=["2021-01-01", "2023-01-01"], models="ols,rw,epoch", seed=2)
    one = evaluate("hyperscaler-on-demand", jobs=1, **kw)
    two = evaluate("hyperscaler-on-demand", jobs=2, **kw)
    pd.testing.assert_frame_equal(one.rows, two.rows, rtol=1e-9)
    # nor do the other cut-offs and models of the run: one cut-off alone gives its rows again
    alone = evaluate("hyperscaler-on-demand", cutoffs=["2023-01-01"], models="epoch", seed=2).rows
    part = one.rows[(one.rows["cutoff"] == "2023-01-01") & (one.rows["model"] == "epoch")].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, part, rtol=1e-9)


def test_cloud_metric_is_the_pooled_series():
    res = evaluate(metric="flops-per-usd-cloud", cutoffs=["2023-01-01"], models="nochange")
    assert res.settings["series"] == "pooled" and (res.rows["tier"] == "on_demand").all()
    assert res.rows["provider"].nunique() > 4  # every kind of provider, not the hyperscalers alone


def test_chip_trend_rows_have_no_provider():
    res = evaluate(metric="flops_per_usd", precision="fp32", cutoffs=["2016-01-01"], models="ols,nochange")
    assert (res.rows["provider"] == "").all() and (res.rows["tier"] == "").all()
    assert res.scores().loc["ols", "n_test"] > 0


@pytest.mark.slow
def test_panel_at_one_cutoff():
    res = evaluate("hyperscaler-on-demand", cutoffs=["2023-01-01"], models="panel,panel-forecast,rw", draws=150,
                   tune=150, seed=0)
    rows = res.test_rows(include_unconverged=True)
    assert set(rows["model"]) == {"panel", "panel-forecast", "rw"}
    assert np.isfinite(rows[["q01", "q50", "q99", "crps"]].to_numpy(dtype=float)).all()
    fits = res.fits.set_index("model")
    assert {"r_hat_max", "ess_bulk_min", "divergences", "converged", "lowest_segment"} <= set(fits.columns)
    # the segment lowest-available chose from the data before the cut-off: a widely available one
    kind, tier = fits.loc["panel", "lowest_segment"].split("/")
    assert kind in ("hyperscaler", "gpu_cloud") and tier in ("on_demand", "1yr")
    # 150 draws x 2 chains cannot reach a bulk ESS of 400: flagged, left out of the default summary
    assert not bool(fits.loc["panel", "converged"])
    assert res.n_excluded()["panel"] == int((rows["model"] == "panel").sum())
    assert "panel" not in res.scores().index and "panel" in res.scores(include_unconverged=True).index


def test_version_1_file_loads_and_edited_rows_are_refused(tmp_path):
    """The shipped evaluation (schema version 1) loads with a data hash and seed; a saved one is hashed."""
    from pathlib import Path

    shipped = Path(__file__).resolve().parent.parent / "validation" / "results" / "evaluation_hyperscaler.csv.gz"
    old = load_evaluation(shipped)
    assert old.metadata["schema_version"] == 2 and len(old.data_sha256) == 64 and old.seed == 0
    assert old.settings["series"] == "hyperscaler-on-demand" and "rw" in old.scores().index
    res = evaluate(metric="flops_per_watt", precision="fp32", cutoffs=["2022-01-01"], models="ols,nochange",
                   n_draws=300)
    path = res.save(tmp_path / "ev.csv")
    assert load_evaluation(path).params == pytest.approx(res.params, rel=1e-12)
    text = path.read_text().splitlines(keepends=True)
    i = next(k for k, line in enumerate(text) if ",test," in line)
    cells = text[i].split(",")
    cells[6] = str(float(cells[6]) + 0.5)  # the observed value of one later chip
    text[i] = ",".join(cells)
    path.write_text("".join(text))
    with pytest.raises(ScalingError, match="changed after scaling wrote it"):
        load_evaluation(path)


def test_validation_script_names_its_files_by_series():
    """validation/evaluation.py --series: hyperscaler keeps its file names, another segment gets its own;
    an unknown series is refused naming the allowed ones."""
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "validation" / "evaluation.py"
    spec = importlib.util.spec_from_file_location("validation_evaluation", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.paths("hyperscaler-on-demand") == (script.CSV, script.MD)
    assert script.paths("gpu-cloud-on-demand")[0].name == "evaluation_gpu-cloud-on-demand.csv.gz"
    assert script.paths("gpu-cloud-on-demand", long=True)[1].name == "evaluation_gpu-cloud-on-demand_long.md"
    assert script.CUTOFFS["hyperscaler-on-demand"] == [f"{y}-01-01" for y in range(2019, 2024)]
    with pytest.raises(ScalingError, match="unknown series 'pooled'.*gpu-cloud-on-demand"):
        script.main(["--series", "pooled", "--report"])


def test_rule_on_the_gpu_cloud_segment_reads_its_own_paired_interval():
    """The shipped GPU-cloud evaluation's rule section: the verdict follows the sign of the interval's upper end."""
    import importlib.util
    import re

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("validation_evaluation", root / "validation" / "evaluation.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    csv = root / "validation" / "results" / "evaluation_gpu-cloud-on-demand.csv.gz"
    text = "\n".join(script.rule_section(csv))
    found = re.search(r"`panel-forecast` minus `(\w[\w-]*)` ([-+][0-9.]+) dex \[([-+][0-9.]+), ([-+][0-9.]+)\]", text)
    assert found, text
    beats = float(found.group(4)) < 0
    assert ("`panel-forecast` beats the best baseline" in text) == beats
    assert "gpu_cloud/on_demand" in text  # the segment lowest-available chose at every cut-off
