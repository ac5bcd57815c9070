"""A small model's copy-paste is caught by code: repeated themes are dropped, copied
summaries are rebuilt from their own evidence, and non-names are not listed as names."""

from __future__ import annotations

import pytest
from conftest import map_reply, point, transcript

from pipeline.inputs.chunking import chunk_transcript
from pipeline.models import ChunkSummary, Passage, SourceBrief, Theme
from pipeline.stages.cross_statements import statements_of
from pipeline.stages.map_stage import summarize_chunk
from pipeline.stages.names import is_name_in
from pipeline.stages.policy import LENIENT, STRICT
from pipeline.stages.reduce_stage import reduce_source
from pipeline.stages.repeats import Repeats, text_key, without_repeated_sentences
from pipeline.stages.spoken import in_writing
from pipeline.stages.synthesize import synthesize
from pipeline.text import sentences_of

COPY = "Technology companies have had a large impact on China's AI strategy"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (COPY, COPY + ", and much more.", True),  # a copy cut off at another length
        (COPY, COPY.upper().replace(" ", "  "), True),
        ("Chips matter.", "Chips matter!", True),
        ("Chips matter.", "Chips do not matter.", False),
    ],
)
def test_text_key_sees_copies(a: str, b: str, same: bool) -> None:
    assert (text_key(a) == text_key(b)) is same


def test_repeats_remembers_what_was_said() -> None:
    said = Repeats("An overview.")
    assert not said.is_new("an overview")
    assert said.is_new("Something else.")
    assert not said.is_new("Something else.")
    assert said.is_new_key(frozenset({"P1"})) and not said.is_new_key(frozenset({"P1"}))


@pytest.mark.parametrize(
    ("name", "contained", "listed"),
    [
        ("DeepSeek", True, True),
        ("Huawei", True, True),
        ("A 0:00", False, False),  # a speaker label, not in the spoken text
        ("Nvidia", False, False),  # not in the chunk at all
        ("chips, you know, software", False, False),  # a clause
        ("Export controls limit chips", True, False),  # in the text, but not a proper name
        ("China has many AI labs and more words here", False, False),  # a sentence
        ("China", True, False),  # a place, not an organisation
    ],
)
def test_only_names_the_chunk_contains_are_listed(
    scripted, name: str, contained: bool, listed: bool
) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    assert is_name_in(name, chunk.text) is contained
    reply = map_reply([("DeepSeek released R1", 2)])
    reply["organisations"] = [name]
    summary = summarize_chunk(chunk, text, scripted_with(scripted, reply), max_tokens=100)
    assert [e.name for e in summary.entities] == ([name] if listed else [])


def scripted_with(scripted, reply):
    scripted.enqueue(reply)
    return scripted


@pytest.mark.parametrize(("policy", "rebuilt"), [(STRICT, True), (LENIENT, False)])
def test_reduce_rebuilds_a_copied_theme_summary_under_the_strict_policy(
    scripted, policy, rebuilt
) -> None:
    doc, _ = transcript()
    summaries = [
        ChunkSummary(chunk_id=f"007:{i:04d}", source_id="007", key_points=[point(i)])
        for i in range(2)
    ]

    def respond(stage, messages):
        content = messages[1]["content"]
        if "overview" in messages[0]["content"]:
            return {"title": "Chips", "overview": [COPY + ".", "Something new."]}
        if "subject0" in content:
            return {"title": "Chips", "summary": [COPY + "."]}
        return {"title": "chips", "summary": [COPY + ", and much more."]}  # a copy, and its title

    scripted.responder = respond
    brief = reduce_source(
        doc, summaries, scripted, context_window=8192, max_tokens=200, policy=policy
    )
    assert [t.title for t in brief.themes] == ["Chips", "chips (2)"]
    second = brief.themes[1].summary
    # rebuilt: its point's words, printed as a sentence (``spoken.in_writing``)
    assert (second == in_writing(point(1).text.strip() + ".")) is rebuilt
    # the overview keeps a theme summary's sentence under either policy: dropped, it left
    # four of the seeds' five source overviews a list of titles or one sentence
    assert brief.overview == COPY + ". Something new."


