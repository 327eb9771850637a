"""``FitResult``: a least-squares (or published) fit of a scaling law, its report and its file.

A :class:`~scaling.result_base.ResultBase` kind: it declares its summary quantities (law
parameters, derived quantities, extras), its report, its warnings (identifiability, bounds,
convergence, too few draws) and its saved fields (schema ``scaling.fit``, versions
:data:`READABLE_VERSIONS`); the base writes summary, report, ``to_dict``, ``save`` and ``load``.
:func:`scaling.fitting.fit` makes one; :func:`scaling.fitting.load_fit` reads one (or a
Bayesian posterior) by its suffix. The names are importable from :mod:`scaling.fitting` too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

import numpy as np

from ._checks import check_int, check_number
from ._format import format_sig, plain_formula
from .errors import ScalingError, ScalingWarning
from .laws import Law, get_law
from .result_base import ResultBase
from .results import FrameField, check_level, check_predict_memory, draw_arrays, predict_frame
from .runs import draw_columns, draws_at_bound_warnings, few_draws_warning, range_warnings

if TYPE_CHECKING:  # pandas loads where a DataFrame is built: loading a fit and sizing need none
    import pandas as pd

__all__ = ["FitResult", "SCHEMA", "SCHEMA_VERSION", "READABLE_VERSIONS", "SAVED_METHODS", "MAX_CONDITION",
           "MAX_RMS_LOG_RESIDUAL"]

SCHEMA = "scaling.fit"
SCHEMA_VERSION = 4
# Versions of the file format this module still reads (tests/data holds examples). Version 4
# keeps the draws in the one store of scaling.results (thinned to MAX_SAVED_DRAWS, 6 digits).
READABLE_VERSIONS = (1, 2, 3, 4)
#: Methods a saved .json fit may have: the least-squares ones, and "published" for the
#: published fits of :mod:`scaling.library` (point estimates, no draws).
SAVED_METHODS = ("huber", "huber-mle", "published")

# Sanity thresholds of FitResult.warnings() (the identifiability ones live in scaling.runs)
MAX_CONDITION = 1e10  # condition number of the Hessian (theta space) above which we warn
MAX_RMS_LOG_RESIDUAL = 0.1  # RMS of log(predicted / observed loss) above which the law fits badly


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

