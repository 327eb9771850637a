"""The main job (`scaling run`) and `scaling forecast`: reuse by hash, refit on change,
interrupted runs, committed outputs, and the CLI's errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scaling.cli import main
from scaling.pipeline import PANEL_SERIES, RunConfig, run
from scaling.pipeline.config import WALK_DRAWS

ROOT = Path(__file__).resolve().parent.parent


#: The cloud-price panel's sampler settings of the quick runs.
QUICK_PANEL = dict(panel_draws=100, panel_tune=100, panel_chains=1)


def _quick(tmp_path, **kw) -> RunConfig:
    # Small but real: 50 bootstrap resamples, OLS trends, no Bayesian fit, no figures; the
    # panel is the stand-in below (its NUTS fit takes a minute and more on 2 cores).
    # jobs=1: the stand-in panel lives in this process (a second process would fit the real one).
    settings = dict(fits_dir=tmp_path / "fits", forecasts_dir=tmp_path / "forecasts", bootstrap=50,
                    bayes=False, trend_method="ols", n_draws=200, figures=False, jobs=1, **QUICK_PANEL)
    settings.update(kw)
    return RunConfig(**settings)


PANEL_CALLS: list[dict] = []


#: Capability fits the main job saves (one per shipped benchmark; issue 22).
N_CAPABILITY = 5


def _resave(path: Path, payload: dict) -> None:
    """Write ``payload`` as a file scaling could have written (its content hash recomputed): another
    fit's file, not a hand edit (which the hash refuses before any other check)."""
    from scaling._io import dumps_json, with_content_sha256

    path.write_text(dumps_json(with_content_sha256(payload)))


def _stand_in_fit_panel(*args, **kwargs):
    """Stands in for :func:`scaling.hardware.fit_panel` (NUTS), with its signature and defaults:
    a ``PanelFit`` whose draws scatter around least squares on the hyperscaler on-demand prices,
    recording the settings a real fit records. Deterministic for a seed; each call is logged in
    ``PANEL_CALLS``."""
    import inspect

    from scaling.hardware import panel
    from scaling.hardware.data import KINDS

    bound = inspect.signature(panel.fit_panel).bind(*args, **kwargs)
    bound.apply_defaults()
    a = bound.arguments
    data, seed, draws, chains, tune = a["data"], a["seed"], a["draws"], a["chains"], a["tune"]
    PANEL_CALLS.append({"draws": draws, "chains": chains, "tune": tune, "seed": seed})
    data = panel.panel_data() if data is None else data
    d = data.data
    rng = np.random.default_rng(seed)
    n = draws * chains
    t0 = round(float(d["year"].mean()), 2)
    hs = d[(d["provider_kind"] == "hyperscaler") & (d["pricing_tier"] == "on_demand")]
    slope, intercept = np.polyfit(hs["year"] - t0, hs["log10_value"], 1)
    cols = {"intercept": intercept + 0.02 * rng.standard_normal(n),
            "slope_per_year": slope + 0.005 * rng.standard_normal(n), "age_slope": np.zeros(n),
            "sigma": np.full(n, 0.15), "nu": np.full(n, 10.0), "tau_chip": np.full(n, 0.1),
            "tau_provider": np.full(n, 0.1)}
    for i, k in enumerate(KINDS[1:]):
        cols[f"kind[{k}]"] = np.full(n, 0.2 + 0.1 * i)  # GPU clouds and marketplaces: more FLOP per $
    for i, r in enumerate(panel.TIERS[1:]):
        cols[f"tier[{r}]"] = np.full(n, 0.15 * (i + 1))
    settings = {**data.settings, "model": "panel", "draws": draws, "chains": chains, "tune": tune,
                "sampler": a["sampler"], "target_accept": a["target_accept"], "seed": seed, "age_ref_years": 0.0,
                **panel.model_settings(a["slope_prior"])}
    return panel.PanelFit(data=data, t0=t0, age_ref=0.0, draws=pd.DataFrame(cols), chips=tuple(sorted(d["name"].unique())),
                          providers=tuple(sorted(d["provider"].unique())), diagnostics={}, seed=seed, settings=settings)


@pytest.fixture(scope="module", autouse=True)
def stand_in_panel():
    import inspect

    import scaling.hardware
    from scaling.hardware import panel

    _stand_in_fit_panel.__signature__ = inspect.signature(panel.fit_panel)  # what the job reads defaults from
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scaling.hardware, "fit_panel", _stand_in_fit_panel)
        yield


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("job")
    lines: list[str] = []
    summary = run(_quick(tmp), echo=lines.append)
    return tmp, lines, summary


