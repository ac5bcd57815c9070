"""A statement copied from part of a passage's sentence, printed as that whole sentence.

Asked to give "the passage's own words ... cut to one sentence", the embedded model
often copies a clause and leaves the part that answers in the clause before or after
it: to "Which Japanese AI project did a commenter compare China's AI push to?" it
answered "The Japan government funded a massive AI project where they built lots of
specialized hardware (symbolic AI)." from the sentence "I just realized, this sounds
almost exactly like Japan's Fifth Generation AI project[1], where the Japan government
funded a massive AI project where ...". Such a statement, checked as it was, is printed
as the whole sentence it was cut from: verbatim, and holding what it was cut from.

A statement counts as cut from a sentence when most of its words
(``COPIED_SHARE``) run word for word inside it. Only a sentence of at most
``WHOLE_SENTENCE_WORDS`` words replaces it: the speech-to-text of a caption file writes a
"sentence" of 160 words, and a statement is not to become a paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher

from pipeline.text import WORD, sentences_of

COPIED_SHARE = 0.8  # of a statement's words, running word for word in the sentence
WHOLE_SENTENCE_WORDS = 70  # the longest sentence a statement is widened to

_SPACE_BEFORE_STOP = re.compile(r"\s+([.,;:!?])")  # a caption line of its own: "industry\n."


def folded(text: str) -> str:
    """Whitespace folded to one space, none before a stop: a sentence as printed."""
    return _SPACE_BEFORE_STOP.sub(r"\1", " ".join(text.split()))


def _words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def _longest_run(a: list[str], b: list[str]) -> int:
    """The most words of ``a`` that occur in a row, in order, in ``b`` (difflib's longest
    matching block; no junk heuristic, so it is the exact longest run)."""
    return SequenceMatcher(None, a, b, autojunk=False).find_longest_match().size


def whole_sentence(statement: str, passages: Iterable[str]) -> str:
    """The sentence of ``passages`` that ``statement`` was cut from (whitespace folded,
    none before a stop), when one of at most ``WHOLE_SENTENCE_WORDS`` words holds it;
    else ``statement``."""
    said = _words(statement)
    if not said:
        return statement
    best: tuple[int, str] | None = None
    for passage in passages:
        for sentence in sentences_of(passage):
            words = _words(sentence)
            if not len(said) < len(words) <= WHOLE_SENTENCE_WORDS:
                continue
            run = _longest_run(said, words)
            if run >= COPIED_SHARE * len(said) and (best is None or run > best[0]):
                best = (run, folded(sentence))
    return statement if best is None else best[1]
