"""Loss-law figures: IsoFLOP profiles, loss contours, residuals, parameter pairs, allocation."""

from __future__ import annotations

import numpy as np

from .._checks import check_level
from ..errors import ScalingError
from ..results import DEFAULT_LEVEL, interval
from ._base import (PALETTE, _draws, _fit_label, _label_points, _law_params, _mpl, _new_ax, _param_label,
                    _predict_fit, _reference_models, _runs, _tag, _draws_label, style)

#: The nine IsoFLOP budgets of Hoffmann et al. (2022), Figure 3 (FLOPs).
HOFFMANN_BUDGETS = (6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21)

def isoflop(fit, runs=None, budgets=None, ax=None, *, band_decades: float = 0.15):
    r"""IsoFLOP profiles: loss against parameters at fixed compute (Hoffmann et al. 2022, Fig. 3/4).

    For each budget :math:`C` the fitted law is drawn along :math:`D = C / (6N)`
    (chinchilla: :math:`L(N) = E + A N^{-\alpha} + B (C/6N)^{-\beta}`), with its minimum
    (the compute-optimal :math:`N_{opt}`, :meth:`scaling.laws.Law.allocate`) marked, and the runs whose
    compute lies within ``band_decades`` (in log10) of that budget as points.

    Parameters
    ----------
    fit : FitResult, BayesFitResult or dict
        A fitted result of any law, or a dict of a law's parameters.
    runs : DataFrame, optional
        Training runs (``n_params``, ``n_tokens``, ``compute_flops``, ``loss``,
        ``excluded``); default the shipped Chinchilla runs. Excluded runs are hollow.
    budgets : sequence of float, optional
        Compute budgets in FLOPs; default :data:`HOFFMANN_BUDGETS`.
    ax : matplotlib Axes, optional
    band_decades : float
        Half-width in log10(FLOPs) of the window that assigns runs to a budget.

    Returns
    -------
    matplotlib.axes.Axes
    """
    law, params = _law_params(fit)
    try:
        budgets = np.asarray(HOFFMANN_BUDGETS if budgets is None else budgets, dtype=float)
    except (TypeError, ValueError):
        raise ScalingError(f"budgets must be a sequence of positive FLOP counts, got {budgets!r}") from None
    if budgets.ndim != 1 or budgets.size == 0 or not np.all(np.isfinite(budgets) & (budgets > 0)):
        raise ScalingError(f"budgets must be a non-empty sequence of positive FLOP counts, got {budgets!r}")
    runs = _runs(runs)
    matplotlib, _ = _mpl()
    with style():
        ax = _new_ax(ax)
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
            ax.plot(n, law.predict(params, n, c / (6 * n)), color=color, label=f"{c:.0e} FLOPs".replace("e+", "e"))
            for mask, face in ((near & ~excluded, color), (near & excluded, "none")):
                if mask.any():
                    ax.scatter(runs["n_params"][mask], runs["loss"][mask], s=14, facecolors=face,
                               edgecolors=color, linewidths=0.8, zorder=3)
            ax.scatter([n_star], law.predict(params, n_star, c / (6 * n_star)), marker="*", s=90, color=color,
                       edgecolors="black", linewidths=0.5, zorder=4)
        ax.set_xscale("log")
        ax.set_xlabel("parameters N")
        ax.set_ylabel("training loss (nats per token)")
        ax.scatter([], [], marker="*", s=90, color="0.6", edgecolors="black", linewidths=0.5,
                   label="compute-optimal N")
        if excluded.any():
            ax.scatter([], [], s=14, facecolors="none", edgecolors="0.4", label="excluded run")
        ax.legend(loc="upper right", ncol=2, title="compute budget")
        _tag(ax, _fit_label(fit))
    return ax


