"""The result of a forecast evaluation, :class:`EvaluationResult`, and its file.

One row per observation, cut-off and model (the training rows with ``split == "train"``, the
later ones scored with predictive quantiles, CRPS, log score, interval scores and PIT:
:mod:`scaling.hardware.scores`), the Bayesian fits' diagnostics and the settings, written by
:func:`scaling.hardware.evaluation.evaluate`.

It is a :class:`scaling.result_base.ResultBase`: its :meth:`~EvaluationResult.summary` gives,
per model, the mean CRPS and the 50% and 90% coverage of the converged fits' scored rows
(:meth:`~EvaluationResult.scores` gives the whole table). The file is CSV (the rows) after
``# ``-prefixed lines holding the saved form of :meth:`~ResultBase.to_dict` as JSON, with the
rows' hash in it (``rows_sha256``) and the content hash over both: schema
``scaling.hardware.evaluation`` version 2; version 1 files (no content hash) still load.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._checks import check_int, check_level
from .._io import atomic_write_bytes, atomic_write_text, check_content_sha256, dumps_json, utc_now, with_content_sha256
from ..errors import ScalingError, ScalingWarning
from ..result_base import MALFORMED, ResultBase
from ..results import check_metadata
from .scores import cluster_bootstrap

__all__ = ["EvaluationResult", "load_evaluation", "merge_evaluations", "rows_population_sha256", "ROW_COLUMNS",
           "QUANTILES", "BASELINES", "HORIZON_BUCKETS", "SCHEMA", "SCHEMA_VERSION", "MERGE_KEYS"]

SCHEMA = "scaling.hardware.evaluation"
#: Version 2: the metadata of :class:`~scaling.result_base.ResultBase` (data hash, seed,
#: scaling version), ``params``, ``rows_sha256`` and the content hash; version 1 (still read)
#: had the settings, versions, notes and fits only.
SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)
#: Predictive quantile levels written for every test row.
QUANTILES = (0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99)
BASELINES = ("ols", "rw", "nochange", "epoch", "rw-seen")
#: Horizon buckets (years after the cut-off) of the PIT tables.
HORIZON_BUCKETS = ((0.0, 1.0, "<1 yr"), (1.0, 2.0, "1-2 yr"), (2.0, np.inf, "2+ yr"))
ROW_COLUMNS = ["cutoff", "date", "hardware", "provider", "tier", "split", "observed", "model", "obs",
               "horizon_years", *(f"q{round(100 * t):02d}" for t in QUANTILES),
               "pit", "crps", "log_score", "is50", "is90", "covered50", "covered90", "converged"]
#: Decimals of the saved columns.
_DIGITS = {**{c: 5 for c in ROW_COLUMNS if c == "observed" or c.startswith("q") or c == "horizon_years"},
           **{c: 6 for c in ("pit", "crps", "log_score", "is50", "is90")}}
#: Quantities per model in :meth:`EvaluationResult.summary`: summary name -> column of :meth:`scores`.
_SUMMARY = {"crps": "crps", "coverage50": "coverage50", "coverage90": "coverage90"}


def rows_population_sha256(rows: pd.DataFrame) -> str:
    """The data hash of an evaluation: sha256 of its population (each observation once: ``obs``,
    ``date``, ``hardware``, ``provider``, ``tier`` and ``observed`` to 5 decimals), so a saved file
    and the result that wrote it agree."""
    pop = rows.drop_duplicates("obs").sort_values("obs")
    cols = pop[["obs", "date", "hardware", "provider", "tier"]].astype(str).assign(
        observed=[f"{v:.5f}" for v in pop["observed"].to_numpy(dtype=float)])
    return hashlib.sha256(cols.to_csv(index=False, lineterminator="\n").encode()).hexdigest()


def _bucket(h: pd.Series) -> pd.Series:
    out = pd.Series("", index=h.index, dtype=object)
    for lo, hi, name in HORIZON_BUCKETS:
        out[(h >= lo) & (h < hi)] = name
    return out


@dataclass(frozen=True)
class EvaluationResult(ResultBase):
    """Rows (one per observation, cut-off and model), the fits' diagnostics and the provenance.

    Attributes
    ----------
    rows : DataFrame
        Columns :data:`ROW_COLUMNS`.
    fits : DataFrame
        One row per (cut-off, model): training and test counts and the fit's diagnostics.
    settings : dict
        What was evaluated and how (target, models, cut-offs, sampler settings, seed).
    notes : list of str
        Cut-offs skipped, and why.
    versions : dict
        Versions of numpy, pandas, pymc, nutpie, statsmodels and scaling that ran it.
    timings : dict
        Wall-clock seconds, where a caller recorded them.
    data_sha256, seed, created
        Provenance (:func:`rows_population_sha256`; the evaluation's seed).
    """

    rows: pd.DataFrame
    fits: pd.DataFrame
    settings: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    versions: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    data_sha256: str = ""
    seed: int = 0
    created: str = ""

    SCHEMA: ClassVar[str] = SCHEMA
    SCHEMA_VERSION: ClassVar[int] = SCHEMA_VERSION
    READABLE_VERSIONS: ClassVar[tuple[int, ...]] = READABLE_VERSIONS
    KIND: ClassVar[str] = "forecast evaluation"
    SUFFIX: ClassVar[str] = ".csv"
    #: ``.csv.gz``: the same text, gzip-compressed (no timestamp, so the same rows give the same bytes).
    SUFFIXES: ClassVar[tuple[str, ...]] = (".csv", ".csv.gz")
    REMEDY: ClassVar[str] = "rerun the evaluation (`scaling backtest ... -o FILE.csv`)"
    draws: ClassVar[None] = None  # scores of observed rows, no posterior draws

    # ------------------------------------------------------------------ the scores
    @property
    def models(self) -> list[str]:
        return list(dict.fromkeys(self.rows["model"]))

    @property
    def params(self) -> dict[str, float]:
        """Per model: mean CRPS (dex) and 50% and 90% coverage of the scored rows of converged fits
        (``crps[trend]``, ``coverage90[trend]``, ...)."""
        s = self.scores()
        return {f"{q}[{m}]": float(s.loc[m, col]) for m in s.index for q, col in _SUMMARY.items()}

    def test_rows(self, include_unconverged: bool = False) -> pd.DataFrame:
        t = self.rows.loc[self.rows["split"] == "test"]
        return t if include_unconverged else t.loc[t["converged"].astype(bool)]

    def n_excluded(self) -> dict:
        """Test rows left out of the scored summary per model (their fit did not converge)."""
        t = self.rows.loc[self.rows["split"] == "test"]
        bad = t.loc[~t["converged"].astype(bool)]
        return {m: int((bad["model"] == m).sum()) for m in self.models}

    def scores(self, include_unconverged: bool = False, by: str | None = None) -> pd.DataFrame:
        """Mean scores per model (``by="cutoff"``: per model and cut-off), pooled over test rows.

        Columns ``n_test, n_cutoffs, crps, log_score, is50, is90, coverage50, coverage90,
        median_abs_error, excluded`` (test rows of unconverged fits left out), sorted by CRPS.
        (Before version 0.2 this table was ``summary()``; :meth:`summary` is now the contract's.)
        """
        t = self.test_rows(include_unconverged)
        keys = ["model"] + ([by] if by else [])
        if by not in (None, "cutoff"):
            raise ScalingError(f"unknown grouping {by!r}; allowed: None, 'cutoff'")
        t = t.assign(abs_err=(t["observed"] - t["q50"]).abs(), covered50=t["covered50"].astype(float),
                     covered90=t["covered90"].astype(float))
        g = t.groupby(keys, sort=False)
        out = g.agg(n_test=("crps", "size"), n_cutoffs=("cutoff", "nunique"), crps=("crps", "mean"),
                    log_score=("log_score", "mean"), is50=("is50", "mean"), is90=("is90", "mean"),
                    coverage50=("covered50", "mean"), coverage90=("covered90", "mean"),
                    median_abs_error=("abs_err", "median"))
        ex = self.n_excluded()
        out["excluded"] = [ex.get(k[0] if isinstance(k, tuple) else k, 0) for k in out.index]
        return out.sort_values(keys[1:] + ["crps"]) if by else out.sort_values("crps")

    def best_baseline(self, score: str = "crps") -> str:
        """The baseline with the lowest mean ``score`` in :meth:`scores`."""
        s = self.scores()
        s = s.loc[[m for m in s.index if m in BASELINES]]
        if s.empty:
            raise ScalingError("no baseline in this evaluation")
        return str(s[score].idxmin())

    def paired(self, score: str = "crps", baselines=None, *, n_boot: int = 2000, level: float = 0.9,
               seed: int = 0, include_unconverged: bool = False) -> pd.DataFrame:
        """Mean paired difference ``score(model) - score(baseline)`` (< 0: the model is better)
        over the test rows both scored, with a cluster bootstrap over chip x provider
        (:func:`scaling.hardware.scores.cluster_bootstrap`, seeded, ``level`` interval)."""
        if score not in ("crps", "log_score", "is50", "is90"):
            raise ScalingError(f"unknown score {score!r}; allowed: crps, log_score, is50, is90")
        level = check_level(level)
        t = self.test_rows(include_unconverged)
        wide = t.pivot_table(index=["cutoff", "obs"], columns="model", values=score, aggfunc="first")
        ident = t.drop_duplicates(["cutoff", "obs"]).set_index(["cutoff", "obs"])
        cluster = (ident["hardware"] + " @ " + ident["provider"].fillna("")).reindex(wide.index)
        bases = [b for b in (BASELINES if baselines is None else baselines) if b in wide.columns]
        rows = []
        for m in [m for m in self.models if m in wide.columns]:
            for b in bases:
                if b == m:
                    continue
                both = wide[[m, b]].dropna()
                r = cluster_bootstrap(both[m] - both[b], cluster.loc[both.index], n_boot=n_boot, level=level,
                                      seed=seed)
                rows.append({"model": m, "baseline": b, "score": score, **r})
        return pd.DataFrame(rows)

    def pit_counts(self, bins: int = 10, include_unconverged: bool = False) -> pd.DataFrame:
        """Counts of test rows per model, horizon bucket and PIT bin (``bins`` equal bins of [0, 1])."""
        bins = check_int("bins", bins, 2, 100)
        t = self.test_rows(include_unconverged)
        b = np.minimum((t["pit"].to_numpy(dtype=float) * bins).astype(int), bins - 1)
        lab = [f"{k / bins:.1f}-{(k + 1) / bins:.1f}" for k in range(bins)]
        horizon = pd.Categorical(_bucket(t["horizon_years"]), categories=[h[2] for h in HORIZON_BUCKETS])
        tab = pd.crosstab([t["model"].to_numpy(), horizon], pd.Categorical([lab[k] for k in b], categories=lab),
                          rownames=["model", "horizon"], dropna=False)
        tab.columns = lab
        order = [m for m in self.models if m in tab.index.get_level_values(0)]
        return tab.reindex(order, level=0)

    # ------------------------------------------------------------------ the contract (ResultBase)
    def _summary_draws(self):
        return None

    def _report_title(self) -> str:
        return f"forecast evaluation of {self.settings.get('target', '?')}"

    def _report_lines(self, level: float) -> list[str]:
        cut = self.settings.get("cutoffs", [])
        lines = [f"  cut-offs {', '.join(cut) if cut else '-'}; scores in dex (log score in nats), lower is better",
                 f"  {'model':<16}{'test rows':>10}{'CRPS':>9}{'cover 50%':>11}{'cover 90%':>11}"]
        for m, r in self.scores().iterrows():
            lines.append(f"  {m:<16}{int(r['n_test']):>10}{r['crps']:>9.3f}{r['coverage50']:>11.0%}"
                         f"{r['coverage90']:>11.0%}")
        return lines + [f"  note: {n}" for n in self.notes]

    def _warnings(self, level: float) -> list[ScalingWarning]:
        ex = {m: n for m, n in self.n_excluded().items() if n}
        if not ex:
            return []
        return [ScalingWarning("r_hat", "unconverged fits (R-hat, ESS or divergences) left out of the scores: "
                               + ", ".join(f"{m} {n} rows" for m, n in ex.items()))]

    def _fields(self) -> dict[str, Any]:
        return {"params": self.params, "versions": dict(self.versions), "notes": list(self.notes),
                "timings": dict(self.timings),
                # full precision (pandas' to_json keeps 10 digits)
                "fits": json.loads(dumps_json({"f": self.fits.to_dict("records")}))["f"],
                "rows_sha256": hashlib.sha256(self._body().encode()).hexdigest()}

    def _saved_draws(self):
        return None

    def _body(self) -> str:
        return self.rows.round(_DIGITS).to_csv(index=False, lineterminator="\n")

    def _write(self, path: Path, max_draws: int | None) -> Path:
        """The rows as CSV (atomic), after ``# ``-prefixed lines holding :meth:`to_dict` as JSON."""
        head = dumps_json(with_content_sha256(self.to_dict()))
        text = "".join(f"# {line}\n" for line in head.splitlines()) + self._body()
        if path.name.lower().endswith(".gz"):
            return atomic_write_bytes(path, gzip.compress(text.encode("utf-8"), mtime=0))
        return atomic_write_text(path, text)

    @classmethod
    def _read(cls, path: Path) -> EvaluationResult:
        try:
            raw_bytes = path.read_bytes()
            text = (gzip.decompress(raw_bytes) if path.name.lower().endswith(".gz") else raw_bytes).decode("utf-8")
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
            raise ScalingError(f"{path} is not an evaluation file written by scaling ({exc})") from None
        lines = text.splitlines(keepends=True)
        n = 0
        while n < len(lines) and lines[n].startswith("# "):
            n += 1
        try:
            raw = json.loads("".join(line[2:] for line in lines[:n]))
        except json.JSONDecodeError as exc:
            raise ScalingError(f"{path} is not an evaluation file written by scaling ({exc})") from None
        if not isinstance(raw, dict) or raw.get("schema") != SCHEMA:
            got = raw.get("schema") if isinstance(raw, dict) else None
            raise ScalingError(f"{path} holds schema {got!r}, expected {SCHEMA!r}")
        if raw.get("schema_version") not in READABLE_VERSIONS:
            raise ScalingError(f"{path} has schema version {raw.get('schema_version')!r}; this version of scaling "
                               f"reads version {', '.join(map(str, READABLE_VERSIONS))} of {SCHEMA!r}")
        body = "".join(lines[n:])
        try:
            rows = pd.read_csv(io.StringIO(body), keep_default_na=False,
                               na_values={c: [""] for c in ROW_COLUMNS if c not in ("hardware", "provider", "tier")})
        except pd.errors.ParserError as exc:
            raise ScalingError(f"{path} is not an evaluation file written by scaling ({exc})") from None
        missing = sorted(set(ROW_COLUMNS) - set(rows.columns))
        if missing:
            raise ScalingError(f"{path}: rows lack {', '.join(missing)}")
        rows["converged"] = rows["converged"].astype(str).str.lower().eq("true")
        for c in ("covered50", "covered90"):
            rows[c] = rows[c].astype(str).str.lower().map({"true": True, "false": False}).astype("boolean")
        try:
            payload = cls._upgrade({**raw, "_rows": rows})
            meta = check_metadata(payload, path)
            result = cls(rows=rows, fits=pd.DataFrame(payload.get("fits", [])), settings=dict(meta["settings"]),
                         notes=list(payload.get("notes", [])), versions=dict(payload.get("versions", {})),
                         timings=dict(payload.get("timings", {})), data_sha256=meta["data_sha256"],
                         seed=meta["seed"], created=str(meta["created"]))
        except MALFORMED as exc:
            raise ScalingError(f"{path}: a {SCHEMA!r} file missing or with a malformed field "
                               f"({type(exc).__name__}: {exc})") from None
        if raw.get("rows_sha256") is not None and raw["rows_sha256"] != hashlib.sha256(body.encode()).hexdigest():
            raise ScalingError(f"{path} was changed after scaling wrote it (its rows no longer match its rows_sha256): "
                               f"{cls.REMEDY}")
        check_content_sha256(raw, path, cls.REMEDY)
        return result

    @classmethod
    def _upgrade(cls, payload: dict) -> dict:
        rows = payload.pop("_rows")
        if payload["schema_version"] == 1:  # no data hash, seed or scaling version in the header
            settings = payload.get("settings", {})
            payload = {**payload, "scaling_version": payload.get("versions", {}).get("scaling", ""),
                       "data_sha256": rows_population_sha256(rows), "seed": int(settings.get("seed", 0)),
                       "timings": {k: payload[k] for k in ("wall_seconds",) if k in payload}}
        return payload


def load_evaluation(path) -> EvaluationResult:
    """Read a file written by :meth:`EvaluationResult.save` (:meth:`EvaluationResult.load`)."""
    return EvaluationResult.load(path)


#: Settings two evaluations must share to be merged (:func:`merge_evaluations`).
MERGE_KEYS = ("target", "series", "metric", "precision", "cutoffs", "seed", "n_draws", "quantiles")


def merge_evaluations(first: EvaluationResult, second: EvaluationResult) -> EvaluationResult:
    """One evaluation from two of the same target, cut-offs and seed that score different models.

    So a baseline can join a saved run of the Bayesian models without refitting them: since model
    ``m`` at cut-off ``YYYY-MM-DD`` draws from ``default_rng([seed, YYYYMMDD, m])``
    (:func:`scaling.hardware.evaluation.evaluate`), the merged rows are those one run of both
    model lists would give. The settings are the first's with the models of both; what differs in
    the second (its models, sampler settings, versions, creation time, timings) is kept under
    ``settings["merged"]``.

    Raises
    ------
    ScalingError
        Where the two differ in any of :data:`MERGE_KEYS`, in their population
        (``data_sha256``), or share a model.
    """
    a, b = first.settings, second.settings
    for k in MERGE_KEYS:
        if (k in a or k in b) and a.get(k) != b.get(k):
            raise ScalingError(f"cannot merge evaluations with different {k}: {a.get(k)!r} and {b.get(k)!r}; "
                               "rerun the second with the first's settings")
    if first.data_sha256 != second.data_sha256:
        raise ScalingError(f"cannot merge evaluations of different populations (data_sha256 "
                           f"{first.data_sha256[:12]} and {second.data_sha256[:12]}): the data changed between "
                           "the runs; rerun both")
    both = sorted(set(first.models) & set(second.models))
    if both:
        raise ScalingError(f"cannot merge evaluations that both score {', '.join(both)}; leave those out of one")
    rows = pd.concat([first.rows, second.rows], ignore_index=True)
    order = {c: i for i, c in enumerate(a.get("cutoffs") or sorted(set(rows["cutoff"])))}
    rows = rows.iloc[np.argsort(rows["cutoff"].map(order).to_numpy(), kind="stable")].reset_index(drop=True)
    fits = pd.concat([first.fits, second.fits], ignore_index=True)
    added = {"models": list(second.models), "created": second.created, "versions": dict(second.versions),
             "timings": dict(second.timings),
             "settings": {k: v for k, v in b.items() if k not in ("models", "merged") and a.get(k) != v}}
    settings = {**a, "models": list(dict.fromkeys([*first.models, *second.models])),
                "merged": [*a.get("merged", []), *b.get("merged", []), added]}
    notes = list(dict.fromkeys([*first.notes, *second.notes]))
    return EvaluationResult(rows=rows, fits=fits, settings=settings, notes=notes, versions=dict(first.versions),
                            timings=dict(first.timings), data_sha256=rows_population_sha256(rows), seed=first.seed,
                            created=utc_now())
