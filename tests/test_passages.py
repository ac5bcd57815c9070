"""Citations a person can find: the label names the timestamp or lines, and the column
when the passage lies deep inside a long line; offsets and columns are exact."""

from __future__ import annotations

import pytest

from pipeline.models import Passage, Sentence
from pipeline.stages.map_evidence import passages_for


@pytest.mark.parametrize(
    ("line_start", "line_end", "column", "timestamp", "label"),
    [
        (41, 41, 1, None, "002 L41"),
        (41, 44, 17, None, "002 L41-44"),
        (3, 3, 1520, None, "002 L3:1520"),
        (12, 12, 5, "14:32", "002 @ 14:32"),
        (3, 3, 1520, "0:00", "002 @ 0:00, L3:1520"),
    ],
)
def test_label(
    line_start: int, line_end: int, column: int, timestamp: str | None, label: str
) -> None:
    passage = Passage(
        source_id="002",
        char_start=0,
        char_end=1,
        line_start=line_start,
        line_end=line_end,
        column=column,
        timestamp=timestamp,
        text="x",
    )
    assert passage.label == label


def test_passages_carry_their_column() -> None:
    text = "header\n" + "word " * 200 + "Deep sentence here. Next one."
    start = text.index("Deep")
    sentence = Sentence(
        id=1,
        text="Deep sentence here.",
        char_start=start,
        char_end=start + 19,
        line_start=2,
        line_end=2,
        timestamp="0:00",
    )
    [passage] = passages_for(text, "001", [sentence])
    assert passage.text == "Deep sentence here."
    assert passage.column == 1001
    assert passage.label == "001 @ 0:00, L2:1001"


def test_two_passages_on_one_line_are_cited_once() -> None:
    from pipeline.outputs.markdown import cites

    first, second, third = (
        Passage(
            source_id="000",
            char_start=s,
            char_end=s + 1,
            line_start=2,
            line_end=2,
            column=s,
            text="x",
        )
        for s in (1, 9, 30)
    )
    third = third.model_copy(update={"line_start": 3, "line_end": 3})
    assert cites([first, second, third]) == "[000 L2] [000 L3]"
