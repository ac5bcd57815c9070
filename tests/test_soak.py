"""Row 22: 1,000 calls at concurrency 20 against the fault server with random latency,
5% 429 and 1% 500. Completes; open file descriptors stay flat; no "unclosed" warnings;
request throughput within 20% of concurrency / mean latency; a rerun makes 0 calls.

The mean latency is 0.8 s, not smaller: client and fault server share one process (and
its GIL), about 15 ms of CPU per request, so at a few ms of latency the test would
measure Python, not the client's concurrency."""

from __future__ import annotations

import logging
import os
import random
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import pytest
from fault_server import Fault, FaultServer, Request
from test_faults import ask, client_for

CALLS, CONCURRENCY, MEAN_LATENCY = 1000, 20, 0.8


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_soak_1000_calls_at_concurrency_20(cache, caplog: pytest.LogCaptureFixture) -> None:
    rng, lock = random.Random(7), threading.Lock()
    latencies: list[float] = []

    def script(request: Request) -> Fault:
        with lock:
            roll, delay = rng.random(), rng.uniform(0.5, 1.5) * MEAN_LATENCY
            latencies.append(delay)
        if roll < 0.05:
            return Fault(status=429, headers={"retry-after": "0.2"}, delay=delay)
        if roll < 0.06:
            return Fault(status=500, delay=delay)
        return Fault(delay=delay)

    with (
        FaultServer(script) as server,
        warnings.catch_warnings(record=True) as caught,
        caplog.at_level(logging.WARNING),
    ):
        warnings.simplefilter("always")
        client = client_for(server, cache, concurrency=CONCURRENCY, retries=3, timeout_s=30)
        fds = [open_fds()]
        started = time.monotonic()
        # more callers than slots, so a call sleeping before its retry does not leave a
        # slot idle: the client's gate alone bounds what the server sees
        with ThreadPoolExecutor(max_workers=2 * CONCURRENCY) as pool:
            for half in (range(0, CALLS // 2), range(CALLS // 2, CALLS)):
                replies = list(pool.map(lambda n: ask(client, f"soak call {n}"), half))
                assert len(replies) == len(half)
                fds.append(open_fds())
        wall = time.monotonic() - started
        sent = server.requests
        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            list(pool.map(lambda n: ask(client, f"soak call {n}"), range(CALLS)))
        fds.append(open_fds())
    usage = client.usage["t"]
    assert usage.calls == CALLS and usage.cache_hits == CALLS  # the rerun: 0 calls
    assert server.requests == sent
    assert server.max_in_flight <= CONCURRENCY
    mean = sum(latencies) / len(latencies)
    throughput, ideal = sent / wall, CONCURRENCY / mean
    print(
        f"\nrow 22: {CALLS} calls, {sent} requests ({usage.retries} retries) in {wall:.1f}s; "
        f"{throughput:.1f} requests/s against concurrency/mean latency = "
        f"{CONCURRENCY}/{mean:.3f}s = {ideal:.1f}/s ({throughput / ideal:.0%}); "
        f"max in flight {server.max_in_flight}; open fds {fds}"
    )
    assert abs(throughput - ideal) <= 0.2 * ideal
    # flat after warm-up: pooled connections plus one SQLite handle per caller thread
    assert max(fds[1:3]) - min(fds[1:3]) <= 5
    unclosed = [str(w.message) for w in caught if "nclosed" in str(w.message)]
    assert unclosed == [] and "nclosed" not in caplog.text
