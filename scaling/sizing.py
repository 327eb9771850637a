r"""Compute-optimal sizing from any fitted Chinchilla law, with uncertainty.

Closed forms (Hoffmann et al. 2022, Approach 3; Besiroglu et al. 2024), with
:math:`C = 6 N D`:

.. math::

    a = \frac{\beta}{\alpha+\beta},\quad b = \frac{\alpha}{\alpha+\beta},\quad
    G = \left(\frac{\alpha A}{\beta B}\right)^{1/(\alpha+\beta)},\quad
    N_{opt} = G \left(\frac{C}{6}\right)^{a},\quad D_{opt} = G^{-1} \left(\frac{C}{6}\right)^{b},

    L_{opt}(C) = E + K \left(\frac{C}{6}\right)^{-\alpha\beta/(\alpha+\beta)},\quad K = A G^{-\alpha} + B G^{\beta}.

:func:`optimal` works with any fit that follows the protocol (``law``, ``params``,
``draws`` with the law's parameter columns): :class:`scaling.fitting.FitResult` and
the Bayesian result of :mod:`scaling.bayes`. Intervals are percentiles of the
per-draw answers; the point is the answer at the fit's point estimate.

Vectorised building blocks (``params``: a dict of floats, or a DataFrame / dict of
arrays with one entry per draw; every output has the broadcast shape):

- :func:`allocate` ``(params, compute_flops) -> (n_params, n_tokens)``
- :func:`compute_for_loss` ``(params, loss) -> (compute_flops, n_params, n_tokens)``
- :func:`loss_at` ``(params, n_params, n_tokens) -> loss``
- :func:`tokens_for_loss` ``(params, n_params, loss) -> n_tokens``
- :func:`gpt3_loss` ``(params) -> loss`` of GPT-3 (175e9 parameters, 300e9 tokens)
- :func:`min_cost_for_loss` ``(params, loss, inference_tokens)``: training plus inference FLOPs

Unreachable answers (a loss at or below E) are NaN in the building blocks; :func:`optimal`
raises a ``ValueError`` naming E when the point estimate cannot reach the target.

Examples
--------
>>> p = dict(E=1.8172, A=477.76, B=2142.94, alpha=0.3473, beta=0.3672)
>>> n, d = allocate(p, 5.76e23)
>>> round(float(n) / 1e9, 1), round(float(d) / 1e12, 2)
(73.3, 1.31)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .laws import get_law
from ._checks import check_level as _check_level

__all__ = [
    "optimal", "OptimalResult", "allocate", "compute_for_loss", "loss_at", "tokens_for_loss",
    "gpt3_loss", "min_cost_for_loss", "GPT3_N_PARAMS", "GPT3_N_TOKENS", "TARGETS",
]

GPT3_N_PARAMS = 175e9
GPT3_N_TOKENS = 300e9
TARGETS = ("gpt3",)
_CHIN = ("E", "A", "B", "alpha", "beta")


def _p(params: Mapping[str, Any]) -> tuple[np.ndarray, ...]:
    missing = [k for k in _CHIN if k not in params]
    if missing:
        have = ", ".join(map(str, params.keys()))
        raise ValueError(f"closed-form sizing needs the chinchilla parameters E, A, B, alpha, beta; "
                         f"missing {', '.join(missing)} (got: {have})")
    return tuple(np.asarray(params[k], dtype=float) for k in _CHIN)


def _ag(params):
    E, A, B, alpha, beta = _p(params)
    a = beta / (alpha + beta)
    b = alpha / (alpha + beta)
    G = (alpha * A / (beta * B)) ** (1.0 / (alpha + beta))
    return E, A, B, alpha, beta, a, b, G


def allocate(params: Mapping[str, Any], compute_flops) -> tuple[np.ndarray, np.ndarray]:
    r"""Compute-optimal split of a budget: :math:`N = G (C/6)^a`, :math:`D = G^{-1} (C/6)^b`."""
    _, _, _, _, _, a, b, G = _ag(params)
    c6 = np.asarray(compute_flops, dtype=float) / 6.0
    return G * c6**a, c6**b / G


def loss_at(params: Mapping[str, Any], n_params, n_tokens) -> np.ndarray:
    r"""Loss of the law at (N, D): :math:`E + A N^{-\alpha} + B D^{-\beta}`."""
    E, A, B, alpha, beta = _p(params)
    return E + A / np.asarray(n_params, float) ** alpha + B / np.asarray(n_tokens, float) ** beta


def gpt3_loss(params: Mapping[str, Any]) -> np.ndarray:
    """The law's loss for GPT-3's run (175e9 parameters, 300e9 tokens)."""
    return loss_at(params, GPT3_N_PARAMS, GPT3_N_TOKENS)


def tokens_for_loss(params: Mapping[str, Any], n_params, loss) -> np.ndarray:
    r"""Tokens a model of ``n_params`` needs to reach ``loss``:
    :math:`D = \left(B / (L - E - A N^{-\alpha})\right)^{1/\beta}` (NaN where unreachable)."""
    E, A, B, alpha, beta = _p(params)
    gap = np.asarray(loss, float) - E - A / np.asarray(n_params, float) ** alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gap > 0, (B / np.where(gap > 0, gap, 1.0)) ** (1.0 / beta), np.nan)


def compute_for_loss(params: Mapping[str, Any], loss) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Least compute reaching ``loss`` on the compute-optimal frontier.

    Inverts :math:`L_{opt}(C) = E + K (C/6)^{-\alpha\beta/(\alpha+\beta)}`,
    :math:`K = A G^{-\alpha} + B G^{\beta}`. NaN where ``loss <= E``.

    Returns
    -------
    compute_flops, n_params, n_tokens
    """
    E, A, B, alpha, beta, a, b, G = _ag(params)
    K = A * G ** (-alpha) + B * G**beta
    gap = np.asarray(loss, float) - E
    with np.errstate(divide="ignore", invalid="ignore"):
        c6 = np.where(gap > 0, (np.where(gap > 0, gap, 1.0) / K) ** (-(alpha + beta) / (alpha * beta)), np.nan)
    return 6.0 * c6, G * c6**a, c6**b / G


