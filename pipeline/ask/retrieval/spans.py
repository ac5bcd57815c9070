"""The spans retrieval works on: windows (what a user is shown) and pieces (what is
embedded), cut from each source's sentences, and the index parameters that size them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
from pydantic import BaseModel

from pipeline.model.llm import count_tokens, token_cut
from pipeline.models import Chunk, Passage, Sentence, column_at


class IndexParams(BaseModel):
    window_sentences: int = 40
    window_tokens: int = 400
    chunk_weight: float = 0.5
    # an embedding model ("embedded": MiniLM on llama-server; or a litellm model): the
    # vectors of short pieces are stored with the index, a window scores as its best
    # piece, and that ranking is fused with BM25's (None: BM25 alone)
    embedding_model: str | None = None
    # pieces: runs of whole sentences up to this many tokens (MiniLM saw <= 128 word
    # pieces in training; a longer sentence is cut), embedded when there is an embedding
    # model, and where `brief ask` starts and ends a stretch it prints either way
    piece_tokens: int = 64
    # weight of the embedding ranking against BM25's in reciprocal rank fusion
    dense_weight: float = 0.5
    # a window's embedding score: the mean cosine of its this many best pieces (1: the
    # best piece alone; 2 lifted QMSum hit@1 0.59 -> 0.63, development set unchanged)
    pooled_pieces: int = 2
    # of every five passages, the last this many are the best windows of the embedding
    # ranking alone that the fused ranking left out: fusion weighs BM25's ranking first,
    # so a question that shares no word with its answer gets a place (2: development-set
    # tune half recall@5 0.72 -> 0.77, QMSum unchanged; 3 lost QMSum hit@5)
    dense_slots: int = 2
    # a new window starts when the previous one is this far along (0.75: a quarter of
    # its sentences on); 0 would start one at every sentence, 4x the windows for the
    # same recall on our development set and QMSum
    window_overlap: float = 0.75


class Window(BaseModel):
    """A candidate passage: its place in the source and the chunks it lies in."""

    passage: Passage
    chunk_ids: list[str]


class Piece(BaseModel):
    """A short run of sentences that is embedded on its own (a window scores as its best
    piece): MiniLM reads 128 word pieces at most, a 400-token window is far past that.
    `brief ask` also starts and ends the stretches it prints at pieces."""

    source_id: str
    char_start: int
    char_end: int


def source_sentences(chunks: Sequence[Chunk]) -> dict[str, list[tuple[Sentence, list[str]]]]:
    """Each source's sentences in order, once each (chunks overlap), with their chunks."""
    by_source: dict[str, dict[int, tuple[Sentence, list[str]]]] = {}
    for chunk in chunks:
        seen = by_source.setdefault(chunk.source_id, {})
        for sentence in chunk.sentences:
            if sentence.char_start in seen:
                seen[sentence.char_start][1].append(chunk.id)
            else:
                seen[sentence.char_start] = (sentence, [chunk.id])
    return {sid: [seen[k] for k in sorted(seen)] for sid, seen in by_source.items()}


def make_windows(
    chunks: Sequence[Chunk], texts: dict[str, str], params: IndexParams
) -> list[Window]:
    """Overlapping windows: from a first sentence, as many following sentences as fit in
    ``window_tokens``, counting the text between them (speaker labels, line breaks); the
    next window starts a quarter of the way in (``window_overlap``). A single sentence
    longer than the budget is cut there, on a word boundary."""
    windows = []
    for source_id, sentences in source_sentences(chunks).items():
        text = texts[source_id]
        # tokens[i]: sentence i plus the text between it and the sentence before it
        tokens = [
            count_tokens(text[(sentences[i - 1][0].char_end if i else s.char_start) : s.char_end])
            for i, (s, _) in enumerate(sentences)
        ]
        first = 0
        while first < len(sentences):
            last, budget = first, count_tokens(sentences[first][0].text)
            while (
                last + 1 < len(sentences)
                and last + 1 - first < params.window_sentences
                and budget + tokens[last + 1] <= params.window_tokens
            ):
                last += 1
                budget += tokens[last]
            span = sentences[first : last + 1]
            chunk_ids = sorted({c for _, ids in span for c in ids})
            start = span[0][0].char_start
            end = max(s.char_end for s, _ in span)
            if budget > params.window_tokens:  # one sentence over the budget
                windows += [
                    Window(passage=_passage(text, source_id, span[0][0], a, b), chunk_ids=chunk_ids)
                    for a, b in _long_spans(text, start, end, params)
                ]
            else:
                passage = _passage(text, source_id, span[0][0], start, end)
                windows.append(Window(passage=passage, chunk_ids=chunk_ids))
            first += max(1, int((last - first + 1) * (1 - params.window_overlap)))
    return windows


