"""Map: one ``ChunkSummary`` per chunk.

The model is asked for one point per numbered sentence of the chunk
(``pipeline.stages.map_request``) and answers with sentence numbers, never with quotes.
Code then resolves every number to the exact span of the source file, so each point's
evidence is verbatim and locatable. Numbers that are not in the chunk fail validation,
which feeds the client's one re-ask.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import as_completed
from typing import Any

from pipeline.errors import (
    ContextTooLong,
    ModelAuthError,
    ModelError,
    ModelUnreachable,
    OutputInvalid,
)
from pipeline.model.client import ModelClient
from pipeline.model.stopping import worker_pool
from pipeline.models import (
    Chunk,
    ChunkSummary,
    Entity,
    KeyPoint,
    Sentence,
)
from pipeline.stages.map_evidence import (
    GROUNDED_WORDS,
    ground,
    passages_for,
    shared_words,
    with_its_names,
)
from pipeline.stages.map_extract import extracted_points
from pipeline.stages.map_request import (
    CUT_MARK,
    anchors,
    chunk_request,
    map_request,
    part_tokens_by_chunk,
    parts,
)
from pipeline.stages.names import (
    introduced_as,
    is_body,
    is_organisation_name,
    is_person_name,
    kept_names,
)
from pipeline.stages.point_kinds import is_claim, is_label
from pipeline.stages.points import specificity
from pipeline.stages.policy import STRICT, ModelPolicy
from pipeline.stages.show_talk import (
    by_label,
    in_sponsor_read,
    is_promo,
    sponsor_reads,
    tells_the_talk,
)
from pipeline.text import capitalised, cut_back, plain_words, share_in, stems

_URL = re.compile(r"(?:https?://|www\.)[^\s)\]>\"']+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io)\b")


def without_foreign_urls(text: str, source: str) -> str:
    """Model text with every address the chunk does not contain taken out: an injected
    instruction may ask for a link or image that sends data to someone else."""
    return _URL.sub(lambda m: m.group(0) if m.group(0) in source else "[link removed]", text)


def summarize_chunk(
    chunk: Chunk,
    source_text: str,
    client: ModelClient,
    max_tokens: int,
    policy: ModelPolicy = STRICT,
    part_tokens: int | None = None,
) -> ChunkSummary:
    """A chunk's points and names (one call; ``part_tokens``: see ``chunk_request``). Under
    the policy's ``map_points_extracted`` the call asks for the names alone and the points
    are the numbered sentences' own words (``extracted_points``)."""
    extracted = policy.map_points_extracted
    # the sentences the names call shows and the points are taken from, found once
    marked = anchors(chunk, source_text, part_tokens or policy.map_part_tokens) if extracted else []
    reply = client.structured(
        stage="map",
        context={"sentence_ids": {s.id for s in chunk.sentences}},
        **chunk_request(chunk, source_text, max_tokens, policy, part_tokens, marked),
    )
    written = extracted_points(chunk, source_text, marked) if extracted else reply.points
    by_id = {s.id: s for s in chunk.sentences}
    clean = lambda text: without_foreign_urls(text, chunk.text)  # noqa: E731

    reads = sponsor_reads(source_text)

    # a point is kept when it is a claim, not a topic's label; is not the show's own talk
    # (a welcome, an ad) nor grounded in it; says something the chunk says, is new, and is
    # no copy of the openings listed after the transcript (``copies_listing``; the strict
    # policy asks for such a point again, ``restated``)
    chunk_words = stems(chunk.text)
    points, said = [], set()
    # in the chunk's order: a cached reply comes back with its keys sorted as strings
    for number, said_text in sorted(written.items(), key=lambda item: int(item[0])):
        if not extracted and copies_listing(said_text):
            again = policy.restate_copied_points and restated(
                chunk, int(number), source_text, client, max_tokens, policy, part_tokens
            )
            if not again:
                continue
            said_text = again
        said_text = without_talk_opening(without_labels(said_text, written))
        said_text = by_label(said_text, by_id[int(number)].speaker, source_text)
        text = cut_back(said_text, policy.point_max_chars) if policy.point_max_chars else said_text
        key = " ".join(sorted(plain_words(text)))
        if len(plain_words(text)) < 2 or key in said or is_promo(text) or is_label(text):
            continue
        words = stems(text)
        if share_in(words, chunk_words) < policy.point_support:
            continue
        # no sentence of a sponsor read is numbered, but the read is shown: asked for the
        # sentence after it, the 1.5B stated "I believe in Omniki so much that I invested
        # in it and I recommend you use it too", and its evidence became the ad's
        cites = ground(text, by_id[int(number)], chunk, policy)
        if in_sponsor_read(cites, reads):
            continue
        # a point its chunk's sentences do not state: its citation could not show it (a
        # chair's "Llyr." became "Llyr Gruffydd AM said yes, thank you.")
        if policy.replace_habitual_citation and shared_words(words, cites) < GROUNDED_WORDS:
            continue
        said.add(key)
        points.append((cites, text))
    # the points come in the chunk's order: the most specific is the most important
    order = sorted(range(len(points)), key=lambda i: -specificity(points[i][1]))
    rank = {i: n for n, i in enumerate(order, start=1)}
    seen: set[str] = set()  # a name the model also calls an organisation is not a person
    # names said only in a sponsor read (the sponsor, its founder) are not the talk's
    talk = " ".join(s.text for s in chunk.sentences if not in_sponsor_read(s, reads))
    # a body listed as a person ("Georgia University") is an organisation, and so is a
    # name the source introduces as one ("a startup called Baiquan"); a product is neither
    introduced = {n: introduced_as(n, source_text) for n in reply.people}
    bodies = [n for n in reply.people if is_body(n) or introduced[n] == "organisation"]
    organisations = kept_names(
        [*reply.organisations, *bodies], lambda n: is_organisation_name(n, talk, source_text), seen
    )
    people = kept_names(
        [n for n in reply.people if introduced[n] is None],
        lambda n: is_person_name(n, talk, source_text),
        seen,
    )
    return ChunkSummary(
        chunk_id=chunk.id,
        source_id=chunk.source_id,
        key_points=[
            KeyPoint(
                id=f"{chunk.id}/p{i + 1}",
                text=clean(text),
                importance=max(1, 6 - rank[i]),
                evidence=passages_for(
                    source_text, chunk.source_id, with_its_names(text, cites, chunk)
                ),
            )
            for i, (cites, text) in enumerate(points)
        ],
        entities=[Entity(name=n, kind="person") for n in people]
        + [Entity(name=n, kind="organisation") for n in organisations],
    )


