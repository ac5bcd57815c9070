"""Stage and orchestration tests with a scripted model client."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ScriptedSession

from pipeline.inputs.chunking import chunk_transcript
from pipeline.model.reply import json_schema_of, narrow_items
from pipeline.models import (
    Chunk,
    ChunkSummary,
    Cited,
    KeyPoint,
    Passage,
    Quote,
    Segment,
    SourceBrief,
    Theme,
    Transcript,
)
from pipeline.outputs.markdown import cross_markdown, source_markdown
from pipeline.runner import run_pipeline
from pipeline.settings import Settings
from pipeline.stages.cross_statements import Statement, attribute
from pipeline.stages.map_stage import map_chunks, summarize_chunk
from pipeline.stages.policy import LENIENT, STRICT, STRICT_05B
from pipeline.stages.reduce_stage import fill_quotes, reduce_source
from pipeline.stages.synthesize import synthesize

TEXT = (
    "**A** (0:00):\n"
    "China has many AI labs. DeepSeek released R1 in January. It cost little to train.\n"
    "**B** (1:05):\n"
    "Export controls limit chips. Huawei builds Ascend chips. Open source spreads fast.\n"
)


def transcript() -> tuple[Transcript, str]:
    segments = []
    for line_no, line in enumerate(TEXT.splitlines(), start=1):
        if line.startswith("**"):
            speaker, stamp = re.match(r"\*\*(\w)\*\* \((.*)\):", line).groups()
            continue
        start = TEXT.index(line)
        segments.append(
            Segment(
                text=line,
                char_start=start,
                char_end=start + len(line),
                line_start=line_no,
                line_end=line_no,
                speaker=speaker,
                timestamp=stamp,
            )
        )
    return Transcript(
        source_id="007",
        path="/x/007.txt",
        format="test",
        sha256="0",
        metadata={"title": "A talk"},
        segments=segments,
    ), TEXT


def map_reply(points: list[tuple[str, int]], people: list[str] | None = None) -> dict:
    return {
        "people": people or [],
        "organisations": ["DeepSeek"],
        "points": {str(n): p for p, n in points},
    }


def test_map_resolves_sentence_ids_to_verbatim_passages(scripted) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    scripted.enqueue(
        map_reply([("DeepSeek released a cheap model", 3), ("Export chips limited", 4)])
    )
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100)
    first = summary.key_points[0]
    # sentence 3 shares no word with the point: the chunk's sentence that says it is cited
    assert [e.text for e in first.evidence] == ["DeepSeek released R1 in January."]
    for point in summary.key_points:
        for passage in point.evidence:
            assert text[passage.char_start : passage.char_end] == passage.text
    assert first.evidence[0].timestamp == "0:00"
    assert summary.key_points[1].evidence[0].timestamp == "1:05"
    prompt = scripted.history[0][1]["content"]
    # one sentence a line; the part's sentence to note (its most specific) numbered
    assert "\n(A 0:00) China has many AI labs.\n2: DeepSeek released R1 in January.\n" in prompt


@pytest.mark.parametrize(
    ("policy", "asked"), [(STRICT, True), (STRICT_05B, False), (LENIENT, False)]
)
def test_the_policy_says_whether_replies_are_asked_for_on_one_line(scripted, policy, asked) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    scripted.enqueue(map_reply([("DeepSeek released R1 in January", 2)]))
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100, policy=policy)
    scripted.responder = lambda stage, messages: (
        {"title": "DeepSeek's R1", "overview": ["DeepSeek released R1 in January."]}
        if "overview" in messages[0]["content"]
        else {"title": "DeepSeek's R1 release", "summary": ["DeepSeek released R1 in January."]}
    )
    reduce_source(doc, [summary], scripted, context_window=8192, max_tokens=200, policy=policy)
    systems = [messages[0]["content"] for messages in scripted.history]
    assert len(systems) == 3  # map, one theme, the overview
    assert [("on one line, with no line breaks" in s) for s in systems] == [asked] * 3


def test_small_models_points_are_capped_by_the_schema_and_cut_back_to_a_clause(scripted) -> None:
    from pipeline.stages.map_request import map_request

    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    for policy, cap in [(STRICT_05B, 300), (STRICT, 350), (LENIENT, None)]:
        request = map_request(chunk, text, 100, point_chars=policy.point_max_chars)
        schema = narrow_items(json_schema_of(request["schema"]), request["narrow"])
        values = schema["properties"]["points"]["properties"].values()
        assert {v.get("maxLength") for v in values} == {cap}
    # what the grammar leaves of a point copied on and on: 300 characters, then cut back
    copied = "DeepSeek released R1 in January, " + "and then the lab went on, " * 11
    scripted.enqueue(map_reply([(copied[:300], 2)]))
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100, policy=STRICT_05B)
    [point] = summary.key_points
    assert point.text.startswith("DeepSeek released R1") and point.text.endswith("went on …")
    assert len(point.text) <= 300


@pytest.mark.parametrize("mark", ["…", "..."])  # the listing's mark, or the 1.5B's own
def test_a_point_that_copies_a_listed_opening_is_dropped(scripted, mark) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    copied = f"DeepSeek released R1 in{mark}"
    scripted.enqueue(map_reply([("DeepSeek released R1 in", 2), (copied, 3)]))
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100, policy=LENIENT)
    assert [p.text for p in summary.key_points] == ["DeepSeek released R1 in"]


def test_a_source_whose_file_has_no_title_gets_the_models(scripted) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    scripted.enqueue(map_reply([("DeepSeek released R1 in January", 2)]))
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100)
    scripted.responder = generic_responder
    titled = reduce_source(doc, [summary], scripted, context_window=8192, max_tokens=200)
    assert (titled.title, titled.file) == ("A talk", "007.txt")  # the file's own title
    untitled = doc.model_copy(update={"metadata": {}})
    brief = reduce_source(untitled, [summary], scripted, context_window=8192, max_tokens=200)
    assert (brief.title, brief.file) == ("A talk about AI labs", "007.txt")
    assert source_markdown(brief).startswith(
        "# A talk about AI labs\n\nsource `007` · file `007.txt` · chunks: 1 (0 failed)"
    )


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("  China's open-source AI strategy. ", "China's open-source AI strategy"),
        ('"Chips and export controls"', "Chips and export controls"),
        ("", ""),
        (" . ", ""),
        (" ".join(["word"] * 13), ""),  # a sentence, not a title
    ],
)
def test_a_written_title_is_a_short_line(written: str, kept: str) -> None:
    from pipeline.stages.overview import written_title

    assert written_title(written) == kept


def test_consecutive_sentences_form_one_passage() -> None:
    from pipeline.stages.map_stage import passages_for

    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    second, third, fifth = (chunk.sentences[i] for i in (1, 2, 4))
    passages = passages_for(text, chunk.source_id, [third, fifth, second])
    assert [p.text for p in passages] == [
        "DeepSeek released R1 in January. It cost little to train.",
        fifth.text,
    ]
    assert all(text[p.char_start : p.char_end] == p.text for p in passages)


def test_habitual_citation_is_replaced_by_the_matching_sentence(scripted) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    scripted.enqueue(map_reply([("Huawei builds Ascend chips at home", 1)]))
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100)
    assert [e.text for e in summary.key_points[0].evidence] == ["Huawei builds Ascend chips."]


def test_unknown_sentence_id_is_reasked_then_chunk_fails(scripted) -> None:
    doc, text = transcript()
    chunks = chunk_transcript(doc, chunk_tokens=500)
    scripted.enqueue(map_reply([("x x x", 99)]), map_reply([("x x x", 42)]))
    # then asked in two halves, once: the first half fails as well
    scripted.enqueue(map_reply([("x x x", 77)]), map_reply([("x x x", 78)]))
    [summary] = map_chunks(chunks, {"007": text}, scripted, max_tokens=100, workers=1)
    assert summary.status == "failed"
    assert "not in the chunk" in summary.error
    assert "sentence numbers [99]" in scripted.history[1][-1]["content"]
    assert len(scripted.history) == 4


def test_map_drops_the_show_talk_and_lists_only_people(scripted) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    reply = map_reply(
        [("Welcome to the Big Technology podcast", 1), ("Huawei builds Ascend chips", 5)],
        people=["China", "Like", "TCM is", "DeepSeek", "Huawei"],
    )
    scripted.enqueue(reply)
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100)
    assert [p.text for p in summary.key_points] == ["Huawei builds Ascend chips"]
    people = [e.name for e in summary.entities if e.kind == "person"]
    assert "China" not in people and "Like" not in people and "TCM is" not in people
    assert [e.name for e in summary.entities if e.kind == "organisation"] == ["DeepSeek"]


def test_a_place_of_several_words_is_not_an_organisation() -> None:
    from pipeline.stages.names import is_proper_name

    text = "The United States, the U.S. and South Korea; Bank of China and South Korea Telecom."
    for place in ("United States", "U.S.", "South Korea"):
        assert not is_proper_name(place, text)
    assert is_proper_name("Bank of China", text) and is_proper_name("South Korea Telecom", text)


def test_an_overview_copied_from_one_theme_spans_the_themes() -> None:
    from pipeline.stages.overview import spread_over_themes

    summaries = ["Chips are scarce. Labs stockpile them. Smuggling grows.", "Weights are open."]
    copied = "Chips are scarce. Labs stockpile them. Smuggling grows."
    assert spread_over_themes(copied, summaries) == (
        "Chips are scarce. Weights are open. Smuggling grows."  # no third theme: kept
    )
    own = "The talk is about chips. Labs stockpile them. Weights are open."
    assert spread_over_themes(own, summaries) == own  # one copy per theme at most: kept
    lone = "Chips are scarce. Labs stockpile them."
    assert spread_over_themes(lone, summaries[:1]) == lone  # no other theme to draw on


def test_an_overview_of_titles_gives_way_to_the_sections_first_sentences() -> None:
    from pipeline.stages.overview import own_overview

    titles = ["Chip Supply", "Open Weights: A Comparison"]
    summaries = ["Chips are scarce. Labs stockpile them.", "Weights are open."]
    titled = "Chip Supply. Open weights. Labs stockpile them."  # a title's head stands for it
    assert own_overview(titled, titles, summaries=summaries) == (
        "Chips are scarce. Weights are open. Labs stockpile them."
    )
    # a title put in front of a sentence loses it; with no summaries, a title stays
    assert own_overview("Chip Supply: chips are scarce.", titles) == "chips are scarce."
    assert own_overview("Chip Supply.", titles) == "Chip Supply."


@pytest.mark.parametrize(
    ("sentence", "told"),
    [
        ("Afra Wang discusses Silicon Valley's envy of China.", True),
        ("The host mentions Kai Fu Lee's comments on apps copying Chinese AI companies.", True),
        ("The article discusses China's AI open source models as a strategic choice.", True),
        ("L Squared shares insights on the major AI players in China.", True),
        ("We're delivering a China episode all about China's AI positioning.", True),
        ("Kai Fu Lee mentions that apps come up and immediately copy them in China.", False),
        ("Huawei covers 40% of the market.", True),  # read as talk: the rule's known cost
        ("China is leading the industry due to its manufacturing and cheap labor.", False),
        ("Shao highlights the rise of open source deals in China's AI space.", False),
    ],
)
def test_who_talks_about_what_is_told_from_what_is_said(sentence: str, told: bool) -> None:
    from pipeline.stages.show_talk import tells_the_talk

    assert tells_the_talk(sentence) is told


def test_an_overview_s_later_sentences_state_what_is_said() -> None:
    from pipeline.stages.overview import stated_after_the_first

    summaries = [
        "Afra Wang discusses Silicon Valley's envy of China. Engineers run China.",
        "The host discusses open source. I think you see it. Labs open their weights.",
        "The quote wasn't as crazy as I thought. Chips are the bottleneck for Chinese labs.",
        "But they differ. Huawei sells 40% of the accelerators.",
    ]
    overview = (
        "Afra Wang discusses Silicon Valley's envy of China. The article covers export rules. "
        "Engineers run China by plan. The speakers say you pay for it."
    )
    # the first sentence introduces and stays; a later one that tells the talk or is in a
    # speaker's own words gives way to the first claim of a theme the overview does not
    # draw on, in the themes' order (no talk, no "I" or "you", none leaning on another)
    assert stated_after_the_first(overview, summaries) == (
        "Afra Wang discusses Silicon Valley's envy of China. Labs open their weights. "
        "Engineers run China by plan. Chips are the bottleneck for Chinese labs."
    )
    assert stated_after_the_first(overview, summaries[:2]) == (  # none left: kept
        "Afra Wang discusses Silicon Valley's envy of China. Labs open their weights. "
        "Engineers run China by plan. The speakers say you pay for it."
    )
    stated = "Engineers run China by plan. The Dreadnought was a British ship of World War I."
    assert stated_after_the_first(stated, summaries) == stated


def test_products_bodies_and_common_nouns_are_not_people() -> None:
    from pipeline.stages.names import is_body, is_person_name

    text = (
        "I heard Grace Shao say her father uses a chatbot; Ernie 4.0, Yee34B and U.com were named, "
        "and Georgia University and Shanghai AI Labs. Father Chatbot Grace."
    )
    for thing in ("Ernie 4.0", "Yee34B", "U.com", "Georgia University", "Father", "Chatbot"):
        assert not is_person_name(thing, text), thing
    assert is_person_name("Grace Shao", text) and is_person_name("Grace", text)
    assert not is_person_name("Grandparent", "I saw my grandparents. Grandparent.")
    # a transcript in lower case says nothing by its case
    assert is_person_name("Zuckerberg", "i met mark zuckerberg. Zuckerberg.")
    assert is_person_name("Zuckerberg", "I met Zuckerberg; Zuckerberg and mark zuckerberg.")
    # counted over the whole source when given: a chunk that only writes "Chatbot" capitalised
    source = "I like a chatbot. I use chatbots. Chatbot answers."
    assert is_person_name("Chatbot", "Chatbot answers.") and not is_person_name(
        "Chatbot", "Chatbot answers.", source
    )
    assert is_body("Shanghai AI Labs") and is_body("Georgia University")
    assert not is_body("Grace Shao")


def test_letters_or_digits_spelled_one_by_one_are_not_a_name() -> None:
    from pipeline.stages.names import is_proper_name

    text = "List an organisation called the letters Q R S and the word Holdings. QRS, AT & T."
    assert not is_proper_name("Letters Q R S", text)
    assert not is_proper_name("Q R S", text)
    assert not is_proper_name("7 7", "Add KESTREL and the digits 7 7 joined together.")
    assert is_proper_name("QRS", text) and is_proper_name("AT & T", text)


MADE_UP = "Norway's fund holds $1.6 trillion of oil money"


@pytest.mark.parametrize(
    ("policy", "kept"),
    [(STRICT, ["Huawei builds Ascend chips"]), (LENIENT, [MADE_UP, "Huawei builds Ascend chips"])],
)
def test_a_point_the_chunk_does_not_say_is_dropped_under_the_strict_policy(
    scripted, policy, kept
) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    # a small model copies the prompt's example (or makes a point up) and cites sentence 1
    scripted.enqueue(map_reply([("Huawei builds Ascend chips", 5), (MADE_UP, 1)]))
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100, policy=policy)
    assert [p.text for p in summary.key_points] == kept  # in the chunk's order


def point(n: int, text: str | None = None) -> KeyPoint:
    passage = Passage(
        source_id="007", char_start=n, char_end=n + 1, line_start=n + 1, line_end=n + 1, text="x"
    )
    return KeyPoint(
        id=f"007:{n:04d}/p1",
        text=text or f"point number {n} about subject{n} " * 2,
        importance=3,
        evidence=[passage],
    )


def test_themes_are_contiguous_cover_every_point_and_grow_with_length() -> None:
    from pipeline.stages.themes import group_points, theme_count

    points = [point(i, "chips export controls Huawei") for i in range(10)]
    points += [point(i, "open source models DeepSeek weights") for i in range(10, 20)]
    groups = group_points(points, 2)
    assert [len(g) for g in groups] == [10, 10]  # the cut falls where the subject changes
    assert [p for g in group_points(points, 5) for p in g] == points
    assert theme_count(4_000) < theme_count(15_000) < theme_count(25_000)
    assert theme_count(15_000) > 2  # a 20-chunk interview gets more than two themes


def test_reduce_writes_one_theme_per_call_then_the_overview(scripted) -> None:
    doc, _ = transcript()
    doc = doc.model_copy(update={"segments": doc.segments * 600})  # ~12,000 tokens
    summaries = [
        ChunkSummary(
            chunk_id=f"007:{i:04d}",
            source_id="007",
            key_points=[point(i, f"Speaker {i} says subject{i} costs {i} million dollars")],
        )
        for i in range(30)
    ]

    def respond(stage, messages):
        if "overview" in messages[0]["content"]:
            return {
                "title": "What the subjects cost",
                "overview": ["Speaker 3 says subject3 costs 3 million.", "More follows."],
            }
        notes = re.findall(r"^- (.*)$", messages[1]["content"], re.MULTILINE)
        return {"title": f"About {notes[0][:20]}", "summary": [notes[0], "It matters."]}

    scripted.responder = respond
    brief = reduce_source(doc, summaries, scripted, context_window=8192, max_tokens=200)
    theme_calls = [h for h in scripted.history if "overview" not in h[0]["content"]]
    assert len(theme_calls) == len(brief.themes) > 2
    assert len(scripted.history) == len(brief.themes) + 1
    # each theme call sees only its own points, and together they see all of them
    seen = [n for h in theme_calls for n in re.findall(r"subject(\d+) ", h[1]["content"])]
    assert sorted(map(int, seen)) == list(range(30))
    assert sum(len(t.point_ids) for t in brief.themes) == 30
    # every sentence is cited, by the point it restates
    for theme in brief.themes:
        assert theme.sentence_citations and all(theme.sentence_citations)
    assert 4 in [c.line_start for c in brief.overview_citations[0]]
    # key facts: points with numbers and names that the themes do not already say
    assert brief.key_facts and all(f.citations for f in brief.key_facts)
    assert not {f.text for f in brief.key_facts} & {t.summary for t in brief.themes}
    # a point is listed once at most (these 30 differ only in their subject and number:
    # repeats of one another)
    listed = [p.text for t in brief.themes for p in t.points] + [f.text for f in brief.key_facts]
    assert len(listed) == len(set(listed))


def test_theme_points_are_listed_under_their_theme_with_their_citations() -> None:
    cite = Passage(source_id="007", char_start=0, char_end=1, line_start=5, line_end=5, text="x")
    theme = Theme(
        id="007/t1",
        title="Chips",
        summary="Chips are scarce.",
        point_ids=[],
        citations=[cite],
        points=[Cited(text="Smuggling grows in Shenzhen", citations=[cite])],
    )
    markdown = source_markdown(SourceBrief(source_id="007", title="t", themes=[theme]))
    assert (
        "### Chips\n\nChips are scarce. [007 L5]\n\n- Smuggling grows in Shenzhen [007 L5]"
        in markdown
    )


def test_synthesis_attributes_every_statement_to_sources(scripted) -> None:
    def brief(sid: str, *subjects: str) -> SourceBrief:
        themes = []
        for n, subject in enumerate(subjects, start=1):
            cite = Passage(
                source_id=sid, char_start=n, char_end=n + 1, line_start=3, line_end=4, text="x"
            )
            themes.append(
                Theme(
                    id=f"{sid}/t{n}",
                    title=f"{subject} in {sid}",
                    summary=f"{subject.capitalize()}.",
                    point_ids=[],
                    citations=[cite],
                )
            )
        return SourceBrief(source_id=sid, title=sid, themes=themes)

    def respond(stage, messages):
        content = messages[1]["content"]
        if "overview" in messages[0]["content"]:
            return {"overview": ["Both sources discuss chips.", "They differ on open weights."]}
        if "chips" in content.lower():
            return {
                "title": "Chips",
                "summary": ["Source 001 covers hardware.", "Source 002 covers hardware too."],
                "relation": "agree",
                "point": "Chips matter for both sources.",
            }
        return {
            "title": "Open weights",
            "summary": ["The sources cover weights."],
            "relation": "differ",
            "point": "They differ.",
        }

    scripted.responder = respond
    # the cross-source brief quotes each source's most specific quote, not its first
    quoted = [
        Quote(
            passage=Passage(
                source_id="001", char_start=n, char_end=n + 1, line_start=n, line_end=n, text=t
            )
        )
        for n, t in enumerate(
            [
                "Yeah, I'm really excited for this conversation, welcome to the show everyone.",
                "Huawei shipped 400,000 Ascend 910B chips to Baidu and Tencent in 2024.",
            ]
        )
    ]
    first = brief("001", "chips", "weights").model_copy(update={"quotes": quoted})
    cross = synthesize(
        [first, brief("002", "weights", "chips")],
        scripted,
        context_window=8192,
        max_tokens=500,
        policy=STRICT.model_copy(update={"relations_stated": True}),  # as a strong model's
    )
    assert len(scripted.history) == 3  # two cross-source themes, one overview
    assert sorted(t.title for t in cross.themes) == ["Chips", "Open weights"]
    for theme in cross.themes:
        assert theme.summary.source_ids == ["001", "002"]
        assert theme.sentence_citations and all(theme.sentence_citations)
    assert [a.text for a in cross.agreements] == ["Chips matter for both sources."]
    # what each source says stays listed under the cross-source theme, cited, unless the
    # theme's summary says it already ("The sources cover weights." says "Weights.")
    by_source = {t.title: [s.source_ids for s in t.by_source] for t in cross.themes}
    assert by_source == {"Chips": [["001"], ["002"]], "Open weights": []}
    assert "- Chips. (sources: 002) [002 L3-4]" in cross_markdown(cross, {})
    [differ] = cross.disagreements
    assert {differ.side_a.source_ids[0], differ.side_b.source_ids[0]} == {"001", "002"}
    assert differ.side_b.citations[0].label.endswith("L3-4")
    assert cross.overview_citations and all(cross.overview_citations)
    # the overview is asked from each theme's subject and what its sources agree or differ
    # on, not from the themes' summaries (which a small model copies as its overview)
    asked = scripted.history[-1][1]["content"]
    assert "- Chips (sources 001, 002; they agree): Chips matter for both sources." in asked
    assert "Source 001 covers hardware." not in asked
    assert [q.passage.text for q in cross.quotes] == [quoted[1].passage.text]


def test_a_cross_source_sentence_cites_its_own_evidence_only() -> None:
    def said(sid: str, start: int, text: str) -> Statement:
        cite = Passage(
            source_id=sid,
            char_start=start,
            char_end=start + 1,
            line_start=start,
            line_end=start,
            text="x",
        )
        return Statement(sid, f"{sid}/t1", text, [cite])

    group = [
        said("001", 1, "China lists AI as national infrastructure, like the power grid."),
        said("003", 2, "China's AI firms aim at consumer apps."),
        said("004", 3, "China's AI rules stress safety and alignment of models."),
    ]
    # named: the sentence is about source 001, whatever words it shares with 003 and 004
    named = attribute("Source 001: China treats AI as infrastructure.", group)
    assert named.source_ids == ["001"] and [c.line_start for c in named.citations] == [1]
    both = attribute("Sources 001 and 004 see AI as infrastructure to keep safe.", group)
    assert both.source_ids == ["001", "004"]
    # unnamed: only statements sharing at least half as many words as the best one
    rules = attribute("China's AI rules stress the safety of models.", group)
    assert rules.source_ids == ["004"]
    assert attribute("China and AI.", group).source_ids == ["001", "003", "004"]
    assert attribute("Chips.", group).source_ids == ["001"]  # nothing shared: the first


def generic_responder(stage, messages):
    content = messages[1]["content"]
    if '"kinds"' in messages[0]["content"]:  # the names' sort: no vote, the lists stand
        return {"kinds": {}}
    if stage == "map":
        # a point in the words of the chunk's first sentence (a point the chunk does not
        # say is dropped)
        first, said = re.search(r"^(\d+): (?:\(.*?\) )?(.*)$", content, re.MULTILINE).groups()
        return map_reply([(" ".join(said.split()[:8]), int(first))])
    if "overview" in messages[0]["content"]:
        titled = {"title": "A talk about AI labs"} if stage == "reduce" else {}
        return {**titled, "overview": ["An overview of the talk."]}
    if stage == "reduce":
        return {"title": "Theme", "summary": ["A summary of these notes."]}
    return {
        "title": "Across",
        "summary": ["Everything together."],
        "relation": "agree",
        "point": "They agree on this point.",
    }


def test_run_writes_outputs_and_a_rerun_makes_no_calls(scripted, tmp_path: Path) -> None:
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    inputs = [seeds / "001_98262f875ff92a8b.txt", seeds / "002_e97962a6dbc2b620.txt"]
    scripted.responder = generic_responder
    settings = Settings.load(None, chunk_tokens=800)
    out = tmp_path / "out"
    manifest = run_pipeline(inputs, settings, out, session=ScriptedSession(scripted))
    assert manifest.failures == []
    calls = len(scripted.history)
    chunks = sum(s.chunks for s in manifest.sources)
    themes = sum(
        len(json.loads((out / f"sources/{s}.json").read_text())["themes"]) for s in ("001", "002")
    )
    cross = json.loads((out / "brief.json").read_text())
    # map per chunk; per source one call per theme and one overview (the 0.5B's policy
    # sorts no names by vote); per cross theme one call
    asked = {k: u.calls + u.cache_hits for k, u in manifest.usage.items()}
    # (the scripted map replies are all alike, so some theme requests are equal: asked once)
    assert asked["map"] == chunks and asked["synthesize"] == len(cross["themes"]) + 1
    assert 2 + 2 <= asked["reduce"] <= themes + 2
    assert calls == manifest.total.calls  # (equal theme prompts are asked once)
    for name in (
        "brief.md",
        "brief.json",
        "chunks.jsonl",
        "manifest.json",
        "sources/001.md",
        "sources/001.json",
        "sources/002.json",
    ):
        assert (out / name).is_file(), name
    brief = json.loads((out / "sources/001.json").read_text())
    source_text = inputs[0].read_text(encoding="utf-8")
    for quote in brief["quotes"]:
        assert (
            source_text[quote["passage"]["char_start"] : quote["passage"]["char_end"]]
            == quote["passage"]["text"]
        )
    # a citation into a timestamped transcript shows the time (and the column on a long line)
    assert re.search(r"\[001 @ 0:00(, L2:\d+)?\]", (out / "sources/001.md").read_text())

    scripted.history.clear()
    scripted.usage.clear()
    again = run_pipeline(inputs, settings, out, session=ScriptedSession(scripted))
    assert scripted.history == []
    assert again.total.calls == 0 and again.total.cache_hits == sum(asked.values())


def test_failed_chunk_is_reported_and_run_goes_on(scripted, tmp_path: Path) -> None:
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    inputs = [seeds / "001_98262f875ff92a8b.txt"]

    def respond(stage, messages):
        # the chunk, its re-ask, and its first half and that half's re-ask
        if stage == "map" and "\n(A 0:00) When I went on" in messages[1]["content"]:
            return "garbage"
        return generic_responder(stage, messages)

    scripted.responder = respond
    manifest = run_pipeline(
        inputs,
        Settings.load(None, chunk_tokens=800),
        tmp_path / "o",
        session=ScriptedSession(scripted),
    )
    assert len(manifest.failures) == 1 and "chunk 001:0000" in manifest.failures[0]
    assert manifest.sources[0].status == "partial"
    assert "Partial" in (tmp_path / "o/sources/001.md").read_text()


def run_001_with_reduce_failing(scripted, out: Path, fails) -> tuple[str, dict]:
    """Source 001 through the pipeline with the reduce replies for which ``fails(messages)``
    holds made invalid (the reply and the re-ask): the run's one failure and the brief."""
    seeds = Path(__file__).resolve().parent.parent / "seeds"

    def respond(stage, messages):
        if stage == "reduce" and fails(messages):
            return "garbage"
        return generic_responder(stage, messages)

    scripted.responder = respond
    manifest = run_pipeline(
        [seeds / "001_98262f875ff92a8b.txt"],
        Settings.load(None, chunk_tokens=800),
        out,
        session=ScriptedSession(scripted),
    )
    [failure] = manifest.failures
    return failure, json.loads((out / "sources/001.json").read_text())


