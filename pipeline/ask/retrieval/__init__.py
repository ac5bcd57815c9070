"""Retrieval for ``brief ask``: BM25 (bm25s) over sentence windows, guided by chunks.

Two BM25 indexes are built over the corpus that ``brief run`` processed:

- **windows**: runs of up to ``window_sentences`` consecutive sentences of a source (at
  most ``window_tokens`` tokens), overlapping by ``window_overlap``. A window is what
  the user is shown: the span that answers, not a 900-token chunk. A single sentence
  longer than ``window_tokens`` gets windows of its own, cut on word bounds, to its end.
- **chunks**: each chunk's text together with its map summary (topics, key points,
  names, claims), so a question worded differently from the transcript still finds the
  chunk whose summary paraphrases it.

A window's score is its own normalised BM25 score plus ``chunk_weight`` times the
normalised score of the best chunk it lies in. The top windows are taken greedily,
skipping any that overlap one already taken. When an embedding ranking is supplied
(``search(..., dense=...)``), it is fused with the BM25 ranking by reciprocal rank, and
places 4 and 5 of every five (``dense_slots``) go to its own best windows.

    index = build_index(chunks, summaries, texts)
    hits = index.search("why did Silicon Valley change its mind?", k=5)
"""

from pipeline.ask.retrieval.index import (
    EMBED_BLOCK,
    INDEX_VERSION,
    RRF_DEPTH,
    RRF_K,
    SELECT_HEAD,
    Hit,
    SearchIndex,
    build_index,
    embed_texts,
    rrf,
    unit,
)
from pipeline.ask.retrieval.spans import (
    IndexParams,
    Piece,
    Window,
    make_pieces,
    make_windows,
    window_pieces,
)
from pipeline.ask.retrieval.text import (
    QUESTION_WORDS,
    chunk_document,
    query_terms,
)
from pipeline.text import tokenize  # the tokenizer the index is built with

__all__ = [
    "EMBED_BLOCK",
    "INDEX_VERSION",
    "QUESTION_WORDS",
    "RRF_DEPTH",
    "RRF_K",
    "SELECT_HEAD",
    "Hit",
    "IndexParams",
    "Piece",
    "SearchIndex",
    "Window",
    "build_index",
    "chunk_document",
    "embed_texts",
    "make_pieces",
    "make_windows",
    "query_terms",
    "rrf",
    "tokenize",
    "unit",
    "window_pieces",
]
