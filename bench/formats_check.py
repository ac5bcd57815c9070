"""Per caption/ASR sample (tests/data/formats/): markup left in sentences, words read vs
words spoken, sentences with a timestamp, speakers, and `brief verify` problems when every
sentence is cited (an output folder whose briefs cite each sentence once; no model).

    .venv/bin/python bench/formats_check.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_formats import MARKUP, SAMPLES, SPOKEN_WORDS  # noqa: E402

from pipeline.inputs.chunking import chunk_transcript, sentence_pieces  # noqa: E402
from pipeline.inputs.ingest import ingest_paths, read_source_text  # noqa: E402
from pipeline.models import Passage, SourceBrief, Theme, column_at  # noqa: E402
from pipeline.outputs.verify import verify_outputs  # noqa: E402
from pipeline.outputs.writer import OutputWriter  # noqa: E402

DATA = ROOT / "tests" / "data" / "formats"


def main() -> None:
    paths = [DATA / name for name in sorted(SAMPLES)]
    transcripts, skipped = ingest_paths(paths)
    assert not skipped
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        writer = OutputWriter(out)
        chunks = [c for t in transcripts for c in chunk_transcript(t, chunk_tokens=300)]
        writer.write_chunks(chunks)
        sources = [{"source_id": t.source_id, "path": t.path} for t in transcripts]
        writer.write_json("manifest.json", {"sources": sources})
        writer.write_json("brief.json", {"status": "ok", "source_ids": []})
        for t in transcripts:
            text = read_source_text(Path(t.path))
            sentences = sentence_pieces(t)
            cites = [
                Passage(
                    source_id=t.source_id,
                    char_start=s.start,
                    char_end=s.end,
                    line_start=s.line_start,
                    line_end=s.line_end,
                    column=column_at(text, s.start),
                    timestamp=s.timestamp,
                    text=text[s.start : s.end],
                )
                for s in sentences
            ]
            theme = Theme(id="t", title="all", summary="", point_ids=[], citations=cites)
            brief = SourceBrief(source_id=t.source_id, title=t.source_id, themes=[theme])
            writer.write_json(f"sources/{t.source_id}.json", brief)
            words = sum(len(s.text.split()) for s in sentences)
            rows.append(
                [
                    Path(t.path).name,
                    t.format,
                    sum(bool(MARKUP.search(s.text)) for s in sentences),
                    f"{words} / {SPOKEN_WORDS} ({(words - SPOKEN_WORDS) / SPOKEN_WORDS:+.1%})",
                    f"{100 * sum(bool(s.timestamp) for s in sentences) / len(sentences):.0f}%",
                    ", ".join(dict.fromkeys(s.speaker for s in sentences if s.speaker)) or "none",
                    len(sentences),
                ]
            )
        checked, problems = verify_outputs(out)
    per_source = {r[0]: 0 for r in rows}
    for problem in problems:
        sid = problem.split("[", 1)[1].split()[0]
        for t in transcripts:
            if t.source_id == sid:
                per_source[Path(t.path).name] += 1
    print(
        "| sample | read as | markup left | words read / spoken | timestamped | speakers "
        "| verify problems (every sentence cited) |"
    )
    print("|---|---|---:|---|---:|---|---:|")
    for name, fmt, markup, words, stamped, speakers, count in rows:
        print(
            f"| `{name}` | {fmt} | {markup} | {words} | {stamped} | {speakers} "
            f"| {per_source[name]} of {count} |"
        )
    print(json.dumps({"checked": checked, "problems": len(problems)}))


if __name__ == "__main__":
    main()
