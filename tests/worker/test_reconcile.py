"""The worker's reconcile job (issue 14): users whose Auth0 change had an unknown outcome are
brought in line with Auth0 by the sync's own per-user logic, within minutes."""

import pytest
from sqlalchemy import select

from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.models import Auth0PendingCheck, PlatformEnum
from aai.worker.jobs import JOBS_BY_ID, SYNC_LOCK
from aai.worker.reconcile import reconcile_unknown_outcomes
from tests.worker.test_sync import (
    APPROVED,
    GALAXY_ADMIN,
    GALAXY_ROLE,
    PENDING_USER,
    flush,
    full_sync,
    live_user,
    platform_status,
)


@pytest.fixture
def auth0(app, emulator):
    client = auth0_client()
    full_sync(client)  # the database mirrors Auth0 before the requests below
    return client


def check(user_id: str, action: str) -> None:
    db.session.add(Auth0PendingCheck(user_id=user_id, action=action))
    db.session.flush()


def remaining_checks() -> list[str]:
    return list(db.session.scalars(select(Auth0PendingCheck.user_id)))


def test_users_with_a_pending_check_are_brought_in_line_with_auth0(auth0):
    # Changes Auth0 applied although the requests that made them heard nothing back:
    auth0.remove_user_roles(APPROVED, [GALAXY_ROLE])  # a revocation
    auth0.update_user(APPROVED, {"email": "renamed@example.org"})  # an email change
    auth0.delete_user(PENDING_USER)  # a deletion
    check(APPROVED, f"DELETE /api/v2/users/{APPROVED}/roles")
    check(PENDING_USER, f"DELETE /api/v2/users/{PENDING_USER}")
    # A change with no check waits for the hourly sync: the job reads only the checked users.
    auth0.update_user(GALAXY_ADMIN, {"email": "elsewhere@example.org"})

    report = reconcile_unknown_outcomes(auth0, db.session, flush, settle_seconds=0)

    assert platform_status(APPROVED, PlatformEnum.GALAXY) is None
    assert platform_status(APPROVED, PlatformEnum.BPA_DATA_PORTAL) is not None  # still held
    assert live_user(APPROVED).email == "renamed@example.org"
    assert live_user(PENDING_USER) is None
    assert live_user(GALAXY_ADMIN).email == "galaxy.admin@example.org"
    assert (report.updated, report.soft_deleted) == (1, 2)
    assert remaining_checks() == []


def test_a_check_waits_a_minute_for_auth0_to_finish_the_change(auth0):
    auth0.remove_user_roles(APPROVED, [GALAXY_ROLE])
    check(APPROVED, f"DELETE /api/v2/users/{APPROVED}/roles")

    reconcile_unknown_outcomes(auth0, db.session, flush)  # the default settling time

    assert platform_status(APPROVED) is not None
    assert remaining_checks() == [APPROVED]


def test_the_job_runs_every_minute_outside_the_hourly_sync():
    job = JOBS_BY_ID["reconcile_auth0_outcomes"]
    assert (job.every_seconds, job.lock_id) == (60, SYNC_LOCK)
