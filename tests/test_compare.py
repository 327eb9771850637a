"""scaling.compare: held-out ranking of laws, its result, CLI and the tied-exponent law."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from PIL import Image

from scaling import compare, fitting, laws, plot
from scaling._style import SAVE_DPI
from scaling.cli import main
from scaling.errors import ScalingError

TRUE = dict(E=1.8, A=480.0, B=2100.0, alpha=0.35, beta=0.37)


def _synthetic(seed=0, sigma=0.0075, sizes=7, per_size=6, law="chinchilla", params=TRUE):
    """Runs of a known law on an isoFLOP-like design, log-normal noise of scale ``sigma``."""
    rng = np.random.default_rng(seed)
    n = np.repeat(np.geomspace(5e7, 5e9, sizes), per_size)
    ratio = np.tile(np.geomspace(5, 80, per_size), sizes)
    d = n * ratio
    loss = laws.get_law(law).predict(params, n, d) * np.exp(sigma * rng.standard_normal(n.size))
    return pd.DataFrame({"n_params": n, "n_tokens": d, "loss": loss})


@pytest.fixture(scope="module")
def result():
    return compare.compare(_synthetic(), laws=("chinchilla", "kaplan"), published=("hoffmann2022",),
                           bootstrap=0, seed=3)


def test_size_groups_agree_with_distinct_count():
    rng = np.random.default_rng(1)
    n = np.concatenate([s * (1 + 0.01 * rng.random(4)) for s in (1e8, 2e8, 2.15e8, 5e8, 1e9)])
    g = compare.size_groups(n)
    assert g.max() + 1 == fitting._n_distinct(n) == 4  # 2e8 and 2.15e8 (7.5% apart) are one size
    assert (np.diff(g[np.argsort(n)]) >= 0).all()


def test_true_law_wins_and_intervals_cover(result):
    s = result.ranking()
    assert list(s.columns[:3]) == ["kind", "n_free", "rms_in_sample"]
    # the contract's summary: the first scheme's held-out RMS as value (no draws), then the ranking
    summ = result.summary()
    assert list(summ.index) == list(s.index) and summ["lower"].isna().all()
    np.testing.assert_array_equal(summ["value"], s["loso_rms"])
    assert result.params == dict(s["loso_rms"])
    assert s.loc["chinchilla", "loso_rms"] < s.loc["kaplan", "loso_rms"]
    assert s.loc["chinchilla", "loso_rank"] == 1
    # the data are the law plus noise of scale 0.0075: held-out error near that, not far below
    assert 0.005 < s.loc["chinchilla", "loso_rms"] < 0.015
    # 42 held-out runs, nominal 90%: a wide binomial band
    assert 0.7 <= s.loc["chinchilla", "loso_coverage"] <= 1.0
    assert s.loc["hoffmann2022", "kind"] == "published" and s.loc["hoffmann2022", "n_free"] == 0
    # every run is held out once by loso, and the largest sizes by extrapolate
    pred = result.predictions
    loso = pred[(pred.law == "chinchilla") & (pred.scheme == "loso")]
    assert len(loso) == 42 and loso["n_params"].nunique() == 7
    ext = pred[(pred.law == "chinchilla") & (pred.scheme == "extrapolate")]
    assert ext["n_params"].min() == pred["n_params"].max()
    # a fitted law's interval holds its prediction (a published fit's need not: its residuals may be
    # all on one side on these data)
    own = pred[pred.law == "chinchilla"]
    assert (own["lower"] <= own["predicted"]).all() and (own["predicted"] <= own["upper"]).all()


def test_published_fit_is_not_refitted(result):
    from scaling import library

    pub = library.published_fit("hoffmann2022")
    p = result.predictions[result.predictions.law == "hoffmann2022"]
    expected = pub.predict(p["n_params"].to_numpy(), p["n_tokens"].to_numpy())
    np.testing.assert_allclose(p["predicted"], expected, rtol=1e-12)


def test_save_and_figure(result, tmp_path):
    out = result.save(tmp_path / "cmp.json")
    payload = json.loads(out.read_text())
    assert payload["schema"] == "scaling.compare" and payload["data_sha256"] == result.data_sha256
    assert [r["law"] for r in payload["summary"]] == list(result.summary().index)
    assert len(payload["predictions"]["law"]) == len(result.predictions)
    ax = plot.held_out_errors(result, **plot.CAPTIONS)
    plot.savefig(ax, tmp_path / "cmp.png")
    assert (tmp_path / "cmp.png").stat().st_size > 1000 and len(ax.figure.axes) == 1
    # a preset of the package (page: 7 in wide), saved by the one figure-saving path at its dpi
    assert tuple(ax.figure.get_size_inches()) == plot.SIZES["page"]
    with Image.open(tmp_path / "cmp.png") as im:
        assert im.size == (round(7.0 * SAVE_DPI), round(4.4 * SAVE_DPI))
    texts = [t.get_text() for t in ax.figure.texts]
    assert "Held-out error of each law" in texts and any("hatched: published fits" in t for t in texts)
    hatched = [b for b in ax.patches if b.get_hatch()]
    assert len(hatched) == 2  # hoffmann2022, in both schemes
    with pytest.raises(ScalingError, match="saved as .json"):
        result.save(tmp_path / "cmp.csv")
    with pytest.raises(ScalingError, match="CompareResult"):
        plot.held_out_errors({"summary": 1})


def test_deprecated_figure_aliases(result, tmp_path):
    with pytest.warns(DeprecationWarning, match="held_out_errors"):
        fig = result.figure(tmp_path / "old.png")
    assert (tmp_path / "old.png").stat().st_size > 1000 and len(fig.axes) == 1
    with pytest.warns(DeprecationWarning, match="held_out_errors"):
        plot_compare = compare.plot_compare
    assert len(plot_compare(result).axes) == 1
    with pytest.raises(AttributeError):
        compare.no_such_name
    assert "plot_compare" not in compare.__all__


def test_bad_input():
    runs = _synthetic()
    with pytest.raises(ScalingError, match="unknown law 'chinchila'"):
        compare.compare(runs, laws=("chinchila",))
    with pytest.raises(ScalingError, match="unknown published law"):
        compare.compare(runs, laws=(), published=("nope",))
    with pytest.raises(ScalingError, match="unknown scheme"):
        compare.compare(runs, schemes=("kfold",))
    with pytest.raises(ScalingError, match="at least 4"):
        compare.compare(_synthetic(sizes=3), laws=("chinchilla",), bootstrap=0)
    with pytest.raises(ScalingError, match="named twice"):
        compare.compare(runs, laws="chinchilla,chinchilla")


def test_cli(tmp_path):
    path = tmp_path / "runs.csv"
    _synthetic(seed=5).to_csv(path, index=False)
    r = CliRunner().invoke(main, ["compare", "--data", str(path), "--laws", "chinchilla_tied",
                                  "--bootstrap", "8", "-o", str(tmp_path / "c.json"), "--figure",
                                  str(tmp_path / "c.svg")])
    assert r.exit_code == 0, r.output
    assert "chinchilla_tied" in r.output and "loso rms" in r.output and (tmp_path / "c.json").exists()
    svg = (tmp_path / "c.svg").read_text()
    assert 'width="504pt"' in svg and "Held-out error of each law" in svg  # the page preset, with captions
    bad = CliRunner().invoke(main, ["compare", "--data", str(path), "--laws", "nolaw"])
    assert bad.exit_code == 2 and bad.output.strip().startswith("error: unknown law 'nolaw'")


# -- the tied-exponent law ---------------------------------------------------------------
def test_tied_law_is_chinchilla_with_equal_exponents():
    tied, chin = laws.get_law("chinchilla_tied"), laws.get_law("chinchilla")
    p4 = dict(E=1.8, A=500.0, B=1800.0, alpha=0.36)
    p5 = {**p4, "beta": 0.36}
    n, d = np.geomspace(1e8, 1e11, 5), np.geomspace(1e9, 1e13, 5)
    np.testing.assert_allclose(tied.predict(p4, n, d), chin.predict(p5, n, d), rtol=1e-14)
    np.testing.assert_allclose(tied.allocate(p4, 1e23), chin.allocate(p5, 1e23), rtol=1e-12)
    assert tied.derived(p4)["a"] == 0.5
    # gradient of the log-prediction against central differences
    rng = np.random.default_rng(0)
    theta = tied.from_params(p4)[None, :]
    log_n, log_d = np.log(n), np.log(d)
    y, vjp = tied.log_predict_vjp(theta, log_n, log_d)
    v = rng.standard_normal(y.shape)
    g = vjp(v)[0]
    h = 1e-6
    num = [((tied.log_predict_vjp(theta + h * e, log_n, log_d)[0] - tied.log_predict_vjp(theta - h * e, log_n,
                                                                                        log_d)[0]) * v).sum() / (2 * h)
           for e in np.eye(4)]
    np.testing.assert_allclose(g, num, rtol=1e-6)


def test_tied_fit_recovers_its_exponent():
    runs = _synthetic(seed=2, law="chinchilla_tied", params=dict(E=1.8, A=500.0, B=1800.0, alpha=0.36))
    res = fitting.fit(runs, law="chinchilla_tied", grid="coarse")
    assert abs(res.params["alpha"] - 0.36) < 0.05


# -- runs from several groups (datasets, tokenizers) ---------------------------------------
def _two_groups(seed=0):
    """Group "a": the law; group "b": its losses 1.5x (another tokenizer's unit scales every term),
    on sizes 20% larger (so that the pooled table has no repeated runs)."""
    a = _synthetic(seed=seed)
    b = _synthetic(seed=seed + 1, params={**TRUE, "E": 1.5 * TRUE["E"], "A": 1.5 * TRUE["A"], "B": 1.5 * TRUE["B"]})
    b[["n_params", "n_tokens"]] *= 1.2
    return pd.concat([a.assign(group="a"), b.assign(group="b")], ignore_index=True)


@pytest.fixture(scope="module")
def grouped():
    return compare.compare(_two_groups(), laws=("chinchilla", "kaplan"), published=("hoffmann2022",),
                           bootstrap=0, seed=3)


def test_groups_are_compared_one_by_one(grouped):
    assert isinstance(grouped, compare.GroupedCompareResult)
    assert list(grouped.by_group) == ["a", "b"] and grouped.settings["group_labels"] == ["a", "b"]
    for g, res in grouped.by_group.items():
        s = res.summary()
        # each group alone is its law plus noise of scale 0.0075: the true law wins at that error
        assert s.index[0] == "chinchilla" and s.loc["chinchilla", "loso_rank"] == 1, g
        assert 0.005 < s.loc["chinchilla", "loso_rms"] < 0.015, g
        assert res.settings["n_runs"] == 42
    # group a alone is the ungrouped comparison of the same runs
    alone = compare.compare(_synthetic(), laws=("chinchilla", "kaplan"), published=("hoffmann2022",),
                            bootstrap=0, seed=3)
    pd.testing.assert_frame_equal(grouped.by_group["a"].summary(), alone.summary())


def test_pooling_the_groups_would_be_visibly_wrong(grouped):
    # what compare did before groups were respected: one law over both groups
    pooled = compare.compare(_two_groups().drop(columns="group"), laws=("chinchilla",), bootstrap=0, seed=3)
    pooled_rms = pooled.summary().loc["chinchilla", "loso_rms"]
    per_group = grouped.combined().loc["chinchilla", "loso_rms"]
    assert pooled_rms > 0.1 > 0.015 > per_group  # the 1.5x gap (log 1.5 = 0.41), not the noise
    with pytest.raises(ScalingError, match=r"2 group\(s\) \('a', 'b'\).*Drop the 'group' column"):
        compare.compare(_two_groups(), laws=("chinchilla",), bootstrap=0, groups="pool")
    with pytest.raises(ScalingError, match="unknown groups 'shared'"):
        compare.compare(_two_groups(), groups="shared")


def test_combined_is_the_mean_of_the_groups(grouped):
    comb = grouped.combined()
    a, b = (grouped.by_group[g].summary() for g in ("a", "b"))
    for law in ("chinchilla", "kaplan", "hoffmann2022"):
        for col in ("loso_rms", "extrapolate_rms", "loso_coverage", "rms_in_sample"):
            assert comb.loc[law, col] == pytest.approx((a.loc[law, col] + b.loc[law, col]) / 2, rel=1e-12)
        assert comb.loc[law, "loso_mean_rank"] == (a.loc[law, "loso_rank"] + b.loc[law, "loso_rank"]) / 2
    assert comb.index[0] == "chinchilla" and comb.loc["chinchilla", "loso_rank"] == 1
    assert (comb["n_groups"] == 2).all() and comb.loc["hoffmann2022", "kind"] == "published"
    summ = grouped.ranking()
    assert summ.index.names == ["group", "law"]
    assert list(dict.fromkeys(summ.index.get_level_values("group"))) == ["a", "b", compare.COMBINED]


def test_grouped_save_figure_and_warnings(grouped, tmp_path):
    payload = json.loads(grouped.save(tmp_path / "g.json").read_text())
    assert payload["schema"] == "scaling.compare" and set(payload["groups"]) == {"a", "b"}
    assert payload["groups"]["b"]["data_sha256"] != payload["data_sha256"]
    assert [r["law"] for r in payload["combined"]] == list(grouped.combined().index)
    axes = plot.held_out_errors(grouped)
    assert len(axes) == 2 and "group b" in axes[1].get_title(loc="left") and axes[0].figure is axes[1].figure
    assert plot.savefig(axes, tmp_path / "g.png").stat().st_size > 1000
    with pytest.raises(ScalingError, match="got 1 Axes for 2 panel"):
        plot.held_out_errors(grouped, ax=axes[0])
    assert all(w.message.startswith(("group 'a'", "group 'b'")) for w in grouped.warnings())


def test_a_group_too_small_is_named():
    runs = pd.concat([_synthetic().assign(group="big"), _synthetic(sizes=3, seed=4).assign(group="tiny")],
                     ignore_index=True)
    runs.loc[runs.group == "tiny", "n_params"] *= 1.01
    with pytest.raises(ScalingError, match="group 'tiny': the runs have 3 distinct model sizes"):
        compare.compare(runs, laws=("chinchilla",), bootstrap=0)


def test_cli_groups(tmp_path):
    path = tmp_path / "runs.csv"
    _two_groups(seed=6).to_csv(path, index=False)
    r = CliRunner().invoke(main, ["compare", "--data", str(path), "--laws", "chinchilla,kaplan", "--bootstrap", "0"])
    assert r.exit_code == 0, r.output
    assert "group a: 42 runs, 7 model sizes" in r.output and "group b: 42 runs" in r.output
    assert "all 2 groups: the mean" in r.output
    j = CliRunner().invoke(main, ["compare", "--data", str(path), "--laws", "chinchilla", "--bootstrap", "0",
                                  "--json"])
    assert j.exit_code == 0, j.output
    payload = json.loads(j.output[j.output.index("{"):])
    assert set(payload["groups"]) == {"a", "b"} and "predictions" not in payload["groups"]["a"]
    bad = CliRunner().invoke(main, ["compare", "--data", str(path), "--groups", "pool"])
    assert bad.exit_code == 2 and bad.output.strip().startswith("error: the runs hold 2 group(s)")


# -- files: the result contract (scaling.result_base), and version 1 files ------------------
DATA = __import__("pathlib").Path(__file__).resolve().parent / "data"


def test_save_load_round_trip_keeps_the_ranking(result, grouped, tmp_path):
    for res in (result, grouped):
        back = compare.load(res.save(tmp_path / f"{type(res).__name__}.json"))
        assert type(back) is type(res)
        pd.testing.assert_frame_equal(back.ranking(), res.ranking(), check_dtype=False)
        pd.testing.assert_frame_equal(back.summary(), res.summary(), check_dtype=False)
        assert back.params == res.params and back.settings == res.settings
    with pytest.raises(ScalingError, match="schema"):
        compare.CompareResult.load(DATA / "fit_v3_chinchilla.json")


def test_version_1_file_still_loads(tmp_path):
    """A comparison saved by scaling before the result contract (schema version 1, no content hash)."""
    raw = json.loads((DATA / "compare_v1.json").read_text())
    assert raw["schema_version"] == 1 and "content_sha256" not in raw
    old = compare.load(DATA / "compare_v1.json")
    assert isinstance(old, compare.CompareResult) and old.seed == 1
    # what version 1 saved as its ranking is what the loaded result ranks
    assert [r["law"] for r in raw["summary"]] == list(old.ranking().index)
    for rec in raw["summary"]:
        assert old.params[rec["law"]] == rec["extrapolate_rms"]
    # saved again: today's version, with its content hash, and the same scores
    again = compare.load(old.save(tmp_path / "v2.json"))
    assert json.loads((tmp_path / "v2.json").read_text())["schema_version"] == compare.SCHEMA_VERSION
    pd.testing.assert_frame_equal(again.scores, old.scores)
