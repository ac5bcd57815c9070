"""Retrieval for ``brief ask``: BM25 (bm25s) over sentence windows, guided by chunks.

Two BM25 indexes are built over the corpus that ``brief run`` processed:

- **windows**: runs of up to ``window_sentences`` consecutive sentences of a source (at
  most ``window_tokens`` tokens), overlapping by ``window_overlap``. A window is what
  the user is shown: the span that answers, not a 900-token chunk.
- **chunks**: each chunk's text together with its map summary (topics, key points,
  names, claims), so a question worded differently from the transcript still finds the
  chunk whose summary paraphrases it.

A window's score is its own normalised BM25 score plus ``chunk_weight`` times the
normalised score of the best chunk it lies in. The top windows are taken greedily,
skipping any that overlap one already taken. When an embedding ranking is supplied
(``search(..., dense=...)``), it is fused with the BM25 ranking by reciprocal rank.

    index = build_index(chunks, summaries, texts)
    hits = index.search("why did Silicon Valley change its mind?", k=5)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import bm25s
import numpy as np
import Stemmer
from pydantic import BaseModel

from pipeline.errors import BriefError
from pipeline.llm import count_tokens, encoding
from pipeline.models import Chunk, ChunkSummary, Passage, Sentence, column_at

if TYPE_CHECKING:
    from pipeline.client import ModelClient

INDEX_VERSION = 4
RRF_K = 60  # the usual constant of reciprocal rank fusion
RRF_DEPTH = 1000  # ranks past this add nothing (1/1060 cannot lift an item into the top k)
EMBED_BLOCK = 1024  # texts per embed_texts block
SELECT_HEAD = 40  # windows looked at per passage wanted before the whole ranking is sorted

_stemmer = Stemmer.Stemmer("english")
# bm25s sets its own logger to DEBUG, so every index build printed "Building index from
# tokens" through the CLI's log handler
logging.getLogger("bm25s").setLevel(logging.WARNING)


class IndexParams(BaseModel):
    window_sentences: int = 40
    window_tokens: int = 400
    chunk_weight: float = 0.5
    # an embedding model ("embedded": MiniLM on llama-server; or a litellm model): the
    # vectors of short pieces are stored with the index, a window scores as its best
    # piece, and that ranking is fused with BM25's (None: BM25 alone)
    embedding_model: str | None = None
    # pieces: runs of whole sentences up to this many tokens (MiniLM saw <= 128 word
    # pieces in training; a longer sentence is cut)
    piece_tokens: int = 64
    # weight of the embedding ranking against BM25's in reciprocal rank fusion
    dense_weight: float = 0.5
    # a window's embedding score: the mean cosine of its this many best pieces (1: the
    # best piece alone; 2 lifted QMSum hit@1 0.59 -> 0.63, development set unchanged)
    pooled_pieces: int = 2
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
    piece): MiniLM reads 128 word pieces at most, a 400-token window is far past that."""

    source_id: str
    char_start: int
    char_end: int


