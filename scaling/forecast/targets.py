"""What a forecast reaches: a reference model's loss, a loss, a model's (N, D), or a benchmark score.

:func:`parse_target` reads a target as written in a scenario file or on the command line
(``"gpt3"``, ``2.0``, ``"175e9,300e9"``, ``[70e9, 1.4e12]``, ``"capability:MMLU=0.439"``);
:func:`target_spec` classifies a law target (a reference model of
``datasets/reference_models.csv``, or a loss in nats per token below :data:`MAX_TARGET_LOSS`)
and refuses anything else with a :class:`~scaling.errors.ScalingError` naming it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._checks import check_number, units_warnings
from ..errors import ScalingError
from ..sizing import GPT3_N_PARAMS, GPT3_N_TOKENS

__all__ = ["MAX_TARGET_LOSS", "reference_models", "parse_target", "target_spec", "target_text", "target_warnings"]

#: Largest target loss (nats per token) a forecast accepts: a uniform distribution over a
#: 250k-token vocabulary has 12.4 nats; a larger "loss" is a mistake (e.g. a parameter count).
MAX_TARGET_LOSS = 20.0


def _positive(name: str, value) -> float:
    """A finite number > 0: :func:`scaling._checks.check_number`."""
    return float(check_number(name, value, low=0.0))


def reference_models() -> pd.DataFrame:
    """The named models a target may be (``datasets/reference_models.csv``)."""
    from .. import datasets

    return datasets.load("reference_models")


def _reference_model(name: str) -> tuple[float, float, str] | None:
    key = name.strip().lower().replace("_", "-")
    if key in ("gpt3", "gpt-3"):
        return GPT3_N_PARAMS, GPT3_N_TOKENS, "GPT-3"
    refs = reference_models()
    hit = refs[refs["name"].str.lower().str.replace("_", "-") == key]
    if hit.empty:
        return None
    row = hit.iloc[0]
    return float(row["n_params"]), float(row["n_tokens"]), str(row["name"])


def parse_target(value):
    """A target as written (TOML value or command-line text) -> a name, a loss (float) or (n_params, n_tokens).

    ``"175e9,300e9"`` and ``[175e9, 300e9]`` are a model; a numeric string is a loss; any
    other string is kept (a reference model's name or ``capability:BENCH=SCORE``).
    """
    if isinstance(value, (list, tuple)):
        if len(value) != 2 or not all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                                      for v in value):
            raise ScalingError(f"target {value!r}: a list target is [n_params, n_tokens], two numbers "
                               "(e.g. [175e9, 300e9])")
        return tuple(float(v) for v in value)
    if not isinstance(value, str):
        return value  # a number (or something target_spec refuses by name)
    v = value.strip()
    if "," in v:
        parts = v.split(",")
        try:
            if len(parts) == 2:
                return (float(parts[0]), float(parts[1]))
        except ValueError:
            pass
        raise ScalingError(f"target {value!r}: give a loss (2.0), N,D (175e9,300e9) or a reference model name")
    try:
        return float(v)
    except ValueError:
        return v


def target_spec(target) -> tuple[str, Any]:
    """Classify a law target: ("model", (n, d, name)) or ("loss", loss); ScalingError otherwise."""
    if isinstance(target, str):
        ref = _reference_model(target)
        if ref is None:
            names = ", ".join(["gpt3", *reference_models()["name"]])
            raise ScalingError(f"unknown target {target!r}; use a loss (float), (n_params, n_tokens) or a "
                               f"reference model: {names}")
        return "model", ref
    if isinstance(target, (tuple, list)) and len(target) == 2:
        n, d = (_positive("target n_params", target[0]), _positive("target n_tokens", target[1]))
        return "model", (n, d, None)
    if isinstance(target, (int, float, np.integer, np.floating)) and not isinstance(target, bool):
        loss = _positive("target loss", target)
        if loss > MAX_TARGET_LOSS:
            raise ScalingError(
                f"target loss {loss:g} is above {MAX_TARGET_LOSS:g} nats per token: a loss is a few nats; "
                "a number like 175e9 is a parameter count, give a model as (n_params, n_tokens)")
        return "loss", loss
    raise ScalingError(f"target must be a reference model name, a loss or (n_params, n_tokens), got {target!r}")


def target_text(kind: str, spec) -> str:
    """The target in words, for the forecast's header (``GPT-3-equivalent loss (...)``)."""
    if kind == "loss":
        return f"loss {spec:g}"
    n, d, name = spec
    if name == "GPT-3":
        return "GPT-3-equivalent loss (L(175e9, 300e9) under the fit)"
    label = f"{name}'s loss" if name else "the loss"
    return f"{label} (L({n:.3g}, {d:.3g}) under the fit)"


def target_warnings(target) -> list:
    """``units`` warnings for a target model given as (n_params, n_tokens) in other units (e.g. billions)."""
    kind, spec = target_spec(target)
    if kind != "model" or spec[2] is not None:  # a loss, or a reference model of the package's table
        return []
    return units_warnings(spec[0], [spec[1] / spec[0]], what="the target model")
