"""Check an output folder: every passage (quote, citation, evidence) in the JSON outputs
must be the exact slice of its source file that its offsets name, on the lines it names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.errors import BriefError
from pipeline.ingest import read_source_text
from pipeline.models import column_at

PASSAGE_KEYS = {"source_id", "char_start", "char_end", "line_start", "line_end", "text"}


def passages_in(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if value.keys() >= PASSAGE_KEYS:
            yield value
        for child in value.values():
            yield from passages_in(child)
    elif isinstance(value, list):
        for child in value:
            yield from passages_in(child)


def verify_outputs(out_dir: Path) -> tuple[int, list[str]]:
    """(number of passages checked, problems found)."""
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        msg = f"cannot read {out_dir}/manifest.json ({exc}); run `brief run` first"
        raise BriefError(msg) from None
    texts: dict[str, str] = {}
    for source in manifest["sources"]:
        path = Path(source["path"])
        if not path.is_file():  # outputs moved with the repository: look beside it
            path = out_dir.resolve().parent / "seeds" / path.name
        texts[source["source_id"]] = read_source_text(path)
    files = [out_dir / "brief.json", *sorted((out_dir / "sources").glob("*.json"))]
    checked, problems = 0, []
    for file in files:
        for passage in passages_in(json.loads(file.read_text(encoding="utf-8"))):
            checked += 1
            text = texts.get(passage["source_id"])
            where = f"{file.name}: [{passage['source_id']} {passage['char_start']}]"
            if text is None:
                problems.append(f"{where} cites an unknown source")
                continue
            start, end = passage["char_start"], passage["char_end"]
            column = column_at(text, start)
            if text[start:end] != passage["text"]:
                problems.append(f"{where} text is not the source slice")
            elif text.count("\n", 0, start) + 1 != passage["line_start"]:
                problems.append(f"{where} line_start does not match the offset")
            elif text.count("\n", 0, end) + 1 != passage["line_end"]:
                problems.append(f"{where} line_end does not match the offset")
            elif passage.get("column", column) != column:  # outputs before columns: no key
                problems.append(f"{where} column does not match the offset")
    return checked, problems