def test_job_writes_the_capability_fits_and_reuses_them(first_run):
    """Issue 22: 'scaling run' saves one capability fit per shipped benchmark (one joint fit), which
    'scaling capability' reads; a rerun on the same table reuses them."""
    from scaling import capability

    tmp, lines, _ = first_run
    for bench in capability.SHIPPED_BENCHMARKS:
        fit = capability.load(tmp / "fits" / capability.fit_name(bench))
        assert fit.benchmark == bench and fit.settings["bootstrap"] == 200
    assert sum("fitting the capability laws" in line for line in lines) == 1, lines
    again: list[str] = []
    run(_quick(tmp), echo=again.append)
    assert not any("fitting the capability laws" in line for line in again), again
    assert sum("reusing" in line and "capability_" in line for line in again) == len(capability.SHIPPED_BENCHMARKS)


def test_job_writes_fits_forecasts_and_summary(first_run):
    tmp, lines, summary = first_run
    assert (tmp / "fits" / "chinchilla_lsq.json").exists()
    for stem in ("trend_flops_per_usd_tensor16", "trend_flops_per_usd_cloud_tensor16"):
        assert (tmp / "fits" / f"{stem}.json").exists()
    table = pd.read_csv(tmp / "forecasts" / "gpt3_equivalent_cost.csv")
    assert {"training_cost_usd", "inference_usd_per_1k_tokens"} <= set(table["quantity"])
    assert pd.to_datetime(table["date"]).min() == pd.Timestamp("2020-01-01")
    assert pd.to_datetime(table["date"]).max().year == 2032
    # The hierarchical cloud-price series are saved, the random walk on the hyperscaler on-demand
    # prices (issue 20's selection) and the Epoch-drift walks (the lowest-price and purchase
    # defaults; the Bayesian chip trends stay saved); the panel's series is the _panel variant.
    for name in ("hyperscaler-on-demand", "lowest-available", "gpu-cloud-on-demand", "hyperscaler-3yr",
                 "hyperscaler-on-demand-rw", "lowest-available-epoch-cal", "flops_per_usd_tensor16-epoch",
                 "flops_per_watt_tensor16-epoch", "flops_per_usd_fp32-epoch", "flops_per_watt_fp32-epoch",
                 "flops_per_watt_fp32"):
        assert (tmp / "fits" / f"trend_{name}.json").exists(), name
    walk = json.loads((tmp / "fits" / "trend_flops_per_usd_tensor16-epoch.json").read_text())
    assert walk["settings"]["drift"] == "epoch" and walk["draws"]["n_draws"] == WALK_DRAWS
    headers = {stem: json.loads((tmp / "forecasts" / f"{stem}.json").read_text())["assumptions"]
               for stem in ("gpt3_equivalent_cost_hyperscaler", "gpt3_equivalent_cost_panel",
                            "gpt3_equivalent_cost_lowest", "gpt3_equivalent_cost_pooled", "gpt3_equivalent_cost_lsq",
                            "gpt3_equivalent_cost_purchase", "gpt3_equivalent_cost_algorithmic")}
    assert headers["gpt3_equivalent_cost_hyperscaler"]["price_series"] == "hyperscaler-on-demand-rw"
    assert headers["gpt3_equivalent_cost_panel"]["price_series"] == "hyperscaler-on-demand"
    assert headers["gpt3_equivalent_cost_algorithmic"]["price_series"] == "hyperscaler-on-demand-rw"
    assert headers["gpt3_equivalent_cost_lowest"]["price_series"] == "lowest-available-epoch-cal"
    assert headers["gpt3_equivalent_cost_pooled"]["price_series"] == "pooled"
    buy = headers["gpt3_equivalent_cost_purchase"]
    for part in ("price_trend", "energy_trend"):  # the forecast records which model priced it
        assert (buy[part]["model"], buy[part]["drift"]) == ("random-walk", "epoch"), part
    assert buy["price_series"] == "purchase" and buy["energy_trend"]["metric"] == "flops_per_watt"
    for stem, a in headers.items():  # every header names its series
        assert f"price series: {a['price_series']} (" in a["header"], stem
    assert summary["headline_series"] == "mixture"
    assert summary["trends"]["trend_hyperscaler-on-demand-rw"]["median"] > 0
    assert summary["trends"]["trend_lowest-available-epoch-cal"]["median"] == pytest.approx(2.28, abs=0.02)
    # GPU clouds' on-demand price (the lowest widely available) is below the hyperscalers' list price
    head, low = (summary["forecast"]["gpt3_equivalent_cost_hyperscaler"],
                 summary["forecast"]["gpt3_equivalent_cost_lowest"])
    for d in ("2026-01-01", "2030-01-01"):
        assert low["training_cost_usd"][d]["median"] <= head["training_cost_usd"][d]["median"]
    saved = json.loads((tmp / "forecasts" / "summary.json").read_text())
    assert saved["seed_rows"] == 20
    text = "\n".join(lines)
    assert "seed: about -80%" in text and "$1.40M" in text  # printed beside the seed's claims
    # the retrospective 2020-2023 comparison uses the panel, which fits those years' prices
    assert summary["seed_comparison"]["price_series"] == "hyperscaler-on-demand"
    assert "Change mid-2020 -> early 2023 (hyperscaler-on-demand)" in text
    change = summary["seed_comparison"]["forecast_training_change"]
    assert change["lower"] <= change["median"] <= change["upper"] < 0  # cheaper over 2020-23


