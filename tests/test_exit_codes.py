"""Real processes: ``python -m scaling ...`` exits 0 with an answer or 2 with one ``error:`` line.

Issue 11, "What to build" 4 and 7: the in-process fuzzing (tests/test_fuzz_cli.py) runs
click's test runner; these few dozen subprocess runs prove the exit codes a shell sees,
including the "Why" case 4 and 5 inputs of the issue.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIT = str(ROOT / "fits" / "chinchilla_lsq.json")

GOOD = [
    ["--version"],
    ["--help"],
    ["cost", "train", "--params", "175e9", "--tokens", "300e9", "--hardware", "tpu-v4", "--mfu", "0.462",
     "--usd-per-chip-hour", "2.03"],
    ["cost", "infer", "--params", "175e9", "--hardware", "a100", "--chips-per-instance", "8",
     "--usd-per-instance-hour", "19.22", "--mfu", "0.213", "--json"],
    ["cost", "search", "--results", "10", "--samples", "10"],
    ["cost", "memory", "--params", "175e9", "--hardware", "h100"],
    ["cost", "seed", "--json"],
    ["optimal", "--fit", FIT, "--compute", "5.76e23"],
    ["optimal", "--fit", FIT, "--target", "gpt3", "--json"],
    ["forecast", "--fit", FIT, "--draws", "50", "--until", "2026"],
    ["trend", "--ols"],
]

BAD = [
    # issue 11, Why 4: tracebacks then
    ["cost", "infer", "--params", "1e308", "--hardware", "a100", "--mfu", "0.2", "--usd-per-chip-hour", "2"],
    ["forecast", "--algorithmic", "1e-300", "--draws", "50"],
    ["cost", "memory", "--params", "175e9", "--memory-per-chip", "1e-300"],
    ["fit", "--grid", "coarse", "--bootstrap", "100000000"],
    ["fit", "--grid", "coarse", "-o", "{file}/fit.json"],
    ["forecast", "--draws", "50", "-o", "{file}/fc.csv"],
    ["trend", "--ols", "-o", "{file}/trend.json"],
    ["plot", "isoflop", "--fit", FIT, "-o", "{file}/p.png"],
    ["cost", "seed", "--write", "{file}/seed.md"],
    ["run", "--fits-dir", "{file}", "--no-bayes", "--no-figures", "--bootstrap", "0"],
    # issue 11, Why 5: absurd queries answered then
    ["optimal", "--fit", FIT, "--loss", "1e300"],
    ["optimal", "--fit", FIT, "--compute", "1"],
    ["forecast", "--target", "175e9", "--draws", "50"],
    ["forecast", "--until", "3000", "--draws", "50"],
    ["forecast", "--since", "1900-01-01", "--draws", "50"],
    ["fit", "--data", "{runs}", "--dataset", "chinchilla_runs", "--grid", "coarse"],
    # usage errors and broken inputs
    ["nope"],
    ["optimal", "--fit", FIT],
    ["optimal", "--fit", FIT, "--compute", "nan"],
    ["optimal", "--fit", FIT, "--compute", "inf"],
    ["optimal", "--fit", "{missing}", "--compute", "1e24"],
    ["optimal", "--fit", "{empty}", "--compute", "1e24"],
    ["optimal", "--fit", "{junk}", "--compute", "1e24"],
    ["fit", "--data", "{junk}", "--grid", "coarse"],
    ["fit", "--data", "{dir}", "--grid", "coarse"],
    ["trend", "--ols", "--draws", "100000000"],
    ["cost", "train", "--params", "-1", "--tokens", "300e9", "--hardware", "a100", "--mfu", "0.4",
     "--usd-per-chip-hour", "2"],
    ["cost", "train", "--params", "175e9"],
    ["plot", "nonsense"],
    ["forecast", "--since", "", "--draws", "50"],
    ["trend", "--ols", "--bogus"],
]


@pytest.fixture(scope="module")
def paths(tmp_path_factory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("exit_codes")
    (base / "afile").write_text("x")
    (base / "empty.json").write_bytes(b"")
    (base / "junk.json").write_bytes(bytes(range(256)))
    (base / "adir").mkdir()
    (base / "runs.csv").write_text("n_params,n_tokens,loss\n1e9,2e10,2.6\n2e9,4e10,2.5\n4e9,8e10,2.4\n")
    return {"file": str(base / "afile"), "empty": str(base / "empty.json"), "junk": str(base / "junk.json"),
            "dir": str(base / "adir"), "missing": str(base / "missing.json"), "runs": str(base / "runs.csv"),
            "cwd": str(base)}


def _run(args, paths):
    args = [a.format(**paths) for a in args]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "scaling", *args], capture_output=True, text=True,
                          cwd=paths["cwd"], env=env, timeout=300)


@pytest.mark.parametrize("args", GOOD, ids=lambda a: " ".join(a[:3]))
def test_good_invocation_exits_0(args, paths, fuzz_counts):
    p = _run(args, paths)
    assert p.returncode == 0, f"scaling {' '.join(args)}: exit {p.returncode}\n{p.stderr}"
    assert "Traceback" not in p.stderr
    assert not [line for line in p.stderr.splitlines() if line.startswith("error:")]
    assert p.stdout.strip()
    fuzz_counts["subprocess"]["exit 0"] += 1


@pytest.mark.parametrize("args", BAD, ids=lambda a: " ".join(a[:4]))
def test_bad_invocation_exits_2_with_one_error_line(args, paths, fuzz_counts):
    p = _run(args, paths)
    assert "Traceback" not in p.stderr, f"scaling {' '.join(args)}: traceback\n{p.stderr}"
    assert p.returncode == 2, f"scaling {' '.join(args)}: exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    errors = [line for line in p.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, f"scaling {' '.join(args)}: stderr\n{p.stderr}"
    assert p.stderr.strip().splitlines()[-1].startswith("error:"), p.stderr
    fuzz_counts["subprocess"]["exit 2, one error line"] += 1
