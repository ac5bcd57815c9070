"""The model session of a run or a question: the one client, the servers behind it.

``ModelSession`` builds the ``ModelClient`` the settings ask for (the embedded model,
whose llama.cpp server starts on the first call that misses the cache; a named model;
an ``api_base`` already serving one; or a group of models, ``pipeline.model.servers``),
and the embedding client of the search index beside it. ``close`` stops whatever it
started. Used by ``brief run``, ``brief ask``, the dry run and the benchmarks.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from pipeline.ask.retrieval import IndexParams
from pipeline.model import embedded, llama_server
from pipeline.model.cache import CallCache
from pipeline.model.client import ModelClient
from pipeline.model.embedding_model import EmbeddingService
from pipeline.model.providers import rung_for, server_key
from pipeline.settings import Settings
from pipeline.stages.policy import policy_for

DEFAULT_CONTEXT_WINDOW = 8192


def _embedded_server_options(settings: Settings) -> dict[str, Any]:
    """llama-server's own request options for the embedded model (at the server started
    here, or at an ``api_base`` taken to serve it): its repeat penalty and, under a policy
    that bans them, no line breaks."""
    options: dict[str, Any] = {"repeat_penalty": settings.repeat_penalty}
    if policy_for(settings).line_breaks_banned:
        spec = embedded.embedded_model(settings.embedded_model)
        options["logit_bias"] = [[token, False] for token in embedded.line_break_tokens(spec)]
    return options


class ModelSession:
    """The client for this run plus, when embedded, the llama.cpp server behind it."""

    def __init__(self, settings: Settings, cache: CallCache, log_dir: Path) -> None:
        self.server: llama_server.EmbeddedServer | None = None
        sampling = {"temperature": settings.temperature}
        key = settings.api_key.get_secret_value() if settings.api_key else None
        spec = embedded.embedded_model(settings.embedded_model)
        if settings.embedded and settings.api_base is None:
            self.model = f"openai/{spec.name}"
            self.context_window = settings.context_window or settings.server_ctx_per_slot
            workers = settings.concurrency or settings.server_slots
            self.client = ModelClient(
                model=self.model,
                api_base=None,
                api_key="no-key",
                cache=cache,
                cache_identity=f"embedded:{spec.sha256}",
                sampling=sampling,
                extra_body=_embedded_server_options(settings),
                timeout_s=settings.timeout_s,
                retries=settings.retries,
                concurrency=workers,
                connect=lambda: self._start_server(settings, log_dir),
                revive=lambda: self.server.revive() if self.server else None,
                rung=rung_for(None, settings.schema_mode),
            )
            self.model_sha256: str | None = spec.sha256
        elif settings.model_list:
            self.client, workers = _group_client(settings, cache, sampling)
            self.model = self.client.model
            self.context_window = settings.context_window or DEFAULT_CONTEXT_WINDOW
            self.model_sha256 = None
        else:
            # a model string, or an api_base pointing at a server that is already running
            self.model = settings.model or f"openai/{spec.name}"
            self.context_window = settings.context_window or self._ask_context(settings)
            workers = settings.concurrency or 4
            extra = _embedded_server_options(settings) if settings.model is None else {}
            self.client = ModelClient(
                model=self.model,
                api_base=settings.api_base,
                api_key=server_key(key, settings.api_base),
                cache=cache,
                sampling=sampling,
                extra_body=extra,
                timeout_s=settings.timeout_s,
                retries=settings.retries,
                concurrency=workers,
                rung=rung_for(settings.model, settings.schema_mode),
            )
            self.model_sha256 = None
        self.workers = workers
        self.client.context_window = self.context_window
        # the embedding model of the index and of `brief ask`: the same client class, so
        # the same cache, retries and usage accounting; its server starts on a cache miss
        self.embedding = EmbeddingService(settings, cache, log_dir)
        self.embedder: ModelClient | None = self.embedding.client
        self.index_params = IndexParams(
            embedding_model=settings.embedding_model if self.embedder else None
        )

    def _start_server(self, settings: Settings, log_dir: Path) -> str:
        self.server = embedded_chat_server(settings, log_dir)
        return self.server.start()

    @staticmethod
    def _ask_context(settings: Settings) -> int:
        if settings.api_base:
            props = llama_server.server_props(settings.api_base)
            n_ctx = props.get("default_generation_settings", {}).get("n_ctx")
            if isinstance(n_ctx, int) and n_ctx > 0:
                return n_ctx
        if settings.model:
            with contextlib.suppress(Exception):
                from pipeline.model.llm import litellm

                limit = litellm.get_model_info(settings.model).get("max_input_tokens")
                if limit:
                    return int(limit)
        return DEFAULT_CONTEXT_WINDOW

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.embedding.close()


def embedded_chat_server(settings: Settings, log_dir: Path) -> llama_server.EmbeddedServer:
    """The llama-server of the embedded chat model as ``settings`` set it up, not started
    (its model file assembled and verified first); its log is ``log_dir/llama-server.log``."""
    spec = embedded.embedded_model(settings.embedded_model)
    return llama_server.EmbeddedServer(
        embedded.ensure_model_file(settings.model_dir, spec),
        alias=spec.name,
        slots=settings.server_slots,
        ctx_per_slot=settings.server_ctx_per_slot,
        threads=settings.server_threads,
        repeat_penalty=settings.repeat_penalty,
        log_path=log_dir / "llama-server.log",
    )


def _group_client(
    settings: Settings, cache: CallCache, sampling: dict[str, Any]
) -> tuple[ModelClient, int]:
    """The client over ``settings.model_list`` (pipeline.model.servers): cache identity = group."""
    from pipeline.model.servers import ModelGroup

    name = settings.model or "model-group"
    group = ModelGroup(name, settings.model_list)
    client = ModelClient(
        model=name,
        api_base=None,
        cache=cache,
        cache_identity=f"group:{name}",
        sampling=sampling,
        timeout_s=settings.timeout_s,
        retries=settings.retries,
        concurrency=settings.concurrency or group.concurrency,
        rung=rung_for(settings.model_list[0].model, settings.schema_mode),
        router=group,
    )
    return client, settings.concurrency or group.concurrency