def test_job_writes_the_series_mixture_variant(first_run):
    """Equal thirds of hyperscaler on-demand, lowest available and purchase in one fan, in the summary."""
    tmp, lines, summary = first_run
    meta = json.loads((tmp / "forecasts" / "gpt3_equivalent_cost_series_mixture.json").read_text())["assumptions"]
    assert meta["basis"] == "mixture" and set(meta["price_mixture_weights"]) == {
        "hyperscaler-on-demand-rw", "lowest-available-epoch-cal", "purchase"}
    assert meta["price_mixture_bases"]["purchase"] == "purchase" and "equal thirds" in meta["header"]
    entry = summary["series_mixture"]
    assert set(entry) == {"gpt3_equivalent_cost", "gpt3_equivalent_cost_hyperscaler",
                          "gpt3_equivalent_cost_series_mixture"}  # the switch is on
    mix, head = entry["gpt3_equivalent_cost_series_mixture"], entry["gpt3_equivalent_cost_hyperscaler"]
    for d in ("2025-01-01", "2030-01-01"):
        assert head["price_series_share"][d] == 0 and 0 < mix["price_series_share"][d] < 1
        r = mix["training_cost_usd"][d]
        assert r["lower"] < r["median"] < r["upper"]
    assert any(line.startswith("gpt3_equivalent_cost_series_mixture (") for line in lines)


def test_headline_is_the_series_mixture_and_the_switch_turns_it_off(first_run, tmp_path, monkeypatch):
    """HEADLINE_IS_SERIES_MIXTURE (on): the headline is the series mixture (stated weights in its label
    and the summary) and the hyperscaler-only forecast is saved, labelled as such, beside it; off: the
    headline prices with the hyperscaler walk alone."""
    from scaling.pipeline import steps
    from scaling.pipeline.config import HEADLINE_IS_SERIES_MIXTURE

    tmp, lines, summary = first_run
    assert HEADLINE_IS_SERIES_MIXTURE is True
    head = json.loads((tmp / "forecasts" / "gpt3_equivalent_cost.json").read_text())
    hyper = json.loads((tmp / "forecasts" / "gpt3_equivalent_cost_hyperscaler.json").read_text())
    assert head["assumptions"]["price_series"] == "mixture" and summary["headline_series"] == "mixture"
    assert set(head["assumptions"]["price_mixture_weights"]) == {
        "hyperscaler-on-demand-rw", "lowest-available-epoch-cal", "purchase"}
    assert summary["headline_price_mixture"] == pytest.approx(
        {"hyperscaler-on-demand-rw": 1 / 3, "lowest-available-epoch-cal": 1 / 3, "purchase": 1 / 3})
    assert "price mixture (hyperscaler-on-demand-rw 33%" in head["label"]
    assert hyper["assumptions"]["price_series"] == "hyperscaler-on-demand-rw"
    assert "hyperscaler on-demand list price only" in hyper["label"]
    assert summary["series_mixture"]["gpt3_equivalent_cost"]["price_series_share"]["2030-01-01"] > 0
    assert any("(price mixture: hyperscaler-on-demand-rw 33%, lowest-available-epoch-cal 33%, purchase 33%)" in line
               for line in lines)
    # the same draws as the mixture variant: one forecast, two names
    a = pd.read_csv(tmp / "forecasts" / "gpt3_equivalent_cost.csv")
    b = pd.read_csv(tmp / "forecasts" / "gpt3_equivalent_cost_series_mixture.csv")
    pd.testing.assert_frame_equal(a, b)
    # the switch off: the hyperscaler walk alone is the headline, and no _hyperscaler file
    monkeypatch.setattr(steps, "HEADLINE_IS_SERIES_MIXTURE", False)
    shutil.copytree(tmp / "fits", tmp_path / "fits")
    off = run(_quick(tmp_path), echo=lambda _: None)
    assert off["headline_series"] == "hyperscaler-on-demand-rw"
    assert not (tmp_path / "forecasts" / "gpt3_equivalent_cost_hyperscaler.json").exists()
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "forecasts" / "gpt3_equivalent_cost.csv"),
                                  pd.read_csv(tmp / "forecasts" / "gpt3_equivalent_cost_hyperscaler.csv"))


