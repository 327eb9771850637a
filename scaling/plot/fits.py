"""Figures of a loss law over model size, tokens and compute: IsoFLOP profiles, loss contours,
compute-optimal allocation.

The fit against its runs is drawn by :mod:`.residuals`, parameter uncertainty by :mod:`.params`
(their functions are importable from here too, as before the split).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._checks import check_level
from ..errors import ScalingError
from ..results import DEFAULT_LEVEL, interval
from .. import _style
from ._base import (PALETTE, _data_range, _draws, _finish, _fit_label, _fit_source, _fonts, _grid_law, _law_params,
                    _law_title, _loss_name, _method, _mpl, _new_ax, _reference_models, _runs, _source_of, _tag,
                    _u_text, _unique_match, style)
from ._docs import fill_doc
from ._layout import defer_labels, optional, over, readable_on, set_legend
from ._units import count_label, flops_label, log_axis
from .params import param_pairs  # noqa: F401  (scaling.plot.fits.param_pairs, as before the split)
from .residuals import fit_residuals, residual_warnings  # noqa: F401  (likewise)

#: The nine IsoFLOP budgets of Hoffmann et al. (2022), Figure 3 (FLOPs).
HOFFMANN_BUDGETS = (6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21)

#: Number of budgets :func:`isoflop_budgets` spreads over runs not on a few compute levels.
N_DATA_BUDGETS = 5


def _round_sig(x: np.ndarray, digits: int = 1) -> np.ndarray:
    """``x`` rounded to ``digits`` significant figures (round labels: 3e18, not 2.87e18)."""
    exp = np.floor(np.log10(x))
    return np.round(x / 10 ** (exp - digits + 1)) * 10 ** (exp - digits + 1)


def isoflop_budgets(runs, *, band_decades: float = 0.15) -> np.ndarray:
    r"""IsoFLOP budgets (FLOPs) chosen from the runs' training compute :math:`C = 6ND`.

    - the shipped Chinchilla runs: :data:`HOFFMANN_BUDGETS` (Hoffmann et al. 2022, Fig. 3);
    - runs on at most nine compute levels (an IsoFLOP design: gaps between sorted
      :math:`\log_{10} C` above ``band_decades`` separate the levels, each at most
      ``2 * band_decades`` wide): each level's median;
    - otherwise :data:`N_DATA_BUDGETS` budgets log-spaced over the runs' compute range;
    - no runs: :data:`HOFFMANN_BUDGETS`.

    Excluded runs count too (they are drawn, hollow). Budgets are rounded to one
    significant figure when that keeps them distinct, else two.

    Parameters
    ----------
    runs : DataFrame or None
        With a ``compute_flops`` column.
    band_decades : float
        Gap in log10(FLOPs) that separates two compute levels.

    Returns
    -------
    numpy.ndarray
        Increasing budgets in FLOPs.
    """
    if runs is None or runs is False or len(runs) == 0:
        return np.asarray(HOFFMANN_BUDGETS, dtype=float)
    if runs.attrs.get("source") == "chinchilla_runs":
        return np.asarray(HOFFMANN_BUDGETS, dtype=float)
    log_c = np.sort(np.log10(runs["compute_flops"].to_numpy(dtype=float)))
    levels = np.split(log_c, np.flatnonzero(np.diff(log_c) > band_decades) + 1)
    if len(levels) <= len(HOFFMANN_BUDGETS) and all(lv[-1] - lv[0] <= 2 * band_decades for lv in levels):
        budgets = 10 ** np.array([np.median(lv) for lv in levels])
    else:
        budgets = np.geomspace(10 ** log_c[0], 10 ** log_c[-1], N_DATA_BUDGETS)
    for digits in (1, 2, 3):
        rounded = np.unique(_round_sig(budgets, digits))
        if len(rounded) == len(budgets):
            return rounded
    return budgets


def _isoflop_runs_and_budgets(fit, runs, budgets, u, band_decades):
    """The runs an IsoFLOP figure draws (those on the unique data ``u`` for a law with covariates;
    an empty table for none), its checked budgets (FLOPs), and ``(matching runs, all runs)``
    when drawn at ``u`` (else None)."""
    matched = None
    if runs is not None and u is not None:
        match = _unique_match(_law_params(fit)[0], runs, u)
        matched = (int(match.sum()), len(runs))
        if budgets is None and not match.any():  # no run on this unique data: budgets from all of them
            budgets = isoflop_budgets(runs, band_decades=band_decades)
        runs = runs[match]
    try:
        budgets = np.asarray(isoflop_budgets(runs, band_decades=band_decades) if budgets is None else budgets,
                             dtype=float)
    except (TypeError, ValueError):
        raise ScalingError(f"budgets must be a sequence of positive FLOP counts, got {budgets!r}") from None
    if budgets.ndim != 1 or budgets.size == 0 or not np.all(np.isfinite(budgets) & (budgets > 0)):
        raise ScalingError(f"budgets must be a non-empty sequence of positive FLOP counts, got {budgets!r}")
    if runs is None:
        runs = pd.DataFrame({c: np.zeros(0) for c in ("n_params", "n_tokens", "compute_flops", "loss")}
                            ).assign(excluded=np.zeros(0, dtype=bool))
    return runs, budgets, matched


@fill_doc
def isoflop(fit, runs=None, budgets=None, ax=None, *, band_decades: float = 0.15, n_unique_tokens=None,
            size=None, title=None, subtitle=None, source=None):
    r"""IsoFLOP profiles: loss against parameters at fixed compute (Hoffmann et al. 2022, Fig. 3/4).

    For each budget :math:`C` the fitted law is drawn along :math:`D = C / (6N)`
    (chinchilla: :math:`L(N) = E + A N^{-\alpha} + B (C/6N)^{-\beta}`), with its minimum
    (the compute-optimal :math:`N_{opt}`, :meth:`scaling.laws.Law.allocate`) marked, and the runs whose
    compute lies within ``band_decades`` (in log10) of that budget as points.

    A law with covariates is drawn at ``n_unique_tokens`` :math:`U` (data_constrained:
    :math:`L(N, C/6N, U)`, a pool of :math:`U` unique tokens, Muennighoff et al. 2023), and
    only the runs that curve describes are drawn: those on the same unique data, within
    :data:`scaling.plot.U_MATCH_RTOL` (5%), counting for a run of :math:`D` tokens the
    :math:`\min(U_i, D)` it sees (so single-epoch runs of at most :math:`U` tokens match).
    Runs on other unique data would sit off the curves by design; the subtitle gives how
    many runs match, and the budgets are chosen from them (from all runs when none match).

    Parameters
    ----------
    fit : FitResult, BayesFitResult or dict
        A fitted result of any law, or a dict of a law's parameters.
    runs : DataFrame or False, optional
        Training runs (``n_params``, ``n_tokens``, ``compute_flops``, ``loss``,
        ``excluded``); default the fit's own runs (:func:`scaling.plot.runs_of`; none
        when they cannot be found); ``False`` for none. Excluded runs are hollow.
    budgets : sequence of float, optional
        Compute budgets in FLOPs; default chosen from the runs
        (:func:`isoflop_budgets`: :data:`HOFFMANN_BUDGETS` for the Chinchilla runs).
    ax : matplotlib Axes, optional
    band_decades : float
        Half-width in log10(FLOPs) of the window that assigns runs to a budget.
    {unique}
    {captions}

    Returns
    -------
    matplotlib.axes.Axes
    """
    law, params, u = _grid_law(fit, n_unique_tokens)
    runs = _runs(runs, fit)
    loss_name = _loss_name(runs, fit)
    runs, budgets, matched = _isoflop_runs_and_budgets(fit, runs, budgets, u, band_decades)
    matplotlib, _ = _mpl()
    with style(size):
        ax = _new_ax(ax, size)
        area = _style.marker_area(ax.figure.__dict__.get("_scaling_size"), 14)
        cmap = matplotlib.colormaps["viridis"]
        n_opt, _ = law.allocate(params, budgets)
        log_c = np.log10(runs["compute_flops"].to_numpy())
        excluded = runs["excluded"].to_numpy(dtype=bool)
        for k, (c, n_star) in enumerate(zip(budgets, n_opt)):
            color = cmap(k / max(len(budgets) - 1, 1) * 0.9)
            near = np.abs(log_c - np.log10(c)) <= band_decades
            lo, hi = n_star / 30.0, n_star * 30.0
            if near.any():
                lo = min(lo, runs["n_params"][near].min() / 1.5)
                hi = max(hi, runs["n_params"][near].max() * 1.5)
            n = np.geomspace(lo, hi, 200)
            ax.plot(n, law.predict(params, n, c / (6 * n)), color=color, label=f"{flops_label(c)} FLOPs")
            for mask, face in ((near & ~excluded, color), (near & excluded, "none")):
                if mask.any():
                    ax.scatter(runs["n_params"][mask], runs["loss"][mask], s=area, facecolors=face,
                               edgecolors=color, linewidths=0.8, zorder=3)
            ax.scatter([n_star], law.predict(params, n_star, c / (6 * n_star)), marker="*", s=area * 6,
                       color=color, edgecolors="black", linewidths=0.5, zorder=4)
        log_axis(ax.xaxis, "count")
        ax.set_xlabel("parameters N")
        ax.set_ylabel(f"{loss_name} (nats per token)")
        ax.scatter([], [], marker="*", s=area * 6, color="0.6", edgecolors="black", linewidths=0.5,
                   label="compute-optimal N")
        if excluded.any():
            ax.scatter([], [], s=area, facecolors="none", edgecolors="0.4", label="excluded run")
        if set_legend(ax, title="compute budget") is not None:
            ax.legend(loc="upper right", ncol=2, title="compute budget")
        if not subtitle:
            _tag(ax, _fit_label(fit) + (f"; {_u_text(u)}" if u is not None else ""))
        drawn = (f"runs within {band_decades:g} decades of each budget as points" if len(runs) else "no runs drawn")
        if matched is not None:
            drawn = (f"the {matched[0]} of {matched[1]} runs on these unique tokens within {band_decades:g} "
                     "decades of each budget as points" if matched[0] else
                     f"no runs drawn: none of the {matched[1]} runs is on {count_label(u)} unique tokens")
        _finish(ax.figure, title, subtitle, source, auto_title="IsoFLOP profiles: loss against model size at fixed compute",
                auto_subtitle=f"{_law_title(fit, u)}; {drawn}",
                auto_source=_source_of(runs if len(runs) else None))
    return ax

@fill_doc
def loss_contours(fit, runs=None, ax=None, reference_models=True, *, n_range=None,
                  d_range=None, iso_compute=(1e18, 1e20, 1e22, 1e24, 1e26), data_range=None, n_unique_tokens=None,
                  size=None, title=None, subtitle=None, source=None):
    r"""Contours of the fitted loss over (N, D), the efficient frontier and iso-compute lines.

    The frontier is :math:`(N_{opt}(C), D_{opt}(C))` (:meth:`scaling.laws.Law.allocate`;
    chinchilla: :math:`N_{opt} = G (C/6)^a`, :math:`D_{opt} = G^{-1}(C/6)^b`, Hoffmann et al.
    2022, Eq. 4); iso-compute lines are :math:`D = C / 6N`. Contour levels are evenly
    spaced in the log of the reducible loss, :math:`L - L(\infty, \infty)`.

    A law with covariates is drawn at ``n_unique_tokens`` :math:`U` (data_constrained:
    :math:`L(N, D, U)`, Muennighoff et al. 2023), with the line :math:`D = U` (one epoch;
    above it data repeat) and a floor :math:`L(\infty, \infty, U)` above :math:`E`. All
    kept runs are drawn, as where the law was fitted: those on the same unique data
    (within :data:`scaling.plot.U_MATCH_RTOL`, as in :func:`isoflop`) filled, the others
    hollow.

    Parameters
    ----------
    fit : FitResult, BayesFitResult or dict
    runs : DataFrame or False, optional
        Runs to overlay (default the fit's own runs, :func:`scaling.plot.runs_of`;
        ``False`` for none).
    ax : matplotlib Axes, optional
    reference_models : bool or DataFrame
        ``True`` marks and labels the shipped reference models (GPT-3, Gopher,
        Chinchilla, PaLM, ...); a DataFrame with ``name``, ``n_params``, ``n_tokens``
        marks those instead; ``False`` none.
    n_range, d_range : (float, float), optional
        Axis ranges in parameters and tokens; default 1e7-1e13 and 1e8-1e14, widened
        to hold the runs drawn.
    iso_compute : sequence of float
        Budgets (FLOPs) of the dashed iso-compute lines.
    data_range : dict or DataFrame, optional
        Extent of the fitted data, outlined (default ``fit.data_range``; empty for a
        published fit: no outline).
    {unique}
    {captions}

    Returns
    -------
    matplotlib.axes.Axes
    """
    law, params, u = _grid_law(fit, n_unique_tokens)
    floor = float(law.irreducible_loss(params))
    extent = _data_range(fit, data_range)
    r = _runs(runs, fit)
    n_range, d_range = _grid_ranges(r, n_range, d_range)
    from matplotlib.patches import Rectangle

    with style(size):
        ax = _new_ax(ax, size, height={"column": 3.3}.get(size))
        fonts = _fonts(ax)
        area = _style.marker_area(ax.figure.__dict__.get("_scaling_size"), 8)
        n = np.geomspace(*n_range, 160)
        _loss_field(ax, law, params, n, np.geomspace(*d_range, 160), floor, fonts)
        _frontier_and_iso_compute(ax, law, params, n, iso_compute, n_range, d_range, fonts)
        if {"n_params_min", "n_params_max", "n_tokens_min", "n_tokens_max"} <= set(extent):
            x0, x1 = extent["n_params_min"], extent["n_params_max"]
            y0, y1 = extent["n_tokens_min"], extent["n_tokens_max"]
            ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fc="white", alpha=0.25, ec="white", lw=1.0,
                                   ls="-", zorder=2, label="extent of the fitted runs"))
        if u is not None:
            ax.axhline(u, color=PALETTE[2], lw=1.2, ls="-.", label=f"D = U = {count_label(u)}: one epoch", zorder=3)
        if r is not None:
            _grid_runs(ax, fit, r, u, area)
        log_axis(ax.xaxis, "count")
        log_axis(ax.yaxis, "count")
        ax.set_xlim(*n_range)
        ax.set_ylim(*d_range)
        refs = _reference_models(reference_models)
        if refs is not None and len(refs):
            ax.scatter(refs["n_params"], refs["n_tokens"], marker="D", s=area * 3.5, color=PALETTE[4],
                       edgecolors="black", linewidths=0.6, label="reference models", zorder=4)
        ax.set_xlabel("parameters N")
        ax.set_ylabel("training tokens D")
        ax.grid(False)
        if set_legend(ax) is not None:
            ax.legend(loc="upper left", frameon=True, framealpha=0.85)
        if not subtitle:
            _tag(ax, _fit_label(fit) + (f"; {_u_text(u)}" if u is not None else ""))
        if refs is not None and len(refs):
            defer_labels(ax, refs["n_params"], refs["n_tokens"], refs["name"],
                         marker_pt=np.sqrt(area * 3.5))
        sources = ("reference_models",) if refs is not None and len(refs) else ()
        _finish(ax.figure, title, subtitle, source, auto_title="Predicted loss over model size and training tokens",
                auto_subtitle=f"{_law_title(fit, u)}; frontier: compute-optimal (N, D); dashed: D = C/6N",
                auto_source=_source_of(r, *sources))
    return ax


def _grid_ranges(runs, n_range, d_range):
    """Axis ranges in parameters and tokens: those given, else 1e7-1e13 and 1e8-1e14 widened to hold the runs."""
    if n_range is None:
        n_range = (1e7, 1e13) if runs is None or not len(runs) else (
            min(1e7, float(runs["n_params"].min()) / 2), max(1e13, float(runs["n_params"].max()) * 2))
    if d_range is None:
        d_range = (1e8, 1e14) if runs is None or not len(runs) else (
            min(1e8, float(runs["n_tokens"].min()) / 2), max(1e14, float(runs["n_tokens"].max()) * 2))
    return n_range, d_range


def _loss_field(ax, law, params, n, d, floor, fonts) -> None:
    """Filled contours of the predicted loss over the grid ``n`` x ``d``, labelled, with a colorbar."""
    from matplotlib.ticker import MaxNLocator

    nn, dd = np.meshgrid(n, d)
    loss = law.predict(params, nn, dd)
    # Levels evenly spaced in log(L - E): the reducible loss spans decades, the loss does not.
    top = min(float(loss.max()), floor + 4.0)
    levels = np.unique(np.round(floor + np.geomspace(0.03, top - floor, 12), 2))
    fill_alpha = 0.7
    filled = ax.contourf(nn, dd, loss, levels=levels, cmap="viridis_r", alpha=fill_alpha, extend="both")
    lines = ax.contour(nn, dd, loss, levels=levels, colors="white", linewidths=0.5)
    for t in ax.clabel(lines, levels[::2], fmt="%.2f", fontsize=fonts["note"]):
        # Black or white, whichever reads on the band the label sits in (white on yellow does not).
        t.set_color(readable_on(over((*filled.to_rgba(float(t.get_text()))[:3], fill_alpha))))
        optional(t, 8)
    # Proportional colorbar: equal lengths are equal losses, so round ticks are evenly spaced.
    cbar = ax.figure.colorbar(filled, ax=ax, label="predicted loss (nats per token)", spacing="proportional")
    cbar.locator = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10])
    cbar.update_ticks()


def _frontier_and_iso_compute(ax, law, params, n, iso_compute, n_range, d_range, fonts) -> None:
    """The efficient frontier :math:`(N_{opt}(C), D_{opt}(C))` and dashed lines :math:`D = C/6N`, labelled
    where a label fits."""
    c = np.geomspace(1e15, 1e30, 200)
    n_opt, d_opt = law.allocate(params, c)
    ax.plot(n_opt, d_opt, color=PALETTE[1], lw=2.2 * fonts["base"] / 9, label="efficient frontier")
    for k, budget in enumerate(iso_compute):
        ax.plot(n, budget / (6 * n), color="0.15", lw=0.8, ls="--",
                label="iso-compute $D = C/6N$" if k == 0 else None)
        # Label near the upper edge, else further along its line: off the runs and other texts.
        x = max(budget / (6 * d_range[1] / 4), n_range[0] * 2)
        along = [(xi, budget / (6 * xi)) for xi in np.geomspace(x, n_range[1] / 2, 16)[1:]
                 if d_range[0] * 1.2 < budget / (6 * xi) < d_range[1]]
        if n_range[0] < x < n_range[1] / 2 and d_range[0] < budget / (6 * x) < d_range[1]:
            optional(ax.annotate(f"{flops_label(budget)} FLOPs", (x, budget / (6 * x)), fontsize=fonts["note"],
                                 color="0.15", xytext=(3, 3), textcoords="offset points", zorder=5,
                                 bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.6)), 6,
                     candidates=along)


def _grid_runs(ax, fit, runs, u, area) -> None:
    """The kept runs over (N, D): filled when on the unique data ``u`` (or for a law without covariates),
    hollow otherwise."""
    keep = ~runs["excluded"].to_numpy(dtype=bool)
    same = _unique_match(_law_params(fit)[0], runs, u)
    ax.scatter(runs["n_params"][keep & same], runs["n_tokens"][keep & same], s=area, color="white",
               edgecolors="0.2", linewidths=0.4, zorder=3,
               label="training runs" if u is None else "runs on these unique tokens")
    if (keep & ~same).any():
        ax.scatter(runs["n_params"][keep & ~same], runs["n_tokens"][keep & ~same], s=area, facecolors="none",
                   edgecolors="0.25", linewidths=0.4, label="runs on other unique tokens", zorder=3)


def _allocation_refs(ax, reference_models, lo_c, hi_c, area):
    """Mark the reference models within compute ``lo_c``-``hi_c`` at their N and D against compute
    :math:`6ND`, labelled where there is room; returns those drawn (None or empty for none)."""
    refs = _reference_models(reference_models)
    if refs is not None and len(refs):
        cr = 6 * refs["n_params"] * refs["n_tokens"]
        inside = (cr >= lo_c) & (cr <= hi_c)
        refs, cr = refs[inside], cr[inside]
    if refs is not None and len(refs):
        ax.scatter(cr, refs["n_params"], marker="D", s=area, color=PALETTE[0], edgecolors="black", zorder=4,
                   label="reference models (N and D)")
        ax.scatter(cr, refs["n_tokens"], marker="D", s=area, color=PALETTE[1], edgecolors="black", zorder=4)
        defer_labels(ax, cr, refs["n_params"], refs["name"], marker_pt=np.sqrt(area), avoid=(cr, refs["n_tokens"]))
    return refs


@fill_doc
def optimal_allocation(fit, compute_range=(1e18, 1e26), level=DEFAULT_LEVEL, ax=None, *, tokens_per_param: float = 20.0,
                       reference_models=True, data_range=None, n_unique_tokens=None, size=None, title=None,
                       subtitle=None, source=None):
    r"""Compute-optimal parameters and tokens against compute, with uncertainty bands.

    :meth:`scaling.laws.Law.allocate` (chinchilla: :math:`N_{opt}(C) = G (C/6)^{a}`,
    :math:`D_{opt}(C) = G^{-1} (C/6)^{b}`, Hoffmann et al. 2022, Eq. 4), evaluated at the
    point estimate (lines) and for every bootstrap or posterior draw in ``fit.draws``
    (equal-tailed ``level`` bands, by :func:`scaling.results.interval`). The rule of thumb :math:`D = 20 N` (so :math:`N = \sqrt{C/120}`) is
    dotted for comparison.

    A law with covariates is drawn at ``n_unique_tokens`` :math:`U` (data_constrained: the
    best :math:`N, D` along :math:`6ND = C` under :math:`L(N, D, U)`, as
    ``scaling.optimal(unique_tokens=U)`` finds them; Muennighoff et al. 2023), with
    :math:`U` marked on the token axis: above it, data repeat (epochs :math:`D/U`).

    Parameters
    ----------
    fit : FitResult, BayesFitResult or dict
        A fitted result of any law (bands from its draws), or a dict of a law's parameters.
    compute_range : (float, float)
        Range of training compute in FLOPs.
    level : float
        Probability mass of the bands, in (0, 1).
    ax : matplotlib Axes, optional
    tokens_per_param : float
        The rule of thumb to compare with (20 after Hoffmann et al.).
    reference_models : bool or DataFrame
        Mark (and label, where there is room) the reference models' N and D at their
        compute ``6 N D``; default the shipped ones.
    data_range : dict or DataFrame, optional
        Extent of the fitted data: the compute range it covers is shaded (default
        ``fit.data_range``; a runs DataFrame gives the range of its kept runs; a
        published fit has none).
    {unique}
    {captions}

    Returns
    -------
    matplotlib.axes.Axes
    """
    law, params, u = _grid_law(fit, n_unique_tokens)
    level = check_level(level)
    try:
        lo_c, hi_c = (float(x) for x in compute_range)
    except (TypeError, ValueError):
        raise ScalingError(f"compute_range must be (low, high) FLOPs, got {compute_range!r}") from None
    if not 0 < lo_c < hi_c < np.inf:
        raise ScalingError(f"compute_range must be (low, high) with 0 < low < high FLOPs, got {compute_range!r}")
    c = np.geomspace(lo_c, hi_c, 120)
    n_opt, d_opt = law.allocate(params, c)
    draws = _draws(fit)
    extent = _data_range(fit, data_range)
    band_name = "credible" if _method(fit) == "bayes" else "bootstrap" if _method(fit) else ""
    with style(size):
        ax = _new_ax(ax, size, height={"column": 4.2}.get(size))  # a column's legend takes 7 rows
        area = _style.marker_area(ax.figure.__dict__.get("_scaling_size"), 20)
        if {"compute_flops_min", "compute_flops_max"} <= set(extent):
            ax.axvspan(extent["compute_flops_min"], extent["compute_flops_max"], color="0.88", lw=0, zorder=0,
                       label="compute range of the fitted runs")
        series = (("N", n_opt, PALETTE[0], "parameters $N_{opt}$"), ("D", d_opt, PALETTE[1], "tokens $D_{opt}$"))
        if draws is not None:
            dn, dd = law.allocate({p: draws[p].to_numpy(dtype=float)[:, None] for p in law.param_names}, c)
            for (_, _, color, _), arr in zip(series, (dn, dd)):
                with np.errstate(invalid="ignore"):
                    lower, upper, _ = interval(arr, level, axis=0)
                ax.fill_between(c, lower, upper, color=color, alpha=0.2, lw=0)
        for _, y, color, label in series:
            ax.plot(c, y, color=color, label=label)
        n_rule = np.sqrt(c / (6 * tokens_per_param))
        rule = f"{tokens_per_param:g} tokens per parameter"
        ax.plot(c, n_rule, color=PALETTE[0], ls=":", lw=1.4, label=f"N, {rule}")
        ax.plot(c, tokens_per_param * n_rule, color=PALETTE[1], ls=":", lw=1.4, label=f"D, {rule}")
        if u is not None:
            ax.axhline(u, color=PALETTE[2], lw=1.2, ls="-.", label=f"unique tokens U = {count_label(u)}")
        if draws is not None:
            ax.fill_between([], [], [], color="0.6", alpha=0.3,
                            label=" ".join(w for w in (f"{level:.0%}", band_name, f"interval ({len(draws)} draws)") if w))
        log_axis(ax.xaxis, "power")
        log_axis(ax.yaxis, "count")
        ax.set_xlim(lo_c, hi_c)
        refs = _allocation_refs(ax, reference_models, lo_c, hi_c, area)
        ax.set_xlabel("training compute C (FLOPs)")
        ax.set_ylabel("parameters N, training tokens D")
        if set_legend(ax) is not None:
            ax.legend(loc="upper left")
        if not subtitle:
            _tag(ax, _fit_label(fit) + (f"; {_u_text(u)}" if u is not None else ""))
        sources = ("reference_models",) if refs is not None and len(refs) else ()
        _finish(ax.figure, title, subtitle, source, auto_title="Compute-optimal model size and training tokens",
                auto_subtitle=_law_title(fit, u) + ("; shaded: compute range of the fitted data, extrapolated beyond"
                                                 if {"compute_flops_min", "compute_flops_max"} <= set(extent) else ""),
                auto_source=_fit_source([fit], *sources))
    return ax

