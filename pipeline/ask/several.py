"""A question about what several sources say, answered source by source.

Asked "How do DeepSeek's founder and L Squared view the chip export restrictions?", the
answerer reads the five best passages, which are mostly one source's, and answers from
that source alone: on the development set 1 of 8 answers to a several-source question
cited two sources, and a prompt rule or an example asking for one statement per source
did not change that (docs/evaluation-history.md, twenty-sixth round). So a question that
asks about several sources (``asks_several``) is asked once more for another source
alone: that source's own best passages, the same checks, one more call. What the
second answer states is added to the first with its citations (``merged``), or stands
alone when the first was a refusal; a second refusal changes nothing, nor does a second
answer that holds too few of the question's words (``about_the_question``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.ask.answer_checks import about_words
from pipeline.models import Answer, CitedPassage, Statement
from pipeline.text import stems, tokenize

# words that ask what several sources say, or whether they agree
_SEVERAL = re.compile(
    r"\b(?:sources|both|the two|agree|disagree|in common)\b",
    re.IGNORECASE,
)
# a second question joined to the first ("What is X called, and how did it rank ...?")
_SECOND_QUESTION = re.compile(
    r",\s*and\s+(?:how|what|which|who|when|where|why|is|are|was|were|did|does|do)\b",
    re.IGNORECASE,
)
# two named parties asked about together ("DeepSeek's founder and L Squared", "the
# monologue and Grace Shao"): "and" before a capitalised name, after the question's start
_TWO_PARTIES = re.compile(r"\w \w+ and (?:the )?[A-Z]")


def asks_several(question: str) -> bool:
    """Whether ``question`` asks what several sources (or two parties) say, or asks two
    questions in one."""
    body = question.strip()
    return bool(_SEVERAL.search(body) or _SECOND_QUESTION.search(body) or _TWO_PARTIES.search(body))


ABOUT_WORDS = 2  # of the question's words, a second source's answer holds at least this many
# words that name the corpus's parts, not what the question is about ("What do the
# sources say about how Uber fared ...": "And now China has made AI open source?" holds
# "source")
CORPUS_WORDS = frozenset(
    tokenize(
        [
            "source sources say says said podcast podcasts episode show speaker speakers guest "
            "host conversation interview thread forum comment commenter monologue transcript"
        ]
    )[0]
)


def about_the_question(answer: Answer, question: str) -> bool:
    """Whether an answer asked of one more source (``asks_several``) holds
    ``ABOUT_WORDS`` of the question's words (``answer_checks.about_words``; all of them
    when it has fewer), as printed: asked of a source that does not speak to the question,
    the 1.5B gave a sentence that shares one word with it ("And now China has made AI open
    source?" for how Uber fared in China, "Like Mark Andreessen" for Mark Zuckerberg's
    copying of TikTok) or none ("I am very grateful to L Squared ..." for what Afra Wang's
    newsletter is called), which the word checks pass (the answer is stated there)."""
    asked = about_words(question) - CORPUS_WORDS
    return answer.answered and len(asked & stems(answer.answer)) >= min(ABOUT_WORDS, len(asked))


def other_sources(hits_sources: Sequence[str], cited: set[str], wanted: int) -> list[str]:
    """The first ``wanted`` sources, in the order their passages were found, that the
    answer does not cite."""
    return [s for s in dict.fromkeys(hits_sources) if s not in cited][:wanted]


def merged(answers: Sequence[Answer]) -> Answer:
    """The answered ones of ``answers`` as one answer, their passages renumbered in
    order (each answer numbers its own from 1)."""
    answered = [a for a in answers if a.answered]
    if not answered:
        return answers[0]
    statements: list[Statement] = []
    citations: list[CitedPassage] = []
    for answer in answered:
        renumber: dict[int, int] = {}
        for cited in answer.citations:
            renumber[cited.id] = len(citations) + 1
            citations.append(cited.model_copy(update={"id": renumber[cited.id]}))
        statements += [
            s.model_copy(update={"citations": [renumber[i] for i in s.citations]})
            for s in answer.statements
        ]
    first = answered[0]
    return first.model_copy(
        update={
            "answer": " ".join(s.text for s in statements),
            "statements": statements,
            "citations": citations,
            "retrieved": sum(a.retrieved for a in answers),
            "retrieval_ms": round(sum(a.retrieval_ms for a in answers), 2),
            "left_out": sum(a.left_out for a in answers),
        }
    )
