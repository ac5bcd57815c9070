"""What the model reads of the passages found: the first ones whole, the others by their
stretch nearest the question.

`brief ask`'s time goes to the model reading its prompt, not to writing the answer: on
the development set the embedded 1.5B read about 2,300 tokens a question (five passages
of ~400 tokens, each continued to its next line) at ~105 tokens/s on two cores, 21.5 of
an answer's ~23 s, and wrote ~40 tokens in ~2 s. So the passages after the first
``FULL_PASSAGES`` are each shown by the run of consecutive pieces (the index's embedded
units: whole sentences packed into at most 64 tokens) of at most ``FOCUS_TOKENS`` tokens
whose pieces are, summed, the most like the question (cosine of the embedding model's
vectors, the ones the index holds). The first passages are the fused ranking's best and
are shown whole, with the lines around what they say (of the evidence the top five
passages hold on the development set's tune half, the top three hold 0.67 of 0.77). A
focused passage is still an exact slice of its source (so its citations verify),
labelled where it starts. Without piece vectors (``embedding_model = "none"``) passages
are shown whole. Measured in docs/evaluation-history.md (twenty-eighth round).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pipeline.ask.retrieval import Hit, SearchIndex
from pipeline.ask.retrieval.index import unit
from pipeline.model.llm import count_tokens
from pipeline.models import column_at

# the first passages, shown whole (with 2, QMSum's gold turns in what the model reads at
# five passages fell 0.89 -> 0.85; with 3, 0.88)
FULL_PASSAGES = 3
FOCUS_TOKENS = 192  # of each later passage, at most this many tokens (about three pieces)


def focused(
    hits: Sequence[Hit],
    question_vector: Sequence[float] | None,
    index: SearchIndex,
    texts: dict[str, str],
    *,
    full: int = FULL_PASSAGES,
    tokens: int = FOCUS_TOKENS,
) -> list[Hit]:
    """``hits`` with every passage after the first ``full`` cut to its stretch nearest the
    question (``tokens`` at most; 0: every passage whole)."""
    if question_vector is None or index.vectors is None or tokens <= 0:
        return list(hits)
    question = unit(np.asarray(question_vector, dtype=np.float32))
    return [
        hit if n < full else _focus(hit, question, index, texts, tokens)
        for n, hit in enumerate(hits)
    ]


def _focus(
    hit: Hit, question: np.ndarray, index: SearchIndex, texts: dict[str, str], tokens: int
) -> Hit:
    passage = hit.passage
    text = texts.get(passage.source_id)
    if text is None or text[passage.char_start : passage.char_end] != passage.text:
        return hit
    clipped = index.clipped_pieces(passage)
    if len(clipped) < 2:
        return hit
    pieces = [n for n, _, _ in clipped]
    spans = [(start, end) for _, start, end in clipped]
    assert index.vectors is not None
    likeness = index.vectors[pieces] @ question
    sizes = [count_tokens(text[a:b]) for a, b in spans]
    first, last = best_run(likeness, sizes, tokens)
    start, end = spans[first][0], spans[last][1]
    if (start, end) == (passage.char_start, passage.char_end):
        return hit
    line_start = passage.line_start + text.count("\n", passage.char_start, start)
    narrowed = passage.model_copy(
        update={
            "char_start": start,
            "char_end": end,
            "line_start": line_start,
            "line_end": line_start + text.count("\n", start, end),
            "column": column_at(text, start),
            "timestamp": index.timestamp_at(passage.source_id, start) or passage.timestamp,
            "text": text[start:end],
        }
    )
    return hit.model_copy(update={"passage": narrowed})


def best_run(scores: Sequence[float], sizes: Sequence[int], budget: int) -> tuple[int, int]:
    """The first and last index of the consecutive items whose ``sizes`` sum to at most
    ``budget`` (one item at least) with the highest summed ``scores``; of runs that score
    the same, the shortest, then the earliest."""
    best, found = (-np.inf, 0), (0, 0)
    for first in range(len(scores)):
        total, size = 0.0, 0
        for last in range(first, len(scores)):
            size += sizes[last]
            if size > budget and last > first:
                break
            total += float(scores[last])
            if (total, -size) > best:
                best, found = (total, -size), (first, last)
    return found
