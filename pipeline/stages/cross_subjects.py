"""Which subjects the cross-source brief is about: groups of statements of several sources.

Two ways find them, and together they make the list:

- *Statements alike* (``themes.cross_groups``): clusters of statements that say alike
  things in two sources or more. They find a subject the sources say the same about
  ("DeepSeek proved there is no moat"), and miss one they say different things about:
  the seeds' thirteen statements on chips, from all five sources ("bans on shipments of
  advanced chips are the problem", "port non-CUDA code to Huawei GPUs", "companies did
  stockpile a whole bunch of chips"), are on average less alike than two random
  statements of different sources, and formed no group in any round.
- *A thing a source names and others say too* (``titled_groups``): a word or two-word
  run of a source theme's title, rarer in the language than ``TERM_ZIPF`` (so it names a
  thing, "chip", "export controls", not "development" or "look"), and not one of the
  words the whole corpus is about ("China", ``themes.corpus_words``), that statements of
  ``TERM_SOURCES`` sources or more say and no subject found before says. Its group is
  those statements, the most central of each source first.

The list: clusters of ``TERM_SOURCES`` sources or more (of all, when there are fewer)
and up to ``TERM_SUBJECTS`` titled subjects, those of the most sources first (a cluster
before a titled subject of as many), then the other clusters, ``limit`` in all; no
statement is in two groups.

A theme's subject is then what its group's statements share: the words statements of two
of its sources say (``subject_stems``), and a sentence of its summary that says none of
them is about something else (``on_subject``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from wordfreq import zipf_frequency

from pipeline.languages import language_of
from pipeline.stages.themes import (
    CORPUS_WORD_SHARE,
    PER_SOURCE,
    Vectorizer,
    corpus_words,
    cross_groups,
    lexical_vectors,
    most_central,
    statement_similarities,
    without_words,
)
from pipeline.text import LETTER_WORD, stems, tokenize

TERM_ZIPF = 4.5  # "chip" 4.3, "export" 4.2, "innovation" 4.3; "industry" 5.2, "model" 5.0
TERM_SOURCES = 3  # statements of this many sources at least say the term (fewer: all)
TERM_SUBJECTS = 3  # titled subjects in the list, at most
# a word a group's sources share names its subject when rarer than this in the language:
# "open" 5.5, "control" 5.4, "source" 5.2 do; "like" 6.4, "work" 6.0, "might" 5.7 do not
SUBJECT_ZIPF = 5.5


def title_terms(titles: Sequence[str], corpus: frozenset[str], language: str) -> dict[str, float]:
    """The words and two-word runs of ``titles`` (the corpus's words left out) rarer in
    ``language`` than ``TERM_ZIPF``: each as its stems joined by spaces, with its Zipf
    frequency as written; a run whose words include a stop word ("and export") is none."""
    found: dict[str, float] = {}
    for title in without_words(titles, corpus):
        words = LETTER_WORD.findall(title)
        runs = [*words, *(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))]
        for run in runs:
            stemmed = tokenize([run])[0]
            if len(stemmed) != len(run.split()):
                continue
            zipf = zipf_frequency(run, language)
            if zipf < TERM_ZIPF:
                key = " ".join(stemmed)
                found[key] = min(zipf, found.get(key, zipf))
    return found


def _saying(term: str, stemmed: Sequence[str]) -> list[int]:
    """The statements (their stems, space-joined with a space at each end) that say
    ``term``'s stems in a row."""
    return [i for i, said in enumerate(stemmed) if f" {term} " in said]


def titled_groups(
    kept: Sequence[str],
    sources: Sequence[str],
    titles: Sequence[str],
    corpus: frozenset[str],
    sims: np.ndarray,
    said_before: Sequence[int],
    limit: int,
    per_source: int = PER_SOURCE,
) -> list[list[int]]:
    """Up to ``limit`` groups of statements that say a thing a theme's title names
    (``title_terms``), of ``TERM_SOURCES`` sources or more (all, when there are fewer),
    those saying it in the most sources first, then the rarest; a term no statement of
    ``said_before`` says (a subject found already), and whose statements are not half
    another term's (those join it: "export" and "export controls"). Each group keeps
    ``per_source`` statements of a source, the most central first (``sims``). ``kept``:
    the statements without the words the whole corpus is about, ``corpus``."""
    language = language_of(" ".join(kept)) or "en"
    stemmed = [f" {' '.join(words)} " for words in tokenize(kept)]
    earlier = " ".join(stemmed[i] for i in said_before)
    least = min(TERM_SOURCES, len(set(sources)))
    terms = []
    for term, zipf in title_terms(titles, corpus, language).items():
        members = _saying(term, stemmed)
        spread = len({sources[i] for i in members})
        if spread >= least and f" {term} " not in earlier:
            terms.append((-spread, zipf, members))
    joined: list[set[int]] = []
    for *_, members in sorted(terms, key=lambda t: t[:2]):
        same = next((g for g in joined if len(g & set(members)) >= len(members) / 2), None)
        if same is None:
            joined.append(set(members))
        else:
            same.update(members)
    taken = set(said_before)
    groups: list[list[int]] = []
    for members_set in joined:
        if len(groups) >= limit:
            break
        central = most_central(sorted(members_set), sims, sources, per_source)
        group = [i for i in central if i not in taken]
        if len({sources[i] for i in group}) >= least:
            groups.append(group)
            taken.update(group)
    return groups


def cross_subjects(
    texts: Sequence[str],
    sources: Sequence[str],
    titles: Sequence[str],
    limit: int,
    vectors: Vectorizer = lexical_vectors,
) -> list[list[int]]:
    """Up to ``limit`` groups of statements (indexes into ``texts``), each a subject of
    two sources or more: clusters of ``TERM_SOURCES`` sources or more (all, when there
    are fewer) and up to ``TERM_SUBJECTS`` subjects the sources' theme ``titles`` name
    (``titled_groups``), those of the most sources first, then the other clusters
    without the statements already grouped."""
    if len(set(sources)) < 2:
        return []

    def spread(group: Sequence[int]) -> int:
        return len({sources[i] for i in group})

    corpus = corpus_words(texts, sources)
    kept = without_words(texts, corpus)
    sims = statement_similarities(kept, vectors)
    clusters = cross_groups(texts, sources, len(texts), sims=sims)
    least = min(TERM_SOURCES, len(set(sources)))
    wide = [g for g in clusters if spread(g) >= least]
    said = [i for g in wide for i in g]
    titled = titled_groups(kept, sources, titles, corpus, sims, said, TERM_SUBJECTS)
    taken = {i for g in [*wide, *titled] for i in g}
    rest = []
    for group in clusters[len(wide) :]:  # clusters come the most sources first
        left = [i for i in group if i not in taken]
        if spread(left) >= 2:
            rest.append(left)
            taken.update(left)
    # the most sources first; of as many, a cluster (alike statements) before a titled one
    return [*sorted([*wide, *titled], key=lambda g: -spread(g)), *rest][:limit]


def widespread_stems(texts: Sequence[str]) -> frozenset[str]:
    """The stems that ``CORPUS_WORD_SHARE`` of ``texts`` or more say: what the whole
    corpus is about ("china" 27% of the seeds' statements, "ai" 21%, "chines" 13%), not
    a subject some of them share ("open" 7%, "chip" 3%)."""
    counts = Counter(w for text in texts for w in stems(text))
    return frozenset(w for w, n in counts.items() if n >= CORPUS_WORD_SHARE * len(texts))


def subject_stems(
    texts: Sequence[str], sources: Sequence[str], widespread: frozenset[str] = frozenset()
) -> set[str]:
    """The stems of the words that statements (``texts``) of two of ``sources`` or more
    say, rarer in the language than ``SUBJECT_ZIPF``, those ``widespread`` in the corpus
    (``widespread_stems``) aside: what a group of statements has in common."""
    language = language_of(" ".join(texts)) or "en"
    by_source: dict[str, set[str]] = {}
    for text, source in zip(texts, sources, strict=True):
        rare = [w for w in LETTER_WORD.findall(text) if zipf_frequency(w, language) < SUBJECT_ZIPF]
        by_source.setdefault(source, set()).update(stems(" ".join(rare)) - widespread)
    sources_saying = Counter(w for own in by_source.values() for w in own)
    return {w for w, n in sources_saying.items() if n >= 2}


def on_subject(
    sentences: Sequence[str],
    texts: Sequence[str],
    sources: Sequence[str],
    widespread: frozenset[str] = frozenset(),
) -> list[str]:
    """``sentences`` (a cross-source theme's summary) that say a word of its group's
    subject (``subject_stems`` of the group's statements ``texts``); all of them when the
    group shares no such word. Of the 1.5B's theme "Export Controls" on chips (five
    sources), "Moats created by closed source are temporary." (a statement of 002's that
    joins two quotes) is left out, and the cross-source overview, which took it first,
    with it (``ModelPolicy.cross_sentences_on_subject``)."""
    subject = subject_stems(texts, sources, widespread)
    if not subject:
        return list(sentences)
    return [s for s in sentences if stems(s) & subject]
