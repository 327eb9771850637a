"""The posterior of the cloud-price panel, :class:`PanelFit`, and its file.

The panel model of :mod:`scaling.hardware.panel` (chip, provider, provider-kind and
pricing-tier effects, and the level's random walk) leaves draws of every parameter and the
levels they index. :class:`PanelFit` answers the segments' offsets, the lowest widely
available segment and predictive draws for observations; the named series
(:func:`scaling.hardware.panel.series_trend`) are made from it.

It is a :class:`scaling.result_base.ResultBase`: ``params`` are the posterior medians of the
model's parameters (not the chip and provider effects); summary, report, warnings (R-hat,
ESS, divergences), ``to_dict`` and ``save``/``load`` (schema ``scaling.hardware.panel``,
with the prices it was fitted to) are written there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._format import plural
from ..bayes.diagnostics import diagnostic_warnings
from ..errors import ScalingWarning
from ..result_base import ResultBase
from .data import KINDS, PRICINGS, TrendData
from .predictive import WALK, horizon_walk

__all__ = ["PanelFit", "TIERS", "WIDE_PROVIDERS", "WIDE_TIERS", "PARAMS"]

#: The panel's parameters (``params``), in order; ``kind[...]`` and ``tier[...]`` follow.
PARAMS = ("intercept", "slope_per_year", "age_slope", "sigma", "nu", "tau_chip", "tau_provider", WALK)

#: A segment (provider kind, tier) offered by at least this many providers is widely available.
WIDE_PROVIDERS = 3
#: Tiers a training run can buy: on demand or a commitment of up to one year (a 3-year
#: commitment binds the buyer long after the run).
WIDE_TIERS = ("on_demand", "1yr")
TIERS = tuple(PRICINGS)


def _age_years(points: pd.DataFrame) -> np.ndarray:
    """Age of the chip at the price's date, years (0 where its release date is unknown)."""
    rel = pd.to_datetime(points["hardware_release_date"], errors="coerce")
    age = (pd.to_datetime(points["date"]) - rel).dt.days.to_numpy(dtype=float) / 365.25
    return np.where(np.isfinite(age), age, 0.0)



