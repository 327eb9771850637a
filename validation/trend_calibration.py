"""Calibration of the chip trends the forecasts use (issue 20): before and after the level's walk.

Run from the repository root (about 40 minutes on 2 shared cores: two Bayesian fits per
trend and cut-off)::

    python validation/trend_calibration.py              # fit and score, then write the report
    python validation/trend_calibration.py --report     # only rewrite the report from the saved CSVs
    python validation/trend_calibration.py --add-epoch  # add the `epoch` baseline to the saved CSVs (seconds)
    python validation/trend_calibration.py --pooled     # the pooled cloud trend (evaluation_pooled.csv.gz/.md)

For each default chip trend of the forecasts (FLOP/s per release $ and per W of TDP, at
tensor16 and FP32: the ``purchase`` and ``purchase-fp32`` price series), fits
:func:`scaling.hardware.evaluation.evaluate`'s models before each cut-off on the chips
released before it, and scores their predictive distributions of every later chip:

- ``trend-static``: the robust line with a new chip's Student-t scatter (the trends before
  issue 20);
- ``trend``: the same with the level's random walk over yearly periods, anchored at the
  last chip (:func:`scaling.hardware.trend_model.build_model`), whose scale adds the horizon
  discrepancy beyond the last chip;
- the baselines ``ols``, ``rw``, ``nochange`` and ``epoch`` (Epoch's published doubling time;
  ``--add-epoch`` scores it alone at the saved CSVs' cut-offs and merges its rows in,
  :func:`scaling.hardware.evaluation.merge_evaluations`, without refitting the trends).

``--pooled`` scores the pooled cloud trend (the ``pooled`` price series: the static robust line
fitted on every on-demand cloud price, ``scaling backtest --series pooled``) and its baselines at
yearly cut-offs 2019-2023 and writes ``validation/results/evaluation_pooled.csv.gz`` (gzip: 1,176 later prices x 6 models) and ``.md``.

The same numbers come from ``scaling backtest --metric flops-per-watt --precision fp32
--cutoff 2016-01-01 ... --models trend,trend-static,ols,rw,nochange,epoch --draws 1000 --tune 1000
-o FILE.csv``. Coverage and scores are pooled over the cut-offs (every later chip of every
cut-off is one row). Unconverged fits are scored too (``include_unconverged``) and counted.

Writes ``validation/results/trend_calibration_<metric>_<precision>.csv`` (every row) and
``validation/results/trend_calibration.md`` (the report; ``docs/build_docs.py`` puts it in
``docs/hardware-trends.md``).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scaling.hardware.evaluation import evaluate, evaluation_markdown, load_evaluation, merge_evaluations  # noqa: E402
from scaling.hardware.evaluation_report import GOAL50, GOAL90  # noqa: E402

OUT = ROOT / "validation" / "results"
MD = OUT / "trend_calibration.md"
#: The chip trends of the forecasts' purchase basis (scaling.forecast.scenarios: purchase, purchase-fp32).
TRENDS = [("flops_per_watt", "fp32"), ("flops_per_watt", "tensor16"), ("flops_per_usd", "fp32"),
          ("flops_per_usd", "tensor16")]
#: Every second year: the origins of validation/backtests.py (2016-2023) thinned to keep the run short,
#: and 2024 added; a cut-off that leaves fewer than 3 chips before it is skipped.
CUTOFFS = ["2016-01-01", "2018-01-01", "2020-01-01", "2022-01-01", "2024-01-01"]
MODELS = "trend,trend-static,ols,rw,nochange,epoch"
#: Sampler settings of the trend fits: 4 chains, a long warm-up and small steps, because the dynamic
#: trend on the few chips of an early cut-off (8 FP32 per-$ chips before 2016) diverges in more
#: than 1% of transitions at 2 chains, 1000 tuning steps and target_accept 0.95 (16 of 2000).
DRAWS, TUNE, CHAINS, TARGET_ACCEPT = 1000, 2000, 4, 0.99
#: The pooled cloud trend: yearly cut-offs as validation/evaluation.py's hyperscaler series, the
#: evaluation's default models for it and its default sampler settings (as `scaling backtest`).
POOLED_CSV, POOLED_MD = OUT / "evaluation_pooled.csv.gz", OUT / "evaluation_pooled.md"
POOLED_CUTOFFS = [f"{y}-01-01" for y in range(2019, 2024)]
POOLED_MODELS = "trend,ols,rw,nochange,epoch,rw-seen"


def _csv(metric: str, precision: str) -> Path:
    return OUT / f"trend_calibration_{metric}_{precision}.csv"


def _cutoffs(metric: str, precision: str) -> list[str]:
    from scaling.hardware.data import MIN_CHIPS, trend_data

    d = trend_data(None, metric, precision).data
    return [c for c in CUTOFFS if d.loc[d["date"] < c, "name"].nunique() >= MIN_CHIPS and (d["date"] >= c).any()]


def run(jobs: int, only=None) -> None:
    for metric, precision in TRENDS:
        if only and f"{metric}:{precision}" not in only:
            continue
        t = time.perf_counter()
        res = evaluate(metric=metric, precision=precision, cutoffs=_cutoffs(metric, precision), models=MODELS,
                       seed=0, jobs=jobs, draws=DRAWS, tune=TUNE, chains=CHAINS,
                       target_accept=TARGET_ACCEPT)
        res.save(_csv(metric, precision))
        print(f"wrote {_csv(metric, precision)} in {time.perf_counter() - t:.0f} s", flush=True)


def add_epoch(only=None) -> None:
    """Score the ``epoch`` baseline alone at each saved CSV's cut-offs and merge its rows in."""
    for metric, precision in TRENDS:
        path = _csv(metric, precision)
        if (only and f"{metric}:{precision}" not in only) or not path.exists():
            continue
        old = load_evaluation(path)
        if "epoch" in old.models:
            print(f"{path} already scores epoch", flush=True)
            continue
        t = time.perf_counter()
        new = evaluate(metric=metric, precision=precision, cutoffs=old.settings["cutoffs"], models="epoch",
                       seed=old.seed, n_draws=int(old.settings["n_draws"]))
        new = dataclasses.replace(new, timings={"wall_seconds": round(time.perf_counter() - t, 1)})
        merge_evaluations(old, new).save(path)
        print(f"added epoch to {path} in {new.timings['wall_seconds']} s", flush=True)


