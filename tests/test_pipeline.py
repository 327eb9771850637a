"""The main job (`scaling run`) and `scaling forecast`: reuse by hash, refit on change,
interrupted runs, committed outputs, and the CLI's errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from scaling.cli import main
from scaling.pipeline import RunConfig, run

ROOT = Path(__file__).resolve().parent.parent


def _quick(tmp_path, **kw) -> RunConfig:
    # Small but real: 50 bootstrap resamples, OLS trends, no Bayesian fit, no figures.
    settings = dict(fits_dir=tmp_path / "fits", forecasts_dir=tmp_path / "forecasts", bootstrap=50,
                    bayes=False, trend_method="ols", n_draws=200, figures=False)
    settings.update(kw)
    return RunConfig(**settings)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("job")
    lines: list[str] = []
    summary = run(_quick(tmp), echo=lines.append)
    return tmp, lines, summary


def test_job_writes_fits_forecasts_and_summary(first_run):
    tmp, lines, summary = first_run
    assert (tmp / "fits" / "chinchilla_lsq.json").exists()
    for stem in ("trend_flops_per_usd_tensor16", "trend_flops_per_usd_cloud_tensor16"):
        assert (tmp / "fits" / f"{stem}.json").exists()
    table = pd.read_csv(tmp / "forecasts" / "gpt3_equivalent_cost.csv")
    assert {"training_cost_usd", "inference_usd_per_1k_tokens"} <= set(table["quantity"])
    assert pd.to_datetime(table["date"]).min() == pd.Timestamp("2020-01-01")
    assert pd.to_datetime(table["date"]).max().year == 2032
    saved = json.loads((tmp / "forecasts" / "summary.json").read_text())
    assert saved["seed_rows"] == 20
    text = "\n".join(lines)
    assert "seed: about -80%" in text and "$1.40M" in text  # printed beside the seed's claims
    change = summary["seed_comparison"]["forecast_training_change"]
    assert change["lower"] <= change["median"] <= change["upper"] < 0  # cheaper over 2020-23


def test_rerun_reuses_fits_and_refits_what_changed(first_run):
    tmp, _, _ = first_run
    lines: list[str] = []
    run(_quick(tmp), echo=lines.append)
    reused = [line for line in lines if "reusing" in line]
    assert len(reused) == 6, lines  # the least-squares fit and the five trends
    lines.clear()
    run(_quick(tmp, bootstrap=60), echo=lines.append)  # another setting: that fit is redone
    assert any("wrote" in line and "chinchilla_lsq.json" in line for line in lines)
    assert sum("reusing" in line for line in lines) == 5


def test_interrupted_run_leaves_earlier_outputs_intact(first_run, monkeypatch):
    tmp, _, _ = first_run
    before = {p: p.read_bytes() for p in (tmp / "forecasts").glob("*.csv")}
    assert before
    import scaling.forecast

    real = scaling.forecast.equivalent_cost
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("interrupted")
        return real(*args, **kwargs)

    monkeypatch.setattr(scaling.forecast, "equivalent_cost", flaky)
    with pytest.raises(KeyboardInterrupt):
        run(_quick(tmp, bootstrap=60, seed=1), echo=lambda _: None)
    for path, data in before.items():
        if path.name != "gpt3_equivalent_cost.csv":  # the one forecast written before the stop
            assert path.read_bytes() == data, f"{path.name} changed by an interrupted run"
    assert not list((tmp / "forecasts").glob(".*tmp*")) and not list((tmp / "fits").glob(".*tmp*"))


@pytest.mark.slow
def test_committed_forecasts_are_what_the_job_writes(tmp_path):
    """Re-running the main job on the committed fits reproduces the committed forecast tables."""
    shutil.copytree(ROOT / "fits", tmp_path / "fits")
    result = CliRunner().invoke(main, ["run", "--fits-dir", str(tmp_path / "fits"),
                                       "--forecasts-dir", str(tmp_path / "out"), "--no-figures"])
    assert result.exit_code == 0, result.output
    assert result.output.count("reusing") == 7
    for committed in sorted((ROOT / "forecasts").glob("gpt3_equivalent_cost*.csv")):
        fresh = tmp_path / "out" / committed.name
        assert fresh.read_text() == committed.read_text(), f"forecasts/{committed.name} is stale"


def test_forecast_cli_prints_years_and_json():
    runner = CliRunner()
    result = runner.invoke(main, ["forecast", "--until", "2026", "--draws", "200"])
    assert result.exit_code == 0, result.output
    assert "2026-01-01" in result.output and "$" in result.output
    result = runner.invoke(main, ["forecast", "--until", "2025", "--draws", "200", "--json", "--basis", "purchase"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["assumptions"]["basis"] == "purchase"
    assert [row["date"] for row in payload["yearly"]][-1] == "2025-01-01"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--since", "2030-01-01", "--until", "2025"], "fewer than two"),
        (["--usd-per-kwh", "-1", "--basis", "purchase"], "usd_per_kwh must be"),
        (["--utilisation", "1.5"], "utilisation must be"),
        (["--target", "1.0"], "unreachable"),
        (["--target", "gpt4"], "use gpt3"),
        (["--fit", "nope.json"], "nope.json"),
    ],
)
def test_forecast_cli_rejects_bad_options(args, message):
    result = CliRunner().invoke(main, ["forecast", "--draws", "50", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_run_cli_rejects_bad_options():
    result = CliRunner().invoke(main, ["run", "--bootstrap", "-5"])
    assert result.exit_code == 2
    assert "-5" in result.output
