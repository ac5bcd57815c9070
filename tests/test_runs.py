"""Whole runs through the real client path against the fault server: a killed run
resumes, a finished run costs nothing, damaged or planted cache entries, the output
lock, one failing chunk, rejected credentials, an unreachable server, oversize chunks."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import diskcache
import pytest
from click.testing import CliRunner
from fault_server import Fault, FaultServer, Request

from pipeline.cli import main
from pipeline.errors import ModelUnreachable, OutputLocked
from pipeline.inputs.ingest import OUTPUT_NAMES
from pipeline.model.llm import count_tokens
from pipeline.outputs.verify import verify_outputs
from pipeline.outputs.writer import OutputWriter
from pipeline.runner import Progress, run_pipeline
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
INPUTS = [ROOT / "seeds/001_98262f875ff92a8b.txt"]
KEY = "sk-CANARYKEY123"


def settings_for(server: FaultServer, **overrides) -> Settings:
    options = {"chunk_tokens": 150, "concurrency": 4, "timeout_s": 10.0, **overrides}
    return Settings.load(None, api_base=server.url, **options)


def files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------- row 1

# where the kill lands -> the files the output folder holds at that moment
KILL_POINTS = {
    "map": {"chunks.jsonl"},
    "reduce": {"chunks.jsonl", "summaries.jsonl"},
    "write": {"chunks.jsonl", "summaries.jsonl", "sources/001.json", "sources/001.md"},
}
# the child kills itself between writing brief.json's temp file and renaming it
DIES_WRITING = (
    "import os, signal\n"
    "rename = os.replace\n"
    "def replace(src, dst):\n"
    "    if str(dst).endswith('/brief.json'):\n"
    "        os.kill(os.getpid(), signal.SIGKILL)\n"
    "    rename(src, dst)\n"
    "os.replace = replace\n"
)


def schema_name(request: Request) -> str:
    return request.body.get("response_format", {}).get("json_schema", {}).get("name", "")


@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_9_mid_run_then_rerun_repeats_no_answered_request(tmp_path: Path, point: str) -> None:
    """Killed in the map stage (12 answers cached, every worker waiting on a request), in
    the reduce stage (its request waiting) or while writing brief.json: the files present
    are whole, and the rerun sends none of the requests answered before the kill."""
    out = tmp_path / "out"
    env = {**os.environ, "BRIEF_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    held, release, hold = threading.Event(), threading.Event(), [point != "write"]
    waiting = []

    def script(request: Request) -> Fault | None:
        in_map = schema_name(request) == "MapReply"
        if not hold[0] or (point == "map" and len(server.answered) < 12):
            return None
        if point == "reduce" and in_map:
            return None
        with server.lock:
            waiting.append(request.digest)
            # in the map stage: every worker sits in a new request, so each one has
            # cached the reply it had before
            if point == "reduce" or len(waiting) == 4:
                held.set()
        release.wait()
        return Fault(status=503)

    with FaultServer(script) as server:
        args = [*map(str, INPUTS), "--out", str(out), "--api-base", server.url]
        code = (DIES_WRITING if point == "write" else "") + "from pipeline.cli import main; main()"
        command = [sys.executable, "-c", code, "run", *args]
        command += ["--chunk-tokens", "150", "--concurrency", "4"]
        child = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
        try:
            if point != "write":
                assert held.wait(120), "the run never reached the kill point"
                child.send_signal(signal.SIGKILL)
        finally:
            child.wait(120)
            release.set()
            hold[0] = False
        assert child.returncode == -signal.SIGKILL
        answered_before = set(server.answered)
        requests_at_kill = server.requests
        present = {n: data for n, data in files(out).items() if Path(n).name[0] != "."}
        assert set(present) == KILL_POINTS[point]
        for name, data in present.items():
            if name.endswith(".json"):
                json.loads(data)
            elif name.endswith(".jsonl"):
                assert all(json.loads(line) for line in data.splitlines())
        if point == "write":
            assert [p.name for p in out.glob(".brief.json.*.tmp")], "killed before the rename"

        manifest = run_pipeline(INPUTS, settings_for(server), out)
    assert manifest.failures == []
    chunks = sum(s.chunks for s in manifest.sources)
    assert chunks >= 40
    assert all(s.status == "ok" and s.failed_chunks == 0 for s in manifest.sources)
    assert len(answered_before) >= 12
    assert [d for d in answered_before if server.counts[d] > 1] == []
    assert server.max_in_flight <= 4
    assert server.requests - requests_at_kill == manifest.total.calls
    assert manifest.total.cache_hits >= len(answered_before)
    if point == "write":
        assert manifest.total.calls == 0
    assert not list(out.rglob(".*.tmp"))
    for path in out.rglob("*.json"):
        json.loads(path.read_text())
    print(
        f"\nrow 1 ({point}): {chunks} chunks; {len(answered_before)} answered before the "
        f"kill, {requests_at_kill} requests before it, {manifest.total.calls} after, "
        f"0 repeated; {manifest.total.cache_hits} cache hits on rerun"
    )


# --------------------------------------------------------------------- rows 2, 3, 4


def test_finished_run_repeated_costs_nothing_and_outputs_are_identical(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with FaultServer() as server:
        first = run_pipeline(INPUTS, settings_for(server), out)
        before, sent = files(out), server.requests
        again = run_pipeline(INPUTS, settings_for(server), out)
    assert first.failures == [] and sent == first.total.calls
    assert server.requests == sent and again.total.calls == 0
    after = files(out)
    assert after.keys() == before.keys()
    # the manifest records this run's own statistics (calls, hits, seconds); all else same
    changed = [name for name in before if before[name] != after[name]]
    assert changed == ["manifest.json"]
    volatile = {"usage", "total", "stage_seconds", "wall_seconds"}
    old, new = (json.loads(x["manifest.json"]) for x in (before, after))
    assert {k: v for k, v in old.items() if k not in volatile} == {
        k: v for k, v in new.items() if k not in volatile
    }


def test_a_run_over_other_files_removes_the_earlier_sources_briefs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    notes: list[str] = []

    class Notes(Progress):
        def note(self, message: str) -> None:
            notes.append(message)

    with FaultServer() as server:
        run_pipeline([*INPUTS, ROOT / "seeds/002_e97962a6dbc2b620.txt"], settings_for(server), out)
        assert (out / "sources" / "002.json").is_file()
        (out / "sources" / "reading-list.json").write_text('{"source_id": "someone else"}')
        manifest = run_pipeline(INPUTS, settings_for(server), out, progress=Notes())
    assert manifest.failures == []
    assert sorted(p.name for p in (out / "sources").iterdir()) == [
        "001.json",
        "001.md",
        "reading-list.json",  # not a brief named after its source: not ours to remove
    ]
    assert notes == [
        "removed the briefs of 1 earlier source(s) not in this run (002); brief them "
        "together with these to keep them"
    ]
    assert 'data-s="002"' not in (out / "report.html").read_text(encoding="utf-8")
    checked, problems = verify_outputs(out)
    assert checked > 0 and problems == []


def test_a_run_into_its_input_folder_does_not_read_its_own_outputs(tmp_path: Path) -> None:
    talks, other = tmp_path / "talks", tmp_path / "other"
    for folder in (talks, other):
        folder.mkdir()
        (folder / "001.txt").write_bytes(INPUTS[0].read_bytes())
    with FaultServer() as server:
        first = run_pipeline([talks], settings_for(server), talks)
        again = run_pipeline([talks], settings_for(server), talks)  # brief.md etc. are there
        run_pipeline([other], settings_for(server), other / "out")
        nested = run_pipeline([other], settings_for(server), other / "out")
    assert [s.source_id for s in again.sources] == ["001"] and again.total.calls == 0
    assert again.skipped == [] and first.failures == again.failures == []
    # a folder of outputs inside the input folder is left out, not reported as skipped
    assert [s.source_id for s in nested.sources] == ["001"] and nested.skipped == []
    # what the writer writes is what ingest leaves out: a new output file must be added there
    written = {p.name for p in talks.iterdir() if not p.name.startswith(".")}
    assert written - {"001.txt"} <= OUTPUT_NAMES and "brief.md" in written


@pytest.mark.parametrize("damage", ["truncate", "garble"])
def test_damaged_cache_is_moved_aside_and_the_run_completes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    cache_dir = Settings.load(None).cache_dir
    with FaultServer() as server:
        first = run_pipeline(INPUTS, settings_for(server), tmp_path / "out")
        database = cache_dir / "cache.db"
        data = database.read_bytes()
        if damage == "truncate":
            database.write_bytes(data[: len(data) // 3])
        else:
            database.write_bytes(data[:100] + os.urandom(len(data) - 100))
        with caplog.at_level(logging.WARNING):
            again = run_pipeline(INPUTS, settings_for(server), tmp_path / "out")
    assert again.failures == []
    assert "is damaged" in caplog.text and "moved it to" in caplog.text
    assert list(cache_dir.parent.glob(f"{cache_dir.name}.corrupt-*"))
    assert again.total.calls > 0  # re-calls are allowed
    assert server.requests == first.total.calls + again.total.calls


class Payload:
    """Unpickling this writes a marker file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "pwned"))


