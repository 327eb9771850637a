"""Fuzzing the public API: every call ends in a result or a ScalingError, never another exception.

Issue 11, "What to build" 7 and 4. Hypothesis draws arguments from the whole float range
(0, -0, subnormals, 1e308, inf, NaN, negatives), huge integers (10**400), booleans, None,
strings and arrays, mixed with plausible values so that calls also succeed. Each call must

- return a result whose promised numbers are finite (cost answers, point estimates, validated
  tables; interval ends may be ``inf`` by the rule of :func:`scaling.results.interval`, and law
  answers a draw cannot give are NaN, as :mod:`scaling.laws` documents), or
- raise :class:`scaling.errors.ScalingError` (file functions may also raise ``OSError``).

How each call ended is counted (``fuzz_counts``) and printed in the test summary.
Seeds are fixed (``derandomize=True``): CI runs the same cases every time.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scaling import cost, datasets, fitting, laws, sizing
from scaling._format import fmt_num, format_bytes, format_si, format_usd
from scaling.errors import ScalingError

ROOT = Path(__file__).resolve().parent.parent
SUITE = "API"
NON_FINITE_TEXT = re.compile(r"(?<![\w.])[-+]?(nan|inf|infinity)(?![\w])", re.IGNORECASE)


def answers(report: str) -> str:
    """A report without its warning lines (a warning may name a bound such as [0, inf])."""
    return "\n".join(line for line in report.splitlines() if "warning" not in line.lower())


def fuzz_settings(n: int):
    return settings(max_examples=n, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


# -- values -----------------------------------------------------------------------------------

SPECIAL_NUMBERS = [0.0, -0.0, 5e-324, 1e-300, 1e308, -1e308, math.inf, -math.inf, math.nan, -1.0, 10 ** 400,
                   -(10 ** 400), 2 ** 63, True, False, np.float32(1.5), np.int64(7), np.nan]
ODD_VALUES = [None, "1e9", "abc", "", [1.0, 2.0], (), {}, np.array([1.0, -1.0]), np.array([]), object(),
              pd.NA, 1 + 2j]


def numbers(plausible=(1.0,)):
    """A value for a numeric argument: plausible (thrice as likely), any float, special, odd."""
    good = st.sampled_from(list(plausible))
    return st.one_of(good, good, good, st.floats(), st.sampled_from(SPECIAL_NUMBERS),
                     st.integers(-(10 ** 30), 10 ** 30), st.sampled_from(ODD_VALUES))


def finite_leaves(obj, path="result"):
    """Yield (path, value) for every float leaf of a result that is not finite."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from finite_leaves(getattr(obj, f.name), f"{path}.{f.name}")
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from finite_leaves(v, f"{path}[{k!r}]")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from finite_leaves(v, f"{path}[{i}]")
    elif isinstance(obj, np.ndarray) and obj.dtype.kind in "fc":
        if not np.all(np.isfinite(obj)):
            yield path, obj
    elif isinstance(obj, (float, np.floating)) and not math.isfinite(float(obj)):
        yield path, obj


def attempt(fn, *args, allow_os_error: bool = False, **kwargs):
    """Call ``fn``; return ``("result", value)`` or ``("ScalingError", exc)``; anything else fails."""
    try:
        return "result", fn(*args, **kwargs)
    except ScalingError as exc:
        assert str(exc).strip(), f"{fn.__name__}: ScalingError without a message"
        return "ScalingError", exc
    except OSError as exc:
        if allow_os_error:
            return "OSError", exc
        raise


def _count(fuzz_counts, group: str, outcome: str) -> None:
    fuzz_counts[SUITE][outcome] += 1
    fuzz_counts[f"API {group}"][outcome] += 1


# -- shared inputs ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped_fit():
    return fitting.load_fit(ROOT / "fits" / "chinchilla_lsq.json")


@pytest.fixture(scope="module")
def chinchilla_runs() -> pd.DataFrame:
    runs = datasets.load("chinchilla_runs")
    return runs[~runs["excluded"]].reset_index(drop=True)


# -- cost: every public function, arguments by name -------------------------------------------

