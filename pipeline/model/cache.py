"""The on-disk cache of validated model results.

Keys are the sha256 of canonical JSON of everything that can change a reply: cache
version, model, api_base, messages (the prompt file's text is inside them), output schema
and sampling parameters. Values are JSON text, never pickles: diskcache pickles by
default, and unpickling an entry that someone planted in a writable cache folder runs
their code (CVE-2025-69872, no fixed release). ``JsonOnlyDisk`` stores only ``str`` and
refuses to read any pickled entry, before ``pickle.load`` is reached. The folder is
created 0700 (a folder others can write to is reported); a database that SQLite cannot
read is moved aside and a fresh one started. No eviction: this is a result store. Only
results that passed validation are ever written (the client guarantees that); one the
model gave only when asked again carries its first reply beside it
(``pipeline.model.reply.from_cache``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

import diskcache
from diskcache.core import MODE_PICKLE

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


class PickleRefused(Exception):
    """A pickled entry was found in the store; it is never loaded."""


class JsonOnlyDisk(diskcache.Disk):
    """diskcache's storage with pickle taken out: values must be ``str`` (JSON text)."""

    def store(self, value: Any, read: bool, key: Any = diskcache.core.UNKNOWN) -> Any:
        if not isinstance(value, str):
            raise TypeError(f"the call cache stores JSON text only, not {type(value).__name__}")
        return super().store(value, read, key=key)

    def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
        if mode == MODE_PICKLE:
            raise PickleRefused("pickled cache entry")
        return super().fetch(mode, filename, value, read)

    def get(self, key: Any, raw: bool) -> Any:
        if not raw:
            raise PickleRefused("pickled cache key")
        return super().get(key, raw)


def _open_store(directory: Path) -> diskcache.Cache:
    store = diskcache.Cache(
        str(directory), disk=JsonOnlyDisk, eviction_policy="none", size_limit=2**40
    )
    try:
        problems = store._sql("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError:
        store.close()
        raise
    if problems != [("ok",)]:
        store.close()
        raise sqlite3.DatabaseError(f"quick_check: {problems[:3]}")
    return store


def _move_aside(directory: Path) -> Path:
    aside = directory.with_name(f"{directory.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    n = 0
    while aside.exists():
        n += 1
        aside = aside.with_name(f"{aside.name}-{n}")
    directory.rename(aside)
    return aside


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
            if directory.stat().st_mode & 0o022:
                log.warning(
                    "cache folder %s can be written by other users, who could plant entries; "
                    "fix with: chmod 700 %s",
                    directory,
                    directory,
                )
            try:
                self._store = _open_store(directory)
            except sqlite3.DatabaseError as exc:
                aside = _move_aside(directory)
                log.warning(
                    "the call cache at %s is damaged (%s); moved it to %s and started a new "
                    "one (earlier calls will be made again)",
                    directory,
                    exc,
                    aside,
                )
                directory.mkdir(parents=True, exist_ok=True, mode=0o700)
                self._store = _open_store(directory)
        except (OSError, sqlite3.Error, diskcache.Timeout) as exc:
            raise CacheError(
                f"cannot open the call cache at {directory}: {exc}; "
                "set BRIEF_CACHE_DIR to a writable folder or pass --no-cache"
            ) from None

    def get(self, key: str) -> dict[str, Any] | None:
        if self._store is None or self.refresh:
            return None
        try:
            raw = self._store.get(key, default=None, read=False)
        except PickleRefused:
            log.warning("refusing a pickled cache entry %s… (never loaded); deleting it", key[:12])
            self._store.delete(key)
            return None
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
