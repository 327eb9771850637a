"""The section "Pricing with a mixture of price series and bases" of ``docs/forecast.md``
(``docs/build_docs.py reports``): the mixture's weights and why, and its numbers from
``forecasts/summary.json`` (``series_mixture``, written by ``scaling run``) and
``validation/results/fan_shares.md`` (``validation/fan_shares.py``), and the components' scores against
baselines from the validation results (``docs/mixture_components.py``); no number here is typed by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARES = ROOT / "validation" / "results" / "fan_shares.md"
TITLE = "Pricing with a mixture of price series and bases"


def _money(x: float) -> str:
    for div, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"${x / div:.3g}{unit}"
    return f"${x:.3g}"


def series_mixture_section(summary: dict) -> list[str]:
    """The section's lines (the table only when ``summary`` has the ``series_mixture`` entry)."""
    from mixture_components import component_lines

    from scaling.forecast.price_mixture import PRICE_MIXTURE_DEFAULT

    components, _ = component_lines()
    on = summary.get("headline_series") == "mixture"
    weights = ", ".join(f"`{k}` {w:.0%}" for k, w in (summary.get("headline_price_mixture") or {}).items())
    lines = [
        f"## {TITLE}",
        "",
        "`gpt3_equivalent_cost_series_mixture` carries the choice of price series and basis in its fan: each "
        "joint draw first picks one of three ways a buyer pays for compute, with stated weights, then prices "
        "with that series' own trend, scatter and (for the purchase basis) energy trend and total cost of "
        "ownership (`scaling.forecast.price_mixture`, built like the law mixture). The three, in equal thirds "
        f"(`PRICE_MIXTURE_DEFAULT`: `{PRICE_MIXTURE_DEFAULT}`, normalised):",
        "",
        "- **renting from a hyperscaler on demand** (`hyperscaler-on-demand-rw`): the list price of on-demand "
        "rental at AWS, Azure, GCP and Oracle, the dearest way to rent and so the upper envelope of what "
        "renting costs (large buyers commit for years or negotiate, and pay less); a random walk from the last "
        "year's prices with the purchase-price prior's drift (`scaling.hardware.random_walk`);",
        "- **renting at the lowest widely available price** (`lowest-available-epoch-cal`): the GPU clouds' "
        "on-demand prices, the segment the hierarchical panel's `lowest-available` puts lowest among those "
        "offered by at least 3 providers, marketplaces excepted (it chose it at every cut-off 2023-2024 and "
        "on all the data); a random walk from the last year's prices with Epoch's published drift "
        "and a spread estimated from its own past errors (`scaling.hardware.walks`, `spread=\"calibrated\"`);",
        "- **buying** (`purchase`): the accelerators' FLOP/s per release-price $ and per W of TDP, each a random "
        "walk from the last year's chips with Epoch's published drift, with server, interconnect, capital, "
        "occupancy and energy costs (Cottier et al. 2024 ranges), without the building, staff or margin.",
        "",
        "Why equal thirds: the repository holds no market shares of these three ways to pay (who trains on "
        "rented on-demand, rented discounted or owned hardware), so the weights are a stated rule, as the law "
        "mixture's are, and were not tuned to move the headline. Other weights are one option away: "
        "`scaling forecast --price-mixture NAME:W,...` (any positive weights, normalised to sum to 1; names "
        "from `PRICE_SERIES`). The share of the fan's width from the choice is the decomposition's source "
        "`price_series` (the width of the change when each draw's series mean of log10 $ per FLOP is replaced "
        "by the mean over all draws, date by date; the same quantile-width share as every other source).",
        "",
        *components,
        "Whether the headline (`gpt3_equivalent_cost`) is this mixture is one constant, "
        "`HEADLINE_IS_SERIES_MIXTURE` in `scaling/pipeline/config.py`, "
        + (f"now on: the headline is the mixture ({weights}), and `gpt3_equivalent_cost_hyperscaler` keeps the "
           "hyperscaler on-demand list price alone (`hyperscaler-on-demand-rw`)." if on else
           f"now off: the headline prices with `{summary.get('headline_series') or 'hyperscaler-on-demand-rw'}`, "
           "the hyperscaler on-demand list price alone, the dearest way to rent."),
        "",
    ]
    entries = summary.get("series_mixture") or {}
    if entries:
        dates = list(next(iter(entries.values()))["training_cost_usd"])
        lines += ["| forecast | price series | " + " | ".join(f"training cost {d[:4]} (90%)" for d in dates)
                  + " | " + " | ".join(f"price-series share {d[:4]}" for d in dates) + " |",
                  "|---|---|" + "---|" * (2 * len(dates))]
        for stem, e in entries.items():
            costs = [f"{_money(r['median'])} [{_money(r['lower'])}, {_money(r['upper'])}]"
                     for r in e["training_cost_usd"].values()]
            shares = [f"{v:.0%}" for v in e["price_series_share"].values()]
            lines.append(f"| `{stem}` | {e.get('price_series') or '-'} | " + " | ".join(costs + shares) + " |")
        lines.append("")
    if SHARES.exists():
        text = SHARES.read_text(encoding="utf-8")
        found = re.search(r"Largest difference over every source, date and quantity: ([0-9.]+) \(([^)]*)\)", text)
        if found:
            link = Path("..") / SHARES.relative_to(ROOT)
            lines += [f"Stable across seeds: at seeds 0, 1 and 2 every source's share of the mixture's and the "
                      f"headline's fan differs by at most {found.group(1)} between seeds ({found.group(2)}; "
                      f"[fan shares]({link.as_posix()})).", ""]
    return lines
