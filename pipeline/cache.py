"""The on-disk cache of validated model results.

Keys are the sha256 of canonical JSON of everything that can change a reply: cache
version, model, api_base, messages (the prompt file's text is inside them), output schema
and sampling parameters. Values are JSON text, never pickles: diskcache stores ``str``
values as plain text, and anything else found in the store is refused. Only results that
passed validation are ever written (the client guarantees that).
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import diskcache

from pipeline.errors import CacheError

CACHE_VERSION = 1
log = logging.getLogger(__name__)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def cache_key(
    *,
    model: str,
    api_base: str | None,
    messages: list[dict[str, str]],
    schema: dict[str, Any],
    params: dict[str, Any],
) -> str:
    blob = canonical_json(
        {
            "version": CACHE_VERSION,
            "model": model,
            "api_base": api_base,
            "messages": messages,
            "schema": schema,
            "params": params,
        }
    )
    return hashlib.sha256(blob.encode()).hexdigest()


class CallCache:
    """JSON-only result store. ``enabled=False`` reads and writes nothing;
    ``refresh=True`` ignores stored results but stores new ones."""

    def __init__(self, directory: Path, *, enabled: bool = True, refresh: bool = False) -> None:
        self.directory = directory
        self.enabled = enabled
        self.refresh = refresh
        self._store: diskcache.Cache | None = None
        if not enabled:
            return
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            if directory.stat().st_mode & 0o002:
                log.warning(
                    "cache folder %s is world-writable; fix with: chmod 700 %s",
                    directory,
                    directory,
                )
            self._store = diskcache.Cache(str(directory), eviction_policy="none", size_limit=2**40)
        except (OSError, diskcache.Timeout) as exc:
            raise CacheError(
                f"cannot open the call cache at {directory}: {exc}; "
                "set BRIEF_CACHE_DIR to a writable folder or pass --no-cache"
            ) from None

    def get(self, key: str) -> dict[str, Any] | None:
        if self._store is None or self.refresh:
            return None
        raw = self._store.get(key, default=None, read=False)
        if raw is None:
            return None
        if not isinstance(raw, str):
            log.warning("refusing a non-JSON cache entry %s…; deleting it", key[:12])
            self._store.delete(key)
            return None
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            self._store.delete(key)
            return None
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        if self._store is not None:
            self._store.set(key, canonical_json(value))

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def __len__(self) -> int:
        return len(self._store) if self._store is not None else 0
