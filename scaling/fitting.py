r"""Robust least-squares fits of scaling laws (Hoffmann et al. 2022, Approach 3), fast.

The Chinchilla law :math:`L(N, D) = E + A/N^\alpha + B/D^\beta` is fitted as in
Hoffmann et al. (2022, App. D.2) and Epoch AI's replication (Besiroglu et al. 2024):

.. math::

    \min_{a, b, e, \alpha, \beta} \sum_i \mathrm{Huber}_\delta\big(
        \mathrm{LSE}(a - \alpha \log N_i,\ b - \beta \log D_i,\ e) - \log L_i \big),
    \qquad A = e^a,\ B = e^b,\ E = e^e,

with :math:`\delta = 10^{-3}`, by L-BFGS from Hoffmann's grid of 4,500 starts
(:math:`\alpha, \beta \in \{0, 0.5, \dots, 2\}`, :math:`e \in \{-1, -0.5, \dots, 1\}`,
:math:`a, b \in \{0, 5, \dots, 25\}`), keeping the best. The sum (not the mean) is
minimised: with the mean the optimiser stops early (Besiroglu et al. 2024).

Every start runs its own L-BFGS, all advancing together (:mod:`scaling.optim`); the
objectives are in :mod:`scaling.objective`. The best few end points are then polished
with ``scipy.optimize.minimize(method="L-BFGS-B")``. The bootstrap refits every resample at
once the same way, from the full-data optimum as Epoch did, with multinomial counts as
weights (equivalent to resampling runs with replacement).

``method="huber-mle"`` is Epoch's Huber maximum-likelihood variant with a fitted scale
``sigma``; ``method="bayes"`` forwards to :func:`scaling.bayes.fit`.

Examples
--------
>>> from scaling import datasets, fitting
>>> result = fitting.fit(datasets.load("chinchilla_runs"), grid="coarse")
>>> round(result.params["alpha"], 2), result.n_excluded
(0.35, 5)
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping

import numpy as np

from ._checks import check_int, check_number, chunk_rows, units_warnings
from ._format import format_sig, plain_formula, plural
from ._io import utc_now
from .datasets import runs_sha256
from .errors import ScalingError, ScalingWarning
from .laws import Law, get_law
from .result_base import ResultBase
from .objective import block_rows, huber_objective, make_objective
from .optim import MAX_ITER, NONFINITE, STATUS_NAMES, batched_lbfgs, polish
from .results import MAX_SAVED_DRAWS, FrameField, check_level, check_predict_memory, draw_arrays, predict_frame
# The run table and the shared checks live below this module (scaling.runs), so that the
# Bayesian and per-group fits use them without importing this one; the names stay importable
# from here (public ones unchanged; the private ones are deprecated aliases).
from .runs import (DRAWS_AT_BOUND_SHARE, INCLUDE, MIN_DISTINCT_SIZES, MIN_TAIL_DRAWS,  # noqa: F401
                   condition_number, data_path, data_range, draw_columns, draws_at_bound_warnings, draws_frame,
                   few_draws_warning, n_distinct, prepare_runs, range_warnings,
                   refuse_pooled_groups)

if TYPE_CHECKING:  # pandas loads where a DataFrame is built: loading a fit and sizing need none
    import pandas as pd

__all__ = [
    "fit", "FitResult", "load_fit", "huber_objective", "data_range",
    "SCHEMA", "SCHEMA_VERSION", "METHODS", "GRIDS", "MAX_BOOTSTRAP",
]

SCHEMA = "scaling.fit"
SCHEMA_VERSION = 4
# Versions of the file format this module still reads (tests/data holds examples). Version 4
# keeps the draws in the one store of scaling.results (thinned to MAX_SAVED_DRAWS, 6 digits).
READABLE_VERSIONS = (1, 2, 3, 4)
METHODS = ("huber", "huber-mle", "bayes")
#: Methods a saved .json fit may have: the least-squares ones, and "published" for the
#: published fits of :mod:`scaling.library` (point estimates, no draws).
SAVED_METHODS = ("huber", "huber-mle", "published")
GRIDS = ("hoffmann", "coarse")
#: Most bootstrap resamples one fit takes (memory grows with resamples x runs).
MAX_BOOTSTRAP = 100_000
_BOOT_CHUNK = 8192  # resamples refitted at once: bounds the (chunk, n_runs) weight matrix
_N_POLISH = 20  # distinct best end points of the grid stage refined with tight tolerances

# Sanity thresholds of FitResult.warnings() (the identifiability ones live in scaling.runs)
MAX_CONDITION = 1e10  # condition number of the Hessian (theta space) above which we warn
MAX_RMS_LOG_RESIDUAL = 0.1  # RMS of log(predicted / observed loss) above which the law fits badly


# ======================================================================================
# Result
# ======================================================================================
def _cell(x: float) -> str:
    """A report cell: 6 significant figures; NaN as '-' and inf as 'unbounded' (scaling._format)."""
    return format_sig(x, 6)


@dataclass(frozen=True)
class FitResult(ResultBase):
    """An immutable least-squares fit of a scaling law (a :class:`scaling.result_base.ResultBase`).

    Attributes
    ----------
    law : str
        Law name (see :mod:`scaling.laws`).
    method : str
        ``"huber"`` or ``"huber-mle"`` (``"published"`` for the fits of :mod:`scaling.library`).
    params : dict
        Point estimates, e.g. ``E, A, B, alpha, beta`` for chinchilla.
    objective : float
        Best objective reached: the Huber sum, or the negative log-likelihood for huber-mle.
    n_runs, n_excluded : int
        Runs fitted, and runs of the table left out (``excluded=True``).
    data_sha256 : str
        :func:`scaling.datasets.runs_sha256` of the table passed in.
    seed : int
        Seed of the bootstrap.
    settings : dict
        Method settings (delta, grid, include, bootstrap, optimiser).
    draws : pandas.DataFrame or None
        One row per bootstrap resample: law parameters plus derived quantities. A fit
        loaded from a file holds its draws as arrays and builds this DataFrame on first
        read (:class:`scaling.results.FrameField`); :func:`scaling.results.draw_arrays`
        reads them without pandas.
    starts : dict
        How the starts ended: counts by status and how many ended within 1e-8 of the best.
    extras : dict
        Other fitted quantities (``sigma`` for huber-mle).
    data_range : dict
        The span of the fitted runs (:func:`data_range`): min/max N, D, C and distinct sizes.
    diagnostics : dict
        ``condition_number`` of the objective's Hessian at the optimum, ``rms_log_residual``.
    created : str
        UTC time of the fit (ISO 8601).
    data_path : str
        The file the runs were read from (:func:`scaling.datasets.read_runs`), "" when the
        table did not come from a file; with ``data_sha256`` it lets plots redraw the fitted runs.
    """

    law: str
    method: str
    params: dict
    objective: float
    n_runs: int
    n_excluded: int
    data_sha256: str
    seed: int
    settings: dict
    draws: pd.DataFrame | None = FrameField()
    starts: dict = field(default_factory=dict)
    extras: dict = field(default_factory=dict)
    data_range: dict = field(default_factory=dict)
    diagnostics: dict = field(default_factory=dict)
    created: str = ""
    data_path: str = ""

    SCHEMA: ClassVar[str] = SCHEMA
    SCHEMA_VERSION: ClassVar[int] = SCHEMA_VERSION
    READABLE_VERSIONS: ClassVar[tuple[int, ...]] = READABLE_VERSIONS
    KIND: ClassVar[str] = "least-squares fit"
    REMEDY: ClassVar[str] = "refit (`scaling fit`, or `scaling run --force`)"

    # -- questions every fit answers ------------------------------------------------
    @property
    def law_object(self) -> Law:
        return get_law(self.law)

    def derived(self) -> dict[str, float]:
        """Derived quantities of the point estimate (chinchilla: a, b, G)."""
        return {k: float(v) for k, v in self.law_object.derived(self.params).items()}

    def _summary_values(self) -> dict[str, float]:
        """Law parameters, derived quantities (chinchilla: a, b, G) and extras (``sigma``)."""
        return {**{k: float(v) for k, v in self.params.items()}, **self.derived(),
                **{k: float(v) for k, v in self.extras.items()}}

    def _report_title(self) -> str:
        return f"{self.law_object.name} law fit ({self.method}), {self.n_runs} runs"

    def _report_lines(self, level: float) -> list[str]:
        law = self.law_object
        lines = [
            f"  {plain_formula(law.formula)}",
            f"  objective: {self.objective:.10g}" if math.isfinite(self.objective) else "  objective: - (published)",
        ]
        if self.n_excluded:
            lines.append(f"  excluded: {self.n_excluded} runs marked excluded in the data were left out "
                         "(include='all' keeps them)")
        s = self.starts
        if s:
            lines.append(
                f"  starts: {s.get('n_starts', 0)} ({s.get('grid', '')} grid); converged "
                f"{s.get('converged', 0)}, line search stalled {s.get('line_search_stalled', 0)}, "
                f"iteration limit {s.get('max_iter', 0)}, non-finite {s.get('non_finite', 0)}; "
                f"{s.get('within_1e-8', 0)} ended within 1e-8 of the best"
            )
        summ = self.summary(level)
        pct = f"{level:.0%}"
        lines.append(f"  {'param':<8}{'value':>14}{'lower ' + pct:>16}{'upper ' + pct:>16}")
        for name, row in summ.iterrows():
            lo, hi = (_cell(row[c]) for c in ("lower", "upper"))  # no draws: '-', not 'nan'
            lines.append(f"  {name:<8}{_cell(row['value']):>14}{lo:>16}{hi:>16}")
        if self.draws is not None:
            lines.append(f"  bootstrap: {len(self.draws)} resamples (seed {self.seed}), percentile intervals")
        return lines

    def _warnings(self, level: float) -> list[ScalingWarning]:
        """What may make this fit's numbers wrong: identifiability, bounds, convergence, too few draws."""
        law = self.law_object
        out = range_warnings(self.data_range)
        for name, (lo, hi) in law.bounds.items():
            v = float(self.params[name])
            span = (hi - lo) if np.isfinite(hi - lo) else max(abs(v), 1.0)
            tol = 1e-6 * span
            if not np.isfinite(v):
                out.append(ScalingWarning("param_not_finite", _not_finite_text(law, name, v)))
            elif v <= lo + tol or v >= hi - tol:
                out.append(ScalingWarning("param_at_bound",
                                          f"parameter {name} = {v:.6g} is at or beyond its bound [{lo:g}, {hi:g}]"))
        cond = self.diagnostics.get("condition_number")
        if cond is not None and not cond <= MAX_CONDITION:
            out.append(ScalingWarning(
                "ill_conditioned",
                f"the optimum is nearly flat (Hessian condition number {cond:.2g} > {MAX_CONDITION:.0e}): "
                "some parameter combinations are not determined by the data"))
        rms = self.diagnostics.get("rms_log_residual")
        if rms is not None and rms > MAX_RMS_LOG_RESIDUAL:
            out.append(ScalingWarning("poor_fit", f"RMS log residual {rms:.3g} > {MAX_RMS_LOG_RESIDUAL}: the "
                                                  f"{law.name} law does not describe these runs well"))
        s = self.starts
        n_bad = s.get("max_iter", 0) + s.get("non_finite", 0)
        if n_bad:
            out.append(ScalingWarning("failed_starts", f"{n_bad} of {s.get('n_starts', 0)} starts failed "
                                                       "(iteration limit or non-finite values)"))
        if s.get("bootstrap_failed", 0):
            out.append(ScalingWarning("bootstrap_failed", f"{s['bootstrap_failed']} bootstrap resamples did "
                                                          "not converge (kept in draws)"))
        columns = draw_arrays(self)
        out += draws_at_bound_warnings(law, columns, self.params)
        if columns is not None:
            out += few_draws_warning(columns.n_rows, level)
        return out

    def predict(self, n_params, n_tokens, level: float | None = None, **covariates):
        """Predicted loss at (N, D) (and the law's covariates, e.g. ``n_unique_tokens=``).

        Without ``level``: a float array (inputs broadcast). With ``level``: a DataFrame with
        ``n_params, n_tokens, median, lower, upper``, where ``median`` is the prediction at the
        point estimate and the ends are percentiles of the per-draw predictions.

        Raises
        ------
        ScalingError
            Non-positive or non-finite inputs; ``level`` without bootstrap draws.
        """
        law = self.law_object
        n_params = check_number("n_params", n_params)
        n_tokens = check_number("n_tokens", n_tokens)
        point = np.asarray(law.predict(self.params, n_params, n_tokens, **covariates), dtype=float)
        if level is None:
            return point
        level = check_level(level)
        columns = draw_arrays(self)
        if columns is None:
            raise ScalingError("this fit has no draws; refit with bootstrap > 0 for intervals")
        names = list(covariates)
        flat = [b.ravel() for b in np.broadcast_arrays(np.asarray(n_params), np.asarray(n_tokens),
                                                      *(np.asarray(covariates[k], dtype=float) for k in names))]
        draws = {p: np.asarray(columns[p], dtype=float)[:, None] for p in law.param_names}
        check_predict_memory(columns.n_rows, flat[0].size)
        per_draw = law.predict(draws, flat[0][None, :], flat[1][None, :],
                               **{k: v[None, :] for k, v in zip(names, flat[2:])})
        return predict_frame(dict(zip(["n_params", "n_tokens", *names], flat)), per_draw, level,
                             median=np.ravel(point) * np.ones(flat[0].size))

    # -- files (written by ResultBase: to_dict, save, load) ----------------------------
    def _fields(self) -> dict[str, Any]:
        return {
            "law": self.law,
            "method": self.method,
            "params": {k: float(v) for k, v in self.params.items()},
            "extras": {k: float(v) for k, v in self.extras.items()},
            "objective": float(self.objective),
            "n_runs": int(self.n_runs),
            "n_excluded": int(self.n_excluded),
            "data_range": dict(self.data_range),
            "diagnostics": dict(self.diagnostics),
            "starts": self.starts,
            "data_path": self.data_path,
        }

    def _saved_draws(self):
        """Law parameters and extras (derived quantities are recomputed on load)."""
        columns = draw_arrays(self)
        if columns is None:
            return None
        return {c: columns[c] for c in (*self.law_object.param_names, *self.extras) if c in columns}

    def _check_savable(self, path: Path) -> None:
        bad = {k: float(v) for k, v in {**self.params, **self.extras}.items() if not math.isfinite(float(v))}
        if bad:  # every loader refuses such a file: never write one
            name, v = next(iter(bad.items()))
            raise ScalingError(f"not saving {path.name}: {_not_finite_text(self.law_object, name, v)}")

    @classmethod
    def _upgrade(cls, payload: dict) -> dict:
        version = payload["schema_version"]
        if version == 1:
            # version 1 (scaling 0.0.x) kept the parameters under "estimates" and
            # no starts summary or extras
            payload = {**payload, "params": payload["estimates"], "extras": {}, "starts": {},
                       "created": payload.get("time", "")}
        if version < 3:  # versions 1-2 named the package version differently
            payload = {**payload, "scaling_version": payload.get("package_version", ""),
                       "created": payload.get("created", ""), "settings": payload.get("settings", {})}
        return payload

    @classmethod
    def _from_saved(cls, payload: dict, meta: dict, values, path) -> FitResult:
        law = get_law(payload["law"])
        method = payload["method"]
        if method not in SAVED_METHODS:
            raise ScalingError(f"{path}: unknown method {method!r}; a fit file has one of "
                               f"{', '.join(SAVED_METHODS)}")
        params = _check_values(path, "parameter", {p: payload["params"][p] for p in law.param_names}, law)
        extras = {k: float(v) for k, v in payload.get("extras", {}).items()}
        # counts of how the starts ended (the grid is a name): whole numbers, or the report breaks
        starts = {k: str(v) if k == "grid" else check_int(f"{path}: starts[{k!r}]", v, 0)
                  for k, v in dict(payload.get("starts", {})).items()}
        draws = None
        if values is not None:
            # held as arrays: the DataFrame is built when fit.draws is first read (sizing needs none)
            draws = draw_columns(law, values, {k: values[k] for k in extras if k in values})
            if not draws.n_rows:
                raise ScalingError(f"{path}: the draws are empty")
            if not all(np.isfinite(draws[p]).any() for p in law.param_names):
                raise ScalingError(f"{path}: a parameter has no finite draw")
        # a published fit has no objective (NaN); a fitted one a finite, non-negative value
        objective = (float(payload["objective"]) if method == "published"
                     else check_number(f"{path}: objective", payload["objective"], low=0.0, low_open=False))
        n_runs = check_int("n_runs", payload["n_runs"], 0 if method == "published" else 1)
        return cls(
            law=law.name, method=method, params=params, objective=objective, n_runs=n_runs,
            n_excluded=int(payload.get("n_excluded", 0)), data_sha256=meta["data_sha256"],
            seed=meta["seed"], settings=dict(meta["settings"]), draws=draws,
            starts=dict(starts), extras=extras,
            data_range=_check_numbers(path, "data_range", payload.get("data_range") or {}, allow_inf=False),
            diagnostics=_check_numbers(path, "diagnostics", payload.get("diagnostics") or {}, allow_inf=True),
            created=meta["created"],
            data_path=str(payload.get("data_path") or ""),
        )