def test_planted_pickles_are_refused_and_never_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache_dir = Settings.load(None).cache_dir
    marker = tmp_path / "code-ran"
    with FaultServer() as server:
        first = run_pipeline(INPUTS, settings_for(server), tmp_path / "out")
        raw = diskcache.Cache(str(cache_dir))  # the default (pickling) disk, as an attacker
        keys = list(raw.iterkeys())
        for key in keys:
            raw.set(key, Payload(marker))
        raw.close()
        with caplog.at_level(logging.WARNING):
            again = run_pipeline(INPUTS, settings_for(server), tmp_path / "out")
    assert not marker.exists()
    assert again.failures == []
    assert caplog.text.count("refusing a pickled cache entry") == len(keys) == first.total.calls
    assert again.total.calls == first.total.calls


def test_cache_folder_is_created_0700_and_a_writable_one_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from pipeline.model.cache import CallCache

    fresh = tmp_path / "new" / "calls"
    CallCache(fresh).close()
    assert fresh.stat().st_mode & 0o777 == 0o700
    open_folder = tmp_path / "open"
    open_folder.mkdir()
    open_folder.chmod(0o777)
    with caplog.at_level(logging.WARNING):
        CallCache(open_folder).close()
    assert "can be written by other users" in caplog.text and "chmod 700" in caplog.text


