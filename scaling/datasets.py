"""The curated tables shipped in ``datasets/`` and validation of a user's own runs.

Tables (built from public raw files by ``datasets/build_datasets.py``; sources and
licences in ``datasets/README.md``):

``chinchilla_runs``
    245 training runs digitised from Hoffmann et al. (2022) Figure 4 by Epoch AI
    (Besiroglu et al. 2024): ``n_params``, ``n_tokens`` (= C / 6N),
    ``compute_flops``, ``loss``, and ``excluded`` / ``exclusion_reason`` for the 5
    runs the replication leaves out.
``muennighoff_runs``
    283 runs of Muennighoff et al. (2023) with repeated data (C4 validation loss, nats per
    token): ``n_params``, ``n_tokens``, ``n_unique_tokens``, ``epochs`` (= D / U), ``loss``,
    and ``excluded`` / ``exclusion_reason`` for 33 runs worse than a run on the same unique
    data with no more parameters and tokens (divergence, overfitting).
``accelerators``
    Epoch AI's Machine Learning Hardware table: release date, price, peak dense
    FLOP/s per precision, TDP, memory.
``cloud_prices``
    Dated cloud $ per chip-hour (on-demand, 1-year, 3-year) and purchase prices.
``price_spells``
    The cloud prices counted once (chip x provider x tier x price); :func:`load_price_spells`.
``price_index``
    US producer price index for data processing services (for constant dollars).
``reference_models``
    GPT-3, Gopher, MT-NLG, Chinchilla, PaLM and newer open models.
``epoch_training_costs``
    Epoch AI's models with Cottier et al.'s (2024) training cost (2023 USD): compute,
    hardware, chips, MFU, chip-hours (``validation/market_checks.py``).
``api_prices``
    Published API prices per million tokens of models at or above GPT-3's MMLU, each with
    its source URL (``validation/market_checks.py``).
``capability``
    Benchmark accuracies (0-1) of 102 public base models (Ruan et al. 2024, arXiv:2405.10938)
    with ``n_params``, ``n_tokens``, ``compute_flops`` (6ND), ``release_date``, and GPT-3 as a
    ``role == "reference"`` row; see :func:`load_capability`.

Examples
--------
>>> from scaling import datasets
>>> runs = datasets.load("chinchilla_runs")
>>> len(runs), int(runs["excluded"].sum())
(245, 5)
"""

from __future__ import annotations

import os
from pathlib import Path

from typing import TYPE_CHECKING

import numpy as np

from ._flops import tokens_for_flops, training_flops
from ._io import sha256_arrays
from .errors import ScalingError

if TYPE_CHECKING:  # pandas loads inside the functions that read tables (a sizing query needs none)
    import pandas as pd

__all__ = ["load", "load_capability", "load_price_spells", "PRICING_TIERS", "CAPABILITY_BENCHMARKS", "read_runs", "validate_runs", "runs_sha256", "size_groups", "names", "datasets_dir", "parse_excluded",
           "PRECISIONS"]

#: Precision name -> column of the ``accelerators`` table (peak dense throughput). The one
#: home of this map. ``tensor16`` (dense tensor-core FP16/BF16) is the default everywhere;
#: ``bf16`` is an alias of it (the table records one 16-bit tensor rate).
PRECISIONS: dict[str, str] = {
    "tensor16": "tensor16_flops_per_s",
    "bf16": "tensor16_flops_per_s",
    "fp16": "fp16_flops_per_s",
    "fp32": "fp32_flops_per_s",
    "tf32": "tf32_flops_per_s",
    "fp8": "fp8_flops_per_s",
    "int8": "int8_ops_per_s",
}

_PACKAGE_ROOT = Path(__file__).resolve().parent

