"""Ask: a grounded answer to one question, or a refusal with the nearest passages.

The model sees the question and the retrieved passages as ``[n] (label) text`` and
answers with statements that cite passage numbers. Code then checks every citation:

- a cited number must be one of the passages supplied (the schema allows only those, and
  validation checks again);
- some statement must share a word with the question (one that does not just say how
  it is asked) or be a short phrase quoted from its passage ("Concurrent."), so a true
  but unrelated sentence is not an answer;
- a statement must share 60% of its content words with the passages it cites,
  and every number and every capitalised word (a name) in it must appear there, so a
  statement pinned to an unrelated passage, or a figure or a name the passages do not
  give, does not pass;
- a number in the question (a year, say) must appear in the cited passages, and a
  quantity question ("how many", "what year", "what score"...) needs a number from them
  that the question does not already contain;
- a statement that another supplied passage states better (more of its words) than the
  passages it cites is re-attributed to that passage (small models copy from one
  passage and cite another);
- every cited passage must still be the exact slice of its source file.

A reply that fails these checks is re-asked once with the error (the client's re-ask);
a second failure becomes a refusal. So does ``answerable: false``. A refusal lists the
passages that came closest, and is a result, not an error.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from pipeline.client import ModelClient
from pipeline.errors import ModelAuthError, ModelError, ModelUnreachable
from pipeline.models import Answer, CitedPassage, Statement
from pipeline.prompts import boundary_for, load_prompt
from pipeline.retrieval import Hit, SearchIndex, query_terms, tokenize
from pipeline.verify import passage_problem

NEAR_MISSES = 3
SUPPORT = 0.6  # share of a statement's content words that its passages must contain
_NUMBER = re.compile(r"(?<![A-Za-z])\d+(?:[.,]\d+)*(?![A-Za-z])")  # not "H800" or "4X"
_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*")
_QUANTITY = re.compile(
    r"^\s*(how (many|much|long|old)\b)|"
    r"\bwhat (year|date|percentage|share|score|valuation|price|cost|number|amount)\b",
    re.IGNORECASE,
)


class AnswerStatement(BaseModel):
    text: str = Field(min_length=3, max_length=400)
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
        supplied: dict[int, str] = (info.context or {}).get("passages", {})
        for n, statement in enumerate(self.statements, start=1):
            cited = " ".join(supplied.get(i, "") for i in statement.passages)
            # a small model often copies a sentence from one passage and cites another:
            # the citation moves to the supplied passage that states it best
            best = max(supplied, key=lambda i: overlap(statement.text, supplied[i]), default=None)
            better = best is not None and overlap(statement.text, supplied[best]) > overlap(
                statement.text, cited
            )
            if better and best is not None and supported(statement.text, supplied[best]):
                statement.passages = [best]
                continue
            if not supported(statement.text, cited):
                raise ValueError(
                    f"statement {n} ({statement.text[:80]!r}) is not stated by passages "
                    f"{statement.passages}: cite the passages that state it, or set "
                    "answerable to false"
                )
        question = (info.context or {}).get("question", "")
        if not any(addresses(question, s.text, supplied, s.passages) for s in self.statements):
            raise ValueError(
                "no statement shares a word with the question, so none answers it: answer "
                "the question itself, or set answerable to false"
            )
        evidence = " ".join(supplied.get(i, "") for s in self.statements for i in s.passages)
        missing = numbers(question) - numbers(evidence)
        if missing:
            raise ValueError(
                f"the question names {', '.join(sorted(missing))}, which the cited passages "
                "do not mention: set answerable to false unless a passage states it"
            )
        given = numbers(" ".join(s.text for s in self.statements)) - numbers(question)
        if _QUANTITY.search(question) and not given:
            raise ValueError(
                "the question asks for a quantity or date and no statement gives one from the "
                "passages: set answerable to false if they do not state it"
            )
        return self


def addresses(question: str, statement: str, supplied: dict[int, str], cited: list[int]) -> bool:
    """The statement shares a word with the question, or is a short phrase quoted from
    a cited passage that holds most of the question's words (the answer itself, like
    "Concurrent." for "What is the newsletter called?")."""
    asked = set(query_terms(question))
    if not asked or asked & set(tokenize([statement])[0]):
        return True
    phrase = " ".join(statement.strip(" .!?").split()).lower()
    if len(phrase.split()) > 5:
        return False
    for i in cited:
        passage = supplied.get(i, "")
        about = len(asked & set(tokenize([passage])[0])) * 2 >= len(asked)
        if about and phrase in " ".join(passage.split()).lower():
            return True
    return False


def numbers(text: str) -> set[str]:
    """The numbers written in digits in ``text``, without thousands separators."""
    return {m.replace(",", "").rstrip(".") for m in _NUMBER.findall(text)}


def overlap(statement: str, evidence: str) -> float:
    """The share of the statement's content words (stemmed) that occur in the evidence."""
    words = set(tokenize([statement])[0]) - {""}
    if not words:
        return 0.0
    return len(words & set(tokenize([evidence])[0])) / len(words)


