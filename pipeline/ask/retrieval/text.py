"""BM25 over words (``pipeline.text.tokenize``: stop words, Snowball stems): the question
words that are dropped from a query, what a chunk is indexed with, and bm25s scoring
helpers."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import bm25s
import numpy as np

from pipeline.ask.spelling import NearSpellings
from pipeline.models import Chunk, ChunkSummary
from pipeline.text import tokenize

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


def _bm25(documents: Sequence[str]) -> bm25s.BM25:
    """A BM25 index whose vocabulary is numbered in sorted order: bm25s numbers it in
    set order, which changes with PYTHONHASHSEED, so the saved index differed byte for
    byte between two runs of the same corpus."""
    tokens = tokenize(documents)
    vocab = {word: n for n, word in enumerate(sorted({w for doc in tokens for w in doc}))}
    retriever = bm25s.BM25()
    retriever.index(([[vocab[w] for w in doc] for doc in tokens], vocab), show_progress=False)
    return retriever


def _scores(
    retriever: bm25s.BM25,
    query_tokens: list[str],
    size: int,
    near: NearSpellings | None = None,
    names: Collection[str] = (),
) -> np.ndarray:
    """BM25 scores of the query's words that the index knows. A name of the query
    (``names``: stems) that the index does not know counts as the index's nearest
    spellings of it (``near``: a transcript's "Quen" for the question's "Qwen")."""
    vocab = retriever.vocab_dict
    known = []
    for token in query_tokens:
        if token in vocab:
            known.append(token)
        elif near is not None and token in names:
            known += near.nearest(token)
    if not known:
        return np.zeros(size, dtype=np.float32)
    return np.asarray(retriever.get_scores(known), dtype=np.float32)


def _normalised(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max(initial=0.0))
    return scores / top if top > 0 else scores
