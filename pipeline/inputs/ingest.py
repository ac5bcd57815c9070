"""Read transcript files into ``Transcript`` models; the format is detected from content
by the registry in ``pipeline/inputs/formats/``.

Segment offsets index ``read_source_text(path)``: the decoded file (UTF-8 or BOM-marked
UTF-16, newlines kept as written) for text layouts, whose line numbers are lines of the
file; for caption and ASR files (WebVTT, SRT, Whisper JSON) a normalised transcript, one
line per cue, derived from the file the same way every time. Headers go to metadata only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from itertools import chain, count
from pathlib import Path

from pipeline.errors import IngestError
from pipeline.inputs import formats
from pipeline.inputs.formats import Unreadable
from pipeline.models import SkippedFile, Transcript

_Unreadable = Unreadable  # why a file is not a readable transcript (message names it)


def _decode(data: bytes) -> str:
    """Canonical text of raw bytes, or _Unreadable."""
    codec = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"  # BOM: its order
    if codec == "utf-8" and b"\x00" in data:
        raise _Unreadable("contains NUL bytes (binary file?)")
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        fix = (
            "; save it as UTF-8, e.g. `iconv -f WINDOWS-1252 -t UTF-8 FILE > NEW` "
            "(`-f GB18030` for Chinese, `-f SHIFT_JIS` for Japanese)"
            if codec == "utf-8"
            else ""
        )
        raise _Unreadable(f"is not valid {codec.upper()} (bad byte at {exc.start}){fix}") from None
    if "\x00" in text:
        raise _Unreadable("contains NUL characters (binary file?)")
    return text.removeprefix("\ufeff")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _Unreadable(f"cannot be read ({exc.strerror or exc})") from None


def read_source_text(path: Path) -> str:
    """The text of ``path`` that all segment offsets refer to: the decoded file for text
    layouts, the normalised transcript for caption and ASR formats (``formats/cues.py``)."""
    try:
        data = _read_bytes(path)
    except _Unreadable as exc:
        raise IngestError(f"{path} {exc}") from None
    return source_text(data, path)


def source_text(data: bytes, path: Path) -> str:
    """``read_source_text`` of the bytes ``data`` already read from ``path``."""
    try:
        text = _decode(data)
        lines = formats.split_lines(text)
        found = formats.detect(text, lines) if text.strip() else None
        return found.read(text, lines).source if found and found.normalised else text
    except _Unreadable as exc:
        raise IngestError(f"{path} {exc}") from None


def _parse(data: bytes, path: Path, source_id: str) -> Transcript:
    text = _decode(data)
    if not text.strip():
        raise _Unreadable("is empty or whitespace only")
    found, reading = formats.read(text)
    if not reading.segments:
        raise _Unreadable(f"has no transcript text (read as {found.name})")
    return Transcript(
        source_id=source_id,
        path=str(path),
        format=found.name,
        sha256=hashlib.sha256(data).hexdigest(),
        metadata={k: v for k, v in reading.metadata.items() if v},
        segments=reading.segments,
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


# what ``brief run`` writes into an output folder (``pipeline.outputs.writer``)
OUTPUT_NAMES = frozenset(
    "brief.md brief.json chunks.jsonl summaries.jsonl manifest.json report.html "
    "sources index".split()
)


def _expand(paths: Sequence[Path], outputs: Path | None = None) -> dict[Path, Path | None]:
    """Each file to read, with the folder it was found in (None when named directly). In
    a folder, what a run writes into ``outputs`` (the output folder itself, and its
    files when it is that folder) is no transcript: ``brief run talks --out talks`` read
    its own brief.md, manifest.json and chunks.jsonl as three more sources on the rerun."""
    out: dict[Path, Path | None] = {}
    own = outputs.resolve() if outputs is not None else None
    for path in paths:
        if path.is_dir():
            for p in sorted(path.iterdir(), key=lambda p: p.name):
                written = own is not None and (
                    p.resolve() == own or (p.parent.resolve() == own and p.name in OUTPUT_NAMES)
                )
                if (
                    not written
                    and not p.name.startswith(".")
                    and not p.name.upper().startswith("README")
                ):
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
    paths: Sequence[Path], *, max_bytes: int = 20_000_000, outputs: Path | None = None
) -> tuple[list[Transcript], list[SkippedFile]]:
    """Read every file (directories: their files, by name, not what a run wrote into
    ``outputs``); unreadable ones are skipped."""
    transcripts: list[Transcript] = []
    skipped: list[SkippedFile] = []
    used: set[str] = set()
    for path, folder in _expand(paths, outputs).items():
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


def transcripts_in(
    paths: Sequence[Path], *, max_bytes: int = 20_000_000, outputs: Path | None = None
) -> tuple[list[Transcript], list[SkippedFile]]:
    """``ingest_paths``, or an ``IngestError`` naming every skipped file when nothing is
    left to brief: the same for a run and for its dry run."""
    transcripts, skipped = ingest_paths(paths, max_bytes=max_bytes, outputs=outputs)
    if not transcripts:
        reasons = "".join(f"; skipped {s.reason}" for s in skipped)
        where = ", ".join(str(p) for p in paths)
        raise IngestError(f"no transcripts found in {where}{reasons}")
    return transcripts, skipped
