"""Benchmarks, chance levels and the checked design a capability law is fitted on.

A table of models has the columns ``model``, ``family``, ``n_params``, ``n_tokens``,
``compute_flops`` and one accuracy column (0-1) per benchmark (see
:data:`scaling.datasets.CAPABILITY_BENCHMARKS` and :func:`scaling.datasets.load_capability`).
:func:`prepare` checks such a table and returns the arrays a law needs; every bad value is a
:class:`~scaling.errors.ScalingError` naming its column and row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._io import sha256_arrays
from ..errors import ScalingError

__all__ = ["CHANCE", "BENCHMARK_NAMES", "TERMS", "REFERENCE_YEAR", "benchmark_column", "Design", "prepare",
           "compute_of", "family_of", "covariates", "family_years"]

#: Accuracy of random guessing per benchmark (the sigmoid's floor). MMLU, ARC-Challenge and
#: HellaSwag have four choices; WinoGrande and XWinograd two; GSM8K and HumanEval are generated
#: answers (no floor). TruthfulQA MC2 (the Open LLM Leaderboard's metric, 0-shot) scores the
#: normalised probability of the true answers; with uniform probabilities it is the share of
#: true answers among about four to five choices, and the leaderboard's random baseline is 25%.
#: Base models do not improve on it steadily with compute (Lin et al. 2022, TruthfulQA,
#: arXiv:2109.07958: larger models imitate more human falsehoods), so a sigmoid law describes
#: it poorly (the fit says so with ``poor_fit``).
CHANCE: dict[str, float] = {
    "mmlu": 0.25, "arc_c": 0.25, "hellaswag": 0.25, "winogrande": 0.5, "truthfulqa": 0.25,
    "gsm8k": 0.0, "xwinograd": 0.5, "humaneval": 0.0,
}

#: Names people type for each benchmark column (case and ``-``/``_`` ignored).
BENCHMARK_NAMES: dict[str, str] = {
    "mmlu": "mmlu", "arcc": "arc_c", "arcchallenge": "arc_c", "hellaswag": "hellaswag",
    "winogrande": "winogrande", "winograd": "winogrande", "truthfulqa": "truthfulqa", "gsm8k": "gsm8k",
    "xwinograd": "xwinograd", "humaneval": "humaneval",
}

#: Optional terms of the sigmoid law, each a shift in log10 compute per unit of its covariate:
#: ``tokens_per_param`` (log10 of D/N, centred on 20, Hoffmann et al.'s compute-optimal ratio),
#: ``date`` (the model's release, years since :data:`REFERENCE_YEAR`) and ``family_date`` (the
#: family's era: the median release year of its fitted models; a family not fitted is at the
#: model's own date), which makes the family offsets' population mean move with the era,
#: :math:`u_f \sim N(\gamma (t_f - 2023), \tau^2)`.
TERMS = ("tokens_per_param", "date", "family_date")
REFERENCE_YEAR = 2023.0
REFERENCE_TOKENS_PER_PARAM = 20.0


def benchmark_column(name) -> str:
    """The accuracy column of a benchmark name (``"MMLU"``, ``"ARC-C"``, ``"Winograd"`` ...)."""
    if not isinstance(name, str):
        raise ScalingError(f"benchmark must be a name such as 'MMLU', got {name!r}")
    key = name.strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    if key not in BENCHMARK_NAMES:
        raise ScalingError(f"unknown benchmark {name!r}; known benchmarks: MMLU, ARC-C, HellaSwag, "
                           "WinoGrande (Winograd), TruthfulQA, GSM8K, XWinograd, HumanEval")
    return BENCHMARK_NAMES[key]


def _frame(models, what: str):
    import pandas as pd

    if not isinstance(models, pd.DataFrame):
        raise ScalingError(f"{what} must be a pandas DataFrame, got {type(models).__name__}")
    if len(models) == 0:
        raise ScalingError(f"{what}: the table is empty")
    return models


def _numbers(models, col: str, what: str, *, required: bool) -> np.ndarray:
    import pandas as pd

    if col not in models.columns:
        if required:
            raise ScalingError(f"{what}: missing column {col!r}; it has: {', '.join(map(str, models.columns))}")
        return np.full(len(models), np.nan)
    raw = models[col]
    values = pd.to_numeric(raw, errors="coerce")
    nonnum = (values.isna() & raw.notna()).to_numpy(dtype=bool)
    if nonnum.any():
        row = int(np.flatnonzero(nonnum)[0])
        raise ScalingError(f"{what}: column {col!r} row {row}: {raw.iloc[row]!r} is not a number")
    return values.to_numpy(dtype=float, na_value=np.nan)


def compute_of(models, what: str = "models", *, required: bool = True) -> np.ndarray:
    """Training compute per row: ``compute_flops``, else ``6 n_params n_tokens`` (FLOPs).

    Rows with neither are NaN; with ``required`` every row needs a finite positive compute.
    """
    models = _frame(models, what)
    compute = _numbers(models, "compute_flops", what, required=False)
    n = _numbers(models, "n_params", what, required=False)
    d = _numbers(models, "n_tokens", what, required=False)
    compute = np.where(np.isnan(compute), 6.0 * n * d, compute)
    if "compute_flops" not in models.columns and not {"n_params", "n_tokens"} <= set(models.columns):
        raise ScalingError(f"{what}: needs 'compute_flops' or both 'n_params' and 'n_tokens'; "
                           f"it has: {', '.join(map(str, models.columns))}")
    bad = ~np.isnan(compute) & ~(np.isfinite(compute) & (compute > 0))
    if required:
        bad |= np.isnan(compute)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ScalingError(f"{what}: row {row} has training compute {compute[row]!r}; it must be a finite "
                           "number of FLOPs > 0 (compute_flops, or n_params and n_tokens)")
    return compute


def family_of(models) -> list[str | None]:
    """Family per row (text), ``None`` where the column is absent or the cell blank."""
    if "family" not in models.columns:
        return [None] * len(models)
    out = []
    for value in models["family"].tolist():
        if value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == "":
            out.append(None)
        else:
            out.append(str(value).strip())
    return out


def _years(models, what: str, required: bool) -> np.ndarray:
    """Release dates as years since :data:`REFERENCE_YEAR` (NaN where missing)."""
    import pandas as pd

    if "release_date" not in models.columns:
        if required:
            raise ScalingError(f"{what}: the date terms need a 'release_date' column")
        return np.full(len(models), np.nan)
    from .._dates import decimal_year

    dates = pd.to_datetime(models["release_date"], errors="coerce")
    ok = dates.notna().to_numpy()
    out = np.full(len(models), np.nan)
    if ok.any():
        out[ok] = decimal_year(dates[ok]) - REFERENCE_YEAR
    return out


def family_years(models, what: str = "models") -> dict[str, float]:
    """Each family's era for the ``family_date`` term: the median release year of its dated rows, minus 2023."""
    years = _years(models, what, required=True)
    fams = family_of(models)
    out: dict[str, list] = {}
    for f, y in zip(fams, years):
        if f is not None and not np.isnan(y):
            out.setdefault(f, []).append(y)
    return {f: float(np.median(v)) for f, v in out.items()}