# name -> (required columns, numeric columns that must be > 0 where present, date columns)
_SCHEMAS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "chinchilla_runs": (
        ("run_id", "n_params", "n_tokens", "compute_flops", "loss", "excluded", "exclusion_reason", "source"),
        ("n_params", "n_tokens", "compute_flops", "loss"),
        (),
    ),
    "muennighoff_runs": (
        ("run_id", "n_params", "n_tokens", "n_unique_tokens", "epochs", "loss", "excluded", "exclusion_reason",
         "source"),
        ("n_params", "n_tokens", "n_unique_tokens", "epochs", "loss"),
        (),
    ),
    "accelerators": (
        ("name", "alias", "vendor", "type", "segment", "release_date", "release_price_usd",
         "fp32_flops_per_s", "tf32_flops_per_s", "tensor16_flops_per_s", "fp16_flops_per_s",
         "fp8_flops_per_s", "int8_ops_per_s", "tdp_w", "memory_bytes",
         "memory_bandwidth_bytes_per_s", "source"),
        ("release_price_usd", "fp32_flops_per_s", "tf32_flops_per_s", "tensor16_flops_per_s",
         "fp16_flops_per_s", "fp8_flops_per_s", "int8_ops_per_s", "tdp_w", "memory_bytes",
         "memory_bandwidth_bytes_per_s"),
        ("release_date",),
    ),
    "cloud_prices": (
        ("date", "hardware", "provider", "usd_per_chip_hour_on_demand", "usd_per_chip_hour_1yr",
         "usd_per_chip_hour_3yr", "purchase_price_usd", "source_url", "source"),
        ("usd_per_chip_hour_on_demand", "usd_per_chip_hour_1yr", "usd_per_chip_hour_3yr",
         "purchase_price_usd"),
        ("date",),
    ),
    "price_index": (("date", "ppi_data_processing", "source"), ("ppi_data_processing",), ("date",)),
    "price_spells": (
        ("hardware", "provider", "pricing_tier", "usd_per_chip_hour", "first_seen_date", "last_seen_date",
         "n_observations", "n_dates", "on_demand_usd_per_chip_hour", "discount_vs_on_demand", "source_urls",
         "source"),
        ("usd_per_chip_hour", "n_observations", "n_dates", "on_demand_usd_per_chip_hour"),
        ("first_seen_date", "last_seen_date"),
    ),
    "capability": (
        ("model", "family", "role", "n_params", "n_tokens", "compute_flops", "release_date", "date_source",
         "mmlu", "arc_c", "hellaswag", "winogrande", "truthfulqa", "gsm8k", "xwinograd", "humaneval", "note",
         "source"),
        ("n_params", "n_tokens", "compute_flops"),
        ("release_date",),
    ),
    "reference_models": (
        ("name", "organisation", "date", "n_params", "n_tokens", "compute_flops", "hardware", "mfu", "source"),
        ("n_params", "n_tokens", "compute_flops", "mfu"),
        ("date",),
    ),
    "epoch_training_costs": (
        ("model", "publication_date", "compute_flops", "hardware", "n_chips", "mfu", "chip_hours",
         "cost_usd_2023", "source"),
        ("compute_flops", "n_chips", "mfu", "training_time_hours", "chip_hours", "cost_usd_2023"),
        ("publication_date",),
    ),
    "api_prices": (
        ("date", "model", "provider", "usd_per_million_tokens", "price_basis", "n_params", "mmlu_fraction",
         "source_url", "source"),
        ("usd_per_million_tokens", "n_params", "mmlu_fraction"),
        ("date",),
    ),
}


def names() -> list[str]:
    """Names of the shipped tables, for :func:`load`."""
    return sorted(_SCHEMAS)


#: Where an installed wheel keeps its copy of ``datasets/*.csv`` (package data, see setup.py).
SHIPPED_DATASETS = _PACKAGE_ROOT / "_shipped" / "datasets"


