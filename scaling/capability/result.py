""":class:`CapabilityFit`: a fitted capability law, honouring the result contract.

One class for every capability law (``"sigmoid"``, ``"observational"``) and method
(``"lsq"``, ``"bayes"``): a law module supplies three functions on per-draw parameter arrays
(:data:`ENGINES`), and everything else (intervals, family offsets for seen and unseen
families, the target query, warnings, files) is shared here.

A family seen in the fit takes its own offset (per draw); a family not seen (or no family)
takes a draw from the population of families, :math:`u \\sim N(0, \\tau^2)`, so its interval
is wider. ``interval="model"`` (the default) is the interval of a new model's score: the law's
residual scatter is added per draw; ``interval="curve"`` leaves it out.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .._checks import check_level, check_number, few_draws_warning
from .._format import fmt_num
from ..errors import ScalingError, ScalingWarning
from ..result_base import ResultBase
from ..results import DEFAULT_LEVEL, FrameField, draw_arrays, predict_frame
from ..results import _quantiles_linear
from ..results import interval as interval_of
from .data import compute_of, covariates, family_of

__all__ = ["CapabilityFit", "load", "SCHEMA", "SCHEMA_VERSION", "LAWS", "METHODS", "INTERVALS", "NEW_FAMILY"]

SCHEMA = "scaling.capability"
# Version 2: draws in the one saved form (scaling.results.encode_draws: 6 digits, by column),
# a content hash; version 1 files (draws as full-precision lists) still load.
SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)
LAWS = ("sigmoid", "observational")
METHODS = ("lsq", "bayes")
INTERVALS = ("model", "curve")
#: Label of the population row of a target query (a family not in the fit).
NEW_FAMILY = "(new family)"
#: Seed offset of the predictive noise (so predictions are reproducible and independent of the fit's draws).
_NOISE_SEED = 7919
#: A query this many decades beyond the fitted compute gets an ``extrapolation`` warning.
EXTRAPOLATION_DECADES = 0.5
#: The module of each law holding its engine (``curve``, ``new_model``, ``log10_compute``), imported when used.
ENGINES = {"sigmoid": "scaling.capability.sigmoid", "observational": "scaling.capability.observational"}


def _median(values):
    """``np.quantile(values, 0.5, axis=0)`` without NumPy 2's import of ``numpy.ma`` (a query's time)."""
    return _quantiles_linear(values, (0.5,), axis=0)[0]


def _offset_key(family: str) -> str:
    return f"offset[{family}]"


@dataclass(frozen=True)
class CapabilityFit(ResultBase):
    """A fitted capability law for one benchmark (see :mod:`scaling.capability`).

    A :class:`scaling.result_base.ResultBase`: ``summary``, ``report``, ``warnings``,
    ``metadata``, ``to_dict``, ``save`` and ``load`` are the base's; this class declares its
    schema, saved fields, report and warnings.

    Attributes
    ----------
    law : {"sigmoid", "observational"}
    benchmark : str
        Accuracy column (``"mmlu"``, ``"arc_c"`` ...).
    method : {"lsq", "bayes"}
    params : dict
        Point estimates: the law's parameters for ``benchmark``, companions' as ``name@bench``,
        ``tau`` (spread of family offsets), ``offset[<family>]`` per family.
    draws : DataFrame or None
        Bootstrap resamples or posterior draws of the same columns.
    chance : float
        Chance accuracy of the benchmark (the curve's floor).
    families : dict
        Models per family with a score on the benchmark.
    data_range : dict
        ``log10_compute_min``/``max`` of the models fitted, ``n_models``, ``n_dropped``.
    terms : tuple of str
        Optional terms of the law (``tokens_per_param``, ``date``).
    data_sha256, settings, seed, created, diagnostics
        Provenance (see :mod:`scaling.results`).
    """

    law: str
    benchmark: str
    method: str
    params: dict
    draws: Any = FrameField()
    chance: float = 0.0
    families: dict = field(default_factory=dict)
    data_range: dict = field(default_factory=dict)
    terms: tuple = ()
    data_sha256: str = ""
    settings: dict = field(default_factory=dict)
    seed: int = 0
    created: str = ""
    diagnostics: dict = field(default_factory=dict)

    SCHEMA: ClassVar[str] = SCHEMA
    SCHEMA_VERSION: ClassVar[int] = SCHEMA_VERSION
    READABLE_VERSIONS: ClassVar[tuple[int, ...]] = READABLE_VERSIONS
    KIND: ClassVar[str] = "capability fit"
    REMEDY: ClassVar[str] = "refit (`scaling capability fit`, or `scaling run --force`)"

    # -- parameters per draw ------------------------------------------------------------
    @property
    def engine(self):
        from importlib import import_module

        return import_module(ENGINES[self.law])

    def _columns(self):
        """Per-draw parameter arrays ``{name: (n_draws,)}``; the point estimate as one draw without draws."""
        cols = draw_arrays(self)
        if cols is None or not cols.n_rows:
            return {k: np.array([v], dtype=float) for k, v in self.params.items()}, False
        return {k: np.asarray(cols[k], dtype=float) for k in cols}, True

    def _require_draws(self):
        cols, has = self._columns()
        if not has:
            raise ScalingError("this fit has no draws; refit with bootstrap > 0 (lsq) or method='bayes' for intervals")
        return cols

    def _offsets(self, cols: dict, families: list, rng: np.random.Generator | None, prefix: str = "offset",
                 tau: str = "tau") -> np.ndarray:
        """Offsets per draw and row: a seen family's own; else a draw from N(0, tau^2) (0 without rng)."""
        n = len(next(iter(cols.values())))
        out = np.zeros((n, len(families)))
        # common random numbers: rows of one unseen family share its draw (smooth bands; marginals unchanged)
        unseen: dict = {}
        for j, fam in enumerate(families):
            key = f"{prefix}[{fam}]" if fam is not None else None
            if key is not None and key in cols:
                out[:, j] = cols[key]
            elif rng is not None:
                if fam not in unseen:
                    unseen[fam] = rng.standard_normal(n)
                out[:, j] = cols[tau] * unseen[fam]
        return out

    def _effects(self, cols: dict, families: list, rng: np.random.Generator | None):
        """Family offsets per draw and row, and the engine's further random effects (family slopes)."""
        u = self._offsets(cols, families, rng)
        if "tau_slope" not in cols:
            return u, {}
        return u, {"slope_u": self._offsets(cols, families, rng, "slope_offset", "tau_slope")}

    def _shift(self, cols: dict, w: np.ndarray) -> np.ndarray:
        """Sum of the optional terms, beta . w, per draw and row (log10 compute)."""
        n = len(next(iter(cols.values())))
        out = np.zeros((n, w.shape[0]))
        for k, term in enumerate(self.terms):
            out += cols[f"beta_{term}"][:, None] * w[None, :, k]
        return out

    def _inputs(self, models, what: str = "predict"):
        import pandas as pd

        if isinstance(models, dict):
            models = pd.DataFrame(models)
        compute = compute_of(models, what, required=True)
        w = (covariates(models, self.terms, what, required=True, family_dates=self.settings.get("family_dates", {}))
             if self.terms else np.zeros((len(models), 0)))
        if not np.isfinite(w).all():
            row = int(np.flatnonzero(~np.isfinite(w).all(axis=1))[0])
            raise ScalingError(f"{what}: row {row} lacks a value the terms {', '.join(self.terms)} need "
                               "(n_params and n_tokens for tokens_per_param; release_date for date)")
        return models, np.log10(compute), w, family_of(models)

    # -- the contract -------------------------------------------------------------------
    def _per_draw(self, x, w, fams, interval: str):
        """Predictive (``"model"``) or curve (``"curve"``) accuracy per draw and row."""
        if interval not in INTERVALS:
            raise ScalingError(f"unknown interval {interval!r}; allowed: {', '.join(INTERVALS)}")
        cols = self._require_draws()
        rng = np.random.default_rng(self.seed + _NOISE_SEED)
        u, more = self._effects(cols, fams, rng)
        shift = self._shift(cols, w)
        if interval == "model":
            return self.engine.new_model(cols, self.chance, x[None, :], u, shift, rng, **more)
        return self.engine.curve(cols, self.chance, x[None, :], u, shift, **more)

    def _point(self, x, w, fams):
        point = {k: np.array([v]) for k, v in self.params.items()}
        u, more = self._effects(point, fams, None)
        return self.engine.curve(point, self.chance, x[None, :], u, self._shift(point, w), **more)[0]

    def predict_compute(self, compute_flops, family=None, level: float = DEFAULT_LEVEL, interval: str = "model"):
        """:meth:`predict` for compute values alone (no pandas): ``{"median", "lower", "upper", "point"}`` arrays.

        ``family``: one name for every value, or None (a new family). Laws with terms need :meth:`predict`.
        """
        if self.terms:
            raise ScalingError(f"this fit has terms ({', '.join(self.terms)}): pass a table to predict()")
        x = np.log10(np.atleast_1d(check_number("compute_flops", compute_flops)))
        fam = None if family is None or str(family).strip() == "" else str(family).strip()
        fams = [fam] * x.size
        w = np.zeros((x.size, 0))
        level = check_level(level)
        per_draw = self._per_draw(x, w, fams, interval)
        lo, hi, _ = interval_of(per_draw, level, axis=0)
        return {"compute_flops": 10.0 ** x, "point": self._point(x, w, fams),
                "median": _median(per_draw), "lower": np.atleast_1d(lo), "upper": np.atleast_1d(hi),
                "seen_family": fam is not None and _offset_key(fam) in self.params}

    def predict(self, models, level: float | None = None, interval: str = "model"):
        """Predicted accuracy of models (0-1).

        Parameters
        ----------
        models : DataFrame or dict
            ``compute_flops`` (or ``n_params`` and ``n_tokens``); optional ``family`` (a family
            not in the fit, or blank, is a new family) and ``model``; the terms' columns.
        level : float, optional
            Without it: the curve at the point estimate (a seen family's offset, else 0), an
            array. With it: a DataFrame of the inputs and ``median``, ``lower``, ``upper`` (the
            median and percentiles of the per-draw predictions) and ``seen_family``.
        interval : {"model", "curve"}
            ``"model"``: the interval of a new model's score (residual scatter included);
            ``"curve"``: of the expected score.
        """
        if interval not in INTERVALS:
            raise ScalingError(f"unknown interval {interval!r}; allowed: {', '.join(INTERVALS)}")
        models, x, w, fams = self._inputs(models)
        if level is None:
            return self._point(x, w, fams)
        level = check_level(level)
        per_draw = self._per_draw(x, w, fams, interval)
        inputs = {"model": models["model"].astype(str).to_numpy() if "model" in models.columns
                  else np.array([""] * len(x)),
                  "family": np.array([f if f is not None else "" for f in fams], dtype=object),
                  "compute_flops": 10.0 ** x}
        out = predict_frame(inputs, per_draw, level)
        out["seen_family"] = [f is not None and _offset_key(f) in self.params for f in fams]
        out.attrs["interval"] = interval
        return out

    def target_rows(self, score: float, family=None, level: float = DEFAULT_LEVEL,
                    tokens_per_param: float | None = None, release_date=None) -> list[dict]:
        """:meth:`target` as a list of dicts (no pandas)."""
        score = check_number("score", score, low=self.chance, high=1.0, high_open=True)
        level = check_level(level)
        cols = self._require_draws()
        if family is None:
            wanted = [NEW_FAMILY, *sorted(self.families)]
        else:
            wanted = [family] if isinstance(family, str) else list(family)
        fams = [None if f == NEW_FAMILY else f for f in wanted]
        w = np.zeros((len(fams), len(self.terms)))
        eras = self.settings.get("family_dates", {})
        for k, term in enumerate(self.terms):
            if term == "tokens_per_param" and tokens_per_param is not None:
                w[:, k] = math.log10(check_number("tokens_per_param", tokens_per_param) / 20.0)
            elif term in ("date", "family_date") and release_date is not None:
                from .._dates import decimal_year
                from .data import REFERENCE_YEAR

                w[:, k] = float(decimal_year(release_date)[0]) - REFERENCE_YEAR
            if term == "family_date":  # a fitted family is at its own era
                w[:, k] = [eras.get(f, w[j, k]) if f is not None else w[j, k] for j, f in enumerate(fams)]
        rng = np.random.default_rng(self.seed + _NOISE_SEED)
        u, more = self._effects(cols, fams, rng)
        shift = self._shift(cols, w)
        x = self.engine.log10_compute(cols, self.chance, score, u, shift, **more)
        rows = []
        for j, label in enumerate(wanted):
            lo, hi, n_nan = interval_of(x[:, j], level)
            with np.errstate(invalid="ignore"):
                med = float(_median(np.where(np.isnan(x[:, j]), np.inf, x[:, j])))
            rows.append({"family": label, "seen": label != NEW_FAMILY and _offset_key(label) in self.params,
                         "median": 10.0 ** med if not math.isnan(med) else math.inf,
                         "lower": 10.0 ** lo, "upper": 10.0 ** hi,
                         "unreachable_draws": int(n_nan), "n_models": int(self.families.get(label, 0))})
        return rows

    def target(self, score: float, family=None, level: float = DEFAULT_LEVEL, tokens_per_param: float | None = None,
               release_date=None):
        """Least training compute (FLOPs) at which the expected score reaches ``score``.

        Per draw the law is inverted (:func:`scaling.capability.sigmoid.log10_compute_for`);
        the ``(new family)`` row draws the family's offset from the population of families, so
        its interval holds the spread between families; each seen family uses its own offset.
        The residual scatter of single models is not included: this is the compute at which
        the family's *expected* score reaches ``score``. A draw whose ceiling is at or below the
        score never reaches it: it ranks above every answer (an unbounded interval end) and is
        counted in ``unreachable_draws``.

        Parameters
        ----------
        score : float
            Accuracy in (chance, 1).
        family : str, list of str or None
            Families to answer for; None: the new-family row and every family of the fit.
        tokens_per_param, release_date : optional
            Values of the terms when the law has them (default: 20 tokens per parameter; 2023-01-01).

        Returns
        -------
        DataFrame
            One row per family: ``family``, ``seen``, ``median``, ``lower``, ``upper`` (FLOPs),
            ``unreachable_draws``, ``n_models``.
        """
        import pandas as pd

        out = pd.DataFrame(self.target_rows(score, family, level, tokens_per_param, release_date))
        out.attrs.update({"level": check_level(level), "score": float(score), "benchmark": self.benchmark})
        return out

    def _summary_values(self) -> dict[str, float]:
        """The benchmark's law, ``tau``, the terms and every family offset (companions' parameters live in their own fits)."""
        return {k: float(v) for k, v in self.params.items() if "@" not in k}

    def warnings(self, level: float = DEFAULT_LEVEL, *, compute_flops=None) -> list[ScalingWarning]:
        """Doubts about the fit (:meth:`_warnings`) and, given ``compute_flops``, about answers at that compute
        (:meth:`extrapolation_warnings`)."""
        out = super().warnings(level)
        if compute_flops is not None:
            out += self.extrapolation_warnings(compute_flops)
        return out

    def _warnings(self, level: float) -> list[ScalingWarning]:
        """``few_family_models``: families with one model (their offsets rest on one score);
        ``param_at_bound``: a ceiling at 1; ``bootstrap_failed``, ``few_draws``; and the sampler's
        diagnostics for Bayesian fits.
        """
        out = []
        single = sorted(f for f, n in self.families.items() if n == 1)
        if single:
            out.append(ScalingWarning(
                "few_family_models",
                f"{len(single)} of {len(self.families)} families have one model ({', '.join(single[:6])}"
                f"{', ...' if len(single) > 6 else ''}): their offsets rest on one score and are shrunk "
                "towards the population"))
        ceiling = self.params.get("ceiling")
        if ceiling is not None and ceiling > 1 - 1e-3:
            out.append(ScalingWarning("param_at_bound", f"the {self.benchmark} ceiling is at 1 (its bound): "
                                                        "the data do not show where the scores level off"))
        if self.diagnostics.get("bootstrap_failed", 0):
            out.append(ScalingWarning("bootstrap_failed", f"{self.diagnostics['bootstrap_failed']} bootstrap "
                                                          "refits did not converge (kept in draws)"))
        for w in self.diagnostics.get("sampler_warnings", []):
            out.append(ScalingWarning(w["code"], w["message"]))
        cols, has = self._columns()
        if has:
            out += few_draws_warning(len(next(iter(cols.values()))), level,
                                     "posterior draws" if self.method == "bayes" else "bootstrap resamples")
        return out

    def extrapolation_warnings(self, compute_flops) -> list[ScalingWarning]:
        """``extrapolation`` for a compute beyond the fitted range by more than half a decade, saying how far."""
        c = np.atleast_1d(check_number("compute_flops", compute_flops))
        lo, hi = self.data_range.get("log10_compute_min"), self.data_range.get("log10_compute_max")
        out = []
        if hi is not None and np.log10(c.max()) > hi + EXTRAPOLATION_DECADES:
            out.append(ScalingWarning(
                "extrapolation",
                f"{fmt_num(float(c.max()))} FLOPs is {np.log10(c.max()) - hi:.1f} decades above the largest "
                f"model fitted ({fmt_num(10 ** hi)} FLOPs): the {self.benchmark} curve there is an extrapolation"))
        if lo is not None and np.log10(c.min()) < lo - EXTRAPOLATION_DECADES:
            out.append(ScalingWarning(
                "extrapolation",
                f"{fmt_num(float(c.min()))} FLOPs is {lo - np.log10(c.min()):.1f} decades below the smallest "
                f"model fitted ({fmt_num(10 ** lo)} FLOPs)"))
        return out

    # -- files (written by ResultBase: to_dict, save, load) --------------------------------
    def _fields(self) -> dict[str, Any]:
        return {"law": self.law, "benchmark": self.benchmark, "method": self.method, "chance": float(self.chance),
                "terms": list(self.terms), "params": {k: float(v) for k, v in self.params.items()},
                "families": {k: int(v) for k, v in self.families.items()}, "data_range": dict(self.data_range),
                "diagnostics": dict(self.diagnostics)}

    def _report_title(self) -> str:
        r = self.data_range
        return (f"{self.law} capability law for {self.benchmark} ({self.method}; {r.get('n_models', '?')} models in "
                f"{len(self.families)} families, compute {fmt_num(10 ** r['log10_compute_min'])}"
                f"-{fmt_num(10 ** r['log10_compute_max'])} FLOPs)")

    def _report_lines(self, level: float) -> list[str]:
        """The benchmark's parameters with their intervals (family offsets: :meth:`summary`)."""
        s = self.summary(level)
        return [f"  {name:<22} {s.loc[name, 'value']:.4g}  [{s.loc[name, 'lower']:.4g}, {s.loc[name, 'upper']:.4g}]"
                for name in s.index if not name.startswith("offset[")]

    @classmethod
    def _from_saved(cls, payload: dict, meta: dict, draws, path) -> CapabilityFit:
        for key in ("law", "benchmark", "method", "params", "families", "data_range"):
            if key not in payload:
                raise ScalingError(f"{path}: lacks {key!r}; not a complete capability fit")
        if payload["law"] not in LAWS:
            raise ScalingError(f"{path}: unknown law {payload['law']!r}; known laws: {', '.join(LAWS)}")
        if payload["method"] not in METHODS:
            raise ScalingError(f"{path}: unknown method {payload['method']!r}; known methods: {', '.join(METHODS)}")
        for name, v in payload["params"].items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ScalingError(f"{path}: parameter {name} is {v!r}, not a finite number")
        if draws is not None:
            if set(draws) != set(payload["params"]):
                raise ScalingError(f"{path}: draws must have one column per parameter")
            for name in draws:
                if not np.isfinite(np.asarray(draws[name], dtype=float)).all():
                    raise ScalingError(f"{path}: draws of {name} are not all finite numbers")
        return cls(law=payload["law"], benchmark=payload["benchmark"], method=payload["method"],
                   params={k: float(v) for k, v in payload["params"].items()}, draws=draws,
                   chance=float(payload.get("chance", 0.0)),
                   families={k: int(v) for k, v in payload["families"].items()},
                   data_range=dict(payload["data_range"]), terms=tuple(payload.get("terms", ())),
                   data_sha256=meta["data_sha256"], settings=dict(meta["settings"]), seed=meta["seed"],
                   created=meta["created"], diagnostics=dict(payload.get("diagnostics", {})))


def load(path: str | os.PathLike) -> CapabilityFit:
    """Load a capability fit saved by :meth:`CapabilityFit.save` (:meth:`CapabilityFit.load`).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ScalingError
        Not JSON, another schema or version, invalid values (non-finite parameters, unknown
        law or method, a seed that is not an integer), or content edited after it was written.
    """
    return CapabilityFit.load(path)
