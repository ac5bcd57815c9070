"""One theme per subject the model titles alike; no statement from the episode's list of
contents; an overview that gave way to one sentence takes more themes' sentences."""

from __future__ import annotations

from test_repeats import source_brief

from pipeline.models import KeyPoint, Passage, SourceBrief
from pipeline.stages.cross_statements import statements_of
from pipeline.stages.cross_titles import alike_titles
from pipeline.stages.synthesize import synthesize
from pipeline.text import sentences_of


def test_titles_alike_are_the_same_content_words_in_any_order() -> None:
    titles = ["Open Source AI", "Chips", "AI open source.", "", "The", "Open-source AI", "AI"]
    assert alike_titles(titles) == [[0, 2, 5], [1], [3], [4], [6]]


def test_groups_the_model_titles_alike_are_one_cross_source_theme(scripted) -> None:
    """The seeds' cold run had two subjects on open source, both titled "Open Source AI";
    the second was printed as "I think the view is that China is"."""

    def brief(sid: str, *summaries: str) -> SourceBrief:
        themes = [t for x in summaries for t in source_brief(sid, x).themes]
        themes = [t.model_copy(update={"id": f"{sid}/t{n}"}) for n, t in enumerate(themes, 1)]
        return source_brief(sid, "").model_copy(update={"themes": themes})

    briefs = [
        brief("001", "Open weights spread fast.", "Smuggled chips reach labs."),
        brief("002", "Open weights spread fast online.", "Smuggled chips reach labs in Shenzhen."),
    ]

    def respond(stage, messages):
        if "overview" in messages[0]["content"]:
            return {"overview": ["Labs publish open weights."]}
        said = "chips" if "chips" in messages[1]["content"] else "weights"
        summary = ["Smuggled chips reach labs."] if said == "chips" else ["Open weights spread."]
        return {"title": "Open Source AI", "summary": summary, "relation": "agree", "point": "x"}

    scripted.responder = respond
    cross = synthesize(briefs, scripted, context_window=8192, max_tokens=500)
    calls = [m for m in scripted.history if "overview" not in m[0]["content"]]
    assert len(calls) == 2  # two subjects asked, one theme printed
    [theme] = cross.themes
    assert theme.title == "Open Source AI" and theme.summary.source_ids == ["001", "002"]
    assert sorted(sentences_of(theme.summary.text)) == [
        "Open weights spread.",
        "Smuggled chips reach labs.",
    ]


def test_a_point_cut_from_the_episodes_contents_is_no_cross_source_statement() -> None:
    """004's "In this wide ranging conversation we cover the major AI players in China,
    ..., the Chinese public's engagement with AI products, the state of AI regulation ..."
    gave the map point from its salient clause, and the 1.5B a cross-source theme on it."""
    contents = (
        "In this wide ranging conversation we cover the major AI players in China, the "
        "Chinese public's engagement with AI products, the state of AI regulation in China"
    )
    cite = Passage(
        source_id="004", char_start=9, char_end=99, line_start=31, line_end=34, text=contents
    )
    point = KeyPoint(
        id="004:0000/p1",
        text=contents.split(", ", 1)[1],
        importance=3,
        evidence=[cite],
    )
    said = [s.text for s in statements_of(source_brief("004", "Labs share weights."), [point])]
    assert said == ["Labs share weights."]


def test_an_overview_that_gave_way_to_one_sentence_takes_themes_sentences_up_to_three() -> None:
    """The 1.5B's overview of the seeds' nine subjects was one sentence, "The data sources
    discuss various aspects of China's AI industry, including ...": it gave way to the
    first theme's sentence, and the overview was that one sentence."""
    from test_synthesize import said

    from pipeline.stages.overview_sentences import stated_overview

    chips = "Smuggled chips reach labs in Shenzhen."
    weights = "Open weights spread fast among labs."
    rules = "Only 40 apps have been approved under the AI rules."
    group = [
        said("001", 1, chips, chips),
        said("002", 2, weights, weights),
        said("004", 3, rules, rules),
    ]
    vague = "The data sources discuss various aspects of China's AI industry."
    assert (
        stated_overview(vague, group, [chips, weights, rules], 0.6) == f"{chips} {weights} {rules}"
    )
    assert stated_overview(chips, group, [chips, weights, rules], 0.6) == chips  # as written


def test_a_stand_in_title_is_its_first_sentences_subject() -> None:
    """Cut at eight words, "Commoditize your complement is this idea of different layers
    where value can accrue." titled its theme "Commoditize your complement is this idea
    of different"; a subject with a clause in it is no title."""
    from pipeline.stages.cross_statements import Statement
    from pipeline.stages.cross_titles import stand_in_title

    said = Statement(
        source_id="001",
        theme_id="001/t1",
        text="Commoditize your complement is an old strategy of Meta.",
        citations=[],
    )
    summary = (
        "Source 001: Commoditize your complement is this idea of different layers where "
        "value can accrue. Source 002: Meta opened its models."
    )
    assert stand_in_title(summary, [said]) == "Commoditize your complement"
    clause = "The speaker emphasizes that China is leading this innovation in manufacturing."
    assert stand_in_title(clause, [said]) == "Commoditize your complement is an old strategy of"
