"""Replay logged answer replies through the answer checks: which check refuses which reply.

    .venv/bin/python bench/replay_answers.py /tmp/replies.jsonl [--policy strict|lenient]
        [--set answer_support=0.5] [--questions bench/data/dev_qa.jsonl] [--show]

The log comes from ``bench/eval_qa.py --log-replies``: one line per request, with the
messages sent and the model's raw reply; a re-ask is logged as a second request whose
messages start with the first's. For each question the replay decides what
``answer_question`` decided live, without a model: the first reply validated under the
policy; if it fails, the logged re-ask reply (if the live run made one); then answered,
"said not answerable" (``answerable: false``) or refused (both replies invalid). A reply
that passes now but was re-asked live, or fails now but was not re-asked live, is marked:
its decision depends on a reply the log does not hold.

Each line names the check that refused the first reply (the measurement that decides which
rule of ``pipeline/stages/policy.py`` or ``pipeline/ask/answer.py`` refuses correct
answers), and marks
an accepted answer whose statements only restate the question ("restates": no content word
beyond the question's; the checks let it pass, but it answers nothing).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pydantic import ValidationError  # noqa: E402

from pipeline.ask.answer_checks import restates as restates_question  # noqa: E402
from pipeline.ask.answer_checks import unsupported  # noqa: E402
from pipeline.ask.answer_reply import AnswerReply  # noqa: E402
from pipeline.model.reply import extract_json  # noqa: E402
from pipeline.stages.policy import POLICIES, ModelPolicy  # noqa: E402

_BOUNDARY = re.compile(r"^<<<DATA-[0-9a-f]+>>>$", re.MULTILINE)


@dataclass
class Exchange:
    """One question's logged requests: the first reply and, if any, the re-ask's."""

    question: str
    passages: dict[int, str]
    first: str
    reask: str | None = None
    reask_prompt: str | None = None
    gold: dict[str, Any] = field(default_factory=dict)


@dataclass
class Verdict:
    decision: str  # "answered" | "said not answerable" | "refused"
    first_error: str | None  # why the first reply failed the checks (None: it passed)
    statements: list[dict[str, Any]]  # the accepted reply's statements (citations as moved)
    note: str = ""  # the decision rests on a reply the log does not hold


def parse_user(content: str) -> tuple[str, dict[int, str]]:
    """The question and the numbered passages of an answer prompt's user message. A passage
    runs over several lines, so it ends where the next number's "[n+1] (" line starts."""
    question = content.split("\n", 1)[0].removeprefix("Question: ").strip()
    parts = _BOUNDARY.split(content)
    if len(parts) < 3:
        raise ValueError("no boundary lines around the passages")
    body = parts[1].strip("\n")
    passages: dict[int, str] = {}
    n, start = 1, 0
    while body.startswith(f"[{n}] (", start):
        end = body.find(f"\n[{n + 1}] (", start)
        chunk = body[start : end if end != -1 else len(body)]
        # "[n] (label) text": the label holds no parenthesis
        passages[n] = chunk.split(") ", 1)[1] if ") " in chunk else ""
        if end == -1:
            break
        n, start = n + 1, end + 1
    return question, passages


def read_log(path: Path, gold: dict[str, dict[str, Any]]) -> list[Exchange]:
    """The log's requests grouped by question, in the order first asked."""
    exchanges: dict[str, Exchange] = {}
    for line in path.open(encoding="utf-8"):
        if not line.strip():
            continue
        record = json.loads(line)
        messages = record["messages"]
        key = json.dumps(messages[:2])
        if len(messages) <= 2:
            question, passages = parse_user(messages[1]["content"])
            exchanges[key] = Exchange(
                question, passages, record["reply"], gold=gold.get(question, {})
            )
        else:
            exchanges[key].reask = record["reply"]
            exchanges[key].reask_prompt = messages[3]["content"]
    return list(exchanges.values())


