"""Two API replicas on one database and one Redis (issue 13 acceptance): a write through one, or
by the worker's sync, shows in the very next answer of the other, whose caches were warm; and a
rate limit of N per minute admits N in total across both."""

import itertools
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from aai import create_app
from aai.identity.auth0 import auth0_client
from tests.admin_answers import AdminAnswers, httpx_getter, read_answers
from tests.api.admin_fixtures import ADMINS, create_member, seed_admin_database
from tests.api_processes import REPO, ApiProcess, api_processes, migrated_database, run_sql
from tests.settings import emulator_settings

# Two API replicas, Redis and a worker sync: 5-8 s setup measured (issue 18).
pytestmark = pytest.mark.timeout(60)

FLASK = Path(sys.executable).parent / "flask"
REASON = {"reason": "left the lab"}
LIMIT = 5
AVAILABILITY_CHECK = "/utils/register/check-australian-research-institution?email=a@unsw.edu.au"
database_numbers = itertools.count(1)


@dataclass
class Replicas:
    first: ApiProcess
    second: ApiProcess
    environment: dict[str, str]
    members: dict[str, str] = field(default_factory=dict)  # name -> user id


@pytest.fixture
def replicas(pg_cluster, emulator, redis_url, tmp_path) -> Iterator[Replicas]:
    """Two API replicas (two workers each) on one migrated, seeded database and one
    Redis."""
    url = pg_cluster.create_database(f"aai_replicas_{next(database_numbers)}")
    environment = {
        **emulator_settings(emulator, TESTING=None, DB_URL=url),
        "FLASK_APP": "wsgi",
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_AVAILABILITY": f"{LIMIT}/minute",
    }
    members = {}

    def seed():
        seed_admin_database()
        for name, status in (("pending", "pending"), ("kept", "approved")):
            members[name] = create_member({"galaxy": status}).id
        for name in ("revoked", "deleted", "synced"):
            members[name] = create_member({"galaxy": "approved"}).id

    migrated_database(url, environment, seed)
    with api_processes(environment, tmp_path, count=2) as (first, second):
        yield Replicas(first, second, environment, members)


def galaxy_admin(make_token) -> dict:
    user_id, roles = ADMINS["galaxy"]
    return {"Authorization": f"Bearer {make_token(user_id, roles=roles)}"}


def sync_users_now(environment: dict[str, str]) -> None:
    """The worker's sync of users, as its own process (`flask sync-auth0 --users`)."""
    result = subprocess.run(
        [FLASK, "sync-auth0", "--users"],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def block_in_auth0(environment: dict[str, str], user_id: str) -> None:
    with create_app(environment).app_context():
        auth0_client().update_user(user_id, {"blocked": True})


def test_a_write_through_one_replica_shows_in_the_next_answers_of_the_other(replicas, make_token):
    headers = galaxy_admin(make_token)
    members = replicas.members
    with replicas.first.client() as first, replicas.second.client() as second:

        def through_second() -> AdminAnswers:
            return read_answers(httpx_getter(second, headers))

        def write(path: str, body: dict | None = None) -> None:
            response = first.post(path, json=body or {}, headers=headers)
            assert response.status_code == 200, response.text

        before = through_second()
        for _ in range(3):  # both of its workers now hold every answer
            assert through_second() == before
        assert read_answers(httpx_getter(first, headers)) == before

        write(f"/admin/users/{members['pending']}/platforms/galaxy/approve")
        approved = through_second()
        assert approved.counts["pending"] == before.counts["pending"] - 1
        assert approved.pending_total == before.pending_total - 1
        assert members["pending"] not in approved.pending
        assert members["pending"] in approved.galaxy_approved

        write(f"/admin/users/{members['revoked']}/platforms/galaxy/revoke", REASON)
        revoked = through_second()
        assert revoked.counts["revoked"] == approved.counts["revoked"] + 1
        assert members["revoked"] not in revoked.galaxy_approved

        write(f"/admin/users/{members['deleted']}/delete", REASON)
        deleted = through_second()
        assert deleted.counts["all"] == revoked.counts["all"] - 1
        assert deleted.total == revoked.total - 1
        assert members["deleted"] not in deleted.listed

        block_in_auth0(replicas.environment, members["synced"])
        sync_users_now(replicas.environment)
        synced = through_second()
        assert synced.counts["all"] == deleted.counts["all"] - 1
        assert synced.total == deleted.total - 1
        assert members["synced"] not in synced.listed
        assert members["synced"] not in synced.galaxy_approved
        assert read_answers(httpx_getter(first, headers)) == synced


def test_a_soft_deleted_platform_is_refused_as_a_filter_by_every_replica(replicas, make_token):
    headers = galaxy_admin(make_token)
    query = {"filter_by": "bpa_data_portal"}

    def statuses() -> set[int]:
        return {
            httpx.get(f"{replica.base_url}/admin/users", params=query, headers=headers).status_code
            for replica in (replicas.first, replicas.second)
            for _ in range(3)
        }

    assert statuses() == {200}
    dsn = replicas.environment["DB_URL"].replace("postgresql+psycopg2", "postgresql")
    run_sql(dsn, "UPDATE platform SET is_deleted = true WHERE id = 'BPA_DATA_PORTAL'")
    assert statuses() == {404}


def test_a_rate_limit_admits_its_number_in_total_across_replicas(replicas):
    # Four times the limit, alternating between the replicas and so between their 4 workers.
    statuses = [
        httpx.get(f"{replica.base_url}{AVAILABILITY_CHECK}").status_code
        for replica in [replicas.first, replicas.second] * (2 * LIMIT)
    ]
    assert set(statuses) == {200, 429}
    assert statuses.count(200) == LIMIT
