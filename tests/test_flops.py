"""One home per concept (issue 19): the FLOPs of a transformer, chip-hours and dollars, and GPT-3's size."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import numpy as np
import pytest

from scaling import _flops, cost, sizing, sunyan2023
from scaling.errors import ScalingError

PKG = Path(__file__).resolve().parent.parent / "scaling"


def test_checked_functions_are_the_arithmetic():
    n, d = np.array([1e6, 7e9, 175e9]), np.array([2e10, 1.4e12, 300e9])
    for arch in cost.ARCHITECTURES:
        assert np.array_equal(cost.training_flops(n, d, arch), _flops.training_flops(n, d, arch))
        assert np.array_equal(cost.inference_flops_per_token(n, arch), _flops.inference_flops_per_token(n, arch))
        assert np.array_equal(cost.training_flops_per_token(n, arch), _flops.training_flops_per_token(n, arch))
    assert cost.training_flops(175e9, 300e9) == 6 * 175e9 * 300e9
    hours, usd = cost.compute_cost_usd(3.15e23, 275e12, 0.462, 2.03)
    rate = _flops.flops_per_chip_hour(275e12, 0.462)
    assert (hours, usd) == _flops.compute_cost(3.15e23, rate, 2.03)
    assert cost.chip_hours_of(3.15e23, 275e12, 0.462) == hours == 3.15e23 / (3600 * 275e12 * 0.462)


def test_arithmetic_is_unchecked_and_the_public_home_checks():
    """NaN (an unreachable answer among posterior draws) passes through the arithmetic; the public
    functions refuse it with a ScalingError."""
    assert np.isnan(_flops.training_flops(np.nan, 1e9))
    assert np.isnan(_flops.compute_cost(np.nan, 1e18, 2.0)[1])
    assert _flops.tokens_for_flops(6e20, 1e9) == 1e11
    assert _flops.inference_flops(1e9, 1e3) == 2e12
    with pytest.raises(ScalingError, match="n_params"):
        cost.training_flops(np.nan, 1e9)
    with pytest.raises(ScalingError, match="architecture"):
        cost.training_flops(1e9, 1e9, "transformer")


def test_gpt3_is_defined_once():
    assert sizing.GPT3_N_PARAMS is _flops.GPT3_N_PARAMS and sizing.GPT3_N_TOKENS is _flops.GPT3_N_TOKENS
    assert sunyan2023.ARTICLE_INPUTS["gpt3_n_params"] is _flops.GPT3_N_PARAMS
    assert sunyan2023.ARTICLE_INPUTS["gpt3_n_tokens"] is _flops.GPT3_N_TOKENS
    from scaling.forecast.algorithmic import GPT3_AS_BUILT_FLOPS

    assert GPT3_AS_BUILT_FLOPS == cost.training_flops(sizing.GPT3_N_PARAMS, sizing.GPT3_N_TOKENS)


#: Files that still write 6ND / 2N / 3600 as literals, with the reason; shrink this list, never grow it.
LITERALS_LEFT = {
    "_flops.py": "the one home",
    "plot/fits.py": "C / 6N of the isoFLOP and contour figures (to do: scaling._flops.tokens_for_flops)",
    "capability/data.py": "6ND where a model's compute is missing (to do: scaling._flops.training_flops)",
    "hardware/data.py": "3600 F / p_h, peak FLOP per dollar of rental (to do: scaling._flops.flops_per_chip_hour)",
    "cost/tco.py": "SECONDS_PER_YEAR = 365.25 x 24 x 3600, a unit of time",
    "library.py": "the data range of Kaplan et al.'s runs, 6 x N x D (to do: scaling._flops.training_flops)",
}


def _flops_literals(text: str) -> list[tuple[int, str]]:
    """(line, token) of every literal 6, 6.0, 2.0 or 3600 beside a ``*`` or ``/`` in code (comments and
    strings, docstrings included, are not code)."""
    toks = [t for t in tokenize.generate_tokens(io.StringIO(text).readline)
            if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)]
    found = []
    for i, t in enumerate(toks):
        if t.type != tokenize.NUMBER or t.string not in ("6", "6.0", "2.0", "3600", "3600.0"):
            continue
        before = toks[i - 1].string if i else ""
        after = toks[i + 1].string if i + 1 < len(toks) else ""
        # 2.0 is also a half, a square and a default: only "2.0 * n..." (a parameter count) counts
        if t.string == "2.0" and not (after == "*" and re.fullmatch(r"n(_\w+)?", toks[i + 2].string)):
            continue
        if before in ("*", "/", "(") and after in ("*", "/", ")") or after == "*" or before in ("*", "/"):
            found.append((t.start[0], t.string))
    return found


def test_flops_literals_have_one_home():
    """6ND, 2N and 3600 s/h are written in scaling._flops and read from there (issue 19), except the
    files of LITERALS_LEFT; the scan itself can fail."""
    assert _flops_literals("c = 6.0 * n * d\n") == [(1, "6.0")]
    assert _flops_literals('"""6 * N * D"""\nx = 2.0 ** y * 2.0 * np.pi  # 6 * n\n') == []
    assert _flops_literals("f = 2.0 * n_b * t\n") == [(1, "2.0")]
    offenders = {}
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).as_posix()
        hits = _flops_literals(path.read_text())
        if hits and rel not in LITERALS_LEFT:
            offenders[rel] = hits
    assert not offenders, offenders
