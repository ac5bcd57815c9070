"""Token-aware chunking: speaker turns, then sentences, packed up to a token budget.

Sentences may run across segments (transcripts wrapped mid-sentence over lines or
bullets); each ``Sentence`` keeps the exact span of the original file it came from, so a
quote is always ``original_text[char_start:char_end]``. A chunk never ends mid-sentence
unless a single sentence is longer than the budget, in which case that sentence alone is
split at word boundaries (where its writing has spaces). A full stop of Chinese or
Japanese writing ends a sentence with no space after it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.model.llm import count_tokens, token_cut
from pipeline.models import Chunk, Segment, Sentence, Transcript

# a stop before a space, or a full stop of Chinese or Japanese writing, which no space follows
_SENTENCE_END = re.compile(r"[.!?。！？…]+[\"'”’)\]]*(?=\s)|[。！？]+[」』\"'”’)\]]*")
# a stop that ends an abbreviation ("U.S.", "D.C.", "e.g.", "p.m.", "vs.", "etc.", an
# initial) ends no sentence when the next word is in lower case ("the U.S. for sure"), and a
# title's ("Dr. Li") never does: 27 sentences of the seeds ended so ("And we saw a lot of
# U.S." / "capital pulling out of China."), cut quotes and points among them
_ABBREVIATION = re.compile(r"(?:\b(?:[A-Za-z]\.){2,}|\b(?:vs|etc)\.|\b[A-Z]\.)$")
_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Prof|St)\.$")
_NON_SPACE = re.compile(r"\S")
ENDS_WITH_STOP = re.compile(r"[.!?。！？…][\"'”’)\]」』]*\s*$")
LABEL_TOKENS = 4  # the "[12] " label each sentence gets in the map prompt
_SOFT_END = (",", ";", ":", "-", "–", "—")
# a sentence runs on over lines that end in a comma or mid-clause (a translated podcast
# written a clause a line, a transcript wrapped at 90 columns) until a full stop, or to
# the end of the line where it reaches this length: a 13-line "sentence" is no unit to
# note, cite or quote
MAX_SENTENCE_CHARS = 300
# a word that often opens a sentence of speech: where a run without stops is cut
_OPENER = re.compile(
    r"\s(?=(?:so|and|but|because|i|we|you|they|it['’]s|that['’]s|there['’]s|now|well|okay|"
    r"yeah|if|when|what|how|why)\b)",
    re.IGNORECASE,
)


# a transcript wrapped at a width (a Whisper export, a web page's text): most of its lines
# end within this many characters of one width of WRAP_MIN_WIDTH to WRAP_MAX_WIDTH
# (caption cues of 32-46 characters are turns of their own, a subtitle written a clause a
# line is not wrapped, and lines longer than the longest sentence are paragraphs), a
# share of at least WRAP_MIN_SHARE of its lines
WRAP_SLACK = 12
WRAP_MIN_WIDTH = 60
WRAP_MAX_WIDTH = 300
WRAP_MIN_SHARE = 0.25


@dataclass
class _Piece:
    """A sentence-sized run of one turn, with original offsets and position info."""

    start: int
    end: int
    text: str
    line_start: int
    line_end: int
    speaker: str | None
    timestamp: str | None
    turn: int


def _newlines(text: str) -> list[int]:
    return [m.start() for m in re.finditer("\n", text)]


def _position(segment: Segment, newlines: list[int], offset: int) -> tuple[int, int]:
    """(original char offset, line number) of ``offset`` inside ``segment.text``, given
    the segment's newline offsets (found once: counting from 0 for every sentence is
    quadratic in a long segment, and a 5 MB one-line transcript took minutes)."""
    return segment.char_start + offset, segment.line_start + bisect_left(newlines, offset)


def _turns(transcript: Transcript) -> list[list[Segment]]:
    turns: list[list[Segment]] = []
    for segment in transcript.segments:
        same_turn = turns and (
            turns[-1][-1].speaker == segment.speaker
            and (segment.timestamp is None or segment.timestamp == turns[-1][-1].timestamp)
        )
        if same_turn:
            turns[-1].append(segment)
        else:
            turns.append([segment])
    return turns


def _run_parts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``text[start:end]`` as parts of at most ``MAX_SENTENCE_CHARS``, when the run is
    longer and ends with no full stop: speech transcribed without punctuation (a caption
    dump on one line, paragraphs with no stops) is otherwise one "sentence" of thousands
    of characters, which the map can only note whole. A part ends before the last word in
    its second half that often opens a sentence of speech (``_OPENER``: "so", "but", "I"),
    else at its last space there, else (no spaces, as in Chinese) at the length. Parts of
    200 characters carried as many facts of two seeds stripped of their stops, but the
    1.5B's points ran past a part's end (docs/evaluation-history.md, forty-ninth round)."""
    if end - start <= MAX_SENTENCE_CHARS or ENDS_WITH_STOP.search(text, start, end):
        return [(start, end)]
    parts = []
    while end - start > MAX_SENTENCE_CHARS:
        low, limit = start + MAX_SENTENCE_CHARS // 2, start + MAX_SENTENCE_CHARS
        openers = [m.start() for m in _OPENER.finditer(text, low, limit + 1)]
        space = max(text.rfind(c, low, limit + 1) for c in " \n\t")
        cut = openers[-1] if openers else space if space > start else limit
        part_end = cut
        while text[part_end - 1].isspace():
            part_end -= 1
        parts.append((start, part_end))
        start = _skip_space(text, cut)
    return [*parts, (start, end)] if start < end else parts


