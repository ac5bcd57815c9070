#!/usr/bin/env python3
"""Check bench/data/dev_qa.jsonl against the seed transcripts.

Stdlib only. Exits 1 on any failure. Usage:
    python3 check_dev_qa.py [dev_qa.jsonl] [seeds_dir]
"""

import collections
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
QA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "dev_qa.jsonl")
SEEDS = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "..", "seeds")
KINDS = {"lookup", "paraphrase", "multi_source", "unanswerable"}
FIELDS = {"id", "question", "evidence", "sources", "kind"}
ANSWER = "answer"  # answerable questions: keyword groups a right and whole answer states


def group_in(group, text):
    """Whether one alternative of a keyword group ("A|B", "word*": a prefix) occurs in
    ``text`` as a substring (lower case: this checker is stdlib only; the scorer,
    bench/eval_qa.py, matches whole words by their stems)."""
    return any(alt.rstrip("*").lower() in text.lower() for alt in group.split("|"))


def load_sources():
    texts = {}
    for path in sorted(glob.glob(os.path.join(SEEDS, "[0-9][0-9][0-9]_*.txt"))):
        sid = os.path.basename(path)[:3]
        with open(path, encoding="utf-8", newline="") as f:  # keep CRLF as is
            texts[sid] = f.read()
    return texts


def main():
    texts = load_sources()
    errors, warnings = [], []
    kinds = collections.Counter()
    per_source = collections.Counter()
    ids = set()
    n = 0
    with open(QA, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            n += 1
            try:
                q = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"line {lineno}: bad JSON: {e}")
                continue
            qid = q.get("id", f"line{lineno}")
            if n == 1:  # ids run from the first one's letters: q01, q02 ... (t01 ...)
                prefix = qid.rstrip("0123456789") or "q"
            expected = FIELDS if q.get("kind") == "unanswerable" else FIELDS | {ANSWER}
            if set(q) != expected:
                errors.append(f"{qid}: fields {sorted(q)} != {sorted(expected)}")
            if qid != f"{prefix}{n:02d}":
                errors.append(f"{qid}: expected id {prefix}{n:02d}")
            if qid in ids:
                errors.append(f"{qid}: duplicate id")
            ids.add(qid)
            kind = q.get("kind")
            kinds[kind] += 1
            if kind not in KINDS:
                errors.append(f"{qid}: bad kind {kind!r}")
            if not str(q.get("question", "")).strip():
                errors.append(f"{qid}: empty question")
            ev, srcs = q.get("evidence", []), q.get("sources", [])
            if len(set(srcs)) != len(srcs):
                errors.append(f"{qid}: duplicate source ids")
            for s in srcs:
                per_source[s] += 1
                if s not in texts:
                    errors.append(f"{qid}: unknown source {s!r}")
            if kind == "unanswerable":
                if ev or srcs:
                    errors.append(f"{qid}: unanswerable must have empty evidence and sources")
                continue
            if not ev or not srcs:
                errors.append(f"{qid}: answerable question needs evidence and sources")
            if kind == "multi_source" and len(srcs) < 2:
                errors.append(f"{qid}: multi_source needs >= 2 sources")
            if kind != "multi_source" and len(srcs) > 1:
                errors.append(f"{qid}: {kind} should have one source")
            covered = set()
            for e in ev:
                if "\n" in e or "\r" in e:
                    errors.append(f"{qid}: evidence contains a line break: {e[:60]!r}")
                hits = [s for s in srcs if s in texts and texts[s].find(e) >= 0]
                if not hits:
                    errors.append(f"{qid}: evidence not found in {srcs}: {e[:80]!r}")
                covered.update(hits)
                if not 20 <= len(e) <= 220:
                    warnings.append(f"{qid}: evidence length {len(e)}: {e[:60]!r}")
            for s in srcs:
                if s not in covered:
                    errors.append(f"{qid}: source {s} has no evidence string found in it")
            groups = q.get(ANSWER) or []
            if not groups or not all(isinstance(g, str) and g.strip() for g in groups):
                errors.append(f"{qid}: answer needs keyword groups")
            for group in groups:  # the answer's words are the evidence's, not invented
                if isinstance(group, str) and not group_in(group, " ".join(ev)):
                    errors.append(f"{qid}: answer keywords {group!r} not in its evidence")
    print(f"questions: {n}")
    print("per kind:  " + ", ".join(f"{k}={kinds[k]}" for k in sorted(kinds)))
    print("per source: " + ", ".join(f"{s}={per_source[s]}" for s in sorted(per_source)))
    for w in warnings:
        print("WARN", w)
    for e in errors:
        print("FAIL", e)
    print("OK" if not errors else f"{len(errors)} failure(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
