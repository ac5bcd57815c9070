"""What `brief ask` prints of a passage: does the printed stretch hold the evidence?

For each gold evidence string of the development questions (`bench/data/dev_qa.jsonl`),
the first index window of `--out` that holds it is cut as `brief ask` cuts a passage it
prints under a refusal (`pipeline.ask.excerpts.excerpt`, placed by the question's
words): at the stored index's pieces, or with `--lines` at the passage's lines (as for
an index stored without pieces, before the fifty-fifth round). Prints how many
evidence strings lie inside a printed stretch, how many stretches end on a sentence's
stop, and the words a stretch. No model call.

    .venv/bin/python bench/excerpt_coverage.py
    .venv/bin/python bench/excerpt_coverage.py --half tune
    .venv/bin/python bench/excerpt_coverage.py --lines --out /tmp/run --words 40
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eval_qa import split_half  # noqa: E402

from pipeline.ask.corpus import open_corpus  # noqa: E402
from pipeline.ask.excerpts import excerpt  # noqa: E402
from pipeline.ask.retrieval import IndexParams  # noqa: E402
from pipeline.inputs.chunking import ENDS_WITH_STOP  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.text import flattened  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "outputs")
    parser.add_argument("--questions", type=Path, default=ROOT / "bench/data/dev_qa.jsonl")
    parser.add_argument("--words", type=int, default=None, help="the stretch's budget")
    parser.add_argument("--lines", action="store_true", help="cut at lines, not pieces")
    parser.add_argument("--half", choices=("tune", "held", "all"), default="all")
    args = parser.parse_args()
    settings = Settings.load(None)
    embedding = None if settings.embedding_model == "none" else settings.embedding_model
    corpus, _ = open_corpus(args.out, IndexParams(embedding_model=embedding))
    windows = [w.passage for w in corpus.index.windows]
    questions = split_half(
        [json.loads(line) for line in args.questions.read_text().splitlines() if line], args.half
    )
    found = inside = stretches = ended = words = 0
    for question in questions:
        for evidence in map(flattened, question.get("evidence", [])):
            passage = next((p for p in windows if evidence in flattened(p.text)), None)
            if passage is None:
                continue
            found += 1
            pieces = [] if args.lines else corpus.index.piece_spans(passage)
            runs = excerpt(passage, question["question"], words=args.words, pieces=pieces)
            inside += any(evidence in flattened(r.text) for r in runs)
            stretches += len(runs)
            ended += sum(bool(ENDS_WITH_STOP.search(r.text)) for r in runs)
            words += sum(len(r.text.split()) for r in runs)
    print("| evidence in a window | in a printed stretch | stretches | ending on a stop | words |")
    print("|--:|--:|--:|--:|--:|")
    print(f"| {found} | {inside} | {stretches} | {ended} | {words / max(stretches, 1):.1f} |")


if __name__ == "__main__":
    main()
