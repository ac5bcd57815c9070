"""The transcript formats ``brief`` reads, found by content (never only by extension).

To add a format: write a module here with a ``FORMAT = Format(name, detect, read)``
(see ``base.py``), and put it in ``FORMATS`` below, before the layouts it could be
mistaken for. The first format whose ``detect`` accepts the decoded text reads it; plain
text (every non-empty line a segment) takes whatever nothing else claims.

    asr_json      Whisper family, AssemblyAI, Deepgram, Rev JSON  (cues.py: normalised text)
    webvtt        WebVTT: Zoom, YouTube auto-captions, <v>        (cues.py: normalised text)
    srt           SubRip subtitles                                (cues.py: normalised text)
    html          a web page holding a transcript                 (cues.py: normalised text)
    markdown, headed, podcast_page, speaker_turns, language_tagged, named_lines, thread,
    plain                                                         (text.py)
"""

from __future__ import annotations

from pipeline.inputs.formats import asr_json, html, subrip, text, vtt
from pipeline.inputs.formats.base import Format, Line, Reading, Unreadable, split_lines

FORMATS: list[Format] = [
    asr_json.FORMAT,
    vtt.FORMAT,
    subrip.FORMAT,
    html.FORMAT,
    *text.FORMATS,
    text.PLAIN,
]


def detect(text: str, lines: list[Line]) -> Format:
    """The first registered format that recognises ``text`` (plain text at the latest)."""
    return next(f for f in FORMATS if f.detect(text, lines))


def read(text: str) -> tuple[Format, Reading]:
    """Detect the format of decoded ``text`` and read it."""
    lines = split_lines(text)
    found = detect(text, lines)
    return found, found.read(text, lines)


__all__ = ["FORMATS", "Format", "Line", "Reading", "Unreadable", "detect", "read", "split_lines"]