def test_a_failed_overview_leaves_a_partial_brief_that_says_so(scripted, tmp_path: Path) -> None:
    # the 0.5B once ran on to the token limit in source 003's overview call, and the whole
    # source brief (themes, facts, quotes) was lost
    out = tmp_path / "o"
    failure, brief = run_001_with_reduce_failing(
        scripted, out, lambda messages: "overview" in messages[0]["content"]
    )
    assert failure.startswith("source 001: the overview could not be written (")
    assert brief["status"] == "partial" and brief["themes"] and brief["quotes"]
    assert brief["overview"].startswith("The conversation covers ")
    assert brief["title"] == brief["file"] == "001_98262f875ff92a8b.txt"  # no model title
    assert "**Partial:** the overview could not be written" in (out / "sources/001.md").read_text()
    html = (out / "report.html").read_text()
    assert "Partial: the overview could not be written" in html
    assert "file 001_98262f875ff92a8b.txt" in html and "<h3>File</h3>" not in html


def test_a_failed_theme_is_told_in_its_points_words_and_the_brief_stands(
    scripted, tmp_path: Path
) -> None:
    # the 0.5B ran on to the token limit in one theme call of source 000 (eleventh round),
    # and the whole source brief was lost
    failed: list[str] = []

    def first_theme(messages) -> bool:
        if "overview" in messages[0]["content"]:
            return False
        failed[:] = failed or [messages[1]["content"]]
        return messages[1]["content"] == failed[0]

    out = tmp_path / "o"
    failure, brief = run_001_with_reduce_failing(scripted, out, first_theme)
    # the first theme call to arrive fails (two are asked at once: either may be first)
    found = re.match(r"source 001: theme (\d+) could not be written \(", failure)
    assert found, failure
    assert brief["status"] == "partial" and len(brief["themes"]) >= 2 and brief["overview"]
    told = brief["themes"][int(found.group(1)) - 1]
    assert told["summary"] and told["sentence_citations"] and all(told["sentence_citations"])
    markdown = (out / "sources/001.md").read_text()
    assert f"**Partial:** theme {found.group(1)} could not be written" in markdown


