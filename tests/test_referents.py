"""A printed point that opens on a bare pronoun comes after the sentence that says who."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.inputs.ingest import read_source_text, read_transcript
from pipeline.models import Attributed, Cited, CrossTheme, Passage, SourceBrief, Theme
from pipeline.outputs.verify import passage_problem
from pipeline.stages.cross_statements import statements_of
from pipeline.stages.referents import Referents, cited_with_referents, summary_joined
from pipeline.stages.synthesize import listed_with_referents

TEXT = (
    "Alice: I think Huawei is really the main hope for Chinese chips. "
    "It worked with SMIC to produce a chip.\n"
    "Bob: I think Huawei is really the main hope for Chinese chips.\n"
    "Alice: It worked with SMIC to produce a chip that surprised observers.\n"
    "Carol: And there are all these great examples. They say 20 carmakers embed the models.\n"
    "Dan: So Huawei said they build chips. They say 20 carmakers embed the models.\n"
    "Erin: Foolish critics indeed. They say 20 carmakers embed the models.\n"
)


@pytest.fixture
def source(tmp_path: Path) -> tuple[Referents, str]:
    path = tmp_path / "009_talk.txt"
    path.write_text(TEXT, encoding="utf-8")
    transcript = read_transcript(path, "009")
    text = read_source_text(path)
    return Referents([transcript], {"009": text}), text


def passage_of(text: str, sentence: str, occurrence: int = 0) -> Passage:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(sentence, start + 1)
    line = text.count("\n", 0, start) + 1
    return Passage(
        source_id="009",
        char_start=start,
        char_end=start + len(sentence),
        line_start=line,
        line_end=line,
        column=start - text.rfind("\n", 0, start),
        text=sentence,
    )


def test_a_point_on_a_bare_pronoun_comes_after_the_sentence_that_names_who(source) -> None:
    referents, text = source
    cited = passage_of(text, "It worked with SMIC to produce a chip.")
    [point] = cited_with_referents(
        [Cited(text="It worked with SMIC to produce a chip.", citations=[cited])], referents
    )
    assert point.text == (
        "I think Huawei is really the main hope for Chinese chips. "
        "It worked with SMIC to produce a chip."
    )
    [passage] = point.citations
    assert passage.text.startswith("I think Huawei") and passage.char_end == cited.char_end
    assert passage_problem(passage.model_dump(), {"009": text}) is None  # verbatim, lines right


@pytest.mark.parametrize(
    ("sentence", "occurrence", "why"),
    [
        ("It worked with SMIC to produce a chip that surprised observers.", 0, "another turn"),
        ("They say 20 carmakers embed the models.", 0, "the sentence before names nobody"),
        ("They say 20 carmakers embed the models.", 1, "it says the pronoun itself"),
        ("They say 20 carmakers embed the models.", 2, "a capital opening it is no name"),
    ],
)
def test_a_point_stays_as_it_is_when_the_sentence_before_does_not_say_who(
    source, sentence: str, occurrence: int, why: str
) -> None:
    referents, text = source
    cited = Cited(text=sentence, citations=[passage_of(text, sentence, occurrence)])
    assert cited_with_referents([cited], referents) == [cited], why


def test_a_point_on_that_or_this_comes_after_the_sentence_that_says_what(tmp_path: Path) -> None:
    """003's "So that was designed to circumvent the chip bands in 2022, I believe." said
    what only with the sentence before: "And Deep Sea trained on the H800s, right?"."""
    said = (
        "Grace: And DeepSeek trained on the H800s, right? So that was designed to get around "
        "the 2022 chip bans.\nLi: I believe that Baidu tops the benchmark. That is a surprise.\n"
    )
    path = tmp_path / "009_talk.txt"
    path.write_text(said, encoding="utf-8")
    referents = Referents([read_transcript(path, "009")], {"009": read_source_text(path)})
    points = [
        Cited(text=t, citations=[passage_of(said, t)])
        for t in ("So that was designed to get around the 2022 chip bans.", "That is a surprise.")
    ]
    bans, surprise = cited_with_referents(points, referents)
    assert bans.text == (
        "DeepSeek trained on the H800s? So that was designed to get around the 2022 chip bans."
    )
    # the sentence before says "that" as a conjunction: "that" is a demonstrative here
    assert surprise.text == "I believe that Baidu tops the benchmark. That is a surprise."
    for point in (bans, surprise):
        assert passage_problem(point.citations[0].model_dump(), {"009": said}) is None


def test_a_point_that_names_its_subject_stays_as_it_is(source) -> None:
    referents, text = source
    sentence = "I think Huawei is really the main hope for Chinese chips."
    cited = Cited(text=sentence, citations=[passage_of(text, sentence, 1)])
    assert cited_with_referents([cited], referents) == [cited]


def test_a_statement_listed_under_a_cross_source_theme_says_who(source) -> None:
    referents, text = source
    cited = passage_of(text, "It worked with SMIC to produce a chip.")
    listed = Attributed(
        text="It worked with SMIC to produce a chip.",
        theme_ids=["009/t1"],
        source_ids=["009"],
        citations=[cited],
    )
    theme = CrossTheme(
        title="Chips",
        summary=Attributed(text="Chips.", theme_ids=[], source_ids=[], citations=[]),
        by_source=[listed],
    )
    [joined] = listed_with_referents([theme], referents)
    assert joined.by_source[0].text.startswith("I think Huawei is really the main hope")
    assert joined.by_source[0].citations[0].char_start < cited.char_start
    assert listed_with_referents([theme], None) == [theme]


def test_a_sentence_before_over_bulleted_lines_is_printed_without_their_markers(
    tmp_path: Path,
) -> None:
    """004's transcript starts every line with "*  ": the sentence before a point is
    printed as written, its passage sliced verbatim."""
    path = tmp_path / "010_talk.txt"
    path.write_text(
        "*  So I think Huawei is really the main hope\n"
        "*  for Chinese chips. It worked with SMIC to produce a chip.\n",
        encoding="utf-8",
    )
    text = read_source_text(path)
    referents = Referents([read_transcript(path, "010")], {"010": text})
    start = text.index("It worked")
    cited = Passage(
        source_id="010",
        char_start=start,
        char_end=len(text.rstrip()),
        line_start=2,
        line_end=2,
        column=start - text.index("\n"),
        text=text[start:].rstrip(),
    )
    [point] = cited_with_referents(
        [Cited(text="It worked with SMIC to produce a chip.", citations=[cited])], referents
    )
    assert point.text == (
        "I think Huawei is really the main hope for Chinese chips. "
        "It worked with SMIC to produce a chip."
    )
    assert passage_problem(point.citations[0].model_dump(), {"010": text}) is None


def summary_of(text: str, *sentences: tuple[str, int]) -> tuple[str, list[list[Passage]]]:
    """A summary of ``sentences`` (each a sentence of ``text`` and its occurrence), each
    cited on its own passage."""
    return " ".join(s for s, _ in sentences), [[passage_of(text, s, n)] for s, n in sentences]


def test_a_summary_sentence_copied_from_its_passage_comes_after_the_one_that_says_who(
    source,
) -> None:
    """004's theme read "The Blackwell architecture was announced by Nvidia ... It worked
    with SMIC Fab ...": "it" read as Nvidia. The sentence before is a sentence of its own,
    cited on its own passage, so that sentences and citations still match one to one."""
    referents, text = source
    summary, cited = summary_of(text, ("It worked with SMIC to produce a chip.", 0))
    summary = f"Nvidia announced Blackwell. {summary}"
    cited = [[], *cited]
    joined, joined_cited = summary_joined(summary, cited, referents)
    assert joined == (
        "Nvidia announced Blackwell. I think Huawei is really the main hope for Chinese "
        "chips. It worked with SMIC to produce a chip."
    )
    assert len(joined_cited) == 3 and joined_cited[2] == cited[1]
    [prior] = joined_cited[1]
    assert prior.text == "I think Huawei is really the main hope for Chinese chips."
    assert passage_problem(prior.model_dump(), {"009": text}) is None
    # the synthesis reads the summary as the model wrote it
    assert referents.introduces(joined_cited[1], "It worked with SMIC", joined_cited[2])
    assert not referents.introduces(cited[1], "It worked with SMIC", cited[1])


def test_a_summary_sentence_stays_as_it_is_when_the_summary_names_who_or_says_it_otherwise(
    source,
) -> None:
    referents, text = source
    summary, cited = summary_of(text, ("It worked with SMIC to produce a chip.", 0))
    named = (f"Huawei leads Chinese chips. {summary}", [[], *cited])
    assert summary_joined(*named, referents) == named  # the sentence before names Huawei
    told = ("It made a chip with SMIC's help, for phones.", cited)
    assert summary_joined(*told, referents) == told  # not the passage's own sentence
    apart = (f"{summary} Another.", cited)
    assert summary_joined(*apart, referents) == apart  # sentences and citations apart


def test_the_synthesis_leaves_out_the_sentence_put_before_a_summary_sentence(source) -> None:
    referents, text = source
    summary, cited = summary_of(text, ("It worked with SMIC to produce a chip.", 0))
    joined, joined_cited = summary_joined(summary, cited, referents)
    theme = Theme(
        id="009/t1",
        title="Chips",
        summary=joined,
        point_ids=[],
        citations=[p for c in joined_cited for p in c],
        sentence_citations=joined_cited,
    )
    brief = SourceBrief(source_id="009", title="009", themes=[theme])
    assert [s.text for s in statements_of(brief, referents=referents)] == [summary]
    assert len(statements_of(brief)) == 2
