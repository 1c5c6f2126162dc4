"""The per-process caches of hot admin answers: entries hold for one cache version."""

import time

from aai.caching import VersionedCache
from aai.extensions import db
from tests.factories import make_user


def test_values_are_reused_until_they_expire(app):
    calls = []
    cache = VersionedCache(ttl=0.2)

    def compute():
        calls.append(1)
        return len(calls)

    with app.test_request_context():
        assert cache.get_or_compute("key", compute) == 1
        assert cache.get_or_compute("key", compute) == 1
        assert cache.get_or_compute("other", compute) == 2
        time.sleep(0.25)
        assert cache.get_or_compute("key", compute) == 3


def test_zero_ttl_turns_caching_off(app):
    cache = VersionedCache(ttl=0)
    values = iter(range(10))
    with app.test_request_context():
        assert [cache.get_or_compute("key", lambda: next(values)) for _ in range(3)] == [0, 1, 2]


def test_a_value_read_over_uncommitted_writes_is_not_kept(app):
    """The request's own write is in what it reads, but may yet roll back."""
    cache = VersionedCache(ttl=60)
    with app.test_request_context():
        make_user()
        assert cache.get_or_compute("key", lambda: "with my write") == "with my write"
        db.session.rollback()
        assert cache.get_or_compute("key", lambda: "committed") == "committed"
        assert cache.get_or_compute("key", lambda: "recomputed") == "committed"


def test_a_value_put_before_the_request_read_the_version_is_not_kept(app):
    """It may predate a write that the version, read after it, already stands for."""
    cache = VersionedCache(ttl=60)
    with app.test_request_context():
        cache.put("key", "read before the version")
        assert cache.get_or_compute("key", lambda: "computed") == "computed"
        cache.put("key", "read after the version")
        assert cache.get_or_compute("key", lambda: "computed") == "read after the version"


def test_a_cache_bounded_in_characters_keeps_the_latest_text_that_fits(app):
    cache = VersionedCache(ttl=60, max_characters=10)
    with app.test_request_context():
        assert cache.get_or_compute("a", lambda: "123456") == "123456"
        assert cache.get_or_compute("b", lambda: "7890") == "7890"  # 10 characters: both fit
        assert cache.get_or_compute("b", lambda: "recomputed") == "7890"
        assert cache.get_or_compute("c", lambda: "xyz") == "xyz"  # the least recent one goes
        assert cache.get_or_compute("a", lambda: "again") == "again"
        too_long = "x" * 11
        assert cache.get_or_compute("long", lambda: too_long) == too_long  # answered, not kept
        assert cache.get_or_compute("long", lambda: "computed") == "computed"
