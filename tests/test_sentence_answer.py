"""Answers as the sentence that states them (``pipeline.ask.sentence_answer``, the 1.5B's
policy): the passages numbered sentence by sentence, the number moved by code to the
sentence that holds the answer, the checks, and what is printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEEDS, ScriptedClient, processed
from pydantic import ValidationError
from test_ask import NEWSLETTER, QUESTION

from pipeline.ask.answer import answer_question
from pipeline.ask.answer_checks import only_a_date
from pipeline.ask.corpus import open_corpus
from pipeline.ask.printed import printed_answer
from pipeline.ask.sentence_answer import (
    SentenceReply,
    names_person,
    names_written,
    numbered_sentences,
    unnamed,
)
from pipeline.outputs.verify import passage_problem
from pipeline.stages.policy import STRICT, STRICT_15B


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return processed(tmp_path_factory.mktemp("sentence") / "out", [SEEDS])


def test_the_passages_are_shown_sentence_by_sentence_each_sentence_once(seeds_out: Path) -> None:
    corpus, _ = open_corpus(seeds_out)
    hits = corpus.index.search(QUESTION, k=5)
    rendered, shown = numbered_sentences(hits, corpus.sentences, corpus.texts)
    assert list(shown) == list(range(1, len(shown) + 1))
    assert len({(s.source_id, s.start) for s in shown.values()}) == len(shown)
    by_rank = {h.rank: h.passage for h in hits}
    for n, said in shown.items():
        passage = by_rank[said.rank]
        # clipped to the passage it is shown under, its words the source's own
        assert passage.char_start <= said.start < said.end <= passage.char_end
        assert said.text == " ".join(corpus.texts[said.source_id][said.start : said.end].split())
        assert f"\n{n}. {said.text}" in f"\n{rendered}"
    assert any(NEWSLETTER in s.text for s in shown.values())
    assert rendered.startswith(f"[{hits[0].rank}] ({hits[0].passage.label})\n1. ")


def test_no_sentence_of_a_sponsor_read_is_offered_as_an_answer(seeds_out: Path) -> None:
    """004's Brave read is found by a question in its words (its passage is shown), but
    none of its sentences is numbered: the 1.5B answered a question on Beijing's rewards
    for tech firms with "Users earn rewards for viewing ads ..." from it."""
    corpus, _ = open_corpus(seeds_out)
    ad = "Users earn rewards for viewing ads"
    hits = corpus.index.search("Which rewards do users earn for viewing ads?", k=5)
    assert any(
        ad in corpus.texts[h.passage.source_id][h.passage.char_start : h.passage.char_end]
        for h in hits
    )
    rendered, shown = numbered_sentences(hits, corpus.sentences, corpus.texts)
    assert ad not in rendered and shown
    # the conversation's sentences around the read are still offered
    text = corpus.texts["004"]
    read_at = text.index(ad)
    kept = [s for s in corpus.sentences["004"]]
    assert any(end < read_at - 1000 for _, end in kept) and any(s > read_at + 3000 for s, _ in kept)
    assert not any(s <= read_at < end for s, end in kept)


def test_a_person_s_view_is_not_answered_from_a_source_that_never_names_them(
    seeds_out: Path, scripted: ScriptedClient
) -> None:
    """L Squared is 004's guest alone; the 1.5B answered her view on Apple with 003's
    "Maybe Apple could use that because Apple intelligence has been a mess."."""
    question = "What did L Squared say about Apple's AI features in China?"
    corpus, _ = open_corpus(seeds_out)
    _, shown = numbered_sentences(
        corpus.index.search(question, k=5), corpus.sentences, corpus.texts
    )
    apple = next(n for n, s in shown.items() if s.text.startswith("Maybe Apple could use"))
    assert shown[apple].source_id == "003"
    silent = unnamed(question, shown, corpus.texts)
    assert apple in silent and not any(
        s.source_id == "004" for n, s in shown.items() if n in silent
    )
    reply = {"answerable": True, "sentence": apple, "answer": "Apple intelligence has been a mess"}
    scripted.enqueue(reply, reply)
    refused = ask(seeds_out, scripted, question)
    assert not refused.answered and refused.reason.startswith("no answer stated by a sentence")
    assert "never names L Squared" in scripted.history[1][-1]["content"]
    # the same answer to a question that asks no one's view stands
    scripted.enqueue(reply)
    answer = ask(seeds_out, scripted, "What about Apple's AI features in China?")
    assert answer.answered and "Apple intelligence has been a mess" in answer.answer


def test_a_question_naming_someone_is_not_answered_from_a_source_that_never_names_them(
    seeds_out: Path, scripted: ScriptedClient
) -> None:
    """Afra Wang is 000's host; the 1.5B answered where she graduated with 004's "startups
    that have emerged from Tsinghua University"."""
    question = "Which university did Afra Wang graduate from?"
    corpus, _ = open_corpus(seeds_out)
    hits = [corpus.index.search(question, k=2, sources=[sid])[0] for sid in ("000", "004")]
    _, shown = numbered_sentences(hits, corpus.sentences, corpus.texts)
    silent = unnamed(question, shown, corpus.texts)
    assert {s.source_id for n, s in shown.items() if n in silent} == {"004"}
    assert all(person == "Afra Wang" for person in silent.values())
    # asked of 004 alone, the model's sentence of it is asked again, then refused
    _, of_004 = numbered_sentences(
        corpus.index.search(question, k=5, sources=["004"]), corpus.sentences, corpus.texts
    )
    said = " ".join(of_004[1].text.split()[:12])
    reply = {"answerable": True, "sentence": 1, "answer": said}
    scripted.enqueue(reply, reply)
    refused = answer_question(
        question,
        corpus.index,
        corpus.texts,
        scripted,
        k=5,
        sources=["004"],
        policy=STRICT_15B,
        sentences=corpus.sentences,
    )
    assert not refused.answered and len(scripted.history) == 2
    assert "never names Afra Wang: set answerable" in scripted.history[1][-1]["content"]
    # a question about several sources or parties is not held to one name
    several = "Why is SaaS weak in China, according to the open-source monologue and Grace Shao?"
    assert unnamed(several, shown, corpus.texts) == {}