def wrap_width(segments: Sequence[Segment]) -> int:
    """The width a transcript's lines are wrapped at, or 0 when they are not: the
    ``WRAP_SLACK``-character band of line lengths that holds the most lines, when it holds
    at least ``WRAP_MIN_SHARE`` of them and ends at ``WRAP_MIN_WIDTH`` to
    ``WRAP_MAX_WIDTH`` characters (source 004 of the seeds: 79% of its lines end 88-100
    characters in; 003, wrapped in parts: 33%; a subtitle a clause a line, 000: its
    densest band ends at 34)."""
    lengths = Counter(len(s.text.rstrip()) for s in segments if s.text.strip())
    total = sum(lengths.values())
    if not total:
        return 0
    band = {
        w: sum(lengths[n] for n in range(w - WRAP_SLACK, w + 1))
        for w in range(WRAP_MIN_WIDTH, min(max(lengths), WRAP_MAX_WIDTH) + 1)
    }
    width = max(band, key=lambda w: (band[w], -w), default=0)
    return width if width and band[width] >= WRAP_MIN_SHARE * total else 0


def _wrapped(text: str, width: int) -> bool:
    """The line ``text`` is as full as the transcript's wrapped lines are (within
    ``WRAP_SLACK`` characters of ``width``, ``wrap_width``) and ends with no stop: where
    it ends is the layout's line break, not the talk's. Read as a sentence's end before a
    capital, such breaks left 50 of source 004's 866 sentences with no stop, most of them
    halves ("... political leaders going to visit places like" / "Baidu and the Beijing
    Academy of AI."), and a second half was noted as a key point alone."""
    line = text.rstrip()
    return (
        bool(width) and width - WRAP_SLACK <= len(line) <= width and not ENDS_WITH_STOP.search(line)
    )


