"""The data-constrained law (Muennighoff et al. 2023): formula, gradient, published fit, fitting."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from scaling import datasets, fitting, library
from scaling.errors import ScalingError
from scaling.laws import get_law

# The published fit (README of huggingface/datablations, "Parametric Fit").
PUBLISHED = dict(E=math.exp(0.6254804), A=math.exp(6.255414), B=math.exp(7.3049974), alpha=0.3526596,
                 R_D_star=15.387756, R_N_star=5.309743)


@pytest.fixture(scope="module")
def runs():
    return datasets.load("muennighoff_runs")


@pytest.mark.parametrize("n_params,n_tokens,expected", [(6.34e9, 242e9, 2.2256), (8.67e9, 178e9, 2.2270)])
def test_published_predictions_reproduce(n_params, n_tokens, expected):
    # The paper's two models on 25B unique tokens; the README prints 2.2256440889984477
    # and 2.2269634075087867.
    law = get_law("data_constrained")
    got = float(law.predict(PUBLISHED, n_params, n_tokens, n_unique_tokens=25e9))
    assert round(got, 4) == expected
    fit = library.published_fit("muennighoff2023")
    assert float(fit.predict(n_params, n_tokens, n_unique_tokens=25e9)) == pytest.approx(got, rel=1e-15)


def test_no_repetition_is_chinchilla_with_tied_exponents():
    # D = U (one epoch) and N below U_N = (A/B)^(1/alpha) U: N' = N, D' = D.
    law = get_law("data_constrained")
    p = PUBLISHED
    u_n = (p["A"] / p["B"]) ** (1 / p["alpha"]) * 1e10
    n = 0.5 * u_n
    expected = p["E"] + p["A"] / n ** p["alpha"] + p["B"] / 1e10 ** p["alpha"]
    assert float(law.predict(p, n, 1e10, n_unique_tokens=1e10)) == pytest.approx(expected, rel=1e-14)


def test_repetition_is_worth_less_and_saturates():
    law = get_law("data_constrained")
    u = 1e9
    epochs = np.array([1.0, 2.0, 4.0, 16.0, 64.0, 1e3, 1e6])
    loss = law.predict(PUBLISHED, 1e8, u * epochs, n_unique_tokens=u)
    assert np.all(np.diff(loss) <= 0) and np.all(np.diff(loss)[:5] < 0)  # more epochs never hurt
    fresh = law.predict(PUBLISHED, 1e8, u * epochs, n_unique_tokens=u * epochs)
    assert np.all(loss[1:] > fresh[1:])  # but are worth less than fresh tokens
    # D' <= U (1 + R_D*): the limit of unbounded repetition
    limit = float(law.predict(PUBLISHED, 1e8, np.inf, n_unique_tokens=u))
    assert loss[-1] == pytest.approx(limit, rel=1e-12) and limit < loss[-3]


@pytest.mark.parametrize("name", ["data_constrained", "data_constrained_untied"])
def test_gradient_matches_central_differences(name, runs):
    law = get_law(name)
    log_n, log_d, log_u = (np.log(runs[c].to_numpy(float)) for c in ("n_params", "n_tokens", "n_unique_tokens"))
    bound = law.at(n_unique_tokens=runs["n_unique_tokens"].to_numpy(float))
    rng = np.random.default_rng(1)
    theta = law.from_params({**PUBLISHED, "beta": 0.33}) + 0.1 * rng.standard_normal((4, len(law.theta_names)))
    y, vjp = bound.log_predict_vjp(theta, log_n, log_d)
    params = {k: v[:, None] for k, v in law.to_params(theta).items()}
    pred = law.predict(params, np.exp(log_n), np.exp(log_d), n_unique_tokens=np.exp(log_u))
    np.testing.assert_allclose(y, np.log(pred), rtol=0, atol=1e-12)
    v = rng.standard_normal(y.shape)
    g = vjp(v)
    h = 1e-6
    for j in range(theta.shape[1]):
        step = np.zeros(theta.shape[1])
        step[j] = h
        fd = ((bound.log_predict_vjp(theta + step, log_n, log_d)[0]
               - bound.log_predict_vjp(theta - step, log_n, log_d)[0]) / (2 * h) * v).sum(axis=1)
        np.testing.assert_allclose(g[:, j], fd, rtol=1e-6, atol=1e-6)


def test_bound_law_allocates_on_the_isoflop_minimum():
    law = get_law("data_constrained").at(n_unique_tokens=25e9)
    c = 1e23
    n, d = law.allocate(PUBLISHED, c)
    assert 6 * n * d == pytest.approx(c, rel=1e-12)
    best = float(law.predict(PUBLISHED, n, d))
    for f in (0.9, 1.1):
        assert best < float(law.predict(PUBLISHED, n * f, d / f))
    # with little data the optimum repeats it, but less than unconstrained Chinchilla would
    assert d / 25e9 > 1


def test_bad_inputs():
    law = get_law("data_constrained")
    with pytest.raises(ScalingError, match="n_unique_tokens = 2e\\+10 is above n_tokens = 1e\\+10"):
        law.predict(PUBLISHED, 1e9, 1e10, n_unique_tokens=2e10)
    with pytest.raises(ScalingError, match="needs n_unique_tokens"):
        law.predict(PUBLISHED, 1e9, 1e10)
    with pytest.raises(ScalingError, match="needs n_unique_tokens to answer"):
        law.allocate(PUBLISHED, 1e22)
    with pytest.raises(ScalingError, match="n_unique_tokens must be a finite number"):
        law.at(n_unique_tokens=-1.0)
    with pytest.raises(ScalingError, match="chinchilla law takes no n_unique_tokens"):
        get_law("chinchilla").predict(dict(E=1.7, A=400, B=400, alpha=0.3, beta=0.3), 1e9, 1e10,
                                      n_unique_tokens=1e9)


def test_fit_needs_unique_tokens_within_tokens(runs):
    with pytest.raises(ScalingError, match="needs a 'n_unique_tokens' column"):
        fitting.fit(runs.drop(columns=["n_unique_tokens"]), law="data_constrained", grid="coarse")
    bad = runs.copy()
    bad.loc[0, "n_unique_tokens"] = bad.loc[0, "n_tokens"] * 2
    with pytest.raises(ScalingError, match="epochs .* must be >= 1"):
        fitting.fit(bad, law="data_constrained", grid="coarse")


def test_fit_beats_the_published_parameters_on_these_runs(runs, tmp_path):
    fit = fitting.fit(runs, law="data_constrained", grid="coarse", bootstrap=8, seed=3)
    assert fit.n_runs == 250 and fit.n_excluded == 33
    kept = runs[~runs["excluded"]]
    args = (kept["n_params"].to_numpy(), kept["n_tokens"].to_numpy())
    unique = kept["n_unique_tokens"].to_numpy()
    ours = np.log(fit.predict(*args, n_unique_tokens=unique) / kept["loss"].to_numpy())
    published = np.log(library.published_fit("muennighoff2023").predict(*args, n_unique_tokens=unique)
                       / kept["loss"].to_numpy())
    assert np.sqrt(np.mean(ours**2)) < np.sqrt(np.mean(published**2))
    frame = fit.predict(1e9, 2e10, n_unique_tokens=1e9, level=0.5)
    assert list(frame.columns) == ["n_params", "n_tokens", "n_unique_tokens", "median", "lower", "upper"]
    assert frame["lower"].iloc[0] <= frame["upper"].iloc[0]
    loaded = fitting.load_fit(fit.save(tmp_path / "dc.json"))
    assert loaded.law == "data_constrained" and loaded.params == pytest.approx(fit.params)
    assert len(loaded.draws) == 8


def test_optimal_under_a_cap_on_unique_data():
    from scaling import sizing

    fit = library.published_fit("muennighoff2023")
    # the paper's example: 25B unique tokens and the compute of 6.34B parameters on 242B tokens
    c = 6 * 6.34e9 * 242e9
    r = sizing.optimal(fit, compute_flops=c, unique_tokens=25e9)
    p = r.point
    assert p["epochs"] == pytest.approx(p["n_tokens"] / 25e9, rel=1e-12)
    assert 6 * p["n_params"] * p["n_tokens"] == pytest.approx(c, rel=1e-9)
    law = get_law("data_constrained")
    for f in (0.8, 1.25):  # the optimum on 6ND = C
        assert p["loss"] < float(law.predict(PUBLISHED, p["n_params"] * f, p["n_tokens"] / f, n_unique_tokens=25e9))
    # fewer unique tokens: a worse loss and more epochs
    scarce = sizing.optimal(fit, compute_flops=c, unique_tokens=5e9).point
    assert scarce["loss"] > p["loss"] and scarce["epochs"] > p["epochs"]
    # a target loss is answered too (least compute under the cap)
    t = sizing.optimal(fit, target_loss=p["loss"] + 0.01, unique_tokens=25e9).point
    assert t["compute_flops"] < c


def test_optimal_with_intervals_from_a_bootstrap(runs):
    from scaling import sizing

    fit = fitting.fit(runs, law="data_constrained", grid="coarse", bootstrap=20, seed=0)
    s = sizing.optimal(fit, compute_flops=1e21, unique_tokens=1e10).summary()
    for q in ("n_params", "n_tokens", "epochs", "loss"):
        assert s.loc[q, "lower"] <= s.loc[q, "value"] <= s.loc[q, "upper"]


@pytest.mark.parametrize("args,message", [
    (["--law", "muennighoff2023", "--compute", "1e22"], "needs the unique tokens available"),
    (["--law", "hoffmann2022", "--compute", "1e22", "--unique-tokens", "1e9"], "applies to a data-constrained law"),
    (["--law", "muennighoff2023", "--compute", "1e22", "--unique-tokens", "0"], "unique_tokens must be"),
])
def test_cli_bad_input_is_one_error_line(args, message):
    from click.testing import CliRunner

    from scaling.cli import main

    r = CliRunner().invoke(main, ["optimal", *args])
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output


def test_cli_answers_with_epochs():
    from click.testing import CliRunner

    from scaling.cli import main

    r = CliRunner().invoke(main, ["optimal", "--law", "muennighoff2023", "--compute", "1e22",
                                  "--unique-tokens", "25e9"])
    assert r.exit_code == 0, r.output
    assert "epochs" in r.output and "C4" in r.output


# -- the Bayesian option (scaling.bayes) ----------------------------------------------------
# Least-squares fit of the 250 kept runs (docs/data-constrained.md), the centre of the fake posteriors.
LSQ = dict(E=2.035, A=712.0, B=3750.0, alpha=0.375, R_D_star=31.8, R_N_star=176.0)


def _fake_posterior(runs, law="data_constrained", draws=400, seed=0, data_path=""):
    """A data-constrained BayesFitResult from independent draws around ``LSQ`` (no sampling)."""
    from scaling.bayes.result import SCHEMA, SCHEMA_VERSION, BayesFitResult, import_arviz, stamp

    az = import_arviz()
    rng = np.random.default_rng(seed)
    centre = {**LSQ, "beta": LSQ["alpha"], "sigma": 0.02, "nu": 3.0}
    rel = {"E": 0.01, "A": 0.1, "B": 0.1, "alpha": 0.01, "beta": 0.01, "R_D_star": 0.1, "R_N_star": 0.3,
           "sigma": 0.05, "nu": 0.1}
    names = get_law(law).param_names + ("sigma", "nu")
    post = {k: centre[k] * np.exp(rel[k] * rng.standard_normal((2, draws))) for k in names}
    kept = runs.loc[~runs["excluded"]]
    sha = datasets.runs_sha256(runs)
    idata = az.from_dict(posterior=post, sample_stats={"diverging": np.zeros((2, draws), bool)},
                         constant_data={c: kept[c].to_numpy(float) for c in ("n_params", "n_tokens", "n_unique_tokens")},
                         dims={c: ["run"] for c in ("n_params", "n_tokens", "n_unique_tokens")})
    settings = {"sampler": "fake", "draws": draws, "tune": 0, "chains": 2}
    stamp(idata, {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, "scaling_version": "test", "law": law,
                  "method": "bayes", "data_sha256": sha, "seed": seed, "sampler": "fake", "n_runs": len(kept),
                  "n_excluded": len(runs) - len(kept), "created": "2026-01-01T00:00:00+00:00", "settings": settings,
                  "data_path": data_path})
    return BayesFitResult.from_idata(idata, law=law, n_runs=len(kept), n_excluded=len(runs) - len(kept),
                                     data_sha256=sha, seed=seed, settings=settings, data_path=data_path)


def test_bayes_model_is_the_law():
    """The PyTensor log-loss of the PyMC model equals scaling.laws' law, tied and untied, on every run."""
    import pytensor
    import pytensor.tensor as pt

    from scaling.bayes.model import dc_log_loss

    runs = datasets.load("muennighoff_runs")
    n, d, u = (runs[c].to_numpy(float) for c in ("n_params", "n_tokens", "n_unique_tokens"))
    for name, beta in (("data_constrained", PUBLISHED["alpha"]), ("data_constrained_untied", 0.29)):
        p = {**PUBLISHED, "beta": beta}
        scalars = [pt.as_tensor(float(v)) for v in (math.log(p["E"]), math.log(p["A"]), math.log(p["B"]),
                                                    p["alpha"], beta, math.log(p["R_D_star"]),
                                                    math.log(p["R_N_star"]))]
        expr = dc_log_loss(np.log(n), np.log(d), np.log(u), *scalars, tied=name == "data_constrained")
        got = pytensor.function([], expr, mode="FAST_COMPILE")()  # Python linker: no C compile
        want = np.log(get_law(name).predict(p, n, d, n_unique_tokens=u))
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_bayes_fit_needs_unique_tokens_within_tokens(runs):
    from click.testing import CliRunner

    from scaling import bayes
    from scaling.cli import main

    for call in (lambda r: bayes.fit(r, law="data_constrained"),
                 lambda r: fitting.fit(r, law="data_constrained", method="bayes")):
        with pytest.raises(ScalingError, match="data_constrained law needs a 'n_unique_tokens' column"):
            call(runs.drop(columns=["n_unique_tokens"]))
    bad = runs.copy()
    bad.loc[3, "n_unique_tokens"] = bad.loc[3, "n_tokens"] * 2
    with pytest.raises(ScalingError, match="epochs .* must be >= 1"):
        bayes.fit(bad, law="data_constrained_untied")
    r = CliRunner().invoke(main, ["fit", "--law", "data_constrained", "--method", "bayes"])  # Chinchilla's runs
    assert r.exit_code == 2 and "needs a 'n_unique_tokens' column" in r.output and "Traceback" not in r.output
    assert len([line for line in r.output.splitlines() if line.startswith("error:")]) == 1