def source_brief(sid: str, summary: str) -> SourceBrief:
    cite = Passage(source_id=sid, char_start=0, char_end=1, line_start=3, line_end=4, text="x")
    theme = Theme(
        id=f"{sid}/t1", title=f"Theme of {sid}", summary=summary, point_ids=[], citations=[cite]
    )
    return SourceBrief(source_id=sid, title=sid, themes=[theme])


def briefs() -> list[SourceBrief]:
    return [
        source_brief("001", "Labs share chips weights. They publish often."),
        source_brief("002", "Chips are scarce for labs. Smuggling grows."),
    ]


# the strict policy's checks, with the relations stated as a strong model's are
JUDGING = STRICT.model_copy(update={"relations_stated": True})


@pytest.mark.parametrize("relation", ["agree", "differ", "complement"])
def test_synthesis_turns_the_relation_into_an_agreement_or_two_sides(
    scripted, relation: str
) -> None:
    point = "Labs of both sources need chips."
    scripted.enqueue(
        {"title": "Chips", "summary": ["Both on chips."], "relation": relation, "point": point},
        {"overview": ["Both sources discuss chips."]},
    )
    cross = synthesize(briefs(), scripted, context_window=8192, max_tokens=500, policy=JUDGING)
    assert [a.text for a in cross.agreements] == ([point] if relation == "agree" else [])
    assert cross.agreements == [] or cross.agreements[0].source_ids == ["001", "002"]
    if relation == "differ":
        [differ] = cross.disagreements
        # each side is its own source's theme, in its own words, with its own citation
        assert differ.side_a.text == "Labs share chips weights."
        assert differ.side_b.text == "Chips are scarce for labs."
        assert differ.side_b.citations[0].label == "002 L3-4"
    else:
        assert cross.disagreements == []


@pytest.mark.parametrize("relation", ["agree", "differ"])
def test_the_embedded_models_verdicts_are_not_stated(scripted, relation: str) -> None:
    """Under the strict policy the sources of a subject stand side by side under it: the
    brief lists no agreement or disagreement, and the overview is told the point without
    its verdict, and says none."""
    point = "Both sources agree that labs need chips, but they differ on smuggling."
    scripted.enqueue(
        {"title": "Chips", "summary": ["Both on chips."], "relation": relation, "point": point},
        {"overview": ["The sources disagree on chips for labs."]},
    )
    cross = synthesize(briefs(), scripted, context_window=8192, max_tokens=500)
    assert cross.agreements == [] and cross.disagreements == []
    asked = scripted.history[-1][1]["content"]
    assert "- Chips (sources 001, 002): Labs need chips.\n" in asked and "they " not in asked
    assert cross.overview == "Sources 001 and 002 discuss chips for labs."


def test_an_agreement_that_restates_one_source_only_is_not_listed(scripted) -> None:
    """ "The sources agree on ..." is an agreement only when it restates statements of two
    sources or more; it is cited by those, not by every statement of its group."""
    scripted.enqueue(
        {"title": "Chips", "summary": ["On chips."], "relation": "agree", "point": COPY},
        {"overview": ["Both sources discuss chips."]},
    )
    cross = synthesize(briefs(), scripted, context_window=8192, max_tokens=500, policy=JUDGING)
    assert cross.agreements == []
    # the overview is not told that they agree
    asked = scripted.history[-1][1]["content"]
    assert "they complement" in asked and "they agree" not in asked
    scripted.enqueue(
        {
            "title": "Chips",
            "summary": ["On chips."],
            "relation": "agree",
            "point": "Smuggling grows in Shenzhen markets.",  # 002 only
        },
        {"overview": ["Both sources discuss chips."]},
    )
    cross = synthesize(briefs(), scripted, context_window=8192, max_tokens=500, policy=JUDGING)
    assert cross.agreements == []


@pytest.mark.parametrize("policy", [STRICT, LENIENT], ids=["strict", "lenient"])
def test_an_overview_that_says_the_sources_agree_loses_the_claim_unless_listed(
    scripted, policy
) -> None:
    reply = {"title": "Chips", "summary": ["On chips."], "relation": "agree", "point": "x y z"}
    one = "All sources agree that labs share weights, but they differ on the markets."
    two = "Both sources agree that labs need chips."  # 001 ("labs") and 002 ("chips")
    scripted.enqueue(reply, {"overview": [one, two]})
    cross = synthesize(briefs(), scripted, context_window=8192, max_tokens=500, policy=policy)
    assert cross.agreements == []  # "x y z" restates no statement
    if policy.agreement_needs_two_sources:
        # one restates 001 alone; two restates both sources, but no agreement is listed
        assert cross.overview == "Labs share weights. Labs need chips."
    else:
        assert cross.overview == f"{one} {two}"
    assert [[p.source_id for p in c] for c in cross.overview_citations] == [["001"], ["001", "002"]]