@dataclass(frozen=True)
class PanelFit(ResultBase):
    """Posterior of the panel model: draws of every parameter and the levels they index.

    Attributes
    ----------
    data : TrendData
        The prices fitted (every tier).
    t0, age_ref : float
        Centring year and chip age (years) of the line.
    draws : DataFrame
        ``intercept, slope_per_year, age_slope, sigma, nu, tau_chip, tau_provider`` (+
        ``rw_scale``), ``kind[<kind>]``, ``tier[<tier>]``, ``chip[<name>]``, ``provider[<name>]``.
    chips, providers : tuple of str
    diagnostics, seed, settings, created
        The sampler's diagnostics (R-hat, ESS, divergences) and the provenance.
    """

    data: TrendData
    t0: float
    age_ref: float
    draws: pd.DataFrame
    chips: tuple
    providers: tuple
    diagnostics: dict
    seed: int
    settings: dict
    created: str = ""

    SCHEMA: ClassVar[str] = "scaling.hardware.panel"
    SCHEMA_VERSION: ClassVar[int] = 1
    KIND: ClassVar[str] = "price panel"
    REMEDY: ClassVar[str] = "refit the panel (`scaling trend --series hyperscaler-on-demand`)"

    @property
    def data_sha256(self) -> str:
        """The hash of the prices fitted (:attr:`TrendData.sha256`)."""
        return self.data.sha256

    @property
    def params(self) -> dict[str, float]:
        """Posterior medians of :data:`PARAMS` and of the kind and tier effects."""
        names = [c for c in PARAMS if c in self.draws] + [c for c in self.draws if c.startswith(("kind[", "tier["))]
        return {c: float(np.median(self.draws[c].to_numpy(dtype=float))) for c in names}

    def segment_offset(self, kind: str, tier: str) -> np.ndarray:
        """Draws of :math:`\\kappa_k + \\rho_r` (0 for hyperscaler on-demand)."""
        k = np.zeros(len(self.draws)) if kind == KINDS[0] else self.draws[f"kind[{kind}]"].to_numpy()
        r = np.zeros(len(self.draws)) if tier == TIERS[0] else self.draws[f"tier[{tier}]"].to_numpy()
        return k + r

    def segments(self) -> pd.DataFrame:
        """Each (kind, tier) with its providers and points in the data and its median offset."""
        d = self.data.data
        g = d.groupby(["provider_kind", "pricing_tier"]).agg(n_points=("name", "size"),
                                                             n_providers=("provider", "nunique")).reset_index()
        g["offset_median"] = [float(np.median(self.segment_offset(k, r)))
                              for k, r in zip(g["provider_kind"], g["pricing_tier"])]
        g["wide"] = ((g["n_providers"] >= WIDE_PROVIDERS) & (g["provider_kind"] != "marketplace")
                     & g["pricing_tier"].isin(WIDE_TIERS))
        return g

    def lowest_segment(self) -> tuple[str, str]:
        """The widely available segment with the lowest median price: the highest FLOP per $."""
        seg = self.segments()
        wide = seg.loc[seg["wide"]]
        if wide.empty:
            wide = seg
        row = wide.sort_values("offset_median", ascending=False).iloc[0]
        return str(row["provider_kind"]), str(row["pricing_tier"])

    def predict_points(self, points: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        """Predictive draws (log10) for observations: known chips and providers use their
        effect, unseen ones a draw from :math:`N(0, \\tau^2)`; plus Student-t residuals."""
        n = len(self.draws)
        d = self.draws
        x = points["year"].to_numpy(dtype=float) - self.t0
        age = _age_years(points) - self.age_ref
        out = (d["intercept"].to_numpy()[:, None] + d["slope_per_year"].to_numpy()[:, None] * x[None, :]
               + d["age_slope"].to_numpy()[:, None] * age[None, :])
        for j, (kind, tier, chip, prov) in enumerate(zip(points["provider_kind"], points["pricing_tier"],
                                                          points["name"], points["provider"])):
            out[:, j] += self.segment_offset(kind, tier)
            col = f"chip[{chip}]"
            out[:, j] += d[col].to_numpy() if col in d else d["tau_chip"].to_numpy() * rng.standard_normal(n)
            col = f"provider[{prov}]"
            out[:, j] += d[col].to_numpy() if col in d else d["tau_provider"].to_numpy() * rng.standard_normal(n)
        nu = d["nu"].to_numpy()[:, None]
        out += d["sigma"].to_numpy()[:, None] * rng.standard_t(nu, size=out.shape)
        if WALK in d and "horizon_origin_year" in self.settings:
            out += horizon_walk(points["year"].to_numpy(dtype=float), self.settings["horizon_origin_year"],
                                d[WALK].to_numpy(), rng)
        return out

    # ------------------------------------------------------------------ the contract (ResultBase)
    def _diagnostic_table(self) -> pd.DataFrame:
        names = list(self.params)
        cols = ("r_hat", "ess_bulk", "ess_tail")
        return pd.DataFrame({c: [(self.diagnostics.get(c) or {}).get(n, np.nan) for n in names] for c in cols},
                            index=pd.Index(names, name="parameter"), dtype=float)

    def _summary_extra(self, level: float) -> pd.DataFrame:
        return self._diagnostic_table()[["r_hat", "ess_bulk"]]

    def _report_title(self) -> str:
        d = self.data.data
        return (f"price panel: {plural(len(d), 'price')} of {plural(len(self.chips), 'chip')} at "
                f"{plural(len(self.providers), 'provider')}, {d['year'].min():.1f}-{d['year'].max():.1f}")

    def _report_lines(self, level: float) -> list[str]:
        lines = super()._report_lines(level)
        kind, tier = self.lowest_segment()
        lines.append(f"  lowest widely available segment: {kind} / {tier}; t0 = {self.t0:.2f}; seed {self.seed}")
        return lines

    def _warnings(self, level: float) -> list[ScalingWarning]:
        table = self._diagnostic_table().dropna(how="all")
        if table.empty:
            return []
        return diagnostic_warnings(table, int(self.diagnostics.get("divergences", 0)))

    def _fields(self) -> dict[str, Any]:
        d = self.data.data.copy()
        for c in d.columns:
            if pd.api.types.is_datetime64_any_dtype(d[c]):
                d[c] = d[c].dt.strftime("%Y-%m-%d")
        data = {"metric": self.data.metric, "precision": self.data.precision, "dropped": dict(self.data.dropped),
                "filters": [list(f) for f in self.data.filters], "notes": list(self.data.notes),
                "settings": dict(self.data.settings),
                "points": {c: [None if isinstance(v, float) and v != v else v for v in d[c].tolist()]
                           for c in d.columns}}
        return {"params": self.params, "t0": float(self.t0), "age_ref": float(self.age_ref), "chips": list(self.chips),
                "providers": list(self.providers), "diagnostics": dict(self.diagnostics), "data": data}

    def _saved_draws(self) -> pd.DataFrame:
        return self.draws

    @classmethod
    def _from_saved(cls, payload: dict, meta: dict, draws, path) -> PanelFit:
        from ..errors import ScalingError

        if draws is None or not draws.n_rows:
            raise ScalingError(f"{path}: the panel file has no draws")
        d = payload["data"]
        points = pd.DataFrame(d["points"])
        for c in ("date", "hardware_release_date"):
            if c in points.columns:
                points[c] = pd.to_datetime(points[c], errors="coerce")
        data = TrendData(metric=d["metric"], precision=d["precision"], data=points, dropped=dict(d["dropped"]),
                         filters=[tuple(f) for f in d["filters"]], notes=list(d["notes"]), settings=dict(d["settings"]))
        if data.sha256 != meta["data_sha256"]:
            raise ScalingError(f"{path}: the prices saved do not match the file's data_sha256")
        return cls(data=data, t0=float(payload["t0"]), age_ref=float(payload["age_ref"]), draws=draws.to_frame(),
                   chips=tuple(payload["chips"]), providers=tuple(payload["providers"]),
                   diagnostics=dict(payload.get("diagnostics") or {}), seed=meta["seed"],
                   settings=dict(meta["settings"]), created=str(meta["created"]))
