"""The main job's summary (``forecasts/summary.json`` and the lines it prints) and the comparison with
the seed article (Sunyan 2023, :mod:`scaling.sunyan2023`, whose numbers it reads)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import sunyan2023
from .._format import format_usd as _money
from ..cost import price_point, training_flops
from .config import CAPABILITY_VARIANT, SERIES_MIXTURE_VARIANT

__all__ = ["seed_comparison"]


def seed_comparison(forecast, loss_fit, cloud_trend) -> dict:
    """Put the forecast beside the seed article's claims (80% cheaper in 2.5 years; $1.4M).

    The article's numbers are those of :mod:`scaling.sunyan2023` (``PUBLISHED``, ``PERIOD``,
    ``ARTICLE_INPUTS`` and its decomposition, :func:`scaling.sunyan2023.factors`).

    The seed's decomposition compares GPT-3 *as built* (175B parameters, 300B tokens,
    21.3% utilisation, mid-2020 hardware) with a compute-optimal equivalent on early-2023
    hardware at 46.2% utilisation, training and inference each with its own factors
    (:func:`scaling.forecast.seed_decomposition`: like for like). Our forecast is
    compute-optimal at every date, so its own change over the period measures the hardware
    trend (and utilisation/algorithmic options). Both views are reported.

    The main job passes the hierarchical panel's forecast and series (``_panel``): 2020-2023 is
    a retrospective, and the panel fits those years' prices, while the headline's random walk
    starts from the last year's (before it, its line is the drift extended back). The series
    is recorded as ``price_series``.
    """
    from ..forecast.sunyan2023 import seed_decomposition

    article, published = sunyan2023.ARTICLE_INPUTS, sunyan2023.PUBLISHED
    start, end = sunyan2023.PERIOD
    change = forecast.change(start, end, "training_cost_usd")
    infer_change = forecast.change(start, end, "inference_usd_per_1k_tokens")
    decomposition = seed_decomposition(loss_fit, cloud_trend, start, end)
    c_gpt3 = training_flops(article["gpt3_n_params"], article["gpt3_n_tokens"])
    lines = np.asarray(cloud_trend.line_draws(pd.to_datetime([end])))
    built_2023 = c_gpt3 / article["mfu_palm"] / float(np.median(10 ** lines[:, 0]))
    fc_2023 = forecast.at(end, "training_cost_usd")
    return {
        "period": [start, end],
        "price_series": forecast.assumptions.get("price_series"),
        "years": decomposition["years"],
        "forecast_training_change": change,
        "forecast_inference_change": infer_change,
        "decomposition": {k: v for k, v in decomposition.items() if k not in ("period", "years", "seed", "rule")},
        "decomposition_rule": decomposition["rule"],
        "gpt3_as_built_2023_cloud_usd_at_46pct": built_2023,
        "gpt3_equivalent_2023_forecast_usd": {k: float(fc_2023[k]) for k in ("median", "lower", "upper")},
        "seed": {"change": -published["gpt3_equivalent_training_decline"].value,
                 "training_cost_usd_2023_tpu_v4": published["gpt3_training_usd_tpu_v4"].value,
                 "decomposition": sunyan2023.factors()},
    }


def _interval(row) -> dict:
    return {k: float(row[k]) for k in ("median", "lower", "upper")} | {"level": float(row["level"])}


def _summary(lsq, bayes, trends, main_fc, forecasts, comparison, seed_table) -> dict:
    from ..sizing import optimal

    opt = optimal(lsq, target="gpt3", level=0.9).summary()
    out = {
        "lsq": {k: float(v) for k, v in lsq.params.items()},
        "gpt3_equivalent": {q: {c: float(opt.loc[q, c]) for c in ("value", "lower", "upper")} for q in opt.index},
        "bayes": None if bayes is None else {k: float(v) for k, v in bayes.params.items()},
        "trends": {},
        "forecast": {},
        "seed_comparison": comparison,
        "seed_rows_reproduced": int(seed_table["reproduces"].astype(str).str.startswith("yes").sum()),
        "seed_rows": int(len(seed_table)),
        "headline_series": main_fc.assumptions.get("price_series"),
        # the weights of the headline's price series when it is the series mixture (None: one series)
        "headline_price_mixture": main_fc.assumptions.get("price_mixture_weights"),
        "forecast_series": {stem: fc.assumptions.get("price_series") for stem, fc in forecasts.items()},
    }
    for stem, tr in trends.items():
        dt = tr.doubling_time_years
        out["trends"][stem] = {k: float(v) for k, v in dict(dt).items() if isinstance(v, (int, float, np.floating))}
    for stem, fc in forecasts.items():
        dates = (*sunyan2023.PERIOD, "2026-01-01", "2030-01-01", f"{fc.dates[-1].year}-10-01")
        out["forecast"][stem] = {
            q: {d: _interval(fc.at(d, q)) for d in dict.fromkeys(dates)}
            for q in ("training_cost_usd", "inference_usd_per_1k_tokens") if q in fc.quantities
        }
    if CAPABILITY_VARIANT in forecasts:
        from ..forecast.capability_cost import summary_entry

        out["capability_equivalent"] = summary_entry(forecasts[CAPABILITY_VARIANT])
    if "gpt3_equivalent_cost_algorithmic" in forecasts:
        from ..forecast.algorithmic import summary_entry as algorithmic_entry

        out["algorithmic"] = algorithmic_entry(forecasts["gpt3_equivalent_cost_algorithmic"])
    if SERIES_MIXTURE_VARIANT in forecasts:
        out["series_mixture"] = {stem: _mixture_entry(forecasts[stem]) for stem in
                                 ("gpt3_equivalent_cost", "gpt3_equivalent_cost_hyperscaler", SERIES_MIXTURE_VARIANT)
                                 if stem in forecasts}
    # How much of the headline fan's width each source of uncertainty contributes, year by year
    # (each source's own 90% width of log10 cost over the sum of the sources' widths:
    # Forecast.width_by_source).
    widths = main_fc.width_by_source("training_cost_usd", yearly=True)
    out["width_by_source"] = {
        "quantity": "training_cost_usd",
        "rows": [{"date": pd.Timestamp(d).date().isoformat(), **{c: float(v) for c, v in row.items()}}
                 for d, row in widths.iterrows()],
    }
    return out



#: Dates of the summary's series-mixture entry.
MIXTURE_DATES = ("2025-01-01", "2030-01-01")


def _mixture_entry(fc) -> dict:
    """Training cost at :data:`MIXTURE_DATES` (median, 90% interval) and the share of the fan from the
    choice of price series (``price_series``; 0 for a forecast on one series)."""
    widths = fc.width_by_source("training_cost_usd", yearly=False)
    share = widths["price_series"] if "price_series" in widths else pd.Series(0.0, index=widths.index)
    return {"label": fc.label, "price_series": fc.assumptions.get("price_series"),
            "price_mixture": fc.assumptions.get("price_mixture"),
            "training_cost_usd": {d: _interval(fc.at(d, "training_cost_usd")) for d in MIXTURE_DATES},
            "price_series_share": {d: float(share.iloc[int(np.argmin(np.abs(share.index - pd.Timestamp(d))))])
                                   for d in MIXTURE_DATES}}


def _headline_pricing(s: dict) -> str:
    """How the headline prices a FLOP, in words: its series, or the series mixture's weights."""
    weights = s.get("headline_price_mixture")
    if s.get("headline_series") == "mixture" and weights:
        return "price mixture: " + ", ".join(f"{k} {w:.0%}" for k, w in weights.items())
    return f"cloud, {s.get('headline_series') or 'cloud'}"


