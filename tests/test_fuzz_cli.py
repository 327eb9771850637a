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
        if key in q and isinstance(q[key], dict) and "values" in q[key]:  # the column store (results.encode_draws)
            q[key]["values"] = [[] for _ in q[key]["values"]]
        elif key in q:
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
    from scaling import capability  # a small saved capability fit: queries never fit on the fly here

    f["capability_fit"] = capability.fit_shipped("mmlu", bootstrap=20).save(base / "capability_mmlu.json")
    f.update(_hostile_files(base / "hostile", f["runs"]))
    return {k: Path(v) for k, v in f.items()}


# -- what users hand over (issue 21 A): encodings, containers, other schemas, hand edits ---------

#: Runs files that read as the plain UTF-8 CSV does (by content, whatever the name says).
READABLE_RUNS = ("runs_latin1.csv", "runs_cp1252.csv", "runs_utf16.csv", "runs_utf16_no_bom.csv", "runs_utf8_bom.csv",
                 "runs_gzip_named.csv", "runs_bzip2_named.csv", "runs_xz_named.csv", "runs_zip_named.csv",
                 "runs_text_named.zip", "runs_text_named.xz", "runs_text_named.zst", "runs_text_named.tar",
                 "runs_gzip_utf16.csv.gz", "runs.parquet")
#: Runs files refused in one line, and what the line says.
REFUSED_RUNS = {"runs_tar.tar": "tar archive", "runs.xlsx": "Excel workbook", "runs_two.zip": "holding 2 files",
                "runs_loss_twice.csv": "'loss' appears 2 times", "runs_bool_loss.csv": "boolean",
                "runs_gzip_damaged.csv": "gzip-compressed but damaged", "runs_png.csv": "PNG image",
                "runs_zstd.csv": "zstandard", "other_fit.json": "JSON", "other_manifest.json": "JSON",
                "other_bayes.nc": "netCDF", "deep.json": "JSON"}


