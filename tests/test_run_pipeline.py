"""Whole runs (``run_pipeline``) with a scripted model: outputs, failures, verify, markdown."""

from __future__ import annotations

import json
import random
import re
import threading
import time
from pathlib import Path

import pytest
from conftest import ScriptedClient, ScriptedSession, generic_responder

from pipeline.model.cache import CallCache
from pipeline.models import ChunkSummary, Cited, Passage, SourceBrief, Theme
from pipeline.outputs.markdown import source_markdown
from pipeline.runner import run_pipeline
from pipeline.settings import Settings


def test_theme_points_are_listed_under_their_theme_with_their_citations() -> None:
    cite = Passage(source_id="007", char_start=0, char_end=1, line_start=5, line_end=5, text="x")
    theme = Theme(
        id="007/t1",
        title="Chips",
        summary="Chips are scarce.",
        point_ids=[],
        citations=[cite],
        points=[Cited(text="Smuggling grows in Shenzhen", citations=[cite])],
    )
    markdown = source_markdown(SourceBrief(source_id="007", title="t", themes=[theme]))
    assert (
        "### Chips\n\nChips are scarce. [007 L5]\n\n- Smuggling grows in Shenzhen [007 L5]"
        in markdown
    )


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
    themes = sum(
        len(json.loads((out / f"sources/{s}.json").read_text())["themes"]) for s in ("001", "002")
    )
    cross = json.loads((out / "brief.json").read_text())
    # map per chunk; per source one call per theme and one overview (the 0.5B's policy
    # sorts no names by vote); per cross theme one call
    asked = {k: u.calls + u.cache_hits for k, u in manifest.usage.items()}
    # (the scripted map replies are all alike, so some theme requests are equal: asked once)
    assert asked["map"] == chunks and asked["synthesize"] == len(cross["themes"]) + 1
    assert 2 + 2 <= asked["reduce"] <= themes + 2
    assert calls == manifest.total.calls  # (equal theme prompts are asked once)
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
    # a citation into a timestamped transcript shows the time (and the column on a long line)
    assert re.search(r"\[001 @ 0:00(, L2:\d+)?\]", (out / "sources/001.md").read_text())

    scripted.history.clear()
    scripted.usage.clear()
    again = run_pipeline(inputs, settings, out, session=ScriptedSession(scripted))
    assert scripted.history == []
    assert again.total.calls == 0 and again.total.cache_hits == sum(asked.values())


def test_failed_chunk_is_reported_and_run_goes_on(scripted, tmp_path: Path) -> None:
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    inputs = [seeds / "001_98262f875ff92a8b.txt"]

    def respond(stage, messages):
        # the chunk, its re-ask, and its first half and that half's re-ask: the first line
        # each shows (the map shows the numbered sentences with two either side)
        if stage == "map" and "(A 0:00) Dreadnought is like" in messages[1]["content"]:
            return "garbage"
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


def run_001_with_reduce_failing(scripted, out: Path, fails) -> tuple[str, dict]:
    """Source 001 through the pipeline with the reduce replies for which ``fails(messages)``
    holds made invalid (the reply and the re-ask): the run's one failure and the brief."""
    seeds = Path(__file__).resolve().parent.parent / "seeds"

    def respond(stage, messages):
        if stage == "reduce" and fails(messages):
            return "garbage"
        return generic_responder(stage, messages)

    scripted.responder = respond
    manifest = run_pipeline(
        [seeds / "001_98262f875ff92a8b.txt"],
        Settings.load(None, chunk_tokens=800),
        out,
        session=ScriptedSession(scripted),
    )
    [failure] = manifest.failures
    return failure, json.loads((out / "sources/001.json").read_text())


