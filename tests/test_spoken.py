"""Speech fillers out of the points and sentences a brief prints (``pipeline.stages.spoken``)."""

from __future__ import annotations

import pytest

from pipeline.models import ChunkSummary, KeyPoint, Passage
from pipeline.stages.points import pick_points, split_facts
from pipeline.stages.reduce_stage import reduce_source
from pipeline.stages.spoken import as_written, in_writing, without_fillers
from pipeline.text import sentences_of


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        (  # the seeds' 001, as the 1.5B stated it
            "if you read some of like Chinese, China's like official policy, like documents, "
            "they categorize AI as national infrastructure in the same category as like "
            "electricity grids, railways, Internet.",
            "if you read some of Chinese, China's official policy, like documents, they "
            "categorize AI as national infrastructure in the same category as electricity "
            "grids, railways, Internet.",
        ),
        (
            "Even though a lot of those innovations are actually invented in Britain, the US "
            "is one of the most like adept at like actually co proliferating those technologies.",
            "Even though a lot of those innovations are invented in Britain, the US is one of "
            "the most adept at co proliferating those technologies.",
        ),
        (
            "So commoditize your complement is this idea of like if you, you know, there's "
            "different layers where value can accrue.",
            "Commoditize your complement is this idea of if you, there's different layers "
            "where value can accrue.",
        ),
        (
            "I think that China was basically looked at as like, you know, a more collectivist "
            "society.",
            "I think that China was looked at as a more collectivist society.",
        ),
        (
            "And he said there's 600 million people using it.",
            "He said there's 600 million people using it.",
        ),
        ("Chips were kind of the the bottleneck, right?", "Chips were the bottleneck?"),
        (
            "They trained it for like 10 years on the data.",
            "They trained it for about 10 years on the data.",
        ),
        ("Yeah, so, um, Huawei makes the chips.", "Huawei makes the chips."),
        (  # covid_6: a committee's speakers address the chair first
            "Mr. Chair, we continue to work with countries around the globe.",
            "We continue to work with countries around the globe.",
        ),
        (
            "Mr.Chair, we have invested in assistance for fishers.",
            "We have invested in assistance for fishers.",
        ),
        (
            "Chair, in December 2018 the Liberals passed Bill C-76.",
            "In December 2018 the Liberals passed Bill C-76.",
        ),
        (
            "Madam Speaker, I rise today on behalf of my constituents.",
            "I rise today on behalf of my constituents.",
        ),
        (
            "Companies win by their like commanding of resources, not through like hoarding.",
            "Companies win by their commanding of resources, not through hoarding.",
        ),
    ],
)
def test_fillers_are_taken_out(spoken: str, written: str) -> None:
    assert without_fillers(spoken) == written


@pytest.mark.parametrize(
    "text",
    [
        "China pushes sectors like batteries, chips and solar.",  # "like": such as
        "Users like the app because it is cheap.",  # a verb
        "China is like Germany in the nineteenth century.",  # a comparison
        "It's like a dreadnought moment for software.",
        "What kind of model did DeepSeek release?",  # a noun
        "So far only 40 apps have been approved.",  # "so far" is not an opening filler
        "Well known labs such as Zhipu publish their weights.",
        "Now is the time for Chinese labs to open their models.",
        "She had had enough of the export rules.",  # grammatical repeats stay
        "He knows that that is against the terms of use.",
        "The toys and whatnot that you know of are made there.",
        "I was like, dude, you work in tech.",  # a quote's "was like," stays
        "When he fought Didi in China, he's like, it was madness.",  # so does "he's like,"
        "She's like, I now use it for my diagnosis.",
        "Like it.",  # under three words once cleaned: left as it was
        "Chair of the committee, she opened the session.",  # no address: no comma after "Chair"
        "Thank you, Mr. Chair, for the question.",  # an address inside the sentence stays
        "Their like button counts every view.",  # a noun's "like"
    ],
)
def test_words_that_carry_meaning_stay(text: str) -> None:
    assert without_fillers(text) == text


def test_a_brief_prints_its_points_without_fillers_and_counts_their_words_so() -> None:
    evidence = [
        Passage(source_id="s", char_start=0, char_end=1, line_start=1, line_end=1, text="x")
    ]
    talky = KeyPoint(
        id="s:0/p1",
        text="So, like, you know, Huawei basically makes, like, 40% of the chips, right.",
        importance=5,
        evidence=evidence,
    )
    plain = KeyPoint(
        id="s:0/p2",
        text="SMIC fabricates the Ascend chips for Huawei.",
        importance=3,
        evidence=evidence,
    )
    # cleaned, the point costs 6 words: with a budget of 14 both fit; as said (13), one
    picked = pick_points([[talky, plain]], [set()], budget_words=14)
    facts, _ = split_facts(picked)
    assert [f.text for f in facts] == [
        "Huawei makes 40% of the chips.",
        "SMIC fabricates the Ascend chips for Huawei.",
    ]