def test_only_the_names_a_source_writes_whole_are_held_to() -> None:
    texts = {"000": "I'm Afra Wang, and this is Concurrent.", "003": "Jan LeCoon said so."}
    assert names_written("Which university did Afra Wang graduate from?", texts) == ["Afra Wang"]
    assert names_written("What is Afra Wang's newsletter called?", texts) == ["Afra Wang"]
    # a paraphrase of a place, a name written otherwise, and the question's first word
    assert names_written("When did the Golden State's rail line open?", texts) == []
    assert names_written("According to Yann LeCun, how many people use it?", texts) == []
    assert names_written("Afra Wang: where did she study?", texts) == []


def test_a_name_counts_when_the_source_writes_a_part_of_it() -> None:
    assert names_person("Kai-Fu Lee", "and Kai Fu Lee said") and names_person(
        "L Squared", "L Squared:"
    )
    assert not names_person("L Squared", "the error squared") and not names_person("Lee", "Leeds")
    assert names_person("Al", "anything")  # no part to look for: nothing to judge


def _shown(seeds_out: Path) -> tuple[int, int]:
    """The numbers of the newsletter's sentence and of another sentence shown."""
    corpus, _ = open_corpus(seeds_out)
    _, shown = numbered_sentences(
        corpus.index.search(QUESTION, k=5), corpus.sentences, corpus.texts
    )
    stating = next(n for n, s in shown.items() if NEWSLETTER in s.text)
    other = next(n for n, s in shown.items() if "Concurrent" not in s.text and n != stating)
    return stating, other


def ask(seeds_out: Path, client: ScriptedClient, question: str = QUESTION, policy=STRICT_15B):
    corpus, _ = open_corpus(seeds_out)
    return answer_question(
        question, corpus.index, corpus.texts, client, k=5, policy=policy, sentences=corpus.sentences
    )