def datasets_dir() -> Path:
    """Folder holding the curated CSV tables.

    In order: ``$SCALING_DATASETS`` if set; ``datasets/`` beside the package when it
    holds the tables (a source checkout or an editable install, where the top-level
    ``datasets/`` is the source); else the copy an installed wheel carries as package
    data (``scaling/_shipped/datasets``).
    """
    env = os.environ.get("SCALING_DATASETS")
    if env:
        return Path(env)
    checkout = _PACKAGE_ROOT.parent / "datasets"
    # The marker file matters: in site-packages, ``datasets/`` beside ``scaling/`` is
    # another distribution (Hugging Face's ``datasets``).
    if (checkout / "chinchilla_runs.csv").is_file():
        return checkout
    return SHIPPED_DATASETS


def load(name: str) -> pd.DataFrame:
    """Load and validate one shipped table.

    Parameters
    ----------
    name : str
        One of :func:`names` (``"chinchilla_runs"``, ``"accelerators"``, ...).

    Returns
    -------
    pandas.DataFrame
        A fresh copy: callers may modify it. Date columns are ``datetime64``.
    """
    if name not in _SCHEMAS:
        raise ScalingError(f"unknown dataset {name!r}; known datasets: {', '.join(names())}")
    path = datasets_dir() / f"{name}.csv"
    if not path.exists():
        raise FileNotFoundError(
            f"dataset file {path} is missing; rebuild it with "
            "'python datasets/build_datasets.py' or set SCALING_DATASETS"
        )
    import pandas as pd

    df = pd.read_csv(path, keep_default_na=True)
    required, positive, dates = _SCHEMAS[name]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ScalingError(f"dataset {name!r} ({path}) lacks columns: {', '.join(missing)}")
    for col in dates:
        df[col] = pd.to_datetime(df[col], errors="coerce")
    for col in positive:
        values = pd.to_numeric(df[col], errors="coerce")
        bad = values.notna() & ~(values > 0)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ScalingError(f"dataset {name!r}: column {col!r} row {row} is {_show(values.iloc[row])}, must be > 0")
        df[col] = values
    if name in ("chinchilla_runs", "muennighoff_runs"):
        df = validate_runs(df, source=str(path))
        df["exclusion_reason"] = df["exclusion_reason"].fillna("").astype(str)
    for col in ("alias", "exclusion_reason", "source_urls"):
        if col in df.columns:
            df[col] = df[col].fillna("").astype(str)
    if name == "capability":
        _check_capability(df, path)
    if name == "price_spells":
        _check_price_spells(df, path)
    return df


#: Benchmark columns of the ``capability`` table (accuracy, 0-1), in the table's order.
CAPABILITY_BENCHMARKS: tuple[str, ...] = ("mmlu", "arc_c", "hellaswag", "winogrande", "truthfulqa", "gsm8k",
                                          "xwinograd", "humaneval")


def _check_capability(df: pd.DataFrame, path) -> None:
    for col in CAPABILITY_BENCHMARKS:
        values = df[col].to_numpy(dtype=float)
        bad = ~np.isnan(values) & ~((values >= 0) & (values <= 1))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ScalingError(f"dataset 'capability' ({path}): column {col!r} row {row} is {values[row]!r}; "
                               "accuracies must lie in [0, 1]")
    roles = set(df["role"]) - {"observed", "reference"}
    if roles:
        raise ScalingError(f"dataset 'capability' ({path}): unknown role(s) {sorted(roles)}; "
                           "allowed: observed, reference")
    for col in ("note", "date_source", "epoch_model"):
        if col in df.columns:
            df[col] = df[col].fillna("").astype(str)