PLAUSIBLE = {
    "n_params": (175e9, 7e9, 1e6), "n_tokens": (300e9, 2e12), "compute_flops": (3.15e23, 1e20),
    "mfu": (0.4, 0.213, 1.0), "usd_per_chip_hour": (2.03, 1.0), "usd_per_instance_hour": (19.22,),
    "chips_per_instance": (8, 1), "n_chips": (1024, None), "chip_hours": (1e5,), "bytes_per_param": (20.0, 2.0),
    "memory_bytes": (3.5e12,), "tdp_w": (400.0,), "pue": (1.1, 1.0), "energy_kwh": (1e6,), "usd_per_kwh": (0.08,),
    "purchase_price_usd": (30000.0,), "lifetime_years": (4.0,), "utilisation": (0.4, 1.0),
    "factor_per_generation": (1.5,), "years_per_generation": (2.0,), "factor_per_year": (1.2,), "years": (3.0,),
    "hardware_cost_usd": (1e6,), "energy_cost_usd": (1e5,), "n_generations": (2, 0), "per_dollar_factor": (1.5,),
    "per_watt_factor": (1.3,), "flops_per_s": (312e12,), "price_usd": (15000.0,), "n_words": (2050.0, 0.0),
    "words_per_token": (0.75,), "usd": (0.02,), "usd_per_1k_tokens": (0.02,), "cache_hit_rate": (0.3, 0.0),
    "gross_margin": (0.75, 0.0), "prompt_words": (50.0,), "response_words": (400.0,), "n_samples": (5, 1),
    "n_results": (10, 0), "words_per_result": (1000.0, 0.0), "searches_per_month": (1e11,),
    "penetration_then": (0.34,), "penetration_now": (0.6,), "revenue_usd": (1e11,), "queries_per_year": (2e12,),
    "cost_usd": (0.01,), "digits": (3, 0, -1),
}
SPECIAL_ARGS = {
    "hardware": st.one_of(st.sampled_from(["a100", "h100", "tpu-v4", "NVIDIA H100 SXM5 80GB", "abacus", "", None]),
                          numbers((312e12, 80e9))),
    "architecture": st.sampled_from(list(cost.ARCHITECTURES) + ["transformer", "", None, 1]),
    "precision": st.sampled_from(list(cost.PRECISIONS) + ["fp4", "", None]),
    "factors": st.one_of(st.lists(numbers((4.0, 2.0)), max_size=4), st.sampled_from([None, "4,2", 4.0])),
    "prompt_per_sample": st.sampled_from([True, False, None, "yes"]),
    "digits": st.sampled_from([0, 1, 3, 6, -1]),  # a presentation setting of the formatters, not data
}
#: Functions whose inputs are arrays of draws or dates (fuzzed elsewhere or not number-in, number-out).
#: The formatters take floats (their documented domain) and are fuzzed in test_fuzz_formatters.
COST_SKIP = {"dollar_factor", "usd_per_peak_flop_tco", "price_point", "resolve_accelerator", "known_accelerators",
             "format_usd", "format_si", "format_bytes"}
COST_FUNCTIONS = sorted(n for n in cost.__all__ if inspect.isfunction(getattr(cost, n)) and n not in COST_SKIP)


@st.composite
def cost_call(draw):
    name = draw(st.sampled_from(COST_FUNCTIONS))
    fn = getattr(cost, name)
    kwargs = {}
    for p in inspect.signature(fn).parameters.values():
        if p.default is not inspect.Parameter.empty and draw(st.integers(0, 3)) == 0:
            continue  # leave the default
        if p.name in SPECIAL_ARGS:
            kwargs[p.name] = draw(SPECIAL_ARGS[p.name])
        else:
            kwargs[p.name] = draw(numbers(PLAUSIBLE.get(p.name, (1.0, 0.5, 100.0))))
    return name, kwargs


@fuzz_settings(500)
@given(call=cost_call())
def test_fuzz_cost_functions(call, fuzz_counts):
    """Each cost function: a finite answer (every float of the result) or a ScalingError."""
    name, kwargs = call
    outcome, value = attempt(getattr(cost, name), **kwargs)
    if outcome == "result":
        if isinstance(value, str):
            assert not NON_FINITE_TEXT.search(value), f"cost.{name}({kwargs}) printed {value!r}"
        else:
            bad = list(finite_leaves(value))
            assert not bad, f"cost.{name}({kwargs}) gave non-finite {bad}"
        if hasattr(value, "to_dict"):
            assert not list(finite_leaves(value.to_dict()))
    _count(fuzz_counts, "scaling.cost.*", outcome)


@fuzz_settings(60)
@given(x=st.one_of(st.floats(), st.sampled_from(SPECIAL_NUMBERS[:10] + [1e15, 1e-6, 999.9999, -1e-7])),
       digits=st.sampled_from([None, 0, 1, 3, 6, -2]))
def test_fuzz_formatters(x, digits, fuzz_counts):
    """Every formatter prints any float without raising and without 'nan'/'inf' words."""
    for fn in (format_usd, format_si, format_bytes, fmt_num):
        text = fn(x) if digits is None else fn(x, digits)
        assert isinstance(text, str) and text
        assert not NON_FINITE_TEXT.search(text), f"{fn.__name__}({x!r}) = {text!r}"
    _count(fuzz_counts, "formatters", "result")


# -- laws --------------------------------------------------------------------------------------

LAW_NAMES = laws.names()
TYPICAL = {"E": 1.82, "A": 482.0, "B": 2085.0, "alpha": 0.35, "beta": 0.37, "Nc": 8.8e13, "Dc": 5.4e13,
           "alpha_N": 0.076, "alpha_D": 0.095, "R_N": 5.0, "R_D": 15.0}


@st.composite
def law_params(draw, law):
    """Parameters near the published values (often) or from the whole float range."""
    wild = draw(st.booleans())
    out = {}
    for name in law.param_names:
        typical = TYPICAL.get(name, 1.0)
        if wild and draw(st.integers(0, 2)) == 0:
            out[name] = draw(numbers((typical,)))
        else:
            out[name] = typical * draw(st.floats(0.5, 2.0))
    return out, wild


def _law_in_bounds(law, params) -> bool:
    for name, (lo, hi) in law.bounds.items():
        v = params.get(name)
        if not isinstance(v, float) or not (lo < v < hi):
            return False
    return True


