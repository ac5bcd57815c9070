"""The program-wide stop: Ctrl-C or SIGTERM ends the waits of every model call at once.

The calls of a stage run in a thread pool, and a pool lets an error through only when its
running calls have ended: Ctrl-C waited for the reply in flight (about 40 s with one slot
on 2 cores) and for any retry's backoff. ``unwind_on_signals`` makes a signal call
``stop_calls``; every wait of a call (for its turn, its reply, its retry:
``retry.within_deadline``, ``ModelClient``, ``ModelGroup``, a server starting) looks at the
flag at least every ``POLL_S`` seconds and raises ``Interrupted``. The abandoned request's
own thread is a daemon; it ends with the server, which the exit handlers stop. A module
with no imports to speak of, so that the signal handlers can use it without importing
litellm.

While the main thread waits on a stage's pool (``worker_pool``), a signal only stops the
calls, and the workers' ``Interrupted`` ends the wait. Python runs a signal's handler in
the main thread only, between two bytecodes, and a handler that raised there could not be
relied on: in 1 of about 150 runs the exception landed inside ``Condition.wait`` after it
had let go of its lock (``RuntimeError: cannot release un-acquired lock`` instead of the
interrupt), and in about 1 of 300 the kernel gave the signal to a worker thread while the
main thread slept in an untimed wait that never woke to run the handler (the program
waited for the 600 s reply). A watcher thread reads the signal numbers that Python's C
handler writes to ``signal.set_wakeup_fd`` from whichever thread the signal reached, and
stops the calls at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from pipeline.errors import Interrupted

POLL_S = 0.2  # how often a wait looks at the flag
_STOPPING = threading.Event()


@dataclass
class _Signals:
    """What the program-wide stop keeps besides its flag."""

    signum: int | None = None  # the signal that stopped the program, if one did
    pool_waits: int = 0  # how many of the main thread's waits on a pool are open
    handled: int = 0  # signals the main thread's handler has seen
    watched: bool = False  # the watcher thread started


_SIGNALS = _Signals()


def stop_calls(signum: int | None = None) -> None:
    """Every call waiting on a reply, its turn or a retry raises ``Interrupted`` now, and
    every later call does at once; ``signum``, the signal that asked for it, if one did.
    Safe in a signal handler."""
    if signum is not None and _SIGNALS.signum is None:
        _SIGNALS.signum = signum
    _STOPPING.set()


def resume_calls() -> None:
    """Undo ``stop_calls`` (for tests: a program that stops does not resume)."""
    _STOPPING.clear()
    _SIGNALS.signum = None
    _SIGNALS.handled = 0


def stopping() -> bool:
    return _STOPPING.is_set()


def check_stopping() -> None:
    """Raise ``Interrupted`` if the program is stopping."""
    if _STOPPING.is_set():
        raise Interrupted("stopped: the program was interrupted")


def pause(seconds: float) -> None:
    """``time.sleep(seconds)`` that ends early, raising ``Interrupted``, if calls stop."""
    if _STOPPING.wait(seconds):
        check_stopping()


def unwind_on_signals() -> None:
    """Ctrl-C (SIGINT) and SIGTERM (``kill``, a CI timeout) unwind the program at once.
    Every model call waiting on its reply gives up (``stop_calls``: a stage's thread pool
    waited for the call in flight, about 40 s), and the exit handlers stop the embedded
    servers the program started (``EmbeddedServer.start`` registers ``stop``). By default
    SIGTERM ends Python at once and leaves a ``llama-server`` of 1-2.5 GB running with no
    one to stop it (a killed ``bench/eval_qa.py`` did). SIGINT stays ignored where the
    shell ignores it (a background job). Call it from the main thread of a program's entry
    point (``brief``, the bench scripts that start a model)."""
    signal.signal(signal.SIGTERM, _on_signal)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_signal)
    if not _SIGNALS.watched:
        _watch_signals()
        _SIGNALS.watched = True


def _on_signal(signum: int, frame: object) -> None:
    """The main thread's handler: stop the calls, and unwind unless the main thread waits
    on a pool whose workers will raise ``Interrupted`` (a second signal unwinds anyway)."""
    _SIGNALS.handled += 1
    stop_calls(signum)
    if _SIGNALS.handled > 1 or not _SIGNALS.pool_waits:
        raise _unwinding(signum)


def _unwinding(signum: int) -> BaseException:
    """What unwinds the program on ``signum``: exit 143 on SIGTERM, else Ctrl-C's interrupt."""
    return SystemExit(128 + signum) if signum == signal.SIGTERM else KeyboardInterrupt()


def _watch_signals() -> None:
    """Stop the calls from a daemon thread as soon as a signal arrives, in whichever thread:
    Python's C handler writes its number to the wakeup file (see the module's docstring)."""
    read, write = os.pipe()
    os.set_blocking(write, False)
    signal.set_wakeup_fd(write, warn_on_full_buffer=False)

    def watch() -> None:
        while data := os.read(read, 64):
            for signum in data:
                if signum in (signal.SIGINT, signal.SIGTERM):
                    stop_calls(signum)

    threading.Thread(target=watch, daemon=True, name="signal-watcher").start()


@contextlib.contextmanager
def worker_pool(workers: int) -> Iterator[ThreadPoolExecutor]:
    """A thread pool for a stage's calls (at least one worker). While the main thread waits
    on it, a signal only stops the calls: the workers' ``Interrupted`` ends the wait, and
    leaves it as ``SystemExit(143)`` when SIGTERM asked for the stop."""
    main = threading.current_thread() is threading.main_thread()
    _SIGNALS.pool_waits += main
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            yield pool
    except Interrupted:
        if main and _SIGNALS.signum == signal.SIGTERM:
            raise _unwinding(signal.SIGTERM) from None
        raise
    finally:
        _SIGNALS.pool_waits -= main
