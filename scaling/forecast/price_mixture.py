r"""A mixture of price series and bases: each joint draw prices with one series, picked with stated weights.

Built like the law mixture (:class:`~scaling.forecast.draws.LawMixture`): a
:class:`PriceMixture` names its components (a price series of
:data:`scaling.forecast.scenarios.PRICE_SERIES` -> its trend, and for the purchase basis its
energy trend) and their weights; each joint draw :math:`i` first picks a component
:math:`k_i` with probability :math:`w_k`, then prices with that component's trend (and, for
the purchase basis, its energy trend and total cost of ownership):

.. math:: \log_{10} c_{\text{FLOP},i}(t) = \log_{10} c^{(k_i)}_{\text{FLOP},i}(t), \qquad
          \Pr[k_i = k] = w_k

so one fan carries the choice of series and basis beside every other uncertainty; its
share of the fan is the decomposition's source ``price_series``
(:func:`scaling.forecast.decompose._decompose`: the width of the change when each draw's
series mean is replaced by the mean over all draws, date by date).

Written as a scenario input (``price_mixture`` of :class:`~scaling.forecast.ForecastSpec`,
``scaling forecast --price-mixture``): ``"NAME:WEIGHT,NAME:WEIGHT,..."``, weights any positive
numbers, normalised to sum to 1 (``"a:1,b:1,c:1"`` is equal thirds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from ..errors import ScalingError
from ..hardware.series import refuse_retired
from .draws import price_log10_draws

__all__ = ["PriceMixture", "price_mixture", "parse_price_mixture", "format_price_mixture", "PRICE_MIXTURE_DEFAULT",
           "PRICE_MIXTURE_RULE", "mixture_price_draws", "mixture_log_price"]

#: The main job's mixture (its headline, ``gpt3_equivalent_cost``, and
#: ``gpt3_equivalent_cost_series_mixture``): equal thirds between renting from a hyperscaler (on
#: demand, the list-price upper envelope: random walk with the purchase-price prior's drift),
#: renting at the lowest widely available price (GPU-cloud on demand: random walk with Epoch's
#: published drift and a spread estimated from its own past errors) and buying (total cost of
#: ownership: random walks with Epoch's drift of FLOP/s per $ and per W). Each component is what
#: issue 20's rule chose for its series (the best baseline where no model beat it with converged
#: fits; for the lowest price the calibrated walk, which beat it; :mod:`scaling.hardware.series`). The
#: weights are stated, not fitted: the repository holds no market shares of these three ways to
#: pay for compute.
PRICE_MIXTURE_DEFAULT = "hyperscaler-on-demand-rw:1,lowest-available-epoch-cal:1,purchase:1"
#: The rule behind :data:`PRICE_MIXTURE_DEFAULT`, printed with the forecast.
PRICE_MIXTURE_RULE = ("equal thirds: renting from a hyperscaler, renting at the lowest available price, buying "
                      "(stated rule; no market shares in the repository)")


def parse_price_mixture(value) -> dict[str, float]:
    """Series name -> weight (normalised to sum to 1) from ``"NAME:W,NAME:W"`` or a mapping.

    Names must be in :data:`scaling.forecast.scenarios.PRICE_SERIES`, each once; weights
    positive finite numbers (any scale: they are divided by their sum). Anything else is a
    :class:`~scaling.errors.ScalingError` naming the bad part and what is allowed.
    """
    from .scenarios import PRICE_SERIES

    if isinstance(value, str):
        pairs = []
        for part in value.split(","):
            if part.strip() == "":
                raise ScalingError(f"price_mixture {value!r}: an empty part; write NAME:WEIGHT,NAME:WEIGHT "
                                   "(e.g. hyperscaler-on-demand-rw:1,lowest-available-epoch-cal:1,purchase:1)")
            name, sep, weight = part.strip().rpartition(":")
            if not sep:
                raise ScalingError(f"price_mixture part {part.strip()!r} has no weight; write NAME:WEIGHT")
            pairs.append((name.strip(), weight.strip()))
    elif isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        raise ScalingError(f"price_mixture must be 'NAME:WEIGHT,...' or a mapping, got {value!r}")
    if not pairs:
        raise ScalingError("price_mixture is empty; give at least one NAME:WEIGHT")
    out: dict[str, float] = {}
    for name, weight in pairs:
        refuse_retired(name, "price_mixture: price series")
        if name not in PRICE_SERIES:
            raise ScalingError(f"price_mixture: unknown price series {name!r}; allowed: {', '.join(PRICE_SERIES)}")
        if name in out:
            raise ScalingError(f"price_mixture names {name!r} twice; give each series once")
        try:
            w = float(weight)
        except (TypeError, ValueError):
            raise ScalingError(f"price_mixture: weight {weight!r} of {name!r} is not a number") from None
        if not (math.isfinite(w) and w > 0):
            raise ScalingError(f"price_mixture: weight {weight!r} of {name!r} must be a positive finite number "
                               "(weights are normalised to sum to 1; leave a series out to give it none)")
        out[name] = w
    total = sum(out.values())
    return {k: w / total for k, w in out.items()}


def format_price_mixture(weights: Mapping[str, float]) -> str:
    """The canonical text of normalised weights (12 significant digits; parsing it gives the same text)."""
    return ",".join(f"{k}:{w:.12g}" for k, w in weights.items())


@dataclass(frozen=True)
class PriceMixture:
    """Several price series (and bases) with weights: each joint draw picks one and prices with it.

    Attributes
    ----------
    trends : dict
        Series name -> ``(price_trend, energy_trend)``; ``energy_trend`` is None on the cloud
        basis, a ``flops_per_watt`` trend on the purchase basis.
    weights : dict
        Series name -> weight (sums to 1).
    rule : str
        How the weights were chosen (printed with the forecast).
    """

    trends: Mapping[str, tuple]
    weights: Mapping[str, float]
    rule: str = "user weights"

    @property
    def names(self) -> list[str]:
        return list(self.trends)

    def text(self) -> str:
        """The weights as a scenario value (:func:`format_price_mixture`)."""
        return format_price_mixture(self.weights)

    def describe(self) -> str:
        parts = ", ".join(f"{k} {w:.2g}" for k, w in self.weights.items())
        return f"mixture of price series ({parts}; {self.rule})"

    def warnings(self) -> list:
        """The warnings of every trend in the mixture, each prefixed with its series' name."""
        from ..errors import ScalingWarning

        return [ScalingWarning(w.code, f"{name}: {w.message}") for name, pair in self.trends.items()
                for t in pair if t is not None for w in t.warnings()]