def test_an_answer_is_printed_with_the_sentence_that_states_it_whatever_number_was_given(
    seeds_out: Path, scripted: ScriptedClient
) -> None:
    _, other = _shown(seeds_out)
    # the 1.5B names the answer and gives another sentence's number
    scripted.enqueue({"answerable": True, "sentence": other, "answer": "Concurrent"})
    answer = ask(seeds_out, scripted)
    assert answer.answered and len(scripted.history) == 1  # moved by code, not re-asked
    assert answer.answer.startswith("Concurrent: “Afra used to work in Silicon Valley")
    assert answer.answer.endswith('newsletter called "Concurrent".”')
    (cited,) = answer.citations
    assert NEWSLETTER in cited.passage.text and answer.statements[0].citations == [cited.id]
    corpus, _ = open_corpus(seeds_out)
    assert passage_problem(cited.passage.model_dump(), corpus.texts) is None
    # the model read numbered sentences, not the passages whole
    assert "\n1. " in scripted.history[0][1]["content"]


def test_an_answer_no_sentence_states_is_asked_again_then_refused(
    seeds_out: Path, scripted: ScriptedClient
) -> None:
    stating, _ = _shown(seeds_out)
    wrong = {"answerable": True, "sentence": stating, "answer": "Dragon Weekly"}
    scripted.enqueue(wrong, wrong)
    refused = ask(seeds_out, scripted)
    assert not refused.answered and refused.near_misses
    assert refused.reason.startswith("no answer stated by a sentence shown")
    assert "does not state the answer" in scripted.history[1][-1]["content"]


def test_an_answer_of_the_question_s_words_is_asked_again_and_not_answerable_is_a_refusal(
    seeds_out: Path, scripted: ScriptedClient
) -> None:
    stating, _ = _shown(seeds_out)
    scripted.enqueue(
        {"answerable": True, "sentence": stating, "answer": "the newsletter Afra Wang writes"},
        {"answerable": False, "sentence": 0, "answer": ""},
    )
    refused = ask(seeds_out, scripted)
    assert not refused.answered and refused.reason == "the passages found do not state the answer"
    assert "only repeats the question" in scripted.history[1][-1]["content"]


def test_without_the_run_s_sentences_the_same_policy_answers_in_statements(
    seeds_out: Path, scripted: ScriptedClient
) -> None:
    corpus, _ = open_corpus(seeds_out)
    rank = next(h.rank for h in corpus.index.search(QUESTION, k=5) if NEWSLETTER in h.passage.text)
    said = 'Afra now writes a very interesting sub-stack newsletter called "Concurrent".'
    scripted.enqueue({"answerable": True, "statements": [{"text": said, "passages": [rank]}]})
    answer = answer_question(QUESTION, corpus.index, corpus.texts, scripted, policy=STRICT_15B)
    assert answer.answered and "Concurrent" in answer.answer and "“" not in answer.answer


SHOWN = {
    1: "The weather in Beijing was fine that week.",
    2: "One of their biggest choke points is Cuda, the software stack of Nvidia's GPUs.",
    3: "Thanks for having me.",
    4: "They got 1.3-50.",
    5: "China has more than 50,000 kilometers of ultra-high voltage lines across its grid.",
    6: "We recorded this on Monday, March 18, my time.",
}


def validated(question: str, reply: dict[str, object], policy=STRICT_15B) -> SentenceReply:
    context = {"sentences": SHOWN, "question": question, "policy": policy}
    return SentenceReply.model_validate(reply, context=context)


def test_the_number_moves_to_the_sentence_that_holds_the_answer() -> None:
    question = "What choke point does China want to escape?"
    reply = validated(question, {"answerable": True, "sentence": 1, "answer": "Cuda"})
    assert reply.sentence == 2
    # of two sentences that hold it equally, the model's own number stands
    assert validated(question, {"answerable": True, "sentence": 2, "answer": "Cuda"}).sentence == 2


