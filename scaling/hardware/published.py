"""Published hardware-trend figures and the markdown comparison of ours against them.

Sources (each row of :data:`PUBLISHED` names its own):

- Hobbhahn & Besiroglu (2022), "Trends in GPU price-performance", Epoch AI,
  https://epoch.ai/blog/trends-in-gpu-price-performance (FLOP/s per $ doubling times,
  all GPUs and ML GPUs, FP32 and FP16).
- Hobbhahn, Heim & Aydos (2023), "Trends in machine learning hardware", Epoch AI,
  https://epoch.ai/blog/trends-in-machine-learning-hardware (ML hardware, per $ and per W).
- Epoch AI, "Machine learning hardware" data hub, https://epoch.ai/data/machine-learning-hardware
  (16-bit performance per $, 2024-25).
- Sunyan (2023), "The Economics of Large Language Models" (the seed article),
  https://sunyan.substack.com/p/the-economics-of-large-language-models (x1.5 per $ and x1.8
  per W per ~2-year hardware generation).
"""

from __future__ import annotations

import math
from typing import Iterable

import pandas as pd

from .._format import format_fixed, format_interval
from ..errors import ScalingError

__all__ = ["PUBLISHED", "published_table", "render_markdown", "seed_growth_per_year", "EPOCH_DOUBLING",
           "epoch_doubling"]


def seed_growth_per_year(factor_per_generation: float, years_per_generation: float = 2.0) -> float:
    """Per-year growth implied by a factor per generation: ``factor ** (1 / years)``."""
    return float(factor_per_generation) ** (1.0 / float(years_per_generation))


def _dt_from_growth(g: float) -> float:
    return math.log(2.0) / math.log(g)


#: Epoch's doubling times (years), each used both in :data:`PUBLISHED` and by the ``epoch`` baseline
#: of :mod:`scaling.hardware.evaluation`: ML hardware FLOP/s per $ and FLOP/s per W (Hobbhahn, Heim &
#: Aydos 2023) and all GPUs' FLOP/s per $ (Hobbhahn & Besiroglu 2022).
_EPOCH_ML_PER_USD, _EPOCH_GPU_PER_USD, _EPOCH_ML_PER_W = 2.1, 2.46, 3.0
#: The ``epoch`` baseline's doubling time per metric: the 5% and 95% points of a lognormal.
#: FLOP/s per $: 2.1 (ML hardware) to 2.46 yr (all GPUs); FLOP/s per W: 3.0 yr, the energy
#: efficiency of ML GPUs (Hobbhahn, Heim & Aydos 2023, "Trends in machine learning hardware",
#: https://epoch.ai/blog/trends-in-machine-learning-hardware), which gives no interval: a fixed rate.
EPOCH_DOUBLING = {"flops_per_usd": (_EPOCH_ML_PER_USD, _EPOCH_GPU_PER_USD),
                  "flops_per_watt": (_EPOCH_ML_PER_W, _EPOCH_ML_PER_W)}


def epoch_doubling(metric: str) -> tuple[float, float]:
    """Epoch's published doubling time of ``metric`` (years; 5% and 95% points, :data:`EPOCH_DOUBLING`);
    cloud FLOP per $ (``flops_per_usd_cloud``) takes the per-$ rate."""
    key = "flops_per_usd" if metric == "flops_per_usd_cloud" else metric
    if key not in EPOCH_DOUBLING:
        raise ScalingError(f"no published Epoch rate for metric {metric!r}; allowed: "
                           f"{', '.join([*EPOCH_DOUBLING, 'flops_per_usd_cloud'])}")
    return EPOCH_DOUBLING[key]


# metric -> list of published figures (doubling years, 90%/95% interval where given)
PUBLISHED: list[dict] = [
    {"source": "Hobbhahn & Besiroglu 2022 (Epoch), 470 GPUs 2006-2021, FP32, OLS", "metric": "flops_per_usd",
     "precision": "fp32", "doubling_years": _EPOCH_GPU_PER_USD, "lower": 2.24, "upper": 2.72, "n": 470},
    {"source": "Hobbhahn & Besiroglu 2022 (Epoch), 26 ML GPUs, FP32", "metric": "flops_per_usd",
     "precision": "fp32", "doubling_years": 2.07, "lower": 1.54, "upper": 3.13, "n": 26},
    {"source": "Hobbhahn & Besiroglu 2022 (Epoch), FP16", "metric": "flops_per_usd", "precision": "fp16",
     "doubling_years": 2.30, "lower": 1.69, "upper": 3.62, "n": 91},
    {"source": "Hobbhahn, Heim & Aydos 2023 (Epoch), ML hardware, bootstrap 5-95%", "metric": "flops_per_usd",
     "precision": "ml", "doubling_years": _EPOCH_ML_PER_USD, "lower": 1.6, "upper": 2.9, "n": None},
    {"source": "Hobbhahn, Heim & Aydos 2023 (Epoch), ML hardware", "metric": "flops_per_watt",
     "precision": "ml", "doubling_years": _EPOCH_ML_PER_W, "lower": None, "upper": None, "n": None},
    {"source": "Epoch data hub 2024-25, 16-bit performance (+28-29%/yr)", "metric": "flops_per_usd",
     "precision": "tensor16", "doubling_years": 2.75, "lower": 2.7, "upper": 2.8, "n": None},
    {"source": "Seed article: x1.5 per ~2-year generation (+22%/yr)", "metric": "flops_per_usd",
     "precision": "any", "doubling_years": _dt_from_growth(seed_growth_per_year(1.5)), "lower": None,
     "upper": None, "n": None},
    {"source": "Seed article: x1.8 per ~2-year generation (+34%/yr)", "metric": "flops_per_watt",
     "precision": "any", "doubling_years": _dt_from_growth(seed_growth_per_year(1.8)), "lower": None,
     "upper": None, "n": None},
]