@fuzz_settings(150)
@given(data=st.data())
def test_fuzz_law_methods(data, fuzz_counts):
    """Law methods: a result or a ScalingError; in-domain queries with sane parameters are finite."""
    law = laws.get_law(data.draw(st.sampled_from(LAW_NAMES), label="law"))
    params, wild = data.draw(law_params(law), label="params")
    covariates = {}
    if getattr(law, "covariates", ()):
        covariates = {c: data.draw(numbers((1e12, 1e11)), label=c) for c in law.covariates}
    method = data.draw(st.sampled_from(["predict", "allocate", "loss_at_optimum", "compute_for_loss",
                                        "tokens_for_loss", "min_total_for_loss", "allocate_total", "derived",
                                        "irreducible_loss"]), label="method")
    n = data.draw(numbers((1e9, 70e9, 1e12)), label="n")
    d = data.draw(numbers((1.4e12, 300e9)), label="d")
    c = data.draw(numbers((5.76e23, 1e20, 1e30)), label="c")
    loss = data.draw(numbers((2.0, 2.5, 3.0)), label="loss")
    t = data.draw(numbers((1e12, 0.0)), label="t")
    bind = bool(covariates) and not wild

    def target():  # binding covariates is part of the call: a bad one is a ScalingError too
        return law.at(**covariates) if bind else law

    call = {
        "predict": lambda: target().predict(params, n, d),
        "allocate": lambda: target().allocate(params, c),
        "loss_at_optimum": lambda: target().loss_at_optimum(params, c),
        "compute_for_loss": lambda: target().compute_for_loss(params, loss),
        "tokens_for_loss": lambda: target().tokens_for_loss(params, n, loss),
        "min_total_for_loss": lambda: target().min_total_for_loss(params, loss, t),
        "allocate_total": lambda: target().allocate_total(params, c, t),
        "derived": lambda: target().derived(params),
        "irreducible_loss": lambda: target().irreducible_loss(params),
    }[method]
    try:
        outcome, value = attempt(call)
    except TypeError as exc:  # a law that needs covariates, called without: must be a ScalingError
        raise AssertionError(f"{law.name}.{method}: TypeError {exc}") from exc
    if outcome == "result" and not wild and method in ("predict", "allocate", "loss_at_optimum", "derived"):
        sane = _law_in_bounds(law, params) and all(
            isinstance(v, float) and 1e3 <= v <= 1e17 for v in covariates.values()) and all(
            isinstance(x, float) and lo <= x <= hi
            for x, (lo, hi) in ((n, laws.N_PARAMS_RANGE), (d, laws.N_TOKENS_RANGE), (c, laws.COMPUTE_FLOPS_RANGE)))
        if sane:
            bad = list(finite_leaves(value))
            assert not bad, f"{law.name}.{method}({params}, n={n}, d={d}, c={c}) non-finite: {bad}"
    _count(fuzz_counts, "laws", outcome)


# -- sizing.optimal on the shipped fit ----------------------------------------------------------


@fuzz_settings(150)
@given(data=st.data())
def test_fuzz_optimal(data, shipped_fit, fuzz_counts):
    """``scaling.optimal``: finite point answers (intervals may end 'unbounded') or a ScalingError."""
    which = data.draw(st.sampled_from(["compute_flops", "target_loss", "target", "two", "none"]), label="query")
    kwargs = {}
    if which in ("compute_flops", "two"):
        kwargs["compute_flops"] = data.draw(numbers((5.76e23, 1e12, 1e32, 1e20)), label="compute_flops")
    if which in ("target_loss", "two"):
        kwargs["target_loss"] = data.draw(numbers((2.0, 1.9, 1.8173, 3.0)), label="target_loss")
    if which == "target":
        kwargs["target"] = data.draw(st.sampled_from(["gpt3", "GPT-3", "gpt4", 3.0, None]), label="target")
    if data.draw(st.booleans(), label="with level"):
        kwargs["level"] = data.draw(numbers((0.9, 0.5, 0.99)), label="level")
    if data.draw(st.integers(0, 3), label="with inference") == 0:
        kwargs["inference_tokens"] = data.draw(numbers((1e12, 0.0, 1e20)), label="inference_tokens")
    outcome, result = attempt(sizing.optimal, shipped_fit, **kwargs)
    if outcome == "result":
        s = result.summary()
        assert np.all(np.isfinite(s["value"].to_numpy(dtype=float))), f"optimal({kwargs}):\n{s}"
        assert not (s["lower"] > s["upper"]).any(), f"optimal({kwargs}): lower above upper\n{s}"
        json.dumps(result.to_dict(), allow_nan=True)
        assert not NON_FINITE_TEXT.search(answers(result.report())), f"optimal({kwargs}) report:\n{result.report()}"
    _count(fuzz_counts, "scaling.optimal", outcome)


# -- runs tables: validate_runs, read_runs, fit ------------------------------------------------

CELL = st.one_of(st.floats(1e3, 1e13), st.floats(), st.sampled_from([0, -1, "abc", "", None, True, 1e400, "1e9"]))
EXCLUDED = st.sampled_from([True, False, "true", "false", "yes", "no", "1", "0", 1, 0, "", None, "maybe", np.nan,
                            pd.NA, 2, "TRUE", " no "])


