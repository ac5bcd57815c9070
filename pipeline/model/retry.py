"""The retry policy of the one client, in one place: which errors are transient, how
long to wait (the server's Retry-After, else exponential backoff with jitter), which
failures mean the server is unreachable, and a total deadline per request.

litellm's own ``num_retries`` and the provider SDK's ``max_retries`` are always 0: they
stack (litellm#12358: one retry sent three requests), so only ``ModelClient`` retries.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import openai

from pipeline.model.llm import litellm
from pipeline.model.stopping import POLL_S, check_stopping


def transient() -> tuple[type[Exception], ...]:
    """The errors worth retrying. A function, not a constant: litellm is imported at the
    first call that needs it (``pipeline.model.llm``), never by a fully cached run."""
    return (
        litellm.RateLimitError,
        litellm.InternalServerError,
        litellm.ServiceUnavailableError,
        litellm.Timeout,
        litellm.APIConnectionError,
    )


def __getattr__(name: str) -> Any:
    if name == "TRANSIENT":  # the name this tuple had before it became a function
        return transient()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def connection_failed(exc: BaseException) -> bool:
    """Whether a transient error was a refused or reset connection, or a host name that
    does not resolve. litellm reports those as InternalServerError; the cause chain
    still holds the SDK's error, or, for providers litellm calls through httpx itself
    (Anthropic, Mistral), httpx's: without it an unreachable Anthropic API was "no answer
    with valid citations" under `brief ask`, and every chunk a failure under `brief run`."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, litellm.Timeout | openai.APITimeoutError):
            return False
        if isinstance(
            seen, litellm.APIConnectionError | openai.APIConnectionError | httpx.ConnectError
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def within_deadline(
    call: Callable[..., Any],
    kwargs: dict[str, Any],
    deadline_s: float,
    slot: threading.Semaphore | None = None,
) -> Any:
    """``call(**kwargs)`` (a litellm function) that gives up after ``deadline_s`` in total. The HTTP
    timeout alone is per read, so a server that drips a byte at a time never trips it;
    the abandoned request runs on in a daemon thread until its own read timeout. When
    the program is told to stop (``stop_calls``), the wait ends at once: ``Interrupted``.

    ``slot`` (the client's concurrency gate) is taken here and given back by the request's
    own thread when the request has ended, not when the caller gives up on it: an
    abandoned request still holds its connection and the server's attention, so it still
    counts against the bound on requests in flight."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["response"] = call(**kwargs)
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc
        finally:
            if slot is not None:
                slot.release()

    worker = threading.Thread(target=run, daemon=True, name="model-call")
    if slot is not None:
        while not slot.acquire(timeout=POLL_S):
            check_stopping()
    try:
        check_stopping()
        worker.start()
    except BaseException:
        if slot is not None:
            slot.release()
        raise
    deadline = time.monotonic() + deadline_s
    while worker.is_alive() and time.monotonic() < deadline:
        worker.join(min(POLL_S, max(0.0, deadline - time.monotonic())))
        if worker.is_alive():  # a reply that came is kept (and cached) even so
            check_stopping()
    if worker.is_alive():
        raise litellm.Timeout(
            message=f"no complete reply within {deadline_s:g}s",
            model=str(kwargs.get("model")),
            llm_provider="deadline",
        )
    if "error" in box:
        raise box["error"]
    return box["response"]


def retry_after(exc: Exception) -> float | None:
    """The server's Retry-After in seconds (a number or an HTTP date), if it sent one.
    litellm keeps the real headers in ``litellm_response_headers``; ``exc.response`` is
    often a stand-in without them."""
    candidates: tuple[Any, ...] = (
        getattr(exc, "litellm_response_headers", None),
        getattr(getattr(exc, "response", None), "headers", None),
    )
    for headers in candidates:
        value = headers.get("retry-after") if headers is not None else None
        if not value:
            continue
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            continue
        return max(0.0, when.timestamp() - time.time())
    return None


def backoff(exc: Exception, attempt: int) -> float:
    """Retry-After when the server gives one (capped at a minute), else exponential
    backoff with jitter."""
    seconds = retry_after(exc)
    if seconds is not None:
        return min(60.0, seconds)
    return min(30.0, 2.0**attempt) * (0.5 + random.random() / 2)
