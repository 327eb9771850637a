"""Score the price panel against naive baselines on later prices of one cloud-price segment.

Run from the repository root (about 5 minutes on 2 shared cores: one panel fit per cut-off)::

    python validation/evaluation.py                                # hyperscaler on-demand
    python validation/evaluation.py --series gpu-cloud-on-demand   # the GPU clouds' segment
    python validation/evaluation.py --series gpu-cloud-on-demand --long   # longer chains (a check)
    python validation/evaluation.py --report                       # only rewrite the report from the saved CSV

Fits every model of :func:`scaling.hardware.evaluation.evaluate` (the panel conditioned on the
chips and providers it saw, the panel as the forecast draws the series, OLS, random walk with
drift, no change, Epoch's published rate) before each cut-off on the data dated before it, and
scores them on every later price of the segment. The same numbers come from ``scaling backtest
--series SERIES --cutoff ... --models panel,panel-forecast,ols,rw,nochange,epoch,rw-seen -o FILE.csv``.

Cut-offs (:data:`CUTOFFS`): yearly 2019-2023 for hyperscaler on-demand (issue 20's rolling
origins). The GPU clouds' on-demand prices start in August 2022, so no cut-off before 2023
leaves a price of theirs to fit: that segment is scored at the half-yearly cut-offs
2023-01-01 to 2024-07-01, the first that leave at least 3 chips before them and the last
that leaves half a year of prices after it (fixed before any score was seen).

Writes ``validation/results/evaluation_<name>.csv.gz`` (every row, gzipped, with the package versions and
each fit's diagnostics -- for the panel also the segment ``lowest-available`` chose from the
data before the cut-off -- in its header) and ``validation/results/evaluation_<name>.md`` (the
report): ``<name>`` is ``hyperscaler`` for hyperscaler on-demand (``docs/build_docs.py`` puts
its tables in ``docs/hardware-trends.md``), the series' name otherwise. ``--long`` refits the
panel with longer chains (:data:`LONG`: 2,000 tuning steps, 2 x 2,000 draws, target acceptance
0.99; the baselines' draws do not depend on it) to check that a verdict resting on fits flagged
as unconverged does not move with the sampler; its files end in ``_long``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scaling.errors import ScalingError  # noqa: E402
from scaling.hardware.evaluation import evaluate, evaluation_markdown, load_evaluation  # noqa: E402

OUT = ROOT / "validation" / "results"
#: Series scored -> its cut-offs (module docstring).
CUTOFFS = {
    "hyperscaler-on-demand": [f"{y}-01-01" for y in range(2019, 2024)],
    "gpu-cloud-on-demand": ["2023-01-01", "2023-07-01", "2024-01-01", "2024-07-01"],
}
#: Series scored -> its files' name and the report's title.
NAMES = {
    "hyperscaler-on-demand": ("hyperscaler", "hyperscaler on-demand prices, cut-offs 2019-2023"),
    "gpu-cloud-on-demand": ("gpu-cloud-on-demand", "GPU clouds' on-demand prices (the segment lowest-available "
                                                   "chooses), cut-offs 2023-01 to 2024-07"),
}
MODELS = "panel,panel-forecast,ols,rw,nochange,epoch,rw-seen"
#: The sampler settings of ``--long`` (the default ones: 1,000 tuning steps, 2 x 800 draws, 0.95).
LONG = {"tune": 2000, "draws": 2000, "target_accept": 0.99}
# The default series' files (kept for callers of the old module constants).
CSV = OUT / "evaluation_hyperscaler.csv.gz"
MD = OUT / "evaluation_hyperscaler.md"


def paths(series: str, long: bool = False) -> tuple[Path, Path]:
    """``(csv, md)`` of a series of :data:`CUTOFFS` (``long``: of the longer chains' check)."""
    name = NAMES[series][0] + ("_long" if long else "")
    return OUT / f"evaluation_{name}.csv.gz", OUT / f"evaluation_{name}.md"


def rule_section(csv: Path, long_csv: Path | None = None) -> list[str]:
    """Issue 20's rule applied to a segment as ``validation/price_selection.py`` applies it to
    hyperscaler on-demand (its candidates, every fit scored, paired against the best baseline);
    with ``long_csv``, the same on the longer chains' fits, and the per-fit convergence."""
    from validation.price_selection import CANDIDATES, _paired, _restrict, _table, choose

    lines = ["", "## Issue 20's rule, as the headline's selection applies it", "",
             "Candidates as in `validation/price_selection.py` (`panel` and `rw-seen`, which condition on a "
             "chip and provider already priced, forecast no market price); every fit scored, converged or not. "
             "A Bayesian model becomes the default only if its pooled CRPS beats the best baseline's with a 90% "
             "cluster-bootstrap interval excluding zero.", ""]
    for label, path in (("default chains", csv), ("longer chains", long_csv)):
        if path is None or not path.exists():
            continue
        res = _restrict(load_evaluation(path), CANDIDATES)
        default, why = choose(res)
        base = str(res.scores(include_unconverged=True).loc[[m for m in CANDIDATES if m != "panel-forecast"]]
                   ["crps"].idxmin())
        fits = res.fits.loc[res.fits["model"] == "panel-forecast"]
        conv = ", ".join(f"{r['cutoff']} {'converged' if r['converged'] else 'not converged'} (max R-hat "
                         f"{r['r_hat_max']:.3f}, min bulk ESS {r['ess_bulk_min']:.0f}, {int(r['divergences'])} "
                         "divergent)" for _, r in fits.iterrows())
        _, pair = _paired(res, base)
        pf = pair.loc[pair["model"] == "panel-forecast"].iloc[0]
        ok = res.paired("crps", baselines=[base], include_unconverged=False)
        ok = ok.loc[ok["model"] == "panel-forecast"].iloc[0]
        chosen = sorted(set(res.fits["lowest_segment"].dropna())) if "lowest_segment" in res.fits else []
        lines += [f"### {label.capitalize()} (`{path.name}`)", "", _table(res), "",
                  f"Paired against the best baseline `{base}`:", "", _paired(res, base)[0], "",
                  f"**Rule:** {why}: `panel-forecast` minus `{base}` {pf['mean']:+.4f} dex "
                  f"[{pf['lower']:+.4f}, {pf['upper']:+.4f}]. Panel fits: {conv}. On the converged fits alone "
                  f"({int(ok['n_rows'])} prices) `panel-forecast` minus `{base}` is {ok['mean']:+.3f} dex "
                  f"[{ok['lower']:+.3f}, {ok['upper']:+.3f}]. The segment `lowest-available` chose from the "
                  f"data before each cut-off: {', '.join(chosen) or 'not recorded'}.", ""]
    return lines


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", default="hyperscaler-on-demand",
                    help=f"the segment to score: {', '.join(CUTOFFS)} (default hyperscaler-on-demand)")
    ap.add_argument("--report", action="store_true", help="only rewrite the report from the saved CSV")
    ap.add_argument("--long", action="store_true", help="longer chains for the panel (LONG); files *_long")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)
    series = args.series.strip().lower()
    if series not in CUTOFFS:
        raise ScalingError(f"unknown series {args.series!r} for validation/evaluation.py; allowed: "
                           f"{', '.join(CUTOFFS)}")
    csv, md = paths(series, args.long)
    if not args.report:
        t = time.perf_counter()
        res = evaluate(series, cutoffs=CUTOFFS[series], models=MODELS, seed=0, jobs=args.jobs,
                       **(LONG if args.long else {}))
        res = dataclasses.replace(res, timings={"wall_seconds": round(time.perf_counter() - t, 1)})
        res.save(csv)
        print(f"wrote {csv} in {res.timings['wall_seconds']} s")
    text = evaluation_markdown(load_evaluation(csv), title=f"Scored against baselines: {NAMES[series][1]}"
                               + (" (longer chains)" if args.long else ""), heading="#")
    if series != "hyperscaler-on-demand" and not args.long:  # hyperscaler's rule: validation/price_selection.py
        long_csv = paths(series, True)[0]
        text = text.rstrip("\n") + "\n" + "\n".join(rule_section(csv, long_csv)) + "\n"
    md.write_text(text, encoding="utf-8")
    print(f"wrote {md}")


if __name__ == "__main__":
    main()