@st.composite
def runs_table(draw, good: pd.DataFrame, max_rows: int = 12):
    """A table of runs: rows of the shipped data, some cells replaced, columns dropped or added."""
    rows = draw(st.integers(0, max_rows))
    idx = draw(st.lists(st.integers(0, len(good) - 1), min_size=rows, max_size=rows))
    df = good.iloc[idx][["n_params", "n_tokens", "loss"]].reset_index(drop=True).astype(object)
    for _ in range(draw(st.integers(0, 3))):
        if rows:
            df.iat[draw(st.integers(0, rows - 1)), draw(st.integers(0, 2))] = draw(CELL)
    if draw(st.booleans()):
        df["excluded"] = [draw(EXCLUDED) for _ in range(rows)]
    if draw(st.integers(0, 4)) == 0:
        df = df.drop(columns=[draw(st.sampled_from(["n_params", "n_tokens", "loss"]))])
    if draw(st.integers(0, 4)) == 0:
        df["compute_flops"] = 6.0 * pd.to_numeric(df.get("n_params", 1.0), errors="coerce") * 1e10
    return df


@fuzz_settings(200)
@given(data=st.data())
def test_fuzz_validate_runs(data, chinchilla_runs, fuzz_counts):
    """``validate_runs``: a clean table (finite positive numbers, boolean excluded) or a ScalingError."""
    df = data.draw(runs_table(chinchilla_runs), label="runs")
    outcome, out = attempt(datasets.validate_runs, df)
    if outcome == "result":
        for col in ("n_params", "n_tokens", "loss"):
            v = out[col].to_numpy(dtype=float)
            assert np.all(np.isfinite(v)) and np.all(v > 0), f"{col} not finite positive:\n{out}"
        assert out["excluded"].map(lambda x: isinstance(x, (bool, np.bool_))).all()
    _count(fuzz_counts, "datasets.validate_runs", outcome)


@fuzz_settings(60)
@given(text=st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.lists(st.sampled_from(["n_params,n_tokens,loss", "1e9,2e10,2.5", "2e9,4e10,2.4", "1e9,,2", "a,b,c",
                              '"1e9",2e10,"2.5"', "1e9,2e10,2.5,extra", "nan,inf,-1", "excluded", ",,,", ""]),
             max_size=8).map("\n".join)))
def test_fuzz_read_runs(text, tmp_path_factory, fuzz_counts):
    """``read_runs`` on arbitrary file contents: a validated table or a ScalingError."""
    path = tmp_path_factory.mktemp("runs", numbered=True) / "runs.csv"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    outcome, _ = attempt(datasets.read_runs, path)
    _count(fuzz_counts, "datasets.read_runs", outcome)


@fuzz_settings(20)
@given(data=st.data())
def test_fuzz_fit(data, chinchilla_runs, fuzz_counts):
    """``scaling.fit`` (coarse grid, few resamples) on generated tables and options."""
    df = data.draw(runs_table(chinchilla_runs, max_rows=30), label="runs")
    kwargs = dict(
        law=data.draw(st.sampled_from(["chinchilla", "chinchilla", "kaplan", "nope"]), label="law"),
        method=data.draw(st.sampled_from(["huber", "huber", "huber-mle", "magic"]), label="method"),
        grid="coarse",
        bootstrap=data.draw(st.sampled_from([0, 0, 3, -1, 10 ** 9, 2.5, True]), label="bootstrap"),
        seed=data.draw(st.sampled_from([0, 1, -1, 1.5, None]), label="seed"),
        include=data.draw(st.sampled_from([None, "kept", "all", "some"]), label="include"),
        delta=data.draw(numbers((1e-3,)), label="delta"),
    )
    outcome, result = attempt(fitting.fit, df, **kwargs)
    if outcome == "result":
        assert not NON_FINITE_TEXT.search(answers(result.report())), result.report()
        result.summary()
        result.warnings()
    _count(fuzz_counts, "scaling.fit", outcome)


# -- saved files: load_fit on mutated copies ----------------------------------------------------


def _mutate(payload, path, value):
    node = payload
    for key in path[:-1]:
        node = node[key]
    if isinstance(node, list) and not node:
        return
    node[path[-1] if not isinstance(node, list) else path[-1] % len(node)] = value


def _leaf_paths(obj, prefix=(), depth=0):
    if depth > 3:
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield prefix + (k,)
            yield from _leaf_paths(v, prefix + (k,), depth + 1)
    elif isinstance(obj, list) and obj:
        yield prefix + (0,)


FIT_TEXT = (ROOT / "fits" / "chinchilla_lsq.json").read_text()
FIT_PATHS = sorted(_leaf_paths(json.loads(FIT_TEXT)), key=str)


@fuzz_settings(70)
@given(where=st.sampled_from(FIT_PATHS),
       value=st.one_of(st.sampled_from([None, "nan", -1.0, 0.0, 1.5, "x", [], {}, True, 1e308, 10 ** 30]),
                       st.floats()),
       cut=st.sampled_from([None, None, None, 10, 1000]))
def test_fuzz_load_fit(where, value, cut, tmp_path_factory, fuzz_counts):
    """``load_fit`` on a saved fit with one field changed (or truncated): a valid fit or a ScalingError."""
    payload = json.loads(FIT_TEXT)
    _mutate(payload, where, value)
    text = json.dumps(payload)
    if cut is not None:
        text = text[:cut]
    path = tmp_path_factory.mktemp("fit", numbered=True) / "fit.json"
    path.write_text(text)
    outcome, fit = attempt(fitting.load_fit, path, allow_os_error=True)
    if outcome == "result":
        bad = {k: v for k, v in fit.params.items() if not math.isfinite(v)}
        assert not bad, f"load_fit accepted non-finite params {bad} after setting {where} = {value!r}"
        assert not NON_FINITE_TEXT.search(answers(fit.report())), f"{where} = {value!r}:\n{fit.report()}"
    _count(fuzz_counts, "fitting.load_fit", outcome)


