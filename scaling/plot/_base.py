"""Style, figure helpers, fit helpers and atomic saving shared by the plot modules."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .. import __version__
from .._io import atomic_write_with
from ..errors import ScalingError
from ..laws import Law, get_law, names
from ..results import require_result

#: Okabe & Ito (2008) colour-blind-safe palette (black moved last: it is kept for data).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")

#: rcParams applied locally by :func:`style`.
RC: dict[str, Any] = {
    "axes.prop_cycle": None,  # filled in by style(): needs matplotlib's cycler
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.which": "major",
    "grid.color": "#d9d9d9",
    "grid.linewidth": 0.6,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "lines.linewidth": 1.6,
    "lines.markersize": 4,
    "font.size": 10,
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "image.cmap": "viridis",
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
}

#: Allowed file suffixes for :func:`savefig`.
SAVE_FORMATS = (".png", ".svg", ".pdf")

_GREEK = {"alpha", "beta", "gamma", "delta", "sigma", "nu", "mu", "tau", "lambda", "kappa"}


def _param_label(name: str) -> str:
    r"""LaTeX label of a parameter name: ``alpha`` -> ``$\alpha$``, ``alpha_N`` -> ``$\alpha_{N}$``."""
    base, _, sub = name.partition("_")
    base = f"\\{base}" if base in _GREEK else base
    return f"${base}_{{{sub}}}$" if sub else f"${base}$"


# --------------------------------------------------------------------------------------
# style and figure helpers
# --------------------------------------------------------------------------------------
def _mpl():
    try:
        import matplotlib
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - matplotlib is a core dependency
        raise ImportError("scaling.plot needs matplotlib: pip install matplotlib") from exc
    return matplotlib, plt


@contextmanager
def style():
    """Apply the package style (:data:`RC`, Okabe-Ito colours) inside a ``with`` block.

    Examples
    --------
    >>> from scaling import plot
    >>> with plot.style():                      # doctest: +SKIP
    ...     fig, ax = plt.subplots()
    """
    matplotlib, _ = _mpl()
    from cycler import cycler

    rc = dict(RC)
    rc["axes.prop_cycle"] = cycler(color=list(PALETTE))
    with matplotlib.rc_context(rc):
        yield


def _new_ax(ax, figsize=(6.0, 4.2)):
    if ax is not None:
        return ax
    _, plt = _mpl()
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _figure_of(obj):
    matplotlib, _ = _mpl()
    if isinstance(obj, matplotlib.figure.Figure):
        return obj
    if isinstance(obj, matplotlib.axes.Axes):
        return obj.figure
    if isinstance(obj, np.ndarray) and obj.size and isinstance(obj.flat[0], matplotlib.axes.Axes):
        return obj.flat[0].figure
    if isinstance(obj, (list, tuple)) and obj and isinstance(obj[0], matplotlib.axes.Axes):
        return obj[0].figure
    raise ScalingError(f"expected a matplotlib Figure, Axes or array of Axes, got {type(obj).__name__}")


def _tag(ax, text):
    """A small provenance note in the lower-right corner (e.g. which fit is drawn)."""
    ax.text(0.99, 0.01, text, transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="0.35",
            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.7), zorder=6)


def _label_points(ax, xs, ys, names, *, color="black"):
    """Label points, moving a label that would overlap one already placed (left, then down).

    Call last: the layout is settled first (``draw_without_rendering``) because placement
    works in display coordinates.
    """
    ax.figure.draw_without_rendering()
    to_pt = 72.0 / ax.figure.dpi
    xs, ys, names = (list(v) for v in (xs, ys, names))
    xy = ax.transData.transform(np.column_stack([np.asarray(xs, float), np.asarray(ys, float)])) * to_pt
    boxes: list[tuple[float, float, float, float]] = []  # left, top, width, height in points

    def free(left, top, width, height):
        return not any(left < bx + bw and bx < left + width and top - height < by and by - bh < top
                       for bx, by, bw, bh in boxes)

    for k in np.argsort(-xy[:, 1], kind="stable"):
        name = str(names[k])
        width, height = 4.3 * len(name) + 4, 9.0
        for step in range(12):
            dy = 4.5 - step * height
            options = [(5.0, "left"), (-5.0, "right")]
            spot = next(((dx, ha) for dx, ha in options
                         if free(xy[k, 0] + (dx if ha == "left" else dx - width), xy[k, 1] + dy, width, height)),
                        None)
            if spot is not None:
                break
        dx, ha = spot if spot is not None else (5.0, "left")
        left = xy[k, 0] + (dx if ha == "left" else dx - width)
        boxes.append((left, xy[k, 1] + dy, width, height))
        boxes.append((xy[k, 0] - 3, xy[k, 1] + 3, 6, 6))  # keep labels off the marker itself
        ax.annotate(name, (xs[k], ys[k]), fontsize=7, color=color, xytext=(dx, dy), ha=ha, va="top",
                    textcoords="offset points", zorder=5,
                    arrowprops=dict(arrowstyle="-", lw=0.4, color="0.4", shrinkA=0, shrinkB=2) if step else None,
                    bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none", alpha=0.7))


# --------------------------------------------------------------------------------------
# fits: parameters, predictions, compute-optimal allocation
# --------------------------------------------------------------------------------------
def _law_params(fit) -> tuple[Law, dict[str, float]]:
    """The law and point parameters of a fitted result, or of a plain dict of parameters.

    A dict is matched to the registered law whose parameter names it holds.
    """
    if isinstance(fit, Mapping):
        for name in names():
            law = get_law(name)
            if all(p in fit for p in law.param_names):
                return law, {p: float(fit[p]) for p in law.param_names}
        wanted = "; ".join(f"{n}: {', '.join(get_law(n).param_names)}" for n in names())
        raise ScalingError(f"parameters {', '.join(map(str, fit))} match no law ({wanted})")
    require_result(fit, "a fitted loss law or a dict of its parameters")
    law = get_law(fit.law)
    missing = [p for p in law.param_names if p not in fit.params]
    if missing:
        raise ScalingError(f"the fit's params lack {', '.join(missing)} of the {law.name} law")
    return law, {p: float(fit.params[p]) for p in law.param_names}


def _draws(fit) -> pd.DataFrame | None:
    """The fit's draws with the law's derived quantities added where missing (None without draws)."""
    if isinstance(fit, Mapping) or fit.draws is None or len(fit.draws) == 0:
        return None
    law = get_law(fit.law)
    draws = pd.DataFrame(fit.draws)
    missing = [k for k in law.derived_names if k not in draws.columns]
    if missing and all(p in draws.columns for p in law.param_names):
        derived = law.derived({p: draws[p].to_numpy(dtype=float) for p in law.param_names})
        draws = draws.assign(**{k: derived[k] for k in missing})
    return draws


def _method(fit) -> str | None:
    """``"huber"``, ``"huber-mle"`` or ``"bayes"`` for the package's loss fits, else None."""
    from ..bayes.result import BayesFitResult
    from ..fitting import FitResult

    return fit.method if isinstance(fit, (FitResult, BayesFitResult)) else None


