"""Stage and orchestration tests with a scripted model client."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ScriptedSession

from pipeline.chunking import chunk_transcript
from pipeline.map_stage import map_chunks, summarize_chunk
from pipeline.models import ChunkSummary, KeyPoint, Passage, Segment, SourceBrief, Theme, Transcript
from pipeline.reduce_stage import reduce_source
from pipeline.runner import run_pipeline
from pipeline.settings import Settings
from pipeline.synthesize import synthesize

TEXT = (
    "**A** (0:00):\n"
    "China has many AI labs. DeepSeek released R1 in January. It cost little to train.\n"
    "**B** (1:05):\n"
    "Export controls limit chips. Huawei builds Ascend chips. Open source spreads fast.\n"
)


def transcript() -> tuple[Transcript, str]:
    segments = []
    for line_no, line in enumerate(TEXT.splitlines(), start=1):
        if line.startswith("**"):
            speaker, stamp = re.match(r"\*\*(\w)\*\* \((.*)\):", line).groups()
            continue
        start = TEXT.index(line)
        segments.append(
            Segment(
                text=line,
                char_start=start,
                char_end=start + len(line),
                line_start=line_no,
                line_end=line_no,
                speaker=speaker,
                timestamp=stamp,
            )
        )
    return Transcript(
        source_id="007",
        path="/x/007.txt",
        format="test",
        sha256="0",
        metadata={"title": "A talk"},
        segments=segments,
    ), TEXT


def map_reply(points: list[tuple[str, list[int]]]) -> dict:
    return {
        "topics": ["AI"],
        "key_points": [
            {"point": p, "importance": 5 - i, "sentences": s} for i, (p, s) in enumerate(points)
        ],
        "entities": [{"name": "DeepSeek", "kind": "organisation"}],
        "claims": [{"claim": "R1 was cheap", "speaker": "A", "sentences": [3]}],
    }


def test_map_resolves_sentence_ids_to_verbatim_passages(scripted) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    scripted.enqueue(map_reply([("DeepSeek released a cheap model", [2, 3]), ("Chips", [5])]))
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100)
    first = summary.key_points[0]
    # sentence 3 shares no word with the point: grounding keeps only sentence 2
    assert [e.text for e in first.evidence] == ["DeepSeek released R1 in January."]
    for point in summary.key_points:
        for passage in point.evidence:
            assert text[passage.char_start : passage.char_end] == passage.text
    assert first.evidence[0].timestamp == "0:00"
    assert summary.key_points[1].evidence[0].timestamp == "1:05"
    prompt = scripted.history[0][1]["content"]
    assert "[1] (A 0:00) China has many AI labs." in prompt


def test_consecutive_supported_sentences_form_one_passage(scripted) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    scripted.enqueue(map_reply([("DeepSeek R1 released, cost little to train", [2, 3])]))
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100)
    assert [e.text for e in summary.key_points[0].evidence] == [
        "DeepSeek released R1 in January. It cost little to train."
    ]


def test_habitual_citation_is_replaced_by_the_matching_sentence(scripted) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    scripted.enqueue(map_reply([("Huawei builds Ascend chips at home", [1])]))
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100)
    assert [e.text for e in summary.key_points[0].evidence] == ["Huawei builds Ascend chips."]


def test_unknown_sentence_id_is_reasked_then_chunk_fails(scripted) -> None:
    doc, text = transcript()
    chunks = chunk_transcript(doc, chunk_tokens=500)
    scripted.enqueue(map_reply([("x x x", [99])]), map_reply([("x x x", [42])]))
    [summary] = map_chunks(chunks, {"007": text}, scripted, max_tokens=100, workers=1)
    assert summary.status == "failed"
    assert "not in the chunk" in summary.error
    assert "sentence numbers [99]" in scripted.history[1][-1]["content"]


def point(n: int) -> KeyPoint:
    passage = Passage(
        source_id="007", char_start=n, char_end=n + 1, line_start=1, line_end=1, text="x"
    )
    return KeyPoint(
        id=f"007:0000/p{n}", text=f"point number {n} " * 5, importance=3, evidence=[passage]
    )


def test_reduce_goes_hierarchical_when_notes_do_not_fit(scripted) -> None:
    doc, _ = transcript()
    summaries = [
        ChunkSummary(chunk_id=f"007:{i:04d}", source_id="007", key_points=[point(i)])
        for i in range(40)
    ]

    def respond(stage, messages):
        ids = re.findall(r"^([PG]\d+):", messages[1]["content"], re.MULTILINE)
        theme = {"title": "Theme", "summary": "A summary of these notes.", "notes": ids}
        if "overview" in messages[0]["content"]:
            return {
                "overview": "An overview of the talk.",
                "themes": [theme],
                "quote_notes": ids[:1],
                "open_questions": [],
            }
        return {"themes": [theme]}

    scripted.responder = respond
    brief = reduce_source(doc, summaries, scripted, context_window=1400, max_tokens=200)
    group_calls = [h for h in scripted.history if "overview" not in h[0]["content"]]
    assert len(group_calls) >= 2  # did not fit: grouped first
    assert brief.status == "ok"
    assert len(brief.themes[0].point_ids) == 40  # every point survives the levels
    # with a large window, one call
    scripted.history.clear()
    reduce_source(doc, summaries, scripted, context_window=100_000, max_tokens=200)
    assert len(scripted.history) == 1


def test_synthesis_attributes_every_statement_to_sources(scripted) -> None:
    def brief(sid: str) -> SourceBrief:
        cite = Passage(source_id=sid, char_start=0, char_end=1, line_start=3, line_end=4, text="x")
        themes = [
            Theme(
                id=f"{sid}/t1", title=f"Theme of {sid}", summary="s", point_ids=[], citations=[cite]
            )
        ]
        return SourceBrief(source_id=sid, title=sid, themes=themes)

    scripted.enqueue(
        {
            "overview": "Both sources discuss chips.",
            "themes": [{"title": "Chips", "summary": "Both on chips.", "themes": ["T1", "T2"]}],
            "agreements": [
                {"text": "Chips matter", "themes": ["T1", "T2"]},
                {"text": "Only one source", "themes": ["T1"]},
            ],
            "disagreements": [
                {
                    "topic": "Speed",
                    "side_a": {"text": "it is fast", "themes": ["T1"]},
                    "side_b": {"text": "it is slow", "themes": ["T2"]},
                }
            ],
        }
    )
    cross = synthesize([brief("001"), brief("002")], scripted, context_window=8192, max_tokens=500)
    assert cross.themes[0].summary.source_ids == ["001", "002"]
    assert [a.text for a in cross.agreements] == ["Chips matter"]
    assert cross.disagreements[0].side_a.source_ids == ["001"]
    assert cross.disagreements[0].side_b.citations[0].label == "002 L3-4"


def generic_responder(stage, messages):
    content = messages[1]["content"]
    if stage == "map":
        first = int(re.search(r"^\[(\d+)\]", content, re.MULTILINE).group(1))
        return map_reply([("A point about this chunk", [first])])
    if stage == "reduce":
        ids = re.findall(r"^([PG]\d+):", content, re.MULTILINE)
        theme = {"title": "Theme", "summary": "A summary of these notes.", "notes": ids[:3]}
        if "overview" in messages[0]["content"]:
            return {
                "overview": "An overview of the talk.",
                "themes": [theme],
                "quote_notes": ids[:1],
                "open_questions": ["What next?"],
            }
        return {"themes": [theme]}
    ids = re.findall(r"^(T\d+):", content, re.MULTILINE)
    return {
        "overview": "Overall the sources agree.",
        "themes": [{"title": "All", "summary": "Everything together.", "themes": ids}],
        "agreements": [{"text": "They agree", "themes": ids}],
        "disagreements": [],
    }


def test_run_writes_outputs_and_a_rerun_makes_no_calls(scripted, tmp_path: Path) -> None:
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    inputs = [seeds / "001_98262f875ff92a8b.txt", seeds / "002_e97962a6dbc2b620.txt"]
    scripted.responder = generic_responder
    settings = Settings.load(None, chunk_tokens=800)
    out = tmp_path / "out"
    manifest = run_pipeline(inputs, settings, out, session=ScriptedSession(scripted))
    assert manifest.failures == []
    calls = len(scripted.history)
    chunks = sum(s.chunks for s in manifest.sources)
    assert calls == chunks + 2 + 1  # map per chunk, one reduce per source, one synthesis
    for name in (
        "brief.md",
        "brief.json",
        "chunks.jsonl",
        "manifest.json",
        "sources/001.md",
        "sources/001.json",
        "sources/002.json",
    ):
        assert (out / name).is_file(), name
    brief = json.loads((out / "sources/001.json").read_text())
    source_text = inputs[0].read_text(encoding="utf-8")
    for quote in brief["quotes"]:
        assert (
            source_text[quote["passage"]["char_start"] : quote["passage"]["char_end"]]
            == quote["passage"]["text"]
        )
    assert "[001 @ 0:00]" in (out / "sources/001.md").read_text()

    scripted.history.clear()
    scripted.usage.clear()
    again = run_pipeline(inputs, settings, out, session=ScriptedSession(scripted))
    assert scripted.history == []
    assert again.total.calls == 0 and again.total.cache_hits == calls


def test_failed_chunk_is_reported_and_run_goes_on(scripted, tmp_path: Path) -> None:
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    inputs = [seeds / "001_98262f875ff92a8b.txt"]
    replies = iter(["garbage", "more garbage"])

    def respond(stage, messages):
        if stage == "map" and "[1] (A 0:00) When I went on" in messages[1]["content"]:
            return next(replies)
        return generic_responder(stage, messages)

    scripted.responder = respond
    manifest = run_pipeline(
        inputs,
        Settings.load(None, chunk_tokens=800),
        tmp_path / "o",
        session=ScriptedSession(scripted),
    )
    assert len(manifest.failures) == 1 and "chunk 001:0000" in manifest.failures[0]
    assert manifest.sources[0].status == "partial"
    assert "Partial" in (tmp_path / "o/sources/001.md").read_text()


def test_verify_catches_a_passage_that_is_not_the_source_slice(scripted, tmp_path: Path) -> None:
    from pipeline.verify import verify_outputs

    seeds = Path(__file__).resolve().parent.parent / "seeds"
    scripted.responder = generic_responder
    out = tmp_path / "out"
    run_pipeline(
        [seeds / "001_98262f875ff92a8b.txt"],
        Settings.load(None, chunk_tokens=800),
        out,
        session=ScriptedSession(scripted),
    )
    checked, problems = verify_outputs(out)
    assert checked > 0 and problems == []
    brief_file = out / "sources/001.json"
    brief_file.write_text(brief_file.read_text().replace("When I went on", "When I went in"))
    assert verify_outputs(out)[1]


def test_committed_example_outputs_are_verbatim() -> None:
    """The example run committed in outputs/ cites only exact passages of seeds/."""
    from pipeline.verify import verify_outputs

    out = Path(__file__).resolve().parent.parent / "outputs"
    if not (out / "manifest.json").is_file():
        pytest.fail("outputs/ (the committed example run) is missing")
    checked, problems = verify_outputs(out)
    assert checked > 50
    assert problems == []