# -- forecasts and trends (a few: each call does real work) -------------------------------------


@pytest.fixture(scope="module")
def trends():
    from scaling.hardware import load_trend

    fits = ROOT / "fits"
    return (load_trend(fits / "trend_flops_per_usd_cloud_tensor16.json"),
            load_trend(fits / "trend_flops_per_usd_tensor16.json"),
            load_trend(fits / "trend_flops_per_watt_tensor16.json"))


@fuzz_settings(15)
@given(data=st.data())
def test_fuzz_equivalent_cost(data, shipped_fit, trends, fuzz_counts):
    """``forecast.equivalent_cost`` with few draws: finite medians (report without nan) or a ScalingError."""
    from scaling.forecast import default_dates, equivalent_cost

    cloud, price, energy = trends
    purchase = data.draw(st.booleans(), label="purchase")
    kwargs = dict(
        target=data.draw(st.sampled_from(["gpt3", 2.0, 1.9, 1e300, 175e9, (175e9, 300e9), (1.0, -1.0), math.nan,
                                          "loss"]), label="target"),
        utilisation=data.draw(st.one_of(numbers((0.4,)), st.sampled_from([(0.3, 0.5), (0.5, 0.3)])), label="mfu"),
        algorithmic_halving_months=data.draw(st.sampled_from([None, "ho2024", 8.0, 1e-300, 0.0, -8.0, 1e300,
                                                               math.inf]), label="halving"),
        n_draws=data.draw(st.sampled_from([20, 50, 9, 0, 10 ** 9]), label="n_draws"),
        seed=data.draw(st.sampled_from([0, 3, -1]), label="seed"),
    )
    if data.draw(st.booleans(), label="dates"):
        kwargs["dates"] = data.draw(st.sampled_from([["2024-01-01", "2025-01-01"], ["1900-01-01"], [],
                                                     ["2030-01-01", "2024-01-01"], ["nope"]]), label="dates")
    else:
        kwargs["dates"] = default_dates("2022-01-01", 2026)
    if purchase:
        kwargs.update(lifetime_years=data.draw(numbers((4.0,)), label="lifetime"),
                      usd_per_kwh=data.draw(numbers((0.08,)), label="usd_per_kwh"),
                      pue=data.draw(numbers((1.1,)), label="pue"))
    outcome, fc = attempt(equivalent_cost, shipped_fit, price if purchase else cloud,
                          energy if purchase else None, **kwargs)
    if outcome == "result":
        s = fc.by_date(level=0.9)
        medians = s[[c for c in s.columns if c.endswith("_median")]].to_numpy(dtype=float)
        assert np.all(np.isfinite(medians)), f"equivalent_cost({kwargs}): non-finite medians\n{s}"
        assert np.all(medians > 0), f"equivalent_cost({kwargs}): a cost of zero is no answer\n{s}"
        assert not NON_FINITE_TEXT.search(answers(fc.report())), fc.report()
    _count(fuzz_counts, "forecast.equivalent_cost", outcome)


@fuzz_settings(15)
@given(data=st.data())
def test_fuzz_fit_trend_ols(data, fuzz_counts):
    """``hardware.fit_trend(method='ols')`` with generated filters: a trend or a ScalingError."""
    from scaling.hardware import fit_trend

    kwargs = dict(
        metric=data.draw(st.sampled_from(["flops_per_usd", "flops_per_watt", "flops_per_usd_cloud", "flops"])),
        precision=data.draw(st.sampled_from(["tensor16", "fp32", "fp8", "fp4", None])),
        vendor=data.draw(st.sampled_from([None, "NVIDIA", "AMD", "nobody", ""])),
        since=data.draw(st.sampled_from([None, "2015-01-01", "2024-06-01", "nope", "3000-01-01"])),
        before=data.draw(st.sampled_from([None, "2020-01-01", "1990-01-01"])),
        draws=data.draw(st.sampled_from([100, 200, 99, 10 ** 9, 1.5])),
        dollars=data.draw(st.sampled_from(["nominal", "real", "euros"])),
        frontier=data.draw(st.booleans()),
    )
    outcome, trend = attempt(fit_trend, method="ols", **kwargs)
    if outcome == "result":
        dt = trend.doubling_time_years
        assert math.isfinite(dt["median"]) or dt["median"] == math.inf, f"fit_trend({kwargs}): {dt}"
        assert not NON_FINITE_TEXT.search(answers(trend.report())), trend.report()
    _count(fuzz_counts, "hardware.fit_trend", outcome)


def test_api_fuzz_totals():
    """The API fuzz tries at least 1,000 calls per run (read from the tests' own settings)."""
    tests = [v for k, v in globals().items() if k.startswith("test_fuzz_")]
    total = sum(t.hypothesis.inner_test._hypothesis_internal_use_settings.max_examples
                if hasattr(t.hypothesis.inner_test, "_hypothesis_internal_use_settings")
                else t._hypothesis_internal_use_settings.max_examples for t in tests)
    assert len(tests) >= 10 and total >= 1000, total


# -- what users hand over (issue 21 A) -----------------------------------------------------------


@pytest.fixture(scope="module")
def runs_csv(tmp_path_factory, chinchilla_runs) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "runs.csv"
    chinchilla_runs.iloc[::8][["n_params", "n_tokens", "loss"]].to_csv(path, index=False)
    return path


