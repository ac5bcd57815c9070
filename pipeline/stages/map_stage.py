"""Map: one ``ChunkSummary`` per chunk.

The model sees the chunk one sentence a line, the sentence to note in each part of it
numbered, and answers with sentence numbers, never with quotes. Code then resolves every
number to the exact span of the source file, so each point's evidence is verbatim and
locatable. Numbers that are not in the chunk fail validation, which feeds the client's
one re-ask.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, create_model, field_validator

from pipeline.errors import ContextTooLong, ModelAuthError, ModelError, ModelUnreachable
from pipeline.model.client import ModelClient
from pipeline.model.prompts import boundary_for, load_prompt
from pipeline.models import (
    Chunk,
    ChunkSummary,
    Entity,
    KeyPoint,
    Passage,
    Sentence,
    column_at,
)
from pipeline.stages.names import is_body, is_person_name, is_proper_name, kept_names
from pipeline.stages.points import is_label, salience, specificity, word_counts
from pipeline.stages.policy import STRICT, ModelPolicy
from pipeline.stages.show_talk import in_sponsor_read, is_promo, sponsor_reads
from pipeline.text import plain_words, share_in, stems

MAX_POINTS = 8
PART_TOKENS = 350  # one map point for about this many tokens of a chunk
OPENING_WORDS = 12  # a numbered sentence is listed again after the transcript by these
POINT_WORDS = 30  # about what the 1.5B writes for a point (mean 30.5 words, tenth round)
CUT_MARK = "…"  # ends an opening that is not the whole sentence


def parts(chunk: Chunk, part_tokens: int = PART_TOKENS) -> list[list[Sentence]]:
    """The chunk's sentences in consecutive parts of about ``part_tokens`` tokens each
    (split by characters; 1 to ``MAX_POINTS`` parts), one map point per part: asked for
    "the most important points", a small model took 56% of them from the first fifth of
    its chunk and left the rest of it out of every brief."""
    sentences = chunk.sentences
    count = max(1, min(MAX_POINTS, len(sentences), round(chunk.tokens / part_tokens)))
    starts, before = [], 0  # each sentence's offset in the chunk's text
    for sentence in sentences:
        starts.append(before)
        before += len(sentence.text)
    cuts = [0]
    for k in range(1, count):
        at = next((i for i, start in enumerate(starts) if start * count >= k * before), len(starts))
        # at least one sentence in each part, before and after the cut
        cuts.append(min(max(at, cuts[-1] + 1), len(sentences) - (count - k)))
    return [sentences[a:b] for a, b in zip(cuts, cuts[1:] + [len(sentences)], strict=True)]


class MapReply(BaseModel):
    """What the model returns for one chunk (sentence numbers, no quotes): terse, because
    generation is most of the model's time. The short name lists come first: a small
    model tends to leave the last field of a reply empty, and the points matter most."""

    model_config = ConfigDict(extra="forbid")

    people: list[str] = Field(max_length=8, description="people named in the chunk")
    organisations: list[str] = Field(
        max_length=8, description="companies, labs, governments and other bodies named"
    )
    # keyed by sentence number ({"12": "..."}): the number comes right before the point
    # that states it, 7 tokens a point fewer than {"ids": [12], "text": "..."}
    points: dict[str, str] = Field(
        min_length=1,
        max_length=MAX_POINTS,
        description="by the number of the sentence it states: one short sentence, who holds "
        "what, with names and numbers",
    )

    @field_validator("points")
    @classmethod
    def _known_numbers(cls, points: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        known = (info.context or {}).get("sentence_ids")
        unknown = [
            key
            for key in points
            if not key.isdigit() or (known is not None and int(key) not in known)
        ]
        if unknown:
            valid = f" (valid: 1-{max(known)})" if known else ""
            raise ValueError(f"sentence numbers [{', '.join(unknown)}] are not in the chunk{valid}")
        return points


@functools.cache
def capped_reply(point_chars: int) -> type[MapReply]:
    """``MapReply`` whose points have at most ``point_chars`` characters (the policy's
    ``point_max_chars``)."""
    value = Annotated[str, Field(max_length=point_chars)]
    field = Field(
        min_length=1,
        max_length=MAX_POINTS,
        description=MapReply.model_fields["points"].description,
    )
    return create_model(
        "MapReply",
        __base__=MapReply,
        points=(dict[str, value], field),  # type: ignore[valid-type]
    )


def cut_back(text: str, limit: int) -> str:
    """A point the grammar ended at ``limit`` characters, cut back to its last sentence or
    clause end in its second half, else to its last whole word with an ellipsis."""
    if len(text) < limit:
        return text
    for end in (". ", "; ", ", "):
        at = text.rfind(end)
        if at > limit // 2:
            return text[:at] + ("." if end == ". " else " …")
    return text.rsplit(" ", 1)[0] + " …"


def anchor(part: list[Sentence], source_counts: Counter[str]) -> Sentence:
    """The sentence a part's map point starts from: its most salient
    (``pipeline.stages.points.salience``: rare words, figures, names, raised for the
    words its source keeps using). Left to choose, the 1.5B's points held 6 of the 38
    tune facts that their chunks hold; the most specific sentence of each ~350-token part
    holds 14 of them (docs/evaluation-history.md, seventh round). A question is taken
    only from a part of questions, a welcome never when the part has another sentence
    (``map_request`` takes the sponsor reads out of the parts first)."""
    return max(
        part,
        key=lambda s: (
            not is_promo(s.text),
            not s.text.rstrip().endswith("?"),
            salience(s.text, source_counts),
        ),
    )


_WORD_START = re.compile(r"\S+")
_CLAUSE_END = (",", ";", ":")


def salient_clause(text: str, source_counts: Counter[str], words: int = POINT_WORDS) -> int:
    """Where in a long sentence its point should start (a character offset): the clause
    (the sentence's start, or a word after a comma, semicolon or colon) whose next
    ``words`` words are the most salient (``salience``). The model restates a numbered
    sentence from its first words and stops after about 30 of them: in a 300-character
    sentence of clauses ("It's this kind of deep infrastructure, Then for example, there
    are 70 million skilled workers, ...") the figure came too late. The first 30 words of
    the numbered sentences held 39 of the 75 key facts, the 30 words from their most
    salient clause 48 (docs/evaluation-history.md, eleventh round)."""
    found = list(_WORD_START.finditer(text))
    if len(found) <= words:
        return 0
    starts = [0] + [
        i + 1
        for i, word in enumerate(found[:-4])  # a clause of 4 words or more
        if word.group().endswith(_CLAUSE_END)
    ]
    best = max(
        starts,
        key=lambda i: salience(" ".join(w.group() for w in found[i : i + words]), source_counts),
    )
    return found[best].start()


def number_sentences(
    chunk: Chunk, marked: Iterable[int], starts: dict[int, int] | None = None
) -> str:
    """One sentence a line, 'n: text' for a sentence to note and the text alone for the
    rest (numbering every sentence cost about an eighth of the map's prompt); the speaker
    (and timestamp) is shown when it changes. ``starts``: per numbered sentence, where
    its numbered part starts (``salient_clause``); the words before stand on a line of
    their own, unnumbered, right above it."""
    lines, last_speaker, marked, starts = [], None, set(marked), starts or {}
    for sentence in chunk.sentences:
        label = ""
        if sentence.speaker and sentence.speaker != last_speaker:
            stamp = f" {sentence.timestamp}" if sentence.timestamp else ""
            label = f"({sentence.speaker}{stamp}) "
            last_speaker = sentence.speaker
        text, at = sentence.text, starts.get(sentence.id, 0)
        if at:
            lines.append(f"{label}{text[:at].rstrip()}")
            text, label = text[at:], ""
        number = f"{sentence.id}: " if sentence.id in marked else ""
        lines.append(f"{number}{label}{text}")
    return "\n".join(lines)


def openings(
    chunk: Chunk,
    marked: Iterable[int],
    words: int = OPENING_WORDS,
    starts: dict[int, int] | None = None,
) -> str:
    """The numbered sentences again (each from its ``starts``, as numbered), 'n: opening
    words …' a line, for after the transcript: listed right before its reply, what to
    restate in order, the 1.5B's points stated their own sentence: 189 of 199 held 60% of
    its content words, against 137 of 195 with the numbers in the transcript alone
    (docs/evaluation-history.md, tenth round)."""
    by_id, starts = {sentence.id: sentence for sentence in chunk.sentences}, starts or {}
    lines = []
    for number in marked:
        said = by_id[number].text[starts.get(number, 0) :].split()
        cut = " ".join(said[:words]) + (f" {CUT_MARK}" if len(said) > words else "")
        lines.append(f"{number}: {cut}")
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


def ground(statement: str, cited: Sentence, chunk: Chunk, policy: ModelPolicy = STRICT) -> Sentence:
    """The sentence a point's evidence is: the numbered sentence it was asked for. A small
    model sometimes states another sentence of the chunk instead: when the numbered one
    shares no content word with the point, the strict policy cites the chunk's
    best-matching sentence (when it shares at least two)."""
    words = plain_words(statement)
    if words & plain_words(cited.text) or not policy.replace_habitual_citation:
        return cited
    best = max(chunk.sentences, key=lambda s: len(words & plain_words(s.text)))
    return best if len(words & plain_words(best.text)) >= 2 else cited


_URL = re.compile(r"(?:https?://|www\.)[^\s)\]>\"']+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io)\b")


def without_foreign_urls(text: str, source: str) -> str:
    """Model text with every address the chunk does not contain taken out: an injected
    instruction may ask for a link or image that sends data to someone else."""
    return _URL.sub(lambda m: m.group(0) if m.group(0) in source else "[link removed]", text)


def map_request(
    chunk: Chunk,
    source_text: str,
    max_tokens: int,
    *,
    one_line: bool = False,
    point_chars: int = 0,
) -> dict[str, Any]:
    """The arguments of a chunk's map call (shared by the run and the dry-run planner);
    ``one_line``, ``point_chars``: the policy's ``one_line_replies`` and
    ``point_max_chars``. The reply's points are keyed by
    exactly the numbered sentences, one per part of the chunk (``parts``, ``anchor``), in
    order: llama.cpp's grammar enforces the keys."""
    counts = word_counts_of(source_text)
    reads = sponsor_reads(source_text)
    talk = [[s for s in part if not in_sponsor_read(s, reads)] for part in parts(chunk)]
    # a part that is all sponsor read has no point; a chunk that is all ads keeps one
    marked = [anchor(part, counts).id for part in talk if part] or [
        anchor(chunk.sentences, counts).id
    ]
    by_id = {s.id: s for s in chunk.sentences}
    starts = {n: salient_clause(by_id[n].text, counts) for n in marked}
    numbered = number_sentences(chunk, marked, starts)
    again = openings(chunk, marked, starts=starts)
    return {
        "prompt": load_prompt("map", one_line=one_line),
        "variables": {
            "boundary": boundary_for(f"{numbered}\n{again}"),
            "sentences": numbered,
            "openings": again,
        },
        "schema": capped_reply(point_chars) if point_chars else MapReply,
        "max_tokens": max_tokens,
        "narrow": {"points": [str(n) for n in marked]},
    }


@functools.lru_cache(maxsize=16)
def word_counts_of(source_text: str) -> Counter[str]:
    """``word_counts`` of a source, counted once for all its chunks."""
    return word_counts(source_text)


def summarize_chunk(
    chunk: Chunk,
    source_text: str,
    client: ModelClient,
    max_tokens: int,
    policy: ModelPolicy = STRICT,
) -> ChunkSummary:
    reply = client.structured(
        stage="map",
        context={"sentence_ids": {s.id for s in chunk.sentences}},
        **map_request(
            chunk,
            source_text,
            max_tokens,
            one_line=policy.one_line_replies,
            point_chars=policy.point_max_chars,
        ),
    )
    by_id = {s.id: s for s in chunk.sentences}
    clean = lambda text: without_foreign_urls(text, chunk.text)  # noqa: E731

    reads = sponsor_reads(source_text)

    def grounded(statement: str, number: int) -> Sentence:
        return ground(statement, by_id[number], chunk, policy)

    def evidence(statement: str, number: int) -> list[Passage]:
        return passages_for(source_text, chunk.source_id, [grounded(statement, number)])

    # a point is kept when it is a claim, not a topic's label; is not the show's own talk
    # (a welcome, an ad) nor grounded in it; says something the chunk says, is new, and is
    # no copy of the openings listed after the transcript (it ends in their cut mark:
    # "Grace, like, I hear you, but I'm also …")
    chunk_words = stems(chunk.text)
    points, said = [], set()
    # in the chunk's order: a cached reply comes back with its keys sorted as strings
    for number, said_text in sorted(reply.points.items(), key=lambda item: int(item[0])):
        if said_text.rstrip().endswith(CUT_MARK):
            continue
        text = cut_back(said_text, policy.point_max_chars) if policy.point_max_chars else said_text
        key = " ".join(sorted(plain_words(text)))
        if len(plain_words(text)) < 2 or key in said or is_promo(text) or is_label(text):
            continue
        if share_in(stems(text), chunk_words) < policy.point_support:
            continue
        # no sentence of a sponsor read is numbered, but the read is shown: asked for the
        # sentence after it, the 1.5B stated "I believe in Omniki so much that I invested
        # in it and I recommend you use it too", and its evidence became the ad's
        if in_sponsor_read(grounded(text, int(number)), reads):
            continue
        said.add(key)
        points.append((int(number), text))
    # the points come in the chunk's order: the most specific is the most important
    order = sorted(range(len(points)), key=lambda i: -specificity(points[i][1]))
    rank = {i: n for n, i in enumerate(order, start=1)}
    seen: set[str] = set()  # a name the model also calls an organisation is not a person
    # names said only in a sponsor read (the sponsor, its founder) are not the talk's
    talk = " ".join(s.text for s in chunk.sentences if not in_sponsor_read(s, reads))
    # a body listed as a person ("Georgia University") is an organisation
    bodies = [n for n in reply.people if is_body(n)]
    organisations = kept_names(
        [*reply.organisations, *bodies], lambda n: is_proper_name(n, talk), seen
    )
    people = kept_names(reply.people, lambda n: is_person_name(n, talk, source_text), seen)
    return ChunkSummary(
        chunk_id=chunk.id,
        source_id=chunk.source_id,
        key_points=[
            KeyPoint(
                id=f"{chunk.id}/p{i + 1}",
                text=clean(text),
                importance=max(1, 6 - rank[i]),
                evidence=evidence(text, number),
            )
            for i, (number, text) in enumerate(points)
        ],
        entities=[Entity(name=n, kind="person") for n in people]
        + [Entity(name=n, kind="organisation") for n in organisations],
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
    chunk: Chunk,
    source_text: str,
    client: ModelClient,
    max_tokens: int,
    policy: ModelPolicy = STRICT,
) -> ChunkSummary:
    """``summarize_chunk``, but a chunk too long for the context window (found by the
    client's pre-flight count, or said by the server) is split in two and each half
    summarised, never resent unchanged; the halves' summaries are merged."""
    try:
        return summarize_chunk(chunk, source_text, client, max_tokens, policy)
    except ContextTooLong:
        if len(chunk.sentences) < 2:
            raise
    parts = [summarize_fitting(h, source_text, client, max_tokens, policy) for h in halves(chunk)]
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
) -> list[ChunkSummary]:
    """Summarise every chunk; a chunk that fails is recorded as failed and the run goes on.

    Bad credentials or an unreachable server stop the whole run: every call would fail."""
    results: dict[str, ChunkSummary] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {
            pool.submit(
                summarize_fitting, c, source_texts[c.source_id], client, max_tokens, policy
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