def _fit_label(fit, default: str = "fit") -> str:
    """How a fit was made, for notes: least squares, Huber MLE or Bayesian posterior."""
    method = _method(fit)
    names = {"huber": "least squares (Huber)", "huber-mle": "Huber MLE", "bayes": "Bayesian posterior"}
    return names.get(method, str(method)) if method else default


def _draws_label(fit, default: str) -> str:
    """Where a fit's uncertainty comes from, for legends: bootstrap or posterior."""
    names = {"huber": "bootstrap (Huber)", "huber-mle": "bootstrap (Huber MLE)", "bayes": "posterior"}
    return names.get(_method(fit)) or _fit_label(fit, default)


def _runs(runs) -> pd.DataFrame:
    if runs is None:
        from .. import datasets

        return datasets.load("chinchilla_runs")
    if not isinstance(runs, pd.DataFrame):
        raise ScalingError(f"runs must be a pandas DataFrame (or None for the shipped Chinchilla runs), got {type(runs).__name__}")
    from ..datasets import validate_runs

    return validate_runs(runs)


def _predict_fit(fit, n_params, n_tokens) -> np.ndarray:
    """Point predictions of a fitted result (its ``predict``) or of a dict of parameters."""
    if isinstance(fit, Mapping):
        law, params = _law_params(fit)
        return law.predict(params, n_params, n_tokens)
    require_result(fit, "a fitted loss law or a dict of its parameters")
    return np.asarray(fit.predict(n_params, n_tokens), dtype=float)


def _reference_models(reference_models):
    if reference_models is False or reference_models is None:
        return None
    if reference_models is True:
        from .. import datasets

        return datasets.load("reference_models")
    if isinstance(reference_models, pd.DataFrame):
        missing = {"name", "n_params", "n_tokens"} - set(reference_models.columns)
        if missing:
            raise ScalingError(f"reference_models lacks column(s) {', '.join(sorted(missing))}; needs name, n_params, n_tokens")
        return reference_models
    raise ScalingError(f"reference_models must be True, False or a DataFrame, got {type(reference_models).__name__}")

# --------------------------------------------------------------------------------------
# saving
# --------------------------------------------------------------------------------------
def savefig(ax_or_fig, path: str | os.PathLike, *, dpi: int = 200) -> Path:
    """Save the figure holding ``ax_or_fig`` to ``path`` atomically.

    Parameters
    ----------
    ax_or_fig : Figure, Axes or array of Axes
    path : str or PathLike
        Ends in ``.png``, ``.svg`` or ``.pdf`` (the format follows the suffix).
    dpi : int
        Resolution of PNGs (and of rasterised parts of vector files).

    Returns
    -------
    pathlib.Path
        The written path.

    Raises
    ------
    ScalingError
        For another suffix, listing the allowed ones.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SAVE_FORMATS:
        raise ScalingError(f"cannot save a figure as {path.name!r}: unknown suffix {path.suffix!r}; "
                         f"allowed: {', '.join(SAVE_FORMATS)}")
    fig = _figure_of(ax_or_fig)
    fmt = suffix[1:]
    # No creation dates: the same figure gives the same bytes (diffable SVG/PDF in papers' repos).
    metadata = {"png": {"Software": f"scaling {__version__} / matplotlib"},
                "svg": {"Date": None, "Creator": f"scaling {__version__}"},
                "pdf": {"CreationDate": None, "Creator": f"scaling {__version__}"}}[fmt]
    matplotlib, _ = _mpl()
    with matplotlib.rc_context({"svg.hashsalt": "scaling"}):
        atomic_write_with(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata,
                                                        bbox_inches="tight"))
    return path
