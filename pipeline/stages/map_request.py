"""The map's request for a chunk: which sentences it asks about, and how it shows them.

A chunk is cut into parts of about ``PART_TOKENS`` tokens (the policy's
``map_part_tokens``), and the most salient sentence of each part (``anchor``) is
numbered: the map states one point per numbered sentence. The model sees the chunk one
sentence a line (or, under the policy's ``map_context_sentences``, each numbered sentence
with its neighbours alone: ``shown_sentences``), the numbered sentences listed again after
it by their opening words, and replies with points keyed by those numbers (``MapReply``;
llama.cpp's grammar enforces the keys). ``chunk_request`` builds a chunk's call as the
model policy shapes it, for the map stage and the dry-run planner alike, so both count
the same tokens; ``map_request`` also numbers a sentence chosen by the caller (a point
asked again).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, create_model, field_validator

from pipeline.languages import writing_language
from pipeline.model.prompts import boundary_for, load_prompt
from pipeline.models import Chunk, Sentence
from pipeline.stages.negation import governed
from pipeline.stages.points import salience, word_counts
from pipeline.stages.policy import ModelPolicy
from pipeline.stages.show_talk import in_sponsor_read, is_promo, sponsor_reads
from pipeline.text import QUESTION_MARKS, without_sound_tags

MAX_POINTS = 8
PART_TOKENS = 350  # one map point for about this many tokens of a chunk (by default)
OPENING_WORDS = 12  # a numbered sentence is listed again after the transcript by these
POINT_WORDS = 30  # about what the 1.5B writes for a point (mean 30.5 words, tenth round)
CUT_MARK = "…"  # ends an opening that is not the whole sentence


def point_count(tokens: int, part_tokens: int = PART_TOKENS) -> int:
    """The map points asked of a chunk of ``tokens`` tokens: one a part, 1 to
    ``MAX_POINTS`` (fewer when the chunk has fewer sentences, ``parts``)."""
    return max(1, min(MAX_POINTS, round(tokens / part_tokens)))


def sources_of_one_chunk(chunks: Iterable[Chunk]) -> set[str]:
    """The sources whose whole transcript is one chunk of ``chunks`` (``part_tokens_for``)."""
    counts = Counter(c.source_id for c in chunks)
    return {source for source, n in counts.items() if n == 1}


def part_tokens_by_chunk(
    chunks: Sequence[Chunk], part_tokens: int, whole_sources: Iterable[str] | None = None
) -> dict[str, int]:
    """Each chunk's part size (``part_tokens_for``), by chunk id; ``whole_sources``: the
    sources that are one chunk, when ``chunks`` is not all of a run's (else counted here)."""
    whole = sources_of_one_chunk(chunks) if whole_sources is None else set(whole_sources)
    return {c.id: part_tokens_for(c, part_tokens, c.source_id in whole) for c in chunks}


def part_tokens_for(chunk: Chunk, part_tokens: int, whole_source: bool) -> int:
    """The part size a chunk is noted by: ``part_tokens``, or, for a chunk that is its
    source's whole transcript, an eighth of it (``MAX_POINTS`` points, as a full chunk
    gets) when that is smaller. A 497-word interview made one chunk of four parts, and
    its brief four points to tell (151 words, 4 of its 15 facts); its eight most salient
    sentences hold 8 of the facts, its four 5 (``bench/data/es``)."""
    if not whole_source:
        return part_tokens
    return max(1, min(part_tokens, math.ceil(chunk.tokens / MAX_POINTS)))


def parts(chunk: Chunk, part_tokens: int = PART_TOKENS) -> list[list[Sentence]]:
    """The chunk's sentences in consecutive parts of about ``part_tokens`` tokens each
    (split by characters; 1 to ``MAX_POINTS`` parts), one map point per part: asked for
    "the most important points", a small model took 56% of them from the first fifth of
    its chunk and left the rest of it out of every brief."""
    sentences = chunk.sentences
    count = min(len(sentences), point_count(chunk.tokens, part_tokens))
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


class MapNames(BaseModel):
    """The names a chunk's map reply lists; the whole reply when the points are the
    sentences' own words (``ModelPolicy.map_points_extracted``)."""

    model_config = ConfigDict(extra="forbid")

    people: list[str] = Field(max_length=8, description="people named in the chunk")
    organisations: list[str] = Field(
        max_length=8, description="companies, labs, governments and other bodies named"
    )


class MapReply(MapNames):
    """What the model returns for one chunk (sentence numbers, no quotes): terse, because
    generation is most of the model's time. The short name lists come first: a small
    model tends to leave the last field of a reply empty, and the points matter most."""

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
            not s.text.rstrip().endswith(QUESTION_MARKS),
            salience(s.text, source_counts),
        ),
    )


