"""An answer as the sentence that states it (the policy's ``answer_by_sentence``).

A small model copies a sentence from one passage and cites another, or builds its answer
from the question's words; it does better at naming a short answer ("Cuda", "Quen
1.572b", "5.2 billion"). So the passages are shown sentence by sentence, numbered across
them (``numbered_sentences``: the run's own sentences, as ``brief run`` cut them, each
shown once, clipped to its passage), and the model replies with whether they answer, the
number of the sentence that does and the answer in a few words (``SentenceReply``).

Code, not the model, holds the answer to its sentence: the number moves to the shown
sentence that holds most of the answer's words (the model's number wins a tie), and the
answer must be stated there, or by the sentences either side, under the same checks as
a statement of ``pipeline.ask.answer_reply`` (numbers, names, its share of words, what
it adds to the question, a word of the question nearby, a quantity when one is asked),
and it is not a bare date where no time is asked (``answer_checks.only_a_date``).
A question that asks a person's view ("What did L Squared say about ...?"), or names a
person or anything else by a name the sources write ("Which university did Afra Wang
graduate from?"), is not answered from a source that never names them (``unnamed``).
What is printed is the answer and, quoted, the sentence (``printed.printed_answer``): every word
of it the passage's own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from pipeline.ask.answer_checks import (
    FILLER_WORDS,
    NUMBER_WORDS,
    QUANTITY_QUESTION,
    addresses,
    given_numbers,
    only_a_date,
    quantities,
    restates,
    unsupported,
    view_of,
)
from pipeline.ask.retrieval import Hit
from pipeline.ask.several import asks_several
from pipeline.stages.policy import STRICT, ModelPolicy
from pipeline.text import NAME_RUN, numbers, stems

ANSWER_CHARS = 200  # "a few words"; the 1.5B sometimes copies its whole sentence
# a sentence and its neighbours: where a short answer must be stated
_NEAR = 1

SentenceSpans = Mapping[str, Sequence[tuple[int, int]]]


@dataclass(frozen=True)
class Shown:
    """A numbered sentence as the model saw it: the passage it is shown under and its
    span in the source (clipped to that passage)."""

    rank: int
    source_id: str
    start: int
    end: int
    text: str


def numbered_sentences(
    hits: Sequence[Hit], spans: SentenceSpans, texts: Mapping[str, str]
) -> tuple[str, dict[int, Shown]]:
    """The passages as the model reads them, each sentence on its own numbered line
    (``[3] (002 L41-44)`` then ``17. text``), and what each number is. A sentence two
    overlapping passages share is shown once, under the first."""
    lines: list[str] = []
    shown: dict[int, Shown] = {}
    seen: set[tuple[str, int]] = set()
    for hit in hits:
        passage = hit.passage
        text = texts.get(passage.source_id, "")
        lines.append(f"[{hit.rank}] ({passage.label})")
        for start, end in spans.get(passage.source_id, ()):
            if end <= passage.char_start or start >= passage.char_end:
                continue
            start, end = max(start, passage.char_start), min(end, passage.char_end)
            said = " ".join(text[start:end].split())
            if not said or (passage.source_id, start) in seen:
                continue
            seen.add((passage.source_id, start))
            n = len(shown) + 1
            shown[n] = Shown(hit.rank, passage.source_id, start, end, said)
            lines.append(f"{n}. {said}")
    return "\n".join(lines), shown


class SentenceReply(BaseModel):
    """What the model returns: whether a sentence states the answer, which, and the answer
    in a few words."""

    answerable: bool
    sentence: int = Field(description="the number of the sentence that states the answer")
    answer: str = Field(max_length=ANSWER_CHARS)

    @model_validator(mode="after")
    def _stated(self, info: ValidationInfo) -> SentenceReply:
        if not self.answerable:
            return self
        context = info.context or {}
        shown: dict[int, str] = context.get("sentences", {})
        question: str = context.get("question", "")
        policy: ModelPolicy = context.get("policy", STRICT)
        if not shown:
            raise ValueError("no sentence was shown: set answerable to false")
        if restates(question, self.answer) or not stems(self.answer) - FILLER_WORDS:
            raise ValueError(
                f"the answer ({self.answer[:80]!r}) only repeats the question: give the fact "
                "it asks for (a name, number, place, reason or example) as a sentence states "
                "it, or set answerable to false"
            )
        self.sentence = stating(self.answer, self.sentence, shown, question)
        person = context.get("unnamed", {}).get(self.sentence)
        if person:
            view = f", so it is not {person}'s view" if view_of(question) else ""
            raise ValueError(
                f"sentence {self.sentence} is from a source that never names {person}{view}: "
                f"set answerable to false unless a sentence of a source that names {person} "
                "states it"
            )
        near = nearby(self.sentence, shown)
        problem = unsupported(self.answer, [near], policy, question)
        if problem is not None:
            raise ValueError(
                f"sentence {self.sentence} does not state the answer ({self.answer[:80]!r}): "
                f"{problem}. Give the answer in a sentence's own words, or set answerable "
                "to false"
            )
        if policy.answer_must_share_question_word and not addresses(question, near, {1: near}, [1]):
            raise ValueError(
                f"sentence {self.sentence} shares no word with the question, so it does not "
                "answer it: set answerable to false unless a sentence does"
            )
        missing = numbers(question) - given_numbers(near)
        if missing:
            raise ValueError(
                f"the question names {', '.join(sorted(missing))}, which sentence "
                f"{self.sentence} and its neighbours do not: set answerable to false unless "
                "a sentence states it"
            )
        given = quantities(self.answer) - numbers(question)
        if policy.quantity_answer == "digits_or_words" and NUMBER_WORDS.search(self.answer):
            given.add("in words")
        if QUANTITY_QUESTION.search(question) and not given:
            raise ValueError(
                "the question asks for a quantity or date and the answer gives none: set "
                "answerable to false if no sentence states it"
            )
        if only_a_date(self.answer, question):
            raise ValueError(
                f"the answer ({self.answer[:80]!r}) is a date, and the question asks no date "
                "or time: set answerable to false unless a sentence states what it asks"
            )
        return self


def nearby(n: int, shown: Mapping[int, str]) -> str:
    """Sentence ``n`` with the sentences shown either side of it."""
    return " ".join(shown[i] for i in range(n - _NEAR, n + _NEAR + 1) if i in shown)


def stating(answer: str, chosen: int, shown: Mapping[int, str], question: str) -> int:
    """The shown sentence that states ``answer``: the one holding most of the words it
    adds to the question, then most with its neighbours, then most of the question's;
    of equals, the nearest to the model's ``chosen`` number (the 1.5B names the answer
    well and its sentence's number badly: "Cuda" given with the number of the sentence
    before the one that says it)."""
    asked = stems(question) - FILLER_WORDS
    words = stems(answer) - asked - FILLER_WORDS or stems(answer)

    def rank(n: int) -> tuple[int, int, int, int]:
        around = stems(nearby(n, shown))
        return (
            len(words & stems(shown[n])),
            len(words & around),
            len(asked & around),
            -abs(n - chosen),
        )

    return max(shown, key=rank)


def unnamed(question: str, shown: Mapping[int, Shown], texts: Mapping[str, str]) -> dict[int, str]:
    """The shown sentences (numbers) of a source that never names the person whose view
    the question asks (``answer_checks.view_of``), or, in a question about one thing
    (not ``several.asks_several``), any of the names it writes as a source of the run does
    (``names_written``), each with that name: a sentence of such a source is not about
    them. The 1.5B answered "What did L Squared say about Apple's AI features in China?"
    with "Maybe Apple could use that because Apple intelligence has been a mess." from
    003, an interview L Squared is not in (she is 004's guest), and "Which university did
    Afra Wang graduate from?" with 004's "startups that have emerged from Tsinghua
    University" (Afra Wang is 000's host); a statement naming them would fail the name
    check, a short answer does not name them."""
    person = view_of(question)
    if person:
        names = [person]
    elif asks_several(question):  # "... according to the monologue and Grace Shao?"
        return {}
    else:
        names = names_written(question, texts)
    if not names:
        return {}
    sources = {s.source_id for s in shown.values()}  # each source's text searched once
    silent = {sid for sid in sources if not any(names_person(n, texts.get(sid, "")) for n in names)}
    return {n: names[0] for n, s in shown.items() if s.source_id in silent}


def names_written(question: str, texts: Mapping[str, str]) -> list[str]:
    """The names of two words or more that ``question`` writes (its first word aside, as
    any word that opens it; possessives dropped: "Afra Wang's") and some source writes as
    a whole: "Afra Wang"; not "Golden State" for California, nor "Yann LeCun", whom 003
    writes "Jan LeCoon": no source's name as written."""
    body = question.strip()
    first = re.match(r"\W*\w+", body)
    body = body[first.end() :] if first else body
    runs = [re.sub(r"['’]s\b", "", run) for run in NAME_RUN.findall(body) if len(run.split()) > 1]
    return [run for run in dict.fromkeys(runs) if any(run in text for text in texts.values())]


def names_person(person: str, text: str) -> bool:
    """Whether ``text`` writes a part of ``person``'s name: a capitalised word of three
    letters or more ("Kai-Fu Lee": "Kai" or "Lee", so "Kai Fu Lee" counts; "L Squared":
    "Squared"). A name of no such part is taken as written somewhere (nothing to judge)."""
    parts = [p for p in re.split(r"[\s-]+", person) if len(p) >= 3 and p[:1].isupper()]
    if not parts:
        return True
    return any(re.search(rf"(?<![\w'’-]){re.escape(p)}(?![\w-])", text) for p in parts)
