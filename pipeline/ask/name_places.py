"""Where a passage writes a statement's names: two names a statement joins must stand
near each other in a passage that names both (``names_apart``), and a person a statement
says said something must stand near where the passage says it (``said_far_from``). The
1.5B joins what one passage says in different places into a relation it does not state
("Kai-Fu Lee worked at Hugging Face."), or lends a claim to a person the passage names
elsewhere. A statement that opens with a transcript's speaker label ("Kirsty Williams AM:
...", as the 1.5B answers about a meeting) lends its claim to that speaker: the claim
must stand in that speaker's turns (``said_in_other_turns``). Words are compared
stemmed, as ``pipeline.ask.answer_checks`` compares them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from itertools import combinations

from pipeline.text import CAPITALISED_WORD, NAME_RUN, name_words, stem_positions, stems


def names_apart(
    statement: str, passages: Sequence[str], question: str, within: int
) -> tuple[str, str, int] | None:
    """Two names of the statement (runs of capitalised words: "Kai-Fu Lee") that a passage
    writes only more than ``within`` words apart (as the statement writes them, with the
    fewest words between them), and no passage writes closer; None when every two of its
    names that share a passage stand within ``within`` words of each other in one. Two
    names no passage writes both of are not judged (an answer may join two passages).
    A name's words are matched stemmed, anywhere (a lower-case "face" counts for "Hugging
    Face"), so a near match is never missed; a name a passage does not write with its
    words together ("Danwang's" for "Dan Wang's") is not placed there."""
    wanted = name_words(statement, question)
    runs: dict[frozenset[str], str] = {}
    for run in NAME_RUN.findall(statement):
        if parts := frozenset(stems(run) & wanted):
            runs.setdefault(parts, run)
    gaps: dict[tuple[str, str], int] = {}
    for passage in passages:
        at = _positions(passage)
        placed = [
            (run, where) for parts, run in runs.items() if (where := _written_together(parts, at))
        ]
        for (a, where_a), (b, where_b) in combinations(placed, 2):
            gap = _nearest(where_a, where_b)
            gaps[a, b] = min(gap, gaps.get((a, b), gap))
    return next(((a, b, gap) for (a, b), gap in gaps.items() if gap > within), None)


@functools.lru_cache(maxsize=64)
def _positions(passage: str) -> dict[str, list[int]]:
    """``stem_positions`` of a passage, once for both checks (read, never changed)."""
    return stem_positions(passage)


def _written_together(parts: frozenset[str], at: dict[str, list[int]]) -> list[int]:
    """Where the evidence writes a name of these (stemmed) words, all of them within as
    many words of each other as the name has: "Kai Fu Lee" or "Lee Kai-Fu", not a "Dan"
    here and a "Wang" two passages on."""
    if not parts <= at.keys():
        return []
    span = len(parts)
    first, *others = sorted(parts, key=lambda p: len(at[p]))
    return [
        i for i in at[first] if all(any(abs(i - j) <= span for j in at[other]) for other in others)
    ]


def _nearest(left: list[int], right: list[int]) -> int:
    """The fewest words between a position of ``left`` and one of ``right``."""
    return min(abs(i - j) for i in left for j in right)


_NAME = rf"{CAPITALISED_WORD.pattern}(?:[ \t]+{CAPITALISED_WORD.pattern}){{0,3}}"
# "Kai-Fu Lee said that ...", "Liang Wenfeng argues ...": a name, a verb of saying, the
# claim; or "According to Kai-Fu Lee, ..."
_SAYING = re.compile(
    rf"^(?:(?P<who>{_NAME})\s+"
    r"(?:also\s+)?(?:said|says|say|thinks|thought|believes|believed|argues|argued|claims|"
    r"claimed|told|tells|wrote|writes|called|calls|noted|notes|described|describes|"
    r"predicted|predicts|warned|warns)\b(?:\s+that\b)?"
    rf"|[Aa]ccording to (?P<source>{_NAME}),)(?P<claim>.+)$",
    re.DOTALL,
)
SAID_NEAR_SHARE = 0.5  # of the claim's words a passage holds, at least this share near the name


def said_far_from(
    statement: str, passages: Sequence[str], question: str, within: int
) -> str | None:
    """The person a statement says said its claim ("Kai-Fu Lee said that ...", "According
    to Kai-Fu Lee, ..."), when a passage writes both the name and three or more of the
    claim's words but never puts half of those words within ``within`` words of the name,
    and no passage does; else None. The claim's words are those the question lacks (what
    the statement adds). The 1.5B answered "What did
    Kai-Fu Lee say about Mark Zuckerberg?" with "Kai-Fu Lee said that Mark Zuckerberg is
    the only one ... that actually openly said 'We're going to have a one billion people
    serving AI agent'": the passage names Kai-Fu Lee some 250 words before the host says
    that of Zuckerberg himself."""
    found = _SAYING.match(statement.strip())
    if found is None:
        return None
    who = found.group("who") or found.group("source")
    parts = frozenset(stems(who) & name_words(statement, question))
    claim = stems(found.group("claim")) - stems(question) - stems(who)
    if not parts or len(claim) < 3:
        return None
    judged = False
    for passage in passages:
        at = _positions(passage)
        places = _written_together(parts, at)
        held = claim & at.keys()
        if not places or len(held) < 3:
            continue
        judged = True
        near = max(
            sum(any(abs(i - j) <= within for j in at[word]) for word in held) for i in places
        )
        if near >= SAID_NEAR_SHARE * len(held):
            return None
    return who if judged else None


# a transcript's speaker label at the start of a line, to its first colon: "Kirsty
# Williams AM:", "PhD C:", "The Chair (Hon. Anthony Rota (Nipissing—Timiskaming, Lib.)):"
LABEL_PATTERN = r"[A-Z][^:\n]{0,80}?"
_LABELLED = re.compile(rf"(?P<label>{LABEL_PATTERN}):[ \t]+(?P<claim>\S.*)$", re.DOTALL)
_TURN_START = re.compile(rf"(?m)^{LABEL_PATTERN}:")


def speaker_label(statement: str, passages: Sequence[str]) -> tuple[str, str] | None:
    """(label, what follows it) of a statement that opens with a label some passage
    starts a line with ("Eluned Morgan AM: In relation to teaching, ..."); else None. A
    colon inside brackets ends no label: seed 002's comment "The recent TV drama 赤热
    (English title: Silicon Wave, ...) shows ..." is no speaker's."""
    found = _LABELLED.match(statement.strip())
    if found is None:
        return None
    label = found.group("label")
    if label.count("(") != label.count(")"):  # a colon inside brackets: no label's end
        return None
    opens = re.compile(rf"(?m)^{re.escape(label)}:")
    if not any(opens.search(p) for p in passages):
        return None
    return label, found.group("claim")


