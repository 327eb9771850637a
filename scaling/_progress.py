"""The one progress display of ``scaling``: a bar with an ETA, or an elapsed-time ticker.

Both write one line to stderr that they rewrite in place, and nothing at all when
stderr is not a terminal (logs, pipes, tests, ``--json``). The ETA comes from the
measured rate and is shown only once it means something: after at least
:data:`MIN_UPDATES` updates and :data:`MIN_SECONDS` seconds (click's progress bar
estimates from the first update, so a 2.8 s job used to start at "ETA 01:09:06").

Examples
--------
>>> with Progress("bootstrap", total=4000) as bar:        # doctest: +SKIP
...     for done in range(0, 4001, 250):
...         bar.update(done)
>>> with Activity("compiling the model"):                 # doctest: +SKIP
...     compile_model()
>>> with Progress("NUTS", total=4000, follow=count_draws):  # doctest: +SKIP
...     run_sampler()                                     # the count is polled from a thread
"""

from __future__ import annotations

import sys
import threading
import time

from ._format import format_clock

#: Updates and seconds before an ETA is shown.
MIN_UPDATES = 3
MIN_SECONDS = 1.0
#: Least seconds between two redraws.
REDRAW_S = 0.1


def _enabled(file, enabled: bool | None) -> bool:
    if enabled is not None:
        return bool(enabled)
    isatty = getattr(file, "isatty", None)
    return bool(isatty and isatty())


def eta_seconds(done: float, total: float, elapsed: float, updates: int) -> float | None:
    """Seconds left at the measured rate, or None while too little is measured.

    ``(total - done) * elapsed / done``, once ``updates >= MIN_UPDATES`` and
    ``elapsed >= MIN_SECONDS`` and something is done.
    """
    if updates < MIN_UPDATES or elapsed < MIN_SECONDS or done <= 0:
        return None
    return max(total - done, 0) * elapsed / done


class Progress:
    """A progress bar for ``total`` units of work: ``label [####....]  40%  1600/4000  0:02 ETA 0:03``.

    Parameters
    ----------
    label : str
    total : int
    file : text stream, optional
        Default ``sys.stderr`` (looked up when the bar starts).
    enabled : bool, optional
        Force the display on or off; default on exactly when ``file`` is a terminal.
    follow : callable, optional
        ``follow() -> int``, the count done so far, for work that runs where no
        :meth:`update` can be called (e.g. a sampler's own threads): a daemon thread
        polls it every ``interval`` seconds while the bar is open (only when the bar is
        shown), and once more at :meth:`close`.
    interval : float
        Seconds between two polls of ``follow``.
    """

    def __init__(self, label: str, total: int, *, file=None, enabled: bool | None = None, width: int = 24,
                 follow=None, interval: float = 0.2):
        self.label, self.total, self.width = label, max(int(total), 0), width
        self.file = file if file is not None else sys.stderr
        self.enabled = _enabled(self.file, enabled)
        self.done, self.updates = 0, 0
        self.start = time.perf_counter()
        self._last = 0.0
        self.follow, self.interval = follow, interval
        self._stop = threading.Event()
        self._thread = None

    def __enter__(self):
        self.start = time.perf_counter()
        self._draw(force=True)
        if self.enabled and self.follow is not None:
            self._thread = threading.Thread(target=self._poll, daemon=True)
            self._thread.start()
        return self

    def _poll(self):
        while not self._stop.wait(self.interval):
            self.update(self.follow())

    def __exit__(self, *exc):
        self.close()
        return False

    def update(self, done: int) -> None:
        """Set the count done so far (absolute, not an increment)."""
        self.done = min(int(done), self.total) if self.total else int(done)
        self.updates += 1
        self._draw()

    def advance(self, n: int = 1) -> None:
        """Add ``n`` units done."""
        self.update(self.done + n)

    def line(self) -> str:
        """The text of the bar now."""
        elapsed = time.perf_counter() - self.start
        frac = self.done / self.total if self.total else 0.0
        filled = int(round(frac * self.width))
        text = (f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {frac:4.0%}  "
                f"{self.done}/{self.total}  {format_clock(elapsed)}")
        eta = eta_seconds(self.done, self.total, elapsed, self.updates)
        if eta is not None and self.done < self.total:
            text += f" ETA {format_clock(eta)}"
        return text

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self._last < REDRAW_S and self.done < self.total:
            return
        self._last = now
        self.file.write("\r" + self.line() + "\033[K")
        self.file.flush()

    def close(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
        if self.enabled:
            if self.follow is not None:
                done = int(self.follow())
                self.done = min(done, self.total) if self.total else done
            self._draw(force=True)
            self.file.write("\n")
            self.file.flush()
            self.enabled = False


class Activity:
    """An elapsed-time ticker for a step with no count: ``sampling the posterior ... 4 s``.

    A daemon thread redraws the line every ``interval`` seconds; on exit the line
    says ``done in 9.7 s``. ``expected_s`` (e.g. the last run's time) adds an ETA.
    """

    def __init__(self, label: str, *, expected_s: float | None = None, file=None, enabled: bool | None = None,
                 interval: float = 0.5):
        self.label, self.expected_s, self.interval = label, expected_s, interval
        self.file = file if file is not None else sys.stderr
        self.enabled = _enabled(self.file, enabled)
        self._stop = threading.Event()
        self._thread = None
        self.start = time.perf_counter()

    def line(self) -> str:
        elapsed = time.perf_counter() - self.start
        text = f"{self.label} ... {elapsed:.0f} s"
        if self.expected_s and elapsed >= MIN_SECONDS and elapsed < self.expected_s:
            text += f" (ETA {format_clock(self.expected_s - elapsed)})"
        return text

    def _run(self):
        while not self._stop.wait(self.interval):
            self.file.write("\r" + self.line() + "\033[K")
            self.file.flush()

    def __enter__(self):
        self.start = time.perf_counter()
        if self.enabled:
            self.file.write(self.line())
            self.file.flush()
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, exc_type, *exc):
        if self.enabled:
            self._stop.set()
            self._thread.join()
            status = "failed" if exc_type else "done"
            self.file.write(f"\r{self.label} ... {status} in {time.perf_counter() - self.start:.1f} s\033[K\n")
            self.file.flush()
        return False
