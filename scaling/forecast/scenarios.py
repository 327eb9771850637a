"""Scenarios for analysts: named price series, laws by name, scenario files, wide tables.

A scenario is a dict of options (the ``scaling forecast`` flags without dashes); a TOML
file holds several as tables (``examples/scenarios.toml`` uses every key; :data:`SCENARIO_KEYS`
lists them with their meaning, unit, default and allowed values)::

    [cloud-mixture]
    law = "mixture"
    price_series = "hyperscaler-on-demand"
    mfu = "0.3:0.5"

    [purchase-slow]
    basis = "purchase"
    price_doubling_years = 4.0
    dollars = "real"

:func:`run_scenarios` loads the fits once and returns one :class:`~scaling.forecast.Forecast`
per scenario; :func:`wide_table` puts them side by side (years x scenarios x
median/lower/upper, units in the column names). Every scenario's label is checked
(:func:`check_label`) and labels are unique, so no two scenarios share a column.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from ..errors import ScalingError
from ..hardware.series import ALIASES as _ALIASES
from ..hardware.series import PRICE_SERIES as _SERIES
from ..hardware.series import refuse_retired
from .spec import BASES, TCO_FIELDS, ForecastSpec, _halving, _slowdown, _tco_value  # noqa: F401 (old names)
from .targets import parse_target

__all__ = ["PRICE_SERIES", "PriceSeries", "SCENARIO_KEYS", "BASES", "DEFAULT_SERIES", "LAW_MIXTURE_DEFAULT", "load_scenarios",
           "run_scenarios", "wide_table", "resolve_law", "DEFAULT_LAW", "TCO_KEYS", "check_label", "LABEL_RULE",
           "scenario_notes", "key_table", "scenario_specs",
           "canonical_keys", "DEPRECATED_KEYS"]


@dataclass(frozen=True)
class PriceSeries:
    """A saved price trend (and, for the purchase basis, its energy trend) under a name."""

    basis: str
    price_file: str
    energy_file: str | None = None
    description: str = ""


#: Named price series -> saved trend files in the fits folder, derived from the one registry of
#: series, :data:`scaling.hardware.series.PRICE_SERIES` (a new series is one entry there), plus
#: its aliases (``cloud``, kept for old callers, is ``pooled``).
PRICE_SERIES: dict[str, PriceSeries] = {
    **{name: PriceSeries(s.basis, s.price_file, s.energy_file, s.description) for name, s in _SERIES.items()},
    **{alias: PriceSeries(_SERIES[name].basis, _SERIES[name].price_file, _SERIES[name].energy_file,
                          f"{_SERIES[name].description} (same as {name!r})") for alias, name in _ALIASES.items()},
}
#: The default series of each basis. Cloud: the typical hyperscaler on-demand price, forecast by
#: the random walk with drift from the last year's prices (``hyperscaler-on-demand-rw``): in the
#: pre-registered selection of issue 20 (validation/results/price_selection.md) the hierarchical
#: panel's forecast of that series scored 0.030 dex CRPS worse than this baseline on the rolling
#: origins 2019-2023 (90% interval +0.021 to +0.042), so by the protocol's rule the baseline is
#: the default. Not the pooled regression either, whose ~2.4-year doubling is mostly the arrival
#: of cheaper GPU clouds and marketplaces (market composition; docs/hardware-trends.md).
DEFAULT_SERIES = {"cloud": "hyperscaler-on-demand-rw", "purchase": "purchase"}
#: The law mixture ``--law mixture`` draws from, with equal weights: the headline's laws
#: (``scaling run``: the refitted least-squares law, its Bayesian posterior and Hoffmann's
#: published fit). The posterior is left out, as ``scaling run --no-bayes`` leaves it out,
#: when its file is not in the fits folder.
LAW_MIXTURE_DEFAULT = ("chinchilla_lsq.json", "chinchilla_bayes.nc", "hoffmann2022")
#: Members of :data:`LAW_MIXTURE_DEFAULT` the mixture does without when their file is absent.
_OPTIONAL_MEMBERS = ("chinchilla_bayes.nc",)
#: The law of a scenario (and of ``scaling forecast``) that names none: the headline's mixture.
DEFAULT_LAW = "mixture"
#: The TCO inputs a scenario may set (purchase basis): :data:`scaling.cost.tco.TCO_SOURCES`
#: gives each one's limits and the source of its default range.
TCO_KEYS = TCO_FIELDS

#: Keys a scenario may set: (types its value may have, meaning, unit, default, allowed values).
#: ``docs/tutorial.md`` prints this table (:func:`key_table`; ``docs/build_docs.py`` fills it in).
SCENARIO_KEYS: dict[str, tuple] = {
    "label": ((str,), "name in tables, legends and column prefixes", "-", "the table's name",
              "1-80 letters, digits, spaces and - _ . , ( ) + / %; unique in the file"),
    "law": ((str,), "the loss law", "-", "mixture",
            "mixture (the headline's: least squares, Bayes, Hoffmann 2022, equal weights), a published law "
            "(hoffmann2022, ...) or a fit file (.json, .nc)"),
    "target": ((str, int, float, list), "what to reach", "-", "gpt3",
               "a reference model (gpt3, Chinchilla, ...), a loss in nats (e.g. 2.0), or [N, D]"),
    "basis": ((str,), "what a FLOP costs", "-", "cloud", "cloud (rental) or purchase (total cost of ownership)"),
    "price_series": ((str,), "the price trend", "-", "hyperscaler-on-demand-rw (cloud), purchase (purchase)",
                     "a name of PRICE_SERIES on the scenario's basis"),
    "price_mixture": ((str,), "a mixture of price series and bases: each joint draw prices with one series, "
                      "picked with these weights", "-",
                      "the headline's (equal thirds) with the CLI where no basis, price_series or "
                      "price_doubling_years is set; none (one series) in run_scenarios",
                      "NAME:WEIGHT,... with names of PRICE_SERIES, weights > 0 (normalised to sum to 1); "
                      "not with basis or price_series"),
    "price_doubling_years": ((int, float), "override the price trend's slope", "years", "the trend's own",
                             "0 < T <= 100"),
    "price_scatter": ((bool,), "add the spread of prices a buyer meets at a date", "-", "true", "true or false"),
    "mfu": ((str, int, float, list), "training model-FLOPs utilisation (MFU; uniform over LOW:HIGH)",
            "share of peak", "0.3:0.5", "a number or \"LOW:HIGH\" or [LOW, HIGH] in [0.001, 1]"),
    "inference_mfu": ((str, int, float, list), "serving model-FLOPs utilisation (MFU)", "share of peak",
                      "0.1:0.3", "as mfu"),
    "dollars": ((str,), "nominal or constant dollars", "-", "nominal", "nominal or real"),
    "base_year": ((int,), "year of constant (real) dollars", "year", "2024", "a year of the price index"),
    "algorithmic": ((str, int, float), "algorithmic progress: compute halving time", "months", "off",
                    "off, ho2024 (8 months, 90% CI 2-22), ho2024-arxiv (95% CI 5-14), or months >= 1"),
    "algorithmic_cap": ((int, float), "largest effective-compute multiplier (the forecast reports the share of "
                        "draws it binds)", "x", "none", ">= 1"),
    "algorithmic_slowdown": ((str, int, float), "from 2024 the halving time grows by the factor 1 + s per year",
                             "per year", "prior (lognormal, median 0.1, 90% 0.025-0.4)", "prior, or 0 to 10"),
    "lifetime_years": ((str, int, float, list), "purchase basis: amortisation period (uniform over LOW:HIGH)",
                       "years", "3:5", "(0.25, 15]; purchase basis only"),
    "pue": ((str, int, float, list), "purchase basis: power usage effectiveness", "facility / IT power",
            "1.1:1.56", "[1, 3]; purchase basis only"),
    "usd_per_kwh": ((str, int, float, list), "purchase basis: electricity price", "$ per kWh", "0.067:0.083",
                    "[0, 1]; purchase basis only"),
    "utilisation": ((str, int, float, list), "deprecated: the old name of mfu", "share of peak", "0.3:0.5",
                    "as mfu"),
    "inference_utilisation": ((str, int, float, list), "deprecated: the old name of inference_mfu",
                              "share of peak", "0.1:0.3", "as mfu"),
}

#: What a label may hold (:func:`check_label`), in words.
LABEL_RULE = "1-80 characters: letters, digits, spaces and - _ . , ( ) + / % (no leading or trailing space)"
_LABEL = re.compile(r"[\w .,()+/%-]{1,80}")


def check_label(label, what: str = "label") -> str:
    """A scenario label: :data:`LABEL_RULE`, else ScalingError naming the bad character.

    Wide tables name columns ``<label>:<quantity>_<stat>`` and CSV files are read with
    ``comment="#"``, so a ``:`` or ``#`` in a label would mix two scenarios' columns or cut
    a line short.
    """
    if not isinstance(label, str):
        raise ScalingError(f"{what} must be a string, got {label!r}")
    if not _LABEL.fullmatch(label) or label != label.strip():
        bad = next((c for c in label if not re.fullmatch(r"[\w .,()+/%-]", c)), None)
        why = (f"contains {bad!r}" if bad is not None else "is empty" if not label.strip() else
               "is longer than 80 characters" if len(label) > 80 else "starts or ends with a space")
        raise ScalingError(f"{what} {label!r} {why}; a label is {LABEL_RULE}")
    return label


def _labels(scenarios: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Scenario name -> its checked label (``label``, else the name); refuses two scenarios with one label."""
    out, seen = {}, {}
    for name, spec in scenarios.items():
        label = check_label(spec.get("label", name), f"label of scenario [{name}]" if "label" in spec
                            else f"scenario name [{name}] (the label when none is given)")
        if label in seen:
            raise ScalingError(f"scenarios [{seen[label]}] and [{name}] have the same label {label!r}; "
                               "give each scenario its own label")
        seen[label], out[name] = name, label
    return out


