"""Concurrency: how well bounded parallel calls hide a hosted model's latency.

The product's map stage (``map_chunks`` through the real ``ModelClient`` and litellm)
maps N chunks against ``bench/fixture_server.py``, which answers every request after a
fixed delay. Ideal wall = chunks x delay / concurrency; efficiency = ideal / wall.

    .venv/bin/python bench/concurrency.py [--chunks 500] [--delay 0.3] [--levels 1,4,16,64]
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixture_server import FixtureServer  # noqa: E402
from synth import write_corpus  # noqa: E402

from pipeline.cache import CallCache  # noqa: E402
from pipeline.chunking import chunk_transcript  # noqa: E402
from pipeline.client import ModelClient  # noqa: E402
from pipeline.ingest import ingest_paths, read_source_text  # noqa: E402
from pipeline.map_stage import map_chunks  # noqa: E402
from pipeline.models import Chunk  # noqa: E402


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=500)
    parser.add_argument("--delay", type=float, default=0.3)
    parser.add_argument("--levels", default="1,4,16,64")
    parser.add_argument("--chunk-tokens", type=int, default=900)
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

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
