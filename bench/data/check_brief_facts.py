#!/usr/bin/env python3
"""Check bench/data/brief_facts.jsonl and brief_themes.jsonl against the seed transcripts.

Every evidence string must be verbatim in its source (one line, as the file has it);
every keyword group must match its source (a theme's: one of its sources) and the fact's
own sentence (our restatement is a faithful one, so it must carry the key words), with
the benchmark's own matcher (bench/eval_brief.py: PyStemmer stems, numbers normalised).
An alternative of a group that does not occur in the source is allowed (a correct
spelling beside the transcript's garbled one) and listed as a note. Exits 1 on any
failure. Usage (the project's venv, for PyStemmer):
    .venv/bin/python bench/data/check_brief_facts.py [data_dir] [seeds_dir]
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from bench.eval_brief import Text, words  # noqa: E402

FACT_FIELDS = {"id", "source_id", "fact", "keywords", "evidence", "split"}
THEME_FIELDS = {"id", "theme", "keywords", "sources", "evidence", "split"}
SPLITS = {"tune", "check"}
MIN_FACTS, MIN_PER_SOURCE, MIN_THEMES = 60, 10, 6
# Words a faithful restatement keeps but that say nothing about which fact it is.
GENERIC = frozenset(
    "ai artificial intelligence china chinese us u.s america american united states "
    "company companies model models technology tech people thing things said says "
    "the a an of and or to in is are".split()
)


def load_sources(seeds: Path) -> dict[str, str]:
    texts = {}
    for path in sorted(seeds.glob("[0-9][0-9][0-9]_*.txt")):
        with open(path, encoding="utf-8", newline="") as f:  # keep CRLF as is
            texts[path.name[:3]] = f.read()
    return texts


def read_rows(path: Path, errors: list[str]) -> list[dict[str, Any]]:
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                errors.append(f"{path.name} line {lineno}: bad JSON: {e}")
    return rows


def check_keywords(
    rid: str, keywords: Any, sources: list[str], texts: dict[str, Text], errors: list[str]
) -> list[str]:
    """Errors for groups found in none of ``sources``; notes for absent alternatives."""
    notes: list[str] = []
    if not isinstance(keywords, list) or not 2 <= len(keywords) <= 3:
        errors.append(f"{rid}: needs 2-3 keyword groups, has {keywords!r}")
        return notes
    for group in keywords:
        alts = [a.strip() for a in str(group).split("|")]
        if any(not a or not words(a) for a in alts):
            errors.append(f"{rid}: empty alternative in {group!r}")
            continue
        if all(" ".join(words(a)) in GENERIC for a in alts):
            errors.append(f"{rid}: keyword group {group!r} is generic")
        found = [a for a in alts if any(texts[s].has(a) for s in sources if s in texts)]
        if not found:
            errors.append(f"{rid}: keyword group {group!r} not in source(s) {sources}")
        notes += [f"{rid}: {a!r} not in {sources}" for a in alts if a not in found]
    return notes


def check_restated(rid: str, keywords: Any, sentence: str, errors: list[str]) -> None:
    text = Text(sentence)
    for group in keywords if isinstance(keywords, list) else []:
        if not text.matches(str(group)):
            errors.append(f"{rid}: keyword group {group!r} is not in its own sentence")


def check_evidence(rid: str, ev: Any, source: str, raw: dict[str, str], errors: list[str]) -> None:
    if not isinstance(ev, str) or not 20 <= len(ev) <= 240:
        errors.append(f"{rid}: evidence must be a string of 20-240 characters: {ev!r}")
    elif "\n" in ev or "\r" in ev:
        errors.append(f"{rid}: evidence contains a line break: {ev[:60]!r}")
    elif source not in raw or raw[source].find(ev) < 0:
        errors.append(f"{rid}: evidence not verbatim in {source}: {ev[:80]!r}")


def check_split(rid: str, row: dict[str, Any], errors: list[str]) -> None:
    if row.get("split") not in SPLITS:
        errors.append(f"{rid}: split must be one of {sorted(SPLITS)}")


def main(argv: list[str]) -> int:
    data = Path(argv[1]) if len(argv) > 1 else HERE
    seeds = Path(argv[2]) if len(argv) > 2 else HERE.parent.parent / "seeds"
    raw = load_sources(seeds)
    texts = {sid: Text(t) for sid, t in raw.items()}
    errors: list[str] = []
    notes: list[str] = []
    facts = read_rows(data / "brief_facts.jsonl", errors)
    themes = read_rows(data / "brief_themes.jsonl", errors)
    splits: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for n, f in enumerate(facts, 1):
        fid = str(f.get("id", f"fact{n}"))
        if set(f) != FACT_FIELDS:
            errors.append(f"{fid}: fields {sorted(f)} != {sorted(FACT_FIELDS)}")
        if fid != f"f{n:03d}":
            errors.append(f"{fid}: expected id f{n:03d}")
        sid = str(f.get("source_id"))
        if sid not in raw:
            errors.append(f"{fid}: unknown source {sid!r}")
            continue
        if not str(f.get("fact", "")).strip():
            errors.append(f"{fid}: empty fact")
        check_split(fid, f, errors)
        splits[sid][str(f.get("split"))] += 1
        check_evidence(fid, f.get("evidence"), sid, raw, errors)
        notes += check_keywords(fid, f.get("keywords"), [sid], texts, errors)
        check_restated(fid, f.get("keywords"), str(f.get("fact", "")), errors)
    for n, t in enumerate(themes, 1):
        tid = str(t.get("id", f"theme{n}"))
        if set(t) != THEME_FIELDS:
            errors.append(f"{tid}: fields {sorted(t)} != {sorted(THEME_FIELDS)}")
        if tid != f"t{n:02d}":
            errors.append(f"{tid}: expected id t{n:02d}")
        srcs, ev = t.get("sources", []), t.get("evidence", {})
        if len(set(srcs)) < 2 or not isinstance(ev, dict) or sorted(ev) != sorted(srcs):
            errors.append(f"{tid}: needs >= 2 sources, each with one evidence string")
            continue
        check_split(tid, t, errors)
        for sid, text in ev.items():
            check_evidence(f"{tid}/{sid}", text, sid, raw, errors)
        notes += check_keywords(tid, t.get("keywords"), list(srcs), texts, errors)
        check_restated(tid, t.get("keywords"), str(t.get("theme", "")), errors)
    if len(facts) < MIN_FACTS:
        errors.append(f"{len(facts)} facts, need >= {MIN_FACTS}")
    if len(themes) < MIN_THEMES:
        errors.append(f"{len(themes)} themes, need >= {MIN_THEMES}")
    for sid in sorted(raw):
        c = splits[sid]
        if c["tune"] + c["check"] < MIN_PER_SOURCE or abs(c["tune"] - c["check"]) > 1:
            errors.append(f"source {sid}: {dict(c)}: need >= {MIN_PER_SOURCE}, halves +-1")
    print(f"facts: {len(facts)}, themes: {len(themes)}")
    print(
        "per source (tune/check): "
        + ", ".join(f"{s}={splits[s]['tune']}/{splits[s]['check']}" for s in sorted(splits))
    )
    for note in notes:
        print("NOTE", note)
    for e in errors:
        print("FAIL", e)
    print("OK" if not errors else f"{len(errors)} failure(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
