"""A source summary's sentence that puts what one of its passages says of someone onto
what another, far-off passage says: a claim neither makes.

The 1.5B joins two passages of one source into one sentence, the subject from one and the
predicate from the other: of 002's comments "Tienanmen Square proved that the Chinese
were willing to crush rabble rousers ..." and, two comments before, "... the
demonstration of the US's impartiality and commitment to free trade", it wrote
"Tienanmen Square demonstrated the US's impartiality and commitment to free trade."; of
003's "their initial big pot of gold ... were all American" and, fifteen lines on, "that
was caused by domestic regulatory issues ... Alibaba and Tencent", "Domestic regulatory
issues caused Alibaba and Tencent to gain a big pot of gold."; of 001's Zai "incubated out
of Sinhua University" and the government's "carrots and sticks" 700 characters on, "Zai
... uses strategic initiatives and carrots and sticks to benefit and punish companies".

A sentence ``joins_passages`` when a name of it (not one the run's points say often,
``common_names``: "China", "AI") stands in one of its passages only, and
``JOINED_WORDS`` of its content words or more stand only in another that starts
``JOINED_APART`` characters or more away. A sentence that reports what someone says
("Grace Shao emphasizes ...", "L Squared discusses ...") joins a speaker to their words
by design and is not judged, nor is a sentence in another language than English (the
reporting words are English). ``ModelPolicy.passages_held_together`` leaves such a
sentence out of a source theme's summary and its overview.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Sequence

from wordfreq import zipf_frequency

from pipeline.languages import language_of
from pipeline.models import Passage
from pipeline.stages.points import content
from pipeline.text import cited_sentences, name_words, stems

JOINED_WORDS = 3  # content words that only the other passage holds
JOINED_APART = 200  # characters between the two passages' starts, at least
# a name that this share of the run's map points say or more runs through the run
COMMON_NAME_SHARE = 0.05
# a capitalised first word as common as this in the language only opens the sentence
# ("Shutting down open source ...")
OPENING_WORD_ZIPF = 3.5

_REPORTING = re.compile(
    r"\b(?:discuss(?:es|ed)?|mention(?:s|ed)?|emphasi[sz](?:es|ed)|highlight(?:s|ed)?|"
    r"argue[sd]?|note[sd]|explain(?:s|ed)|says|said|suggest(?:s|ed)|believe[sd]|thinks|"
    r"describe[sd]|talk(?:s|ed))\b",
    re.IGNORECASE,
)


def common_names(points: Sequence[str]) -> frozenset[str]:
    """The names (``text.name_words``' stems) that ``COMMON_NAME_SHARE`` of ``points`` or
    more say: what the run is about, not who or what one passage names."""
    counts = Counter(w for p in points for w in name_words(p))
    return frozenset(w for w, n in counts.items() if n >= COMMON_NAME_SHARE * len(points))


def _names(sentence: str) -> set[str]:
    """The names of ``sentence``, its first word only when it is no common word."""
    first = sentence.split(" ", 1)[0]
    names = name_words(sentence)
    if zipf_frequency(first.lower(), "en") >= OPENING_WORD_ZIPF:
        names -= stems(first)
    return names


def joins_passages(
    sentence: str, passages: Sequence[Passage], common: Collection[str] = ()
) -> bool:
    """Whether ``sentence`` (cited on ``passages``) puts a name that only one of them
    holds together with ``JOINED_WORDS`` content words or more that only another, far
    off, holds; names in ``common`` do not count."""
    if len(passages) < 2 or _REPORTING.search(sentence) or language_of(sentence) != "en":
        return False
    names = _names(sentence) - set(common)
    words = stems(" ".join(content(sentence)))
    held = [stems(p.text) for p in passages]
    for a, own_a in enumerate(held):
        only_a = names & own_a - set().union(*(h for b, h in enumerate(held) if b != a))
        if not only_a:
            continue
        for b, own_b in enumerate(held):
            apart = abs(passages[a].char_start - passages[b].char_start) >= JOINED_APART
            if b != a and apart and len(words & own_b - own_a) >= JOINED_WORDS:
                return True
    return False


def without_joins(
    text: str, citations: Sequence[Sequence[Passage]], common: Collection[str] = ()
) -> tuple[str, list[list[Passage]]]:
    """``text`` (an overview; ``citations``: its sentences') without the sentences that
    join two passages (``joins_passages``); as it is when none would be left, or its
    sentences and citations do not match one to one."""
    cited = [list(c) for c in citations]
    pairs = cited_sentences(text, cited)
    kept = [(s, c) for s, c in pairs if not joins_passages(s, c, common)]
    if not kept or len(kept) == len(pairs):
        return text, cited
    return " ".join(s for s, _ in kept), [c for _, c in kept]