_WORD_START = re.compile(r"\S+")
CLAUSE_END = (",", ";", ":")
# a run-on sentence (``salient_clause``): longer than an extracted point is let run
# (``map_extract.EXTRACT_WORDS``), its clauses joined by these words instead of commas
RUN_ON_WORDS = 40
RUN_ON_BREAKS = frozenset({"and", "but", "so", "because", "right", "uh", "um"})


def salient_clause(
    text: str, source_counts: Counter[str], words: int = POINT_WORDS, run_on: bool = False
) -> int:
    """Where in a long sentence its point should start (a character offset): the clause
    (the sentence's start, or a word after a comma, semicolon or colon) whose next
    ``words`` words are the most salient (``salience``). The model restates a numbered
    sentence from its first words and stops after about 30 of them: in a 300-character
    sentence of clauses ("It's this kind of deep infrastructure, Then for example, there
    are 70 million skilled workers, ...") the figure came too late. The first 30 words of
    the numbered sentences held 39 of the 75 key facts, the 30 words from their most
    salient clause 48 (docs/evaluation-history.md, eleventh round). ``run_on``: a
    sentence of more than ``RUN_ON_WORDS`` words with fewer than two of those marks, speech
    transcribed without commas ("... i had a conversation with kai fu lee once uh for my
    book and he ... called mark zuckerberg the most chinese ..."), may also start after
    one of ``RUN_ON_BREAKS``. No clause starts right after a negation that governs it
    (``negation.governed``: "China has never been a society that's like really, you
    know, glorifies individual inventor ..." gave the point "Glorifies individual inventor
    the same way that we do in the US")."""
    found = list(_WORD_START.finditer(text))
    if len(found) <= words:
        return 0
    starts = [0] + [
        i + 1
        for i, word in enumerate(found[:-4])  # a clause of 4 words or more
        if word.group().endswith(CLAUSE_END)
    ]
    if run_on and len(found) > RUN_ON_WORDS and len(starts) < 3:
        starts += [
            i + 1
            for i, word in enumerate(found[:-4])
            if word.group().lower().strip(",.") in RUN_ON_BREAKS
        ]
    said = [w.group() for w in found]
    best = max(
        [i for i in sorted(set(starts)) if not governed(said, i)],
        key=lambda i: salience(" ".join(said[i : i + words]), source_counts),
    )
    return found[best].start()


def shown_sentences(chunk: Chunk, marked: Iterable[int], context: int = 0) -> list[Sentence]:
    """The sentences of ``chunk`` the map shows: all of them (``context`` 0), or each
    numbered sentence with ``context`` sentences either side."""
    sentences = chunk.sentences
    if not context:
        return list(sentences)
    at = {s.id: i for i, s in enumerate(sentences)}
    near = {
        i
        for n in marked
        for i in range(max(0, at[n] - context), min(len(sentences), at[n] + context + 1))
    }
    return [s for i, s in enumerate(sentences) if i in near]


def number_sentences(
    chunk: Chunk,
    marked: Iterable[int],
    starts: dict[int, int] | None = None,
    context: int = 0,
    *,
    numbered: bool = True,
) -> str:
    """One sentence a line, 'n: text' for a sentence to note and the text alone for the
    rest (numbering every sentence cost about an eighth of the map's prompt); the speaker
    (and timestamp) is shown when it changes, and after the cut mark that stands for the
    sentences ``context`` leaves out (``shown_sentences``). ``starts``: per numbered
    sentence, where its numbered part starts (``salient_clause``); the words before stand
    on a line of their own, unnumbered, right above it. ``numbered`` False: the same lines
    without the numbers (``names_request``)."""
    marked, starts = set(marked), starts or {}
    shown = {s.id for s in shown_sentences(chunk, marked, context)}
    lines: list[str] = []
    last_speaker, left_out = None, False
    for sentence in chunk.sentences:
        if sentence.id not in shown:
            left_out = True
            continue
        if left_out:  # a cut mark for the sentences left out, and the speaker again
            if lines:
                lines.append(CUT_MARK)
            last_speaker, left_out = None, False
        label = ""
        if sentence.speaker and sentence.speaker != last_speaker:
            stamp = f" {sentence.timestamp}" if sentence.timestamp else ""
            label = f"({sentence.speaker}{stamp}) "
            last_speaker = sentence.speaker
        text, at = sentence.text, starts.get(sentence.id, 0)
        if at:
            lines.append(f"{label}{without_sound_tags(text[:at]).rstrip()}")
            text, label = text[at:], ""
        number = f"{sentence.id}: " if numbered and sentence.id in marked else ""
        lines.append(f"{number}{label}{without_sound_tags(text)}")
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
        said = without_sound_tags(by_id[number].text[starts.get(number, 0) :]).split()
        cut = " ".join(said[:words]) + (f" {CUT_MARK}" if len(said) > words else "")
        lines.append(f"{number}: {cut}")
    return "\n".join(lines)


