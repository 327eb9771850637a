"""Market checks: the toolkit's prices beside observed training costs and API prices.

Run from the repository root (a few seconds; reads the shipped tables, the saved price trends
in ``fits/`` and the saved forecasts in ``forecasts/``)::

    python validation/market_checks.py          # write the results and the docs section
    python validation/market_checks.py --check  # exit 1 if they are not current

Two checks, written to ``validation/results/market_checks.md`` (with
``market_checks_training.csv`` and ``market_checks_inference.csv``) and pasted between the
markers ``<!-- market-checks:start -->`` and ``<!-- market-checks:end -->`` of
``docs/forecast.md`` (``docs/build_docs.py`` includes the same file when it regenerates the
page):

1. **Training cost, model by model.** For every model of Epoch AI's table with a training
   cost from Cottier et al. (2024), "The rising costs of training frontier AI models",
   arXiv:2405.21015 (``datasets/epoch_training_costs.csv``), the toolkit prices the model's
   training compute on its training hardware at its MFU (Epoch's where given, else
   :data:`scaling.budget.DEFAULT_MFU`) at its publication date, with
   :func:`scaling.budget.from_compute` (FLOPs -> chip-hours -> dollars):

   .. math:: \\text{cost} = \\frac{C}{3600\\,\\text{peak} \\cdot \\text{MFU}} \\times \\$_{chip\\,h}

   on three price bases: ``cloud`` (the chip's median on-demand cloud price within 182 days of
   the date, :func:`scaling.budget.cloud_price`), ``cloud-trend`` (the headline forecast's
   ``hyperscaler-on-demand`` trend line at the date) and ``purchase`` (the purchase basis'
   Bayesian release-price and energy trend lines at the date, the series ``purchase-line``: a
   retrospective, which the lines fit and the forecast's walks, started from the last year's chips,
   do not; total cost of ownership at the
   central values of :class:`scaling.cost.tco.TCOAssumptions`,
   :func:`scaling.cost.tco.usd_per_peak_flop_tco`). Costs are turned into 2023 dollars with
   :func:`scaling.cost.tco.dollar_factor`, Epoch's unit. Cottier et al. amortise purchased
   hardware and add energy, so ``purchase`` is the like-for-like basis.
2. **Inference price.** The forecast's price per million tokens of the GPT-3 equivalent
   (the hyperscaler on-demand forecast, :data:`FORECASTS`, and ``_purchase.csv``) beside published API prices
   (``datasets/api_prices.csv``) at their dates.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scaling import budget, datasets  # noqa: E402
from scaling._dates import decimal_year  # noqa: E402
from scaling.cost.accelerators import resolve_accelerator  # noqa: E402
from scaling.cost.tco import TCOAssumptions, dollar_factor, usd_per_peak_flop_tco  # noqa: E402
from scaling.errors import ScalingError  # noqa: E402
from scaling.pipeline.config import HEADLINE_IS_SERIES_MIXTURE  # noqa: E402

RESULTS = ROOT / "validation" / "results"
RESULT_MD = RESULTS / "market_checks.md"
TRAINING_CSV = RESULTS / "market_checks_training.csv"
INFERENCE_CSV = RESULTS / "market_checks_inference.csv"
DOCS_PAGE = ROOT / "docs" / "forecast.md"
START, END = "<!-- market-checks:start -->", "<!-- market-checks:end -->"

#: Epoch's costs are in 2023 dollars.
BASE_YEAR = 2023
#: Peak used for a chip: the first of these the accelerators table has (pre-2017 GPUs have
#: no tensor cores; their FP16 or FP32 peak is what the training ran at).
PRECISION_ORDER = ("tensor16", "fp16", "fp32")
#: Price bases of the training check: name -> what it is.
BASES = {
    "purchase": "owned hardware: the purchase basis' release-price and energy trend lines at the date "
                "(`purchase-line`: the forecast's walks start from the last year's chips), TCO at the central "
                "Cottier et al. 2024 ranges; like for like with Epoch's amortised cost",
    "cloud": "the chip's median on-demand cloud price within 182 days of the date (scaling.budget.cloud_price)",
    "cloud-trend": "the headline forecast's hyperscaler-on-demand trend line at the date",
}
TRENDS = {"cloud-trend": "trend_hyperscaler-on-demand.json", "purchase": "trend_flops_per_usd_tensor16.json",
          "purchase-energy": "trend_flops_per_watt_tensor16.json"}
#: The summary row of the purchase basis on Epoch's reported chip-hours (the price alone).
CHIP_HOURS_ONLY = "Epoch's chip-hours, no MFU"
#: Forecast files of the inference check: basis -> file in forecasts/. The cloud basis is the
#: hyperscaler on-demand forecast: the headline while it prices with that series alone, its
#: ``_hyperscaler`` variant while the headline is the series mixture (config.HEADLINE_IS_SERIES_MIXTURE).
FORECASTS = {"cloud": f"gpt3_equivalent_cost{'_hyperscaler' if HEADLINE_IS_SERIES_MIXTURE else ''}.csv",
             "purchase": "gpt3_equivalent_cost_purchase.csv"}


# ------------------------------------------------------------------ training costs
def _chip(name: str):
    """(accelerator, precision) for Epoch's hardware name, or (None, why not)."""
    if not isinstance(name, str) or not name.strip():
        return None, "no training hardware named"
    if "," in name:
        return None, "several kinds of hardware"
    try:
        acc = resolve_accelerator(name)
    except ScalingError:
        return None, "hardware not in the accelerators table"
    for precision in PRECISION_ORDER:
        try:
            acc.peak_flops_per_s(precision)
            return acc, precision
        except ScalingError:
            continue
    return None, "no floating-point peak in the accelerators table"


