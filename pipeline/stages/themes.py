"""Grouping: a source's key points into themes, and statements across sources.

Every grouping goes through one ``Vectorizer`` (texts -> one row per text, compared by
cosine). The default is lexical: TF-IDF over the retrieval tokenizer's stemmed words.
An embedding model can be plugged in by passing any other function of the same shape.

A source's themes are contiguous stretches of its conversation, so every substantial
part of it lands in some theme and the number of themes grows with its length; the cut
between two stretches is moved to where the talk changes subject (lowest similarity
between the points before and after).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from pipeline.models import KeyPoint
from pipeline.text import tokenize

Vectorizer = Callable[[Sequence[str]], np.ndarray]

TOKENS_PER_THEME = 2000  # source tokens per theme (a 20-chunk interview gets ~8 themes)
MIN_THEMES, MAX_THEMES = 2, 10


def lexical_vectors(texts: Sequence[str]) -> np.ndarray:
    """Unit-length TF-IDF rows (log term frequency, smoothed idf)."""
    docs = tokenize(texts) if texts else []
    vocab: dict[str, int] = {}
    for doc in docs:
        for word in doc:
            vocab.setdefault(word, len(vocab))
    rows = np.zeros((len(docs), max(1, len(vocab))))
    df = Counter(w for doc in docs for w in set(doc))
    for r, doc in enumerate(docs):
        for word, tf in Counter(doc).items():
            idf = math.log((1 + len(docs)) / (1 + df[word])) + 1
            rows[r, vocab[word]] = (1 + math.log(tf)) * idf
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1, norms)


def theme_count(source_tokens: int) -> int:
    """How many themes a source of this many tokens gets."""
    return max(MIN_THEMES, min(MAX_THEMES, round(source_tokens / TOKENS_PER_THEME)))


def group_points(
    points: Sequence[KeyPoint], count: int, vectors: Vectorizer = lexical_vectors
) -> list[list[KeyPoint]]:
    """``count`` contiguous groups of ``points`` (in transcript order), about equal in
    size, each cut placed where the neighbouring points are least alike."""
    points = list(points)
    count = max(1, min(count, len(points)))
    if count == 1:
        return [points] if points else []
    rows = vectors([p.text for p in points])
    size = len(points) / count
    window = 3
    cuts: list[int] = []
    for k in range(1, count):
        ideal = round(k * size)
        low = max(cuts[-1] + 1 if cuts else 1, ideal - int(size / 3))
        high = min(len(points) - (count - k), ideal + int(size / 3))
        best, best_score = ideal if low <= ideal <= high else low, math.inf
        for cut in range(low, high + 1):
            before = rows[max(0, cut - window) : cut].sum(axis=0)
            after = rows[cut : cut + window].sum(axis=0)
            norm = float(np.linalg.norm(before) * np.linalg.norm(after)) or 1.0
            score = float(before @ after) / norm + abs(cut - ideal) / (size * 4)
            if score < best_score:
                best, best_score = cut, score
        cuts.append(best)
    bounds = [0, *cuts, len(points)]
    return [points[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


MIN_CENTRED = 10  # fewer rows than this say too little of what they all share


def centered(rows: np.ndarray) -> np.ndarray:
    """Rows minus their mean, at unit length: texts of one corpus share its subject ("China's
    AI"), which makes everything look alike; what is left tells the statements apart."""
    if len(rows) < MIN_CENTRED:
        return rows
    rows = rows - rows.mean(axis=0, keepdims=True)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1, norms)


TOP_CROSS_PAIRS = 0.05  # share of the pairs of statements of different sources alike enough


def cross_groups(
    texts: Sequence[str],
    sources: Sequence[str],
    limit: int,
    vectors: Vectorizer = lexical_vectors,
    *,
    per_source: int = 1,
    top_share: float = TOP_CROSS_PAIRS,
) -> list[list[int]]:
    """Up to ``limit`` groups of statements (indexes into ``texts``) of at least two
    sources about one subject. The statement that the most other sources echo starts a
    group (a subject many conversations touch, not a coincidence of two), and the
    statements alike to it join, the most alike first, at most ``per_source`` from each
    source. "Alike" is relative, so that it means the same for any vectorizer: as alike
    as the ``top_share`` most alike pairs of statements of different sources (at least
    ``limit`` pairs), and more than unrelated. Each statement is used once."""
    if len(set(sources)) < 2:
        return []
    rows = centered(vectors(list(texts)))
    sims = rows @ rows.T
    n = len(texts)
    cross = sorted(
        (float(sims[i, j]) for i in range(n) for j in range(i + 1, n) if sources[i] != sources[j]),
        reverse=True,
    )
    if not cross:
        return []
    kth = min(len(cross), max(limit, round(len(cross) * top_share)))
    min_similarity = max(cross[kth - 1], 1e-9)  # and never unrelated (0) or opposed
    used: set[int] = set()

    def echoes(i: int) -> list[int]:
        """The unused statements of other sources alike to ``i``, the most alike first."""
        alike = [
            j
            for j in range(n)
            if j not in used and sources[j] != sources[i] and sims[i, j] >= min_similarity
        ]
        return sorted(alike, key=lambda j: -float(sims[i, j]))

    def reach(i: int) -> tuple[int, float]:
        found = echoes(i)
        return len({sources[j] for j in found}), sum(float(sims[i, j]) for j in found)

    groups: list[list[int]] = []
    while len(groups) < limit:
        free = [i for i in range(n) if i not in used]
        if not free:
            break
        seed = max(free, key=reach)
        if reach(seed)[0] == 0:
            break
        group = [seed]
        for j in echoes(seed):
            if sum(sources[g] == sources[j] for g in group) < per_source:
                group.append(j)
        used.update(group)
        groups.append(group)
    return groups