def covariates(models, terms: tuple[str, ...], what: str, *, required: bool = True,
               family_dates: dict | None = None) -> np.ndarray:
    """The optional terms' covariates, shape ``(n, len(terms))`` (see :data:`TERMS`).

    ``family_dates``: the eras of the fitted families (``settings["family_dates"]`` of a fit) for
    ``family_date``; a family not in it is at the row's own date. Without it, each family's era is
    computed from ``models`` (:func:`family_years`).
    """
    out = np.zeros((len(models), len(terms)))
    for k, term in enumerate(terms):
        if term == "tokens_per_param":
            n = _numbers(models, "n_params", what, required=required)
            d = _numbers(models, "n_tokens", what, required=required)
            with np.errstate(divide="ignore", invalid="ignore"):
                out[:, k] = np.log10(d / n / REFERENCE_TOKENS_PER_PARAM)
        elif term == "date":
            out[:, k] = _years(models, what, required)
        elif term == "family_date":
            own = _years(models, what, required)
            eras = family_years(models, what) if family_dates is None else family_dates
            out[:, k] = [eras.get(f, y) if f is not None else y for f, y in zip(family_of(models), own)]
        else:
            raise ScalingError(f"unknown term {term!r}; known terms: {', '.join(TERMS)}")
    return out


def check_terms(terms) -> tuple[str, ...]:
    if terms is None:
        return ()
    if isinstance(terms, str):
        terms = (terms,)
    terms = tuple(terms)
    for term in terms:
        if term not in TERMS:
            raise ScalingError(f"unknown term {term!r}; known terms: {', '.join(TERMS)}")
    if len(set(terms)) != len(terms):
        raise ScalingError(f"terms repeat: {terms}")
    return terms


