"""Copies of transcripts as a speech-to-text service without punctuation writes them.

    .venv/bin/python bench/strip_punctuation.py seeds/001_*.txt seeds/002_*.txt --out /tmp/np
    BRIEF_CACHE_DIR=$(mktemp -d) .venv/bin/brief run /tmp/np --out /tmp/np-run
    .venv/bin/python bench/eval_brief.py --out /tmp/np-run

Every full stop, comma, colon, semicolon, question mark and double quote is taken out
and the text put in lower case; a speaker's label line (``**A** (0:00):``) is kept as it
is, so that turns still read as turns. The files keep their names, so their briefs are
scored against the same facts (``bench/eval_brief.py``).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

_LABEL = re.compile(r"^\*\*\w+\*\* \(")
_MARKS = re.compile(r"[.,!?;:\"“”]")


def stripped(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        if _LABEL.match(line):
            lines.append(line)
        else:
            lines.append(" ".join(_MARKS.sub("", line).lower().split()))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for path in args.paths:
        target = args.out / path.name
        target.write_text(stripped(path.read_text(encoding="utf-8")), encoding="utf-8")
        print(target)


if __name__ == "__main__":
    main()
