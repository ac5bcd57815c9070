"""`brief ask "Summarize the whole meeting."` answers with the brief's overview, each
sentence with its checked citations, and calls no model (``ask/whole_summary.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ScriptedClient, ScriptedSession, generic_responder

from pipeline.ask.corpus import open_corpus
from pipeline.ask.sources_named import (
    SourceNames,
    Titles,
    asked_of,
    named_sources,
    of_its_kind,
    titled,
)
from pipeline.ask.whole_summary import asks_for_summary, summary_answer
from pipeline.cli import main
from pipeline.runner import run_pipeline
from pipeline.settings import Settings

MEETING = (
    "Chair: Welcome. The first questions are about teacher recruitment.\n"
    "Minister: We recruit to about 65 per cent of the targets for secondary teachers.\n"
    "Member: Is money the whole answer?\n"
    "Minister: No. Incentives of twenty thousand pounds help, but training routes matter.\n"
    "Chair: Thank you. We move on to university mergers.\n"
    "Minister: We do not pursue a policy of mergers; that is for each institution.\n"
)


@pytest.mark.parametrize(
    ("question", "whole"),
    [
        ("Summarize the whole meeting.", True),  # QMSum's general question
        ("Summarize the meeting", True),
        ("summarise these transcripts", True),
        ("What was the meeting about?", True),
        ("What are these podcasts about?", True),
        ("Give me a short summary.", True),
        ("Give an overview of the episode.", True),
        ("Summarize the discussion on mean subtraction in SRI", False),  # a subject named
        ("Summarize Kirsty Williams' opinion on mergers.", False),
        ("What was the meeting's decision on mergers?", False),
    ],
)
def test_a_summary_of_the_whole_is_told_from_a_question(question: str, whole: bool) -> None:
    assert asks_for_summary(question) is whole


@pytest.mark.parametrize(
    ("question", "alone", "named"),
    [
        ("Summarize source 002.", "Summarize the source.", ["002"]),  # was refused
        ("What is 003 about?", "What is the source about?", ["003"]),
        ("Summarize the thread 002", "Summarize the source", ["002"]),
        ("What does 002 say about chips?", "What does the source say about chips?", ["002"]),
        ("Summarize sources 003 and 002", "Summarize the source", ["002", "003"]),
        ("Compare 002 with 003", "Compare the source with 003", ["002", "003"]),
        ("What was the 2022 chip ban?", "What was the 2022 chip ban?", []),
    ],
)
def test_a_question_that_names_sources_is_asked_of_them(
    question: str, alone: str, named: list[str]
) -> None:
    assert named_sources(question, ["000", "002", "003", "2022x"]) == (alone, named)


TITLES = {
    "001": ["China's AI Strategy"],
    "002": ["China's Silicon Chip Production Challenge"],
    "003": ["Big Technology Podcast - Why China's AI Strategy Just Might Work — With Grace Shao"],
    "004": [
        "Inside China's AI Ecosystem: A View From Beijing",
        "Cognitive Revolution How AI Changes Everything",
    ],
}


@pytest.mark.parametrize(
    ("question", "alone", "named"),
    [
        ("Summarize the Big Technology Podcast episode.", "Summarize the episode.", ["003"]),
        ("What is the interview with Grace Shao about?", "What is the interview about?", ["003"]),
        ("Summarize the Cognitive Revolution episode", "Summarize the episode", ["004"]),
        ("Give me a summary of the view from Beijing", "Give me a summary of the", ["004"]),
        # words two sources' titles hold, or common words alone, name none
        ("Summarize China's AI strategy", "Summarize China's AI strategy", []),
        ("What might work?", "What might work?", []),
        ("Summarize the podcast.", "Summarize the podcast.", []),
    ],
)
def test_a_question_names_a_source_by_its_title(
    question: str, alone: str, named: list[str]
) -> None:
    rewrites, owners = titled(question, Titles(TITLES))
    assert (rewrites[0], owners) == (alone, named)


def test_a_question_names_the_one_source_of_its_kind() -> None:
    formats = {"001": "speaker_turns", "002": "thread", "003": "podcast_page"}
    assert of_its_kind("Summarize the forum thread.", formats) == ("Summarize the thread.", ["002"])
    assert of_its_kind("What is the thread about?", formats) == (
        "What is the thread about?",
        ["002"],
    )
    two = {**formats, "005": "thread"}
    assert of_its_kind("What is the thread about?", two) == ("What is the thread about?", [])
    assert of_its_kind("Summarize the podcast.", formats) == ("Summarize the podcast.", [])


def test_a_summary_of_a_source_named_by_title_or_kind_is_its_overview() -> None:
    """Of the committed outputs: "What is the thread about?" was answered with the
    cross-source overview, "Summarize the Big Technology Podcast episode." refused."""
    from pipeline.ask.corpus import read_sources

    out = Path(__file__).resolve().parent.parent / "outputs"
    texts = read_sources(out)
    ids = sorted(texts)

    def overview(source_id: str) -> str:
        return str(json.loads((out / "sources" / f"{source_id}.json").read_text())["overview"])

    for question, source_id in [
        ("What is the thread about?", "002"),
        ("Summarize the Big Technology Podcast episode.", "003"),
        ("What is the interview with Grace Shao about?", "003"),
        ("Give me a summary of the view from Beijing", "004"),
    ]:
        answer = summary_answer(question, out, texts, ids)
        assert answer is not None and answer.summary_of == [source_id], question
        assert answer.answer == overview(source_id)
        assert {c.passage.source_id for c in answer.citations} == {source_id}
    # no source named: the cross-source overview, said to be that
    every = summary_answer("Summarize the podcast.", out, texts, ids)
    assert every is not None and every.summary_of == []
    assert every.answer == json.loads((out / "brief.json").read_text())["overview"]
    # asked of some sources (--source): each one's own overview, not the whole corpus's
    some = summary_answer("Summarize the podcasts.", out, texts, ["001", "003"])
    assert some is not None and some.summary_of == ["001", "003"]
    assert some.answer == f"{overview('001')} {overview('003')}"
    # a question about something is not a summary, whatever source it names
    assert (
        summary_answer("What does the Big Technology Podcast say about chips?", out, texts, ids)
        is None
    )


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("What does the thread say about export controls?", ["002"]),
        ("What does 002 say about export controls?", ["002"]),
        ("How do the thread and 004 differ on chips?", ["002", "004"]),
        ("What did Grace Shao say about Manus?", ["003"]),  # 003's file's title names her
        ("What does the Cognitive Revolution guest think of Baidu?", ["004"]),  # its show
        # several parties, one of them named by a description: every source
        ("Why is SaaS weak, according to the open-source monologue and Grace Shao?", []),
        # the model's own title for a plain transcript is a subject here, not a name
        ("What does China's innovation model rely on?", []),
        ("What do the sources say about chips?", []),
    ],
)
def test_a_question_about_a_named_source_is_asked_of_it(question: str, named: list[str]) -> None:
    out = Path(__file__).resolve().parent.parent / "outputs"
    names = SourceNames.read(out)
    assert asked_of(question, names, ["000", "001", "002", "003", "004"]) == named


@pytest.fixture
def meeting_out(scripted: ScriptedClient, tmp_path: Path) -> Path:
    source = tmp_path / "in" / "committee.txt"
    source.parent.mkdir()
    source.write_text(MEETING, encoding="utf-8")
    scripted.responder = generic_responder
    out = tmp_path / "out"
    run_pipeline([source], Settings.load(None), out, session=ScriptedSession(scripted))
    scripted.responder = None  # from here on, a model call fails the test
    return out


def test_the_overview_answers_with_its_checked_citations(meeting_out: Path) -> None:
    corpus, _ = open_corpus(meeting_out)
    brief = json.loads((meeting_out / "sources" / "committee.json").read_text())
    answer = summary_answer(
        "Summarize the whole meeting.", meeting_out, corpus.texts, ["committee"]
    )
    assert answer is not None and answer.answered and answer.from_brief
    assert answer.answer == brief["overview"]
    for cited in answer.citations:
        passage = cited.passage
        assert corpus.texts["committee"][passage.char_start : passage.char_end] == passage.text
    assert all(s.citations for s in answer.statements)
    # another question is asked as any other
    assert summary_answer("Who chairs it?", meeting_out, corpus.texts, ["committee"]) is None
    # one source named by its id: that source's overview
    named = summary_answer("Summarize source committee.", meeting_out, corpus.texts, ["committee"])
    assert named is not None and named.answer == brief["overview"]


def test_a_changed_source_leaves_out_what_no_longer_matches(meeting_out: Path) -> None:
    corpus, _ = open_corpus(meeting_out)
    texts = {"committee": "x" * len(corpus.texts["committee"])}  # every passage stale
    assert summary_answer("Summarize the meeting", meeting_out, texts, ["committee"]) is None


def test_cli_says_where_the_summary_comes_from(
    meeting_out: Path, scripted: ScriptedClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pipeline.session.ModelSession", lambda *a, **k: ScriptedSession(scripted))
    calls = len(scripted.history)  # the run's
    result = CliRunner().invoke(
        main, ["ask", "Summarize the whole meeting.", "--out", str(meeting_out)]
    )
    assert result.exit_code == 0, result.output
    assert "note: a summary: source committee's brief overview" in result.stderr
    assert "Sources (each checked against its file" in result.stdout
    assert len(scripted.history) == calls  # no model call


def test_sources_named_together_are_summarized_each_by_its_overview() -> None:
    """Of the committed outputs: "Summarize sources 001 and 003." is each one's overview
    in turn, cited on its own passages; no model call."""
    from pipeline.ask.corpus import read_sources

    out = Path(__file__).resolve().parent.parent / "outputs"
    texts = read_sources(out)
    overviews = [
        json.loads((out / "sources" / f"{s}.json").read_text())["overview"] for s in ("001", "003")
    ]
    answer = summary_answer("Summarize sources 003 and 001.", out, texts, sorted(texts))
    assert answer is not None and answer.from_brief
    assert answer.answer == " ".join(overviews)
    assert {c.passage.source_id for c in answer.citations} == {"001", "003"}