def _summary_lines(s: dict) -> list[str]:
    g = s["gpt3_equivalent"]
    lines = ["", "Summary", "-------"]
    p = s["lsq"]
    lines.append(
        f"Chinchilla law (least squares): E={p['E']:.4f} A={p['A']:.1f} B={p['B']:.1f} "
        f"alpha={p['alpha']:.4f} beta={p['beta']:.4f}"
    )
    if s["bayes"]:
        b = s["bayes"]
        lines.append(
            f"Chinchilla law (posterior median): E={b['E']:.4f} A={b['A']:.1f} B={b['B']:.1f} "
            f"alpha={b['alpha']:.4f} beta={b['beta']:.4f}"
        )
    for key in ("n_params", "n_tokens", "compute_flops"):
        if key in g:
            v = g[key]
            lines.append(f"GPT-3-equivalent compute-optimal {key}: {v['value']:.3g} [{v['lower']:.3g}, {v['upper']:.3g}] (90%)")
    for stem, dt in s["trends"].items():
        if "median" in dt:
            lo, hi = dt.get("lower", float("nan")), dt.get("upper", float("nan"))
            span = " (fixed drift)" if lo == hi else f" [{lo:.2f}, {hi:.2f}]"
            lines.append(f"{stem}: doubling time {dt['median']:.2f} yr{span}")
    fc = s["forecast"]["gpt3_equivalent_cost"]
    for q, rows in fc.items():
        for d, r in rows.items():
            val = _money(r["median"]) if q == "training_cost_usd" else f"${r['median']:.3g}"
            lo = _money(r["lower"]) if q == "training_cost_usd" else f"${r['lower']:.3g}"
            hi = _money(r["upper"]) if q == "training_cost_usd" else f"${r['upper']:.3g}"
            lines.append(f"GPT-3-equivalent {q} ({_headline_pricing(s)}) {d}: {val} [{lo}, {hi}] ({r['level']:.0%})")
    for stem, e in s.get("series_mixture", {}).items():
        costs = ", ".join(f"{d[:4]} {_money(r['median'])} [{_money(r['lower'])}, {_money(r['upper'])}]"
                          for d, r in e["training_cost_usd"].items())
        shares = ", ".join(f"{d[:4]} {v:.0%}" for d, v in e["price_series_share"].items())
        lines.append(f"{stem} ({e['label']}): training {costs} (90%); price-series share of the fan {shares}")
    if "capability_equivalent" in s:
        from ..forecast.capability_cost import summary_lines

        lines += summary_lines(s["capability_equivalent"], s["forecast"][CAPABILITY_VARIANT]["training_cost_usd"])
    c = s["seed_comparison"]
    ch = c["forecast_training_change"]
    dec = c["decomposition"]
    seed, mfu = c["seed"], sunyan2023.ARTICLE_INPUTS["mfu_palm"]
    lines.append(
        f"Change mid-2020 -> early 2023 ({c.get('price_series') or 'cloud'}), compute-optimal at both dates "
        f"(hardware trend only): "
        f"{ch['median']:+.0%} [{ch['lower']:+.0%}, {ch['upper']:+.0%}]  (seed: about {seed['change']:+.0%})"
    )
    lines.append(
        f"Seed-style decomposition with our fits: params x{dec['params_ratio_vs_gpt3']:.2f}, compute x{dec['compute_ratio_vs_gpt3']:.2f}, "
        f"$/FLOP x{dec['usd_per_flop_ratio_hardware_trend']:.2f}, utilisation x{dec['utilisation_ratio']:.2f} -> "
        f"training {dec['training_cost_ratio'] - 1:+.0%}, inference {dec['inference_cost_ratio'] - 1:+.0%} "
        f"(seed: {seed['decomposition']['training'] - 1:+.0%}, {seed['decomposition']['inference'] - 1:+.0%})"
    )
    lines.append(
        f"GPT-3 as built at {mfu:.1%} utilisation, early-2023 cloud trend: "
        f"{_money(c['gpt3_as_built_2023_cloud_usd_at_46pct'])} (seed: {_money(seed['training_cost_usd_2023_tpu_v4'])} "
        f"on TPU v4 at ${price_point('gcp-tpu-v4-1yr').value:.2f}/chip-hour)"
    )
    lines.append(f"Seed article rows reproduced as published: {s['seed_rows_reproduced']} of {s['seed_rows']}")
    return lines
