"""The progress helper: an ETA only from a measured rate, silence off a terminal."""

from __future__ import annotations

import io
import sys
import time

import numpy as np
import pytest

from scaling import _progress
from scaling._progress import Activity, Progress, eta_seconds


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_no_eta_until_the_rate_is_measured():
    assert eta_seconds(1, 4000, 0.001, 1) is None  # the first update: no guess (click said 01:09:06)
    assert eta_seconds(2000, 4000, 0.5, 5) is None  # under a second
    assert eta_seconds(1000, 4000, 1.0, 2) is None  # too few updates
    assert eta_seconds(1000, 4000, 1.0, 3) == 3.0  # 3000 left at 1000/s


def test_silent_when_not_a_terminal():
    out = io.StringIO()
    with Progress("bootstrap", total=10, file=out) as bar:
        for k in range(11):
            bar.update(k)
    with Activity("sampling", file=out):
        pass
    assert out.getvalue() == ""


def test_bar_on_a_terminal(monkeypatch):
    out = _Tty()
    ticks = iter(range(1000))
    monkeypatch.setattr(_progress.time, "perf_counter", lambda: 0.25 * next(ticks))  # every call 0.25 s later
    with Progress("bootstrap", total=400, file=out) as bar:
        for done in (100, 200, 300):
            bar.update(done)
    text = out.getvalue()
    assert "bootstrap [" in text and "300/400" in text and "ETA 0:0" in text
    assert "ETA" not in text.split("\r")[2]  # no ETA at the first update
    assert text.endswith("\n")


def test_activity_on_a_terminal():
    out = _Tty()
    with Activity("sampling", file=out, interval=0.01):
        pass
    assert "sampling ... done in" in out.getvalue()


def test_bar_follows_a_count_from_a_thread():
    out = _Tty()
    done = [0]
    with Progress("sampling", total=50, file=out, follow=lambda: done[0], interval=0.005):
        for _ in range(50):
            done[0] += 1
            time.sleep(0.001)
    text = out.getvalue()
    assert "sampling [" in text
    assert text.split("\r")[-1].split("]")[1].split()[1] == "50/50"  # the last redraw reads the final count
    quiet = io.StringIO()
    with Progress("sampling", total=50, file=quiet, follow=lambda: 1 / 0):  # never polled off a terminal
        pass
    assert quiet.getvalue() == ""


def _tiny_model():
    import pymc as pm

    with pm.Model() as model:
        pm.Normal("x", 0.0, 1.0)
        pm.HalfNormal("s", 1.0)
    return model


@pytest.mark.slow
@pytest.mark.parametrize("sampler", ["nutpie", "pymc"])
def test_sampler_bar_counts_every_draw_and_keeps_the_draws(sampler, monkeypatch):
    from scaling.bayes.samplers import sample

    kwargs = dict(sampler=sampler, draws=30, tune=50, chains=2, seed=7, target_accept=0.8)
    quiet, _ = sample(_tiny_model(), progress=False, **kwargs)
    out = _Tty()
    monkeypatch.setattr(sys, "stderr", out)
    shown, _ = sample(_tiny_model(), progress=True, **kwargs)
    monkeypatch.undo()
    text = out.getvalue()
    assert "compiling the model" in text and "done in" in text
    assert f"NUTS ({sampler}, 2 chains) [" in text and "160/160" in text  # 2 x (50 + 30), tuning included
    np.testing.assert_array_equal(quiet.posterior["x"].values, shown.posterior["x"].values)
