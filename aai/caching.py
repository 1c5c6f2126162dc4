"""Short-lived, per-process caches for hot read-mostly answers (admins' scopes, counts, page
totals). Entries live CACHE_TTL_SECONDS (0 turns caching off, as the tests do); a change made
elsewhere shows within that time. Each app has its own caches."""

import threading
from collections.abc import Callable, Hashable
from typing import Any

from cachetools import TTLCache
from flask import Flask, current_app

MAX_ENTRIES = 10_000
_MISSING = object()


class SharedTTLCache:
    """A thread-safe TTL cache; computing a missing value happens outside the lock."""

    def __init__(self, ttl: float):
        self.enabled = ttl > 0
        self._entries: TTLCache = TTLCache(MAX_ENTRIES, ttl or 1)
        self._lock = threading.Lock()

    def put(self, key: Hashable, value: Any) -> None:
        """Store a value known without asking (e.g. the start of the next page)."""
        if self.enabled:
            with self._lock:
                self._entries[key] = value

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        if not self.enabled:
            return compute()
        with self._lock:
            # One lookup: an entry can expire between `in` and `[]` (a KeyError).
            value = self._entries.get(key, _MISSING)
        if value is not _MISSING:
            return value
        value = compute()
        self.put(key, value)
        return value


def init_caches(app: Flask) -> None:
    app.extensions["aai_caches"] = {
        name: SharedTTLCache(app.config["CACHE_TTL_SECONDS"])
        for name in ("scopes", "counts", "page_starts")
    }


def cache(name: str) -> SharedTTLCache:
    return current_app.extensions["aai_caches"][name]
