"""Soak throughput: the row 22 soak of ``tests/test_soak.py`` at its full size, with the
figure the test no longer asserts (it depends on the machine's speed): requests per
second against the ideal concurrency / mean latency.

    .venv/bin/python bench/soak.py [--calls 1000] [--concurrency 20] [--latency 1.0]

The mean latency is 1 s by default, not smaller: client and fault server share one
process (and its GIL) at about 15 ms of CPU per request, so at a few ms of latency this
would measure Python, not the client.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_soak import run_soak  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--latency", type=float, default=1.0, help="mean seconds per reply")
    parser.add_argument("--deadline", type=float, default=30.0, help="the client's timeout_s")
    parser.add_argument(
        "--outlast", type=float, default=0.0, help="share of requests that outlast the deadline"
    )
    args = parser.parse_args()
    r = run_soak(args.calls, args.concurrency, args.latency, args.deadline, args.outlast)
    throughput = r["requests"] / r["wall"]
    ideal = args.concurrency / r["mean_latency"]
    print(f"# soak on {platform.node()}, Python {platform.python_version()}")
    print(
        "| calls | requests | retries | wall s | requests/s | ideal/s | ratio | max in flight "
        "| fds start/half/end/rerun | unclosed |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {r['calls']} | {r['requests']} | {r['retries']} | {r['wall']:.1f} | "
        f"{throughput:.1f} | {ideal:.1f} | {throughput / ideal:.0%} | {r['max_in_flight']} | "
        f"{'/'.join(map(str, r['fds']))} | {sum('nclosed' in w for w in r['warnings'])} |"
    )


if __name__ == "__main__":
    main()