def _long_spans(text: str, start: int, end: int, params: IndexParams) -> list[tuple[int, int]]:
    """Windows over one sentence longer than ``window_tokens`` (an unpunctuated caption
    run can be thousands of tokens): cut on word bounds, overlapping like any windows, so
    that its tail is searchable too (one cut window used to drop the rest of it)."""
    step = max(1, int(params.window_tokens * (1 - params.window_overlap)))
    spans = []
    while count_tokens(text[start:end]) > params.window_tokens:
        cut = token_cut(text, start, end, params.window_tokens)
        spans.append((start, cut))
        following = token_cut(text, start, end, step)
        while following < end and text[following].isspace():
            following += 1
        start = following if following > start else cut
    return [*spans, (start, end)]


def _passage(text: str, source_id: str, first: Sentence, start: int, end: int) -> Passage:
    """The passage ``text[start:end]``, which starts inside sentence ``first``."""
    line_start = first.line_start + text.count("\n", first.char_start, start)
    return Passage(
        source_id=source_id,
        char_start=start,
        char_end=end,
        line_start=line_start,
        line_end=line_start + text.count("\n", start, end),
        column=column_at(text, start),
        timestamp=first.timestamp,
        text=text[start:end],
    )


def make_pieces(chunks: Sequence[Chunk], texts: dict[str, str], params: IndexParams) -> list[Piece]:
    """Each source's sentences packed, in order and without overlap, into pieces of at
    most ``piece_tokens`` tokens; a longer sentence is cut into pieces on word bounds."""
    pieces = []
    for source_id, sentences in source_sentences(chunks).items():
        text = texts[source_id]
        start = end = -1
        budget = 0
        for sentence, _ in sentences:
            if start >= 0:  # the text between sentences (speaker labels) counts too
                joined = count_tokens(text[start : max(end, sentence.char_end)])
                if joined <= params.piece_tokens:
                    end, budget = max(end, sentence.char_end), joined
                    continue
            if start >= 0:
                pieces.append(Piece(source_id=source_id, char_start=start, char_end=end))
            start, end = sentence.char_start, sentence.char_end
            budget = count_tokens(text[start:end])
            while budget > params.piece_tokens:  # one long sentence: cut it
                cut = token_cut(text, start, end, params.piece_tokens)
                pieces.append(Piece(source_id=source_id, char_start=start, char_end=cut))
                start = cut
                while start < end and text[start].isspace():
                    start += 1
                budget = count_tokens(text[start:end])
            if start >= end:
                start = -1
        if start >= 0:
            pieces.append(Piece(source_id=source_id, char_start=start, char_end=end))
    return pieces


class Located(Protocol):
    """A span of a source: a piece, or a window's passage."""

    source_id: str
    char_start: int
    char_end: int


SourceSpans = tuple[np.ndarray, np.ndarray, np.ndarray]  # indexes, starts, ends


def spans_by_source(spans: Sequence[Located]) -> dict[str, SourceSpans]:
    """Per source: its spans' indexes (into ``spans``), starts and ends, in the order
    given (pieces and windows are made in source order)."""
    grouped: dict[str, list[int]] = {}
    for n, span in enumerate(spans):
        grouped.setdefault(span.source_id, []).append(n)
    return {
        sid: (
            np.asarray(ns, dtype=np.int64),
            np.array([spans[n].char_start for n in ns]),
            np.array([spans[n].char_end for n in ns]),
        )
        for sid, ns in grouped.items()
    }


def overlapping(spans: SourceSpans, passage: Passage) -> np.ndarray:
    """The indexes of the spans (of ``passage``'s source) that overlap it."""
    ids, starts, ends = spans
    first = int(np.searchsorted(ends, passage.char_start, side="right"))
    last = int(np.searchsorted(starts, passage.char_end, side="left"))
    return ids[first:last]


def window_pieces(windows: Sequence[Window], pieces: dict[str, SourceSpans]) -> np.ndarray:
    """(window, piece) index pairs, sorted by window, for every piece a window overlaps
    (``pieces``: the pieces ``spans_by_source``)."""
    pairs = []
    for w, window in enumerate(windows):
        spans = pieces.get(window.passage.source_id)
        if spans is not None:
            pairs += [(w, int(n)) for n in overlapping(spans, window.passage)]
    return np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
