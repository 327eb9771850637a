"""The progress helper: an ETA only from a measured rate, silence off a terminal."""

from __future__ import annotations

import io

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
