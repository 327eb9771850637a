"""``BayesFitResult``: the posterior of a law fit, its diagnostics, predictions and file format.

Saved files are netCDF (ArviZ ``InferenceData``, h5netcdf engine) whose ``posterior``
group carries the metadata every saved result has (:data:`scaling.results.METADATA_KEYS`):
``schema`` ("scaling.bayes"), ``schema_version``, ``scaling_version``, ``created``,
``data_sha256``, ``settings`` (JSON) and ``seed``; then ``law``, ``method``, ``sampler``,
``n_runs``, ``n_excluded`` and ``data_path`` (the runs file, "" when the runs did not come
from one). Version 1 files (``created_at``, ``settings_json``) and files without
``data_path`` still load.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._checks import ESS_MIN, R_HAT_MAX, check_number
from .._format import plain_formula
from .._io import atomic_write_with
from ..errors import ScalingError, ScalingWarning
from ..result_base import MALFORMED, ResultBase
from ..runs import data_range, draws_at_bound_warnings, range_warnings
from ..laws import get_law
from ..results import (DRAW_DIGITS, MAX_SAVED_DRAWS, check_level, check_metadata, check_predict_memory,
                       predict_frame, round_significant, thin_index)
from .diagnostics import count_divergences, diagnose, diagnostic_warnings, import_arviz

__all__ = ["BayesFitResult", "load", "stamp", "derived_draws", "import_arviz", "compact_idata", "SCHEMA",
           "SCHEMA_VERSION"]

SCHEMA = "scaling.bayes"
# Version 3: draws thinned to MAX_SAVED_DRAWS, the posterior at 6 digits, predictives in 16 bits
# (compact_idata); read like version 2.
SCHEMA_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
NOISE = ("sigma", "nu")
INTERVALS = ("line", "new")


def derived_draws(posterior, law: str = "chinchilla") -> dict[str, np.ndarray]:
    """Arrays (chain, draw) of the law's parameters, its derived quantities and the noise parameters.

    The derived quantities come from :meth:`scaling.laws.Law.derived` (for chinchilla the
    compute-optimal split a, b, G of Hoffmann et al. 2022, Eq. 4).
    """
    law_obj = get_law(law)
    out = {name: np.asarray(posterior[name].values, dtype=float) for name in law_obj.param_names + NOISE}
    derived = law_obj.derived({p: out[p] for p in law_obj.param_names})
    out.update({k: np.asarray(v, dtype=float) for k, v in derived.items()})
    return out


@dataclass(frozen=True)
class BayesFitResult(ResultBase):
    """A Bayesian fit of a scaling law: posterior draws, diagnostics and provenance.

    A :class:`scaling.result_base.ResultBase` kind, like the least-squares ``FitResult``;
    ``scaling.optimal``, the forecasts and the plots accept either. Its file is netCDF (the
    module docstring), not JSON: it declares :meth:`_write` and :meth:`_read` only; its
    :meth:`to_dict` (metadata, fields, draws thinned to 1,000) is the base's.

    Attributes
    ----------
    law : str
        Law name: ``"chinchilla"`` (:math:`L(N, D) = E + A/N^{\\alpha} + B/D^{\\beta}`),
        ``"data_constrained"`` or ``"data_constrained_untied"`` (:math:`L(N, D, U)`,
        Muennighoff et al. 2023; see :mod:`scaling.laws`).
    method : str
        ``"bayes"``.
    params : dict
        Posterior medians of the law's parameters.
    draws : pandas.DataFrame
        Posterior draws (chains stacked): the law's parameters, derived quantities, ``sigma, nu``.
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
        Sampler, draws, tune, chains, target_accept, include, parameterisation, priors, timings.
    diagnostics_table : pandas.DataFrame
        R-hat and bulk/tail ESS per quantity (:func:`scaling.bayes.diagnostics.diagnose`).
    data_range : dict
        The span of the fitted runs (:func:`scaling.fitting.data_range`).
    created : str
        UTC time of the fit.
    data_path : str
        The file the runs were read from (:func:`scaling.datasets.read_runs`), "" when the
        table did not come from a file; with ``data_sha256`` it lets plots redraw the fitted
        runs (:func:`scaling.plot.runs_of`), as for the least-squares ``FitResult``.
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
    data_range: dict = field(default_factory=dict, repr=False)
    created: str = ""
    method: str = "bayes"
    data_path: str = ""

    SCHEMA: ClassVar[str] = SCHEMA
    SCHEMA_VERSION: ClassVar[int] = SCHEMA_VERSION
    READABLE_VERSIONS: ClassVar[tuple[int, ...]] = READABLE_VERSIONS
    KIND: ClassVar[str] = "Bayesian fit"
    SUFFIX: ClassVar[str] = ".nc"
    REMEDY: ClassVar[str] = "refit (`scaling fit --method bayes`, or `scaling run --force`)"

    # -- construction -----------------------------------------------------------------
    @classmethod
    def from_idata(cls, idata, *, law: str, n_runs: int, n_excluded: int, data_sha256: str,
                   seed: int, settings: dict, created: str = "", data_path: str = "") -> "BayesFitResult":
        law_obj = get_law(law)
        arrays = derived_draws(idata.posterior, law)
        table = diagnose(arrays)
        draws = pd.DataFrame({name: values.ravel() for name, values in arrays.items()})
        draws = draws[[*law_obj.param_names, *law_obj.derived_names, *NOISE]]
        params = {name: float(np.median(arrays[name])) for name in law_obj.param_names}
        rng = {}
        if "constant_data" in idata.groups():
            cd = idata.constant_data
            rng = data_range(np.asarray(cd["n_params"].values), np.asarray(cd["n_tokens"].values))
        return cls(law=law, params=params, draws=draws, idata=idata, n_runs=int(n_runs),
                   n_excluded=int(n_excluded), data_sha256=data_sha256, seed=int(seed),
                   settings=dict(settings), diagnostics_table=table, data_range=rng, created=created,
                   data_path=str(data_path or ""))

    # -- diagnostics --------------------------------------------------------------------
    @property
    def diagnostics(self) -> dict:
        """``max_r_hat``, ``min_ess_bulk``, ``min_ess_tail``, ``divergences`` (and which parameter)."""
        t = self.diagnostics_table

        def pick(col: str, largest: bool) -> tuple[float, str]:
            s = t[col].dropna()  # one chain: no R-hat (NaN), reported as such, never an error
            if s.empty:
                return math.nan, ""
            return (float(s.max()), str(s.idxmax())) if largest else (float(s.min()), str(s.idxmin()))

        (r, r_at), (eb, eb_at), (et, et_at) = pick("r_hat", True), pick("ess_bulk", False), pick("ess_tail", False)
        return {
            "max_r_hat": r, "max_r_hat_param": r_at,
            "min_ess_bulk": eb, "min_ess_bulk_param": eb_at,
            "min_ess_tail": et, "min_ess_tail_param": et_at,
            "divergences": count_divergences(self.idata),
            "n_draws": int(len(self.draws)),
        }

    def _warnings(self, level: float) -> list[ScalingWarning]:
        """Failed convergence checks, identifiability and bound warnings (empty when all pass)."""
        out = diagnostic_warnings(self.diagnostics_table, count_divergences(self.idata))
        out += range_warnings(self.data_range)
        out += draws_at_bound_warnings(get_law(self.law), self.draws, self.params, "posterior draws")
        return out

    # -- tables and text (summary, report: ResultBase) ------------------------------------
    def _summary_values(self) -> dict[str, float]:
        """Posterior medians of the law's parameters, derived quantities, ``sigma`` and ``nu``."""
        return {c: float(np.median(self.draws[c].to_numpy(dtype=float))) for c in self.draws.columns}

    def _summary_extra(self, level: float) -> pd.DataFrame:
        """R-hat and bulk/tail ESS per quantity (the summary's last columns)."""
        return self.diagnostics_table

    def _report_title(self) -> str:
        return f"Bayesian fit of the {self.law} law: {plain_formula(get_law(self.law).formula)}"

    def _report_lines(self, level: float) -> list[str]:
        """Runs, sampler, the summary with R-hat and ESS, the diagnostics (the warnings follow)."""
        s = self.summary(level)
        d = self.diagnostics
        width = max(6, *(len(str(name)) for name in s.index))  # R_D_star is 8 characters
        lines = [
            f"runs fitted: {self.n_runs} (excluded: {self.n_excluded}); data sha256 {self.data_sha256[:12]}...",
            f"sampler: {self.settings.get('sampler')}, {self.settings.get('chains')} chains x "
            f"{self.settings.get('draws')} draws (tune {self.settings.get('tune')}), seed {self.seed}",
            "",
            f"{'param':>{width}} {'median':>11} {'lower':>11} {'upper':>11} {'r_hat':>7} {'ess_bulk':>9} {'ess_tail':>9}",
        ]
        for name, row in s.iterrows():
            lines.append(
                f"{name:>{width}} {row['value']:11.5g} {row['lower']:11.5g} {row['upper']:11.5g} "
                f"{row['r_hat']:7.4f} {row['ess_bulk']:9.0f} {row['ess_tail']:9.0f}"
            )
        lines.append(f"(interval: {level:.0%} equal-tailed credible interval)")
        lines.append(
            f"diagnostics: max R-hat {d['max_r_hat']:.4f} ({d['max_r_hat_param']}), min bulk ESS "
            f"{d['min_ess_bulk']:.0f} ({d['min_ess_bulk_param']}), divergences {d['divergences']}"
        )
        if not self.warnings(level):
            lines.append(f"all checks passed (R-hat <= {R_HAT_MAX}, ESS >= {ESS_MIN}, no divergences)")
        return lines

    # -- prediction ---------------------------------------------------------------------
    def predict(self, n_params, n_tokens, level: float | None = None, interval: str = "line", **covariates):
        """Loss at (``n_params``, ``n_tokens``): a point, or a median with a credible or predictive interval.

        .. math::

            \\log L^{new} = \\log(E + A N^{-\\alpha} + B D^{-\\beta}) + \\sigma\\,t_{\\nu}

        (for the data-constrained laws with the effective :math:`N', D'` of :mod:`scaling.laws`).

        Parameters
        ----------
        n_params, n_tokens : float or array_like
            Model parameters and training tokens (broadcast against each other; > 0).
        level : float, optional
            Without it, a float array: the law at the posterior medians of its parameters.
            With it, a DataFrame ``n_params, n_tokens, [covariates,] median, lower, upper``.
        interval : {"line", "new"}
            ``"line"``: credible interval of the law's loss; ``"new"``: posterior predictive
            interval of a new run's loss (with run-to-run noise, drawn with
            ``np.random.default_rng(seed)``: the same result gives the same table).
        **covariates
            The law's covariates, broadcast like N and D: ``n_unique_tokens=`` for the
            data-constrained laws (at most ``n_tokens``).
        """
        n = check_number("n_params", n_params)
        d = check_number("n_tokens", n_tokens)
        law = get_law(self.law)
        if level is None:
            return np.asarray(law.predict(self.params, n, d, **covariates), dtype=float)
        level = check_level(level)
        if interval not in INTERVALS:
            raise ScalingError(f"unknown interval {interval!r}; allowed: {', '.join(INTERVALS)}")
        law.predict(self.params, n, d, **covariates)  # checks the covariates (names, values) once
        names = list(covariates)
        flat = [b.ravel() for b in np.broadcast_arrays(np.atleast_1d(n), np.atleast_1d(d),
                                                      *(np.asarray(covariates[k], dtype=float) for k in names))]
        p = {k: self.draws[k].to_numpy()[:, None] for k in (*law.param_names, *NOISE)}
        check_predict_memory(len(self.draws), flat[0].size)
        per_draw = law.predict(p, flat[0][None, :], flat[1][None, :],
                               **{k: v[None, :] for k, v in zip(names, flat[2:])})
        if interval == "new":
            rng = np.random.default_rng(self.seed)
            noise = p["sigma"] * rng.standard_t(p["nu"], size=per_draw.shape)
            with np.errstate(over="ignore"):  # heavy tails (nu near 1) overflow in far draws: inf, not NaN
                per_draw = per_draw * np.exp(noise)
        return predict_frame(dict(zip(["n_params", "n_tokens", *names], flat)), per_draw, level)

    # -- files (to_dict, save, load: ResultBase; the netCDF file: _write, _read) -----------
    def posterior_attrs(self) -> dict:
        """The attributes of the saved ``posterior`` group: the metadata, then ``law``, ``method``,
        ``sampler``, ``n_runs``, ``n_excluded``, ``data_path`` (see the module docstring)."""
        return {**self.metadata, "law": self.law, "method": self.method, "sampler": self.settings.get("sampler", ""),
                "n_runs": int(self.n_runs), "n_excluded": int(self.n_excluded), "data_path": self.data_path}

    def _fields(self) -> dict[str, Any]:
        """The fields of :meth:`to_dict` beyond the metadata and the draws (every draw column)."""
        return {
            "law": self.law,
            "method": self.method,
            "params": {k: float(v) for k, v in self.params.items()},
            "n_runs": int(self.n_runs),
            "n_excluded": int(self.n_excluded),
            "data_range": dict(self.data_range),
            "diagnostics": self.diagnostics,
            "data_path": self.data_path,
        }

    def _write(self, path: Path, max_draws: int | None) -> Path:
        """Write the posterior to netCDF atomically (temporary file, then rename).

        The metadata attributes are on the ``posterior`` group (see the module
        docstring); :func:`scaling.bayes.load` checks them. The draws are those of
        :func:`compact_idata`: at most ``max_draws`` in all (None: all), the posterior at 6
        significant digits, the simulated log-losses packed in 16 bits. A posterior read from
        an older version is written with today's metadata attributes.
        """
        idata = compact_idata(self.idata, max_draws)
        if _attr(self.idata.posterior.attrs, "schema_version") != SCHEMA_VERSION:
            stamp(idata, self.posterior_attrs())

        def write(tmp: str) -> None:
            idata.to_netcdf(tmp)

        return atomic_write_with(path, write)

    @classmethod
    def _upgrade(cls, payload: dict) -> dict:
        """Version 1 named the settings ``settings_json`` and the time ``created_at``."""
        if payload["schema_version"] == 1:
            payload = {**payload, "settings": payload.get("settings_json", "{}"),
                       "created": payload.get("created_at", "")}
        return payload

    @classmethod
    def _read(cls, path: Path) -> BayesFitResult:
        """Read a posterior written by :meth:`save` (see :func:`load`)."""
        if path.is_dir():
            raise IsADirectoryError(21, "is a directory, expected a netCDF file", str(path))
        _check_declared_size(path)  # before ArviZ is imported: refusing a file costs no import
        az = import_arviz()
        try:
            idata = az.from_netcdf(str(path))
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise ScalingError(f"{path} is not a readable netCDF posterior ({type(exc).__name__}: {exc})") from None
        if "posterior" not in idata.groups():
            raise ScalingError(f"{path} has no 'posterior' group: not a posterior written by scaling.bayes")
        attrs = {key: _attr(idata.posterior.attrs, key) for key in idata.posterior.attrs}
        _check_schema(attrs, path)
        try:
            payload = cls._upgrade(attrs)
            meta = check_metadata({**payload, "settings": json.loads(payload.get("settings", "{}")),
                                   "created": str(payload.get("created", ""))}, path)
            return cls._from_saved(payload, meta, idata, path)
        except ScalingError:
            raise
        except (*MALFORMED, json.JSONDecodeError) as exc:
            raise ScalingError(f"{path}: a 'scaling.bayes' file missing or with a malformed attribute "
                               f"({type(exc).__name__}: {exc})") from None

    @classmethod
    def _from_saved(cls, payload: dict, meta: dict, idata, path) -> BayesFitResult:
        """The result from a loaded posterior (``idata``) and its checked metadata."""
        law = get_law(str(payload["law"]))
        posterior = idata.posterior
        missing = [p for p in (*law.param_names, *NOISE) if p not in posterior]
        if missing:
            raise ScalingError(f"{path}: posterior lacks variable(s) {', '.join(missing)}")
        for p in (*law.param_names, *NOISE):
            values = np.asarray(posterior[p].values, dtype=float)
            if values.size == 0 or not np.isfinite(values).all():
                raise ScalingError(f"{path}: the posterior draws of {p} are empty or not finite")
        method = payload.get("method", "bayes")
        if method != "bayes":
            raise ScalingError(f"{path}: unknown method {method!r}; a posterior file has method 'bayes'")
        return cls.from_idata(
            idata, law=law.name, n_runs=int(payload["n_runs"]), n_excluded=int(payload["n_excluded"]),
            data_sha256=meta["data_sha256"], seed=meta["seed"], settings=meta["settings"], created=meta["created"],
            data_path=str(payload.get("data_path") or ""),
        )


