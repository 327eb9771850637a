"""The fit against its runs: fitted against observed loss, log residuals against compute."""

from __future__ import annotations

import numpy as np

from .. import _style
from ..errors import ScalingError, ScalingWarning
from ._base import (PALETTE, _finish, _fit_label, _law_title, _new_ax, _predict_runs, _runs, _source_of, _tag,
                    style)
from ._docs import fill_doc
from ._layout import set_legend
from ._units import log_axis


def residual_warnings(fit, runs) -> list[ScalingWarning]:
    r"""A ``poor_fit`` warning when the RMS log residual of the kept runs under the fit exceeds
    :data:`scaling.fitting.MAX_RMS_LOG_RESIDUAL` (0.1), :math:`r_i = \log L_i - \log \hat L(N_i, D_i)`
    (a law with covariates at each run's own: data_constrained, :math:`\hat L(N_i, D_i, U_i)`).

    Parameters
    ----------
    fit : FitResult, BayesFitResult or dict
    runs : DataFrame or None
        The runs drawn (``excluded`` runs are left out); None: the fit's own.

    Returns
    -------
    list of ScalingWarning
        Empty when the law describes the runs, or there are no kept runs.
    """
    from ..fitting import MAX_RMS_LOG_RESIDUAL

    r = _runs(runs, fit)
    keep = np.zeros(0, dtype=bool) if r is None else ~r["excluded"].to_numpy(dtype=bool)
    if not keep.any():
        return []
    fitted = _predict_runs(fit, r[keep])
    rms = float(np.sqrt(np.mean((np.log(r["loss"].to_numpy()[keep]) - np.log(fitted)) ** 2)))
    if np.isfinite(rms) and rms <= MAX_RMS_LOG_RESIDUAL:
        return []
    return [ScalingWarning("poor_fit", f"RMS log residual of the {int(keep.sum())} runs drawn is {rms:.3g} > "
                                       f"{MAX_RMS_LOG_RESIDUAL}: the fit does not describe these runs (were they "
                                       "its data?)")]


def _runs_note(fit) -> str:
    """Why the fit's runs cannot be found, without the leading 'no runs drawn: '."""
    from ._base import runs_of

    return (runs_of(fit).note or "").removeprefix("no runs drawn: ")


