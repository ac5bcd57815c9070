"""The search index: BM25 windows guided by chunks, fused with the pieces' embedding
ranking by weighted reciprocal rank; its persistence, and ``embed_texts``, the one way any
stage gets vectors."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import bm25s
import numpy as np
from pydantic import BaseModel

from pipeline.ask.retrieval.spans import (
    IndexParams,
    Piece,
    SourceSpans,
    Window,
    make_pieces,
    make_windows,
    overlapping,
    spans_by_source,
    window_pieces,
)
from pipeline.ask.retrieval.text import _bm25, _normalised, _scores, chunk_document, query_terms
from pipeline.ask.spelling import NearSpellings, candidate_names
from pipeline.errors import BriefError
from pipeline.model.llm import count_tokens, token_cut
from pipeline.models import Chunk, ChunkSummary, Passage
from pipeline.text import stems

if TYPE_CHECKING:
    from pipeline.model.client import ModelClient

INDEX_VERSION = 5
RRF_K = 60  # the usual constant of reciprocal rank fusion
RRF_DEPTH = 1000  # ranks past this add nothing (1/1060 cannot lift an item into the top k)
EMBED_BLOCK = 1024  # texts per embed_texts block
# MiniLM reads 256 word pieces (sentence-transformers' max_seq_length for it), and the
# embedding server refuses a text past its context (512): a brief's statement can be longer
EMBED_MAX_TOKENS = 256
# a name in a query that the corpus never writes is searched as its nearest spellings there
# (spelling.py: "Qwen" as the transcript's "Quen")
NEAR_SPELLINGS = True
SELECT_HEAD = 40  # windows looked at per passage wanted before the whole ranking is sorted


class Hit(BaseModel):
    rank: int
    score: float
    passage: Passage
    chunk_ids: list[str]


class SearchIndex:
    def __init__(
        self,
        windows: list[Window],
        chunk_ids: list[str],
        chunk_docs: list[str],
        params: IndexParams,
        fingerprint: str = "",
        *,
        window_bm25: bm25s.BM25 | None = None,
        chunk_bm25: bm25s.BM25 | None = None,
        pieces: list[Piece] | None = None,
        vectors: np.ndarray | None = None,
    ) -> None:
        self.windows = windows
        # the pieces (runs of whole sentences), one unit-length vector per piece when an
        # embedding model is configured, and which pieces each window overlaps
        self.pieces = pieces or []
        self.vectors = vectors
        self._piece_spans = spans_by_source(self.pieces)
        pairs = window_pieces(windows, self._piece_spans)
        self._pair_pieces = pairs[:, 1]
        # the windows that overlap any piece, where each one's pairs start, and the
        # position (in that list) of the window of every pair
        self._pooled_windows, self._segment_starts, self._pair_segment = np.unique(
            pairs[:, 0], return_index=True, return_inverse=True
        )
        # built on first use, for `brief ask`'s focused passages (``pipeline.ask.focus``)
        self._window_spans: dict[str, SourceSpans] | None = None
        self.chunk_ids = chunk_ids
        self.chunk_docs = chunk_docs
        self.params = params
        self.fingerprint = fingerprint
        self._window_bm25 = window_bm25 or _bm25([w.passage.text for w in windows])
        self._chunk_bm25 = chunk_bm25 or _bm25(chunk_docs)
        # the chunks' words hold the windows' (and their summaries' words)
        self._near = NearSpellings(self._chunk_bm25.vocab_dict)
        position = {cid: n for n, cid in enumerate(chunk_ids)}
        # window -> the chunks it lies in, as a padded index matrix for vectorised max
        width = max((len(w.chunk_ids) for w in windows), default=1)
        self._window_chunks = np.full((len(windows), width), -1, dtype=np.int64)
        for row, window in enumerate(windows):
            for col, cid in enumerate(window.chunk_ids):
                self._window_chunks[row, col] = position[cid]

    def pieces_within(self, passage: Passage) -> list[int]:
        """The pieces (indexes into ``pieces``) that overlap ``passage``, in source order."""
        spans = self._piece_spans.get(passage.source_id)
        return [] if spans is None else [int(n) for n in overlapping(spans, passage)]

    def clipped_pieces(self, passage: Passage) -> list[tuple[int, int, int]]:
        """The pieces within ``passage`` (``pieces_within``, each overlapping it, in that
        order) as (piece, start, end), their character span in the source cut to the
        passage: where a focused passage may be cut (``focus``)."""
        return [
            (
                n,
                max(self.pieces[n].char_start, passage.char_start),
                min(self.pieces[n].char_end, passage.char_end),
            )
            for n in self.pieces_within(passage)
        ]

    def piece_spans(self, passage: Passage) -> list[tuple[int, int]]:
        """``clipped_pieces`` as spans of the passage's text: where ``brief ask`` may start
        and end a stretch it prints (``excerpts.units_in``)."""
        at = passage.char_start
        return [(start - at, end - at) for _, start, end in self.clipped_pieces(passage)]

    def timestamp_at(self, source_id: str, char: int) -> str | None:
        """The timestamp of the last window of the source that starts at or before
        ``char`` (a window starts at a sentence, and carries that sentence's time)."""
        if self._window_spans is None:
            self._window_spans = spans_by_source([w.passage for w in self.windows])
        spans = self._window_spans.get(source_id)
        if spans is None:
            return None
        ids, starts, _ = spans
        at = int(np.searchsorted(starts, char, side="right")) - 1
        return self.windows[int(ids[at])].passage.timestamp if at >= 0 else None

    @property
    def source_ids(self) -> list[str]:
        return sorted({w.passage.source_id for w in self.windows})

    def bm25_scores(self, query: str) -> np.ndarray:
        """One combined BM25 score per window. A name in the query that the corpus never
        writes is searched as the corpus's nearest spellings of it (``NEAR_SPELLINGS``)."""
        words = query_terms(query)
        vocabulary = self._chunk_bm25.vocab_dict
        names: set[str] = set()
        if NEAR_SPELLINGS and not all(w in vocabulary for w in words):
            known = lambda word: stems(word) <= vocabulary.keys()  # noqa: E731
            names = stems(" ".join(candidate_names(query, known)))
        window = _scores(self._window_bm25, words, len(self.windows), self._near, names)
        chunk = _scores(self._chunk_bm25, words, len(self.chunk_ids), self._near, names)
        window, chunk = _normalised(window), _normalised(chunk)
        padded = np.append(chunk, 0.0)  # index -1 (no chunk) scores 0
        best_chunk = padded[self._window_chunks].max(axis=1)
        return window + self.params.chunk_weight * best_chunk

    def dense_scores(self, query_vector: Sequence[float]) -> np.ndarray | None:
        """Every window's similarity to the question's embedding: the mean cosine of its
        ``pooled_pieces`` best pieces (a window holds many topics; its best few sentences
        say whether it answers). A window without pieces scores -1."""
        if self.vectors is None or not len(self._pair_pieces):
            return None
        sims = np.asarray(self.vectors @ unit(np.asarray(query_vector, dtype=np.float32)))
        scores = np.full(len(self.windows), -1.0, dtype=np.float32)
        scores[self._pooled_windows] = self._pool(sims[self._pair_pieces])
        return scores

    def _pool(self, values: np.ndarray) -> np.ndarray:
        """The mean of the ``pooled_pieces`` largest of each window's pair values (fewer
        when a window overlaps fewer pieces): the largest is taken out in each round."""
        values = np.array(values, dtype=np.float32)  # a copy: rounds overwrite it
        total = np.zeros(len(self._segment_starts), dtype=np.float64)
        taken = np.zeros(len(self._segment_starts), dtype=np.int64)
        for round_ in range(max(1, self.params.pooled_pieces)):
            best = np.maximum.reduceat(values, self._segment_starts)
            found = best > -np.inf
            total += np.where(found, best, 0.0)
            taken += found
            if round_ + 1 < self.params.pooled_pieces:
                # take out one largest value per window (the first, when tied)
                hits = np.flatnonzero(values == best[self._pair_segment])
                segments = self._pair_segment[hits]
                first = np.ones(len(hits), dtype=bool)
                first[1:] = segments[1:] != segments[:-1]
                values[hits[first]] = -np.inf
        return (total / np.maximum(taken, 1)).astype(np.float32)

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        sources: Sequence[str] | None = None,
        dense: np.ndarray | None = None,
    ) -> list[Hit]:
        """The top ``k`` non-overlapping windows. ``sources`` restricts the search;
        ``dense`` is one similarity per window from an embedding model, fused by rank;
        of every five places, the last ``dense_slots`` go to its own best windows."""
        scores = self.bm25_scores(query)
        if dense is not None:
            scores = rrf([scores, dense], [1.0, self.params.dense_weight])
        allowed = np.ones(len(self.windows), dtype=bool)
        if sources:
            wanted = set(sources)
            allowed = np.array([w.passage.source_id in wanted for w in self.windows])
        scores = np.where(allowed, scores, -np.inf)
        rankings = [(scores, _ranking(scores, SELECT_HEAD * k))]
        slots = self.params.dense_slots if dense is not None else 0
        if slots and dense is not None:
            # dense + 2 > 0 for every window with pieces (cosines lie in [-1, 1])
            semantic = np.where(allowed & (dense > -1), dense + 2.0, -np.inf)
            rankings.append((semantic, _ranking(semantic, SELECT_HEAD * k)))
        chosen: list[int] = []
        for place in range(k):
            # places 4 and 5 of every five (dense_slots = 2) try the embedding ranking
            # first: the same list for every k, so the top 5 of 10 are the top 5
            first = 1 if slots and place % 5 >= 5 - slots else 0
            picked = self._next(*rankings[first], chosen)
            if picked is None and len(rankings) > 1:
                picked = self._next(*rankings[1 - first], chosen)
            if picked is None:
                break
            chosen.append(picked)
        return [
            Hit(
                rank=rank,
                score=round(float(scores[i]), 4),
                passage=self.windows[i].passage,
                chunk_ids=self.windows[i].chunk_ids,
            )
            for rank, i in enumerate(chosen, start=1)
        ]

    def _next(self, scores: np.ndarray, order: Iterator[int], chosen: list[int]) -> int | None:
        """The best window of a ranking that is not chosen, overlaps none chosen and
        matches at all (a window passed over here overlaps one chosen for good)."""
        for i in order:
            if not scores[i] > 0:
                return None
            passage = self.windows[i].passage
            if i not in chosen and not any(
                passage.overlaps(self.windows[c].passage) for c in chosen
            ):
                return i
        return None

    # ----------------------------------------------------------------- persistence

    def save(self, folder: Path) -> None:
        """Write the index under ``folder`` (JSON and .npy arrays, never pickles)."""
        folder.mkdir(parents=True, exist_ok=True)
        self._window_bm25.save(folder / "windows", allow_pickle=False)
        self._chunk_bm25.save(folder / "chunks", allow_pickle=False)
        meta = {
            "version": INDEX_VERSION,
            "fingerprint": self.fingerprint,
            "params": self.params.model_dump(),
            "chunk_ids": self.chunk_ids,
            "chunk_docs": self.chunk_docs,
            "windows": [w.model_dump(mode="json") for w in self.windows],
        }
        if self.pieces:
            meta["pieces"] = [p.model_dump() for p in self.pieces]
        if self.vectors is not None:
            np.save(folder / "vectors.npy", np.asarray(self.vectors), allow_pickle=False)
        tmp = folder / "meta.json.tmp"
        tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        tmp.replace(folder / "meta.json")

    @classmethod
    def load(cls, folder: Path) -> SearchIndex:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta.get("version") != INDEX_VERSION:
            raise ValueError(f"index version {meta.get('version')} != {INDEX_VERSION}")
        return cls(
            [Window.model_validate(w) for w in meta["windows"]],
            meta["chunk_ids"],
            meta["chunk_docs"],
            IndexParams.model_validate(meta["params"]),
            meta["fingerprint"],
            window_bm25=bm25s.BM25.load(folder / "windows", allow_pickle=False),
            chunk_bm25=bm25s.BM25.load(folder / "chunks", allow_pickle=False),
            pieces=[Piece.model_validate(p) for p in meta.get("pieces", [])],
            # memory-mapped: 1,000 transcripts' vectors are read, not copied
            vectors=(
                np.load(folder / "vectors.npy", mmap_mode="r", allow_pickle=False)
                if (folder / "vectors.npy").is_file()
                else None
            ),
        )


