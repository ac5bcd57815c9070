"""A question about several sources, answered source by source (``ask/several.py``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SEEDS, ScriptedClient, processed

from pipeline.ask.answer import answer_question
from pipeline.ask.corpus import open_corpus
from pipeline.ask.several import (
    about_the_question,
    adds_to,
    asks_several,
    merged,
    other_sources,
    the_rest,
    without_printed,
)
from pipeline.errors import ModelError, ModelUnreachable
from pipeline.models import Answer, CitedPassage, Passage, Statement
from pipeline.stages.policy import STRICT_15B

# a passage as the answer prompt shows it: "[n] (label) text", the text over lines
_PASSAGE = re.compile(r"^\[(\d+)\] \((\S+) [^)]*\) (.*?)(?=^\[\d+\] \(|\Z)", re.M | re.S)
# a sentence as the sentence policy's prompt shows it: "17. text", and a passage's label
_SENTENCE = re.compile(r"^(\d+)\. (.*)$", re.M)
_LABEL = re.compile(r"^\[\d+\] \((\S+) ", re.M)


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


def test_two_questions_in_one_ask_the_second_after_the_first_with_its_answer() -> None:
    question = "What is Grace Shao's newsletter called, and where is she based?"
    first = _answer("003", [1], "AI ProM: “You can get her newsletter AI ProM on Substack.”")
    assert the_rest(question, first) == (
        "Where is she based? (What is Grace Shao's newsletter called? AI ProM.)"
    )
    copied = _answer("004", [2], "“Kai-Fu Lee started it.”")  # the sentence alone printed
    assert the_rest("Who started 01.AI, and when?", copied) == (
        "When? (Who started 01.AI? Kai-Fu Lee started it.)"
    )


def test_a_later_answer_to_two_questions_in_one_must_add_two_of_their_words() -> None:
    """The 1.5B's answers on the development set: "where is she based" is answered by her
    introduction; another source's sentence that adds only "Chinese" to the first answer
    ("... SMIC Fab in China ...") is not the main hope for Chinese chips."""
    grace = "What is Grace Shao's newsletter called, and where is she based?"
    first = _answer("003", [1], "AI ProM: “You can get her newsletter AI ProM on Substack.”")
    based = "“Hong Kong-based writer and analyst Grace Shao is here.”"
    assert adds_to(first, _answer("003", [2], based), grace)
    assert not adds_to(first, _answer("003", [3], "“It's AI Proem on Substack.”"), grace)
    hope = "Which company is the main hope for Chinese chips, and which fab did it work with?"
    fab = _answer("004", [1], "SMIC Fab: “It worked with SMIC Fab in China to produce a chip.”")
    moat = "DeepSeek: “DeepSeek is proof there isn't a moat, not a demonstration of Chinese "
    moat += "superiority in AI work.”"
    assert not adds_to(fab, _answer("002", [1], moat), hope)
    huawei = "“Huawei is really the main hope for Chinese chips.”"
    assert adds_to(fab, _answer("004", [2], huawei), hope)
    refused = Answer(question="q", answered=False, reason="no", retrieved=5)
    assert not adds_to(fab, refused, hope)


def test_the_sentences_an_answer_prints_are_not_offered_again() -> None:
    text = "Intro here. It is called\n*  Concurrent. It means at once. Later on."
    spans = {"000": [(0, 11), (12, 37), (38, 53), (54, 63)], "001": [(0, 5)]}
    passage = Passage(
        source_id="000", char_start=12, char_end=53, line_start=1, line_end=2, text=text[12:53]
    )
    answer = _answer("000", [1], "Concurrent: “It is called Concurrent.”")
    answer.citations[0].passage = passage
    left = without_printed(answer, spans, {"000": text})
    # the bulleted line's marker is not printed, yet the sentence is known as printed
    assert left == {"000": [(0, 11), (38, 53), (54, 63)], "001": [(0, 5)]}


def _afra_s_newsletter(stage: str, messages: list[dict[str, str]]) -> dict:
    """Names the newsletter, or, asked what its name means, the meaning; each from the
    sentence shown that states it."""
    prompt = messages[-1]["content"]
    meaning = prompt.startswith("Question: What does the name mean?")
    wanted = "concurrent means" if meaning else 'newsletter called "Concurrent"'
    for number, text in _SENTENCE.findall(prompt):
        if wanted in text:
            answer = "to proceed simultaneously" if meaning else "Concurrent"
            return {"answerable": True, "sentence": int(number), "answer": answer}
    return {"answerable": False, "sentence": 0, "answer": ""}


def test_two_questions_in_one_are_answered_from_the_source_that_answered_the_first(
    seeds_out: Path, scripted: ScriptedClient
) -> None:
    """Asked again of another source, the 1.5B gave a sentence of it ("the name of your
    newsletter ..."); asked again whole, it named the newsletter again."""
    corpus, _ = open_corpus(seeds_out)
    scripted.responder = _afra_s_newsletter
    question = "What is Afra Wang's newsletter called, and what does the name mean?"
    answer = answer_question(
        question,
        corpus.index,
        corpus.texts,
        scripted,
        k=5,
        policy=STRICT_15B,
        sentences=corpus.sentences,
    )
    assert len(scripted.history) == 2 and answer.answered
    first, rest = answer.statements
    assert first.text.startswith("Concurrent: “") and "called" in first.text
    assert rest.text.startswith("to proceed simultaneously: “") and "means" in rest.text
    assert {c.passage.source_id for c in answer.citations} == {"000"}
    second = scripted.history[1][-1]["content"]
    assert second.startswith(
        "Question: What does the name mean? (What is Afra Wang's newsletter called? Concurrent.)"
    )
    assert set(_LABEL.findall(second)) == {"000"}  # that source's passages alone
    assert 'newsletter called "Concurrent"' not in second  # the sentence answered
