"""The seed layouts, read as written (offsets index the file itself): markdown notes,
podcast pages, bold speaker turns, language-tagged text, threads, and plain text."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.inputs.formats.base import (
    Format,
    Line,
    Parsed,
    line_segments,
    nonempty,
    seg,
    text_format,
)
from pipeline.inputs.formats.cues import speaker_prefix
from pipeline.models import Segment

_BULLET = re.compile(r"^\s*(?:[*+\-•]|\d+[.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s+(.+?)\s*#*\s*$")
_SHOW_LINE = re.compile(
    r"^\s*\*\*(?P<show>[^*]+?):?\*\*:?\s*\[(?P<date>[^\]]+)\]\((?P<url>[^)\s]+)\)\s*$"
)
_FM_ITEM = re.compile(r"^\s*([A-Za-z_][\w \-]{0,60}?)\s*:\s*(.*?)\s*$")


def _front_matter_end(lines: Sequence[Line]) -> int:
    """Index of the closing ``---`` of YAML front matter on line 1, or -1."""
    if not lines or lines[0][2].strip() != "---":
        return -1
    for i, (_, _, raw) in enumerate(lines[1:101], 1):
        if raw.strip() == "---":
            return i
        if raw.strip() and not raw.startswith((" ", "\t", "-")) and not _FM_ITEM.match(raw):
            return -1
    return -1


def _is_markdown(lines: list[Line]) -> bool:
    if _front_matter_end(lines) > 0:
        return True
    body = nonempty(lines)
    bullets = sum(1 for line in body if _BULLET.match(line[2]))
    heading = any(_HEADING.match(line[2]) for line in body[:5])
    return heading and bullets * 2 >= len(body)


def _parse_markdown(lines: list[Line]) -> Parsed:
    meta: dict[str, str] = {}
    end = _front_matter_end(lines)
    for _, _, raw in lines[1:end] if end > 0 else []:
        m = _FM_ITEM.match(raw)
        if m and m.group(2):
            key = re.sub(r"[^a-z0-9]+", "_", m.group(1).lower()).strip("_")
            meta[key] = m.group(2).strip("\"'")
    segments: list[Segment] = []
    for line in lines[end + 1 :]:
        heading, show = _HEADING.match(line[2]), _SHOW_LINE.match(line[2])
        bullet = _BULLET.match(line[2])
        if heading and not segments:
            meta.setdefault("title", heading.group(1))
        elif show and not segments:
            meta["show"] = show.group("show").strip()
            meta["date"] = show.group("date").strip()
            meta["url"] = show.group("url")
        elif (found := seg(line, bullet.end() if bullet else 0)) is not None:
            segments.append(found)
    return segments, meta


_URL = re.compile(r"https?://[^\s<>\"')\]]+|www\.[^\s<>\"')\]]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DATE_KEY = re.compile(r"^\s*(?:episode\s+)?(?:date|published|air\s*date|aired)\s*:\s*", re.I)
_HEADER_KEY = re.compile(
    r"^\s*(?:episode\s+)?(?:date|published|air\s*date|aired|duration|length|runtime|hosts?"
    r"|guests?|season|episode)\s*:",
    re.I,
)
_CHROME = re.compile(
    r"^\s*(?:transcript|show\s+notes|episode\s+notes|description|discussion|comments?|share"
    r"|sponsors?|chapters|links)\s*(?:\(\d+\))?\s*:?\s*$",
    re.I,
)
_SPONSOR = re.compile(r"sponsored by|brought to you by|promo code|use code", re.I)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]{0,6}\.?"
_DATE = re.compile(
    rf"^(?:{_MONTH} \d{{1,2}}, \d{{4}}|\d{{1,2}} {_MONTH} \d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})"
)
_PROSE_RUN = 6  # this many plain lines in a row mean the transcript has begun


def _is_header_marker(text: str) -> bool:
    if _HEADER_KEY.search(text) and _field(text) is None and _PEOPLE_KEY.match(text):
        return False  # "Host: Welcome to the show." is the host's turn, not a header's line
    patterns = (_URL, _EMAIL, _HEADER_KEY, _CHROME, _SPONSOR)
    return any(p.search(text) for p in patterns)


def _is_podcast_page(lines: list[Line]) -> bool:
    return any(_DATE_KEY.match(line[2]) for line in nonempty(lines)[:5])


def _parse_podcast_page(lines: list[Line]) -> Parsed:
    body = nonempty(lines)
    last_marker, run = -1, 0
    for i, (_, _, raw) in enumerate(body[:40]):
        if _is_header_marker(raw):
            last_marker, run = i, 0
        elif last_marker >= 0 and (run := run + 1) >= _PROSE_RUN:
            break
    header, transcript = body[: last_marker + 1], body[last_marker + 1 :]
    meta: dict[str, str] = {}
    description: list[str] = []
    for i, (_, _, raw) in enumerate(header):
        text = raw.strip()
        if (m := _DATE_KEY.match(text)) is not None:
            value = text[m.end() :]
            d = _DATE.match(value)
            meta["date"] = d.group(0) if d else value
            if d and value[d.end() :].strip():
                description.append(value[d.end() :].strip())  # "April 16, 2025Grace Shao is"
        elif i == 0 and not _is_header_marker(text):
            meta["title"] = text
        elif not _is_header_marker(text):
            description.append(text)
    meta["description"] = re.split(r"\s+-{3,}\s+", " ".join(description))[0].strip()
    header_text = "\n".join(line[2] for line in header)
    for key, pattern in (("links", _URL), ("email", _EMAIL)):
        meta[key] = ", ".join(dict.fromkeys(x.rstrip(".,;:") for x in pattern.findall(header_text)))
    segments, said = _turns_or_lines(transcript)
    return segments, {**meta, **said}


_TS = r"\d{1,2}:\d{2}(?::\d{2})?"  # m:ss or h:mm:ss
_TURN = re.compile(rf"^\s*\*\*(?P<speaker>[^*\n]{{1,60}}?)\*\*\s*\((?P<ts>{_TS})\)\s*:?")
# the plain-text exports of transcription services, a speaker and a time to each turn:
# "Jane Doe  0:00" on its own line (Otter), "Jane Doe (00:00:01):" (Rev), "Speaker 1
# [00:00:01]", or the time first and the words after: "[00:00:01] Jane Doe: text",
# "00:00:01 Jane Doe: text". Read as plain text, the labels were sentences of the text
# and no turn had a speaker or a time.
_NAME = r"[^\W\d_][\w.'’-]*(?:[ \t]+[\w.'’-]+){0,3}?"  # at most four words
_EXPORTED_TURN = re.compile(
    rf"^\s*(?P<speaker>{_NAME})[ \t]*(?P<open>[(\[])?(?P<ts>{_TS})(?(open)[)\]])[ \t]*:?\s*$|"
    rf"^\s*(?P<open2>\[)?(?P<ts2>{_TS})(?(open2)\])[ \t]+(?P<speaker2>{_NAME}):[ \t]+"
)


def _turn(text: str) -> tuple[str, str, int] | None:
    """(speaker, time, where the turn's words start) of a turn's label, or None."""
    if found := _TURN.match(text):
        return found.group("speaker").strip(), found.group("ts"), found.end()
    found = _EXPORTED_TURN.match(text)
    speaker = (found.group("speaker") or found.group("speaker2") or "") if found else ""
    # a name's words are capitalised ("Speaker 1", "JANE DOE"): "We met at 10:30" is prose
    if found and all(w[0].isupper() or w[0].isdigit() for w in speaker.split()):
        return speaker.strip(), found.group("ts") or found.group("ts2"), found.end()
    return None


def _is_speaker_turns(lines: list[Line]) -> bool:
    """Bold turns (``_TURN``): the first line, or two; exported turns (``_EXPORTED_TURN``):
    two, and a speaker who speaks twice (an agenda's "Lunch 12:30", "Close 17:00" is no
    conversation), or a label alone on the first line at time zero (a monologue)."""
    first = nonempty(lines)[:1]
    bold = sum(1 for line in lines if _TURN.match(line[2]))
    if bold >= 2 or (first and _TURN.match(first[0][2])):
        return True
    speakers = [t[0] for line in lines if (t := _turn(line[2]))]
    if len(speakers) >= 2 and len(set(speakers)) < len(speakers):
        return True
    # ... or one speaker from the start: "A  0:00" on the first line of a monologue
    opening = _turn(first[0][2]) if first else None
    if opening is None:
        return False
    _, time, words_start = opening
    return words_start == len(first[0][2]) and not time.strip("0:")


def _parse_speaker_turns(lines: list[Line]) -> Parsed:
    segments: list[Segment] = []
    speakers: dict[str, None] = {}
    speaker: str | None = None
    timestamp: str | None = None
    for line in lines:
        start = 0
        if turn := _turn(line[2]):
            speaker, timestamp, start = turn
            speakers[speaker] = None
        if (found := seg(line, start, speaker, timestamp)) is not None:
            segments.append(found)
    return segments, {"speakers": ", ".join(speakers)}


def _is_named_lines(lines: list[Line]) -> bool:
    body = nonempty(lines)
    named = sum(1 for line in body if speaker_prefix(line[2]))
    return len(body) >= 2 and named * 2 >= len(body)


def _parse_named_lines(lines: list[Line]) -> Parsed:
    """Lines that start with a speaker's name and a colon ("Project Manager: So um ...",
    meeting minutes, chat logs, many exported transcripts): the name is the speaker, not
    text; a line without one continues the last speaker."""
    segments: list[Segment] = []
    speakers: dict[str, None] = {}
    speaker: str | None = None
    for line in lines:
        start = 0
        if found := speaker_prefix(line[2]):
            speaker, start = found[0], len(line[2]) - len(found[1])
            speakers[speaker] = None
        if (segment := seg(line, start, speaker)) is not None:
            segments.append(segment)
    return segments, {"speakers": ", ".join(speakers)}


_LANG_TAG = re.compile(r"^\s*\[(?P<lang>[A-Za-z][A-Za-z \-]*?)(?:\s*\([^)]*\))?\]\s*$")
_LANGUAGES = {
    "english",
    "chinese",
    "mandarin",
    "cantonese",
    "spanish",
    "french",
    "german",
    "japanese",
    "korean",
    "portuguese",
    "russian",
    "italian",
    "arabic",
    "hindi",
    "dutch",
    "turkish",
    "polish",
    "swedish",
    "vietnamese",
    "thai",
    "indonesian",
    "hebrew",
    "greek",
    "ukrainian",
    "malay",
}


def _language_tag(lines: list[Line]) -> str | None:
    first = nonempty(lines)[:1]
    m = _LANG_TAG.match(first[0][2]) if first else None
    if m and m.group("lang").split()[0].lower() in _LANGUAGES:
        return m.group("lang").strip()
    return None


def _parse_language_tagged(lines: list[Line]) -> Parsed:
    first = nonempty(lines)[:1][0]
    rest = [line for line in lines if line[0] != first[0]]
    return line_segments(rest), {"language": _language_tag(lines) or ""}


def _repeated_tail(lines: Sequence[Line]) -> tuple[int, int] | None:
    """(first, last) file line numbers of a trailing block repeating an earlier block."""
    body = nonempty(lines)
    keys = [line[2].strip() for line in body]
    n = len(keys)
    if n < 4:
        return None
    best = 0
    same = [j for j in range(n - 1) if keys[j] == keys[-1]]
    for j in dict.fromkeys(same[:25] + same[-25:]):  # bounded work on pathological input
        k = 0
        while j - k >= 0 and j < n - 1 - k and keys[j - k] == keys[n - 1 - k]:
            k += 1
        best = max(best, k)
    if best < 2 or sum(len(key) for key in keys[n - best :]) < 200:
        return None
    return body[n - best][0], body[-1][0]


def _is_thread(lines: list[Line]) -> bool:
    quoted = sum(1 for line in lines if line[2].lstrip().startswith(">"))
    return quoted >= 2 or _repeated_tail(lines) is not None


def _parse_thread(lines: list[Line]) -> Parsed:
    tail = _repeated_tail(lines)
    if tail is None:
        return line_segments(lines), {}
    kept = [line for line in lines if line[0] < tail[0]]
    return line_segments(kept), {"dropped_repeated_lines": f"{tail[0]}-{tail[1]}"}


# "Key: value" lines that head a transcript ("Title: ...", "Date: March 12, 2025", "Host:
# Jane Doe"), in English and a few other languages: read as a podcast page, "Host: Welcome
# to Open Tech." and the turns after it were taken for its header (lost from the text) and
# the title kept its "Title: "
_PEOPLE_FIELDS = ("host", "hosts", "guest", "guests", "interviewer", "moderator")
_PEOPLE_KEY = re.compile(rf"^\s*(?:{'|'.join(_PEOPLE_FIELDS)})\s*:", re.IGNORECASE)
_FIELDS = {
    **dict.fromkeys(("title", "título", "titulo", "titre", "titel", "titolo"), "title"),
    **dict.fromkeys(("date", "fecha", "datum", "published", "air date", "recorded"), "date"),
    **dict.fromkeys(("show", "podcast", "episode", "season", "duration", "length"), ""),
    **dict.fromkeys(_PEOPLE_FIELDS, ""),
}
_FIELD = re.compile(r"^\s*(?P<key>[^\W\d_][^\W\d_ ]*(?: [^\W\d_]+)?)\s*:\s*(?P<value>\S.*?)\s*$")
_MAX_SHORT_WORDS = 8  # "Guests: Lucy Ferrer, Bob Chen"; "Host: Welcome to the show." is a turn


def _field(text: str) -> tuple[str, str] | None:
    """(key, value) of a header line, or None: a known key, and for the people a list of
    names, not a sentence."""
    found = _FIELD.match(text)
    if found is None or (key := found.group("key").lower()) not in _FIELDS:
        return None
    value = found.group("value")
    short = _FIELDS[key] == "date" or key in _PEOPLE_FIELDS  # a date or names, not a sentence
    if short and (len(value.split()) > _MAX_SHORT_WORDS or value.endswith((".", "?", "!"))):
        return None
    return _FIELDS[key] or key.replace(" ", "_"), value


def _header_end(lines: list[Line]) -> int:
    """How many of ``lines`` the "Key: value" header takes (0: none, or no title or date in
    it, or nothing after it)."""
    keys: list[str] = []
    end = 0
    for i, (_, _, raw) in enumerate(lines):
        if raw.strip():
            if (found := _field(raw)) is None:
                break
            keys.append(found[0])
        end = i + 1
    has_body = any(raw.strip() for _, _, raw in lines[end:])
    return end if has_body and {"title", "date"} & set(keys) else 0


def _parse_headed(lines: list[Line]) -> Parsed:
    """A header of "Key: value" lines ("Title: ...", "Date: ...", "Host: ..."), then the
    transcript: lines that name their speaker, bold speaker turns, or plain lines."""
    end = _header_end(lines)
    meta = dict(field for _, _, raw in lines[:end] if (field := _field(raw)))
    segments, said = _turns_or_lines(lines[end:])
    return segments, {**meta, **said}


def _turns_or_lines(body: list[Line]) -> Parsed:
    """The transcript under a header: speaker turns, lines that name their speaker, or
    plain lines."""
    for detect, parse in (
        (_is_speaker_turns, _parse_speaker_turns),
        (_is_named_lines, _parse_named_lines),
    ):
        if detect(body):
            return parse(body)
    return line_segments(body), {}


def _parse_plain(lines: list[Line]) -> Parsed:
    """Every non-empty line a segment."""
    return line_segments(lines), {}


FORMATS: list[Format] = [
    text_format("markdown", _is_markdown, _parse_markdown),
    text_format("headed", lambda lines: _header_end(lines) > 0, _parse_headed),
    text_format("podcast_page", _is_podcast_page, _parse_podcast_page),
    text_format("speaker_turns", _is_speaker_turns, _parse_speaker_turns),
    text_format(
        "language_tagged", lambda lines: _language_tag(lines) is not None, _parse_language_tagged
    ),
    text_format("named_lines", _is_named_lines, _parse_named_lines),
    text_format("thread", _is_thread, _parse_thread),
]
PLAIN = text_format("plain", lambda lines: True, _parse_plain)