def price_mixture(trends: Mapping[str, object], weights=None, rule: str | None = None) -> PriceMixture:
    """A :class:`PriceMixture`; equal weights unless ``weights`` (a mapping or ``"NAME:W,..."``, normalised).

    ``trends``: series name -> a price trend, or ``(price_trend, energy_trend)`` for the
    purchase basis. Names must be in :data:`scaling.forecast.scenarios.PRICE_SERIES`.
    """
    from ..results import require_result

    if not trends:
        raise ScalingError("a price mixture needs at least one price series")
    pairs = {k: tuple(v) if isinstance(v, (tuple, list)) else (v, None) for k, v in trends.items()}
    for name, pair in pairs.items():
        if len(pair) != 2:
            raise ScalingError(f"price mixture: {name!r} must be a trend or (price_trend, energy_trend)")
        for t in pair:
            if t is not None:
                require_result(t, f"a hardware TrendResult for price series {name!r}")
    if weights is None:
        w = parse_price_mixture({k: 1.0 for k in pairs})
        rule = rule or "equal weights"
    else:
        w = parse_price_mixture(weights)
        rule = rule or "user weights"
    if set(w) != set(pairs):
        raise ScalingError(f"price mixture: weights for {', '.join(w)} but trends for {', '.join(pairs)}; "
                           "give one weight per series")
    return PriceMixture({k: pairs[k] for k in w}, w, rule)