def _encodings(text: str) -> dict[str, bytes]:
    import bz2
    import gzip
    import io
    import lzma
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("inner.csv", text.encode("utf-16"))
    noted = text.replace("loss\n", "loss,note\n", 1).replace("\n", ",é\n").replace("loss,note,é\n", "loss,note\n", 1)
    return {"utf-8": text.encode(), "utf-8-sig": text.encode("utf-8-sig"), "utf-16": text.encode("utf-16"),
            "utf-16-be": text.encode("utf-16-be"), "utf-32": text.encode("utf-32"),
            "latin-1": noted.encode("latin-1"), "cp1252": noted.replace("é", "€").encode("cp1252"),
            "gzip": gzip.compress(text.encode()), "bzip2": bz2.compress(text.encode("utf-16")),
            "xz": lzma.compress(text.encode()), "zip of utf-16": buf.getvalue(), "crlf": text.replace("\n", "\r\n").encode(),
            "semicolons": text.replace(",", ";").encode(), "tabs utf-16": text.replace(",", "\t").encode("utf-16")}


@pytest.mark.parametrize("suffix", [".csv", ".zip", ".xz", ".zst", ".tar", ".gz", ".txt"])
@pytest.mark.parametrize("encoding", list(_encodings("n_params,n_tokens,loss\n1,2,3\n")))
def test_read_runs_by_content_not_name(encoding, suffix, runs_csv, tmp_path, fuzz_counts):
    """Every encoding and compression, under every name: the same table as the UTF-8 file."""
    from scaling._tables import read_table

    plain = datasets.read_runs(runs_csv)
    path = tmp_path / f"runs{suffix}"
    path.write_bytes(_encodings(runs_csv.read_text())[encoding])
    got = datasets.read_runs(path)
    for col in ("n_params", "n_tokens", "loss"):
        np.testing.assert_array_equal(got[col].to_numpy(), plain[col].to_numpy())
    assert datasets.runs_sha256(got) == datasets.runs_sha256(plain)
    assert ("note" in got.attrs) == (encoding in ("latin-1", "cp1252"))
    assert read_table(path).attrs["format"].startswith("CSV")
    _count(fuzz_counts, "datasets.read_runs (formats)", "result")