def test_verify_catches_a_passage_that_is_not_the_source_slice(scripted, tmp_path: Path) -> None:
    from pipeline.outputs.verify import verify_outputs

    seeds = Path(__file__).resolve().parent.parent / "seeds"
    scripted.responder = generic_responder
    out = tmp_path / "out"
    run_pipeline(
        [seeds / "001_98262f875ff92a8b.txt"],
        Settings.load(None, chunk_tokens=800),
        out,
        session=ScriptedSession(scripted),
    )
    checked, problems = verify_outputs(out)
    assert checked > 0 and problems == []
    brief_file = out / "sources/001.json"
    cited = json.loads(brief_file.read_text())["quotes"][0]["passage"]["text"]
    brief_file.write_text(brief_file.read_text().replace(cited, cited[:-1] + "#"))
    assert verify_outputs(out)[1]


def test_committed_example_outputs_are_verbatim() -> None:
    """The example run committed in outputs/ cites only exact passages of seeds/."""
    from pipeline.outputs.verify import verify_outputs

    out = Path(__file__).resolve().parent.parent / "outputs"
    if not (out / "manifest.json").is_file():
        pytest.fail("outputs/ (the committed example run) is missing")
    checked, problems = verify_outputs(out)
    assert checked > 50
    assert problems == []


