"""The sizing query: :func:`optimal` checks it, asks the law for the point estimate and
every draw (:mod:`scaling.sizing.solve`), and returns an :class:`OptimalResult` (or an
:class:`~scaling.sweep.OptimalSweep` for an array query)."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .. import library
from .._checks import check_level
from .._flops import inference_flops
from ..errors import ScalingError
from ..laws import COMPUTE_FLOPS_RANGE, INFERENCE_TOKENS_MAX, N_PARAMS_RANGE, N_TOKENS_RANGE, Law, get_law
from ..results import DEFAULT_LEVEL, DrawColumns, draw_arrays, require_result
from .context import fit_context
from .costs import _costs
from .result import OptimalResult
from .solve import _answer, _point_answer

__all__ = ["optimal", "data_constrained_laws", "TARGETS"]

TARGETS = ("gpt3",)


def _query_number(name: str, value, low: float, high: float, *, low_open: bool = False,
                  what: str = "") -> float:
    """A real scalar (not a bool) within ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    allowed = f"{'(' if low_open else '['}{low:g}, {high:g}]{what}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ScalingError(f"{name} must be a real number in {allowed}, got {type(value).__name__} {value!r:.60}")
    try:
        v = float(value)
    except OverflowError:
        raise ScalingError(f"{name} must be a finite number in {allowed}, got an integer of "
                           f"{len(str(abs(int(value))))} digits") from None
    if not math.isfinite(v) or v > high or v < low or (low_open and v == low):
        raise ScalingError(f"{name} must be a finite number in {allowed}, got {v!r}")
    return v


