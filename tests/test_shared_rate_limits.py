"""Several replicas: two API processes sharing one Redis count one limit between them, so a
client gets N answers per window in total, not N per process as with `memory://`."""

import itertools
import time

import httpx
import pytest
import redis

from tests.api_process import ApiProcess
from tests.redis_server import RedisServer, find_redis_server
from tests.settings import settings

LIMIT = 5
INSTITUTION_CHECK = "/utils/register/check-australian-research-institution?email=a@unsw.edu.au"


@pytest.fixture
def two_replicas(request, tmp_path):
    """Two API processes with the storage given by the test's parameter (`redis` or `memory`)."""
    storage = request.getfixturevalue("redis_url") if request.param == "redis" else "memory://"
    replica_settings = settings(
        DB_URL=f"sqlite:///{tmp_path / 'aai.sqlite3'}",
        RATELIMIT_STORAGE_URI=storage,
        RATELIMIT_AVAILABILITY=f"{LIMIT}/minute",
        TESTING=None,
    )
    replicas = [ApiProcess(replica_settings, tmp_path) for _ in range(2)]
    try:
        for replica in replicas:
            replica.launch()
        for replica in replicas:
            replica.wait_until_serving()
        yield replicas
    finally:
        for replica in replicas:
            replica.stop()


def admitted_of(replicas: list[ApiProcess], requests: int) -> int:
    """Send the requests in turn to each replica; count the answers that were not 429."""
    statuses = []
    for replica in itertools.islice(itertools.cycle(replicas), requests):
        statuses.append(httpx.get(f"{replica.base_url}{INSTITUTION_CHECK}").status_code)
    assert set(statuses) <= {200, 429}, statuses
    return statuses.count(200)


@pytest.mark.parametrize("two_replicas", ["redis"], indirect=True)
def test_replicas_sharing_redis_admit_the_limit_in_total(two_replicas, redis_url):
    assert admitted_of(two_replicas, 4 * LIMIT) == LIMIT
    assert redis.Redis.from_url(redis_url).keys("LIMITS:*"), "the counts are not in Redis"


@pytest.mark.parametrize("two_replicas", ["memory"], indirect=True)
def test_replicas_with_memory_storage_each_admit_the_limit(two_replicas):
    # Why production uses Redis: per-process counts multiply the limit by the processes.
    assert admitted_of(two_replicas, 4 * LIMIT) == 2 * LIMIT


def test_a_redis_outage_neither_fails_requests_nor_lifts_the_limit(tmp_path):
    cache = RedisServer(find_redis_server())
    cache.start()
    api = ApiProcess(
        settings(
            DB_URL=f"sqlite:///{tmp_path / 'aai.sqlite3'}",
            RATELIMIT_STORAGE_URI=cache.url,
            RATELIMIT_AVAILABILITY=f"{LIMIT}/minute",
            TESTING=None,
        ),
        tmp_path,
    )
    try:
        api.start()
        assert admitted_of([api], LIMIT + 1) == LIMIT
        cache.stop()
        started = time.monotonic()
        # Counted in the process from then on: a fresh count, but a count.
        assert admitted_of([api], 2 * LIMIT) == LIMIT
        assert time.monotonic() - started < 10
    finally:
        api.stop()
        cache.stop()
