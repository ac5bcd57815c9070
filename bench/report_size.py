"""Size (and load time in headless chromium) of report.html as the corpus grows.

Synthetic transcripts of ~10 KB (bench/synth.py) are ingested and chunked for real; the
briefs are made up (3 themes x 2 citations and 3 quotes per source, a cross-source brief
of 5 themes citing 10 sources each), which is what a run writes, minus the model.

    .venv/bin/python bench/report_size.py            # 10, 100, 1000 transcripts
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synth import write_corpus  # noqa: E402

from pipeline.inputs.chunking import chunk_transcript  # noqa: E402
from pipeline.inputs.ingest import ingest_paths  # noqa: E402
from pipeline.models import Chunk, Passage, Quote, SourceBrief, Theme  # noqa: E402
from pipeline.outputs.report_html import render_report  # noqa: E402
from pipeline.outputs.writer import OutputWriter  # noqa: E402


def passage(chunk: Chunk, n: int) -> Passage:
    s = chunk.sentences[n % len(chunk.sentences)]
    return Passage(
        source_id=chunk.source_id,
        char_start=s.char_start,
        char_end=s.char_end,
        line_start=s.line_start,
        line_end=s.line_end,
        timestamp=s.timestamp,
        text=s.text,
    )


def build(folder: Path, count: int) -> Path:
    paths = write_corpus(folder / "sources_in", count)
    transcripts, _ = ingest_paths(paths)
    out = folder / "out"
    writer = OutputWriter(out)
    chunks = [c for t in transcripts for c in chunk_transcript(t, chunk_tokens=900)]
    writer.write_chunks(chunks)
    sources = [{"source_id": t.source_id, "path": t.path} for t in transcripts]
    writer.write_json("manifest.json", {"sources": sources})
    firsts: dict[str, Chunk] = {}
    for c in chunks:
        firsts.setdefault(c.source_id, c)
    for sid, chunk in firsts.items():
        themes = [
            Theme(
                id=f"{sid}/t{k}",
                title=f"Theme {k}",
                summary="A summary sentence of this theme.",
                point_ids=[],
                citations=[passage(chunk, 2 * k), passage(chunk, 2 * k + 1)],
            )
            for k in range(3)
        ]
        quotes = [Quote(passage=passage(chunk, 6 + k)) for k in range(3)]
        brief = SourceBrief(
            source_id=sid, title=sid, overview="An overview.", themes=themes, quotes=quotes
        )
        writer.write_json(f"sources/{sid}.json", brief)
    ids = list(firsts)
    cross = {
        "status": "ok",
        "overview": "Across the sources.",
        "themes": [
            {
                "title": f"Cross theme {k}",
                "summary": {
                    "text": "A statement.",
                    "theme_ids": [],
                    "source_ids": ids[k * 10 : k * 10 + 10],
                    "citations": [
                        passage(firsts[s], k).model_dump() for s in ids[k * 10 : k * 10 + 10]
                    ],
                },
            }
            for k in range(5)
        ],
        "source_ids": ids,
    }
    writer.write_json("brief.json", cross)
    return out


def load_seconds(report: Path) -> float | None:
    """Time to the load event in headless chromium, or None without a browser."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return None
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(report.as_uri())
        timing = driver.execute_script(
            "const t = performance.getEntriesByType('navigation')[0];"
            "return t.loadEventEnd - t.startTime;"
        )
        return float(timing) / 1000
    finally:
        driver.quit()


def main() -> None:
    rows = []
    for count in (10, 100, 1000):
        with tempfile.TemporaryDirectory() as tmp:
            out = build(Path(tmp), count)
            started = time.monotonic()
            html = render_report(out)
            seconds = time.monotonic() - started
            report = out / "report.html"
            report.write_text(html, encoding="utf-8")
            source_bytes = sum(p.stat().st_size for p in (Path(tmp) / "sources_in").iterdir())
            templates = sum(len(t) for t in html.split("<template")[1:])
            rows.append(
                (
                    count,
                    source_bytes / 1e6,
                    len(html.encode()) / 1e6,
                    (len(html) - templates) / 1e6,
                    html.count('class="cite"'),
                    seconds,
                    load_seconds(report),
                )
            )
    print("\n### report.html size (bench/report_size.py)\n")
    print(
        "| transcripts | sources MB | report MB | shown at load MB | citations | render s"
        " | load s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n, src, size, shown, cites, secs, load in rows:
        load_text = f"{load:.2f}" if load is not None else "n/a"
        print(
            f"| {n} | {src:.1f} | {size:.1f} | {shown:.2f} | {cites} | {secs:.1f} | {load_text} |"
        )
    print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    main()
