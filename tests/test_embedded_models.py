"""The embedded models: the setting's choices, the part packages the lock installs, and
the join-and-verify step (on tiny parts made here, and on the real installed parts' sizes)."""

from __future__ import annotations

import hashlib
import shutil
import sys
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from pipeline.errors import ModelSetupError, ModelUnreachable
from pipeline.model import embedded, llama_server
from pipeline.model.cache import CallCache
from pipeline.model.client import ModelClient
from pipeline.model.prompts import parse_prompt
from pipeline.settings import Settings


def test_the_setting_offers_exactly_the_registered_models() -> None:
    choices = typing.get_args(Settings.model_fields["embedded_model"].annotation)
    assert set(choices) == set(embedded.EMBEDDED_MODELS)
    assert Settings.load(None).embedded_model in embedded.EMBEDDED_MODELS


def test_unknown_model_names_the_choices() -> None:
    with pytest.raises(ModelSetupError, match="qwen2.5-coder-0.5b, qwen2.5-coder-1.5b"):
        embedded.embedded_model("qwen-7b")


@pytest.mark.parametrize("key", sorted(embedded.EMBEDDED_MODELS))
def test_every_part_package_is_installed_and_the_parts_add_up(key: str) -> None:
    spec = embedded.EMBEDDED_MODELS[key]
    parts = embedded._part_paths(spec)  # the lookup ensure_model_file uses
    assert len(parts) == len(spec.packages)
    assert sum(part.stat().st_size for part in parts) == spec.size


@pytest.mark.parametrize("key", sorted(embedded.EMBEDDED_MODELS))
def test_the_shipped_line_break_tokens_are_those_of_the_model_file(key: str) -> None:
    from gguf import GGUFReader

    spec = embedded.EMBEDDED_MODELS[key]
    model_file = embedded.ensure_model_file(Settings.load(None).model_dir, spec)
    field = GGUFReader(model_file).fields["tokenizer.ggml.tokens"]
    pieces = [bytes(field.parts[i]).decode("utf-8", "replace") for i in field.data]
    # byte-level BPE writes "\n" as "Ċ" and "\r" as "č"
    breaks = tuple(i for i, piece in enumerate(pieces) if "Ċ" in piece or "č" in piece)
    assert embedded.line_break_tokens(spec) == breaks
    assert pieces[breaks[0]] == "Ċ" and len(breaks) > 1000  # "\n", ",\n", "{\n  "…


def _fake_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parts: list[bytes]):
    for number, data in enumerate(parts, start=1):
        folder = tmp_path / "site" / f"fake_part{number}" / "data"
        folder.mkdir(parents=True)
        (folder.parent / "__init__.py").write_text("")
        (folder / f"part{number:02d}.bin").write_bytes(data)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    joined = b"".join(parts)
    return embedded.EmbeddedModel(
        key="fake",
        name="fake-model",
        size=len(joined),
        sha256=hashlib.sha256(joined).hexdigest(),
        packages=tuple(f"fake_part{n}" for n in range(1, len(parts) + 1)),
        distribution="fake-part1",
        policy="strict",
        line_break_file="qwen2.5-line-break-tokens.json",
    )


def test_parts_are_joined_in_order_and_verified(tmp_path, monkeypatch) -> None:
    spec = _fake_model(tmp_path, monkeypatch, [b"first-", b"second-", b"third"])
    path = embedded.ensure_model_file(tmp_path / "models", spec)
    assert path.read_bytes() == b"first-second-third"
    assert path.name == "fake-model.gguf"
    assert list((tmp_path / "models").iterdir()) == [path]  # no partial file left


def test_a_wrong_checksum_leaves_nothing_and_names_the_fix(tmp_path, monkeypatch) -> None:
    spec = _fake_model(tmp_path, monkeypatch, [b"aaaa", b"bbbb"])
    wrong = embedded.EmbeddedModel(**{**spec.__dict__, "sha256": "0" * 64})
    with pytest.raises(ModelSetupError, match="uv sync --reinstall-package fake-part1"):
        embedded.ensure_model_file(tmp_path / "models", wrong)
    assert list((tmp_path / "models").iterdir()) == []


