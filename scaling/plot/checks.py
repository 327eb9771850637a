"""Prior and posterior predictive checks of a Bayesian fit, finished like every figure."""

from __future__ import annotations

from ..results import DEFAULT_LEVEL
from ._base import _finish, _fit_source, _law_title


def predictive_check(result, kind: str = "posterior", level: float = DEFAULT_LEVEL, ax=None, *, size=None,
                     title=None, subtitle=None, source=None):
    """Predictive check of a :class:`~scaling.bayes.result.BayesFitResult` (:func:`scaling.bayes.plot_ppc`).

    Each run's observed loss against the median and ``level`` interval of its simulated
    losses under the prior or the posterior; the legend gives the share of runs inside.

    Parameters
    ----------
    result : BayesFitResult
    kind : {"prior", "posterior"}
    level : float
        Interval probability of the bars.
    ax : matplotlib Axes, optional
    size : {"column", "page", "slide"}, optional
        Size preset of a new figure; ignored when ``ax`` is given.
    title, subtitle, source : str, True or None
        Title, assumptions line (law, likelihood, priors) and data source; ``True``
        writes the automatic text, ``None`` leaves the line out.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..bayes import plot_ppc

    ax = plot_ppc(result, kind=kind, ax=ax, level=level, size=size)
    ax._scaling_legend = dict(title=None)  # one legend below the data, gathered by _finish
    likelihood = result.settings.get("likelihood")
    _finish(ax.figure, title, subtitle, source,
            auto_title=f"{kind.capitalize()} predictive check: {ax.ppc_coverage:.0%} of the runs inside "
                       f"their {level:.0%} interval",
            auto_subtitle=_law_title(result) + (f"; likelihood: {likelihood}" if likelihood else ""),
            auto_source=_fit_source([result]))
    return ax
