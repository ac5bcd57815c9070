"""A question about several sources, answered source by source (``ask/several.py``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SEEDS, ScriptedClient, processed

from pipeline.ask.answer import answer_question
from pipeline.ask.corpus import open_corpus
from pipeline.ask.several import about_the_question, asks_several, merged, other_sources
from pipeline.errors import ModelError, ModelUnreachable
from pipeline.models import Answer, CitedPassage, Passage, Statement

# a passage as the answer prompt shows it: "[n] (label) text", the text over lines
_PASSAGE = re.compile(r"^\[(\d+)\] \((\S+) [^)]*\) (.*?)(?=^\[\d+\] \(|\Z)", re.M | re.S)


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return processed(tmp_path_factory.mktemp("several") / "out", [SEEDS])


@pytest.mark.parametrize(
    ("question", "several"),
    [
        ("What do the sources say about how Uber fared in China?", True),
        ("Do both podcasts agree on open source?", True),
        ("How do DeepSeek's founder and L Squared view the chip ban?", True),
        ("What is Alibaba's model called, and how did it rank?", True),
        ("What is the newsletter called that Afra Wang writes?", False),
        ("How does China's grid compare with America's?", False),
        ("DeepSeek and Qwen: who leads?", False),  # the question's own first words
    ],
)
def test_a_question_about_several_sources_is_told_apart(question: str, several: bool) -> None:
    assert asks_several(question) is several


def test_other_sources_are_taken_in_the_order_found() -> None:
    assert other_sources(["003", "003", "000", "004", "000"], {"003"}, 1) == ["000"]
    assert other_sources(["003", "000", "004"], set(), 2) == ["003", "000"]


def _answer(source: str, ids: list[int], text: str) -> Answer:
    passages = [
        CitedPassage(
            id=i,
            label=f"{source} L{i}",
            score=1.0,
            passage=Passage(
                source_id=source, char_start=i, char_end=i + 1, line_start=i, line_end=i, text="x"
            ),
        )
        for i in ids
    ]
    return Answer(
        question="q",
        answered=True,
        answer=text,
        statements=[Statement(text=text, citations=ids)],
        citations=passages,
        retrieved=5,
        retrieval_ms=2.0,
    )


def test_merged_answers_renumber_their_passages_and_keep_only_answers() -> None:
    refused = Answer(question="q", answered=False, reason="no", retrieved=5)
    both = merged([_answer("003", [2, 4], "Uber left."), refused, _answer("000", [1], "It sold.")])
    assert [c.id for c in both.citations] == [1, 2, 3]
    assert [c.passage.source_id for c in both.citations] == ["003", "003", "000"]
    assert [s.citations for s in both.statements] == [[1, 2], [3]]
    assert both.answer == "Uber left. It sold." and both.retrieved == 15
    assert merged([refused, refused]) is refused


def test_a_second_source_s_answer_must_hold_two_of_the_question_s_words() -> None:
    """The 1.5B's second answers on the development set: kept when about the question,
    left out when they share one word with it, or only the words naming the sources."""
    uber = "What do the sources say about how Uber fared when it competed in China?"
    assert not about_the_question(
        _answer("000", [1], "“And now China has made AI open source?”"), uber
    )
    assert about_the_question(_answer("000", [1], "Uber sold its China business to Didi."), uber)
    newsletter = "What is Afra Wang's newsletter called, and what does the name mean?"
    thanks = "L Squared: “I am very grateful to L Squared for taking the time ...”"
    assert not about_the_question(_answer("004", [1], thanks), newsletter)
    refused = Answer(question="q", answered=False, reason="no", retrieved=5)
    assert not about_the_question(refused, uber)
    # a question of one word to look for needs only that word
    assert about_the_question(_answer("001", [1], "Huawei makes them."), "Who is Huawei?")


def _copy_the_uber_sentence(stage: str, messages: list[dict[str, str]]) -> dict:
    """Answers from the first passage that names Uber, with its clause that does."""
    for number, _, text in _PASSAGE.findall(messages[-1]["content"]):
        clause = next((c for c in re.split(r"[.,?!]", text) if "Uber" in c), None)
        if clause:
            return {"answerable": True, "statements": [{"text": clause, "passages": [int(number)]}]}
    return {"answerable": False, "statements": []}


def test_a_several_source_question_is_asked_again_of_another_source_alone(
    seeds_out: Path, scripted: ScriptedClient
) -> None:
    corpus, _ = open_corpus(seeds_out)
    scripted.responder = _copy_the_uber_sentence
    question = "What do the sources say about the founder of Uber?"
    within = ["000", "003"]  # the two podcasts that tell of Uber and its founder
    answer = answer_question(question, corpus.index, corpus.texts, scripted, k=5, sources=within)
    assert answer.answered and len(scripted.history) == 2
    cited = [c.passage.source_id for c in answer.citations]
    assert sorted(set(cited)) == ["000", "003"]
    second = {source for _, source, _ in _PASSAGE.findall(scripted.history[1][-1]["content"])}
    assert second == {cited[-1]}  # the second call saw that source's passages alone
    # a question about one thing is asked once, and so is one limited to one source
    answer_question(question, corpus.index, corpus.texts, scripted, k=5, sources=[cited[0]])
    answer_question("What became of Uber in China?", corpus.index, corpus.texts, scripted, k=5)
    assert len(scripted.history) == 4
    # a second answer that is not about the question is left out: 003's "the Uber founder
    # said this on Alden podcast" for how Uber fared in China
    fared = "What do the sources say about how Uber fared when it competed in China?"
    answer = answer_question(fared, corpus.index, corpus.texts, scripted, k=5, sources=within)
    assert len(scripted.history) == 6 and answer.answered
    assert len({c.passage.source_id for c in answer.citations}) == 1


def _failing_alone(failure: Exception):
    """Answers the first call (passages of both sources); the call on one source's
    passages alone fails with ``failure``."""

    def respond(stage: str, messages: list[dict[str, str]]) -> dict:
        shown = {source for _, source, _ in _PASSAGE.findall(messages[-1]["content"])}
        if len(shown) == 1:
            raise failure
        return _copy_the_uber_sentence(stage, messages)

    return respond


def test_a_second_call_that_fails_leaves_the_first_answer(
    seeds_out: Path, scripted: ScriptedClient
) -> None:
    corpus, _ = open_corpus(seeds_out)
    question = "What do the sources say about the founder of Uber?"
    within = ["000", "003"]
    scripted.responder = _failing_alone(ModelError("ask: InternalServerError: it fell over"))
    answer = answer_question(question, corpus.index, corpus.texts, scripted, k=5, sources=within)
    assert len(scripted.history) == 2 and answer.answered
    assert len({c.passage.source_id for c in answer.citations}) == 1
    # an unreachable server is raised: no later question can be answered either
    scripted.responder = _failing_alone(ModelUnreachable("ask: cannot reach the model server"))
    with pytest.raises(ModelUnreachable):
        answer_question(question, corpus.index, corpus.texts, scripted, k=5, sources=within)