class Hit(BaseModel):
    rank: int
    score: float
    passage: Passage
    chunk_ids: list[str]


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stop words removed, Snowball-stemmed word lists."""
    return bm25s.tokenize(  # type: ignore[return-value]
        list(texts), stopwords="en", stemmer=_stemmer, return_ids=False, show_progress=False
    )


# how questions about a conversation are phrased, not what they are about
QUESTION_WORDS = frozenset(
    tokenize(
        [
            "according accord guest host speaker speakers say says said saying mention "
            "mentioned discuss discussed describe described episode podcast interview "
            "transcript conversation thread commenter reader think thinks view explain "
            "explains example give gave cite cited why how what which who whom whose when"
        ]
    )[0]
)


def query_terms(question: str) -> list[str]:
    return [t for t in tokenize([question])[0] if t not in QUESTION_WORDS]


def chunk_document(chunk: Chunk, summary: ChunkSummary | None) -> str:
    """What the chunk index sees: the chunk's words and its map summary's words."""
    parts = [chunk.text]
    if summary is not None and summary.status == "ok":
        parts += summary.topics
        parts += [p.text for p in summary.key_points]
        parts += [e.name for e in summary.entities]
        parts += [c.text for c in summary.claims]
    return "\n".join(parts)


def _source_sentences(chunks: Sequence[Chunk]) -> dict[str, list[tuple[Sentence, list[str]]]]:
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
    for source_id, sentences in _source_sentences(chunks).items():
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
            start = span[0][0].char_start
            end = max(s.char_end for s, _ in span)
            if budget > params.window_tokens:
                end = _cut(text, start, end, params.window_tokens)
            passage = Passage(
                source_id=source_id,
                char_start=start,
                char_end=end,
                line_start=span[0][0].line_start,
                line_end=span[0][0].line_start + text.count("\n", start, end),
                column=column_at(text, start),
                timestamp=span[0][0].timestamp,
                text=text[start:end],
            )
            chunk_ids = sorted({c for _, ids in span for c in ids})
            windows.append(Window(passage=passage, chunk_ids=chunk_ids))
            first += max(1, int((last - first + 1) * (1 - params.window_overlap)))
    return windows


def make_pieces(chunks: Sequence[Chunk], texts: dict[str, str], params: IndexParams) -> list[Piece]:
    """Each source's sentences packed, in order and without overlap, into pieces of at
    most ``piece_tokens`` tokens; a longer sentence is cut into pieces on word bounds."""
    pieces = []
    for source_id, sentences in _source_sentences(chunks).items():
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
                cut = _cut(text, start, end, params.piece_tokens)
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


def window_pieces(windows: Sequence[Window], pieces: Sequence[Piece]) -> np.ndarray:
    """(window, piece) index pairs, sorted by window, for every piece a window overlaps."""
    by_source: dict[str, list[int]] = {}
    for n, piece in enumerate(pieces):
        by_source.setdefault(piece.source_id, []).append(n)
    ids = {sid: np.asarray(ns, dtype=np.int64) for sid, ns in by_source.items()}
    starts = {sid: np.array([pieces[n].char_start for n in ns]) for sid, ns in ids.items()}
    ends = {sid: np.array([pieces[n].char_end for n in ns]) for sid, ns in ids.items()}
    pairs = []
    for w, window in enumerate(windows):
        sid = window.passage.source_id
        if sid not in ids:
            continue
        first = int(np.searchsorted(ends[sid], window.passage.char_start, side="right"))
        last = int(np.searchsorted(starts[sid], window.passage.char_end, side="left"))
        for n in ids[sid][first:last]:
            pairs.append((w, int(n)))
    return np.asarray(pairs, dtype=np.int64).reshape(-1, 2)


def _cut(text: str, start: int, end: int, max_tokens: int) -> int:
    """The end of the longest prefix of ``text[start:end]`` within ``max_tokens``, moved
    back to the last space if there is one in its second half."""
    ids = encoding().encode(text[start:end], disallowed_special=())
    cut = start + len(encoding().decode(ids[:max_tokens]))
    space = text.rfind(" ", start, cut)
    return space if space > (start + cut) // 2 else cut


def _bm25(documents: Sequence[str]) -> bm25s.BM25:
    retriever = bm25s.BM25()
    retriever.index(tokenize(documents), show_progress=False)
    return retriever


def _scores(retriever: bm25s.BM25, query_tokens: list[str], size: int) -> np.ndarray:
    known = [t for t in query_tokens if t in retriever.vocab_dict]
    if not known:
        return np.zeros(size, dtype=np.float32)
    return np.asarray(retriever.get_scores(known), dtype=np.float32)


def _normalised(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max(initial=0.0))
    return scores / top if top > 0 else scores


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
        # the embedded pieces and one unit-length vector per piece (an embedding model
        # is configured), and which pieces each window overlaps
        self.pieces = pieces or []
        self.vectors = vectors
        pairs = window_pieces(windows, self.pieces)
        self._pair_pieces = pairs[:, 1]
        # the windows that overlap any piece, where each one's pairs start, and the
        # position (in that list) of the window of every pair
        self._pooled_windows, self._segment_starts, self._pair_segment = np.unique(
            pairs[:, 0], return_index=True, return_inverse=True
        )
        self.chunk_ids = chunk_ids
        self.chunk_docs = chunk_docs
        self.params = params
        self.fingerprint = fingerprint
        self._window_bm25 = window_bm25 or _bm25([w.passage.text for w in windows])
        self._chunk_bm25 = chunk_bm25 or _bm25(chunk_docs)
        position = {cid: n for n, cid in enumerate(chunk_ids)}
        # window -> the chunks it lies in, as a padded index matrix for vectorised max
        width = max((len(w.chunk_ids) for w in windows), default=1)
        self._window_chunks = np.full((len(windows), width), -1, dtype=np.int64)
        for row, window in enumerate(windows):
            for col, cid in enumerate(window.chunk_ids):
                self._window_chunks[row, col] = position[cid]

    @property
    def source_ids(self) -> list[str]:
        return sorted({w.passage.source_id for w in self.windows})

    def bm25_scores(self, query: str) -> np.ndarray:
        """One combined BM25 score per window."""
        words = query_terms(query)
        window = _normalised(_scores(self._window_bm25, words, len(self.windows)))
        chunk = _normalised(_scores(self._chunk_bm25, words, len(self.chunk_ids)))
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
        ``dense`` is one similarity per window from an embedding model, fused by rank."""
        scores = self.bm25_scores(query)
        if dense is not None:
            scores = rrf([scores, dense], [1.0, self.params.dense_weight])
        allowed = np.ones(len(self.windows), dtype=bool)
        if sources:
            wanted = set(sources)
            allowed = np.array([w.passage.source_id in wanted for w in self.windows])
        scores = np.where(allowed, scores, -np.inf)
        chosen = self._select(_best_first(scores, SELECT_HEAD * k), scores, k)
        if len(chosen) < k:  # the head was all overlaps: the whole ranking
            chosen = self._select(np.argsort(-scores, kind="stable"), scores, k)
        return [
            Hit(
                rank=rank,
                score=round(float(scores[i]), 4),
                passage=self.windows[i].passage,
                chunk_ids=self.windows[i].chunk_ids,
            )
            for rank, i in enumerate(chosen, start=1)
        ]

    def _select(self, order: np.ndarray, scores: np.ndarray, k: int) -> list[int]:
        """Best first, no two overlapping, only windows that match at all."""
        chosen: list[int] = []
        for i in (int(i) for i in order):
            if len(chosen) == k or not scores[i] > 0:
                break
            passage = self.windows[i].passage
            if not any(_overlaps(passage, self.windows[c].passage) for c in chosen):
                chosen.append(i)
        return chosen

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
        if self.vectors is not None:
            meta["pieces"] = [p.model_dump() for p in self.pieces]
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


