"""What a fit's answers mean: the span of the runs it was fitted on, and what its loss is.

A published fit's context comes from :mod:`scaling.library` (the one home of published fits:
``ABOUT`` and ``LOSS_MEANING``); a fit of one's own from its ``data_range``, its settings and
the hash of its data.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Mapping

import numpy as np

from .. import library

__all__ = ["fit_context", "loss_meaning", "LOSS_MASSIVETEXT", "LOSS_WEBTEXT2", "LOSS_C4", "LOSS_OWN",
           "DATASET_LOSS"]

#: Chinchilla's loss (MassiveText), from :data:`scaling.library.LOSS_MEANING`.
LOSS_MASSIVETEXT = library.LOSS_MEANING["massivetext"]
#: Kaplan's loss (WebText2, N without embeddings), from :data:`scaling.library.LOSS_MEANING`.
LOSS_WEBTEXT2 = library.LOSS_MEANING["webtext2"]
#: Muennighoff et al.'s loss (C4 validation), from :data:`scaling.library.LOSS_MEANING`.
LOSS_C4 = library.LOSS_MEANING["c4"]
#: The loss of a fit of one's own runs.
LOSS_OWN = ("in the units of the fitted runs' loss column (usually nats per token on those runs' own data "
            "and tokenizer); not comparable across datasets or tokenizers")
#: Shipped run tables -> what their loss is.
DATASET_LOSS = {"chinchilla_runs": LOSS_MASSIVETEXT, "muennighoff_runs": LOSS_C4}


def _published_context(name: str) -> tuple:
    """A published fit's runs (a shipped table's name or a span) and its loss, from :mod:`scaling.library`."""
    about = library.ABOUT[name]
    return about["fitted_on"], library.LOSS_MEANING[about["loss"]]


_RANGE_KEYS = ("n_params_min", "n_params_max", "n_tokens_min", "n_tokens_max")


def _dataset_span(name: str, include: str = "kept") -> tuple[dict, str]:
    """The span of a shipped runs table (its kept runs) and its hash (:func:`scaling.datasets.runs_sha256`)."""
    from ..fitting import data_range

    cols, sha = _shipped_runs(name)
    keep = np.ones(cols["n_params"].size, bool) if include == "all" else ~cols["excluded"]
    return data_range(cols["n_params"][keep], cols["n_tokens"][keep]), sha


def _shipped_runs(name: str) -> tuple[dict, str]:
    """``n_params``, ``n_tokens``, ``excluded`` of a shipped runs table and its data hash.

    Read with the ``csv`` module, not pandas, so that a sizing query stays fast (issue 13);
    the hash equals ``datasets.runs_sha256(datasets.load(name))`` (tests/test_sizing.py
    checks it). A table this reader cannot take (a column missing, an unexpected cell)
    goes through :func:`scaling.datasets.load` and its validation instead.
    """
    from .. import datasets

    return _read_shipped_runs(name, str(datasets.datasets_dir() / f"{name}.csv"))


@lru_cache(maxsize=None)
def _read_shipped_runs(name: str, path: str) -> tuple[dict, str]:
    import csv

    from .. import datasets
    from .._io import sha256_arrays

    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        cols = {k: np.array([float(r[k]) for r in rows]) for k in ("n_params", "n_tokens", "loss")}
        excluded = [datasets._excluded_value(r["excluded"]) for r in rows]
        ok = rows and None not in excluded and all(np.isfinite(v).all() and (v > 0).all() for v in cols.values())
    except (KeyError, ValueError, TypeError):
        ok = False
    if not ok:
        runs = datasets.load(name)
        cols = {k: runs[k].to_numpy(float) for k in ("n_params", "n_tokens", "loss")}
        excluded = runs["excluded"].to_numpy(bool)
    cols["excluded"] = np.asarray(excluded, dtype=bool)
    return cols, sha256_arrays(cols["n_params"], cols["n_tokens"], cols["loss"])


def _valid_range(rng) -> bool:
    return isinstance(rng, Mapping) and all(isinstance(rng.get(k), (int, float)) for k in _RANGE_KEYS)


def loss_meaning(fit) -> str:
    """What a fit's loss is (see :func:`fit_context`)."""
    return fit_context(fit)[1]


def fit_context(fit) -> tuple[dict | None, str]:
    """The span of the runs a fit was made on, and what its loss means.

    In order: a published fit of :mod:`scaling.library` (by ``settings["name"]``): the span
    of the runs it was fitted on and its paper's loss; else ``fit.data_range`` and, for the
    loss, a shipped runs table named in ``settings["dataset"]``, or whose hash equals
    ``fit.data_sha256`` (the table ``chinchilla_runs``: MassiveText), else the fitted runs'
    own units. A fit that records no span but whose hash is a shipped table's gets that
    table's span.

    Returns
    -------
    (dict or None, str)
        ``data_range`` (``n_params_min/max``, ``n_tokens_min/max``, ``compute_flops_min/max``)
        or None when unknown; the loss's meaning.
    """
    settings = fit.settings if isinstance(fit.settings, Mapping) else {}
    rng = dict(fit.data_range) if _valid_range(fit.data_range) else None
    name = settings.get("name") if fit.method == "published" else None
    if isinstance(name, str) and name in library.ABOUT:
        span, meaning = _published_context(name)
        if isinstance(span, str):
            span = _dataset_span(span)[0]
        return (rng or dict(span)), meaning
    dataset = settings.get("dataset")
    if isinstance(dataset, str) and dataset in DATASET_LOSS:
        if rng is None:
            rng = _dataset_span(dataset, settings.get("include", "kept"))[0]
        return rng, DATASET_LOSS[dataset]
    if fit.data_sha256:
        for table, meaning in DATASET_LOSS.items():
            span, sha = _dataset_span(table, settings.get("include", "kept"))
            if sha == fit.data_sha256:
                return (rng or span), meaning
    if isinstance(dataset, str) and dataset:
        return rng, f"nats per token on the data of {dataset!r} as fitted (its own data and tokenizer); " \
                    "not comparable across datasets or tokenizers"
    return rng, LOSS_OWN