def test_bayes_result_predicts_saves_and_sizes(runs, tmp_path):
    """Everything a Bayesian chinchilla fit answers, for a (synthetic) data-constrained posterior."""
    from click.testing import CliRunner

    from scaling import bayes, sizing
    from scaling.cli import main

    res = _fake_posterior(runs)
    assert set(res.params) == set(get_law("data_constrained").param_names)
    s = res.summary()
    assert {"R_D_star", "R_N_star", "sigma", "nu"} <= set(s.index) and "beta" not in s.index
    point = res.predict(6.34e9, 242e9, n_unique_tokens=25e9)
    assert float(point) == pytest.approx(float(get_law("data_constrained").predict(res.params, 6.34e9, 242e9,
                                                                                  n_unique_tokens=25e9)))
    frame = res.predict([6.34e9, 8.67e9], [242e9, 178e9], n_unique_tokens=25e9, level=0.9)
    assert list(frame.columns) == ["n_params", "n_tokens", "n_unique_tokens", "median", "lower", "upper"]
    assert (frame["lower"] < frame["median"]).all() and (frame["median"] < frame["upper"]).all()
    new = res.predict(6.34e9, 242e9, n_unique_tokens=25e9, level=0.9, interval="new")
    assert new["upper"].iloc[0] - new["lower"].iloc[0] > frame["upper"].iloc[0] - frame["lower"].iloc[0]
    with pytest.raises(ScalingError, match="needs n_unique_tokens"):
        res.predict(1e9, 1e10, level=0.9)
    with pytest.raises(ScalingError, match="is above n_tokens"):
        res.predict(1e9, 1e10, n_unique_tokens=2e10)
    assert [w.code for w in res.warnings()] == []
    # save / load
    path = res.save(tmp_path / "dc.nc")
    back = fitting.load_fit(path, runs=runs)
    assert back.law == "data_constrained" and back.params == pytest.approx(res.params, rel=1e-5)  # 6 digits kept
    assert back.data_range == pytest.approx(res.data_range) and back.data_range["n_params_max"] < 5e9
    # sizing under a cap on unique data, with posterior intervals
    opt = sizing.optimal(back, compute_flops=1e22, unique_tokens=25e9)
    q = opt.summary()
    for name in ("n_params", "n_tokens", "epochs", "loss"):
        assert q.loc[name, "lower"] < q.loc[name, "value"] < q.loc[name, "upper"], name
    assert opt.n_draws == 800 and q.loc["epochs", "value"] == pytest.approx(q.loc["n_tokens", "value"] / 25e9)
    with pytest.raises(ScalingError, match="needs the unique tokens"):
        sizing.optimal(back, compute_flops=1e22)
    r = CliRunner().invoke(main, ["optimal", "--law", str(path), "--compute", "1e22", "--unique-tokens", "25e9"])
    assert r.exit_code == 0, r.output
    assert "epochs" in r.output and "C4" in r.output  # the loss is named by the fit's data (hash)
    assert bayes.load(path).data_path == ""


