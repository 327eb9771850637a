"""Rolling-origin backtests of every price trend the forecast uses, and the specification curve.

Run from the repository root (about 20-30 minutes on 2 shared cores; the panel fits dominate)::

    python validation/backtests.py            # everything
    python validation/backtests.py --quick    # OLS specification curve only (seconds)

For every yearly cut-off 2016-01-01 ... 2023-01-01 each trend is fitted on the points dated
before the cut-off with the model the forecast uses (Bayesian; sampler settings below) and
scored on the points dated on or after it: coverage of the central 50% and 90% predictive
intervals, the 90% interval score (Gneiting & Raftery 2007; dex, lower is better) and the
median absolute error of the predictive median (dex and factor). Cut-offs with fewer than 3
chips before them are reported as not scorable.

Writes ``validation/results/price_backtests.json``, ``validation/results/price_backtests.md``
(included in ``docs/hardware-trends.md`` by ``docs/build_docs.py``) and
``validation/results/specification_curve.png``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scaling.hardware.backtest import score_draws  # noqa: E402
from scaling.hardware.data import MIN_CHIPS, TrendData, trend_data  # noqa: E402
from scaling.hardware.panel import fit_panel, panel_data, series_trend  # noqa: E402
from scaling.hardware.trend import LOG10_2, fit_prepared  # noqa: E402

OUT = ROOT / "validation" / "results"
CUTOFFS = [f"{y}-01-01" for y in range(2016, 2024)]
#: Sampler settings of the backtest fits (the shipped fits use draws=1000, tune=1000 for the panel).
SAMPLER = dict(draws=500, chains=2, tune=500, seed=0)
#: trend name -> (metric, precision, description)
PURCHASE = {"purchase-per-usd-tensor16": ("flops_per_usd", "tensor16", "FLOP/s per $ of release price"),
            "purchase-per-watt-tensor16": ("flops_per_watt", "tensor16", "FLOP/s per W of TDP")}
CLOUD = ("hyperscaler-on-demand", "lowest-available", "pooled")


def _split(td: TrendData, cutoff: str) -> tuple[TrendData, pd.DataFrame] | None:
    t = pd.Timestamp(cutoff)
    d = td.data
    train = d.loc[d["date"] < t].reset_index(drop=True)
    test = d.loc[d["date"] >= t].reset_index(drop=True)
    if train["name"].nunique() < MIN_CHIPS or test.empty:
        return None
    return TrendData(metric=td.metric, precision=td.precision, data=train, dropped=td.dropped,
                     filters=td.filters, notes=td.notes, settings={**td.settings, "before": cutoff}), test


def _new_draws(trend, test: pd.DataFrame, rng) -> np.ndarray:
    """Predictive draws (log10) of the test points: the trend line plus Student-t scatter."""
    lines = trend.line_draws(test["date"])
    nu = trend.draws["nu"].to_numpy(dtype=float)[:, None]
    sigma = trend.draws["sigma"].to_numpy(dtype=float)[:, None]
    eps = np.where(np.isfinite(nu), rng.standard_t(np.where(np.isfinite(nu), nu, 1.0), size=lines.shape),
                   rng.standard_normal(lines.shape))
    return lines + sigma * eps


def _row(trend_name, cutoff, n_train, fit, scores) -> dict:
    d = fit.doubling_time_years if fit is not None else {}
    return {"trend": trend_name, "cutoff": cutoff, "n_train": n_train, **scores,
            "doubling_years": d.get("median", np.nan), "doubling_lower": d.get("lower", np.nan),
            "doubling_upper": d.get("upper", np.nan)}


def run_backtests(log=print) -> pd.DataFrame:
    rows = []
    rng = np.random.default_rng(20240101)
    for name, (metric, precision, _) in PURCHASE.items():
        full = trend_data(None, metric, precision)
        for c in CUTOFFS:
            split = _split(full, c)
            if split is None:
                rows.append({"trend": name, "cutoff": c, "n_train": int((full.data["date"] < c).sum())})
                continue
            train, test = split
            t = time.perf_counter()
            fit = fit_prepared(train, "bayes", **SAMPLER)
            rows.append(_row(name, c, len(train.data), fit,
                             score_draws(test["log10_value"], _new_draws(fit, test, rng))))
            log(f"{name} {c}: {time.perf_counter() - t:.0f} s, {rows[-1]}")
    pooled_full = trend_data(None, "flops_per_usd_cloud", "tensor16")
    panel_full = panel_data()
    for c in CUTOFFS:
        split = _split(pooled_full, c)
        if split is None:
            rows.append({"trend": "pooled", "cutoff": c, "n_train": int((pooled_full.data["date"] < c).sum())})
        else:
            train, test = split
            fit = fit_prepared(train, "bayes", **SAMPLER)
            rows.append(_row("pooled", c, len(train.data), fit,
                             score_draws(test["log10_value"], _new_draws(fit, test, rng))))
            log(f"pooled {c}: {rows[-1]}")
        split = _split(panel_full, c)
        if split is None:
            for s in ("hyperscaler-on-demand", "lowest-available", "spec:hierarchical"):
                rows.append({"trend": s, "cutoff": c, "n_train": int((panel_full.data["date"] < c).sum())})
            continue
        train, test = split
        t = time.perf_counter()
        panel = fit_panel(train, **{**SAMPLER, "tune": 2 * SAMPLER["tune"]})
        secs = time.perf_counter() - t
        for s in ("hyperscaler-on-demand", "lowest-available"):
            tr = series_trend(panel, s)
            kind, tier = tr.settings["provider_kind"], tr.settings["pricing"]
            seg = test.loc[(test["provider_kind"] == kind) & (test["pricing_tier"] == tier)]
            sc = score_draws(seg["log10_value"], _new_draws(tr, seg, rng)) if len(seg) else {"n_test": 0}
            rows.append({**_row(s, c, len(train.data), tr, sc), "segment": f"{kind}/{tier}", "seconds": secs})
        hyp = test.loc[(test["provider_kind"] == "hyperscaler") & (test["pricing_tier"] == "on_demand")]
        rows.append(_row("spec:hierarchical", c, len(train.data), series_trend(panel, "hyperscaler-on-demand"),
                         score_draws(hyp["log10_value"], panel.predict_points(hyp, rng))))
        log(f"panel {c}: {secs:.0f} s, {rows[-3:]}")
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ specification curve (OLS)
def _ols(y, X):
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    dof = max(len(y) - X.shape[1], 1)
    s2 = float(resid @ resid / dof)
    cov = s2 * np.linalg.pinv(X.T @ X)
    return beta, cov, s2, dof


def _design(d: pd.DataFrame, t0: float, effect: str | None, levels=None):
    x = d["year"].to_numpy(dtype=float) - t0
    cols = [np.ones(len(d)), x]
    levels = levels if levels is not None else (sorted(d[effect].unique())[1:] if effect else [])
    for lv in levels:
        cols.append((d[effect] == lv).to_numpy(dtype=float))
    return np.column_stack(cols), levels


def spec_ols(d: pd.DataFrame, effect: str | None, cluster: str | None = None, test: pd.DataFrame | None = None,
             rng=None):
    """OLS of log10 y on year (+ fixed effects); doubling time and, with ``test``, predictive draws."""
    t0 = round(float(d["year"].mean()), 2)
    X, levels = _design(d, t0, effect)
    y = d["log10_value"].to_numpy(dtype=float)
    beta, cov, s2, dof = _ols(y, X)
    if cluster:  # CR1 cluster-robust covariance by chip (Cameron & Miller 2015)
        resid = y - X @ beta
        bread = np.linalg.pinv(X.T @ X)
        g = d[cluster].to_numpy()
        meat = sum(np.outer(X[g == k].T @ resid[g == k], X[g == k].T @ resid[g == k]) for k in np.unique(g))
        n_g, n, k = len(np.unique(g)), len(y), X.shape[1]
        cov = (n_g / (n_g - 1)) * ((n - 1) / (n - k)) * bread @ meat @ bread
        dof = n_g - 1
    draws = 4000
    rng = rng or np.random.default_rng(0)
    coef = rng.multivariate_normal(beta, cov, size=draws) / np.sqrt(rng.chisquare(dof, size=draws) / dof)[:, None]
    slope = coef[:, 1]
    dt = np.where(slope > 0, LOG10_2 / np.where(slope > 0, slope, 1), np.inf)
    out = {"doubling_years": float(np.median(dt)), "doubling_lower": float(np.quantile(dt, 0.05)),
           "doubling_upper": float(np.quantile(dt, 0.95)), "n": len(d)}
    if test is not None and len(test):
        Xt = np.column_stack([np.ones(len(test)), test["year"].to_numpy(dtype=float) - t0]
                             + [(test[effect] == lv).to_numpy(dtype=float) for lv in levels])
        line = coef @ Xt.T
        if effect:  # an unseen level: mean effect plus the spread of the effects
            eff = np.r_[0.0, beta[2:]]
            seen = test[effect].isin(set(d[effect])).to_numpy()
            line[:, ~seen] += eff.mean() + eff.std(ddof=1) * rng.standard_normal((draws, int((~seen).sum())))
        sigma = np.sqrt(s2)
        out["pred"] = line + sigma * rng.standard_t(max(dof, 1), size=line.shape)
    return out


SPECS = {
    "pooled": dict(filters={}, effect=None),
    "pooled, chip-clustered": dict(filters={}, effect=None, cluster="name"),
    "no consumer cards": dict(filters={"consumer": False}, effect=None),
    "hyperscalers only": dict(filters={"provider_kind": "hyperscaler"}, effect=None),
    "provider effects": dict(filters={}, effect="provider"),
    "chip effects": dict(filters={}, effect="name"),
}


def specification_curve(backtest_rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Doubling time, 90% interval and backtest scores of each specification.

    Backtest score of every specification: the later hyperscaler on-demand prices (the
    headline series' population) at the cut-offs 2019-2023, mean coverage and interval score.
    """
    rng = np.random.default_rng(7)
    rows = []
    for name, spec in SPECS.items():
        td = trend_data(None, "flops_per_usd_cloud", "tensor16", **spec["filters"])
        full = spec_ols(td.data, spec["effect"], spec.get("cluster"), rng=rng)
        scores = []
        for c in CUTOFFS:
            split = _split(td, c)
            if split is None:
                continue
            train, test = split
            test = test.loc[test["provider_kind"] == "hyperscaler"]
            r = spec_ols(train.data, spec["effect"], spec.get("cluster"), test=test, rng=rng)
            if "pred" in r:
                scores.append(score_draws(test["log10_value"], r["pred"]))
        sc = pd.DataFrame(scores)
        rows.append({"specification": name, "model": "OLS", "n": full["n"], "doubling_years": full["doubling_years"],
                     "doubling_lower": full["doubling_lower"], "doubling_upper": full["doubling_upper"],
                     "coverage_90": sc["coverage_90"].mean(), "coverage_50": sc["coverage_50"].mean(),
                     "interval_score_90": sc["interval_score_90"].median(), "n_cutoffs": len(sc)})
    if backtest_rows is not None:
        for trend, label in (("pooled", "pooled (Bayes, robust)"), ("spec:hierarchical", "hierarchical (Bayes)")):
            sc = backtest_rows.loc[(backtest_rows["trend"] == trend) & backtest_rows["coverage_90"].notna()]
            rows.append({"specification": label, "model": "Bayes", "n": np.nan, "doubling_years": np.nan,
                         "doubling_lower": np.nan, "doubling_upper": np.nan,
                         "coverage_90": sc["coverage_90"].mean(), "coverage_50": sc["coverage_50"].mean(),
                         "interval_score_90": sc["interval_score_90"].median(), "n_cutoffs": len(sc)})
    return pd.DataFrame(rows)


