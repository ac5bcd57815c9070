"""Evaluate `brief ask`: retrieval recall, verified citations and refusals.

    .venv/bin/python bench/eval_qa.py                       # dev set over outputs/
    .venv/bin/python bench/eval_qa.py --retrieval-only      # no model calls (see expand_questions)
    .venv/bin/python bench/eval_qa.py --questions held_out.jsonl --out outputs
    .venv/bin/python bench/eval_qa.py --qmsum ../shared/eval/qmsum
    .venv/bin/python bench/eval_qa.py --retrieval-only --half tune --param pooled_pieces=1

A question set is JSONL: ``question``, ``evidence`` (verbatim strings from the sources;
empty when the sources do not answer it) and optionally ``kind`` (else "answerable" or
"unanswerable") and ``answer``: keyword groups that a right and whole answer states, in
``bench/eval_brief.py``'s syntax (``A|B`` alternatives, ``word*`` a prefix, stems
compared). An answer "states the answer" when its statements hold every group: a
question of two parts answered in one, or a reason that is not the source's, does not.
Retrieval recall@k is the share of a question's evidence strings that
lie inside one of the top-k passages (whitespace and quote styles normalised), averaged
per kind. With answers (the default), every question is asked through the real client
path (the configured model, embedded by default; answers are cached like every call).

QMSum: each meeting becomes a transcript ("Speaker: words" per turn, QMSum's {markup}
removed), chunked and indexed like any source (no map summaries, so BM25 over the words
alone); for the specific queries, hit@k is the share whose gold turn span overlaps one of
the top-k passages.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import statistics
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.eval_brief import Text  # noqa: E402
from pipeline.ask.answer import answer_question, as_read, expand, retrieve  # noqa: E402
from pipeline.ask.corpus import Corpus, open_corpus  # noqa: E402
from pipeline.ask.focus import FOCUS_TOKENS  # noqa: E402
from pipeline.ask.retrieval import Hit, IndexParams, build_index, embed_texts  # noqa: E402
from pipeline.ask.sources_named import SourceNames, asked_of  # noqa: E402
from pipeline.inputs.chunking import chunk_transcript  # noqa: E402
from pipeline.model.cache import CallCache  # noqa: E402
from pipeline.model.client import ModelClient  # noqa: E402
from pipeline.model.llm import count_tokens  # noqa: E402
from pipeline.model.stopping import unwind_on_signals  # noqa: E402
from pipeline.models import Answer, Segment, Transcript  # noqa: E402
from pipeline.outputs.verify import passage_problem  # noqa: E402
from pipeline.session import ModelSession  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.stages.policy import policy_for  # noqa: E402

KS = (1, 3, 5, 10)
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


def normalise(text: str) -> str:
    return " ".join(text.translate(_QUOTES).split()).lower()


def split_half(questions: list[dict[str, Any]], half: str) -> list[dict[str, Any]]:
    """A fixed half of a question set: within each kind, questions ordered by the sha256
    of their id go alternately to "tune" and "held" (decided before any measurement;
    retrieval choices were tuned on "tune" only)."""
    if half == "all":
        return questions
    chosen: set[str] = set()
    for kind in sorted({kind_of(q) for q in questions}):
        ids = sorted(
            (q["id"] for q in questions if kind_of(q) == kind),
            key=lambda i: hashlib.sha256(i.encode()).hexdigest(),
        )
        chosen |= set(ids[(half == "held") :: 2])
    return [q for q in questions if q["id"] in chosen]


def kind_of(question: dict[str, Any]) -> str:
    return (
        question.get("kind")
        or question.get("type")
        or ("answerable" if question.get("evidence") else "unanswerable")
    )


def evidence_recall(evidence: list[str], hits: list[Hit]) -> float:
    passages = [normalise(h.passage.text) for h in hits]
    found = sum(any(normalise(e) in p for p in passages) for e in evidence)
    return found / len(evidence)


def table(header: list[str], rows: list[list[Any]]) -> str:
    cells = [header] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(header))]
    lines = [
        "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


# --------------------------------------------------------------------------- retrieval


def retrieval_report(
    questions: list[dict[str, Any]],
    corpus: Corpus,
    embedder: ModelClient | None,
    expander: ModelClient | None = None,
    focus_tokens: int = FOCUS_TOKENS,
    k: int = 5,
) -> str:
    """Recall per kind, and "read@k": the evidence in the ``k`` passages as the model
    reads them (``as_read``: the later ones focused, each continued); ``expander``: BM25
    also searches for its imagined answer (the model call is not part of the latency
    reported, which is retrieval's own)."""
    index = corpus.index
    names = SourceNames.read(corpus.out_dir)
    by_kind: dict[str, list[list[float]]] = defaultdict(list)
    latencies, read_tokens = [], []
    for question in questions:
        text = question["question"]
        words = expand(text, expander) if expander is not None else None
        named = asked_of(text, names, index.source_ids) or None  # as `brief ask` asks
        hits, ms = retrieve(text, index, k=max(KS), sources=named, embedder=embedder, words=words)
        latencies.append(ms)
        read = as_read(text, hits[:k], index, corpus.texts, embedder, focus_tokens)
        read_tokens.append(sum(count_tokens(h.passage.text) for h in read))
        if question.get("evidence"):
            row = [evidence_recall(question["evidence"], hits[:n]) for n in KS]
            row.append(evidence_recall(question["evidence"], read))
            by_kind[kind_of(question)].append(row)
            by_kind["all answerable"].append(row)
    rows = [
        [kind, len(rows_), *(statistics.mean(r[i] for r in rows_) for i in range(len(KS) + 1))]
        for kind, rows_ in sorted(by_kind.items(), key=lambda kv: kv[0] == "all answerable")
    ]
    tokens = [count_tokens(w.passage.text) for w in index.windows]
    latencies.sort()
    return (
        table(["kind", "n", *(f"recall@{n}" for n in KS), f"read@{k}"], rows)
        + f"\n\npassages: {len(index.windows)} windows, {statistics.mean(tokens):.0f} tokens "
        f"on average, {max(tokens)} at most; the model reads {statistics.mean(read_tokens):.0f} "
        f"tokens of passages a question on average (focus {focus_tokens}); retrieval latency "
        f"over {len(latencies)} queries: median {statistics.median(latencies):.1f} ms, max "
        f"{latencies[-1]:.1f} ms"
    )


# --------------------------------------------------------------------------- answers


def states_answer(answer: Answer, question: dict[str, Any]) -> bool:
    """Whether an answer's statements hold every keyword group of the question's
    ``answer`` (False when it has none: nothing to check against)."""
    groups = question.get("answer") or []
    return bool(groups) and Text(answer.answer).covers(groups)


def answer_report(
    questions: list[dict[str, Any]],
    corpus: Corpus,
    session: ModelSession,
    settings: Settings,
    k: int,
    latency: bool = False,
    answers_out: Path | None = None,
) -> str:
    stats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    names = SourceNames.read(corpus.out_dir)
    seconds: list[float] = []

    def one(question: dict[str, Any]) -> Answer:
        text = question["question"]
        return answer_question(
            text,
            corpus.index,
            corpus.texts,
            session.client,
            k=k,
            sources=asked_of(text, names, corpus.index.source_ids) or None,
            max_tokens=settings.answer_max_tokens,
            embedder=session.embedder,
            policy=policy_for(settings),
            expand_question=settings.expand_questions,
            focus_tokens=settings.ask_focus_tokens,
            sentences=corpus.sentences,
        )

    def timed(question: dict[str, Any]) -> Answer:
        started = time.perf_counter()
        answer = one(question)
        seconds.append(time.perf_counter() - started)
        return answer

    try:
        if latency:
            # one question at a time, as a person asks them, the servers kept warm between
            # questions; the first question also pays the servers' start (reported apart)
            answers = [timed(q) for q in questions]
        else:
            # as many questions at once as the server has slots
            with ThreadPoolExecutor(session.workers) as pool:
                answers = list(pool.map(one, questions))
        for n, (question, answer) in enumerate(zip(questions, answers, strict=True), start=1):
            answerable = bool(question.get("evidence"))
            # per answer, counted under its kind and under "all"
            verified = [
                passage_problem(c.passage.model_dump(), corpus.texts) is None
                for c in answer.citations
            ]
            several = answer.answered and len(question.get("sources", [])) >= 2
            states = answer.answered and states_answer(answer, question)
            for key in (kind_of(question), "all"):
                row = stats[key]
                row["n"] += 1
                row["answered"] += answer.answered
                row["unanswerable"] += not answerable
                row["refused unanswerable"] += (not answerable) and not answer.answered
                row["falsely refused"] += answerable and not answer.answered
                row["citations"] += len(answer.citations)
                row["verified"] += sum(verified)
                row["answers all verified"] += answer.answered and all(verified)
                row["cites evidence"] += answer.answered and any(
                    normalise(e) in normalise(c.passage.text)
                    for e in question.get("evidence", [])
                    for c in answer.citations
                )
                row["keyed"] += answer.answered and bool(question.get("answer"))
                row["states answer"] += states
                row["several sources asked"] += several
                row["several sources cited"] += several and (
                    len({c.passage.source_id for c in answer.citations}) >= 2
                )
            state = "answered" if answer.answered else f"refused ({answer.reason})"
            print(f"  {n}/{len(questions)} {question.get('id', '')} {state}", file=sys.stderr)
            if answers_out is not None:
                record = {
                    "id": question.get("id", ""),
                    "kind": kind_of(question),
                    "states_answer": states,
                    "answer": answer.model_dump(mode="json", exclude={"near_misses"}),
                }
                with answers_out.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        session.close()
    rows = []
    for kind, row in sorted(stats.items(), key=lambda kv: kv[0] == "all"):
        n_answerable = row["n"] - row["unanswerable"]
        rows.append(
            [
                kind,
                row["n"],
                row["answered"],
                f"{row['answers all verified']}/{row['answered']}",
                f"{row['verified']}/{row['citations']}",
                f"{row['cites evidence']}/{row['answered']}",
                f"{row['states answer']}/{row['keyed']}",
                f"{row['several sources cited']}/{row['several sources asked']}",
                f"{row['refused unanswerable']}/{row['unanswerable']}",
                f"{row['falsely refused']}/{n_answerable}",
            ]
        )
    usage = session.client.total()
    timing = ""
    if len(seconds) > 1:
        ordered = sorted(seconds[1:])
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        timing = (
            f"\nwarm ask latency over {len(ordered)} questions, one at a time: median "
            f"{statistics.median(ordered):.1f} s, p95 {p95:.1f} s, max {ordered[-1]:.1f} s "
            f"(the first question, servers starting: {seconds[0]:.1f} s)"
        )
    return table(
        [
            "kind",
            "n",
            "answered",
            "answers with all citations verified",
            "citations verified",
            "answers citing gold evidence",
            "answers stating the answer",
            "answers to a several-source question citing 2+ sources",
            "unanswerable refused",
            "answerable falsely refused",
        ],
        rows,
    ) + (
        f"\n\nmodel calls {usage.calls} (cache hits {usage.cache_hits}, re-asks "
        f"{usage.reasks}), {usage.prompt_tokens} prompt / {usage.completion_tokens} "
        "completion tokens" + timing
    )


# --------------------------------------------------------------------------- QMSum

_MARKUP = re.compile(r"\{[a-z_]+\}\s*")


def qmsum_transcript(meeting: dict[str, Any]) -> tuple[Transcript, str, list[int]]:
    """The meeting as a transcript file text, and the turn index of every line."""
    lines: list[str] = []
    turn_of_line: list[int] = []
    segments: list[Segment] = []
    offset = 0
    for turn in meeting["turns"]:
        words = " ".join(_MARKUP.sub("", turn["content"]).split())
        if not words:
            continue
        prefix = f"{turn['speaker']}: "
        line = prefix + words
        segments.append(
            Segment(
                text=words,
                char_start=offset + len(prefix),
                char_end=offset + len(line),
                line_start=len(lines) + 1,
                line_end=len(lines) + 1,
                speaker=turn["speaker"],
            )
        )
        lines.append(line)
        turn_of_line.append(turn["i"])
        offset += len(line) + 1
    text = "\n".join(lines)
    transcript = Transcript(
        source_id=meeting["meeting_id"],
        path=f"qmsum/{meeting['meeting_id']}",
        format="qmsum",
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        segments=segments,
    )
    return transcript, text, turn_of_line


def touches_gold(hit: Hit, turn_of_line: list[int], spans: list[list[int]]) -> bool:
    """Whether a passage holds a line of one of the gold spans' turns."""
    return any(
        a <= turn_of_line[line - 1] <= b
        for line in range(hit.passage.line_start, hit.passage.line_end + 1)
        for a, b in spans
    )


def qmsum_report(
    folder: Path,
    session: ModelSession,
    expander: ModelClient | None = None,
    focus_tokens: int = FOCUS_TOKENS,
) -> str:
    meetings = [json.loads(line) for line in (folder / "qmsum_val_subset_meetings.jsonl").open()]
    queries = [json.loads(line) for line in (folder / "qmsum_val_subset_queries.jsonl").open()]
    chunks, texts, turns = [], {}, {}
    started = time.perf_counter()
    for meeting in meetings:
        transcript, text, turn_of_line = qmsum_transcript(meeting)
        texts[transcript.source_id] = text
        turns[transcript.source_id] = turn_of_line
        chunks += chunk_transcript(transcript, chunk_tokens=900, overlap_tokens=60)
    index = build_index(chunks, [], texts, session.index_params)
    if session.embedder is not None:
        index.vectors = embed_texts(
            session.embedder,
            [texts[p.source_id][p.char_start : p.char_end] for p in index.pieces],
        )
    build_s = time.perf_counter() - started
    specific = [q for q in queries if q["type"] == "specific"]
    hits_at = {k: 0 for k in (1, 3, 5)}
    read_hits, read_tokens = 0, []
    for query in specific:
        words = expand(query["query"], expander) if expander is not None else None
        hits, _ = retrieve(
            query["query"],
            index,
            k=5,
            sources=[query["meeting_id"]],
            embedder=session.embedder,
            words=words,
        )
        lines, spans = turns[query["meeting_id"]], query["gold_spans"]
        for k in hits_at:
            hits_at[k] += any(touches_gold(h, lines, spans) for h in hits[:k])
        read = as_read(query["query"], hits, index, texts, session.embedder, focus_tokens)
        read_hits += any(touches_gold(h, lines, spans) for h in read)
        read_tokens.append(sum(count_tokens(h.passage.text) for h in read))
    tokens = [count_tokens(w.passage.text) for w in index.windows]
    rows = [
        [
            "specific",
            len(specific),
            *(hits_at[k] / len(specific) for k in (1, 3, 5)),
            read_hits / len(specific),
        ],
    ]
    return (
        table(["queries", "n", "hit@1", "hit@3", "hit@5", "read@5"], rows)
        + f"\n\n{len(meetings)} meetings, {len(chunks)} chunks, {len(index.windows)} passages "
        f"({statistics.mean(tokens):.0f} tokens on average, {max(tokens)} at most; the model "
        f"reads {statistics.mean(read_tokens):.0f} a query, focus {focus_tokens}); index built "
        f"in {build_s:.1f} s; each query searched within its own meeting"
    )


def log_replies(session: ModelSession, path: Path) -> None:
    """Record each answer request's messages and the model's raw reply, so the answer
    checks can be studied (and changed rules replayed) without asking the model again."""
    ask = session.client._ask
    lock = threading.Lock()

    def logged(stage: str, messages: list, json_schema: dict, name: str, max_tokens: int) -> str:
        reply = ask(stage, messages, json_schema, name, max_tokens)
        with lock, path.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"messages": messages, "reply": reply}) + "\n")
        return reply

    session.client._ask = logged  # type: ignore[method-assign]