def loss_contours(fit, runs=None, ax=None, reference_models=True, *, n_range=(1e7, 1e13),
                  d_range=(1e8, 1e14), iso_compute=(1e18, 1e20, 1e22, 1e24, 1e26)):
    r"""Contours of the fitted loss over (N, D), the efficient frontier and iso-compute lines.

    The frontier is :math:`(N_{opt}(C), D_{opt}(C))` (:meth:`scaling.laws.Law.allocate`;
    chinchilla: :math:`N_{opt} = G (C/6)^a`, :math:`D_{opt} = G^{-1}(C/6)^b`, Hoffmann et al.
    2022, Eq. 4); iso-compute lines are :math:`D = C / 6N`. Contour levels are evenly
    spaced in the log of the reducible loss, :math:`L - L(\infty, \infty)`.

    Parameters
    ----------
    fit : FitResult, BayesFitResult or dict
    runs : DataFrame, optional
        Runs to overlay (default the shipped Chinchilla runs; ``False`` for none).
    ax : matplotlib Axes, optional
    reference_models : bool or DataFrame
        ``True`` marks and labels the shipped reference models (GPT-3, Gopher,
        Chinchilla, PaLM, ...); a DataFrame with ``name``, ``n_params``, ``n_tokens``
        marks those instead; ``False`` none.
    n_range, d_range : (float, float)
        Axis ranges in parameters and tokens.
    iso_compute : sequence of float
        Budgets (FLOPs) of the dashed iso-compute lines.

    Returns
    -------
    matplotlib.axes.Axes
    """
    law, params = _law_params(fit)
    floor = float(law.irreducible_loss(params))
    with style():
        ax = _new_ax(ax, figsize=(6.4, 5.0))
        n = np.geomspace(*n_range, 160)
        d = np.geomspace(*d_range, 160)
        nn, dd = np.meshgrid(n, d)
        loss = law.predict(params, nn, dd)
        # Levels evenly spaced in log(L - E): the reducible loss spans decades, the loss does not.
        top = min(float(loss.max()), floor + 4.0)
        levels = np.unique(np.round(floor + np.geomspace(0.03, top - floor, 12), 2))
        filled = ax.contourf(nn, dd, loss, levels=levels, cmap="viridis_r", alpha=0.7, extend="both")
        lines = ax.contour(nn, dd, loss, levels=levels, colors="white", linewidths=0.5)
        ax.clabel(lines, levels[::2], fmt="%.2f", fontsize=7)
        ax.figure.colorbar(filled, ax=ax, label="predicted loss (nats per token)")

        c = np.geomspace(1e15, 1e30, 200)
        n_opt, d_opt = law.allocate(params, c)
        ax.plot(n_opt, d_opt, color=PALETTE[1], lw=2.2, label="efficient frontier")
        for k, budget in enumerate(iso_compute):
            ax.plot(n, budget / (6 * n), color="0.15", lw=0.8, ls="--",
                    label="iso-compute $D = C/6N$" if k == 0 else None)
            # Label near the upper/right edge, away from the runs and the frontier.
            x = max(budget / (6 * d_range[1] / 4), n_range[0] * 2)
            if x < n_range[0] * 1e2:  # would sit under the legend: label at the lower-right instead
                x = min(budget / (6 * d_range[0] * 4), n_range[1] / 40)
            if n_range[0] < x < n_range[1] / 2 and d_range[0] < budget / (6 * x) < d_range[1]:
                ax.annotate(f"{budget:.0e} FLOPs".replace("e+", "e"), (x, budget / (6 * x)), fontsize=7,
                            color="0.15", xytext=(3, 3), textcoords="offset points",
                            bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.6))

        if runs is not False:
            r = _runs(runs)
            keep = ~r["excluded"].to_numpy(dtype=bool)
            ax.scatter(r["n_params"][keep], r["n_tokens"][keep], s=8, color="white", edgecolors="0.2",
                       linewidths=0.4, label="training runs", zorder=3)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(*n_range)
        ax.set_ylim(*d_range)
        refs = _reference_models(reference_models)
        if refs is not None and len(refs):
            ax.scatter(refs["n_params"], refs["n_tokens"], marker="D", s=28, color=PALETTE[4],
                       edgecolors="black", linewidths=0.6, label="reference models", zorder=4)
        ax.set_xlabel("parameters N")
        ax.set_ylabel("training tokens D")
        ax.grid(False)
        ax.legend(loc="upper left", frameon=True, framealpha=0.85)
        _tag(ax, _fit_label(fit))
        if refs is not None and len(refs):
            _label_points(ax, refs["n_params"], refs["n_tokens"], refs["name"])
    return ax