def optimal(fit, compute_flops: float | None = None, target_loss: float | None = None,
            target: str | None = None, level: float = DEFAULT_LEVEL,
            inference_tokens: float | None = None, budget=None, training=None, inference=None,
            objective: str = "auto", chips: float | None = None,
            unique_tokens: float | None = None) -> OptimalResult:
    r"""Compute-optimal model size and data for a budget, a target loss, or GPT-3's loss.

    Works for every registered law (closed forms or the generic numerics of
    :mod:`scaling.laws`). The point answer uses ``fit.params``; the intervals are
    percentiles of the per-draw answers by the one rule of
    :func:`scaling.results.interval`.

    Parameters
    ----------
    fit : a fitted result (``FitResult``, ``BayesFitResult``, a published fit of :mod:`scaling.library`)
        Uses ``fit.law``, ``fit.params``, ``fit.draws``, ``fit.warnings()``, ``fit.data_range``
        and ``fit.settings`` (what the loss means, :func:`fit_context`).
    compute_flops : float, optional
        Training budget :math:`C = 6 N D` in :data:`scaling.laws.COMPUTE_FLOPS_RANGE`
        (1e12 .. 1e32 FLOPs): returns :math:`N_{opt}`, :math:`D_{opt}` and the loss reached.
        With ``inference_tokens`` :math:`T`, the budget pays for training and serving:
        minimise :math:`L(N, D)` subject to :math:`6 N D + 2 N T = C`.
    target_loss : float, optional
        Returns the least compute (and its N, D) reaching this loss. It must lie above the
        fit's irreducible loss (E for chinchilla) and below the ceiling
        :math:`L_{opt}(10^{12})`, the loss a compute-optimal model reaches with the
        smallest budget answered.
    target : {"gpt3"}, optional
        The fitted loss of GPT-3 (175e9 parameters, 300e9 tokens), per draw, then the
        smallest compute-optimal run reaching it.
    level : float
        Interval level, default :data:`scaling.results.DEFAULT_LEVEL`.
    unique_tokens : float, optional
        Unique tokens available, for a data-constrained law (and required by it): the
        answer is the best N and D under :math:`L(N, D, U)` with the pool of :math:`U`
        unique tokens, plus ``epochs`` :math:`= D/U` (repeated data counts for less,
        Muennighoff et al. 2023). Refused for a law without unique data.
    inference_tokens : float, optional
        Tokens served over the model's life, in [0, 1e20]. With a target: minimise
        training plus inference cost; with a budget: see above (Sardana et al. 2023,
        "Beyond Chinchilla-Optimal", https://arxiv.org/abs/2401.00448).
    budget : scaling.budget.Budget, optional
        A budget in chips x days or dollars (:func:`scaling.budget.from_chips`,
        :func:`~scaling.budget.from_usd`, :func:`~scaling.budget.from_compute`): its FLOPs
        are the query's ``compute_flops`` (give one of the two), and its hardware adds
        training chip-hours, days (with chips) and dollars (with a price) to the answer.
    training, inference : scaling.budget.ChipRate, optional
        Hardware for training and for serving (:func:`scaling.budget.chip_rate`). Training
        defaults to the budget's; inference to the training chip and price at half its MFU
        (:func:`scaling.budget.inference_rate`).
    objective : {"auto", "flops", "usd"}
        What ``inference_tokens`` queries minimise. ``usd``: training plus inference
        dollars, each at its hardware's $/FLOP = price / (3600 x peak x MFU), i.e.
        :math:`p_{train} (6 N D + 2 N T \, p_{inf} / p_{train})` (the FLOP problem with T
        scaled by the price ratio; with a budget, the budget's dollars pay for both);
        ``flops``: :math:`6 N D + 2 N T`; ``auto``: dollars when both are priced.
    chips : float, optional
        With ``training`` and a target: the chips that train, for wall-clock days.

    Returns
    -------
    OptimalResult, or :class:`scaling.sweep.OptimalSweep` for an array query
        ``compute_flops`` or ``target_loss`` given as a 1-d array (a sweep over budgets
        or losses) answers every value in one call, the law's maths broadcast over draws
        x values: one row per value in ``summary()`` / ``to_frame()``, and
        ``result[i]`` the :class:`OptimalResult` of value ``i`` (equal to the scalar query).

    Raises
    ------
    ScalingError
        Not a fitted result; not exactly one query; a number out of its domain; a budget
        together with ``compute_flops``; inference hardware without inference tokens; a
        dollar objective without prices; a law whose point estimate cannot answer.
    """
    options = dict(target=target, level=level, inference_tokens=inference_tokens, budget=budget, training=training,
                   inference=inference, objective=objective, chips=chips, unique_tokens=unique_tokens)
    axis = _swept_axis(compute_flops, target_loss)
    if axis is not None:
        return _optimal_sweep(fit, axis, compute_flops if axis == "compute_flops" else target_loss,
                              {"compute_flops": compute_flops, "target_loss": target_loss}, options)
    law, params, query, costs, level = _prepare(fit, compute_flops, target_loss, **options)
    point = _point_answer(law, params, query, costs)
    draws = None
    dparams = _draw_params(fit, law)
    if dparams is not None:
        n_rows = next(iter(dparams.values())).shape[0]
        draws = DrawColumns({k: np.broadcast_to(v, (n_rows,)) for k, v in _answer(law, dparams, query, costs).items()})
    rng, meaning = fit_context(fit)
    return OptimalResult(law=law.name, query=query, point=point, draws=draws, level=level,
                         fit_warnings=tuple(fit.warnings()), data_range=rng, loss_meaning=meaning,
                         costs=None if costs is None else costs.to_dict())


