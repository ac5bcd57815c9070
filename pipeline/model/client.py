"""The one seam through which every model call goes.

``ModelClient.structured`` renders a prompt file, asks the model (through litellm) for
JSON constrained by a pydantic schema, validates the reply (with a validation context, so
for instance sentence ids can be checked against the chunk), re-asks once with the
validation error (what a reply must be, and how it is read: ``pipeline.model.reply``),
retries transient faults in exactly one place (the policy is in ``pipeline.model.retry``;
litellm's and the OpenAI SDK's own retries are turned off), refuses before sending a
prompt that cannot fit the context window, caches only validated results, and counts
usage per stage.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import openai
from pydantic import BaseModel, ValidationError

from pipeline.errors import (
    ContextTooLong,
    ModelAuthError,
    ModelError,
    ModelSetupError,
    ModelUnreachable,
    OutputInvalid,
)
from pipeline.model.cache import CallCache, cache_key
from pipeline.model.failures import api_error, auth_error, first_line, unreachable
from pipeline.model.llm import TOKEN_MARGIN, count_tokens, litellm
from pipeline.model.prompts import Prompt
from pipeline.model.providers import (
    DEFAULT_RUNG,
    Rung,
    missing_key,
    response_format,
    with_schema_in_prompt,
)
from pipeline.model.reply import (
    CUT_OFF,
    FIRST_REPLY,
    Narrowing,
    from_cache,
    reask_text,
    reply_schema,
    short_error,
    validated,
)
from pipeline.model.retry import backoff, connection_failed, transient, within_deadline
from pipeline.model.stopping import pause
from pipeline.model.usage import StageUsage, Usage

T = TypeVar("T", bound=BaseModel)


class ModelClient:
    def __init__(
        self,
        *,
        model: str,
        api_base: str | None,
        cache: CallCache,
        api_key: str | None = None,
        cache_identity: str | None = None,
        sampling: dict[str, Any] | None = None,
        extra_body: dict[str, Any] | None = None,
        timeout_s: float = 300.0,
        retries: int = 2,
        concurrency: int = 2,
        connect: Callable[[], str] | None = None,
        revive: Callable[[], str | None] | None = None,
        context_window: int | None = None,
        rung: Rung = DEFAULT_RUNG,
        router: Any | None = None,
    ) -> None:
        self.model = model
        self.api_base = api_base
        self.cache = cache
        self._api_key = api_key
        # what identifies the server in cache keys: the embedded server's port changes
        # every run, so it passes a stable identity (the model file's hash) instead
        self.cache_identity = cache_identity or api_base
        self.sampling = dict(sampling or {})
        self.extra_body = dict(extra_body or {})
        self.timeout_s = timeout_s
        self.retries = retries
        # pre-flight: a request whose prompt and output budget cannot fit is never sent
        self.context_window = context_window
        self._gate = threading.BoundedSemaphore(max(1, concurrency))
        # started on the first real request, so a fully cached run never starts a server
        self._connect = connect
        self._connect_lock = threading.Lock()
        # a server of ours that a request found gone: started again, its new api_base
        # (pipeline.model.llama_server.EmbeddedServer.revive)
        self._revive = revive
        self._key_checked = False
        self.usage = Usage()
        # how the reply schema is sent (pipeline.model.providers): "full" for llama.cpp-like
        # servers (the request as it always was), a lower rung for hosted providers
        self.rung: Rung = rung
        # several deployments of one model (pipeline.model.servers.ModelGroup): it picks the
        # server of each request; the cache identity is the model group
        self.router = router

    # ------------------------------------------------------------------ public

    def structured(
        self,
        *,
        stage: str,
        prompt: Prompt,
        variables: dict[str, str],
        schema: type[T],
        max_tokens: int,
        context: dict[str, Any] | None = None,
        narrow: Narrowing | None = None,
    ) -> T:
        """Ask for a ``schema`` instance. ``narrow`` maps array field names to the item
        schema the server should enforce for this call (e.g. the ids that exist), so a
        grammar-constrained server cannot even emit an unknown id; validation still checks.
        A list of keys makes a dict field an object of exactly those keys, in order
        (``pipeline.model.reply.narrow_items``)."""
        messages, json_schema, key = self._plan(prompt, variables, schema, max_tokens, narrow)
        self.check_fits(messages, max_tokens)
        cached = self.cache.get(key)
        if cached is not None:
            stored = from_cache(cached, schema, context)
            if stored is not None:
                self.usage.count(stage, cache_hits=1)
                return stored

        reply = self._ask(stage, messages, json_schema, schema.__name__, max_tokens)
        first_reply = reply
        try:
            data, result = validated(reply, schema, context)
        except (ValueError, ValidationError) as first_error:
            self.usage.count(stage, reasks=1)
            retry_messages = [
                *messages,
                {"role": "assistant", "content": reply[:4000]},
                {"role": "user", "content": reask_text(first_error)},
            ]
            # a reply cut off at the limit is never repaired: ask again with twice the room
            room = max_tokens * 2 if reply.startswith(CUT_OFF) else max_tokens
            reply = self._ask(stage, retry_messages, json_schema, schema.__name__, room)
            try:
                data, result = validated(reply, schema, context)
            except (ValueError, ValidationError) as second_error:
                self.usage.count(stage, failures=1)
                raise OutputInvalid(
                    f"{stage}: reply did not validate after one re-ask: {short_error(second_error)}"
                ) from None
            data = {**data, FIRST_REPLY: first_reply}
        self.cache.set(key, data)
        return result

    def check_fits(self, messages: list[dict[str, str]], max_tokens: int) -> None:
        """Raise ``ContextTooLong`` before sending a request that cannot fit the window."""
        if not self.context_window:
            return
        # the same estimate the reduce stage plans its groups with
        needed = int(sum(count_tokens(m["content"]) + 8 for m in messages) * TOKEN_MARGIN)
        if needed + max_tokens > self.context_window:
            raise ContextTooLong(
                f"the prompt needs about {needed} tokens plus {max_tokens} for the reply; "
                f"the context window is {self.context_window}"
            )

    def total(self) -> StageUsage:
        return self.usage.total()

    def request(
        self,
        *,
        prompt: Prompt,
        variables: dict[str, str],
        schema: type[BaseModel],
        max_tokens: int,
        narrow: Narrowing | None = None,
    ) -> tuple[list[dict[str, str]], str]:
        """The messages and cache key that ``structured`` would use, without calling.
        For the dry-run planner; a test checks that both agree."""
        messages, _, key = self._plan(prompt, variables, schema, max_tokens, narrow)
        return messages, key

    def is_cached(self, key: str) -> bool:
        return self.cache.get(key) is not None

    def embed(self, stage: str, texts: Sequence[str], batch: int = 32) -> list[list[float]]:
        """One embedding vector per text, each cached on its own; the texts not in the
        cache are sent in batches of ``batch``. A reply with the wrong number of vectors,
        or vectors of different sizes, is an error and nothing of it is cached."""
        keys = [
            cache_key(
                model=self.model,
                api_base=self.cache_identity,
                messages=[{"role": "embed", "content": text}],
                schema={},
                params={},
            )
            for text in texts
        ]
        vectors: dict[int, list[float]] = {}
        for i, key in enumerate(keys):
            cached = self.cache.get(key)
            if cached is not None and isinstance(cached.get("vector"), list):
                vectors[i] = cached["vector"]
                self.usage.count(stage, cache_hits=1)
        missing = [i for i in range(len(texts)) if i not in vectors]
        if missing:
            self._connect_once()
        for start in range(0, len(missing), batch):
            part = missing[start : start + batch]
            kwargs = {
                "model": self.model,
                "input": [texts[i] for i in part],
                "api_base": self.api_base,
                "api_key": self._api_key,
                "timeout": self.timeout_s,
                "max_retries": 0,
            }
            response = self._send(stage, litellm.embedding, kwargs)
            items = sorted(response.data, key=lambda item: item["index"])
            got = [[float(x) for x in item["embedding"]] for item in items]
            if len(got) != len(part) or len({len(v) for v in got}) != 1:
                raise ModelError(
                    f"{stage}: asked for {len(part)} embeddings, got {len(got)} "
                    f"of sizes {sorted({len(v) for v in got})}"
                )
            for i, vector in zip(part, got, strict=True):
                vectors[i] = vector
                self.cache.set(keys[i], {"vector": vector})
        return [vectors[i] for i in range(len(texts))]

    # ------------------------------------------------------------------ internals

    def _plan(
        self,
        prompt: Prompt,
        variables: dict[str, str],
        schema: type[BaseModel],
        max_tokens: int,
        narrow: Narrowing | None,
    ) -> tuple[list[dict[str, str]], dict[str, Any], str]:
        """The messages, output schema and cache key of one structured call."""
        messages = prompt.render(**variables)
        json_schema = reply_schema(schema, narrow)
        params: dict[str, Any] = {**self.sampling, **self.extra_body, "max_tokens": max_tokens}
        if self.rung != DEFAULT_RUNG:
            # keyed on the reply model's own schema plus the rung; the default rung's
            # key is unchanged, so caches made before rungs existed stay warm
            params["schema_mode"] = self.rung
        key = cache_key(
            model=self.model,
            api_base=self.cache_identity,
            messages=messages,
            schema=json_schema,
            params=params,
        )
        if self.rung == "json_object":
            messages = with_schema_in_prompt(messages, json_schema)
        return messages, json_schema, key

    def _ask(
        self,
        stage: str,
        messages: list[dict[str, str]],
        json_schema: dict[str, Any],
        name: str,
        max_tokens: int,
    ) -> str:
        """One logical request, retried on transient errors; returns the reply text.

        A reply cut off at the token limit is returned marked, never repaired."""
        self._connect_once()
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "api_base": self.api_base,
            "api_key": self._api_key,
            "max_tokens": max_tokens,
            "timeout": self.timeout_s,
            "num_retries": 0,
            "max_retries": 0,
            "response_format": response_format(self.rung, name, json_schema, self.model),
            **self.sampling,
        }
        if self.extra_body:
            kwargs["extra_body"] = self.extra_body
        call = litellm.completion
        if self.router is not None:
            del kwargs["api_base"], kwargs["api_key"]  # each deployment has its own
            call = self.router.completion
        response = self._send(stage, call, kwargs)
        choice = response.choices[0]
        text = choice.message.content or ""
        if choice.finish_reason == "length":
            return CUT_OFF + text
        return text

    def _connect_once(self) -> None:
        """Before the first request: start the server (embedded), or check that a hosted
        provider's key is set (``missing_key``), so that the run stops at once naming the
        variable instead of failing every request."""
        if self._connect is not None:
            with self._connect_lock:
                if self._connect is not None:
                    self.api_base = self._connect()
                    self._connect = None
        elif not self._key_checked:
            self._key_checked = True
            missing = self.missing_credentials()
            if missing:
                raise ModelAuthError(missing)

    def missing_credentials(self) -> str | None:
        """What a hosted provider's first request would stop on (``missing_key``: its key's
        variable not set), or None; asked only of a hosted model: no server of ours to
        start, no ``api_base``, no configured key, no model group."""
        if self._connect or self.api_base or self._api_key or self.router is not None:
            return None
        return missing_key(self.model)

    def _send(self, stage: str, call: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
        """``call(**kwargs)`` (a litellm function) within the deadline, retried on
        transient errors with backoff: the one place where requests are retried."""
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                response = within_deadline(call, kwargs, self.timeout_s, slot=self._gate)
            except (litellm.AuthenticationError, litellm.PermissionDeniedError):
                raise auth_error(self._where()) from None
            except litellm.ContextWindowExceededError:
                raise ContextTooLong(f"{stage}: the server says the prompt is too long") from None
            except transient() as exc:
                self.usage.count(stage, seconds_in_calls=time.monotonic() - started)
                if connection_failed(exc) and self._server_back(kwargs):
                    self.usage.count(stage, retries=1)
                    continue  # not an attempt: our server had died and runs again
                if attempt == self.retries:
                    if connection_failed(exc):
                        raise ModelUnreachable(
                            unreachable(self.model, self.api_base, self.router is not None)
                        ) from None
                    raise ModelError(f"{stage}: {type(exc).__name__}: {first_line(exc)}") from None
                self.usage.count(stage, retries=1)
                pause(backoff(exc, attempt))
                attempt += 1
                continue
            except (litellm.APIError, openai.APIError) as exc:
                raise api_error(stage, exc, self.model, self.rung, self._where()) from None
            self.usage.record(stage, response, time.monotonic() - started)
            return response

    def _server_back(self, kwargs: dict[str, Any]) -> bool:
        """After a request found nothing listening at ``kwargs``' api_base: whether our
        own server had died and runs again (``revive``), its new address now in
        ``kwargs``, so the request is sent again at once. A server that cannot be
        started again stops the run, saying why."""
        if self._revive is None or "api_base" not in kwargs:
            return False
        try:
            api_base = self._revive()
        except ModelSetupError as exc:
            raise ModelUnreachable(str(exc)) from None
        if api_base is None or api_base == kwargs["api_base"]:
            return False
        self.api_base = kwargs["api_base"] = api_base
        return True

    def _where(self) -> str:
        return self.api_base or self.model
