"""Whether a part taken from a sentence drops the negation that governs it.

The map takes a long sentence's point from its most salient clause, and the 1.5B copies a
statement's clause into a cross-source summary; either can leave behind the "never" or
"unless" a few words before, and say the opposite: 001's "China has never been a society
that's like really, you know, glorifies individual inventor the same way that we do" gave
the point "Glorifies individual inventor the same way that we do in the US", and 003's
"So unless domestically, you know, we see, like, Huawei or Baba ... really make a
breakthrough, this is going to be their biggest hindrance" the cross-source overview's
"Huawei or Baba or any other chip players really make a breakthrough, this is going to be
their biggest hindrance, for sure."
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.text import WORD

NEGATION = re.compile(  # a word that negates (``words``' words): the one list of them
    r"^(?:unless|not|never|no|none|nor|without|neither|cannot|hardly|barely)$|n['’]t$",
    re.IGNORECASE,
)
# after a turn, what follows is not what the negation governs: "It's not cracking down on
# open source, but meanwhile, it is bringing forward AI regulations"
_TURNS = frozenset({"but", "however", "yet", "although", "though", "whereas", "while"})
# a negation inside a condition governs that condition alone: "if they can't win, they want
# to at least commoditize"
_CONDITIONS = frozenset({"if", "when", "whether", "because", "since", "once"})
# a negation that says "and more", or that a thing is so anyway, governs nothing: "not
# only the high-speed rail ...", "not just ...", "no doubt ...", "no matter what ..."
_ASSERTING = frozenset({"only", "just", "merely", "simply", "doubt", "wonder", "matter"})
# "no <thing> is required / needed" says that what follows is so without it: "No cynicism
# is required in viewing the export restrictions on ASML's ... as blatantly
# anti-competitive" (the restrictions are there; "not required to register" stays a
# negation)
_NEEDLESS = re.compile(r"^no \S+ (?:is|are|was|were) (?:required|needed|necessary)$")
LEAD_WORDS = 10  # how far before a part a negation still governs it
_MARKS = ",.;:!?\"'“”‘’()[]…-"
COPIED_RUN = 6  # a sentence copies a passage from the first run of this many words it shares
_WORD = re.compile(rf"{WORD.pattern}(?:['’]{WORD.pattern})?")


def words(text: str) -> list[str]:
    """``text``'s words, lower-cased, a contraction one word ("doesn't")."""
    return [w.lower() for w in _WORD.findall(text)]


def says_negation(text: str) -> bool:
    """Whether ``text`` has a word that negates (``NEGATION``)."""
    return any(NEGATION.search(w) for w in words(text))


def negated_lead(lead: Sequence[str], after: Sequence[str] = ()) -> bool:
    """Whether the words right before a part of a sentence (its last ``LEAD_WORDS``, marks
    around them aside) negate that part: a negation among them with no turn after it, no
    condition before it, and not one that says "and more" or "so anyway" (``_ASSERTING``:
    "not only", "no doubt"; ``_NEEDLESS``: "no cynicism is required"), both read on into
    the part's first words, ``after`` ("not | only the high-speed rail ...")."""
    lead = [w.lower().strip(_MARKS) for w in lead][-LEAD_WORDS:]
    read_on = [*lead, *(w.lower().strip(_MARKS) for w in after[:3])]
    return any(
        NEGATION.search(w)
        and not set(read_on[k + 1 : k + 2]) & _ASSERTING
        and not _NEEDLESS.match(" ".join(read_on[k : k + 4]))
        and not _TURNS.intersection(lead[k + 1 :])
        and not _CONDITIONS.intersection(lead[:k])
        for k, w in enumerate(lead)
    )


# a part that opens so after a negated clause says what is so instead: "the strongest core
# of the Chinese model is not government planning, It's this kind of deep infrastructure"
_INSTEAD = re.compile(
    r"^(?:it['’]s|it is|this is|that['’]s|that is|there (?:is|are)|rather|instead)\b"
)


def governed(said: Sequence[str], at: int) -> bool:
    """Whether the part of a sentence's words ``said`` from ``at`` on is governed by a
    negation before it (``negated_lead``) rather than opening a turn or what is so
    instead ("..., but meanwhile, it is bringing forward AI regulations")."""
    part = " ".join(w.lower().strip(_MARKS) for w in said[at : at + 3])
    if part.split(" ")[0] in _TURNS or _INSTEAD.match(part):
        return False
    return negated_lead(said[:at], said[at:])  # "not | only the rail ...": read on


def _found_at(run: list[str], source: list[str]) -> int | None:
    n = len(run)
    return next((j for j in range(len(source) - n + 1) if source[j : j + n] == run), None)


def drops_negation(sentence: str, passages: Sequence[str]) -> bool:
    """Whether ``sentence`` copies one of ``passages`` from right after a negation that
    governs the words copied, with none of its own before them: from its first run of
    ``COPIED_RUN`` words found there taken back to where the sentence starts, when the
    sentence says no negation at all; or from any such run, when no word of the sentence
    before it or in it negates. The 1.5B made 004's "there are still lots of people in
    the US that have not even used chat GPT even once or ... didn't get hooked" a
    cross-source theme's "There are still lots of people using chat GPT even once or ...
    didn't get hooked immediately.": words between dropped, and a negation after; its
    "DeepSeek is not a demonstration of ..." copies 002's "..., not a demonstration of
    ..." with its own "not"."""
    said = words(sentence)
    negates = says_negation(sentence)
    for passage in passages:
        source = words(passage)
        first = True
        for i in range(len(said) - COPIED_RUN + 1):
            at = _found_at(said[i : i + COPIED_RUN], source)
            if at is None:
                continue
            if first and not negates and governed(source, max(0, at - i)):
                return True
            first = False
            if not says_negation(" ".join(said[: i + COPIED_RUN])) and governed(source, at):
                return True
    return False
