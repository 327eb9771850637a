"""Fuzzing the command line in process: every invocation ends in an answer or one ``error:`` line.

Issue 11, "What to build" 7 and 4. The commands and their options are discovered from the
click group (:data:`scaling.cli.main`), so a new command or option is fuzzed without editing
this file. Each generated invocation starts from a representative good one (or from no
arguments for a command this file does not know) and applies one to four mutations: an option
set to a value drawn for its click type (numbers from the whole float range and malformed
strings, choices and junk, good and broken files, unwritable output paths), an option dropped,
an unknown option, a stray argument, a flag added.

The contract checked for each invocation (:func:`check_outcome`):

- exit 0, no exception, and no non-finite number (``nan``, ``inf``) printed on stdout as an
  answer (``unbounded`` is the package's word for an infinite interval end); or
- exit 2 with exactly one ``error:`` line on stderr and no traceback.

Anything else (a traceback, exit 1, two error lines) fails the test, and hypothesis shrinks
it to a minimal invocation. Long work is kept out: ``fit`` always uses ``--grid coarse``, at
most 20 bootstrap resamples (or a count the bound refuses) and never ``--bayes``; ``trend``
always ``--ols``; ``forecast`` few draws; ``plot`` only the fast kinds succeed; ``run``
always carries an option click refuses before any work. How each invocation ended is counted
(``fuzz_counts``) and printed in the test summary.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaling.cli import main

ROOT = Path(__file__).resolve().parent.parent
FITS = ROOT / "fits"
FORECASTS = ROOT / "forecasts"

#: A non-finite number printed as a word of its own (not "inference", not "unbounded").
NON_FINITE = re.compile(r"(?<![\w.])[-+]?(nan|inf|infinity)(?![\w])", re.IGNORECASE)

SUITE = "CLI in process"

# -- the command tree ---------------------------------------------------------------------------


def leaf_commands(group: click.Group = main, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], click.Command]:
    """Every runnable command under ``group``, keyed by its path (``("cost", "train")``)."""
    ctx = click.Context(group)
    out = {}
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        path = prefix + (name,)
        if isinstance(cmd, click.Group):
            out.update(leaf_commands(cmd, path))
        else:
            out[path] = cmd
    return out


COMMANDS = leaf_commands()

# -- files, good and broken -------------------------------------------------------------------


def _make_files(base: Path) -> dict[str, Path]:
    """Good copies of the shipped results and a zoo of broken files, under ``base``."""
    base.mkdir(parents=True, exist_ok=True)
    f = {}
    f["fit"] = shutil.copy(FITS / "chinchilla_lsq.json", base / "fit.json")
    f["trend"] = shutil.copy(FITS / "trend_flops_per_usd_tensor16.json", base / "trend.json")
    f["forecast"] = shutil.copy(FORECASTS / "gpt3_equivalent_cost.csv", base / "forecast.csv")
    shutil.copy(FORECASTS / "gpt3_equivalent_cost.json", base / "forecast.json")
    f["fits_dir"] = base / "fitsdir"
    f["fits_dir"].mkdir(exist_ok=True)
    for p in FITS.glob("trend_*.json"):
        shutil.copy(p, f["fits_dir"] / p.name)

    runs = __import__("pandas").read_csv(ROOT / "datasets" / "chinchilla_runs.csv")
    small = runs[~runs["excluded"].astype(bool)].iloc[::6][["n_params", "n_tokens", "loss"]]
    f["runs"] = base / "runs.csv"
    small.to_csv(f["runs"], index=False)

    text = Path(f["fit"]).read_text()
    f["fit_truncated"] = base / "fit_truncated.json"
    f["fit_truncated"].write_text(text[: len(text) // 3])
    payload = json.loads(text)
    for name, change in {
        "fit_nan_param": lambda p: p["params"].__setitem__("E", float("nan")),
        "fit_negative_param": lambda p: p["params"].__setitem__("A", -5.0),
        "fit_unknown_method": lambda p: p.__setitem__("method", "magic"),
        "fit_float_seed": lambda p: p.__setitem__("seed", 1.5),
        "fit_no_params": lambda p: p.pop("params"),
    }.items():
        q = json.loads(text)
        change(q)
        f[name] = base / f"{name}.json"
        f[name].write_text(json.dumps(q))
    del payload
    trend_text = Path(f["trend"]).read_text()
    f["trend_truncated"] = base / "trend_truncated.json"
    f["trend_truncated"].write_text(trend_text[: len(trend_text) // 2])
    q = json.loads(trend_text)
    for key in ("draws", "samples"):
        if key in q:
            q[key] = [] if isinstance(q[key], list) else {k: [] for k in q[key]}
    f["trend_empty_draws"] = base / "trend_empty_draws.json"
    f["trend_empty_draws"].write_text(json.dumps(q))
    fc_text = Path(f["forecast"]).read_text()
    f["forecast_truncated"] = base / "forecast_truncated.csv"
    f["forecast_truncated"].write_text(fc_text[: len(fc_text) // 2])
    shutil.copy(base / "forecast.json", base / "forecast_truncated.json")

    runs_text = f["runs"].read_text()
    f["runs_truncated"] = base / "runs_truncated.csv"
    f["runs_truncated"].write_text(runs_text[: len(runs_text) // 2 + 7])
    f["runs_header_only"] = base / "runs_header.csv"
    f["runs_header_only"].write_text("n_params,n_tokens,loss\n")
    f["runs_negative"] = base / "runs_negative.csv"
    f["runs_negative"].write_text(runs_text.replace("\n", "\n-", 2))
    f["runs_nan"] = base / "runs_nan.csv"
    f["runs_nan"].write_text("n_params,n_tokens,loss\n1e9,2e10,nan\n2e9,4e10,2.5\n4e9,8e10,2.4\n")
    f["runs_excluded_maybe"] = base / "runs_excluded.csv"
    f["runs_excluded_maybe"].write_text("n_params,n_tokens,loss,excluded\n1e9,2e10,2.6,maybe\n2e9,4e10,2.5,no\n")
    f["runs_one_size"] = base / "runs_one_size.csv"
    f["runs_one_size"].write_text("n_params,n_tokens,loss\n" + "".join(
        f"1e9,{d:g},{2 + 1e3 / d ** 0.3:.6f}\n" for d in (1e9, 3e9, 1e10, 3e10, 1e11)))
    f["runs_no_loss"] = base / "runs_no_loss.csv"
    f["runs_no_loss"].write_text("n_params,n_tokens\n1e9,2e10\n")

    for suffix in (".json", ".csv", ".nc"):
        (base / f"empty{suffix}").write_bytes(b"")
        f[f"empty{suffix}"] = base / f"empty{suffix}"
        (base / f"junk{suffix}").write_bytes(bytes(range(256)) * 3)
        f[f"junk{suffix}"] = base / f"junk{suffix}"
    f["not_json.json"] = base / "not_json.json"
    f["not_json.json"].write_text("[1, 2, 3]")
    f["directory"] = base / "adir.json"
    f["directory"].mkdir(exist_ok=True)
    f["regular_file"] = base / "afile"
    f["regular_file"].write_text("x")
    f["missing"] = base / "missing" / "nothing.json"
    return {k: Path(v) for k, v in f.items()}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    return _make_files(tmp_path_factory.mktemp("fuzz_cli_files"))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """An empty working directory: default paths (fits/, KIND.png) never touch the checkout."""
    return tmp_path_factory.mktemp("fuzz_cli_cwd")


@contextmanager
def _cwd(path: Path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


# -- values -----------------------------------------------------------------------------------

NUMBER_WORDS = ["0", "-0", "0.0", "5e-324", "1e-300", "1e-12", "1e308", "-1e308", "1.7976931348623157e308",
                "1e400", "-1e400", "inf", "-inf", "nan", "NaN", "-1", "1", "2", "0.5", "0.999999", "1e24",
                "175e9", "2.2250738585072014e-308", "-5e-324"]
JUNK = ["", " ", "abc", "1e", "--", "-", "1,000", "0x10", "1_000", "None", "null", "true", "\u0661\u0662",
        "１２", "1e9e9", "..", "2020-13-45", "gpt4", "é", "a" * 300, "1;2", "N,D", "1,2,3", ",", "175e9,"]
INT_WORDS = ["0", "-0", "-1", "1", "2", "3", "10", "20", "-5", "1.5", "1e3", str(2 ** 63), str(10 ** 30),
             str(-(10 ** 30)), "9" * 400, "0x10", "nan"]
#: Good values for string options, by option name (others get junk, numbers and these).
GOOD_TEXT = {
    "--law": ["chinchilla", "kaplan", "CHINCHILLA"], "--method": ["huber", "huber-mle", "bayes"],
    "--grid": ["coarse"], "--dataset": ["chinchilla_runs", "accelerators", "nope"],
    "--sampler": ["nutpie", "pymc"], "--target": ["gpt3", "GPT-3", "2.0", "1.9", "175e9,300e9", "1e300",
                                                  "1.8", "70e9,1.4e12", "-2", "0"],
    "--since": ["2020-01-01", "2023-06-30", "1900-01-01", "3000-01-01", "2020", "yesterday"],
    "--before": ["2020-01-01", "2015", "1900-01-01", "3000-01-01"],
    "--algorithmic": ["off", "ho2024", "8", "0", "-8", "1e-300", "1e300", "inf", "nan", "0.001"],
    "--metric": ["flops-per-usd", "flops-per-watt", "flops-per-usd-cloud"],
    "--precision": ["tensor16", "bf16", "fp16", "fp32", "tf32", "fp8", "int8"],
    "--vendor": ["NVIDIA", "AMD", "Google", "nobody"], "--type": ["GPU", "TPU", "toaster"],
    "--segment": ["consumer", "workstation", "datacenter", "space"], "--dollars": ["nominal", "real"],
    "--pricing": ["on-demand", "1yr", "3yr"], "--backtest": ["2018-01-01", "2021-01-01", "1990-01-01"],
    "--hardware": ["a100", "h100", "tpu-v4", "NVIDIA H100 SXM5 80GB", "abacus"],
    "--quantity": ["training_cost_usd", "inference_usd_per_1k_tokens", "loss"],
}


def _number(base: str | None):
    """Numbers from the whole float range, as strings, and the base value scaled by powers of ten."""
    options = [st.sampled_from(NUMBER_WORDS), st.floats().map(repr), st.sampled_from(JUNK)]
    try:
        b = float(base) if base is not None else None
    except ValueError:
        b = None
    if b is not None:
        options.append(st.integers(-12, 12).map(lambda k: f"{b * 10.0 ** k:g}"))
    return st.one_of(*options)


def _path_values(files: dict[str, Path], param: click.Parameter, output: bool):
    inputs = [files[k] for k in files if k not in ("fits_dir",)]
    if isinstance(param.type, click.Path) and not param.type.file_okay:  # a directory option
        dirs = [files["fits_dir"], files["directory"], files["regular_file"], files["missing"].parent,
                files["fit"].parent, FITS]
        return st.sampled_from([str(p) for p in dirs])
    if output:
        out = files["fit"].parent / "out"
        goods = [str(out / f"o{i}{s}") for i, s in enumerate([".json", ".png", ".svg", ".pdf", ".csv", ".md", ".nc",
                                                              ".txt", ""])]
        bad = [str(files["regular_file"] / "x.json"), str(files["regular_file"] / "x.png"),
               str(files["directory"]), "/dev/null/x.json", str(out / "deep" / "er" / "x.json"), ""]
        return st.sampled_from(goods + bad)
    return st.sampled_from([str(p) for p in inputs] + ["", "-"])


def value_strategy(param: click.Option, base: str | None, files: dict[str, Path]):
    """A value for ``param`` drawn for its click type (as a command-line string)."""
    t = param.type
    name = max(param.opts, key=len)
    if isinstance(t, click.Path):
        output = name in ("--output", "--write") or param.name in ("output", "write_path")
        return _path_values(files, param, output)
    if isinstance(t, click.Choice):
        return st.one_of(st.sampled_from(list(t.choices)), st.sampled_from(JUNK))
    if isinstance(t, click.types.FloatParamType):
        return _number(base)
    if isinstance(t, click.types.IntParamType):
        return st.one_of(st.sampled_from(INT_WORDS), st.integers(-10 ** 6, 10 ** 6).map(str), st.sampled_from(JUNK))
    goods = GOOD_TEXT.get(name, [])
    return st.one_of(st.sampled_from(goods or ["x"]), st.sampled_from(JUNK), st.sampled_from(NUMBER_WORDS))


# -- representative good invocations ----------------------------------------------------------


def _bases(files: dict[str, Path]) -> dict[tuple[str, ...], list[list[str]]]:
    fit, trend, fc, out = str(files["fit"]), str(files["trend"]), str(files["forecast"]), files["fit"].parent / "out"
    return {
        ("cost", "train"): [["--params", "175e9", "--tokens", "300e9", "--hardware", "tpu-v4", "--mfu", "0.462",
                             "--usd-per-chip-hour", "2.03"],
                            ["--params", "7e9", "--tokens", "2e12", "--peak-flops", "989e12", "--mfu", "0.4",
                             "--usd-per-chip-hour", "2", "--chips", "1024", "--json"]],
        ("cost", "infer"): [["--params", "175e9", "--hardware", "a100", "--chips-per-instance", "8",
                             "--usd-per-instance-hour", "19.22", "--mfu", "0.213"],
                            ["--params", "70e9", "--peak-flops", "989e12", "--mfu", "0.3", "--usd-per-chip-hour", "2",
                             "--json"]],
        ("cost", "search"): [[], ["--results", "10", "--samples", "10"], ["--json", "--reduction", "3"]],
        ("cost", "memory"): [["--params", "175e9", "--hardware", "h100"], ["--params", "7e9", "--memory-per-chip",
                                                                             "80e9", "--json"]],
        ("cost", "seed"): [[], ["--json"], ["--write", str(out / "seed.md")]],
        ("optimal",): [["--fit", fit, "--compute", "5.76e23"], ["--fit", fit, "--loss", "2.0", "--json"],
                       ["--fit", fit, "--target", "gpt3", "--inference-tokens", "1e12"], ["--compute", "1e22"]],
        ("forecast",): [["--fit", fit, "--fits-dir", str(files["fits_dir"]), "--draws", "20"],
                        ["--draws", "20", "--basis", "purchase", "--json"],
                        ["--draws", "20", "--target", "2.0", "--until", "2026", "-o", str(out / "fc.csv")]],
        ("fit",): [["--data", str(files["runs"]), "--grid", "coarse"],
                   ["--grid", "coarse", "--bootstrap", "5", "--json"],
                   ["--data", str(files["runs"]), "--grid", "coarse", "-o", str(out / "fit.json")]],
        ("trend",): [["--ols"], ["--ols", "--metric", "flops-per-watt", "--json"],
                     ["--ols", "--vendor", "NVIDIA", "-o", str(out / "trend.json")]],
        ("plot",): [["isoflop", "--fit", fit, "-o", str(out / "p.png")],
                    ["trend", "--trend", trend, "-o", str(out / "t.svg")],
                    ["fan", "--forecast", fc, "-o", str(out / "f.png")],
                    ["optimal", "--fit", fit, "-o", str(out / "o.png")]],
        ("run",): [["--no-bayes", "--no-figures"]],
        ("compare",): [["--data", str(files["runs"]), "--laws", "chinchilla", "--schemes", "extrapolate",
                        "--bootstrap", "0"]],
        ("predict",): [["--fit", fit, "--n-params", "70e9", "--n-tokens", "1.4e12"],
                       ["--law", "hoffmann2022", "--n-params", "7e9,70e9", "--n-tokens", "1.4e12", "--json"],
                       ["--law", "muennighoff2023", "--n-params", "1e9", "--n-tokens", "1e11", "--unique-tokens", "25e9"],
                       ["--fit", fit, "--data", str(files["runs"])]],
        ("laws",): [[], ["--json"]],
        ("backtest",): [["--series", "hyperscaler-on-demand", "--cutoff", "2023-01-01"],
                        ["--metric", "flops-per-usd", "--precision", "fp32", "--cutoff", "2016-01-01", "--json"],
                        ["--series", "pooled", "--cutoff", "2022-01-01", "-o", str(out / "bt.csv")]],
    }


SLOW_PLOT_KINDS = {"params", "prior-check", "posterior-check"}


def _guard(path: tuple[str, ...], args: list[str], files: dict[str, Path]) -> list[str]:
    """Keep each invocation fast: no long fits, no sampling, no main job."""
    if path == ("compare",):  # each law is refitted per fold: one law, one scheme, no bootstrap, no LOO
        args = [a for a in args if a != "--loo"]
        args = ["coarse" if a == "hoffmann" else a for a in args]
        args = [("0" if args[i - 1] == "--bootstrap" and a.isdigit() and int(a) > 2 else a)
                for i, a in enumerate(args)]
        return args
    if path == ("fit",):
        args = [a for a in args if a != "--bayes"]
        args = ["coarse" if a == "hoffmann" else a for a in args]
        return args + (["--grid", "coarse"] if "--grid" not in args else [])
    if path == ("trend",):
        return ["--draws", "100"] + args + ["--ols"]
    if path == ("forecast",):
        return ["--draws", "20"] + args  # a dropped --draws would mean 4000
    if path == ("backtest",):  # baselines only (no sampling), one worker, one cut-off at least
        return args + ["--models", "ols,nochange", "--jobs", "1"] + ([] if "--cutoff" in args else
                                                                     ["--cutoff", "2023-01-01"])
    if path == ("run",):
        return args + ["--until", "3000"]  # IntRange refuses it while parsing: nothing runs
    if path == ("plot",):
        positional = [a for a in args if not a.startswith("-")]
        if set(positional) & SLOW_PLOT_KINDS:
            return args + ["--fit", str(files["fit_truncated"])]
    return args


def _bounded_int(name: str, value: str) -> str:
    """Counts that would run long (bootstrap, draws) are clipped to small ones or to refused ones."""
    if name not in ("--bootstrap", "--draws", "--chains"):
        return value
    try:
        v = int(value)
    except ValueError:
        return value
    if 20 < v < 10 ** 7:
        return str(20 if name == "--bootstrap" else 100)
    return value


# -- invocations ------------------------------------------------------------------------------


@st.composite
def invocation(draw, path: tuple[str, ...], files: dict[str, Path]) -> list[str]:
    cmd = COMMANDS[path]
    bases = _bases(files).get(path, [[]])
    args = list(draw(st.sampled_from(bases)))
    options = [p for p in cmd.params if isinstance(p, click.Option) and "--help" not in p.opts
               and not (path == ("fit",) and p.name == "bayes") and not (path == ("compare",) and p.name == "loo")]
    n_mut = draw(st.integers(1, 4))
    for _ in range(n_mut):
        kind = draw(st.sampled_from(["set", "set", "set", "set", "drop", "unknown", "extra", "flag", "argument"]))
        if kind == "set" and options:
            p = draw(st.sampled_from(options))
            opt = draw(st.sampled_from(p.opts))
            if p.is_flag:
                args.append(opt)
                continue
            base = None
            for o in p.opts:
                if o in args and args.index(o) + 1 < len(args):
                    base = args[args.index(o) + 1]
            value = _bounded_int(max(p.opts, key=len), draw(value_strategy(p, base, files)))
            if base is not None and draw(st.booleans()):
                i = next(args.index(o) for o in p.opts if o in args)
                args[i + 1] = value
            else:
                args += [opt, value]
        elif kind == "drop" and args:
            i = draw(st.integers(0, len(args) - 1))
            if args[i].startswith("-") and i + 1 < len(args) and not args[i + 1].startswith("-"):
                del args[i:i + 2]
            else:
                del args[i]
        elif kind == "unknown":
            args.append(draw(st.sampled_from(["--bogus", "--paramz", "-x", "--json=yes", "--", "--level="])))
        elif kind == "extra":
            args.append(draw(st.sampled_from(JUNK[:12] + NUMBER_WORDS[:8])))
        elif kind == "flag":
            args.append(draw(st.sampled_from(["--json", "--help", "--version", "-h"])))
        elif kind == "argument":
            arguments = [p for p in cmd.params if isinstance(p, click.Argument)]
            if arguments:
                choices = ["isoflop", "contours", "residuals", "optimal", "trend", "fan", "params", "prior-check"]
                value = draw(st.one_of(st.sampled_from(choices), st.sampled_from(JUNK[:12])))
                positional = [i for i, a in enumerate(args) if not a.startswith("-") and (i == 0)]
                if positional:
                    args[positional[0]] = value
                else:
                    args.insert(0, value)
    return _guard(path, args, files)


def check_outcome(result, args) -> str:
    """The contract: exit 0 with finite answers, or exit 2 with one ``error:`` line. Returns the outcome."""
    shown = " ".join(args)
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), (
        f"scaling {shown}: {type(exc).__name__}: {exc}\n{''.join(__import__('traceback').format_exception(exc))}")
    stderr = result.stderr
    assert "Traceback" not in stderr, f"scaling {shown}: traceback on stderr\n{stderr}"
    if result.exit_code == 0:
        bad = NON_FINITE.findall(result.stdout)
        assert not bad, f"scaling {shown}: non-finite number printed as an answer:\n{result.stdout}"
        return "exit 0"
    assert result.exit_code == 2, f"scaling {shown}: exit {result.exit_code}\n{stderr}"
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, f"scaling {shown}: expected one 'error:' line on stderr, got:\n{stderr}"
    assert stderr.strip().splitlines()[-1].startswith("error:"), f"scaling {shown}: the error spans lines:\n{stderr}"
    return "exit 2, one error line"


def run_cli(args: list[str], workdir: Path):
    with _cwd(workdir):
        return CliRunner().invoke(main, args, catch_exceptions=True)


#: Generated invocations per command; a command not listed gets DEFAULT_EXAMPLES.
EXAMPLES = {
    ("cost", "train"): 180, ("cost", "infer"): 180, ("cost", "search"): 160, ("cost", "memory"): 150,
    ("cost", "seed"): 30, ("optimal",): 170, ("forecast",): 60, ("fit",): 30, ("trend",): 20,
    ("plot",): 10, ("run",): 40, ("compare",): 10, ("backtest",): 15,
}
DEFAULT_EXAMPLES = 60


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=lambda p: "-".join(p))
def test_fuzz_command(path, files, workdir, fuzz_counts):
    """Generated invocations of one command each end in an answer or one ``error:`` line."""

    @settings(max_examples=EXAMPLES.get(path, DEFAULT_EXAMPLES), derandomize=True, deadline=None,
              database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                    HealthCheck.filter_too_much])
    @given(data=st.data())
    def fuzz(data):
        args = list(path) + data.draw(invocation(path, files), label="args")
        outcome = check_outcome(run_cli(args, workdir), args)
        fuzz_counts[SUITE][outcome] += 1
        fuzz_counts[f"CLI scaling {' '.join(path)}"][outcome] += 1

    fuzz()


TOP_LEVEL = [[], ["--version"], ["--help"], ["-h"], ["nope"], ["--bogus"], ["cost"], ["cost", "nope"],
             ["cost", "--bogus"], ["FIT"], ["fit", "--help"], ["optimal"], ["optimal", "--compute", "1e24",
                                                                           "--loss", "2"],
             ["plot"], ["plot", "isoflop", "extra"], ["forecast", "--draws", "9"], ["\0"], ["é"]]


def test_fuzz_top_level(workdir, fuzz_counts):
    """The group itself: no command, unknown commands, help and version."""
    for args in TOP_LEVEL:
        outcome = check_outcome(run_cli(args, workdir), args)
        fuzz_counts[SUITE][outcome] += 1
        fuzz_counts["CLI scaling (group)"][outcome] += 1


def test_every_command_is_fuzzed():
    """Discovery found the commands the README documents (a renamed group would silently drop them)."""
    assert {("fit",), ("optimal",), ("forecast",), ("trend",), ("plot",), ("run",),
            ("cost", "train")} <= set(COMMANDS)
    assert sum(EXAMPLES.get(p, DEFAULT_EXAMPLES) for p in COMMANDS) + len(TOP_LEVEL) >= 1000
