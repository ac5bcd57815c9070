"""Ask: a grounded answer to one question, or a refusal with the nearest passages.

The model sees the question and the retrieved passages as ``[n] (label) text`` and
answers with statements that cite passage numbers (``pipeline.ask.answer_reply``: the
reply's schema, and the validator where the checks below run). Code then checks every
citation.

Guards for every model (grounding, never relaxed):

- a cited number must be one of the passages supplied (the schema allows only those, and
  validation checks again);
- every number (any token with a digit: "2023", "4.0", "H800", "4X") and every name in
  a statement must appear in the passages it cites, so a figure, a chip model or a name
  the passages do not give does not pass (a people's adjective counts as its place's
  name: "Japanese" for "Japan"; an acronym of four or more letters counts as named by
  the words it stands for: "SaaS" by "software as a service");
- a number in the question (a year, say) must appear in the cited passages;
- every cited passage must still be the exact slice of its source file.

Habit patches, set by the model policy (``pipeline.stages.policy``: STRICT for the embedded
model, LENIENT for strong ones): the share of a statement's words its passages must
contain (``answer_support``), moving a citation to the passage that states the
statement best (``answer_moves_citation``), refusing a statement that only restates the
question (``answer_rejects_restatement``), dropping a second or third statement its
passages do not state instead of refusing the answer (``answer_drops_unsupported_details``),
requiring a word shared with the question
(``answer_must_share_question_word``), printing a statement copied from part of a
passage's sentence as that whole sentence (``answer_whole_sentence``,
``pipeline.whole_sentence``) and how a quantity answer may be written
(``quantity_answer``).

Under a policy that answers by sentence (``answer_by_sentence``: the embedded 1.5B's), the
passages are shown sentence by sentence instead, and the answer is the sentence that
states it, found by code from the model's short answer (``pipeline.ask.sentence_answer``,
``answered_on``), held to the same checks.

Each passage is shown continued to the end of its line or sentence (``continued``), so a
window that stops mid-sentence does not hide the example it introduces.

Retrieval may search for more than the question's words: with ``expand_question`` (the
``expand_questions`` setting), BM25 also searches for the words of a passage the model
imagines answering it (``expand``), which is never shown or cited.

A question about several sources (``several.asks_several``: "What do the sources say
...", "How do X and Y view ...", two questions in one) is asked once more of a source the
answer does not cite, on that source's own passages, and what that answer states is
added with its citations (``several.merged``). Two questions in one, answered by a sentence
of one source, first have their second question asked of that source, after the first
with its answer and without that sentence (``several.the_rest``).

A reply that fails these checks is re-asked once with the error, which names what the
passages lack (the client's re-ask);
a second failure becomes a refusal. So does ``answerable: false``. A refusal lists the
passages that came closest, and is a result, not an error.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from pipeline.ask.answer_reply import AnswerReply
from pipeline.ask.expand import expand
from pipeline.ask.focus import FOCUS_TOKENS, focused
from pipeline.ask.printed import printed, printed_answer
from pipeline.ask.requests import ask_sentence, ask_statements, within_context
from pipeline.ask.retrieval import Hit, SearchIndex, query_terms
from pipeline.ask.sentence_answer import SentenceReply, SentenceSpans
from pipeline.ask.several import (
    about_the_question,
    adds_to,
    asks_several,
    asks_two_things,
    merged,
    other_sources,
    second_question,
    the_rest,
    without_printed,
)
from pipeline.ask.spelling import in_spelling, respellings
from pipeline.errors import (
    ModelAuthError,
    ModelError,
    ModelUnreachable,
    OutputInvalid,
)
from pipeline.model.client import ModelClient
from pipeline.models import Answer, CitedPassage, Statement
from pipeline.outputs.verify import passage_problem
from pipeline.stages.policy import STRICT, ModelPolicy

NEAR_MISSES = 3
# a passage is shown to the model with about this many of the source's following
# characters, to the next line or sentence end: a window that stops mid-sentence ("...
# gave an") otherwise hides the example it introduces
FOLLOWING_CHARS = 200
_FOLLOWING_SNAP = 200  # at most this much further to reach a line or sentence end
_LINE_OR_SENTENCE_END = re.compile(r"[.!?\n]")


def continued(hit: Hit, texts: dict[str, str], chars: int = FOLLOWING_CHARS) -> Hit:
    """The hit with its passage continued by about ``chars`` characters of its source, to
    the next line or sentence end: still an exact slice, so citations of it verify."""
    passage = hit.passage
    text = texts.get(passage.source_id)
    if chars <= 0 or text is None or text[passage.char_start : passage.char_end] != passage.text:
        return hit
    target = min(len(text), passage.char_end + chars)
    limit = min(len(text), target + _FOLLOWING_SNAP)
    found = _LINE_OR_SENTENCE_END.search(text, target, limit)
    end = found.end() if found else limit
    while end > passage.char_end and text[end - 1].isspace():
        end -= 1  # a trailing line break would print an empty line in the prompt
    if end <= passage.char_end:
        return hit
    longer = passage.model_copy(
        update={
            "char_end": end,
            "line_end": text.count("\n", 0, end) + 1,
            "text": text[passage.char_start : end],
        }
    )
    return hit.model_copy(update={"passage": longer})


def as_read(
    question: str,
    hits: Sequence[Hit],
    index: SearchIndex,
    texts: dict[str, str],
    embedder: ModelClient | None,
    focus_tokens: int = FOCUS_TOKENS,
    following_chars: int = FOLLOWING_CHARS,
) -> list[Hit]:
    """The passages as the model reads them: after the first three, each by its stretch
    nearest the question (``pipeline.ask.focus``, by the question's embedding that
    ``retrieve`` used, read from the cache again), and each ``continued``."""
    vector = None
    if focus_tokens > 0 and embedder is not None and index.vectors is not None:
        vector = embedder.embed("embed", [question])[0]
    shown = focused(hits, vector, index, texts, tokens=focus_tokens)
    return [continued(h, texts, following_chars) for h in shown]


def _cited(hit: Hit) -> CitedPassage:
    return CitedPassage(id=hit.rank, label=hit.passage.label, score=hit.score, passage=hit.passage)


# a question of question words only: every passage "shares" none of its words, and the
# checks that hold an answer to the question have nothing to hold it to (an empty question
# was answered "Deepseek was an outlier" from whatever the embedding ranked first)
NOTHING_ASKED = "the question names nothing to look for: ask about someone or something"


def refusal(
    question: str,
    hits: Sequence[Hit],
    reason: str,
    retrieval_ms: float,
    left_out: int = 0,
    respelled: dict[str, str] | None = None,
) -> Answer:
    return Answer(
        question=question,
        answered=False,
        reason=reason,
        respelled=respelled or {},
        near_misses=[_cited(h) for h in hits[:NEAR_MISSES]],
        retrieved=len(hits),
        left_out=left_out,
        retrieval_ms=retrieval_ms,
    )


def retrieve(
    question: str,
    index: SearchIndex,
    *,
    k: int = 5,
    sources: Sequence[str] | None = None,
    embedder: ModelClient | None = None,
    words: str | None = None,
) -> tuple[list[Hit], float]:
    """The top ``k`` passages and the milliseconds retrieval took (the question's
    embedding included, when the index has window vectors and an embedder is given).
    ``words``: what BM25 searches for, when not the question itself (``expand``). A
    question that joins a second question to the first also searches for the second
    alone, which gets the last of the first five places (``with_second_question``)."""
    started = time.perf_counter()
    dense = None
    if embedder is not None and index.vectors is not None:
        dense = index.dense_scores(embedder.embed("embed", [question])[0])
    hits = index.search(words or question, k=k, sources=sources, dense=dense)
    second = second_question(question) if words is None else ""
    if second:  # its words, with the whole question's embedding (its own says too little)
        more = index.search(second, k=k, sources=sources, dense=dense)
        hits = with_second_question(hits, more)
    return hits, round((time.perf_counter() - started) * 1000, 2)


SECOND_QUESTION_PLACES = 1  # of every five, for a question joined to the first


def with_second_question(hits: Sequence[Hit], second: Sequence[Hit]) -> list[Hit]:
    """``hits`` for a question that joins a second question to the first ("What is
    Alibaba's large language model called, and how did it rank on the LMSys
    leaderboard?"), with the last ``SECOND_QUESTION_PLACES`` of the first five given to
    the best passages for the second question alone (``second``) that overlap none
    before them: ranked for the whole question, one part's passages can fill all five
    places. The same list for every k (the first five of ten are the first five)."""
    head = 5 - SECOND_QUESTION_PLACES
    out = list(hits[:head])

    def fill(candidates: Sequence[Hit], up_to: int) -> None:
        """Append the candidates that overlap no passage taken, until ``up_to``."""
        for hit in candidates:
            if len(out) >= up_to:
                break
            if not any(hit.passage.overlaps(o.passage) for o in out):
                out.append(hit)

    fill(second, min(5, len(hits)))
    fill(hits[head:], len(hits))
    return [h.model_copy(update={"rank": n}) for n, h in enumerate(out, start=1)]


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
    policy: ModelPolicy = STRICT,
    following_chars: int = FOLLOWING_CHARS,
    expand_question: bool = False,
    focus_tokens: int = FOCUS_TOKENS,
    sentences: SentenceSpans | None = None,
) -> Answer:
    """The answer to ``question``, or a refusal. ``expand_question``: BM25 also searches
    for the words of a passage the model imagines answering it (``expand``: one more call).
    ``focus_tokens``: how much of each passage after the first three the model reads
    (``pipeline.ask.focus``; 0: all of it). ``sentences``: each source's sentence spans
    (``Corpus.sentences``), for a policy that answers by sentence
    (``pipeline.ask.sentence_answer``); without them, every policy answers in
    statements."""
    if not query_terms(question):  # "", "?", "What is it?"
        return refusal(question, [], NOTHING_ASKED, 0.0)
    words = expand(question, client) if expand_question else None

    def answer_from(
        within: Sequence[str] | None,
        spans: SentenceSpans | None = sentences,
        asked: str = question,
    ) -> tuple[Answer, list[Hit]]:
        hits, ms = retrieve(asked, index, k=k, sources=within, embedder=embedder, words=words)
        hits = as_read(asked, hits, index, texts, embedder, focus_tokens, following_chars)
        if not hits or hits[0].score <= 0:
            return refusal(asked, hits, "no passage shares a word with the question", ms), hits
        answer = answered_on(asked, hits, texts, client, max_tokens, policy, ms, spans)
        return answer, hits

    first, hits = answer_from(sources)
    if not asks_several(question):
        return first
    cited = sorted({c.passage.source_id for c in first.citations})
    two = asks_two_things(question) and first.answered

    def more_of(answer: Answer) -> bool:  # what a later answer must add (several.py)
        return adds_to(first, answer, question) if two else about_the_question(answer, question)

    more: list[Answer] = []
    try:
        # two questions in one: its source asked the second question (several.the_rest)
        if two and len(cited) == 1 and sentences and policy.answer_by_sentence:
            rest = answer_from(
                cited, without_printed(first, sentences, texts), the_rest(question, first)
            )[0]
            if more_of(rest):
                return merged([first, rest])
        if sources is not None and len(set(sources)) < 2:
            return first
        # a question about several sources: asked again of another source alone
        found_in = [h.passage.source_id for h in hits]
        for source in other_sources(found_in, set(cited), 1 if cited else 2):
            second = answer_from([source])[0]
            if more_of(second):
                more.append(second)
    except (ModelAuthError, ModelUnreachable):
        raise  # no later call can be answered either
    except ModelError:  # a later call failed after its retries: the answers found stand
        pass
    return merged([first, *more])


def answered_on(
    question: str,
    hits: list[Hit],
    texts: dict[str, str],
    client: ModelClient,
    max_tokens: int,
    policy: ModelPolicy,
    ms: float,
    sentences: SentenceSpans | None = None,
) -> Answer:
    """The model's answer on these passages, its citations checked, or a refusal: its
    statements, or under ``answer_by_sentence`` (given the run's ``sentences``) the
    sentence that states it."""
    found = len(hits)
    # the model reads the question in the passages' spelling of its names (spelling.py)
    respelled = respellings(question, [h.passage.text for h in hits])
    asked = in_spelling(question, respelled)
    spans = sentences if policy.answer_by_sentence else None  # None: statements
    reply: AnswerReply | SentenceReply
    try:
        if spans is not None:
            (reply, shown), hits = within_context(
                hits, lambda h: ask_sentence(asked, h, texts, spans, client, max_tokens, policy)
            )
        else:
            reply, hits = within_context(
                hits, lambda h: ask_statements(asked, h, client, max_tokens, policy)
            )
    except OutputInvalid as exc:  # the replies failed the checks: a refusal, with why
        failed = (
            "no answer stated by a sentence shown"
            if spans is not None
            else "no answer with valid citations"
        )
        return refusal(question, hits, f"{failed} ({exc})", ms, respelled=respelled)
    # any other ModelError (the server failing after its retries, a rejected request) is
    # raised: it says nothing about the sources, and was printed as a refusal
    left_out = found - len(hits)
    if not reply.answerable:
        reason = "the passages found do not state the answer"
        return refusal(question, hits, reason, ms, left_out, respelled)

    by_rank = {h.rank: h for h in hits}
    statements, cited_ids = [], set()
    if isinstance(reply, SentenceReply):
        said = shown[reply.sentence]
        if passage_problem(by_rank[said.rank].passage.model_dump(), texts) is None:
            text = printed_answer(reply.answer, said.text)
            statements.append(Statement(text=text, citations=[said.rank]))
            cited_ids.add(said.rank)
    else:
        for statement in reply.statements:
            ids = [
                i
                for i in dict.fromkeys(statement.passages)
                if passage_problem(by_rank[i].passage.model_dump(), texts) is None
            ]
            if ids:  # the checks passed on it as written; printed as prose (printed.py)
                cited = [by_rank[i].passage.text for i in ids]
                text = printed(statement.text, cited, policy.answer_whole_sentence)
                statements.append(Statement(text=text, citations=ids))
                cited_ids.update(ids)
    if not statements:
        reason = "no cited passage matched its source file"
        return refusal(question, hits, reason, ms, left_out, respelled)
    return Answer(
        question=question,
        answered=True,
        answer=" ".join(s.text for s in statements),
        statements=statements,
        citations=[_cited(by_rank[i]) for i in sorted(cited_ids)],
        reason=None,
        respelled=respelled,
        retrieved=len(hits),
        retrieval_ms=ms,
        left_out=left_out,
    )
