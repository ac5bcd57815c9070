"""Concurrency: how well bounded parallel calls hide a hosted model's latency.

The product's map stage (``map_chunks`` through the real ``ModelClient`` and litellm)
maps N chunks against ``bench/fixture_server.py``, which answers every request after a
fixed delay. Ideal wall = chunks x delay / concurrency; efficiency = ideal / wall.

    .venv/bin/python bench/concurrency.py [--chunks 500] [--delay 0.3] [--levels 1,4,16,64]

Many servers (``--servers 1,2,4``): the same map stage through a model group
(``model_list``, litellm's Router, ``pipeline/model/servers.py``) over N fixture servers, each
taking ``--per-server`` requests at once; throughput against one server. Then one server
of the largest group is killed (SIGKILL) a third of the way in: the run must complete on
the others, and no answered request may be sent again (each fixture logs what it answered).

    .venv/bin/python bench/concurrency.py --servers 1,2,4 --delay 0.5 --per-server 4
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixture_server import FixtureServer  # noqa: E402
from synth import write_corpus  # noqa: E402

from pipeline.inputs.chunking import chunk_transcript  # noqa: E402
from pipeline.inputs.ingest import ingest_paths, read_source_text  # noqa: E402
from pipeline.model.cache import CallCache  # noqa: E402
from pipeline.model.client import ModelClient  # noqa: E402
from pipeline.model.servers import ModelGroup  # noqa: E402
from pipeline.models import Chunk  # noqa: E402
from pipeline.settings import Deployment  # noqa: E402
from pipeline.stages.map_stage import map_chunks  # noqa: E402


def make_chunks(folder: Path, wanted: int, chunk_tokens: int) -> tuple[list[Chunk], dict]:
    chunks: list[Chunk] = []
    texts: dict[str, str] = {}
    start = 0
    while len(chunks) < wanted:
        paths = write_corpus(folder, 20, start=start)
        start += 20
        transcripts, _ = ingest_paths(paths)
        for t in transcripts:
            texts[t.source_id] = read_source_text(Path(t.path))
            chunks += chunk_transcript(t, chunk_tokens=chunk_tokens, overlap_tokens=60)
    return chunks[:wanted], texts


def client_for(api_base: str, concurrency: int) -> ModelClient:
    return ModelClient(
        model="openai/fixture",
        api_base=api_base,
        api_key="fixture",
        cache=CallCache(Path("/nonexistent"), enabled=False),
        retries=0,
        concurrency=concurrency,
    )


def _kill_after(client: ModelClient, server: FixtureServer, calls: int) -> None:
    while client.total().calls < calls:
        time.sleep(0.05)
    server.kill()


def group_client(servers: list[FixtureServer], per_server: int) -> ModelClient:
    deployments = [
        Deployment(model="openai/fixture", api_base=s.api_base, concurrency=per_server)
        for s in servers
    ]
    group = ModelGroup("fixture", deployments, down_for_s=60)
    return ModelClient(
        model="fixture",
        api_base=None,
        cache=CallCache(Path("/nonexistent"), enabled=False),
        cache_identity="group:fixture",
        retries=2,
        concurrency=group.concurrency,
        router=group,
    )


def many_servers(args: argparse.Namespace, chunks: list[Chunk], texts: dict, tmp: Path) -> None:
    counts = [int(x) for x in args.servers.split(",")]
    rows = []
    for n, kill in [(n, False) for n in counts] + [(max(counts), True)]:
        logs = [tmp / f"served-{n}-{kill}-{i}.log" for i in range(n)]
        servers = [FixtureServer(delay=args.delay, log_path=log).__enter__() for log in logs]
        try:
            client = group_client(servers, args.per_server)
            map_chunks(chunks[:2], texts, client, max_tokens=600, workers=2)  # warm-up
            for log in logs:
                log.unlink(missing_ok=True)
            client = group_client(servers, args.per_server)
            killer = None
            if kill:
                # SIGKILL one server once a third of the calls are answered
                killer = threading.Thread(
                    target=_kill_after, args=(client, servers[0], len(chunks) // 3), daemon=True
                )
                killer.start()
            started = time.perf_counter()
            summaries = map_chunks(
                chunks, texts, client, max_tokens=600, workers=client.router.concurrency
            )
            wall = time.perf_counter() - started
        finally:
            for server in servers:
                server.__exit__()
        answered = [line for log in logs if log.exists() for line in log.read_text().splitlines()]
        failed = sum(s.status == "failed" for s in summaries)
        rows.append(
            (
                n,
                "1 killed" if kill else "-",
                len(chunks),
                failed,
                client.total().retries,
                len(answered) - len(set(answered)),
                [len(log.read_text().splitlines()) if log.exists() else 0 for log in logs],
                wall,
            )
        )
    base = rows[0][2] / rows[0][-1]
    print(
        f"\n### Many servers: map {len(chunks)} chunks over a model group of fixture servers "
        f"({args.delay * 1000:.0f} ms per request, {args.per_server} in flight per server)\n"
    )
    print(f"machine: {platform.machine()}, {_cpus()} cores, Python {platform.python_version()}\n")
    print(
        "| servers | fault | chunks | failed | retries | answered twice | answered per server "
        "| wall s | chunks/s | vs 1 server |"
    )
    print("|---:|---|---:|---:|---:|---:|---|---:|---:|---:|")
    for n, fault, total, failed, retries, twice, per, wall in rows:
        rate = total / wall
        print(
            f"| {n} | {fault} | {total} | {failed} | {retries} | {twice} | "
            f"{' / '.join(map(str, per))} | {wall:.1f} | {rate:.1f} | {rate / base:.2f}x |"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=500)
    parser.add_argument("--delay", type=float, default=0.3)
    parser.add_argument("--levels", default="1,4,16,64")
    parser.add_argument("--chunk-tokens", type=int, default=900)
    parser.add_argument("--servers", help="e.g. 1,2,4: a model group of that many servers")
    parser.add_argument("--per-server", type=int, default=4, help="in flight per server")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    if args.servers:
        with tempfile.TemporaryDirectory(prefix="brief-bench-servers-") as tmp:
            chunks, texts = make_chunks(Path(tmp), args.chunks, args.chunk_tokens)
            many_servers(args, chunks, texts, Path(tmp))
        return

    with tempfile.TemporaryDirectory(prefix="brief-bench-conc-") as tmp:
        chunks, texts = make_chunks(Path(tmp), args.chunks, args.chunk_tokens)
        rows = []
        for level in levels:
            with FixtureServer(delay=args.delay) as server:
                client = client_for(server.api_base, level)
                map_chunks(chunks[:1], texts, client, max_tokens=600, workers=1)  # warm-up
                client = client_for(server.api_base, level)
                started = time.perf_counter()
                summaries = map_chunks(chunks, texts, client, max_tokens=600, workers=level)
                wall = time.perf_counter() - started
                peak = server.stats()["peak_in_flight"]
            failed = sum(s.status == "failed" for s in summaries)
            ideal = len(chunks) * args.delay / level
            rows.append((level, len(chunks), client.total().calls, failed, peak, ideal, wall))

    print(
        f"\n### Concurrency: map {args.chunks} chunks against a fixed-delay server "
        f"({args.delay * 1000:.0f} ms per request)\n"
    )
    print(f"machine: {platform.machine()}, {_cpus()} cores, Python {platform.python_version()}\n")
    print(
        "| concurrency | chunks | calls | failed | peak in flight | ideal s | wall s | efficiency |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for level, n, calls, failed, peak, ideal, wall in rows:
        print(
            f"| {level} | {n} | {calls} | {failed} | {peak} | {ideal:.1f} | {wall:.1f} "
            f"| {ideal / wall:.2f} |"
        )


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    main()