def _synthetic_runs(runs, truth, noise, seed):
    """The design of the kept runs, with losses from the law at ``truth`` times log-normal noise."""
    cols = ["run_id", "n_params", "n_tokens", "n_unique_tokens"]  # run_id: seeds of one configuration
    kept = runs.loc[~runs["excluded"], cols].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    loss = get_law("data_constrained").predict(truth, kept["n_params"], kept["n_tokens"],
                                               n_unique_tokens=kept["n_unique_tokens"])
    return kept.assign(loss=np.asarray(loss) * np.exp(noise * rng.standard_normal(len(kept))))


@pytest.mark.slow
def test_bayes_fit_lands_near_least_squares(runs, tmp_path):
    """A short real fit (nutpie, 2 x 300 draws) of runs read from a CSV: medians near the least-squares fit."""
    from scaling import bayes

    csv = tmp_path / "synthetic_dc.csv"
    _synthetic_runs(runs, LSQ, noise=0.02, seed=7).to_csv(csv, index=False)
    mine = datasets.read_runs(csv)
    lsq = fitting.fit(mine, law="data_constrained", bootstrap=100, seed=0)
    res = bayes.fit(mine, law="data_constrained", draws=300, tune=300, chains=2, seed=0)
    assert (res.law, res.n_runs, res.data_path) == ("data_constrained", 250, str(csv))
    post = res.summary(level=0.98)
    boot = lsq.summary(level=0.98)
    for name in ("E", "A", "B", "alpha", "R_D_star"):
        # within the posterior's 98% interval, or the posterior median within the bootstrap's
        inside_post = post.loc[name, "lower"] <= lsq.params[name] <= post.loc[name, "upper"]
        inside_boot = boot.loc[name, "lower"] <= res.params[name] <= boot.loc[name, "upper"]
        assert inside_post or inside_boot, (name, res.params[name], lsq.params[name], post.loc[name], boot.loc[name])
    assert res.params["E"] == pytest.approx(lsq.params["E"], rel=0.05)
    assert res.params["alpha"] == pytest.approx(lsq.params["alpha"], abs=0.05)
    assert res.diagnostics["max_r_hat"] < 1.1  # a short chain: gross non-convergence fails
    back = bayes.load(res.save(tmp_path / "dc.nc"))
    assert back.data_path == str(csv) and back.params == pytest.approx(res.params, rel=1e-5)  # 6 digits kept
    assert "n_unique_tokens" in back.idata.constant_data
    assert json.loads(back.idata.posterior.attrs["settings"])["priors"]["log_R_D_star"].startswith("Normal(log 10")
