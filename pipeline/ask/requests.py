"""What ``brief ask`` asks the model: the passages and the question, in one of two forms
(``pipeline.ask.answer`` chooses by the policy and checks the reply).

``ask_statements``: the passages as ``[n] (label) text``, answered with statements that
cite passage numbers (``answer_reply.AnswerReply``); ``ask_sentence``: their sentences
numbered, answered with a sentence's number and a short answer
(``sentence_answer.SentenceReply``). ``within_context`` leaves out the last passages
that do not fit the model's context.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from pydantic import BaseModel

from pipeline.ask.answer_reply import AnswerReply
from pipeline.ask.retrieval import Hit
from pipeline.ask.sentence_answer import (
    SentenceReply,
    SentenceSpans,
    Shown,
    numbered_sentences,
    unnamed,
)
from pipeline.errors import ContextTooLong
from pipeline.languages import writing_language
from pipeline.model.client import ModelClient
from pipeline.model.prompts import boundary_for, load_prompt
from pipeline.model.reply import Narrowing
from pipeline.stages.policy import ModelPolicy

T = TypeVar("T")
R = TypeVar("R", bound=BaseModel)


def render_passages(hits: Sequence[Hit]) -> str:
    return "\n".join(f"[{h.rank}] ({h.passage.label}) {h.passage.text}" for h in hits)


def within_context(hits: list[Hit], ask: Callable[[list[Hit]], T]) -> tuple[T, list[Hit]]:
    """``ask(hits)`` on as many of ``hits`` as the model's context holds, best first, and
    those hits: ``--k 20`` with the embedded model (20 passages of ~450 tokens against an
    8,192-token context) failed with "the prompt needs about 10415 tokens"; the last
    passages are left out instead (``Answer.left_out`` says how many). A prompt that
    does not fit is refused before it is sent (``ContextTooLong``), so trying costs no
    call."""
    while True:
        try:
            return ask(hits), hits
        except ContextTooLong:
            if len(hits) == 1:
                raise
            hits = hits[:-1]


def ask_on(
    client: ModelClient,
    prompt: str,
    question: str,
    shown: tuple[str, str],
    schema: type[R],
    max_tokens: int,
    context: dict[str, object],
    narrow: Narrowing | None = None,
) -> R:
    """The ``prompt``'s reply to ``question`` on what is ``shown`` (its variable's name and
    text: the passages, or their numbered sentences), in the question's language
    (``writing_language``: the 1.5B answered "Wer fertigt die Ascend-Chips von Huawei?" in
    English)."""
    variable, text = shown
    return client.structured(
        stage="ask",
        prompt=load_prompt(prompt, language=writing_language(question)),
        variables={"boundary": boundary_for(question + text), "question": question, variable: text},
        schema=schema,
        max_tokens=max_tokens,
        context={**context, "question": question},
        narrow=narrow,
    )


def ask_statements(
    question: str, hits: list[Hit], client: ModelClient, max_tokens: int, policy: ModelPolicy
) -> AnswerReply:
    """The model's statements on ``hits``, each citing passages."""
    passages = {h.rank: h.passage.text for h in hits}
    return ask_on(
        client,
        "answer",
        question,
        ("passages", render_passages(hits)),
        AnswerReply,
        max_tokens,
        {"passages": passages, "policy": policy},
        narrow={"passages": {"type": "integer", "minimum": 1, "maximum": len(hits)}},
    )


def ask_sentence(
    question: str,
    hits: list[Hit],
    texts: dict[str, str],
    spans: SentenceSpans,
    client: ModelClient,
    max_tokens: int,
    policy: ModelPolicy,
) -> tuple[SentenceReply, dict[int, Shown]]:
    """The model's sentence and short answer on ``hits`` shown sentence by sentence
    (``pipeline.ask.sentence_answer``), and what each number showed."""
    rendered, shown = numbered_sentences(hits, spans, texts)
    sentences = {n: s.text for n, s in shown.items()}
    reply = ask_on(
        client,
        "answer_sentence",
        question,
        ("sentences", rendered),
        SentenceReply,
        max_tokens,
        {"sentences": sentences, "policy": policy, "unnamed": unnamed(question, shown, texts)},
    )
    return reply, shown