def test_a_failed_overview_leaves_a_partial_brief_that_says_so(scripted, tmp_path: Path) -> None:
    # the 0.5B once ran on to the token limit in source 003's overview call, and the whole
    # source brief (themes, facts, quotes) was lost
    out = tmp_path / "o"
    failure, brief = run_001_with_reduce_failing(
        scripted, out, lambda messages: "overview" in messages[0]["content"]
    )
    assert failure.startswith("source 001: the overview could not be written (")
    assert brief["status"] == "partial" and brief["themes"] and brief["quotes"]
    assert brief["overview"].startswith("The conversation covers ")
    assert brief["title"] == brief["file"] == "001_98262f875ff92a8b.txt"  # no model title
    assert "**Partial:** the overview could not be written" in (out / "sources/001.md").read_text()
    html = (out / "report.html").read_text()
    assert "Partial: the overview could not be written" in html
    assert "file 001_98262f875ff92a8b.txt" in html and "<h3>File</h3>" not in html


def test_a_failed_theme_is_told_in_its_points_words_and_the_brief_stands(
    scripted, tmp_path: Path
) -> None:
    # the 0.5B ran on to the token limit in one theme call of source 000 (eleventh round),
    # and the whole source brief was lost
    failed: list[str] = []

    def first_theme(messages) -> bool:
        if "overview" in messages[0]["content"]:
            return False
        failed[:] = failed or [messages[1]["content"]]
        return messages[1]["content"] == failed[0]

    out = tmp_path / "o"
    failure, brief = run_001_with_reduce_failing(scripted, out, first_theme)
    # the first theme call to arrive fails (two are asked at once: either may be first)
    found = re.match(r"source 001: theme (\d+) could not be written \(", failure)
    assert found, failure
    assert brief["status"] == "partial" and len(brief["themes"]) >= 2 and brief["overview"]
    told = brief["themes"][int(found.group(1)) - 1]
    assert told["summary"] and told["sentence_citations"] and all(told["sentence_citations"])
    markdown = (out / "sources/001.md").read_text()
    assert f"**Partial:** theme {found.group(1)} could not be written" in markdown


def test_verify_catches_a_passage_that_is_not_the_source_slice(scripted, tmp_path: Path) -> None:
    from pipeline.outputs.verify import verify_outputs

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
    cited = json.loads(brief_file.read_text())["quotes"][0]["passage"]["text"]
    brief_file.write_text(brief_file.read_text().replace(cited, cited[:-1] + "#"))
    assert verify_outputs(out)[1]


def test_committed_example_outputs_are_verbatim() -> None:
    """The example run committed in outputs/ cites only exact passages of seeds/."""
    from pipeline.outputs.verify import verify_outputs

    out = Path(__file__).resolve().parent.parent / "outputs"
    if not (out / "manifest.json").is_file():
        pytest.fail("outputs/ (the committed example run) is missing")
    checked, problems = verify_outputs(out)
    assert checked > 50
    assert problems == []


def test_a_name_another_source_lists_as_an_organisation_is_not_a_person(
    scripted, tmp_path: Path
) -> None:
    """ "OpenAI" under People in one source's brief, under Organisations in another's: the
    run passes every source's organisations to each source's brief."""
    from pipeline.models import Entity
    from pipeline.stages.name_kinds import organisations_named
    from pipeline.stages.names import listed_entities

    def chunk(source: str, *entities: tuple[str, str]) -> ChunkSummary:
        listed = [Entity(name=n, kind=k) for n, k in entities]  # type: ignore[arg-type]
        return ChunkSummary(chunk_id=f"{source}:0000", source_id=source, entities=listed)

    mine = [chunk("007", ("OpenAI", "person"), ("Sam Altman", "person"))]
    other = [chunk("008", ("openai", "organisation"), ("Sam Altman", "person"))]
    assert listed_entities(mine) == (["OpenAI", "Sam Altman"], [])
    known = organisations_named(mine + other)
    assert known == {"openai"}
    assert listed_entities(mine, known) == (["Sam Altman"], ["OpenAI"])

    seeds = Path(__file__).resolve().parent.parent / "seeds"
    inputs = [seeds / "001_98262f875ff92a8b.txt", seeds / "002_e97962a6dbc2b620.txt"]

    first = inputs[0].read_text(encoding="utf-8")

    def respond(stage, messages):  # source 001's chunks call it a person, 002's an organisation
        reply = generic_responder(stage, messages)
        if stage == "map":
            line = messages[1]["content"].splitlines()[1].split(") ")[-1]
            in_001 = line in first
            reply["people"] = ["OpenAI"] if in_001 else []
            reply["organisations"] = [] if in_001 else ["OpenAI"]
        return reply

    scripted.responder = respond
    run_pipeline(
        inputs,
        Settings.load(None, chunk_tokens=800),
        tmp_path / "o",
        session=ScriptedSession(scripted),
    )
    briefs = {s: json.loads((tmp_path / f"o/sources/{s}.json").read_text()) for s in ("001", "002")}
    assert "OpenAI" in briefs["002"]["organisations"]
    assert "OpenAI" in briefs["001"]["organisations"] and "OpenAI" not in briefs["001"]["people"]


