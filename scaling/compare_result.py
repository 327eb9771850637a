"""The result kinds of :mod:`scaling.compare`: :class:`CompareResult`, :class:`GroupedCompareResult`.

Both are :class:`~scaling.result_base.ResultBase` kinds of schema ``scaling.compare``: their
:meth:`summary` has one row per law, ranked, with ``value`` the held-out RMS of log(predicted /
observed loss) under the first scheme (no draws: ``lower``/``upper`` are NaN) followed by the
columns of their ``ranking()``; the base writes ``report``, ``to_dict``, ``save`` and ``load``.
:func:`load` reads either kind. Everything here is importable from :mod:`scaling.compare`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ._checks import check_level
from ._io import read_versioned_json
from .errors import ScalingError, ScalingWarning
from .result_base import ResultBase
from .results import check_metadata

__all__ = ["CompareResult", "GroupedCompareResult", "load", "SCHEMA", "SCHEMA_VERSION", "READABLE_VERSIONS",
           "SCHEMES", "SCORE_COLUMNS", "COMBINED"]

SCHEMA = "scaling.compare"
# Version 2: the result contract's fields (``params``: each law's held-out RMS; ``draws``: null)
# and a content hash, in the compact layout of saved results; version 1 files still load.
SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)
SCHEMES = ("loso", "extrapolate")
SCORE_COLUMNS = ("n_heldout", "rms", "median_abs", "bias", "coverage", "width")
#: The label of the combined rows of a grouped summary.
COMBINED = "(mean of groups)"


class _ComparisonBase(ResultBase):
    """What both comparison kinds declare alike: schema, file, a summary without draws."""

    SCHEMA: ClassVar[str] = SCHEMA
    SCHEMA_VERSION: ClassVar[int] = SCHEMA_VERSION
    READABLE_VERSIONS: ClassVar[tuple[int, ...]] = READABLE_VERSIONS
    REMEDY: ClassVar[str] = "rerun the comparison (`scaling compare -o`)"
    draws = None  # held-out scores have no draws: the summary's intervals are NaN

    @property
    def level(self) -> float:
        """The level of the predictive intervals whose coverage is scored (not the summary's)."""
        return float(self.settings["level"])

    @property
    def params(self) -> dict[str, float]:
        """Each law's held-out RMS of log(predicted / observed) under the first scheme, ranked."""
        first = f"{self.settings['schemes'][0]}_rms"
        return {str(law): float(v) for law, v in self._ranking()[first].items()}

    def _summary_extra(self, level: float) -> pd.DataFrame:
        return self._ranking()

    def _report_lines(self, level: float) -> list[str]:
        """The ranking: per law its kind and, per scheme, held-out RMS, coverage and rank."""
        rank = self._ranking()
        schemes = list(self.settings["schemes"])
        width = max(8, *(len(str(law)) for law in rank.index))
        head = f"  {'law':<{width}} {'kind':<10}" + "".join(f"{s + ' rms':>16}{'cov':>6}{'rank':>5}" for s in schemes)
        lines = [head]
        for law, row in rank.iterrows():
            cells = "".join(f"{row[f'{s}_rms']:>16.4g}{row[f'{s}_coverage']:>6.0%}{row[f'{s}_rank']!s:>5}"
                            for s in schemes)
            lines.append(f"  {law!s:<{width}} {row['kind']!s:<10}{cells}")
        lines.append(f"  rms: of log(predicted / observed loss) on held-out runs; cov: share inside the "
                     f"{self.level:.0%} predictive interval")
        return lines

    @classmethod
    def _from_saved(cls, payload: dict, meta: dict, draws, path):
        check_level(meta["settings"]["level"])
        schemes = list(meta["settings"]["schemes"])
        if not schemes or any(sc not in SCHEMES for sc in schemes):
            raise ScalingError(f"{path}: settings name schemes {schemes!r}; allowed: {', '.join(SCHEMES)}")
        return cls._from_fields(payload, meta, path)


@dataclass(frozen=True)
class CompareResult(_ComparisonBase):
    """Held-out scores of several laws on one table of runs (a :class:`~scaling.result_base.ResultBase`).

    :meth:`summary` has one row per law, ranked: ``value`` is the held-out RMS of the first
    scheme (no draws, so ``lower`` and ``upper`` are NaN), then the columns of :meth:`ranking`.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per (law, scheme): ``law, kind, scheme`` and :data:`SCORE_COLUMNS`
        (``width``: mean width of the predictive interval in log-loss).
    predictions : pandas.DataFrame
        One row per held-out run, law and scheme: ``law, scheme, fold, n_params, n_tokens,
        loss, predicted, lower, upper``.
    in_sample : pandas.DataFrame
        One row per law: ``kind``, ``n_free`` (parameters), ``rms_in_sample`` on every run,
        ``fitted_on_these_runs``: the share of the compared runs that a published fit was
        itself fitted on (:func:`scaling.library.in_sample_share`; 0 for the laws fitted
        here, which never see their held-out runs). A published fit with a share above 0
        is scored partly in sample: its "held-out" errors flatter it.
    loo : dict
        PSIS-LOO of the Bayesian fit (``elpd_loo``, ``se``, ``p_loo``, ``n_pareto_k_bad``,
        ``seconds``), empty without ``loo=True``.
    folds : list of dict
        The held-out sizes: scheme, fold, n_params range, runs.
    data_sha256, seed, settings, created
        Provenance (:func:`scaling.results.metadata`): the hash of the runs compared, the seed of
        the comparison (bootstraps and predictive draws), its settings, its time.
    """

    scores: pd.DataFrame
    predictions: pd.DataFrame
    in_sample: pd.DataFrame
    data_sha256: str
    seed: int
    settings: dict
    loo: dict = field(default_factory=dict)
    folds: list = field(default_factory=list)
    created: str = ""

    KIND: ClassVar[str] = "held-out comparison of laws"

    def _report_title(self) -> str:
        return (f"held-out comparison of {len(self.in_sample)} laws on {self.settings['n_runs']} runs "
                f"({self.settings['n_sizes']} model sizes)")

    def _ranking(self) -> pd.DataFrame:
        return self.ranking()

    def ranking(self) -> pd.DataFrame:
        """One row per law (index ``law``), ranked by leave-one-size-out RMS error.

        Columns ``kind`` (fitted or published), ``n_free``, ``rms_in_sample``,
        ``fitted_on_these_runs`` (see :attr:`in_sample`), then for each
        scheme ``<scheme>_rms``, ``<scheme>_median_abs``, ``<scheme>_bias``,
        ``<scheme>_coverage``, and ``<scheme>_rank`` (1 = smallest RMS); ``elpd_loo`` where
        a Bayesian fit was scored.
        """
        out = self.in_sample.copy()
        for scheme in self.settings["schemes"]:
            s = self.scores[self.scores["scheme"] == scheme].set_index("law")
            for col in ("rms", "median_abs", "bias", "coverage"):
                out[f"{scheme}_{col}"] = s[col].reindex(out.index)
            out[f"{scheme}_rank"] = out[f"{scheme}_rms"].rank(method="min").astype("Int64")
        if self.loo:
            out["elpd_loo"] = [self.loo.get("elpd_loo") if law == self.loo.get("law") else np.nan
                               for law in out.index]
        first = f"{self.settings['schemes'][0]}_rms"
        return out.sort_values(first, kind="stable")

    def _warnings(self, level: float) -> list[ScalingWarning]:
        """Laws whose held-out coverage is far from the comparison's level (``settings["level"]``)."""
        out = []
        for _, row in self.scores.iterrows():
            n, cov = int(row["n_heldout"]), float(row["coverage"])
            if n and np.isfinite(cov):
                # a 3-standard-error band of a binomial share around the nominal level
                se = math.sqrt(self.level * (1 - self.level) / n)
                if abs(cov - self.level) > 3 * se:
                    out.append(ScalingWarning(
                        "poor_fit", f"{row['law']}: {cov:.0%} of the {n} held-out runs ({row['scheme']}) fall "
                                    f"inside its {self.level:.0%} predictive intervals"))
        return out

    def _fields(self) -> dict[str, Any]:
        """Ranking (``summary``), scores, in-sample scores, predictions, folds, LOO, then ``params``."""
        return {
            "summary": _records(self.ranking().reset_index()),
            "scores": _records(self.scores),
            "in_sample": _records(self.in_sample.reset_index()),
            "predictions": {c: self.predictions[c].tolist() for c in self.predictions.columns},
            "folds": self.folds,
            "loo": self.loo,
            "params": self.params,
        }

    @classmethod
    def _from_fields(cls, payload: dict, meta: dict, path) -> CompareResult:
        scores = pd.DataFrame(payload["scores"], columns=["law", "kind", "scheme", *SCORE_COLUMNS])
        in_sample = pd.DataFrame(payload["in_sample"]).set_index("law")
        # files written before the in-sample share was recorded lack fitted_on_these_runs
        if list(in_sample.columns)[:3] != ["kind", "n_free", "rms_in_sample"]:
            raise ScalingError(f"{path}: in_sample has columns {list(in_sample.columns)}; expected kind, n_free, "
                               "rms_in_sample, fitted_on_these_runs")
        return cls(scores=scores, predictions=pd.DataFrame(payload["predictions"]), in_sample=in_sample,
                   data_sha256=meta["data_sha256"], seed=meta["seed"], settings=dict(meta["settings"]),
                   loo=dict(payload["loo"]), folds=list(payload["folds"]), created=meta["created"])

    def figure(self, path: str | os.PathLike | None = None):
        """Deprecated: :func:`scaling.plot.held_out_errors` of this result (saved with :func:`scaling.plot.savefig`)."""
        from .compare import _figure  # lazy, upward: the deprecated alias lives there (LAZY_UP)

        return _figure(self, path)


def _records(df: pd.DataFrame) -> list[dict]:
    out = []
    for rec in df.to_dict(orient="records"):
        row = {}
        for k, v in rec.items():
            if isinstance(v, (np.generic,)):
                v = v.item()
            if v is pd.NA:
                v = None
            row[str(k)] = v
        out.append(row)
    return out


@dataclass(frozen=True)
class GroupedCompareResult(_ComparisonBase):
    """Held-out scores of several laws on runs from several groups, compared per group.

    A :class:`~scaling.result_base.ResultBase`: :meth:`summary` has one row per law, ranked
    by :meth:`combined`'s mean RMS of the first scheme (``value``; ``lower``/``upper`` NaN),
    then the columns of :meth:`combined`; :meth:`ranking` has every group's rows.

    Attributes
    ----------
    by_group : dict
        ``{group: CompareResult}`` in the order the groups first appear in the runs: every
        law fitted and scored on that group's runs alone.
    data_sha256, seed, settings, created
        Provenance of the whole table (:func:`scaling.results.metadata`); ``settings`` has
        ``groups`` (``"separate"``) and ``group_labels``.
    """

    by_group: dict
    data_sha256: str
    seed: int
    settings: dict
    created: str = ""

    KIND: ClassVar[str] = "held-out comparison of laws per group"

    def _report_title(self) -> str:
        return (f"held-out comparison per group ({', '.join(map(str, self.by_group))}): the mean of each law's "
                "per-group scores")

    def _ranking(self) -> pd.DataFrame:
        return self.combined()

    def combined(self) -> pd.DataFrame:
        """One row per law: the mean over groups of its per-group scores, every group weighing the same.

        Columns as :meth:`CompareResult.ranking` (``kind``, ``n_free``, ``rms_in_sample``,
        ``<scheme>_rms`` ...), plus ``n_groups``; ``<scheme>_rank`` ranks the mean RMS and
        ``<scheme>_mean_rank`` is the mean of the per-group ranks. Ranked by the first scheme.
        """
        frames = [r.ranking() for r in self.by_group.values()]
        laws = list(frames[0].index)
        numeric = [c for c in frames[0].columns if c not in ("kind",) and not c.endswith("_rank")]
        out = pd.DataFrame(index=pd.Index(laws, name="law"))
        out["kind"] = frames[0]["kind"].reindex(laws)
        for col in numeric:
            out[col] = np.mean([f[col].reindex(laws).to_numpy(dtype=float) for f in frames], axis=0)
        out["n_free"] = out["n_free"].astype(int)
        for scheme in self.settings["schemes"]:
            out[f"{scheme}_rank"] = out[f"{scheme}_rms"].rank(method="min").astype("Int64")
            out[f"{scheme}_mean_rank"] = np.mean([f[f"{scheme}_rank"].reindex(laws).to_numpy(dtype=float)
                                                  for f in frames], axis=0)
        out["n_groups"] = len(frames)
        return out.sort_values(f"{self.settings['schemes'][0]}_rms", kind="stable")

    def ranking(self) -> pd.DataFrame:
        """Every group's ranking, then the combined one: indexed by (``group``, ``law``).

        The rows of group ``g`` are ``by_group[g].ranking()``; the last rows, group
        :data:`COMBINED`, are :meth:`combined`.
        """
        parts = [r.ranking().assign(group=g) for g, r in self.by_group.items()]
        parts.append(self.combined().assign(group=COMBINED))
        return pd.concat(parts).reset_index().set_index(["group", "law"])

    def _warnings(self, level: float) -> list[ScalingWarning]:
        """Every group's warnings, each naming its group."""
        return [ScalingWarning(w.code, f"group {g!r}: {w.message}")
                for g, r in self.by_group.items() for w in r.warnings(level)]

    def _fields(self) -> dict[str, Any]:
        """The combined ranking, each group's :meth:`CompareResult.to_dict`, then ``params``."""
        return {
            "combined": _records(self.combined().reset_index()),
            "groups": {g: r.to_dict() for g, r in self.by_group.items()},
            "params": self.params,
        }

    @classmethod
    def _from_fields(cls, payload: dict, meta: dict, path) -> GroupedCompareResult:
        by_group = {}
        for g, part in dict(payload["groups"]).items():
            part = CompareResult._upgrade(part)
            by_group[str(g)] = CompareResult._from_saved(part, check_metadata(part, f"{path} (group {g!r})"), None,
                                                         path)
        if not by_group:
            raise ScalingError(f"{path}: a grouped comparison without groups")
        return cls(by_group=by_group, data_sha256=meta["data_sha256"], seed=meta["seed"],
                   settings=dict(meta["settings"]), created=meta["created"])

    def figure(self, path: str | os.PathLike | None = None):
        """Deprecated: :func:`scaling.plot.held_out_errors` of this result (saved with :func:`scaling.plot.savefig`)."""
        from .compare import _figure  # lazy, upward: the deprecated alias lives there (LAZY_UP)

        return _figure(self, path)


def load(path: str | os.PathLike) -> CompareResult | GroupedCompareResult:
    """Read a comparison saved by ``save``: a :class:`GroupedCompareResult` if it has groups.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ScalingError
        Not a ``scaling.compare`` file of a version read (1, 2), a malformed field, or content
        edited after it was written.
    """
    path = Path(path)
    if path.suffix.lower() != ".json" or not path.exists():  # the kind's load says which
        return CompareResult.load(path)
    grouped = "groups" in read_versioned_json(path, SCHEMA, READABLE_VERSIONS)
    return (GroupedCompareResult if grouped else CompareResult).load(path)


