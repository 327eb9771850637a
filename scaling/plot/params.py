"""Parameter uncertainty: bootstrap and posterior draws of a law's parameters, pair by pair."""

from __future__ import annotations

import numpy as np

from .. import _style
from ..errors import ScalingError
from ._base import PALETTE, _draws, _draws_label, _finish, _fit_label, _fit_source, _law_params, _param_label, style
from ._docs import fill_doc
from ._layout import set_legend
from ._units import MIN_LABELLED_TICKS


@fill_doc
def param_pairs(*fits, params=None, labels=None, fig=None, max_points: int = 2000,
                seed: int = 0, size=None, title=None, subtitle=None, source=None):
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
    {captions}

    Returns
    -------
    numpy.ndarray of Axes, shape (k, k)
        ``axes[i, j]`` shows parameter j (x) against parameter i (y); the upper
        triangle is hidden. ``axes[0, 0].figure`` is the Figure.
    """
    if not fits:
        raise ScalingError("param_pairs needs at least one fit")
    law, params, labels, points, samples = _pair_inputs(fits, params, labels)
    rng = np.random.default_rng(seed)
    k = len(params)
    from matplotlib.ticker import MaxNLocator

    with style(size):
        if fig is None:
            fig, axes = _style.new_figure(size, nrows=k, ncols=k, squeeze=False,
                                          height={"column": 3.9, "page": 6.2}.get(_style.check_size(size)))
        else:
            axes = fig.subplots(k, k, squeeze=False)
        axes = np.asarray(axes, dtype=object)
        area = _style.marker_area(fig.__dict__.get("_scaling_size"), 3)
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
                        a.scatter(take[params[j]], take[params[i]], s=area, alpha=0.25, color=color,
                                  rasterized=True, linewidths=0)
                    a.scatter([p[params[j]]], [p[params[i]]], marker="X", s=area * 13, color=color,
                              edgecolors="black", linewidths=0.5, zorder=3)
                for axis in (a.xaxis, a.yaxis):
                    # 3 in 0.29-0.39 is 0.30, 0.33, 0.36 (step 3), not 0.300, 0.325, ... (2.5), too wide in a column
                    axis.set_major_locator(MaxNLocator(nbins=3, steps=[1, 2, 2.5, 3, 5, 10],
                                                       min_n_ticks=MIN_LABELLED_TICKS))
                if i == j:
                    a.set_yticks([])
                    a.grid(False)
                if i == k - 1:
                    a.set_xlabel(_param_label(params[j]))
                else:
                    a.tick_params(labelbottom=False)
                if j == 0 and i > 0:
                    a.set_ylabel(_param_label(params[i]))
                elif i != j:
                    a.tick_params(labelleft=False)
        for i in range(k):  # a column shares its x range, a row (below the diagonal) its y range
            for j in range(i + 1):
                if i != k - 1:
                    axes[i, j].sharex(axes[k - 1, j])
                if 0 < j < i:
                    axes[i, j].sharey(axes[i, 0])
        handles, labs = axes[0, 0].get_legend_handles_labels()
        if handles and set_legend(axes[0, 0], title="uncertainty from") is not None:
            axes[0, 0].get_legend().remove()  # a user's figure: one legend for the figure, top right
            fig.legend(handles, labs, loc="upper right", title="uncertainty from")
        law_name = law.name.replace("_", "-").capitalize()
        _finish(fig, title, subtitle, source, auto_title=f"Uncertainty of the {law_name} parameters",
                auto_subtitle=f"{' and '.join(labels)} draws; crosses: point estimates",
                auto_source=_fit_source(fits))
    return axes


def _pair_inputs(fits, params, labels):
    """The fits' law, the checked parameter names and legend labels, each fit's point estimates
    (with the derived quantities) and its finite draws of those parameters (None without draws)."""
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
    return law, params, labels, points, samples
