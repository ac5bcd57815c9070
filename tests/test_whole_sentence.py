"""`brief ask` prints a statement copied from part of a sentence as that whole sentence."""

from __future__ import annotations

import pytest

from pipeline.whole_sentence import WHOLE_SENTENCE_WORDS, whole_sentence

JAPAN = (
    "Some people do not know this. I just realized, this sounds almost exactly like Japan's "
    "Fifth Generation AI project[1], where the Japan government funded a massive AI project "
    "where they built lots of specialized hardware (symbolic AI). Others disagree."
)
WHOLE = (
    "I just realized, this sounds almost exactly like Japan's Fifth Generation AI project[1], "
    "where the Japan government funded a massive AI project where they built lots of "
    "specialized hardware (symbolic AI)."
)


@pytest.mark.parametrize(
    ("statement", "passages", "printed"),
    [
        # a clause copied: the sentence it was cut from, which names the project
        (
            "The Japan government funded a massive AI project where they built lots of "
            "specialized hardware (symbolic AI).",
            ["Nothing here.", JAPAN],
            WHOLE,
        ),
        # words of its own: as it is
        ("Japan once funded specialised AI hardware.", [JAPAN], None),
        # the whole sentence already
        (WHOLE, [JAPAN], None),
        # a caption line of its own holds the stop: no space before it
        (
            "open source is a common strategy for the second place",
            ["In fact, open source is a common strategy for the second place in the world\n."],
            "In fact, open source is a common strategy for the second place in the world.",
        ),
    ],
)
def test_a_copied_clause_is_printed_as_its_sentence(
    statement: str, passages: list[str], printed: str | None
) -> None:
    assert whole_sentence(statement, passages) == (printed or statement)


def test_a_sentence_too_long_to_print_leaves_the_statement_as_it_is() -> None:
    # a caption file's speech-to-text writes "sentences" of 160 words
    clause = "China has more than 50,000 kilometers of ultra-high voltage transmission lines"
    long_line = "and then " * WHOLE_SENTENCE_WORDS + clause + " and the US basically zero."
    assert whole_sentence(clause + ".", [long_line]) == clause + "."
    short = "He posted that " + clause + " and the US basically zero."
    assert whole_sentence(clause + ".", [short]) == short
