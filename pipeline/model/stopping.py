"""The program-wide stop: Ctrl-C or SIGTERM ends the waits of every model call at once.

The calls of a stage run in a thread pool, and a pool lets an error through only when its
running calls have ended: Ctrl-C waited for the reply in flight (about 40 s with one slot
on 2 cores) and for any retry's backoff. ``embedded.unwind_on_signals`` calls
``stop_calls`` before the program unwinds; every wait of a call (for its turn, its reply,
its retry: ``retry.within_deadline``, ``ModelClient``, ``ModelGroup``, a server starting)
looks at the flag at least every ``POLL_S`` seconds and raises ``Interrupted``. The
abandoned request's own thread is a daemon; it ends with the server, which the exit
handlers stop. A module of its own, with no imports to speak of, so that the signal
handlers can use it without importing litellm.
"""

from __future__ import annotations

import threading

from pipeline.errors import Interrupted

POLL_S = 0.2  # how often a wait looks at the flag
_STOPPING = threading.Event()


def stop_calls() -> None:
    """Every call waiting on a reply, its turn or a retry raises ``Interrupted`` now, and
    every later call does at once. Safe in a signal handler."""
    _STOPPING.set()


def resume_calls() -> None:
    """Undo ``stop_calls`` (for tests: a program that stops does not resume)."""
    _STOPPING.clear()


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
