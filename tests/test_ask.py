"""`brief ask`: retrieval, the stored index, grounded answers, refusals and the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEEDS, ScriptedClient, ScriptedSession, processed
from pydantic import ValidationError

from pipeline.ask.answer import NOTHING_ASKED, answer_question
from pipeline.ask.answer_checks import about_words, numbers, supported, unsupported
from pipeline.ask.answer_reply import STATEMENT_CHARS, AnswerReply
from pipeline.ask.corpus import INDEX_DIR, open_corpus
from pipeline.ask.excerpts import EXCERPT_WORDS, excerpt
from pipeline.ask.retrieval import IndexParams, SearchIndex
from pipeline.cli import main
from pipeline.errors import ModelError
from pipeline.models import Passage
from pipeline.stages.policy import LENIENT, STRICT, ModelPolicy

NEWSLETTER = 'now writes a very interesting sub-stack newsletter called "Concurrent"'


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return processed(tmp_path_factory.mktemp("ask") / "out", [SEEDS])


def test_search_finds_the_answering_span_not_a_chunk(seeds_out: Path) -> None:
    corpus, _ = open_corpus(seeds_out)
    hits = corpus.index.search("What is the newsletter called that Afra Wang writes?", k=5)
    assert NEWSLETTER in hits[0].passage.text
    assert hits[0].passage.source_id == "000"
    assert all(
        h.passage.text
        == corpus.texts[h.passage.source_id][h.passage.char_start : h.passage.char_end]
        for h in hits
    )
    assert len(hits[0].passage.text) < 2500  # a span of sentences, not a 900-token chunk
    for a in hits:
        for b in hits:
            if a is not b and a.passage.source_id == b.passage.source_id:
                assert a.passage.char_end <= b.passage.char_start or (
                    b.passage.char_end <= a.passage.char_start
                )


def test_search_respects_sources_and_finds_nothing_for_unknown_words(seeds_out: Path) -> None:
    corpus, _ = open_corpus(seeds_out)
    hits = corpus.index.search("newsletter Concurrent Afra", k=5, sources=["003", "004"])
    assert hits and {h.passage.source_id for h in hits} <= {"003", "004"}
    assert corpus.index.search("zyxwvut qqqxxx", k=5) == []


def test_index_is_stored_reloaded_and_rebuilt_when_stale(tmp_path: Path) -> None:
    out = processed(tmp_path / "out", [SEEDS / "002_e97962a6dbc2b620.txt"])
    first, rebuilt = open_corpus(out)
    assert rebuilt and (out / INDEX_DIR / "meta.json").is_file()
    again, rebuilt = open_corpus(out)
    assert not rebuilt
    query = "moat open source"
    assert [h.passage for h in again.index.search(query)] == [
        h.passage for h in first.index.search(query)
    ]
    chunks = (out / "chunks.jsonl").read_text().splitlines()
    (out / "chunks.jsonl").write_text("\n".join(chunks[:3]) + "\n")
    _, rebuilt = open_corpus(out)
    assert rebuilt  # the chunks changed: the stored index no longer matches them
    assert SearchIndex.load(out / INDEX_DIR).chunk_ids == [
        json.loads(line)["id"] for line in chunks[:3]
    ]


def test_other_index_settings_are_built_in_memory_and_the_stored_index_kept(
    tmp_path: Path,
) -> None:
    out = processed(tmp_path / "out", [SEEDS / "002_e97962a6dbc2b620.txt"])
    open_corpus(out)  # brief run's index, stored
    stored = (out / INDEX_DIR / "meta.json").read_bytes()
    other, rebuilt = open_corpus(out, IndexParams(window_tokens=200))
    assert rebuilt and not other.stored and other.index.params.window_tokens == 200
    assert (out / INDEX_DIR / "meta.json").read_bytes() == stored
    default, rebuilt = open_corpus(out)
    assert not rebuilt and default.stored  # no rebuild for the next default question
    # once the run's files change, the stored index is stale: the one asked for replaces it
    chunks = (out / "chunks.jsonl").read_text().splitlines()
    (out / "chunks.jsonl").write_text("\n".join(chunks[:3]) + "\n")
    fresh, rebuilt = open_corpus(out, IndexParams(window_tokens=200))
    assert rebuilt and fresh.stored
    assert SearchIndex.load(out / INDEX_DIR).params.window_tokens == 200


def test_supported_needs_shared_content_words() -> None:
    evidence = "China has more than 50,000 kilometers of ultra-high voltage transmission lines"
    assert supported("China built over 50,000 km of high voltage lines", evidence)
    assert not supported("The United States leads in chip design", evidence)
    assert not supported("China built over 80,000 km of high voltage lines", evidence)
    # the recorded model gave the US government's spending as DeepSeek's
    spending = "The biggest purchaser is the US Government. It spends over $760 billion annually."
    assert not supported("DeepSeek spent $760 billion annually.", spending)
    assert supported("The US Government spends $760 billion annually.", spending)


def test_a_statement_may_repeat_the_question_s_framing_when_it_adds_a_number() -> None:
    # dev q04 (the 1.5B's first reply, right, refused): the question's "Golden State" and
    # "bullet-train line" are not the passage's words ("California", "high-speed rail");
    # the year the statement adds is
    question = "In what year was the Golden State's bullet-train line promised to begin service?"
    passage = (
        "The simplest example is the notorious high-speed rail in California. Then they "
        "previously said that the opening time was to be opened in 2020."
    )
    statement = "The Golden State's bullet-train line was promised to begin service in 2020."
    assert unsupported(statement, passage) == "the passages do not name Golden, State"
    assert unsupported(statement, passage, question=question) is None
    # what it adds must still be the passage's: the number, a name, its other words
    later = statement.replace("2020", "2021")
    assert unsupported(later, passage, question=question) == "the passages do not give 2021"
    named = statement.replace("line", "line of Governor Newsom")
    assert "do not name Governor, Newsom" in str(unsupported(named, passage, question=question))
    padded = statement.replace("in 2020", "to every commuter by the state railway in 2020")
    assert "needed" in str(unsupported(padded, passage, question=question))
    # a name the passage gives is not enough to lean on the question (a false premise:
    # the passage is about Uber's founder, not Elon Musk)
    premise = "What did Kai-Fu Lee say about Elon Musk's robotaxi plans?"
    evidence = "Kai-Fu Lee wrote that Uber's founder broke an arm in China."
    said = "Kai-Fu Lee said Elon Musk's robotaxi plans would break an arm in China."
    assert "do not name Elon, Musk" in str(unsupported(said, evidence, question=premise))


def test_what_a_statement_adds_to_the_question_must_be_in_its_passages() -> None:
    # asked live of the seeds: "What does Grace Shao think of Manus?" was answered "Grace
    # Shao thinks Manus is not driven by money." on 003 L596-626, a passage that names
    # Grace Shao and Manus (the host's plan for the talk) and says nothing of money: 4 of
    # its 6 words were in it, the question's 4
    question = "What does Grace Shao think of Manus?"
    passage = (
        "And we're back here on Big Technology podcast with Grace Shao. I think we should "
        "talk about robotics and then if we can get it in, a minute about Manus and agents."
    )
    statement = "Grace Shao thinks Manus is not driven by money."
    assert unsupported(statement, passage) is None  # without the question: 4 of 6 words
    assert unsupported(statement, passage, question=question) == (
        "they do not hold what it adds to the question (driven, money)"
    )
    # what the passage says of it passes
    said = "Grace Shao: I don't think Manus has disrupted anything we already believe in."
    assert (
        unsupported("Grace Shao thinks Manus has not disrupted anything.", said, question=question)
        is None
    )


def _reply_problem(question: str, statement: str, passage: str) -> str | None:
    data = {"answerable": True, "statements": [{"text": statement, "passages": [1]}]}
    try:
        AnswerReply.model_validate(data, context={"passages": {1: passage}, "question": question})
    except ValidationError as exc:
        return str(exc)
    return None


def test_an_answer_must_carry_the_numbers_the_question_asks_for() -> None:
    passage = "Huawei is the big chip manufacturer and a lot of labs have state ownership."
    # the recorded 0.5B model answered this one with an invented figure
    assert "not stated by passages" in str(
        _reply_problem(
            "How many GPUs did the Chinese government buy?",
            "The Chinese government bought 4 GPUs from Huawei.",
            passage,
        )
    )
    assert "do not mention" in str(
        _reply_problem(
            "Which chip maker had state ownership in 2023?",
            "Huawei, the big chip manufacturer, has state ownership.",
            passage,
        )
    )
    assert "quantity" in str(
        _reply_problem(
            "How many labs have state ownership?",
            "A lot of labs have state ownership.",
            passage,
        )
    )
    fine = _reply_problem("Who makes chips?", "Huawei is the big chip manufacturer.", passage)
    assert fine is None
    # a model name is not a quantity, and a number from the question does not answer it
    assert "quantity" in str(
        _reply_problem(
            "How many H800 GPUs were used?",
            "H800 GPUs were used in training.",
            "H800 GPUs were used in training.",
        )
    )
    # a chip model is a number: the wrong one is not in the passage ("H800" once read as "00")
    chips = "DeepSeek trained V3 on 2,048 H800 GPUs."
    assert numbers("H800 and H100") == {"h800", "h100"}
    assert "is not stated" in str(
        _reply_problem("Which GPUs trained V3?", "V3 was trained on H100 GPUs.", chips)
    )
    assert unsupported("V3 was trained on H100 GPUs.", chips) == "the passages do not give h100"
    assert _reply_problem("Which GPUs trained V3?", "V3 was trained on H800 GPUs.", chips) is None
    assert _reply_problem("How many GPUs trained V3?", "V3 used 2048 H800 GPUs.", chips) is None
    ernie = "Ernie 4.0 was the best. Ernie has something like 4X the users."
    for answer in ("Ernie 4.0 was the best.", "Ernie has something like 4X the users."):
        assert "quantity" in str(_reply_problem("What score did Ernie 4.0 get?", answer, ernie))


def test_a_quantity_question_in_another_language_needs_a_number_too() -> None:
    said = (
        "Ellos dicen que el entrenamiento final costó unos seis millones de dólares. "
        "Mistral en Francia es la excepción."
    )
    # an unanswerable question, answered with a sentence that names its subject
    assert "quantity" in str(
        _reply_problem(
            "¿Cuántos empleados tiene Mistral?", "Mistral en Francia es la excepción.", said
        )
    )
    assert "quantity" in str(
        _reply_problem(
            "Combien d'employés a Mistral ?", "Mistral en Francia es la excepción.", said
        )
    )
    # ... in a statement about what it asks: the second gives a figure, but not Mistral's
    mistral = "Mistral en Francia es la excepción. El español lo hablan seiscientos millones."
    assert "quantity" in str(
        _reply_problem(
            "¿Cuántos empleados tiene Mistral?",
            mistral,
            said + " El español lo hablan seiscientos millones.",
        )
    )
    # a number in the words its passage spells it in answers it (in English too)
    costed = "El entrenamiento final costó unos seis millones de dólares."
    assert _reply_problem("¿Cuánto costó el entrenamiento final?", costed, said) is None
    sold = "They sold two million phones."
    assert _reply_problem("How many phones did they sell?", sold, sold) is None


def test_a_chinese_answer_about_a_subject_its_passage_never_names_is_refused() -> None:
    passage = "字节跳动的豆包把价格降到每千个token零点零零零八元，比行业价格低了百分之九十九。"
    # Xiaomi is in no podcast: the 1.5B answered with Doubao's price
    wrong = "小米的电动汽车售价大约为每千个token零点零零零八元，比行业价格低了百分之九十九。"
    problem = unsupported(wrong, passage, question="小米的电动汽车卖多少钱？")
    assert problem == "the passages do not name 小米, 电动汽车"
    right = "豆包把价格降到每千个token零点零零零八元，比行业价格低了百分之九十九。"
    assert unsupported(right, passage, question="豆包把价格降到了多少？") is None


def test_a_true_sentence_that_does_not_address_the_question_is_not_an_answer() -> None:
    # the embedded model answered the newsletter question with this, citing the
    # passage that names the newsletter
    passage = (
        "Afra writes a newsletter called Concurrent. The United States is liberal and democratic."
    )
    question = "What is Afra Wang's newsletter called?"
    problem = _reply_problem(question, "The United States is liberal and democratic.", passage)
    assert "shares a word with the question" in str(problem)
    assert _reply_problem(question, "Concurrent.", passage) is None  # quoted: the answer itself
    # quoted from a passage about something else: recorded as the model's second reply
    elsewhere = (
        "Dan Wang wrote: The United States is liberal and democratic. China is authoritarian."
    )
    assert "shares a word" in str(_reply_problem(question, "China is authoritarian.", elsewhere))


def test_a_persons_view_is_about_what_the_question_asks() -> None:
    # education_18 (QMSum): the 1.5B answered this with what she said of pay equality,
    # which shares only her name with the question
    question = "What did Eluned Morgan say about the Student Loans Company?"
    passage = (
        "Eluned Morgan AM: In relation to teaching, we would wish to see pay equality. "
        "Kirsty Williams AM: We are working with the Student Loans Company on delays."
    )
    pay = "Eluned Morgan said that she would wish to see pay equality in relation to teaching."
    assert "shares a word with the question" in str(_reply_problem(question, pay, passage))
    assert about_words(question) == {"student", "loan", "compani"}
    assert about_words("Summarize Eluned Morgan's opinion on pay.") == {"summar", "opinion", "pay"}
    # a question that asks nothing but the person's view keeps the person
    assert about_words("What did Eluned Morgan say?") == {"elun", "morgan"}
    assert _reply_problem("What did Eluned Morgan say?", pay, passage) is None


def test_a_statement_copied_from_another_passage_is_cited_to_that_passage() -> None:
    passages = {
        1: "Huawei is the big chip manufacturer.",
        2: "Hangzhou is considered a second-tier city by China's standards.",
    }
    data = {
        "answerable": True,
        "statements": [{"text": "Hangzhou is a second-tier city in China.", "passages": [1]}],
    }
    reply = AnswerReply.model_validate(data, context={"passages": passages, "question": "?"})
    assert reply.statements[0].passages == [2]
    # cited to a passage that shares enough words, while another states it outright
    passages[1] = "Hangzhou is a city in China."
    reply = AnswerReply.model_validate(data, context={"passages": passages, "question": "?"})
    assert reply.statements[0].passages == [2]
    # cited to a passage that shares as many of its words but lacks its number (dev q04)
    passages[1] = "Hangzhou is a second-tier city, a million strong."
    passages[2] = "Hangzhou has 12 million people, a second-tier town."
    data["statements"][0]["text"] = "Hangzhou is a second-tier city of 12 million."
    reply = AnswerReply.model_validate(data, context={"passages": passages, "question": "?"})
    assert reply.statements[0].passages == [2]
    data["statements"][0]["text"] = "Shenzhen builds the most robots."  # stated by neither
    with pytest.raises(ValidationError, match="not stated by passages"):
        AnswerReply.model_validate(data, context={"passages": passages, "question": "?"})


def test_a_hyphenated_word_names_only_its_capitalised_part() -> None:
    # dev q08, the 1.5B's first reply: right answer, wrong passage cited; the move to the
    # passage that states it failed on "alphabet" (from "Roman-alphabet") counted as a name
    from pipeline.text import name_words as names

    assert names("fitted onto Roman-alphabet keyboards") == {"roman"}
    assert names("a Chinese-made chip and a Silicon-Valley firm") >= {"chines", "silicon", "valley"}
    passages = {
        1: (
            'Then the second book is called "Chinese Typewriter". This one is written by a '
            "Stanford technology historian named Tom Malaney. It tells how Chinese, with so "
            "many characters, was fitted to the telegraph and the Roman keyboard."
        ),
        2: "I think it is Breakneck first. A very good writer.",
    }
    statement = (
        "The recommended history of how Chinese characters were fitted onto Roman-alphabet "
        "keyboards and telegraphy was written by Tom Malaney, a Stanford technology historian."
    )
    data = {"answerable": True, "statements": [{"text": statement, "passages": [2]}]}
    question = (
        "Who wrote the recommended history of how Chinese characters were fitted onto "
        "Roman-alphabet keyboards and telegraphy?"
    )
    context = {"passages": passages, "question": question}
    assert AnswerReply.model_validate(data, context=context).statements[0].passages == [1]
    # a name the passages lack still fails, hyphenated or not
    data["statements"][0]["text"] = statement.replace("Roman-alphabet", "Cyrillic-alphabet")
    with pytest.raises(ValidationError, match="not stated by passages"):
        AnswerReply.model_validate(data, context=context)


def test_a_people_s_adjective_is_named_by_its_place() -> None:
    # dev q20, the 0.5B's first reply: right, refused because "Japanese" (from the
    # question) is not "Japan" to the names guard
    passage = (
        "A commenter said this sounds almost exactly like Japan's Fifth Generation AI project."
    )
    statement = (
        "The Japanese AI project that a commenter compares China's AI push to is the Fifth "
        "Generation AI project."
    )
    question = "Which Japanese AI project did a commenter compare China's AI push to?"
    assert _reply_problem(question, statement, passage + " China's AI push.") is None
    for place, people in [("China", "Chinese"), ("Korea", "Korean"), ("America", "American")]:
        assert supported(f"{people} labs publish weights.", f"{place} labs publish weights.")
    # another people, or a place the passage does not name, still fails
    assert not supported("Korean labs publish weights.", "Japan labs publish weights.")
    assert "do not name Japanese" in str(unsupported("Japanese labs.", "Java labs."))


@pytest.mark.parametrize(
    ("statement", "passage"),
    [
        ("They make up 60% of America's output.", "They make up 60% of the US output."),
        ("The US leads in chips.", "America leads in chips."),
        ("The US leads in chips.", "The United States leads in chips."),
        ("American labs lead.", "U.S. labs lead."),
        ("The UK regulates first.", "Britain regulates first."),
    ],
)
def test_a_country_named_another_way_is_named(statement: str, passage: str) -> None:
    # held q28, the 1.5B's first reply: right, refused because the passage says "the US"
    assert unsupported(statement, passage) is None


def test_the_pronoun_us_does_not_name_america() -> None:
    assert "do not name America" in str(unsupported("America leads.", "Let us lead."))
    assert "do not name America" in str(unsupported("America leads.", "Britain leads."))


def test_a_later_statement_its_passages_do_not_state_is_dropped_not_the_answer() -> None:
    # dev q57, the 1.5B's first reply: the model's name right, the ranking wrong (the
    # passage says Claude 3, not Quen, is "right up alongside" GPT-4 Turbo; "LMSys" is
    # the question's spelling); re-asked, the 1.5B said "not answerable"
    from pipeline.stages.policy import LENIENT, STRICT

    passages = {
        1: (
            "I also just checked the leaderboard, LNsys.org. Cloud3 has jumped right to the "
            "top right up alongside the latest GPT-4 turbos. Right now, the number one "
            "Chinese model on that leaderboard is Quen 1.572b, which I believe comes out of "
            "Alibaba."
        ),
    }
    first = {"text": "Alibaba's model on the leaderboard is called Quen 1.572b.", "passages": [1]}
    wrong = {
        "text": "Quen 1.572b ranked right up alongside the latest GPT-4 turbos on the LMSys board.",
        "passages": [1],
    }
    question = "What is Alibaba's large language model called, and how did it rank on LMSys?"
    data = {"answerable": True, "statements": [first, wrong]}

    def validate(data: dict, policy=STRICT) -> AnswerReply:
        context = {"passages": passages, "question": question, "policy": policy}
        return AnswerReply.model_validate(data, context=context)

    assert [s.text for s in validate(data).statements] == [first["text"]]
    with pytest.raises(ValidationError, match="do not name LMSys"):
        validate(data, LENIENT)  # a strong model is re-asked and repairs it
    # the first statement is the answer: it is never dropped, whatever follows
    with pytest.raises(ValidationError, match="statement 1 .* do not name LMSys"):
        validate({"answerable": True, "statements": [wrong, first]})
    # the checks on the whole answer see only what is kept: a figure only the dropped
    # statement gave does not answer a quantity question
    quantity = {"answerable": True, "statements": [first, dict(wrong, text="It scored 1290.")]}
    context = {"passages": passages, "question": "What score did Quen get?", "policy": STRICT}
    with pytest.raises(ValidationError, match="quantity"):
        AnswerReply.model_validate(quantity, context=context)


def test_the_reask_says_what_the_passages_lack() -> None:
    # the re-ask is the validation error: it names the missing number or name and the fix
    problem = _reply_problem(
        "When was the line promised?",
        "The line was promised for 2015.",
        "The line was promised for 2020 by the state.",
    )
    assert "is not stated by passages [1]: the passages do not give 2015" in str(problem)
    assert "cite that passage, or set answerable to false" in str(problem)
    restated = _reply_problem("What rewards can Beijing dangle?", "Beijing can dangle rewards.", "")
    assert "give the fact it asks for" in str(restated)
    # a name as the statement writes it, not its stem ("kerri" read as a typo)
    named = _reply_problem(
        "Who wrote the history of the characters?",
        "The history was written by Professor Kerry Brown's co-author Jean-Luc.",
        "The history of the characters was written by a scholar and a co-author.",
    )
    assert "do not name Professor, Kerry, Brown, Jean, Luc" in str(named)


def test_a_passage_cut_mid_sentence_is_shown_with_what_follows() -> None:
    # dev q03: the retrieved window stopped at "Unitrade, gave an", before the example the
    # question asks for; shown continued to a line end, it holds it and still verifies
    from pipeline.ask.answer import continued
    from pipeline.ask.retrieval import Hit
    from pipeline.models import Passage, column_at
    from pipeline.outputs.verify import passage_problem

    text = (SEEDS / "000_96f7fa1cd8d96bb9.txt").read_text(encoding="utf-8")
    start = text.index("And by building this, I mean")
    end = text.index("gave an", start) + len("gave an")
    passage = Passage(
        source_id="000",
        char_start=start,
        char_end=end,
        line_start=text.count("\n", 0, start) + 1,
        line_end=text.count("\n", 0, end) + 1,
        column=column_at(text, start),
        text=text[start:end],
    )
    hit = Hit(rank=1, score=1.0, passage=passage, chunk_ids=[])
    texts = {"000": text}
    shown = continued(hit, texts).passage
    assert "I can buy all the parts for a drone," in shown.text
    assert shown.char_start == start and shown.line_start == passage.line_start
    assert passage_problem(shown.model_dump(), texts) is None
    assert len(shown.text) - len(passage.text) <= 400 and not shown.text[-1].isspace()
    assert continued(hit, texts, chars=0) is hit
    # a passage that is not its source's slice (a stale index) is left as it is
    assert continued(hit, {"000": "other text"}) is hit


def test_an_acronym_the_passage_spells_out_is_named_by_it() -> None:
    # dev q14, the 1.5B's first reply: right, in the question's spelling "SaaS"; the
    # transcript has "SAS" and "software as a service"
    passage = (
        "China just historically has had a weak software as a service culture. This is from "
        "McKinsey where it says that the size of China's SAS market is worth 5.2 billion "
        "compared to the US's 120 billion."
    )
    statement = "According to McKinsey, China's SaaS market is worth 5.2 billion."
    assert unsupported(statement, passage) is None
    assert "do not name SaaS" in str(unsupported(statement, passage.replace("as a serv", "")))
    # an acronym of three letters matches chance runs of initials: not accepted
    gpu = "China's GPU market is worth 5.2 billion."
    assert "do not name GPU" in str(unsupported(gpu, passage))


def test_a_name_the_passage_writes_apart_is_named_by_it() -> None:
    # two_part_qa t06 and t02, the 1.5B's right replies, refused as naming what the
    # passages do not name: the speech-to-text writes "open AI's chat GPT", "Break Neck"
    users = (
        "And he said there's 600 million people using their AI assistant within\n"
        "their apps compared to 400 million of open AI's chat GPT."
    )
    statement = "Meta has 600 million users compared to 400 million of OpenAI's ChatGPT."
    assert unsupported(statement.replace("Meta has", "There are"), users) is None
    book = "That is, Dan Wang’s latest book is called Break Neck,"
    assert unsupported("Dan Wang's latest book is called Breakneck.", book) is None
    # the parts apart, or other words between them, do not name it
    assert "do not name OpenAI" in str(
        unsupported("OpenAI released a model.", "The open source AI community released a model.")
    )
    assert "do not name Breakneck" in str(
        unsupported("His book is called Breakneck.", "His book is a break from the neck.")
    )


def test_a_model_size_run_into_letters_by_the_transcript_is_given() -> None:
    # two_part_qa t09: "Yi-34B" in the question, "Yee34B" in the transcript
    passage = "This is Yee34B. And this is from the company that was started by Kai-Fu Lee."
    question = "Who started the company behind Yi-34B?"
    answer = "The company was started by Kai-Fu Lee."
    assert _reply_problem(question, answer, passage) is None
    assert "do not mention" in str(_reply_problem(question, answer, passage.replace("34B", "")))
    # a figure is not taken out of a chip's name: "H800" gives no "800"
    assert unsupported("DeepSeek used 800 chips.", "DeepSeek trained on H800 chips.") == (
        "the passages do not give 800"
    )


QUESTION = "What is the newsletter called that Afra Wang writes?"


def ask(seeds_out: Path, client: ScriptedClient, question: str = QUESTION):
    corpus, _ = open_corpus(seeds_out)
    return answer_question(question, corpus.index, corpus.texts, client, k=5)


def newsletter_rank(seeds_out: Path) -> int:
    corpus, _ = open_corpus(seeds_out)
    return next(h.rank for h in corpus.index.search(QUESTION) if NEWSLETTER in h.passage.text)


def test_answer_cites_verified_passages(seeds_out: Path, scripted: ScriptedClient) -> None:
    rank = newsletter_rank(seeds_out)
    scripted.enqueue(
        {
            "answerable": True,
            "statements": [
                {"text": "Afra writes a newsletter called Concurrent.", "passages": [rank]}
            ],
        }
    )
    answer = ask(seeds_out, scripted)
    assert answer.answered and answer.statements[0].citations == [rank]
    assert NEWSLETTER in answer.citations[0].passage.text
    assert answer.citations[0].label.startswith("000 ")
    prompt = scripted.history[0][1]["content"]
    assert QUESTION in prompt and f"[{rank}] (" in prompt


@pytest.mark.parametrize(
    "question, told",
    [(QUESTION, None), ("¿Cómo se llama el boletín que escribe Afra Wang?", "Spanish")],
)
def test_a_question_not_in_english_is_answered_in_its_language(
    seeds_out: Path, scripted: ScriptedClient, question: str, told: str | None
) -> None:
    # the 1.5B answered "Wer fertigt die Ascend-Chips von Huawei?" in English
    scripted.enqueue({"answerable": False, "statements": []})
    ask(seeds_out, scripted, question)
    system = scripted.history[0][0]["content"]
    assert re.findall(r"The question is in (\w+)", system) == ([told] if told else [])


def test_unknown_passage_id_is_reasked_then_refused(seeds_out: Path, scripted) -> None:
    bad = {"answerable": True, "statements": [{"text": "Concurrent.", "passages": [9]}]}
    scripted.enqueue(bad, bad)
    answer = ask(seeds_out, scripted)
    assert len(scripted.history) == 2  # one re-ask with the error, then a refusal
    assert "were not supplied" in scripted.history[1][-1]["content"]
    assert not answer.answered and answer.near_misses and "valid citations" in answer.reason


def test_statement_not_stated_by_its_passage_is_refused(seeds_out: Path, scripted) -> None:
    rank = newsletter_rank(seeds_out)
    invented = {
        "answerable": True,
        "statements": [
            {"text": "Quantum annealers outperform tensor processors.", "passages": [rank]}
        ],
    }
    scripted.enqueue(invented, invented)
    answer = ask(seeds_out, scripted)
    assert not answer.answered and answer.citations == []


def test_reask_can_fix_the_citation(seeds_out: Path, scripted) -> None:
    rank = newsletter_rank(seeds_out)
    good = {
        "answerable": True,
        "statements": [{"text": "It is called Concurrent.", "passages": [rank]}],
    }
    scripted.enqueue({"answerable": True, "statements": []}, good)
    assert ask(seeds_out, scripted).answered


def test_model_refusal_and_no_matching_words(seeds_out: Path, scripted) -> None:
    scripted.enqueue({"answerable": False, "statements": []})
    answer = ask(seeds_out, scripted, "What did Afra say about the newsletter's revenue?")
    assert not answer.answered and len(answer.near_misses) == 3
    nothing = ask(seeds_out, scripted, "zyxwvut qqqxxx?")
    assert not nothing.answered and "shares a word" in nothing.reason
    assert len(scripted.history) == 1  # no model call without any retrieved passage


def test_a_question_of_question_words_only_is_refused_without_a_call(
    seeds_out: Path, scripted
) -> None:
    """The embedding ranks some passage first for any text: an empty question was
    answered "Deepseek was an outlier", and every check passed it (there was no question
    word for a statement to share)."""
    for question in ("", "?", "What is it?", "Why?"):
        answer = ask(seeds_out, scripted, question)
        assert not answer.answered and answer.reason == NOTHING_ASKED
        assert answer.near_misses == []
    assert scripted.history == []


def test_a_call_that_fails_is_an_error_not_a_refusal(seeds_out: Path, cli_session) -> None:
    """A server failing after its retries said "The sources don't answer this: the model's
    answer was not supported by the passages it cited" (exit 3) about sources it never
    read. Now it is an error (exit 2); asked one question after another, that question's
    error is said and the next question is asked."""
    calls = []

    def respond(stage: str, messages: list) -> dict:
        calls.append(stage)
        if len(calls) == 1:
            raise ModelError("ask: InternalServerError: the server fell over")
        return {"answerable": False, "statements": []}

    cli_session.responder = respond
    result = CliRunner().invoke(main, ["ask", QUESTION, "--out", str(seeds_out)])
    assert result.exit_code == 2 and "the server fell over" in result.output
    assert "don't answer" not in result.output
    calls.clear()
    questions = f"{QUESTION}\nWho writes the newsletter Concurrent?\n\n"
    result = CliRunner().invoke(main, ["ask", "--out", str(seeds_out)], input=questions)
    assert result.exit_code == 0, result.output
    assert "error: ask: InternalServerError: the server fell over" in result.output
    assert result.stdout.count("The sources don't answer this") == 1


def test_passages_that_do_not_fit_the_context_are_left_out_not_the_question(
    seeds_out: Path, scripted
) -> None:
    """`--k 20` on the embedded model's 8,192-token context failed with "the prompt needs
    about 10415 tokens": the last passages are left out instead, before any call."""
    scripted.context_window = 2200  # the answer prompt and about two 400-token passages
    scripted.enqueue({"answerable": False, "statements": []})
    answer = ask(seeds_out, scripted)
    assert 1 <= answer.retrieved < 5 and answer.retrieved + answer.left_out == 5
    assert len(scripted.history) == 1  # the passages were fitted before the one call
    sent = scripted.history[0][-1]["content"]
    assert f"[{answer.retrieved}] (" in sent and f"[{answer.retrieved + 1}] (" not in sent