def names(text: str) -> set[str]:
    """The stemmed capitalised words of ``text`` that are not stop words (names, mostly)."""
    return set(tokenize([" ".join(_CAPITALISED.findall(text))])[0]) - {""}


def supported(statement: str, evidence: str) -> bool:
    """Most (``SUPPORT``) of the statement's content words occur in the evidence, and so
    does every number and every capitalised word (a name) in it."""
    return (
        numbers(statement) <= numbers(evidence)
        and names(statement) <= set(tokenize([evidence])[0])
        and overlap(statement, evidence) >= SUPPORT
    )


def render_passages(hits: Sequence[Hit]) -> str:
    return "\n".join(f"[{h.rank}] ({h.passage.label}) {h.passage.text}" for h in hits)


def _cited(hit: Hit) -> CitedPassage:
    return CitedPassage(id=hit.rank, label=hit.passage.label, score=hit.score, passage=hit.passage)


def refusal(question: str, hits: Sequence[Hit], reason: str, retrieval_ms: float) -> Answer:
    return Answer(
        question=question,
        answered=False,
        reason=reason,
        near_misses=[_cited(h) for h in hits[:NEAR_MISSES]],
        retrieved=len(hits),
        retrieval_ms=retrieval_ms,
    )


def retrieve(
    question: str,
    index: SearchIndex,
    *,
    k: int = 5,
    sources: Sequence[str] | None = None,
    embedder: ModelClient | None = None,
) -> tuple[list[Hit], float]:
    """The top ``k`` passages and the milliseconds retrieval took (the question's
    embedding included, when the index has window vectors and an embedder is given)."""
    started = time.perf_counter()
    dense = None
    if embedder is not None and index.vectors is not None:
        dense = index.dense_scores(embedder.embed("embed", [question])[0])
    hits = index.search(question, k=k, sources=sources, dense=dense)
    return hits, round((time.perf_counter() - started) * 1000, 2)


def answer_question(
    question: str,
    index: SearchIndex,
    texts: dict[str, str],
    client: ModelClient,
    *,
    k: int = 5,
    sources: Sequence[str] | None = None,
    max_tokens: int = 500,
    embedder: ModelClient | None = None,
) -> Answer:
    hits, ms = retrieve(question, index, k=k, sources=sources, embedder=embedder)
    if not hits or hits[0].score <= 0:
        return refusal(question, hits, "no passage shares a word with the question", ms)
    supplied = {h.rank: h.passage.text for h in hits}
    rendered = render_passages(hits)
    try:
        reply = client.structured(
            stage="ask",
            prompt=load_prompt("answer"),
            variables={
                "boundary": boundary_for(question + rendered),
                "question": question,
                "passages": rendered,
            },
            schema=AnswerReply,
            max_tokens=max_tokens,
            context={"passages": supplied, "question": question},
            narrow={"passages": {"type": "integer", "minimum": 1, "maximum": len(hits)}},
        )
    except (ModelAuthError, ModelUnreachable):
        raise
    except ModelError as exc:
        return refusal(question, hits, f"no answer with valid citations ({exc})", ms)
    if not reply.answerable:
        return refusal(question, hits, "the passages found do not state the answer", ms)

    by_rank = {h.rank: h for h in hits}
    statements, cited_ids = [], set()
    for statement in reply.statements:
        ids = [
            i
            for i in dict.fromkeys(statement.passages)
            if passage_problem(by_rank[i].passage.model_dump(), texts) is None
        ]
        if ids:
            statements.append(Statement(text=statement.text.strip(), citations=ids))
            cited_ids.update(ids)
    if not statements:
        return refusal(question, hits, "no cited passage matched its source file", ms)
    return Answer(
        question=question,
        answered=True,
        answer=" ".join(s.text for s in statements),
        statements=statements,
        citations=[_cited(by_rank[i]) for i in sorted(cited_ids)],
        reason=None,
        retrieved=len(hits),
        retrieval_ms=ms,
    )