def _best_first(scores: np.ndarray, head: int) -> np.ndarray:
    """The indexes of at least the ``head`` best scores, best first, in the order a full
    stable sort would give them (all ties of the last one included): sorting 50,000
    windows for five passages took longer than scoring them."""
    if len(scores) <= head:
        return np.argsort(-scores, kind="stable")
    cutoff = np.partition(scores, len(scores) - head)[len(scores) - head]
    candidates = np.flatnonzero(scores >= cutoff)
    return candidates[np.argsort(-scores[candidates], kind="stable")]


def _overlaps(a: Passage, b: Passage) -> bool:
    return a.source_id == b.source_id and a.char_start < b.char_end and b.char_start < a.char_end


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
        pieces=make_pieces(chunks, texts, params) if params.embedding_model else None,
    )


def embed_texts(embedder: ModelClient, texts: Sequence[str]) -> np.ndarray:
    """Unit-length embeddings (one row per text, float32) through the model client:
    cached per text, batched, checked. The one way any stage gets vectors (the index's
    pieces, the question, and whatever else wants to compare texts)."""
    out: np.ndarray | None = None
    # in blocks, so a large corpus never holds all its vectors as Python lists
    for start in range(0, len(texts), EMBED_BLOCK):
        block = unit(np.asarray(embedder.embed("embed", list(texts[start : start + EMBED_BLOCK]))))
        if out is None:
            out = np.empty((len(texts), block.shape[1]), dtype=np.float32)
        out[start : start + len(block)] = block
    return out if out is not None else np.zeros((0, 0), dtype=np.float32)