def _not_finite_text(law: Law, name: str, value: float) -> str:
    """Why a fitted parameter is not finite, for the ``param_not_finite`` warning and the refused save."""
    return (f"parameter {name} is {value} (allowed: a finite number): the {law.name} law's objective keeps "
            f"falling as {name} runs off without bound, so the data (e.g. losses that do not fall with N and "
            "D) fix no optimum; answers from this fit are meaningless and it cannot be saved")


def _check_values(path, what: str, values: Mapping[str, float], law: Law) -> dict[str, float]:
    out = {}
    for name, v in values.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)):  # "E": true is no number (float(True) is 1)
            raise ScalingError(f"{path}: {what} {name} is {v!r}, not a number")
        try:
            v = float(v)
        except OverflowError:
            raise ScalingError(f"{path}: {what} {name} is an integer too large for a float") from None
        if not math.isfinite(v):
            raise ScalingError(f"{path}: {what} {name} is {v}, not a finite number")
        lo = law.bounds.get(name, (-math.inf, math.inf))[0]
        if v < lo:
            raise ScalingError(f"{path}: {what} {name} = {v:g} is below {lo:g}, outside the {law.name} law's domain")
        out[name] = v
    return out


def _check_numbers(path, what: str, values, *, allow_inf: bool) -> dict:
    """A saved block of named numbers (data_range, diagnostics): every value a number, not NaN."""
    if not isinstance(values, Mapping):
        raise ScalingError(f"{path}: {what} must be a mapping of numbers, got {type(values).__name__}")
    out = {}
    for key, v in values.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v) \
                or (not allow_inf and math.isinf(v)):
            raise ScalingError(f"{path}: {what}[{key!r}] must be a {'number' if allow_inf else 'finite number'}, "
                               f"got {v!r}")
        out[str(key)] = v
    return out