def copies_listing(point: str) -> bool:
    """Whether a point copies its sentence's opening as listed after the transcript: it
    ends in the listing's cut mark ("Grace, like, I hear you, but I'm also …") or in three
    dots ("And I'm like, from what I saw of Ernie 4.0 and from ...": the 1.5B writes it
    either way; 7 of its 385 points in the sixteenth round, 6 of 8 on one chunk)."""
    return point.rstrip().endswith((CUT_MARK, "..."))


def without_labels(point: str, numbers: Iterable[str]) -> str:
    """A point without the sentence numbers it copied from the transcript's lines ("...
    not just the high-speed rail, 26: the completeness of the infrastructure ...")."""
    labels = "|".join(re.escape(n) for n in numbers)
    return re.sub(rf"(?:^|(?<=\s))(?:{labels}): ", "", point) if labels else point


_OPENING_CLAUSE = re.compile(r"^([^,.;:]{1,60}),\s+(?=\S)")


def without_talk_opening(point: str) -> str:
    """A point without an opening clause that only tells who talks about what, when a
    claim follows it: the 1.5B opened a point of 003 with the map prompt's own example of
    a point that says nothing, "The host discusses chips, the plan for them is instead of
    letting us sell our AI models to other businesses, ... we're going to build consumer
    apps ...", and the brief's theme copied it."""
    opening = _OPENING_CLAUSE.match(point)
    if opening is None or not tells_the_talk(opening.group(1)):
        return point
    rest = point[opening.end() :]
    return capitalised(rest) if is_claim(rest) else point