def test_cli_refuses_an_empty_question_as_a_usage_error(seeds_out: Path, cli_session) -> None:
    result = CliRunner().invoke(main, ["ask", "  ", "--out", str(seeds_out)])
    assert result.exit_code == 2 and "QUESTION is empty" in result.output
    assert cli_session.history == []


@pytest.fixture
def cli_session(monkeypatch: pytest.MonkeyPatch, scripted: ScriptedClient) -> ScriptedClient:
    monkeypatch.setattr("pipeline.session.ModelSession", lambda *a, **k: ScriptedSession(scripted))
    return scripted


def test_cli_answer_json_refusal_exit_code_and_bad_source(seeds_out: Path, cli_session) -> None:
    runner = CliRunner()
    rank = newsletter_rank(seeds_out)
    cli_session.enqueue(
        {"answerable": True, "statements": [{"text": "Concurrent.", "passages": [rank]}]},
        {"answerable": False, "statements": []},
    )
    result = runner.invoke(main, ["ask", QUESTION, "--out", str(seeds_out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["answered"] and NEWSLETTER in data["citations"][0]["passage"]["text"]
    # printed, the passage is its lines nearest the statement, with where they are
    cli_session.enqueue(
        {
            "answerable": True,
            "statements": [{"text": "It is called Concurrent.", "passages": [rank]}],
        }
    )
    result = runner.invoke(main, ["ask", QUESTION, "--out", str(seeds_out)])
    assert result.exit_code == 0, result.output
    header, first_run = result.stdout.split("the lines nearest the answer):\n")[1].splitlines()[:2]
    assert header.startswith(f"[{rank}] 000 L") and first_run.startswith("    L")
    assert "Concurrent" in result.stdout.split(header)[1]

    result = runner.invoke(main, ["ask", "What was the revenue?", "--out", str(seeds_out)])
    assert result.exit_code == 3
    assert "The sources don't answer this" in result.stdout and "Nearest passages" in result.stdout
    shown = [line for line in result.stdout.splitlines() if line.startswith("    ")]
    assert shown and len(" ".join(shown)) < 3 * 2 * (EXCERPT_WORDS * 8)  # excerpts, not windows

    result = runner.invoke(main, ["ask", QUESTION, "--out", str(seeds_out), "--source", "999"])
    assert result.exit_code == 2 and "unknown source id(s) 999" in result.output


def test_a_printed_passage_names_its_source_by_title(
    seeds_out: Path, cli_session, tmp_path: Path
) -> None:
    import shutil

    out = tmp_path / "out"
    shutil.copytree(seeds_out, out)
    (out / "sources").mkdir(exist_ok=True)
    title = "Silicon Valley Envy and Chinese Innovation: Afra Wang on open source and more"
    brief = {"source_id": "000", "title": title}
    (out / "sources" / "000.json").write_text(json.dumps(brief), encoding="utf-8")
    (out / "sources" / "001.json").write_text("{not json", encoding="utf-8")  # no title
    rank = newsletter_rank(seeds_out)
    cli_session.enqueue(
        {
            "answerable": True,
            "statements": [{"text": "It is called Concurrent.", "passages": [rank]}],
        }
    )
    result = CliRunner().invoke(main, ["ask", QUESTION, "--out", str(out)])
    assert result.exit_code == 0, result.output
    header = result.stdout.split("the lines nearest the answer):\n")[1].splitlines()[0]
    assert header.startswith(f"[{rank}] 000 L")
    assert header.endswith("  Silicon Valley Envy and Chinese Innovation: Afra Wang on…")


def test_a_question_that_names_a_source_is_asked_of_it_alone(
    seeds_out: Path, cli_session, tmp_path: Path
) -> None:
    """ "What does the thread say about export controls?" found no passage of the thread
    among the five best of all five seeds; an answer from 004 would have been printed as
    the thread's. The one source of its kind (the manifest's formats) is asked alone."""
    import shutil

    out = tmp_path / "out"
    shutil.copytree(seeds_out, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for source in manifest["sources"]:
        source["format"] = "thread" if source["source_id"] == "002" else "markdown"
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    question = "What does the thread say about export controls?"
    for named, expected in [(True, {"002"}), (False, None)]:
        cli_session.enqueue({"answerable": False, "statements": []})
        asked = question if named else question.replace("the thread", "the commenter")
        result = CliRunner().invoke(main, ["ask", asked, "--out", str(out)])
        assert result.exit_code == 3, result.output
        shown = set(
            re.findall(r"^\[\d+\] \((\d{3}) ", cli_session.history[-1][-1]["content"], re.M)
        )
        if expected:
            assert shown == expected
            assert "note: asked of what the question names alone: 002" in result.stderr
        else:  # named by nothing: every source is searched
            assert len(shown) > 1 and "asked of what the question names" not in result.stderr


def test_cli_interactive_keeps_the_model_warm(
    seeds_out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real session with the embedded model: its server is started once for every
    question of the loop (here the server is the fault server, which says 'not answerable')."""
    from fault_server import FaultServer

    events: list[str] = []

    class Server:
        def __init__(self, path: Path, **options: object) -> None:
            pass

        def start(self) -> str:
            events.append("start")
            return fault.url

        def stop(self) -> None:
            events.append("stop")

    monkeypatch.setattr(
        "pipeline.model.embedded.ensure_model_file", lambda folder, spec: Path("m.gguf")
    )
    monkeypatch.setattr("pipeline.model.llama_server.EmbeddedServer", Server)
    questions = "What is the newsletter called?\nWho writes the newsletter Concurrent?\n\n"
    with FaultServer() as fault:
        result = CliRunner().invoke(main, ["ask", "--out", str(seeds_out)], input=questions)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("The sources don't answer this") == 2
    assert fault.requests == 2  # one model call per question
    assert events == ["start", "stop"]


def test_cli_without_a_run_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["ask", "anything?", "--out", str(tmp_path / "none")])
    assert result.exit_code == 2 and "run `brief run` first" in result.output


def test_committed_outputs_carry_an_index_that_matches_them() -> None:
    out = SEEDS.parent / "outputs"
    # the default settings: BM25 fused with the embedded MiniLM (vectors.npy stored)
    corpus, rebuilt = open_corpus(out, IndexParams(embedding_model="embedded"))
    assert not rebuilt  # brief run stored it, and it matches chunks.jsonl and summaries.jsonl
    for hit in corpus.index.search("DeepSeek open source", k=3):
        source = corpus.texts[hit.passage.source_id]
        assert source[hit.passage.char_start : hit.passage.char_end] == hit.passage.text


def test_sentence_openers_are_not_names_but_names_are() -> None:
    from pipeline.text import name_words as names

    assert names("However, she said it. According to the host, it works. She agrees.") == set()
    assert names("Huawei leads. According to Dan Wang, the H800 is slower.") >= {"huawei", "dan"}
    passage = "Dan Wang said the factory opened before the pandemic."
    assert supported("According to Dan Wang, the factory opened before the pandemic.", passage)
    assert not supported("According to Dan Chen, the factory opened before the pandemic.", passage)


def test_an_opener_in_single_quotes_or_contracted_is_no_name() -> None:
    # "We're" after an opening single quote was the name "we" and "re": an answer quoting
    # a speaker ("He said 'We're behind on chips'") was refused for naming "We"
    from pipeline.text import name_words as names

    assert names("He said 'We're behind on chips' and Huawei agreed.") == {"huawei"}
    assert names("'We're here,' said Alex. I'll go. We've seen it.") == {"alex"}
    # a quoted name is still a name; a possessive is not a contraction of an opener
    assert names("It is 'Breakneck' by Dan Wang. Huawei's chips lead.") >= {
        "breakneck",
        "dan",
        "huawei",
    }


def test_a_word_the_question_writes_in_lower_case_opens_a_statement_as_no_name() -> None:
    # the 1.5B's first reply to a development question (tune q13): the re-ask told it
    # "the passages do not name Adapting", a name that is no name, instead of the real
    # fault, that most of the statement's words are the question's
    question = "Why is adapting an existing open model attractive to Chinese firms?"
    statement = "Adapting an existing open model is attractive because it costs less compute."
    passage = "Fine tuning an existing open model costs less compute, so it is attractive."
    assert unsupported(statement, passage) == "the passages do not name Adapting"
    assert unsupported(statement, passage, question=question) is None
    # only as the sentence's opener: inside it, a capitalised word is still a name
    named = "It is attractive because Adapting costs less compute."
    assert unsupported(named, passage, question=question) == "the passages do not name Adapting"
    # and a name the question capitalises stays a name
    assert (
        unsupported(
            "Huawei fine tunes an existing open model for less compute.",
            passage,
            question="Why does Huawei fine tune an existing open model?",
        )
        == "the passages do not name Huawei"
    )


# --------------------------------------------------------------------------- replay

REPLIES = Path(__file__).parent / "data" / "answer_replies_sample.jsonl"


def test_replay_reads_passages_that_run_over_several_lines() -> None:
    from bench.replay_answers import parse_user

    user = (
        "Question: Who runs China?\n\n<<<DATA-0123abcd>>>\n"
        "[1] (000 L1-2) China is run by engineers,\nsays Dan Wang.\n"
        "[2] (003 L9-9) America is run by lawyers.\n<<<DATA-0123abcd>>>\n"
    )
    assert parse_user(user) == (
        "Who runs China?",
        {1: "China is run by engineers,\nsays Dan Wang.", 2: "America is run by lawyers."},
    )


def _logged_decisions(policy):
    from bench.replay_answers import read_log, replay

    return {e.question[:30]: replay(e, policy) for e in read_log(REPLIES, {})}


def test_replay_reproduces_the_live_decisions_of_a_logged_run() -> None:
    # six questions of a live 1.5B run (eval_qa --log-replies), replayed under the rules
    # it ran with: answered on the first reply (twice, one only restating the question);
    # refused by the checks, re-asked, then "not answerable" (three times); not answerable
    from pipeline.stages.policy import STRICT

    logged_under = STRICT.model_copy(
        update={"answer_support": 0.6, "answer_rejects_restatement": False}
    )
    decisions = _logged_decisions(logged_under)
    assert {q: v.decision for q, v in decisions.items()} == {
        "What is Afra Wang's newsletter": "answered",
        "How does the length of China's": "said not answerable",
        "How do different sources chara": "answered",
        "What do the sources say about ": "said not answerable",
        "How much did DeepSeek spend to": "said not answerable",
        "How many H800 GPUs did DeepSee": "said not answerable",
    }
    assert "is not stated by passages [3]" in str(decisions["How many H800 GPUs did DeepSee"])
    assert decisions["What is Afra Wang's newsletter"].statements[0]["passages"] == [1]
    assert not any(v.note for v in decisions.values())  # the log holds every reply used


def test_strict_rules_on_the_logged_replies() -> None:
    # dev q51: the question restated, accepted as an answer before answer_rejects_restatement
    from pipeline.stages.policy import STRICT

    decisions = _logged_decisions(STRICT)
    assert decisions["How do different sources chara"].decision == "refused"
    assert "only restates the question" in str(decisions["How do different sources chara"])
    # dev q02: right ("significantly longer than that in the United States": 50,000 km
    # against "basically zero") with 55% of its words in its passages, refused at 60%; not
    # relaxed: in another run the same first statement came with an inverted one
    # ("... not available in China") that every share lets pass
    assert decisions["How does the length of China's"].decision == "said not answerable"
    for unanswerable in ("How much did DeepSeek spend to", "How many H800 GPUs did DeepSee"):
        assert decisions[unanswerable].decision != "answered"
    assert decisions["What do the sources say about "].decision != "answered"  # wrong answer


def test_an_expanded_question_finds_the_passage_in_the_speakers_words(
    seeds_out: Path, scripted: ScriptedClient
) -> None:
    # dev q04: "the Golden State's bullet-train line" is, in 000, "the notorious high-speed
    # rail in California"; the model's imagined passage gives BM25 the speakers' words
    from pipeline.ask.answer import expand, retrieve

    corpus, _ = open_corpus(seeds_out)
    question = "When did the Golden State promise its bullet-train line would open?"
    evidence = "high-speed rail in California"
    plain, _ = retrieve(question, corpus.index, k=5)
    assert not any(evidence in h.passage.text for h in plain)
    scripted.enqueue({"passage": "California promised the high-speed rail would open in 2020."})
    words = expand(question, scripted)
    assert words.startswith(question) and "California" in words
    expanded, _ = retrieve(question, corpus.index, k=5, words=words)
    assert any(evidence in h.passage.text for h in expanded)
    # the answer is asked of the passages the expanded search found, with the question
    # alone: the imagined passage is never shown (its call is cached: asked once)
    scripted.enqueue({"answerable": False, "statements": []})
    answer = answer_question(question, corpus.index, corpus.texts, scripted, expand_question=True)
    asked = scripted.history[-1][1]["content"]
    assert "Golden State" in asked and evidence in asked and "would open in 2020" not in asked
    assert not answer.answered and len(scripted.history) == 2


def test_a_failed_expansion_searches_for_the_question_alone(scripted: ScriptedClient) -> None:
    from pipeline.ask.answer import expand

    scripted.enqueue("not json", "still not json")  # the reply, and the re-ask's
    assert expand("What did Dan Wang say?", scripted) == "What did Dan Wang say?"


def test_cli_expands_the_question_when_the_setting_says_so(
    seeds_out: Path, cli_session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEF_EXPAND_QUESTIONS", "true")
    cli_session.enqueue(
        {"passage": "Her newsletter is called Concurrent."},
        {"answerable": False, "statements": []},
    )
    result = CliRunner().invoke(main, ["ask", QUESTION, "--out", str(seeds_out)])
    assert result.exit_code == 3, result.output
    first, second = cli_session.history
    assert "only used to search" in first[0]["content"]  # prompts/expand.md
    assert "Her newsletter is called Concurrent." not in second[1]["content"]


def _passage(text: str, line_start: int = 10, column: int = 1) -> Passage:
    return Passage(
        source_id="007",
        char_start=500,
        char_end=500 + len(text),
        line_start=line_start,
        line_end=line_start + text.count("\n"),
        column=column,
        text=text,
    )


def test_a_passage_is_shown_by_the_lines_nearest_what_it_is_cited_for() -> None:
    """Printed whole, a passage buried the line that states the answer in 450 words."""
    filler = [f"We talked about the weather on day {n} and it was fine." for n in range(12)]
    lines = [*filler[:6], "Revenue of the chip unit rose 40% in 2024.", *filler[6:]]
    passage = _passage("\n".join(lines))
    (run,) = excerpt(passage, "How much did the chip unit's revenue grow?", words=20)
    assert "Revenue of the chip unit rose 40% in 2024." in run.text
    assert len(run.text.split()) < len(passage.text.split()) / 3
    # the revenue line is the passage's 7th, line 16 of the file, after the line before it
    assert run.location == "L15-16"
    assert run.text.startswith("We talked about the weather on day 5")
    # a short passage is shown whole
    (whole,) = excerpt(_passage("Revenue rose 40%."), "revenue?")
    assert (whole.location, whole.text) == ("L10", "Revenue rose 40%.")


def test_a_refusal_s_stretch_is_placed_by_the_question_s_own_words() -> None:
    # refused live (thirty-eighth round): under "What does Grace Shao think about Manus?"
    # passage 003 L779-804 was shown by L798-803, on cheaper inference, for holding the
    # question's "what", "does", "about" and "think"; the stretch now names Manus
    text = next(SEEDS.glob("003_*.txt")).read_text(encoding="utf-8")[59237:61057]
    passage = Passage(
        source_id="003",
        char_start=59237,
        char_end=61057,
        line_start=779,
        line_end=804,
        column=1,
        text=text,
    )
    (run,) = excerpt(passage, "What does Grace Shao think about Manus?")
    assert "Manus" in run.text and run.location == "L779-789"  # to its sentence's end
    assert run.text.endswith("they're not able to access.")


def test_a_stretch_of_a_wrapped_transcript_ends_where_its_sentence_does() -> None:
    """003 wraps its talk mid-sentence: under "Why are Chinese AI labs releasing their
    models as open source?" the stretch printed ended "... and take the U.S. AI industry",
    the sentence's "down a notch." on the next line."""
    text = (
        "Why is the Chinese AI industry open sourcing all these models?\n"
        "Like, in the U.S., I think the view is that China is open sourcing these\n"
        "because they want to mess with U.S. research labs\n"
        "that the moat is no longer a moat and take the U.S. AI industry\n"
        "down a notch.\n"
        "Is our thinking on that line anywhere close to reality?"
    )
    passage = _passage(text, line_start=70)
    (run,) = excerpt(passage, "mess with U.S. research labs moat", words=20)
    assert run.location == "L71-74" and run.text.endswith("take the U.S. AI industry down a notch.")
    # a line that ends its sentence, or a next line in capitals, stays a unit of its own
    (alone,) = excerpt(passage, "reality thinking", words=5)
    assert (
        alone.location == "L75"
        and alone.text == "Is our thinking on that line anywhere close to reality?"
    )


def test_an_excerpt_deep_in_a_long_line_gives_its_column_and_a_second_stretch() -> None:
    """One line of a timestamped transcript can run to thousands of words: a stretch of it
    is found by its column, and a second stretch holds what the first does not."""
    filler = " ".join(f"Nothing else was said on day {n}." for n in range(40))
    text = f"Chips were the bottleneck. {filler} Export controls hit Nvidia sales."
    passage = _passage(text, line_start=2, column=700)
    runs = excerpt(passage, "chips bottleneck; export controls on Nvidia sales", words=1)
    assert [r.text for r in runs] == [
        "Chips were the bottleneck.",
        "Export controls hit Nvidia sales.",
    ]
    # the second sentence is 40 sentences on in the same line: the passage's column plus that
    offset = text.index("Export")
    assert runs[0].location == "L2:700" and runs[1].location == f"L2:{700 + offset}"
    assert text[offset:].startswith(runs[1].text)


def test_a_statement_the_grammar_ended_mid_word_is_printed_to_its_last_sentence(
    seeds_out: Path, scripted: ScriptedClient
) -> None:
    # the 1.5B copied a passage until the schema's 400 characters: "... big open US-L"
    rank = newsletter_rank(seeds_out)
    corpus, _ = open_corpus(seeds_out)
    passage = next(h.passage.text for h in corpus.index.search(QUESTION) if h.rank == rank)
    at = passage.index("now writes")
    copied = " ".join(passage[max(0, at - 200) :].split())[:STATEMENT_CHARS]
    assert len(copied) == STATEMENT_CHARS and ". " in copied[STATEMENT_CHARS // 2 :]
    scripted.enqueue({"answerable": True, "statements": [{"text": copied, "passages": [rank]}]})
    answer = ask(seeds_out, scripted)
    assert answer.answered
    printed = answer.statements[0].text
    assert printed.endswith(".") and copied.startswith(printed[:-1]) and len(printed) < len(copied)


def test_an_answer_states_the_answer_only_with_every_part_of_it() -> None:
    from bench.eval_qa import states_answer
    from pipeline.models import Answer

    question = {
        "question": "What is Afra Wang's newsletter called, and what does the name mean?",
        "answer": ["Concurrent", "simultaneous*"],
    }

    def said(text: str) -> Answer:
        return Answer(question=question["question"], answered=True, answer=text)

    assert not states_answer(said("Afra Wang's newsletter is called 'Concurrent'."), question)
    whole = "It is called Concurrent, which means proceeding simultaneously."
    assert states_answer(said(whole), question)
    assert not states_answer(said(whole), {"question": "?"})  # nothing to check against


@pytest.mark.parametrize("questions", ["dev_qa.jsonl", "two_part_qa.jsonl"])
def test_the_development_questions_check_out_against_the_seeds(questions: str) -> None:
    import subprocess
    import sys

    data = Path(__file__).resolve().parent.parent / "bench" / "data"
    checked = subprocess.run(
        [sys.executable, str(data / "check_dev_qa.py"), str(data / questions)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.rstrip().endswith("OK")


CLAUSE = 'now writes a very interesting sub-stack newsletter called "Concurrent".'


@pytest.mark.parametrize(
    ("policy", "said", "printed"),
    [
        (STRICT, CLAUSE, "Afra used to work in Silicon Valley and " + CLAUSE),
        (LENIENT, CLAUSE, "N" + CLAUSE[1:]),  # printed as written: with a capital
        # without the speakers' fillers: `brief ask` printed "And he said there's 600
        # million people ..." (thirty-ninth round)
        (LENIENT, "So, like, Afra " + CLAUSE, "Afra " + CLAUSE),
    ],
)
def test_a_statement_cut_from_a_sentence_is_printed_whole_under_the_strict_policy(
    seeds_out: Path, scripted: ScriptedClient, policy: ModelPolicy, said: str, printed: str
) -> None:
    rank = newsletter_rank(seeds_out)
    scripted.enqueue({"answerable": True, "statements": [{"text": said, "passages": [rank]}]})
    corpus, _ = open_corpus(seeds_out)
    answer = answer_question(QUESTION, corpus.index, corpus.texts, scripted, policy=policy)
    assert answer.answered and answer.answer == printed


def test_a_statement_copied_with_the_bullets_that_mark_a_file_s_lines_is_printed_without(
    seeds_out: Path, scripted: ScriptedClient
) -> None:
    # seed 004 is markdown, a "*  " bullet before each wrapped line of Whisper output; the
    # 1.5B copied one into its answer: "... so far you've only seen * about 40 apps ..."
    question = "How many generative AI apps had been approved in China?"
    corpus, _ = open_corpus(seeds_out)
    rank = next(
        h.rank for h in corpus.index.search(question) if "seen\n*  about 40" in h.passage.text
    )
    copied = "So far you've only seen * about 40 apps and services that have been approved."
    scripted.enqueue({"answerable": True, "statements": [{"text": copied, "passages": [rank]}]})
    answer = answer_question(question, corpus.index, corpus.texts, scripted, policy=LENIENT)
    assert answer.answer == copied.replace(" * ", " ")
    printed = [run.text for run in excerpt(answer.citations[0].passage, answer.answer)]
    assert printed and not any(" * " in text or text.startswith("* ") for text in printed)


def test_a_stretch_starts_and_ends_at_the_index_s_pieces_of_whole_sentences(
    tmp_path: Path,
) -> None:
    """A passage cut at its lines gave a stretch ending where a wrapped line did ("...
    places like Baidu and the Beijing", its "Academy of AI after the launch." on the next
    line, which opens in capitals); cut at the index's pieces (runs of the chunker's
    sentences, up to a piece's size) it ends where a piece does, here at the sentence's
    stop, in the printed answer too."""
    from pipeline.ask.retrieval import build_index
    from pipeline.ask_cli import format_answer
    from pipeline.inputs.chunking import chunk_all
    from pipeline.inputs.ingest import ingest_paths, read_source_text
    from pipeline.models import Answer, CitedPassage

    (tmp_path / "007_talk.txt").write_text(
        "We spent the morning on the weather and the traffic, which\n"
        "was heavy again today. Then the guest said that political\n"
        "leaders went to visit places like Baidu and the Beijing\n"
        "Academy of AI after the launch. Nobody expected that visit.\n"
        "The rest of the hour was about football and the new stadium\n"
        "downtown. Everyone agreed the season had started badly for\n"
        "the home team and its coach.\n",
        encoding="utf-8",
    )
    transcripts, _ = ingest_paths([tmp_path], max_bytes=10**6)
    texts = {t.source_id: read_source_text(Path(t.path)) for t in transcripts}
    chunks = chunk_all(transcripts, chunk_tokens=1400, overlap_tokens=40)
    index = build_index(chunks, [], texts, IndexParams(piece_tokens=30))
    # pieces with no embedding model too, kept by the stored index, with no vectors
    index.save(tmp_path / "index")
    stored = SearchIndex.load(tmp_path / "index")
    assert index.pieces and stored.pieces == index.pieces and stored.vectors is None
    passage = index.windows[0].passage
    question = "Which places did political leaders visit?"
    (by_lines,) = excerpt(passage, question, words=10)
    assert by_lines.text.endswith("places like Baidu and the Beijing")
    pieces = index.piece_spans(passage)
    assert pieces and all(0 <= a < b <= len(passage.text) for a, b in pieces)
    (by_pieces,) = excerpt(passage, question, words=10, pieces=pieces)
    assert by_pieces.location == "L2-4"
    assert by_pieces.text.endswith("Beijing Academy of AI after the launch.")
    refusal = Answer(
        question=question,
        answered=False,
        reason="the passages found do not state the answer",
        near_misses=[CitedPassage(id=1, label=passage.label, score=1.0, passage=passage)],
    )
    # printed under the refusal as cut at the index's pieces (its default budget)
    (shown,) = excerpt(passage, question, pieces=pieces)
    (by_lines,) = excerpt(passage, question)
    assert (shown.location, by_lines.location) == ("L1-6", "L1-7")
    assert f"{shown.location} “We spent" in format_answer(refusal, index=index)
    assert f"{by_lines.location} “We spent" in format_answer(refusal)