def load_fit(path: str | os.PathLike, runs: pd.DataFrame | None = None):
    """Load a saved fit: ``.json`` -> :class:`FitResult`, ``.nc`` -> :func:`scaling.bayes.load`.

    Parameters
    ----------
    path : str or PathLike
    runs : DataFrame, optional
        If given, check that the fit was made from this table (data sha256).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ScalingError
        A foreign or corrupt file, an unsupported schema version, invalid values, or a data mismatch.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".nc":
        from . import bayes  # lazy: pulls in arviz

        result = bayes.load(path)
    elif suffix == ".json":
        result = FitResult.load(path)
    else:
        raise ScalingError(f"unknown fit file type {path.name!r}; expected .json (least squares) "
                           "or .nc (Bayesian)")
    if runs is not None:
        got = runs_sha256(runs)
        if got != result.data_sha256:
            raise ScalingError(f"{path} was fitted to other data (sha256 {result.data_sha256[:12]}..., "
                               f"these runs {got[:12]}...)")
    return result


# ======================================================================================
# fit()
# ======================================================================================
def _summarise_starts(status, f, best, grid_name, n_polished):
    counts = {name: int((status == code).sum()) for code, name in STATUS_NAMES.items()}
    finite = np.isfinite(f)
    return {"n_starts": int(status.size), "grid": grid_name, **counts,
            "within_1e-8": int((finite & (f <= best + 1e-8 * max(1.0, abs(best)))).sum()),
            "polished": int(n_polished)}


def _grid_starts(law: Law, grid, method: str, log_n, log_d, log_l, delta):
    if isinstance(grid, str):
        if grid not in GRIDS:
            raise ScalingError(f"unknown grid {grid!r}; known grids: {', '.join(GRIDS)} (or an array of starts)")
        x0, name = law.grid(grid), grid
    else:
        x0 = np.atleast_2d(np.asarray(grid, dtype=float))
        if x0.shape[1] != law.n_params or not np.isfinite(x0).all():
            raise ScalingError(f"grid array must have shape (n_starts, {law.n_params}) with finite values "
                             f"in the order {', '.join(law.theta_names)}; got shape {x0.shape}")
        name = "custom"
    if method == "huber-mle":
        # scale start: the profile maximum for nearly-absolute residuals, sigma = delta * mean |r|
        mad = np.empty(len(x0))
        step = block_rows(log_l.size)  # the (starts, runs) predictions in blocks that fit the memory limit
        for i in range(0, len(x0), step):
            y, _ = law.log_predict_vjp(x0[i:i + step], log_n, log_d)
            with np.errstate(invalid="ignore", over="ignore"):
                mad[i:i + step] = np.abs(y - log_l).mean(axis=1)
        s0 = np.log(np.clip(np.where(np.isfinite(mad), mad, 1.0), 1e-12, 1e12) * delta)
        x0 = np.column_stack([x0, s0])
    return x0, name


def fit(runs: pd.DataFrame, law: str = "chinchilla", method: str = "huber", delta: float = 1e-3,
        grid="hoffmann", include: str | None = None, bootstrap: int = 0, seed: int = 0,
        progress: Callable[[int, int], None] | None = None, groups: str | None = None, **bayes_kwargs):
    r"""Fit a scaling law to training runs (Hoffmann et al. 2022, Approach 3).

    Parameters
    ----------
    runs : pandas.DataFrame
        ``n_params``, ``n_tokens`` (or ``compute_flops``), ``loss``; optional ``excluded``.
    law : str
        ``"chinchilla"`` (default) or ``"kaplan"``.
    method : str
        ``"huber"``: minimise :math:`\sum_i \mathrm{Huber}_\delta(\log\hat L_i - \log L_i)`;
        ``"huber-mle"``: Epoch's Huber likelihood with a fitted scale ``sigma``;
        ``"bayes"``: forwards to :func:`scaling.bayes.fit` with ``bayes_kwargs``.
    delta : float
        Huber threshold (1e-3 as in Hoffmann et al.).
    grid : str or array
        ``"hoffmann"`` (4,500 starts for chinchilla), ``"coarse"`` (a few starts, for quick
        checks) or an array of starts in the law's ``theta_names`` order.
    include : {"kept", "all"} or None
        Rows marked ``excluded`` are left out by default (the 5 runs Epoch dropped from the
        shipped data); ``"all"`` keeps them. A table without that column is used whole.
    bootstrap : int
        Number of resamples (runs drawn with replacement), each refitted from the
        full-data optimum, at most :data:`MAX_BOOTSTRAP`. 0: no draws.
    seed : int
        Seed of the bootstrap (``np.random.default_rng(seed)``).
    progress : callable or bool, optional
        ``progress(done, total)`` during the bootstrap; for ``method="bayes"``, any true
        value shows the sampler's progress.
    groups : {None, "separate", "shared"}
        For runs with a ``group`` column (dataset, tokenizer): ``"separate"`` fits one law
        per group; ``"shared"`` fits one model with the exponents shared by every group and
        the other parameters (E, A, B for chinchilla) per group (:mod:`scaling.groups`).
        None (default) fits one law to runs of one group; runs of several groups are refused
        then (as :func:`scaling.compare.compare` refuses to pool them: their losses are in other
        units), unless the ``group`` column is dropped.

    Returns
    -------
    FitResult
        (or the Bayesian result for ``method="bayes"``); with ``groups``, a dict
        ``{group: FitResult}``.

    Notes
    -----
    The result records the data's sha256 and, for runs read by
    :func:`scaling.datasets.read_runs`, the file's path (``data_path``).
    """
    if method not in METHODS:
        raise ScalingError(f"unknown method {method!r}; known methods: {', '.join(METHODS)}")
    seed = check_int("seed", seed, 0)
    if groups is not None:
        from . import groups as _groups

        return _groups.fit_groups(runs, law=law, mode=groups, method=method, delta=delta, grid=grid,
                                  include=include, bootstrap=bootstrap, seed=seed, progress=progress,
                                  **bayes_kwargs)
    refuse_pooled_groups(runs)
    if method == "bayes":
        from . import bayes  # lazy: pulls in pymc

        given = [name for name, value, default in (("delta", delta, 1e-3), ("bootstrap", bootstrap, 0))
                 if not (value is default or value == default)]
        if not (isinstance(grid, str) and grid == "hoffmann"):
            given.append("grid")
        if given:
            raise ScalingError(f"{', '.join(given)} apply to the least-squares methods, not method='bayes' "
                               "(its options: draws, tune, chains, sampler, target_accept)")
        return bayes.fit(runs, law=law, seed=seed, include=include, progress=bool(progress), **bayes_kwargs)
    if bayes_kwargs:
        raise ScalingError(f"fit() got arguments only the Bayesian method takes: {', '.join(sorted(bayes_kwargs))}")
    law_obj = get_law(law)
    delta = check_number("delta", delta)
    bootstrap = check_int("bootstrap", bootstrap, 0, MAX_BOOTSTRAP)
    clean, kept, n_excluded, include = prepare_runs(runs, include)
    k = law_obj.n_params + (1 if method == "huber-mle" else 0)
    if len(kept) < k + 1:
        raise ScalingError(f"too few runs to fit the {law_obj.name} law with {method}: {plural(len(kept), 'run')}, "
                         f"need at least {k + 1} (number of parameters + 1)")
    log_n = np.log(kept["n_params"].to_numpy(dtype=float))
    log_d = np.log(kept["n_tokens"].to_numpy(dtype=float))
    log_l = np.log(kept["loss"].to_numpy(dtype=float))
    # a law with covariates (data_constrained: n_unique_tokens) is fitted with them fixed per run
    covariates = law_obj.covariate_values(kept)
    run_law = law_obj.at(**covariates) if covariates else law_obj

    # --- grid stage: every start its own L-BFGS, all together (scipy's stopping rules) ---
    fun = make_objective(run_law, method, log_n, log_d, log_l, delta)
    x0, grid_name = _grid_starts(run_law, grid, method, log_n, log_d, log_l, delta)
    x, f, _, _, status = batched_lbfgs(fun, x0)
    f_ok = np.where(np.isfinite(f), f, np.inf)
    if not np.isfinite(f_ok).any():
        raise ScalingError("no start reached a finite objective; check the data and the law")
    # --- polish: the best distinct end points by batched L-BFGS with tight tolerances, then
    # the best of those by scipy's L-BFGS-B (analytic gradient, tight tolerances) ---
    order = np.argsort(f_ok, kind="stable")
    picks: list[int] = []
    for i in order:
        if not np.isfinite(f_ok[i]) or len(picks) >= _N_POLISH:
            break
        if all(np.max(np.abs(x[i] - x[j])) > 1e-6 for j in picks):
            picks.append(i)
    xp, fp, _, _, _ = batched_lbfgs(fun, x[picks], ftol=1e-13, gtol=1e-10, f_floor=0.0)
    j = int(np.nanargmin(np.where(np.isfinite(fp), fp, np.nan)))
    best_x, best_f = (xp[j], float(fp[j])) if fp[j] < f_ok[order[0]] else (x[order[0]], float(f_ok[order[0]]))
    xs, fs, _ = polish(fun, best_x)
    if np.isfinite(fs) and fs < best_f:
        best_x, best_f = xs, fs
    starts = _summarise_starts(status, f_ok, best_f, grid_name, len(picks))

    params = {p: float(v) for p, v in law_obj.to_params(best_x[:law_obj.n_params]).items()}
    extras = {"sigma": float(np.exp(best_x[-1]))} if method == "huber-mle" else {}

    # --- bootstrap: all resamples at once, each from the full-data optimum ---
    draws = None
    if bootstrap:
        rng = np.random.default_rng(seed)
        n = len(kept)
        xb = np.empty((bootstrap, best_x.size))
        bstatus = np.empty(bootstrap, dtype=int)
        # chunks bound the (chunk, n_runs) counts (int and float, 16 bytes a cell) by the memory
        # limit; the draws are the same whatever the chunk
        chunk = chunk_rows(16.0 * n, bootstrap, _BOOT_CHUNK)
        for c0 in range(0, bootstrap, chunk):
            size = min(chunk, bootstrap - c0)
            counts = rng.multinomial(n, np.full(n, 1.0 / n), size=size).astype(float)
            bfun = make_objective(run_law, method, log_n, log_d, log_l, delta, weights=counts)
            xb0 = np.repeat(best_x[None, :], size, axis=0)
            callback = None if progress is None else (lambda done, _tot, c0=c0: progress(c0 + done, bootstrap))
            xb[c0:c0 + size], _, _, _, bstatus[c0:c0 + size] = batched_lbfgs(
                bfun, xb0, ftol=1e-13, gtol=1e-10, f_floor=0.0, callback=callback)
        starts["bootstrap_failed"] = int(((bstatus == MAX_ITER) | (bstatus == NONFINITE)).sum())
        bparams = law_obj.to_params(xb[:, :law_obj.n_params])
        bextras = {"sigma": np.exp(xb[:, -1])} if method == "huber-mle" else {}
        draws = draws_frame(law_obj, bparams, bextras)

    settings = {
        "delta": float(delta), "grid": grid_name, "include": include, "bootstrap": int(bootstrap),
        "optimizer": "batched L-BFGS (m=10, weak Wolfe; scipy L-BFGS-B stopping rules) + scipy L-BFGS-B polish",
        "bootstrap_start": "full-data optimum",
        "objective": "sum" if method == "huber" else "negative log-likelihood",
    }
    y, _ = run_law.log_predict_vjp(best_x[None, :law_obj.n_params], log_n, log_d)
    diagnostics = {
        "condition_number": condition_number(run_law, best_x[:law_obj.n_params], log_n, log_d, log_l, delta),
        "rms_log_residual": float(np.sqrt(np.mean((y[0] - log_l) ** 2))),
    }
    return FitResult(
        law=law_obj.name, method=method, params=params, objective=best_f, n_runs=len(kept),
        n_excluded=n_excluded, data_sha256=runs_sha256(clean), seed=int(seed), settings=settings,
        draws=draws, starts=starts, extras=extras,
        data_range=data_range(kept["n_params"].to_numpy(float), kept["n_tokens"].to_numpy(float)),
        diagnostics=diagnostics, created=utc_now(), data_path=data_path(runs),
    )


# Deprecated aliases (before scaling.runs): use the public names of scaling.runs.
_prepare_runs, _data_path, _condition_number = prepare_runs, data_path, condition_number
_draw_columns, _draws_frame, _n_distinct = draw_columns, draws_frame, n_distinct