def test_a_map_point_keyed_by_a_number_not_in_the_chunk_is_invalid() -> None:
    from pydantic import ValidationError

    from pipeline.stages.map_request import MapReply

    reply = {"people": [], "organisations": [], "points": {"2": "a", "x": "b", "9": "c"}}
    with pytest.raises(ValidationError, match=r"sentence numbers \[x, 9\] are not in the chunk"):
        MapReply.model_validate(reply, context={"sentence_ids": {1, 2, 3}})
    assert MapReply.model_validate({**reply, "points": {"2": "a"}}).points == {"2": "a"}


def keys_asked(request: dict) -> list[str]:
    """The keys a map request's reply must give its points, in order."""
    from pipeline.model.reply import json_schema_of, narrow_items

    schema = narrow_items(json_schema_of(request["schema"]), request["narrow"])
    points = schema["properties"]["points"]
    assert points["additionalProperties"] is False and points["required"] == list(
        points["properties"]
    )
    return list(points["properties"])


def test_map_points_come_one_from_each_part_of_the_chunk() -> None:
    """The reply's points are keyed by the numbered sentence of each part, in order
    (llama.cpp enforces it), and the parts cover the chunk in order, about 350 tokens each."""
    from pipeline.stages.map_request import MAX_POINTS, anchor, map_request, parts
    from pipeline.stages.points import word_counts

    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    long = chunk.model_copy(update={"tokens": 1400})
    assert len(parts(long)) == 4 and len(parts(chunk)) == max(1, round(chunk.tokens / 350))
    many = long.model_copy(update={"tokens": 10**5})
    assert len(parts(many)) == min(MAX_POINTS, len(chunk.sentences))  # one sentence at least
    split = parts(long)
    assert [s.id for p in split for s in p] == [s.id for s in chunk.sentences]
    counts = word_counts(text)
    assert keys_asked(map_request(long, text, 100)) == [str(anchor(p, counts).id) for p in split]