@dataclass(frozen=True)
class Design:
    """The observations a law is fitted on, one per (model, benchmark) with a score.

    ``benchmarks[0]`` is the benchmark asked for; the others (companions) share the family
    offsets. Arrays are per observation: log10 compute, accuracy, family, benchmark and model
    index, covariates.
    """

    benchmarks: tuple[str, ...]
    log10_compute: np.ndarray
    accuracy: np.ndarray
    family_index: np.ndarray
    bench_index: np.ndarray
    model_index: np.ndarray
    families: tuple[str, ...]
    covariates: np.ndarray
    terms: tuple[str, ...]
    models: tuple[str, ...]
    n_dropped: int
    sha256: str
    family_dates: dict = field(default_factory=dict)  # the ``family_date`` term's eras (years since 2023)

    @property
    def benchmark(self) -> str:
        return self.benchmarks[0]

    @property
    def n(self) -> int:
        """Observations of the benchmark asked for."""
        return int(np.sum(self.bench_index == 0))

    @property
    def n_models(self) -> int:
        return len(self.models)

    def target_rows(self) -> np.ndarray:
        return np.flatnonzero(self.bench_index == 0)

    def family_counts(self) -> dict[str, int]:
        """Models per family with a score on the benchmark asked for."""
        rows = self.target_rows()
        counts = np.bincount(self.family_index[rows], minlength=len(self.families))
        return {f: int(c) for f, c in zip(self.families, counts)}


def _scores(models, col: str, what: str) -> np.ndarray:
    acc = _numbers(models, col, what, required=True)
    bad = ~np.isnan(acc) & ~((acc >= 0) & (acc <= 1))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ScalingError(f"{what}: column {col!r} row {row} is {acc[row]!r}; accuracies must lie in [0, 1]")
    return acc


def prepare(models, benchmark: str, terms=(), what: str = "models", companions=()) -> Design:
    """Check a table of models and return the observations a law is fitted on.

    Parameters
    ----------
    models : DataFrame
        ``model``, ``family``, ``compute_flops`` (or ``n_params`` and ``n_tokens``), accuracy columns.
    benchmark : str
        The benchmark asked for (its column must exist).
    terms : tuple of str
        Optional terms (:data:`TERMS`); their covariates must be present.
    companions : tuple of str
        Further benchmarks fitted alongside, sharing the family offsets (columns absent from the
        table are skipped).

    Rows whose compute (or a covariate of ``terms``) is missing are left out and counted in
    ``n_dropped``, as are scores that are missing; a value that is not a number, an accuracy
    outside [0, 1] or a compute <= 0 is an error. A row without a family is its own family.
    """
    models = _frame(models, what)
    col = benchmark_column(benchmark)
    terms = check_terms(terms)
    if col not in models.columns:
        raise ScalingError(f"{what}: no column {col!r} for benchmark {benchmark!r}; it has: "
                           f"{', '.join(map(str, models.columns))}")
    benches = [col] + [c for c in dict.fromkeys(benchmark_column(b) for b in companions)
                       if c != col and c in models.columns]
    scores = np.column_stack([_scores(models, b, what) for b in benches])
    compute = compute_of(models, what, required=False)
    eras = None
    if "family_date" in terms:  # the eras of the models fitted: a compute and a score
        fitted = ~np.isnan(compute) & ~np.isnan(scores).all(axis=1)
        eras = family_years(models[fitted], what)
    cov = covariates(models, terms, what, required=True, family_dates=eras)
    usable = ~np.isnan(compute) & np.isfinite(cov).all(axis=1)
    n_target = int(np.sum(usable & ~np.isnan(scores[:, 0])))
    if n_target < 5:
        raise ScalingError(f"{what}: only {n_target} models have both a {col} score and a training compute"
                           f"{' and the terms ' + ', '.join(terms) if terms else ''}; a capability law needs at least 5")
    usable &= ~np.isnan(scores).all(axis=1)
    fam = family_of(models)
    names = models["model"].astype(str).tolist() if "model" in models.columns else [f"row {i}" for i in range(len(models))]
    fam = [f if f is not None else f"(unnamed: {names[i]})" for i, f in enumerate(fam)]
    kept = np.flatnonzero(usable)
    families = tuple(sorted({fam[i] for i in kept}))
    index = {f: j for j, f in enumerate(families)}
    obs_model, obs_bench = np.nonzero(~np.isnan(scores[kept]))
    order = np.lexsort((obs_model, obs_bench))  # benchmark asked for first
    obs_model, obs_bench = obs_model[order], obs_bench[order]
    rows = kept[obs_model]
    x = np.log10(compute[rows])
    y = scores[rows, obs_bench]
    fi = np.array([index[fam[i]] for i in rows], dtype=int)
    return Design(benchmarks=tuple(benches), log10_compute=x, accuracy=y, family_index=fi, bench_index=obs_bench,
                  model_index=obs_model, families=families, covariates=cov[rows], terms=terms,
                  models=tuple(names[i] for i in kept), n_dropped=int(len(models) - n_target),
                  sha256=sha256_arrays(x, y, cov[rows], fi, obs_bench),
                  family_dates={f: v for f, v in (eras or {}).items() if f in index})
