"""End to end on the real embedded model: llama.cpp server started by the pipeline, the
model assembled from its PyPI packages, a small transcript, real outputs."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.runner import run_pipeline
from pipeline.settings import Settings

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def model_lock() -> Iterator[None]:
    """On a machine shared by several people, BRIEF_TEST_MODEL_LOCK names a lock file
    (flock) that every command starting a model server holds: one model at a time."""
    name = os.environ.get("BRIEF_TEST_MODEL_LOCK")
    if not name:
        yield
        return
    with open(name, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
        yield


@pytest.mark.embedded
def test_embedded_model_briefs_a_small_transcript(
    tmp_path: Path, model_lock: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BRIEF_EMBEDDED_MODEL")  # the default embedded model, whichever it is
    source = DATA / "mini_001.txt"
    settings = Settings.load(None, chunk_tokens=300)
    manifest = run_pipeline([source], settings, tmp_path / "out")
    assert manifest.failures == [], manifest.failures
    assert manifest.total.calls >= manifest.sources[0].chunks + 2
    text = source.read_text(encoding="utf-8")
    brief = json.loads((tmp_path / "out/sources/mini_001.json").read_text())
    passages = [p for t in brief["themes"] for p in t["citations"]]
    passages += [q["passage"] for q in brief["quotes"]]
    assert passages
    for passage in passages:
        assert text[passage["char_start"] : passage["char_end"]] == passage["text"]

    again = run_pipeline([source], settings, tmp_path / "out")
    assert again.total.calls == 0
    assert again.total.cache_hits == manifest.total.calls
