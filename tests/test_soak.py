"""Row 22: 1,000 calls at concurrency 20 against the fault server with random latency,
5% 429 and 1% 500. Completes; open file descriptors stay flat; no "unclosed" warnings;
request throughput within 20% of concurrency / mean latency; a rerun makes 0 calls.

The soak runs in a fresh process (``python tests/test_soak.py``), so the descriptor
counts are its own, not those left by earlier tests. The mean latency is 1 s, not
smaller: client and fault server share that process (and its GIL) at about 15 ms of CPU
per request, so at a few ms of latency the test would measure Python, not the client.
"""

from __future__ import annotations

import gc
import io
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CALLS, CONCURRENCY, MEAN_LATENCY = 1000, 20, 1.0


def open_fds() -> int:
    gc.collect()
    return len(os.listdir("/proc/self/fd"))


def soak() -> dict:
    from fault_server import Fault, FaultServer, Request
    from test_faults import ask, client_for

    from pipeline.cache import CallCache

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

    log = io.StringIO()
    logging.basicConfig(stream=log, level=logging.WARNING)
    with (
        tempfile.TemporaryDirectory() as folder,
        FaultServer(script) as server,
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        cache = CallCache(Path(folder) / "cache")
        client = client_for(server, cache, concurrency=CONCURRENCY, retries=3, timeout_s=30)
        fds = [open_fds()]
        started = time.monotonic()
        # more callers than slots, so a call sleeping before its retry does not leave a
        # slot idle: the client's gate alone bounds what the server sees
        with ThreadPoolExecutor(max_workers=2 * CONCURRENCY) as pool:
            for half in (range(0, CALLS // 2), range(CALLS // 2, CALLS)):
                assert len(list(pool.map(lambda n: ask(client, f"soak {n}"), half))) == len(half)
                fds.append(open_fds())
            wall = time.monotonic() - started
            sent = server.requests
            list(pool.map(lambda n: ask(client, f"soak {n}"), range(CALLS)))  # the rerun
            fds.append(open_fds())
        cache.close()
        usage = client.usage["t"]
        warned = [str(w.message) for w in caught]
    return {
        "calls": usage.calls,
        "cache_hits": usage.cache_hits,
        "retries": usage.retries,
        "requests": sent,
        "requests_after_rerun": server.requests,
        "max_in_flight": server.max_in_flight,
        "wall": wall,
        "mean_latency": sum(latencies) / len(latencies),
        "fds": fds,
        "warnings": warned + [line for line in log.getvalue().splitlines() if line],
    }


def test_soak_1000_calls_at_concurrency_20() -> None:
    here = Path(__file__).resolve().parent
    done = subprocess.run(
        [sys.executable, __file__],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": f"{here}:{here.parent}"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    r = json.loads(done.stdout.strip().splitlines()[-1])
    throughput, ideal = r["requests"] / r["wall"], CONCURRENCY / r["mean_latency"]
    print(
        f"\nrow 22: {CALLS} calls, {r['requests']} requests ({r['retries']} retries) in "
        f"{r['wall']:.1f}s: {throughput:.1f} requests/s against concurrency/mean latency "
        f"{CONCURRENCY}/{r['mean_latency']:.3f}s = {ideal:.1f}/s ({throughput / ideal:.0%}); "
        f"max in flight {r['max_in_flight']}; open fds start/half/end/after rerun {r['fds']}"
    )
    assert r["calls"] == CALLS and r["cache_hits"] == CALLS  # the rerun: 0 calls
    assert r["requests_after_rerun"] == r["requests"]
    assert r["max_in_flight"] <= CONCURRENCY
    assert abs(throughput - ideal) <= 0.2 * ideal
    start, half, end, rerun = r["fds"]
    assert abs(end - half) <= 5  # flat once connections are pooled
    unclosed = [w for w in r["warnings"] if "nclosed" in w]
    assert unclosed == [], unclosed


if __name__ == "__main__":
    print(json.dumps(soak()))
