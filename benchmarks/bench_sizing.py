"""Time every sizing query from the shell: ``scaling optimal ...`` as a subprocess, import included.

Usage::

    python benchmarks/bench_sizing.py              # every query, best and median of 3 runs
    python benchmarks/bench_sizing.py --repeats 5

Goal (issue 13): each query within 0.5 s on 2 cores. The floor is ``python -c "import scaling.cli"``
plus pandas (the answer is a DataFrame), printed first as ``(baseline)``. On a shared, loaded
machine the subprocess times scale with the load; the second table times each query inside one
process after the imports (click's ``CliRunner``), which is the query's own cost.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_S = 0.5

QUERIES = {
    "(baseline) python -c 'import scaling.cli, pandas'": None,
    "--compute 2e24 (shipped fit, 4,000 bootstrap draws)": ["--compute", "2e24"],
    "--law hoffmann2022 --compute 1e24": ["--law", "hoffmann2022", "--compute", "1e24"],
    "--law kaplan2020 --compute 1e24 (generic numerics)": ["--law", "kaplan2020", "--compute", "1e24"],
    "--loss 2.0": ["--loss", "2.0"],
    "--target gpt3": ["--target", "gpt3"],
    "--hardware h100 --chips 1000 --days 30 --mfu 0.4 (shipped price)": [
        "--hardware", "h100", "--chips", "1000", "--days", "30", "--mfu", "0.4"],
    "--hardware h100 --usd 2e6 --price-date 2024-06-01": ["--hardware", "h100", "--usd", "2e6",
                                                          "--price-date", "2024-06-01"],
    "--compute 1e24 --inference-tokens 1e13 (FLOPs)": ["--compute", "1e24", "--inference-tokens", "1e13"],
    "--loss 2.0 --inference-tokens 2e12 --hardware h100 (dollars, 4,000 draws)": [
        "--loss", "2.0", "--inference-tokens", "2e12", "--hardware", "h100"],
    "--law hoffmann2022 --loss 2.0 --inference-tokens 2e12 --hardware h100 --inference-hardware a100": [
        "--law", "hoffmann2022", "--loss", "2.0", "--inference-tokens", "2e12", "--hardware", "h100",
        "--inference-hardware", "a100"],
    "--json --compute 5.76e23": ["--json", "--compute", "5.76e23"],
}


def run(args: list[str] | None) -> float:
    cmd = ([sys.executable, "-c", "import scaling.cli, pandas"] if args is None
           else [sys.executable, "-m", "scaling", "optimal", *args])
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    opts = parser.parse_args()
    run(QUERIES["--compute 2e24 (shipped fit, 4,000 bootstrap draws)"])  # warm the file cache
    width = max(map(len, QUERIES))
    over = 0
    for label, args in QUERIES.items():
        times = [run(args) for _ in range(opts.repeats)]
        best, median = min(times), statistics.median(times)
        flag = "" if args is None else ("ok" if median <= GOAL_S else "OVER")
        over += flag == "OVER"
        print(f"{label:<{width}}  best {best:.3f} s  median {median:.3f} s  {flag}")
    print(f"{over} of {len(QUERIES) - 1} queries over the {GOAL_S} s goal (median of {opts.repeats})")
    print("\nin one process, imports done (the query's own time):")
    from click.testing import CliRunner

    from scaling.cli import main as cli

    for label, args in QUERIES.items():
        if args is None:
            continue
        times = []
        for _ in range(opts.repeats + 1):
            t0 = time.perf_counter()
            res = CliRunner().invoke(cli, ["optimal", *args])
            times.append(time.perf_counter() - t0)
            if res.exit_code != 0:
                raise SystemExit(f"{label} failed: {res.output}")
        print(f"{label:<{width}}  first {times[0]:.3f} s  then median {statistics.median(times[1:]):.3f} s")


if __name__ == "__main__":
    main()