# --------------------------------------------------------------------- row 5


def test_second_run_on_the_same_outputs_refuses(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = OutputWriter(out)
    holder.lock()  # a run in progress
    with FaultServer() as server:
        with pytest.raises(OutputLocked, match="another brief run is writing to"):
            run_pipeline(INPUTS, settings_for(server), out)
        assert server.requests == 0
        holder.unlock()
        assert run_pipeline(INPUTS, settings_for(server), out).failures == []


# --------------------------------------------------------------------- row 8


def test_400_fails_that_chunk_only(tmp_path: Path) -> None:
    def script(request: Request) -> Fault | None:
        system, text = (m["content"] for m in request.body["messages"])
        if "When I went on and I tried" in text and "take notes on one chunk" in system:
            return Fault(status=400)
        return None

    with FaultServer(script) as server:
        manifest = run_pipeline(INPUTS, settings_for(server), tmp_path / "out")
    failed = [f for f in manifest.failures if f.startswith("chunk")]
    assert len(failed) == len(manifest.failures) == 1
    assert "BadRequestError" in failed[0]
    assert max(server.counts.values()) == 1  # nothing was sent twice
    assert manifest.sources[0].failed_chunks == 1 and manifest.sources[0].chunks > 40


def test_401_stops_the_run_and_never_prints_the_key(tmp_path: Path) -> None:
    all_sent = threading.Event()

    def script(request: Request) -> Fault:
        # the first 401 goes back only when every worker has a request under way
        if server.in_flight >= 4:
            all_sent.set()
        all_sent.wait(60)
        return Fault(status=401)

    with FaultServer(script) as server:
        result = CliRunner().invoke(
            main,
            ["run", *map(str, INPUTS), "--out", str(tmp_path / "out"), "--api-base", server.url],
            env={"BRIEF_API_KEY": KEY},
        )
    assert result.exit_code == 2
    assert "rejected the credentials" in result.output
    assert "BRIEF_API_KEY" in result.output
    assert KEY not in result.output
    assert max(server.counts.values()) == 1  # each call sent once
    assert all_sent.is_set()
    # the run stopped: 4 requests under way, then the rest of the 52 chunks were cancelled
    # (a worker whose 401 came back before the run noticed may have started another: the
    # product does not stop its workers any sooner, so the bound is "far from all")
    assert 4 <= server.requests < 52 // 2
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


# --------------------------------------------------------------------- row 10


def test_unreachable_server_stops_the_run_and_a_rerun_resumes(tmp_path: Path) -> None:
    def dies_after_eight(request: Request) -> Fault | None:
        return Fault(reset=True) if len(server.answered) >= 8 else None

    server = FaultServer(dies_after_eight)
    port = server.port
    with server:
        with pytest.raises(ModelUnreachable, match=f"unreachable at {server.url}"):
            run_pipeline(INPUTS, settings_for(server, retries=1), tmp_path / "out")
        answered = set(server.answered)
    with FaultServer(port=port) as restarted:
        manifest = run_pipeline(INPUTS, settings_for(restarted), tmp_path / "out")
    assert manifest.failures == []
    assert [d for d in answered if restarted.counts[d]] == []
    assert manifest.total.cache_hits >= len(answered)


# --------------------------------------------------------------------- row 11


def test_chunk_too_long_for_the_window_is_split_before_sending(tmp_path: Path) -> None:
    window = 2300
    with FaultServer() as server:
        settings = settings_for(server, chunk_tokens=1800, context_window=window)
        manifest = run_pipeline(INPUTS[:1], settings, tmp_path / "out")
    assert manifest.failures == []
    for body in server.bodies.values():
        prompt = sum(count_tokens(m["content"]) for m in body["messages"])
        assert prompt + body["max_tokens"] <= window
    assert max(server.counts.values()) == 1  # never resent unchanged
    summaries = [json.loads(line) for line in (tmp_path / "out/summaries.jsonl").open()]
    assert len(summaries) == manifest.sources[0].chunks
    assert server.requests > len(summaries) + 1  # halves were asked for


# --------------------------------------------------------------------- row 9 (whole run)


def test_hanging_server_fails_the_chunks_and_the_process_exits(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "BRIEF_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONPATH": str(ROOT),
        "BRIEF_TIMEOUT_S": "1",
        "BRIEF_RETRIES": "1",
    }
    with FaultServer(lambda r: Fault(hang=True)) as server:
        args = [str(ROOT / "tests/data/mini_001.txt"), "--out", str(tmp_path / "out")]
        command = [sys.executable, "-c", "from pipeline.cli import main; main()", "run", *args]
        done = subprocess.run(
            [*command, "--api-base", server.url, "--chunk-tokens", "300"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,  # a watchdog, not the measure: the run ends on its own
        )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Timeout" in done.stderr and "failure(s):" in done.stderr
    manifest = json.loads((tmp_path / "out/manifest.json").read_text())
    chunks = manifest["sources"][0]["chunks"]
    assert manifest["sources"][0]["failed_chunks"] == chunks
    assert max(server.counts.values()) == 2  # 1 + R attempts per call