@pytest.mark.parametrize("policy", [STRICT, LENIENT], ids=["strict", "lenient"])
def test_an_overview_sentence_its_statements_do_not_state_gives_way_to_a_theme_s(
    scripted, policy
) -> None:
    """The 1.5B's cross-source overview of the seeds was boilerplate ("AI can help
    companies stay ahead of the curve"): under the strict policy a sentence that the
    statements it rests on do not state gives way to a theme's first sentence, and one
    that only names sources and their verdict is dropped."""
    boilerplate = "AI can help companies stay ahead of the curve."
    stated = "Chips are scarce for labs."
    framing = "Sources 001 and 002 discuss these differences."
    scripted.enqueue(
        {
            "title": "Chips",
            "summary": ["Labs share chips weights."],
            "relation": "agree",
            "point": "Labs need chips.",
        },
        {"overview": [boilerplate, stated, framing]},
    )
    cross = synthesize(briefs(), scripted, context_window=8192, max_tokens=500, policy=policy)
    if policy.overview_support:
        assert cross.overview == f"Labs share chips weights. {stated}"
        assert len(cross.overview_citations) == 2 and all(cross.overview_citations)
    else:
        assert cross.overview == f"{boilerplate} {stated} {framing}"


def test_a_theme_sentence_stands_in_for_the_overview_only_when_it_stands_alone(
    scripted,
) -> None:
    """A theme's sentence that leans on the one before it ("They ...") or that restates a
    sentence the overview keeps does not stand in for a sentence given way (strict): the
    seeds' cross-source overview read "They were behind on open source ..." (41 words)."""
    scripted.enqueue(
        {
            "title": "Chips",
            # leans on the sentence before; restates the kept one; stands alone
            "summary": [
                "They share chips weights.",
                "Chips are scarce for labs.",
                "Labs share chips weights.",
            ],
            "relation": "agree",
            "point": "Labs need chips.",
        },
        {
            "overview": [
                "AI can help companies stay ahead of the curve.",
                "Chips are scarce for labs.",
            ]
        },
    )
    cross = synthesize(briefs(), scripted, context_window=8192, max_tokens=500, policy=STRICT)
    assert cross.overview == "Labs share chips weights. Chips are scarce for labs."


def test_a_sentence_that_leans_on_another_or_runs_long_does_not_stand_alone() -> None:
    from pipeline.stages.overview_sentences import OVERVIEW_SENTENCE_WORDS, stands_alone

    assert stands_alone("Open source accelerates the adoption of AI.")
    assert stands_alone("Theirs is a long road.")  # "theirs" is not "their"
    for leaning in ("They were behind on open source.", "But labs share.", "It is cheap."):
        assert not stands_alone(leaning)
    # a part of what a pronoun says: 002's overview took "One of his industry contacts
    # did time ..." from a theme where it followed the commenter it is about
    for leaning in ("One of his contacts did time.", "Some of them share.", "Both of their labs."):
        assert not stands_alone(leaning)
    assert stands_alone("One of the labs shares.")  # a part of a thing it names
    assert not stands_alone(" ".join(["word"] * (OVERVIEW_SENTENCE_WORDS + 1)) + ".")


def test_a_sentence_naming_the_wrong_source_names_the_one_it_restates() -> None:
    from pipeline.stages.cross_statements import Statement, named_rightly

    group = [
        Statement("000", "t1", "Developers abroad build on China's open source models.", []),
        Statement("004", "t2", "Chinese developers focus on catching up with OpenAI.", []),
    ]
    swapped = "Source 000: Chinese developers focus on catching up with OpenAI."
    assert named_rightly(swapped, group) == (
        "Source 004: Chinese developers focus on catching up with OpenAI."
    )
    right = "Source 000: Developers abroad build on China's open source models."
    assert named_rightly(right, group) == right
    # two sources named, or a sentence no statement holds: as it is
    both = "Sources 000 and 004: Chinese developers focus on catching up with OpenAI."
    assert named_rightly(both, group) == both
    loose = "Source 000: AI labs compete worldwide on price and talent."
    assert named_rightly(loose, group) == loose


