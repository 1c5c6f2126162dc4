"""Membership changes and their history rows (30 §4.4)."""

from sqlalchemy import select

from aai.access.memberships import (
    change_group_status,
    change_platform_status,
    create_group_membership,
    create_platform_membership,
)
from aai.extensions import db
from aai.models import (
    ApprovalStatusEnum,
    GroupMembershipHistory,
    PlatformEnum,
    PlatformMembershipHistory,
)

APPROVED, PENDING, REVOKED, REJECTED = (
    ApprovalStatusEnum.APPROVED,
    ApprovalStatusEnum.PENDING,
    ApprovalStatusEnum.REVOKED,
    ApprovalStatusEnum.REJECTED,
)


def history_of(model, user_id):
    query = select(model).where(model.user_id == user_id).order_by(model.updated_at)
    return db.session.scalars(query).all()


def test_platform_lifecycle_writes_one_history_row_per_change(app, make_user):
    user, admin = make_user(), make_user()
    membership = create_platform_membership(user, PlatformEnum.GALAXY, PENDING, request_reason="r")
    change_platform_status(membership, APPROVED, by=admin)
    change_platform_status(membership, REVOKED, by=admin, revocation_reason="left the lab")
    rows = history_of(PlatformMembershipHistory, user.id)
    assert [(row.approval_status, row.reason) for row in rows] == [
        (PENDING, None),
        (APPROVED, None),
        (REVOKED, "left the lab"),
    ]
    assert [row.updated_by_id for row in rows] == [None, admin.id, admin.id]
    assert rows[-1].updated_at == membership.updated_at


def test_group_history_reason_prefers_the_rejection_reason(app, make_user, make_group):
    user, admin, group = make_user(), make_user(), make_group()
    membership = create_group_membership(user, group.group_id, PENDING, request_reason="quolls")
    assert membership.requested_at == membership.updated_at
    change_group_status(membership, REJECTED, by=admin, rejection_reason="not eligible")
    change_group_status(membership, PENDING, by=None, request_reason="second try")
    change_group_status(membership, APPROVED, by=admin)
    change_group_status(membership, REVOKED, by=admin, revocation_reason="misuse")
    rows = history_of(GroupMembershipHistory, user.id)
    assert [(row.approval_status, row.reason) for row in rows] == [
        (PENDING, None),
        (REJECTED, "not eligible"),
        (PENDING, None),
        (APPROVED, None),
        (REVOKED, "misuse"),
    ]
    assert membership.request_reason == "second try"
    assert membership.rejection_reason is None
