"""What ``brief ask`` prints of a passage: the lines that say it, each findable in its file.

A retrieved passage is a window of 300-500 tokens. Printed whole under an answer, it
buried the line that states it: "Dan Wang's book Breakneck proposes that America is run
by lawyers, while China is run by engineers. [1]" came with 450 words of source 000's
lines L672-741 to read through for two lines of them. So a passage is cut into units (its
lines; a line's sentences when it holds several, as the one 3,600-word line of a
timestamped transcript does) and the reader gets the stretch of consecutive units, about
``EXCERPT_WORDS`` words, that holds the most of the words of what it is cited for (the
answer's statements that cite it, or, under a refusal, the question), and a second one
when that holds two or more of the words the first lacks. Each stretch is printed with
its own location (``L699-701``, ``L2:9127``), which finds it in the file as the passage's
label finds the passage. The text is the file's own (whitespace folded); ``--json``
keeps whole passages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.ask.answer_checks import FILLER_WORDS
from pipeline.ask.retrieval import QUESTION_WORDS
from pipeline.inputs.chunking import ENDS_WITH_STOP
from pipeline.models import Passage
from pipeline.text import flattened, sentences_of, stems

EXCERPT_WORDS = 60  # of a passage cut at its lines, printed under an answer or a refusal
# of a passage cut at the index's pieces: a piece runs to 64 tokens, so a stretch of them
# overshoots its budget by more; at 50 the stretches are as long as at 60 of lines (74
# words on average against 71, bench/excerpt_coverage.py)
PIECE_EXCERPT_WORDS = 50
# words that do not place a stretch: a refusal's stretches were chosen for the question's
# "what", "does" and "about" ("What does Grace Shao think about Manus?" was shown 003
# L798-803, on cheaper inference, not a line naming Manus)
NOT_PLACING = QUESTION_WORDS | FILLER_WORDS
LONG_UNIT_WORDS = 3 * EXCERPT_WORDS  # a unit past this (a line with no stops) is cut in pieces

_LINE = re.compile(r"[^\n]+")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Unit:
    """A stretch of a passage's text: ``passage.text[start:end]``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Run:
    """Consecutive units of a passage as printed: where they are, and their text."""

    location: str
    text: str


def _pieces(line: str, offset: int) -> list[Unit]:
    """A line's sentences (``text.sentences_of``) as units, a sentence too long to read
    as one (no stops for hundreds of words) in pieces of ``EXCERPT_WORDS`` words.
    ``sentences_of`` keeps every character but spaces, in order, so a sentence ends
    where the line's next characters but spaces are its own: that places it (between
    words, or after a full stop of Chinese writing, which no space follows)."""
    units: list[Unit] = []
    cursor = 0
    for sentence in sentences_of(line):
        start = cursor
        while start < len(line) and line[start].isspace():
            start += 1
        end = start
        left = sum(not c.isspace() for c in sentence)
        while left and end < len(line):
            left -= not line[end].isspace()
            end += 1
        cursor = end
        mine = list(_WORD.finditer(line, start, end))
        size = len(mine) if len(mine) <= LONG_UNIT_WORDS else EXCERPT_WORDS
        for k in range(0, len(mine), size or 1):
            piece = mine[k : k + size]
            units.append(
                Unit(
                    offset + piece[0].start(),
                    offset + piece[-1].end(),
                    " ".join(w[0] for w in piece),
                )
            )
    return units


def units_of(text: str) -> list[Unit]:
    """A passage's units in order: its lines, each cut into its sentences; a sentence a
    wrapped transcript runs on into the next line (no stop at the line's end, the next
    line opening in lower case) is one unit across them. 003 wraps its talk: under "Why
    are Chinese AI labs releasing their models as open source?" the printed stretch
    ended "... and take the U.S. AI industry", its sentence's "down a notch." on the next
    line."""
    units: list[Unit] = []
    for line in _LINE.finditer(text):
        pieces = _pieces(line[0], line.start())
        if units and pieces and _runs_on(units[-1].text, pieces[0].text):
            first = pieces.pop(0)
            last = units.pop()
            units.append(Unit(last.start, first.end, f"{last.text} {first.text}"))
        units += pieces
    return units