@pytest.mark.parametrize("content, says", [
    (b"\x89HDF\r\n\x1a\n" + bytes(100), "netCDF/HDF5"), (b"CDF\x01" + bytes(100), "netCDF/HDF5"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old Excel"), (b"%PDF-1.4\n" + bytes(100), "PDF"),
    (b"\x00\x01\x02\x03" * 50, "binary file"), (b'{"schema": "scaling.fit"}', "JSON"), (b"[1, 2]", "JSON"),
    (b"PK\x03\x04" + bytes(60), "zip archive"), (b"\x1f\x8b" + bytes(30), "gzip-compressed but damaged"),
    (b"\xfd7zXZ\x00" + bytes(30), "xz-compressed but damaged"), (b"BZh9" + bytes(30), "bzip2-compressed but damaged"),
    (b"\x28\xb5\x2f\xfd" + bytes(30), "zstandard"), (b"PAR1" + bytes(30) + b"PAR1", "Parquet"),
    (b"\xff\xfe" + "n_params\n".encode("utf-16-le") + b"\x00\xd8", "utf-16 byte-order mark"),
    (b"n_params,n_tokens,loss,loss\n1e9,2e10,2.5,2.6\n", "'loss' appears 2 times"),
    (b"n_params,n_tokens,loss\n1e9,2e10,True\n2e9,3e10,False\n", "boolean"), (b"", "empty"),
])
def test_read_runs_refuses_what_is_no_table_in_one_line(content, says, tmp_path, fuzz_counts):
    import gzip

    for data in (content, gzip.compress(content)):
        path = tmp_path / "runs.csv"
        path.write_bytes(data)
        with pytest.raises(ScalingError, match=re.escape(says) if data is content else ".") as info:
            datasets.read_runs(path)
        assert "\n" not in str(info.value)
    _count(fuzz_counts, "datasets.read_runs (formats)", "ScalingError")


def test_compressed_bomb_is_refused(tmp_path, monkeypatch):
    import gzip

    from scaling import _tables

    monkeypatch.setattr(_tables, "MAX_TABLE_BYTES", 10_000)
    path = tmp_path / "bomb.csv"
    path.write_bytes(gzip.compress(b"n_params,n_tokens,loss\n" + b"1,2,3\n" * 100_000))
    with pytest.raises(ScalingError, match="larger than"):
        datasets.read_runs(path)


@pytest.mark.parametrize("column", [
    pd.Series([True, False, True]), pd.Series([1 + 1j, 2 + 0j, 3j]), pd.Series(pd.to_timedelta([1, 2, 3], unit="D")),
    pd.Series(pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01"])), pd.Series([2.5, True, 2.4], dtype=object),
    pd.Series([2.5, np.timedelta64(1, "D"), 2.4], dtype=object), pd.Series(pd.array([True, False, True], "boolean")),
])
def test_validate_runs_refuses_values_that_are_no_numbers(column, fuzz_counts):
    """Booleans (True -> 1), complex numbers, dates and durations were read as numbers."""
    df = pd.DataFrame({"n_params": [1e9, 2e9, 4e9], "n_tokens": [2e10, 4e10, 8e10], "loss": column})
    with pytest.raises(ScalingError, match="'loss'.*(boolean|complex|timedelta|datetime)"):
        datasets.validate_runs(df)
    _count(fuzz_counts, "datasets.validate_runs (types)", "ScalingError")


def test_boolean_covariate_is_refused():
    runs = datasets.load("muennighoff_runs").head(8).copy()
    runs["n_unique_tokens"] = True
    with pytest.raises(ScalingError, match="'n_unique_tokens' holds boolean"):
        datasets.validate_runs(runs)


def test_duplicate_columns_are_refused(chinchilla_runs):
    df = chinchilla_runs[["n_params", "n_tokens", "loss"]].iloc[:20]
    twice = pd.concat([df, df[["loss"]] * 2], axis=1)
    for call in (datasets.validate_runs, lambda d: fitting.fit(d, grid="coarse")):
        with pytest.raises(ScalingError, match="'loss' appears 2 times"):
            call(twice)


@pytest.fixture(scope="module")
def hashed_fit(tmp_path_factory, chinchilla_runs) -> Path:
    """A small fit saved with its content hash."""
    fit = fitting.fit(chinchilla_runs.iloc[::4], grid="coarse", bootstrap=8, seed=1)
    return fit.save(tmp_path_factory.mktemp("hashed") / "fit.json")


@pytest.mark.parametrize("edit, says", [
    (lambda p: p["params"].update(E=1.5), "changed after scaling wrote it"),
    (lambda p: p["params"].update(E=True), "E is True, not a number"),
    (lambda p: p["params"].update(alpha="0.3"), "alpha is '0.3', not a number"),
    (lambda p: p["params"].update(A=10 ** 400), "too large"),
    (lambda p: p["draws"]["values"][p["draws"]["columns"].index("E")].__setitem__(0, 1.0),
     "changed after scaling wrote it"),
    (lambda p: p.update(objective=p["objective"] * 2), "changed after scaling wrote it"),
    (lambda p: p.update(content_sha256="0" * 64), "changed after scaling wrote it"),
    (lambda p: p.update(content_sha256=7), "changed after scaling wrote it"),
])
def test_hand_edited_fit_file_is_refused(edit, says, hashed_fit, tmp_path, fuzz_counts):
    """Issue 21: an edited parameter was trusted; a point estimate then lay outside its own interval."""
    payload = json.loads(hashed_fit.read_text())
    edit(payload)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(payload, indent=1))
    with pytest.raises(ScalingError, match=says):
        fitting.load_fit(path)
    _count(fuzz_counts, "fitting.load_fit (hand edits)", "ScalingError")


def test_fit_file_survives_what_is_not_its_content(hashed_fit, tmp_path):
    """Layout, the time stamp and the runs file's path are not content: a moved runs file may be re-pointed."""
    payload = json.loads(hashed_fit.read_text())
    payload.update(created="2000-01-01T00:00:00+00:00", data_path="elsewhere/runs.csv")
    path = tmp_path / "moved.json"
    path.write_text(json.dumps(payload, separators=(",", ":")))
    assert fitting.load_fit(path).params == fitting.load_fit(hashed_fit).params
    assert fitting.load_fit(path).data_path == "elsewhere/runs.csv"


@pytest.mark.parametrize("text, says", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"), ('{"a":' * 50_000 + "1" + "}" * 50_000, "nested too deeply"),
    ('{"schema": "scaling.fit", "schema_version": ' + "9" * 5000 + "}", "4,300 digits"),
    ('{"schema": "scaling.fit", "schema_version": true}', "schema version True"),
    ('{"schema": "scaling.forecast", "schema_version": 1}', "holds schema 'scaling.forecast'"),
    ("\ufeff[]", "no 'schema' key"), ("\x00\x01", "not a JSON file"),
])
def test_every_versioned_reader_raises_one_error_type(text, says, tmp_path, fuzz_counts):
    """The three readers of versioned JSON (fits, trends, forecasts) raised two exception types."""
    from scaling.forecast import load_forecast
    from scaling.hardware import load_trend

    path = tmp_path / "x.json"
    path.write_text(text, encoding="utf-8")
    csv = tmp_path / "x.csv"
    csv.write_text("date,quantity,median,lower,upper,level\n")
    for loader, arg in ((fitting.load_fit, path), (load_trend, path), (load_forecast, csv)):  # the sidecar x.json
        with pytest.raises(ScalingError, match=re.escape(says) if loader is fitting.load_fit else str(tmp_path)):
            loader(arg)
    _count(fuzz_counts, "versioned readers", "ScalingError")


def test_other_schemas_to_every_loader(tmp_path):
    """Every shipped file kind given to every loader: the right one loads, the others raise ScalingError."""
    from scaling import bayes
    from scaling.forecast import load_forecast
    from scaling.hardware import load_trend

    fits, forecasts = ROOT / "fits", ROOT / "forecasts"
    kinds = {"fit": fits / "chinchilla_lsq.json", "trend": fits / "trend_flops_per_usd_tensor16.json",
             "manifest": fits / "manifest.json", "record": fits / "price_backtests_record.json",
             "summary": forecasts / "summary.json", "forecast": forecasts / "gpt3_equivalent_cost.csv",
             "forecast_meta": forecasts / "gpt3_equivalent_cost.json", "bayes": fits / "chinchilla_bayes.nc"}
    loaders = {"fit": fitting.load_fit, "trend": load_trend, "forecast": load_forecast, "bayes": bayes.load}
    for kind, path in kinds.items():
        if not path.exists():
            continue
        for name, loader in loaders.items():
            if name == kind or (name == "forecast" and kind == "forecast_meta") or (name == "fit" and kind == "bayes"):
                continue
            with pytest.raises(ScalingError):
                loader(path)


