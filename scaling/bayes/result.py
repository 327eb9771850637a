"""``BayesFitResult``: the posterior of a law fit, its diagnostics, predictions and file format.

Saved files are netCDF (ArviZ ``InferenceData``, h5netcdf engine) whose ``posterior``
group carries the provenance attributes:

``schema`` ("scaling.bayes"), ``schema_version``, ``scaling_version``, ``law``,
``data_sha256``, ``seed``, ``sampler``, ``n_runs``, ``n_excluded``, ``created_at`` and
``settings_json`` (the fit settings and priors as JSON).
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._io import atomic_write_with
from .._checks import check_level as _check_level

SCHEMA = "scaling.bayes"
SCHEMA_VERSION = 1
PARAMS = ("E", "A", "B", "alpha", "beta")
DERIVED = ("a", "b", "G")
NOISE = ("sigma", "nu")
# Thresholds of report(): Vehtari et al. (2021), "Rank-normalization, folding, and
# localization: an improved R-hat", recommend R-hat < 1.01 and bulk/tail ESS > 400.
R_HAT_MAX = 1.01
ESS_MIN = 400


def import_arviz():
    """Import ArviZ without its refactor FutureWarning (it says nothing to our users)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        try:
            import arviz as az
        except ImportError as exc:  # pragma: no cover - arviz is a core dependency
            raise ImportError(
                "scaling.bayes needs arviz; install it with 'pip install scaling' (core dependency)"
            ) from exc
    return az


def derived_draws(posterior) -> dict[str, np.ndarray]:
    """Arrays (chain, draw) of the law parameters plus a, b, G and the noise parameters.

    .. math::

        a = \\frac{\\beta}{\\alpha+\\beta}, \\quad b = \\frac{\\alpha}{\\alpha+\\beta}, \\quad
        G = \\left(\\frac{\\alpha A}{\\beta B}\\right)^{1/(\\alpha+\\beta)}

    so that :math:`N_{opt} = G (C/6)^a` and :math:`D_{opt} = G^{-1} (C/6)^b`
    (Hoffmann et al. 2022, Eq. 4).
    """
    out = {name: np.asarray(posterior[name].values, dtype=float) for name in PARAMS + NOISE}
    alpha, beta = out["alpha"], out["beta"]
    out["a"] = beta / (alpha + beta)
    out["b"] = alpha / (alpha + beta)
    # In logs: alpha A / (beta B) overflows nothing, but A and B can be ~1e3-1e4 and
    # the power 1/(alpha+beta) ~ 1.4 is harmless; logs keep it exact anyway.
    log_g = (np.log(alpha) + np.log(out["A"]) - np.log(beta) - np.log(out["B"])) / (alpha + beta)
    out["G"] = np.exp(log_g)
    return out


def _diagnose(arrays: dict[str, np.ndarray]) -> pd.DataFrame:
    az = import_arviz()
    rows = {}
    for name, values in arrays.items():
        # ArviZ wants (chain, draw); a constant column (a fixed parameter) has no R-hat.
        if np.ptp(values) == 0:
            rows[name] = (np.nan, np.nan, np.nan)
            continue
        rows[name] = (
            float(az.rhat(values)),
            float(az.ess(values, method="bulk")),
            float(az.ess(values, method="tail")),
        )
    return pd.DataFrame.from_dict(rows, orient="index", columns=["r_hat", "ess_bulk", "ess_tail"])


