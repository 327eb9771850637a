"""Convergence diagnostics of every MCMC fit in ``scaling`` (laws and hardware trends).

The one place where R-hat and ESS are computed and judged, against the thresholds in
:mod:`scaling._checks` (Vehtari et al. 2021: R-hat < 1.01, bulk and tail ESS > 400; at most 1%
divergent transitions), one table at a time (:func:`diagnostic_warnings`) or as one verdict on
a fit (:func:`convergence`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._checks import DIVERGENT_MAX, ESS_MIN, R_HAT_MAX
from ..errors import ScalingWarning

__all__ = ["import_arviz", "diagnose", "count_divergences", "diagnostic_warnings", "convergence", "R_HAT_MAX",
           "ESS_MIN", "DIVERGENT_MAX"]


def import_arviz():
    """Import ArviZ without its refactor FutureWarning (it says nothing to our users)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz as az
    return az


def diagnose(arrays: dict[str, np.ndarray]) -> pd.DataFrame:
    """R-hat, bulk ESS and tail ESS of each named array of draws, shape ``(chain, draw)``.

    Returns
    -------
    pandas.DataFrame
        Index ``parameter``; columns ``r_hat``, ``ess_bulk``, ``ess_tail``. A constant
        array (a fixed parameter) has NaN diagnostics.
    """
    az = import_arviz()
    rows = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for name, values in arrays.items():
            values = np.asarray(values, dtype=float)
            if values.ndim == 1:
                values = values[None, :]
            if values.size == 0 or np.ptp(values) == 0:
                rows[name] = (np.nan, np.nan, np.nan)
                continue
            rows[name] = (float(az.rhat(values)), float(az.ess(values, method="bulk")),
                          float(az.ess(values, method="tail")))
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["r_hat", "ess_bulk", "ess_tail"])
    table.index.name = "parameter"
    return table


def count_divergences(idata) -> int:
    """Divergent transitions after tuning recorded in ``idata.sample_stats`` (0 if none recorded).

    A saved, thinned posterior (:func:`scaling.bayes.result.compact_idata`) keeps the whole
    run's count as the attribute ``divergences``, which wins over counting its thinned draws.
    """
    if "sample_stats" not in idata.groups():
        return 0
    stats = idata.sample_stats
    if "divergences" in stats.attrs:
        return int(stats.attrs["divergences"])
    for key in ("diverging", "divergences"):
        if key in stats:
            return int(np.asarray(stats[key].values).sum())
    return 0


def diagnostic_warnings(table: pd.DataFrame, divergences: int) -> list[ScalingWarning]:
    """The failed convergence checks of a :func:`diagnose` table, one warning each."""
    out = []
    if len(table) and not np.isfinite(table["r_hat"].to_numpy(dtype=float)).any():
        out.append(ScalingWarning("r_hat", "R-hat needs at least two chains: with one, convergence is not "
                                           "checked; sample two or more chains"))
    for name, row in table.iterrows():
        if np.isfinite(row["r_hat"]) and row["r_hat"] > R_HAT_MAX:
            out.append(ScalingWarning("r_hat", f"R-hat of {name} is {row['r_hat']:.3f} > {R_HAT_MAX}: chains "
                                               "disagree; sample longer (tune, draws) or check the model"))
    for name, row in table.iterrows():
        if np.isfinite(row["ess_bulk"]) and row["ess_bulk"] < ESS_MIN:
            out.append(ScalingWarning("ess_bulk", f"bulk ESS of {name} is {row['ess_bulk']:.0f} < {ESS_MIN}: too "
                                                  "few effective draws for reliable intervals; increase draws"))
    for name, row in table.iterrows():
        if np.isfinite(row["ess_tail"]) and row["ess_tail"] < ESS_MIN:
            out.append(ScalingWarning("ess_tail", f"tail ESS of {name} is {row['ess_tail']:.0f} < {ESS_MIN}: "
                                                  "interval ends are unreliable; increase draws"))
    if divergences:
        out.append(ScalingWarning("divergences", f"{divergences} divergent transition(s) after tuning: the "
                                                 "posterior may be biased; raise target_accept (e.g. 0.95) "
                                                 "or tune longer"))
    return out


def convergence(diag: dict, draws: int, chains: int) -> tuple[bool, dict]:
    """Whether a fit converged, from its ``diagnostics`` dict, and its worst numbers.

    Converged: every finite R-hat <= :data:`R_HAT_MAX`, every finite bulk ESS >=
    :data:`ESS_MIN` and at most :data:`DIVERGENT_MAX` x ``chains`` x ``draws`` divergent
    transitions (Vehtari et al. 2021, Bayesian Analysis 16(2)). A fit without any finite
    R-hat (one chain, or no sampler) is not converged: nothing checked it.

    Parameters
    ----------
    diag : dict
        ``r_hat`` and ``ess_bulk`` (parameter -> value), ``divergences`` (count) and
        optionally ``seconds``, as a trend's or a panel's ``diagnostics``.
    draws, chains : int
        Draws per chain after tuning, and chains, of the fit.

    Returns
    -------
    (bool, dict)
        The verdict, and ``r_hat_max``, ``ess_bulk_min``, ``divergences``, ``seconds``.
    """
    r = [float(v) for v in (diag.get("r_hat") or {}).values() if np.isfinite(v)]
    e = [float(v) for v in (diag.get("ess_bulk") or {}).values() if np.isfinite(v)]
    div = int(diag.get("divergences") or 0)
    info = {"r_hat_max": max(r) if r else np.nan, "ess_bulk_min": min(e) if e else np.nan, "divergences": div,
            "seconds": diag.get("seconds", np.nan)}
    ok = bool(r and e and max(r) <= R_HAT_MAX and min(e) >= ESS_MIN and div <= DIVERGENT_MAX * draws * chains)
    return ok, info