@pytest.mark.parametrize(
    ("question", "answer", "why"),
    [
        # a number no sentence shown gives
        ("What choke point does China want to escape?", "Cuda 12", "do not give 12"),
        # a quantity asked and none answered
        (
            "How many kilometers of ultra-high voltage lines does China have?",
            "its grid",
            "quantity",
        ),
        # the question's number in no sentence near the answer
        ("How many kilometers of lines did China have in 2020?", "50,000", "names 2020"),
        # a figure whose sentence shares no word with the question
        ("How much did the lab spend on training?", "1.3-50", "shares no word"),
    ],
)
def test_an_answer_its_sentence_does_not_state_fails_the_checks(
    question: str, answer: str, why: str
) -> None:
    with pytest.raises(ValidationError, match=why):
        validated(question, {"answerable": True, "sentence": 4, "answer": answer})
    # not answerable needs no sentence
    assert not validated(question, {"answerable": False, "sentence": 0, "answer": ""}).answerable


def test_a_lenient_policy_takes_a_figure_whose_sentence_shares_no_word_with_the_question() -> None:
    from pipeline.stages.policy import LENIENT

    reply = {"answerable": True, "sentence": 4, "answer": "1.3-50"}
    assert validated("How much did the lab spend on training?", reply, LENIENT).sentence == 4
    with pytest.raises(ValidationError):
        validated("How much did the lab spend on training?", reply, STRICT)


def test_a_date_is_no_answer_to_a_question_that_asks_no_time() -> None:
    """The 1.5B answered what the guest ate for breakfast on the day of the recording with
    "Monday, March 18", from the sentence that tells the date."""
    reply = {"answerable": True, "sentence": 6, "answer": "Monday, March 18"}
    breakfast = "What did the guest eat for breakfast on the day we recorded?"
    with pytest.raises(ValidationError, match="is a date, and the question asks no date"):
        validated(breakfast, reply)
    assert validated("When did they record this?", reply).sentence == 6
    assert validated("On what day did they record this?", reply).sentence == 6
    assert only_a_date("June 4", "What happened in Beijing?")
    # a figure, a name with a month's letters, or a date with more in it is not only a date
    assert not only_a_date("18", "How many people came?")
    assert not only_a_date("Marchetti", "Who came?")
    assert not only_a_date("March 18, when the ban began", "What changed?")


def test_the_answer_is_printed_before_its_sentence_unless_it_copies_the_sentence() -> None:
    sentence = SHOWN[2]
    assert printed_answer("Cuda.", sentence) == f"Cuda: “{sentence}”"
    assert printed_answer(sentence, sentence) == f"“{sentence}”"
    # a bulleted transcript's line markers are no words of it (seed 004)
    wrapped = "Right now, the number one model is Quen 1.572b,\n*  which comes out of Alibaba."
    assert printed_answer("Quen 1.572b", wrapped) == (
        "Quen 1.572b: “Right now, the number one model is Quen 1.572b, which comes out of Alibaba.”"
    )


def test_an_answer_cut_from_after_a_negation_is_not_printed_alone() -> None:
    """Asked "What did Grace Shao say about Manus?", the 1.5B answered "Manus has
    disrupted anything we already believe in" from a sentence that says she doesn't
    think so: printed before its sentence, the answer said the opposite."""
    said = (
        "I don't think Manus has disrupted anything we already believe in, which is AI "
        "will one day become like an assistant or extension of our capabilities."
    )
    answer = "Manus has disrupted anything we already believe in"
    assert printed_answer(answer, said) == f"“{said}”"
    for negated in ("It is not the case that Manus is new.", "They never said Manus is new."):
        assert printed_answer("Manus is new", negated) == f"“{negated}”"
    # a negation further back, or none, leaves the answer before its sentence (q28, q15)
    far = "It is not dependent on them, compared to the US, where it's like 60% GDP is driven."
    assert printed_answer("60% GDP", far) == f"60% GDP: “{far}”"
    plain = "I think Manus has disrupted nothing we believe in, which is AI as an assistant."
    assert printed_answer("Manus has disrupted nothing", plain).startswith("Manus has")
