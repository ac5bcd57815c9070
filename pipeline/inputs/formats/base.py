"""What every format module provides, and the shared helpers that build segments.

A format reads the decoded text of a file and returns a ``Reading``: the text that
segment offsets index (``source``), the segments and the metadata. Text formats (the
seed layouts) index the file as written; caption and ASR formats index a normalised
transcript derived from the file (``cues.normalise``), one line per cue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from pipeline.models import Segment

Line = tuple[int, int, str]  # (1-based line number, offset of its first char, text w/o "\n")
Parsed = tuple[list[Segment], dict[str, str]]


class Unreadable(Exception):
    """Why a file is not a readable transcript (the message names the problem)."""


@dataclass(frozen=True)
class Reading:
    source: str  # the text that segment offsets and line numbers index
    segments: list[Segment]
    metadata: dict[str, str]


@dataclass(frozen=True)
class Format:
    """One registered format: ``detect`` looks at the decoded text, ``read`` parses it."""

    name: str
    detect: Callable[[str, list[Line]], bool]
    read: Callable[[str, list[Line]], Reading]
    description: str = ""
    normalised: bool = False  # True: offsets index a normalised text, not the file


def split_lines(text: str) -> list[Line]:
    raws = text.split("\n")
    starts = accumulate((len(raw) + 1 for raw in raws[:-1]), initial=0)
    return list(zip(range(1, len(raws) + 1), starts, raws, strict=True))


def seg(line: Line, a: int = 0, who: str | None = None, ts: str | None = None) -> Segment | None:
    """Segment for ``line[a:]`` stripped of surrounding whitespace, or None if empty."""
    number, offset, raw = line
    part = raw[a:]
    text = part.strip()
    if not text:
        return None
    start = offset + a + len(part) - len(part.lstrip())
    return Segment(
        text=text,
        char_start=start,
        char_end=start + len(text),
        line_start=number,
        line_end=number,
        speaker=who,
        timestamp=ts,
    )


def line_segments(lines: Sequence[Line]) -> list[Segment]:
    return [s for s in (seg(line) for line in lines) if s is not None]


def nonempty(lines: Sequence[Line]) -> list[Line]:
    return [line for line in lines if line[2].strip()]


def text_format(
    name: str, detect: Callable[[list[Line]], bool], parse: Callable[[list[Line]], Parsed]
) -> Format:
    """A format whose offsets index the file as written (the seed layouts)."""

    def read(text: str, lines: list[Line]) -> Reading:
        segments, meta = parse(lines)
        return Reading(text, segments, meta)

    return Format(name, lambda text, lines: detect(lines), read, (parse.__doc__ or "").strip())