def _fmt(x, f="{:.2f}"):
    return "-" if x is None or (isinstance(x, float) and not np.isfinite(x)) else f.format(x)


def render(spec: pd.DataFrame, bt: pd.DataFrame | None) -> str:
    lines = ["## Specification curve of the cloud price trend", "",
             "Peak tensor-FP16 FLOP per $ of rental against the price's date. Backtest score: fitted before "
             "each yearly cut-off 2019-2023, scored on the later hyperscaler on-demand prices (the population "
             "of the headline series); coverage of the 90% and 50% predictive intervals (mean over cut-offs) "
             "and the median over cut-offs of the mean 90% interval score (Gneiting & Raftery 2007; dex, lower is better).", "",
             "| specification | model | prices | doubling (yr) [90%] | coverage 90% | coverage 50% | "
             "interval score 90% (dex) | cut-offs |", "|---|---|---|---|---|---|---|---|"]
    for _, r in spec.iterrows():
        dt = "-" if not np.isfinite(r["doubling_years"]) else (
            f"{r['doubling_years']:.2f} [{_fmt(r['doubling_lower'])}, {_fmt(r['doubling_upper'])}]")
        lines.append(f"| {r['specification']} | {r['model']} | {_fmt(r['n'], '{:.0f}')} | {dt} | "
                     f"{_fmt(r['coverage_90'], '{:.0%}')} | {_fmt(r['coverage_50'], '{:.0%}')} | "
                     f"{_fmt(r['interval_score_90'])} | {r['n_cutoffs']} |")
    lines += ["", "![Specification curve](../validation/results/specification_curve.png)", ""]
    if bt is not None:
        lines += ["## Rolling-origin backtests of the trends the forecast uses", "",
                  f"Bayesian fits ({SAMPLER['chains']} chains x {SAMPLER['draws']} draws) on the points before "
                  "each cut-off, scored on every later point of the same population with the predictive "
                  "distribution the forecast uses (trend line plus the scatter of a new chip or price). "
                  "Goal: 90% intervals covering 80-97%. '-': fewer than 3 chips before the cut-off.", "",
                  "| trend | cut-off | n train | n test | doubling (yr) [90%] | coverage 50% | coverage 90% | "
                  "interval score 90% (dex) | median abs. error (dex, factor) | bias (dex) |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for _, r in bt.loc[~bt["trend"].str.startswith("spec:")].iterrows():
            if not np.isfinite(r.get("coverage_90", np.nan)):
                lines.append(f"| {r['trend']} | {r['cutoff']} | {r['n_train']:.0f} | - | - | - | - | - | - | - |")
                continue
            lines.append(
                f"| {r['trend']} | {r['cutoff']} | {r['n_train']:.0f} | {r['n_test']:.0f} | "
                f"{_fmt(r['doubling_years'])} [{_fmt(r['doubling_lower'])}, {_fmt(r['doubling_upper'])}] | "
                f"{r['coverage_50']:.0%} | {r['coverage_90']:.0%} | {r['interval_score_90']:.2f} | "
                f"{r['median_abs_error_dex']:.2f} (x{r['median_abs_error_factor']:.2f}) | {r['bias_dex']:+.2f} |")
    return "\n".join(lines) + "\n"


def figure(spec: pd.DataFrame, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = spec.loc[np.isfinite(spec["doubling_years"])].reset_index(drop=True)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 0.5 * len(s) + 1.5), sharey=True)
    yy = np.arange(len(s))
    hi = np.minimum(s["doubling_upper"], 30)
    ax.errorbar(s["doubling_years"], yy, xerr=[s["doubling_years"] - s["doubling_lower"], hi - s["doubling_years"]],
                fmt="o", capsize=3)
    ax.set_yticks(yy, s["specification"] + " (" + s["model"] + ")")
    ax.set_xlabel("doubling time of cloud FLOP per $ (years), 90% interval")
    ax.set_xscale("log")
    ax2.barh(yy, s["interval_score_90"])
    ax2.set_xlabel("backtest 90% interval score (dex, lower is better)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="OLS specification curve only")
    ap.add_argument("--draws", type=int, default=SAMPLER["draws"], help="draws per chain of every fit")
    ap.add_argument("--cutoffs", default=None, help="comma-separated years (default 2016-2023)")
    args = ap.parse_args(argv)
    SAMPLER["draws"] = SAMPLER["tune"] = args.draws
    if args.cutoffs:
        CUTOFFS[:] = [f"{y.strip()}-01-01" for y in args.cutoffs.split(",")]
    OUT.mkdir(parents=True, exist_ok=True)
    bt = None
    if not args.quick:
        bt = run_backtests()
    spec = specification_curve(bt)
    if bt is not None:
        from scaling.hardware.panel import fit_series
        t = time.perf_counter()
        h = fit_series("hyperscaler-on-demand", seed=0, draws=1000, tune=1000)
        d = h.doubling_time_years
        spec = pd.concat([spec, pd.DataFrame([{
            "specification": "hierarchical: hyperscaler-on-demand (Bayes, full data)", "model": "Bayes",
            "n": len(panel_data().data), "doubling_years": d["median"], "doubling_lower": d["lower"],
            "doubling_upper": d["upper"], "coverage_90": np.nan, "coverage_50": np.nan,
            "interval_score_90": np.nan, "n_cutoffs": 0, "seconds": time.perf_counter() - t}])], ignore_index=True)
    payload = {"specification_curve": spec.to_dict("records"),
               "backtests": None if bt is None else bt.to_dict("records"), "sampler": SAMPLER}
    (OUT / "price_backtests.json").write_text(json.dumps(payload, indent=1, default=float) + "\n")
    (OUT / "price_backtests.md").write_text(render(spec, bt))
    figure(spec, OUT / "specification_curve.png")
    print(render(spec, bt))


if __name__ == "__main__":
    main()
