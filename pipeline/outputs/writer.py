"""Writing the output folder: every file written whole (temp file + rename), JSON only
through ``json.dumps``, nothing written outside the output folder.

    outputs/brief.md, brief.json          the cross-source brief (brief.md: of one
                                          source, that source's brief)
    outputs/sources/<id>.md, <id>.json    one brief per source
    outputs/chunks.jsonl                  every chunk with its sentences and spans
    outputs/summaries.jsonl               every chunk's map summary (for the ask index)
    outputs/index/                        the search index of ``brief ask``
    outputs/report.html                   everything above as one page (report_html.py)
    outputs/manifest.json                 settings fingerprint, model, prompt hashes,
                                          calls, cache hits, tokens, stage times, failures
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from pipeline.errors import OutputLocked
from pipeline.models import Chunk, CrossSourceBrief, SourceBrief
from pipeline.outputs.markdown import brief_markdown, source_markdown


class OutputWriter:
    LOCK = ".brief.lock"

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        (self.root / "sources").mkdir(parents=True, exist_ok=True)
        self._lock_fd: int | None = None

    def lock(self) -> None:
        """Take the output folder for this run: a second run on the same folder refuses
        instead of interleaving writes. The OS drops the lock when the process dies, so a
        killed run never leaves a stale lock behind."""
        fd = os.open(self.root / self.LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputLocked(
                f"another brief run is writing to {self.root}; wait for it to finish "
                "or choose another folder with --out"
            ) from None
        self._lock_fd = fd
        # a run killed mid-write leaves its temp file; the real file was never touched
        for stale in self.root.rglob(".*.tmp"):
            stale.unlink(missing_ok=True)

    def unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _path(self, relative: str) -> Path:
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"refusing to write outside {self.root}: {relative}")
        return path

    def write_text(self, relative: str, text: str) -> Path:
        path = self._path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, then renamed)
            "w",
            encoding="utf-8",
            dir=path.parent,
            prefix=f".{path.name}.",
            suffix=".tmp",
            delete=False,
        )
        try:
            with handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(handle.name, path)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        return path

    def write_json(self, relative: str, value: BaseModel | dict[str, Any]) -> Path:
        data = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        return self.write_text(relative, json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    def write_jsonl(self, relative: str, items: Sequence[BaseModel]) -> Path:
        lines = (json.dumps(i.model_dump(mode="json"), ensure_ascii=False) for i in items)
        return self.write_text(relative, "".join(f"{line}\n" for line in lines))

    def write_chunks(self, chunks: list[Chunk]) -> Path:
        return self.write_jsonl("chunks.jsonl", chunks)

    def write_source(self, brief: SourceBrief) -> None:
        self.write_json(f"sources/{brief.source_id}.json", brief)
        self.write_text(f"sources/{brief.source_id}.md", source_markdown(brief))

    def drop_other_sources(self, kept: Collection[str]) -> list[str]:
        """Remove the briefs (``sources/<id>.json`` and ``.md``) of sources other than
        ``kept``, and return their ids: a run over other files into the same folder left
        the earlier run's briefs beside its own, and the report showed them, ``brief
        verify`` failed on their quotes (their sources were no longer the run's) and the
        chunks, index and manifest no longer knew them. Only a JSON file that holds the
        brief of the source it is named after is removed, with its markdown."""
        dropped = []
        for path in sorted((self.root / "sources").glob("*.json")):
            if path.stem in kept:
                continue
            try:
                named = json.loads(path.read_text(encoding="utf-8")).get("source_id")
            except (OSError, ValueError, AttributeError):
                continue  # not a brief this tool wrote
            if named == path.stem:
                path.unlink(missing_ok=True)
                path.with_suffix(".md").unlink(missing_ok=True)
                dropped.append(path.stem)
        return dropped

    def write_cross(self, brief: CrossSourceBrief, briefs: Sequence[SourceBrief]) -> None:
        self.write_json("brief.json", brief)
        self.write_text("brief.md", brief_markdown(brief, briefs))

    def write_report(self) -> Path:
        """``report.html`` from the JSON outputs and sources already in the folder."""
        from pipeline.outputs.report_html import render_report  # reads the corpus: import late

        return self.write_text("report.html", render_report(self.root))


def rerender(out_dir: Path) -> list[Path]:
    """Write the markdown briefs and ``report.html`` again from the JSON outputs in
    ``out_dir`` (no model call: ``brief render``)."""
    writer = OutputWriter(out_dir)
    writer.lock()  # not while a run writes to the same folder
    try:
        written: list[Path] = []
        briefs = []
        for path in sorted(writer.root.glob("sources/*.json")):
            brief = SourceBrief.model_validate_json(path.read_text(encoding="utf-8"))
            briefs.append(brief)
            markdown = source_markdown(brief)
            written.append(writer.write_text(f"sources/{brief.source_id}.md", markdown))
        cross_path = writer.root / "brief.json"
        if cross_path.is_file():
            cross = CrossSourceBrief.model_validate_json(cross_path.read_text(encoding="utf-8"))
            written.append(writer.write_text("brief.md", brief_markdown(cross, briefs)))
        written.append(writer.write_report())
        return written
    finally:
        writer.unlock()
