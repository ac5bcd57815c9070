"""The dry-run planner and the bound on calls in flight (no model, no timing asserts)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace

from click.testing import CliRunner
from conftest import ScriptedSession, generic_responder
from fault_server import FaultServer

from pipeline.cli import main
from pipeline.model import client as client_module
from pipeline.model.cache import CallCache
from pipeline.model.client import ModelClient
from pipeline.model.prompts import load_prompt
from pipeline.plan import plan_run
from pipeline.runner import run_pipeline
from pipeline.settings import Settings
from pipeline.stages.map_request import MapReply
from pipeline.stages.synthesize import MAX_CROSS_THEMES

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
INPUTS = [SEEDS / "001_98262f875ff92a8b.txt", SEEDS / "002_e97962a6dbc2b620.txt"]


def test_plan_matches_the_run_and_sees_what_the_cache_answers(scripted, tmp_path: Path) -> None:
    # the 1.5B's policy: its names are sorted by vote, up to two calls a source
    settings = Settings.load(None, chunk_tokens=800, model_policy="strict")
    before = plan_run(INPUTS, settings, scripted, model="scripted/model")
    stages = {s.stage: s for s in before.stages}
    assert before.sources == 2 and stages["map"].cached == 0
    assert stages["map"].calls == before.chunks
    # per source a call per theme (2 and 4, by length), an overview and the names' sorts
    # (two at most); at most MAX_CROSS_THEMES cross themes + overview
    assert (stages["reduce"].calls, stages["synthesize"].calls) == (12, MAX_CROSS_THEMES + 1)
    assert stages["map"].prompt_tokens > before.source_tokens  # every chunk plus instructions
    # the points the model copies from the listing, asked again: an estimate, 0.4 a call
    assert stages["map again"].calls == round(0.4 * before.chunks) and not stages["map again"].exact
    assert before.cost_usd is not None and before.cost_usd == 0.0  # embedded: free

    scripted.responder = generic_responder
    manifest = run_pipeline(INPUTS, settings, tmp_path / "out", session=ScriptedSession(scripted))
    # exact for map; an upper bound for reduce (equal theme requests of a source are asked
    # once) and synthesis (the cross-source groups found depend on what the briefs say)
    asked = {k: u.calls + u.cache_hits for k, u in manifest.usage.items()}
    assert asked["map"] == stages["map"].calls
    assert 4 + 4 <= asked["reduce"] <= stages["reduce"].calls
    assert 2 <= asked["synthesize"] <= stages["synthesize"].calls

    after = plan_run(INPUTS, settings, scripted, model="scripted/model")
    assert after.calls == 0 and after.prompt_tokens == 0
    cached = {s.stage: s.cached for s in after.stages}
    synthesize = MAX_CROSS_THEMES + 1
    assert cached == {"map": before.chunks, "map again": 0, "reduce": 12, "synthesize": synthesize}


def test_dry_run_prints_the_plan_and_calls_nothing(tmp_path: Path) -> None:
    with FaultServer() as server:
        args = ["run", str(INPUTS[0]), "--dry-run", "--out", "o", "--api-base", server.url]
        result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "dry run: 1 source, " in result.output
    assert "map" in result.output and "cost: none (the embedded model" in result.output
    assert server.requests == 0  # no model call reached the server
    assert not Path("o").exists()


def test_dry_run_names_the_files_the_run_would_skip(tmp_path: Path) -> None:
    """The dry run listed only what it would brief: an empty or binary file in the folder
    went unmentioned, and a folder of nothing but such files planned 0 calls (exit 0)
    where the run says "no transcripts found" (exit 2)."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.txt").write_text("")
    (folder / "blob.dat").write_bytes(b"\x00\x01binary")
    args = ["run", str(folder), "--dry-run", "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "no transcripts found" in result.output
    assert "empty.txt is empty" in result.output and "blob.dat contains NUL bytes" in result.output
    (folder / "talk.txt").write_text(INPUTS[0].read_text())
    with FaultServer() as server:
        result = CliRunner().invoke(main, [*args, "--api-base", server.url])
    assert result.exit_code == 0, result.output
    assert "dry run: 1 source, " in result.output
    assert "skipped " in result.output and "empty.txt is empty or whitespace only" in result.output
    assert server.requests == 0


def test_calls_in_flight_never_exceed_the_concurrency_setting(monkeypatch) -> None:
    state = {"now": 0, "peak": 0}
    lock = threading.Lock()
    reply = '{"people": [], "organisations": [], "points": {"1": "A point"}}'

    def completion(**kwargs):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        message = SimpleNamespace(content=reply)
        return SimpleNamespace(
            choices=[SimpleNamespace(message=message, finish_reason="stop")], usage=None
        )

    monkeypatch.setattr(client_module.litellm, "completion", completion)
    client = ModelClient(
        model="openai/x",
        api_base="http://127.0.0.1:9",
        cache=CallCache(Path("unused"), enabled=False),
        concurrency=3,
    )

    def call(n: int) -> None:
        client.structured(
            stage="map",
            prompt=load_prompt("map"),
            variables={
                "boundary": "<<<b>>>",
                "sentences": f"1: Sentence number {n}.",
                "openings": "1: Sentence",
            },
            schema=MapReply,
            max_tokens=100,
        )

    threads = [threading.Thread(target=call, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert client.usage["map"].calls == 12
    assert state["peak"] == 3


def test_a_cached_run_does_not_import_litellm(tmp_path: Path) -> None:
    """Importing litellm costs seconds: a rerun whose every call is cached runs the whole
    pipeline (against a server it never calls) without importing it."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pipeline.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit as end:\n"
        "    print('exit', end.code, 'litellm imported:', 'litellm' in sys.modules)\n"
    )
    source = Path(__file__).resolve().parent / "data/mini_001.txt"
    with FaultServer() as server:
        settings = Settings.load(None, api_base=server.url, chunk_tokens=300)
        first = run_pipeline([source], settings, tmp_path / "out")
        sent = server.requests
        args = ["run", str(source), "--out", str(tmp_path / "out"), "--api-base", server.url]
        done = subprocess.run(
            [sys.executable, "-c", code, *args, "--chunk-tokens", "300"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=300,  # a watchdog
        )
    assert first.total.calls == sent > 0
    assert done.stdout.strip() == "exit 0 litellm imported: False", done.stderr[-2000:]
    assert "model calls: 0" in done.stderr
    assert server.requests == sent  # the rerun called nothing
