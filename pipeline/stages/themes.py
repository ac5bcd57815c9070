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
import re
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
from wordfreq import zipf_frequency

from pipeline.languages import language_of
from pipeline.models import KeyPoint
from pipeline.text import LETTER_WORD, tokenize

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


# two clusters join while their statements are, on average, as alike as the most alike
# 0.5% of the pairs of statements of different sources (MiniLM, centred: cosine ~0.35)
CROSS_LINK_SHARE = 0.005
PER_SOURCE = 3  # statements of one source in a cross-source group, at most


# a word a tenth of the statements of every source use (three at least) is what the whole
# corpus is about ("China" and "AI" in the seeds: 21% and 12% of a source's at least), not
# a subject some of its sources share
CORPUS_WORD_SHARE = 0.1
CORPUS_WORD_LEAST = 3
COMMON_ZIPF = 6.0  # unless the language itself says it as often ("like", "think", "can")
_POSSESSIVE = re.compile(r"['’]s$")


def corpus_words(texts: Sequence[str], sources: Sequence[str]) -> frozenset[str]:
    """The words (lower case, a possessive's "'s" aside) that at least
    ``CORPUS_WORD_SHARE`` of each source's ``texts`` use, and ``CORPUS_WORD_LEAST``, bar
    the language's commonest (Zipf ``COMMON_ZIPF`` and above)."""
    counts: dict[str, Counter[str]] = {}
    for text, source in zip(texts, sources, strict=True):
        words = {_POSSESSIVE.sub("", w.lower()) for w in LETTER_WORD.findall(text)}
        counts.setdefault(source, Counter()).update(words)
    sizes = Counter(sources)
    shared = [
        {w for w, n in count.items() if n >= max(CORPUS_WORD_LEAST, CORPUS_WORD_SHARE * sizes[s])}
        for s, count in counts.items()
    ]
    if not shared:
        return frozenset()
    language = language_of(" ".join(texts)) or "en"
    everywhere = set.intersection(*shared)
    return frozenset(w for w in everywhere if zipf_frequency(w, language) < COMMON_ZIPF)


def without_words(texts: Sequence[str], words: frozenset[str]) -> list[str]:
    """``texts`` with ``words`` (and their possessives) left out; a text that would be left
    with no word of its own stays whole."""
    if not words:
        return list(texts)
    alternatives = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w'’-])(?:{alternatives})(?:['’]s)?(?![\w'’-])", re.I)
    left = [" ".join(pattern.sub(" ", text).split()) for text in texts]
    return [
        rest if LETTER_WORD.search(rest) else text for rest, text in zip(left, texts, strict=True)
    ]


def statement_similarities(
    kept: Sequence[str], vectors: Vectorizer = lexical_vectors
) -> np.ndarray:
    """Cosine of every pair of statements, given ``kept``: their texts with the words the
    whole corpus is about left out (``without_words`` of ``corpus_words``); the vectors
    centred on the corpus (``centered``)."""
    rows = centered(vectors(kept))
    return np.asarray(rows @ rows.T, dtype=np.float64)


def most_central(
    members: Sequence[int], sims: np.ndarray, sources: Sequence[str], per_source: int
) -> list[int]:
    """``members``, the most alike to the rest first, at most ``per_source`` of a source."""
    centrality = {i: float(sims[i, members].sum() - sims[i, i]) for i in members}
    kept, taken = [], Counter[str]()
    for i in sorted(members, key=lambda i: -centrality[i]):
        if taken[sources[i]] < per_source:
            kept.append(i)
        taken[sources[i]] += 1
    return kept


def cross_groups(
    texts: Sequence[str],
    sources: Sequence[str],
    limit: int,
    vectors: Vectorizer = lexical_vectors,
    *,
    per_source: int = PER_SOURCE,
    link_share: float = CROSS_LINK_SHARE,
    sims: np.ndarray | None = None,
) -> list[list[int]]:
    """Up to ``limit`` groups of statements (indexes into ``texts``) of at least two
    sources about one subject: those of the most sources first, then the most alike
    across sources (a tight subject before a loose one, however many statements either
    has: one talkative source does not make a subject).

    Average-linkage clustering: each statement starts alone, and the two clusters most
    alike on average join, while that average is at least as high as the ``link_share``
    most alike pairs of statements of different sources ("alike" is relative, so it means
    the same for any vectorizer) and above unrelated (0). A cluster is a subject several
    statements share, so a group never holds a statement that is only near its seed
    (seeded groups held one statement of every source, most of them unrelated). A group
    keeps at most ``per_source`` statements of a source, those most alike to the rest;
    the most central statement comes first. ``sims``: ``statement_similarities`` when the
    caller has them already."""
    if len(set(sources)) < 2:
        return []
    if sims is None:
        sims = statement_similarities(without_words(texts, corpus_words(texts, sources)), vectors)
    n = len(texts)
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    across = upper & (np.asarray(sources)[:, None] != np.asarray(sources)[None, :])
    if not across.any():
        return []
    threshold = max(float(np.quantile(sims[across], 1 - link_share)), 1e-9)
    clusters = _average_linkage(sims, threshold)
    groups = []
    for members in clusters:
        by_source = Counter(sources[i] for i in members)
        if len(by_source) < 2:
            continue
        kept = most_central(members, sims, sources, per_source)
        pairs = [sims[i, j] for i in members for j in members if sources[i] < sources[j]]
        groups.append(((len(by_source), float(np.mean(pairs))), kept))
    groups.sort(key=lambda g: tuple(-x for x in g[0]))
    return [kept for _, kept in groups[:limit]]


def _average_linkage(sims: np.ndarray, threshold: float) -> list[list[int]]:
    """Clusters of ``sims``' rows: the pair of clusters with the highest mean similarity
    joins while that mean is at least ``threshold``. The matrix of means is kept up to
    date, not recomputed: a merge changes only the merged cluster's row and column (2,000
    statements: 10 s recomputed)."""
    n = len(sims)
    total = sims.copy()  # summed similarity between clusters
    mean = sims.copy()  # total / (size x size), -inf for a cluster gone and the diagonal
    np.fill_diagonal(mean, -np.inf)
    size = np.ones(n)
    members = [[i] for i in range(n)]
    alive = np.ones(n, dtype=bool)
    while True:
        x, y = divmod(int(np.argmax(mean)), n)
        if not mean[x, y] >= threshold:
            break
        total[x, :] += total[y, :]
        total[:, x] += total[:, y]
        size[x] += size[y]
        members[x] += members[y]
        alive[y] = False
        mean[y, :] = mean[:, y] = -np.inf
        mean[x, :] = np.where(alive, total[x, :] / (size[x] * size), -np.inf)
        mean[:, x] = np.where(alive, total[:, x] / (size * size[x]), -np.inf)
        mean[x, x] = -np.inf
    return [members[i] for i in range(n) if alive[i]]