def check(reply: str, exchange: Exchange, policy: ModelPolicy) -> tuple[AnswerReply | None, str]:
    """The reply validated as ``ModelClient.structured`` validates it, or its error."""
    context = {"passages": exchange.passages, "question": exchange.question, "policy": policy}
    try:
        data = extract_json(reply)
        if not isinstance(data, dict):
            return None, f"expected a JSON object, got {type(data).__name__}"
        return AnswerReply.model_validate(data, context=context), ""
    except ValidationError as exc:
        return None, "; ".join(e["msg"] for e in exc.errors()[:3])
    except ValueError as exc:
        return None, str(exc)


def replay(exchange: Exchange, policy: ModelPolicy) -> Verdict:
    first, error = check(exchange.first, exchange, policy)
    if first is not None:
        note = "re-asked live: the checks differ now" if exchange.reask is not None else ""
        return _decided(first, None, note)
    if exchange.reask is None:
        return Verdict("refused", error, [], "not re-asked live: no re-ask reply logged")
    second, _ = check(exchange.reask, exchange, policy)
    live_error = (exchange.reask_prompt or "").removeprefix("Your reply was not valid: ")
    note = "" if error[:60] in live_error else "re-asked live with another error"
    if second is None:
        return Verdict("refused", error, [], note)
    return _decided(second, error, note)


def _decided(reply: AnswerReply, error: str | None, note: str) -> Verdict:
    if not reply.answerable:
        return Verdict("said not answerable", error, [], note)
    statements = [s.model_dump() for s in reply.statements]
    return Verdict("answered", error, statements, note)


def restates(question: str, statements: list[dict[str, Any]]) -> bool:
    """Every statement restates the question (``pipeline.ask.answer_checks.restates``: "The two
    podcasts describe X." for "How do the two podcasts describe X?")."""
    return all(restates_question(question, s["text"]) for s in statements)


def statement_problems(reply: str, exchange: Exchange, policy: ModelPolicy) -> list[str]:
    """For each statement of a reply, what ``unsupported`` finds missing from its passages."""
    try:
        data = extract_json(reply)
    except ValueError:
        return []
    lines = []
    for s in data.get("statements", []) if isinstance(data, dict) else []:
        cited = " ".join(exchange.passages.get(i, "") for i in s.get("passages", []))
        why = unsupported(s.get("text", ""), cited, policy, exchange.question)
        lines.append(f"{s.get('text', '')!r} {s.get('passages')}: {why or 'supported'}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("log", type=Path)
    parser.add_argument("--policy", choices=sorted(POLICIES), default="strict")
    parser.add_argument("--questions", type=Path, default=ROOT / "bench/data/dev_qa.jsonl")
    parser.add_argument("--show", action="store_true", help="print each reply's statements")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="RULE=VALUE",
        help="change one rule of the policy, e.g. --set answer_support=0.5 (repeatable)",
    )
    args = parser.parse_args()
    policy = POLICIES[args.policy]
    if args.set:
        changes = dict(item.split("=", 1) for item in args.set)
        policy = ModelPolicy.model_validate({**policy.model_dump(), **changes})
    lines = args.questions.open(encoding="utf-8")
    gold = {q["question"]: q for q in (json.loads(line) for line in lines if line.strip())}
    totals: Counter[str] = Counter()
    for exchange in read_log(args.log, gold):
        verdict = replay(exchange, policy)
        kind = "answerable" if exchange.gold.get("evidence") else "unanswerable"
        totals[f"{kind} {verdict.decision}"] += 1
        decision = verdict.decision
        if verdict.statements and restates(exchange.question, verdict.statements):
            totals[f"{kind} answered, restating the question"] += 1
            decision += " (restates)"
        qid = exchange.gold.get("id", "?")
        print(f"{qid:4} {kind:12} {decision:20} {exchange.question[:70]!r}")
        if verdict.first_error:
            print(f"     first reply refused: {verdict.first_error[:300]}")
        if verdict.note:
            print(f"     ({verdict.note})")
        if args.show:
            for line in statement_problems(exchange.first, exchange, policy):
                print(f"     - {line[:300]}")
    print(dict(sorted(totals.items())))


if __name__ == "__main__":
    main()
