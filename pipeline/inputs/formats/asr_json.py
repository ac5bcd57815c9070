"""Speech-recognition JSON: Whisper (``{"text", "segments", "language"}``), WhisperX
(``segments`` with ``speaker`` when diarized, ``word_segments``) and faster-whisper
dumps (a list of segment objects). Each segment is one cue: ``start`` gives its
timestamp, ``text`` its words, ``speaker`` its speaker. Token ids, word timings and
scores are dropped; ``language`` and ``duration`` become metadata.
"""

from __future__ import annotations

import json
from typing import Any

from pipeline.inputs.formats.base import Format, Line, Reading, Unreadable
from pipeline.inputs.formats.cues import Cue, clock, normalise


def _segments(data: Any) -> list[Any] | None:
    items = data.get("segments") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        return None
    ok = all(isinstance(s, dict) and {"start", "text"} <= s.keys() for s in items[:20])
    return items if ok else None


def _load(text: str) -> Any:
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _is_asr_json(text: str, lines: list[Line]) -> bool:
    return _segments(_load(text)) is not None


def _read(text: str, lines: list[Line]) -> Reading:
    data = _load(text)
    items = _segments(data) or []
    cues: list[Cue] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise Unreadable("has a segment without text (speech-recognition JSON)")
        try:
            start = float(item["start"])
        except (TypeError, ValueError):
            raise Unreadable(f"has a segment with a bad start time: {item['start']!r}") from None
        speaker = item.get("speaker")
        cues.append(Cue(start, item["text"], str(speaker) if speaker else None))
    meta: dict[str, str] = {}
    if isinstance(data, dict) and isinstance(data.get("language"), str):
        meta["language"] = data["language"]
    ends = [s.get("end") for s in items if isinstance(s.get("end"), int | float)]
    if ends:
        meta["duration"] = clock(max(ends))
    return normalise(cues, meta)


FORMAT = Format(
    "asr_json", _is_asr_json, _read, "Whisper / faster-whisper / WhisperX JSON", normalised=True
)
