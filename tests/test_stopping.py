"""Ctrl-C and SIGTERM stop a run at once (``pipeline.model.stopping``): a call waiting on
its reply, its turn or its retry gives up, the stage's pool lets the interrupt through
without waiting for the reply in flight, and what completed stays cached for the rerun.
Before, Ctrl-C of `brief run` waited for the call in flight (about 40 s with one slot)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEEDS, ScriptedClient, ScriptedSession, generic_responder, processed
from fault_server import Fault, FaultServer
from test_faults import ask, client_for

from pipeline.cli import main
from pipeline.errors import Interrupted
from pipeline.model.cache import CallCache
from pipeline.model.stopping import resume_calls, stop_calls

WATCHDOG_S = 30  # a bound for a test that would otherwise hang, not a speed target


@pytest.fixture(autouse=True)
def _resumed():
    yield
    resume_calls()


def stop_when(condition, poll: float = 0.02) -> threading.Thread:
    """``stop_calls()`` from another thread as soon as ``condition()`` holds."""

    def watch() -> None:
        while not condition():
            time.sleep(poll)
        stop_calls()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_a_call_waiting_on_its_reply_gives_up_when_the_program_stops(cache) -> None:
    with FaultServer(lambda r: Fault(hang=True)) as server:
        client = client_for(server, cache, timeout_s=600.0, retries=0)
        pool = ThreadPoolExecutor(max_workers=1)  # as a stage runs its calls
        try:
            future = pool.submit(ask, client)
            stop_when(lambda: sum(server.counts.values()) == 1)
            with pytest.raises(Interrupted):
                future.result(timeout=WATCHDOG_S)  # before: the 600 s deadline
        except FutureTimeout:
            pytest.fail("the call still waits for its reply after stop_calls()")
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
    assert not pool._threads or all(not t.is_alive() for t in _joined(pool._threads))


def _joined(threads) -> list[threading.Thread]:
    for thread in threads:
        thread.join(WATCHDOG_S)
    return list(threads)


def test_a_retry_s_wait_ends_and_no_retry_is_sent_when_the_program_stops(cache) -> None:
    # the server asks for a minute's pause before the retry
    with FaultServer(lambda r: Fault(status=429, headers={"retry-after": "60"})) as server:
        client = client_for(server, cache, retries=1)
        stop_when(lambda: sum(server.counts.values()) == 1)
        started = time.monotonic()
        with pytest.raises(Interrupted):
            ask(client)
        assert time.monotonic() - started < WATCHDOG_S  # not the 60 s Retry-After
    assert sum(server.counts.values()) == 1


def test_after_the_stop_no_request_is_sent_but_cached_replies_still_answer(cache) -> None:
    with FaultServer(lambda r: Fault()) as server:
        client = client_for(server, cache)
        first = ask(client, "cached")
        stop_calls()
        assert ask(client, "cached") == first  # a cache hit sends nothing
        with pytest.raises(Interrupted):
            ask(client, "new")
    assert sum(server.counts.values()) == 1


PROGRAM = """
import os, signal, sys, threading, time
from pipeline.model.retry import within_deadline
from pipeline.model.stopping import unwind_on_signals, worker_pool

unwind_on_signals()

def reply():  # a reply that takes ten minutes
    print("waiting", flush=True)
    if sys.argv[1] != "process":  # the kernel may hand a process's signal to any thread
        signal.pthread_kill(threading.get_ident(), int(sys.argv[1]))
    time.sleep(600)

with worker_pool(1) as pool:  # as a stage runs its calls
    pool.submit(within_deadline, reply, {}, 600.0).result()
"""


@pytest.mark.parametrize("to", ["process", "worker thread"])
@pytest.mark.parametrize(
    "signum, codes",
    [(signal.SIGINT, {-signal.SIGINT, 1}), (signal.SIGTERM, {128 + signal.SIGTERM})],
    ids=["SIGINT", "SIGTERM"],
)
def test_a_signal_ends_a_program_whose_stage_waits_on_a_reply(signum, codes, to) -> None:
    """A signal that reaches a worker thread: before, the main thread slept on in its
    untimed wait for the pool and never ran the handler (1 of about 300 runs of the
    process's signal, and every time when sent to the thread)."""
    root = Path(__file__).resolve().parent.parent
    child = subprocess.Popen(
        [sys.executable, "-c", PROGRAM, "process" if to == "process" else str(int(signum))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=root,
        # a background job's SIGINT is ignored, and the child would inherit that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "waiting"
        if to == "process":
            child.send_signal(signum)
        try:
            code = child.wait(timeout=WATCHDOG_S)  # before: the pool waited 600 s
        except subprocess.TimeoutExpired:
            pytest.fail("the program still waits for the reply in flight")
        assert code in codes, child.stderr.read() if child.stderr else ""
    finally:
        child.kill()
        child.wait()


def test_ctrl_c_of_brief_run_says_how_to_resume_and_the_rerun_reuses_what_completed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client: list[ScriptedClient] = []
    monkeypatch.setattr("pipeline.session.ModelSession", lambda *a, **k: ScriptedSession(client[0]))
    source = str(SEEDS / "000_96f7fa1cd8d96bb9.txt")

    def brief_run(cache: CallCache, out: Path, responder) -> tuple[int, str, int]:
        """Exit code, output and map calls sent of one `brief run`."""
        client[:] = [ScriptedClient(cache)]
        client[0].responder = responder
        result = CliRunner().invoke(main, ["run", source, "--out", str(out)])
        return result.exit_code, result.output, client[0].usage["map"].calls

    whole = CallCache(tmp_path / "whole")
    code, _, all_map_calls = brief_run(whole, tmp_path / "whole-out", generic_responder)
    whole.close()
    assert code == 0 and all_map_calls >= 3

    sent = []
    lock = threading.Lock()

    def stopped_at_the_third_map_call(stage, messages):
        if stage == "map":
            with lock:
                sent.append(1)
                if len(sent) == 3:
                    stop_calls()  # as Ctrl-C does, during the third call
                    raise Interrupted("stopped")
        return generic_responder(stage, messages)

    cache, out = CallCache(tmp_path / "cache"), tmp_path / "out"
    code, output, _ = brief_run(cache, out, stopped_at_the_third_map_call)
    assert code == 130, output
    assert "every model call that completed is cached; rerun the same command" in output
    assert not (out / "summaries.jsonl").exists()  # no chunk recorded as failed

    resume_calls()
    code, output, map_calls = brief_run(cache, out, generic_responder)
    cache.close()
    assert code == 0, output
    assert map_calls == all_map_calls - (len(sent) - 1)  # only the calls not completed
    assert (out / "brief.md").read_text() == (tmp_path / "whole-out" / "brief.md").read_text()


def test_ctrl_c_of_brief_ask_exits_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scripted: ScriptedClient
) -> None:
    monkeypatch.setattr("pipeline.session.ModelSession", lambda *a, **k: ScriptedSession(scripted))
    out = processed(tmp_path / "out", [SEEDS / "000_96f7fa1cd8d96bb9.txt"])

    def stopped(stage, messages):
        stop_calls()
        raise Interrupted("stopped")

    scripted.responder = stopped
    result = CliRunner().invoke(main, ["ask", "What is the newsletter called?", "--out", str(out)])
    assert result.exit_code == 130, result.output
    assert "Traceback" not in result.output