def excerpt(chunk: Chunk, sentences: list[Sentence]) -> Chunk:
    """The stretch of ``chunk`` that these consecutive sentences of it make."""
    return chunk.model_copy(
        update={
            "sentences": sentences,
            "tokens": max(1, chunk.tokens * len(sentences) // len(chunk.sentences)),
            "char_start": sentences[0].char_start,
            "char_end": max(s.char_end for s in sentences),
            "line_start": sentences[0].line_start,
            "line_end": max(s.line_end for s in sentences),
        }
    )


def restated(
    chunk: Chunk,
    number: int,
    source_text: str,
    client: ModelClient,
    max_tokens: int,
    policy: ModelPolicy,
    part_tokens: int | None = None,
) -> str | None:
    """The point on sentence ``number`` asked again, on the part of the chunk it was
    picked from alone (``map_request.parts``: about ``part_tokens`` tokens, else
    ``map_part_tokens``, the same sentence numbered, one point to write); None when the
    reply copies the listing again or fails validation. On a chunk of long sentences the
    1.5B copied the listing for six of its eight points and that stretch of the talk was
    lost to the brief."""
    size = part_tokens or policy.map_part_tokens
    part = next(
        (p for p in parts(chunk, size) if any(s.id == number for s in p)),
        [s for s in chunk.sentences if s.id == number],
    )
    stretch = excerpt(chunk, part)
    try:
        reply = client.structured(
            stage="map",
            context={"sentence_ids": {s.id for s in part}},
            **map_request(
                stretch,
                source_text,
                max_tokens,
                one_line=policy.one_line_replies,
                point_chars=policy.point_max_chars,
                marked=[number],
            ),
        )
    except OutputInvalid:
        return None
    text = reply.points.get(str(number), "")
    return None if copies_listing(text) else text


def halves(chunk: Chunk) -> tuple[Chunk, Chunk]:
    """A chunk split in two at its middle sentence, each half numbered from 1."""
    middle = len(chunk.sentences) // 2

    def renumbered(sentences: list[Sentence]) -> Chunk:
        return excerpt(
            chunk, [s.model_copy(update={"id": n}) for n, s in enumerate(sentences, start=1)]
        )

    return renumbered(chunk.sentences[:middle]), renumbered(chunk.sentences[middle:])


def summarize_fitting(
    chunk: Chunk,
    source_text: str,
    client: ModelClient,
    max_tokens: int,
    policy: ModelPolicy = STRICT,
    *,
    halve_invalid: bool = True,
    part_tokens: int | None = None,
) -> ChunkSummary:
    """``summarize_chunk``, but a chunk too long for the context window (found by the
    client's pre-flight count, or said by the server) is split in two and each half
    summarised, never resent unchanged; the halves' summaries are merged. So is, once
    (``halve_invalid``), a chunk whose reply failed validation after the client's re-ask,
    each half with half the points to write: asked for eight points, the 1.5B ran on
    past the token limit twice on a chunk of 003 (sixteenth round), and the chunk was
    lost to the brief."""
    try:
        return summarize_chunk(chunk, source_text, client, max_tokens, policy, part_tokens)
    except ContextTooLong:
        if len(chunk.sentences) < 2:
            raise
    except OutputInvalid:
        if not halve_invalid or len(chunk.sentences) < 2:
            raise
    parts = [
        summarize_fitting(
            h, source_text, client, max_tokens, policy, halve_invalid=False, part_tokens=part_tokens
        )
        for h in halves(chunk)
    ]
    points = [p for s in parts for p in s.key_points]  # in transcript order
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
    policy: ModelPolicy = STRICT,
    whole_sources: Collection[str] | None = None,
) -> list[ChunkSummary]:
    """Summarise every chunk; a chunk that fails is recorded as failed and the run goes on.
    A source that is one chunk is noted more finely (``map_request.part_tokens_for``);
    ``whole_sources``: those sources, when ``chunks`` is not all of a run's.

    Bad credentials or an unreachable server stop the whole run: every call would fail."""
    sizes = part_tokens_by_chunk(chunks, policy.map_part_tokens, whole_sources)
    results: dict[str, ChunkSummary] = {}
    with worker_pool(workers) as pool:
        futures = {
            pool.submit(
                summarize_fitting,
                c,
                source_texts[c.source_id],
                client,
                max_tokens,
                policy,
                part_tokens=sizes[c.id],
            ): c
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