# a stand-in for llama-server: killed by SIGSEGV while it loads, as llama.cpp's AMX kernels
# crashed on a virtual machine whose CPU reports AMX, unless it is told --no-repack (or
# always, with CRASH_ALWAYS set); otherwise it answers /health on its --port
_FAKE_SERVER = """\
import http.server, os, signal, sys
args = sys.argv[1:]
print("fake server loading", flush=True)
if os.environ.get("CRASH_ALWAYS") or "--no-repack" not in args:
    os.kill(os.getpid(), signal.SIGSEGV)
port = int(args[args.index("--port") + 1])
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), Health).serve_forever()
"""


def _fake_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str = _FAKE_SERVER
) -> llama_server.EmbeddedServer:
    script = tmp_path / "fake_server.py"
    script.write_text(source)
    binary = tmp_path / "bin" / "llama-server"  # a folder of its own, as the package's
    binary.parent.mkdir(exist_ok=True)
    binary.write_text(f'#!/bin/sh\nexec {sys.executable} {script} "$@"\n')
    binary.chmod(0o755)
    monkeypatch.setattr(llama_server, "server_binary", lambda: binary)
    return llama_server.EmbeddedServer(
        tmp_path / "model.gguf",
        alias="fake",
        slots=1,
        ctx_per_slot=512,
        threads=1,
        repeat_penalty=1.1,
        log_path=tmp_path / "server.log",
    )


def test_a_server_that_crashes_while_loading_is_started_again_without_repacking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = _fake_server(tmp_path, monkeypatch)
    try:
        api_base = server.start(timeout_s=30)
        assert api_base.startswith("http://127.0.0.1:")
        assert server.extra_args == [llama_server.NO_REPACK]
        assert "crashed while loading (SIGSEGV)" in capsys.readouterr().err
        # the second start's log follows the first's: the crash is not lost
        assert server.log_path.read_text().count("fake server loading") == 2
    finally:
        server.stop()
    # remembered beside the model for this machine and binary: the next server (the next
    # `brief ask`) starts without repacking at once, with nothing to say
    assert server.no_repack_note.read_text().split() == [llama_server.machine_fingerprint()]

    def same_server() -> llama_server.EmbeddedServer:
        return llama_server.EmbeddedServer(
            server.model_path,
            alias="fake",
            slots=1,
            ctx_per_slot=512,
            threads=1,
            repeat_penalty=1.1,
            log_path=server.log_path,
        )

    def starts_without_repacking_silently() -> None:
        started = same_server()
        try:
            started.start(timeout_s=30)
            assert started.extra_args == [llama_server.NO_REPACK]
            assert capsys.readouterr().err == ""
        finally:
            started.stop()

    again = same_server()
    try:
        again.start(timeout_s=30)
        assert again.extra_args == [llama_server.NO_REPACK]
        assert capsys.readouterr().err == ""
        assert again.log_path.read_text().count("fake server loading") == 1
    finally:
        again.stop()
    # the same build in another virtual environment (a fresh clone's) is the same server
    copy = tmp_path / "clone" / "bin"
    shutil.copytree(tmp_path / "bin", copy)
    monkeypatch.setattr(llama_server, "server_binary", lambda: copy / "llama-server")
    starts_without_repacking_silently()
    # another server binary (llama.cpp built again) is tried with repacking first
    binary = copy / "llama-server"
    binary.write_text(binary.read_text() + "\n")
    third = same_server()
    try:
        third.start(timeout_s=30)
        assert "crashed while loading (SIGSEGV)" in capsys.readouterr().err
    finally:
        third.stop()
    # ... and remembered beside the first: back on the first build, no crash again (the
    # main checkout's build and a fresh clone's each overwrote the other's one line)
    assert len(server.no_repack_note.read_text().split()) == 2
    monkeypatch.setattr(llama_server, "server_binary", lambda: tmp_path / "bin" / "llama-server")
    starts_without_repacking_silently()


