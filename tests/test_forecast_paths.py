"""The analyst's paths through ``scaling forecast`` (issue 21, part C).

Scenario labels that cannot collide, forecast files that ``scaling plot fan`` reads back,
draws pinned per date, the headline's law as the default, a note where series share one
slope, TCO ranges from the CLI and TOML, the TOML keys documented, plurals in messages.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scaling.cli import main as cli
from scaling.errors import ScalingError
from scaling.forecast import load_forecast, load_forecasts, save_forecasts
from scaling.forecast.scenarios import (
    DEFAULT_LAW, LAW_MIXTURE_DEFAULT, SCENARIO_KEYS, check_label, key_table, load_scenarios, run_scenarios,
    scenario_notes, wide_table,
)

ROOT = Path(__file__).resolve().parent.parent
FITS = ROOT / "fits"
EXAMPLE = ROOT / "examples" / "scenarios.toml"
needs_fits = pytest.mark.skipif(not (FITS / "trend_hyperscaler-on-demand.json").exists(), reason="no fits/")
QUICK = ["--draws", "60", "--since", "2024-01-01", "--until", "2026", "--fits-dir", str(FITS)]


def _run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _toml(tmp_path, text: str) -> Path:
    p = tmp_path / "s.toml"
    p.write_text(text)
    return p


def _one_error(res, pattern: str) -> None:
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.startswith("error: ")]
    assert len(lines) == 1 and re.search(pattern, lines[0]), res.output


# ----------------------------------------------------------------------------- 1. labels
@pytest.mark.parametrize("label", ["x:y", "a#b", " lead", "trail ", "", "q\"uote", "x" * 81, "new\nline"])
def test_labels_outside_the_rule_are_refused(label):
    with pytest.raises(ScalingError, match="a label is 1-80 characters"):
        check_label(label)


def test_labels_inside_the_rule_pass():
    for label in ("x", "law mixture, hyperscaler on-demand", "with algorithmic progress (cap 100x)", "a/b+c 5%",
                  "prix coûtant"):
        assert check_label(label) == label


def test_duplicate_labels_in_a_file_are_refused_naming_both(tmp_path):
    p = _toml(tmp_path, '[a]\nlabel = "x"\n\n[b]\nlabel = "x"\nprice_series = "pooled"\n')
    with pytest.raises(ScalingError, match=r"scenarios \[a\] and \[b\] have the same label 'x'"):
        load_scenarios(p)
    # a table named like another's label collides too
    p = _toml(tmp_path, '[x]\nlaw = "hoffmann2022"\n\n[b]\nlabel = "x"\n')
    with pytest.raises(ScalingError, match=r"scenarios \[x\] and \[b\] have the same label 'x'"):
        load_scenarios(p)


@needs_fits
def test_cli_refuses_duplicate_and_colon_labels(tmp_path):
    p = _toml(tmp_path, '[a]\nlaw = "hoffmann2022"\nlabel = "x"\n\n[b]\nlaw = "hoffmann2022"\nlabel = "x"\n')
    _one_error(_run("forecast", "--scenarios", p, *QUICK), r"\[a\] and \[b\] have the same label 'x'")
    p = _toml(tmp_path, '[a]\nlaw = "hoffmann2022"\nlabel = "x"\n\n[b]\nlaw = "hoffmann2022"\nlabel = "x:y"\n')
    _one_error(_run("forecast", "--scenarios", p, *QUICK), r"'x:y' contains ':'")


@needs_fits
def test_a_label_that_prefixes_another_reports_its_own_costs(tmp_path):
    dates = pd.date_range("2024-01-01", periods=9, freq="QS")
    fcs = run_scenarios({"a": {"law": "hoffmann2022", "label": "x", "price_doubling_years": 10.0},
                         "b": {"law": "hoffmann2022", "label": "x y", "price_doubling_years": 1.0}},
                        fits_dir=FITS, dates=dates, n_draws=200)
    table = wide_table(fcs)
    assert not table.columns.duplicated().any()
    for fc in fcs.values():
        own = table[[c for c in table.columns if c.rpartition(":")[0] == fc.label]]
        assert own.shape[1] == 6
        np.testing.assert_allclose(own[f"{fc.label}:training_cost_usd_median"].to_numpy(),
                                   fc.wide(yearly=True)[f"{fc.label}:training_cost_usd_median"].to_numpy())
    x, xy = (table[f"{lab}:training_cost_usd_median"] for lab in ("x", "x y"))
    assert xy.iloc[-1] / xy.iloc[0] < x.iloc[-1] / x.iloc[0]  # the fast decline is its own
    # the API refuses two forecasts with one label (their columns would share names)
    with pytest.raises(ScalingError, match="have the same label"):
        wide_table({"p": fcs["a"], "q": fcs["a"]})


@needs_fits
def test_json_output_gives_each_scenario_its_own_columns(tmp_path):
    p = _toml(tmp_path, '[a]\nlaw = "hoffmann2022"\nlabel = "x"\nprice_doubling_years = 10.0\n\n'
                        '[b]\nlaw = "hoffmann2022"\nlabel = "x-y"\nprice_doubling_years = 1.0\n')
    res = _run("forecast", "--scenarios", p, "--json", *QUICK)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out["a"]["yearly"][0]) == {"date", *(f"x:{q}_{s}" for q in ("training_cost_usd",
                                          "inference_usd_per_1k_tokens") for s in ("median", "lower", "upper"))}
    assert all(k.startswith("x-y:") for k in out["b"]["yearly"][0] if k != "date")


@needs_fits
@pytest.mark.parametrize("key, option", [("mfu", "--mfu"), ("utilisation", "--utilisation")])  # old names still read
def test_command_line_options_are_the_default_of_scenarios_that_do_not_set_them(tmp_path, key, option):
    p = _toml(tmp_path, f'[own]\nlaw = "hoffmann2022"\n{key} = 0.2\n\n[plain]\nlaw = "hoffmann2022"\n')
    res = _run("forecast", "--scenarios", p, option, "0.4", *QUICK)
    assert res.exit_code == 0, res.output
    headers = {m.group(1): m.group(2) for m in re.finditer(r"\[(\w+)\] cost.*\n  (.*)", res.stdout)}
    assert "utilisation: training 20%," in headers["own"]
    assert "utilisation: training 40%," in headers["plain"]
    # the option's default (not given) leaves the scenario's default alone
    res = _run("forecast", "--scenarios", p, *QUICK)
    assert "utilisation: training 30%-50%" in res.stdout


# ----------------------------------------------------------------------------- 2. files
@pytest.fixture(scope="module")
def two_forecasts():
    if not (FITS / "trend_hyperscaler-on-demand.json").exists():
        pytest.skip("no fits/")
    dates = pd.date_range("2024-01-01", periods=13, freq="QS")
    return run_scenarios({"cheap": {"law": "hoffmann2022", "price_series": "lowest-available"},
                          "real": {"law": "hoffmann2022", "dollars": "real", "label": "in real dollars"}},
                         fits_dir=FITS, dates=dates, n_draws=200, seed=3)


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_written_forecasts_read_back_one_per_scenario(two_forecasts, tmp_path, suffix):
    path = save_forecasts(two_forecasts, tmp_path / f"f{suffix}", notes=["note: a note"])
    back = load_forecasts(path)
    assert list(back) == ["cheap", "in real dollars"]
    for name, fc in two_forecasts.items():
        got = back[fc.label]
        assert got.assumptions["seed"] == 3 and got.assumptions["price_series"] == fc.assumptions["price_series"]
        for date in ("2024-01-01", "2027-01-01"):
            want, have = fc.at(date, level=0.9), got.at(date, level=0.9)
            assert pd.Timestamp(have["date"]) == pd.Timestamp(date)
            np.testing.assert_allclose(have[["median", "lower", "upper"]].to_numpy(dtype=float),
                                       want[["median", "lower", "upper"]].to_numpy(dtype=float), rtol=1e-5)
    with pytest.raises(ScalingError, match="holds 2 scenarios"):
        load_forecast(path)


def test_the_wide_csv_states_what_it_holds_and_pandas_reads_it(two_forecasts, tmp_path):
    path = save_forecasts(two_forecasts, tmp_path / "f.csv")
    text = path.read_text()
    head = [ln for ln in text.splitlines() if ln.startswith("#")]
    assert "interval level 0.9" in head[2] and "seed 3" in head[2] and "scaling " in head[2]
    for fc in two_forecasts.values():
        line = next(ln for ln in head if ln.startswith(f"# [{fc.label}]"))
        for word in ("law: hoffmann2022", f"price series: {fc.assumptions['price_series']}", "basis: cloud"):
            assert word in line
    meta = json.loads(next(ln for ln in head if ln.startswith("# metadata: "))[len("# metadata: "):])
    assert meta["schema"] == "scaling.forecast.wide" and meta["level"] == 0.9 and meta["seed"] == 3
    table = pd.read_csv(path, comment="#", index_col="date")
    assert table.shape == (4, 12) and not table.columns.duplicated().any()
    assert "in real dollars:training_cost_usd2024real_median" in table.columns
    meta_json = json.loads(save_forecasts(two_forecasts, tmp_path / "f.json").read_text())
    assert meta_json["schema"] == "scaling.forecast.set" and meta_json["schema_version"] == 1
    assert {"scaling_version", "created", "seed", "level"} <= set(meta_json)


def test_damaged_or_foreign_forecast_files_are_refused(two_forecasts, tmp_path):
    path = save_forecasts(two_forecasts, tmp_path / "f.csv")
    bare = tmp_path / "bare.csv"
    pd.read_csv(path, comment="#").to_csv(bare, index=False)  # saved again without the header
    with pytest.raises(ScalingError, match="without its '# metadata:' line"):
        load_forecasts(bare)
    cut = tmp_path / "cut.csv"
    cut.write_text(path.read_text().replace(",in real dollars:training_cost_usd2024real_lower", ",junk", 1))
    with pytest.raises(ScalingError, match="junk"):
        load_forecasts(cut)
    with pytest.raises(ScalingError, match="allowed suffixes are .csv"):
        save_forecasts(two_forecasts, tmp_path / "f.txt")
    late = {k: dataclasses.replace(fc, table=fc.table[fc.table["date"].isin(fc.dates[1:4])], dates=fc.dates[1:4])
            for k, fc in two_forecasts.items()}  # April to October: no 1 January
    with pytest.raises(ScalingError, match="hold no 1 January"):
        save_forecasts(late, tmp_path / "late.csv")
    other = tmp_path / "other.json"
    other.write_text('{"schema": "scaling.fit", "schema_version": 1}')
    with pytest.raises(ScalingError, match="holds schema 'scaling.fit'"):
        load_forecasts(other)


@needs_fits
@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_cli_forecast_output_draws_in_plot_fan_one_line_per_scenario(tmp_path, suffix):
    import matplotlib

    matplotlib.use("Agg")
    from scaling.plot import fan_chart

    p = _toml(tmp_path, '[a]\nlaw = "hoffmann2022"\n\n[b]\nlaw = "hoffmann2022"\nprice_series = "pooled"\n\n'
                        '[c]\nlaw = "hoffmann2022"\nbasis = "purchase"\n')
    out = tmp_path / f"out{suffix}"
    res = _run("forecast", "--scenarios", p, "-o", out, *QUICK)
    assert res.exit_code == 0, res.output
    res = _run("plot", "fan", "--forecast", out, "-o", tmp_path / "fan.png", "--size", "column")
    assert res.exit_code == 0, res.output
    ax = fan_chart(list(load_forecasts(out).values()))
    labels = [ln.get_label() for ln in ax.get_lines()]
    assert labels[:3] == ["a", "b", "c"]  # then the price data's end, which the scenarios' assumptions record
    assert len(labels) == 4 and labels[3].startswith("last price data (")
    import matplotlib.pyplot as plt

    plt.close("all")


def test_a_single_forecast_reads_back_from_json(two_forecasts, tmp_path):
    fc = two_forecasts["cheap"]
    path = save_forecasts({"only": fc}, tmp_path / "one.json")
    back = load_forecast(path)
    assert back.label == fc.label and back.table.shape == fc.table.shape


# ----------------------------------------------------------------------------- 3. pinned draws
def test_pinned_walk_is_the_walk_and_depends_only_on_the_date():
    from scaling.forecast.draws import pinned_horizon_walk

    seed = np.random.SeedSequence(11)
    years = np.array([2024.0, 2025.5, 2026.0, 2026.3, 2028.75, 2031.0])
    w = pinned_horizon_walk(years, 2025.2, np.ones(20_000), seed)
    h = np.maximum(years - 2025.2, 0.0)
    np.testing.assert_allclose(w.var(axis=0)[1:], h[1:], rtol=0.05)
    assert np.all(w[:, 0] == 0)
    # Brownian covariance: cov(W(s), W(t)) = min(s, t)
    np.testing.assert_allclose(np.cov(w[:, 3], w[:, 5])[0, 1], h[3], rtol=0.08)
    # the same dates alone, or among others, get the same draws
    sub = pinned_horizon_walk(years[[5, 3]], 2025.2, np.ones(20_000), seed)
    np.testing.assert_allclose(sub, w[:, [5, 3]], rtol=1e-12, atol=1e-12)


@needs_fits
@pytest.mark.parametrize("series", ["hyperscaler-on-demand", "purchase"])
def test_the_same_date_gets_the_same_interval_whatever_the_range(series):
    from scaling.forecast import default_dates

    spec = {"law": "hoffmann2022", "price_series": series}
    a = run_scenarios({"s": spec}, fits_dir=FITS, dates=default_dates("2020-01-01", 2031), n_draws=300)["s"]
    b = run_scenarios({"s": spec}, fits_dir=FITS, dates=default_dates("2027-07-01", 2029), n_draws=300)["s"]
    for date in ("2028-01-01", "2029-10-01"):
        for q in ("training_cost_usd", "inference_usd_per_1k_tokens"):
            x, y = a.at(date, q, level=0.9), b.at(date, q, level=0.9)
            np.testing.assert_allclose(y[["median", "lower", "upper"]].to_numpy(dtype=float),
                                       x[["median", "lower", "upper"]].to_numpy(dtype=float), rtol=1e-9)


@needs_fits
def test_cli_same_date_same_row_with_two_since_values():
    rows = []
    for since in ("2020-01-01", "2027-01-01"):
        res = _run("forecast", "--law", "hoffmann2022", "--since", since, "--until", "2029", "--draws", "200",
                   "--fits-dir", FITS)
        assert res.exit_code == 0, res.output
        # the numbers, not the padding (a column's width follows its widest row, e.g. 2020's)
        rows.append(next(ln for ln in res.stdout.splitlines() if ln.startswith("2028-01-01")).split())
    assert rows[0] == rows[1]


# ----------------------------------------------------------------------------- 4. default law
@needs_fits
def test_a_scenario_without_a_law_uses_the_headline_mixture(monkeypatch):
    import scaling.forecast.scenarios as sc
    from scaling import library

    asked = []

    def resolve(spec, fits_dir, loader=None):
        asked.append(spec)
        return library.resolve("hoffmann2022")

    monkeypatch.setattr(sc, "resolve_law", resolve)
    res = _run("forecast", *QUICK)
    assert res.exit_code == 0, res.output
    assert asked == [DEFAULT_LAW] == ["mixture"]
    # the mixture is the headline's: the laws `scaling run` mixes (forecasts/gpt3_equivalent_cost.json)
    saved = ROOT / "forecasts" / "gpt3_equivalent_cost.json"
    if saved.exists():
        mixture = json.loads(saved.read_text())["assumptions"]["loss_fit"]["mixture"]
        assert list(mixture) == [Path(n).stem for n in LAW_MIXTURE_DEFAULT]


@needs_fits
def test_the_mixture_does_without_the_posterior_as_scaling_run_no_bayes_does(tmp_path):
    import shutil

    from scaling.forecast.scenarios import resolve_law

    shutil.copy(FITS / "chinchilla_lsq.json", tmp_path)
    assert list(resolve_law("mixture", tmp_path).fits) == ["chinchilla_lsq", "hoffmann2022"]
    with pytest.raises(FileNotFoundError):
        resolve_law("mixture", tmp_path / "empty")


@needs_fits
@pytest.mark.slow
@needs_fits
def test_cli_default_is_the_headline_mixture_and_tco_options_reach_its_purchase_third():
    res = _run("forecast", "--since", "2026-01-01", "--until", "2026", "--fits-dir", FITS)
    assert res.exit_code == 0, res.output
    assert "price series: mixture of hyperscaler-on-demand-rw" in res.stdout and "basis: mixture" in res.stdout
    pue = _run("forecast", "--since", "2026-01-01", "--until", "2026", "--pue", "3", "--fits-dir", FITS)
    assert pue.exit_code == 0, pue.output
    row = lambda r: next(ln for ln in r.stdout.splitlines() if ln.startswith("2026-01-01")).split()[1]  # noqa: E731
    assert row(pue) != row(res)  # a dearer facility raises the purchase third


def test_cli_default_equals_the_headline_cost():
    saved = ROOT / "forecasts" / "gpt3_equivalent_cost.csv"
    if not saved.exists():
        pytest.skip("no forecasts/")
    head = load_forecast(saved).at("2027-01-01", level=0.9)
    res = _run("forecast", "--since", "2026-01-01", "--until", "2027", "--fits-dir", FITS)
    assert res.exit_code == 0, res.output
    assert "law: mixture (chinchilla_lsq 0.33, chinchilla_bayes 0.33, hoffmann2022 0.33" in res.stdout
    row = next(ln for ln in res.stdout.splitlines() if ln.startswith("2027-01-01")).split()
    value = float(row[1].strip("$k")) * 1e3 if row[1].endswith("k") else float(row[1].strip("$M")) * 1e6
    assert value == pytest.approx(head["median"], rel=0.1)  # 4,000 draws each (the old CLI: +25%)


# ----------------------------------------------------------------------------- 5. shared slope
@needs_fits
def test_a_note_says_where_series_share_the_panel_slope():
    res = _run("forecast", "--law", "hoffmann2022", "--price-series", "lowest-available", *QUICK)
    assert res.exit_code == 0, res.output
    notes = [ln for ln in res.stdout.splitlines() if ln.startswith("note: ")]
    assert len(notes) == 1 and "share one slope" in notes[0] and "lowest-available" in notes[0]
    res = _run("forecast", "--law", "hoffmann2022", "--price-series", "pooled", *QUICK)
    assert "share one slope" not in res.stdout
    assert scenario_notes({}) == []


# ----------------------------------------------------------------------------- 6. TCO ranges
@needs_fits
def test_tco_ranges_from_the_cli_reach_the_forecast():
    res = _run("forecast", "--law", "hoffmann2022", "--basis", "purchase", "--lifetime-years", "2:3",
               "--pue", "1.2", "--usd-per-kwh", "0.05:0.1", *QUICK)
    assert res.exit_code == 0, res.output
    assert "lifetime_years 2-3" in res.stdout and "pue 1.2," in res.stdout and "usd_per_kwh 0.05-0.1" in res.stdout
    longer = _run("forecast", "--law", "hoffmann2022", "--basis", "purchase", "--lifetime-years", "6:8", *QUICK)
    cost = [next(ln for ln in r.stdout.splitlines() if ln.startswith("2025-01-01")).split()[1]
            for r in (res, longer)]
    assert cost[0] != cost[1]


@needs_fits
@pytest.mark.parametrize("args, pattern", [
    (["--basis", "cloud", "--pue", "1.3"], r"applies to the purchase basis only; this scenario is on the cloud basis"),
    (["--basis", "purchase", "--pue", "0.5"], r"pue must be .*0\.5"),
    (["--basis", "purchase", "--lifetime-years", "5:3"], r"lifetime_years: low 5 is above high 3"),
    (["--basis", "purchase", "--usd-per-kwh", "cheap"], r"usd_per_kwh 'cheap': give a number or LOW:HIGH"),
])
def test_bad_tco_input_is_one_error_line(args, pattern):
    _one_error(_run("forecast", "--law", "hoffmann2022", *args, *QUICK), pattern)


@needs_fits
def test_tco_options_are_the_default_of_the_scenarios_that_own_hardware_only(tmp_path):
    """--pue reaches the purchase-basis scenarios and the headline mixture (its purchase third), not a
    scenario that rents only; with none that owns hardware it is an error."""
    p = _toml(tmp_path, '[rent]\nlaw = "hoffmann2022"\nbasis = "cloud"\n\n[own]\nlaw = "hoffmann2022"\n'
                        'basis = "purchase"\n\n[mine]\nlaw = "hoffmann2022"\nbasis = "purchase"\npue = 1.5\n\n'
                        '[plain]\nlaw = "hoffmann2022"\n')
    res = _run("forecast", "--scenarios", p, "--pue", "1.2", *QUICK)
    assert res.exit_code == 0, res.output
    headers = {m.group(1): m.group(2) for m in re.finditer(r"\[(\w+)\] cost.*\n  (.*)", res.stdout)}
    assert "TCO" not in headers["rent"] and "pue 1.2," in headers["own"] and "pue 1.5," in headers["mine"]
    assert "price series: mixture of" in headers["plain"] and "pue 1.2," in headers["plain"]
    p = _toml(tmp_path, '[rent]\nlaw = "hoffmann2022"\nbasis = "cloud"\n')
    _one_error(_run("forecast", "--scenarios", p, "--pue", "1.2", *QUICK), "no scenario of the file is on it")


@needs_fits
def test_a_scenario_without_price_keys_is_the_headline_as_without_a_file(tmp_path):
    """A file's scenario that names no basis, series, mixture or doubling prices with the headline's
    mixture: the same numbers as 'scaling forecast' with no file and no price option. One that names
    a basis, or a capability target, does not get it."""
    p = _toml(tmp_path, '[plain]\nlaw = "hoffmann2022"\n\n[cloud]\nlaw = "hoffmann2022"\nbasis = "cloud"\n')
    res = _run("forecast", "--scenarios", p, "--json", *QUICK)
    assert res.exit_code == 0, res.output
    both = json.loads(res.stdout)
    single = _run("forecast", "--law", "hoffmann2022", "--json", *QUICK)
    assert single.exit_code == 0, single.output
    alone = json.loads(single.stdout)["forecast"]
    assert both["plain"]["assumptions"]["price_series"] == "mixture" == alone["assumptions"]["price_series"]
    a = pd.DataFrame(both["plain"]["yearly"]).set_index("date").rename(columns=lambda c: c.split(":")[-1])
    b = pd.DataFrame(alone["yearly"]).set_index("date").rename(columns=lambda c: c.split(":")[-1])
    assert len(a.columns) == 6
    pd.testing.assert_frame_equal(a.sort_index(axis=1), b.sort_index(axis=1), rtol=1e-12)
    assert both["cloud"]["assumptions"]["price_series"] == "hyperscaler-on-demand-rw"


@needs_fits
def test_tco_keys_in_a_scenario_file(tmp_path):
    p = _toml(tmp_path, '[own]\nlaw = "hoffmann2022"\nbasis = "purchase"\nlifetime_years = [3, 6]\n'
                        'pue = "1.1:1.2"\nusd_per_kwh = 0.1\n')
    fc = run_scenarios(load_scenarios(p), fits_dir=FITS, dates=pd.date_range("2024-01-01", periods=3, freq="QS"),
                       n_draws=50)["own"]
    assert fc.assumptions["tco"]["lifetime_years"] == [3.0, 6.0]
    assert fc.assumptions["tco"]["pue"] == [1.1, 1.2] and fc.assumptions["tco"]["usd_per_kwh"] == [0.1, 0.1]
    p = _toml(tmp_path, '[own]\nlaw = "hoffmann2022"\nbasis = "purchase"\nlifetime_years = [3, 6, 9]\n')
    with pytest.raises(ScalingError, match=r"lifetime_years must be a number or \[LOW, HIGH\]"):
        run_scenarios(load_scenarios(p), fits_dir=FITS, dates=pd.date_range("2024-01-01", periods=3, freq="QS"),
                      n_draws=50)


# ----------------------------------------------------------------------------- 7. TOML documented
def test_the_example_uses_every_key_and_the_docs_list_them():
    scenarios = load_scenarios(EXAMPLE)
    used = set().union(*scenarios.values())
    from scaling.forecast.scenarios import DEPRECATED_KEYS

    assert used == set(SCENARIO_KEYS) - set(DEPRECATED_KEYS), sorted(set(SCENARIO_KEYS) - used)
    tutorial = (ROOT / "docs" / "tutorial.md").read_text()
    block = re.search(r"<!-- generated: scenario-keys -->\n(.*?)<!-- /generated -->", tutorial, re.S).group(1)
    assert block == key_table() + "\n", "run python docs/build_docs.py examples"
    assert "### Scenarios from a TOML file" in tutorial and "examples/scenarios.toml" in tutorial


@needs_fits
@pytest.mark.slow
def test_the_example_scenarios_run_write_and_draw(tmp_path):
    out = tmp_path / "out.csv"
    res = _run("forecast", "--scenarios", EXAMPLE, "-o", out, "--draws", "100", "--since", "2024-01-01",
               "--until", "2026", "--fits-dir", FITS)
    assert res.exit_code == 0, res.output
    res = _run("plot", "fan", "--forecast", out, "-o", tmp_path / "fan.png")
    assert res.exit_code == 0, res.output
    labels = [spec.get("label", name) for name, spec in load_scenarios(EXAMPLE).items()]
    assert list(load_forecasts(out)) == labels
    header = pd.read_csv(out, comment="#", index_col="date").columns
    assert [c.rpartition(":")[0] for c in header[::6]] == labels


# ----------------------------------------------------------------------------- 8. plurals
def test_plural_says_one_figure():
    from scaling._format import plural

    assert plural(1, "figure") == "1 figure" and plural(2, "figure") == "2 figures"
    assert plural(np.int64(1), "observation") == "1 observation" and plural(0, "run") == "0 runs"
    assert plural(1, "series", "series") == "1 series" and plural(12_000, "draw") == "12,000 draws"
