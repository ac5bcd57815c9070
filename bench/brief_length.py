"""A run's source briefs written again at other lengths (the `brief_words` setting), scored.

The reduce stage alone, on a run's map summaries, through the one client and its cache:
no reduce call depends on the length, so after the run they are all cache hits (0
calls, seconds a length). Each length goes into a copy of the run (its index left out);
each copy's source briefs are scored as `bench/eval_brief.py` scores them (facts in
the brief's prose, and in the leading sentences and a TextRank extract of the same
length). The cross-source brief is the run's own and is not scored:

    .venv/bin/python bench/brief_length.py outputs --words 700,900,1100,1400
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eval_brief import score_run  # noqa: E402

from pipeline import runner  # noqa: E402
from pipeline.ask.corpus import transcripts_of_run  # noqa: E402
from pipeline.model.cache import CallCache  # noqa: E402
from pipeline.model.stopping import unwind_on_signals  # noqa: E402
from pipeline.models import ChunkSummary  # noqa: E402
from pipeline.outputs.writer import OutputWriter  # noqa: E402
from pipeline.session import ModelSession  # noqa: E402
from pipeline.settings import Settings  # noqa: E402

SPLITS = ("tune", "check")
COLUMNS = ("brief", "lead", "textrank")


def covered(result: dict[str, Any], column: str) -> str:
    """Facts held over all sources, "n/a" for a column the run was not scored on (TextRank
    without sumy, a dev dependency), as ``eval_brief``'s table says it."""
    sources = result["sources"]
    if not all(column in s["covered"] for s in sources):
        return "n/a"
    held = sum(len(s["covered"][column]) for s in sources)
    return f"{held}/{sum(len(s['facts']) for s in sources)}"


def row(words: int, calls: int, results: dict[str, dict[str, Any]]) -> str:
    written = sum(s["words"] for s in results["tune"]["sources"])
    cells = [covered(results[split], c) for split in SPLITS for c in COLUMNS]
    return f"| {words:,} | {written:,} | {' | '.join(cells)} | {calls} |"


def main() -> None:
    unwind_on_signals()  # a killed run stops the model servers it started
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path, help="a run's --out folder")
    parser.add_argument(
        "--words", default="700,900,1100,1400", help="brief_words values, comma-separated"
    )
    args = parser.parse_args()
    lengths = [int(w) for w in args.words.split(",")]
    with (args.run / "summaries.jsonl").open(encoding="utf-8") as lines:
        summaries = [ChunkSummary.model_validate_json(line) for line in lines]
    transcripts, texts = transcripts_of_run(args.run)

    settings = Settings.load(None)
    cache = CallCache(settings.cache_dir)
    session = ModelSession(settings, cache, log_dir=settings.cache_dir.parent)
    cells = " | ".join(f"facts {split}: {c}" for split in SPLITS for c in COLUMNS)
    print(f"| brief_words | words (source briefs) | {cells} | reduce calls |")
    print("|" + "--:|" * (3 + len(SPLITS) * len(COLUMNS)))
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for words in lengths:
                copy = Path(scratch) / str(words)
                shutil.copytree(
                    args.run, copy, ignore=shutil.ignore_patterns("index", ".brief.lock")
                )
                before = session.client.usage["reduce"].calls
                runner.reduce_all(
                    transcripts,
                    summaries,
                    texts,
                    session,
                    settings.model_copy(update={"brief_words": words}),
                    OutputWriter(copy),
                    runner.Progress(),
                )
                calls = session.client.usage["reduce"].calls - before
                results = {split: score_run(copy, split) for split in SPLITS}
                print(row(words, calls, results), flush=True)
    finally:
        session.close()
        cache.close()


if __name__ == "__main__":
    main()