def test_a_cross_source_summary_names_the_source_each_sentence_restates(scripted) -> None:
    """The cross-source brief prints and cites a summary sentence under the source whose
    statement it restates, whichever source the model named."""
    said = [
        source_brief("001", "Labs share chips weights openly."),
        source_brief("002", "Chips weights are scarce, smuggling grows."),
    ]
    scripted.enqueue(
        {
            "title": "Chips",
            "summary": ["Source 001: Chips weights are scarce, smuggling grows."],
            "relation": "complement",
            "point": "Labs need chips.",
        },
        {"overview": ["Labs share chips weights openly."]},
    )
    cross = synthesize(said, scripted, context_window=8192, max_tokens=500, policy=STRICT)
    [theme] = cross.themes
    assert theme.summary.text == "Source 002: Chips weights are scarce, smuggling grows."
    assert [p.source_id for p in theme.sentence_citations[0]] == ["002"]


def test_an_overview_sentence_that_only_says_a_title_says_nothing() -> None:
    from pipeline.stages.overview_sentences import only_a_title

    titles = ["China's Middle Class", "DeepSeek's Moat"]
    assert only_a_title("China's Middle Class has a middle class.", titles)
    assert only_a_title("DeepSeek's moat matters.", titles)
    assert not only_a_title("China's middle class is 40% of the population.", titles)
    assert not only_a_title("DeepSeek has no moat.", titles)
    assert not only_a_title("China's Middle Class has a middle class.", [])


def test_an_overview_may_say_the_sources_agree_on_a_listed_agreement(scripted) -> None:
    point = "Labs of both sources need chips."  # 001 ("labs") and 002 ("chips"): listed
    said = "Both sources agree that labs need chips, but they differ on smuggling."
    scripted.enqueue(
        {"title": "Chips", "summary": ["On chips."], "relation": "agree", "point": point},
        {"overview": [said]},
    )
    cross = synthesize(briefs(), scripted, context_window=8192, max_tokens=500, policy=JUDGING)
    assert [a.text for a in cross.agreements] == [point]
    assert cross.overview == said


def test_an_unbacked_agreement_claim_keeps_what_the_sentence_says() -> None:
    from pipeline.stages.cross_claims import unbacked_claim_removed as removed

    said = "Both sources agree on the commoditization of AI labs, but disagree on Moonshot."
    assert removed(said, ["001"]) == "Source 001 discusses the commoditization of AI labs."
    assert removed(said, ["001", "002"]) == (
        "Sources 001 and 002 discuss the commoditization of AI labs."
    )
    assert removed(said, ["001", "002"], ["Both agree on the commoditization of AI labs."]) == said
    assert removed("The sources agree that X is Y.", []) == "X is Y."
    # the claim's second "that" goes with the verdict
    assert removed("Both sources agree that X is Y and that Z is W.", []) == "X is Y and Z is W."
    assert removed("Sources 001 and 002 agree that X.", ["001"]) == (
        "Sources 001 and 002 agree that X."  # names its sources: attributed to them
    )
    # the same claim put another way
    there = "However, there is disagreement about the impact on the US economy."
    assert (
        removed(there, ["002", "004"])
        == "Sources 002 and 004 discuss the impact on the US economy."
    )
    assert removed("There is agreement that X is Y.", []) == "X is Y."
    assert removed("There is a debate.", ["002"]) == "There is a debate."  # about nothing named


def test_a_reply_sentence_ends_with_one_full_stop() -> None:
    from pipeline.stages.item_calls import joined

    assert joined(["China is a major player in AI technology.,", "Chips matter;", " "]) == (
        "China is a major player in AI technology. Chips matter."
    )


def two_subjects() -> list[SourceBrief]:
    """Three sources on two subjects: 001 on both, chips with 002, open weights with 003."""
    first = source_brief("001", "Smuggled chips reach labs.")
    first = first.model_copy(
        update={"themes": [*first.themes, *source_brief("001", "Open weights spread fast.").themes]}
    )
    return [
        first,
        source_brief("002", "Smuggled chips reach labs in Shenzhen."),
        source_brief("003", "Open weights spread fast online."),
    ]