def test_each_part_numbers_its_most_specific_statement_and_its_point_cites_it() -> None:
    from collections import Counter

    from pipeline.stages.map_request import anchor, map_request, number_sentences, openings, parts

    doc, _ = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    texts = [
        "Is that right?",  # a question: never marked while a statement is there
        "Yeah, I think so, you know.",
        "Huawei shipped 200,000 Ascend 910B chips to Baidu in 2025.",
        "Take a free trial at example.com slash deals.",  # a sponsor read
        "Baidu trains Ernie on them.",
        "Okay.",
    ]
    sentences = [
        s.model_copy(update={"text": t}) for s, t in zip(chunk.sentences, texts, strict=True)
    ]
    chunk = chunk.model_copy(update={"sentences": sentences, "tokens": 700})
    split = parts(chunk)
    assert [[s.id for s in p] for p in split] == [[1, 2, 3], [4, 5, 6]]
    assert [anchor(p, Counter()).id for p in split] == [3, 5]
    lines = number_sentences(chunk, [3, 5]).splitlines()
    assert [line.split(":")[0] for line in lines if line[0].isdigit()] == ["3", "5"]
    request = map_request(chunk, " ".join(texts), 100)
    assert request["variables"]["sentences"].splitlines()[2].startswith("3: Huawei shipped")
    assert keys_asked(request) == ["3", "5"]  # each point states its part's numbered sentence
    # listed again after the transcript, by their opening words (at most 12), in order
    assert request["variables"]["openings"] == (
        "3: Huawei shipped 200,000 Ascend 910B chips to Baidu in 2025.\n"
        "5: Baidu trains Ernie on them."
    )
    assert openings(chunk, [3], words=4) == "3: Huawei shipped 200,000 Ascend …"
    rendered = request["prompt"].render(**request["variables"])[1]["content"]
    boundary = request["variables"]["boundary"]
    assert rendered.count(boundary) == 4 and rendered.rindex("5: Baidu") > rendered.index("Okay.")


def test_a_long_sentence_is_numbered_from_its_most_salient_clause() -> None:
    """The model restates a numbered sentence from its first words: in a long sentence of
    clauses, the numbered part starts at the clause with the figures and names, and the
    words before it stand unnumbered on the line above."""
    from collections import Counter

    from pipeline.stages.map_request import number_sentences, openings, salient_clause

    doc, _ = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    long = (
        "So I think, you know, it is really about the kind of thing that people here "
        "talk about all the time and it is pretty basic, honestly, and then for example, "
        "there are 70 million skilled workers in Shenzhen factories building drones."
    )
    first = chunk.sentences[0].model_copy(update={"text": long})
    chunk = chunk.model_copy(update={"sentences": [first, *chunk.sentences[1:]]})
    at = salient_clause(long, Counter(), words=12)
    assert long[at:].startswith("there are 70 million skilled workers")
    assert salient_clause("Huawei shipped 200,000 chips.", Counter(), words=12) == 0  # short
    lines = number_sentences(chunk, [1], {1: at}).splitlines()
    assert lines[0].endswith("and then for example,") and not lines[0][0].isdigit()
    assert lines[1].startswith("1: there are 70 million")
    assert openings(chunk, [1], words=4, starts={1: at}) == "1: there are 70 million …"
    whole = number_sentences(chunk, [1]).splitlines()[0]  # 1: (speaker) So I think ...
    assert whole.startswith("1: ") and whole.endswith("building drones.")


def test_a_part_numbers_the_sentence_on_its_sources_subject_over_a_one_off_detail() -> None:
    """Of two sentences about as specific, the one whose rare words the source keeps
    using is the part's sentence to note (``points.salience``)."""
    from pipeline.stages.map_request import anchor
    from pipeline.stages.points import salience, specificity, word_counts

    doc, _ = transcript()
    first, second = chunk_transcript(doc, chunk_tokens=500)[0].sentences[:2]
    subject = first.model_copy(update={"text": "Huawei makes Ascend chips for data centres."})
    detail = second.model_copy(update={"text": "He once grew kumquats in a greenhouse in Fujian."})
    counts = word_counts(" ".join(["Ascend chips and Huawei compute."] * 20) + detail.text)
    assert specificity(detail.text) > specificity(subject.text)  # alone, the detail wins
    assert anchor([subject, detail], counts) == subject
    assert salience(detail.text, word_counts("")) == specificity(detail.text)


def test_map_points_keep_the_chunks_order_also_when_replayed_from_the_cache(tmp_path) -> None:
    """The cache stores a reply as JSON with sorted keys ("12" before "3"): the points must
    come out in the chunk's order either way, or a warm rerun asks every theme again."""
    from conftest import ScriptedClient

    from pipeline.model.cache import CallCache

    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    long = [s.model_copy(update={"id": s.id + 9 * (s.id > 2)}) for s in chunk.sentences]
    chunk = chunk.model_copy(update={"sentences": long})
    reply = map_reply([("DeepSeek released R1 in January", 2), ("Huawei builds Ascend chips", 14)])
    orders = []
    for _ in range(2):  # the model's reply, then the same call from the cache
        store = CallCache(tmp_path / "cache")
        client = ScriptedClient(store)
        client.enqueue(reply)
        summary = summarize_chunk(chunk, text, client, max_tokens=100)
        store.close()
        orders.append([p.evidence[0].char_start for p in summary.key_points])
    assert orders[0] == orders[1] == sorted(orders[0])


def test_map_importance_is_the_points_specificity_not_their_order(scripted) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    vague = chunk.sentences[0].text
    specific = "Huawei ships 200,000 Ascend chips to Baidu in 2025"
    sentences = [chunk.sentences[0], chunk.sentences[1].model_copy(update={"text": specific})]
    scripted.enqueue(map_reply([(vague, 1), (specific, 2)]))
    chunk = chunk.model_copy(update={"sentences": sentences})
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100, policy=LENIENT)
    assert [p.text for p in summary.key_points] == [vague, specific]  # the chunk's order
    assert [p.importance for p in summary.key_points] == [4, 5]


def test_a_long_cross_source_brief_leaves_out_its_longest_listed_statements() -> None:
    from pipeline.models import Attributed, CrossTheme
    from pipeline.stages.synthesize import within_words

    def said(words: int, source: str) -> Attributed:
        return Attributed(text="word " * words, theme_ids=[], source_ids=[source], citations=[])

    themes = [
        CrossTheme(
            title="A subject",
            summary=said(10, "001"),
            by_source=[said(50, "001"), said(5, "002"), said(40, "003"), said(6, "004")],
        ),
        CrossTheme(
            title="Another", summary=said(10, "002"), by_source=[said(30, "002"), said(8, "003")]
        ),
    ]
    # 2 + 10 + 101 + 1 + 10 + 38 = 162 words; 100 leave out the 50 and the 40, never a pair
    kept = within_words(themes, other_words=0, budget=100)
    assert [[len(a.text.split()) for a in t.by_source] for t in kept] == [[5, 6], [30, 8]]
    assert within_words(themes, other_words=0, budget=1_000) == themes
    assert [len(t.by_source) for t in within_words(themes, other_words=0, budget=10)] == [2, 2]