def published_table(metric: str | None = None) -> pd.DataFrame:
    """Published figures (optionally for one metric; cloud FLOP per $ maps to per $)."""
    df = pd.DataFrame(PUBLISHED)
    df["growth_per_year"] = 2.0 ** (1.0 / df["doubling_years"])
    if metric is not None:
        key = "flops_per_usd" if metric == "flops_per_usd_cloud" else metric
        df = df[df["metric"] == key]
    return df.reset_index(drop=True)


def _fmt_interval(lo, hi) -> str:
    """``[lo, hi]`` with 2 decimals, an infinite end as 'inf'; no interval (None, NaN lower end): ''."""
    if lo is None or hi is None or (isinstance(lo, float) and math.isnan(lo)):
        return ""
    return format_interval(lo, hi, format_fixed, 2, nan="nan", inf="inf")


def _sample(settings: dict) -> str:
    """Short description of the non-default selection of a trend."""
    parts = [f"{k}={settings[k]}" for k in ("vendor", "type", "segment", "since", "before") if settings.get(k)]
    if settings.get("dollars") == "real":
        parts.append(f"real {settings.get('base_year')} $")
    if settings.get("frontier"):
        parts.append("frontier")
    if settings.get("pricing"):
        parts.append(str(settings["pricing"]).replace("_", "-"))
    if "consumer" in settings:
        parts.append("with consumer cards" if settings["consumer"] else "no consumer cards")
    return ", ".join(parts) or "all"


def render_markdown(trends: Iterable, backtests: Iterable = ()) -> str:
    """Markdown tables: our trends (Bayes and OLS), the published figures, the backtests.

    Parameters
    ----------
    trends : iterable of TrendResult
    backtests : iterable of BacktestResult
    """
    lines = ["| metric | precision | sample | method | chips | years | doubling time (yr), median [90%] | "
             "growth per year [90%] | P(no improvement) | max R-hat | min ESS |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for t in trends:
        d, g = t.doubling_time_years, t.growth_per_year
        table = t.summary()  # r_hat, ess_bulk: NaN where not sampled by MCMC (OLS)
        rhat, ess = float(table["r_hat"].max()), float(table["ess_bulk"].min())
        yrs = t.data["year"]
        lines.append(
            f"| {t.metric} | {t.precision} | {_sample(t.settings)} | {t.method} | {t.n_chips} | {yrs.min():.0f}-{yrs.max():.0f} | "
            f"{d['median']:.2f} {_fmt_interval(d['lower'], d['upper'])} | "
            f"x{g['median']:.3f} [{g['lower']:.3f}, {g['upper']:.3f}] | {d['prob_no_improvement']:.3f} | "
            + ("-" if math.isnan(rhat) else f"{rhat:.3f}") + " | " + ("-" if math.isnan(ess) else f"{ess:.0f}") + " |"
        )
    lines += ["", "| published | metric | precision | doubling time (yr) | growth per year |", "|---|---|---|---|---|"]
    for _, r in published_table().iterrows():
        lo = None if r["lower"] is None or pd.isna(r["lower"]) else float(r["lower"])
        hi = None if r["upper"] is None or pd.isna(r["upper"]) else float(r["upper"])
        lines.append(f"| {r['source']} | {r['metric']} | {r['precision']} | {r['doubling_years']:.2f} "
                     f"{_fmt_interval(lo, hi)} | x{r['growth_per_year']:.3f} |")
    bts = list(backtests)
    if bts:
        lines += ["", "| backtest cut-off | metric | precision | method | n train | n test | coverage of 90% PI | "
                      "median abs. error (dex, factor) | median bias (dex) |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for b in bts:
            lines.append(f"| {b.cutoff:%Y-%m-%d} | {b.trend.metric} | {b.trend.precision} | {b.trend.method} | "
                         f"{b.n_train} | {b.n_test} | {b.coverage:.0%} | {b.median_abs_error_log10:.3f} "
                         f"(x{b.median_abs_error_factor:.2f}) | {b.bias_log10:+.3f} |")
    return "\n".join(lines) + "\n"
