r"""The spread of a forecast, shared out by source, and the tidy table of its quantiles.

:func:`_decompose` says, date by date, how much of the fan's log width (its central
:data:`SPREAD_LEVEL` interval) each source of uncertainty (:data:`SOURCES`) accounts for;
:func:`_tidy` summarises joint draws into the tidy table of a
:class:`~scaling.forecast.Forecast` (median and equal-tailed intervals per quantity, level and
date); :func:`_quantiles` is the one quantile routine of both (one sort along the draws).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["SOURCES", "SPREAD_LEVEL", "TRAIN", "INFER", "DECOMPOSITION_COLUMNS", "price_changes"]

#: The two cost quantities of a forecast (column names of its samples and table).
TRAIN = "training_cost_usd"
INFER = "inference_usd_per_1k_tokens"
_TRAIN, _INFER = TRAIN, INFER
#: Columns of :attr:`Forecast.decomposition <scaling.forecast.Forecast.decomposition>`.
DECOMPOSITION_COLUMNS = ["date", "quantity", "source", "share", "source_width_log10", "width_removed_log10",
                         "width_log10", "variance_removed_log10", "sd_log10"]


#: Sources of the decomposition of the spread, in order (``price_series``: the choice of price
#: series and basis of a :class:`~scaling.forecast.price_mixture.PriceMixture`).
SOURCES = ("law_choice", "law_parameters", "price_series", "price_trend", "price_scatter", "utilisation", "tco",
           "algorithmic")


def _quantiles(x: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """``np.quantile(x, qs, axis=0)`` (linear interpolation), from one sort along axis 0.

    Sorting the columns once is several times faster than numpy's partition-based quantile
    along axis 0 of a C-ordered (draws x dates) array; the numbers agree to rounding.
    """
    s = np.sort(x, axis=0)
    n = s.shape[0]
    pos = np.asarray(qs, dtype=float) * (n - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    frac = (pos - lo).reshape((-1,) + (1,) * (s.ndim - 1))
    a, b = s[lo], s[hi]
    with np.errstate(invalid="ignore"):  # two infinite neighbours: the quantile is that infinity
        return np.where(a == b, a, a + frac * (b - a))


def _median_by_date(x) -> np.ndarray:
    """Median over draws (axis 0), shaped to broadcast against ``x``; one number for 1-D ``x``.

    Columns that are all equal (a quantity constant over dates) take one median.
    """
    x = np.asarray(x)
    if x.ndim == 1:
        return np.median(x, keepdims=True)
    if x.shape[1] == 1 or np.array_equal(x, np.broadcast_to(x[:, :1], x.shape)):
        return np.median(x[:, 0]).reshape(1, 1)
    return _quantiles(x, [0.5])


#: Level of the central interval whose width the decomposition shares out (:func:`_decompose`).
SPREAD_LEVEL = 0.9


def _spread(x: np.ndarray) -> np.ndarray:
    """Width of the central :data:`SPREAD_LEVEL` interval over draws (axis 0), per date."""
    lo, hi = _quantiles(x, [(1 - SPREAD_LEVEL) / 2, (1 + SPREAD_LEVEL) / 2])
    return hi - lo


def price_changes(basis, line, noise, line_w, noise_w, tco_draws, log_price, log_usd_per_flop) -> dict:
    """Change of log10 $ per FLOP when one price source is frozen at its median (per date), per draw.

    ``price_trend`` and ``price_scatter`` (and ``tco`` on the purchase basis); ``log_price`` is
    ``log_usd_per_flop(line, noise, line_w, noise_w, tco_draws)``, the unfrozen price.
    """
    if basis == "cloud":  # log price = -(line + noise) + log10(dollar factor)
        return {"price_trend": line - _median_by_date(line), "price_scatter": noise - _median_by_date(noise)}
    return {
        "price_trend": log_usd_per_flop(_median_by_date(line), noise, _median_by_date(line_w), noise_w,
                                        tco_draws) - log_price,
        "price_scatter": log_usd_per_flop(line, _median_by_date(noise), line_w, _median_by_date(noise_w),
                                          tco_draws) - log_price,
        "tco": log_usd_per_flop(line, noise, line_w, noise_w,
                                {k: _median_by_date(v) for k, v in tco_draws.items()}) - log_price,
    }


def _decompose(*, dates, law, log2_gain, n_params, compute, util, util_inf, log_price, price_change) -> pd.DataFrame:
    r"""Share of the spread of log10 cost, per date, that each source accounts for.

    Freezing one source (setting it to its median across draws, per date; for the law,
    removing the spread between laws or within each law) changes each draw's log10 cost by
    :math:`\delta_s`, the source's own term. Its spread is the width of its central interval,
    and the share of source :math:`s` is that width over the sum of the sources' widths:

    .. math:: W_s = q_{0.95}(\delta_s) - q_{0.05}(\delta_s), \qquad
              \text{share}_s = \frac{W_s}{\sum_r W_r}

    (:data:`SPREAD_LEVEL`; column ``source_width_log10``). Quantile widths, not variances:
    the buyer's price scatter is Student-t with few degrees of freedom, whose sample variance
    a handful of extreme draws move from seed to seed (its variance share was 67%, 73% and
    75% at 2023 for seeds 0, 1, 2); at 4,000 draws these shares move by about 0.01 between
    seeds. The width of each source's own term, not the width the fan loses when the source
    is frozen (``width_removed_log10``, :math:`W - W_{-s}`, kept beside it with the fan's
    width ``width_log10``): that difference of two noisy quantiles moved by 0.05-0.07
    between seeds, and the squared widths (additive for normal terms) by 0.02-0.03.
    ``variance_removed_log10`` (:math:`V - V_{-s}`, clipped at 0) and ``sd_log10`` are kept
    for reference.

    Each frozen variant is the full log cost plus the change of one term (``log_price`` is
    log10 $ per peak FLOP of every draw and date; ``price_change`` the price sources' changes,
    :func:`price_changes`, and for a mixture of price series ``price_series``, the change
    when each draw's series mean is replaced by the mean over all draws), so a variant costs
    one addition, one variance and one sort.
    """
    comp = law["component"]
    n_comp = int(comp.max()) + 1
    log_c = np.log10(law["compute"])
    log_n = np.log10(law["n_params"])
    has_algo = bool(np.any(log2_gain != 0))

    def law_change(x, which):
        """Change of the per-draw law term when the spread between (or within) laws is removed."""
        means = np.array([x[comp == i].mean() if np.any(comp == i) else 0.0 for i in range(n_comp)])
        if which == "law_choice":
            return (x.mean() - means[comp])[:, None]
        return (means[comp] - x)[:, None]

    # price_change: log price changes when a price source is frozen (the same for training and inference)
    rows = []
    for quantity, log_law, algo_n_or_c, u in ((_TRAIN, log_c, compute, util), (_INFER, log_n, n_params, util_inf)):
        log_u = np.log10(u)
        algo = np.log10(algo_n_or_c) - log_law[:, None] if has_algo else None  # <= 0: algorithmic shrinkage
        # The constant (3 + log10 2 for inference) does not change a variance.
        total = log_law[:, None] - log_u + log_price + (algo if has_algo else 0.0)
        v_all = np.var(total, axis=0)
        w_all = _spread(total)

        def removed_by(change):
            """(own width W_s, width removed W - W_-s, variance removed) of one source's term."""
            frozen = total + change
            return (_spread(np.broadcast_to(change, total.shape)), w_all - _spread(frozen),
                    v_all - np.var(frozen, axis=0))

        changes = dict(price_change)
        if n_comp > 1:
            changes["law_choice"] = law_change(log_law, "law_choice")
        changes["law_parameters"] = law_change(log_law, "law_parameters")
        changes["utilisation"] = log_u - np.log10(_median_by_date(u))
        if has_algo:
            changes["algorithmic"] = _median_by_date(algo) - algo
        removed = {source: removed_by(changes[source]) for source in SOURCES if source in changes}
        norm = np.sum([w for w, _, _ in removed.values()], axis=0)
        for source, (w, w_removed, v_removed) in removed.items():
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(norm > 0, w / norm, 0.0)
            rows.append(pd.DataFrame({"date": dates, "quantity": quantity, "source": source, "share": share,
                                      "source_width_log10": w, "width_removed_log10": np.maximum(w_removed, 0.0),
                                      "width_log10": w_all, "variance_removed_log10": np.maximum(v_removed, 0.0),
                                      "sd_log10": np.sqrt(v_all)}))
    return pd.concat(rows, ignore_index=True)


def _tidy(samples: Mapping[str, np.ndarray], dates: pd.DatetimeIndex, levels: Sequence[float]) -> pd.DataFrame:
    """The tidy table: per quantity, per level, one row per date (median, lower, upper, level)."""
    qs = [0.5] + [q for lv in levels for q in ((1 - float(lv)) / 2, (1 + float(lv)) / 2)]
    n_t = len(dates)
    cols: dict[str, list] = {"quantity": [], "median": [], "lower": [], "upper": [], "level": []}
    for quantity, x in samples.items():
        x = np.asarray(x)
        if np.all(x[:1] == x[:, :1]) and np.all(x == x[:, :1]):  # constant over dates: one column suffices
            qv = np.repeat(_quantiles(x[:, :1], qs), x.shape[1], axis=1)
        else:
            qv = _quantiles(x, qs)
        for i, lv in enumerate(levels):
            cols["quantity"].append(np.full(n_t, quantity, dtype=object))
            cols["median"].append(qv[0])
            cols["lower"].append(qv[1 + 2 * i])
            cols["upper"].append(qv[2 + 2 * i])
            cols["level"].append(np.full(n_t, float(lv)))
    n_blocks = len(cols["median"])
    return pd.DataFrame({"date": np.tile(np.asarray(dates), n_blocks),
                         **{k: np.concatenate(v) for k, v in cols.items()}})