@dataclass(frozen=True)
class BayesFitResult:
    """A Bayesian fit of a scaling law: posterior draws, diagnostics and provenance.

    Answers the same questions as the least-squares ``FitResult``: ``params``
    (posterior medians), ``draws`` (one row per posterior draw), ``summary()``,
    ``report()``, ``predict()`` and ``save()``; ``scaling.optimal`` accepts either.

    Attributes
    ----------
    law : str
        Law name (``"chinchilla"``): :math:`L(N, D) = E + A/N^{\\alpha} + B/D^{\\beta}`.
    method : str
        ``"bayes"``.
    params : dict
        Posterior medians of ``E, A, B, alpha, beta``.
    draws : pandas.DataFrame
        Posterior draws (chains stacked): ``E, A, B, alpha, beta, a, b, G, sigma, nu``.
    idata : arviz.InferenceData
        Groups ``posterior``, ``sample_stats``, ``prior``, ``prior_predictive``,
        ``posterior_predictive``, ``observed_data``, ``constant_data``.
    n_runs, n_excluded : int
        Runs fitted and runs left out (flagged ``excluded`` in the data).
    data_sha256 : str
        Hash of the fitted runs (:func:`scaling.datasets.runs_sha256`).
    seed : int
        Seed of the sampler and of the predictive draws.
    settings : dict
        Sampler, draws, tune, chains, target_accept, include, parameterisation, priors,
        timings.
    """

    law: str
    params: dict
    draws: pd.DataFrame = field(repr=False)
    idata: Any = field(repr=False)
    n_runs: int
    n_excluded: int
    data_sha256: str
    seed: int
    settings: dict = field(repr=False)
    diagnostics_table: pd.DataFrame = field(repr=False)
    method: str = "bayes"

    # -- construction -----------------------------------------------------------------
    @classmethod
    def from_idata(cls, idata, *, law: str, n_runs: int, n_excluded: int, data_sha256: str,
                   seed: int, settings: dict) -> "BayesFitResult":
        arrays = derived_draws(idata.posterior)
        table = _diagnose(arrays)
        draws = pd.DataFrame({name: values.ravel() for name, values in arrays.items()})
        draws = draws[list(PARAMS + DERIVED + NOISE)]
        params = {name: float(np.median(arrays[name])) for name in PARAMS}
        return cls(law=law, params=params, draws=draws, idata=idata, n_runs=int(n_runs),
                   n_excluded=int(n_excluded), data_sha256=data_sha256, seed=int(seed),
                   settings=dict(settings), diagnostics_table=table)

    # -- diagnostics --------------------------------------------------------------------
    @property
    def diagnostics(self) -> dict:
        """``max_r_hat``, ``min_ess_bulk``, ``min_ess_tail``, ``divergences`` (and which parameter)."""
        t = self.diagnostics_table.dropna()
        return {
            "max_r_hat": float(t["r_hat"].max()),
            "max_r_hat_param": str(t["r_hat"].idxmax()),
            "min_ess_bulk": float(t["ess_bulk"].min()),
            "min_ess_bulk_param": str(t["ess_bulk"].idxmin()),
            "min_ess_tail": float(t["ess_tail"].min()),
            "min_ess_tail_param": str(t["ess_tail"].idxmin()),
            "divergences": _count_divergences(self.idata),
            "n_draws": int(len(self.draws)),
        }

    def warnings(self) -> list[str]:
        """The failed convergence checks, one sentence each (empty when all pass)."""
        out = []
        t = self.diagnostics_table
        for name, row in t.iterrows():
            if np.isfinite(row["r_hat"]) and row["r_hat"] > R_HAT_MAX:
                out.append(f"R-hat of {name} is {row['r_hat']:.3f} > {R_HAT_MAX}: chains disagree; "
                           "sample longer (tune, draws) or check the model")
        for name, row in t.iterrows():
            if np.isfinite(row["ess_bulk"]) and row["ess_bulk"] < ESS_MIN:
                out.append(f"bulk ESS of {name} is {row['ess_bulk']:.0f} < {ESS_MIN}: "
                           "too few effective draws for reliable intervals; increase draws")
        for name, row in t.iterrows():
            if np.isfinite(row["ess_tail"]) and row["ess_tail"] < ESS_MIN:
                out.append(f"tail ESS of {name} is {row['ess_tail']:.0f} < {ESS_MIN}: "
                           "interval ends are unreliable; increase draws")
        div = _count_divergences(self.idata)
        if div:
            out.append(f"{div} divergent transition(s) after tuning: the posterior may be biased; "
                       "raise target_accept (e.g. 0.95) or tune longer")
        return out

    # -- tables and text ----------------------------------------------------------------
    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Posterior median and equal-tailed ``level`` interval, with R-hat and ESS.

        Returns
        -------
        pandas.DataFrame
            Index ``E, A, B, alpha, beta, a, b, G, sigma, nu``; columns ``value``
            (median), ``lower``, ``upper``, ``r_hat``, ``ess_bulk``, ``ess_tail``.
        """
        _check_level(level)
        q = [(1 - level) / 2, 0.5, (1 + level) / 2]
        quant = self.draws.quantile(q).T
        out = pd.DataFrame({"value": quant[q[1]], "lower": quant[q[0]], "upper": quant[q[2]]})
        return out.join(self.diagnostics_table)

    def report(self, level: float = 0.95) -> str:
        """A human-readable fit report; warnings first when any diagnostic fails."""
        s = self.summary(level)
        d = self.diagnostics
        lines = [
            f"Bayesian fit of the {self.law} law: L(N, D) = E + A/N^alpha + B/D^beta",
            f"runs fitted: {self.n_runs} (excluded: {self.n_excluded}); data sha256 {self.data_sha256[:12]}...",
            f"sampler: {self.settings.get('sampler')}, {self.settings.get('chains')} chains x "
            f"{self.settings.get('draws')} draws (tune {self.settings.get('tune')}), seed {self.seed}",
            "",
            f"{'param':>6} {'median':>11} {'lower':>11} {'upper':>11} {'r_hat':>7} {'ess_bulk':>9} {'ess_tail':>9}",
        ]
        for name, row in s.iterrows():
            lines.append(
                f"{name:>6} {row['value']:11.5g} {row['lower']:11.5g} {row['upper']:11.5g} "
                f"{row['r_hat']:7.4f} {row['ess_bulk']:9.0f} {row['ess_tail']:9.0f}"
            )
        lines.append(f"(interval: {level:.0%} equal-tailed credible interval)")
        lines.append(
            f"diagnostics: max R-hat {d['max_r_hat']:.4f} ({d['max_r_hat_param']}), min bulk ESS "
            f"{d['min_ess_bulk']:.0f} ({d['min_ess_bulk_param']}), divergences {d['divergences']}"
        )
        warns = self.warnings()
        if warns:
            lines = [f"WARNING: {w}" for w in warns] + [""] + lines
        else:
            lines.append("all checks passed (R-hat <= 1.01, ESS >= 400, no divergences)")
        return "\n".join(lines)

    # -- prediction ---------------------------------------------------------------------
    def predict(self, n_params, n_tokens, level: float = 0.9) -> pd.DataFrame:
        """Loss at (``n_params``, ``n_tokens``) with credible and predictive intervals.

        .. math::

            \\log L^{new} = \\log(E + A N^{-\\alpha} + B D^{-\\beta}) + \\sigma\\,t_{\\nu}

        Parameters
        ----------
        n_params, n_tokens : float or array_like
            Model parameters and training tokens (broadcast against each other).
        level : float
            Interval probability, in (0, 1).

        Returns
        -------
        pandas.DataFrame
            ``n_params``, ``n_tokens``, ``loss`` (posterior median of the law),
            ``lower``/``upper`` (credible interval of the law's loss) and
            ``pred_lower``/``pred_upper`` (posterior predictive interval of a new
            run's loss, including run-to-run noise). The noise draws use
            ``np.random.default_rng(seed)``: the same result gives the same table.
        """
        _check_level(level)
        n = np.asarray(n_params, dtype=float)
        d = np.asarray(n_tokens, dtype=float)
        n, d = np.broadcast_arrays(np.atleast_1d(n), np.atleast_1d(d))
        n, d = n.ravel(), d.ravel()
        for name, values in (("n_params", n), ("n_tokens", d)):
            if not np.all(np.isfinite(values) & (values > 0)):
                raise ValueError(f"{name} must be finite and > 0, got {values.tolist()}")
        p = {k: self.draws[k].to_numpy()[:, None] for k in PARAMS + NOISE}
        mean_loss = p["E"] + p["A"] / n[None, :] ** p["alpha"] + p["B"] / d[None, :] ** p["beta"]
        rng = np.random.default_rng(self.seed)
        noise = p["sigma"] * rng.standard_t(p["nu"], size=mean_loss.shape)
        new_loss = mean_loss * np.exp(noise)
        lo, hi = (1 - level) / 2, (1 + level) / 2
        return pd.DataFrame({
            "n_params": n,
            "n_tokens": d,
            "loss": np.median(mean_loss, axis=0),
            "lower": np.quantile(mean_loss, lo, axis=0),
            "upper": np.quantile(mean_loss, hi, axis=0),
            "pred_lower": np.quantile(new_loss, lo, axis=0),
            "pred_upper": np.quantile(new_loss, hi, axis=0),
        })

    # -- files --------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write the posterior to netCDF atomically (temporary file, then rename).

        The provenance attributes are on the ``posterior`` group (see the module
        docstring); :func:`scaling.bayes.load` checks them.
        """
        path = Path(path)

        def write(tmp: str) -> None:
            self.idata.to_netcdf(tmp)

        return atomic_write_with(path, write)


def _count_divergences(idata) -> int:
    stats = getattr(idata, "sample_stats", None)
    if stats is None:
        return 0
    for key in ("diverging", "divergences"):
        if key in stats:
            return int(np.asarray(stats[key].values).sum())
    return 0



def stamp(idata, attrs: dict) -> None:
    """Write the provenance ``attrs`` on the ``posterior`` group (netCDF-safe values)."""
    clean = {}
    for key, value in attrs.items():
        if isinstance(value, (dict, list, tuple)):
            clean[key] = json.dumps(value, default=str)
        elif isinstance(value, (bool, np.bool_)):
            clean[key] = int(value)
        else:
            clean[key] = value
    idata.posterior.attrs.update(clean)


def load(path: str | os.PathLike) -> BayesFitResult:
    """Read a posterior written by :meth:`BayesFitResult.save`.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not readable netCDF, was not written by ``scaling.bayes``
        (no or another ``schema`` attribute), or has another ``schema_version``.
    """
    az = import_arviz()
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"posterior file {path} does not exist")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory, expected a netCDF file")
    try:
        idata = az.from_netcdf(str(path))
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise ValueError(f"{path} is not a readable netCDF posterior ({type(exc).__name__}: {exc})") from None
    posterior = getattr(idata, "posterior", None)
    if posterior is None:
        raise ValueError(f"{path} has no 'posterior' group: not a posterior written by scaling.bayes")
    attrs = dict(posterior.attrs)
    schema = attrs.get("schema")
    if schema is None:
        raise ValueError(f"{path} has no 'schema' attribute: not a posterior written by scaling.bayes")
    if schema != SCHEMA:
        raise ValueError(f"{path} holds schema {schema!r}, expected {SCHEMA!r}")
    version = attrs.get("schema_version")
    if isinstance(version, np.generic):
        version = version.item()
    if not isinstance(version, (int, np.integer)) or int(version) != SCHEMA_VERSION:
        raise ValueError(
            f"{path} has schema version {version!r}; this version of scaling reads version "
            f"{SCHEMA_VERSION} of {SCHEMA!r}. Refit, or install the scaling version that wrote it."
        )
    missing = [p for p in PARAMS + NOISE if p not in posterior]
    if missing:
        raise ValueError(f"{path}: posterior lacks variable(s) {', '.join(missing)}")
    settings = json.loads(attrs.get("settings_json", "{}"))
    return BayesFitResult.from_idata(
        idata, law=str(attrs["law"]), n_runs=int(attrs["n_runs"]), n_excluded=int(attrs["n_excluded"]),
        data_sha256=str(attrs["data_sha256"]), seed=int(attrs["seed"]), settings=settings,
    )