def run_pooled(jobs: int) -> None:
    t = time.perf_counter()
    res = evaluate("pooled", cutoffs=POOLED_CUTOFFS, models=POOLED_MODELS, seed=0, jobs=jobs)
    res = dataclasses.replace(res, timings={"wall_seconds": round(time.perf_counter() - t, 1)})
    res.save(POOLED_CSV)
    print(f"wrote {POOLED_CSV} in {res.timings['wall_seconds']} s", flush=True)


def pooled_report() -> str:
    return evaluation_markdown(load_evaluation(POOLED_CSV), title="Scored against baselines: the pooled cloud "
                               "trend (every on-demand price), cut-offs 2019-2023", heading="#")


def _label(metric: str, precision: str) -> str:
    return {"flops_per_watt": "FLOP/s per W", "flops_per_usd": "FLOP/s per $"}[metric] + f" ({precision})"


def report() -> str:
    lines = ["## Calibration of the chip trends (issue 20)", "",
             "Written by `python validation/trend_calibration.py`. Each model fitted on the chips released before "
             f"each cut-off ({', '.join(CUTOFFS)}, where at least 3 chips precede it) and scored on every later "
             "chip, pooled over the cut-offs; log10 units (dex). `trend-static`: the robust line and a new chip's "
             "Student-t scatter (the trends before issue 20). `trend`: the dynamic trend, the same line with the "
             "level's random walk over yearly periods anchored at the last chip (the horizon discrepancy beyond "
             "it) and a scatter whose scale changes with time (a new chip's scatter is that at the last chip; the "
             "model "
             "now fitted). Baselines: `ols`, `rw`, `nochange` and `epoch` (the walk with Epoch's published "
             "doubling time, 2.1-2.46 yr per $, 3.0 yr per W; published in 2022-2023, so it saw part of the later "
             "chips). Full reports with paired "
             "intervals and PIT: *The trends scored against baselines* below. "
             f"Bayesian fits: {CHAINS} chains x {DRAWS} draws after {TUNE} tuning steps (target_accept {TARGET_ACCEPT}); unconverged fits "
             "(R-hat > 1.01, bulk ESS < 400 or > 1% divergent, each model's own fit) are scored too and their rows "
             f"counted. Goal: 90% coverage {GOAL90[0]:.0%}-{GOAL90[1]:.0%}, 50% coverage "
             f"{GOAL50[0]:.0%}-{GOAL50[1]:.0%}.", ""]
    head = ("| trend | model | later chips (rows) | cut-offs | coverage 90% | coverage 50% | CRPS | "
            "interval score 90% | median abs. error | unconverged rows | goal met |")
    lines += [head, "|" + "---|" * 11]
    for metric, precision in TRENDS:
        path = _csv(metric, precision)
        if not path.exists():
            lines.append(f"| {_label(metric, precision)} | (not run) |" + " |" * 9)
            continue
        res = load_evaluation(path)
        s = res.scores(include_unconverged=True)
        excluded = res.n_excluded()
        for m in ("trend-static", "trend", "ols", "rw", "nochange", "epoch"):
            if m not in s.index:
                continue
            r = s.loc[m]
            ok = GOAL90[0] <= r["coverage90"] <= GOAL90[1] and GOAL50[0] <= r["coverage50"] <= GOAL50[1]
            lines.append(f"| {_label(metric, precision)} | {m} | {int(r['n_test'])} | {int(r['n_cutoffs'])} | "
                         f"{r['coverage90']:.0%} | {r['coverage50']:.0%} | {r['crps']:.3f} | {r['is90']:.2f} | "
                         f"{r['median_abs_error']:.3f} | {excluded.get(m, 0)} | {'yes' if ok else 'no'} |")
    return "\n".join(lines + [""] + by_cutoff_lines()) + "\n"