def key_table() -> str:
    """The scenario keys as a Markdown table (key, meaning, unit, default, allowed values)."""
    lines = ["| key | meaning | unit | default | allowed |", "|---|---|---|---|---|"]
    for key, (_, meaning, unit, default, allowed) in SCENARIO_KEYS.items():
        lines.append(f"| `{key}` | {meaning} | {unit} | {default} | {allowed} |")
    return "\n".join(lines)


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


#: Deprecated scenario keys -> their names now (a file may still use them; they read as the new key).
DEPRECATED_KEYS = {"utilisation": "mfu", "inference_utilisation": "inference_mfu"}


def canonical_keys(scenario: Mapping[str, Any], where: str = "scenario") -> dict[str, Any]:
    """``scenario`` with the deprecated keys of :data:`DEPRECATED_KEYS` renamed; both names set is an error."""
    out = {}
    for key, value in scenario.items():
        new = DEPRECATED_KEYS.get(key, key)
        if new in out:
            raise ScalingError(f"{where}: give {new} once ({key} is its old name)")
        out[new] = value
    return out


def load_scenarios(path: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """Read a TOML scenario file: one table per scenario; unknown keys name the key and its line.

    Deprecated keys (``utilisation``) come back under their names now (``mfu``: :func:`canonical_keys`).
    """
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
            types = SCENARIO_KEYS[key][0]
            if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
                raise ScalingError(f"{path}:{line}: {key} = {value!r} in scenario [{name}] must be "
                                   f"{' or '.join(t.__name__ for t in types)}")
        out[name] = canonical_keys(spec, f"{path}: scenario [{name}]")
    try:
        _labels(out)
    except ScalingError as exc:
        raise ScalingError(f"{path}: {exc}") from None
    return out


def resolve_law(spec: str, fits_dir: Path, loader: Callable[[str], Any] | None = None):
    """A law for ``--law``: ``"mixture"`` (the default mixture), a published name or a fit file."""
    from .. import library
    from .draws import law_mixture

    if spec.lower() == "mixture":
        fits = {}
        for name in LAW_MIXTURE_DEFAULT:
            if name in _OPTIONAL_MEMBERS and not (fits_dir / name).exists():
                continue
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
    refuse_retired(name)
    if name not in PRICE_SERIES:
        raise ScalingError(f"unknown price series {name!r}; allowed: {', '.join(PRICE_SERIES)}")
    series = PRICE_SERIES[name]
    if basis is not None and series.basis != basis:
        raise ScalingError(f"price series {name!r} is on the {series.basis} basis, not {basis!r}; "
                           f"{basis} series: {', '.join(k for k, v in PRICE_SERIES.items() if v.basis == basis)}")
    return name, series


# Readers of scenario values, now the spec's (kept under their old names).
_target = parse_target


def _algorithmic(value):
    """``algorithmic``: None for off, else the halving time as written (checked by the spec)."""
    return _halving(value)


def _as_spec(name: str, scenario, label: str, run: dict) -> ForecastSpec:
    """A scenario as a :class:`ForecastSpec`: one given, or built from its keys (:meth:`ForecastSpec.from_mapping`)."""
    if isinstance(scenario, ForecastSpec):
        return scenario if scenario.label == label else scenario.replace(label=label)
    return ForecastSpec.from_mapping(scenario, name=name, **{**run, "label": label})


def scenario_specs(scenarios: Mapping[str, Any], *, dates=None, n_draws: int = 4000,
                   seed: int = 0) -> dict[str, ForecastSpec]:
    """Name -> :class:`ForecastSpec` of each scenario (a mapping of :data:`SCENARIO_KEYS`, or a spec).

    Every scenario is checked, and labels are unique (:data:`LABEL_RULE`), before any file is read.
    """
    labels = _labels({name: ({"label": s.label} if s.label else {}) if isinstance(s, ForecastSpec) else s
                      for name, s in scenarios.items()})
    run = {"dates": dates, "n_draws": n_draws, "seed": seed}
    specs = {name: _as_spec(name, s, labels[name], run) for name, s in scenarios.items()}
    for name, spec in specs.items():
        _check_capability(name, spec)
    return specs


def run_scenarios(scenarios: Mapping[str, Any], *, fits_dir: Path, dates=None, n_draws: int = 4000,
                  seed: int = 0, load_trend: Callable | None = None, load_fit: Callable | None = None,
                  on_warning: Callable | None = None) -> dict:
    """One forecast per scenario (fits and trends loaded once each). Checks every scenario first.

    ``scenarios``: name -> a mapping of :data:`SCENARIO_KEYS` (a scenario file's table) or a
    :class:`ForecastSpec` (:func:`scenario_specs`; ``dates``, ``n_draws`` and ``seed`` apply to
    the mappings). A scenario without ``law`` uses :data:`DEFAULT_LAW` (the headline's
    mixture); one without a price key prices with :data:`DEFAULT_SERIES` of its basis (the CLI's
    ``--scenarios`` gives it the headline's price mixture instead, as ``scaling forecast`` without a
    file does: add ``price_mixture=PRICE_MIXTURE_DEFAULT`` for that). ``on_warning(w)`` is called once for each warning of every law and trend
    loaded (the CLI prints them before the forecast).
    """
    from .capability import is_capability_target
    from .core import check_forecast_memory, check_target, equivalent_cost
    from .targets import target_warnings

    fits_dir = Path(fits_dir)
    if load_trend is None:
        from ..hardware import load_trend
    specs = scenario_specs(scenarios, dates=dates, n_draws=n_draws, seed=seed)
    first = next(iter(specs.values()))
    check_forecast_memory(max(s.n_draws for s in specs.values()), len(first.dates), len(specs))
    laws, trends, out = {}, {}, {}
    for spec in specs.values():
        if is_capability_target(spec.target):
            continue  # priced from the capability frontier: no law
        law_spec = spec.law or DEFAULT_LAW
        if law_spec not in laws:
            laws[law_spec] = resolve_law(law_spec, fits_dir, load_fit)
            for w in (laws[law_spec].warnings() if on_warning else ()):
                on_warning(w)
        check_target(laws[law_spec], spec.target)
        for w in (target_warnings(spec.target) if on_warning else ()):
            on_warning(w)
    def load(f):
        if f not in trends:
            path = fits_dir / f
            if not path.exists():
                raise ScalingError(f"{path} not found: run 'scaling run' first (or pass --fits-dir)")
            trends[f] = load_trend(path)
            for w in (trends[f].warnings() if on_warning else ()):
                on_warning(w)
        return trends[f]

    for name, spec in specs.items():
        if spec.price_mixture is not None:
            out[name] = equivalent_cost(laws[spec.law or DEFAULT_LAW], _load_mixture(spec.price_mixture, load), None,
                                        spec)
            continue
        series = PRICE_SERIES[spec.price_series]
        price = load(series.price_file)
        energy = load(series.energy_file) if series.energy_file else None
        if is_capability_target(spec.target):
            out[name] = _capability(spec, price, energy, on_warning=on_warning)
        else:
            out[name] = equivalent_cost(laws[spec.law or DEFAULT_LAW], price, energy, spec)
    return out


def _load_mixture(text: str, load: Callable):
    """The :class:`~scaling.forecast.price_mixture.PriceMixture` of a scenario's ``price_mixture`` (trends via ``load``)."""
    from .price_mixture import PRICE_MIXTURE_DEFAULT, PRICE_MIXTURE_RULE, parse_price_mixture, price_mixture

    weights = parse_price_mixture(text)
    pairs = {k: (load(PRICE_SERIES[k].price_file), load(PRICE_SERIES[k].energy_file) if PRICE_SERIES[k].energy_file
                 else None) for k in weights}
    default = parse_price_mixture(PRICE_MIXTURE_DEFAULT)
    same = set(default) == set(weights) and all(abs(default[k] - weights[k]) < 1e-9 for k in weights)
    return price_mixture(pairs, weights, PRICE_MIXTURE_RULE if same else "user weights")


def scenario_notes(forecasts: Mapping[str, Any]) -> list[str]:
    """Notes for a reader of several forecasts: price series that share the panel model's one slope.

    The hierarchical price panel (:mod:`scaling.hardware.panel`) fits one hardware-progress
    slope for all its series; they differ in level and in the spread of prices, so their
    doubling times print alike by construction, not by coincidence.
    """
    from ..hardware.panel import SERIES

    panel = [s for s in dict.fromkeys(fc.assumptions.get("price_series") for fc in forecasts.values())
             if s in SERIES and s != "pooled"]
    if not panel:
        return []
    others = [s for s in SERIES if s != "pooled" and s not in panel]
    which = (f"{panel[0]} is a series" if len(panel) == 1 else f"{', '.join(panel)} are series")
    return [f"note: {which} of the hierarchical price panel, whose series ({', '.join(panel + others)}) share one "
            "slope: the same doubling time by construction; they differ in level and in the spread of prices "
            "(docs/hardware-trends.md)"]


def _check_capability(name: str, spec: ForecastSpec) -> None:
    """A capability target's own checks: no inference cost, no algorithmic progress."""
    from .capability import is_capability_target

    if not is_capability_target(spec.target):
        return
    if spec.price_mixture is not None:
        raise ScalingError(f"scenario {name!r}: a capability target prices with one series; drop price_mixture")
    if spec.inference_mfu is not None:
        raise ScalingError(f"scenario {name!r}: a capability target has no inference cost (the table gives no "
                           "model size to serve); drop --inference-mfu")
    if spec.algorithmic_halving_months is not None or spec.algorithmic_cap is not None:
        raise ScalingError(f"scenario {name!r}: algorithmic progress does not apply to a capability target (the "
                           "frontier trend is the algorithmic progress); drop --algorithmic")


def _capability(spec: ForecastSpec, price_trend, energy_trend, *, on_warning: Callable | None):
    """A scenario whose target is ``capability:BENCH=SCORE`` (:mod:`scaling.forecast.capability`)."""
    from .capability_cost import capability_equivalent_cost

    fc = capability_equivalent_cost(price_trend, energy_trend, spec=spec)
    for w in (fc.warnings() if on_warning else ()):
        on_warning(w)
    return fc


def wide_table(forecasts: Mapping[str, Any], level: float = 0.9, yearly: bool = True) -> pd.DataFrame:
    """Years x scenarios x median/lower/upper: columns ``<label>:<quantity>_<stat>``.

    Refuses two forecasts with one label (their columns would share names) and labels
    outside :data:`LABEL_RULE`.
    """
    _labels({name: {"label": fc.label or "forecast"} for name, fc in forecasts.items()})
    frames = [fc.wide(level=level, yearly=yearly) for fc in forecasts.values()]
    out = pd.concat(frames, axis=1)
    out.index = out.index.strftime("%Y-%m-%d")
    out.index.name = "date"
    return out