def load_capability(include_reference: bool = False) -> pd.DataFrame:
    """The ``capability`` table: benchmark accuracies of public base models.

    102 pretrained models evaluated by Ruan, Maddison & Hashimoto (2024), *Observational Scaling
    Laws and the Predictability of Language Model Performance* (arXiv:2405.10938), mostly under
    the Open LLM Leaderboard protocol, dated from Epoch AI's *Data on AI Models* (rule in
    ``datasets/README.md``), plus GPT-3 (Brown et al. 2020; MMLU 43.9%, Hendrycks et al. 2021)
    as a ``role == "reference"`` row.

    Parameters
    ----------
    include_reference : bool
        Keep the reference row(s) (GPT-3). Default ``False``: the observed models only, what the
        capability fits use.

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``family``, ``role``, ``n_params``, ``n_tokens``, ``compute_flops``
        (6ND; NaN where unpublished), ``release_date`` (datetime, NaT where undated),
        ``date_source``, ``epoch_model``, the accuracies :data:`CAPABILITY_BENCHMARKS` (0-1),
        ``note``, ``source``.

    Examples
    --------
    >>> from scaling.datasets import load_capability
    >>> models = load_capability()
    >>> len(models), models["family"].nunique()
    (102, 36)
    """
    df = load("capability")
    if not include_reference:
        df = df[df["role"] == "observed"].reset_index(drop=True)
    return df


#: Pricing tiers of the cloud tables: on-demand, 1-year and 3-year committed use.
PRICING_TIERS: tuple[str, ...] = ("on_demand", "1yr", "3yr")


def _check_price_spells(df: pd.DataFrame, path) -> None:
    tiers = set(df["pricing_tier"]) - set(PRICING_TIERS)
    implied = 1.0 - df["usd_per_chip_hour"] / df["on_demand_usd_per_chip_hour"]
    disc = df["discount_vs_on_demand"]
    for bad, what in (
        (df["pricing_tier"].isin(tiers), f"has an unknown pricing tier (allowed: {', '.join(PRICING_TIERS)})"),
        (df["first_seen_date"].isna() | df["last_seen_date"].isna(), "has no first or last seen date"),
        (df["first_seen_date"] > df["last_seen_date"], "was first seen after it was last seen"),
        (df["n_dates"] > df["n_observations"], "has more dates than observations"),
        (((implied - disc).abs() > 1e-6) | (implied.isna() != disc.isna()) | ((df["pricing_tier"] == "on_demand")
         & implied.notna()), "has a discount_vs_on_demand other than 1 - usd_per_chip_hour / "
         "on_demand_usd_per_chip_hour (blank for on-demand spells)")):
        if bad.any():
            raise ScalingError(f"dataset 'price_spells' ({path}): row {int(np.flatnonzero(bad.to_numpy())[0])} {what}")


def load_price_spells(pricing_tier: str | None = None) -> pd.DataFrame:
    r"""The cloud prices counted once: one row per chip x provider x pricing tier x price.

    ``cloud_prices`` repeats a price at every date, instance size and region quoting it; a
    spell counts it once, first and last seen dates. Committed-use tiers are discounts,
    :math:`d = 1 - p_{\mathrm{tier}} / p_{\mathrm{on\,demand}}`, with the on-demand price
    of the same listing (rules in ``datasets/README.md``). Source: Epoch AI, *Hardware prices*
    (``epoch-research/training-cost-trends``; Cottier et al. 2024, arXiv:2405.21015).

    Parameters
    ----------
    pricing_tier : str, optional
        Keep one tier of :data:`PRICING_TIERS` (``"on_demand"``, ``"1yr"``, ``"3yr"``);
        default all.

    Returns
    -------
    pandas.DataFrame
        ``hardware``, ``manufacturer``, ``provider``, ``pricing_tier``, ``usd_per_chip_hour``,
        ``first_seen_date``, ``last_seen_date``, ``n_observations`` (rows of ``cloud_prices``
        quoting the price), ``n_dates``, ``on_demand_usd_per_chip_hour`` and
        ``discount_vs_on_demand`` (committed tiers, else NaN), ``source_urls``, ``source``.

    Raises
    ------
    ScalingError
        An unknown ``pricing_tier``, or a table breaking the rules (dates, discounts).

    Examples
    --------
    >>> from scaling.datasets import load_price_spells
    >>> spells = load_price_spells("3yr")
    >>> bool((spells["discount_vs_on_demand"].dropna() > 0).all())
    True
    """
    if pricing_tier is not None and pricing_tier not in PRICING_TIERS:
        raise ScalingError(f"unknown pricing tier {pricing_tier!r}; allowed: {', '.join(PRICING_TIERS)}")
    df = load("price_spells")
    if pricing_tier is not None:
        df = df[df["pricing_tier"] == pricing_tier].reset_index(drop=True)
    return df


