"""Map: one ``ChunkSummary`` per chunk.

The model sees the chunk as numbered sentences and answers with sentence numbers, never
with quotes. Code then resolves every number to the exact span of the source file, so
each point's evidence is verbatim and locatable. Numbers that are not in the chunk fail
validation, which feeds the client's one re-ask.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from pipeline.client import ModelClient
from pipeline.errors import ContextTooLong, ModelAuthError, ModelError, ModelUnreachable
from pipeline.models import (
    Chunk,
    ChunkSummary,
    Claim,
    Entity,
    KeyPoint,
    Passage,
    Sentence,
    column_at,
)
from pipeline.prompts import boundary_for, load_prompt


def _check_ids(ids: list[int], info: ValidationInfo) -> list[int]:
    known = (info.context or {}).get("sentence_ids")
    if known is not None:
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise ValueError(
                f"sentence numbers {unknown} are not in the chunk (valid: 1-{max(known)})"
            )
    return ids


class MapPoint(BaseModel):
    point: str = Field(min_length=3, max_length=300)
    importance: int = Field(ge=1, le=5)
    sentences: list[int] = Field(min_length=1, max_length=4)

    _ids = field_validator("sentences")(_check_ids)


class MapEntity(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    kind: str = Field(pattern="^(person|organisation)$")


class MapClaim(BaseModel):
    claim: str = Field(min_length=3, max_length=250)
    speaker: str = Field(max_length=60)
    sentences: list[int] = Field(min_length=1, max_length=3)

    _ids = field_validator("sentences")(_check_ids)


class MapReply(BaseModel):
    """What the model returns for one chunk (sentence numbers, no quotes). Fields are
    generated in this order: the short lists come first, because a small model tends to
    leave the last field of a long reply empty."""

    topics: list[str] = Field(min_length=1, max_length=4)
    entities: list[MapEntity] = Field(max_length=8)
    key_points: list[MapPoint] = Field(min_length=1, max_length=4)
    claims: list[MapClaim] = Field(max_length=3)


def number_sentences(chunk: Chunk) -> str:
    """'[n] text' lines; the speaker (and timestamp) is shown when it changes."""
    lines, last_speaker = [], None
    for sentence in chunk.sentences:
        label = ""
        if sentence.speaker and sentence.speaker != last_speaker:
            stamp = f" {sentence.timestamp}" if sentence.timestamp else ""
            label = f"({sentence.speaker}{stamp}) "
            last_speaker = sentence.speaker
        lines.append(f"[{sentence.id}] {label}{sentence.text}")
    return "\n".join(lines)


def passages_for(source_text: str, source_id: str, sentences: list[Sentence]) -> list[Passage]:
    """One passage per run of consecutive sentences, sliced verbatim from the source."""
    ordered = sorted(sentences, key=lambda s: s.id)
    runs: list[list[Sentence]] = []
    for sentence in ordered:
        if runs and sentence.id == runs[-1][-1].id + 1:
            runs[-1].append(sentence)
        else:
            runs.append([sentence])
    passages = []
    for run in runs:
        start, end = run[0].char_start, max(s.char_end for s in run)
        passages.append(
            Passage(
                source_id=source_id,
                char_start=start,
                char_end=end,
                line_start=run[0].line_start,
                line_end=max(s.line_end for s in run),
                column=column_at(source_text, start),
                timestamp=run[0].timestamp,
                text=source_text[start:end],
            )
        )
    return passages


_WORD = re.compile(r"[^\W_]+")
_STOP = frozenset(
    (
        "a an and are as at be but by for from has have he her his i in is it its of on or "
        "our she so that the their them they this to was we were what which who will with you"
    ).split()
)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def ground(statement: str, cited: list[Sentence], chunk: Chunk, keep: int = 2) -> list[Sentence]:
    """The cited sentences that share the most content words with the statement (up to
    ``keep``). Small models often cite "1, 2, 3" by habit: when no cited sentence shares a
    word with the statement, the chunk's best-matching sentence is used instead."""
    words = _words(statement)
    scored = sorted(cited, key=lambda s: -len(words & _words(s.text)))
    supported = [s for s in scored if words & _words(s.text)][:keep]
    if not supported:
        best = max(chunk.sentences, key=lambda s: len(words & _words(s.text)))
        supported = [best] if len(words & _words(best.text)) >= 2 else scored[:1]
    return sorted(supported, key=lambda s: s.id)


_URL = re.compile(r"(?:https?://|www\.)[^\s)\]>\"']+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io)\b")


def without_foreign_urls(text: str, source: str) -> str:
    """Model text with every address the chunk does not contain taken out: an injected
    instruction may ask for a link or image that sends data to someone else."""
    return _URL.sub(lambda m: m.group(0) if m.group(0) in source else "[link removed]", text)


_CLAUSE_MARK = re.compile(r"[,;:?!()\"\n]")


def is_name_in(name: str, text: str, max_words: int = 6) -> bool:
    """Whether ``name`` reads as a name that the text really contains: a small model
    also lists speaker labels, clauses and whole sentences as "organisations"."""
    return (
        0 < len(name.split()) <= max_words
        and not _CLAUSE_MARK.search(name)
        and name.lower() in text.lower()
    )


