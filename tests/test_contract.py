"""One contract test for every result kind (issue 19): written once, parametrised over the kinds.

Each kind in :data:`KINDS` is built from shipped artefacts or a small, fast fit, and must
honour :class:`scaling.result_base.ResultBase`: ``summary``, ``report``, ``warnings``,
``metadata`` (with a data hash and a seed), ``to_dict``, and a ``save``/``load`` round trip
that keeps what the result reports. A kind added to the package is added here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scaling.errors import ScalingError, ScalingWarning
from scaling.result_base import ResultBase
from scaling.results import METADATA_KEYS, SUMMARY_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
FITS = ROOT / "fits"


def _law_fit():
    from scaling.fitting import load_fit

    return load_fit(FITS / "chinchilla_lsq.json")


def _trend():
    from scaling.hardware import load_trend

    return load_trend(FITS / "trend_flops_per_watt_fp32.json")


def _series_trend():
    from scaling.hardware import load_trend

    return load_trend(FITS / "trend_hyperscaler-on-demand.json")


def _panel():
    """A PanelFit with hand-made draws on the shipped prices (a real fit takes a minute)."""
    from scaling.hardware.panel import PanelFit, panel_data

    rng = np.random.default_rng(0)
    data, n = panel_data(), 400
    draws = pd.DataFrame({
        "intercept": 17.5 + 0.01 * rng.standard_normal(n), "slope_per_year": 0.06 + 0.005 * rng.standard_normal(n),
        "age_slope": -0.05 + 0.01 * rng.standard_normal(n), "sigma": 0.05 + 0.005 * rng.random(n),
        "nu": 5.0 + rng.random(n), "tau_chip": 0.2 + 0.01 * rng.random(n), "tau_provider": 0.1 + 0.01 * rng.random(n),
        "kind[gpu_cloud]": 0.3 + 0.02 * rng.standard_normal(n),
        "kind[marketplace]": 0.6 + 0.02 * rng.standard_normal(n),
        "tier[1yr]": 0.2 + 0.02 * rng.standard_normal(n), "tier[3yr]": 0.5 + 0.02 * rng.standard_normal(n),
        "rw_scale": 0.05 + 0.01 * rng.random(n)})
    d = data.data
    return PanelFit(data=data, t0=2023.0, age_ref=2.0, draws=draws, chips=tuple(sorted(d["name"].unique())),
                    providers=tuple(sorted(d["provider"].unique())),
                    diagnostics={"r_hat": {"intercept": 1.001}, "ess_bulk": {"intercept": 900.0}, "divergences": 0},
                    seed=0, settings={**data.settings, "model": "panel", "horizon_origin_year": 2025.5})


def _evaluation():
    from scaling.hardware.evaluation import evaluate

    return evaluate(metric="flops_per_watt", precision="fp32", cutoffs=["2022-01-01"], models="ols,nochange",
                    n_draws=500)


def _backtest():
    from scaling.hardware import backtest

    return backtest("2022-01-01", "flops_per_watt", "fp32", method="ols", draws=200)
def _bayes_fit():
    from scaling import bayes

    return bayes.load(FITS / "chinchilla_bayes.nc")


def _runs(seed: int, scale: float = 1.0, sizes: int = 5, per_size: int = 4) -> pd.DataFrame:
    """A small table of a Chinchilla-like law (Hoffmann et al. 2022's estimates) with 1% log-normal noise."""
    from scaling.laws import get_law

    rng = np.random.default_rng(seed)
    n = np.repeat(np.geomspace(1e8, 3e9, sizes), per_size)
    d = n * np.tile(np.geomspace(5, 80, per_size), sizes)
    params = dict(E=1.69 * scale, A=406.4 * scale, B=410.7 * scale, alpha=0.34, beta=0.28)
    loss = get_law("chinchilla").predict(params, n, d) * np.exp(0.01 * rng.standard_normal(n.size))
    return pd.DataFrame({"n_params": n, "n_tokens": d, "loss": loss})


def _comparison():
    from scaling import compare

    return compare.compare(_runs(0), laws=("kaplan",), published=("hoffmann2022",), bootstrap=3, seed=1)


def _grouped_comparison():
    from scaling import compare

    runs = pd.concat([_runs(0).assign(group="a"), _runs(1, scale=1.5).assign(group="b")], ignore_index=True)
    return compare.compare(runs, laws=("kaplan",), bootstrap=0, seed=2)


def _capability_fit():
    from scaling.capability import load

    return load(FITS / "capability_mmlu.json")


def _forecast():
    from scaling.forecast import ForecastSpec, equivalent_cost
    from scaling.hardware import load_trend

    spec = ForecastSpec(dates=["2024-01-01", "2026-01-01", "2028-01-01"], n_draws=200, seed=3, label="contract")
    return equivalent_cost(_law_fit(), load_trend(FITS / "trend_flops_per_usd_cloud_tensor16.json"), spec=spec)


def _capability_forecast():
    from scaling.forecast.capability_cost import capability_equivalent_cost
    from scaling.hardware import load_trend

    return capability_equivalent_cost(load_trend(FITS / "trend_flops_per_usd_cloud_tensor16.json"),
                                      dates=["2022-01-01", "2026-01-01"], n_draws=200, seed=1, label="capability")


def _frontier_trend():
    from scaling.forecast.capability import frontier_trend

    return frontier_trend(n_draws=400, seed=0)


#: kind name -> a function that returns one result of that kind (cheap: shipped files or tiny fits).
KINDS = {
    "law fit (least squares)": _law_fit,
    "hardware trend (chips)": _trend,
    "hardware trend (price series)": _series_trend,
    "price panel": _panel,
    "forecast evaluation": _evaluation,
    "hardware trend backtest": _backtest,
    "law fit (Bayesian posterior)": _bayes_fit,
    "held-out comparison": _comparison,
    "held-out comparison per group": _grouped_comparison,
    "capability fit": _capability_fit,
    "cost forecast": _forecast,
    "cost forecast (capability target)": _capability_forecast,
    "capability frontier trend": _frontier_trend,
}


@pytest.fixture(scope="module", params=sorted(KINDS))
def result(request):
    return KINDS[request.param]()


def test_is_a_result_base(result):
    assert isinstance(result, ResultBase)
    assert result.SCHEMA.startswith("scaling.") and result.SUFFIX.startswith(".")


def test_summary_frame(result):
    for level in (0.9, 0.5):
        summ = result.summary(level)
        assert isinstance(summ, pd.DataFrame) and len(summ) >= 1
        assert summ.index.name == "parameter"
        assert tuple(summ.columns[:3]) == SUMMARY_COLUMNS
        assert summ.attrs["level"] == level
        finite = summ.dropna(subset=["lower", "upper"])
        assert (finite["lower"] <= finite["upper"]).all()
    wide, narrow = result.summary(0.9), result.summary(0.5)
    both = wide.dropna(subset=["lower"]).index
    assert ((wide.loc[both, "upper"] - wide.loc[both, "lower"])
            >= (narrow.loc[both, "upper"] - narrow.loc[both, "lower"]) - 1e-12).all()
    with pytest.raises(ScalingError, match="level"):
        result.summary(1.5)


def test_warnings_and_report(result):
    for level in (0.9, 0.5):
        warns = result.warnings(level)
        assert isinstance(warns, list) and all(isinstance(w, ScalingWarning) for w in warns)
    text = result.report()
    assert isinstance(text, str) and text.strip()
    for w in result.warnings():
        assert w.message in text


def test_metadata_has_data_hash_and_seed(result):
    meta = result.metadata
    assert tuple(meta) == METADATA_KEYS
    assert meta["schema"] == result.SCHEMA and meta["schema_version"] == result.SCHEMA_VERSION
    assert len(meta["data_sha256"]) == 64 and int(meta["data_sha256"], 16) >= 0
    assert isinstance(meta["seed"], int) and not isinstance(meta["seed"], bool)
    assert isinstance(meta["settings"], dict)


def test_to_dict_is_json_and_starts_with_metadata(result):
    payload = result.to_dict()
    assert tuple(payload)[:len(METADATA_KEYS)] == METADATA_KEYS
    assert "draws" in payload
    json.dumps(payload, allow_nan=True)  # JSON-ready: no numpy scalars, no frames


def test_save_load_round_trip(result, tmp_path):
    path = result.save(tmp_path / f"result{result.SUFFIX}")
    back = type(result).load(path)
    assert type(back) is type(result)
    assert back.metadata | {"created": ""} == result.metadata | {"created": ""}
    a, b = result.summary(), back.summary()
    assert list(a.index) == list(b.index)
    # saved draws keep 6 significant digits and at most 1,000 draws: what is reported survives
    np.testing.assert_allclose(a["value"].to_numpy(float), b["value"].to_numpy(float), rtol=1e-5, atol=0)
    ends = a[["lower", "upper"]].to_numpy(float), b[["lower", "upper"]].to_numpy(float)
    finite = np.isfinite(ends[0])
    assert (np.isfinite(ends[1]) == finite).all()
    spread = np.abs(a["upper"] - a["lower"]).to_numpy(float)[:, None] * np.ones((1, 2))
    assert (np.abs(ends[0] - ends[1])[finite] <= 0.05 * spread[finite] + 1e-9 * np.abs(ends[0][finite])).all()
    assert [w.code for w in back.warnings()] == [w.code for w in result.warnings()]
    # a second save of the loaded result writes the same content (the format is a fixed point)
    again = type(back).load(back.save(tmp_path / f"again{result.SUFFIX}"))
    assert again.to_dict() | {"created": ""} == back.to_dict() | {"created": ""}


def test_wrong_suffix_and_missing_file(result, tmp_path):
    with pytest.raises(ScalingError, match=result.SUFFIX.replace(".", r"\.")):
        result.save(tmp_path / "result.txt")
    with pytest.raises(FileNotFoundError):
        type(result).load(tmp_path / f"missing{result.SUFFIX}")


def test_foreign_schema_is_refused(result, tmp_path):
    if result.SUFFIX != ".json":
        pytest.skip("JSON kinds only")
    path = tmp_path / "foreign.json"
    path.write_text(json.dumps({"schema": "scaling.other", "schema_version": 1}))
    with pytest.raises(ScalingError, match="schema"):
        type(result).load(path)


def test_edited_file_is_refused(result, tmp_path):
    if result.SUFFIX != ".json":
        pytest.skip("JSON kinds only (a netCDF posterior is checked by its own tests)")
    path = result.save(tmp_path / "result.json")
    payload = json.loads(path.read_text())
    name, value = next((k, v) for k, v in payload["params"].items() if isinstance(v, float) and math.isfinite(v))
    payload["params"][name] = value * 1.01 if value else 1.0
    path.write_text(json.dumps(payload))
    with pytest.raises(ScalingError, match="changed after scaling wrote it"):
        type(result).load(path)
