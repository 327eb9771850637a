"""Worker processes that die with their parent, and SIGTERM handled like Ctrl-C.

A :class:`concurrent.futures.ProcessPoolExecutor` worker blocked in a long job (or waiting
for its next one) outlives a parent killed by SIGKILL or SIGTERM: nothing tells it the parent
is gone. :func:`start_worker` starts a one-worker pool whose process

* asks Linux to send it SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``, through
  ctypes; see prctl(2)), and, everywhere,
* watches its parent from a daemon thread: when :func:`os.getppid` changes (the parent died
  and the process was re-parented), it exits at once with :func:`os._exit`.

:func:`sigterm_as_interrupt` makes SIGTERM raise :class:`KeyboardInterrupt` in the main
thread, so that a terminated job unwinds like an interrupted one (its ``finally`` blocks stop
the worker; saved files are written atomically, so nothing half-done is left).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time

__all__ = ["start_worker", "stop_worker", "sigterm_as_interrupt", "WATCH_INTERVAL_S"]

#: How often a worker checks that its parent is alive, in seconds.
WATCH_INTERVAL_S = 0.5
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with_parent(parent_pid: int) -> None:
    """Worker initializer: exit when the process ``parent_pid`` is gone (see the module notes)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no libc prctl: the watchdog below still works
            pass
    if os.getppid() != parent_pid:  # the parent died before this ran
        os._exit(1)

    def watch():
        while True:
            time.sleep(WATCH_INTERVAL_S)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="scaling-parent-watchdog", daemon=True).start()


def start_worker(fn, *args):
    """Run ``fn(*args)`` in a new process (spawned) that dies with this one: ``(executor, future)``.

    Raises ``OSError`` or ``RuntimeError`` where processes cannot be started.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_die_with_parent, initargs=(os.getpid(),))
    return executor, executor.submit(fn, *args)


def stop_worker(executor) -> None:
    """Terminate the pool's worker without waiting for it, and shut the pool down."""
    stop = getattr(executor, "terminate_workers", None)  # Python 3.14
    if stop is not None:
        stop()
    else:
        for proc in list((getattr(executor, "_processes", None) or {}).values()):
            proc.terminate()
    executor.shutdown(wait=False, cancel_futures=True)


@contextlib.contextmanager
def sigterm_as_interrupt():
    """Within the block, SIGTERM raises :class:`KeyboardInterrupt` (as SIGINT does); restored after.

    Does nothing outside the main thread (where Python cannot set signal handlers).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt(f"terminated (signal {signum})")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