def main() -> None:
    unwind_on_signals()  # a killed run stops the model servers it started
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=ROOT / "bench/data/dev_qa.jsonl")
    parser.add_argument("--out", type=Path, default=ROOT / "outputs", help="brief run's outputs")
    parser.add_argument("--k", type=int, default=5, help="passages given to the model")
    parser.add_argument(
        "--retrieval-only",
        action="store_true",
        help="no answers (with BRIEF_EXPAND_QUESTIONS=true, the questions' expansions are "
        "still asked)",
    )
    parser.add_argument(
        "--answers-per-kind",
        type=int,
        help="ask the model only the first N questions of each kind (default: all)",
    )
    parser.add_argument("--qmsum", type=Path, help="folder of the QMSum subset")
    parser.add_argument(
        "--log-replies", type=Path, help="append every answer request and raw reply here (JSONL)"
    )
    parser.add_argument(
        "--answers-out",
        type=Path,
        help="append each question's answer (text, statements, citations, whether it states "
        "the answer) here (JSONL), to be read by hand",
    )
    parser.add_argument(
        "--latency",
        action="store_true",
        help="answer one question at a time and report the median and p95 seconds per answer",
    )
    parser.add_argument(
        "--half",
        choices=("all", "tune", "held"),
        default="all",
        help="a fixed half of the question set (see split_half)",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one retrieval.IndexParams field (e.g. dense_weight=0.7); repeatable",
    )
    args = parser.parse_args()
    settings = Settings.load(None)
    cache = CallCache(settings.cache_dir)
    session = ModelSession(settings, cache, log_dir=settings.cache_dir.parent)
    if args.param:
        overrides = dict(p.split("=", 1) for p in args.param)
        unknown = set(overrides) - set(IndexParams.model_fields)
        if unknown:
            parser.error(f"unknown index parameters: {', '.join(sorted(unknown))}")
        session.index_params = IndexParams.model_validate(
            {**session.index_params.model_dump(), **overrides}
        )
    method = f"BM25 + {settings.embedding_model} (RRF)" if session.embedder else "BM25"
    # expand_questions: the expansions (``expand``) ask the chat model, also --retrieval-only
    expander = session.client if settings.expand_questions else None
    if expander is not None:
        method += ", questions expanded"
    if args.param:
        method += ", " + ", ".join(args.param)
    if args.qmsum:
        print(f"QMSum subset ({args.qmsum}): retrieval, {method}\n")
        try:
            print(qmsum_report(args.qmsum, session, expander, settings.ask_focus_tokens))
        finally:
            session.close()
            cache.close()
        return
    questions = [json.loads(line) for line in args.questions.open(encoding="utf-8") if line.strip()]
    questions = split_half(questions, args.half)
    corpus, _ = open_corpus(args.out, session.index_params, session.embedder)
    if args.log_replies:
        log_replies(session, args.log_replies)
    print(
        f"{args.questions.name} ({args.half}): {len(questions)} questions over {args.out} "
        f"({method})\n"
    )
    print(
        retrieval_report(
            questions, corpus, session.embedder, expander, settings.ask_focus_tokens, args.k
        )
    )
    if not args.retrieval_only:
        asked = questions
        if args.answers_per_kind:
            seen: dict[str, int] = defaultdict(int)
            asked = []
            for question in questions:
                seen[kind_of(question)] += 1
                if seen[kind_of(question)] <= args.answers_per_kind:
                    asked.append(question)
        print(f"\nAnswers (k={args.k}, {len(asked)} questions):\n")
        print(
            answer_report(asked, corpus, session, settings, args.k, args.latency, args.answers_out)
        )
    session.close()
    cache.close()


if __name__ == "__main__":
    main()
