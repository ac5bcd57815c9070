"""Embedding fusion for `brief ask`: vectors of short pieces through the one client
(cached, batched, checked), stored with the index, pooled into window scores and fused
with BM25 by weighted reciprocal rank.

Most tests replace ``litellm.embedding`` with a deterministic stand-in (a hashed bag of
words with a few synonyms folded together) to check the orchestration; the last one runs
the real embedded MiniLM on a paraphrase that BM25 alone misses."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SEEDS, ScriptedSession, processed

from pipeline.ask.answer import retrieve
from pipeline.ask.corpus import INDEX_DIR, open_corpus
from pipeline.ask.retrieval import IndexParams, SearchIndex, make_pieces, unit, window_pieces
from pipeline.ask.retrieval.index import _best_first
from pipeline.ask.retrieval.spans import spans_by_source
from pipeline.cli import main
from pipeline.errors import ModelError
from pipeline.model.cache import CallCache
from pipeline.model.client import ModelClient
from pipeline.model.embedding_model import EmbeddingService
from pipeline.model.llm import count_tokens
from pipeline.models import Chunk
from pipeline.settings import Settings

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
    monkeypatch.setattr("pipeline.model.client.litellm.embedding", embedding)
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

    monkeypatch.setattr("pipeline.model.client.litellm.embedding", short)
    with pytest.raises(ModelError, match="asked for 2 embeddings, got 1"):
        client.embed("embed", ["unseen one", "unseen two"])
    monkeypatch.setattr("pipeline.model.client.litellm.embedding", fake)
    client.embed("embed", ["unseen one", "unseen two"])
    assert fake.requests[-1] == ["unseen one", "unseen two"]  # nothing of the bad reply kept


def test_a_text_longer_than_the_model_reads_is_embedded_by_its_head(
    fake: FakeEmbedding, tmp_path: Path
) -> None:
    from pipeline.ask.retrieval.index import EMBED_MAX_TOKENS, embed_texts

    # a 0.5B once wrote a 559-token theme sentence; the server refused it (context 512)
    # and the cross-source brief failed
    long = " ".join(f"word{n}" for n in range(400))
    short = "DeepSeek released R1."
    vectors = embed_texts(embedder(tmp_path), [short, long])
    sent_short, sent_long = fake.requests[-1]
    assert sent_short == short and vectors.shape == (2, DIMENSIONS)
    assert long.startswith(sent_long) and long[len(sent_long)] == " "  # cut on a word bound
    assert count_tokens(sent_long) <= EMBED_MAX_TOKENS < count_tokens(long)


def test_vectors_are_stored_with_the_index_and_fused_by_rank(
    fake: FakeEmbedding, tmp_path: Path
) -> None:
    out = processed(tmp_path / "out", [SEEDS])
    client = embedder(tmp_path)
    params = IndexParams(embedding_model="openai/fake-embed")
    corpus, rebuilt = open_corpus(out, params, client)
    assert rebuilt and corpus.index.vectors is not None
    assert corpus.index.vectors.shape == (len(corpus.index.pieces), DIMENSIONS)
    assert len(corpus.index.pieces) > len(corpus.index.windows) / 4  # short pieces
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
    monkeypatch.setattr("pipeline.session.ModelSession", lambda *a, **k: session)
    scripted.enqueue({"answerable": False, "statements": []})
    result = CliRunner().invoke(
        main, ["ask", "Which zzqx does Afra Wang write?", "--out", str(out)]
    )
    assert result.exit_code == 3, result.output
    assert "built the search index" in result.stderr
    pieces = len(SearchIndex.load(out / INDEX_DIR).pieces)
    # every piece once at indexing, then the question
    assert sum(len(r) for r in fake.requests) == pieces + 1


def test_pieces_are_short_ordered_and_cover_every_sentence(tmp_path: Path) -> None:
    out = processed(tmp_path / "out", [SEEDS])
    params = IndexParams(embedding_model="x", piece_tokens=64)
    corpus, _ = open_corpus(out, IndexParams())
    chunks = [Chunk.model_validate_json(line) for line in (out / "chunks.jsonl").open()]
    pieces = make_pieces(chunks, corpus.texts, params)
    for a, b in zip(pieces, pieces[1:], strict=False):
        assert a.source_id != b.source_id or a.char_end <= b.char_start  # no overlap
    for piece in pieces:
        assert count_tokens(corpus.texts[piece.source_id][piece.char_start : piece.char_end]) <= 64
    covered = {(p.source_id, n) for p in pieces for n in range(p.char_start, p.char_end)}
    for chunk in chunks:
        for sentence in chunk.sentences:
            assert (chunk.source_id, sentence.char_start) in covered


@pytest.mark.parametrize("pooled", [1, 2, 3])
def test_window_scores_pool_their_best_pieces(
    fake: FakeEmbedding, tmp_path: Path, pooled: int
) -> None:
    """dense_scores (vectorised) against a per-window loop: the mean cosine of each
    window's ``pooled`` best pieces, fewer when it overlaps fewer, -1 with none."""
    out = processed(tmp_path / "out", [SEEDS])
    params = IndexParams(embedding_model="openai/fake-embed", pooled_pieces=pooled)
    index = open_corpus(out, params, embedder(tmp_path))[0].index
    assert index.vectors is not None
    question = "Which newsletter does Afra Wang write, and what does concurrent mean?"
    sims = np.asarray(index.vectors) @ unit(np.asarray(fake_vector(question), dtype=np.float32))
    sims[:4] = sims[4]  # ties: the largest value twice in some windows
    by_window: dict[int, list[float]] = {}
    for window, piece in window_pieces(index.windows, spans_by_source(index.pieces)):
        by_window.setdefault(int(window), []).append(float(sims[piece]))
    expected = [
        float(np.mean(sorted(by_window[w], reverse=True)[:pooled])) if w in by_window else -1.0
        for w in range(len(index.windows))
    ]
    index.vectors = np.asarray(index.vectors).copy()
    index.vectors[:4] = index.vectors[4]  # the same ties in the index's own vectors
    got = index.dense_scores(fake_vector(question))
    assert got is not None
    assert np.allclose(got, expected, atol=1e-5)
    assert sum(len(v) > pooled for v in by_window.values()) > 10  # pooling had a choice