def _hostile_files(base: Path, runs_csv: Path) -> dict[str, Path]:
    """Files a hostile tester (or an Excel export) hands over, each under its own name."""
    import bz2
    import gzip
    import io
    import lzma
    import tarfile
    import zipfile

    import pandas as pd

    from scaling import fitting

    base.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}

    def put(name: str, data: bytes | str) -> None:
        out[name] = base / name
        out[name].write_bytes(data.encode() if isinstance(data, str) else data)

    text = runs_csv.read_text()
    runs = pd.read_csv(runs_csv)
    noted = runs.assign(note="café naïve").to_csv(index=False)
    put("runs_latin1.csv", noted.encode("latin-1"))
    put("runs_cp1252.csv", runs.assign(note="“quoted” – dash").to_csv(index=False).encode("cp1252"))
    put("runs_utf16.csv", noted.encode("utf-16"))
    put("runs_utf16_no_bom.csv", noted.encode("utf-16-le"))
    put("runs_utf8_bom.csv", noted.encode("utf-8-sig"))
    put("runs_gzip_named.csv", gzip.compress(text.encode()))
    put("runs_bzip2_named.csv", bz2.compress(text.encode()))
    put("runs_xz_named.csv", lzma.compress(text.encode()))
    put("runs_gzip_utf16.csv.gz", gzip.compress(noted.encode("utf-16")))
    put("runs_gzip_damaged.csv", gzip.compress(text.encode())[:30])
    for suffix in ("zip", "xz", "zst", "tar"):  # plain text under a compressed name (pandas went by the name)
        put(f"runs_text_named.{suffix}", text)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("runs.csv", text)
    put("runs_zip_named.csv", buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.csv", text)
        zf.writestr("b.csv", text)
    put("runs_two.zip", buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:  # the parts of a workbook that say what it is (not a valid one)
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    put("runs.xlsx", buf.getvalue())
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("runs.csv")
        info.size = len(text.encode())
        tf.addfile(info, io.BytesIO(text.encode()))
    put("runs_tar.tar", buf.getvalue())
    put("runs_zstd.csv", b"\x28\xb5\x2f\xfd" + bytes(40))
    put("runs_png.csv", b"\x89PNG\r\n\x1a\n" + bytes(64))
    try:
        buf = io.BytesIO()
        runs.to_parquet(buf, index=False)
        put("runs.parquet", buf.getvalue())
    except ImportError:  # no Parquet engine: the file is refused with what to install
        put("runs.parquet", b"PAR1" + bytes(64) + b"PAR1")
    lines = text.strip().splitlines()
    put("runs_loss_twice.csv", "\n".join([lines[0] + ",loss"] + [ln + ",9.9" for ln in lines[1:]]) + "\n")
    put("runs_bool_loss.csv", "n_params,n_tokens,loss\n" + "".join(
        f"{ln.split(',')[0]},{ln.split(',')[1]},{'True' if i % 2 else 'False'}\n" for i, ln in enumerate(lines[1:])))
    # other schemas and foreign JSON
    shutil.copy(FITS / "chinchilla_lsq.json", base / "other_fit.json")
    out["other_fit.json"] = base / "other_fit.json"
    for name, src in (("other_manifest.json", FITS / "manifest.json"),
                      ("other_record.json", FITS / "price_backtests_record.json"),
                      ("other_summary.json", FORECASTS / "summary.json"),
                      ("other_trend.json", FITS / "trend_flops_per_usd_tensor16.json"),
                      ("other_bayes.nc", FITS / "chinchilla_bayes.nc")):
        if src.exists():
            out[name] = Path(shutil.copy(src, base / name))
    put("deep.json", "[" * 100_000 + "]" * 100_000)
    put("deep_object.json", '{"a":' * 50_000 + "1" + "}" * 50_000)
    fit_text = (FITS / "chinchilla_lsq.json").read_text()
    put("bigint.json", fit_text.replace('"n_runs": ', '"n_runs": ' + "9" * 5000, 1))  # beyond int()'s 4,300 digits
    crafted = _crafted_netcdf()
    if crafted is not None:
        put("huge_dims.nc", crafted)
    # a fit file with its content hash, then hand-edited (a changed parameter; a boolean one)
    small = runs.iloc[:30]
    hashed = fitting.fit(small, grid="coarse", bootstrap=5, seed=0).save(base / "hashed_fit.json")
    out["hashed_fit.json"] = hashed
    for name, value in (("fit_edited_E.json", 1.5), ("fit_bool_E.json", True)):
        payload = json.loads(hashed.read_text())
        payload["params"]["E"] = value
        put(name, json.dumps(payload, indent=2))
    # scenario files
    put("scenarios_list_target.toml", "[a]\ntarget = ['a', 'b']\n")
    put("scenarios_latin1.toml", "[a]\nlabel = 'café'\n".encode("latin-1"))
    put("scenarios_deep.toml", "a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    put("scenarios_bigint.toml", "[a]\nbase_year = " + "9" * 5000 + "\n")
    return out


def _crafted_netcdf() -> bytes | None:
    """A few KiB of netCDF-4 declaring posterior draws of 10^9 x 7 floats (56 GB if loaded)."""
    import tempfile

    try:
        import h5netcdf
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "huge.nc"
        with h5netcdf.File(path, "w") as fh:
            g = fh.create_group("posterior")
            g.dimensions = {"chain": 1, "draw": 10 ** 9}
            for name in ("E", "A", "B", "alpha", "beta", "sigma", "nu"):
                g.create_variable(name, ("chain", "draw"), float, chunks=(1, 100_000))
            g.attrs["schema"] = "scaling.bayes"
            g.attrs["schema_version"] = 2
        return path.read_bytes()


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
        ("capability", "predict"): [["--compute", "1e24"], ["--compute", "1e22", "--family", "Phi", "--json"]],
        ("capability", "target"): [["--score", "0.439"], ["--score", "0.5", "--family", "Llama-2", "--json"]],
        ("capability", "fit"): [["--bootstrap", "5", "-o", str(out / "cap.json")]],
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
    if path in (("capability", "predict"), ("capability", "target")):  # the saved fit, unless one is given
        return args if "--fit" in args else args + ["--fit", str(files["capability_fit"])]
    if path == ("capability", "fit"):  # no sampling; few resamples
        args = ["lsq" if a.strip().lower() == "bayes" else a for a in args]
        return args if "--bootstrap" in args else args + ["--bootstrap", "5"]
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
    ("plot",): 10, ("run",): 40, ("compare",): 10, ("capability", "fit"): 8, ("capability", "predict"): 40,
    ("capability", "target"): 40, ("backtest",): 15,
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


# -- hand-picked hostile cases (issue 21 A): every one an answer or one error line -----------------


def _one_error(args: list[str], workdir: Path, match: str | None = None) -> str:
    """Run ``scaling ARGS``: the contract of :func:`check_outcome`, and exit 2 whose line matches ``match``."""
    result = run_cli(args, workdir)
    check_outcome(result, args)
    if match is not None:
        assert result.exit_code == 2, f"scaling {' '.join(args)} exited 0, expected an error ~ {match!r}"
        line = next(ln for ln in result.stderr.splitlines() if ln.startswith("error:"))
        assert re.search(match, line), f"scaling {' '.join(args)}: {line!r} does not say {match!r}"
    return result.stderr


@pytest.mark.parametrize("name", READABLE_RUNS)
def test_runs_file_of_any_encoding_or_container_is_read(name, files, workdir, fuzz_counts):
    """Latin-1, cp1252, UTF-16 (with or without a mark), compressed by content not name: the same fit."""
    args = ["fit", "--grid", "coarse", "--json", "--data", str(files[name])]
    result = run_cli(args, workdir)
    check_outcome(result, args)
    if name == "runs.parquet" and result.exit_code == 2:  # no Parquet engine: one line naming what to install
        assert "pyarrow" in result.stderr
    else:
        assert result.exit_code == 0, result.stderr
        plain = json.loads(run_cli(["fit", "--grid", "coarse", "--json", "--data", str(files["runs"])],
                                   workdir).stdout)
        assert json.loads(result.stdout)["params"] == pytest.approx(plain["params"], rel=1e-9)
    fuzz_counts[SUITE]["hostile files"] += 1


@pytest.mark.parametrize("name, says", sorted(REFUSED_RUNS.items()))
def test_runs_file_that_is_no_table_is_refused_in_one_line(name, says, files, workdir, fuzz_counts):
    if name not in files:
        pytest.skip(f"{name}: its source file is not in this checkout")
    _one_error(["fit", "--grid", "coarse", "--data", str(files[name])], workdir, re.escape(says))
    fuzz_counts[SUITE]["hostile files"] += 1


def test_every_runs_option_uses_the_one_reader(files, workdir):
    """compare --data and plot --data read what fit --data reads, and refuse what it refuses."""
    fit = str(files["hashed_fit.json"])
    out = str(files["fit"].parent / "out" / "hostile_isoflop.png")
    for name in ("runs_utf16.csv", "runs_gzip_named.csv"):
        for args in (["compare", "--data", str(files[name]), "--laws", "chinchilla", "--schemes", "extrapolate",
                      "--bootstrap", "0"], ["plot", "isoflop", "--fit", fit, "--data", str(files[name]), "-o", out]):
            result = run_cli(args, workdir)
            check_outcome(result, args)
            assert result.exit_code == 0, result.stderr
    for name in ("runs_loss_twice.csv", "runs_tar.tar", "runs_bool_loss.csv"):
        for args in (["compare", "--data", str(files[name]), "--laws", "chinchilla", "--schemes", "extrapolate",
                      "--bootstrap", "0"], ["plot", "isoflop", "--fit", fit, "--data", str(files[name]), "-o", out]):
            _one_error(args, workdir, re.escape(REFUSED_RUNS[name]))


#: Every option that reads a saved file, as (arguments before the file, the option, arguments after).
FILE_OPTIONS = [
    (["optimal", "--compute", "1e22"], "--fit"), (["optimal", "--compute", "1e22"], "--law"),
    (["forecast", "--draws", "20"], "--fit"), (["forecast", "--draws", "20"], "--scenarios"),
    (["plot", "isoflop"], "--fit"), (["plot", "trend"], "--trend"), (["plot", "fan"], "--forecast"),
    (["plot", "isoflop", "--law", "hoffmann2022"], "--data"), (["fit", "--grid", "coarse"], "--data"),
    (["compare", "--laws", "chinchilla", "--schemes", "extrapolate", "--bootstrap", "0"], "--data"),
]
#: Zoo files each option takes: the rest must give one error line.
GOOD_FOR = {"--fit": {"fit", "other_fit.json", "other_bayes.nc", "hashed_fit.json"},
            "--law": {"fit", "other_fit.json", "other_bayes.nc", "hashed_fit.json"},
            "--trend": {"trend", "other_trend.json"}, "--forecast": {"forecast"},
            "--scenarios": set(), "--data": {"runs", *READABLE_RUNS}}
#: Files of the base zoo given to every option besides the hostile ones.
ZOO = ("fit", "trend", "forecast", "runs", "junk.json", "junk.nc", "empty.csv", "fit_nan_param", "trend_empty_draws")


@pytest.mark.slow
@pytest.mark.parametrize("before, option", FILE_OPTIONS, ids=lambda v: v if isinstance(v, str) else "-".join(v[:2]))
def test_files_of_every_other_kind_to_every_file_option(before, option, files, workdir, fuzz_counts):
    """Each file of another schema, format or encoding given to each file option: an answer or one
    error line (never a traceback: a fit file given to 'plot fan --forecast' raised ValueError), and
    no file changed."""
    names = sorted(n for n, path in files.items() if n in ZOO or path.parent.name == "hostile")
    out = files["fit"].parent / "out" / "zoo.png"
    for name in names:
        path = files[name]
        if not path.is_file():
            continue
        before_bytes = path.read_bytes()
        args = [*before, option, str(path)] + (["-o", str(out)] if before[0] == "plot" else [])
        result = run_cli(args, workdir)
        outcome = check_outcome(result, args)
        if name not in GOOD_FOR[option] and not (option == "--data" and name.startswith("runs_")):
            assert result.exit_code == 2, f"scaling {' '.join(args)} accepted {name}:\n{result.stdout[:500]}"
        assert path.read_bytes() == before_bytes, f"scaling {' '.join(args)} changed {name}"
        fuzz_counts[SUITE][outcome] += 1
        fuzz_counts["CLI hostile files"][outcome] += 1


@pytest.mark.parametrize("args, says", [
    (["forecast", "--draws", "20", "--until", "-5"], "-5"),
    (["forecast", "--draws", "20", "--until", "0"], "year 0"),
    (["forecast", "--draws", "20", "--until", "99999"], "99999"),
    (["forecast", "--draws", "20", "--since", "0000-01-01"], "0000-01-01.*1678-01-01 to 2261-12-31"),
    (["forecast", "--draws", "20", "--since", "-0001-01-01"], "-0001-01-01"),
    (["forecast", "--draws", "20", "--since", "1677-09-21"], "1677-09-21"),
    (["forecast", "--draws", "20", "--since", "1678-01-01"], "1678-01-01"),  # readable, outside the forecast years
    (["forecast", "--draws", "20", "--since", "2262-04-12"], "2262-04-12"),
    (["forecast", "--draws", "20", "--since", "99999-01-01"], "99999-01-01"),
    (["trend", "--ols", "--since", "0000-01-01"], "0000-01-01.*1678-01-01 to 2261-12-31"),
    (["trend", "--ols", "--before", "1677-12-31"], "1677-12-31"),
    (["trend", "--ols", "--before", "-5"], "-5"),
    (["trend", "--ols", "--since", "2262-01-01"], "2262-01-01"),
    (["trend", "--ols", "--backtest", "1500-01-01"], "1500-01-01"),
    (["trend", "--ols", "--backtest", "0000-01-01"], "0000-01-01"),
])
def test_dates_at_and_beyond_the_timestamp_limits(args, says, workdir, fuzz_counts):
    """A date pandas cannot hold (or the forecast does not cover) is one error line naming it."""
    _one_error(args, workdir, re.escape(says) if ".*" not in says else says)
    fuzz_counts[SUITE]["hostile dates"] += 1


def test_trend_dates_at_the_limits_are_answers(workdir):
    for args in (["trend", "--ols", "--draws", "100", "--since", "1678-01-01"],
                 ["trend", "--ols", "--draws", "100", "--before", "2261-12-31"]):
        result = run_cli(args, workdir)
        check_outcome(result, args)
        assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("name, says", [
    ("fit_edited_E.json", "changed after scaling wrote it.*scaling fit"), ("fit_bool_E.json", "E is True, not a number"),
    ("bigint.json", "4,300 digits"), ("deep.json", "nested too deeply"), ("deep_object.json", "nested too deeply"),
    ("huge_dims.nc", r"declares [\d.]+ GiB of arrays"), ("other_trend.json", "holds schema 'scaling.hardware.trend'"),
])
def test_hand_edited_and_crafted_fit_files_are_refused(name, says, files, workdir, fuzz_counts):
    """Issue 21: an edited E was trusted (a point estimate outside its own interval); "E": true read as 1."""
    if name not in files:
        pytest.skip(f"{name} not made here")
    for args in (["optimal", "--fit", str(files[name]), "--compute", "1e22"],
                 ["plot", "optimal", "--fit", str(files[name]), "-o", str(files["fit"].parent / "out" / "e.png")]):
        _one_error(args, workdir, says)
    fuzz_counts[SUITE]["hostile files"] += 1


@pytest.mark.parametrize("name, says", [
    ("scenarios_list_target.toml", r"\['a', 'b'\].*two numbers"), ("scenarios_latin1.toml", "not UTF-8"),
    ("scenarios_deep.toml", "nested too deeply"), ("scenarios_bigint.toml", "4,300 digits"),
])
def test_hostile_scenario_files(name, says, files, workdir):
    _one_error(["forecast", "--draws", "20", "--scenarios", str(files[name])], workdir, says)


def test_outputs_never_replace_a_read_only_or_a_foreign_file(files, workdir, tmp_path):
    """`cost seed --write victim.csv` overwrote any file; `fit -o` replaced a 0444 file and reset its mode."""
    victim = tmp_path / "victim.csv"
    victim.write_text("my own numbers\n")
    _one_error(["cost", "seed", "--write", str(victim)], workdir, "not written by scaling.*--force")
    assert victim.read_text() == "my own numbers\n"
    for ext in (".json", ".png", ".csv"):  # fit -o, plot -o, forecast -o over someone else's file
        own = tmp_path / f"own{ext}"
        own.write_text("mine\n")
        for args in (["fit", "--grid", "coarse", "--data", str(files["runs"]), "-o", str(own)],
                     ["plot", "isoflop", "--law", "hoffmann2022", "-o", str(own)],
                     ["forecast", "--draws", "20", "-o", str(own)],
                     ["trend", "--ols", "--draws", "100", "-o", str(own)]):
            result = run_cli(args, workdir)
            check_outcome(result, args)
            assert own.read_text() == "mine\n", f"scaling {' '.join(args)} replaced {own.name}"
    readonly = tmp_path / "fit.json"
    shutil.copy(files["hashed_fit.json"], readonly)
    readonly.chmod(0o444)
    before = readonly.read_bytes()
    for extra in ([], ["--force"]):
        _one_error(["fit", "--grid", "coarse", "--data", str(files["runs"]), "-o", str(readonly), *extra], workdir,
                   "read-only")
    assert readonly.read_bytes() == before and (readonly.stat().st_mode & 0o777) == 0o444
    # --force replaces someone else's (writable) file; the package's own outputs are replaced freely
    result = run_cli(["cost", "seed", "--write", str(victim), "--force"], workdir)
    assert result.exit_code == 0 and "Sunyan" in victim.read_text()
    figure = tmp_path / "again.png"
    for _ in range(2):
        result = run_cli(["plot", "isoflop", "--law", "hoffmann2022", "-o", str(figure)], workdir)
        assert result.exit_code == 0, result.stderr


@pytest.mark.slow
def test_bayesian_path_without_a_usable_home(tmp_path):
    """HOME under a regular file (unwritable even for root): ArviZ and PyTensor caches go to a private
    temporary folder, said once on stderr; before, 'error: /nonexistent: Permission denied'."""
    import subprocess
    import sys

    blocker = tmp_path / "afile"
    blocker.write_text("x")
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "MPLCONFIGDIR",
                                                            "PYTENSOR_FLAGS", "SCALING_CACHE_NOTED")}
    env.update(HOME=str(blocker / "home"), TMPDIR=str(tmp_path), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "scaling", "optimal", "--fit", str(FITS / "chinchilla_bayes.nc"),
                           "--compute", "1e22"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    notes = [ln for ln in proc.stderr.splitlines() if "cannot hold caches" in ln]
    assert len(notes) == 1 and str(tmp_path) in notes[0], proc.stderr
