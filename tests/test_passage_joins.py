"""A source summary's sentence that puts one passage's name onto another's words."""

from __future__ import annotations

from conftest import line_passage

from pipeline.models import KeyPoint
from pipeline.stages.passage_joins import common_names, joins_passages, without_joins
from pipeline.stages.policy import LENIENT, STRICT
from pipeline.stages.reduce_stage import ThemeReply, build_themes

# 002's two comments, two lines apart (200 characters and more)
US = (
    "Patrolling shipping lanes is a power projection, one that US allies enjoyed due to the "
    "demonstration of the US's impartiality and commitment to free trade."
)
SQUARE = "Tienanmen Square proved that the Chinese were willing to crush rabble rousers."
PASSAGES = [line_passage("002", 102, US), line_passage("002", 104, SQUARE)]
JOINED = "Tienanmen Square demonstrated the US's impartiality and commitment to free trade."


def test_a_name_of_one_passage_with_another_passage_s_words_is_a_join() -> None:
    assert joins_passages(JOINED, PASSAGES)
    assert not joins_passages(JOINED, PASSAGES[:1] + PASSAGES[:1])  # one passage
    # each part said by the passage that holds its name: no join
    assert not joins_passages("Tienanmen Square proved the Chinese were willing.", PASSAGES)


def test_near_passages_common_names_and_reports_are_not_judged() -> None:
    near = [PASSAGES[0], line_passage("002", 103, SQUARE).model_copy(update={"char_start": 10350})]
    assert not joins_passages(JOINED, near)  # 50 characters apart: one stretch of talk
    assert not joins_passages(JOINED, PASSAGES, common={"tienanmen", "squar"})
    # a sentence that reports what someone says joins a speaker to their words
    reported = f"He argues {JOINED[0].lower()}{JOINED[1:]}"
    assert not joins_passages(reported, PASSAGES)


def test_the_run_s_common_names_are_the_ones_its_points_say_often() -> None:
    points = ["China builds chips.", "China trains models.", "Huawei builds chips."]
    points += [f"the labs share weights, round {n}." for n in range(30)]
    assert common_names(points) == {"china"}  # 2 of 33 points; Huawei's 1 is under 5%


def test_a_join_leaves_the_theme_summary_under_the_strict_policy_only() -> None:
    points = [
        KeyPoint(id=f"002:0000/p{n}", text=text, importance=3, evidence=[passage])
        for n, (text, passage) in enumerate(zip([US, SQUARE], PASSAGES, strict=True))
    ]
    kept = "Patrolling shipping lanes is a power projection US allies enjoyed."
    reply = ThemeReply(title="Power projection", summary=[kept, JOINED])
    [strict] = build_themes("002", [points], [reply], STRICT)
    assert strict.summary == kept and len(strict.sentence_citations) == 1
    [lenient] = build_themes("002", [points], [reply], LENIENT)
    assert JOINED in lenient.summary


def test_an_overview_keeps_its_other_sentences_and_their_citations() -> None:
    kept = "Patrolling shipping lanes is a power projection."
    text, cited = without_joins(f"{kept} {JOINED}", [PASSAGES[:1], PASSAGES])
    assert (text, cited) == (kept, [PASSAGES[:1]])
    alone = without_joins(JOINED, [PASSAGES])
    assert alone == (JOINED, [PASSAGES])  # none would be left: as it is