def test_synthesis_rebuilds_a_copied_cross_theme(scripted) -> None:
    three = two_subjects()
    reply = {"title": "Chips", "summary": [COPY], "relation": "complement", "point": "x y z"}
    scripted.enqueue(reply, dict(reply, title="Weights"), {"overview": ["Overall, chips."]})
    copies_only = STRICT.model_copy(update={"cross_summary_support": 0})  # COPY states nothing
    cross = synthesize(three, scripted, context_window=8192, max_tokens=500, policy=copies_only)
    assert len(cross.themes) == 2
    assert cross.themes[0].summary.text == COPY + "."
    assert cross.themes[1].summary.text != COPY + "."  # rebuilt from its statements


def test_a_cross_source_overview_of_one_sentence_names_the_subjects_shared(scripted) -> None:
    three = two_subjects()
    reply = {"title": "Chips", "summary": ["Smuggled chips reach labs."], "relation": "complement"}
    reply["point"] = "x y z"
    scripted.enqueue(reply, dict(reply, title="Weights"), {"overview": ["Chips reach labs."]})
    cross = synthesize(three, scripted, context_window=8192, max_tokens=500, policy=STRICT)
    assert [t.title for t in cross.themes] == ["Chips", "Weights"]
    assert cross.overview.startswith("The sources share Chips; Weights. ")
    assert len(cross.overview_citations) == len(sentences_of(cross.overview))


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("One thing. Another thing.", "One thing. Another thing."),
        (COPY + ". Then more. " + COPY[:-10], COPY + ". Then more."),  # looped, cut short
        ("Same. Same! Different?", "Same. Different?"),
        # a loop cut short: the second sentence is the start of the first
        (
            "DeepSeek is based in Hangzhou, right? DeepSeek is based in Hangzhou,",
            "DeepSeek is based in Hangzhou, right?",
        ),
        ("Yes. Yes indeed, it is.", "Yes. Yes indeed, it is."),  # a longer one is new
        ("It is. It", "It is. It"),  # too short to call a cut-short copy
        ("  ", ""),
        # two overlapping points copied one after the other: the stretch is said once
        (
            "Even big firms would just use pirated Word and Excel, all of this laid the "
            "foundation. big firms would just use pirated Word and Excel, all of this laid "
            "the foundation to now where there are no enterprise companies.",
            "Even big firms would just use pirated Word and Excel, all of this laid the "
            "foundation to now where there are no enterprise companies.",
        ),
        # seven words twice in a row is not a stretch: said again on purpose, or by chance
        (
            "Open models cut the cost of AI. open models cut the cost of AI for all.",
            "Open models cut the cost of AI. open models cut the cost of AI for all.",
        ),
    ],
)
def test_repeated_sentences_are_dropped(text: str, cleaned: str) -> None:
    assert without_repeated_sentences(text) == cleaned


@pytest.mark.parametrize(
    "dropped",
    [
        "The port handles 40% of the region's grain exports.",  # a prompt example, copied
        "Can these shiny and powerful technologies be created?",  # a speaker's, copied
        "We're delivering a China episode on AI chips.",  # the show's intro, restated
        "The notes discuss Huawei's chips. It highlights their buyers.",  # and its sequel
    ],
)
def test_a_theme_sentence_with_a_figure_its_notes_lack_a_question_or_the_talk_is_dropped(
    dropped: str,
) -> None:
    from pipeline.stages.reduce_stage import ThemeReply, build_themes

    notes = [
        point(1, "Huawei shipped 200,000 Ascend chips to Baidu."),
        point(2, "Can these shiny and powerful technologies be created?"),
    ]
    stated = "Huawei shipped 200,000 Ascend chips, which Baidu uses for Ernie."
    only_asks = ThemeReply(title="Chips", summary=["Can China make its own chips?"])
    for policy in (STRICT, LENIENT):
        reply = ThemeReply(title="Ascend chips", summary=[dropped, stated])
        [theme] = build_themes("007", [notes], [reply], policy)
        assert theme.summary == stated
        # nothing stated: rebuilt from the points that state, not the one that asks
        [theme] = build_themes("007", [notes], [only_asks], policy)
        assert theme.summary == "Huawei shipped 200,000 Ascend chips to Baidu."