def test_job_writes_the_capability_equivalent_variant(first_run):
    """GPT-3's MMLU priced from the least-compute frontier (scaling.forecast.capability), in the summary."""
    tmp, lines, summary = first_run
    table = pd.read_csv(tmp / "forecasts" / "gpt3_capability_equivalent_cost.csv")
    assert set(table["quantity"]) == {"training_cost_usd", "compute_flops", "usd_per_peak_flop"}
    meta = json.loads((tmp / "forecasts" / "gpt3_capability_equivalent_cost.json").read_text())
    assert meta["assumptions"]["target"] == "capability:MMLU=0.439"
    assert meta["assumptions"]["price_series"] == "hyperscaler-on-demand-rw"
    entry = summary["capability_equivalent"]
    assert entry["frontier"][-1]["model"] == "microsoft/phi-1_5" and entry["ho2024_halving_months"]["median"] == 8
    cost = summary["forecast"]["gpt3_capability_equivalent_cost"]["training_cost_usd"]
    head = summary["forecast"]["gpt3_equivalent_cost"]["training_cost_usd"]
    assert "inference_usd_per_1k_tokens" not in summary["forecast"]["gpt3_capability_equivalent_cost"]
    assert cost["2026-01-01"]["median"] < head["2026-01-01"]["median"]  # phi-1.5 used 1/100 of the compute
    text = "\n".join(lines)
    assert "Least compute reaching GPT-3's MMLU" in text and "extrapolated" in text


def test_rerun_reuses_fits_and_refits_what_changed(first_run):
    tmp, _, _ = first_run
    lines: list[str] = []
    run(_quick(tmp), echo=lines.append)
    reused = [line for line in lines if "reusing" in line]
    assert len(reused) == 16 + N_CAPABILITY, lines  # the least-squares fit, 5 trends, 4 panel series, the random
    # walk, 5 Epoch-drift walks, capability fits
    lines.clear()
    run(_quick(tmp, bootstrap=60), echo=lines.append)  # another setting: that fit is redone
    assert any("wrote" in line and "chinchilla_lsq.json" in line for line in lines)
    assert sum("reusing" in line for line in lines) == 15 + N_CAPABILITY


def test_panel_is_fitted_once_for_every_series_and_reused_while_current(first_run):
    tmp, _, _ = first_run
    run(_quick(tmp), echo=lambda _: None)  # current for these settings
    PANEL_CALLS.clear()
    lines: list[str] = []
    run(_quick(tmp), echo=lines.append)
    assert PANEL_CALLS == [] and sum("reusing" in ln and "trend_" in ln for ln in lines) == 15, lines
    # other panel settings: the four series are refitted from ONE panel fit, with the reason
    run(_quick(tmp, panel_draws=120), echo=lines.append)
    assert PANEL_CALLS == [{"draws": 120, "chains": 1, "tune": 100, "seed": 0}]
    path = tmp / "fits" / "trend_hyperscaler-on-demand.json"
    assert any(f"refitting {path}: it was made with draws = 100, this run uses 120" in ln for ln in lines), lines
    from scaling.hardware import load_trend

    assert load_trend(path).settings["draws"] == 120
    # a series file fitted to other data is refitted (the panel once more), the others are not
    PANEL_CALLS.clear()
    lines.clear()
    low = tmp / "fits" / "trend_lowest-available.json"
    payload = json.loads(low.read_text())
    payload["data_sha256"] = "0" * 64
    _resave(low, payload)
    run(_quick(tmp, panel_draws=120), echo=lines.append)
    assert len(PANEL_CALLS) == 1
    assert [ln.strip() for ln in lines if "refitting" in ln] == [
        f"refitting {low}: it was fitted to other data (sha256 000000000000... != {load_trend(path).data_sha256[:12]}...)"]
    run(_quick(tmp), echo=lambda _: None)  # back to the module's settings


def test_series_of_another_panel_model_is_refitted(first_run):
    """A saved series made by an earlier panel model (``model_version``) is not reused."""
    from scaling.hardware.panel import MODEL_VERSION

    tmp, _, _ = first_run
    run(_quick(tmp), echo=lambda _: None)
    path = tmp / "fits" / "trend_hyperscaler-on-demand.json"
    payload = json.loads(path.read_text())
    payload["settings"]["model_version"] = MODEL_VERSION - 1
    _resave(path, payload)
    lines: list[str] = []
    run(_quick(tmp), echo=lines.append)
    assert any(f"refitting {path}: it was made with model_version = {MODEL_VERSION - 1}, this run uses "
               f"{MODEL_VERSION}" in ln for ln in lines), lines
    assert json.loads(path.read_text())["settings"]["model_version"] == MODEL_VERSION


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
    assert result.output.count("reusing") == 17 + N_CAPABILITY  # 2 laws, 5 trends, 4 panel series, random walk,
    # 5 Epoch-drift walks, capability
    for committed in sorted((ROOT / "forecasts").glob("gpt3_equivalent_cost*.csv")):
        fresh = tmp_path / "out" / committed.name
        assert fresh.read_text() == committed.read_text(), f"forecasts/{committed.name} is stale"


