"""A small model's copy-paste is caught by code: repeated themes are dropped, copied
summaries are rebuilt from their own evidence, and non-names are not listed as names."""

from __future__ import annotations

import pytest
from test_stages import map_reply, point, transcript

from pipeline.chunking import chunk_transcript
from pipeline.map_stage import is_name_in, summarize_chunk
from pipeline.models import ChunkSummary, Passage, SourceBrief, Theme
from pipeline.reduce_stage import reduce_source
from pipeline.repeats import Repeats, text_key, without_repeated_sentences
from pipeline.synthesize import first_sentence, synthesize

COPY = "The conversation explores the impact of technology companies on China's AI strategy"


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
    ("name", "kept"),
    [
        ("DeepSeek", True),
        ("Huawei", True),
        ("A 0:00", False),  # a speaker label, not in the spoken text
        ("Nvidia", False),  # not in the chunk at all
        ("chips, you know, software", False),  # a clause
        ("Export controls limit chips", True),  # in the text and short: cannot tell
        ("China has many AI labs and more words here", False),  # a sentence
    ],
)
def test_only_names_the_chunk_contains_are_listed(scripted, name: str, kept: bool) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    assert is_name_in(name, chunk.text) is kept
    reply = map_reply([("DeepSeek released R1", [2])])
    reply["entities"] = [{"name": name, "kind": "organisation"}]
    summary = summarize_chunk(chunk, text, scripted_with(scripted, reply), max_tokens=100)
    assert [e.name for e in summary.entities] == ([name] if kept else [])


def scripted_with(scripted, reply):
    scripted.enqueue(reply)
    return scripted


def test_reduce_drops_repeated_themes_and_rebuilds_copied_summaries(scripted) -> None:
    doc, _ = transcript()
    summaries = [
        ChunkSummary(chunk_id=f"007:{i:04d}", source_id="007", key_points=[point(i)])
        for i in range(3)
    ]
    scripted.enqueue(
        {
            "overview": COPY + ".",
            "themes": [
                {"title": "Chips", "summary": "Chips are scarce in China.", "notes": ["P1"]},
                {"title": "chips", "summary": "A new summary.", "notes": ["P2"]},  # title again
                {"title": "Labs", "summary": "Another summary.", "notes": ["P1"]},  # notes again
                {"title": "Talent", "summary": COPY + " etc.", "notes": ["P2", "P3"]},  # copy
                {"title": "Money", "summary": "Chips are scarce in China!", "notes": ["P3"]},
            ],
            "quote_notes": [],
            "open_questions": [],
        }
    )
    brief = reduce_source(doc, summaries, scripted, context_window=100_000, max_tokens=200)
    assert [t.title for t in brief.themes] == ["Chips", "Talent", "Money"]
    assert [t.id for t in brief.themes] == ["007/t1", "007/t2", "007/t3"]
    talent = brief.themes[1]
    assert (
        talent.summary
        == ("point number 1 " * 5).strip() + ". " + ("point number 2 " * 5).strip() + "."
    )
    # "Money" copied the first summary, and its own point is P3
    assert brief.themes[2].summary.startswith("point number 2")


def source_brief(sid: str, summary: str) -> SourceBrief:
    cite = Passage(source_id=sid, char_start=0, char_end=1, line_start=3, line_end=4, text="x")
    theme = Theme(
        id=f"{sid}/t1", title=f"Theme of {sid}", summary=summary, point_ids=[], citations=[cite]
    )
    return SourceBrief(source_id=sid, title=sid, themes=[theme])


def briefs() -> list[SourceBrief]:
    return [
        source_brief("001", "Labs share weights. They publish often."),
        source_brief("002", "Chips are scarce. Smuggling grows."),
    ]


def test_synthesis_drops_copied_and_repeated_statements(scripted) -> None:
    scripted.enqueue(
        {
            "overview": COPY + ".",
            "themes": [
                {"title": "Open", "summary": COPY, "themes": ["T1", "T2"]},
                {"title": "T2", "summary": "Titled by an id.", "themes": ["T2"]},
                {"title": "open", "summary": "A fresh summary.", "themes": ["T2"]},
                {"title": "Closed", "summary": "Another summary.", "themes": ["T2", "T1"]},
            ],
            "agreements": [
                {"text": COPY + " again", "themes": ["T1", "T2"]},
                {"text": "Both see fast progress.", "themes": ["T1", "T2"]},
                {"text": "Both see fast progress!", "themes": ["T1", "T2"]},
            ],
            "disagreements": [],
        }
    )
    cross = synthesize(briefs(), scripted, context_window=8192, max_tokens=500)
    # "open" repeats a title; "Closed" rests on the same themes; "T2" is an id, not a title
    assert [t.title for t in cross.themes] == ["Open", "Theme of 002"]
    assert cross.themes[0].summary.text == "001: Labs share weights. 002: Chips are scarce."
    assert [a.text for a in cross.agreements] == ["Both see fast progress."]


@pytest.mark.parametrize(
    ("side_a", "side_b", "kept"),
    [
        (("Progress is rapid.", ["T1"]), ("Progress is held back by chips.", ["T2"]), True),
        (("it is fast", ["T1"]), ("it is fast", ["T2"]), False),  # both sides say the same
        (("it is quick", ["T1"]), ("it is slow", ["T1"]), False),  # on the same grounds
        ((COPY, ["T1"]), ("it is slow", ["T2"]), False),  # one side copies the overview
    ],
)
def test_a_disagreement_needs_two_different_sides(scripted, side_a, side_b, kept) -> None:
    # the theme's title is the disagreement's topic: a theme and a dispute may share one
    theme = {"title": "Speed", "summary": "A fresh summary.", "themes": ["T1", "T2"]}
    scripted.enqueue(
        {
            "overview": COPY + ".",
            "themes": [theme],
            "agreements": [],
            "disagreements": [
                {
                    "topic": "Speed",
                    "side_a": {"text": side_a[0], "themes": side_a[1]},
                    "side_b": {"text": side_b[0], "themes": side_b[1]},
                }
            ],
        }
    )
    cross = synthesize(briefs(), scripted, context_window=8192, max_tokens=500)
    assert [d.topic for d in cross.disagreements] == (["Speed"] if kept else [])


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("One. Two.", "One."),
        ("No full stop", "No full stop"),
        ("Ends here.", "Ends here."),
        ("  Why? Because.", "Why?"),
    ],
)
def test_first_sentence(text: str, first: str) -> None:
    assert first_sentence(text) == first


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
    ],
)
def test_repeated_sentences_are_dropped(text: str, cleaned: str) -> None:
    assert without_repeated_sentences(text) == cleaned
