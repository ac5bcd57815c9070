"""Speech-recognition JSON, in the layouts the common services and tools write:

- Whisper (``{"text", "segments", "language"}``), WhisperX (``segments`` with ``speaker``
  when diarized) and faster-whisper dumps (a list of segment objects); also OpenAI's,
  ElevenLabs' and Mistral's diarized segments, which have the same fields;
- AssemblyAI (``utterances``: ``text``, ``speaker`` "A", ``start`` in milliseconds);
- Deepgram (``results.utterances``: ``transcript``, ``speaker`` 0, ``start`` in seconds;
  or, without utterances, the first channel's ``paragraphs`` of ``sentences``);
- Rev (``monologues``: a ``speaker`` or ``speaker_name`` and ``elements`` whose values
  joined are the words, each text element timed by ``ts``).

Each segment, utterance, paragraph or monologue is one cue: its start gives the
timestamp, its speaker the speaker (a bare label such as "A" or 0 reads "Speaker A",
"Speaker 0"). Token ids, word timings and scores are dropped; ``language`` and the
duration become metadata. JSON in none of these layouts is read as plain text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pipeline.inputs.formats.base import Format, Line, Reading, Unreadable
from pipeline.inputs.formats.cues import Cue, clock, normalise

Items = list[dict[str, Any]]


def _records(items: Any, *keys: str) -> Items | None:
    """``items`` when it is a non-empty list of objects that hold ``keys`` (the first 20
    looked at), else None."""
    if not isinstance(items, list) or not items:
        return None
    ok = all(isinstance(i, dict) and set(keys) <= i.keys() for i in items[:20])
    return items if ok else None


def _get(data: Any, *path: str | int) -> Any:
    """``data[path[0]][path[1]]...``, or None where the path does not exist."""
    for step in path:
        if isinstance(step, int):
            data = data[step] if isinstance(data, list) and len(data) > step else None
        else:
            data = data.get(step) if isinstance(data, dict) else None
    return data


def _label(speaker: Any) -> str | None:
    """A service's speaker label as a name: "A" or 0 -> "Speaker A", "Speaker 0"."""
    if speaker is None or speaker == "":
        return None
    name = str(speaker)
    return f"Speaker {name}" if len(name) <= 2 else name


def _seconds(value: Any, scale: float = 1.0) -> float:
    try:
        return float(value) * scale
    except (TypeError, ValueError):
        raise Unreadable(f"has a segment with a bad start time: {value!r}") from None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise Unreadable("has a segment without text (speech-recognition JSON)")
    return value


def _whisper_segments(data: Any) -> Items | None:
    return _records(data.get("segments") if isinstance(data, dict) else data, "start", "text")


def _whisper(items: Items) -> list[Cue]:
    return [Cue(_seconds(i["start"]), _text(i["text"]), _label(i.get("speaker"))) for i in items]


def _assemblyai_utterances(data: Any) -> Items | None:
    return _records(_get(data, "utterances"), "start", "text")


def _assemblyai(items: Items) -> list[Cue]:
    return [
        Cue(_seconds(i["start"], 0.001), _text(i["text"]), _label(i.get("speaker"))) for i in items
    ]


def _deepgram_utterances(data: Any) -> Items | None:
    return _records(_get(data, "results", "utterances"), "start", "transcript")


def _deepgram(items: Items) -> list[Cue]:
    return [
        Cue(_seconds(i["start"]), _text(i["transcript"]), _label(i.get("speaker"))) for i in items
    ]


def _deepgram_paragraphs(data: Any) -> Items | None:
    best = _get(data, "results", "channels", 0, "alternatives", 0, "paragraphs", "paragraphs")
    return _records(best, "sentences")


def _deepgram_by_paragraph(items: Items) -> list[Cue]:
    cues = []
    for p in items:
        sentences = _records(p["sentences"], "start", "text") or []
        if sentences:
            words = " ".join(_text(s["text"]) for s in sentences)
            cues.append(Cue(_seconds(sentences[0]["start"]), words, _label(p.get("speaker"))))
    return cues


def _rev_monologues(data: Any) -> Items | None:
    return _records(_get(data, "monologues"), "elements")


def _rev(items: Items) -> list[Cue]:
    cues = []
    for m in items:
        elements = [e for e in m["elements"] if isinstance(e, dict)]
        timed = [e for e in elements if e.get("type") == "text" and "ts" in e]
        words = "".join(str(e.get("value", "")) for e in elements)
        if words.strip():
            start = _seconds(timed[0]["ts"]) if timed else 0.0
            cues.append(Cue(start, words, _label(m.get("speaker_name") or m.get("speaker"))))
    return cues


# (its records, if the JSON has this layout's shape; how they read as cues), in order:
# the first layout whose records are found reads the file. Finding them looks at fields
# only, so detecting a layout costs no reading; a bad value is an error of the reading.
Layout = tuple[Callable[[Any], Items | None], Callable[[Items], list[Cue]]]
_LAYOUTS: list[Layout] = [
    (_whisper_segments, _whisper),
    (_assemblyai_utterances, _assemblyai),
    (_deepgram_utterances, _deepgram),
    (_deepgram_paragraphs, _deepgram_by_paragraph),
    (_rev_monologues, _rev),
]


def _load(text: str) -> Any:
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _layout(data: Any) -> tuple[Items, Callable[[Items], list[Cue]]] | None:
    """The records of the first layout whose shape ``data`` has, and their reader."""
    for records, read in _LAYOUTS:
        if (items := records(data)) is not None:
            return items, read
    return None


def _is_asr_json(text: str, lines: list[Line]) -> bool:
    return _layout(_load(text)) is not None


def _read(text: str, lines: list[Line]) -> Reading:
    data = _load(text)
    found = _layout(data)
    cues = found[1](found[0]) if found else []
    meta: dict[str, str] = {}
    language = _get(data, "language") or _get(data, "language_code")
    if isinstance(language, str):
        meta["language"] = language
    if (seconds := _duration(data)) is not None:
        meta["duration"] = clock(seconds)
    return normalise(cues, meta)


def _duration(data: Any) -> float | None:
    """The recording's length in seconds: Deepgram's ``metadata.duration``, AssemblyAI's
    ``audio_duration``, else the end of the last Whisper segment."""
    for value in (_get(data, "metadata", "duration"), _get(data, "audio_duration")):
        if isinstance(value, int | float):
            return float(value)
    ends = [
        end for s in _whisper_segments(data) or [] if isinstance(end := s.get("end"), int | float)
    ]
    return max(ends) if ends else None


FORMAT = Format(
    "asr_json",
    _is_asr_json,
    _read,
    "Whisper / WhisperX / faster-whisper, AssemblyAI, Deepgram or Rev JSON",
    normalised=True,
)
