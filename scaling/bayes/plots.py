"""Predictive-check plots of a :class:`~scaling.bayes.result.BayesFitResult`."""

from __future__ import annotations

import numpy as np

from .._checks import check_level
from ..errors import ScalingError
from ..results import DEFAULT_LEVEL

PPC_KINDS = ("prior", "posterior")


def predictive_losses(result, kind: str = "posterior") -> tuple[np.ndarray, np.ndarray]:
    """Observed losses and simulated losses (draws x runs) of the prior or posterior predictive."""
    from .result import BayesFitResult

    if not isinstance(result, BayesFitResult):
        raise ScalingError(f"predictive checks need a BayesFitResult, got {type(result).__name__}")
    if kind not in PPC_KINDS:
        raise ScalingError(f"kind must be one of {', '.join(PPC_KINDS)}, got {kind!r}")
    name = f"{kind}_predictive"
    if name not in result.idata.groups() or "log_loss" not in result.idata[name]:
        raise ScalingError(f"this result has no {kind} predictive draws (idata.{name})")
    sim = np.asarray(result.idata[name]["log_loss"].values, dtype=float)
    sim = sim.reshape(-1, sim.shape[-1])
    observed = np.asarray(result.idata.observed_data["log_loss"].values, dtype=float)
    # Heavy-tailed prior predictive draws (Student-t, small nu) can exceed log(float max):
    # they become inf, i.e. "beyond any loss", which the percentile bands rank last.
    with np.errstate(over="ignore"):
        return np.exp(observed), np.exp(sim)


def plot_ppc(result, kind: str = "posterior", ax=None, level: float = DEFAULT_LEVEL, *, size: str | None = None):
    """Plot a prior or posterior predictive check: each run's observed loss against its
    simulated ``level`` interval.

    A calibrated model puts about ``level`` of the points inside their bars and the
    points near the diagonal; the prior check should show wide bars that still cover
    the data (the priors allow the observed losses without pinning them). Drawn in the
    package style (:mod:`scaling._style`); :func:`scaling.plot.predictive_check` adds
    the title, assumptions and source lines.

    Parameters
    ----------
    result : BayesFitResult
    kind : {"prior", "posterior"}
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure of the ``size`` preset when None.
    level : float
        Interval probability of the bars.
    size : {"column", "page", "slide"}, optional
        Size preset of a new figure (default ``"page"``).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.ppc_coverage`` holds the share of runs inside their interval.
    """
    from .. import _style

    level = check_level(level)
    observed, sim = predictive_losses(result, kind)
    from matplotlib.ticker import MaxNLocator

    with _style.style(size):
        if ax is None:
            _, ax = _style.new_figure(size, height={"column": 3.2, "page": 5.0}.get(_style.check_size(size)))
        lo, mid, hi = np.quantile(sim, [(1 - level) / 2, 0.5, (1 + level) / 2], axis=0)
        covered = float(np.mean((observed >= lo) & (observed <= hi)))
        scale = {"column": 0.6, "page": 1.0, "slide": 1.8}[_style.check_size(ax.figure.__dict__.get("_scaling_size"))]
        ax.errorbar(observed, mid, yerr=[mid - lo, hi - mid], fmt="o", ms=2.5 * scale, lw=0.6 * scale, alpha=0.6,
                    color=_style.PALETTE[0] if kind == "posterior" else _style.PALETTE[1],
                    label=f"{kind} predictive median and {level:.0%} interval "
                          f"({covered:.0%} of {len(observed)} runs inside)")
        span = [observed.min() * 0.97, observed.max() * 1.03]
        ax.plot(span, span, color="black", lw=0.8, label="observed = predicted")
        # Observed losses span less than a decade: linear axes with a few round ticks read best;
        # prior draws span decades: a log y axis labelled 1, 2, 5, 10, ...
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        if hi.max() / max(lo.min(), 1e-12) > 10:
            from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

            ax.set_yscale("log")
            ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
            ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("observed loss (nats per token)")
        ax.set_ylabel(f"{kind} predictive loss (nats per token)")
        ax.legend(loc="upper left")
    ax.ppc_coverage = covered
    return ax