def _show(value) -> str:
    """A bad cell for an error message; never fails (``pd.NA`` and ``None`` included)."""
    import pandas as pd

    if value is None or value is pd.NA:
        return repr(value) if value is None else "<NA>"
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


#: What the ``excluded`` column accepts (case-insensitive, surrounding spaces ignored).
EXCLUDED_TRUE = ("true", "yes", "1")
EXCLUDED_FALSE = ("false", "no", "0")


def _excluded_value(value) -> bool | None:
    """``True``/``False`` for an accepted ``excluded`` cell, ``None`` for anything else."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return {1.0: True, 0.0: False}.get(float(value)) if np.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in EXCLUDED_TRUE:
            return True
        if text in EXCLUDED_FALSE:
            return False
    return None


def parse_excluded(column: pd.Series, source: str = "runs") -> np.ndarray:
    """Read the ``excluded`` column as booleans.

    Accepted cells: booleans, the numbers 1 and 0, and the strings ``true``/``false``,
    ``yes``/``no``, ``1``/``0`` (case-insensitive, surrounding spaces ignored).

    Raises
    ------
    ScalingError
        For any other cell, a blank one or a missing value (``NaN``, ``pd.NA``)
        included, naming the row (0-based data row) and the value.
    """
    import pandas as pd

    out = np.zeros(len(column), dtype=bool)
    for row, value in enumerate(column.tolist()):
        parsed = _excluded_value(value)
        if parsed is None:
            missing = value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
            shown = "blank (a missing value)" if missing else _show(value)
            raise ScalingError(
                f"{source}: column 'excluded' row {row} is {shown}; allowed: true/false, yes/no, 1/0 "
                "(case-insensitive) or booleans. Leave the column out to keep every run"
            )
        out[row] = parsed
    return out


#: Largest loss a run may have, in nats per token: a uniform guess over a 10^6-token vocabulary
#: is ln(1e6) = 13.8 nats; above 100 the number is not a loss (a perplexity, a sum over tokens).
MAX_LOSS = 100.0


#: dtype kinds that pandas would turn into numbers but are none: booleans (True -> 1),
#: complex numbers, dates and durations.
_NOT_NUMBER_KINDS = {"b": "boolean", "c": "complex", "m": "timedelta", "M": "datetime"}


def _not_number(value) -> str | None:
    """What a cell is when it is a boolean, complex number, date or duration (None otherwise)."""
    import datetime

    if isinstance(value, (bool, np.bool_)):
        return "boolean"
    if isinstance(value, (complex, np.complexfloating)):
        return "complex"
    if isinstance(value, (datetime.date, datetime.time, np.datetime64)):
        return "datetime"
    if isinstance(value, (datetime.timedelta, np.timedelta64)):
        return "timedelta"
    return None


def _check_number_kind(raw: pd.Series, col: str, source: str) -> None:
    """Refuse a column of booleans, complex numbers, dates or durations: pandas reads them as numbers."""
    kind = getattr(raw.dtype, "kind", "O")
    what = _NOT_NUMBER_KINDS.get(kind) or ("boolean" if str(raw.dtype) == "boolean" else None)
    if what is not None:
        raise ScalingError(f"{source}: column {col!r} holds {what} values (dtype {raw.dtype}), not numbers")
    if kind == "O":
        for row, value in enumerate(raw.tolist()):
            what = _not_number(value)
            if what is not None:
                raise ScalingError(f"{source}: column {col!r} row {row} is {what} {_show(value)}, not a number")


def validate_runs(df: pd.DataFrame, source: str = "runs") -> pd.DataFrame:
    """Check a table of training runs and return a clean copy.

    The table needs ``n_params``, ``loss`` and either ``n_tokens`` or
    ``compute_flops`` (then ``n_tokens = compute_flops / (6 n_params)``, as for
    the Chinchilla data). Every value must be a finite positive number (a loss at most
    :data:`MAX_LOSS` nats per token) and no
    (``n_params``, ``n_tokens``) pair may repeat, where a run is identified also by
    ``n_unique_tokens`` and ``run_id`` when the table has them (runs of one size on
    different unique data, or seeds with their own ids, are distinct runs). An optional ``excluded`` column
    marks runs the fits leave out (see :func:`parse_excluded`); it comes back as
    booleans (all ``False`` when the column is absent). An optional ``group`` column
    (dataset, tokenizer, ...) labels each run (text, none blank) for
    ``scaling.fitting.fit(groups=...)``; a run is identified within its group.

    Raises
    ------
    ScalingError
        Naming the column and the row (0-based data row) of the first bad value.
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise ScalingError(f"runs must be a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        raise ScalingError(f"{source}: no runs (the table is empty)")
    twice = df.columns[df.columns.duplicated()]
    if len(twice):
        name = twice[0]
        raise ScalingError(f"{source}: column {name!r} appears {int((df.columns == name).sum())} times; "
                           "keep one, or rename the others")
    df = df.copy()
    needed = ["n_params", "loss"]
    if "n_tokens" not in df.columns and "compute_flops" not in df.columns:
        needed.append("n_tokens")
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ScalingError(
            f"{source}: missing column(s) {', '.join(repr(c) for c in missing)}; a runs table needs "
            f"'n_params', 'loss' and 'n_tokens' (or 'compute_flops'); it has: {', '.join(map(str, df.columns))}"
        )
    check = ["n_params", "loss"] + [c for c in ("n_tokens", "compute_flops") if c in df.columns]
    if "n_unique_tokens" in df.columns:  # a law's covariate (data_constrained), read as numbers later
        _check_number_kind(df["n_unique_tokens"], "n_unique_tokens", source)
    for col in check:
        raw = df[col]
        _check_number_kind(raw, col, source)
        values = pd.to_numeric(raw, errors="coerce")
        nonnum = (values.isna() & raw.notna()).to_numpy(dtype=bool)
        if nonnum.any():
            row = int(np.flatnonzero(nonnum)[0])
            raise ScalingError(f"{source}: column {col!r} row {row}: {_show(raw.iloc[row])} is not a number")
        floats = values.to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(floats)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ScalingError(f"{source}: column {col!r} row {row} is {float(floats[row])!r} (missing or not finite)")
        nonpos = floats <= 0
        if nonpos.any():
            row = int(np.flatnonzero(nonpos)[0])
            raise ScalingError(f"{source}: column {col!r} row {row} is {float(floats[row])!r}; it must be > 0")
        df[col] = floats
    too_high = df["loss"].to_numpy(dtype=float) > MAX_LOSS
    if too_high.any():
        row = int(np.flatnonzero(too_high)[0])
        raise ScalingError(f"{source}: column 'loss' row {row} is {float(df['loss'].iloc[row])!r}; a loss is in nats "
                           f"per token, in (0, {MAX_LOSS:g}] (a perplexity? give its logarithm)")
    if "n_tokens" not in df.columns:
        df["n_tokens"] = tokens_for_flops(df["compute_flops"], df["n_params"])
    if "compute_flops" not in df.columns:
        df["compute_flops"] = training_flops(df["n_params"], df["n_tokens"])
    if "group" in df.columns:
        # an optional group (dataset, tokenizer): a label per run; the same (N, D) may recur across groups
        raw = df["group"]
        blank = raw.isna().to_numpy(dtype=bool) | (raw.astype(str).str.strip() == "").to_numpy(dtype=bool)
        if blank.any():
            row = int(np.flatnonzero(blank)[0])
            raise ScalingError(f"{source}: column 'group' row {row} is blank; every run needs a group label "
                               "(e.g. the dataset or tokenizer), or leave the column out")
        df["group"] = raw.astype(str).str.strip()
    key = ["n_params", "n_tokens"] + [c for c in ("n_unique_tokens", "run_id", "group") if c in df.columns]
    dup = df.duplicated(subset=key, keep="first")
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        first = int(np.flatnonzero((df[key] == df[key].iloc[row]).all(axis=1).to_numpy())[0])
        raise ScalingError(
            f"{source}: row {row} duplicates row {first} (same {', '.join(key)}); "
            "average repeated runs or drop one"
        )
    df["excluded"] = parse_excluded(df["excluded"], source) if "excluded" in df.columns else False
    return df.reset_index(drop=True)


def read_runs(path: str | os.PathLike) -> pd.DataFrame:
    """Read a user's CSV of training runs and validate it like the shipped data.

    Parameters
    ----------
    path : str or PathLike
        CSV with columns ``n_params``, ``loss`` and ``n_tokens`` (or ``compute_flops``), read
        by :func:`scaling._tables.read_table`: UTF-8, UTF-16 or Windows-1252 text, compressed
        or not (recognised by content, not name), or an Excel or Parquet file when their
        readers are installed. The path is kept in ``DataFrame.attrs["path"]``; a fit of
        these runs records it. ``attrs["note"]`` says when the encoding was guessed.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ScalingError
        For a file that is no readable table (saying what it is), an empty file, a column
        named twice, a missing column, or a bad value (naming column and row).
    """
    from ._tables import read_table

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"runs file {path} does not exist")
    df = read_table(path)
    out = validate_runs(df, source=str(path))
    out.attrs["path"] = str(path)  # recorded by the fits made from these runs
    out.attrs.update({k: df.attrs[k] for k in ("format", "note") if k in df.attrs})
    return out