def _trend_usd_per_peak_flop(dates: pd.Series) -> dict[str, np.ndarray]:
    """Dollars per peak FLOP at each date on the trend bases (median trend lines, nominal $)."""
    from scaling.hardware import load_trend

    fits = ROOT / "fits"
    cloud = load_trend(fits / TRENDS["cloud-trend"]).predict(dates)
    per_usd = load_trend(fits / TRENDS["purchase"]).predict(dates)
    per_watt = load_trend(fits / TRENDS["purchase-energy"]).predict(dates)
    central = {k: np.array([v]) for k, v in TCOAssumptions().central().items()}
    purchase = usd_per_peak_flop_tco(np.log10(per_usd)[None, :], np.log10(per_watt)[None, :], central)[0]
    return {"cloud-trend": 1.0 / np.asarray(cloud), "purchase": np.asarray(purchase)}


def _cloud_usd(compute: float, acc, precision: str, mfu: float, date: str) -> tuple[float, float, str]:
    """Nominal dollars, $/chip-hour and price rule on the chip's cloud price at the date (NaN if none)."""
    try:
        b = budget.from_compute(compute, acc.name, mfu=mfu, precision=precision, price_date=date)
    except ScalingError as exc:
        return math.nan, math.nan, f"no cloud price: {str(exc).split(':')[0]}"
    return b.usd, b.rate.usd_per_chip_hour, b.rate.price_rule