#: When Epoch's rates were published: Hobbhahn & Besiroglu 2022 (per $, 2022-06) and Hobbhahn, Heim &
#: Aydos 2023 (per $ for ML hardware and per W, 2023): ``epoch`` carries hindsight at cut-offs before.
EPOCH_PUBLISHED = {"flops_per_usd": "2022-06-27", "flops_per_watt": "2023-11-09"}
BY_CUTOFF_MODELS = ("trend-static", "trend", "ols", "rw", "nochange", "epoch")


def by_cutoff_lines() -> list[str]:
    """CRPS of every model at each cut-off: where ``epoch``'s pooled lead comes from, and whether it
    holds at the cut-offs after its rates were published (:data:`EPOCH_PUBLISHED`)."""
    lines = ["### Scores by cut-off: where `epoch`'s lead comes from", "",
             "Mean CRPS (dex) of each model's later chips at each cut-off, every fit scored; **bold**: the lowest "
             "of the row. Epoch's rates were published in " + ", ".join(
                 f"{d[:7]} ({_label(m, 'any').split(' (')[0]})" for m, d in EPOCH_PUBLISHED.items())
             + ": at earlier cut-offs `epoch` drifts at a rate fitted partly to the chips it is scored on.", "",
             "| trend | cut-off | later chips | " + " | ".join(BY_CUTOFF_MODELS) + " | after publication |",
             "|" + "---|" * (len(BY_CUTOFF_MODELS) + 4)]
    for metric, precision in TRENDS:
        path = _csv(metric, precision)
        if not path.exists():
            continue
        rows = load_evaluation(path).rows
        test = rows.loc[rows["split"] == "test"]
        table = test.groupby(["cutoff", "model"])["crps"].mean().unstack()
        n = test.loc[test["model"] == test["model"].iloc[0]].groupby("cutoff").size()
        for cut, r in table.iterrows():
            vals = {m: r.get(m) for m in BY_CUTOFF_MODELS if m in table.columns}
            best = min(vals, key=lambda m: vals[m])
            cells = [("-" if m not in vals else (f"**{vals[m]:.3f}**" if m == best else f"{vals[m]:.3f}"))
                     for m in BY_CUTOFF_MODELS]
            after = "yes" if str(cut)[:10] > EPOCH_PUBLISHED[metric] else "no"
            lines.append(f"| {_label(metric, precision)} | {str(cut)[:10]} | {int(n[cut])} | " + " | ".join(cells)
                         + f" | {after} |")
    return lines


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--report", action="store_true", help="only rewrite the report from the saved CSVs")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--add-epoch", action="store_true", help="only add the epoch baseline to the saved CSVs")
    ap.add_argument("--pooled", action="store_true", help="only evaluate the pooled cloud trend")
    ap.add_argument("--only", action="append", metavar="METRIC:PRECISION",
                    help="run only these trends (e.g. flops_per_usd:fp32; repeatable)")
    args = ap.parse_args(argv)
    if args.pooled:
        run_pooled(args.jobs)
    elif args.add_epoch:
        add_epoch(args.only)
    elif not args.report:
        run(args.jobs, args.only)
    MD.write_text(report(), encoding="utf-8")
    print(f"wrote {MD}")
    if POOLED_CSV.exists():
        POOLED_MD.write_text(pooled_report(), encoding="utf-8")
        print(f"wrote {POOLED_MD}")


if __name__ == "__main__":
    main()