def test_the_sides_of_a_disagreement_are_the_statements_its_point_is_about() -> None:
    from pipeline.stages.cross_statements import Statement, sides

    group = [
        Statement("001", "001/t1", "China was humiliated for a century.", []),
        Statement("001", "001/t2", "Export controls limit chips in China.", []),
        Statement("004", "004/t1", "Beijing is sunny in spring.", []),
        Statement("004", "004/t3", "Stockpiles of chips will run out.", []),
    ]
    a, b = sides("001 blames export controls on chips; 004 the stockpiles of chips.", group)
    assert (a.theme_id, b.theme_id) == ("001/t2", "004/t3")
    assert sides("They differ.", group) is None  # no shared word: the caller's fallback


def test_a_failed_cross_overview_leaves_a_partial_cross_source_brief(scripted) -> None:
    """The 1.5B once ran on to the token limit in the cross-source overview call, and the
    whole cross-source brief was lost; now the themes stand and the overview lists them.
    With no theme written, the brief has failed."""
    from pipeline.outputs.markdown import cross_markdown

    scripted.responder = lambda stage, messages: "garbage"
    failed = synthesize(briefs(), scripted, context_window=8192, max_tokens=500)
    assert failed.status == "failed" and not failed.themes
    assert (failed.error or "").startswith("cross-source theme 1 could not be written (")
    theme = {"title": "Chips", "summary": ["On chips."], "relation": "agree", "point": "x"}
    scripted.responder = lambda stage, messages: (
        "garbage" if "overview" in messages[0]["content"] else theme
    )
    cross = synthesize(briefs(), scripted, context_window=8192, max_tokens=500)
    assert cross.status == "partial" and [t.title for t in cross.themes] == ["Chips"]
    assert (cross.error or "").startswith("the overview could not be written (")
    assert cross.overview == "The sources share Chips."
    assert "**Partial:** the overview could not be written" in cross_markdown(cross, {})


def test_a_host_s_question_among_the_uncarried_points_is_no_cross_source_statement() -> None:
    from pipeline.models import KeyPoint

    cite = Passage(source_id="001", char_start=5, char_end=9, line_start=5, line_end=5, text="y")
    asked = "Can I just follow up here? Or so is what you say that labs publish weights often."
    # the speech-to-text writes the word after the question mark in lower case
    lower = "So can I just follow up here? or so is what you say that labs buy chips often."
    points = [
        KeyPoint(id=f"001:0000/p{n}", text=text, importance=3, evidence=[cite])
        for n, text in enumerate([asked, lower, "Huawei ships Ascend chips to labs."], start=1)
    ]
    said = [s.text for s in statements_of(source_brief("001", "Labs share weights."), points)]
    assert said == ["Labs share weights.", "Huawei ships Ascend chips to labs."]


def test_what_the_episode_covers_is_no_cross_source_statement() -> None:

    summary = "The conversation discusses chips in China and the US. Labs share weights."
    said = [s.text for s in statements_of(source_brief("001", summary))]
    assert said == ["Labs share weights."]


def test_source_ids_joined_by_and_are_listed_as_a_series() -> None:
    from pipeline.stages.cross_claims import in_series, listed_in_series

    assert in_series(["001"]) == "001" and in_series(["001", "004"]) == "001 and 004"
    said = "Sources 000 and 002 and 003 and 004 agree that AI helps. Sources 001 and 002 differ."
    assert listed_in_series(said) == (
        "Sources 000, 002, 003 and 004 agree that AI helps. Sources 001 and 002 differ."
    )
    years = "In 2020 and 2021 and 2022 sales grew."  # only a list of sources
    assert listed_in_series(years) == years


def test_a_theme_the_overview_does_not_draw_on_yet_stands_in_first() -> None:
    """The seeds' cross-source overview, given way one sentence, took the next sentence of
    a theme it drew on already and said the CCP was not involved twice; a theme it does
    not draw on yet stands in first, then the others."""
    from pipeline.stages.overview_sentences import first_stated

    summaries = [
        "Chips are scarce for the labs in Beijing. Labs share their chip designs openly.",
        "Huawei sells its Ascend chips to Baidu.",
    ]
    told = ["Chips are scarce for the labs in Beijing."]
    assert first_stated(summaries, [], 0.0, told) == [
        "Huawei sells its Ascend chips to Baidu.",
        "Labs share their chip designs openly.",
    ]


