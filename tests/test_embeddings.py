"""Optional embedding fusion for `brief ask`: vectors through the one client (cached,
batched, checked), stored with the index, fused with BM25 by reciprocal rank.

``litellm.embedding`` is replaced by a deterministic stand-in (a hashed bag of words
with a few synonyms folded together), so these tests check the orchestration; no
embedding model is available offline here (see README)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SEEDS, ScriptedSession, processed

from pipeline.answer import retrieve
from pipeline.cache import CallCache
from pipeline.cli import main
from pipeline.client import ModelClient
from pipeline.corpus import INDEX_DIR, open_corpus
from pipeline.errors import ModelError
from pipeline.retrieval import IndexParams, SearchIndex

# made-up words the stand-in model "understands" as words of the seeds
SYNONYMS = {"zzqx": "newsletter", "qqvw": "concurrent"}
DIMENSIONS = 64


def fake_vector(text: str) -> list[float]:
    vector = [0.0] * DIMENSIONS
    for word in text.lower().replace('"', " ").split():
        word = SYNONYMS.get(word.strip(".,?!"), word.strip(".,?!"))
        slot = int(hashlib.sha256(word.encode()).hexdigest(), 16) % DIMENSIONS
        vector[slot] += 1.0
    return vector


class FakeEmbedding:
    def __init__(self) -> None:
        self.requests: list[list[str]] = []

    def __call__(self, *, model: str, input: list[str], **kwargs: Any) -> Any:
        self.requests.append(list(input))
        data = [{"index": i, "embedding": fake_vector(t)} for i, t in enumerate(input)]
        return SimpleNamespace(data=data, usage=SimpleNamespace(prompt_tokens=len(input)))


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeEmbedding:
    embedding = FakeEmbedding()
    monkeypatch.setattr("pipeline.client.litellm.embedding", embedding)
    return embedding


def embedder(tmp_path: Path) -> ModelClient:
    return ModelClient(
        model="openai/fake-embed", api_base="http://embed", cache=CallCache(tmp_path / "cache")
    )


def test_embed_batches_caches_and_checks_the_reply(
    fake: FakeEmbedding, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = embedder(tmp_path)
    texts = [f"text number {n}" for n in range(70)]
    vectors = client.embed("embed", texts, batch=32)
    assert vectors[5] == fake_vector(texts[5])
    assert [len(r) for r in fake.requests] == [32, 32, 6]
    assert client.embed("embed", [*texts[:10], "a new one"])[-1] == fake_vector("a new one")
    assert fake.requests[-1] == ["a new one"]  # the other ten came from the cache
    assert client.usage["embed"].cache_hits == 10

    def short(**kwargs: Any) -> Any:  # one vector missing from the reply
        return SimpleNamespace(data=[{"index": 0, "embedding": [1.0]}], usage=None)

    monkeypatch.setattr("pipeline.client.litellm.embedding", short)
    with pytest.raises(ModelError, match="asked for 2 embeddings, got 1"):
        client.embed("embed", ["unseen one", "unseen two"])
    monkeypatch.setattr("pipeline.client.litellm.embedding", fake)
    client.embed("embed", ["unseen one", "unseen two"])
    assert fake.requests[-1] == ["unseen one", "unseen two"]  # nothing of the bad reply kept


def test_vectors_are_stored_with_the_index_and_fused_by_rank(
    fake: FakeEmbedding, tmp_path: Path
) -> None:
    out = processed(tmp_path / "out", [SEEDS])
    client = embedder(tmp_path)
    params = IndexParams(embedding_model="openai/fake-embed")
    corpus, rebuilt = open_corpus(out, params, client)
    assert rebuilt and corpus.index.vectors is not None
    assert corpus.index.vectors.shape == (len(corpus.index.windows), DIMENSIONS)
    assert np.allclose(np.linalg.norm(corpus.index.vectors, axis=1), 1.0, atol=1e-5)
    assert (out / INDEX_DIR / "vectors.npy").is_file()
    assert SearchIndex.load(out / INDEX_DIR).vectors is not None

    # BM25 alone finds nothing for words absent from the corpus; the fused ranking puts
    # the windows the embedding ranks first on top
    question = "zzqx qqvw"
    assert corpus.index.search(question, k=3) == []
    hits, _ = retrieve(question, corpus.index, k=3, embedder=client)
    dense = corpus.index.dense_scores(fake_vector(question))
    assert dense is not None
    assert hits[0].passage == corpus.index.windows[int(np.argmax(dense))].passage

    # the same folder without an embedding model: the index is rebuilt without vectors
    plain, rebuilt = open_corpus(out, IndexParams())
    assert rebuilt and plain.index.vectors is None


def test_ask_uses_the_configured_embedding_model(
    fake: FakeEmbedding, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scripted
) -> None:
    out = processed(tmp_path / "out", [SEEDS])
    session = ScriptedSession(scripted)
    session.index_params = IndexParams(embedding_model="openai/fake-embed")
    session.embedder = embedder(tmp_path)  # type: ignore[assignment]
    monkeypatch.setattr("pipeline.runner.ModelSession", lambda *a, **k: session)
    scripted.enqueue({"answerable": False, "statements": []})
    result = CliRunner().invoke(
        main, ["ask", "Which zzqx does Afra Wang write?", "--out", str(out)]
    )
    assert result.exit_code == 3, result.output
    assert "built the search index" in result.stderr
    windows = len(SearchIndex.load(out / INDEX_DIR).windows)
    # every window once at indexing, then the question
    assert sum(len(r) for r in fake.requests) == windows + 1