def _prepare(fit, compute_flops, target_loss, *, target, level, inference_tokens, budget, training, inference,
             objective, chips, unique_tokens):
    """The checked query of :func:`optimal`: ``(law, params, query, costs, level)``."""
    require_result(fit, "a fitted loss law")
    law, unique_tokens = _law_for_query(get_law(fit.law), unique_tokens)
    flops_from_budget, costs = _costs(budget, training, inference, inference_tokens, objective, chips)
    if flops_from_budget is not None:
        if compute_flops is not None:
            raise ScalingError(f"give compute_flops ({compute_flops!r}) or a budget "
                               f"({flops_from_budget:.3g} FLOPs), not both")
        compute_flops = flops_from_budget
    given = [name for name, v in (("compute_flops", compute_flops), ("target_loss", target_loss),
                                  ("target", target)) if v is not None]
    if len(given) != 1:
        raise ScalingError("give exactly one of compute_flops (or a budget), target_loss or target "
                           f"(got {', '.join(given) if given else 'none'})")
    level = check_level(level)
    params = {p: float(fit.params[p]) for p in law.param_names if p in fit.params}
    missing = [p for p in law.param_names if p not in params]
    if missing:
        raise ScalingError(f"the fit's params lack {', '.join(missing)} of the {law.name} law")
    query: dict[str, Any] = {}
    if compute_flops is not None:
        query["compute_flops"] = _query_number("compute_flops", compute_flops, *COMPUTE_FLOPS_RANGE,
                                               what=" FLOPs")
    if target_loss is not None:
        floor = float(law.irreducible_loss(params))
        ceiling = float(law.loss_at_optimum(params, COMPUTE_FLOPS_RANGE[0]))
        if isinstance(target_loss, numbers.Real) and not isinstance(target_loss, (bool, np.bool_)) \
                and math.isfinite(float(target_loss)) and float(target_loss) <= floor:
            raise ScalingError(f"target loss {float(target_loss)!r} is unreachable: the fitted irreducible "
                               f"loss is {floor:.4f} (E = {floor:.4f} for chinchilla); choose a loss above it")
        query["target_loss"] = _query_number(
            "target_loss", target_loss, floor, ceiling, low_open=True,
            what=f" (above the irreducible loss, at most the loss reached with {COMPUTE_FLOPS_RANGE[0]:.0e} FLOPs)")
    if target is not None:
        if target not in TARGETS:
            raise ScalingError(f"unknown target {target!r}; known targets: {', '.join(TARGETS)}")
        query["target"] = target
    if inference_tokens is not None:
        query["inference_tokens"] = _query_number("inference_tokens", inference_tokens, 0.0, INFERENCE_TOKENS_MAX,
                                                  what=" tokens")
    if costs is not None and costs.objective == "usd":
        query["objective"] = "usd"
    if unique_tokens is not None:
        query["unique_tokens"] = unique_tokens
    if "compute_flops" in query and inference_tokens is not None:
        weight = 1.0 if costs is None else costs.inference_weight
        serving = inference_flops(N_PARAMS_RANGE[0], weight * query["inference_tokens"])
        if serving >= query["compute_flops"]:
            raise ScalingError(
                f"a budget of {query['compute_flops']:.3g} FLOPs cannot pay for serving "
                f"{query['inference_tokens']:.3g} tokens: inference alone (2 N T"
                f"{'' if weight == 1.0 else ' at the inference price'}) costs {serving:.3g} FLOPs or more for any "
                f"model of at least {N_PARAMS_RANGE[0]:.0e} parameters; raise the budget or lower the inference tokens")

    return law, params, query, costs, level


def _draw_params(fit, law: Law) -> dict | None:
    """The fit's draws of the law's parameters as float arrays (None without draws)."""
    columns = draw_arrays(fit)  # arrays: a fit loaded from a file builds no DataFrame here
    if columns is None or not columns.n_rows:
        return None
    missing = [p for p in law.param_names if p not in columns]
    if missing:
        raise ScalingError(f"the fit's draws lack columns {', '.join(missing)}")
    return {p: np.asarray(columns[p], dtype=float) for p in law.param_names}


def _swept_axis(compute_flops, target_loss) -> str | None:
    """``"compute_flops"`` or ``"target_loss"`` when that query is an array (a sweep), else None."""
    swept = [name for name, v in (("compute_flops", compute_flops), ("target_loss", target_loss))
             if isinstance(v, (np.ndarray, list, tuple)) and np.ndim(v) >= 1]
    if len(swept) > 1:
        raise ScalingError("sweep one query at a time: compute_flops or target_loss as an array, not both")
    return swept[0] if swept else None