#: Groups with one entry per posterior draw, thinned together (so draw i of each matches).
DRAW_GROUPS = ("posterior", "posterior_predictive", "sample_stats", "log_likelihood")
PREDICTIVE_GROUPS = ("prior_predictive", "posterior_predictive")


def _pack_int16(da):
    """``da`` (finite floats) as 16-bit integers with CF ``scale_factor``/``add_offset`` attributes,
    which netCDF readers (xarray, so :func:`load`) undo: a step of 1/65,000 of the range."""
    import xarray as xr

    values = np.asarray(da.values, dtype=float)
    if values.size == 0 or not np.isfinite(values).all():
        return da
    lo, hi = float(values.min()), float(values.max())
    scale = np.float32(max(hi - lo, 1e-12) / 65000.0)
    offset = np.float32((hi + lo) / 2)
    packed = np.round((values - offset) / scale).astype(np.int16)
    return xr.DataArray(packed, dims=da.dims, coords=da.coords,
                        attrs={**da.attrs, "scale_factor": scale, "add_offset": offset})


def compact_idata(idata, max_draws: int | None = MAX_SAVED_DRAWS):
    """The saved form of a posterior (the one draw store of :mod:`scaling.results`, for netCDF).

    Each chain of the per-draw groups (:data:`DRAW_GROUPS`) is thinned evenly by
    :func:`scaling.results.thin_index` to ``max_draws // chains`` draws (None: all kept);
    the posterior's floats are rounded to 6 significant digits; the simulated log-losses of
    the predictive groups (used by the predictive-check plots) are packed in 16 bits (a
    step of 1/65,000 of their range). The divergences of the whole run are kept as the
    ``sample_stats`` attribute ``divergences`` (:func:`scaling.bayes.diagnostics.count_divergences`).
    """
    az = import_arviz()
    groups = {}
    for name in idata.groups():
        ds = idata[name]
        if name == "sample_stats" and "divergences" not in ds.attrs:
            ds = ds.assign_attrs(divergences=count_divergences(idata))
        if name in DRAW_GROUPS and "draw" in ds.dims and max_draws is not None:
            per_chain = max(1, int(max_draws) // int(ds.sizes.get("chain", 1)))
            ds = ds.isel(draw=thin_index(ds.sizes["draw"], per_chain))
        if name == "posterior":
            ds = ds.assign_attrs(schema_version=SCHEMA_VERSION)
            for var in ds.data_vars:
                if np.issubdtype(ds[var].dtype, np.floating):
                    ds[var] = ds[var].copy(data=round_significant(ds[var].values, DRAW_DIGITS))
        if name in PREDICTIVE_GROUPS:
            ds = ds.copy()
            for var in ds.data_vars:
                if np.issubdtype(ds[var].dtype, np.floating):
                    ds[var] = _pack_int16(ds[var])
        groups[name] = ds
    return az.InferenceData(**groups)


def stamp(idata, attrs: dict) -> None:
    """Write the metadata ``attrs`` on the ``posterior`` group (netCDF-safe values)."""
    clean = {}
    for key, value in attrs.items():
        if isinstance(value, (dict, list, tuple)):
            clean[key] = json.dumps(value, default=str)
        elif isinstance(value, (bool, np.bool_)):
            clean[key] = int(value)
        else:
            clean[key] = value
    idata.posterior.attrs.update(clean)


def _attr(attrs: dict, key: str):
    value = attrs.get(key)
    return value.item() if isinstance(value, np.generic) else value


#: Most bytes of arrays a posterior file may declare: a posterior of scaling.bayes with every
#: group (log-likelihood and predictive draws included) takes a few MiB; a crafted file of a few
#: KiB can declare dimensions of 10^9 draws, which loading would allocate.
MAX_POSTERIOR_BYTES = 2 ** 30


def _check_declared_size(path: Path) -> None:
    """Refuse a file that is no netCDF-4 (HDF5) file, or whose arrays declare more than the cap."""
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic != b"\x89HDF\r\n\x1a\n":
        raise ScalingError(f"{path} is not a netCDF-4 file: not a posterior written by scaling.bayes")
    try:
        import h5py
    except ImportError:  # pragma: no cover - h5netcdf, ArviZ's reader here, brings h5py
        return
    total = 0

    def add(_name, obj):
        nonlocal total
        if isinstance(obj, h5py.Dataset):
            total += int(obj.size) * int(obj.dtype.itemsize)

    try:
        with h5py.File(path, "r") as fh:
            fh.visititems(add)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise ScalingError(f"{path} is not a readable netCDF posterior ({type(exc).__name__}: {exc})") from None
    if total > MAX_POSTERIOR_BYTES:
        raise ScalingError(f"{path} declares {total / 2 ** 30:.3g} GiB of arrays, more than the "
                           f"{MAX_POSTERIOR_BYTES / 2 ** 30:g} GiB a posterior of scaling.bayes holds: not loading it")


def _check_schema(attrs: dict, path: Path) -> None:
    """Refuse a posterior of another schema, or of a version this package does not read."""
    schema = attrs.get("schema")
    if schema is None:
        raise ScalingError(f"{path} has no 'schema' attribute: not a posterior written by scaling.bayes")
    if schema != SCHEMA:
        raise ScalingError(f"{path} holds schema {schema!r}, expected {SCHEMA!r}")
    version = attrs.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, (int, np.integer)) or int(version) not in READABLE_VERSIONS:
        raise ScalingError(
            f"{path} has schema version {version!r}; this version of scaling reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))} of {SCHEMA!r}. Refit, or install the scaling "
            "version that wrote it."
        )


def load(path: str | os.PathLike) -> BayesFitResult:
    """Read a posterior written by :meth:`BayesFitResult.save` (:meth:`BayesFitResult.load`).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ScalingError
        If the file is not named ``.nc``, is not readable netCDF-4, declares more than
        :data:`MAX_POSTERIOR_BYTES` of arrays (checked before loading), was not written by
        ``scaling.bayes`` (no or another ``schema`` attribute), has another ``schema_version``,
        or holds invalid values.
    """
    return BayesFitResult.load(path)
