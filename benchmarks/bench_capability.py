"""Time the capability law: the least-squares fit with its bootstrap, and a query from the shell.

Usage::

    python benchmarks/bench_capability.py              # best and median of 3 runs
    python benchmarks/bench_capability.py --repeats 5

Goals (issue 22) on 2 cores: ``scaling.capability.fit_shipped("MMLU")`` (the sigmoid law, five
benchmarks fitted together, 200 bootstrap resamples) within 10 s, also with the tokens-per-parameter
term that the validation chose; ``scaling capability predict``
and ``target`` from a saved fit, as a subprocess with the imports, within 0.5 s. Both wall and
CPU time (user + system of this process or the child) are printed: on a shared, loaded machine
the wall time scales with the load and the CPU time is steadier.

Where bytecode caching is off (``PYTHONDONTWRITEBYTECODE``, as on the development machine) every
query also compiles scaling's modules from source; an installed package has ``.pyc`` files. The
queries are then timed both ways: as the environment runs them, and with a bytecode cache (a
temporary ``PYTHONPYCACHEPREFIX``, written by one warm-up run).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FIT_GOAL_S = 10.0
QUERY_GOAL_S = 0.5
QUERIES = {
    "predict --compute 1e24": ["predict", "--compute", "1e24"],
    "predict --compute 1e22 --family Phi --json": ["predict", "--compute", "1e22", "--family", "Phi", "--json"],
    "target --score 0.439": ["target", "--score", "0.439"],
}


def _cpu_self() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def time_fit(repeats: int, terms=()) -> list[tuple[float, float]]:
    from scaling import capability

    out = []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), _cpu_self()
        capability.fit_shipped("MMLU", bootstrap=200, seed=0, terms=terms)
        out.append((time.perf_counter() - t0, _cpu_self() - c0))
    return out


def time_query(args: list[str], folder: Path, repeats: int, pycache: Path | None = None) -> list[tuple[float, float]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if pycache is not None:  # bytecode cached, as in an installed package
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
        subprocess.run([sys.executable, "-m", "scaling", "capability", *args], cwd=folder, env=env, check=True,
                       capture_output=True)  # warm-up: writes the cache
    out = []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "scaling", "capability", *args], cwd=folder, env=env, check=True,
                       capture_output=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out.append((wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime))
    return out


def _row(name: str, runs: list[tuple[float, float]], goal: float) -> str:
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    ok = "yes" if min(walls) <= goal else ("cpu only" if min(cpus) <= goal else "no")
    return (f"{name:<48} wall best {min(walls):6.2f} s  median {statistics.median(walls):6.2f} s  "
            f"cpu best {min(cpus):6.2f} s  goal {goal:g} s: {ok}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}")
    print(_row("fit_shipped('MMLU'), 200 resamples", time_fit(args.repeats), FIT_GOAL_S))
    # the law validation/capability.py chose (docs/capability.md), not the shipped default
    print(_row("  with terms=('tokens_per_param',)", time_fit(args.repeats, ("tokens_per_param",)), FIT_GOAL_S))
    from scaling import capability

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        capability.fit_shipped("MMLU", bootstrap=200, seed=0).save(folder / "fits" / capability.fit_name("mmlu"))
        no_cache = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
        for name, q in QUERIES.items():
            print(_row(f"scaling capability {name}", time_query(q, folder, args.repeats), QUERY_GOAL_S))
            if no_cache:
                print(_row("  with a bytecode cache", time_query(q, folder, args.repeats, folder / "pyc"), QUERY_GOAL_S))


if __name__ == "__main__":
    main()
