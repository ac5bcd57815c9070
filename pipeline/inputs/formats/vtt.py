"""WebVTT captions (``webvtt-py``): Zoom recordings, YouTube auto-captions, ``<v>`` voices.

- cue timings give each cue its timestamp; cue settings, NOTE, STYLE and REGION blocks
  are dropped by the parser; ``Kind:``/``Language:`` header lines become metadata;
- ``<v Speaker>`` voice tags and Zoom's ``Name: text`` prefix become speakers;
- YouTube auto-captions (inline word timings ``<00:00:00.380><c> word</c>``) repeat the
  previous line at the top of each cue: a cue's leading lines that equal the previous
  cue's last lines are dropped, so every spoken word is kept once.
"""

from __future__ import annotations

import html
import re

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from pipeline.inputs.formats.base import Format, Line, Reading, Unreadable
from pipeline.inputs.formats.cues import Cue, clock, normalise, speaker_prefixes

_INLINE_TIME = re.compile(r"<\d{1,2}:\d{2}(?::\d{2})?\.\d{3}>")


def _is_vtt(text: str, lines: list[Line]) -> bool:
    return text.lstrip().startswith("WEBVTT")


def _lines(caption: webvtt.Caption) -> list[tuple[str, str | None]]:
    """(text, voice) for each non-empty line of a cue, tags removed, entities decoded."""
    out = []
    for raw in caption.raw_text.split("\n"):
        voice = webvtt.Caption.VOICE_SPAN_PATTERN.match(raw)
        text = " ".join(html.unescape(webvtt.Caption(text=raw).text).split())
        if text:
            out.append((text, voice.group(1).strip() if voice else None))
    return out


def _rolling(captions: list[webvtt.Caption]) -> list[Cue]:
    """YouTube's rolling cues, each spoken line once."""
    cues: list[Cue] = []
    previous: list[str] = []
    for caption in captions:
        lines = [text for text, _ in _lines(caption)]
        repeated = max(
            (k for k in range(min(len(lines), len(previous)) + 1) if lines[:k] == previous[-k:]),
            default=0,
        )
        if lines:
            previous = lines
        cues += [Cue(caption.start_in_seconds, line) for line in lines[repeated:]]
    return cues


def _cues(captions: list[webvtt.Caption]) -> list[Cue]:
    cues: list[Cue] = []
    for caption in captions:
        lines = _lines(caption)
        voices = [voice for _, voice in lines if voice]
        if len(set(voices)) > 1:  # two voices in one cue: a cue for each voice's lines
            who = None
            for text, voice in lines:
                who = voice or who
                cues.append(Cue(caption.start_in_seconds, text, who))
        elif lines:
            text = " ".join(text for text, _ in lines)
            cues.append(Cue(caption.start_in_seconds, text, voices[0] if voices else None))
    return speaker_prefixes(cues)


def _read(text: str, lines: list[Line]) -> Reading:
    try:
        parsed = webvtt.WebVTT.from_string(text)
    except (MalformedFileError, MalformedCaptionError, ValueError) as exc:
        raise Unreadable(f"is not valid WebVTT ({exc})") from None
    captions = list(parsed.captions)
    rolling = any(_INLINE_TIME.search(c.raw_text) for c in captions)
    meta = {}
    for item in parsed.metadata or []:  # header lines such as "Language: en"
        key, _, value = str(item).partition(":")
        if key.strip() and value.strip():
            meta[key.strip().lower()] = value.strip()
    if captions:
        meta["duration"] = clock(captions[-1].end_in_seconds)
    if rolling:
        meta["captions"] = "rolling (auto-generated)"
    return normalise(_rolling(captions) if rolling else _cues(captions), meta)


FORMAT = Format(
    "webvtt", _is_vtt, _read, "WebVTT captions (Zoom, YouTube, <v> voices)", normalised=True
)