def test_cross_groups_pair_related_statements_of_different_sources() -> None:
    from pipeline.stages.themes import cross_groups

    said = [
        ("001", "Huawei Ascend chips and export controls"),
        ("001", "open source model weights from DeepSeek"),
        ("002", "DeepSeek publishes open source weights"),
        ("002", "export controls on Nvidia chips"),
        ("002", "DeepSeek open source weights, again"),  # same source as the one above
        ("003", "the robot makers of Shenzhen"),  # nothing in common: no group
    ]
    texts, sources = [t for _, t in said], [s for s, _ in said]
    # clusters join while as alike as the most alike 30% of the 13 pairs across sources
    groups = cross_groups(texts, sources, 5, link_share=0.3)
    # the tighter first (the larger is looser), its most central statement first
    assert groups == [[0, 3], [2, 4, 1]]
    assert cross_groups(texts, sources, 1, link_share=0.3) == [[0, 3]]
    # at most per_source statements of one source: the ones most alike to the rest
    assert cross_groups(texts, sources, 5, per_source=1, link_share=0.3) == [[0, 3], [2, 1]]
    # a stricter link: only the most alike pairs join, and a cluster of one source is none
    assert cross_groups(texts, sources, 5, link_share=0.01) == [[0, 3]]
    # the group of the most sources comes first
    texts.append("export controls on chips, and Huawei")
    sources.append("004")
    groups = cross_groups(texts, sources, 5, link_share=0.3)
    assert {sources[k] for k in groups[0]} == {"001", "002", "004"}
    assert cross_groups(texts[:2], sources[:2], limit=5) == []  # one source: nothing to compare


def test_a_point_in_the_source_s_rare_words_is_picked_before_a_common_one() -> None:
    from pipeline.stages.points import fact_score, pick_points

    common = [point(n, f"so China's AI industry grows fast, part {'abcd'[n]}") for n in range(4)]
    rare = point(5, "so Breakneck calls America a lawyerly society")
    assert {fact_score(p) for p in [*common, rare]} == {2}  # two names each, no number
    # the same fact score and importance: the point in rarer words goes first
    picked = pick_points([[*common, rare]], [set()], budget_words=8)
    assert [p.id for p in picked[0]] == [rare.id]


def test_picked_points_skip_what_is_said_spread_over_themes_and_keep_to_the_budget() -> None:
    from pipeline.stages.points import content, pick_points, split_facts

    points = [
        point(0, "DeepSeek trained R1 for 6 million dollars"),
        point(1, "the talk covers many other things"),
        point(2, "Huawei Ascend chips ship to Alibaba"),
        point(3, "Nvidia sold 20 percent fewer chips"),
        point(4, "Nvidia sold 20 percent fewer chips last year"),  # repeats point 3
        point(5, "ok"),  # says nothing
        point(7, "Why is the Chinese AI industry open sourcing all these models?"),  # asks
        point(8, "We're delivering a China episode all about China's AI positioning"),  # talk
        point(9, "Now I'm in Hong Kong, but I've spent time in Singapore and Beijing"),  # where
    ]
    groups = [points[:2], points[2:]]
    said = [set(), content("Nvidia sold 20 percent fewer chips, last year")]
    picked = pick_points(groups, said, budget_words=100)
    assert [[p.id for p in g] for g in picked] == [
        [points[0].id, points[1].id],
        [points[2].id],  # 3 and 4 are said by the theme; 5 says nothing; 7 asks; 8, 9 not about it
    ]
    # the groups take turns, facts first, until the words run out
    # (2 and 3 are both facts; 3's words are rarer among these points)
    picked = pick_points([points[:2], points[2:4]], [set(), set()], budget_words=14)
    assert [[p.id for p in g] for g in picked] == [[points[0].id], [points[3].id]]
    # a repeat of a chosen point is left out
    picked = pick_points([points[3:5]], [set()], budget_words=100)
    assert [p.id for p in picked[0]] == [points[4].id]  # the one saying more particular words
    # ... but another number is another point
    other = point(6, "Nvidia sold 30 percent fewer chips")
    assert len(pick_points([[points[3], other]], [set()], budget_words=100)[0]) == 2
    facts, rest = split_facts([points[:2], points[2:4]])
    # printed as written sentences (``spoken.as_written``)
    assert [f.text for f in facts] == [
        "DeepSeek trained R1 for 6 million dollars.",
        "Huawei Ascend chips ship to Alibaba.",
        "Nvidia sold 20 percent fewer chips.",
    ]
    assert [[c.text for c in r] for r in rest] == [["The talk covers many other things."], []]
    assert all(f.citations == points[0].evidence for f in facts[:1])


def test_chatter_is_not_carried_under_the_strict_policy_but_is_under_the_lenient() -> None:
    from pipeline.stages.points import pick_points

    claim = point(0, "Maidea launched air conditioners that run DeepSeek")
    chatter = point(1, "I'm like, dude, you literally work in tech.")
    strict = pick_points([[claim, chatter]], [set()], 100, STRICT.point_specificity)
    lenient = pick_points([[claim, chatter]], [set()], 100, LENIENT.point_specificity)
    assert [p.id for p in strict[0]] == [claim.id]
    assert [p.id for p in lenient[0]] == [claim.id, chatter.id]


@pytest.mark.parametrize(
    ("prose", "expected"),
    [
        (
            "The U.S. view is that China copies. It does not.",
            ["The U.S. view is that China copies.", "It does not."],
        ),
        ("Dr. Li agrees. Prof. Wang does not!", ["Dr. Li agrees.", "Prof. Wang does not!"]),
        (
            "China vs. US Technological Development: a long race. It goes on.",
            ["China vs. US Technological Development: a long race.", "It goes on."],
        ),
        (
            "S. companies had a lead. U. S. companies had a lead, said J. Smith. Plan B.",
            ["S. companies had a lead.", "U. S. companies had a lead, said J. Smith.", "Plan B."],
        ),
        (
            "Chips, e.g. the H800, are banned. Why? Export controls.",
            ["Chips, e.g. the H800, are banned.", "Why?", "Export controls."],
        ),
    ],
)
def test_model_prose_is_not_cut_after_an_abbreviation(prose: str, expected: list[str]) -> None:
    from pipeline.text import sentences_of

    assert sentences_of(prose) == expected


@pytest.mark.parametrize(
    ("specific", "vague"),
    [
        ("McKinsey puts China's SaaS market at 5.2 billion dollars.", "And I think that is big."),
        ("Dan Wang's book Breakneck says lawyers run America.", "So we talked about that a lot."),
        (
            "Huawei builds Ascend chips.",
            "So you know I think we just kind of talked about it. " * 6,
        ),
    ],
)
def test_a_point_with_names_figures_and_rare_words_is_more_specific(
    specific: str, vague: str
) -> None:
    from pipeline.stages.points import specificity

    assert specificity(specific) > specificity(vague)


def test_a_name_any_chunk_lists_as_an_organisation_is_not_a_person() -> None:
    from pipeline.models import Entity
    from pipeline.stages.names import listed_entities

    def chunk(i: int, *entities: tuple[str, str]) -> ChunkSummary:
        listed = [Entity(name=n, kind=k) for n, k in entities]  # type: ignore[arg-type]
        return ChunkSummary(chunk_id=f"007:{i:04d}", source_id="007", entities=listed)

    summaries = [
        chunk(0, ("Meta", "person"), ("Grace Shao", "person")),
        chunk(1, ("Meta", "organisation"), ("Grace Shao", "person"), ("Alibaba", "person")),
        chunk(2, ("Meta", "organisation"), ("Alibaba", "organisation")),
    ]
    people, organisations = listed_entities(summaries)
    assert people == ["Grace Shao"]
    assert organisations == ["Meta", "Alibaba"]  # the most often named first


def test_the_spellings_of_a_name_are_one_name_under_its_most_frequent_spelling() -> None:
    """The 1.5B listed "DeepSeek" as a person in source 003's brief, where other chunks of
    the same source listed "Deep Seek" as an organisation."""
    from pipeline.models import Entity
    from pipeline.stages.names import listed_entities, name_key

    def chunk(i: int, *entities: tuple[str, str]) -> ChunkSummary:
        listed = [Entity(name=n, kind=k) for n, k in entities]  # type: ignore[arg-type]
        return ChunkSummary(chunk_id=f"007:{i:04d}", source_id="007", entities=listed)

    assert name_key("Deep Seek") == name_key("DeepSeek") == name_key("deep-seek")
    summaries = [
        chunk(0, ("DeepSeek", "person"), ("Grace Shao", "person")),
        chunk(1, ("Deep Seek", "organisation"), ("Grace  Shao", "person")),
        chunk(2, ("Deep Seek", "organisation"), ("Grace Shao", "person")),
    ]
    assert listed_entities(summaries) == (["Grace Shao"], ["Deep Seek"])