def anchors(chunk: Chunk, source_text: str, part_tokens: int = PART_TOKENS) -> list[int]:
    """The sentences a chunk's map call numbers: each part's ``anchor``, the sponsor reads
    left out (a part that is all sponsor read has no point; a chunk that is all ads
    keeps one)."""
    counts = word_counts_of(source_text)
    reads = sponsor_reads(source_text)
    talk = [
        [s for s in part if not in_sponsor_read(s, reads)] for part in parts(chunk, part_tokens)
    ]
    return [anchor(part, counts).id for part in talk if part] or [
        anchor(chunk.sentences, counts).id
    ]


def map_request(
    chunk: Chunk,
    source_text: str,
    max_tokens: int,
    *,
    one_line: bool = False,
    point_chars: int = 0,
    part_tokens: int = PART_TOKENS,
    marked: Sequence[int] = (),
    context: int = 0,
) -> dict[str, Any]:
    """The arguments of a chunk's map call (shared by the run and the dry-run planner);
    ``one_line``, ``point_chars``, ``part_tokens``, ``context``: the policy's
    ``one_line_replies``, ``point_max_chars``, ``map_part_tokens`` and
    ``map_context_sentences``. The reply's points are keyed by
    exactly the numbered sentences, one per part of the chunk (``parts``, ``anchor``), in
    order: llama.cpp's grammar enforces the keys. ``marked``: number these sentences
    instead (a point asked again, ``map_stage.restated``). A transcript not in English has
    its points asked in its language (``writing_language``: the 1.5B wrote a German
    interview's in English)."""
    counts = word_counts_of(source_text)
    marked = list(marked) or anchors(chunk, source_text, part_tokens)
    by_id = {s.id: s for s in chunk.sentences}
    starts = {n: salient_clause(by_id[n].text, counts) for n in marked}
    numbered = number_sentences(chunk, marked, starts, context)
    again = openings(chunk, marked, starts=starts)
    return {
        "prompt": load_prompt("map", one_line=one_line, language=writing_language(numbered)),
        "variables": {
            "boundary": boundary_for(f"{numbered}\n{again}"),
            "sentences": numbered,
            "openings": again,
        },
        "schema": capped_reply(point_chars) if point_chars else MapReply,
        "max_tokens": max_tokens,
        "narrow": {"points": [str(n) for n in marked]},
    }


def names_request(
    chunk: Chunk,
    source_text: str,
    max_tokens: int,
    part_tokens: int = PART_TOKENS,
    context: int = 0,
    one_line: bool = False,
    marked: Sequence[int] = (),
) -> dict[str, Any]:
    """The arguments of a chunk's map call that asks for its names alone
    (``ModelPolicy.map_points_extracted``): the sentences a written map shows
    (``shown_sentences``: the parts' anchors, or ``marked``, and ``context`` either
    side), unnumbered."""
    marked = list(marked) or anchors(chunk, source_text, part_tokens)
    shown = number_sentences(chunk, marked, context=context, numbered=False)
    return {
        "prompt": load_prompt("map_names", one_line=one_line),
        "variables": {"boundary": boundary_for(shown), "sentences": shown},
        "schema": MapNames,
        "max_tokens": max_tokens,
    }


def chunk_request(
    chunk: Chunk,
    source_text: str,
    max_tokens: int,
    policy: ModelPolicy,
    part_tokens: int | None = None,
    marked: Sequence[int] = (),
) -> dict[str, Any]:
    """A chunk's map call as ``policy`` shapes it: the one request the map stage sends and
    the dry-run planner counts (``part_tokens``: ``part_tokens_for``'s, else the policy's;
    ``marked``: the chunk's ``anchors`` when the caller has them)."""
    if policy.map_points_extracted:
        return names_request(
            chunk,
            source_text,
            max_tokens,
            part_tokens or policy.map_part_tokens,
            policy.map_context_sentences,
            policy.one_line_replies,
            marked,
        )
    return map_request(
        chunk,
        source_text,
        max_tokens,
        one_line=policy.one_line_replies,
        point_chars=policy.point_max_chars,
        part_tokens=part_tokens or policy.map_part_tokens,
        context=policy.map_context_sentences,
    )


@functools.lru_cache(maxsize=16)
def word_counts_of(source_text: str) -> Counter[str]:
    """``word_counts`` of a source, counted once for all its chunks."""
    return word_counts(source_text)
