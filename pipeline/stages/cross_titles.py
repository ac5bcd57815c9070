"""A cross-source theme's title: the model's, one per subject, or a stand-in.

The model titles each group of statements on its own, and two groups can be one
subject: the seeds' sixty-sixth round cold run had a cluster and a titled subject on
open source, both titled "Open Source AI", and the second was printed as "I think the
view is that China is" (a repeated title gave way to its first statement's words).
Groups the model titled alike are one theme (``alike_titles``); a title that names
nothing its theme says gives way to a stand-in (``stand_in_title``).
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.stages.cross_claims import unlabelled
from pipeline.stages.cross_statements import Statement
from pipeline.text import plain_words, sentences_of, stems, word_count

TITLE_WORDS = 8  # the most a cross-source theme's title has (the prompt: 3 to 8)


def alike_titles(titles: Sequence[str]) -> list[list[int]]:
    """The positions of ``titles``, those of the same content words (their stems, in any
    order: the second cold run titled the same two groups "AI Open Source" and "Open
    Source AI") in one list, in the order of their first; a title of no content word is
    alike to none."""
    alike: dict[object, list[int]] = {}
    for n, title in enumerate(titles):
        key = frozenset(stems(title))
        alike.setdefault(key or n, []).append(n)
    return list(alike.values())


def stand_in_title(summary: str, group: Sequence[Statement]) -> str:
    """A cross-source theme's title when the model's repeats an earlier one or names
    nothing its summary or statements say (the 1.5B titled a theme "Colorfulfe", a
    product its statement spells "Colorfullfe"): the summary's first sentence, without
    its source label, when it is short enough ("Identical offerings with similar
    pricing"), else its subject (``subject_of``), else the first statement's first
    words."""
    first = unlabelled(next(iter(sentences_of(summary)), "")).rstrip(".")
    if 0 < word_count(first) <= TITLE_WORDS:
        return first
    return subject_of(first) or " ".join(group[0].text.split()[:TITLE_WORDS]).rstrip(",;:")


# a verb that ends a sentence's subject: "Commoditize your complement | is this idea ..."
_SUBJECT_ENDS = frozenset(
    "is are was were has have had can could will would should may might must does do did "
    "remains means".split()
)


# ... unless a clause comes first: "The speaker emphasizes that China | is leading ..."
_CLAUSE_OPENS = frozenset("that which who whom whose because if when while as".split())


def subject_of(sentence: str) -> str:
    """The words of ``sentence`` before its first verb of ``_SUBJECT_ENDS``: two content
    words at least, ``TITLE_WORDS`` words at most, no clause opening among them; else "".
    Cut at eight words, a summary's first sentence "Commoditize your complement is this
    idea of different layers where value can accrue." titled its theme "Commoditize your
    complement is this idea of different"; its subject names the theme."""
    words = sentence.split()
    for n, word in enumerate(words[: TITLE_WORDS + 1]):
        if word.lower() in _SUBJECT_ENDS:
            subject = words[:n]
            clause = any(w.lower().strip(",;:") in _CLAUSE_OPENS for w in subject)
            if clause or len(plain_words(" ".join(subject))) < 2:
                return ""
            return " ".join(subject).rstrip(",;:")
    return ""
