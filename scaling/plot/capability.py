"""Benchmark accuracy against training compute, by family, with a capability law's curves and bands."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._checks import check_int, check_level
from ..errors import ScalingError
from ..results import DEFAULT_LEVEL
from .. import _style
from ._base import PALETTE, _finish, _new_ax, style
from ._layout import defer_labels, set_legend
from ._units import log_axis

__all__ = ["capability_curve"]

#: GPT-3 (Brown et al. 2020): training compute, FLOPs.
GPT3_COMPUTE = 3.14e23
_TITLES = {"mmlu": "MMLU", "arc_c": "ARC-Challenge", "hellaswag": "HellaSwag", "winogrande": "WinoGrande",
           "truthfulqa": "TruthfulQA", "gsm8k": "GSM8K", "xwinograd": "XWinograd", "humaneval": "HumanEval"}
_FAMILY_COLORS = [PALETTE[i] for i in (0, 2, 3, 4, 5, 6)]  # PALETTE[1] marks GPT-3
SOURCE = ("Data: Ruan, Maddison & Hashimoto (2024), github.com/ryoungj/ObsScaling (Apache-2.0); "
          "GPT-3: Brown et al. (2020), Hendrycks et al. (2021)")


def _pick_families(models: pd.DataFrame, fit, families, n: int) -> list[str]:
    if families is not None:
        wanted = [families] if isinstance(families, str) else list(families)
        unknown = [f for f in wanted if f not in set(models["family"])]
        if unknown:
            raise ScalingError(f"families not in the data: {', '.join(unknown)}")
        return wanted
    # the largest families, then the most compute-efficient of those with two or more models
    counts = models.groupby("family").size().sort_values(ascending=False, kind="stable")
    big = [f for f in counts.index if f in fit.families][: (n + 1) // 2]
    offsets = {f: fit.params.get(f"offset[{f}]", 0.0) for f in counts.index if counts[f] >= 2 and f not in big
               and f in fit.families}
    return big + sorted(offsets, key=lambda f: -offsets[f])[: n - len(big)]


def capability_curve(fit, models: pd.DataFrame | None = None, ax=None, *, families=None, n_families: int = 4,
                     level: float = DEFAULT_LEVEL, compute_max: float = 1e25, size=None, title=None, subtitle=None,
                     source=None):
    r"""Accuracy against training compute: models by family, the law's curves and bands.

    The grey band and dashed line are a *new* family's :math:`\mathrm{acc} = \chi + (\kappa - \chi)
    \sigma(s(\log_{10} C - m + u))` with :math:`u \sim N(0, \tau^2)` and the residual scatter
    (the interval of a new model's score); coloured lines are the fitted curves of the
    families drawn, through their models. The chance level and GPT-3 (3.14e23 FLOPs; its 5-shot
    MMLU 43.9%, Hendrycks et al. 2021, where the benchmark is MMLU) are marked.

    Parameters
    ----------
    fit : CapabilityFit
        A fit of :mod:`scaling.capability` (:func:`scaling.capability.fit` or ``load``) with draws.
    models : DataFrame, optional
        Models to draw (default :func:`scaling.datasets.load_capability`, GPT-3's row included).
    families : str or list of str, optional
        Families to draw in colour (default: the ``n_families`` with most models).
    level : float
        Probability mass of the band.
    compute_max : float
        Right end of the curves (FLOPs).
    size, title, subtitle, source
        As for every plot (size preset; ``True`` for the automatic caption, ``None`` for none).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..capability import CapabilityFit

    if not isinstance(fit, CapabilityFit):
        raise ScalingError(f"expected a CapabilityFit (scaling.capability.fit or load), got {type(fit).__name__}")
    level = check_level(level)
    n_families = check_int("n_families", n_families, 0, 6)
    if models is None:
        from ..datasets import load_capability

        models = load_capability(include_reference=True)
    b = fit.benchmark
    if b not in models.columns:
        raise ScalingError(f"the models table has no {b!r} column to draw")
    known = models[models["compute_flops"].notna() & models[b].notna()]
    ref = known[known.get("role", pd.Series("observed", index=known.index)).astype(str) == "reference"]
    obs = known.drop(ref.index)
    picked = _pick_families(obs, fit, families, n_families)
    lo_x = float(np.log10(obs["compute_flops"].min())) - 0.2
    grid = np.logspace(lo_x, np.log10(compute_max), 120)
    with style(size):
        ax = _new_ax(ax, size)
        area = _style.marker_area(ax.figure.__dict__.get("_scaling_size"), 12)
        band = fit.predict(pd.DataFrame({"compute_flops": grid}), level=level)
        ax.fill_between(grid, 100 * band["lower"], 100 * band["upper"], color="0.6", alpha=0.25, lw=0,
                        label=f"{level:.0%} interval, a new family's model")
        ax.plot(grid, 100 * fit.predict({"compute_flops": grid}), color="0.3", ls="--",
                label="new family (median)")
        rest = obs[~obs["family"].isin(picked)]
        ax.scatter(rest["compute_flops"], 100 * rest[b], s=area, color=PALETTE[7], alpha=0.5, linewidths=0,
                   label="other families")
        for k, fam in enumerate(picked):
            color = _FAMILY_COLORS[k % len(_FAMILY_COLORS)]
            mine = obs[obs["family"] == fam]
            xs = np.logspace(np.log10(mine["compute_flops"].min()) - 0.3, np.log10(compute_max), 60)
            ax.plot(xs, 100 * fit.predict({"compute_flops": xs, "family": [fam] * xs.size}), color=color, lw=1.2)
            ax.scatter(mine["compute_flops"], 100 * mine[b], s=area * 1.3, color=color, linewidths=0, zorder=3,
                       label=f"{fam} ({len(mine)})")
        ax.axhline(100 * fit.chance, color="0.5", lw=0.8, ls=":", label=f"chance ({100 * fit.chance:.0f}%)")
        ax.axvline(GPT3_COMPUTE, color=PALETTE[1], lw=0.8, ls=":")
        if len(ref):
            ax.scatter(ref["compute_flops"], 100 * ref[b], marker="*", s=area * 4, color=PALETTE[1], zorder=4,
                       linewidths=0, label="GPT-3 (reference, not fitted)")
            defer_labels(ax, ref["compute_flops"], 100 * ref[b], ["GPT-3"], color=PALETTE[1])
        ax.set_xscale("log")
        log_axis(ax.xaxis, "power")
        ax.set_xlim(grid[0], grid[-1])
        ax.set_ylim(0, 100)
        ax.set_xlabel("training compute (FLOPs)")
        ax.set_ylabel(f"{_TITLES.get(b, b)} accuracy (%)")
        if set_legend(ax) is not None:
            ax.legend(loc="upper left")
        what = "least squares, bootstrap" if fit.method == "lsq" else "posterior"
        _finish(ax.figure, title, subtitle, source,
                auto_title=f"{_TITLES.get(b, b)} against training compute, by model family",
                auto_subtitle=f"{fit.law} law fitted to {fit.data_range.get('n_models', '?')} models in "
                              f"{len(fit.families)} families ({what}); GPT-3's compute dotted",
                auto_source=SOURCE)
    return ax