def mixture_price_draws(mix: PriceMixture, spec, dates, n: int, rng: np.random.Generator):
    """Which series each draw uses, and each series' price draws for its draws (in draw order).

    One stream of ``rng``: the components (none drawn for a single series), then per series
    its line and scatter (:func:`~scaling.forecast.draws.price_log10_draws`), its energy
    trend's and its TCO inputs on the purchase basis: a one-series mixture takes exactly
    the numbers a forecast on that series alone takes.

    Returns
    -------
    component : ndarray of int (n,)
    parts : list of dict
        Per series: ``name``, ``rows`` (boolean mask), ``price_trend``, ``energy_trend``,
        ``line``, ``noise``, ``line_w``, ``noise_w``, ``tco_draws`` (None off the purchase basis).
    """
    names = mix.names
    p = np.array([mix.weights[k] for k in names], dtype=float)
    component = rng.choice(len(names), size=n, p=p / p.sum()) if len(names) > 1 else np.zeros(n, dtype=int)
    parts = []
    for i, name in enumerate(names):
        rows = component == i
        k = int(np.count_nonzero(rows))
        if k == 0:
            continue
        price, energy = mix.trends[name]
        part = {"name": name, "rows": rows, "price_trend": price, "energy_trend": energy}
        part["line"], part["noise"] = price_log10_draws(price, dates, k, rng, scatter=spec.price_scatter,
                                                        doubling_years=spec.price_doubling_years)
        if energy is not None:
            part["line_w"], part["noise_w"] = price_log10_draws(energy, dates, k, rng, scatter=spec.price_scatter)
            part["tco_draws"] = spec.tco_assumptions().draw(k, rng)
        else:
            part["line_w"] = part["noise_w"] = part["tco_draws"] = None
        parts.append(part)
    return component, parts


def mixture_log_price(component: np.ndarray, parts: list, n_dates: int, pricing, decompose: bool):
    r"""log10 $ per peak FLOP of every draw and date, and the price sources' changes for the decomposition.

    ``pricing(part)`` gives ``(basis, log_usd_per_flop)`` of a series (see
    :func:`scaling.forecast.core._pricing`). The changes of ``price_trend``, ``price_scatter``
    and ``tco`` are each series' own (:func:`scaling.forecast.decompose.price_changes`, its
    medians over its own draws); ``price_series`` (with more than one series) replaces each
    draw's series mean of log price by the mean over all draws, date by date:
    :math:`\delta_i(t) = \overline{x}(t) - \overline{x}_{k_i}(t)`.

    Returns
    -------
    log_price : ndarray (n, n_dates)
    changes : dict source -> ndarray (n, n_dates), empty without ``decompose``
    bases : dict series -> basis
    """
    from .decompose import price_changes

    n = component.size
    log_price = np.empty((n, n_dates))
    changes: dict[str, np.ndarray] = {}
    bases = {}
    for part in parts:
        rows = part["rows"]
        basis, log_usd_per_flop = pricing(part)
        bases[part["name"]] = basis
        args = (part["line"], part["noise"], part["line_w"], part["noise_w"], part["tco_draws"])
        lp = log_usd_per_flop(*args)
        log_price[rows] = lp
        if decompose:
            for source, change in price_changes(basis, *args, lp, log_usd_per_flop).items():
                changes.setdefault(source, np.zeros((n, n_dates)))[rows] = change
    if decompose and len(parts) > 1:
        overall = log_price.mean(axis=0)
        shift = np.zeros((n, n_dates))
        for part in parts:
            shift[part["rows"]] = overall - log_price[part["rows"]].mean(axis=0)
        changes["price_series"] = shift
    return log_price, changes, bases
