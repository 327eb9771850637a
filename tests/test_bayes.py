"""scaling.bayes: the Bayesian Chinchilla fit, its diagnostics, file format and predictions.

Fast tests build results from synthetic posteriors (no sampling); the tests marked
``slow`` share one default fit of the shipped data per session (about 15-25 s on 2 cores).
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scaling import datasets
from scaling.errors import ScalingError, ScalingWarning

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_NC = ROOT / "fits" / "chinchilla_bayes.nc"
LSQ_JSON = ROOT / "fits" / "chinchilla_lsq.json"
# Besiroglu et al. (2024), 95% bootstrap intervals (published-results.md)
PUBLISHED_95 = {"E": (1.769, 1.871), "alpha": (0.317, 0.373), "beta": (0.331, 0.415)}


# -- synthetic posteriors (fast) ------------------------------------------------------------
def _fake_result(seed=0, chains=2, draws=500, chain_shift=0.0, divergences=0, autocorr=0.0, runs=None,
                 data_path=""):
    """A BayesFitResult from independent normal draws around the published fit.

    ``runs`` (default: the kept Chinchilla runs) are the runs it claims to fit, ``data_path``
    the file it claims they came from.
    """
    from scaling.bayes.core import SUPPORTED_LAWS  # noqa: F401  (import check)
    from scaling.bayes.result import SCHEMA, SCHEMA_VERSION, BayesFitResult, import_arviz, stamp

    az = import_arviz()
    rng = np.random.default_rng(seed)
    centre = {"E": 1.8169, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658,
              "sigma": 0.004, "nu": 3.0}
    scale = {"E": 0.02, "A": 60.0, "B": 300.0, "alpha": 0.01, "beta": 0.01, "sigma": 0.0004, "nu": 0.5}
    post = {}
    for name, c in centre.items():
        z = rng.standard_normal((chains, draws))
        if autocorr:
            for t in range(1, draws):
                z[:, t] = autocorr * z[:, t - 1] + np.sqrt(1 - autocorr**2) * z[:, t]
        x = c + scale[name] * z
        x[1:] += chain_shift * scale[name]
        post[name] = np.abs(x)
    diverging = np.zeros((chains, draws), dtype=bool)
    diverging.flat[:divergences] = True
    if runs is None:
        runs = datasets.load("chinchilla_runs")
        runs = runs.loc[~runs["excluded"]]
    y = np.log(runs["loss"].to_numpy())
    sim = y + 0.005 * rng.standard_normal((chains, 50, y.size))
    idata = az.from_dict(posterior=post, sample_stats={"diverging": diverging},
                         observed_data={"log_loss": y}, posterior_predictive={"log_loss": sim},
                         prior_predictive={"log_loss": y + 0.5 * rng.standard_normal((1, 50, y.size))})
    stamp(idata, {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, "scaling_version": "test",
                  "law": "chinchilla", "method": "bayes", "data_sha256": datasets.runs_sha256(runs),
                  "seed": seed, "sampler": "fake", "n_runs": len(runs), "n_excluded": 5,
                  "created": "2026-01-01T00:00:00+00:00",
                  "settings": {"sampler": "fake", "draws": draws, "tune": 0, "chains": chains},
                  **({"data_path": data_path} if data_path else {})})
    return BayesFitResult.from_idata(idata, law="chinchilla", n_runs=len(runs), n_excluded=5,
                                     data_sha256=datasets.runs_sha256(runs), seed=seed,
                                     settings={"sampler": "fake", "draws": draws, "tune": 0, "chains": chains},
                                     data_path=data_path)


@pytest.fixture(scope="module")
def fake():
    return _fake_result()


def test_import_scaling_bayes_is_light():
    probe = ("import scaling.bayes, sys; "
             "print(' '.join(m for m in ('pymc', 'pytensor', 'arviz', 'matplotlib', 'nutpie') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == []


def test_unknown_law_sampler_and_arguments_raise():
    from scaling import bayes

    runs = datasets.load("chinchilla_runs")
    with pytest.raises(ValueError, match="supported laws: chinchilla"):
        bayes.fit(runs, law="kaplan")
    with pytest.raises(ValueError, match="known samplers: nutpie, pymc"):
        bayes.fit(runs, sampler="stan")
    with pytest.raises(ValueError, match="include"):
        bayes.fit(runs, include="some")
    with pytest.raises(ScalingError, match="draws must be an integer >= 1"):
        bayes.fit(runs, draws=0)
    with pytest.raises(ScalingError, match="seed must be an integer"):
        bayes.fit(runs, seed=1.5)
    with pytest.raises(ValueError, match="target_accept"):
        bayes.fit(runs, target_accept=1.2)


def test_sampler_settings_one_description_of_a_run():
    """SamplerSettings: checked on construction; taken as sampler=... or as the old keywords, not both."""
    from scaling import bayes, fitting
    from scaling.bayes.samplers import SamplerSettings, sample

    default = SamplerSettings()
    assert default.as_dict() == {"sampler": "nutpie", "draws": 1000, "tune": 1000, "chains": 2, "target_accept": 0.9}
    assert SamplerSettings.resolve(None) == default
    assert SamplerSettings.resolve("pymc", draws=50) == SamplerSettings(sampler="pymc", draws=50)
    mine = SamplerSettings(draws=10, tune=5, chains=1, target_accept=0.8)
    assert SamplerSettings.resolve(mine) is mine
    assert SamplerSettings.resolve(None, SamplerSettings(draws=500), chains=4) == SamplerSettings(draws=500, chains=4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        mine.draws = 3
    for bad, match in ((dict(sampler="metropolis"), "unknown sampler 'metropolis'"), (dict(draws=0), "draws"),
                       (dict(tune=-1), "tune"), (dict(chains=2.0), "chains must be an integer"),
                       (dict(target_accept=1.0), "target_accept")):
        with pytest.raises(ScalingError, match=match):
            SamplerSettings(**bad)
    runs = datasets.load("chinchilla_runs")
    # settings given twice are refused before any model is built or sampled
    with pytest.raises(ScalingError, match="either as SamplerSettings or as keywords, not both"):
        bayes.fit(runs, sampler=mine, draws=20)
    with pytest.raises(ScalingError, match="not both"):
        fitting.fit(runs, method="bayes", sampler=mine, chains=3)
    with pytest.raises(ScalingError, match="not both"):
        sample(None, sampler=mine, tune=3, seed=0)
    with pytest.raises(ScalingError, match="unknown sampler"):
        bayes.fit(runs, sampler="gibbs")


def test_select_runs_drops_flagged_runs_only(tmp_path):
    from scaling.bayes.core import select_runs

    runs = datasets.load("chinchilla_runs")
    kept, n_excluded = select_runs(runs, None)
    assert (len(kept), n_excluded) == (240, 5)
    assert kept["loss"].max() < 3.447
    everything, n0 = select_runs(runs, "all")
    assert (len(everything), n0) == (245, 0)
    # A user's own table is never trimmed, even its highest-loss rows.
    path = tmp_path / "mine.csv"
    runs[["n_params", "n_tokens", "loss"]].to_csv(path, index=False)
    mine, n_mine = select_runs(datasets.read_runs(path), None)
    assert (len(mine), n_mine) == (245, 0)


def test_summary_report_and_diagnostics_of_a_good_posterior(fake):
    s = fake.summary(level=0.9)
    assert list(s.columns) == ["value", "lower", "upper", "r_hat", "ess_bulk", "ess_tail"]
    assert {"E", "A", "B", "alpha", "beta", "a", "b", "G"} <= set(s.index)
    assert (s["lower"] < s["value"]).all() and (s["value"] < s["upper"]).all()
    assert s.loc["alpha", "value"] == pytest.approx(0.3478, abs=0.003)
    d = fake.diagnostics
    assert d["max_r_hat"] < 1.01 and d["min_ess_bulk"] > 400 and d["divergences"] == 0
    assert fake.warnings() == []
    assert "warning" not in fake.report()
    assert list(fake.draws.columns[:8]) == ["E", "A", "B", "alpha", "beta", "a", "b", "G"]
    assert fake.params["E"] == pytest.approx(float(np.median(fake.draws["E"])))
    with pytest.raises(ValueError, match="level"):
        fake.summary(level=95)


def test_report_warns_on_bad_diagnostics():
    bad = _fake_result(chain_shift=3.0, divergences=4, draws=100, autocorr=0.9)
    text = bad.report()
    assert "warning: R-hat of" in text and "> 1.01" in text
    assert "warning: bulk ESS of" in text and "< 400" in text
    assert "4 divergent transition(s)" in text
    assert bad.diagnostics["divergences"] == 4
    assert all(isinstance(w, ScalingWarning) for w in bad.warnings())
    assert {"r_hat", "ess_bulk", "divergences"} <= {w.code for w in bad.warnings()}
    names = {w.message.split(" of ")[1].split(" is ")[0] for w in bad.warnings() if w.code == "r_hat"}
    assert names & {"E", "A", "B", "alpha", "beta"}


def test_predict_intervals(fake):
    n, d = [1e9, 7e10, 7e10], [2e10, 1.4e12, 1.4e13]
    point = fake.predict(n, d)
    assert isinstance(point, np.ndarray) and point.shape == (3,)
    out = fake.predict(n, d, level=0.9)
    new = fake.predict(n, d, level=0.9, interval="new")
    assert list(out.columns) == ["n_params", "n_tokens", "median", "lower", "upper"]
    assert (out["lower"] <= out["median"]).all() and (out["median"] <= out["upper"]).all()
    # The predictive interval adds run-to-run noise: it is wider than the credible interval.
    assert ((new["upper"] - new["lower"]) > (out["upper"] - out["lower"])).all()
    # Chinchilla (70B, 1.4T) with the replication's parameters: 1.973 (Besiroglu et al. 2024).
    assert out.loc[1, "median"] == pytest.approx(1.973, abs=0.01)
    assert point[1] == pytest.approx(out.loc[1, "median"], abs=0.01)
    assert out.loc[2, "median"] < out.loc[1, "median"] < out.loc[0, "median"]
    pd.testing.assert_frame_equal(new, fake.predict(n, d, level=0.9, interval="new"))
    with pytest.raises(ScalingError, match="n_params must be a finite number"):
        fake.predict(-1.0, 1e10)
    with pytest.raises(ScalingError, match="unknown interval"):
        fake.predict(1e9, 1e10, level=0.9, interval="wide")


def test_save_load_roundtrip(fake, tmp_path):
    from scaling import bayes

    path = fake.save(tmp_path / "sub" / "post.nc")
    assert path.exists() and not list(path.parent.glob(".*tmp*"))
    back = bayes.load(path)
    assert back.params == pytest.approx(fake.params)
    assert (back.n_runs, back.n_excluded, back.seed, back.data_sha256) == (
        fake.n_runs, fake.n_excluded, fake.seed, fake.data_sha256)
    assert back.settings["sampler"] == "fake"
    pd.testing.assert_frame_equal(back.draws, fake.draws)
    # a file written before fits recorded their data file still loads, with no path
    assert "data_path" not in back.idata.posterior.attrs and back.data_path == ""


def test_posterior_records_its_data_file_and_plots_draw_those_runs(tmp_path):
    """A Bayesian fit of a user's CSV keeps the file's path; plots of the saved fit draw those runs."""
    from click.testing import CliRunner

    from scaling import bayes
    from scaling.cli import main
    from scaling.plot import runs_of

    chin = datasets.load("chinchilla_runs")
    mine = chin.loc[~chin["excluded"], ["n_params", "n_tokens", "loss"]].iloc[::4].reset_index(drop=True)
    csv = tmp_path / "my_runs.csv"
    mine.to_csv(csv, index=False)
    runs = datasets.read_runs(csv)
    assert runs.attrs["path"] == str(csv)
    res = _fake_result(runs=runs, data_path=runs.attrs["path"])
    path = res.save(tmp_path / "my_bayes.nc")
    back = bayes.load(path)
    assert back.data_path == str(csv) and back.data_sha256 == datasets.runs_sha256(runs)
    found = runs_of(back)
    assert found.note is None and found.warning is None
    assert len(found.runs) == len(mine) == 60  # the user's runs, not Chinchilla's 245
    np.testing.assert_allclose(found.runs["loss"].to_numpy(), mine["loss"].to_numpy())
    for kind in ("residuals", "isoflop", "contours"):
        r = CliRunner().invoke(main, ["plot", kind, "--fit", str(path), "-o", str(tmp_path / f"{kind}.png")])
        assert r.exit_code == 0, r.output
        assert "no runs drawn" not in r.output and "not made from these runs" not in r.output, r.output
    # the file changed since the fit: no runs drawn, and the plot says why
    mine.assign(loss=mine["loss"] * 1.01).to_csv(csv, index=False)
    assert runs_of(back).runs is None and "has changed since the fit" in runs_of(back).note


def test_load_rejects_corrupt_foreign_and_other_versions(fake, tmp_path):
    import xarray as xr

    from scaling import bayes
    from scaling.bayes.result import import_arviz

    az = import_arviz()
    with pytest.raises(FileNotFoundError):
        bayes.load(tmp_path / "missing.nc")
    corrupt = tmp_path / "corrupt.nc"
    corrupt.write_bytes(b"\x89HDF\r\n\x1a\n" + b"not really" * 50)
    with pytest.raises(ValueError, match="not a readable netCDF"):
        bayes.load(corrupt)
    foreign = tmp_path / "foreign.nc"
    xr.Dataset({"x": ("t", np.arange(3.0))}).to_netcdf(foreign, engine="h5netcdf")
    with pytest.raises(ValueError, match="not a posterior written by scaling.bayes"):
        bayes.load(foreign)
    no_schema = tmp_path / "no_schema.nc"
    az.from_dict(posterior={"E": np.ones((1, 5))}).to_netcdf(str(no_schema))
    with pytest.raises(ValueError, match="no 'schema' attribute"):
        bayes.load(no_schema)
    for attrs, message in (({"schema": "other.thing"}, "holds schema 'other.thing'"),
                           ({"schema_version": 99}, "schema version 99")):
        idata = fake.idata.copy()
        idata.posterior.attrs = {**idata.posterior.attrs, **attrs}
        path = tmp_path / "other.nc"
        idata.to_netcdf(str(path))
        with pytest.raises(ValueError, match=message):
            bayes.load(path)


def test_plot_ppc_returns_axes(fake):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scaling.bayes import plot_ppc

    for kind in ("prior", "posterior"):
        ax = plot_ppc(fake, kind=kind)
        assert ax.get_xscale() == "linear" and kind in ax.get_ylabel()  # losses span < 1 decade; title via plot.predictive_check
        plt.close(ax.figure)
    fig, ax = plt.subplots()
    assert plot_ppc(fake, kind="posterior", ax=ax) is ax
    plt.close(fig)
    with pytest.raises(ValueError, match="kind must be one of prior, posterior"):
        plot_ppc(fake, kind="both")


def test_shipped_posterior_loads_and_passes_checks():
    if not SHIPPED_NC.exists():
        pytest.skip("fits/chinchilla_bayes.nc not built yet")
    from scaling import bayes
    from scaling.bayes.core import select_runs

    res = bayes.load(SHIPPED_NC)
    # Every law fit records the hash of the whole table it was given (not of the rows it kept).
    assert res.data_sha256 == datasets.runs_sha256(datasets.load("chinchilla_runs"))
    assert (res.n_runs, res.n_excluded, res.seed) == (240, 5, 0)
    assert res.settings["sampler"] == "nutpie" and res.settings["draws"] == 1000
    assert res.warnings() == []
    assert {"prior_predictive", "posterior_predictive", "observed_data"} <= set(res.idata.groups())
    # the lean form (issue 19): 1,000 of the 2,000 draws, matched draw for draw in every per-draw group
    post, pp = res.idata.posterior, res.idata.posterior_predictive
    assert int(post.attrs["schema_version"]) == 3 and post.sizes["chain"] * post.sizes["draw"] == 1000
    assert list(pp["draw"].values) == list(post["draw"].values)
    assert np.isfinite(pp["log_loss"].values).all() and pp["log_loss"].dtype.kind == "f"


# -- real sampling (slow; one shared fit) ---------------------------------------------------
@pytest.fixture(scope="session")
def chinchilla_fit():
    from scaling import bayes

    return bayes.fit(datasets.load("chinchilla_runs"), seed=0)


def _reference_intervals() -> tuple[dict, str]:
    if LSQ_JSON.exists():
        try:
            import scaling

            lsq = scaling.load_fit(LSQ_JSON)
            s = lsq.summary(level=0.95)
            if lsq.draws is not None and len(lsq.draws):
                return {p: (float(s.loc[p, "lower"]), float(s.loc[p, "upper"])) for p in PUBLISHED_95}, "lsq"
        except (ImportError, AttributeError, ValueError, KeyError):
            pass
    return PUBLISHED_95, "published"


@pytest.mark.slow
def test_fit_converges_on_shipped_data(chinchilla_fit):
    res = chinchilla_fit
    assert (res.n_runs, res.n_excluded, res.method, res.law) == (240, 5, "bayes", "chinchilla")
    s = res.summary()
    core = s.loc[["E", "A", "B", "alpha", "beta", "sigma", "nu"]]
    assert (core["r_hat"] <= 1.01).all(), core
    assert (core["ess_bulk"] >= 400).all(), core
    assert res.diagnostics["divergences"] == 0
    assert "WARNING" not in res.report()


@pytest.mark.slow
def test_posterior_medians_inside_bootstrap_intervals(chinchilla_fit):
    intervals, source = _reference_intervals()
    for name, (lo, hi) in intervals.items():
        assert lo <= chinchilla_fit.params[name] <= hi, (name, chinchilla_fit.params[name], source, lo, hi)


@pytest.mark.slow
def test_predictive_checks(chinchilla_fit):
    from scaling.bayes.plots import predictive_losses

    observed, sim = predictive_losses(chinchilla_fit, "posterior")
    assert sim.shape == (2000, 240)
    lo, hi = np.quantile(sim, [0.05, 0.95], axis=0)
    coverage = np.mean((observed >= lo) & (observed <= hi))
    assert 0.8 <= coverage <= 0.99
    observed, prior_sim = predictive_losses(chinchilla_fit, "prior")
    plo, phi = np.quantile(prior_sim, [0.05, 0.95], axis=0)
    # The priors are weakly informative: much wider than the posterior, covering the data.
    assert np.median(np.log(phi / plo)) > 20 * np.median(np.log(hi / lo))
    assert np.mean((observed >= plo) & (observed <= phi)) > 0.9


@pytest.mark.slow
def test_fit_save_load_and_load_fit(chinchilla_fit, tmp_path):
    import scaling

    every = scaling.load_fit(chinchilla_fit.save(tmp_path / "every.nc", max_draws=None))
    assert every.params == pytest.approx(chinchilla_fit.params, rel=1e-5)  # every draw, at 6 digits
    path = chinchilla_fit.save(tmp_path / "bayes.nc")
    back = scaling.load_fit(path)
    # the saved form: 1,000 of the 2,000 draws (each chain thinned evenly); medians within their MC error
    assert len(chinchilla_fit.draws) == 2000 and len(back.draws) == 1000
    assert back.params == pytest.approx(chinchilla_fit.params, rel=0.02)
    assert back.warnings() == chinchilla_fit.warnings()
    attrs = back.idata.posterior.attrs
    assert attrs["schema"] == "scaling.bayes" and int(attrs["schema_version"]) == 3
    assert attrs["sampler"] == "nutpie" and int(attrs["seed"]) == 0
    assert json.loads(attrs["settings"])["draws"] == 1000
    assert {"scaling_version", "created", "data_sha256"} <= set(attrs)


@pytest.mark.slow
def test_optimal_with_bayes_result(chinchilla_fit):
    import scaling

    opt = scaling.optimal(chinchilla_fit, compute_flops=5.76e23, level=0.9)
    s = opt.summary()
    for col in ("n_params", "n_tokens"):
        lo, mid, hi = s.loc[col, "lower"], s.loc[col, "value"], s.loc[col, "upper"]
        assert 0 < lo < mid < hi
    n = s.loc["n_params", "value"]
    # The replication's point fit gives N = 72.4B at Chinchilla's budget; the posterior
    # median should be in the same region (not Hoffmann's 40B).
    assert 50e9 < n < 110e9
    assert s.loc["n_params", "lower"] < 72.4e9 < s.loc["n_params", "upper"]


@pytest.mark.slow
def test_same_seed_same_draws_and_tiny_run_warns():
    from scaling import bayes

    runs = datasets.load("chinchilla_runs")
    r1 = bayes.fit(runs, seed=3, draws=20, tune=20)
    r2 = bayes.fit(runs, seed=3, draws=20, tune=20)
    pd.testing.assert_frame_equal(r1.draws, r2.draws)
    assert "warning: bulk ESS of" in r1.report()


@pytest.mark.slow
def test_pymc_sampler_runs():
    from scaling import bayes

    res = bayes.fit(datasets.load("chinchilla_runs"), sampler="pymc", seed=1, draws=150, tune=150)
    assert res.settings["sampler"] == "pymc" and len(res.draws) == 300
    assert 1.7 < res.params["E"] < 1.9 and 0.3 < res.params["alpha"] < 0.4


def test_cli_optimal_reads_the_shipped_posterior():
    if not SHIPPED_NC.exists():
        pytest.skip("fits/chinchilla_bayes.nc not built yet")
    from click.testing import CliRunner

    from scaling.cli import main

    r = CliRunner().invoke(main, ["optimal", "--fit", str(SHIPPED_NC), "--compute", "5.76e23", "--json"])
    assert r.exit_code == 0, r.output
    q = json.loads(r.stdout)["quantities"]["n_params"]  # warnings, if any, go to stderr
    assert q["lower"] < q["value"] < q["upper"]
    assert json.loads(r.stdout)["n_draws"] == 1000  # the saved posterior keeps 1,000 of its 2,000 draws
    bad = CliRunner().invoke(main, ["optimal", "--fit", str(ROOT / "pyproject.toml"), "--compute", "1e23"])
    assert bad.exit_code == 2


def test_cli_optimal_prints_the_posterior_warnings(tmp_path):
    from click.testing import CliRunner

    from scaling.cli import main

    bad = _fake_result(chain_shift=3.0, divergences=4, draws=100, autocorr=0.9)
    path = tmp_path / "bad.nc"
    bad.save(path)
    result = CliRunner().invoke(main, ["optimal", "--fit", str(path), "--compute", "5.76e23"])
    assert result.exit_code == 0, result.output
    assert "warning: R-hat of" in result.output and "divergent" in result.output
    assert "N (parameters)" in result.output


def test_loads_version_2_posterior_and_saves_it_thinned(tmp_path):
    """A version-2 posterior (every draw, full precision) still loads; saved again, it is version 3:
    at most 1,000 draws (each chain thinned evenly), the posterior at 6 significant digits."""
    import json as _json
    from pathlib import Path as _Path

    from scaling.bayes.result import SCHEMA_VERSION, compact_idata
    from scaling.fitting import load_fit

    old = load_fit(_Path(__file__).parent / "data" / "bayes_v2_chinchilla.nc")
    assert int(old.idata.posterior.attrs["schema_version"]) == 2 and len(old.draws) == 40
    back = load_fit(old.save(tmp_path / "again.nc"))
    assert int(back.idata.posterior.attrs["schema_version"]) == SCHEMA_VERSION == 3
    np.testing.assert_allclose(back.draws.to_numpy(), old.draws.to_numpy(), rtol=1e-5)
    assert _json.loads(back.idata.posterior.attrs["settings"]) == old.settings
    thin = compact_idata(old.idata, max_draws=10)
    assert thin.posterior.sizes["draw"] == 5 and thin.posterior.sizes["chain"] == 2
    assert list(thin.posterior["draw"].values) == [0, 4, 8, 12, 16]