def units_in(text: str, spans: Sequence[tuple[int, int]]) -> list[Unit]:
    """A passage's units given as ``spans`` of its text, in order: the search index's
    pieces, runs of the chunker's whole sentences (``retrieval.make_pieces``,
    ``SearchIndex.piece_spans``), so that a stretch starts and ends where the chunker's
    sentences do, not where this module's own reading of lines puts them (``units_of``,
    for an index stored without pieces)."""
    units = []
    for start, end in spans:
        words = list(_WORD.finditer(text, start, end))
        if words:
            units.append(Unit(words[0].start(), words[-1].end(), " ".join(w[0] for w in words)))
    return units


def _runs_on(before: str, after: str) -> bool:
    return not ENDS_WITH_STOP.search(before) and after[:1].islower()


def located(passage: Passage, start: int, end: int) -> str:
    """Where ``passage.text[start:end]`` is in its file: ``L699-701``, or ``L2:9127``
    deep in a long line (``Passage.label`` of it, less the source id)."""
    text = passage.text
    newline = text.rfind("\n", 0, start)
    column = passage.column + start if newline < 0 else start - newline
    lines = text.count("\n", 0, start)
    part = Passage(
        source_id=passage.source_id,
        char_start=passage.char_start + start,
        char_end=passage.char_start + end,
        line_start=passage.line_start + lines,
        line_end=passage.line_start + lines + text.count("\n", start, end),
        column=column,
        text=text[start:end],
    )
    return part.label.removeprefix(f"{passage.source_id} ")


def _window(units: list[Unit], centre: int, words: int) -> range:
    """Units around ``centre``, the one before and the next in turn (what leads to a
    line comes first), until about ``words`` words."""
    lo, hi = centre, centre + 1
    count = len(units[centre].text.split())
    while count < words and (lo > 0 or hi < len(units)):
        if hi < len(units) and (hi - centre <= centre - lo or lo == 0):
            count += len(units[hi].text.split())
            hi += 1
        else:
            lo -= 1
            count += len(units[lo].text.split())
    return range(lo, hi)


def excerpt(
    passage: Passage,
    cited_for: str,
    words: int | None = None,
    runs: int = 2,
    pieces: Sequence[tuple[int, int]] = (),
) -> list[Run]:
    """Up to ``runs`` stretches of ``passage``, each about ``words`` words of consecutive
    units: the stretch that holds the most of ``cited_for``'s words (``NOT_PLACING`` aside),
    then, for words it does not hold, the stretch that holds most of those (two or more),
    in the passage's order, each with its location. ``pieces``: the index's pieces within
    the passage as spans of its text (``units_in``; ``words`` then defaults to
    ``PIECE_EXCERPT_WORDS``), else the passage is cut at its lines (``units_of``)."""
    units = units_in(passage.text, pieces) if pieces else []
    if words is None:
        words = PIECE_EXCERPT_WORDS if units else EXCERPT_WORDS
    units = units or units_of(passage.text)
    if not units:  # only white space
        return [Run(located(passage, 0, len(passage.text)), "")]
    wanted = stems(cited_for) - NOT_PLACING
    held = [wanted & stems(u.text) for u in units]
    chosen: list[range] = []
    for _ in range(runs):
        taken = {i for w in chosen for i in w}
        best: tuple[int, int, int] | None = None  # stems held, the centre's own, -centre
        for centre in range(len(units)):
            window = _window(units, centre, words)
            if taken.intersection(window):
                continue
            key = (len(set().union(*(held[i] for i in window))), len(held[centre]), -centre)
            if best is None or key > best:
                best = key
        if best is None or (chosen and best[0] < 2):
            break
        window = _window(units, -best[2], words)
        chosen.append(window)
        wanted -= set().union(*(held[i] for i in window))
        held = [h & wanted for h in held]
    chosen.sort(key=lambda w: w.start)
    return [
        Run(
            located(passage, units[w.start].start, units[w[-1]].end),
            flattened(" ".join(units[i].text for i in w)),
        )
        for w in chosen
    ]
