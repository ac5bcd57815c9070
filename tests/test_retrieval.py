"""Retrieval units: windows over the source's sentences (no text left out of every
window), and the search mechanisms that rank them."""

from __future__ import annotations

import hashlib

from pipeline.chunking import chunk_transcript
from pipeline.llm import count_tokens
from pipeline.models import Chunk, Segment, Transcript
from pipeline.retrieval import IndexParams, make_windows
from pipeline.verify import passage_problem


def transcript(lines: list[tuple[str | None, str]]) -> tuple[Transcript, str]:
    """A transcript of ``(speaker, words)`` lines, rendered "Speaker: words"."""
    out, segments, offset = [], [], 0
    for n, (speaker, words) in enumerate(lines, start=1):
        prefix = f"{speaker}: " if speaker else ""
        line = prefix + words
        segments.append(
            Segment(
                text=words,
                char_start=offset + len(prefix),
                char_end=offset + len(line),
                line_start=n,
                line_end=n,
                speaker=speaker,
            )
        )
        out.append(line)
        offset += len(line) + 1
    text = "\n".join(out)
    return (
        Transcript(
            source_id="s1",
            path="s1.txt",
            format="txt",
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            segments=segments,
        ),
        text,
    )


def chunks_of(lines: list[tuple[str | None, str]]) -> tuple[list[Chunk], dict[str, str]]:
    source, text = transcript(lines)
    return chunk_transcript(source, chunk_tokens=900, overlap_tokens=60), {"s1": text}


def test_a_sentence_longer_than_a_window_is_covered_to_its_end() -> None:
    """An unpunctuated caption run is one sentence of thousands of tokens: its windows
    must reach its last word (one cut window used to drop the rest of it)."""
    run = " ".join(f"word{n} and then" for n in range(400)) + " the drone parts in Shenzhen"
    chunks, texts = chunks_of([(None, "A short opening line."), (None, run), (None, "The end.")])
    assert max(count_tokens(s.text) for c in chunks for s in c.sentences) > 1000
    params = IndexParams(window_tokens=200)
    windows = make_windows(chunks, texts, params)
    text = texts["s1"]
    covered = set()
    for window in windows:
        passage = window.passage
        assert passage_problem(passage.model_dump(), texts) is None
        assert count_tokens(passage.text) <= params.window_tokens
        covered |= set(range(passage.char_start, passage.char_end))
    assert all(n in covered for n, ch in enumerate(text) if not ch.isspace())
    assert any("drone parts in Shenzhen" in w.passage.text for w in windows)
