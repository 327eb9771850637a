"""The series mixture's components scored against baselines (issue 20's rule), for the section
"Pricing with a mixture of price series and bases" of ``docs/forecast.md``.

Every number is read from a committed validation result, none typed here:

- hyperscaler on-demand: ``validation/results/price_selection.md`` (``validation/price_selection.py``);
- lowest available (the GPU clouds' on-demand segment it chooses): the rule section of
  ``validation/results/evaluation_gpu-cloud-on-demand.md`` (``validation/evaluation.py --series
  gpu-cloud-on-demand``);
- purchase: the chip trends' rows in ``validation/results/trend_calibration_<trend>.csv``
  (``validation/trend_calibration.py``), paired here against each trend's best baseline on CRPS
  with the evaluation's cluster bootstrap (:meth:`scaling.hardware.EvaluationResult.paired`:
  2,000 resamples, seed 0).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "validation" / "results"
SELECTION = RESULTS / "price_selection.md"
LOWEST = RESULTS / "evaluation_gpu-cloud-on-demand.md"
#: The purchase basis' two trends (``PRICE_SERIES["purchase"]``): price per FLOP/s and energy per FLOP/s.
PURCHASE = {"flops_per_usd_tensor16": "FLOP/s per $ (tensor16)", "flops_per_watt_tensor16": "FLOP/s per W (tensor16)"}
TREND_BASELINES = ("ols", "rw", "nochange")


def _link(path: Path) -> str:
    return f"[`{path.name}`]({(Path('..') / path.relative_to(ROOT)).as_posix()})"


def _hyperscaler() -> tuple | None:
    if not SELECTION.exists():
        return None
    text = SELECTION.read_text(encoding="utf-8")
    pair = re.search(r"\| panel-forecast \| ([-+][0-9.]+ \[[-+][0-9.]+, [-+][0-9.]+\]) \|", text)
    choice = re.search(r"\*\*Choice:\*\* (.*?)\.\n", text)
    if not (pair and choice):
        return None
    default = re.search(r"the default is the baseline `(\w[\w-]*)`", choice.group(1))
    return (f"hyperscaler on-demand (`hyperscaler-on-demand-rw`): the panel's forecast minus the random walk "
            f"{pair.group(1)} dex CRPS on the selection's origins 2019-2023 ({_link(SELECTION)}); the component "
            f"is the baseline the rule chose ({choice.group(1)})", bool(default))


def _lowest() -> tuple | None:
    if not LOWEST.exists():
        return None
    text = LOWEST.read_text(encoding="utf-8")
    rules = list(re.finditer(r"\*\*Rule:\*\* (.*?): `panel-forecast` minus `(\w[\w-]*)` ([-+][0-9.]+) dex "
                             r"\[([-+][0-9.]+), ([-+][0-9.]+)\]\. Panel fits: (.*?)\. On the converged fits alone "
                             r"\(([0-9]+) prices\) `panel-forecast` minus `[\w-]+` is ([^.]+\.[0-9]+ dex \[[^\]]+\])",
                             text))
    if not rules:
        return None
    rule = rules[0]  # the default chains; the second, where present, the longer chains' check
    longer = (f"; with longer chains {float(rules[1].group(3)):+.4f} [{float(rules[1].group(4)):+.4f}, "
              f"{float(rules[1].group(5)):+.4f}], {rules[1].group(6).count('not converged')} of 4 still flagged"
              if len(rules) > 1 else "")
    n_bad = rule.group(6).count("not converged")
    n_all = rule.group(6).count("converged")
    beats = float(rule.group(5)) < 0
    from scaling.hardware.random_walk import segment_points

    chosen = re.search(r"The segment `lowest-available` chose from the data before each cut-off: ([^.]+)\.", text)
    first = segment_points("gpu-cloud-on-demand")["date"].min()
    return (f"lowest available (`lowest-available`; the segment it chose from the data before each cut-off: "
            f"{chosen.group(1) if chosen else 'not recorded'}, the GPU clouds' on-demand prices, scored at the "
            f"cut-offs 2023-01 to 2024-07 because their first price is dated {first:%Y-%m-%d}): the panel's "
            f"forecast minus the best baseline `{rule.group(2)}` {float(rule.group(3)):+.4f} dex "
            f"CRPS [{float(rule.group(4)):+.4f}, {float(rule.group(5)):+.4f}] ({_link(LOWEST)}): by the rule the "
            f"panel {'beats the baseline' if beats else 'does not beat the baseline'}. The verdict rests "
            f"on panel fits flagged as unconverged ({n_bad} of {n_all} cut-offs{longer}); on the converged fit "
            f"alone ({rule.group(7)} prices) the panel is {'worse' if rule.group(8).startswith('+') else 'better'}, "
            f"{rule.group(8)}", beats)


def _purchase() -> tuple | None:
    from scaling.hardware.evaluation import load_evaluation

    parts, failing = [], []
    for stem, label in PURCHASE.items():
        path = RESULTS / f"trend_calibration_{stem}.csv"
        if not path.exists():
            return None
        res = load_evaluation(path)
        s = res.scores(include_unconverged=True)
        base = str(s.loc[[m for m in TREND_BASELINES if m in s.index]]["crps"].idxmin())
        p = res.paired("crps", baselines=[base], include_unconverged=True).set_index("model").loc["trend"]
        beats = float(p["upper"]) < 0
        if not beats:
            failing.append(label)
        parts.append(f"{label}: the trend minus the best baseline `{base}` {p['mean']:+.3f} dex "
                     f"[{p['lower']:+.3f}, {p['upper']:+.3f}] over {int(p['n_rows'])} later chips "
                     f"({'beats it' if beats else 'does not beat it'})")
    link = _link(RESULTS / "trend_calibration.md")
    return (f"purchase (`purchase`, the chip trends with total cost of ownership; {link}): " + "; ".join(parts),
            not failing, failing)


def component_lines() -> tuple[list[str], bool]:
    """The section's paragraph on the components and whether every one qualifies (is its segment's
    best baseline or beats it); ``([], False)`` when a result is missing."""
    found = [_hyperscaler(), _lowest(), _purchase()]
    if any(f is None for f in found):
        return [], False
    qualifies = all(f[1] for f in found)
    lines = ["Each component scored against naive baselines on its own prices (issue 20's rule: a model is used "
             "only if its pooled CRPS beats the best baseline's with a 90% cluster-bootstrap interval excluding "
             "zero, otherwise the baseline):", ""]
    lines += [f"- {f[0]}." for f in found]
    lines += ["", "So every component qualifies: each is its segment's best baseline or beats it." if qualifies else
              "So not every component qualifies (" + ", ".join(
                  [f"purchase: {x}" for x in found[2][2]] + [n for n, f in zip(("hyperscaler", "lowest available"),
                                                                                found) if not f[1]])
              + " neither is its baseline nor beats it), so by the rule the mixture, as it stands, is not made the "
              "headline.", ""]
    return lines, qualifies