def _boundaries(segments: list[Segment], width: int = 0) -> list[tuple[int, int, int, int]]:
    """Sentence boundaries as (first segment, start offset, last segment, end offset);
    ``width``: the transcript's wrap width (``wrap_width``), 0 when it is not wrapped."""
    spans: list[tuple[int, int, int, int]] = []

    def add(first: int, start: int, last: int, end: int) -> None:
        if first != last:
            spans.append((first, start, last, end))
        else:
            parts = _run_parts(segments[first].text, start, end)
            spans.extend((first, a, last, b) for a, b in parts)

    open_at: tuple[int, int] | None = None
    for index, segment in enumerate(segments):
        text = segment.text
        cursor = 0
        first_stop = _SENTENCE_END.search(text)
        if open_at is not None and (first_stop.start() if first_stop else len(text)) > (
            MAX_SENTENCE_CHARS
        ):
            # a run over lines meets a line whose own run is too long: the run ends before
            # it, and the long one is cut into parts (``_run_parts``)
            add(*open_at, index - 1, len(segments[index - 1].text.rstrip()))
            open_at = None
        for match in _SENTENCE_END.finditer(text):
            # the stop's word (a short tail: a 5 MB line has 100,000 stops) and what follows
            tail = text[max(0, match.end() - 12) : match.end()]
            if _continues(tail, _next_char(segments, index, match.end())):
                continue
            start = open_at or (index, _skip_space(text, cursor))
            add(*start, index, match.end())
            open_at, cursor = None, match.end()
        rest_start = _skip_space(text, cursor)
        if rest_start < len(text):
            if open_at is None:
                open_at = (index, rest_start)
            following = segments[index + 1].text if index + 1 < len(segments) else ""
            line_is_sentence = _open_chars(segments, open_at, index) >= MAX_SENTENCE_CHARS or (
                not text.rstrip().endswith(_SOFT_END)
                and (not following or following[:1].isupper())
                and not _wrapped(text, width)
            )
            if line_is_sentence:
                add(*open_at, index, len(text.rstrip()))
                open_at = None
    if open_at is not None:
        last = len(segments) - 1
        add(*open_at, last, len(segments[last].text.rstrip()))
    return spans


def _continues(before: str, following: str) -> bool:
    """The stop that ends ``before`` is an abbreviation's or a title's, not a sentence's
    (``following``: what comes next)."""
    if _TITLE.search(before):
        return True
    return following[:1].islower() and _ABBREVIATION.search(before) is not None


def _next_char(segments: list[Segment], index: int, offset: int) -> str:
    """The first character after ``offset`` of segment ``index`` that is not a space, or
    the next segment's when the segment ends there ("" at the very end)."""
    found = _NON_SPACE.search(segments[index].text, offset)
    if found is None and index + 1 < len(segments):
        found = _NON_SPACE.search(segments[index + 1].text)
    return found.group() if found else ""


def _open_chars(segments: list[Segment], open_at: tuple[int, int], index: int) -> int:
    """Characters of the sentence opened at ``open_at``, up to the end of segment ``index``."""
    first, start = open_at
    return sum(len(segments[i].text) for i in range(first, index + 1)) - start


def _skip_space(text: str, cursor: int) -> int:
    while cursor < len(text) and text[cursor].isspace():
        cursor += 1
    return cursor


def sentence_pieces(transcript: Transcript) -> list[_Piece]:
    pieces: list[_Piece] = []
    width = wrap_width(transcript.segments)
    for turn_index, segments in enumerate(_turns(transcript)):
        newlines = [_newlines(s.text) for s in segments]
        for first, start, last, end in _boundaries(segments, width):
            char_start, line_start = _position(segments[first], newlines[first], start)
            char_end, line_end = _position(segments[last], newlines[last], end)
            if first == last:
                text = segments[first].text[start:end]
            else:
                middle = [s.text for s in segments[first + 1 : last]]
                text = " ".join([segments[first].text[start:], *middle, segments[last].text[:end]])
            text = " ".join(text.split())
            if text:
                pieces.append(
                    _Piece(
                        char_start,
                        char_end,
                        text,
                        line_start,
                        line_end,
                        segments[first].speaker,
                        segments[first].timestamp,
                        turn_index,
                    )
                )
    return pieces