def fit_residuals(fit, runs=None, ax=None, *, axes=None, panel=None):
    r"""Fitted against observed loss, and log residuals against compute.

    Residuals are :math:`r_i = \log L_i - \log \hat L(N_i, D_i)`, the quantity the
    Huber objective of Hoffmann et al. (2022, App. D.2) acts on. Runs the fit
    excluded are drawn hollow and left out of the RMS in the note.

    Parameters
    ----------
    fit : FitResult, BayesFitResult or dict
        A fitted result (its ``predict(n_params, n_tokens)``) or a dict of a law's parameters.
    runs : DataFrame, optional
        Default the shipped Chinchilla runs.
    ax : matplotlib Axes, optional
        Draw one panel on it (``panel`` defaults to ``"fitted"`` then).
    axes : pair of Axes, optional
        Draw both panels on these.
    panel : {"both", "fitted", "compute"}, optional
        Default ``"both"`` unless ``ax`` is given.

    Returns
    -------
    matplotlib.axes.Axes or numpy.ndarray of 2 Axes
        One Axes for a single panel; for ``"both"`` an array ``[fitted_vs_observed,
        residuals_vs_compute]``.
    """
    panel = panel or ("fitted" if ax is not None else "both")
    allowed = ("both", "fitted", "compute")
    if panel not in allowed:
        raise ScalingError(f"unknown panel {panel!r}; allowed: {', '.join(allowed)}")
    if panel == "both" and ax is not None:
        raise ScalingError("panel='both' draws two panels: pass axes=(ax1, ax2) instead of ax=, or choose panel='fitted' or 'compute'")
    r = _runs(runs)
    observed = r["loss"].to_numpy()
    fitted = _predict_fit(fit, r["n_params"].to_numpy(), r["n_tokens"].to_numpy())
    resid = np.log(observed) - np.log(fitted)
    keep = ~r["excluded"].to_numpy(dtype=bool)
    rms = float(np.sqrt(np.mean(resid[keep] ** 2)))
    with style():
        if panel == "both":
            if axes is None:
                _, plt = _mpl()
                _, axes = plt.subplots(1, 2, figsize=(9.6, 4.0), layout="constrained")
            axes = np.asarray(axes, dtype=object).ravel()
            if axes.size != 2:
                raise ScalingError(f"axes must hold 2 Axes for panel='both', got {axes.size}")
            targets = {"fitted": axes[0], "compute": axes[1]}
        else:
            targets = {panel: _new_ax(ax if ax is not None else (axes[0] if axes is not None else None))}
        color = PALETTE[0]
        if "fitted" in targets:
            a = targets["fitted"]
            a.scatter(fitted[keep], observed[keep], s=12, color=color, alpha=0.8, label="runs used")
            if (~keep).any():
                a.scatter(fitted[~keep], observed[~keep], s=14, facecolors="none", edgecolors=PALETTE[1],
                          label="excluded runs")
            lim = [min(fitted.min(), observed.min()) * 0.97, max(fitted.max(), observed.max()) * 1.03]
            a.plot(lim, lim, color="0.3", lw=1, ls="--", label="y = x")
            a.set_aspect("equal", adjustable="datalim")
            a.set_xlabel("fitted loss (nats per token)")
            a.set_ylabel("observed loss (nats per token)")
            a.legend(loc="upper left")
            _tag(a, f"{_fit_label(fit)}; RMS log residual {rms:.4f}")
        if "compute" in targets:
            a = targets["compute"]
            c = r["compute_flops"].to_numpy()
            a.axhline(0, color="0.3", lw=1, ls="--")
            a.scatter(c[keep], resid[keep], s=12, color=color, alpha=0.8, label="runs used")
            if (~keep).any():
                a.scatter(c[~keep], resid[~keep], s=14, facecolors="none", edgecolors=PALETTE[1],
                          label="excluded runs")
            a.set_xscale("log")
            a.set_xlabel("training compute C (FLOPs)")
            a.set_ylabel(r"log residual $\log L - \log \hat L$")
            a.legend(loc="upper right")
            _tag(a, f"RMS log residual {rms:.4f} ({int(keep.sum())} runs)")
    if panel == "both":
        return axes
    return targets[panel]


