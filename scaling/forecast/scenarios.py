"""Scenarios for analysts: named price series, laws by name, scenario files, wide tables.

A scenario is a dict of options (the ``scaling forecast`` flags without dashes); a TOML
file holds several as tables::

    [cloud-mixture]
    law = "mixture"
    price_series = "hyperscaler-on-demand"
    utilisation = "0.3:0.5"

    [purchase-slow]
    basis = "purchase"
    price_doubling_years = 4.0
    dollars = "real"

:func:`run_scenarios` loads the fits once and returns one :class:`~scaling.forecast.Forecast`
per scenario; :func:`wide_table` puts them side by side (years x scenarios x
median/lower/upper, units in the column names).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from ..errors import ScalingError

__all__ = ["PRICE_SERIES", "PriceSeries", "SCENARIO_KEYS", "BASES", "DEFAULT_SERIES", "LAW_MIXTURE_DEFAULT", "load_scenarios",
           "run_scenarios", "wide_table", "resolve_law"]


@dataclass(frozen=True)
class PriceSeries:
    """A saved price trend (and, for the purchase basis, its energy trend) under a name."""

    basis: str
    price_file: str
    energy_file: str | None = None
    description: str = ""


#: Named price series -> saved trend files in the fits folder. A new series from the price
#: side is one line here.
PRICE_SERIES: dict[str, PriceSeries] = {
    # The series of the hierarchical cloud-price model (scaling.hardware.panel; `scaling run` fits
    # the panel once and saves each; `scaling trend --series NAME` refits one): hardware progress
    # separated from market composition. hyperscaler-on-demand is the cloud basis's default.
    "hyperscaler-on-demand": PriceSeries("cloud", "trend_hyperscaler-on-demand.json", None,
                                         "typical hyperscaler on-demand price (hierarchical panel model)"),
    "lowest-available": PriceSeries("cloud", "trend_lowest-available.json", None,
                                    "lowest widely available price (hierarchical panel model)"),
    "gpu-cloud-on-demand": PriceSeries("cloud", "trend_gpu-cloud-on-demand.json", None,
                                       "typical GPU-cloud on-demand price (hierarchical panel model)"),
    "hyperscaler-3yr": PriceSeries("cloud", "trend_hyperscaler-3yr.json", None,
                                   "hyperscaler 3-year committed price (hierarchical panel model)"),
    # The pooled regression over every on-demand price: the baseline ("cloud" kept for old callers).
    "pooled": PriceSeries("cloud", "trend_flops_per_usd_cloud_tensor16.json", None,
                          "baseline: pooled cloud on-demand prices, all providers (tensor16)"),
    "cloud": PriceSeries("cloud", "trend_flops_per_usd_cloud_tensor16.json", None,
                         "baseline: pooled cloud on-demand prices, all providers (same as 'pooled')"),
    "purchase": PriceSeries("purchase", "trend_flops_per_usd_tensor16.json", "trend_flops_per_watt_tensor16.json",
                            "release prices and TDP of accelerators (tensor16)"),
    "purchase-fp32": PriceSeries("purchase", "trend_flops_per_usd_fp32.json", "trend_flops_per_watt_fp32.json",
                                 "release prices and TDP of accelerators (FP32)"),
}
BASES = ("cloud", "purchase")
#: The default series of each basis. Cloud: the typical hyperscaler on-demand price of the
#: hierarchical panel model (hardware progress, ~5.6-year doubling), not the pooled regression,
#: whose ~2.4-year doubling is mostly the arrival of cheaper GPU clouds and marketplaces
#: (market composition; docs/hardware-trends.md).
DEFAULT_SERIES = {"cloud": "hyperscaler-on-demand", "purchase": "purchase"}
#: The law mixture ``--law mixture`` draws from, with equal weights.
LAW_MIXTURE_DEFAULT = ("chinchilla_lsq.json", "chinchilla_bayes.nc", "hoffmann2022")

#: Keys a scenario may set, with the type its value must have.
SCENARIO_KEYS: dict[str, tuple] = {
    "law": (str,), "price_series": (str,), "price_doubling_years": (int, float), "utilisation": (str, int, float),
    "inference_utilisation": (str, int, float), "basis": (str,), "dollars": (str,), "base_year": (int,),
    "target": (str, int, float, list), "algorithmic": (str, int, float), "algorithmic_cap": (int, float),
    "algorithmic_slowdown": (int, float), "price_scatter": (bool,), "label": (str,),
}


def _key_lines(text: str) -> dict[tuple[str, str], int]:
    """(table, key) -> line number, for messages about a scenario file."""
    lines, table = {}, ""
    for i, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            table = line.strip("[]").strip().strip('"')
        elif "=" in line:
            lines[(table, line.split("=", 1)[0].strip().strip('"'))] = i
    return lines


def load_scenarios(path: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """Read a TOML scenario file: one table per scenario; unknown keys name the key and its line."""
    import tomllib

    path = Path(path)
    raw = path.read_bytes()  # OSError for a missing file: the CLI reports it
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScalingError(f"{path}: not UTF-8 text (byte {exc.start}); TOML files are UTF-8: save it as UTF-8") \
            from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScalingError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ScalingError(f"{path}: not valid TOML: nested too deeply to read") from None
    except ValueError:  # Python refuses integers of more than 4,300 digits
        raise ScalingError(f"{path}: not valid TOML: it holds an integer of more than 4,300 digits") from None
    where = _key_lines(text)
    if not data:
        raise ScalingError(f"{path}: no scenarios; give one [name] table per scenario")
    out = {}
    for name, spec in data.items():
        if not isinstance(spec, dict):
            line = where.get(("", name), "?")
            raise ScalingError(f"{path}:{line}: {name!r} is not a scenario table; write [{name}] and its keys below")
        for key, value in spec.items():
            line = where.get((name, key), "?")
            if key not in SCENARIO_KEYS:
                raise ScalingError(f"{path}:{line}: unknown key {key!r} in scenario [{name}]; allowed: "
                                   f"{', '.join(SCENARIO_KEYS)}")
            types = SCENARIO_KEYS[key]
            if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
                raise ScalingError(f"{path}:{line}: {key} = {value!r} in scenario [{name}] must be "
                                   f"{' or '.join(t.__name__ for t in types)}")
        out[name] = dict(spec)
    return out


def resolve_law(spec: str, fits_dir: Path, loader: Callable[[str], Any] | None = None):
    """A law for ``--law``: ``"mixture"`` (the default mixture), a published name or a fit file."""
    from .. import library
    from .draws import law_mixture

    if spec.lower() == "mixture":
        fits = {}
        for name in LAW_MIXTURE_DEFAULT:
            fits[Path(name).stem] = (library.resolve(name) if name in library.PUBLISHED
                                     else (loader or library.resolve)(str(fits_dir / name)))
        return law_mixture(fits, rule="equal weights (stated rule; no held-out score separates them)")
    if spec.lower() in library.PUBLISHED:
        return library.resolve(spec)
    path = Path(spec)
    if path.suffix.lower() in (".json", ".nc"):
        if not path.exists() and (fits_dir / path.name).exists():
            path = fits_dir / path.name
        return library.resolve(path)
    raise ScalingError(f"unknown law {spec!r}; allowed: mixture, {', '.join(library.PUBLISHED)}, "
                       "or a saved fit file (.json or .nc)")


def series_for(spec: Mapping[str, Any]) -> tuple[str, PriceSeries]:
    """The price series of a scenario: ``price_series`` or the basis's default; checks both names."""
    basis = spec.get("basis")
    if basis is not None and basis not in BASES:
        raise ScalingError(f"unknown basis {basis!r}; allowed: {', '.join(BASES)}")
    name = spec.get("price_series") or DEFAULT_SERIES[basis or "cloud"]
    if name not in PRICE_SERIES:
        raise ScalingError(f"unknown price series {name!r}; allowed: {', '.join(PRICE_SERIES)}")
    series = PRICE_SERIES[name]
    if basis is not None and series.basis != basis:
        raise ScalingError(f"price series {name!r} is on the {series.basis} basis, not {basis!r}; "
                           f"{basis} series: {', '.join(k for k, v in PRICE_SERIES.items() if v.basis == basis)}")
    return name, series


