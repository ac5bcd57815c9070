"""The embedded embedding model: conversion to GGUF checked against an fp32 reference
computed here in numpy from the same safetensors weights, and the embedding server's
start, stop and failure paths (like the chat server's). Starts the real llama-server
(a 46 MB model: seconds)."""

from __future__ import annotations

import json
import math
import re
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import ModelSetupError
from pipeline.model import embedding_model

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "China has more than 50,000 kilometers of ultra-high voltage transmission lines.",
    "Why did Silicon Valley change its mind about open-source models?",
    "I think the export controls on H800 GPUs were a mistake, honestly.",
]


class Reference:
    """BERT (all-MiniLM-L6-v2) in float64 numpy: embeddings, 6 layers, mean pooling."""

    def __init__(self, folder: Path) -> None:
        from safetensors.numpy import load_file

        self.w = {
            k: v.astype(np.float64) for k, v in load_file(folder / "model.safetensors").items()
        }
        tokenizer = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
        self.vocab: dict[str, int] = tokenizer["model"]["vocab"]

    def tokenize(self, text: str) -> list[int]:
        """BERT's basic tokenizer and greedy WordPiece (lower-case ASCII text)."""
        ids = [self.vocab["[CLS]"]]
        for word in re.findall(r"\w+|[^\w\s]", text.lower()):
            start = 0
            while start < len(word):
                end = len(word)
                while end > start:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    if piece in self.vocab:
                        ids.append(self.vocab[piece])
                        break
                    end -= 1
                else:
                    ids.append(self.vocab["[UNK]"])
                    break
                start = end
        return [*ids, self.vocab["[SEP]"]]

    def _ln(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + 1e-12) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def embed(self, ids: list[int]) -> np.ndarray:
        n, w = len(ids), self.w
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._ln(x, "embeddings.LayerNorm")
        erf = np.vectorize(math.erf)
        for layer in range(6):
            p = f"encoder.layer.{layer}."
            q, k, v = (
                self._linear(x, p + f"attention.self.{m}").reshape(n, 12, 32).transpose(1, 0, 2)
                for m in ("query", "key", "value")
            )
            att = q @ k.transpose(0, 2, 1) / math.sqrt(32)
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            context = (att @ v).transpose(1, 0, 2).reshape(n, 384)
            x = self._ln(
                x + self._linear(context, p + "attention.output.dense"),
                p + "attention.output.LayerNorm",
            )
            h = self._linear(x, p + "intermediate.dense")
            h = 0.5 * h * (1 + erf(h / math.sqrt(2)))
            x = self._ln(x + self._linear(h, p + "output.dense"), p + "output.LayerNorm")
        mean = x.mean(0)
        return mean / np.linalg.norm(mean)


def _post(api_base: str, path: str, body: dict) -> dict:
    root = api_base.removesuffix("/v1")
    request = urllib.request.Request(
        root + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return embedding_model.ensure_embedding_file(tmp_path_factory.mktemp("models"))


@pytest.mark.embedded
def test_converted_model_matches_the_fp32_reference(model_file: Path, tmp_path: Path) -> None:
    reference = Reference(embedding_model.source_dir())
    server = embedding_model.embedding_server(model_file, None, tmp_path / "server.log")
    with server:
        api_base = server.start()
        for sentence in SENTENCES:
            tokens = _post(api_base, "/tokenize", {"content": sentence, "add_special": True})
            assert tokens["tokens"] == reference.tokenize(sentence), sentence
        reply = _post(api_base, "/v1/embeddings", {"input": SENTENCES, "model": "x"})
    got = np.array([d["embedding"] for d in sorted(reply["data"], key=lambda d: d["index"])])
    got /= np.linalg.norm(got, axis=1, keepdims=True)
    for sentence, vector in zip(SENTENCES, got, strict=True):
        cosine = float(vector @ reference.embed(reference.tokenize(sentence)))
        assert cosine > 0.9999, (sentence, cosine)
    # and different sentences are not all alike (a broken pooling gives ~1.0 everywhere)
    assert float(got[0] @ got[1]) < 0.5


@pytest.mark.embedded
def test_server_starts_stops_and_reports_a_bad_model(model_file: Path, tmp_path: Path) -> None:
    server = embedding_model.embedding_server(model_file, 1, tmp_path / "ok.log")
    api_base = server.start()
    assert server.start() == api_base  # idempotent
    process = server.process
    assert process is not None and process.poll() is None
    server.stop()
    assert process.poll() is not None and server.api_base is None
    server.stop()  # twice is fine

    broken = tmp_path / "broken.gguf"
    broken.write_bytes(model_file.read_bytes()[: 1 << 20])  # cut off: llama-server exits
    bad = embedding_model.embedding_server(broken, 1, tmp_path / "bad.log")
    with pytest.raises(ModelSetupError, match="llama-server exited"):
        bad.start(timeout_s=60)


def test_conversion_is_verified_and_redone_when_the_file_is_damaged(tmp_path: Path) -> None:
    path = embedding_model.ensure_embedding_file(tmp_path)
    assert path.stat().st_size > 40_000_000
    path.write_bytes(b"damaged")
    again = embedding_model.ensure_embedding_file(tmp_path)
    assert again == path and embedding_model._sha256(path) == embedding_model.EMBEDDING_SHA256
    assert not path.with_suffix(".partial").exists()