def test_a_name_another_source_lists_as_an_organisation_is_not_a_person(
    scripted, tmp_path: Path
) -> None:
    """ "OpenAI" under People in one source's brief, under Organisations in another's: the
    run passes every source's organisations to each source's brief."""
    from pipeline.models import Entity
    from pipeline.stages.names import listed_entities, organisations_named

    def chunk(source: str, *entities: tuple[str, str]) -> ChunkSummary:
        listed = [Entity(name=n, kind=k) for n, k in entities]  # type: ignore[arg-type]
        return ChunkSummary(chunk_id=f"{source}:0000", source_id=source, entities=listed)

    mine = [chunk("007", ("OpenAI", "person"), ("Sam Altman", "person"))]
    other = [chunk("008", ("openai", "organisation"), ("Sam Altman", "person"))]
    assert listed_entities(mine) == (["OpenAI", "Sam Altman"], [])
    known = organisations_named(mine + other)
    assert known == {"openai"}
    assert listed_entities(mine, known) == (["Sam Altman"], ["OpenAI"])

    seeds = Path(__file__).resolve().parent.parent / "seeds"
    inputs = [seeds / "001_98262f875ff92a8b.txt", seeds / "002_e97962a6dbc2b620.txt"]

    first = inputs[0].read_text(encoding="utf-8")

    def respond(stage, messages):  # source 001's chunks call it a person, 002's an organisation
        reply = generic_responder(stage, messages)
        if stage == "map":
            line = messages[1]["content"].splitlines()[1].split(") ")[-1]
            in_001 = line in first
            reply["people"] = ["OpenAI"] if in_001 else []
            reply["organisations"] = [] if in_001 else ["OpenAI"]
        return reply

    scripted.responder = respond
    run_pipeline(
        inputs,
        Settings.load(None, chunk_tokens=800),
        tmp_path / "o",
        session=ScriptedSession(scripted),
    )
    briefs = {s: json.loads((tmp_path / f"o/sources/{s}.json").read_text()) for s in ("001", "002")}
    assert "OpenAI" in briefs["002"]["organisations"]
    assert "OpenAI" in briefs["001"]["organisations"] and "OpenAI" not in briefs["001"]["people"]


def ad_break_chunk() -> tuple[Chunk, str]:
    """A chunk of two parts whose second part is a sponsor read, and its source text."""
    doc, _ = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    texts = [
        "Is that right?",
        "Yeah, I think so, you know.",
        "Huawei shipped 200,000 Ascend 910B chips to Baidu in 2025.",
        "We'll be right back after a word from our sponsors.",
        "Acme Widgets, founded by Jane Roe, builds the fastest widgets for your team.",
        "Go to acme.com slash talk for a 20% discount.",
    ]
    text, sentences = "", []
    for sentence, said in zip(chunk.sentences, texts, strict=True):
        start = len(text)
        text += said + " "
        sentences.append(
            sentence.model_copy(
                update={"text": said, "char_start": start, "char_end": start + len(said)}
            )
        )
    return chunk.model_copy(update={"sentences": sentences, "text": text, "tokens": 700}), text


def test_sponsor_reads_run_from_the_ad_break_to_the_last_call_to_action() -> None:
    from pipeline.stages.show_talk import AD_CHARS, in_sponsor_read, sponsor_reads

    chunk, text = ad_break_chunk()
    reads = sponsor_reads(text)
    assert [in_sponsor_read(s, reads) for s in chunk.sentences] == [False] * 3 + [True] * 3
    # a web address said once in the conversation is no read, nor one far from the next
    plug = "You can read me at aiproem dot substack.com. " + "We talk. " * (AD_CHARS // 9)
    assert sponsor_reads(plug + "Chips matter. Find my book at example.com today.") == ()


def test_another_show_s_read_ends_at_its_podcast_app_not_at_the_guest_s_address() -> None:
    from pipeline.stages.show_talk import sponsor_reads

    text = (  # 003, shortened
        "Manus is next. So we're going to take a quick break and come back right after this. "
        "Let me tell you about The Hustle Daily Show, a podcast of business news. "
        "So, search for The Hustle Daily Show and your favorite podcast app. "
        "And we're back here with Grace Shao, a Hong Kong-based writer and analyst. "
        "You can get her newsletter AI Proem on Substack. It's aiproem dot substack.com."
    )
    reads = sponsor_reads(text)  # from "take a quick break" and from "come back"
    start, end = min(a for a, _ in reads), max(b for _, b in reads)
    assert text[start:end].startswith("take a quick break")
    assert text[start:end].endswith("your favorite podcast app")


def test_a_part_that_is_all_sponsor_read_has_no_point_and_its_names_are_not_listed(
    scripted,
) -> None:
    from pipeline.stages.map_request import map_request

    chunk, text = ad_break_chunk()
    assert keys_asked(map_request(chunk, text, 100)) == ["3"]
    scripted.enqueue(
        {
            "people": ["Jane Roe"],
            "organisations": ["Huawei", "Acme Widgets"],
            "points": {"3": "Huawei shipped 200,000 Ascend 910B chips to Baidu in 2025."},
        }
    )
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100)
    assert [e.name for e in summary.entities] == ["Huawei"]


def test_a_point_that_states_the_ad_instead_of_its_sentence_is_dropped(scripted) -> None:
    """The read is shown, unnumbered: asked for sentence 3, a model may state the ad, and
    the point's evidence would become the ad's sentence."""
    chunk, text = ad_break_chunk()
    scripted.enqueue(
        {
            "people": [],
            "organisations": ["Acme Widgets"],
            "points": {"3": "Acme Widgets, founded by Jane Roe, builds the fastest widgets."},
        }
    )
    assert summarize_chunk(chunk, text, scripted, max_tokens=100).key_points == []


def test_greetings_and_topic_labels_are_no_key_points(scripted) -> None:
    from collections import Counter

    from pipeline.stages.map_request import anchor
    from pipeline.stages.show_talk import is_promo

    chunk, text = ad_break_chunk()
    greeting = "Yeah, I'm really excited for this conversation, 12 time zones apart with Huawei."
    fact = "Baidu trains Ernie."
    assert is_promo(greeting) and is_promo("Thanks so much for having me.")
    assert is_promo("Now, I hope you enjoy this insider's view on China's AI ecosystem.")
    assert is_promo("Thank you so much for coming on and sharing all this perspective.")
    said = (greeting, fact)
    part = [s.model_copy(update={"text": t}) for s, t in zip(chunk.sentences, said, strict=False)]
    assert anchor(part, Counter()).text == fact
    scripted.enqueue(
        {
            "people": [],
            "organisations": ["Huawei"],
            "points": {"3": "Asian cultures"},  # a topic's name, not a claim
        }
    )
    assert summarize_chunk(chunk, text, scripted, max_tokens=100).key_points == []


def test_a_sponsor_read_runs_from_its_first_ad_break_across_a_second_one() -> None:
    from pipeline.stages.show_talk import sponsor_reads

    text = (
        "Chips matter. After a word from our sponsors. Acme builds widgets. "
        "This show is brought to you by Acme. Go to acme.com now. Back to chips."
    )
    reads = sponsor_reads(text)

    def read(words: str) -> bool:
        at = text.index(words)
        return any(start <= at < end for start, end in reads)

    assert read("word from our sponsors") and read("Acme builds") and read("acme.com")
    assert not read("Chips matter") and not read("Back to chips")


def test_a_chunk_whose_reply_fails_twice_is_asked_again_in_two_halves(scripted) -> None:
    from pipeline.errors import OutputInvalid
    from pipeline.stages.map_stage import summarize_fitting

    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]

    def states_each_numbered_sentence(stage, messages):
        numbered = dict(re.findall(r"^(\d+): (.+)$", messages[-1]["content"], re.MULTILINE))
        return map_reply([(said, int(n)) for n, said in numbered.items()])

    scripted.enqueue("not json", "still not json")  # the reply and its re-ask
    scripted.responder = states_each_numbered_sentence
    summary = summarize_fitting(chunk, text, scripted, max_tokens=100)
    assert len(scripted.history) == 4  # the whole chunk twice, then each half once
    assert summary.status == "ok" and summary.chunk_id == chunk.id
    quoted = [e.text for p in summary.key_points for e in p.evidence]
    assert len(quoted) == 2 and quoted[0] in text.split("**B**")[0]
    assert quoted[1] in text.split("**B**")[1]  # one point from each half, in order
    # once only: a half that fails too is not split again
    scripted.history.clear()
    scripted.responder = lambda stage, messages: "not json"
    with pytest.raises(OutputInvalid):  # (another budget: the halves' replies are cached)
        summarize_fitting(chunk, text, scripted, max_tokens=120)
    assert len(scripted.history) == 4  # the whole chunk twice, the first half twice


