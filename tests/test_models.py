"""The data model on each backend: enum storage, aware times, soft delete, constraints."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Uuid, bindparam, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from aai.extensions import db
from aai.models import (
    ApprovalStatusEnum,
    BiocommonsUser,
    GroupRoleLink,
    Platform,
    PlatformEnum,
    PlatformRoleLink,
)


def test_enums_are_stored_by_name(app, make_platform_membership):
    membership = make_platform_membership(
        platform_id=PlatformEnum.BPA_DATA_PORTAL, approval_status=ApprovalStatusEnum.PENDING
    )
    query = text("SELECT platform_id, approval_status FROM platformmembership WHERE id = :id")
    query = query.bindparams(bindparam("id", type_=Uuid))
    row = db.session.execute(query, {"id": membership.id}).one()
    assert tuple(row) == ("BPA_DATA_PORTAL", "PENDING")


def test_the_three_platforms_are_seeded(app):
    names = db.session.scalars(select(Platform.name).order_by(Platform.name)).all()
    assert names == [
        "Bioplatforms Australia Data Portal",
        "Galaxy Australia",
        "Structural Biology Platform",
    ]


def test_times_come_back_timezone_aware_in_utc(app, make_user):
    brisbane = timezone(timedelta(hours=10))
    user = make_user(created_at=datetime(2026, 1, 2, 9, 30, tzinfo=brisbane))
    db.session.expire_all()
    loaded = db.session.get(BiocommonsUser, user.id)
    assert loaded.created_at == datetime(2026, 1, 1, 23, 30, tzinfo=UTC)
    assert loaded.created_at.tzinfo is UTC


def test_naive_times_are_refused(app, make_user):
    with pytest.raises(StatementError, match="naive datetime"):
        make_user(created_at=datetime(2026, 1, 2, 9, 30))  # naive on purpose


def test_usernames_are_unique(app, make_user):
    make_user(username="quoll")
    with pytest.raises(IntegrityError):
        make_user(username="quoll")


def test_memberships_reference_existing_users(app, make_platform_membership):
    with pytest.raises(IntegrityError):
        make_platform_membership(user_id="auth0|nobody")


def test_soft_deleted_rows_are_excluded_by_active(app, make_user):
    kept, removed = make_user(), make_user()
    removed.soft_delete()
    db.session.flush()
    active_ids = db.session.scalars(
        select(BiocommonsUser.id).where(
            BiocommonsUser.active(), BiocommonsUser.id.in_([kept.id, removed.id])
        )
    ).all()
    assert active_ids == [kept.id]


def test_admin_roles_skip_deleted_links_and_roles(app, make_role, make_group):
    galaxy = db.session.get(Platform, PlatformEnum.GALAXY)
    live, deleted_role, unlinked = make_role(), make_role(), make_role()
    deleted_role.soft_delete()
    db.session.add_all(
        [
            PlatformRoleLink(platform_id=PlatformEnum.GALAXY, role_id=live.id),
            PlatformRoleLink(platform_id=PlatformEnum.GALAXY, role_id=deleted_role.id),
            PlatformRoleLink(platform_id=PlatformEnum.GALAXY, role_id=unlinked.id, is_deleted=True),
        ]
    )
    group = make_group()
    db.session.add(GroupRoleLink(group_id=group.group_id, role_id=live.id))
    db.session.flush()
    db.session.expire_all()
    assert [role.id for role in galaxy.admin_roles] == [live.id]
    assert [role.id for role in group.admin_roles] == [live.id]


def test_membership_relationships(app, make_user, make_group_membership, make_platform_membership):
    user = make_user()
    make_platform_membership(user=user, platform_id=PlatformEnum.SBP)
    make_group_membership(user=user, request_reason="quolls")
    db.session.expire_all()
    assert [membership.platform.name for membership in user.platform_memberships] == [
        "Structural Biology Platform"
    ]
    assert [membership.request_reason for membership in user.group_memberships] == ["quolls"]