@pytest.mark.embedded
def test_real_model_fusion_finds_a_paraphrase_that_bm25_misses(tmp_path: Path) -> None:
    """Three short transcripts; the question shares no content word with the passage
    that answers it. BM25 ranks another source first, fusion with MiniLM the right one."""
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "Host: Welcome back. Today we talk about gardening.\n"
        "Guest: My tomatoes died last summer because the soil was too dry.\n"
        "Host: What do you grow now?\nGuest: Mostly herbs and some beans.\n"
    )
    (folder / "b.txt").write_text(
        "Host: Our guest ran a bakery for ten years.\n"
        "Guest: We closed the shop when the rent tripled and customers stopped coming.\n"
        "Host: Was it hard to close the business you loved?\n"
        "Guest: It was, but the landlord left us no choice.\n"
    )
    (folder / "c.txt").write_text(
        "Host: Let us talk about why the business of rent is hard.\n"
        "Guest: Business rent business rent, the word business is everywhere in rent talks.\n"
    )
    out = processed(tmp_path / "out", [folder])
    cache = CallCache(tmp_path / "cache")
    settings = Settings.load(None, embedding_model="embedded", model_dir=tmp_path / "models")
    service = EmbeddingService(settings, cache, tmp_path)
    try:
        # no word of the question is in any transcript: BM25 has nothing to go on
        question = "Why did the pastry makers cease operating?"
        plain, _ = open_corpus(out, IndexParams())
        answer = "rent tripled"
        bm25_top = plain.index.search(question, k=1)
        assert not bm25_top or answer not in bm25_top[0].passage.text
        # a window scored by its best piece, and by the mean of its two best (the default)
        for pooled in (1, 2):
            params = IndexParams(embedding_model="embedded", pooled_pieces=pooled)
            fused, _ = open_corpus(out, params, service.client)
            hits, _ = retrieve(question, fused.index, k=1, embedder=service.client)
            assert answer in hits[0].passage.text
        assert service.server is not None  # started on the first cache miss
    finally:
        service.close()
        cache.close()
    assert service.server.process is None  # stopped


def test_search_sorts_only_the_head_and_selects_as_a_full_sort_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(3)
    for scores in (rng.random(5000), np.round(rng.random(5000), 2), np.zeros(5000)):
        head = _best_first(scores, 200)
        assert len(head) >= 200
        assert (head == np.argsort(-scores, kind="stable")[: len(head)]).all()  # ties too
    index = open_corpus(processed(tmp_path / "out", [SEEDS]), IndexParams())[0].index
    questions = ["Which newsletter does Afra Wang write?", "export controls on chips", "rent"]
    found = [index.search(q, k=10) for q in questions]
    monkeypatch.setattr("pipeline.ask.retrieval.index.SELECT_HEAD", 1)  # the head is never enough
    assert [index.search(q, k=10) for q in questions] == found
    assert all(len(hits) == 10 for hits in found[:2])