def _optimal_sweep(fit, axis: str, values, given: dict, options: dict):
    """:func:`optimal` for every value of an array query, in one broadcast evaluation.

    Each value is checked as the scalar query would be (:func:`_prepare`); then the law
    answers all of them at once: the point estimate over values, the draws as
    ``(n_draws, 1)`` against values (:mod:`scaling.laws` broadcasts).
    """
    from ..sweep import OptimalSweep

    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1 or not arr.size:
        raise ScalingError(f"{axis} as an array must be 1-d and not empty, got shape {arr.shape}")
    other = {k: v for k, v in given.items() if k != axis}
    prepared = [_prepare(fit, **{axis: v}, **other, **options) for v in arr.tolist()]
    law, params, _, costs, level = prepared[0]
    queries = [p[2] for p in prepared]
    query = {**queries[0], axis: np.array([q[axis] for q in queries])}
    n = len(queries)
    with np.errstate(all="ignore"):
        point = {k: np.broadcast_to(np.asarray(v, dtype=float), (n,)) for k, v in _answer(law, params, query, costs).items()}
    for k, v in point.items():
        bad = np.flatnonzero(~np.isfinite(v))
        if bad.size:
            raise ScalingError(f"the {law.name} law's point estimate cannot answer {axis} = {query[axis][bad[0]]:g}: "
                               f"{k} not finite")
    draws = None
    dparams = _draw_params(fit, law)
    if dparams is not None:
        rows = next(iter(dparams.values())).shape[0]
        per = _answer(law, {p: v[:, None] for p, v in dparams.items()}, query, costs)
        draws = {k: np.broadcast_to(np.asarray(v, dtype=float), (rows, n)) for k, v in per.items()}
    rng, meaning = fit_context(fit)
    common = dict(law=law.name, level=level, fit_warnings=tuple(fit.warnings()), data_range=rng,
                  loss_meaning=meaning, costs=None if costs is None else costs.to_dict())
    results = tuple(OptimalResult(query=q, point={k: float(v[i]) for k, v in point.items()},
                                  draws=None if draws is None else DrawColumns({k: v[:, i] for k, v in draws.items()}),
                                  **common) for i, q in enumerate(queries))
    return OptimalSweep(law=law.name, axis=axis, values=query[axis], results=results, point=point, draws=draws,
                        level=level)


def _law_for_query(law: Law, unique_tokens) -> tuple[Law, float | None]:
    """The law that answers: a data-constrained law with its pool of unique tokens fixed.

    ``unique_tokens`` :math:`U` caps the distinct tokens: the numeric search along
    :math:`6ND = C` then uses :math:`L(N, D, U)`, and the answer's ``epochs`` is :math:`D/U`.
    """
    if not law.covariates:
        if unique_tokens is not None:
            raise ScalingError(f"unique_tokens (--unique-tokens) applies to a data-constrained law: "
                               f"{data_constrained_laws()}; this fit's law is {law.name}, which assumes "
                               "unlimited unique data")
        return law, None
    if unique_tokens is None:
        raise ScalingError(f"the {law.name} law needs the unique tokens available: give unique_tokens "
                           "(--unique-tokens), e.g. 5e11")
    u = _query_number("unique_tokens", unique_tokens, *N_TOKENS_RANGE, what=" tokens")
    return law.at(n_unique_tokens=u), u


def data_constrained_laws() -> str:
    """The laws that take unique tokens, for messages: the families and the published fits
    (``--law``) of a law with covariates (from the registries of :mod:`scaling.laws` and
    :mod:`scaling.library`)."""
    from .. import laws as _laws

    families = [n for n in _laws.names() if get_law(n).covariates]
    published = [n for n, (name, _, _) in library.PUBLISHED.items() if get_law(name).covariates]
    return (f"the laws {', '.join(families)} (fit one with scaling fit --law) or a published fit of one "
            f"(--law {', '.join(published)})")