def param_pairs(*fits, params=None, labels=None, fig=None, max_points: int = 2000,
                seed: int = 0):
    """Pair plot of parameter uncertainty: bootstrap draws and posterior draws side by side.

    Diagonal: density histograms of each parameter, one per fit; lower triangle:
    scatter of the draws (at most ``max_points`` per fit, thinned at random with
    ``seed``); the point estimates (``fit.params``) are crosses. Fits without draws
    show their point estimate only.

    Parameters
    ----------
    *fits : FitResult or BayesFitResult
        One or more fitted results of the same law.
    params : sequence of str, optional
        Parameters to compare, from the law's parameters and derived quantities (chinchilla:
        E, A, B, alpha, beta, a, b, G). Default: the law's parameters with a bounded range
        (chinchilla: E, alpha, beta; the scale constants span decades).
    labels : sequence of str, optional
        Legend labels; default from each fit's ``method``.
    fig : matplotlib Figure, optional
        Figure to draw on (cleared of nothing: it should be empty).
    max_points, seed : int
        Thinning of the scatter, reproducible.

    Returns
    -------
    numpy.ndarray of Axes, shape (k, k)
        ``axes[i, j]`` shows parameter j (x) against parameter i (y); the upper
        triangle is hidden. ``axes[0, 0].figure`` is the Figure.
    """
    if not fits:
        raise ScalingError("param_pairs needs at least one fit")
    fitted = [_law_params(f) for f in fits]
    law = fitted[0][0]
    others = sorted({lw.name for lw, _ in fitted} - {law.name})
    if others:
        raise ScalingError(f"param_pairs compares fits of one law; got {law.name} and {', '.join(others)}")
    allowed = (*law.param_names, *law.derived_names)
    if params is None:
        params = tuple(p for p in law.param_names if np.isfinite(law.bounds[p][1]))
    params = tuple(params)
    bad = [p for p in params if p not in allowed]
    if bad or not params:
        raise ScalingError(f"unknown parameter(s) {bad or params!r}; allowed: {', '.join(allowed)}")
    if labels is None:
        labels = [_draws_label(f, f"fit {i + 1}") for i, f in enumerate(fits)]
    labels = list(labels)
    if len(labels) != len(fits):
        raise ScalingError(f"got {len(labels)} labels for {len(fits)} fits")
    rng = np.random.default_rng(seed)
    points, samples = [], []
    for f, (_, p) in zip(fits, fitted):
        p = {**p, **{k: float(v) for k, v in law.derived(p).items()}}
        points.append(p)
        d = _draws(f)
        if d is not None:
            missing = [q for q in params if q not in d.columns]
            if missing:
                raise ScalingError(f"draws of {_fit_label(f)} lack column(s) {', '.join(missing)}")
            d = d[list(params)].astype(float)
            d = d[np.isfinite(d.to_numpy()).all(axis=1)]
        samples.append(d)
    k = len(params)
    with style():
        if fig is None:
            _, plt = _mpl()
            fig = plt.figure(figsize=(2.3 * k + 1.0, 2.3 * k), layout="constrained")
        axes = np.asarray(fig.subplots(k, k, squeeze=False), dtype=object)
        for i in range(k):
            for j in range(k):
                a = axes[i, j]
                if j > i:
                    a.set_visible(False)
                    continue
                for m, (p, d) in enumerate(zip(points, samples)):
                    color = PALETTE[m % len(PALETTE)]
                    if i == j:
                        if d is not None and len(d) > 1:
                            a.hist(d[params[i]], bins=30, density=True, histtype="stepfilled", alpha=0.35,
                                   color=color, label=labels[m])
                            a.hist(d[params[i]], bins=30, density=True, histtype="step", color=color)
                        a.axvline(p[params[i]], color=color, lw=1, ls="--",
                                  label=None if d is not None else labels[m])
                        continue
                    if d is not None and len(d):
                        take = d if len(d) <= max_points else d.iloc[rng.choice(len(d), max_points, replace=False)]
                        a.scatter(take[params[j]], take[params[i]], s=3, alpha=0.25, color=color,
                                  rasterized=True, linewidths=0)
                    a.scatter([p[params[j]]], [p[params[i]]], marker="X", s=40, color=color,
                              edgecolors="black", linewidths=0.5, zorder=3)
                if i == j:
                    a.set_yticks([])
                    a.grid(False)
                if i == k - 1:
                    a.set_xlabel(_param_label(params[j]))
                if j == 0 and i > 0:
                    a.set_ylabel(_param_label(params[i]))
        handles, labs = axes[0, 0].get_legend_handles_labels()
        if handles:
            fig.legend(handles, labs, loc="upper right", title="uncertainty from")
    return axes


def optimal_allocation(fit, compute_range=(1e18, 1e26), level=DEFAULT_LEVEL, ax=None, *, tokens_per_param: float = 20.0,
                       reference_models=False):
    r"""Compute-optimal parameters and tokens against compute, with uncertainty bands.

    :meth:`scaling.laws.Law.allocate` (chinchilla: :math:`N_{opt}(C) = G (C/6)^{a}`,
    :math:`D_{opt}(C) = G^{-1} (C/6)^{b}`, Hoffmann et al. 2022, Eq. 4), evaluated at the
    point estimate (lines) and for every bootstrap or posterior draw in ``fit.draws``
    (equal-tailed ``level`` bands, by :func:`scaling.results.interval`). The rule of thumb :math:`D = 20 N` (so :math:`N = \sqrt{C/120}`) is
    dotted for comparison.

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
        Mark the reference models' N and D at their compute.

    Returns
    -------
    matplotlib.axes.Axes
    """
    law, params = _law_params(fit)
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
    with style():
        ax = _new_ax(ax)
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
        if draws is not None:
            ax.fill_between([], [], [], color="0.6", alpha=0.3, label=f"{level:.0%} interval ({len(draws)} draws)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        refs = _reference_models(reference_models)
        if refs is not None and len(refs):
            cr = 6 * refs["n_params"] * refs["n_tokens"]
            ax.scatter(cr, refs["n_params"], marker="D", s=20, color=PALETTE[0], edgecolors="black", zorder=4,
                       label="reference models")
            ax.scatter(cr, refs["n_tokens"], marker="D", s=20, color=PALETTE[1], edgecolors="black", zorder=4)
            _label_points(ax, cr, refs["n_params"], refs["name"])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("training compute C (FLOPs)")
        ax.set_ylabel("parameters N, training tokens D")
        ax.legend(loc="upper left")
        _tag(ax, _fit_label(fit))
    return ax