def test_a_person_listed_by_first_name_too_is_listed_once(scripted, tmp_path: Path) -> None:
    """003's brief listed "Grace, Grace Shao": a one-word name that starts or ends exactly
    one longer listed name is that person; a word two names share stays listed."""
    from pipeline.stages.names import without_short_forms

    assert without_short_forms(["Grace", "Grace Shao", "Altman", "Sam Altman"]) == [
        "Grace Shao",
        "Sam Altman",
    ]
    assert without_short_forms(["Li", "Yuan Li", "Li Kaifu", "Alex"]) == [
        "Li",
        "Yuan Li",
        "Li Kaifu",
        "Alex",
    ]

    def respond(stage, messages):
        reply = generic_responder(stage, messages)
        if stage == "map":
            reply["people"] = ["Grace", "Grace Shao", "Alex"]
        return reply

    scripted.responder = respond
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    run_pipeline(
        [seeds / "003_ab8002d8241df0d9.txt"],
        Settings.load(None, chunk_tokens=800),
        tmp_path / "o",
        session=ScriptedSession(scripted),
    )
    people = json.loads((tmp_path / "o/sources/003.json").read_text())["people"]
    assert "Grace Shao" in people and "Grace" not in people and "Alex" in people


def _run_recorded(tmp_path: Path, name: str, workers: int, seed: int) -> tuple[list[str], int]:
    """A whole run over two seeds whose scripted replies take a random while: the order in
    which the calls reached the model, and how many were in flight at most."""
    rng = random.Random(seed)
    state = {"now": 0, "peak": 0}
    lock = threading.Lock()

    def responder(stage, messages):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
            pause = rng.uniform(0.0, 0.02)
        time.sleep(pause)
        with lock:
            state["now"] -= 1
        return generic_responder(stage, messages)

    seeds = Path(__file__).resolve().parent.parent / "seeds"
    inputs = [seeds / "001_98262f875ff92a8b.txt", seeds / "002_e97962a6dbc2b620.txt"]
    cache = CallCache(tmp_path / f"{name}-cache")
    client = ScriptedClient(cache)
    client.responder = responder
    session = ScriptedSession(client)
    session.workers = workers
    try:
        run_pipeline(
            inputs, Settings.load(None, chunk_tokens=800), tmp_path / name, session=session
        )
    finally:
        cache.close()
    return [m[1]["content"] for m in client.history], state["peak"]


def test_one_worker_sends_every_call_alone_and_in_the_same_order(tmp_path: Path) -> None:
    """With one server slot, a cold rerun writes the same briefs only if the calls reach
    the server in the same order (llama.cpp reuses the prompt prefix its slot holds):
    every stage's calls go one at a time, in the run's own order, whatever each takes."""
    first, peak = _run_recorded(tmp_path, "a", workers=1, seed=1)
    again, peak_again = _run_recorded(tmp_path, "b", workers=1, seed=2)
    assert peak == peak_again == 1
    assert len(first) > 20 and first == again
    _, two = _run_recorded(tmp_path, "c", workers=2, seed=3)
    assert two > 1  # (the random pauses do overlap the calls that may overlap)