def map_request(chunk: Chunk, max_tokens: int) -> dict[str, Any]:
    """The arguments of a chunk's map call (shared by the run and the dry-run planner)."""
    numbered = number_sentences(chunk)
    return {
        "prompt": load_prompt("map"),
        "variables": {"boundary": boundary_for(numbered), "sentences": numbered},
        "schema": MapReply,
        "max_tokens": max_tokens,
        "narrow": {"sentences": {"type": "integer", "minimum": 1, "maximum": len(chunk.sentences)}},
    }


def summarize_chunk(
    chunk: Chunk, source_text: str, client: ModelClient, max_tokens: int
) -> ChunkSummary:
    reply = client.structured(
        stage="map",
        context={"sentence_ids": {s.id for s in chunk.sentences}},
        **map_request(chunk, max_tokens),
    )
    by_id = {s.id: s for s in chunk.sentences}
    clean = lambda text: without_foreign_urls(text, chunk.text)  # noqa: E731

    def evidence(statement: str, ids: Iterable[int]) -> list[Passage]:
        cited = [by_id[i] for i in sorted(set(ids))]
        return passages_for(source_text, chunk.source_id, ground(statement, cited, chunk))

    points = sorted(reply.key_points, key=lambda p: -p.importance)
    seen: set[str] = set()
    entities = []
    for entity in reply.entities:
        name = entity.name.strip()
        if name.lower() not in seen and is_name_in(name, chunk.text):
            seen.add(name.lower())
            entities.append(Entity(name=name, kind=entity.kind))  # type: ignore[arg-type]
    return ChunkSummary(
        chunk_id=chunk.id,
        source_id=chunk.source_id,
        topics=[clean(t) for t in reply.topics],
        key_points=[
            KeyPoint(
                id=f"{chunk.id}/p{n}",
                text=clean(p.point),
                importance=p.importance,
                evidence=evidence(p.point, p.sentences),
            )
            for n, p in enumerate(points, start=1)
        ],
        entities=entities,
        claims=[
            Claim(
                text=clean(c.claim),
                speaker=clean(c.speaker) or None,
                evidence=evidence(c.claim, c.sentences),
            )
            for c in reply.claims
        ],
    )


def halves(chunk: Chunk) -> tuple[Chunk, Chunk]:
    """A chunk split in two at its middle sentence, each half numbered from 1."""
    middle = len(chunk.sentences) // 2

    def part(sentences: list[Sentence]) -> Chunk:
        renumbered = [s.model_copy(update={"id": n}) for n, s in enumerate(sentences, start=1)]
        return chunk.model_copy(
            update={
                "sentences": renumbered,
                "tokens": max(1, chunk.tokens * len(sentences) // len(chunk.sentences)),
                "char_start": sentences[0].char_start,
                "char_end": max(s.char_end for s in sentences),
                "line_start": sentences[0].line_start,
                "line_end": max(s.line_end for s in sentences),
            }
        )

    return part(chunk.sentences[:middle]), part(chunk.sentences[middle:])


def summarize_fitting(
    chunk: Chunk, source_text: str, client: ModelClient, max_tokens: int
) -> ChunkSummary:
    """``summarize_chunk``, but a chunk too long for the context window (found by the
    client's pre-flight count, or said by the server) is split in two and each half
    summarised, never resent unchanged; the halves' summaries are merged."""
    try:
        return summarize_chunk(chunk, source_text, client, max_tokens)
    except ContextTooLong:
        if len(chunk.sentences) < 2:
            raise
    parts = [summarize_fitting(h, source_text, client, max_tokens) for h in halves(chunk)]
    points = sorted((p for s in parts for p in s.key_points), key=lambda p: -p.importance)
    return ChunkSummary(
        chunk_id=chunk.id,
        source_id=chunk.source_id,
        topics=list(dict.fromkeys(t for s in parts for t in s.topics))[:4],
        key_points=[
            p.model_copy(update={"id": f"{chunk.id}/p{n}"}) for n, p in enumerate(points, start=1)
        ],
        entities=list({e.name.lower(): e for s in parts for e in s.entities}.values()),
        claims=[c for s in parts for c in s.claims],
    )


def map_chunks(
    chunks: list[Chunk],
    source_texts: dict[str, str],
    client: ModelClient,
    *,
    max_tokens: int,
    workers: int,
    on_done: Callable[[ChunkSummary], Any] | None = None,
) -> list[ChunkSummary]:
    """Summarise every chunk; a chunk that fails is recorded as failed and the run goes on.

    Bad credentials or an unreachable server stop the whole run: every call would fail."""
    results: dict[str, ChunkSummary] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {
            pool.submit(summarize_fitting, c, source_texts[c.source_id], client, max_tokens): c
            for c in chunks
        }
        try:
            for future in as_completed(futures):
                chunk = futures[future]
                try:
                    summary = future.result()
                except (ModelAuthError, ModelUnreachable):
                    raise
                except ModelError as exc:
                    summary = ChunkSummary(
                        chunk_id=chunk.id,
                        source_id=chunk.source_id,
                        status="failed",
                        error=str(exc),
                    )
                results[chunk.id] = summary
                if on_done is not None:
                    on_done(summary)
        except BaseException:
            for pending in futures:
                pending.cancel()
            raise
    return [results[c.id] for c in chunks]