def _target(value):
    if isinstance(value, (list, tuple)):
        if len(value) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            raise ScalingError(f"target {value!r}: a list target is [n_params, n_tokens], two numbers "
                               "(e.g. [175e9, 300e9])")
        return tuple(float(v) for v in value)
    if isinstance(value, (int, float)):
        return float(value)
    v = str(value).strip()
    if "," in v:
        parts = v.split(",")
        try:
            if len(parts) == 2:
                return (float(parts[0]), float(parts[1]))
        except ValueError:
            pass
        raise ScalingError(f"target {value!r}: give a loss (2.0), N,D (175e9,300e9) or a reference model name")
    try:
        return float(v)
    except ValueError:
        return v


def _algorithmic(value):
    if value is None or (isinstance(value, str) and value.lower() == "off"):
        return None
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return float(value)


def run_scenarios(scenarios: Mapping[str, Mapping[str, Any]], *, fits_dir: Path, dates, n_draws: int = 4000,
                  seed: int = 0, load_trend: Callable | None = None, load_fit: Callable | None = None,
                  on_warning: Callable | None = None) -> dict:
    """One forecast per scenario (fits and trends loaded once each). Checks every scenario first.

    ``on_warning(w)`` is called once for each warning of every law and trend loaded (the CLI
    prints them before the forecast).
    """
    from ..cost.tco import DOLLARS
    from .core import MIN_UTILISATION, check_target, equivalent_cost
    from .draws import check_range

    fits_dir = Path(fits_dir)
    if load_trend is None:
        from ..hardware import load_trend
    checked = {}
    for name, spec in scenarios.items():
        unknown = sorted(set(spec) - set(SCENARIO_KEYS))
        if unknown:
            raise ScalingError(f"scenario {name!r}: unknown key(s) {', '.join(unknown)}; allowed: "
                               f"{', '.join(SCENARIO_KEYS)}")
        checked[name] = series_for(spec)
        # Cheap checks of the other inputs before any file is read (one error line, no warnings first).
        check_range("utilisation", spec.get("utilisation", (0.3, 0.5)), low=MIN_UTILISATION)
        if spec.get("inference_utilisation") is not None:
            check_range("inference_utilisation", spec["inference_utilisation"], low=MIN_UTILISATION)
        if spec.get("dollars", "nominal") not in DOLLARS:
            raise ScalingError(f"unknown dollars {spec['dollars']!r}; allowed: {', '.join(DOLLARS)}")
    laws, trends, out = {}, {}, {}
    for name, spec in scenarios.items():
        law_spec = str(spec.get("law", "chinchilla_lsq.json"))
        if law_spec not in laws:
            laws[law_spec] = resolve_law(law_spec, fits_dir, load_fit)
            for w in (laws[law_spec].warnings() if on_warning else ()):
                on_warning(w)
        check_target(laws[law_spec], _target(spec.get("target", "gpt3")))
    for name, spec in scenarios.items():
        series_name, series = checked[name]
        files = [series.price_file] + ([series.energy_file] if series.energy_file else [])
        for f in files:
            if f not in trends:
                path = fits_dir / f
                if not path.exists():
                    raise ScalingError(f"{path} not found: run 'scaling run' first (or pass --fits-dir)")
                trends[f] = load_trend(path)
                for w in (trends[f].warnings() if on_warning else ()):
                    on_warning(w)
        law_spec = str(spec.get("law", "chinchilla_lsq.json"))
        out[name] = equivalent_cost(
            laws[law_spec], trends[series.price_file], trends[series.energy_file] if series.energy_file else None,
            target=_target(spec.get("target", "gpt3")), dates=dates,
            utilisation=spec.get("utilisation", (0.3, 0.5)),
            inference_utilisation=spec.get("inference_utilisation"),
            price_doubling_years=spec.get("price_doubling_years"),
            price_scatter=spec.get("price_scatter", True),
            dollars=spec.get("dollars", "nominal"), base_year=spec.get("base_year", 2024),
            algorithmic_halving_months=_algorithmic(spec.get("algorithmic")),
            algorithmic_cap=spec.get("algorithmic_cap"),
            algorithmic_slowdown_per_year=spec.get("algorithmic_slowdown", 0.0),
            price_series=series_name, label=spec.get("label", name), n_draws=n_draws, seed=seed,
        )
    return out


def wide_table(forecasts: Mapping[str, Any], level: float = 0.9, yearly: bool = True) -> pd.DataFrame:
    """Years x scenarios x median/lower/upper: columns ``<scenario>:<quantity>_<stat>``."""
    frames = [fc.wide(level=level, yearly=yearly) for fc in forecasts.values()]
    out = pd.concat(frames, axis=1)
    out.index = out.index.strftime("%Y-%m-%d")
    out.index.name = "date"
    return out
