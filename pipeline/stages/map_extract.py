"""Map points without the model (``ModelPolicy.map_points_extracted``): the sentences a
chunk's map numbers (``map_request.anchors``), each in its own words from its most
salient clause, cut at a clause end when long. The 1.5B's points were these sentences,
copied; taking them by code costs no generation, and the map call asks for the chunk's
names alone (``map_request.names_request``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pipeline.models import Chunk, Sentence
from pipeline.stages.map_request import (
    CLAUSE_END,
    CUT_MARK,
    POINT_WORDS,
    RUN_ON_WORDS,
    salient_clause,
    word_counts_of,
)
from pipeline.text import without_sound_tags

EXTRACT_WORDS = RUN_ON_WORDS  # an extracted point: its sentence's words from its clause, at most


def extracted_point(sentence: Sentence, source_counts: Counter[str]) -> str:
    """A map point in the sentence's own words: from its most salient clause
    (``salient_clause``, a run-on sentence's too) to its end, or, past ``EXTRACT_WORDS``
    words, to the last clause end after two thirds of ``POINT_WORDS`` (else to
    ``POINT_WORDS`` words), with an ellipsis. The 1.5B's points were this, copied, with
    ~30 words (mean 28, their sentences 34)."""
    start = salient_clause(sentence.text, source_counts, run_on=True)
    text = without_sound_tags(sentence.text[start:])
    words = text.split()
    if len(words) <= EXTRACT_WORDS:
        return " ".join(words)
    ends = [
        i + 1 for i in range(POINT_WORDS * 2 // 3, EXTRACT_WORDS) if words[i].endswith(CLAUSE_END)
    ]
    cut = words[: ends[-1] if ends else POINT_WORDS]
    return " ".join(cut).rstrip(",;:") + " " + CUT_MARK


def extracted_points(chunk: Chunk, source_text: str, marked: Sequence[int]) -> dict[str, str]:
    """A chunk's map points without the model: each of its ``marked`` sentences (its parts'
    ``anchors``) in its own words (``extracted_point``), keyed by sentence number as the
    model's reply is."""
    counts = word_counts_of(source_text)
    by_id = {s.id: s for s in chunk.sentences}
    return {str(n): extracted_point(by_id[n], counts) for n in marked}
