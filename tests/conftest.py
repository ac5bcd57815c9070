"""Shared fixtures: an isolated cache and output folder for every test, and a scripted
model client for orchestration tests (the product path uses the real client); and the
small transcript, points and canned replies the stage tests share."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.ask.retrieval import IndexParams
from pipeline.model.cache import CallCache
from pipeline.model.client import ModelClient
from pipeline.models import KeyPoint, Passage, Segment, Transcript

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
CASSETTE_MODEL = "qwen2.5-coder-0.5b"


@pytest.fixture(autouse=True)
def isolated_places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Cache and outputs live in tmp_path, so a warm cache can never make a test pass."""
    monkeypatch.setenv("BRIEF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    for name in ("BRIEF_MODEL", "BRIEF_API_BASE", "BRIEF_API_KEY", "BRIEF_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    # BM25 alone unless a test is about embeddings (it then sets the model itself): the
    # default embedded embedding model would start a llama-server in every run test
    monkeypatch.setenv("BRIEF_EMBEDDING_MODEL", "none")
    # the cassettes were recorded from this embedded model (its name is in every request
    # body); the end-to-end test removes this to run the default model
    monkeypatch.setenv("BRIEF_EMBEDDED_MODEL", CASSETTE_MODEL)
    return tmp_path


class ScriptedClient(ModelClient):
    """A ModelClient whose server is a queue of canned replies. Everything above the
    HTTP request (rendering, validation, re-ask, cache, usage) is the real code."""

    def __init__(self, cache: CallCache, **kwargs: Any) -> None:
        super().__init__(model="scripted/model", api_base="http://scripted", cache=cache, **kwargs)
        self.replies: list[Any] = []
        self.history: list[list[dict[str, str]]] = []
        self.max_tokens_asked: list[int] = []
        self.schemas_asked: list[dict[str, Any]] = []  # each request's reply schema
        self.responder: Any = None

    def enqueue(self, *replies: Any) -> None:
        self.replies.extend(replies)

    def _ask(self, stage, messages, json_schema, name, max_tokens):  # type: ignore[override]
        self.history.append(messages)
        self.max_tokens_asked.append(max_tokens)
        self.schemas_asked.append(json_schema)
        self.usage.count(stage, calls=1)
        if self.replies:
            reply = self.replies.pop(0)
        elif self.responder is not None:
            reply = self.responder(stage, messages)
        else:
            raise AssertionError(f"unexpected model call in stage {stage}")
        return reply if isinstance(reply, str) else json.dumps(reply)


class ScriptedSession:
    """Stands in for session.ModelSession."""

    def __init__(self, client: ScriptedClient, context_window: int = 8192) -> None:
        self.client = client
        self.model = client.model
        self.model_sha256 = None
        self.context_window = context_window
        self.workers = 2
        self.index_params = IndexParams()
        self.embedder = None

    def close(self) -> None:
        pass


def processed(out: Path, paths: list[Path]) -> Path:
    """An output folder as `brief run` leaves it, minus the model's work (for `ask`)."""
    from pipeline.inputs.chunking import chunk_transcript
    from pipeline.inputs.ingest import ingest_paths
    from pipeline.outputs.writer import OutputWriter

    transcripts, _ = ingest_paths(paths, max_bytes=20_000_000)
    writer = OutputWriter(out)
    writer.write_chunks(
        [c for t in transcripts for c in chunk_transcript(t, chunk_tokens=900, overlap_tokens=60)]
    )
    sources = [{"source_id": t.source_id, "path": t.path} for t in transcripts]
    writer.write_json("manifest.json", {"sources": sources})
    return out


@pytest.fixture
def cache(tmp_path: Path) -> CallCache:
    store = CallCache(tmp_path / "cache")
    yield store
    store.close()


@pytest.fixture
def scripted(cache: CallCache) -> ScriptedClient:
    return ScriptedClient(cache)


# ------------------------------------------------------------------ stage helpers

TEXT = (
    "**A** (0:00):\n"
    "China has many AI labs. DeepSeek released R1 in January. It cost little to train.\n"
    "**B** (1:05):\n"
    "Export controls limit chips. Huawei builds Ascend chips. Open source spreads fast.\n"
)


def transcript() -> tuple[Transcript, str]:
    segments = []
    for line_no, line in enumerate(TEXT.splitlines(), start=1):
        if line.startswith("**"):
            speaker, stamp = re.match(r"\*\*(\w)\*\* \((.*)\):", line).groups()
            continue
        start = TEXT.index(line)
        segments.append(
            Segment(
                text=line,
                char_start=start,
                char_end=start + len(line),
                line_start=line_no,
                line_end=line_no,
                speaker=speaker,
                timestamp=stamp,
            )
        )
    return Transcript(
        source_id="007",
        path="/x/007.txt",
        format="test",
        sha256="0",
        metadata={"title": "A talk"},
        segments=segments,
    ), TEXT


def map_reply(points: list[tuple[str, int]], people: list[str] | None = None) -> dict:
    return {
        "people": people or [],
        "organisations": ["DeepSeek"],
        "points": {str(n): p for p, n in points},
    }


def line_passage(source_id: str, line: int, text: str) -> Passage:
    """A passage of ``text`` alone on line ``line`` of its source, at character 100 x line."""
    return Passage(
        source_id=source_id,
        char_start=100 * line,
        char_end=100 * line + len(text),
        line_start=line,
        line_end=line,
        text=text,
    )


def point(n: int, text: str | None = None) -> KeyPoint:
    passage = Passage(
        source_id="007", char_start=n, char_end=n + 1, line_start=n + 1, line_end=n + 1, text="x"
    )
    return KeyPoint(
        id=f"007:{n:04d}/p1",
        text=text or f"point number {n} about subject{n} " * 2,
        importance=3,
        evidence=[passage],
    )


def generic_responder(stage, messages):
    content = messages[1]["content"]
    if '"kinds"' in messages[0]["content"]:  # the names' sort: no vote, the lists stand
        return {"kinds": {}}
    if stage == "map":
        # a point in the words of the chunk's first sentence (a point the chunk does not
        # say is dropped)
        first, said = re.search(r"^(\d+): (?:\(.*?\) )?(.*)$", content, re.MULTILINE).groups()
        return map_reply([(" ".join(said.split()[:8]), int(first))])
    if "overview" in messages[0]["content"]:
        titled = {"title": "A talk about AI labs"} if stage == "reduce" else {}
        return {**titled, "overview": ["An overview of the talk."]}
    if stage == "reduce":
        return {"title": "Theme", "summary": ["A summary of these notes."]}
    return {
        "title": "Across",
        "summary": ["Everything together."],
        "relation": "agree",
        "point": "They agree on this point.",
    }


# ------------------------------------------------------------------ cassettes

REPLAY_API_BASE = "http://127.0.0.1:8080/v1"


@pytest.fixture(scope="module")
def vcr_config() -> dict:
    return {
        "filter_headers": ["authorization", "api-key", "x-api-key", "openai-organization"],
        "filter_query_parameters": ["key", "api_key", "api-key"],
        # the recording server ran on a random port: match on what we sent, not where
        "match_on": ["method", "path", "body"],
        "decode_compressed_response": True,
        # the recording server's start-up polling is not model traffic
        "before_record_request": lambda request: None if request.path == "/health" else request,
    }


@contextlib.contextmanager
def recording_api_base(
    record_mode: str, log_dir: Path, *, slots: int, ctx_per_slot: int
) -> Iterator[str]:
    """Replaying: the address the cassettes were matched against (no server). Recording:
    a real embedded llama-server for the duration."""
    if record_mode == "none":
        yield REPLAY_API_BASE
        return
    from pipeline.model import embedded, llama_server
    from pipeline.settings import Settings

    settings = Settings.load(None)
    spec = embedded.embedded_model(settings.embedded_model)
    server = llama_server.EmbeddedServer(
        embedded.ensure_model_file(settings.model_dir, spec),
        alias=spec.name,
        slots=slots,
        ctx_per_slot=ctx_per_slot,
        threads=None,
        repeat_penalty=settings.repeat_penalty,
        log_path=log_dir / "server.log",
    )
    try:
        yield server.start()
    finally:
        server.stop()
