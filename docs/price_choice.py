"""The section "Which price model the headline uses, and why" of ``docs/forecast.md`` and
``docs/hardware-trends.md`` (``docs/build_docs.py reports``), from the report
``validation/results/price_selection.md`` that ``validation/price_selection.py`` writes: its
tables are pasted as they are, so no number here is typed by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "validation" / "results" / "price_selection.md"
TITLE = "Which price model the headline uses, and why"


def price_choice_section(mixture: bool = False) -> list[str]:
    """The section's lines, for a page in ``docs/`` (empty when the report is missing); ``mixture``:
    the headline is the series mixture, whose hyperscaler component this series is."""
    if not REPORT.exists():
        return []
    link = Path("..") / REPORT.relative_to(ROOT)
    body = REPORT.read_text(encoding="utf-8").split("\n", 1)[1].strip()  # without its title
    body = re.sub(r"^## ", "### ", body, flags=re.M)
    return [
        f"## {TITLE}",
        "",
        ("The hyperscaler component of the headline's mixture of price series (and "
         "`gpt3_equivalent_cost_hyperscaler`, and `scaling forecast --basis cloud`)" if mixture else
         "The headline cost forecast (`gpt3_equivalent_cost`, and `scaling forecast` on the cloud basis by "
         "default)") + " prices a FLOP with the series `hyperscaler-on-demand-rw`: a random walk with drift from the "
        "last year's hyperscaler on-demand prices (`scaling.hardware.random_walk`). At h years after the "
        "median date of the last year's prices, log10 FLOP per $ is normal with mean L + mu h and variance "
        "s0^2 + omega^2 h: L and s0 the median and sd of the last year's log10 prices, mu the mean of the "
        "purchase-price slope prior the panel model uses, omega from the year-to-year changes of the yearly "
        "medians. It is the `rw` baseline of `scaling.hardware.evaluation`, shipped exactly as it was scored "
        "(no parameter uncertainty added).",
        "",
        "It was chosen by a selection fixed before its final year was scored (`validation/price_selection.py`, "
        "the protocol in its docstring): the candidate models of the series were scored on the rolling "
        "origins 2019-2023 on the prices before a locked final year; a Bayesian model would become the "
        "default only if its pooled CRPS beat the best baseline's with a 90% cluster-bootstrap interval "
        "(chip x provider) of the paired difference excluding zero, otherwise the best baseline is the "
        "default. The hierarchical panel (`panel-forecast`) scored worse than the random walk (`rw`), so the "
        "baseline is the default. The locked year was then scored once and is reported below; nothing was "
        "chosen on it. The panel's own series stays available as `hyperscaler-on-demand` (the "
        "`gpt3_equivalent_cost_panel` variant); the hyperscaler price figure and the comparison with the "
        "seed article's 2020-2023 (a retrospective, which the panel fits and the walk, started from the "
        "last year, does not) use it. Before its origin the walk's line is its drift extended backwards, "
        "for display only. From "
        f"[`{REPORT.relative_to(ROOT)}`]({link.as_posix()}):",
        "",
        body,
        "",
    ]
