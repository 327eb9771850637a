r"""The library of laws: published fits as results, and ``--law NAME|FILE`` resolution.

Every entry is a :class:`scaling.fitting.FitResult` with ``method="published"``: the
published point estimates, no draws (papers publish few intervals), ``n_runs = 0`` and the
source in ``settings["source"]``. They honour the result contract, so sizing, forecasts and
plots take them like any fit; their answers carry no interval.

==========================  ============  =================================================
name                        law           source
==========================  ============  =================================================
``hoffmann2022``            chinchilla    Hoffmann et al. (2022), arXiv:2203.15556, Eq. 10
                                          (rounded: E 1.69, A 406.4, B 410.7, 0.34, 0.28)
``hoffmann2022-unrounded``  chinchilla    the same fit unrounded (log A 6.0073404, log B
                                          6.0179186, log E 0.5267228, 0.33917, 0.28491), as
                                          reported by Besiroglu et al. (2024)
``besiroglu2024``           chinchilla    Besiroglu et al. (2024), "Chinchilla Scaling: A
                                          replication attempt", arXiv:2404.10102, Huber MLE
``besiroglu2024-grid``      chinchilla    the same paper, Hoffmann's 4,500-start grid fit
``kaplan2020``              kaplan        Kaplan et al. (2020), arXiv:2001.08361, Eq. 1.5
``muennighoff2023``         data_         Muennighoff et al. (2023), "Scaling
                            constrained   Data-Constrained Language Models",
                                          arXiv:2305.16264: the fit in the README of
                                          huggingface/datablations (log A 6.255414, log B
                                          7.3049974, log E 0.6254804, alpha = beta =
                                          0.3526596, R_D* 15.387756, R_N* 5.309743); C4
                                          validation loss, GPT-2 tokenizer
==========================  ============  =================================================

Kaplan's law is in its own variables: N counts *non-embedding* parameters and the loss is
in nats per token on WebText2 with GPT-2's tokenizer, so its losses are not comparable with
Chinchilla's MassiveText losses, and its compute-optimal split differs partly for that reason
(Porian et al. 2024; Pearce & Song 2024). The library uses N and D as given.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from .errors import ScalingError

__all__ = ["PUBLISHED", "ABOUT", "LOSS_MEANING", "names", "published_fit", "resolve", "fitted_on", "describe",
           "in_sample_share"]

#: name -> (law, parameters, source)
PUBLISHED: dict[str, tuple[str, dict[str, float], str]] = {
    "hoffmann2022": (
        "chinchilla", {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28},
        "Hoffmann et al. (2022), Training Compute-Optimal Large Language Models, arXiv:2203.15556, Eq. 10 "
        "(rounded)"),
    "hoffmann2022-unrounded": (
        "chinchilla", {"E": math.exp(0.5267228), "A": math.exp(6.0073404), "B": math.exp(6.0179186),
                       "alpha": 0.33917, "beta": 0.28491},
        "Hoffmann et al. (2022), unrounded, as reported by Besiroglu et al. (2024), arXiv:2404.10102"),
    "besiroglu2024": (
        "chinchilla", {"E": 1.8169, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658},
        "Besiroglu et al. (2024), Chinchilla Scaling: A replication attempt, arXiv:2404.10102 (Huber MLE)"),
    "besiroglu2024-grid": (
        "chinchilla", {"E": 1.8172, "A": 477.76, "B": 2142.94, "alpha": 0.3473, "beta": 0.3672},
        "Besiroglu et al. (2024), arXiv:2404.10102, Hoffmann's 4,500-start grid with L-BFGS-B"),
    "kaplan2020": (
        "kaplan", {"N_c": 8.8e13, "D_c": 5.4e13, "alpha_N": 0.076, "alpha_D": 0.095},
        "Kaplan et al. (2020), Scaling Laws for Neural Language Models, arXiv:2001.08361, Eq. 1.5 "
        "(non-embedding parameters; WebText2 loss)"),
    "muennighoff2023": (
        "data_constrained", {"E": math.exp(0.6254804), "A": math.exp(6.255414), "B": math.exp(7.3049974),
                             "alpha": 0.3526596, "R_D_star": 15.387756, "R_N_star": 5.309743},
        "Muennighoff et al. (2023), Scaling Data-Constrained Language Models, arXiv:2305.16264, Eq. 5; "
        "parameters from the README of huggingface/datablations (alpha = beta; C4 validation loss)"),
}


#: What a published fit's loss is (``ABOUT[name]["loss"]`` -> its meaning, for answers:
#: :func:`scaling.sizing.fit_context`). Hoffmann et al. (2022) train and evaluate on
#: MassiveText (Rae et al. 2021) with a SentencePiece tokenizer of 32,000 tokens; Kaplan et al.
#: (2020) report test loss on WebText2 with GPT-2's byte-pair tokenizer, N without embeddings;
#: Muennighoff et al. (2023) the final validation loss on C4 (GPT-2's tokenizer).
LOSS_MEANING: dict[str, str] = {
    "massivetext": ("nats per token on MassiveText (Chinchilla's data and SentencePiece tokenizer, Hoffmann "
                    "et al. 2022); not comparable across datasets or tokenizers"),
    "webtext2": ("nats per token on WebText2 (GPT-2's byte-pair tokenizer, Kaplan et al. 2020), with N "
                 "counting non-embedding parameters; not comparable with MassiveText losses or across "
                 "datasets or tokenizers"),
    "c4": ("nats per token on the C4 validation set (GPT-2's byte-pair tokenizer, Muennighoff et al. 2023); "
           "not comparable with MassiveText losses or across tokenizers"),
}

#: Kaplan et al. (2020), Section 1.1: 768 to 1.5e9 non-embedding parameters, 22e6 to 23e9
#: tokens (C = 6ND of the corners); no table of their runs is shipped.
_KAPLAN_SPAN = {"n_params_min": 768.0, "n_params_max": 1.5e9, "n_tokens_min": 22e6, "n_tokens_max": 23e9,
                "compute_flops_min": 6 * 768.0 * 22e6, "compute_flops_max": 6 * 1.5e9 * 23e9}
_CHINCHILLA_RUNS = "Chinchilla runs, Hoffmann et al. Fig. 4 (chinchilla_runs)"

#: name -> what each published fit is: ``paper`` (short citation), ``data`` (the runs it was
#: fitted on, in words), ``fitted_on`` (the shipped runs table of those runs, or their span
#: as the paper states it), ``loss`` (``massivetext``, ``webtext2`` or ``c4``: what its loss
#: is, a key of :data:`LOSS_MEANING`) and ``rounded`` (whether the parameters are
#: the paper's rounded values).
ABOUT: dict[str, dict] = {
    "hoffmann2022": dict(paper="Hoffmann et al. 2022, arXiv:2203.15556, Eq. 10", data=_CHINCHILLA_RUNS,
                         fitted_on="chinchilla_runs", loss="massivetext", rounded=True),
    "hoffmann2022-unrounded": dict(paper="Hoffmann et al. 2022, unrounded (via Besiroglu et al. 2024)",
                                   data=_CHINCHILLA_RUNS, fitted_on="chinchilla_runs", loss="massivetext",
                                   rounded=False),
    "besiroglu2024": dict(paper="Besiroglu et al. 2024, arXiv:2404.10102 (Huber MLE)", data=_CHINCHILLA_RUNS,
                          fitted_on="chinchilla_runs", loss="massivetext", rounded=False),
    "besiroglu2024-grid": dict(paper="Besiroglu et al. 2024, arXiv:2404.10102 (Hoffmann's grid)",
                               data=_CHINCHILLA_RUNS, fitted_on="chinchilla_runs", loss="massivetext",
                               rounded=False),
    "kaplan2020": dict(paper="Kaplan et al. 2020, arXiv:2001.08361, Eq. 1.5",
                       data="Kaplan's WebText2 runs, 768 to 1.5e9 parameters (not shipped)",
                       fitted_on=_KAPLAN_SPAN, loss="webtext2", rounded=True),
    "muennighoff2023": dict(paper="Muennighoff et al. 2023, arXiv:2305.16264, Eq. 5",
                            data="data-constrained C4 runs (muennighoff_runs)",
                            fitted_on="muennighoff_runs", loss="c4", rounded=False),
}


def names() -> list[str]:
    """Names of the published fits."""
    return list(PUBLISHED)


def published_fit(name: str):
    """A published fit as a :class:`~scaling.fitting.FitResult` (``method="published"``, no draws).

    Raises
    ------
    ScalingError
        An unknown name, listing the known ones.
    """
    from .fitting import FitResult

    if not isinstance(name, str) or name.lower() not in PUBLISHED:
        raise ScalingError(f"unknown published law {name!r}; known: {', '.join(PUBLISHED)}")
    key = name.lower()
    law, params, source = PUBLISHED[key]
    return FitResult(law=law, method="published", params=dict(params), objective=math.nan, n_runs=0,
                     n_excluded=0, data_sha256="", seed=0, settings={"source": source, "name": key})


def resolve(spec: str | os.PathLike):
    """A law for ``--law NAME|FILE``: a published fit by name, else a saved fit file.

    Raises
    ------
    ScalingError
        Neither a known name nor an existing ``.json``/``.nc`` file.
    """
    from .fitting import load_fit

    if isinstance(spec, str) and spec.lower() in PUBLISHED:
        return published_fit(spec)
    path = Path(spec)
    if path.suffix.lower() in (".json", ".nc"):
        return load_fit(path)
    raise ScalingError(f"unknown law {str(spec)!r}: give a published law ({', '.join(PUBLISHED)}) "
                       "or a saved fit file (.json or .nc)")


def fitted_on(name: str):
    """The runs a published fit was fitted on: a shipped runs table's name, or the span of
    the runs as the paper states it (a dict of ``n_params_min/max``, ...)."""
    return ABOUT[_known(name)]["fitted_on"]


def _known(name) -> str:
    if not isinstance(name, str) or name.lower() not in PUBLISHED:
        raise ScalingError(f"unknown published law {name!r}; known: {', '.join(PUBLISHED)}")
    return name.lower()


def describe() -> list[dict]:
    """One row per published fit, for ``scaling laws``: ``name``, ``law``, ``paper``, ``data``
    (what it was fitted on), ``rounded`` and ``params`` (name -> value)."""
    return [{"name": name, "law": law, "paper": ABOUT[name]["paper"], "data": ABOUT[name]["data"],
             "rounded": bool(ABOUT[name]["rounded"]), "params": dict(params)}
            for name, (law, params, _) in PUBLISHED.items()]


def in_sample_share(name: str, n_params, n_tokens, loss) -> float:
    """The share of the given runs that the published fit ``name`` was itself fitted on.

    Runs match a run of the shipped table the fit was made from (:func:`fitted_on`) when
    their N, D and loss agree to 6 significant digits. A fit whose runs are not shipped
    (a span only, kaplan2020) shares no run: 0.0. Scoring a fit on runs it was fitted on
    measures its in-sample error, not how well it predicts unseen runs.
    """
    import numpy as np

    from . import datasets

    source = fitted_on(name)
    n_params, n_tokens, loss = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (n_params, n_tokens, loss))
    if not isinstance(source, str) or not n_params.size:
        return 0.0
    table = datasets.load(source)
    fitted = set(_run_keys(*(table[c].to_numpy(float) for c in ("n_params", "n_tokens", "loss"))))
    return sum(key in fitted for key in _run_keys(n_params, n_tokens, loss)) / n_params.size


def _run_keys(n_params, n_tokens, loss) -> list[tuple[str, ...]]:
    """A run's (N, D, loss) to 6 significant digits: the same run read from another table."""
    return [tuple(f"{x:.6g}" for x in row) for row in zip(n_params, n_tokens, loss)]
