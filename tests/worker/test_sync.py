"""The Auth0 → database sync against the emulator's demo tenant (30 §9.3, bugs fixed)."""

import pytest
from sqlalchemy import func, select

from aai.access.memberships import create_group_membership
from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.models import (
    ApprovalStatusEnum,
    Auth0Role,
    BiocommonsGroup,
    BiocommonsUser,
    BiocommonsUserHistory,
    GroupMembership,
    GroupMembershipHistory,
    GroupRoleLink,
    Platform,
    PlatformEnum,
    PlatformMembership,
    PlatformRoleLink,
)
from aai.worker.sync_memberships import sync_memberships
from aai.worker.sync_roles import sync_roles
from aai.worker.sync_users import sync_users
from tests.world import ROLE_IDS, TSI, USER_IDS

ADMIN = USER_IDS["biocommons.admin@example.org"]
GALAXY_ADMIN = USER_IDS["galaxy.admin@example.org"]
TSI_ADMIN = USER_IDS["tsi.admin@example.org"]
APPROVED = USER_IDS["approved.user@example.org"]
PENDING_USER = USER_IDS["pending.user@example.org"]
UNVERIFIED = USER_IDS["unverified.user@example.org"]
BLOCKED = USER_IDS["blocked.user@example.org"]
GALAXY_ROLE = ROLE_IDS["biocommons/platform/galaxy"]
TSI_ROLE = ROLE_IDS[TSI]


def flush():
    db.session.flush()


@pytest.fixture
def auth0(app, emulator):
    return auth0_client()


def full_sync(auth0):
    return [step(auth0, db.session, flush) for step in (sync_roles, sync_users, sync_memberships)]


def live_user(user_id):
    user = db.session.get(BiocommonsUser, user_id)
    return user if user is not None and not user.is_deleted else None


def platform_status(user_id, platform=PlatformEnum.GALAXY):
    query = select(PlatformMembership).where(
        PlatformMembership.user_id == user_id, PlatformMembership.platform_id == platform
    )
    membership = db.session.scalars(query).one_or_none()
    if membership is None or membership.is_deleted:
        return None
    return membership.approval_status


def test_first_sync_builds_the_tenant(auth0):
    roles, users, memberships = full_sync(auth0)
    # Each kind counted on its own: 10 roles, not 10 plus the groups and links they define.
    assert roles.created == len(ROLE_IDS)
    derived = {report.step: report for report in roles.related}
    assert derived["groups"].created == db.session.scalar(
        select(func.count(BiocommonsGroup.group_id))
    )
    assert derived["platforms"].updated + derived["platforms"].created == len(PlatformEnum)
    links = db.session.scalar(select(func.count()).select_from(PlatformRoleLink))
    links += db.session.scalar(select(func.count()).select_from(GroupRoleLink))
    assert derived["admin_links"].created == links
    assert users.created == 6
    assert memberships.created > 0
    assert users.skip_reasons == {"blocked in Auth0": 1}
    assert db.session.get(Platform, PlatformEnum.GALAXY).role_id == GALAXY_ROLE
    assert db.session.get(BiocommonsGroup, TSI).short_name == "TSI"
    assert db.session.get(BiocommonsGroup, "biocommons/group/sbp_workflow_execution") is not None
    galaxy_admins = db.session.scalars(
        select(Auth0Role.name)
        .join(PlatformRoleLink)
        .where(PlatformRoleLink.platform_id == PlatformEnum.GALAXY)
    ).all()
    assert galaxy_admins == ["biocommons/role/galaxy/admin"]
    assert db.session.scalars(
        select(GroupRoleLink.role_id).where(GroupRoleLink.group_id == TSI)
    ).all()
    assert live_user(BLOCKED) is None
    assert live_user(UNVERIFIED).email_verified is False
    assert platform_status(APPROVED) is ApprovalStatusEnum.APPROVED
    assert platform_status(PENDING_USER) is None
    tsi = db.session.scalars(select(GroupMembership).where(GroupMembership.group_id == TSI)).all()
    assert [membership.user_id for membership in tsi] == [TSI_ADMIN]


def test_second_run_without_changes_writes_nothing(auth0):
    full_sync(auth0)
    again = full_sync(auth0)
    assert [report.writes for report in again] == [0, 0, 0]
    assert again[1].unchanged == 6


def test_changed_email_is_copied_with_history(auth0):
    full_sync(auth0)
    auth0.update_user(APPROVED, {"email": "renamed@example.org"})
    report = sync_users(auth0, db.session, flush)
    assert report.updated == 1
    assert live_user(APPROVED).email == "renamed@example.org"
    history = db.session.scalars(
        select(BiocommonsUserHistory).where(BiocommonsUserHistory.user_id == APPROVED)
    ).one()
    assert (history.change, history.email) == ("auth0_sync", "approved.user@example.org")


