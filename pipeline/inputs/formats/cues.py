"""Caption, ASR and web-page files as a normalised transcript: one line per cue.

A caption file's own lines are mostly markup (cue numbers, ``-->`` timings, settings,
``<c>`` tags, rolling repeats), so its passages cannot be slices of the file. Instead
every caption/ASR format turns the file into cues, and the cues into one text, built the
same way each time the file is read (ingest, ``brief verify``, ``brief ask``):

    [0:01] Alice Chen: Good morning everyone.
    [0:06] Bob: Thanks for having me.
    [1:02:03] a cue without a speaker

A cue without a time (a web page's paragraph) has no ``[time]``.

Segments are the cue texts after the ``[time] Speaker: `` prefix, so timestamps and
speakers stay metadata of the segment and never enter a sentence; line N is cue N.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.inputs.formats.base import Reading, Unreadable
from pipeline.models import Segment


@dataclass(frozen=True)
class Cue:
    start: float | None  # seconds from the start of the recording (None: not timed)
    text: str
    speaker: str | None = None


def clock(seconds: float) -> str:
    """``m:ss`` under an hour, else ``h:mm:ss`` (the seed transcripts' style)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def clean(text: str) -> str:
    """Cue text as one line of words (line breaks and runs of spaces as one space)."""
    return " ".join(text.split())


# "Alice Chen: text" (Zoom, many SRT files): a short name-like prefix before a colon; a
# title's stop, an initial's and a bracketed affiliation are allowed, as parliaments
# print their speakers ("Mr. Garnett Genuis (Sherwood Park—Fort Saskatchewan, CPC): ...",
# "The Chair (Hon. Anthony Rota (Nipissing—Timiskaming, Lib.)): ...", "Right Hon. Justin
# Trudeau: ...", "Hon. Harjit S. Sajjan: ..."); the name is the speaker. Chinese and
# Japanese transcripts write a full-width colon, with no space after it ("主持人：今天...")
_PREFIX = re.compile(
    r"^(?P<name>(?:(?:Right|Rt\.)\s+)?(?:(?:Mr|Mrs|Ms|Mx|Dr|Prof|Hon|Sen|Rep)\.\s+)?"
    r"[^\W\d_](?:[^:：.?!,;\"()\[\]<>]|(?<=\b[A-Z])\.(?=\s)){0,40}?)"
    r"(?:\s*\((?:[^()\n]|\([^()\n]*\))*\))?(?P<colon>:\s+|：\s*)(?P<rest>\S.*)$"
)
_MAX_NAME_WORDS = 4
_MAX_NAME_CHARS_FULL_WIDTH = 8  # "主持人", "李开复"; not a clause before a colon


def speaker_prefix(text: str) -> tuple[str, str] | None:
    """(name, the rest) of ``Name: text`` (a name of at most four words), else None."""
    m = _PREFIX.match(text)
    if m is None or len(m.group("name").split()) > _MAX_NAME_WORDS:
        return None
    if m.group("colon").startswith("：") and len(m.group("name")) > _MAX_NAME_CHARS_FULL_WIDTH:
        return None
    return m.group("name").strip(), m.group("rest")


def speaker_prefixes(cues: list[Cue]) -> list[Cue]:
    """Move ``Name: text`` prefixes into the speaker when at least half the cues have one
    (so a lone "Note: ..." in prose stays text); a cue without one continues the last
    speaker, as in files that name the speaker only when the turn changes."""
    found = [speaker_prefix(c.text) if c.speaker is None else None for c in cues]
    if not cues or sum(f is not None for f in found) * 2 < len(cues):
        return cues
    out, last = [], None
    for cue, hit in zip(cues, found, strict=True):
        if hit:
            last = hit[0]
            out.append(Cue(cue.start, hit[1], hit[0]))
        else:
            out.append(Cue(cue.start, cue.text, cue.speaker or last))
    return out


def normalise(cues: list[Cue], metadata: dict[str, str]) -> Reading:
    """The normalised transcript text of ``cues`` and its segments (see module doc)."""
    lines: list[str] = []
    segments: list[Segment] = []
    offset = 0
    for cue in cues:
        text = clean(cue.text)
        if not text:
            continue
        stamp = clock(cue.start) if cue.start is not None else None
        who = clean(cue.speaker) if cue.speaker else None
        prefix = (f"[{stamp}] " if stamp else "") + (f"{who}: " if who else "")
        number = len(lines) + 1
        segments.append(
            Segment(
                text=text,
                char_start=offset + len(prefix),
                char_end=offset + len(prefix) + len(text),
                line_start=number,
                line_end=number,
                speaker=who,
                timestamp=stamp,
            )
        )
        lines.append(prefix + text)
        offset += len(lines[-1]) + 1
    if not segments:
        raise Unreadable("has no caption text")
    speakers = dict.fromkeys(s.speaker for s in segments if s.speaker)
    meta = {**metadata, "speakers": ", ".join(speakers)}
    return Reading("\n".join(lines) + "\n", segments, meta)
