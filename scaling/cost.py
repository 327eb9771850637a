"""What large language models cost: FLOPs -> chip-hours -> dollars, memory, energy, queries.

The framework of Sunyan (2023), "The Economics of Large Language Models", for dense
decoder-only transformers (Kaplan et al. 2020, Section 2.1):

* FLOPs per token: about :math:`2N` to serve (forward pass) and :math:`6N` to train
  (forward + backward); encoder-decoder models: :math:`N` and :math:`3N`.
* Training compute :math:`C = 6ND`.
* Chip time :math:`C / (\\text{peak FLOP/s} \\times \\text{MFU})`; cost = chip-hours x $ per chip-hour.
* Training memory about 20 bytes per parameter (mixed-precision Adam), activations excluded.

Every function is pure and broadcasts over numpy arrays (pass arrays to sweep a grid).
Inputs are checked: a bad value raises :class:`ValueError` (or :class:`TypeError` for a
non-number) that names the argument and the allowed range. Dated price points live in
:data:`PRICE_POINTS`; no formula hides a price.

Examples
--------
>>> from scaling import cost
>>> run = cost.training_cost(175e9, 300e9, hardware="tpu-v4", mfu=0.462, usd_per_chip_hour=2.03)
>>> f"{run.compute_flops:.3g} FLOPs, {run.chip_hours:.4g} chip-hours, ${run.cost_usd / 1e6:.2f}M"
'3.15e+23 FLOPs, 6.887e+05 chip-hours, $1.40M'
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, fields
from datetime import date
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np
import pandas as pd

__all__ = [
    "PRICE_POINTS", "PricePoint", "price_point", "WORDS_PER_TOKEN", "TRAINING_BYTES_PER_PARAM",
    "HOURS_PER_YEAR", "ARCHITECTURES", "PRECISIONS",
    "training_flops", "training_flops_per_token", "inference_flops_per_token",
    "Accelerator", "resolve_accelerator", "known_accelerators", "peak_flops_per_s",
    "chip_seconds", "chip_hours", "implied_mfu", "TrainingCost", "training_cost",
    "inference_tokens_per_s", "InferenceCost", "inference_cost",
    "training_memory_bytes", "chips_for_memory", "TrainingMemory", "training_memory", "format_bytes",
    "energy_kwh", "energy_cost_usd", "amortised_usd_per_chip_hour",
    "factor_per_year", "factor_over_years", "cost_after_generations",
    "words_to_tokens", "tokens_to_words", "usd_per_1k_tokens_from_words", "provider_usd_per_1k_tokens",
    "QueryCost", "query_cost", "searches_per_year", "revenue_per_query", "apply_reductions",
    "format_usd", "format_si",
]

# --------------------------------------------------------------------------------------
# Documented defaults: dated price points and conventions
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PricePoint:
    """A dated price (or rate) with its unit and source."""

    key: str
    value: float
    unit: str
    date: str
    source: str
    note: str = ""


def _pp(*args, **kw) -> tuple[str, PricePoint]:
    point = PricePoint(*args, **kw)
    return point.key, point


_SEED = 'Sunyan (2023), "The Economics of Large Language Models"'

#: Dated price points used as documented defaults (Sunyan 2023, "Price points"; provider
#: price pages). Look one up with :func:`price_point`; nothing else in this module reads them.
PRICE_POINTS: Mapping[str, PricePoint] = MappingProxyType(dict([
    _pp("aws-p4d-on-demand", 32.77, "usd_per_instance_hour", "2021-22",
        "AWS EC2 p4d.24xlarge price page", "8 x A100 40GB per instance"),
    _pp("aws-p4d-1yr", 19.22, "usd_per_instance_hour", "2021-22",
        "AWS EC2 p4d.24xlarge price page; used by " + _SEED, "1-year reserved; 8 x A100 40GB"),
    _pp("aws-p4d-3yr", 11.57, "usd_per_instance_hour", "2021-22",
        "AWS EC2 p4d.24xlarge price page", "3-year reserved; 8 x A100 40GB"),
    _pp("aws-p5-on-demand", 98.32, "usd_per_instance_hour", "2023-07",
        "AWS EC2 p5.48xlarge launch price", "8 x H100 per instance"),
    _pp("gcp-tpu-v4-on-demand", 3.22, "usd_per_chip_hour", "2022-23", "Google Cloud TPU pricing page"),
    _pp("gcp-tpu-v4-1yr", 2.03, "usd_per_chip_hour", "2022-23",
        "Google Cloud TPU pricing page; used by " + _SEED, "1-year commitment"),
    _pp("gcp-tpu-v4-3yr", 1.45, "usd_per_chip_hour", "2022-23", "Google Cloud TPU pricing page",
        "3-year commitment"),
    _pp("gcp-tpu-v5e-on-demand", 1.20, "usd_per_chip_hour", "2023-24", "Google Cloud TPU pricing page"),
    _pp("gcp-tpu-v5p-on-demand", 4.20, "usd_per_chip_hour", "2023-24", "Google Cloud TPU pricing page"),
    _pp("h100-rental-2024-01", 3.49, "usd_per_chip_hour", "2024-01", "H100 rental market quotes"),
    _pp("h100-rental-2025", 2.50, "usd_per_chip_hour", "2025", "H100 rental market quotes",
        "midpoint of the ~$2-3 range"),
    _pp("openai-davinci-api", 0.02, "usd_per_1k_tokens", "2022",
        "OpenAI API price for GPT-3 davinci; used by " + _SEED),
    _pp("electricity-us-industrial-low", 0.067, "usd_per_kwh", "2020-23", "US EIA industrial average"),
    _pp("electricity-us-industrial-high", 0.083, "usd_per_kwh", "2020-23", "US EIA industrial average"),
    _pp("pue-hyperscaler", 1.10, "ratio", "2020s", "hyperscaler data-centre reports"),
    _pp("pue-industry-average", 1.56, "ratio", "2024", "Uptime Institute global survey 2024"),
]))

#: Words per token (1K tokens = 750 words, OpenAI's rule of thumb for English).
WORDS_PER_TOKEN = 0.75
#: Training memory per parameter in bytes: fp16 weights and gradients (2 + 2), fp32 master
#: weights, Adam moments (4 + 4 + 4) and headroom: the ~20 bytes of Sunyan (2023).
TRAINING_BYTES_PER_PARAM = 20.0
#: Hours in a calendar year (365.25 days).
HOURS_PER_YEAR = 365.25 * 24.0
#: FLOPs per parameter per token: (inference, training).
ARCHITECTURES: Mapping[str, tuple[float, float]] = MappingProxyType({
    "decoder": (2.0, 6.0),
    "encoder-decoder": (1.0, 3.0),
})
#: Precision name -> column of the accelerators table. ``tensor16`` (dense tensor-core
#: FP16/BF16) is the default everywhere.
PRECISIONS: Mapping[str, str] = MappingProxyType({
    "tensor16": "tensor16_flops_per_s",
    "bf16": "tensor16_flops_per_s",
    "fp16": "fp16_flops_per_s",
    "fp32": "fp32_flops_per_s",
    "tf32": "tf32_flops_per_s",
    "fp8": "fp8_flops_per_s",
    "int8": "int8_ops_per_s",
})


def price_point(key: str) -> PricePoint:
    """Look up a dated price point by key (see :data:`PRICE_POINTS`)."""
    try:
        return PRICE_POINTS[key]
    except (KeyError, TypeError):
        raise ValueError(f"unknown price point {key!r}; known: {', '.join(PRICE_POINTS)}") from None


# --------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------


def _num(name: str, value: Any) -> np.ndarray:
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a number or an array of numbers, got {value!r}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {_show(arr)}")
    return arr


def _show(arr: np.ndarray) -> str:
    bad = arr if arr.ndim == 0 else arr.ravel()[0]
    return repr(float(bad))


def _check(name: str, value: Any, *, low: float = 0.0, high: float = math.inf,
           low_open: bool = True, high_open: bool = True, integer: bool = False) -> np.ndarray:
    """Convert to a float array and check ``low < value <= high`` style bounds."""
    arr = _num(name, value)
    too_low = arr <= low if low_open else arr < low
    too_high = arr >= high if high_open else arr > high
    bad = too_low | too_high
    if integer:
        bad = bad | (arr != np.round(arr))
    if np.any(bad):
        first = float(np.ravel(arr)[np.flatnonzero(np.ravel(bad))[0]])
        kind = "an integer" if integer else "a number"
        if math.isinf(high):
            allowed = f"{'>' if low_open else '>='} {low:g}"
        else:
            allowed = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be {kind} {allowed}, got {first:g}")
    return arr


def _positive(name, value):
    return _check(name, value, low=0.0)


def _nonneg(name, value):
    return _check(name, value, low=0.0, low_open=False)


def _fraction(name, value, *, zero_ok=False, one_ok=True):
    """A share: (0, 1] by default."""
    return _check(name, value, low=0.0, high=1.0, low_open=not zero_ok, high_open=not one_ok)


def _out(x):
    """Plain float for scalar results, the array otherwise."""
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def _arch(architecture: str) -> tuple[float, float]:
    try:
        return ARCHITECTURES[architecture]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown architecture {architecture!r}; known: {', '.join(ARCHITECTURES)}"
        ) from None


# --------------------------------------------------------------------------------------
# FLOPs
# --------------------------------------------------------------------------------------


def training_flops_per_token(n_params, architecture: str = "decoder"):
    """Training FLOPs per token: :math:`6N` (decoder) or :math:`3N` (encoder-decoder).

    Forward pass :math:`2N`, backward pass about twice that (Kaplan et al. 2020, Sec. 2.1).
    """
    return _out(_arch(architecture)[1] * _positive("n_params", n_params))


def training_flops(n_params, n_tokens, architecture: str = "decoder"):
    """Training compute of a dense transformer.

    .. math:: C = 6 N D \\quad (\\text{encoder-decoder: } 3 N D)

    Parameters
    ----------
    n_params : float or array_like
        Parameters :math:`N` (> 0).
    n_tokens : float or array_like
        Training tokens :math:`D` (> 0).
    architecture : {"decoder", "encoder-decoder"}
        Encoder-decoder models spend about half the FLOPs per parameter (each token passes
        through either the encoder or the decoder half).

    Returns
    -------
    float or numpy.ndarray
        FLOPs (broadcast over the inputs).

    References
    ----------
    Kaplan et al. (2020), "Scaling Laws for Neural Language Models", Sec. 2.1;
    Sunyan (2023), "The Economics of Large Language Models".

    Examples
    --------
    >>> training_flops(175e9, 300e9)
    3.15e+23
    """
    n = _positive("n_params", n_params)
    d = _positive("n_tokens", n_tokens)
    return _out(_arch(architecture)[1] * n * d)


def inference_flops_per_token(n_params, architecture: str = "decoder"):
    """Inference (forward-pass) FLOPs per token.

    .. math:: 2N \\quad (\\text{encoder-decoder: } N)

    Attention over the context adds :math:`2 n_{layer} n_{ctx} d_{attn}` per token, small
    next to :math:`2N` for large models and ignored here (Kaplan et al. 2020, Table 1).
    """
    return _out(_arch(architecture)[0] * _positive("n_params", n_params))


# --------------------------------------------------------------------------------------
# Accelerators
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accelerator:
    """One accelerator from the shipped ``accelerators`` table (Epoch AI).

    Peak rates are dense FLOP/s per chip; NaN where the table has no value.
    """

    name: str
    alias: str
    vendor: str
    release_date: date | None
    release_price_usd: float
    fp32_flops_per_s: float
    tf32_flops_per_s: float
    tensor16_flops_per_s: float
    fp16_flops_per_s: float
    fp8_flops_per_s: float
    int8_ops_per_s: float
    tdp_w: float
    memory_bytes: float
    memory_bandwidth_bytes_per_s: float

    def peak_flops_per_s(self, precision: str = "tensor16") -> float:
        """Peak dense FLOP/s per chip at ``precision`` (see :data:`PRECISIONS`)."""
        column = _precision_column(precision)
        value = float(getattr(self, column))
        if not np.isfinite(value):
            raise ValueError(
                f"{self.name}: the accelerators table has no {precision} peak ({column}); "
                "pass the peak FLOP/s as a number instead"
            )
        return value

    def summary(self) -> pd.DataFrame:
        """The fields as a one-column DataFrame (index: field name)."""
        return pd.DataFrame({"value": pd.Series(asdict(self), dtype=object)})


def _precision_column(precision: str) -> str:
    try:
        return PRECISIONS[str(precision).lower()]
    except KeyError:
        raise ValueError(f"unknown precision {precision!r}; known: {', '.join(PRECISIONS)}") from None


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", str(text).lower())


@lru_cache(maxsize=1)
def _accelerator_index() -> tuple[dict[str, Accelerator], tuple[str, ...]]:
    from . import datasets

    table = datasets.load("accelerators")
    index: dict[str, Accelerator] = {}
    aliases = []

    def f(v):
        return float(v) if pd.notna(v) else math.nan

    for _, r in table.iterrows():
        released = r["release_date"]
        acc = Accelerator(
            name=str(r["name"]),
            alias=str(r["alias"]),
            vendor=str(r["vendor"]) if pd.notna(r["vendor"]) else "",
            release_date=released.date() if pd.notna(released) else None,
            release_price_usd=f(r["release_price_usd"]),
            **{c: f(r[c]) for c in ("fp32_flops_per_s", "tf32_flops_per_s", "tensor16_flops_per_s",
                                    "fp16_flops_per_s", "fp8_flops_per_s", "int8_ops_per_s", "tdp_w",
                                    "memory_bytes", "memory_bandwidth_bytes_per_s")},
        )
        # Aliases win over full names if both ever normalise to the same key.
        if acc.alias:
            index[_norm(acc.alias)] = acc
            aliases.append(acc.alias)
        index.setdefault(_norm(acc.name), acc)
    return index, tuple(aliases)


def known_accelerators() -> list[str]:
    """Short names (aliases) accepted by :func:`resolve_accelerator`; full names work too."""
    return list(_accelerator_index()[1])


def resolve_accelerator(name: str | Accelerator) -> Accelerator:
    """Find an accelerator by short alias or full name.

    Matching ignores case and punctuation: ``"tpu-v4"``, ``"TPU v4"`` and ``"Google TPU v4"``
    are the same chip, as are ``"h100"`` and ``"NVIDIA H100 SXM5 80GB"``.

    Raises
    ------
    ValueError
        For an unknown name, listing the known aliases.

    Examples
    --------
    >>> resolve_accelerator("TPU v4").tensor16_flops_per_s
    275000000000000.0
    """
    if isinstance(name, Accelerator):
        return name
    if not isinstance(name, str):
        raise TypeError(f"hardware name must be a string, got {name!r}")
    index, aliases = _accelerator_index()
    try:
        return index[_norm(name)]
    except KeyError:
        raise ValueError(
            f"unknown hardware {name!r}; known aliases: {', '.join(aliases)} "
            "(full names from the accelerators dataset also work)"
        ) from None


def peak_flops_per_s(hardware, precision: str = "tensor16"):
    """Peak FLOP/s per chip: a number (returned checked) or a hardware name (looked up)."""
    if isinstance(hardware, (str, Accelerator)):
        return resolve_accelerator(hardware).peak_flops_per_s(precision)
    return _out(_positive("peak_flops_per_s", hardware))


def _hardware_name(hardware) -> str:
    if isinstance(hardware, (str, Accelerator)):
        return resolve_accelerator(hardware).name
    return ""


# --------------------------------------------------------------------------------------
# Chip time and training cost
# --------------------------------------------------------------------------------------


def chip_seconds(compute_flops, hardware, mfu, precision: str = "tensor16"):
    """Chip-seconds to execute ``compute_flops`` at a model FLOPs utilisation.

    .. math:: t_{chip} = \\frac{C}{\\text{peak FLOP/s} \\times \\text{MFU}}

    Parameters
    ----------
    compute_flops : float or array_like
        FLOPs to execute (> 0).
    hardware : str, Accelerator, float or array_like
        A hardware name (see :func:`resolve_accelerator`) or peak FLOP/s per chip.
    mfu : float or array_like
        Model FLOPs utilisation in (0, 1] (Chowdhery et al. 2022: GPT-3 21.3%, PaLM 46.2%).
    precision : str
        Which peak to use for a named chip (default dense tensor FP16/BF16).
    """
    c = _nonneg("compute_flops", compute_flops)
    peak = np.asarray(peak_flops_per_s(hardware, precision))
    u = _fraction("mfu", mfu)
    return _out(c / (peak * u))


def chip_hours(compute_flops, hardware, mfu, precision: str = "tensor16"):
    """Chip-hours to execute ``compute_flops``: :func:`chip_seconds` / 3600."""
    return _out(np.asarray(chip_seconds(compute_flops, hardware, mfu, precision)) / 3600.0)


def implied_mfu(compute_flops, chip_hours, hardware, precision: str = "tensor16"):
    """The utilisation implied by a run's FLOPs and its chip-hours.

    .. math:: \\text{MFU} = \\frac{C}{3600\\, t_{chip\\,h} \\times \\text{peak FLOP/s}}
    """
    c = _positive("compute_flops", compute_flops)
    h = _positive("chip_hours", chip_hours)
    peak = np.asarray(peak_flops_per_s(hardware, precision))
    return _out(c / (3600.0 * h * peak))


@dataclass(frozen=True)
class TrainingCost:
    """What a training run costs; fields broadcast when the inputs are arrays."""

    n_params: Any
    n_tokens: Any
    architecture: str
    hardware: str
    peak_flops_per_s: Any
    mfu: Any
    usd_per_chip_hour: Any
    compute_flops: Any
    chip_hours: Any
    cost_usd: Any
    n_chips: Any = None
    wall_clock_days: Any = None

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def summary(self) -> pd.DataFrame:
        """One row per scenario (the broadcast inputs), one column per quantity."""
        return _frame(self.to_dict())

    def report(self) -> str:
        """A few readable lines with warnings on unusual inputs."""
        lines = []
        for _, r in self.summary().iterrows():
            text = (f"{format_si(r['compute_flops'])} FLOPs ({r['architecture']}, N={format_si(r['n_params'])}, "
                    f"D={format_si(r['n_tokens'])}) at MFU {r['mfu']:.1%} on "
                    f"{r['hardware'] or format_si(r['peak_flops_per_s']) + 'FLOP/s'}: "
                    f"{format_si(r['chip_hours'])} chip-hours, {format_usd(r['cost_usd'])}")
            if r["wall_clock_days"] is not None and pd.notna(r["wall_clock_days"]):
                text += f", {r['wall_clock_days']:.1f} days on {int(r['n_chips']):,} chips"
            lines.append(text)
        if np.any(np.asarray(self.mfu) > 0.6):
            lines.append("warning: MFU above 60% is higher than any published large-scale run "
                         "(PaLM 46.2%, Chowdhery et al. 2022)")
        return "\n".join(lines)


def _frame(values: dict) -> pd.DataFrame:
    numeric = {k: v for k, v in values.items() if v is not None and not isinstance(v, str)}
    shape = np.broadcast_shapes(*(np.shape(v) for v in numeric.values())) if numeric else ()
    size = int(np.prod(shape)) if shape else 1
    cols = {}
    for k, v in values.items():
        if v is None or isinstance(v, str):
            cols[k] = [v] * size
        else:
            cols[k] = np.broadcast_to(np.asarray(v, dtype=float), shape).ravel() if shape else [float(v)]
    return pd.DataFrame(cols)


def training_cost(n_params, n_tokens, *, hardware, mfu, usd_per_chip_hour, n_chips=None,
                  architecture: str = "decoder", precision: str = "tensor16") -> TrainingCost:
    """Training compute, chip-hours, dollars and (given a chip count) wall-clock days.

    .. math::

        C = 6ND, \\qquad
        t_{chip\\,h} = \\frac{C}{3600 \\cdot \\text{peak} \\cdot \\text{MFU}}, \\qquad
        \\text{cost} = t_{chip\\,h} \\cdot \\$_{chip\\,h}, \\qquad
        \\text{days} = \\frac{t_{chip\\,h}}{24\\, n_{chips}}

    Parameters
    ----------
    n_params, n_tokens : float or array_like
        Parameters and training tokens (> 0).
    hardware : str, Accelerator, float or array_like
        A hardware name (``"tpu-v4"``, ``"a100"``, ``"NVIDIA H100 SXM5 80GB"``) or the peak
        FLOP/s per chip.
    mfu : float or array_like
        Model FLOPs utilisation in (0, 1].
    usd_per_chip_hour : float or array_like
        Price per chip-hour (>= 0); see :data:`PRICE_POINTS` (e.g. ``gcp-tpu-v4-1yr``, $2.03).
    n_chips : int or array_like, optional
        Chips used in parallel; gives ``wall_clock_days``.
    architecture : {"decoder", "encoder-decoder"}
    precision : str
        Peak to use for a named chip (default ``tensor16``, dense FP16/BF16).

    Returns
    -------
    TrainingCost

    References
    ----------
    Sunyan (2023), "The Economics of Large Language Models"; Chowdhery et al. (2022), PaLM,
    Appendix B (model FLOPs utilisation).

    Examples
    --------
    >>> r = training_cost(175e9, 300e9, hardware=275e12, mfu=0.462, usd_per_chip_hour=2.03)
    >>> round(r.cost_usd / 1e6, 2)
    1.4
    """
    flops = training_flops(n_params, n_tokens, architecture)
    peak = peak_flops_per_s(hardware, precision)
    hours = chip_hours(flops, peak, mfu)
    price = _nonneg("usd_per_chip_hour", usd_per_chip_hour)
    days = None
    if n_chips is not None:
        chips = _check("n_chips", n_chips, low=1.0, low_open=False, integer=True)
        days = _out(np.asarray(hours) / chips / 24.0)
        n_chips = _out(chips)
    return TrainingCost(
        n_params=_out(n_params), n_tokens=_out(n_tokens), architecture=architecture,
        hardware=_hardware_name(hardware), peak_flops_per_s=peak, mfu=_out(mfu),
        usd_per_chip_hour=_out(price), compute_flops=flops, chip_hours=hours,
        cost_usd=_out(np.asarray(hours) * price), n_chips=n_chips, wall_clock_days=days,
    )


# --------------------------------------------------------------------------------------
# Inference
# --------------------------------------------------------------------------------------


def inference_tokens_per_s(n_params, hardware, mfu, *, n_chips=1, architecture: str = "decoder",
                           precision: str = "tensor16"):
    """Tokens generated per second by ``n_chips`` chips at utilisation ``mfu``.

    .. math:: \\text{tokens/s} = \\frac{n_{chips} \\cdot \\text{peak} \\cdot \\text{MFU}}{2N}

    Compute-bound throughput (large batches); small-batch decoding is memory-bandwidth
    bound and slower, which a low ``mfu`` stands in for.
    """
    peak = np.asarray(peak_flops_per_s(hardware, precision))
    u = _fraction("mfu", mfu)
    chips = _check("n_chips", n_chips, low=1.0, low_open=False, integer=True)
    return _out(chips * peak * u / np.asarray(inference_flops_per_token(n_params, architecture)))


@dataclass(frozen=True)
class InferenceCost:
    """Serving throughput and $ per 1K tokens; fields broadcast over array inputs."""

    n_params: Any
    architecture: str
    hardware: str
    peak_flops_per_s: Any
    mfu: Any
    chips_per_instance: Any
    usd_per_instance_hour: Any
    tokens_per_s_per_chip: Any
    tokens_per_s_per_instance: Any
    usd_per_1k_tokens: Any

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def summary(self) -> pd.DataFrame:
        return _frame(self.to_dict())

    def report(self) -> str:
        lines = [
            f"{format_si(r['tokens_per_s_per_instance'])} tokens/s per instance of "
            f"{int(r['chips_per_instance'])} x {r['hardware'] or format_si(r['peak_flops_per_s']) + 'FLOP/s'} "
            f"at MFU {r['mfu']:.1%}: ${r['usd_per_1k_tokens']:.3g} per 1K tokens"
            for _, r in self.summary().iterrows()
        ]
        return "\n".join(lines)


def inference_cost(n_params, *, hardware, mfu, usd_per_chip_hour=None, usd_per_instance_hour=None,
                   chips_per_instance=1, architecture: str = "decoder",
                   precision: str = "tensor16") -> InferenceCost:
    """Cost of generating tokens on rented hardware.

    .. math::

        \\text{tokens/s} = \\frac{n_{chips} \\cdot \\text{peak} \\cdot \\text{MFU}}{2N}, \\qquad
        \\$ / 1\\text{K tokens} = \\frac{1000\\; \\$_{instance\\,h}}{3600\\; \\text{tokens/s}}

    Parameters
    ----------
    n_params : float or array_like
    hardware : str, Accelerator, float or array_like
        Hardware name or peak FLOP/s per chip.
    mfu : float or array_like
        Utilisation in (0, 1] (the seed article uses GPT-3's 21.3%).
    usd_per_chip_hour, usd_per_instance_hour : float or array_like
        Give exactly one. An instance holds ``chips_per_instance`` chips (AWS p4d: 8 x A100
        at $19.22/h 1-year reserved, ``PRICE_POINTS["aws-p4d-1yr"]``).
    chips_per_instance : int

    Examples
    --------
    >>> r = inference_cost(175e9, hardware="a100", mfu=0.213, chips_per_instance=8,
    ...                    usd_per_instance_hour=19.22)
    >>> round(r.tokens_per_s_per_instance), round(r.usd_per_1k_tokens, 5)
    (1519, 0.00351)
    """
    if (usd_per_chip_hour is None) == (usd_per_instance_hour is None):
        raise ValueError("give exactly one of usd_per_chip_hour and usd_per_instance_hour")
    chips = _check("chips_per_instance", chips_per_instance, low=1.0, low_open=False, integer=True)
    if usd_per_instance_hour is None:
        per_instance = _nonneg("usd_per_chip_hour", usd_per_chip_hour) * chips
    else:
        per_instance = _nonneg("usd_per_instance_hour", usd_per_instance_hour)
    peak = peak_flops_per_s(hardware, precision)
    per_chip = np.asarray(inference_tokens_per_s(n_params, peak, mfu, architecture=architecture))
    per_inst = per_chip * chips
    return InferenceCost(
        n_params=_out(n_params), architecture=architecture, hardware=_hardware_name(hardware),
        peak_flops_per_s=peak, mfu=_out(mfu), chips_per_instance=_out(chips),
        usd_per_instance_hour=_out(per_instance), tokens_per_s_per_chip=_out(per_chip),
        tokens_per_s_per_instance=_out(per_inst),
        usd_per_1k_tokens=_out(per_instance / 3600.0 / per_inst * 1000.0),
    )


# --------------------------------------------------------------------------------------
# Memory
# --------------------------------------------------------------------------------------


def training_memory_bytes(n_params, bytes_per_param=TRAINING_BYTES_PER_PARAM):
    """Training memory for weights, gradients and optimiser state.

    .. math:: M = b N, \\quad b \\approx 20 \\text{ bytes (mixed-precision Adam)}

    Activations (which depend on batch, sequence length and recomputation) are excluded.
    """
    return _out(_positive("n_params", n_params) * _positive("bytes_per_param", bytes_per_param))


def _memory_per_chip(hardware) -> np.ndarray:
    if isinstance(hardware, (str, Accelerator)):
        acc = resolve_accelerator(hardware)
        if not np.isfinite(acc.memory_bytes):
            raise ValueError(f"{acc.name}: the accelerators table has no memory size; pass bytes instead")
        return np.asarray(acc.memory_bytes)
    return _positive("memory_per_chip_bytes", hardware)


def chips_for_memory(memory_bytes, hardware):
    """Fewest chips whose combined memory holds ``memory_bytes``: :math:`\\lceil M / m_{chip} \\rceil`.

    ``hardware`` is a hardware name (its memory size is looked up) or bytes per chip.
    """
    m = _positive("memory_bytes", memory_bytes)
    per_chip = _memory_per_chip(hardware)
    return _out(np.ceil(m / per_chip))


@dataclass(frozen=True)
class TrainingMemory:
    """Training memory of a model and how many chips it needs."""

    n_params: Any
    bytes_per_param: Any
    memory_bytes: Any
    hardware: str
    memory_per_chip_bytes: Any
    n_chips_exact: Any
    n_chips: Any

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def summary(self) -> pd.DataFrame:
        return _frame(self.to_dict())

    def report(self) -> str:
        return "\n".join(
            f"N={format_si(r['n_params'])} x {r['bytes_per_param']:g} B = {format_bytes(r['memory_bytes'])}: "
            f">= {int(r['n_chips']):,} x {r['hardware'] or format_bytes(r['memory_per_chip_bytes'])} "
            f"({r['n_chips_exact']:.2f}); activations not included"
            for _, r in self.summary().iterrows()
        )


def training_memory(n_params, hardware, bytes_per_param=TRAINING_BYTES_PER_PARAM) -> TrainingMemory:
    """Training memory (:func:`training_memory_bytes`) and chips to hold it (:func:`chips_for_memory`).

    Examples
    --------
    >>> m = training_memory(175e9, "h100")
    >>> format_bytes(m.memory_bytes), m.n_chips
    ('3.5 TB', 44.0)
    """
    mem = training_memory_bytes(n_params, bytes_per_param)
    per_chip = _memory_per_chip(hardware)
    return TrainingMemory(
        n_params=_out(n_params), bytes_per_param=_out(bytes_per_param), memory_bytes=mem,
        hardware=_hardware_name(hardware), memory_per_chip_bytes=_out(per_chip),
        n_chips_exact=_out(np.asarray(mem) / per_chip), n_chips=chips_for_memory(mem, per_chip),
    )


def format_bytes(n_bytes, digits: int = 3) -> str:
    """Decimal units: ``6.8e9 -> '6.8 GB'``, ``3.5e12 -> '3.5 TB'``."""
    x = float(_nonneg("n_bytes", n_bytes))
    for unit, scale in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if x >= scale:
            return f"{x / scale:.{digits}g} {unit}"
    return f"{x:.{digits}g} B"


# --------------------------------------------------------------------------------------
# Energy, amortisation and hardware improvement
# --------------------------------------------------------------------------------------


def _tdp(tdp_w) -> np.ndarray:
    if isinstance(tdp_w, (str, Accelerator)):
        acc = resolve_accelerator(tdp_w)
        if not np.isfinite(acc.tdp_w):
            raise ValueError(f"{acc.name}: the accelerators table has no TDP; pass watts instead")
        return np.asarray(acc.tdp_w)
    return _positive("tdp_w", tdp_w)


def energy_kwh(chip_hours, tdp_w, pue=1.0):
    """Facility energy for a job, assuming chips draw their TDP.

    .. math:: E = t_{chip\\,h} \\cdot \\frac{\\text{TDP}}{1000} \\cdot \\text{PUE}

    Parameters
    ----------
    chip_hours : float or array_like
    tdp_w : float, array_like or hardware name
        Watts per chip (a name looks up the TDP).
    pue : float
        Power usage effectiveness, >= 1 (``PRICE_POINTS``: 1.1 hyperscalers, 1.56 industry).
    """
    h = _nonneg("chip_hours", chip_hours)
    p = _check("pue", pue, low=1.0, low_open=False)
    return _out(h * _tdp(tdp_w) / 1000.0 * p)


def energy_cost_usd(energy_kwh, usd_per_kwh):
    """Electricity cost: :math:`E \\cdot \\$_{kWh}`."""
    return _out(_nonneg("energy_kwh", energy_kwh) * _nonneg("usd_per_kwh", usd_per_kwh))


def amortised_usd_per_chip_hour(purchase_price_usd, lifetime_years, utilisation=1.0):
    """Hardware cost per used chip-hour when a purchase is written off over its lifetime.

    .. math:: \\$_{chip\\,h} = \\frac{P}{L \\cdot 8766 \\cdot u}

    Parameters
    ----------
    purchase_price_usd : float or array_like
    lifetime_years : float or array_like
        Depreciation period (> 0).
    utilisation : float
        Share of calendar hours the chip is busy, in (0, 1].
    """
    p = _nonneg("purchase_price_usd", purchase_price_usd)
    life = _positive("lifetime_years", lifetime_years)
    u = _fraction("utilisation", utilisation)
    return _out(p / (life * HOURS_PER_YEAR * u))


def factor_per_year(factor_per_generation, years_per_generation=2.0):
    """Yearly improvement factor from a per-generation one: :math:`f^{1/T}`.

    >>> round(factor_per_year(1.5), 3), round(factor_per_year(1.8), 3)
    (1.225, 1.342)
    """
    f = _positive("factor_per_generation", factor_per_generation)
    t = _positive("years_per_generation", years_per_generation)
    return _out(f ** (1.0 / t))


def factor_over_years(factor_per_year, years):
    """Compound a yearly factor: :math:`f^{t}` (``years`` may be fractional or negative)."""
    f = _positive("factor_per_year", factor_per_year)
    return _out(f ** _num("years", years))


def cost_after_generations(hardware_cost_usd, energy_cost_usd, n_generations, *,
                           per_dollar_factor, per_watt_factor):
    """Re-price a job on hardware ``n_generations`` newer.

    .. math:: \\text{cost}' = \\frac{H}{f_\\$^{\\,g}} + \\frac{E}{f_W^{\\,g}}

    The hardware part shrinks with throughput per dollar, the energy part with throughput
    per watt (Sunyan 2023 uses x1.5 and x1.8 per ~2-year generation).
    """
    h = _nonneg("hardware_cost_usd", hardware_cost_usd)
    e = _nonneg("energy_cost_usd", energy_cost_usd)
    g = _nonneg("n_generations", n_generations)
    fd = _positive("per_dollar_factor", per_dollar_factor)
    fw = _positive("per_watt_factor", per_watt_factor)
    return _out(h / fd**g + e / fw**g)


# --------------------------------------------------------------------------------------
# Search-query economics
# --------------------------------------------------------------------------------------


def words_to_tokens(n_words, words_per_token=WORDS_PER_TOKEN):
    """Tokens for a word count: :math:`n_{tok} = n_{words} / 0.75` (1K tokens = 750 words)."""
    return _out(_nonneg("n_words", n_words) / _positive("words_per_token", words_per_token))


def tokens_to_words(n_tokens, words_per_token=WORDS_PER_TOKEN):
    """Words for a token count: :math:`n_{words} = 0.75\\, n_{tok}`."""
    return _out(_nonneg("n_tokens", n_tokens) * _positive("words_per_token", words_per_token))


def usd_per_1k_tokens_from_words(usd, n_words, words_per_token=WORDS_PER_TOKEN):
    """Convert a price per word count to a price per 1K tokens.

    .. math:: \\$_{1K\\,tok} = \\frac{\\$}{n_{words} / (1000 \\cdot w)}

    Example: Jasper's $82 per 100K words is 133.3K tokens, so $0.615 per 1K tokens.

    >>> round(usd_per_1k_tokens_from_words(82, 100_000), 3)
    0.615
    """
    p = _nonneg("usd", usd)
    tokens = np.asarray(words_to_tokens(_positive("n_words", n_words), words_per_token))
    return _out(p / (tokens / 1000.0))


def provider_usd_per_1k_tokens(usd_per_1k_tokens, cache_hit_rate=0.0, gross_margin=0.0):
    """What serving costs the provider, from the list price.

    .. math:: c = p\\,(1 - h)(1 - m)

    ``cache_hit_rate`` ``h`` in [0, 1): share of requests answered from a cache at no
    compute; ``gross_margin`` ``m`` in [0, 1): the provider's margin on the price.
    """
    p = _nonneg("usd_per_1k_tokens", usd_per_1k_tokens)
    h = _fraction("cache_hit_rate", cache_hit_rate, zero_ok=True, one_ok=False)
    m = _fraction("gross_margin", gross_margin, zero_ok=True, one_ok=False)
    return _out(p * (1.0 - h) * (1.0 - m))


@dataclass(frozen=True)
class QueryCost:
    """Tokens and cost of answering one query with a language model."""

    prompt_words: Any
    response_words: Any
    n_samples: Any
    n_results: Any
    words_per_result: Any
    prompt_per_sample: bool
    n_words: Any
    n_tokens: Any
    usd_per_1k_tokens: Any
    cache_hit_rate: Any
    gross_margin: Any
    list_price_usd: Any
    cost_usd: Any

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def summary(self) -> pd.DataFrame:
        d = self.to_dict()
        d["prompt_per_sample"] = str(self.prompt_per_sample)
        return _frame(d)

    def report(self) -> str:
        return "\n".join(
            f"{r['n_words']:,.0f} words = {r['n_tokens']:,.0f} tokens: list {format_usd(r['list_price_usd'])}, "
            f"cost {format_usd(r['cost_usd'])} per query"
            for _, r in self.summary().iterrows()
        )


def query_cost(prompt_words, response_words, *, usd_per_1k_tokens, n_samples=1, n_results=0,
               words_per_result=0, cache_hit_rate=0.0, gross_margin=0.0,
               words_per_token=WORDS_PER_TOKEN, prompt_per_sample: bool = False) -> QueryCost:
    """Cost of one query answered by a language model, priced per token.

    .. math::

        W = W_{prompt}\\,(S \\text{ if per sample else } 1) + K W_{result} + S W_{response},
        \\quad n_{tok} = W / w,
        \\quad \\text{cost} = \\frac{n_{tok}}{1000}\\, p\\,(1 - h)(1 - m)

    Parameters
    ----------
    prompt_words, response_words : float or array_like
        Words in the prompt (query) and in each sampled response.
    usd_per_1k_tokens : float or array_like
        List price per 1K tokens (``PRICE_POINTS["openai-davinci-api"]``: $0.02).
    n_samples : int
        Responses generated (the seed article samples 5; the 2-stage summariser writes one
        per retrieved result, so ``n_samples = n_results``).
    n_results, words_per_result : int, float
        Retrieved documents read by the model (K) and their length.
    cache_hit_rate, gross_margin : float in [0, 1)
        See :func:`provider_usd_per_1k_tokens`.
    words_per_token : float
        0.75 (1K tokens = 750 words).
    prompt_per_sample : bool
        Count the prompt once (default) or once per sample. Row 1 of the seed article gives
        $0.0096 (once) or $0.0105 (per sample); both round to its $0.010.

    References
    ----------
    Sunyan (2023), "The Economics of Large Language Models", "LLM-powered search".
    """
    pw = _nonneg("prompt_words", prompt_words)
    rw = _nonneg("response_words", response_words)
    s = _check("n_samples", n_samples, low=1.0, low_open=False, integer=True)
    k = _check("n_results", n_results, low=0.0, low_open=False, integer=True)
    kw = _nonneg("words_per_result", words_per_result)
    if not isinstance(prompt_per_sample, (bool, np.bool_)):
        raise TypeError(f"prompt_per_sample must be True or False, got {prompt_per_sample!r}")
    words = pw * (s if prompt_per_sample else 1.0) + k * kw + s * rw
    tokens = np.asarray(words_to_tokens(words, words_per_token))
    price = _nonneg("usd_per_1k_tokens", usd_per_1k_tokens)
    unit_cost = np.asarray(provider_usd_per_1k_tokens(price, cache_hit_rate, gross_margin))
    return QueryCost(
        prompt_words=_out(pw), response_words=_out(rw), n_samples=_out(s), n_results=_out(k),
        words_per_result=_out(kw), prompt_per_sample=bool(prompt_per_sample), n_words=_out(words),
        n_tokens=_out(tokens), usd_per_1k_tokens=_out(price), cache_hit_rate=_out(cache_hit_rate),
        gross_margin=_out(gross_margin), list_price_usd=_out(tokens / 1000.0 * price),
        cost_usd=_out(tokens / 1000.0 * unit_cost),
    )


def searches_per_year(searches_per_month, penetration_then, penetration_now):
    """Scale a dated search volume by internet penetration.

    .. math:: Q = 12\\, q_{month} \\cdot \\frac{\\pi_{now}}{\\pi_{then}}

    The seed article: 100B searches a month in 2012, penetration 34% -> 60%: 2.1T a year.
    """
    q = _positive("searches_per_month", searches_per_month)
    a = _fraction("penetration_then", penetration_then)
    b = _fraction("penetration_now", penetration_now)
    return _out(12.0 * q * b / a)


def revenue_per_query(revenue_usd, queries_per_year):
    """Revenue per query: :math:`R / Q` (seed article: ~$100B / 2.1T = $0.048)."""
    return _out(_nonneg("revenue_usd", revenue_usd) / _positive("queries_per_year", queries_per_year))


def apply_reductions(cost_usd, factors):
    """Divide a cost by successive reduction factors: :math:`c / \\prod_i f_i`.

    The seed article's optimisation chain: /4 (quantisation, distillation, compute-optimal
    models), then /2 (in-house hardware instead of a 50%-margin cloud).
    """
    c = _nonneg("cost_usd", cost_usd)
    total = np.ones(())
    for i, f in enumerate(factors):
        total = total * _positive(f"factors[{i}]", f)
    return _out(c / total)


# --------------------------------------------------------------------------------------
# Display
# --------------------------------------------------------------------------------------


def format_si(x, digits: int = 4) -> str:
    """Short number: ``688705 -> '688.7k'``, ``1.5e9 -> '1.5B'``, ``3.15e23 -> '3.15e+23'``.

    Suffixes k, M, B, T up to 1e15; scientific notation above.
    """
    x = float(x)
    if not np.isfinite(x):
        return str(x)
    if abs(x) >= 1e15:
        return f"{x:.{digits - 1}g}" if digits > 1 else f"{x:.0e}"
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= scale:
            return f"{x / scale:.{digits}g}{unit}"
    return f"{x:.{digits}g}"


def format_usd(x, digits: int = 3) -> str:
    """Dollars to ``digits`` significant figures: ``1398e3 -> '$1.40M'``, ``312100 -> '$312k'``,
    ``82 -> '$82.0'``, ``0.009567 -> '$0.00957'``."""
    x = float(x)
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= scale:
            v = x / scale
            decimals = max(digits - len(str(int(abs(v)))), 0)
            return f"${v:.{decimals}f}{unit}"
    if not np.isfinite(x) or x == 0:
        return f"${x:g}"
    decimals = max(digits - 1 - math.floor(math.log10(abs(x))), 0)
    return f"${x:.{decimals}f}"
