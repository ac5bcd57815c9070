"""Check an output folder against the source files it was made from.

- Every passage (quote, citation, evidence) in the JSON outputs (``brief.json``,
  ``sources/*.json``) and in ``summaries.jsonl`` must be the exact slice of its source
  file that its character offsets name, on the lines and at the column it names. A
  passage without a ``column`` is a problem: every output since columns were added has one.
- Every quote in the markdown (``brief.md``, ``sources/*.md``) must show its JSON quote's
  source slice as the renderer promises: the same characters, except that each run of
  whitespace (line breaks included), a bulleted transcript's ``*`` marker and zero-width
  or bidi control characters read as one space, and markdown's special characters are
  backslash-escaped; then the passage's label.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pipeline.ask.corpus import sources_as_read
from pipeline.models import Quote, column_at
from pipeline.outputs.markdown import _INVISIBLE, lone_source
from pipeline.outputs.passages import passages_in
from pipeline.text import flattened

_ESCAPED = re.compile(r"\\(.)")


def verify_outputs(out_dir: Path) -> tuple[int, list[str]]:
    """(number of passages and markdown quotes checked, problems found). The passages of
    a source whose file changed since the run are not checked one by one: one problem
    says so and names the fix (``sources_as_read``)."""
    texts, changed = sources_as_read(out_dir)
    files = [out_dir / "brief.json", *sorted((out_dir / "sources").glob("*.json"))]
    briefs = [(file, json.loads(file.read_text(encoding="utf-8"))) for file in files]
    documents: list[tuple[str, Any]] = [(file.name, brief) for file, brief in briefs]
    summaries = out_dir / "summaries.jsonl"
    if summaries.is_file():
        lines = summaries.read_text(encoding="utf-8").splitlines()
        documents += [(f"{summaries.name}:{n}", json.loads(x)) for n, x in enumerate(lines, 1)]
    checked, problems = 0, []
    for name, document in documents:
        for passage in passages_in(document):
            if passage["source_id"] in changed:
                continue
            checked += 1
            problem = passage_problem(passage, texts)
            if problem:
                where = f"{name}: [{passage['source_id']} {passage['char_start']}]"
                problems.append(f"{where} {problem}")
    by_source = {brief.get("source_id"): brief for _, brief in briefs[1:]}
    for file, brief in briefs:
        markdown = file.with_suffix(".md")
        lone = lone_source(brief.get("source_ids", []), by_source)
        if file.name == "brief.json" and lone is not None:  # brief.md is that source's brief
            brief = by_source[lone]
        quotes = [Quote.model_validate(q) for q in brief.get("quotes", [])]
        if any(q.passage.source_id in changed for q in quotes):
            continue  # its quotes are checked when its sources are the run's again
        checked += len(quotes)
        problems += [f"{markdown.name}: {p}" for p in markdown_problems(markdown, quotes, texts)]
    return checked, problems + list(changed.values())


def passage_problem(passage: dict[str, Any], texts: dict[str, str]) -> str | None:
    """Why ``passage`` is not the exact slice of its source it claims to be, or None."""
    text = texts.get(passage["source_id"])
    if text is None:
        return "cites an unknown source"
    start, end = passage["char_start"], passage["char_end"]
    if text[start:end] != passage["text"]:
        return "text is not the source slice"
    if text.count("\n", 0, start) + 1 != passage["line_start"]:
        return "line_start does not match the offset"
    if text.count("\n", 0, end) + 1 != passage["line_end"]:
        return "line_end does not match the offset"
    if "column" not in passage:
        return "has no column"
    if passage["column"] != column_at(text, start):
        return "column does not match the offset"
    return None


def as_shown(raw: str) -> str:
    """A source slice as the markdown shows it, escapes undone (see the module docstring)."""
    return flattened(_INVISIBLE.sub("", raw))


def markdown_problems(markdown: Path, quotes: list[Quote], texts: dict[str, str]) -> list[str]:
    """The markdown's quote lines (``> …``), in order, against the JSON's quotes: each
    must be its source slice as shown, then the speaker if any, then the label."""
    if not markdown.is_file():
        return ["missing"] if quotes else []
    lines = [x[2:] for x in markdown.read_text(encoding="utf-8").splitlines() if x[:2] == "> "]
    if len(lines) != len(quotes):
        return [f"{len(lines)} quotes, but the JSON has {len(quotes)}"]
    problems = []
    for line, quote in zip(lines, quotes, strict=True):
        passage = quote.passage
        source = texts.get(passage.source_id, "")
        expected = as_shown(source[passage.char_start : passage.char_end])
        if quote.speaker:
            expected += f" — {as_shown(quote.speaker)}"
        label = f" [{passage.label}]"
        if not line.endswith(label) or _ESCAPED.sub(r"\1", line[: -len(label)]) != expected:
            problems.append(f"quote [{passage.label}] is not its source slice: {line[:80]!r}")
    return problems