def test_a_source_brief_prints_the_models_sentences_without_fillers(scripted) -> None:
    from conftest import point, transcript

    doc, _ = transcript()
    summaries = [
        ChunkSummary(
            chunk_id="007:0000",
            source_id="007",
            key_points=[point(1, "Huawei builds the Ascend chips for Chinese labs.")],
        )
    ]

    def respond(stage, messages):
        if "overview" in messages[0]["content"]:
            return {"title": "Chips", "overview": ["So, like, Huawei builds the chips, right."]}
        return {"title": "Chips", "summary": ["Huawei basically builds the Ascend chips, right."]}

    scripted.responder = respond
    brief = reduce_source(doc, summaries, scripted, context_window=8192, max_tokens=200)
    assert brief.overview == "Huawei builds the chips."
    assert [t.summary for t in brief.themes] == ["Huawei builds the Ascend chips."]
    assert all(t.sentence_citations == [t.citations] for t in brief.themes)
    # the overview is asked from the summaries as the model wrote them
    assert "Huawei basically builds the Ascend chips, right." in scripted.history[-1][1]["content"]


@pytest.mark.parametrize(
    ("point", "printed"),
    [
        (
            "glorifies individual inventors the same way",
            "Glorifies individual inventors the same way.",
        ),
        (
            "China's AI open source is a very rational choice",
            "China's AI open source is a very rational choice.",
        ),
        ("iPhone sales fell 24% in China", "iPhone sales fell 24% in China."),
        ("'commoditise their complement'", "'commoditise their complement'."),
        ("Is open source a moat?", "Is open source a moat?"),
        ("the grid, the chips and …", "The grid, the chips and …"),
        # a hyphenated first word too (a QMSum committee meeting's key fact)
        ("e-mailing them materials", "E-mailing them materials."),
        # a first word with an apostrophe or a comma after it (education_22's key facts)
        ("that's exactly why we're piloting it", "That's exactly why we're piloting it."),
        ("yesterday, when we made the statement", "Yesterday, when we made the statement."),
        # a word cut at its start is no word to capitalise (an answer's "China's" cut)
        ("ina's technological progress", "ina's technological progress."),
        # initials together, as the sources write them
        ("they mess with U. S. research labs", "They mess with U.S. research labs."),
        ("the U. K. and the E. U. agree", "The U.K. and the E.U. agree."),
        ("Plan B. Then more", "Plan B. Then more."),
        # a translation's sentences joined by commas (000): one sentence still, for its
        # citations; not before a name or "I"
        (
            "they reverse engineer innovations in China, This is the path of Silicon Valley,"
            " For example, I was looking at A16Z",
            "They reverse engineer innovations in China; this is the path of Silicon Valley;"
            " for example, I was looking at A16Z.",
        ),
        (
            "Shih says, I quote, Huawei leads, and Grace Shao, the host, agrees",
            "Shih says, I quote, Huawei leads, and Grace Shao, the host, agrees.",
        ),
    ],
)
def test_a_point_is_printed_as_a_sentence(point: str, printed: str) -> None:
    assert as_written(point) == printed


def test_comma_joined_sentences_keep_a_summary_s_count_of_sentences() -> None:
    # a summary's citations are listed one per sentence (``sentence_citations``)
    summary = "A leg was broken, They were overwhelmed by rivals. Uber left, Then Didi won."
    assert in_writing(summary) == (
        "A leg was broken; they were overwhelmed by rivals. Uber left; then Didi won."
    )
    assert len(sentences_of(in_writing(summary))) == len(sentences_of(summary)) == 2


def test_a_point_read_alone_drops_the_word_that_links_it_to_a_sentence_before() -> None:
    # key facts of a cold run over the seeds: a list item has no sentence before it
    for point, printed in [
        (
            "But now the opening time has been postponed to between 30 and 33 years.",
            "Now the opening time has been postponed to between 30 and 33 years.",
        ),
        (
            "Then an article on December 4, from lawfare.org, on nuclear command and control.",
            "An article on December 4, from lawfare.org, on nuclear command and control.",
        ),
        (
            "Or tacit knowledge; lithium batteries came from Bell Labs",
            "Tacit knowledge; lithium batteries came from Bell Labs.",
        ),
        ("But, you know, Huawei makes the chips.", "Huawei makes the chips."),
        (  # 004's key fact: the "Then" left once the opening "And" is dropped
            "And then an article on December 4, from lawfare.org.",
            "An article on December 4, from lawfare.org.",
        ),
        ("Then-president Obama signed the rules.", "Then-president Obama signed the rules."),
        ("Orchestras in Beijing use AI.", "Orchestras in Beijing use AI."),
    ]:
        assert as_written(point) == printed
    # in a summary the next sentence goes on from the one before: its "But" stays
    summary = "Chips are banned. But Huawei makes its own."
    assert in_writing(summary) == summary