@pytest.mark.slow
def test_real_panel_fit_is_cached_like_the_trends(tmp_path, monkeypatch):
    """The real NUTS panel (short chains): fitted once for the four series, reused on a re-run."""
    import scaling.hardware
    from scaling.hardware import panel

    monkeypatch.setattr(scaling.hardware, "fit_panel", panel.fit_panel)  # undo the stand-in
    lines: list[str] = []
    run(_quick(tmp_path), echo=lines.append)
    assert sum("fitting the cloud-price panel" in ln for ln in lines) == 1, lines
    lines.clear()
    run(_quick(tmp_path), echo=lines.append)
    assert not any("fitting the cloud-price panel" in ln for ln in lines)
    assert sum("reusing" in ln for ln in lines) == 16 + N_CAPABILITY, lines
    # jobs=2: the same panel fitted in a second process, beside steps 1-3: the same series.
    lines.clear()
    run(_quick(tmp_path / "two", jobs=2), echo=lines.append)
    assert any("started in a second process" in ln for ln in lines), lines
    for name in PANEL_SERIES:
        one = json.loads((tmp_path / "fits" / f"trend_{name}.json").read_text())
        two = json.loads((tmp_path / "two" / "fits" / f"trend_{name}.json").read_text())
        assert one["draws"] == two["draws"], name  # same seed, same machine: the same draws


