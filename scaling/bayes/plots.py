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
    return np.exp(observed), np.exp(sim)


def plot_ppc(result, kind: str = "posterior", ax=None, level: float = DEFAULT_LEVEL):
    """Plot a prior or posterior predictive check: each run's observed loss against its
    simulated ``level`` interval.

    A calibrated model puts about ``level`` of the points inside their bars and the
    points near the diagonal; the prior check should show wide bars that still cover
    the data (the priors allow the observed losses without pinning them).

    Parameters
    ----------
    result : BayesFitResult
    kind : {"prior", "posterior"}
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    level : float
        Interval probability of the bars.

    Returns
    -------
    matplotlib.axes.Axes
    """
    level = check_level(level)
    observed, sim = predictive_losses(result, kind)
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5))
    lo, mid, hi = np.quantile(sim, [(1 - level) / 2, 0.5, (1 + level) / 2], axis=0)
    covered = float(np.mean((observed >= lo) & (observed <= hi)))
    ax.errorbar(observed, mid, yerr=[mid - lo, hi - mid], fmt="o", ms=2.5, lw=0.6, alpha=0.6,
                color="C0" if kind == "posterior" else "C1",
                label=f"{kind} predictive median, {level:.0%} interval")
    span = [observed.min() * 0.95, observed.max() * 1.05]
    ax.plot(span, span, color="k", lw=0.8, label="observed = predicted")
    ax.set_xscale("log")
    ax.set_yscale("log")
    from matplotlib.ticker import FormatStrFormatter

    for axis in (ax.xaxis, ax.yaxis):  # losses span less than a decade: plain numbers read better
        axis.set_major_formatter(FormatStrFormatter("%g"))
        axis.set_minor_formatter(FormatStrFormatter("%g"))
    ax.set_xlabel("observed loss")
    ax.set_ylabel(f"{kind} predictive loss")
    ax.set_title(f"{kind.capitalize()} predictive check: {covered:.0%} of {len(observed)} runs "
                 f"inside the {level:.0%} interval", fontsize=9)
    ax.legend(fontsize=8, loc="upper left")
    return ax