def training_table(epoch: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per model of ``epoch_training_costs``: the toolkit's cost on each basis and its ratio to Epoch's.

    Models without compute or without a mapped chip keep their row with ``status`` saying why
    (``compared`` for the rest); a basis without a price leaves that basis blank.
    """
    epoch = datasets.load("epoch_training_costs") if epoch is None else epoch
    dates = epoch["publication_date"].dt.strftime("%Y-%m-%d")
    trend_price = _trend_usd_per_peak_flop(dates)
    to_2023, _ = dollar_factor(dates, BASE_YEAR)
    rows = []
    for i, r in enumerate(epoch.itertuples(index=False)):
        acc, precision = _chip(r.hardware)
        row = {"model": r.model, "domain": r.domain, "publication_date": dates.iloc[i],
               "compute_flops": r.compute_flops, "hardware": r.hardware, "epoch_cost_usd_2023": r.cost_usd_2023}
        if not np.isfinite(r.compute_flops):
            rows.append({**row, "status": "no training compute"})
            continue
        if acc is None:
            rows.append({**row, "status": precision})
            continue
        mfu = float(r.mfu) if np.isfinite(r.mfu) else budget.DEFAULT_MFU
        peak = acc.peak_flops_per_s(precision)
        row.update(status="compared", accelerator=acc.name, precision=precision, peak_flops_per_s=peak, mfu=mfu,
                   mfu_source="Epoch" if np.isfinite(r.mfu) else "toolkit default",
                   usd_2023_per_nominal_usd=to_2023[i])
        usd, per_hour, rule = _cloud_usd(r.compute_flops, acc, precision, mfu, dates.iloc[i])
        row.update(cloud_usd_per_chip_hour=per_hour, cloud_price_rule=rule)
        prices = {"cloud": usd}
        for basis in ("cloud-trend", "purchase"):
            usd_per_chip_hour = trend_price[basis][i] * peak * 3600.0
            b = budget.from_compute(r.compute_flops, acc.name, mfu=mfu, precision=precision,
                                    usd_per_chip_hour=usd_per_chip_hour)
            row[f"{basis}_usd_per_chip_hour"] = usd_per_chip_hour
            prices[basis] = b.usd
        row["chip_hours"] = r.compute_flops / (3600.0 * peak * mfu)
        # the price alone, on Epoch's reported chip-hours (no MFU assumed)
        row["epoch_chip_hours"] = r.chip_hours
        row["purchase_ratio_on_epoch_chip_hours"] = (r.chip_hours * row["purchase_usd_per_chip_hour"] * to_2023[i]
                                                     / r.cost_usd_2023)
        for basis, usd in prices.items():
            row[f"{basis}_cost_usd_2023"] = usd * to_2023[i]
            row[f"{basis}_ratio"] = usd * to_2023[i] / r.cost_usd_2023
        rows.append(row)
    return pd.DataFrame(rows)


def ratio_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Median, quartiles and 10-90% range of toolkit / Epoch per basis, over all and some subsets.

    The last row prices Epoch's reported chip-hours (where it has them) on the purchase basis:
    the price alone, with no MFU assumed.
    """
    compared = table["status"] == "compared"
    subsets = {"all compared": compared,
               "compute >= 1e23 FLOP": compared & (table["compute_flops"] >= 1e23),
               "MFU from Epoch": compared & (table["mfu_source"] == "Epoch")}
    cases = [(basis, name, f"{basis}_ratio", mask) for basis in BASES for name, mask in subsets.items()]
    cases.append(("purchase", CHIP_HOURS_ONLY, "purchase_ratio_on_epoch_chip_hours", compared))
    out = []
    for basis, name, column, mask in cases:
        x = table.loc[mask, column].dropna().to_numpy(dtype=float)
        q = np.quantile(x, [0.1, 0.25, 0.5, 0.75, 0.9]) if len(x) else [math.nan] * 5
        out.append({"basis": basis, "models": name, "n": len(x), "median": q[2], "q25": q[1], "q75": q[3],
                    "q10": q[0], "q90": q[4]})
    return pd.DataFrame(out)


def chip_hour_mismatches(table: pd.DataFrame, factor: float = 100.0) -> pd.DataFrame:
    """Compared models whose chip-hours from compute and MFU differ from Epoch's by more than ``factor``."""
    x = table[(table["status"] == "compared") & table["epoch_chip_hours"].notna()]
    r = x["chip_hours"] / x["epoch_chip_hours"]
    return x[(r > factor) | (r < 1.0 / factor)].assign(chip_hours_ratio=r)


# ------------------------------------------------------------------ inference prices
def _forecast_at(path: Path, dates: pd.Series) -> pd.DataFrame:
    """The forecast's inference $ per million tokens (median, 90% interval) and n_params, log-interpolated."""
    f = pd.read_csv(path)
    f = f[f["level"] == 0.9]
    t = decimal_year(dates)
    out = {}
    for q, col, scale in (("inference_usd_per_1k_tokens", "usd_per_million_tokens", 1000.0),
                          ("n_params", "n_params", 1.0)):
        rows = f[f["quantity"] == q].sort_values("date")
        tq = decimal_year(pd.to_datetime(rows["date"]))
        for stat in ("median", "lower", "upper"):
            out[f"{col}_{stat}"] = scale * np.exp(np.interp(t, tq, np.log(rows[stat].to_numpy(dtype=float))))
    return pd.DataFrame(out, index=dates.index)


def inference_table(prices: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per published API price: the forecast's GPT-3-equivalent price at its date on each basis.

    ``*_at_model_size``: the forecast's median scaled to the API model's parameter count
    (inference FLOPs are 2N per token, so at the same $ per FLOP and utilisation the price
    scales with N), where the count is published.
    """
    prices = datasets.load("api_prices") if prices is None else prices
    dates = prices["date"]
    out = prices[["model", "provider", "usd_per_million_tokens", "price_basis", "n_params", "mmlu_fraction",
                  "source_url"]].copy()
    out.insert(0, "date", dates.dt.strftime("%Y-%m-%d"))
    out = out.rename(columns={"usd_per_million_tokens": "market_usd_per_million_tokens"})
    for basis, name in FORECASTS.items():
        f = _forecast_at(ROOT / "forecasts" / name, dates)
        for stat in ("median", "lower", "upper"):
            out[f"{basis}_usd_per_million_tokens_{stat}"] = f[f"usd_per_million_tokens_{stat}"]
        out[f"{basis}_ratio"] = f["usd_per_million_tokens_median"] / out["market_usd_per_million_tokens"]
        out[f"{basis}_at_model_size_usd_per_million_tokens"] = (
            f["usd_per_million_tokens_median"] * out["n_params"] / f["n_params_median"])
        if basis == "cloud":
            out["equivalent_n_params_median"] = f["n_params_median"]
    return out


def _fall_per_year(dates: pd.Series, values: np.ndarray) -> float:
    t = decimal_year(dates)
    return float(np.exp(-np.polyfit(t, np.log(values), 1)[0]))


# ------------------------------------------------------------------ rendering
def _usd(x: float) -> str:
    from scaling._format import format_usd

    return "-" if not np.isfinite(x) else format_usd(x)


def _x(x: float) -> str:
    return "-" if not np.isfinite(x) else f"x{x:.3g}"


def _per_m(x: float) -> str:
    return "-" if not np.isfinite(x) else f"${x:.3g}"


def _summary_lines(table: pd.DataFrame, summary: pd.DataFrame) -> list[str]:
    compared = table["status"] == "compared"
    excluded = table.loc[~compared, "status"].value_counts()
    lines = [
        f"Of the {len(table)} models of Epoch AI's table with a training cost from Cottier et al. (2024) "
        f"(`datasets/epoch_training_costs.csv`), {int(compared.sum())} are compared and {int((~compared).sum())} "
        "left out: " + "; ".join(f"{n} {why}" for why, n in excluded.items()) + ". Each compared model's "
        "training compute is priced on its training hardware at its MFU (Epoch's value for "
        f"{int((table['mfu_source'] == 'Epoch').sum())} models, else the toolkit's default "
        f"{budget.DEFAULT_MFU:g}) at its publication date with `scaling.budget.from_compute`, and turned into "
        "2023 dollars (Epoch's unit) with the shipped producer price index. Ratio = toolkit / Epoch.",
        "",
        "| basis | models | n | median ratio | quartiles | 10-90% |",
        "|---|---|---|---|---|---|",
    ]
    for r in summary.itertuples():
        lines.append(f"| {r.basis} | {r.models} | {r.n} | {_x(r.median)} | {_x(r.q25)} - {_x(r.q75)} | "
                     f"{_x(r.q10)} - {_x(r.q90)} |")
    lines += [""] + [f"- **{basis}**: {what}." for basis, what in BASES.items()]
    return lines


def _mismatch_text(table: pd.DataFrame) -> str:
    x = table[(table["status"] == "compared") & table["epoch_chip_hours"].notna()]
    ratio = float(np.median(x["chip_hours"] / x["epoch_chip_hours"]))
    bad = chip_hour_mismatches(table)
    names = ", ".join(f"{r.model} ({r.chip_hours:.3g} vs {r.epoch_chip_hours:.3g})" for r in bad.itertuples())
    return (f"where Epoch reports chip-hours ({len(x)} models) the toolkit's, from compute and MFU, are x{ratio:.3g} "
            f"of them at the median, but more than 100-fold apart for {len(bad)}: {names}; Epoch's hours and "
            "cost there are of a fine-tune or a part of the training, its compute of the whole model")


def _large_model_lines(table: pd.DataFrame) -> list[str]:
    big = table[(table["status"] == "compared") & (table["compute_flops"] >= 1e23)]
    lines = ["", "Models of 1e23 FLOP or more (every model: `validation/results/market_checks_training.csv`):", "",
             "| model | date | compute (FLOP) | hardware | MFU | Epoch (2023 $) | purchase | ratio | cloud | ratio |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in big.itertuples():
        mfu = f"{r.mfu:.2f}" + ("" if r.mfu_source == "Epoch" else "*")
        lines.append(f"| {r.model} | {r.publication_date} | {r.compute_flops:.3g} | {r.hardware} | {mfu} | "
                     f"{_usd(r.epoch_cost_usd_2023)} | {_usd(r.purchase_cost_usd_2023)} | {_x(r.purchase_ratio)} | "
                     f"{_usd(r.cloud_cost_usd_2023)} | {_x(r.cloud_ratio)} |")
    lines.append("")
    lines.append(f"\\* the toolkit's default MFU ({budget.DEFAULT_MFU:g}); cloud \"-\": no on-demand price of that "
                 "chip within 182 days of the date in `datasets/cloud_prices.csv`.")
    return lines


def _inference_lines(inf: pd.DataFrame) -> list[str]:
    lines = [
        "| date | model (provider) | MMLU | market $/M tokens | forecast, cloud [90%] | forecast / market | "
        "forecast, purchase | forecast / market | cloud, at the model's size |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in inf.itertuples():
        lines.append(
            f"| {r.date} | [{r.model}]({r.source_url}) ({r.provider}; {r.price_basis}) | {r.mmlu_fraction:.1%} | "
            f"{_per_m(r.market_usd_per_million_tokens)} | {_per_m(r.cloud_usd_per_million_tokens_median)} "
            f"[{_per_m(r.cloud_usd_per_million_tokens_lower)}, {_per_m(r.cloud_usd_per_million_tokens_upper)}] | "
            f"{_x(r.cloud_ratio)} | {_per_m(r.purchase_usd_per_million_tokens_median)} | {_x(r.purchase_ratio)} | "
            + (f"{_per_m(r.cloud_at_model_size_usd_per_million_tokens)} (N = {r.n_params:.3g})"
               if np.isfinite(r.n_params) else "-") + " |")
    return lines


def render(table: pd.DataFrame, inf: pd.DataFrame) -> str:
    """The markdown of ``validation/results/market_checks.md`` (its title, then the docs section)."""
    summary = ratio_summary(table)
    med = summary.set_index(["basis", "models"])["median"]
    first, last = inf.iloc[0], inf.iloc[-1]
    years = decimal_year([last["date"]])[0] - decimal_year([first["date"]])[0]
    market_fall = (first["market_usd_per_million_tokens"] / last["market_usd_per_million_tokens"]) ** (1 / years)
    model_fall = (first["cloud_usd_per_million_tokens_median"] / last["cloud_usd_per_million_tokens_median"]) ** (1 / years)
    n_eq = float(inf["equivalent_n_params_median"].median())
    sized = inf[np.isfinite(inf["n_params"])]
    at_size = sized["cloud_at_model_size_usd_per_million_tokens"] / sized["market_usd_per_million_tokens"]
    early, late = sized.iloc[0], sized.iloc[-1]
    lines = [
        "# Market checks", "",
        "Generated by `python validation/market_checks.py` from the shipped tables, the saved price trends "
        "(`fits/`) and the saved forecasts (`forecasts/`); docs/forecast.md shows it between the "
        "market-checks markers. No number here is typed by hand.", "",
        "### Training cost against Epoch AI (Cottier et al. 2024)", "",
        *_summary_lines(table, summary),
        "",
        f"On the like-for-like basis (Cottier et al. amortise purchased hardware, with server and interconnect "
        f"overheads, and add energy) the toolkit's cost is x{med[('purchase', 'all compared')]:.3g} of Epoch's at "
        f"the median, x{med[('purchase', 'compute >= 1e23 FLOP')]:.3g} for models of 1e23 FLOP or more. The "
        "agreement is partly by construction: the toolkit's TCO takes its server and interconnect overheads from "
        "Cottier et al. The differences: the toolkit prices a new chip of the publication date (the release-price "
        "trend line) where Cottier et al. price the chip actually used at its purchase price when training "
        "started, and it derives chip-hours from compute and MFU where Epoch often has them reported. Priced "
        "on Epoch's own chip-hours, where it reports them, the ratio is "
        f"x{med[('purchase', CHIP_HOURS_ONLY)]:.3g}: the price per chip-hour agrees by itself, not through "
        "offsetting errors of utilisation. Rented "
        f"chips cost x{med[('cloud', 'all compared')]:.2g} (the chip's on-demand price) and "
        f"x{med[('cloud-trend', 'all compared')]:.2g} (the headline cloud trend) of Epoch's amortised cost: "
        "on-demand list prices carry the provider's building, staff, idle capacity and margin, and large "
        "runs pay committed or negotiated prices below them. The headline forecast is on the cloud basis, so its "
        "training costs sit above an owner's cost by about that factor. The widest misses (ratios far from 1 in "
        "the CSV) include rows whose Epoch cost and compute describe different runs: "
        + _mismatch_text(table) + ".",
        *_large_model_lines(table),
        "", "### Inference price against published API prices", "",
        "The forecast's price per million tokens of the GPT-3 equivalent (median and 90% interval of "
        f"`forecasts/{FORECASTS['cloud']}`, cloud basis, and `_purchase.csv`, interpolated to each date) "
        "beside published prices of models at or above GPT-3's MMLU (`datasets/api_prices.csv`, each with its "
        "source). \"At the model's size\": the cloud median scaled to the API model's published parameter count "
        "(2N FLOPs per token: same $ per FLOP and utilisation).", "",
        *_inference_lines(inf), "",
        f"Market prices at GPT-3's MMLU fell x{market_fall:.3g} a year from {first['model']} ({first['date']}) "
        f"to {last['model']} ({last['date']}); Epoch AI (2025, "
        "[LLM inference prices have fallen rapidly but unequally across tasks]"
        "(https://epoch.ai/data-insights/llm-inference-price-trends)) measures 9x to 900x a year at fixed "
        f"performance across benchmarks and thresholds. The forecast's median falls x{model_fall:.3g} a year "
        "over the same dates: hardware price-performance only. The gap is not a fault of the hardware trend "
        "but a different question:", "",
        f"- **Model size.** The forecast serves the compute-optimal model that reaches GPT-3's *loss* "
        f"(median {n_eq:.3g} parameters) at 2N FLOPs per token. The market reaches GPT-3's *MMLU* with far "
        "smaller models, trained far past compute-optimal or distilled from larger ones (Llama 3.2 3B: 3.2B "
        f"parameters). Priced at its own size with the forecast's $ per FLOP, {late['model']} costs "
        f"x{at_size.iloc[-1]:.2g} of its market price (last column): the size, not the price of compute, "
        "makes most of the gap.",
        f"- **Margins early on.** In 2021-22 one 175B model was sold with no competitor at its level; the "
        f"forecast's cost of serving {early['model']}'s {early['n_params']:.3g} parameters then was "
        f"x{at_size.iloc[0]:.2g} of its list price.",
        "- **Serving efficiency the forecast leaves out**: batching beyond the 10-30% utilisation it draws, "
        "8- and 4-bit weights, mixture-of-experts, speculative decoding, cheaper GPU clouds than the "
        "hyperscaler on-demand series, and prices set below cost to win market share.", "",
        "So the forecast's inference price is the cost of serving a fixed compute-optimal GPT-3 equivalent on "
        "improving rented hardware, not a forecast of API prices; read it beside this table.",
    ]
    return "\n".join(lines) + "\n"


def section(markdown: str) -> str:
    """The docs section: the results file without its title line, between the markers."""
    body = markdown.split("\n", 1)[1].strip()
    return f"{START}\n## Market checks\n\n{body}\n{END}"


def update_page(text: str, block: str) -> str:
    """``text`` with ``block`` between the markers (added before "## Known limits", else at the end)."""
    if START in text and END in text:
        head, rest = text.split(START, 1)
        return head + block + rest.split(END, 1)[1]
    anchor = "## Known limits"
    if anchor in text:
        head, tail = text.split(anchor, 1)
        return f"{head}{block}\n\n{anchor}{tail}"
    return text.rstrip("\n") + "\n\n" + block + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the results or the docs are stale")
    args = parser.parse_args(argv)
    table, inf = training_table(), inference_table()
    markdown = render(table, inf)
    page = DOCS_PAGE.read_text(encoding="utf-8")
    new_page = update_page(page, section(markdown))
    if args.check:
        stale = [p for p, ok in ((RESULT_MD, RESULT_MD.exists() and RESULT_MD.read_text(encoding="utf-8") == markdown),
                                 (DOCS_PAGE, new_page == page)) if not ok]
        for p in stale:
            print(f"stale: {p.relative_to(ROOT)} (run python validation/market_checks.py)")
        return 1 if stale else 0
    from scaling._io import atomic_write_text

    RESULTS.mkdir(parents=True, exist_ok=True)
    for path, frame in ((TRAINING_CSV, table), (INFERENCE_CSV, inf)):
        atomic_write_text(path, frame.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
    atomic_write_text(RESULT_MD, markdown)
    atomic_write_text(DOCS_PAGE, new_page)
    print(f"wrote {RESULT_MD.relative_to(ROOT)}, {TRAINING_CSV.name}, {INFERENCE_CSV.name}; updated docs/forecast.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
