"""Score the price panel against naive baselines on later hyperscaler on-demand prices.

Run from the repository root (about 5 minutes on 2 shared cores: five panel fits)::

    python validation/evaluation.py            # fit and score, then write the report
    python validation/evaluation.py --report   # only rewrite the report from the saved CSV

Fits every model of :func:`scaling.hardware.evaluation.evaluate` (the panel conditioned on the
chips and providers it saw, the panel as the forecast draws the series, OLS, random walk with
drift, no change, Epoch's published rate) before each yearly cut-off 2019-2023 on the data dated
before it, and scores them on every later hyperscaler on-demand price. The same numbers come
from ``scaling backtest --series hyperscaler-on-demand --cutoff 2019-01-01 ... --cutoff
2023-01-01 --models panel,panel-forecast,ols,rw,nochange,epoch,rw-seen -o FILE.csv``.

Writes ``validation/results/evaluation_hyperscaler.csv`` (every row, with the package
versions and each fit's diagnostics in its header) and ``validation/results/evaluation_hyperscaler.md``
(the report; ``docs/build_docs.py`` puts its tables in ``docs/hardware-trends.md``).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scaling.hardware.evaluation import evaluate, evaluation_markdown, load_evaluation  # noqa: E402

OUT = ROOT / "validation" / "results"
CSV = OUT / "evaluation_hyperscaler.csv"
MD = OUT / "evaluation_hyperscaler.md"
CUTOFFS = [f"{y}-01-01" for y in range(2019, 2024)]
MODELS = "panel,panel-forecast,ols,rw,nochange,epoch,rw-seen"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--report", action="store_true", help="only rewrite the report from the saved CSV")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)
    if not args.report:
        t = time.perf_counter()
        res = evaluate("hyperscaler-on-demand", cutoffs=CUTOFFS, models=MODELS, seed=0, jobs=args.jobs)
        res = dataclasses.replace(res, timings={"wall_seconds": round(time.perf_counter() - t, 1)})
        res.save(CSV)
        print(f"wrote {CSV} in {res.timings['wall_seconds']} s")
    MD.write_text(evaluation_markdown(load_evaluation(CSV), title="Scored against baselines: hyperscaler "
                                      "on-demand prices, cut-offs 2019-2023", heading="#"), encoding="utf-8")
    print(f"wrote {MD}")


if __name__ == "__main__":
    main()
