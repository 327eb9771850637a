"""Capability figures: the least compute that reached a benchmark score over time (frontier, trend,
Ho et al.'s rate), and accuracy against compute by family with a capability law's curves and bands."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._checks import check_int, check_level
from .._dates import decimal_year
from .._format import INF_TEXT, format_fixed
from ..errors import ScalingError
from ..results import DEFAULT_LEVEL
from .. import _style
from ._base import PALETTE, _finish, _fonts, _new_ax, style
from ._layout import defer_labels, set_legend
from ._units import log_axis, year_axis

#: Source line of the capability table.
CAPABILITY_SOURCE = ("Data: Ruan, Maddison & Hashimoto (2024), arXiv:2405.10938; release dates from Epoch AI, "
                     "Data on AI Models (CC BY 4.0); GPT-3: Brown et al. (2020), Hendrycks et al. (2021)")


def _short_model(name: str) -> str:
    """'microsoft/phi-1_5' -> 'phi-1_5' (the organisation prefix dropped)."""
    return str(name).rsplit("/", 1)[-1]


def capability_frontier(trend, ax=None, *, level=DEFAULT_LEVEL, until: int = 2030, reference: bool = True,
                        size=None, title=None, subtitle=None, source=None):
    r"""The least training compute that reached a benchmark score, by release date.

    Draws every model that reached the score (grey), the observed frontier
    :math:`C^*(t)` (a step down at each record, labelled), the fitted trend of
    :math:`\log_{10} C` on the date with its ``level`` credible band, and -- with
    ``reference`` -- Ho et al.'s (2024, arXiv:2403.05812) rate from the first record:
    compute needed halving every 8 months (95% CI 5-14 months, the dashed lines).

    Parameters
    ----------
    trend : FrontierTrend
        :func:`scaling.forecast.capability.frontier_trend` (read for its ``frontier``,
        ``reaching``, ``points``, ``target``, ``reference`` and draws).
    ax : matplotlib Axes, optional
    level : float
        Probability mass of the trend's band.
    until : int
        Last year drawn (the trend beyond the data is an extrapolation).
    reference : bool
        Draw Ho et al.'s rate for comparison.
    size : {"column", "page", "slide"}, optional
    title, subtitle, source : str, True or None
        ``True`` writes the automatic text, ``None`` leaves the line out.

    Returns
    -------
    matplotlib.axes.Axes
    """
    need = ("frontier", "reaching", "target", "halving", "predict", "reference")
    if not all(hasattr(trend, k) for k in need):
        raise ScalingError(f"capability_frontier needs a FrontierTrend (scaling.forecast.capability.frontier_trend), "
                           f"got {type(trend).__name__}")
    level = check_level(level)
    import matplotlib.dates as mdates

    frontier, reached = trend.frontier, trend.reaching
    t_first = pd.Timestamp(frontier["release_date"].iloc[0])
    last = pd.Timestamp(trend.settings.get("last_release") or reached["release_date"].max())
    end = pd.Timestamp(f"{int(until)}-12-31")
    if end <= last:
        raise ScalingError(f"until {until} must lie after the table's last release ({last.date()})")
    with style(size):
        ax = _new_ax(ax, size)
        fonts = _fonts(ax)
        area = _style.marker_area(ax.figure.__dict__.get("_scaling_size"), 14)
        grid = pd.date_range(t_first, end, periods=160)
        band = trend.predict(grid, level=level)
        h = trend.halving(level)
        upper = format_fixed(h["upper"], 0, nan=INF_TEXT)  # not finite: unbounded
        ax.fill_between(grid, band["lower"], band["upper"], color=PALETTE[0], alpha=0.2, lw=0,
                        label=f"{level:.0%} credible interval (trend)")
        ax.plot(grid, band["median"], color=PALETTE[0],
                label=f"trend: halving every {h['median']:.1f} months [{h['lower']:.1f}, {upper}]")
        if reference:
            med, lo, hi, ref_level = trend.reference
            c0 = float(frontier["compute_flops"].iloc[0])
            dt = decimal_year(grid) - decimal_year([t_first])[0]
            ax.plot(grid, c0 * 2.0 ** (-12.0 * dt / med), color=PALETTE[2], ls="--",
                    label=f"Ho et al. (2024): halving every {med:g} months [{lo:g}, {hi:g}] ({ref_level:.0%})")
            for months in (lo, hi):
                ax.plot(grid, c0 * 2.0 ** (-12.0 * dt / months), color=PALETTE[2], ls=":", lw=0.8)
        steps_x = list(pd.to_datetime(frontier["release_date"])) + [last]
        steps_y = list(frontier["compute_flops"]) + [frontier["compute_flops"].iloc[-1]]
        ax.step(steps_x, steps_y, where="post", color=PALETTE[1], lw=1.6, label="observed frontier (least compute)")
        others = reached[~reached["model"].isin(frontier["model"])]
        ax.scatter(pd.to_datetime(others["release_date"]), others["compute_flops"], s=area, color=PALETTE[7],
                   alpha=0.7, linewidths=0, zorder=3, label="other models reaching the score")
        ax.scatter(pd.to_datetime(frontier["release_date"]), frontier["compute_flops"], s=area * 1.6,
                   color=PALETTE[1], linewidths=0, zorder=4, label="records")
        xs = mdates.date2num(pd.to_datetime(frontier["release_date"]))
        defer_labels(ax, xs, frontier["compute_flops"], [_short_model(m) for m in frontier["model"]],
                     color=PALETTE[1], marker_pt=np.sqrt(area * 1.6),
                     avoid=(mdates.date2num(pd.to_datetime(others["release_date"])), others["compute_flops"]))
        lo_y = float(frontier["compute_flops"].min()) / 1e3
        hi_y = float(max(frontier["compute_flops"].max(), reached["compute_flops"].max())) * 10
        ax.set_ylim(lo_y, hi_y)
        ax.set_xlim(t_first - pd.DateOffset(months=6), end)
        span = (end - t_first).days / 365.25
        year_axis(ax.xaxis, span, ax.figure.get_figwidth() * 0.8, fonts["tick"])
        log_axis(ax.yaxis, "power")
        ax.set_xlabel("release date")
        ax.set_ylabel("training compute (FLOPs)")
        if set_legend(ax) is not None:
            ax.legend(loc="lower left")
        target = trend.target.describe()
        _finish(ax.figure, title, subtitle, source,
                auto_title=f"Least training compute that reached {target.split(' (')[0]}",
                auto_subtitle=(f"{target}; Bayesian log-linear trend over the {len(trend.points)} "
                               f"{trend.settings.get('points', 'frontier')} points; beyond {last.date()} an "
                               "extrapolation"),
                auto_source=CAPABILITY_SOURCE)
    return ax


# ---------------------------------------------------------------------------------------------
# accuracy against compute, by family (scaling.capability)
# ---------------------------------------------------------------------------------------------
#: GPT-3 (Brown et al. 2020): training compute, FLOPs.
GPT3_COMPUTE = 3.14e23
_TITLES = {"mmlu": "MMLU", "arc_c": "ARC-Challenge", "hellaswag": "HellaSwag", "winogrande": "WinoGrande",
           "truthfulqa": "TruthfulQA", "gsm8k": "GSM8K", "xwinograd": "XWinograd", "humaneval": "HumanEval"}
_FAMILY_COLORS = [PALETTE[i] for i in (0, 2, 3, 4, 5, 6)]  # PALETTE[1] marks GPT-3

def _pick_families(models: pd.DataFrame, fit, families, n: int) -> list[str]:
    if families is not None:
        wanted = [families] if isinstance(families, str) else list(families)
        unknown = [f for f in wanted if f not in set(models["family"])]
        if unknown:
            raise ScalingError(f"families not in the data: {', '.join(unknown)}")
        return wanted
    # the largest families, then the most compute-efficient of those with two or more models
    counts = models.groupby("family").size().sort_values(ascending=False, kind="stable")
    big = [f for f in counts.index if f in fit.families][: (n + 1) // 2]
    offsets = {f: fit.params.get(f"offset[{f}]", 0.0) for f in counts.index if counts[f] >= 2 and f not in big
               and f in fit.families}
    return big + sorted(offsets, key=lambda f: -offsets[f])[: n - len(big)]


def capability_curve(fit, models: pd.DataFrame | None = None, ax=None, *, families=None, n_families: int = 4,
                     level: float = DEFAULT_LEVEL, compute_max: float = 1e25, size=None, title=None, subtitle=None,
                     source=None):
    r"""Accuracy against training compute: models by family, the law's curves and bands.

    The grey band and dashed line are a *new* family's :math:`\mathrm{acc} = \chi + (\kappa - \chi)
    \sigma(s(\log_{10} C - m + u))` with :math:`u \sim N(0, \tau^2)` and the residual scatter
    (the interval of a new model's score); coloured lines are the fitted curves of the
    families drawn, through their models. The chance level and GPT-3 (3.14e23 FLOPs; its 5-shot
    MMLU 43.9%, Hendrycks et al. 2021, where the benchmark is MMLU) are marked.

    Parameters
    ----------
    fit : CapabilityFit
        A fit of :mod:`scaling.capability` (:func:`scaling.capability.fit` or ``load``) with draws.
    models : DataFrame, optional
        Models to draw (default :func:`scaling.datasets.load_capability`, GPT-3's row included).
    families : str or list of str, optional
        Families to draw in colour (default: the ``n_families`` with most models).
    level : float
        Probability mass of the band.
    compute_max : float
        Right end of the curves (FLOPs).
    size, title, subtitle, source
        As for every plot (size preset; ``True`` for the automatic caption, ``None`` for none).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..capability import CapabilityFit

    if not isinstance(fit, CapabilityFit):
        raise ScalingError(f"expected a CapabilityFit (scaling.capability.fit or load), got {type(fit).__name__}")
    level = check_level(level)
    n_families = check_int("n_families", n_families, 0, 6)
    if models is None:
        from ..datasets import load_capability

        models = load_capability(include_reference=True)
    b = fit.benchmark
    if b not in models.columns:
        raise ScalingError(f"the models table has no {b!r} column to draw")
    known = models[models["compute_flops"].notna() & models[b].notna()]
    ref = known[known.get("role", pd.Series("observed", index=known.index)).astype(str) == "reference"]
    obs = known.drop(ref.index)
    picked = _pick_families(obs, fit, families, n_families)
    lo_x = float(np.log10(obs["compute_flops"].min())) - 0.2
    grid = np.logspace(lo_x, np.log10(compute_max), 120)
    with style(size):
        ax = _new_ax(ax, size)
        area = _style.marker_area(ax.figure.__dict__.get("_scaling_size"), 12)
        band = fit.predict(pd.DataFrame({"compute_flops": grid}), level=level)
        ax.fill_between(grid, 100 * band["lower"], 100 * band["upper"], color="0.6", alpha=0.25, lw=0,
                        label=f"{level:.0%} interval, a new family's model")
        ax.plot(grid, 100 * fit.predict({"compute_flops": grid}), color="0.3", ls="--",
                label="new family (median)")
        rest = obs[~obs["family"].isin(picked)]
        ax.scatter(rest["compute_flops"], 100 * rest[b], s=area, color=PALETTE[7], alpha=0.5, linewidths=0,
                   label="other families")
        for k, fam in enumerate(picked):
            color = _FAMILY_COLORS[k % len(_FAMILY_COLORS)]
            mine = obs[obs["family"] == fam]
            xs = np.logspace(np.log10(mine["compute_flops"].min()) - 0.3, np.log10(compute_max), 60)
            ax.plot(xs, 100 * fit.predict({"compute_flops": xs, "family": [fam] * xs.size}), color=color, lw=1.2)
            ax.scatter(mine["compute_flops"], 100 * mine[b], s=area * 1.3, color=color, linewidths=0, zorder=3,
                       label=f"{fam} ({len(mine)})")
        ax.axhline(100 * fit.chance, color="0.5", lw=0.8, ls=":", label=f"chance ({100 * fit.chance:.0f}%)")
        ax.axvline(GPT3_COMPUTE, color=PALETTE[1], lw=0.8, ls=":")
        if len(ref):
            ax.scatter(ref["compute_flops"], 100 * ref[b], marker="*", s=area * 4, color=PALETTE[1], zorder=4,
                       linewidths=0, label="GPT-3 (reference, not fitted)")
            defer_labels(ax, ref["compute_flops"], 100 * ref[b], ["GPT-3"], color=PALETTE[1])
        ax.set_xscale("log")
        log_axis(ax.xaxis, "power")
        ax.set_xlim(grid[0], grid[-1])
        ax.set_ylim(0, 100)
        ax.set_xlabel("training compute (FLOPs)")
        ax.set_ylabel(f"{_TITLES.get(b, b)} accuracy (%)")
        if set_legend(ax) is not None:
            ax.legend(loc="upper left")
        what = "least squares, bootstrap" if fit.method == "lsq" else "posterior"
        _finish(ax.figure, title, subtitle, source,
                auto_title=f"{_TITLES.get(b, b)} against training compute, by model family",
                auto_subtitle=f"{fit.law} law fitted to {fit.data_range.get('n_models', '?')} models in "
                              f"{len(fit.families)} families ({what}); GPT-3's compute dotted",
                auto_source=CAPABILITY_SOURCE)
    return ax
