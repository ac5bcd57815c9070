"""SubRip (``.srt``) subtitles, parsed with ``srt``: numbered cues with ``-->`` timings.

Formatting tags (``<i>``, ``<font ...>``) are removed the way WebVTT cue tags are, ASS
override codes (``{\\an8}``) are dropped, and ``NAME: text`` prefixes become speakers.
"""

from __future__ import annotations

import html
import re

import srt
import webvtt

from pipeline.inputs.formats.base import Format, Line, Reading, Unreadable, nonempty
from pipeline.inputs.formats.cues import Cue, clock, normalise, speaker_prefixes

_TIMING = re.compile(r"^\s*\d+:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*\d+:\d{2}:\d{2}[,.]\d{1,3}")
_ASS_CODE = re.compile(r"\{\\[^{}]*\}")


def _is_srt(text: str, lines: list[Line]) -> bool:
    first = nonempty(lines)[:2]
    return (
        len(first) == 2 and first[0][2].strip().isdigit() and _TIMING.match(first[1][2]) is not None
    )


def _text(content: str) -> str:
    untagged = webvtt.Caption(text=_ASS_CODE.sub("", content)).text  # webvtt-py's tag stripper
    return " ".join(html.unescape(untagged).split())


def _read(text: str, lines: list[Line]) -> Reading:
    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError as exc:
        raise Unreadable(f"is not valid SRT ({exc})") from None
    cues = [Cue(s.start.total_seconds(), _text(s.content)) for s in subtitles]
    meta = {"duration": clock(subtitles[-1].end.total_seconds())} if subtitles else {}
    return normalise(speaker_prefixes(cues), meta)


FORMAT = Format(
    "srt", _is_srt, _read, "SubRip subtitles, with NAME: speaker prefixes", normalised=True
)