def min_cost_for_loss(params: Mapping[str, Any], loss, inference_tokens, n_steps: int = 200):
    r"""Smallest training + inference compute reaching ``loss``, counting inference traffic.

    Minimises :math:`6 N D(N) + 2 N T` over :math:`N`, with :math:`D(N)` from
    :func:`tokens_for_loss` and :math:`T` tokens served (Sardana & Frankle 2023 style),
    by a vectorised golden-section search in :math:`\log N` (one search per draw).

    Returns
    -------
    total_flops, n_params, n_tokens
    """
    E, A, B, alpha, beta = _p(params)
    loss = np.asarray(loss, float)
    T = np.asarray(inference_tokens, float)
    gap = loss - E
    shape = np.broadcast(E, A, B, alpha, beta, loss, T).shape
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # N must exceed the size whose parameter term alone uses up the loss gap
        log_n_min = np.broadcast_to(np.where(gap > 0, (np.log(A) - np.log(np.where(gap > 0, gap, 1.0))) / alpha,
                                             np.nan), shape)

        def cost(log_n):
            n = np.exp(log_n)
            return 6.0 * n * tokens_for_loss(params, n, loss) + 2.0 * n * T

        lo = log_n_min + 1e-9
        hi = log_n_min + 40.0
        phi = (math.sqrt(5) - 1) / 2
        x1 = hi - phi * (hi - lo)
        x2 = lo + phi * (hi - lo)
        f1, f2 = cost(x1), cost(x2)
        for _ in range(n_steps):
            left = f1 <= f2
            hi = np.where(left, x2, hi)
            lo = np.where(left, lo, x1)
            x2n = np.where(left, x1, lo + phi * (hi - lo))
            x1n = np.where(left, hi - phi * (hi - lo), x2)
            f_new = cost(np.where(left, x1n, x2n))
            f1, f2 = np.where(left, f_new, f2), np.where(left, f1, f_new)
            x1, x2 = x1n, x2n
        log_n = 0.5 * (lo + hi)
        n = np.exp(log_n)
        d = tokens_for_loss(params, n, loss)
        return 6.0 * n * d + 2.0 * n * T, n, d


