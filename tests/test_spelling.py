"""Names the question spells otherwise than the transcripts: found for BM25, and asked of
the model in the passages' spelling (``pipeline.ask.spelling``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEEDS, ScriptedClient, ScriptedSession, processed

from pipeline.ask.answer import answer_question
from pipeline.ask.corpus import open_corpus
from pipeline.ask.retrieval import index as index_module
from pipeline.ask.spelling import NearSpellings, in_spelling, likeness, respellings
from pipeline.cli import main

QUESTION = "What did Marc Andreessen say about OpenAI after DeepSeek?"
# 004 L264-265, as the speech-to-text wrote it; 004 never writes "Qwen"
QUEN = "is Quen 1.572b,"
ASKED = "Which company does Qwen come from?"


@pytest.fixture(scope="module")
def beijing_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("spelling") / "out"
    return processed(out, [SEEDS / "004_3cb1d3fbcc7cca8b.txt"])


def test_names_are_respelled_as_the_passages_write_them() -> None:
    passages = [
        "Especially Mark Andresen, who then directly named OpenAI and said so.",
        "the robotic dogs from Unitri. On the LM Sys leaderboard, United States firms lead.",
        "Japan's Fifth Generation project and other Chatbot products.",
    ]
    found = respellings(QUESTION, passages)
    assert found == {"Marc": "Mark", "Andreessen": "Andresen"}  # OpenAI is there as asked
    assert in_spelling(QUESTION, found) == (
        "What did Mark Andresen say about OpenAI after DeepSeek?"
    )
    # a name written as one word may be two in the transcript; "United" is a common word,
    # not how a transcript spells "Unitree"
    assert respellings("Does Unitree rank on the LMSys board?", passages) == {
        "Unitree": "Unitri",
        "LMSys": "LM Sys",
    }
    assert respellings("Does Unitree rank?", passages[1:2]) == {"Unitree": "Unitri"}
    assert respellings("Does Unitree rank?", ["the United States"]) == {}
    # other forms of a word, common words, the opening word and lower case stay as asked
    assert respellings("Which Japanese chatbots were compared?", passages) == {}
    assert respellings("Besides Unitri, who?", ["Beside the dogs from Unitri"]) == {}
    assert respellings("what did andreessen say?", passages) == {}
    assert respellings("Andreessen said what?", passages) == {"Andreessen": "Andresen"}


def test_likeness_needs_the_first_letter_and_not_a_longer_form() -> None:
    assert likeness("Andreessen", "Andresen") > 0.85
    assert likeness("Qwen", "Quen") == 0.75
    assert likeness("Yann", "Jan") == 0.0  # another first letter: not told apart here
    assert likeness("Japanese", "Japan") == 0.0
    assert likeness("LMSys", "LM Sys") == 1.0


def test_near_spellings_of_a_vocabulary() -> None:
    near = NearSpellings(["andresen", "quen", "unitri", "unit", "lmsis", "lnsys", "mark"])
    assert near.nearest("andreessen") == ["andresen"]
    assert near.nearest("qwen") == ["quen"]
    assert near.nearest("lmsys") == ["lmsis", "lnsys"]  # equally alike: both
    assert near.nearest("xi") == [] and near.nearest("zhipu") == []


def test_bm25_finds_a_name_the_transcript_spells_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 003 says "Unitri" and "Unitry" (L272, L633, L664), never "Unitree"
    out = processed(tmp_path / "out", [SEEDS / "003_ab8002d8241df0d9.txt"])
    corpus, _ = open_corpus(out)
    hits = corpus.index.search("Unitree", k=3)
    assert hits and all("Unitri" in h.passage.text or "Unitry" in h.passage.text for h in hits)
    monkeypatch.setattr(index_module, "NEAR_SPELLINGS", False)
    corpus, _ = open_corpus(out)
    assert corpus.index.search("Unitree", k=3) == []  # no word of the query is known


@pytest.fixture
def cli_session(monkeypatch: pytest.MonkeyPatch, scripted: ScriptedClient) -> ScriptedClient:
    monkeypatch.setattr("pipeline.session.ModelSession", lambda *a, **k: ScriptedSession(scripted))
    return scripted


def _reply(rank: int) -> dict:
    return {
        "answerable": True,
        "statements": [{"text": "Quen 1.572b comes out of Alibaba.", "passages": [rank]}],
    }


def _rank(out: Path) -> int:
    corpus, _ = open_corpus(out)
    return next(h.rank for h in corpus.index.search(ASKED, k=5) if QUEN in h.passage.text)


def test_the_model_is_asked_in_the_passages_spelling(
    beijing_out: Path, scripted: ScriptedClient
) -> None:
    scripted.enqueue(_reply(_rank(beijing_out)))
    corpus, _ = open_corpus(beijing_out)
    answer = answer_question(ASKED, corpus.index, corpus.texts, scripted, k=5)
    prompt = scripted.history[0][1]["content"]
    assert "Question: Which company does Quen come from?" in prompt and "Qwen" not in prompt
    assert answer.answered and answer.question == ASKED and answer.respelled == {"Qwen": "Quen"}
    # a refusal says how the question was read too
    scripted.enqueue({"answerable": False, "statements": []})
    refused = answer_question("Who trained Qwen?", corpus.index, corpus.texts, scripted, k=5)
    assert not refused.answered and refused.respelled == {"Qwen": "Quen"}


def test_cli_notes_the_respelling(beijing_out: Path, cli_session: ScriptedClient) -> None:
    cli_session.enqueue(_reply(_rank(beijing_out)))
    result = CliRunner().invoke(main, ["ask", ASKED, "--out", str(beijing_out)])
    assert result.exit_code == 0, result.output
    assert "note: asked with the passages' spelling: Qwen as Quen" in result.stderr
    assert "Quen 1.572b comes out of Alibaba. [" in result.stdout