def test_crafted_netcdf_declaring_huge_arrays_is_refused_before_loading(tmp_path):
    """A few KiB declaring 10^9 draws made `optimal --law` allocate 7.45 GB."""
    h5netcdf = pytest.importorskip("h5netcdf")
    from scaling import bayes

    path = tmp_path / "huge.nc"
    with h5netcdf.File(path, "w") as fh:
        g = fh.create_group("posterior")
        g.dimensions = {"chain": 4, "draw": 250_000_000}
        g.create_variable("E", ("chain", "draw"), float, chunks=(1, 100_000))
        g.attrs["schema"] = "scaling.bayes"
    assert path.stat().st_size < 100_000
    with pytest.raises(ScalingError, match=r"declares [\d.]+ GiB of arrays"):
        bayes.load(path)
    with pytest.raises(ScalingError, match="declares"):
        fitting.load_fit(path)


@pytest.mark.parametrize("value", ["1677-09-21", "1677-12-31", "2262-01-01", "0000-01-01", "-0001-06-30", "-5",
                                   1677.5, 2262.0, "99999-01-01"])
def test_dates_beyond_the_timestamp_range(value, fuzz_counts):
    """Dates pandas parses but cannot do arithmetic on (or cannot parse): one ScalingError naming them."""
    from scaling._dates import decimal_year, to_datetimes
    from scaling.forecast import default_dates

    for call in (lambda: to_datetimes(value), lambda: decimal_year([value]), lambda: default_dates(value, 2030),
                 lambda: default_dates("2020-01-01", value)):
        with pytest.raises(ScalingError):
            call()
    _count(fuzz_counts, "dates", "ScalingError")


def test_dates_at_the_timestamp_limits_are_read():
    from scaling._dates import YEAR_MAX, YEAR_MIN, decimal_year, to_datetimes

    d = to_datetimes([f"{YEAR_MIN}-01-01", f"{YEAR_MAX}-12-31"])
    assert list(d.year) == [YEAR_MIN, YEAR_MAX]
    assert decimal_year(d)[0] == YEAR_MIN


def test_atomic_writes_never_replace_a_read_only_file_and_keep_modes(tmp_path):
    from scaling._io import atomic_write_text, check_overwrite, write_if_changed, written_by_scaling

    ro = tmp_path / "ro.json"
    ro.write_text("{}")
    ro.chmod(0o444)
    for write in (lambda: atomic_write_text(ro, "new"), lambda: write_if_changed(ro, "new"),
                  lambda: check_overwrite(ro, force=True)):
        with pytest.raises(PermissionError):
            write()
    assert ro.read_text() == "{}" and ro.stat().st_mode & 0o777 == 0o444
    private = tmp_path / "private.json"
    private.write_text("{}")
    private.chmod(0o600)
    atomic_write_text(private, "{\"schema\": \"scaling.fit\"}")
    assert private.stat().st_mode & 0o777 == 0o600
    assert written_by_scaling(private) and not written_by_scaling(ro)
    foreign = tmp_path / "notes.csv"
    foreign.write_text("a,b\n")
    with pytest.raises(ScalingError, match="not written by scaling"):
        check_overwrite(foreign)
    check_overwrite(foreign, force=True)
    check_overwrite(tmp_path / "new.csv")


def test_cache_dirs_without_a_usable_home(tmp_path, monkeypatch):
    """Where HOME cannot hold caches, PyTensor/ArviZ/Matplotlib get a private folder, said once."""
    import io

    from scaling.bayes._cache import ensure_cache_dirs, writable

    blocker = tmp_path / "afile"
    blocker.write_text("x")
    monkeypatch.setenv("HOME", str(blocker / "home"))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    env: dict[str, str] = {}
    stream = io.StringIO()
    base = ensure_cache_dirs(env, stream)
    assert base is not None and base.parent == tmp_path and (base.stat().st_mode & 0o777) == 0o700
    assert env["XDG_CACHE_HOME"].startswith(str(base)) and env["MPLCONFIGDIR"].startswith(str(base))
    assert env["PYTENSOR_FLAGS"] == f"base_compiledir={base / 'pytensor'}"
    assert stream.getvalue().count("\n") == 1 and "cannot hold caches" in stream.getvalue()
    again = io.StringIO()
    assert ensure_cache_dirs(env, again) is None and again.getvalue() == ""  # a child process: nothing to do
    user = {"PYTENSOR_FLAGS": "floatX=float32", "XDG_CACHE_HOME": str(tmp_path / "c"),
            "MPLCONFIGDIR": str(tmp_path / "m")}
    ensure_cache_dirs(user, io.StringIO())
    assert user["PYTENSOR_FLAGS"].startswith("floatX=float32,base_compiledir=")
    assert user["XDG_CACHE_HOME"] == str(tmp_path / "c")  # the user's choice is kept
    monkeypatch.setenv("HOME", str(tmp_path))
    assert ensure_cache_dirs({}, io.StringIO()) is None and writable(tmp_path / "new" / "deeper")
    assert not writable(blocker / "x")
