"""Rate-limit storage and processes: `memory://` counts per process (so N replicas admit N
times a limit, which is why production shares Redis — tests/test_two_replicas.py shows the
limit held in total), and a Redis outage neither fails requests nor lifts the limit."""

import itertools
import time

import httpx
import pytest

from tests.api_processes import ApiProcess, api_processes
from tests.redis_server import RedisServer, find_redis_server
from tests.settings import settings

LIMIT = 5
INSTITUTION_CHECK = "/utils/register/check-australian-research-institution?email=a@unsw.edu.au"


@pytest.fixture
def two_replicas(tmp_path):
    """Two API processes, each counting in its own memory."""
    replica_settings = settings(
        DB_URL=f"sqlite:///{tmp_path / 'aai.sqlite3'}",
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_AVAILABILITY=f"{LIMIT}/minute",
        TESTING=None,
    )
    with api_processes(replica_settings, tmp_path, count=2, workers=1) as replicas:
        yield replicas


def admitted_of(replicas: list[ApiProcess], requests: int) -> int:
    """Send the requests in turn to each replica; count the answers that were not 429."""
    statuses = []
    for replica in itertools.islice(itertools.cycle(replicas), requests):
        statuses.append(httpx.get(f"{replica.base_url}{INSTITUTION_CHECK}").status_code)
    assert set(statuses) <= {200, 429}, statuses
    return statuses.count(200)


def test_replicas_with_memory_storage_each_admit_the_limit(two_replicas):
    # Why production uses Redis: per-process counts multiply the limit by the processes.
    assert admitted_of(two_replicas, 4 * LIMIT) == 2 * LIMIT


def test_a_redis_outage_neither_fails_requests_nor_lifts_the_limit(tmp_path):
    cache = RedisServer(find_redis_server())
    cache.start()
    api_settings = settings(
        DB_URL=f"sqlite:///{tmp_path / 'aai.sqlite3'}",
        RATELIMIT_STORAGE_URI=cache.url,
        RATELIMIT_AVAILABILITY=f"{LIMIT}/minute",
        TESTING=None,
    )
    try:
        with api_processes(api_settings, tmp_path, count=1, workers=1) as (api,):
            assert admitted_of([api], LIMIT + 1) == LIMIT
            cache.stop()
            started = time.monotonic()
            # Counted in the process from then on: a fresh count, but a count.
            assert admitted_of([api], 2 * LIMIT) == LIMIT
            assert time.monotonic() - started < 10
    finally:
        cache.stop()