def test_a_verified_email_is_copied_by_the_users_sync(auth0):
    """The hourly users sync is what keeps `email_verified` current (no refresh job)."""
    full_sync(auth0)
    auth0.update_user(UNVERIFIED, {"email_verified": True})
    assert sync_users(auth0, db.session, flush).updated == 1
    assert live_user(UNVERIFIED).email_verified is True


def test_blocking_and_unblocking_in_auth0_is_mirrored(auth0):
    full_sync(auth0)
    auth0.update_user(APPROVED, {"blocked": True})
    assert sync_users(auth0, db.session, flush).soft_deleted == 1
    assert live_user(APPROVED) is None
    assert platform_status(APPROVED) is ApprovalStatusEnum.APPROVED  # kept for an unblock
    auth0.update_user(APPROVED, {"blocked": False})
    assert sync_users(auth0, db.session, flush).restored == 1
    changes = db.session.scalars(
        select(BiocommonsUserHistory.change)
        .where(BiocommonsUserHistory.user_id == APPROVED)
        .order_by(BiocommonsUserHistory.updated_at)
    ).all()
    assert changes == ["user_deletion", "restored_from_auth0"]


def test_user_deleted_in_auth0_is_soft_deleted_with_memberships(auth0):
    full_sync(auth0)
    auth0.delete_user(APPROVED)
    report = sync_users(auth0, db.session, flush)
    assert report.soft_deleted == 1
    user = db.session.get(BiocommonsUser, APPROVED)
    assert user.is_deleted
    assert user.deletion_reason == "auth0_sync"
    assert platform_status(APPROVED) is None


def test_username_taken_by_another_user_is_skipped(auth0, make_user):
    make_user(id="auth0|local-only", username="approved_user", email="local@example.org")
    report = sync_users(auth0, db.session, flush)
    assert report.skip_reasons["email or username belongs to another user"] == 1
    assert live_user(APPROVED) is None


def test_role_assigned_in_auth0_overrides_a_pending_request(auth0):
    full_sync(auth0)
    user = live_user(PENDING_USER)
    create_group_membership(user, TSI, ApprovalStatusEnum.PENDING, request_reason="quolls")
    auth0.add_user_roles(PENDING_USER, [TSI_ROLE])
    report = sync_memberships(auth0, db.session, flush)
    assert report.updated == 1
    membership = db.session.scalars(
        select(GroupMembership).where(GroupMembership.user_id == PENDING_USER)
    ).one()
    assert membership.approval_status is ApprovalStatusEnum.APPROVED
    statuses = db.session.scalars(
        select(GroupMembershipHistory.approval_status)
        .where(GroupMembershipHistory.user_id == PENDING_USER)
        .order_by(GroupMembershipHistory.updated_at)
    ).all()
    assert statuses == [ApprovalStatusEnum.PENDING, ApprovalStatusEnum.APPROVED]


def test_removed_role_soft_deletes_the_approved_membership(auth0):
    full_sync(auth0)
    auth0.remove_user_roles(APPROVED, [GALAXY_ROLE])
    report = sync_memberships(auth0, db.session, flush)
    assert report.soft_deleted == 1
    assert platform_status(APPROVED) is None
    assert platform_status(APPROVED, PlatformEnum.BPA_DATA_PORTAL) is ApprovalStatusEnum.APPROVED


def test_member_missing_from_the_database_is_skipped(auth0, emulator):
    before = full_sync(auth0)[2].skip_reasons["member not in the database"]  # the blocked user
    emulator.generate_users(2, prefix="latecomer", roles=["biocommons/platform/galaxy"])
    report = sync_memberships(auth0, db.session, flush)
    assert report.skip_reasons["member not in the database"] == before + 2
    assert report.writes == 0


def test_outage_mid_run_deletes_nothing_and_the_next_run_completes(auth0, emulator):
    full_sync(auth0)
    auth0.remove_user_roles(APPROVED, [GALAXY_ROLE])
    emulator.add_fault("GET", f"/api/v2/roles/{GALAXY_ROLE}/users", status=503, count=100)
    with pytest.raises(Exception, match="unavailable"):
        sync_memberships(auth0, db.session, flush)
    assert platform_status(APPROVED) is ApprovalStatusEnum.APPROVED
    emulator.clear_faults()
    assert sync_memberships(auth0, db.session, flush).soft_deleted == 1


def test_failed_export_deletes_no_user(auth0, emulator):
    full_sync(auth0)
    auth0.delete_user(APPROVED)
    emulator.export_behaviour(pending_polls=0, outcome="failed")
    with pytest.raises(Exception, match="failed"):
        sync_users(auth0, db.session, flush)
    assert live_user(APPROVED) is not None
