r"""Every quantity of a sizing answer, for one parameter set or arrays of draws.

The law answers (:mod:`scaling.laws`): a budget's compute-optimal split, the least compute
reaching a loss, and with served tokens the inference-aware optimum and its baseline
(Sardana et al. 2023, "Beyond Chinchilla-Optimal", https://arxiv.org/abs/2401.00448); the
hardware of the query (:mod:`scaling.sizing.costs`) adds chip-hours, days and dollars.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from .._flops import compute_cost, inference_flops, training_flops
from ..errors import ScalingError
from ..laws import Law
from .blocks import GPT3_N_PARAMS, GPT3_N_TOKENS
from .costs import _Costs


def _point_answer(law: Law, params: dict, query: dict, costs: "_Costs | None" = None) -> dict[str, float]:
    """:func:`_answer` for the point estimate, as floats; ``ScalingError`` where it is not finite."""
    out = _answer(law, params, query, costs)
    bad = [k for k, v in out.items() if not np.isfinite(v)]
    if bad:
        raise ScalingError(f"the {law.name} law's point estimate cannot answer {query}: {', '.join(bad)} not "
                           "finite")
    return {k: float(np.asarray(v)) for k, v in out.items()}


def _answer(law: Law, params: Mapping[str, Any], query: dict, costs: _Costs | None = None) -> dict[str, np.ndarray]:
    """Every quantity of the answer, for one parameter set or arrays of draws."""
    out: dict[str, np.ndarray] = {}
    target_loss = query.get("target_loss")
    inference_tokens = query.get("inference_tokens")
    weight = 1.0 if costs is None else costs.inference_weight
    if query.get("target") == "gpt3":
        target_loss = law.predict(params, GPT3_N_PARAMS, GPT3_N_TOKENS)
        out["target_loss"] = target_loss
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if "compute_flops" in query:
            budget = query["compute_flops"]
            if inference_tokens is None:
                n, d = law.allocate(params, budget)
                c = budget * np.ones_like(n)
            else:
                n, d = law.allocate_total(params, budget, weight * inference_tokens)
                c = training_flops(n, d)
        elif inference_tokens is not None:
            _, n, d = law.min_total_for_loss(params, target_loss, weight * inference_tokens)
            c = training_flops(n, d)
        else:
            c, n, d = law.compute_for_loss(params, target_loss)
        out.update(n_params=n, n_tokens=d, tokens_per_param=d / n, loss=law.predict(params, n, d), compute_flops=c)
        if "unique_tokens" in query:
            out["epochs"] = d / query["unique_tokens"]
        if inference_tokens is not None:
            out["inference_flops"] = inference_flops(n, inference_tokens)
            out["total_flops"] = c + out["inference_flops"]
        if costs is not None and costs.training is not None:
            train = costs.training
            out["training_chip_hours"], usd = compute_cost(c, train.flops_per_chip_hour, train.usd_per_chip_hour)
            if costs.chips:
                out["training_days"] = out["training_chip_hours"] / 24.0 / costs.chips
            if train.priced:
                out["training_usd"] = usd
            infer = costs.inference
            if inference_tokens is not None and infer is not None:
                out["inference_chip_hours"], usd = compute_cost(out["inference_flops"], infer.flops_per_chip_hour,
                                                                infer.usd_per_chip_hour)
                if costs.objective == "chip_hours":  # serving on the budget's chips: days of its chip time
                    out["inference_days"] = out["inference_chip_hours"] / 24.0 / costs.chips
                    out["total_days"] = out["training_days"] + out["inference_days"]
                if infer.priced:
                    out["inference_usd"] = usd
                    if train.priced:
                        out["total_usd"] = out["training_usd"] + out["inference_usd"]
        if inference_tokens is not None:
            out.update(_baseline(law, params, out, inference_tokens, costs))
    return out


def _baseline(law: Law, params, out: dict, inference_tokens: float, costs: _Costs | None) -> dict:
    r"""The Chinchilla-optimal model reaching the same loss, and what the inference-aware answer saves.

    The baseline trains compute-optimally for the answer's loss :math:`L`
    (:meth:`scaling.laws.Law.compute_for_loss`: :math:`C_b, N_b, D_b`) and then serves the
    same :math:`T` tokens, at :math:`C_b + 2 N_b T` FLOPs. The saving is the baseline's total
    cost minus the answer's, in FLOPs, and in dollars (both priced) or chip-hours (a
    chip-time budget); ``saving_pct`` is that of the minimised cost
    :math:`C + 2 N T w` (``w``: :attr:`_Costs.inference_weight`), Sardana et al. (2023),
    "Beyond Chinchilla-Optimal", https://arxiv.org/abs/2401.00448, Figure 1.
    """
    c_b, n_b, d_b = law.compute_for_loss(params, out["loss"])
    serve_b = inference_flops(n_b, inference_tokens)
    base = {"baseline_n_params": n_b, "baseline_n_tokens": d_b, "baseline_compute_flops": c_b,
            "baseline_total_flops": c_b + serve_b, "saving_flops": c_b + serve_b - out["total_flops"]}
    weight = 1.0 if costs is None else costs.inference_weight
    base["saving_pct"] = 100.0 * (1.0 - (out["compute_flops"] + weight * out["inference_flops"])
                                  / (c_b + weight * serve_b))
    if costs is not None and costs.training is not None and costs.inference is not None:
        train, infer = costs.training, costs.inference
        hours_train, usd_train = compute_cost(c_b, train.flops_per_chip_hour, train.usd_per_chip_hour)
        hours_serve, usd_serve = compute_cost(serve_b, infer.flops_per_chip_hour, infer.usd_per_chip_hour)
        if costs.objective == "chip_hours":
            base["saving_chip_hours"] = hours_train + hours_serve - out["training_chip_hours"] - out["inference_chip_hours"]
        if "total_usd" in out:
            base["baseline_total_usd"] = usd_train + usd_serve
            base["saving_usd"] = base["baseline_total_usd"] - out["total_usd"]
    return base