def runs_sha256(runs: pd.DataFrame) -> str:
    """Hash of the (n_params, n_tokens, loss) values of a runs table, for provenance."""
    return sha256_arrays(runs["n_params"], runs["n_tokens"], runs["loss"])


#: Sizes within this relative gap of their group's smallest size are one size (digitised runs
#: of one model differ in the last digits).
SIZE_REL_GAP = 0.1


def size_groups(values, rel_gap: float = SIZE_REL_GAP) -> np.ndarray:
    """Label of each value's size: 0 for the smallest, sizes within ``rel_gap`` of a group's first as one.

    Sorted ascending, a group starts at its smallest value :math:`v_0` and holds every value
    up to :math:`v_0 (1 + \\mathrm{rel\\_gap})`; the next value starts the next group. A
    group therefore never spans more than ``rel_gap`` (10%): sizes 8% apart are not chained
    into one size, as a neighbour-to-neighbour rule would do.

    Examples
    --------
    >>> size_groups([1e8, 1.05e8, 1.08e8, 1.15e8, 1.2e8]).tolist()
    [0, 0, 0, 1, 1]
    """
    v = np.asarray(values, dtype=float).ravel()
    order = np.argsort(v, kind="stable")
    logs = np.log(v[order])
    labels_sorted = np.empty(v.size, dtype=int)
    start, label, width = 0, 0, np.log1p(rel_gap)
    while start < v.size:  # one step per group (at most ~25 per decade at 10%), not per value
        end = int(np.searchsorted(logs, logs[start] + width * (1 + 1e-12), side="right"))
        labels_sorted[start:end] = label
        start, label = end, label + 1
    out = np.empty(v.size, dtype=int)
    out[order] = labels_sorted
    return out