# ======================================================================================
@dataclass(frozen=True)
class OptimalResult:
    """Answer to a compute-optimal sizing query, with percentile intervals.

    Attributes
    ----------
    query : dict
        ``{"compute_flops": C}``, ``{"target_loss": L}`` or ``{"target": "gpt3"}`` (plus
        ``inference_tokens`` when counted).
    point : dict
        ``n_params, n_tokens, tokens_per_param, loss, compute_flops`` (and ``target_loss``,
        ``inference_flops``, ``total_flops`` where they apply) at the fit's point estimate.
    draws : pandas.DataFrame or None
        The same quantities for every draw of the fit.
    level : float
        Interval level used by :meth:`summary` by default.
    """

    law: str
    query: dict
    point: dict
    draws: pd.DataFrame | None
    level: float

    def summary(self, level: float | None = None) -> pd.DataFrame:
        """DataFrame indexed by quantity with ``value``, ``lower``, ``upper``."""
        level = self.level if level is None else _check_level(level)
        rows = []
        for name, value in self.point.items():
            lower = upper = math.nan
            if self.draws is not None and name in self.draws.columns:
                v = self.draws[name].to_numpy(dtype=float)
                v = v[np.isfinite(v)]
                if v.size:
                    lower, upper = (float(q) for q in np.quantile(v, [(1 - level) / 2, (1 + level) / 2]))
            rows.append((name, float(value), lower, upper))
        df = pd.DataFrame(rows, columns=["quantity", "value", "lower", "upper"]).set_index("quantity")
        df.attrs["level"] = level
        return df

    @property
    def n_unreachable(self) -> int:
        """Draws for which the target cannot be reached (loss at or below their E)."""
        if self.draws is None or "n_params" not in self.draws:
            return 0
        return int((~np.isfinite(self.draws["n_params"].to_numpy(dtype=float))).sum())

    def to_dict(self) -> dict:
        s = self.summary()
        return {
            "law": self.law, "query": dict(self.query), "level": self.level,
            "n_draws": 0 if self.draws is None else len(self.draws),
            "n_unreachable": self.n_unreachable,
            "quantities": {q: {"value": r["value"], "lower": r["lower"], "upper": r["upper"]}
                           for q, r in s.iterrows()},
        }

    def report(self) -> str:
        lines = [f"compute-optimal sizing ({self.law} law), query: "
                 + ", ".join(f"{k}={v}" for k, v in self.query.items())]
        s = self.summary()
        for q, r in s.iterrows():
            lines.append(f"  {q:<18}{r['value']:>14.5g}  [{r['lower']:.5g}, {r['upper']:.5g}]")
        if self.n_unreachable:
            lines.append(f"  warning: {self.n_unreachable} draws cannot reach the target (loss <= their E)")
        return "\n".join(lines)



def _answer(params, compute_flops, target_loss, target, inference_tokens) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    if target == "gpt3":
        target_loss = gpt3_loss(params)
        out["target_loss"] = target_loss
    if compute_flops is not None:
        n, d = allocate(params, compute_flops)
        c = np.asarray(compute_flops, float) * np.ones_like(n)
    elif inference_tokens is not None:
        total, n, d = min_cost_for_loss(params, target_loss, inference_tokens)
        c = 6.0 * n * d
    else:
        c, n, d = compute_for_loss(params, target_loss)
    out.update(n_params=n, n_tokens=d, tokens_per_param=d / n, loss=loss_at(params, n, d), compute_flops=c)
    if inference_tokens is not None:
        out["inference_flops"] = 2.0 * n * float(inference_tokens)
        out["total_flops"] = c + out["inference_flops"]
    return out


