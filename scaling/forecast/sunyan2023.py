r"""The seed article's decomposition (Sunyan 2023), recomputed like for like.

Sunyan (2023), "The Economics of Large Language Models" (:mod:`scaling.sunyan2023`, whose
numbers this module reads; formerly ``scaling.forecast.seed``). The seed explains the fall of
the GPT-3-equivalent cost, mid-2020 to early 2023, with its own factors
(:func:`scaling.sunyan2023.factors`):

* **training** = $ per FLOP x utilisation: :math:`0.419 \times 0.461 = 0.193` (-81%);
  GPT-3's compute is kept (the seed does not multiply training by the parameter ratio);
* **inference** = parameters x $ per FLOP: :math:`0.40 \times 0.419 = 0.168` (-83%);
  serving a smaller model on cheaper FLOPs. The utilisation gain (GPT-3 21.3% -> PaLM
  46.2%) is a *training* MFU and does not enter inference.

Like for like, we put our numbers into the same factors: our cloud price trend over the
same 2.5 years for $ per FLOP, our fit's compute-optimal equivalent for the parameter
ratio, the same 21.3% -> 46.2%. The earlier version multiplied inference by the training
utilisation gain as well, which is how -95% was printed; -89% is what the factors give.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._dates import decimal_year
from ..cost import training_flops
from ..laws import get_law
from ..sizing import GPT3_N_PARAMS, GPT3_N_TOKENS
from ..sunyan2023 import ARTICLE_INPUTS, PERIOD, factors

__all__ = ["seed_decomposition", "SEED_FACTORS"]

#: The seed article's own factors (:func:`scaling.sunyan2023.factors`, row 20).
SEED_FACTORS = factors()


def seed_decomposition(loss_fit, cloud_trend, start=PERIOD[0], end=PERIOD[1], *,
                       mfu_start: float = ARTICLE_INPUTS["mfu_gpt3"], mfu_end: float = ARTICLE_INPUTS["mfu_palm"],
                       level: float = 0.9) -> dict:
    r"""The seed's factors with our fits, training and inference each with its own factors.

    .. math::

        f_\text{train} = h \cdot \frac{u_0}{u_1}, \qquad f_\text{inf} = \frac{N_\text{opt}}{175\text{e}9} \cdot h,
        \qquad h = 10^{\,\log_{10} m(t_0) - \log_{10} m(t_1)}

    with :math:`h` the change of $ per FLOP along the cloud trend (median over its draws) and
    :math:`N_\text{opt}` the compute-optimal size reaching GPT-3's loss under ``loss_fit``'s
    point estimate. Also returned, not part of the seed's comparison: the training factor
    when the compute-optimal equivalent's compute replaces GPT-3's
    (``training_cost_ratio_compute_optimal``).

    Returns
    -------
    dict
        ``params_ratio_vs_gpt3``, ``compute_ratio_vs_gpt3``, ``usd_per_flop_ratio_hardware_trend``
        (+ ``_lower``/``_upper`` at ``level``), ``utilisation_ratio``, ``training_cost_ratio``,
        ``inference_cost_ratio``, ``training_cost_ratio_compute_optimal``,
        ``compute_optimal_n_params``, ``compute_optimal_n_tokens``, ``seed`` (the seed's own).
    """
    law = get_law(loss_fit.law)
    params = loss_fit.params
    loss = law.predict(params, GPT3_N_PARAMS, GPT3_N_TOKENS)
    c_opt, n_opt, d_opt = (float(np.asarray(x)) for x in law.compute_for_loss(params, loss))
    c_gpt3 = training_flops(GPT3_N_PARAMS, GPT3_N_TOKENS)
    lines = np.asarray(cloud_trend.line_draws(pd.to_datetime([start, end])), dtype=float)
    per_draw = 10.0 ** (lines[:, 0] - lines[:, 1])
    hw = float(np.median(per_draw))
    q = (1 - level) / 2
    util = mfu_start / mfu_end
    train = hw * util
    infer = (n_opt / GPT3_N_PARAMS) * hw
    years = decimal_year([start, end])
    return {
        "period": [str(start), str(end)],
        "years": float(years[1] - years[0]),
        "compute_optimal_n_params": n_opt,
        "compute_optimal_n_tokens": d_opt,
        "compute_ratio_vs_gpt3": c_opt / c_gpt3,
        "params_ratio_vs_gpt3": n_opt / GPT3_N_PARAMS,
        "usd_per_flop_ratio_hardware_trend": hw,
        "usd_per_flop_ratio_lower": float(np.quantile(per_draw, q)),
        "usd_per_flop_ratio_upper": float(np.quantile(per_draw, 1 - q)),
        "utilisation_ratio": util,
        "training_cost_ratio": train,
        "inference_cost_ratio": infer,
        "training_cost_ratio_compute_optimal": (c_opt / c_gpt3) * hw * util,
        "rule": "seed's own factors: training = $/FLOP x utilisation; inference = parameters x $/FLOP "
                "(no training-utilisation gain)",
        "seed": dict(SEED_FACTORS),
    }
