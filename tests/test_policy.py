"""The model policy: strong models' paraphrases pass the answer checks with LENIENT;
every planted wrong number, name or chip model fails under both policies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from pipeline.ask.answer_checks import unsupported
from pipeline.ask.answer_reply import AnswerReply
from pipeline.settings import Settings
from pipeline.stages.policy import (
    LENIENT,
    POLICIES,
    STRICT,
    STRICT_05B,
    STRICT_15B,
    ModelPolicy,
    policy_for,
)

PAIRS = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "answer_pairs.jsonl").open(encoding="utf-8")
    if line.strip()
]
CORRECT = [p for p in PAIRS if p["kind"] == "paraphrase"]
PLANTED = [p for p in PAIRS if p["kind"] != "paraphrase"]


def problem(pair: dict[str, Any], policy: ModelPolicy) -> str | None:
    data = {"answerable": True, "statements": [{"text": pair["statement"], "passages": [1]}]}
    context = {"passages": {1: pair["passage"]}, "question": pair["question"], "policy": policy}
    try:
        AnswerReply.model_validate(data, context=context)
    except ValidationError as exc:
        return str(exc)
    return None


def test_the_set_is_large_enough() -> None:
    assert len(PAIRS) >= 20 and len(CORRECT) >= 10
    assert {p["kind"] for p in PLANTED} == {"wrong_number", "wrong_name", "wrong_chip"}


@pytest.mark.parametrize("pair", CORRECT, ids=[p["statement"][:40] for p in CORRECT])
def test_lenient_accepts_a_correct_paraphrase(pair: dict[str, Any]) -> None:
    assert problem(pair, LENIENT) is None


@pytest.mark.parametrize("policy", [STRICT, LENIENT], ids=["strict", "lenient"])
@pytest.mark.parametrize("pair", PLANTED, ids=[p["statement"][:40] for p in PLANTED])
def test_a_planted_wrong_fact_fails_under_every_policy(
    pair: dict[str, Any], policy: ModelPolicy
) -> None:
    assert "is not stated by passages" in str(problem(pair, policy))
    # and for the grounding reason, not the policy's word-overlap share
    reason = unsupported(pair["statement"], pair["passage"], policy) or ""
    assert reason.startswith(("the passages do not give", "the passages do not name"))


def test_strict_refuses_some_paraphrases_that_lenient_accepts() -> None:
    # the reason the policy exists: strict rules (quantity in digits, a word shared with
    # the question) refuse some of a strong model's paraphrases
    assert any(problem(p, STRICT) for p in CORRECT)


@pytest.mark.parametrize(
    ("question", "statement"),
    [
        (
            "How do different sources characterize open-sourcing as the strategy of a "
            "competitor that is behind?",
            "Different sources characterize open-sourcing as the strategy of a competitor "
            "that is behind.",
        ),
        (
            "How do the two podcasts describe Mark Zuckerberg's copying of TikTok?",
            "The two podcasts describe Mark Zuckerberg's copying of TikTok.",
        ),
        (  # dev q15, the 1.5B: "from" (not in BM25's stop list) hid the restatement
            "What choke point in Nvidia's software stack does the speaker say China wants to "
            "escape?",
            "The speaker says China wants to escape from a choke point in Nvidia's software stack.",
        ),
    ],
)
def test_strict_refuses_a_restated_question(question: str, statement: str) -> None:
    # the 1.5B's answers to dev q51 and q54, accepted before: they answer nothing
    pair = {"question": question, "statement": statement, "passage": statement}
    assert "only restates the question" in str(problem(pair, STRICT))
    assert problem(pair, LENIENT) is None
    # a yes/no question is answered by its restatement
    yes = {
        "question": "Did DeepSeek release its weights?",
        "passage": "DeepSeek released its weights.",
    }
    assert problem(dict(yes, statement="DeepSeek released its weights."), STRICT) is None
    answered = dict(pair, statement=statement.rstrip(".") + " by copying its features.")
    answered["passage"] = answered["statement"]
    assert problem(answered, STRICT) is None


def test_policy_follows_the_model() -> None:
    assert policy_for(Settings.load(None, embedded_model="qwen2.5-coder-1.5b")) is STRICT_15B
    assert policy_for(Settings.load(None, embedded_model="qwen2.5-coder-0.5b")) is STRICT_05B
    assert policy_for(Settings.load(None, model="openai/gpt-4o-mini")) is LENIENT
    assert policy_for(Settings.load(None, model="ollama/qwen", model_policy="strict")) is STRICT
    for name, policy in POLICIES.items():  # every policy can be chosen by the setting
        assert policy_for(Settings.load(None, model="ollama/qwen", model_policy=name)) is policy


def test_the_15b_policy_is_strict_with_its_map_points_extracted_and_answers_by_sentence() -> None:
    differ = {
        name
        for name in ModelPolicy.model_fields
        if getattr(STRICT, name) != getattr(STRICT_15B, name)
    }
    assert differ == {"name", "map_points_extracted", "answer_by_sentence"}
    assert STRICT_15B.map_points_extracted and not STRICT.map_points_extracted
    assert STRICT_15B.answer_by_sentence and not STRICT.answer_by_sentence
    assert not STRICT_05B.answer_by_sentence and not LENIENT.answer_by_sentence


def test_the_05b_policy_is_strict_but_for_one_line_replies() -> None:
    assert STRICT.one_line_replies and not STRICT_05B.one_line_replies
    assert STRICT_05B.line_breaks_banned and not STRICT.line_breaks_banned
    differ = {
        name
        for name in ModelPolicy.model_fields
        if getattr(STRICT, name) != getattr(STRICT_05B, name)
    }
    assert differ == {
        "name",
        "one_line_replies",
        "line_breaks_banned",
        "point_max_chars",
        "sentence_max_chars",  # the 0.5B's theme ran to the token limit twice
        "map_part_tokens",  # the 0.5B's speed: one map point per 350 tokens, not 175
        "names_sorted_by_vote",  # the 0.5B's sorts moved people to organisations
        "restate_copied_points",  # measured on the 1.5B only
    }
    # both see each numbered sentence with two sentences either side, not the whole chunk
    assert STRICT_05B.map_context_sentences == STRICT.map_context_sentences == 2


@pytest.mark.parametrize(
    ("options", "banned"),
    [
        ({"embedded_model": "qwen2.5-coder-0.5b"}, True),
        ({"embedded_model": "qwen2.5-coder-1.5b"}, False),
        # a llama.cpp server named by api_base alone is taken to serve the embedded model
        ({"embedded_model": "qwen2.5-coder-0.5b", "api_base": "http://127.0.0.1:9/v1"}, True),
        ({"model": "openai/gpt-4o-mini", "model_policy": "strict-0.5b"}, False),
    ],
)
def test_line_breaks_are_banned_at_the_05b_server_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: dict[str, str], banned: bool
) -> None:
    from pipeline.model.cache import CallCache
    from pipeline.model.embedded import EMBEDDED_MODELS, line_break_tokens
    from pipeline.session import ModelSession

    monkeypatch.setattr(ModelSession, "_ask_context", lambda self, settings: 8192)
    session = ModelSession(Settings.load(None, **options), CallCache(tmp_path / "c"), tmp_path)
    bias = session.client.extra_body.get("logit_bias")
    if banned:
        tokens = line_break_tokens(EMBEDDED_MODELS["qwen2.5-coder-0.5b"])
        assert bias == [[token, False] for token in tokens]
        assert 198 in tokens  # "\n" itself
    else:
        assert bias is None


def test_every_rule_is_documented() -> None:
    for name, field in ModelPolicy.model_fields.items():
        assert field.description, name
