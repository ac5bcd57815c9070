"""The reply ``brief ask`` asks the model for, and the checks that decide whether it
is an answer (``pipeline.ask.answer`` asks for it and prints it).

``AnswerReply`` is the output schema: ``answerable``, then up to three statements, each
citing the numbers of the passages its words come from. Its validator is where the
grounding guards and the policy's habit patches (``pipeline.ask.answer``'s docstring lists
them) run: a statement that fails is an error whose text tells the model what the
passages lack, which the client's re-ask sends back once.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from pipeline.ask.answer_checks import (
    NUMBER_WORDS,
    QUANTITY_QUESTION,
    addresses,
    given_numbers,
    overlap,
    quantities,
    restates,
    supported,
    unsupported,
)
from pipeline.stages.policy import STRICT, ModelPolicy
from pipeline.text import numbers, sentences_of

STATEMENT_CHARS = 400  # the grammar ends a statement here: printed cut back to a sentence


class AnswerStatement(BaseModel):
    text: str = Field(min_length=3, max_length=STATEMENT_CHARS)
    passages: list[int] = Field(min_length=1, max_length=3)

    @field_validator("passages")
    @classmethod
    def _known(cls, ids: list[int], info: ValidationInfo) -> list[int]:
        supplied = (info.context or {}).get("passages", {})
        unknown = [i for i in ids if i not in supplied]
        if unknown:
            raise ValueError(
                f"passage numbers {unknown} were not supplied (valid: 1-{len(supplied)})"
            )
        return ids


class AnswerReply(BaseModel):
    """What the model returns: whether the passages answer, then cited statements."""

    answerable: bool
    statements: list[AnswerStatement] = Field(max_length=3)

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo) -> AnswerReply:
        if not self.answerable:
            return self
        if not self.statements:
            raise ValueError("answerable is true but no statement cites a passage")
        context = info.context or {}
        policy: ModelPolicy = context.get("policy", STRICT)
        supplied: dict[int, str] = context.get("passages", {})
        question = context.get("question", "")
        kept: list[AnswerStatement] = []
        for n, statement in enumerate(self.statements, start=1):
            problem = _statement_problem(n, statement, question, supplied, policy)
            if problem is None:
                kept.append(statement)
            elif n == 1 or not policy.answer_drops_unsupported_details:
                raise ValueError(problem)
            # else: a later statement its passages do not state is dropped, not printed
        self.statements = kept
        if policy.answer_must_share_question_word and not any(
            addresses(question, s.text, supplied, s.passages) for s in self.statements
        ):
            raise ValueError(
                "no statement shares a word with the question, so none answers it: answer "
                "the question itself, or set answerable to false"
            )
        evidence = " ".join(supplied.get(i, "") for s in self.statements for i in s.passages)
        missing = numbers(question) - given_numbers(evidence)
        if missing:
            raise ValueError(
                f"the question names {', '.join(sorted(missing))}, which the cited passages "
                "do not mention: set answerable to false unless a passage states it"
            )
        # the figure, in a sentence about what is asked: "¿Cuántos empleados tiene
        # Mistral?" was answered "Mistral en Francia es la excepción." and a sentence on the
        # 600 million people who speak Spanish
        about = [
            sentence
            for s in self.statements
            for sentence in sentences_of(s.text)
            if not policy.answer_must_share_question_word
            or addresses(question, sentence, supplied, s.passages)
        ]
        answer = " ".join(about)
        given = quantities(answer) - numbers(question)
        spelled = {w.lower() for w in NUMBER_WORDS.findall(answer)}
        if policy.quantity_answer == "digits_or_words" and spelled:
            given.add("in words")
        elif (spelled - {"one"}) & {w.lower() for w in NUMBER_WORDS.findall(evidence)}:
            given.add("as its passage spells it")  # "seis millones": the passage's own words
        if QUANTITY_QUESTION.search(question) and not given:
            raise ValueError(
                "the question asks for a quantity or date and no statement about it gives one "
                "from the passages: set answerable to false if they do not state it"
            )
        return self


def _statement_problem(
    n: int,
    statement: AnswerStatement,
    question: str,
    supplied: dict[int, str],
    policy: ModelPolicy,
) -> str | None:
    """Why statement ``n`` cannot be printed as it is, worded as the re-ask tells the
    model (what failed and what to do), or None; a better-stating passage may replace
    its citation first (``answer_moves_citation``)."""
    if policy.answer_rejects_restatement and restates(question, statement.text):
        return (
            f"statement {n} ({statement.text[:80]!r}) only restates the question: give the "
            "fact it asks for (a name, number, place, reason or example) as a passage states "
            "it, or set answerable to false"
        )
    cited = [supplied.get(i, "") for i in statement.passages]
    problem = unsupported(statement.text, cited, policy, question)
    if policy.answer_moves_citation:
        # a small model often copies a sentence from one passage and cites another: the
        # citation moves to the supplied passage that states it best, of those that state it
        stating = [i for i in supplied if supported(statement.text, supplied[i], policy, question)]
        best = max(stating, key=lambda i: overlap(statement.text, supplied[i]), default=None)
        if best is not None and (
            problem is not None
            or overlap(statement.text, supplied[best]) > overlap(statement.text, " ".join(cited))
        ):
            statement.passages = [best]
            return None
    if problem is None:
        return None
    return (
        f"statement {n} ({statement.text[:80]!r}) is not stated by passages "
        f"{statement.passages}: {problem}. Write what the passage says, in its words, and "
        "cite that passage, or set answerable to false"
    )
