"""A brief's passages in its JSON form: any dict with the passage keys, wherever it sits,
is a quote, a citation or evidence. ``brief verify`` checks each against its source, the
report makes each a link, and the table of passages cited by theme counts them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

PASSAGE_KEYS = {"source_id", "char_start", "char_end", "line_start", "line_end", "text"}


def is_passage(value: Any) -> bool:
    """A dict with the passage keys, wherever it sits in a brief's JSON."""
    return isinstance(value, dict) and value.keys() >= PASSAGE_KEYS


def passages_in(value: Any) -> Iterator[dict[str, Any]]:
    """Every passage in a brief's JSON, at any depth."""
    if isinstance(value, dict):
        if is_passage(value):
            yield value
        for child in value.values():
            yield from passages_in(child)
    elif isinstance(value, list):
        for child in value:
            yield from passages_in(child)
