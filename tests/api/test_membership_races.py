"""Concurrent changes of one membership (issue 14): real requests at once against the server on a
committed PostgreSQL database, Auth0 slowed down by the emulator so that the requests overlap.
Exactly one wins; the database and Auth0 agree; one history row, one Auth0 grant, one email.
"""

import itertools
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select

from aai import create_app
from aai.extensions import db
from aai.models import (
    ApprovalStatusEnum,
    EmailNotification,
    GroupMembership,
    GroupMembershipHistory,
    PlatformEnum,
    PlatformMembership,
    PlatformMembershipHistory,
)
from tests.api.admin_fixtures import ADMINS, auth0_role_names, create_member, seed_admin_database
from tests.api_processes import ApiProcess, api_processes, migrated_database
from tests.settings import emulator_settings
from tests.world import TSI

AUTH0_LATENCY = 1.0  # seconds per role call: every request overlaps the first one's
database_numbers = itertools.count(1)


@dataclass
class Race:
    api: ApiProcess
    environment: dict[str, str]
    member_id: str
    member_email: str


@pytest.fixture(scope="module")
def race_api(pg_cluster, emulator_server, tmp_path_factory) -> Iterator[tuple]:
    """The server (four single-threaded workers, the shipped settings) on a committed, seeded
    database."""
    url = pg_cluster.create_database(f"aai_races_{next(database_numbers)}")
    environment = emulator_settings(emulator_server, TESTING=None, DB_URL=url)
    migrated_database(url, environment, seed_admin_database)
    with api_processes(environment, tmp_path_factory.mktemp("races"), count=1, workers=4) as (api,):
        yield api, environment


@pytest.fixture
def race(race_api, emulator) -> Race:
    """A member (committed) whose TSI and Galaxy requests are pending; Auth0 slow on their
    roles."""
    api, environment = race_api
    with create_app(environment).app_context():
        member = create_member({"galaxy": "pending"}, {TSI: "pending"})
        db.session.commit()
        identity = member.id, member.email
        db.session.remove()
        db.engine.dispose()
    emulator.add_fault("*", f"/api/v2/users/{identity[0]}/roles", delay=AUTH0_LATENCY, count=50)
    return Race(api, environment, *identity)


def headers_of(kind: str, make_token) -> dict:
    user_id, roles = ADMINS[kind]
    return {"Authorization": f"Bearer {make_token(user_id, roles=roles)}"}


def at_once(api: ApiProcess, calls: list[tuple[str, dict, dict | None]]) -> list[httpx.Response]:
    """POST every (path, headers, body) in its own thread, all released together."""
    start = threading.Barrier(len(calls))

    def post(call):
        path, headers, body = call
        with api.client() as client:
            start.wait()
            return client.post(path, headers=headers, json=body)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(post, calls))


def stored(race: Race) -> dict:
    """What the database and Auth0 say about the member, read through a fresh connection."""
    with create_app(race.environment).app_context():
        member_id = race.member_id
        group = db.session.scalar(select(GroupMembership).filter_by(user_id=member_id))
        platform = db.session.scalar(select(PlatformMembership).filter_by(user_id=member_id))
        emails = select(func.count()).where(EmailNotification.to_address == race.member_email)
        roles = auth0_role_names(member_id)
        answer = {
            "group_status": group.approval_status,
            "platform_status": platform.approval_status,
            "group_history": _count(GroupMembershipHistory, member_id),
            "platform_history": _count(PlatformMembershipHistory, member_id),
            "emails": db.session.scalar(emails),
            "tsi_role": TSI in roles,
            "galaxy_role": "biocommons/platform/galaxy" in roles,
        }
        db.session.remove()
        db.engine.dispose()
        return answer


def _count(history, member_id: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(history).where(history.user_id == member_id)
    )


def role_grants(emulator, member_id: str) -> int:
    return len(emulator.requests("POST", f"/api/v2/users/{member_id}/roles"))


def test_approve_and_reject_at_once_have_one_winner(race, emulator, make_token):
    group = f"/admin/users/{race.member_id}/groups/{TSI}"
    tsi_admin = headers_of("tsi", make_token)
    approve, reject = at_once(
        race.api,
        [(f"{group}/approve", tsi_admin, None), (f"{group}/reject", tsi_admin, {"reason": "no"})],
    )
    assert sorted([approve.status_code, reject.status_code]) == [200, 400], (approve, reject)
    after = stored(race)
    assert after["group_history"] == 1  # the one change that won (the seed wrote none)
    if approve.status_code == 200:
        assert reject.json() == {"detail": "Only pending group requests can be rejected."}
        assert after["group_status"] is ApprovalStatusEnum.APPROVED
        assert after["tsi_role"] is True
        assert (role_grants(emulator, race.member_id), after["emails"]) == (1, 1)
    else:
        assert approve.json() == {
            "detail": "Only pending or revoked group memberships can be approved."
        }
        assert after["group_status"] is ApprovalStatusEnum.REJECTED
        assert after["tsi_role"] is False
        assert (role_grants(emulator, race.member_id), after["emails"]) == (0, 0)


def test_ten_approvals_at_once_grant_once_and_email_once(race, emulator, make_token):
    path = f"/admin/users/{race.member_id}/groups/{TSI}/approve"
    answers = at_once(race.api, [(path, headers_of("tsi", make_token), None)] * 10)
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [400] * 9, [answer.text for answer in answers]
    after = stored(race)
    assert after["group_status"] is ApprovalStatusEnum.APPROVED
    assert after["tsi_role"] is True
    assert after["group_history"] == 1
    assert (role_grants(emulator, race.member_id), after["emails"]) == (1, 1)


def test_ten_platform_approvals_at_once_grant_once(race, emulator, make_token):
    """Platform approvals may be repeated (30 §2.2: each one is recorded), but the Auth0 role
    is granted by the one that changed the status."""
    path = f"/admin/users/{race.member_id}/platforms/{PlatformEnum.GALAXY.value}/approve"
    answers = at_once(race.api, [(path, headers_of("galaxy", make_token), None)] * 10)
    assert [answer.status_code for answer in answers] == [200] * 10
    after = stored(race)
    assert after["platform_status"] is ApprovalStatusEnum.APPROVED
    assert after["galaxy_role"] is True
    assert after["platform_history"] == 10
    assert role_grants(emulator, race.member_id) == 1