def optimal(fit, compute_flops: float | None = None, target_loss: float | None = None,
            target: str | None = None, level: float = 0.9, inference_tokens: float | None = None) -> OptimalResult:
    """Compute-optimal model size and data for a budget, a target loss, or GPT-3's loss.

    Parameters
    ----------
    fit : FitResult or a Bayesian fit result
        Anything with ``law``, ``params`` and ``draws`` (DataFrame with E, A, B, alpha, beta, or None).
    compute_flops : float, optional
        Training budget C (FLOPs, C = 6 N D): returns N_opt, D_opt and the loss reached.
    target_loss : float, optional
        Returns the least compute (and its N, D) reaching this loss; must exceed E.
    target : {"gpt3"}, optional
        The fitted loss of GPT-3 (175e9 parameters, 300e9 tokens), per draw, then the
        smallest compute-optimal run reaching it.
    level : float
        Interval level (percentiles of the per-draw answers).
    inference_tokens : float, optional
        With a target: minimise training plus inference FLOPs, 6 N D + 2 N T, instead.

    Raises
    ------
    ValueError
        Not exactly one query; a non-positive budget; a target loss at or below E; a law
        without closed forms.
    """
    given = [name for name, v in (("compute_flops", compute_flops), ("target_loss", target_loss),
                                  ("target", target)) if v is not None]
    if len(given) != 1:
        raise ValueError("give exactly one of compute_flops, target_loss or target "
                         f"(got {', '.join(given) if given else 'none'})")
    level = _check_level(level)
    if getattr(fit, "law", None) is None or getattr(fit, "params", None) is None:
        raise TypeError(f"fit must have 'law' and 'params' (a FitResult or Bayesian result), got {type(fit).__name__}")
    law = get_law(fit.law)
    if law.name != "chinchilla":
        raise ValueError(f"compute-optimal sizing has closed forms for the chinchilla law only, "
                         f"not {law.name!r}; fit law='chinchilla'")
    params = {k: float(v) for k, v in fit.params.items()}
    query: dict[str, Any] = {}
    if compute_flops is not None:
        compute_flops = float(compute_flops)
        if not (compute_flops > 0 and math.isfinite(compute_flops)):
            raise ValueError(f"compute_flops must be a positive finite number, got {compute_flops!r}")
        query["compute_flops"] = compute_flops
        if inference_tokens is not None:
            raise ValueError("inference_tokens applies to a target loss (target_loss or target), not a budget")
    if target_loss is not None:
        target_loss = float(target_loss)
        if not math.isfinite(target_loss) or target_loss <= params["E"]:
            raise ValueError(f"target loss {target_loss!r} is unreachable: the fitted irreducible loss "
                             f"E = {params['E']:.4f}; choose a loss above E")
        query["target_loss"] = target_loss
    if target is not None:
        if target not in TARGETS:
            raise ValueError(f"unknown target {target!r}; known targets: {', '.join(TARGETS)}")
        query["target"] = target
    if inference_tokens is not None:
        inference_tokens = float(inference_tokens)
        if not (inference_tokens >= 0 and math.isfinite(inference_tokens)):
            raise ValueError(f"inference_tokens must be a non-negative number, got {inference_tokens!r}")
        query["inference_tokens"] = inference_tokens

    point = {k: float(np.asarray(v)) for k, v in
             _answer(params, compute_flops, target_loss, target, inference_tokens).items()}
    draws = None
    fdraws = getattr(fit, "draws", None)
    if fdraws is not None and len(fdraws):
        missing = [c for c in _CHIN if c not in fdraws.columns]
        if missing:
            raise ValueError(f"the fit's draws lack columns {', '.join(missing)}")
        dparams = {c: fdraws[c].to_numpy(dtype=float) for c in _CHIN}
        draws = pd.DataFrame(_answer(dparams, compute_flops, target_loss, target, inference_tokens))
    return OptimalResult(law=law.name, query=query, point=point, draws=draws, level=level)
