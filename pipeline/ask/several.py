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

Two questions in one about one source ("What is Grace Shao's newsletter called, and where
is she based?") were asked again of another source, which does not speak of her: the
first answer's sentence named the newsletter, the other source gave an unrelated one
("... a newsletter called Concurrent"). Under a policy that answers by sentence, such a
question's second question is first asked of the source that answered, after the first with
its answer (``the_rest``), the sentences that answer printed left out (``without_printed``),
and that answer is added when it holds two words of the question the first does not
(``adds_to``); only if it does not is another source asked, its answer held to the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pipeline.ask.answer_checks import about_words
from pipeline.ask.printed import given_in
from pipeline.models import Answer, CitedPassage, Statement
from pipeline.text import ended, flattened, stems, tokenize

if TYPE_CHECKING:  # sentence_answer asks ``asks_several``
    from pipeline.ask.sentence_answer import SentenceSpans

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


def asks_two_things(question: str) -> bool:
    """Whether ``question`` joins a second question to the first ("..., and how ...")."""
    return bool(_SECOND_QUESTION.search(question))


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
    return holds_enough(answer, about_words(question) - CORPUS_WORDS)


def adds_to(first: Answer, second: Answer, question: str) -> bool:
    """Whether ``second`` answers more of two questions in one than ``first`` printed: it
    holds ``ABOUT_WORDS`` of the question's words that ``first`` does not (all of them
    when fewer are left): "where is she based" is answered by "Hong Kong-based writer and
    analyst Grace Shao ..." after "You can get her newsletter AI ProM on Substack.";
    "Which company is the main hope for Chinese chips, and which fab did it work with?" is
    not by another source's "DeepSeek is proof there isn't a moat, not a demonstration of
    Chinese superiority in AI work." after "It worked with SMIC Fab in China ...", whose
    one word more is "Chinese"."""
    left = about_words(question) - CORPUS_WORDS - stems(first.answer)
    return bool(left) and holds_enough(second, left)


def holds_enough(answer: Answer, words: set[str]) -> bool:
    """Whether ``answer`` is one and holds ``ABOUT_WORDS`` of ``words`` as printed (all of
    them when there are fewer)."""
    return answer.answered and len(words & stems(answer.answer)) >= min(ABOUT_WORDS, len(words))


def without_printed(
    answer: Answer, spans: SentenceSpans, texts: Mapping[str, str]
) -> dict[str, list[tuple[int, int]]]:
    """``spans`` without the sentences ``answer`` prints: those of a cited passage whose
    words, as a reader sees them (clipped to the passage, ``flattened``), it quotes."""
    left = {source: list(found) for source, found in spans.items()}
    for cited in answer.citations:
        passage = cited.passage
        text = texts.get(passage.source_id, "")
        left[passage.source_id] = [
            (start, end)
            for start, end in left.get(passage.source_id, [])
            if end <= passage.char_start
            or start >= passage.char_end
            or flattened(text[max(start, passage.char_start) : min(end, passage.char_end)])
            not in answer.answer
        ]
    return left


def second_question(question: str) -> str:
    """The question ``question`` joins to its first ("What is X called, and how did it
    rank ...?" -> "how did it rank ...?"), or "" when it asks one."""
    joint = _SECOND_QUESTION.search(question)
    if joint is None:
        return ""
    return question[joint.end() - len(joint.group().split()[-1]) :].strip()


def the_rest(question: str, answer: Answer) -> str:
    """``question``'s second question, then its first with what ``answer`` gives for it
    ("Where is she based? (What is Grace Shao's newsletter called? AI ProM.)"): asked the
    whole question again, the 1.5B answered its first question again from another
    sentence, and so it did, or refused, given the first question and its answer before
    the second. With the first answer in the question, an answer that gives it again
    restates the question (``answer_checks.restates``) and is not taken."""
    joint = _SECOND_QUESTION.search(question)
    if joint is None or not answer.statements:
        return question
    first = question[: joint.start()].strip()
    second = second_question(question)
    given = given_in(answer.statements[0].text).strip()
    return f"{second[:1].upper()}{second[1:]} ({first}? {ended(given)})"


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