def test_forecast_cli_prints_years_and_json():
    runner = CliRunner()
    result = runner.invoke(main, ["forecast", "--until", "2026", "--draws", "200"])
    assert result.exit_code == 0, result.output
    assert "2026-01-01" in result.output and "$" in result.output
    result = runner.invoke(main, ["forecast", "--until", "2025", "--draws", "200", "--json", "--basis", "purchase"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)["forecast"]  # warnings (9 purchase chips) go to stderr
    assert payload["assumptions"]["basis"] == "purchase"
    assert [row["date"] for row in payload["yearly"]][-1] == "2025-01-01"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--since", "2030-01-01", "--until", "2025"], "fewer than two"),
        (["--basis", "nonsense"], "unknown basis 'nonsense'"),
        (["--utilisation", "1.5"], "mfu must be"),  # the deprecated alias of --mfu
        (["--target", "1.0"], "unreachable"),
        (["--target", "gpt4"], "unknown target 'gpt4'"),
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


# --- caches that check themselves (issue 11, items 1 and 2) ------------------------------
def _snapshot(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_fit_from_other_data_is_refitted_with_a_reason(first_run):
    """`scaling fit --data one.csv -o D/fits/chinchilla_lsq.json`, then `run`: refit, not reuse."""
    from scaling import datasets
    from scaling.fitting import load_fit

    tmp, _, _ = first_run
    run(_quick(tmp), echo=lambda _: None)  # current for these settings
    out = tmp / "fits" / "chinchilla_lsq.json"
    good = load_fit(out)
    one = tmp / "one.csv"
    datasets.load("chinchilla_runs").iloc[::3][["n_params", "n_tokens", "loss"]].to_csv(one, index=False)
    result = CliRunner().invoke(main, ["fit", "--data", str(one), "--bootstrap", "50", "-o", str(out)])
    assert result.exit_code == 0, result.output
    foreign = load_fit(out)
    assert foreign.data_sha256 != good.data_sha256

    lines: list[str] = []
    summary = run(_quick(tmp), echo=lines.append)
    reason = [line.strip() for line in lines if "refitting" in line]
    assert reason == [f"refitting {out}: it was fitted to other data (sha256 {foreign.data_sha256[:12]}... != "
                      f"{good.data_sha256[:12]}...)"], lines
    assert not any("reusing" in line and "chinchilla_lsq" in line for line in lines)
    assert load_fit(out).data_sha256 == good.data_sha256
    assert summary["lsq"]["E"] == pytest.approx(good.params["E"], rel=1e-5)
    assert sum("reusing" in line for line in lines) == 15 + N_CAPABILITY  # trends, panel series, random walk,
    # Epoch-drift walks, capability fits


def test_other_settings_in_the_file_are_refitted(first_run):
    """The manifest is not trusted alone: the file's own settings must match the request."""
    from scaling.fitting import load_fit

    tmp, _, _ = first_run
    run(_quick(tmp), echo=lambda _: None)  # current for these settings (manifest included)
    path = tmp / "fits" / "chinchilla_lsq.json"
    result = CliRunner().invoke(main, ["fit", "--bootstrap", "20", "-o", str(path)])  # same data, other settings
    assert result.exit_code == 0, result.output
    lines: list[str] = []
    run(_quick(tmp), echo=lines.append)
    assert any(f"refitting {path}: it was made with bootstrap = 20, this run uses 50" in line for line in lines), lines
    assert load_fit(path).settings["bootstrap"] == 50


def test_hand_edited_fits_are_refitted_never_reused(first_run):
    """Issue 21: an edited parameter was reused "(inputs unchanged)" and reached summary.json.

    A plain edit fails the file's own content hash; an edit that also recomputes that hash is
    not the file the job wrote (the manifest's sha256 of its bytes). Both are refitted."""
    from scaling.fitting import load_fit

    tmp, _, _ = first_run
    run(_quick(tmp), echo=lambda _: None)  # current for these settings
    lsq = tmp / "fits" / "chinchilla_lsq.json"
    trend = tmp / "fits" / "trend_flops_per_usd_tensor16.json"
    good_e = load_fit(lsq).params["E"]
    payload = json.loads(lsq.read_text())
    assert payload["content_sha256"]
    payload["params"]["E"] = 1.5
    lsq.write_text(json.dumps(payload, indent=2))
    edited = json.loads(trend.read_text())
    edited["draws"]["values"][edited["draws"]["columns"].index("slope_per_year")][0] *= 1.01
    _resave(trend, edited)  # a consistent content hash: only the manifest knows
    lines: list[str] = []
    summary = run(_quick(tmp), echo=lines.append)
    assert any(f"refitting {lsq}: it could not be read" in line and "changed after scaling wrote it" in line
               for line in lines), lines
    assert any(f"refitting {trend}: the file is not the one this job wrote" in line for line in lines), lines
    assert summary["lsq"]["E"] == pytest.approx(good_e, rel=1e-5)  # summary.json: SIGNIFICANT_DIGITS (6) digits
    assert load_fit(lsq).params["E"] == pytest.approx(good_e, rel=1e-6)


def test_damaged_cached_fits_are_refitted_not_fatal(first_run, monkeypatch):
    """Truncated or foreign JSON in the fits folder: `scaling run` refits them and exits 0."""
    import functools

    import scaling.pipeline

    tmp, _, _ = first_run
    run(_quick(tmp), echo=lambda _: None)
    damaged = {}
    for name, damage in [("chinchilla_lsq.json", "truncated"), ("trend_flops_per_usd_tensor16.json", "truncated"),
                         ("trend_flops_per_watt_fp32.json", "foreign")]:
        path = tmp / "fits" / name
        data = path.read_bytes()
        damaged[path] = data[: len(data) // 2] if damage == "truncated" else b'{"schema": "someone.else", "x": 1}'
        path.write_bytes(damaged[path])
    # The CLI with the quick test settings (OLS trends, few draws) instead of the full job's.
    monkeypatch.setattr(scaling.pipeline, "RunConfig",
                        functools.partial(RunConfig, trend_method="ols", n_draws=200, **QUICK_PANEL))
    result = CliRunner().invoke(main, [
        "run", "--fits-dir", str(tmp / "fits"), "--forecasts-dir", str(tmp / "forecasts"), "--no-figures",
        "--no-bayes", "--bootstrap", "50"])
    assert result.exit_code == 0, result.output
    refits = [line.strip() for line in result.output.splitlines() if "refitting" in line]
    assert len(refits) == 3, result.output
    for path, bad in damaged.items():
        assert any(line.startswith(f"refitting {path}: it could not be read (") for line in refits), refits
        assert path.read_bytes() != bad and json.loads(path.read_text())  # a whole file again
    assert sum("reusing" in line for line in result.output.splitlines()) == 13 + N_CAPABILITY


def test_truncated_netcdf_is_refitted_not_fatal(tmp_path):
    """A truncated Bayesian .nc makes its loader raise; the step refits (checked on the step itself)."""
    from scaling import pipeline
    from scaling.fitting import load_fit

    committed = ROOT / "fits" / "chinchilla_bayes.nc"
    path = tmp_path / "chinchilla_bayes.nc"
    path.write_bytes(committed.read_bytes()[:100_000])
    good = load_fit(committed)

    class Refit:  # stands in for a fresh posterior (sampling takes a minute)
        def save(self, target):
            Path(target).write_bytes(committed.read_bytes())

    lines: list[str] = []
    manifest = pipeline._Manifest(tmp_path / "manifest.json")
    request = pipeline._Request((good.data_sha256,), {"law": "chinchilla", "method": "bayes", "seed": 0}, {})
    out = pipeline._cached(manifest, path, "k", request, False, Refit, load_fit, lines.append)
    # what the job goes on with is the saved form of the refit (read back), as on a cached run
    assert type(out) is type(good) and out.data_sha256 == good.data_sha256 and len(out.draws) == len(good.draws)
    assert len(lines) == 2 and lines[0].startswith(f"refitting {path}: it could not be read (")
    assert path.read_bytes() == committed.read_bytes()
    assert json.loads((tmp_path / "manifest.json").read_text())["entries"]["chinchilla_bayes.nc"]["key"] == "k"
    # and the whole file, with a manifest entry, is reused
    lines.clear()
    again = pipeline._cached(manifest, path, "k", request, False, Refit, load_fit, lines.append)
    assert again.data_sha256 == good.data_sha256 and lines == [f"reusing {path} (inputs unchanged)"]


# --- an idempotent main job (issue 11, items 9 and 10) -----------------------------------
def _second_run_changes_nothing(tmp: Path, figures: bool) -> None:
    lines: list[str] = []
    run(_quick(tmp, figures=figures), echo=lines.append)
    before = _snapshot(tmp)
    assert len(before) >= 22 + 10 * figures
    lines.clear()
    run(_quick(tmp, figures=figures), echo=lines.append)
    assert sum("reusing" in line for line in lines) == 16 + N_CAPABILITY, lines
    assert not any("wrote" in line and "figures" not in line for line in lines), lines
    after = _snapshot(tmp)
    assert after.keys() == before.keys()
    changed = [str(p.relative_to(tmp)) for p in before if before[p] != after[p]]
    assert changed == []


def test_second_run_leaves_every_file_byte_identical(first_run):
    _second_run_changes_nothing(first_run[0], figures=False)


@pytest.mark.slow
def test_second_run_leaves_every_figure_byte_identical(tmp_path):
    _second_run_changes_nothing(tmp_path, figures=True)


@pytest.mark.slow
def test_second_run_on_another_cpu_changes_nothing(tmp_path):
    """The re-run with numpy's newer SIMD kernels switched off (standing in for another CPU:
    exp, log and power differ in the last bit) reuses every fit and rewrites no file."""
    import os
    import subprocess
    import sys

    run(_quick(tmp_path), echo=lambda _: None)
    before = _snapshot(tmp_path)
    code = ("import sys; from pathlib import Path; from scaling.pipeline import RunConfig, run; "
            "t = Path(sys.argv[1]); run(RunConfig(fits_dir=t / 'fits', forecasts_dir=t / 'forecasts', bootstrap=50, "
            "bayes=False, trend_method='ols', n_draws=200, figures=False, panel_draws=100, panel_tune=100, "
            "panel_chains=1))")
    env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"}
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("reusing") == 16 + N_CAPABILITY, done.stdout
    after = _snapshot(tmp_path)
    assert [str(p.relative_to(tmp_path)) for p in before if before[p] != after.get(p)] == []


def test_forecast_files_are_stored_at_six_significant_digits(first_run):
    import re

    tmp, _, _ = first_run
    out = tmp / "forecasts"
    def floats(obj):  # the numbers of a JSON document (not digits inside its strings, e.g. arXiv ids)
        if isinstance(obj, dict):
            return [x for v in obj.values() for x in floats(v)]
        if isinstance(obj, list):
            return [x for v in obj for x in floats(v)]
        return [repr(obj)] if isinstance(obj, float) else []

    numbers = re.findall(r"-?\d+\.\d+(?:e[+-]?\d+)?", (out / "gpt3_equivalent_cost.csv").read_text())
    numbers += floats(json.loads((out / "summary.json").read_text()))
    numbers += floats(json.loads((out / "gpt3_equivalent_cost.json").read_text()))
    numbers = [n for n in numbers if n not in ("nan", "inf", "-inf")]
    digits = [len(n.lstrip("-").split("e")[0].replace(".", "").strip("0")) for n in numbers]
    assert numbers and max(digits) <= 6
    assert json.loads((out / "summary.json").read_text())["significant_digits"] == 6
    assert json.loads((out / "gpt3_equivalent_cost.json").read_text())["significant_digits"] == 6


# --- no temp files left (issue 11, item 8) ----------------------------------------------
def _old(path: Path, seconds: float = 3600) -> Path:
    import os
    import time

    path.write_bytes(b"half a file")
    os.utime(path, (time.time() - seconds, time.time() - seconds))
    return path


def test_next_write_removes_stale_temp_files_of_its_target(tmp_path):
    from scaling._io import atomic_write_bytes, atomic_write_with

    stale = _old(tmp_path / ".x.ab12cd_9.tmp.png")  # a killed write of x.png
    young = tmp_path / ".x.zz12cd_9.tmp.png"
    young.write_bytes(b"a write in progress")
    other = _old(tmp_path / ".y.ab12cd_9.tmp.png")  # another target's
    mine = _old(tmp_path / "notes.tmp")  # not ours at all
    atomic_write_bytes(tmp_path / "x.png", b"png")
    assert not stale.exists() and young.exists() and other.exists() and mine.exists()
    nc = _old(tmp_path / ".posterior.k2j4l5m6.tmp.nc")
    atomic_write_with(tmp_path / "posterior.nc", lambda tmp: Path(tmp).write_bytes(b"nc"))
    assert not nc.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".x.zz12cd_9.tmp.png", ".y.ab12cd_9.tmp.png", "notes.tmp", "posterior.nc", "x.png"]


def test_failed_write_leaves_no_temp_file(tmp_path):
    from scaling._io import atomic_write_with, write_if_changed

    def broken(tmp):
        Path(tmp).write_bytes(b"half")
        raise KeyboardInterrupt

    for write in (atomic_write_with, write_if_changed):
        with pytest.raises(KeyboardInterrupt):
            write(tmp_path / "f.nc", broken)
    assert list(tmp_path.iterdir()) == []


def test_run_sweeps_stale_temp_files_at_start(first_run):
    tmp, _, _ = first_run
    stale = [_old(tmp / "fits" / ".chinchilla_bayes.a1b2c3d4.tmp.nc"),
             _old(tmp / "forecasts" / ".summary.a1b2c3d4.tmp.json")]
    (tmp / "forecasts" / "figures").mkdir(exist_ok=True)
    stale.append(_old(tmp / "forecasts" / "figures" / ".isoflop.a1b2c3d4.tmp.png"))
    lines: list[str] = []
    run(_quick(tmp), echo=lines.append)
    assert not any(p.exists() for p in stale)
    assert sum("left by an interrupted write" in line for line in lines) == 3


def test_write_if_changed_keeps_files_whose_only_change_is_created(tmp_path):
    from scaling._io import write_if_changed

    path = tmp_path / "r.json"
    assert write_if_changed(path, '{"created": "2020", "x": 1.5}\n')
    assert not write_if_changed(path, '{"created": "2031", "x": 1.5}\n')
    assert path.read_text() == '{"created": "2020", "x": 1.5}\n'
    assert write_if_changed(path, '{"created": "2031", "x": 1.25}\n')
    assert not write_if_changed(tmp_path / "r.json", b'{"created": "2040", "x": 1.25}\n')
    assert write_if_changed(tmp_path / "a.csv", "a\n1\n") and not write_if_changed(tmp_path / "a.csv", "a\n1\n")


def test_figure_is_redrawn_only_when_its_inputs_change(tmp_path, monkeypatch):
    """A figure whose inputs (file contents), plotting code and versions are those it was drawn
    from is not redrawn: a fresh clone's `scaling run` rewrites no PNG (issue 19)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scaling import pipeline

    drawn: list[str] = []

    def draw():
        drawn.append("a.png")
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.plot([0, 1], [0, float(source.read_text())])
        return ax

    monkeypatch.setattr(pipeline.figures, "figure_jobs", lambda *a, **k: {"a.png": draw})  # where _figures reads it
    source = tmp_path / "fit.json"
    source.write_text("1")
    fig_dir = tmp_path / "figures"
    args = (fig_dir, None, None, None, None, None, lambda _: None)
    pipeline._figures(*args, inputs={"a.png": [source]})
    png = (fig_dir / "a.png").read_bytes()
    assert drawn == ["a.png"] and (fig_dir / "manifest.json").exists()
    pipeline._figures(*args, inputs={"a.png": [source]})
    assert drawn == ["a.png"]  # inputs unchanged: not drawn again
    (fig_dir / "a.png").write_bytes(b"another CPU's sub-pixels")  # the committed bytes are kept as they are
    pipeline._figures(*args, inputs={"a.png": [source]})
    assert drawn == ["a.png"] and (fig_dir / "a.png").read_bytes() == b"another CPU's sub-pixels"
    source.write_text("2")  # an input changed: redrawn
    pipeline._figures(*args, inputs={"a.png": [source]})
    assert drawn == ["a.png", "a.png"] and (fig_dir / "a.png").read_bytes() not in (png, b"another CPU's sub-pixels")
    (fig_dir / "a.png").unlink()  # a missing figure is drawn whatever the manifest says
    pipeline._figures(*args, inputs={"a.png": [source]})
    assert len(drawn) == 3 and (fig_dir / "a.png").exists()
    pipeline._figures(*args, inputs={"a.png": [source]}, force=True)
    assert len(drawn) == 4
    assert pipeline.figure_key("a.png", [tmp_path / "missing.json"]) is None


def test_a_fit_is_reused_only_with_the_code_that_made_it(monkeypatch):
    """A changed default (model, prior, sampler setting) in the fitting code refits: the cache key
    carries a hash of the source of every module that can make a fit, not of the outputs layer."""
    from scaling.pipeline import _cache

    key = _cache._key("step", [], {"a": 1})
    assert _cache._key("step", [], {"a": 1}) == key  # deterministic
    monkeypatch.setattr(_cache, "_fitting_code_sha", lambda: "0" * 64)
    assert _cache._key("step", [], {"a": 1}) != key
    assert {"pipeline", "cli", "plot", "forecast"} <= set(_cache._NOT_FITTING)
