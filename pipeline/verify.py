"""Check an output folder: every passage (quote, citation, evidence) in the JSON outputs
must be the exact slice of its source file that its offsets name, on the lines it names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.corpus import read_sources
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
    texts = read_sources(out_dir)
    files = [out_dir / "brief.json", *sorted((out_dir / "sources").glob("*.json"))]
    checked, problems = 0, []
    for file in files:
        for passage in passages_in(json.loads(file.read_text(encoding="utf-8"))):
            checked += 1
            problem = passage_problem(passage, texts)
            if problem:
                where = f"{file.name}: [{passage['source_id']} {passage['char_start']}]"
                problems.append(f"{where} {problem}")
    return checked, problems


def passage_problem(passage: dict[str, Any], texts: dict[str, str]) -> str | None:
    """Why ``passage`` is not the exact slice of its source it claims to be, or None."""
    text = texts.get(passage["source_id"])
    if text is None:
        return "cites an unknown source"
    start, end = passage["char_start"], passage["char_end"]
    column = column_at(text, start)
    if text[start:end] != passage["text"]:
        return "text is not the source slice"
    if text.count("\n", 0, start) + 1 != passage["line_start"]:
        return "line_start does not match the offset"
    if text.count("\n", 0, end) + 1 != passage["line_end"]:
        return "line_end does not match the offset"
    if passage.get("column", column) != column:  # outputs before columns: no key
        return "column does not match the offset"
    return None