def test_a_theme_an_overview_sentence_says_in_its_own_words_is_drawn_on() -> None:
    """The seeds' cross-source overview said "China's AI open source accelerates adoption
    due to cost savings." and, standing in for a sentence that gave way, "China's AI open
    source is a very rational choice.", the same theme's first sentence: no sentence of
    that theme held most of the told one's words, so the theme counted as not drawn on.
    A told sentence whose stems the theme's summary holds half of draws on it."""
    from pipeline.stages.overview_sentences import first_stated

    summaries = [
        "China's AI open source is a very rational choice. Open source accelerates its "
        "adoption because it makes it cheaper for companies to adopt AI.",
        "Google predicts proprietary LLM solutions lack moats.",
    ]
    told = ["China's AI open source accelerates adoption due to cost savings."]
    assert first_stated(summaries, [], 0.0, told) == [
        "Google predicts proprietary LLM solutions lack moats.",
        "China's AI open source is a very rational choice.",
    ]


def test_a_theme_sentence_saying_an_overview_sentence_again_in_more_words_stands_not_in() -> None:
    """The seeds' cross-source overview said "Integrating AI with more industries and
    sectors is a key initiative." and, standing in for a sentence that gave way, "The
    government work report mentions AI Plus initiatives integrating AI with more
    industries and sectors.": most of the shorter's words are the longer's."""
    from pipeline.stages.overview_sentences import first_stated

    summaries = [
        "The government work report mentions AI Plus initiatives integrating AI with more "
        "industries and sectors.",
        "The concept of liberal democracy is declining globally.",
    ]
    told = ["Integrating AI with more industries and sectors is a key initiative."]
    assert first_stated(summaries, [], 0.0, told) == [
        "The concept of liberal democracy is declining globally."
    ]


def test_a_theme_whose_first_sentence_is_one_sources_statement_stands_in_last() -> None:
    """The seeds' cross-source overview took "Beijing and Shanghai have different vibes."
    from a theme whose summary gave way to its sources' statements ("Source 003: ..."),
    before the first sentence of a theme the model summarised."""
    from pipeline.stages.overview_sentences import first_stated

    summaries = [
        "Source 003: Beijing and Shanghai have different vibes. Source 004: Rules differ.",
        "Google predicts proprietary LLM solutions lack moats.",
    ]
    assert first_stated(summaries, [], 0.0) == [
        "Google predicts proprietary LLM solutions lack moats.",
        "Source 003: Beijing and Shanghai have different vibes.",
    ]


def test_a_summary_sentence_on_he_or_she_is_asked_about_with_the_person_before(
    scripted,
) -> None:
    """000's theme read "Wang mentions ... She argues that Silicon Valley and China's
    innovations are like current ..."; shown "She argues ...", the 1.5B wrote "China
    argues ...". The request names the person the summary's sentence before opens with,
    when the brief lists them as a person; so does the statement as listed."""
    wang = source_brief("000", "Wang built a fab in Shenzhen. She argues the two flow like water.")
    wang = wang.model_copy(update={"people": ["Afra Wang"]})
    [first, second] = statements_of(wang)
    assert (first.subject, second.subject) == ("", "Wang")
    assert second.asked == "Wang argues the two flow like water."
    country = wang.model_copy(update={"people": []})  # "Wang" no person the brief lists
    assert statements_of(country)[1].asked == "She argues the two flow like water."
    other = source_brief("002", "China builds chips. They flow like water too.")
    reply = {
        "title": "Flow",
        "summary": ["Rivers run through many places."],
        "relation": "complement",
        "point": "x",
    }
    scripted.enqueue(reply, {"overview": ["They flow."]})
    cross = synthesize([wang, other], scripted, context_window=8192, max_tokens=500)
    asked = scripted.history[0][1]["content"]
    assert "[source 000] Wang argues the two flow like water." in asked
    assert "She argues" not in asked
    # strict: the summary the group's statements do not state is rebuilt from them
    assert cross.themes[0].summary.text.startswith("Source 000: Wang argues the two flow")
    scripted.enqueue(reply, {"overview": ["They flow."]})
    cross = synthesize([wang, other], scripted, context_window=8192, max_tokens=500, policy=LENIENT)
    listed = [a.text for t in cross.themes for a in t.by_source]
    assert "Wang argues the two flow like water." in listed
