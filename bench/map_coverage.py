"""How many key facts the map's points hold, chunk by chunk (the ceiling of any brief).

Runs only the map stage (the real model, through the one client and its cache) on the
chunks that hold the evidence of a split's facts (`bench/data/brief_facts.jsonl`), then
counts a fact as held when its keyword groups all occur in the points of its own chunk
(matched as `bench/eval_brief.py` matches them). Used to compare map prompts and chunk
sizes without a whole run: edit `prompts/map.md`, run, compare.

    flock /tmp/model.lock .venv/bin/python bench/map_coverage.py --split tune
    flock /tmp/model.lock .venv/bin/python bench/map_coverage.py --chunk-tokens 700
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import eval_brief  # noqa: E402

from pipeline.inputs.chunking import chunk_all  # noqa: E402
from pipeline.inputs.ingest import ingest_paths, read_source_text  # noqa: E402
from pipeline.model.cache import CallCache  # noqa: E402
from pipeline.model.stopping import unwind_on_signals  # noqa: E402
from pipeline.models import Chunk  # noqa: E402
from pipeline.session import ModelSession  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.stages.map_request import sources_of_one_chunk  # noqa: E402
from pipeline.stages.map_stage import map_chunks  # noqa: E402
from pipeline.stages.policy import policy_for  # noqa: E402


def holder(fact: dict, chunks: list[Chunk], text: str) -> str | None:
    """The chunk whose span holds the fact's evidence (or where it starts)."""
    start = text.find(fact["evidence"])
    mine = [c for c in chunks if c.source_id == fact["source_id"]]
    for c in mine:
        if c.char_start <= start and start + len(fact["evidence"]) <= c.char_end + 1:
            return c.id
    return next((c.id for c in mine if c.char_start <= start < c.char_end), None)


def main() -> None:
    unwind_on_signals()  # a killed run stops the model servers it started
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("tune", "check", "all"), default="tune")
    parser.add_argument("--chunk-tokens", type=int, default=None)
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    parser.add_argument("--points", type=Path, default=None, help="write the points (JSON)")
    args = parser.parse_args()

    settings = Settings.load(
        None, **({"chunk_tokens": args.chunk_tokens} if args.chunk_tokens else {})
    )
    facts = eval_brief.load_jsonl(eval_brief.DATA / "brief_facts.jsonl", args.split)
    transcripts, _ = ingest_paths([args.seeds], max_bytes=settings.max_file_bytes)
    texts = {t.source_id: read_source_text(Path(t.path)) for t in transcripts}
    chunks = chunk_all(
        transcripts,
        chunk_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
    )
    where = {f["id"]: holder(f, chunks, texts[f["source_id"]]) for f in facts}
    chosen = [c for c in chunks if c.id in set(where.values())]

    cache = CallCache(settings.cache_dir)
    session = ModelSession(settings, cache, log_dir=settings.cache_dir.parent)
    started = time.perf_counter()
    try:
        summaries = map_chunks(
            chosen,
            texts,
            session.client,
            max_tokens=settings.map_max_tokens,
            workers=session.workers,
            policy=policy_for(settings),
            whole_sources=sources_of_one_chunk(chunks),  # of all the chunks, not the chosen
        )
    finally:
        session.close()
        cache.close()
    wall = time.perf_counter() - started
    points = {s.chunk_id: [p.text for p in s.key_points] for s in summaries}
    held = [
        f["id"]
        for f in facts
        if where[f["id"]] in points
        and eval_brief.Text(" \x00 ".join(points[where[f["id"]]])).covers(f["keywords"])
    ]
    usage = session.client.usage["map"]
    words = sum(len(t.split()) for ps in points.values() for t in ps)
    print("| split | chunks | facts held | points | words | calls | completion tokens | wall s |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    print(
        f"| {args.split} | {len(chosen)} | {len(held)}/{len(facts)} "
        f"| {sum(map(len, points.values()))} | {words} | {usage.calls} "
        f"| {usage.completion_tokens:,} | {wall:.0f} |"
    )
    print("not held:", " ".join(f["id"] for f in facts if f["id"] not in held))
    if args.points:
        args.points.write_text(json.dumps(points, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
