"""Replay logged answer replies under a model policy: which check refuses which reply.

    .venv/bin/python bench/replay_answers.py /tmp/replies.jsonl [strict|lenient]

The log comes from ``bench/eval_qa.py --log-replies``. Only first replies are replayed
(a re-ask depends on the error text of the first). Each line says whether the reply
passes the answer checks, and if not, which check refused it and why: the measurement
that decides which habit rule of ``pipeline/policy.py`` refuses correct answers.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pydantic import ValidationError  # noqa: E402

from pipeline.answer import AnswerReply, unsupported  # noqa: E402
from pipeline.client import extract_json  # noqa: E402
from pipeline.policy import POLICIES  # noqa: E402

_PASSAGE = re.compile(r"^\[(\d+)\] \((.*?)\) (.*)$")


def main() -> None:
    log = Path(sys.argv[1])
    policy = POLICIES[sys.argv[2] if len(sys.argv) > 2 else "strict"]
    questions = ROOT / "bench/data/dev_qa.jsonl"
    gold = {q["question"]: q for q in map(json.loads, questions.open()) if q}
    verdicts: Counter[str] = Counter()
    for record in map(json.loads, log.open(encoding="utf-8")):
        if len(record["messages"]) > 2:
            continue  # a re-ask
        user = record["messages"][-1]["content"]
        question = user.split("\n", 1)[0].removeprefix("Question: ").strip()
        passages = {
            int(m.group(1)): m.group(3) for m in map(_PASSAGE.match, user.splitlines()) if m
        }
        answerable = bool(gold.get(question, {}).get("evidence"))
        context = {"passages": passages, "question": question, "policy": policy}
        try:
            reply = AnswerReply.model_validate(extract_json(record["reply"]), context=context)
            verdict = "answered" if reply.answerable else "said not answerable"
            detail = ""
        except (ValidationError, ValueError) as exc:
            verdict = "refused"
            detail = str(exc).splitlines()[-2 if isinstance(exc, ValidationError) else 0][:160]
            data = extract_json(record["reply"]) if record["reply"].strip() else {}
            for s in data.get("statements", []) if isinstance(data, dict) else []:
                cited = " ".join(passages.get(i, "") for i in s.get("passages", []))
                why = unsupported(s.get("text", ""), cited, policy)
                if why:
                    detail += f" | {s.get('text', '')[:60]!r}: {why}"
        kind = "answerable" if answerable else "unanswerable"
        verdicts[f"{kind} {verdict}"] += 1
        print(f"{kind:12} {verdict:20} {question[:60]!r} {detail}")
    print(dict(verdicts))


if __name__ == "__main__":
    main()
