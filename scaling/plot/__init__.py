"""Publication-ready figures for fits, compute-optimal sizing, hardware trends and forecasts.

Every function takes ``ax=None`` (a new figure is made when it is None), draws with
the package style (:func:`style`: Okabe-Ito colour-blind-safe palette, log axes where
a quantity spans decades, labels with units) and returns what it drew on (an
``Axes``, or an array of them where documented). Nothing here calls ``plt.show()``;
save with :func:`savefig`, which writes atomically.

matplotlib is imported inside the functions only, so ``import scaling.plot`` stays
light.

Examples
--------
>>> import scaling
>>> fit = scaling.load_fit("fits/chinchilla_lsq.json")      # doctest: +SKIP
>>> ax = scaling.plot.isoflop(fit)                          # doctest: +SKIP
>>> scaling.plot.savefig(ax, "isoflop.pdf")                 # doctest: +SKIP
"""

from ._base import (CAPTIONS, PALETTE, RC, SAVE_FORMATS, SIZES, SOURCES, U_MATCH_RTOL, FitRuns, runs_of, savefig,
                    style)
from .capability import capability_curve, capability_frontier
from .checks import predictive_check
from .compare import held_out_errors
from .fits import (HOFFMANN_BUDGETS, fit_residuals, isoflop, isoflop_budgets, loss_contours, optimal_allocation,
                   param_pairs, residual_warnings)
from .trends import fan_chart, hardware_trend

__all__ = [
    "PALETTE", "RC", "SIZES", "CAPTIONS", "SOURCES", "style", "isoflop", "loss_contours", "fit_residuals", "param_pairs",
    "optimal_allocation", "hardware_trend", "fan_chart", "predictive_check", "savefig", "SAVE_FORMATS",
    "HOFFMANN_BUDGETS", "runs_of", "FitRuns", "isoflop_budgets", "residual_warnings", "U_MATCH_RTOL",
    "capability_frontier",
    "capability_curve", "held_out_errors",
]
