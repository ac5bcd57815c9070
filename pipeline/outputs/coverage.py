"""Which sources each cross-source theme draws on: the table "Passages cited, by theme and
source" that the Markdown and the report print after the cross-source overview.

A reader of the cross-source brief saw ten themes and, under each, lines marked
"(source: 003)"; where the sources meet, and which source speaks to what, took reading
them all. The table says it at a glance: a row a theme, a column a source, in each cell
how many of that source's passages the theme shows (those its summary's sentences cite
and its listed statements'), nothing where it shows none. Computed from the brief's
JSON form (any dict holding the passage keys is a citation, as ``passages.passages_in``
reads them), so both renderers print the same counts and a brief written before the
table existed shows one too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pipeline.outputs.passages import passages_in


def passages_by_source(theme: Mapping[str, Any]) -> dict[str, int]:
    """A cross-source theme's (JSON form) distinct passages as printed, counted per
    source: its summary's sentences' citations, or the summary's when it has none by
    sentence, and its listed statements'. The summary's own citations name every
    statement of its group, also those left out for length (``synthesize.within_words``):
    the seeds' chips theme cited 000 there and showed nothing of it."""
    summary = theme.get("sentence_citations") or (theme.get("summary") or {}).get("citations")
    shown = passages_in([summary, theme.get("by_source")])
    seen = {(p["source_id"], p["char_start"], p["char_end"]) for p in shown}
    counts: dict[str, int] = {}
    for source_id, _, _ in seen:
        counts[str(source_id)] = counts.get(str(source_id), 0) + 1
    return counts


def sources_by_theme(cross: Mapping[str, Any]) -> list[tuple[str, dict[str, int]]]:
    """Per theme of a cross-source brief (its JSON form), its title and its passages per
    source (``passages_by_source``); empty when the brief has fewer than two themes or
    two sources (one row or one column tells nothing the themes do not)."""
    themes = [t for t in cross.get("themes") or [] if isinstance(t, Mapping)]
    if len(themes) < 2 or len(cross.get("source_ids") or []) < 2:
        return []
    return [(str(t.get("title") or ""), passages_by_source(t)) for t in themes]


# a table of more sources than this is too wide to read: each theme's own lines name
# their sources (a run over 1,000 transcripts has up to ~60 cited)
MAX_COLUMNS = 12


def table_rows(
    cross: Mapping[str, Any],
) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The table as text: the source ids that head its columns (those of the brief that
    some theme cites, in the brief's order), and per theme its title and its cells (a
    count, or "" where it cites none of that source's passages); none of either when the
    columns would be more than ``MAX_COLUMNS``."""
    rows = sources_by_theme(cross)
    cited = {s for _, counts in rows for s in counts}
    columns = [str(s) for s in cross.get("source_ids") or [] if str(s) in cited]
    if len(columns) > MAX_COLUMNS:
        return [], []
    return columns, [(title, cells(counts, columns)) for title, counts in rows]


def cells(counts: Mapping[str, int], columns: Sequence[str]) -> list[str]:
    return [str(counts[s]) if counts.get(s) else "" for s in columns]
