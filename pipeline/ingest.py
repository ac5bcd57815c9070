"""Read transcript files into ``Transcript`` models; the format is detected from content.

Segment offsets index ``read_source_text(path)`` (UTF-8 or BOM-marked UTF-16, newlines kept
as written); line numbers are 1-based lines of the file. Headers go to metadata only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from itertools import accumulate, chain, count
from pathlib import Path

from pipeline.errors import IngestError
from pipeline.models import Segment, SkippedFile, Transcript

Line = tuple[int, int, str]  # (1-based line number, offset of its first char, text w/o "\n")
Parsed = tuple[list[Segment], dict[str, str]]


class _Unreadable(Exception):
    """Internal: why a file is not a readable transcript (message names the problem)."""


def _decode(data: bytes) -> str:
    """Canonical text of raw bytes, or _Unreadable."""
    codec = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"  # BOM: its order
    if codec == "utf-8" and b"\x00" in data:
        raise _Unreadable("contains NUL bytes (binary file?)")
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise _Unreadable(f"is not valid {codec.upper()} (bad byte at {exc.start})") from None
    if "\x00" in text:
        raise _Unreadable("contains NUL characters (binary file?)")
    return text.removeprefix("\ufeff")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _Unreadable(f"cannot be read ({exc.strerror or exc})") from None


def read_source_text(path: Path) -> str:
    """The decoded text of ``path`` that all segment offsets refer to."""
    try:
        return _decode(_read_bytes(path))
    except _Unreadable as exc:
        raise IngestError(f"{path} {exc}") from None


def _split_lines(text: str) -> list[Line]:
    raws = text.split("\n")
    starts = accumulate((len(raw) + 1 for raw in raws[:-1]), initial=0)
    return list(zip(range(1, len(raws) + 1), starts, raws, strict=True))


def _seg(line: Line, a: int = 0, who: str | None = None, ts: str | None = None) -> Segment | None:
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


def _line_segments(lines: Sequence[Line]) -> list[Segment]:
    return [s for s in (_seg(line) for line in lines) if s is not None]


def _nonempty(lines: Sequence[Line]) -> list[Line]:
    return [line for line in lines if line[2].strip()]


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
    body = _nonempty(lines)
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
        elif (seg := _seg(line, bullet.end() if bullet else 0)) is not None:
            segments.append(seg)
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
    patterns = (_URL, _EMAIL, _HEADER_KEY, _CHROME, _SPONSOR)
    return any(p.search(text) for p in patterns)


def _is_podcast_page(lines: list[Line]) -> bool:
    return any(_DATE_KEY.match(line[2]) for line in _nonempty(lines)[:5])


def _parse_podcast_page(lines: list[Line]) -> Parsed:
    body = _nonempty(lines)
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
    return _line_segments(transcript), meta


_TS = r"\d{1,2}:\d{2}(?::\d{2})?"  # m:ss or h:mm:ss
_TURN = re.compile(rf"^\s*\*\*(?P<speaker>[^*\n]{{1,60}}?)\*\*\s*\((?P<ts>{_TS})\)\s*:?")


def _is_speaker_turns(lines: list[Line]) -> bool:
    first = _nonempty(lines)[:1]
    turns = sum(1 for line in lines if _TURN.match(line[2]))
    return bool(first and _TURN.match(first[0][2])) or turns >= 2


def _parse_speaker_turns(lines: list[Line]) -> Parsed:
    segments: list[Segment] = []
    speakers: dict[str, None] = {}
    speaker: str | None = None
    timestamp: str | None = None
    for line in lines:
        m = _TURN.match(line[2])
        if m:
            speaker, timestamp = m.group("speaker").strip(), m.group("ts")
            speakers[speaker] = None
        if (seg := _seg(line, m.end() if m else 0, speaker, timestamp)) is not None:
            segments.append(seg)
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
    first = _nonempty(lines)[:1]
    m = _LANG_TAG.match(first[0][2]) if first else None
    if m and m.group("lang").split()[0].lower() in _LANGUAGES:
        return m.group("lang").strip()
    return None


def _parse_language_tagged(lines: list[Line]) -> Parsed:
    first = _nonempty(lines)[:1][0]
    rest = [line for line in lines if line[0] != first[0]]
    return _line_segments(rest), {"language": _language_tag(lines) or ""}


def _repeated_tail(lines: Sequence[Line]) -> tuple[int, int] | None:
    """(first, last) file line numbers of a trailing block repeating an earlier block."""
    body = _nonempty(lines)
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
        return _line_segments(lines), {}
    kept = [line for line in lines if line[0] < tail[0]]
    return _line_segments(kept), {"dropped_repeated_lines": f"{tail[0]}-{tail[1]}"}


_FORMATS: list[tuple[str, Callable[[list[Line]], bool], Callable[[list[Line]], Parsed]]] = [
    ("markdown", _is_markdown, _parse_markdown),
    ("podcast_page", _is_podcast_page, _parse_podcast_page),
    ("speaker_turns", _is_speaker_turns, _parse_speaker_turns),
    ("language_tagged", lambda lines: _language_tag(lines) is not None, _parse_language_tagged),
    ("thread", _is_thread, _parse_thread),
    ("plain", lambda lines: True, lambda lines: (_line_segments(lines), {})),
]


def _parse(data: bytes, path: Path, source_id: str) -> Transcript:
    text = _decode(data)
    if not text.strip():
        raise _Unreadable("is empty or whitespace only")
    lines = _split_lines(text)
    name, parse = next((n, p) for n, detect, p in _FORMATS if detect(lines))
    segments, meta = parse(lines)
    if not segments:
        raise _Unreadable(f"has no transcript text (read as {name})")
    return Transcript(
        source_id=source_id,
        path=str(path),
        format=name,
        sha256=hashlib.sha256(data).hexdigest(),
        metadata={k: v for k, v in meta.items() if v},
        segments=segments,
    )


def read_transcript(path: Path, source_id: str) -> Transcript:
    """Detect the format of ``path`` and parse it into segments plus metadata."""
    try:
        return _parse(_read_bytes(path), path, source_id)
    except _Unreadable as exc:
        raise IngestError(f"{path} {exc}") from None


def source_id_for(path: Path) -> str:
    """'003' for '003_ab80.txt', else the lowercased stem with odd characters as '-'."""
    m = re.match(r"^(\d+)[_\-]", path.name)
    return m.group(1) if m else (re.sub(r"[^a-z0-9_-]", "-", path.stem.lower()) or "source")


def _expand(paths: Sequence[Path]) -> dict[Path, Path | None]:
    """Each file to read, with the folder it was found in (None when named directly)."""
    out: dict[Path, Path | None] = {}
    for path in paths:
        if path.is_dir():
            for p in sorted(path.iterdir(), key=lambda p: p.name):
                if not p.name.startswith(".") and not p.name.upper().startswith("README"):
                    out.setdefault(p, path)
        else:
            out.setdefault(path, None)
    return out


def shown(text: str) -> str:
    """A file name fit for a one-line message: control characters (a newline in a name)
    and bidi overrides are shown escaped, so a name cannot fake or reorder output."""
    if text.isprintable() and not _BIDI.search(text):
        return text
    return text.encode("unicode_escape").decode("ascii")


_BIDI = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _check(path: Path, max_bytes: int) -> bytes:
    if not path.is_file():
        problem = (
            "is a directory (subdirectories are not read)"
            if path.is_dir()
            else ("is not a regular file" if path.exists() else "does not exist")
        )
        raise _Unreadable(problem)
    size = path.stat().st_size
    if size > max_bytes:
        raise _Unreadable(f"is too big ({size:,} bytes; the limit is {max_bytes:,})")
    return _read_bytes(path)


def ingest_paths(
    paths: Sequence[Path], *, max_bytes: int = 20_000_000
) -> tuple[list[Transcript], list[SkippedFile]]:
    """Read every file (directories: their files, by name); unreadable ones are skipped."""
    transcripts: list[Transcript] = []
    skipped: list[SkippedFile] = []
    used: set[str] = set()
    for path, folder in _expand(paths).items():
        base = source_id_for(path)
        sid = next(c for c in chain([base], (f"{base}-{k}" for k in count(2))) if c not in used)
        try:
            if folder is not None and not path.resolve().is_relative_to(folder.resolve()):
                raise _Unreadable(f"is a link to a file outside {folder} (not followed)")
            transcripts.append(_parse(_check(path, max_bytes), path, sid))
        except _Unreadable as exc:
            skipped.append(SkippedFile(path=shown(str(path)), reason=f"{shown(path.name)} {exc}"))
            continue
        used.add(sid)
    return transcripts, skipped