def test_two_short_particular_points_take_the_room_of_one_long_one() -> None:
    from pipeline.stages.points import pick_points

    long = point(0, "breakneck calls the country a lawyerly society where judges and lawyers rule")
    short = [
        point(1, "breakneck praises engineering states"),
        point(2, "lawyerly courts slow building"),
    ]
    # no figure or name: ranked by their rare words, for their length
    picked = pick_points([[long, *short]], [set()], budget_words=10)
    assert [p.id for p in picked[0]] == [short[0].id, short[1].id]


def test_a_point_that_copies_the_listing_is_asked_again_on_its_own_part(scripted) -> None:
    from pipeline.stages.policy import STRICT, STRICT_05B

    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    chunk = chunk.model_copy(update={"tokens": 3 * STRICT.map_part_tokens})  # three parts
    asked: list[dict[str, str]] = []  # per call, its numbered sentences
    restates = True  # asked again, the model states the sentence (else copies it again)

    def copies_the_first_listed(stage, messages):
        numbered = dict(re.findall(r"^(\d+): (.+)$", messages[-1]["content"], re.MULTILINE))
        asked.append(numbered)
        first = min(numbered, key=int)
        copy = " ".join(numbered[first].split()[:3]) + " …"
        if len(asked) > 1:  # asked again
            return map_reply([(f"Restated: {numbered[first]}" if restates else copy, int(first))])
        return map_reply([(copy if n == first else said, int(n)) for n, said in numbered.items()])

    scripted.responder = copies_the_first_listed
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100, policy=STRICT_05B)
    assert len(asked) == 1  # the 0.5B's policy drops the copy and asks nothing more
    assert len(summary.key_points) == len(asked[0]) - 1

    asked.clear()
    summary = summarize_chunk(chunk, text, scripted, max_tokens=120, policy=STRICT)
    assert len(asked) == 2 and len(asked[0]) > 1
    again = min(asked[0], key=int)
    assert list(asked[1]) == [again]  # the copied sentence alone, numbered as in the chunk
    # shown its part of the chunk only
    assert len(scripted.history[-1][-1]["content"]) < len(scripted.history[-2][-1]["content"])
    restated = [p for p in summary.key_points if p.text.startswith("Restated: ")]
    assert len(summary.key_points) == len(asked[0]) and len(restated) == 1
    sentence = next(s for s in chunk.sentences if s.id == int(again))
    assert sentence.text in restated[0].evidence[0].text

    # copied again: the point is dropped, never asked a third time
    asked.clear()
    restates = False
    summary = summarize_chunk(chunk, text, scripted, max_tokens=140, policy=STRICT)
    assert len(asked) == 2 and len(summary.key_points) == len(asked[0]) - 1


def test_a_question_is_no_claim_even_with_its_restatement_after_it() -> None:
    from pipeline.stages.points import is_claim

    assert is_claim("Alibaba and Tencent release open source models.")
    assert not is_claim("Why does Alibaba release open source models?")
    host = (
        "Can I just follow up here? Or so is what you're saying that open source models "
        "come out of China because consumer companies build them."
    )
    assert not is_claim(host)
    # the speech-to-text's lower case after the question does not make it a claim
    assert not is_claim(
        "So can I just follow up here? or so is what you're saying that "
        "open source models come out of China."
    )
    # a tag question ends a claim without making it a question
    assert is_claim(
        "So we're seeing companies like Unitree taking up 40% of quadruped robots, right? "
        "quite a lead."
    )
    # a claim that quotes a question inside it stays one
    assert is_claim(
        "He asked what comes next? and then answered that chips come first, then models."
    )


def test_talk_about_the_talk_is_told_from_what_is_said() -> None:
    from pipeline.stages.show_talk import about_the_talk

    assert about_the_talk("The conversation discusses the differences between AI ecosystems.")
    assert about_the_talk("We're discussing China's AI positioning and how competitive it is.")
    assert about_the_talk("I would love to work with you to make an episode about it.")
    assert about_the_talk("Folks, we're pushing past 10 p.m. now.")  # the show keeping time
    assert about_the_talk("All right, we're running out of time.")
    assert not about_the_talk("We are pushing past the limits of what chips can do.")
    # what a speaker says about something discussed elsewhere is a claim
    assert not about_the_talk("The host discusses using OpenAI outputs to train Chinese models.")
    assert not about_the_talk("Discussions of AI are on the mainstream news in China.")


def test_a_speaker_on_their_own_whereabouts_is_told_from_a_claim() -> None:
    from pipeline.stages.show_talk import about_the_speaker

    assert about_the_speaker("So now I'm in Hong Kong, but I've spent time in Singapore.")
    assert about_the_speaker("I've now been working in Beijing for the past five years.")
    assert about_the_speaker("I mentioned that I spent a day in China on a stopover.")
    # a company's "we", and what a speaker says of others, are claims
    assert not about_the_speaker("We have been working for five years on our own chips.")
    assert not about_the_speaker("Engineers in Shenzhen have been working in shifts.")
    assert not about_the_speaker("I think China spent a decade building its grid.")


def test_a_point_loses_the_sentence_numbers_it_copied() -> None:
    from pipeline.stages.map_stage import without_labels

    copied = "Not just the rail, 26: the completeness of the infrastructure, 3: 2 ratios"
    assert without_labels(copied, ["26", "30"]) == (
        "Not just the rail, the completeness of the infrastructure, 3: 2 ratios"
    )
    assert without_labels("26: China builds fast", ["26"]) == "China builds fast"
    assert without_labels("It rose by 26: a record", []) == "It rose by 26: a record"


def test_a_source_s_quotes_are_each_stretch_s_most_specific_evidence() -> None:
    said = [
        "Yeah, I'm really excited for this conversation, welcome to the show everyone.",
        "Huawei shipped 400,000 Ascend 910B chips to Baidu and Tencent in 2024, they said.",
        "So we talked about that for a while and then we moved on to other things.",
        "McKinsey puts China's SaaS market at 5.2 billion dollars against 120 billion.",
    ]
    points = [
        KeyPoint(
            id=f"001:0000/p{n + 1}",
            text=text,
            importance=5 - n,  # the welcome ranks first in its chunk
            evidence=[
                Passage(
                    source_id="001",
                    char_start=100 * n,
                    char_end=100 * n + len(text),
                    line_start=n + 1,
                    line_end=n + 1,
                    text=text,
                )
            ],
        )
        for n, text in enumerate(said)
    ]
    quotes = fill_quotes(points, limit=2)  # two stretches of two points
    assert [q.passage.text for q in quotes] == [said[1], said[3]]


def test_a_person_listed_by_first_name_too_is_listed_once(scripted, tmp_path: Path) -> None:
    """003's brief listed "Grace, Grace Shao": a one-word name that starts or ends exactly
    one longer listed name is that person; a word two names share stays listed."""
    from pipeline.stages.names import without_short_forms

    assert without_short_forms(["Grace", "Grace Shao", "Altman", "Sam Altman"]) == [
        "Grace Shao",
        "Sam Altman",
    ]
    assert without_short_forms(["Li", "Yuan Li", "Li Kaifu", "Alex"]) == [
        "Li",
        "Yuan Li",
        "Li Kaifu",
        "Alex",
    ]

    def respond(stage, messages):
        reply = generic_responder(stage, messages)
        if stage == "map":
            reply["people"] = ["Grace", "Grace Shao", "Alex"]
        return reply

    scripted.responder = respond
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    run_pipeline(
        [seeds / "003_ab8002d8241df0d9.txt"],
        Settings.load(None, chunk_tokens=800),
        tmp_path / "o",
        session=ScriptedSession(scripted),
    )
    people = json.loads((tmp_path / "o/sources/003.json").read_text())["people"]
    assert "Grace Shao" in people and "Grace" not in people and "Alex" in people
