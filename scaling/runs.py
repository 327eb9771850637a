"""The run table and the checks every law fit shares (below :mod:`scaling.fitting` and :mod:`scaling.bayes`).

What a fit needs to know of its training runs, whatever the engine: which runs it fits
(:func:`prepare_runs`), the file they came from (:func:`data_path`), the span they cover
(:func:`data_range`) and the identifiability checks on it (:func:`range_warnings`), the
draws' checks (:func:`draws_at_bound_warnings`, :func:`few_draws_warning`), the curvature
of the objective at the optimum (:func:`condition_number`) and a law's draw columns
(:func:`draw_columns`: parameters, then derived quantities, then extras). The
least-squares fit (:mod:`scaling.fitting`), the Bayesian one (:mod:`scaling.bayes`) and
the per-group fits (:mod:`scaling.groups`) import them from here, so no engine imports
another (issue 19: the ``fitting`` -> ``bayes`` -> ``fitting`` cycle).
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Mapping

import numpy as np

from ._checks import MIN_TAIL_DRAWS, few_draws_warning, units_warnings  # noqa: F401 (re-exported)
from ._flops import training_flops
from .datasets import SIZE_REL_GAP, size_groups, validate_runs
from .errors import ScalingError, ScalingWarning
from .laws import Law
from .objective import make_objective
from .results import DrawColumns, as_columns

if TYPE_CHECKING:  # pandas loads where a DataFrame is built
    import pandas as pd

__all__ = ["INCLUDE", "MIN_DISTINCT_SIZES", "DRAWS_AT_BOUND_SHARE", "MIN_TAIL_DRAWS", "prepare_runs",
           "data_path", "data_range", "n_distinct", "range_warnings", "draws_at_bound_warnings",
           "few_draws_warning", "condition_number", "draw_columns", "draws_frame"]

#: Which runs of a table a fit takes: those not flagged ``excluded``, or all.
INCLUDE = ("kept", "all")
# Identifiability thresholds of every fit's warnings()
MIN_DISTINCT_SIZES = 3  # distinct N (and D) values below which the law is not identified
DRAWS_AT_BOUND_SHARE = 0.05  # share of draws at a bound that is reported


def prepare_runs(runs, include):
    """``(clean, kept, n_excluded, include)``: the validated table, the runs to fit, how many were left out."""
    if include is None:
        include = "kept"
    if include not in INCLUDE:
        raise ScalingError(f"unknown include {include!r}; allowed: {', '.join(INCLUDE)}")
    import pandas as pd

    if not isinstance(runs, pd.DataFrame):
        raise ScalingError(f"runs must be a pandas DataFrame, got {type(runs).__name__}")
    clean = validate_runs(runs)
    excluded = clean["excluded"].to_numpy(dtype=bool) if "excluded" in clean.columns else np.zeros(len(clean), bool)
    if include == "all":
        excluded = np.zeros(len(clean), dtype=bool)
    kept = clean.loc[~excluded]
    return clean, kept, int(excluded.sum()), include


def data_path(runs: pd.DataFrame) -> str:
    """The file the runs came from (``attrs["path"]``, set by :func:`scaling.datasets.read_runs`), else ""."""
    attrs = getattr(runs, "attrs", None)
    path = attrs.get("path", "") if isinstance(attrs, Mapping) else ""
    return str(path) if isinstance(path, (str, os.PathLike)) else ""


def refuse_pooled_groups(runs) -> None:
    """One law over several groups is refused, as :func:`scaling.compare.compare` refuses ``groups="pool"``."""
    columns = getattr(runs, "columns", ())
    if "group" not in columns:
        return
    labels = list(dict.fromkeys(str(g).strip() for g in runs["group"].dropna().tolist()))  # blanks: validate_runs
    if len(labels) > 1:
        raise ScalingError(
            f"the runs hold {len(labels)} groups ({', '.join(map(repr, labels[:5]))}{', ...' if len(labels) > 5 else ''}"
            "): losses of other datasets or tokenizers are in other units, so one law fitted to them all "
            "describes the gap between the groups; fit each group (groups='separate') or share the exponents "
            "(groups='shared'), or drop the 'group' column to pool on purpose")


def data_range(n_params, n_tokens) -> dict:
    """What a fit's data span: min/max N, D and C, their numbers of distinct values
    (:func:`scaling.datasets.size_groups`) and the median tokens per parameter (the units check).

    Recorded with every fit so that answers can say how far they extrapolate.
    """
    n = np.asarray(n_params, dtype=float)
    d = np.asarray(n_tokens, dtype=float)
    c = training_flops(n, d)
    return {"n_params_min": float(n.min()), "n_params_max": float(n.max()),
            "n_tokens_min": float(d.min()), "n_tokens_max": float(d.max()),
            "compute_flops_min": float(c.min()), "compute_flops_max": float(c.max()),
            "n_distinct_params": n_distinct(n), "n_distinct_tokens": n_distinct(d),
            "tokens_per_param_median": float(np.median(d / n))}


def n_distinct(values: np.ndarray, rel_gap: float = SIZE_REL_GAP) -> int:
    """Distinct sizes: :func:`scaling.datasets.size_groups` (within 10% of a group's smallest is one size)."""
    values = np.asarray(values, dtype=float)
    return int(size_groups(values, rel_gap).max()) + 1 if values.size else 0


def range_warnings(rng: Mapping | None) -> list[ScalingWarning]:
    """``few_distinct_sizes`` when the data hold fewer than three distinct N or D values;
    ``units`` when N or D look like they are in other units (:func:`scaling._checks.units_warnings`)."""
    if not rng:
        return []
    out = []
    if "n_params_max" in rng:
        # tokens_per_param_median is absent from files written before it was recorded
        out += units_warnings(rng["n_params_max"], rng.get("tokens_per_param_median"))
    for key, what in (("n_distinct_params", "model sizes (N)"), ("n_distinct_tokens", "token counts (D)")):
        k = int(rng.get(key, MIN_DISTINCT_SIZES))
        if k < MIN_DISTINCT_SIZES:
            out.append(ScalingWarning(
                "few_distinct_sizes",
                f"the runs have only {k} distinct {what}: the law's terms cannot be separated, so E, the "
                f"exponents and every compute-optimal answer are not determined by these data "
                f"(need at least {MIN_DISTINCT_SIZES})"))
    return out


def draws_at_bound_warnings(law: Law, draws, params: Mapping[str, float],
                            what: str = "bootstrap draws") -> list[ScalingWarning]:
    """``draws_at_bound`` for each parameter whose draws pile up at a bound of the law.

    ``draws``: a DataFrame, a mapping of arrays (:func:`scaling.results.draw_arrays`) or None.
    """
    draws = as_columns(draws)
    if draws is None or not draws.n_rows:
        return []
    out = []
    for name, (lo, hi) in law.bounds.items():
        if name not in draws:
            continue
        v = np.asarray(draws[name], dtype=float)
        scale = (hi - lo) if np.isfinite(hi - lo) else max(abs(float(params[name])), 1.0)
        tol = 1e-3 * scale
        share = float(np.mean((v <= lo + tol) | (v >= hi - tol) | ~np.isfinite(v)))
        if share >= DRAWS_AT_BOUND_SHARE:
            out.append(ScalingWarning(
                "draws_at_bound",
                f"{share:.0%} of the {what} put {name} at a bound of [{lo:g}, {hi:g}]: its interval is "
                "cut off by the bound and the data do not determine it"))
    return out


def condition_number(law: Law, theta: np.ndarray, log_n, log_d, log_l, delta: float) -> float:
    """Condition number of the Huber objective's Hessian at ``theta`` (central differences of the gradient)."""
    fun = make_objective(law, "huber", log_n, log_d, log_l, delta)
    k = theta.size
    h = 1e-5 * np.maximum(1.0, np.abs(theta))
    X = np.vstack([theta + np.eye(k)[j] * h[j] for j in range(k)] + [theta - np.eye(k)[j] * h[j] for j in range(k)])
    _, g = fun(X, np.arange(2 * k))
    H = (g[:k] - g[k:]) / (2 * h[:, None])
    H = 0.5 * (H + H.T)
    if not np.isfinite(H).all():
        return math.inf
    ev = np.abs(np.linalg.eigvalsh(H))
    return float(ev.max() / ev.min()) if ev.min() > 0 else math.inf


def draw_columns(law: Law, params: Mapping[str, np.ndarray], extras: Mapping[str, np.ndarray]) -> DrawColumns:
    """The draws of a fit: law parameters, derived quantities, extras (a DataFrame when read as ``draws``)."""
    cols = {p: np.asarray(params[p], dtype=float) for p in law.param_names}
    cols.update({k: np.asarray(v, dtype=float) for k, v in law.derived(cols).items()})
    cols.update({k: np.asarray(v, dtype=float) for k, v in extras.items()})
    return DrawColumns(cols)


def draws_frame(law: Law, params: Mapping[str, np.ndarray], extras: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """:func:`draw_columns` as a DataFrame."""
    return draw_columns(law, params, extras).to_frame()
