"""Style, figure helpers, fit helpers and atomic saving shared by the plot modules."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, NamedTuple

import numpy as np
import pandas as pd

from .. import __version__, _style
from .._io import atomic_write_with
from .._style import PALETTE, RC, SIZES
from ..errors import ScalingError
from ..laws import Law, get_law, names
from ..results import require_result

#: Allowed file suffixes for :func:`savefig`.
SAVE_FORMATS = (".png", ".svg", ".pdf")

#: Source lines of the shipped data, for the figures' footers.
SOURCES = {
    "chinchilla_runs": "Hoffmann et al. (2022) via Epoch AI (Besiroglu et al. 2024)",
    "muennighoff_runs": "Muennighoff et al. (2023), github.com/huggingface/datablations",
    "accelerators": "Epoch AI, Machine Learning Hardware (CC BY 4.0)",
    "cloud_prices": "Epoch AI, training-cost-trends cloud prices (Cottier et al. 2024; CC BY 4.0)",
    "reference_models": "model papers (Brown et al. 2020; Hoffmann et al. 2022; ...)",
}

#: Pass as ``**CAPTIONS`` to any plot function for the automatic title, assumptions and source.
CAPTIONS = {"title": True, "subtitle": True, "source": True}

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


def style(size: str | None = None):
    """The package style of a size preset in a ``with`` block: :func:`scaling._style.style`."""
    _mpl()
    return _style.style(size)


def _new_ax(ax, size: str | None = None, *, height: float | None = None):
    """``ax`` itself, or the axes of a new figure of the size preset."""
    if ax is not None:
        return ax
    _, ax = _style.new_figure(size, height=height)
    return ax


def _fonts(ax) -> dict[str, float]:
    """Font sizes of the figure's preset (``page`` for a user's figure)."""
    return _style.FONTS[_style.check_size(ax.figure.__dict__.get("_scaling_size"))]


def _caption(value, auto: str | None) -> str | None:
    """``True`` -> the automatic text, a string -> itself, ``None``/``False`` -> None."""
    if value is True:
        return auto
    if value is None or value is False:
        return None
    if not isinstance(value, str):
        raise ScalingError(f"a title, subtitle or source must be a string, True (automatic) or None, got {value!r}")
    return value


def _source(*keys: str) -> str:
    """``Data: A; B`` from :data:`SOURCES` keys."""
    return "Data: " + "; ".join(SOURCES[k] for k in keys)


def _finish(fig, title=None, subtitle=None, source=None, *, auto_title=None, auto_subtitle=None,
            auto_source=None):
    """Resolve the captions (True -> automatic) and finish the figure (:func:`._layout.finish`)."""
    from ._layout import finish

    finish(fig, title=_caption(title, auto_title), subtitle=_caption(subtitle, auto_subtitle),
           source=_caption(source, auto_source))


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
    ax.text(0.99, 0.01, text, transform=ax.transAxes, ha="right", va="bottom", fontsize=_fonts(ax)["note"],
            color="0.35", bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.7), zorder=6)


# --------------------------------------------------------------------------------------
# fits: parameters, predictions, compute-optimal allocation
# --------------------------------------------------------------------------------------
def _law_params(fit) -> tuple[Law, dict[str, float]]:
    """The law and point parameters of a fitted result, or of a plain dict of parameters.

    A dict is matched to the registered law whose parameter names it holds, the one with
    the most parameters when several do (a dict of the data-constrained parameters also
    holds the tied Chinchilla law's E, A, B, alpha).
    """
    if isinstance(fit, Mapping):
        held = [get_law(name) for name in names() if all(p in fit for p in get_law(name).param_names)]
        if held:
            law = max(held, key=lambda lw: lw.n_params)  # the first registered among equals
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


def _law_fit_types() -> tuple[type, ...]:
    """The result kinds that are fitted loss laws: ``FitResult`` and ``BayesFitResult``."""
    from ..bayes.result import BayesFitResult
    from ..fit_result import FitResult

    return FitResult, BayesFitResult


def _method(fit) -> str | None:
    """``"huber"``, ``"huber-mle"`` or ``"bayes"`` for the package's loss fits, else None."""
    return fit.method if isinstance(fit, _law_fit_types()) else None


def _fit_label(fit, default: str = "fit") -> str:
    """How a fit was made, for notes: least squares, Huber MLE or Bayesian posterior."""
    method = _method(fit)
    names = {"huber": "least squares (Huber)", "huber-mle": "Huber MLE", "bayes": "Bayesian posterior"}
    return names.get(method, str(method)) if method else default


def _draws_label(fit, default: str) -> str:
    """Where a fit's uncertainty comes from, for legends: bootstrap or posterior."""
    names = {"huber": "bootstrap (Huber)", "huber-mle": "bootstrap (Huber MLE)", "bayes": "posterior"}
    return names.get(_method(fit)) or _fit_label(fit, default)


def _data_range(fit, data_range=None) -> dict:
    """The extent of the data a fit saw (``fit.data_range``; ``{}`` for published fits or a dict).

    ``data_range`` overrides it: a dict with ``n_params_min/max``, ``n_tokens_min/max``,
    ``compute_flops_min/max``, or a runs DataFrame whose kept runs give the extent.
    """
    if isinstance(data_range, pd.DataFrame):
        kept = data_range[~data_range["excluded"].to_numpy(dtype=bool)] if "excluded" in data_range else data_range
        return {f"{c}_{m}": float(getattr(kept[c], m)()) for c in ("n_params", "n_tokens", "compute_flops")
                for m in ("min", "max") if c in kept}
    if data_range is not None:
        if not isinstance(data_range, Mapping):
            raise ScalingError(f"data_range must be a dict or a runs DataFrame, got {type(data_range).__name__}")
        return dict(data_range)
    if isinstance(fit, Mapping):
        return {}
    return dict(fit.data_range or {})


def _law_title(fit, n_unique_tokens: float | None = None) -> str:
    """``Chinchilla law, least squares (Huber)`` for subtitles; ``U = 25B unique tokens`` added when given."""
    law, _ = _law_params(fit)
    title = f"{law.name.replace('_', '-').capitalize()} law, {_fit_label(fit)}"
    return title + (f"; {_u_text(n_unique_tokens)}" if n_unique_tokens is not None else "")


def _u_text(n_unique_tokens: float) -> str:
    """``U = 25B unique tokens``."""
    from ._units import count_label

    return f"U = {count_label(n_unique_tokens)} unique tokens"


# --------------------------------------------------------------------------------------
# laws with covariates (data_constrained: n_unique_tokens)
# --------------------------------------------------------------------------------------
#: Relative tolerance within which a run's unique tokens count as the ``U`` a figure is drawn at.
U_MATCH_RTOL = 0.05


def _grid_law(fit, n_unique_tokens=None, *, option: str | None = None) -> tuple[Law, dict[str, float], float | None]:
    r"""The law to draw over a grid of (N, D), its point parameters and the ``U`` it is drawn at.

    A law with covariates (data_constrained, Muennighoff et al. 2023, arXiv:2305.16264: the
    unique tokens :math:`U`) is fixed at ``n_unique_tokens`` (:meth:`scaling.laws.Law.at`:
    a pool of :math:`U` unique tokens, of which a run of :math:`D < U` tokens sees :math:`D`);
    any other law is returned as it is. The checks and their wording follow
    ``scaling.optimal(unique_tokens=...)``; ``option`` is the name the messages give the
    value (the CLI's ``--unique-tokens``; default the API's ``n_unique_tokens``).

    Raises
    ------
    ScalingError
        A covariate law without ``n_unique_tokens``; ``n_unique_tokens`` for a law without
        covariates; a value that is not a number of tokens in ``N_TOKENS_RANGE``.
    """
    from .._checks import check_number
    from ..laws import N_TOKENS_RANGE

    name = option or "n_unique_tokens"
    law, params = _law_params(fit)
    if not law.covariates:
        if n_unique_tokens is not None:
            raise ScalingError(f"{name} applies to a data-constrained law (data_constrained); this fit's law is "
                               f"{law.name}, which assumes unlimited unique data")
        return law, params, None
    if n_unique_tokens is None:
        give = option or "n_unique_tokens= (--unique-tokens in the CLI)"
        raise ScalingError(f"the {law.name} law needs the unique tokens available to draw over (N, D): give {give}, "
                           "e.g. 25e9")
    if np.ndim(n_unique_tokens) != 0:
        raise ScalingError(f"{name} must be one number of tokens, got {n_unique_tokens!r}")
    u = float(check_number(name, n_unique_tokens, low=N_TOKENS_RANGE[0], high=N_TOKENS_RANGE[1], low_open=False))
    return law.at(n_unique_tokens=u), params, u


def _unique_match(law: Law, runs: pd.DataFrame, n_unique_tokens: float | None) -> np.ndarray:
    r"""Which runs the law at a pool of ``n_unique_tokens`` describes: all for a law without covariates.

    A run of :math:`D` tokens on :math:`U_i` unique tokens sees :math:`\min(U_i, D)` of them,
    and the law at a pool :math:`U` gives it :math:`\min(U, D)`; the run matches when the two
    agree within :data:`U_MATCH_RTOL` (so a single-epoch run matches every pool at least as
    large as its tokens).

    Raises
    ------
    ScalingError
        The runs lack the ``n_unique_tokens`` column, or a run has more unique tokens than tokens.
    """
    if n_unique_tokens is None or not law.covariates or len(runs) == 0:
        return np.ones(len(runs), dtype=bool)
    own = law.covariate_values(runs)["n_unique_tokens"]
    d = runs["n_tokens"].to_numpy(dtype=float)
    return np.abs(np.log(np.minimum(own, d) / np.minimum(n_unique_tokens, d))) <= np.log1p(U_MATCH_RTOL)


def _runs(runs, fit=None) -> pd.DataFrame | None:
    """Validated ``runs``; None -> the fit's own (:func:`runs_of`, None when unknown); False -> None."""
    if runs is None:
        return runs_of(fit).runs
    if runs is False:
        return None
    if not isinstance(runs, pd.DataFrame):
        raise ScalingError(f"runs must be a pandas DataFrame, None (the fit's own runs) or False (none), "
                           f"got {type(runs).__name__}")
    from ..datasets import validate_runs

    out = validate_runs(runs)
    out.attrs.update(runs.attrs)
    return out


#: Shipped run tables a fit's ``data_sha256`` is matched against (:func:`runs_of`).
SHIPPED_RUNS = ("chinchilla_runs", "muennighoff_runs")


class FitRuns(NamedTuple):
    """The runs a plot of a fit draws (:func:`runs_of`).

    Attributes
    ----------
    runs : DataFrame or None
        The runs, or None when none can be found (``note`` says why).
    note : str or None
        One line for people when no runs are drawn.
    warning : str or None
        One line when the runs given are not the ones the fit was made from.
    """

    runs: pd.DataFrame | None
    note: str | None = None
    warning: str | None = None


def _fit_record(fit) -> tuple[str, str]:
    """``(data_sha256, data_path)`` a fit records; ``("", "")`` for a dict of parameters.

    Raises
    ------
    ScalingError
        ``fit`` is neither a loss-law fit (``FitResult``, ``BayesFitResult``) nor a dict.
    """
    if isinstance(fit, Mapping):
        return "", ""
    if not isinstance(fit, _law_fit_types()):
        raise ScalingError(f"expected a fitted loss law (FitResult or BayesFitResult) or a dict of its "
                           f"parameters, got {type(fit).__name__}")
    return str(fit.data_sha256 or ""), str(fit.data_path or "")


def runs_of(fit, data=None) -> FitRuns:
    """The runs a plot of ``fit`` draws: the runs the fit was made from, wherever they can be found.

    The rule, first match wins:

    1. ``data`` if given (a runs DataFrame or a CSV path, read by
       :func:`scaling.datasets.read_runs`); drawn even when its hash differs from the fit's
       ``data_sha256``, with ``warning`` saying the fit was not made from these runs;
    2. the fit's ``data_path`` (recorded when it was fitted from a file) if that file
       exists and its :func:`scaling.datasets.runs_sha256` equals the fit's ``data_sha256``;
    3. the shipped run table (:data:`SHIPPED_RUNS`) whose hash equals ``data_sha256``;
    4. none: ``runs`` is None and ``note`` says why (a published fit or a dict of
       parameters records no data; a changed or moved file no longer matches).

    Parameters
    ----------
    fit : FitResult, BayesFitResult or dict
    data : DataFrame, str or PathLike, optional

    Returns
    -------
    FitRuns
        ``(runs, note, warning)``. Runs from a file keep its path in ``attrs["path"]``;
        shipped runs carry their table name in ``attrs["source"]``.

    Raises
    ------
    ScalingError
        ``fit`` is no loss-law fit or dict, or a malformed runs table or file;
        ``FileNotFoundError`` for a missing ``data`` file.

    Examples
    --------
    >>> from scaling import library, plot
    >>> plot.runs_of(library.published_fit("hoffmann2022")).runs is None
    True
    """
    from .. import datasets

    sha, path = _fit_record(fit)
    if data is not None:
        if isinstance(data, pd.DataFrame):
            runs = datasets.validate_runs(data)
            runs.attrs.update(data.attrs)
        elif isinstance(data, (str, os.PathLike)):
            runs = datasets.read_runs(data)
        else:
            raise ScalingError(f"data must be a runs DataFrame or a CSV path, got {type(data).__name__}")
        warning = None
        got = datasets.runs_sha256(runs)
        if not isinstance(fit, Mapping) and got != sha:
            what = Path(data).name if not isinstance(data, pd.DataFrame) else "the runs given"
            warning = (f"the fit records no data, so {what} cannot be checked to be its runs" if not sha else
                       f"the fit was not made from these runs: {what} has sha256 {got[:12]}..., the fit's data "
                       f"{sha[:12]}...")
        return FitRuns(runs, None, warning)
    if not sha:
        what = "a dict of parameters" if isinstance(fit, Mapping) else "the fit"
        return FitRuns(None, f"no runs drawn: {what} records no data (pass the runs to draw, --data FILE)")
    changed = None
    if path and Path(path).is_file():
        try:
            runs = datasets.read_runs(path)
        except ScalingError:
            runs = None
        if runs is not None and datasets.runs_sha256(runs) == sha:
            return FitRuns(runs)
        changed = path
    shipped = _shipped_runs(sha)
    if shipped is not None:
        return FitRuns(shipped)
    why = (f"its data file {changed} has changed since the fit (sha256 differs)" if changed else
           f"its data file {path} is not found" if path else
           f"its data (sha256 {sha[:12]}...) is no shipped table and no file was recorded")
    return FitRuns(None, f"no runs drawn: {why} (pass --data FILE)")


def _runs_source(runs) -> str | None:
    """The data-source text of drawn runs: a shipped table's citation, a file's name, or None."""
    if runs is None or runs is False:
        return None
    key = runs.attrs.get("source")
    if key in SOURCES:
        return SOURCES[key]
    path = runs.attrs.get("path")
    return f"runs from {Path(path).name}" if path else "runs given by the user"


def _shipped_runs(sha: str):
    """The shipped run table (:data:`SHIPPED_RUNS`) whose data hash is ``sha``, with its name in
    ``attrs["source"]``; else None."""
    from .. import datasets

    for name in SHIPPED_RUNS:
        try:
            runs = datasets.load(name)
        except (OSError, ScalingError):  # a missing shipped table: try the next one
            continue
        if datasets.runs_sha256(runs) == sha:
            runs.attrs["source"] = name
            return runs
    return None


def _shipped_table(sha: str) -> str | None:
    """The name of the shipped run table whose data hash is ``sha``, else None."""
    runs = _shipped_runs(sha)
    return None if runs is None else runs.attrs["source"]


#: What the ``loss`` column of each shipped run table is (datasets/README.md).
LOSS_NAMES = {"chinchilla_runs": "training loss", "muennighoff_runs": "validation loss"}


def _loss_name(runs, fit=None) -> str:
    """``"training loss"`` or ``"validation loss"`` when the runs (else the fit's data) are a shipped
    table (:data:`LOSS_NAMES`: Hoffmann et al.'s training losses, Muennighoff et al.'s final C4
    validation losses), else ``"loss"``."""
    from .. import datasets

    name = None
    if runs is not None and runs is not False and len(runs):
        name = runs.attrs.get("source")
        if name not in LOSS_NAMES:
            name = _shipped_table(datasets.runs_sha256(runs))
    if name is None and fit is not None:
        sha, _ = _fit_record(fit)
        name = _shipped_table(sha) if sha else None
    return LOSS_NAMES.get(name, "loss")


def _fit_data_source(fit) -> str | None:
    """What a fit was made from, for a footer: the paper's citation only when it is the paper's data.

    A shipped table's citation (:data:`SOURCES`) when the fit's ``data_sha256`` is that
    table's (Hoffmann et al. for ``chinchilla_runs``); a published fit's own source; else
    the fit's runs file (``data_path``) or "user data", with the number of runs. None for a
    dict of parameters (no data).
    """
    if isinstance(fit, Mapping):
        return None
    sha, path = _fit_record(fit)  # a FitResult or BayesFitResult from here on
    if fit.method == "published":
        source = fit.settings.get("source") if isinstance(fit.settings, Mapping) else None
        return f"published fit, {source}" if source else "a published fit"
    name = _shipped_table(sha) if sha else None
    if name is not None:
        return SOURCES[name]
    n_runs = fit.n_runs
    count = f"{int(n_runs)} runs" if isinstance(n_runs, (int, np.integer)) and n_runs > 0 else ""
    if path:
        return f"runs from {Path(path).name}" + (f" ({count})" if count else "")
    return "user data" + (f", {count}" if count else "")


def _fit_source(fits, *keys: str) -> str | None:
    """``Data: <each fit's data>; <keys>`` for the footer of a figure of fits (:func:`_fit_data_source`)."""
    parts = list(dict.fromkeys(p for p in (*(_fit_data_source(f) for f in fits), *(SOURCES[k] for k in keys))
                               if p))
    return "Data: " + "; ".join(parts) if parts else None


def _source_of(runs, *keys: str) -> str | None:
    """``Data: <runs>; <keys>`` for the footers of figures drawing ``runs``; None when nothing is drawn."""
    parts = [p for p in (_runs_source(runs), *(SOURCES[k] for k in keys)) if p]
    return "Data: " + "; ".join(parts) if parts else None


def _predict_fit(fit, n_params, n_tokens, **covariates) -> np.ndarray:
    """Point predictions of a fitted result (its ``predict``) or of a dict of parameters."""
    if isinstance(fit, Mapping):
        law, params = _law_params(fit)
        return law.predict(params, n_params, n_tokens, **covariates)
    require_result(fit, "a fitted loss law or a dict of its parameters")
    return np.asarray(fit.predict(n_params, n_tokens, **covariates), dtype=float)


def _predict_runs(fit, runs: pd.DataFrame) -> np.ndarray:
    """Point predictions at each run's own (N, D) and covariates (data_constrained: its ``n_unique_tokens``).

    Raises
    ------
    ScalingError
        A law with covariates and runs without their column (naming it).
    """
    law, _ = _law_params(fit)
    covariates = law.covariate_values(runs)
    return _predict_fit(fit, runs["n_params"].to_numpy(dtype=float), runs["n_tokens"].to_numpy(dtype=float),
                        **covariates)


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
def savefig(ax_or_fig, path: str | os.PathLike, *, dpi: int = _style.SAVE_DPI) -> Path:
    """Save the figure holding ``ax_or_fig`` to ``path`` atomically.

    Parameters
    ----------
    ax_or_fig : Figure, Axes or array of Axes
    path : str or PathLike
        Ends in ``.png``, ``.svg`` or ``.pdf`` (the format follows the suffix).
    dpi : int
        Resolution of PNGs (and of rasterised parts of vector files); default
        :data:`scaling._style.SAVE_DPI` (200).

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
    # A preset figure keeps its exact size (3.5 in wide is a column); another is cropped to its content.
    bbox = None if "_scaling_size" in fig.__dict__ else "tight"
    # Unhinted text as laid out (scaling._style.RC): the widths finish() measured hold at this dpi.
    with matplotlib.rc_context({"svg.hashsalt": "scaling", "text.hinting": _style.RC["text.hinting"]}):
        atomic_write_with(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata,
                                                        bbox_inches=bbox))
    return path
