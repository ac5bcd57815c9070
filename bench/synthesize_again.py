"""The synthesize stage alone, again, on a run's source briefs (the cross-source brief only).

Reads a run's `sources/*.json` and `summaries.jsonl`, asks the configured model (through
the one client and its cache, as `brief run` does) for the cross-source themes and the
overview, and writes `brief.json`, `brief.md` and `report.html` into a copy of the run
(its index left out), for `bench/eval_brief.py --out COPY`. Used to compare ways of grouping the
cross-source subjects on the same source briefs without a whole run (about 2 minutes
with the embedded model, 11 calls; 0 on a copy of the run's cache when nothing changed):

    .venv/bin/python bench/synthesize_again.py outputs /tmp/cross
    .venv/bin/python bench/eval_brief.py --out /tmp/cross
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.ask.corpus import transcripts_of_run  # noqa: E402
from pipeline.model.cache import CallCache  # noqa: E402
from pipeline.model.stopping import unwind_on_signals  # noqa: E402
from pipeline.models import ChunkSummary, SourceBrief  # noqa: E402
from pipeline.outputs.writer import OutputWriter  # noqa: E402
from pipeline.runner import cross_source_brief  # noqa: E402
from pipeline.session import ModelSession  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.stages.referents import Referents  # noqa: E402


def main() -> None:
    unwind_on_signals()  # a killed run stops the model servers it started
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path, help="a run's --out folder")
    parser.add_argument("copy", type=Path, help="where the copy with the new brief goes")
    args = parser.parse_args()
    if args.copy.resolve() == args.run.resolve():
        parser.error("the copy must be another folder")
    if args.copy.exists():
        shutil.rmtree(args.copy)
    shutil.copytree(args.run, args.copy, ignore=shutil.ignore_patterns("index", ".brief.lock"))
    sources = sorted((args.copy / "sources").glob("*.json"))
    briefs = [SourceBrief.model_validate_json(p.read_text(encoding="utf-8")) for p in sources]
    with (args.copy / "summaries.jsonl").open(encoding="utf-8") as lines:
        summaries = [ChunkSummary.model_validate_json(line) for line in lines]
    transcripts, texts = transcripts_of_run(args.run)

    settings = Settings.load(None)
    cache = CallCache(settings.cache_dir)
    session = ModelSession(settings, cache, log_dir=settings.cache_dir.parent)
    try:
        cross = cross_source_brief(
            briefs, summaries, session, settings, Referents(transcripts, texts)
        )
        writer = OutputWriter(args.copy)
        writer.write_cross(cross, briefs)
        writer.write_report()
        usage = session.client.usage["synthesize"]
    finally:
        session.close()
        cache.close()
    print(
        f"{args.copy / 'brief.md'}: {len(cross.themes)} cross-source themes; "
        f"{usage.calls} calls, {usage.cache_hits} cache hits"
    )


if __name__ == "__main__":
    main()