@fill_doc
def fit_residuals(fit, runs=None, ax=None, *, axes=None, panel=None, size=None, title=None, subtitle=None,
                  source=None):
    r"""Fitted against observed loss, and log residuals against compute.

    Residuals are :math:`r_i = \log L_i - \log \hat L(N_i, D_i)`, the quantity the
    Huber objective of Hoffmann et al. (2022, App. D.2) acts on. Runs the fit
    excluded are drawn hollow and left out of the RMS in the note. A law with covariates
    is evaluated at each run's own (data_constrained: its ``n_unique_tokens`` column,
    :math:`\hat L(N_i, D_i, U_i)`; a ScalingError names the column when the runs lack it).

    Parameters
    ----------
    fit : FitResult, BayesFitResult or dict
        A fitted result (its ``predict(n_params, n_tokens)``) or a dict of a law's parameters.
    runs : DataFrame, optional
        Default the fit's own runs (:func:`scaling.plot.runs_of`); a ScalingError when
        they cannot be found. :func:`residual_warnings` says when the RMS is large.
    ax : matplotlib Axes, optional
        Draw one panel on it (``panel`` defaults to ``"fitted"`` then).
    axes : pair of Axes, optional
        Draw both panels on these.
    panel : {"both", "fitted", "compute"}, optional
        Default ``"both"`` unless ``ax`` is given.
    {captions}
        In a column (3.5 in) the two panels are stacked.

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
    r = _runs(runs, fit)
    if r is None:
        raise ScalingError(f"no runs to draw the residuals of: {_runs_note(fit)}")
    observed = r["loss"].to_numpy()
    fitted = _predict_runs(fit, r)
    resid = np.log(observed) - np.log(fitted)
    keep = ~r["excluded"].to_numpy(dtype=bool)
    rms = float(np.sqrt(np.mean(resid[keep] ** 2)))
    with style(size):
        targets = _panel_axes(panel, ax, axes, size)
        color = PALETTE[0]
        area = _style.marker_area(next(iter(targets.values())).figure.__dict__.get("_scaling_size"), 12)
        scaled = keep if keep.any() else np.ones_like(keep)  # the scale is the kept runs'
        off = 0
        if "fitted" in targets:
            a = targets["fitted"]
            a.scatter(fitted[keep], observed[keep], s=area, color=color, alpha=0.8, label="runs used")
            lim = (min(fitted[scaled].min(), observed[scaled].min()) * 0.97,
                   max(fitted[scaled].max(), observed[scaled].max()) * 1.03)
            off = max(off, _excluded_at_edge(a, fitted[~keep], observed[~keep], lim, lim, area))
            a.plot(lim, lim, color="0.3", lw=1, ls="--", label="y = x")
            a.set_xlabel("fitted loss (nats per token)")
            a.set_ylabel("observed loss (nats per token)")
            if set_legend(a) is not None:
                a.legend(loc="upper left")
            if not subtitle:
                _tag(a, _fit_label(fit))
        if "compute" in targets:
            a = targets["compute"]
            c = r["compute_flops"].to_numpy()
            a.axhline(0, color="0.3", lw=1, ls="--")
            a.scatter(c[keep], resid[keep], s=area, color=color, alpha=0.8, label="runs used")
            lo, hi = min(resid[scaled].min(), 0.0), max(resid[scaled].max(), 0.0)
            pad = 0.08 * max(hi - lo, 1e-3)
            log_axis(a.xaxis, "power")
            span = (c.min() / 1.5, c.max() * 1.5)
            a.set_xlim(*span)
            off = max(off, _excluded_at_edge(a, c[~keep], resid[~keep], span, (lo - pad, hi + pad), area))
            a.set_xlabel("training compute C (FLOPs)")
            a.set_ylabel(r"log residual $\log L - \log \hat L$")
            if set_legend(a) is not None:
                a.legend(loc="upper right")
            if not subtitle:
                _tag(a, f"RMS log residual {rms:.4f} ({int(keep.sum())} runs)")
        fig = next(iter(targets.values())).figure
        _finish(fig, title, subtitle, source, auto_title="Fitted against observed loss",
                auto_subtitle=f"{_law_title(fit)}; RMS log residual {rms:.4f} over {int(keep.sum())} runs "
                              "(excluded runs hollow"
                              + (f"; {off} off the scale, as triangles at its edge)" if off else ")"),
                auto_source=_source_of(r))
    if panel == "both":
        return np.asarray([targets["fitted"], targets["compute"]], dtype=object)
    return targets[panel]


def _panel_axes(panel, ax, axes, size) -> dict:
    """``{panel name: Axes}`` to draw on: the given ``ax`` or ``axes``, else a new figure of the preset
    (two panels side by side; stacked in a column). Call inside :func:`style`."""
    if panel != "both":
        return {panel: _new_ax(ax if ax is not None else (axes[0] if axes is not None else None), size)}
    if axes is None:
        stacked = size == "column"
        _, axes = _style.new_figure(size, nrows=2 if stacked else 1, ncols=1 if stacked else 2,
                                    height=5.2 if stacked else None)
    axes = np.asarray(axes, dtype=object).ravel()
    if axes.size != 2:
        raise ScalingError(f"axes must hold 2 Axes for panel='both', got {axes.size}")
    return {"fitted": axes[0], "compute": axes[1]}


def _excluded_at_edge(ax, x, y, xlim, ylim, area) -> int:
    """Draw excluded runs hollow within limits set by the kept runs; those beyond drawn at the
    edge they pass, as a triangle pointing out. Sets the limits; returns how many are beyond."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    if not len(x):
        return 0
    cx, cy = np.clip(x, *xlim), np.clip(y, *ylim)
    side = np.select([y > ylim[1], y < ylim[0], x > xlim[1], x < xlim[0]], ["^", "v", ">", "<"], "o")
    for marker in ("o", "^", "v", ">", "<"):
        m = side == marker
        if m.any():
            ax.scatter(cx[m], cy[m], s=area * (1 if marker == "o" else 1.6), marker=marker, facecolors="none",
                       edgecolors=PALETTE[1], clip_on=False, zorder=4,
                       label="excluded runs" if marker == "o" else "excluded runs off the scale")
    return int((side != "o").sum())

