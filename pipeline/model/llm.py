"""Import litellm (and tiktoken) the offline-safe way, and litellm only when needed.

litellm fetches a price map from the internet at import unless told otherwise, and
tiktoken downloads its BPE files unless ``TIKTOKEN_CACHE_DIR`` points at a local copy:
litellm's bundled one is used, found without importing litellm. Importing litellm takes
5-20 s on a small machine, more than a whole cached rerun, so ``litellm`` here is a
stand-in that imports the real module at its first attribute access: a run that every
cache entry answers never imports it. Import both from here.

litellm is given one HTTP client (``litellm.client_session``), made once and closed at
exit. Its OpenAI-compatible path (the embedded server, OpenAI, the Router's deployments)
caches the SDK client it builds, but looks up, builds and stores it in three steps
(``_get_openai_client``): two first requests at once both build one, the second store
replaces the first, and the first is dropped holding the connections of the requests
that used it, which the garbage collector then finds unclosed. Around one shared HTTP
client, every SDK client litellm builds uses the one connection pool, and a dropped one
holds no connection.
"""

from __future__ import annotations

import atexit
import importlib
import importlib.util
import os
import threading
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("DISABLE_AIOHTTP_TRANSPORT", "True")
os.environ.setdefault("LITELLM_LOG", "ERROR")


def _bundled_tiktoken_dir() -> str | None:
    spec = importlib.util.find_spec("litellm")
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / "litellm_core_utils" / "tokenizers"
        if folder.is_dir():
            return str(folder)
    return None


if "TIKTOKEN_CACHE_DIR" not in os.environ and (_bundled := _bundled_tiktoken_dir()):
    os.environ["TIKTOKEN_CACHE_DIR"] = os.environ.get("CUSTOM_TIKTOKEN_CACHE_DIR", _bundled)

import tiktoken  # noqa: E402

ENCODING = "cl100k_base"
TOKEN_MARGIN = 1.15  # tiktoken counts vs. the served model's own tokenizer


class _LazyLitellm:
    """``litellm``, imported and configured on first use (thread-safe)."""

    _module: ModuleType | None = None
    _lock = threading.Lock()

    def _load(self) -> ModuleType:
        with self._lock:
            if _LazyLitellm._module is None:
                module = importlib.import_module("litellm")
                setattr(module, "suppress_debug_info", True)  # noqa: B010
                setattr(module, "telemetry", False)  # noqa: B010
                if module.client_session is None:  # one the caller set is kept
                    setattr(module, "client_session", _shared_http_client())  # noqa: B010
                _LazyLitellm._module = module
        return _LazyLitellm._module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module or self._load(), name)


def _shared_http_client() -> Any:
    """The HTTP client litellm would build for an SDK client (its SSL settings, its
    defaults), built once; closed at exit, so no pooled connection outlives it."""
    from litellm.llms.openai.common_utils import BaseOpenAILLM

    client = BaseOpenAILLM._get_sync_http_client()
    if client is not None:
        atexit.register(client.close)
    return client


litellm: Any = _LazyLitellm()


@cache
def encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def token_cut(text: str, start: int, end: int, max_tokens: int) -> int:
    """The end of the longest prefix of ``text[start:end]`` within ``max_tokens``, moved
    back to the last space if there is one in its second half."""
    ids = encoding().encode(text[start:end], disallowed_special=())
    cut = start + len(encoding().decode(ids[:max_tokens]))
    space = text.rfind(" ", start, cut)
    return space if space > (start + cut) // 2 else cut


__all__ = ["TOKEN_MARGIN", "count_tokens", "encoding", "litellm", "token_cut"]
