r"""Parametric scaling laws: the one home of each law's maths.

Each law is a frozen :class:`Law` in a registry (:func:`get_law`, :func:`names`) and
answers, vectorised over draws, every question the package asks of a law:

- :meth:`Law.predict` ``(params, n_params, n_tokens) -> loss``
- :meth:`Law.derived` ``(params) -> dict`` (chinchilla: ``a``, ``b``, ``G``)
- :meth:`Law.irreducible_loss` ``(params)``: the loss with unbounded N and D
- :meth:`Law.allocate` ``(params, compute_flops) -> (n_params, n_tokens)``: compute-optimal
  split under :math:`C = 6 N D`
- :meth:`Law.loss_at_optimum` ``(params, compute_flops) -> loss``
- :meth:`Law.compute_for_loss` ``(params, loss) -> (compute_flops, n_params, n_tokens)``
- :meth:`Law.tokens_for_loss` ``(params, n_params, loss) -> n_tokens``
- :meth:`Law.min_total_for_loss` ``(params, loss, inference_tokens) -> (total_flops, n_params, n_tokens)``:
  least training plus inference compute, :math:`6 N D + 2 N T`
- :meth:`Law.allocate_total` ``(params, total_flops, inference_tokens) -> (n_params, n_tokens)``:
  least loss within a budget that pays for training and inference
- ``param_names``, ``bounds``, and for fitting the log-prediction and its gradient.

``params`` holds floats or arrays of draws, and every answer broadcasts like
:meth:`Law.predict`, e.g. parameters of shape ``(n_draws, 1)`` against budgets of shape
``(n_budgets,)`` give ``(n_draws, n_budgets)``. Answers a draw cannot give (a loss at or
below its irreducible loss, an optimum outside the numeric search range) are NaN.

A law with closed forms (chinchilla) supplies them; a law without (kaplan) gets the
generic numeric versions (:mod:`scaling.laws.numerics`), so that adding a law is adding one
:class:`Law` to a family module:

- allocation: along :math:`D = C / 6N` the loss is unimodal in :math:`x = \log N`; its
  minimum is found by vectorised bisection on the sign of :math:`dL/dx`, computed exactly
  by the complex step :math:`dL/dx = \operatorname{Im} L(x + ih) / h` (Squire & Trapp 1998,
  "Using complex variables to estimate derivatives of real functions", SIAM Review 40(1)).
  The derivative stays exact when the reducible loss is many orders below the irreducible
  one, where comparing loss values cannot locate the minimum. A law's formula must
  therefore accept complex inputs (write it with ``+ - * / **``, ``exp`` and ``log``);
- least compute, tokens for a loss: bisection in :math:`\log C` or :math:`\log D` of a
  loss that decreases with it;
- inference-aware sizing: golden-section search in :math:`\log N`.

For fitting, each law also has an unconstrained parameterisation ``theta`` (e.g.
``a = log A``) with the log-loss prediction and its vector-Jacobian product, so
that :mod:`scaling.fitting` can optimise many starts at once.

Modules
-------
- :mod:`scaling.laws.base`: the protocol, :class:`LawFunctions` (the functions a family
  supplies) and :class:`Law` (what the package asks of a law);
- :mod:`scaling.laws.numerics`: the generic numerics;
- one module per family: :mod:`scaling.laws.chinchilla` (chinchilla, chinchilla_tied),
  :mod:`scaling.laws.kaplan`, :mod:`scaling.laws.data_constrained` (Muennighoff et al.
  2023, tied and untied exponents);
- :mod:`scaling.laws.registry`: the registry, built once from the family modules.

Physical domains
----------------
The ranges below are the inputs the package answers queries for (:mod:`scaling.sizing`
refuses others with a :class:`~scaling.errors.ScalingError`, and warns when an answer
falls outside them):

- :data:`COMPUTE_FLOPS_RANGE` = 1e12 .. 1e32 FLOPs: from a toy run (a 1e4-parameter model
  on 2e7 tokens) to about a million times the largest training runs reported by 2024
  (about 4e25 FLOPs, Epoch AI, "Notable AI Models", https://epoch.ai/data);
- :data:`N_PARAMS_RANGE` = 1e3 .. 1e16 parameters: a tiny model to 1e4 times the largest
  dense models built;
- :data:`N_TOKENS_RANGE` = 1e3 .. 1e17 tokens: about a thousand times the stock of
  public human text (about 3e14 tokens, Villalobos et al. 2024, "Will we run out of data?",
  https://arxiv.org/abs/2211.04325);
- :data:`INFERENCE_TOKENS_MAX` = 1e20 tokens served over a model's life.

Examples
--------
>>> from scaling.laws import get_law
>>> law = get_law("chinchilla")
>>> p = dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)
>>> round(float(law.predict(p, 70e9, 1.4e12)), 3)
1.937
>>> n, d = law.allocate(p, 5.76e23)
>>> round(float(6 * n * d / 5.76e23), 12)
1.0
"""

from __future__ import annotations

from .base import Law, LawFunctions
from .chinchilla import CHINCHILLA, CHINCHILLA_TIED
from .data_constrained import DATA_CONSTRAINED, DATA_CONSTRAINED_UNTIED
from .kaplan import KAPLAN
from .registry import get_law, names

__all__ = [
    "Law", "LawFunctions", "get_law", "names", "CHINCHILLA", "CHINCHILLA_TIED", "KAPLAN", "DATA_CONSTRAINED",
    "DATA_CONSTRAINED_UNTIED", "COMPUTE_FLOPS_RANGE", "N_PARAMS_RANGE", "N_TOKENS_RANGE", "INFERENCE_TOKENS_MAX",
]

#: Training compute (FLOPs, C = 6 N D) the package answers for.
COMPUTE_FLOPS_RANGE = (1e12, 1e32)
#: Parameter counts the package answers for.
N_PARAMS_RANGE = (1e3, 1e16)
#: Training-token counts the package answers for.
N_TOKENS_RANGE = (1e3, 1e17)
#: Most tokens served (inference) over a model's life that the package answers for.
INFERENCE_TOKENS_MAX = 1e20