def turns_of(label: str, passage: str) -> str:
    """What ``label`` says in a passage: each stretch from a line that opens with it to
    the next line that opens with a speaker label (or the passage's end)."""
    starts = [m.start() for m in _TURN_START.finditer(passage)]
    own = [i for i in starts if passage.startswith(f"{label}:", i)]
    return "\n".join(passage[i : next((j for j in starts if j > i), len(passage))] for i in own)


def said_in_other_turns(statement: str, passages: Sequence[str], question: str) -> str | None:
    """The speaker a statement opens with as a label ("Kirsty Williams AM: ..."), when a
    passage gives that speaker turns and holds three or more of the claim's words (those
    the question and the label lack) but that speaker's turns hold fewer than half of
    them, and no passage's turns do; else None. Such a statement is printed as what that
    speaker said (``pipeline.ask.printed``), so the claim must be theirs."""
    labelled = speaker_label(statement, passages)
    if labelled is None:
        return None
    label, claim_text = labelled
    claim = stems(claim_text) - stems(question) - stems(label)
    if len(claim) < 3:
        return None
    judged = False
    for passage in passages:
        held = claim & stems(passage)
        turns = turns_of(label, passage)
        if not turns or len(held) < 3:
            continue
        judged = True
        if len(held & stems(turns)) >= SAID_NEAR_SHARE * len(held):
            return None
    return label if judged else None