def _split_long(piece: _Piece, budget: int) -> list[_Piece]:
    """Split one over-long single-segment sentence into parts of at most ``budget``
    tokens, each cut at its last space when that lies in its second half, else where its
    tokens end (``token_cut``). Chinese or Japanese writing has no spaces: before its full
    stops ended sentences, a 12,400-character line of it made one chunk of 14,204 tokens
    against a budget of 1,400, too long for the model's context; a line without a full
    stop still would."""
    text = piece.text
    if count_tokens(text) <= budget or piece.line_start != piece.line_end:
        return [piece]
    parts, lo = [], _skip_space(text, 0)
    while lo < len(text):
        fits = count_tokens(text[lo:]) <= budget
        hi = len(text) if fits else token_cut(text, lo, len(text), budget)
        # a character cut in its UTF-8 bytes by the last token is taken whole: step back
        while hi > lo + 1 and count_tokens(text[lo:hi]) > budget:
            hi -= 1
        hi = max(len(text[:hi].rstrip()), lo + 1)
        parts.append(
            _Piece(
                piece.start + lo,
                piece.start + hi,
                piece.text[lo:hi],
                piece.line_start,
                piece.line_end,
                piece.speaker,
                piece.timestamp,
                piece.turn,
            )
        )
        lo = _skip_space(text, hi)
    return parts


def chunk_transcript(
    transcript: Transcript, *, chunk_tokens: int, overlap_tokens: int = 0
) -> list[Chunk]:
    """Pack sentences into chunks of at most ``chunk_tokens`` tokens."""
    pieces = [
        p
        for piece in sentence_pieces(transcript)
        for p in _split_long(piece, chunk_tokens - LABEL_TOKENS)
    ]
    sizes = [count_tokens(p.text) + LABEL_TOKENS for p in pieces]
    chunks: list[Chunk] = []
    current: list[int] = []
    total = 0
    new_in_current = 0
    for index, size in enumerate(sizes):
        starts_turn = bool(current) and pieces[index].turn != pieces[current[-1]].turn
        full = total + size > chunk_tokens
        ends_at_turn = starts_turn and total >= 0.7 * chunk_tokens
        if current and new_in_current and (full or ends_at_turn):
            chunks.append(_make_chunk(transcript.source_id, len(chunks), pieces, current, total))
            current, total = _overlap(current, sizes, overlap_tokens, chunk_tokens - size)
            new_in_current = 0
        current.append(index)
        total += size
        new_in_current += 1
    if current and new_in_current:
        chunks.append(_make_chunk(transcript.source_id, len(chunks), pieces, current, total))
    return chunks


def _overlap(
    previous: list[int], sizes: list[int], overlap: int, room: int
) -> tuple[list[int], int]:
    kept: list[int] = []
    total = 0
    for index in reversed(previous):
        if total + sizes[index] > min(overlap, room):
            break
        kept.insert(0, index)
        total += sizes[index]
    return kept, total


def _make_chunk(
    source_id: str, index: int, pieces: list[_Piece], members: list[int], tokens: int
) -> Chunk:
    chosen = [pieces[i] for i in members]
    sentences = [
        Sentence(
            id=n,
            text=p.text,
            char_start=p.start,
            char_end=p.end,
            line_start=p.line_start,
            line_end=p.line_end,
            speaker=p.speaker,
            timestamp=p.timestamp,
        )
        for n, p in enumerate(chosen, start=1)
    ]
    stamps = [p.timestamp for p in chosen if p.timestamp]
    return Chunk(
        id=f"{source_id}:{index:04d}",
        source_id=source_id,
        index=index,
        sentences=sentences,
        tokens=tokens,
        char_start=chosen[0].start,
        char_end=max(p.end for p in chosen),
        line_start=chosen[0].line_start,
        line_end=max(p.line_end for p in chosen),
        time_start=stamps[0] if stamps else None,
        time_end=stamps[-1] if stamps else None,
    )


def chunk_all(
    transcripts: Sequence[Transcript], *, chunk_tokens: int, overlap_tokens: int
) -> list[Chunk]:
    """Every transcript's chunks, in order: what a run maps (the run, its dry-run plan and
    the map benchmark chunk alike)."""
    return [
        chunk
        for transcript in transcripts
        for chunk in chunk_transcript(
            transcript, chunk_tokens=chunk_tokens, overlap_tokens=overlap_tokens
        )
    ]
