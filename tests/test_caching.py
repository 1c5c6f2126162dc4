"""The short-lived caches of hot admin answers."""

import time

from aai.caching import SharedTTLCache


def test_values_are_reused_until_they_expire():
    calls = []
    cache = SharedTTLCache(ttl=0.2)

    def compute():
        calls.append(1)
        return len(calls)

    assert cache.get_or_compute("key", compute) == 1
    assert cache.get_or_compute("key", compute) == 1
    assert cache.get_or_compute("other", compute) == 2
    time.sleep(0.25)
    assert cache.get_or_compute("key", compute) == 3


def test_zero_ttl_turns_caching_off():
    cache = SharedTTLCache(ttl=0)
    values = iter(range(10))
    assert [cache.get_or_compute("key", lambda: next(values)) for _ in range(3)] == [0, 1, 2]
