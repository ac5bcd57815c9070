"""What a new user meets first: nothing to brief, a question before any run, a library's
debug log on the terminal, and why `brief ask` gave no answer."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEEDS, ScriptedClient, ScriptedSession, processed

from pipeline.ask.corpus import open_corpus
from pipeline.cli import main

DEAD_SERVER = "http://127.0.0.1:9/v1"  # nothing listens: a model call would fail loudly


def only_skipped(folder: Path) -> Path:
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    return folder


def whitespace_file(folder: Path) -> Path:
    path = folder / "blank.txt"
    path.write_text("  \n\t\n   \n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "make", [lambda f: f, only_skipped, whitespace_file], ids=["empty", "skipped", "whitespace"]
)
def test_run_with_no_transcripts_exits_2_and_writes_nothing(tmp_path: Path, make) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    target = make(folder)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["run", str(target), "--out", str(out), "--api-base", DEAD_SERVER]
    )
    assert result.exit_code == 2, result.output
    assert f"error: no transcripts found in {target}" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert not (tmp_path / "cache").exists()  # not even the call cache was opened
    if make is not whitespace_file and make is not only_skipped:
        return
    assert "is empty" in result.output  # the skipped files say why


def test_ask_and_verify_before_any_run_say_what_to_do(tmp_path: Path) -> None:
    for command in (["ask", "anything?"], ["verify"]):
        result = CliRunner().invoke(main, [*command, "--out", str(tmp_path / "none")])
        assert result.exit_code == 2, result.output
        assert "run `brief run` first" in result.output
        assert "Traceback" not in result.output


def test_building_an_index_logs_nothing_below_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """bm25s set its own logger to DEBUG: every run printed 'Building index from tokens'."""
    out = processed(tmp_path / "out", [SEEDS / "002_e97962a6dbc2b620.txt"])
    with caplog.at_level(logging.DEBUG):
        _, rebuilt = open_corpus(out)
    assert rebuilt
    assert [r.getMessage() for r in caplog.records if r.name.startswith("bm25s")] == []


@pytest.fixture
def cli_session(monkeypatch: pytest.MonkeyPatch, scripted: ScriptedClient) -> ScriptedClient:
    monkeypatch.setattr("pipeline.session.ModelSession", lambda *a, **k: ScriptedSession(scripted))
    return scripted


INVENTED = {"answerable": True, "statements": [{"text": "Zebras fly to Mars.", "passages": [1]}]}


def test_a_refusal_says_why_in_plain_words_details_on_request(tmp_path: Path, cli_session) -> None:
    out = processed(tmp_path / "out", [SEEDS / "000_96f7fa1cd8d96bb9.txt"])
    question = ["ask", "What is the newsletter called?", "--out", str(out)]
    cli_session.enqueue(INVENTED, INVENTED)  # unsupported twice: a refusal
    plain = CliRunner().invoke(main, question)
    assert plain.exit_code == 3, plain.output
    first = plain.stdout.splitlines()[0]
    assert first == (
        "The sources don't answer this: the model's answer was not supported by the "
        "passages it cited, so it is not shown."
    )
    for internal in ("Value error", "did not validate", "re-ask", "statement 1", "("):
        assert internal not in first

    cli_session.enqueue(INVENTED, INVENTED)
    verbose = CliRunner().invoke(main, [*question, "--verbose"])
    assert verbose.exit_code == 3
    assert verbose.stdout.splitlines()[0] == first
    assert "Details: no answer with valid citations" in verbose.stdout
    assert "did not validate" in verbose.stdout

    cli_session.enqueue(INVENTED, INVENTED)
    as_json = CliRunner().invoke(main, [*question, "--json"])
    assert as_json.exit_code == 3
    assert "did not validate" in json.loads(as_json.stdout)["reason"]


def test_sigterm_unwinds_so_that_exit_handlers_stop_the_servers(tmp_path: Path) -> None:
    # EmbeddedServer.start registers its stop with atexit; Python's default SIGTERM ends
    # the process without running atexit, and a killed bench/eval_qa.py left its
    # llama-server running. Here a stand-in exit handler must run on SIGTERM.
    import signal
    import subprocess
    import sys

    stopped = tmp_path / "stopped"
    program = (
        "import atexit, sys, time\n"
        "from pipeline.model.stopping import unwind_on_signals\n"
        "unwind_on_signals()\n"
        f"atexit.register(lambda: open({str(stopped)!r}, 'w').write('stopped'))\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == 128 + signal.SIGTERM
    assert stopped.read_text() == "stopped"


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_program_killed_by_sigkill_takes_its_servers_with_it() -> None:
    # nothing runs in a program on SIGKILL (or the OOM killer): the servers, started in
    # worker threads that end mid-run, must end with the process, not with their thread
    import signal
    import subprocess
    import time

    program = (
        "import threading, time\n"
        "from pipeline.model.embedded import spawn_server\n"
        "started = []\n"
        "worker = threading.Thread(target=lambda: started.append(spawn_server(['sleep', '120'])))\n"
        "worker.start()\n"
        "worker.join()\n"
        "print(started[0].pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    server = int(child.stdout.readline())
    time.sleep(0.5)
    assert _running(server), "the server ended with the thread that started it"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    deadline = time.monotonic() + 10
    while _running(server) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(server), "the server outlived the program that started it"


def test_an_answer_in_the_making_shows_a_status_line_on_a_terminal_only(scripted) -> None:
    """`brief ask` printed nothing for the minute an embedded model's answer takes."""
    import io
    import time

    from pipeline.ask_cli import Waiting

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    shown = Terminal()
    with Waiting(scripted, shown, every=3600) as waiting:  # drawn here, not by its thread
        waiting.draw()
        assert shown.getvalue() == "\ranswering... 0 s"
        scripted.usage.count("ask", calls=1)
        waiting.draw()
        assert shown.getvalue().endswith("\ranswering... 0 s, 1 model reply")
    line = "answering... 0 s, 1 model reply"
    assert shown.getvalue().endswith("\r" + " " * len(line) + "\r")  # cleared
    # its thread redraws the line until the answer is there
    shown = Terminal()
    with Waiting(scripted, shown, every=0.01):
        deadline = time.monotonic() + 5
        while "answering" not in shown.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
    assert "answering" in shown.getvalue()
    piped = io.StringIO()  # a pipe, a log file: nothing drawn
    with Waiting(scripted, piped, every=0.01):
        time.sleep(0.05)
    assert piped.getvalue() == ""
