"""Per-process caches of hot read-mostly answers (admins' scopes, live platforms and groups, list
totals and counts, deep pages' starts, list pages), exact across processes and replicas.

Every entry is keyed by the database's cache version (`aai_cache_version`), which triggers
change with every committed write to the tables these answers read (migration f3a9c6e2d417), so
an entry is only used while nothing it depends on has changed, whoever wrote. A request reads the
version once, before it reads anything it caches, so what it computes contains at least every
write committed under that version. Entries also expire after CACHE_TTL_SECONDS, which bounds
the memory that old versions' entries hold and, for the profiles (Auth0's /userinfo), how long a
change made in Auth0 outside aai goes unseen (0 turns caching off). Each app has its own
caches (docs/decisions.md 52).
"""

import threading
from collections.abc import Callable, Hashable
from typing import Any

import sqlalchemy as sa
from cachetools import TTLCache
from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from aai.extensions import db
from aai.models import CacheVersion

MAX_ENTRIES = 10_000
# List pages are JSON text of up to 100 users (~1 KB each), so their cache is bounded in bytes
# (characters) rather than entries: 16 MB per process.
PAGE_CACHE_CHARACTERS = 16_000_000
_MISSING = object()
_VERSIONS = sa.select(CacheVersion.version, CacheVersion.roster_version).where(CacheVersion.id == 1)
_REQUEST_VERSIONS = "aai.cache_versions"
# Set on a session from its first write to the end of its transaction (see session_has_written).
_WROTE = "aai.wrote"


class VersionedCache:
    """A thread-safe cache whose entries hold for one cache version; computing a missing value
    happens outside the lock."""

    def __init__(self, ttl: float, max_characters: int | None = None):
        self.enabled = ttl > 0
        self._max_characters = max_characters
        if max_characters is None:
            self._entries: TTLCache = TTLCache(MAX_ENTRIES, ttl or 1)
        else:
            self._entries = TTLCache(max_characters, ttl or 1, getsizeof=len)
        self._lock = threading.Lock()

    def put(self, key: Hashable, value: Any) -> None:
        """Store a value this request read after the version (e.g. the start of the next page);
        nothing is stored when the request has read no version yet."""
        version = _version_read_by_this_request()
        if self.enabled and version is not None:
            self._store(version, key, value)

    def get_or_compute(
        self, key: Hashable, compute: Callable[[], Any], roster_only: bool = False
    ) -> Any:
        """`roster_only`: the value reads nothing but who is a live member of what and which
        users are live and verified, so it holds for a roster version (migration b5d2f8e1c7a4),
        across writes of anything else (an approval, a revocation)."""
        if not self.enabled:
            return compute()
        # The version first: the value computed next then contains every write it stands for.
        version = roster_version() if roster_only else cache_version()
        with self._lock:
            # One lookup: an entry can expire between `in` and `[]` (a KeyError).
            value = self._entries.get((version, key), _MISSING)
        if value is not _MISSING:
            return value
        value = compute()
        self._store(version, key, value)
        return value

    def _store(self, version: int, key: Hashable, value: Any) -> None:
        too_big = self._max_characters is not None and len(value) > self._max_characters
        if not session_has_written() and not too_big:
            with self._lock:
                self._entries[(version, key)] = value


def cache_version() -> int:
    """The committed cache version, read once per request."""
    return _versions()[0]


def roster_version() -> int:
    """The committed roster version, read with the cache version."""
    return _versions()[1]


def _versions() -> tuple[int, int]:
    if not has_request_context():
        return tuple(db.session.execute(_VERSIONS).one())  # type: ignore[return-value]
    versions = request.environ.get(_REQUEST_VERSIONS)
    if versions is None:
        # On the session's connection: the ORM's per-statement work (autoflush, result loading)
        # doubled the Python cost of this one-row read (the versions change only at COMMIT).
        versions = tuple(db.session.connection().execute(_VERSIONS).one())
        request.environ[_REQUEST_VERSIONS] = versions
    return versions


def _version_read_by_this_request() -> int | None:
    if not has_request_context():
        return None
    versions = request.environ.get(_REQUEST_VERSIONS)
    return None if versions is None else versions[0]


def session_has_written() -> bool:
    """Whether this request's transaction holds writes of its own, not yet committed.

    What it reads then includes them, but the version does not change before COMMIT: storing
    it would keep a write that may yet roll back. Rare (admin calls check their caches before
    writing), so such values are simply not stored.
    """
    return db.session().info.get(_WROTE, False)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _flush_context) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_write_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_writes(session: Session) -> None:
    session.info.pop(_WROTE, None)


def init_caches(app: Flask) -> None:
    ttl = app.config["CACHE_TTL_SECONDS"]
    app.extensions["aai_caches"] = {
        name: VersionedCache(ttl) for name in ("scopes", "counts", "page_starts", "profiles")
    }
    app.extensions["aai_caches"]["pages"] = VersionedCache(ttl, PAGE_CACHE_CHARACTERS)


def cache(name: str) -> VersionedCache:
    return current_app.extensions["aai_caches"][name]