def test_a_server_that_loads_leaves_no_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crash_if_repacking = 'if os.environ.get("CRASH_ALWAYS") or "--no-repack" not in args:'
    server = _fake_server(tmp_path, monkeypatch, _FAKE_SERVER.replace(crash_if_repacking, "if 0:"))
    try:
        server.start(timeout_s=30)
        assert server.extra_args == [] and not server.no_repack_note.exists()
    finally:
        server.stop()


def test_a_server_that_crashes_either_way_names_its_exit_and_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRASH_ALWAYS", "1")
    server = _fake_server(tmp_path, monkeypatch)
    with pytest.raises(ModelSetupError, match=r"exited with code -11; last lines of .*server\.log"):
        server.start(timeout_s=30)
    assert server.process is None and server.api_base is None


def test_a_server_started_again_that_crashes_while_loading_is_loaded_without_repacking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # its first start loads; after it dies during the run, the start that brings it back
    # crashes while loading, as the first start does on a machine whose CPU reports AMX
    crash_if_repacking = 'if os.environ.get("CRASH_ALWAYS") or "--no-repack" not in args:'
    server = _fake_server(tmp_path, monkeypatch, _FAKE_SERVER.replace(crash_if_repacking, "if 0:"))
    try:
        server.start(timeout_s=30)
        assert server.extra_args == []
        (tmp_path / "fake_server.py").write_text(_FAKE_SERVER)
        assert server.process is not None
        server.process.kill()
        server.process.wait()
        assert str(server.revive(timeout_s=30)).startswith("http://127.0.0.1:")
        assert server.extra_args == [llama_server.NO_REPACK]
        err = capsys.readouterr().err
        assert "starting it again (1 of" in err and "crashed while loading (SIGSEGV)" in err
        assert server.log_path.read_text().count("fake server loading") == 3
    finally:
        server.stop()


# a stand-in for llama-server that answers chat requests: tests/fault_server.py on its --port
_CHAT_SERVER = f"""\
import sys
args = sys.argv[1:]
print("chat server loading", flush=True)
sys.path.insert(0, {str(Path(__file__).parent)!r})
sys.argv = ["fault_server", args[args.index("--port") + 1]]
import fault_server
fault_server.main()
"""
PROMPT = parse_prompt("t", "---\nvariables: [x]\n---\n## system\nsay\n## user\n{{x}}\n")


class Reply(BaseModel):
    answer: str = Field(min_length=1)


def test_a_server_that_dies_during_the_run_is_started_again(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cache: CallCache,
) -> None:
    """A server the kernel kills (for memory, say) while a run is under way: the calls
    that find it gone start it again and are sent again, up to ``MAX_RESTARTS`` times;
    then the run stops, naming the exit and the log."""
    server = _fake_server(tmp_path, monkeypatch, _CHAT_SERVER)
    client = ModelClient(
        model="openai/fake",
        api_base=None,
        api_key="no-key",
        cache=cache,
        timeout_s=10,
        retries=1,
        connect=lambda: server.start(timeout_s=30),
        revive=lambda: server.revive(timeout_s=30),
    )

    def ask(x: str) -> Reply:
        return client.structured(
            stage="t", prompt=PROMPT, variables={"x": x}, schema=Reply, max_tokens=20
        )

    try:
        assert ask("first").answer  # starts the server
        for n in range(1, llama_server.MAX_RESTARTS + 1):
            assert server.process is not None
            server.process.kill()
            server.process.wait()
            assert ask(f"after kill {n}").answer  # started again, and sent again
            assert server.restarts == n
            assert f"exited with code -9 during the run; starting it again ({n} of" in (
                capsys.readouterr().err
            )
        # every start appended to one log: each exit stays recorded
        assert server.log_path.read_text().count("chat server loading") == 3
        server.process.kill()
        server.process.wait()
        with pytest.raises(ModelUnreachable, match=r"exited with code -9 during the run, after 2"):
            ask("once more")
    finally:
        server.stop()