def _ranking(scores: np.ndarray, head: int) -> Iterator[int]:
    """Window indexes best first, as a full stable sort orders them, sorting only the
    ``head`` best unless more are asked for."""
    first = _best_first(scores, head)
    yield from (int(i) for i in first)
    if len(first) < len(scores):  # the head was all overlaps: the whole ranking
        yield from (int(i) for i in np.argsort(-scores, kind="stable")[len(first) :])


def _best_first(scores: np.ndarray, head: int) -> np.ndarray:
    """The indexes of at least the ``head`` best scores, best first, in the order a full
    stable sort would give them (all ties of the last one included): sorting 50,000
    windows for five passages took longer than scoring them."""
    if len(scores) <= head:
        return np.argsort(-scores, kind="stable")
    cutoff = np.partition(scores, len(scores) - head)[len(scores) - head]
    candidates = np.flatnonzero(scores >= cutoff)
    return candidates[np.argsort(-scores[candidates], kind="stable")]


def unit(vectors: np.ndarray) -> np.ndarray:
    """``vectors`` scaled to length 1 along the last axis (zero vectors stay zero)."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.asarray(vectors / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def rrf(rankings: Sequence[np.ndarray], weights: Sequence[float] | None = None) -> np.ndarray:
    """Weighted reciprocal rank fusion of score arrays over the same items (higher is
    better). An item scoring zero or less is not in that ranking (BM25: no query word)."""
    fused = np.zeros(len(rankings[0]), dtype=np.float64)
    for scores, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        scores = np.asarray(scores)
        top = np.arange(len(scores))
        if len(scores) > RRF_DEPTH:  # O(n): only the head of a ranking matters
            top = np.argpartition(-scores, RRF_DEPTH)[:RRF_DEPTH]
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[scores[top] > 0]
        fused[top] += weight / (RRF_K + np.arange(1, len(top) + 1))
    return fused


def build_index(
    chunks: Sequence[Chunk],
    summaries: Sequence[ChunkSummary],
    texts: dict[str, str],
    params: IndexParams | None = None,
    fingerprint: str = "",
) -> SearchIndex:
    params = params or IndexParams()
    if not chunks:  # bm25s cannot index nothing (ValueError deep inside it)
        raise BriefError("there is nothing to search: the run found no transcript text")
    by_chunk = {s.chunk_id: s for s in summaries}
    return SearchIndex(
        make_windows(chunks, texts, params),
        [c.id for c in chunks],
        [chunk_document(c, by_chunk.get(c.id)) for c in chunks],
        params,
        fingerprint,
        # with no embedding model too: `brief ask` prints a passage's stretches by them
        pieces=make_pieces(chunks, texts, params),
    )


def fit_for_embedding(text: str) -> str:
    """``text``, or its first ``EMBED_MAX_TOKENS`` tokens (cut on a word bound) when longer."""
    if len(text) <= EMBED_MAX_TOKENS or count_tokens(text) <= EMBED_MAX_TOKENS:
        return text  # a token is at least one character
    return text[: token_cut(text, 0, len(text), EMBED_MAX_TOKENS)]


def embed_texts(embedder: ModelClient, texts: Sequence[str]) -> np.ndarray:
    """Unit-length embeddings (one row per text, float32) through the model client:
    cached per text, batched, checked. The one way any stage gets vectors (the index's
    pieces, the question, and whatever else wants to compare texts). A text longer than
    the model reads is embedded by its head (``fit_for_embedding``)."""
    out: np.ndarray | None = None
    # in blocks, so a large corpus never holds all its vectors as Python lists
    for start in range(0, len(texts), EMBED_BLOCK):
        fitted = [fit_for_embedding(t) for t in texts[start : start + EMBED_BLOCK]]
        block = unit(np.asarray(embedder.embed("embed", fitted)))
        if out is None:
            out = np.empty((len(texts), block.shape[1]), dtype=np.float32)
        out[start : start + len(block)] = block
    return out if out is not None else np.zeros((0, 0), dtype=np.float32)
