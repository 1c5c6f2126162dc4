"""Platform and group memberships: creation and status changes, each with its history row.

These functions change the database only (and flush). Callers decide the Auth0 side and its
order (see `aai.identity.auth0`), and commit once at the boundary. History rows copy the
membership's status, time and author at the moment of the change (30 §4.4).
"""

from datetime import datetime

from sqlalchemy import select

from aai.errors import ApiError
from aai.extensions import db
from aai.identity.auth0 import Auth0Client
from aai.models import (
    ApprovalStatusEnum,
    Auth0Role,
    BiocommonsUser,
    GroupMembership,
    GroupMembershipHistory,
    Platform,
    PlatformEnum,
    PlatformMembership,
    PlatformMembershipHistory,
    utc_now,
)


def platform_access_role_name(platform_id: PlatformEnum) -> str:
    return f"biocommons/platform/{platform_id.value}"


def _author_id(by: BiocommonsUser | None) -> str | None:
    return by.id if by is not None else None


def record_platform_history(membership: PlatformMembership) -> PlatformMembershipHistory:
    entry = PlatformMembershipHistory(
        platform_id=membership.platform_id,
        user_id=membership.user_id,
        approval_status=membership.approval_status,
        updated_at=membership.updated_at,
        updated_by_id=membership.updated_by_id,
        reason=membership.revocation_reason,
    )
    db.session.add(entry)
    return entry


def record_group_history(membership: GroupMembership) -> GroupMembershipHistory:
    rejected = membership.approval_status is ApprovalStatusEnum.REJECTED
    reason = membership.rejection_reason if rejected and membership.rejection_reason else None
    entry = GroupMembershipHistory(
        group_id=membership.group_id,
        user_id=membership.user_id,
        approval_status=membership.approval_status,
        updated_at=membership.updated_at,
        updated_by_id=membership.updated_by_id,
        reason=reason or membership.revocation_reason,
    )
    db.session.add(entry)
    return entry


def create_platform_membership(
    user: BiocommonsUser,
    platform_id: PlatformEnum,
    status: ApprovalStatusEnum,
    *,
    by: BiocommonsUser | None = None,
    request_reason: str | None = None,
) -> PlatformMembership:
    membership = PlatformMembership(
        platform_id=platform_id,
        user_id=user.id,
        approval_status=status,
        updated_at=utc_now(),
        updated_by_id=_author_id(by),
        request_reason=request_reason,
    )
    db.session.add(membership)
    record_platform_history(membership)
    db.session.flush()
    return membership


def create_group_membership(
    user: BiocommonsUser,
    group_id: str,
    status: ApprovalStatusEnum,
    *,
    by: BiocommonsUser | None = None,
    request_reason: str | None = None,
) -> GroupMembership:
    now = utc_now()
    membership = GroupMembership(
        group_id=group_id,
        user_id=user.id,
        approval_status=status,
        updated_at=now,
        updated_by_id=_author_id(by),
        request_reason=request_reason,
        requested_at=now if status is ApprovalStatusEnum.PENDING else None,
    )
    db.session.add(membership)
    record_group_history(membership)
    db.session.flush()
    return membership


def change_platform_status(
    membership: PlatformMembership,
    status: ApprovalStatusEnum,
    *,
    by: BiocommonsUser | None,
    revocation_reason: str | None = None,
    rejection_reason: str | None = None,
    at: datetime | None = None,
) -> None:
    """Set the status (and the matching reason, clearing the other kinds) with history."""
    membership.approval_status = status
    membership.revocation_reason = revocation_reason
    membership.rejection_reason = rejection_reason
    membership.updated_at = at or utc_now()
    membership.updated_by_id = _author_id(by)
    record_platform_history(membership)
    db.session.flush()


def change_group_status(
    membership: GroupMembership,
    status: ApprovalStatusEnum,
    *,
    by: BiocommonsUser | None,
    revocation_reason: str | None = None,
    rejection_reason: str | None = None,
    request_reason: str | None = None,
    requested_at: datetime | None = None,
    at: datetime | None = None,
) -> None:
    """Set the status (and the matching reason, clearing the other kinds) with history.

    Moving to pending is a (re-)request: it records the reason and when it was made (now,
    unless `requested_at` keeps an earlier request's time, as an unreject does).
    """
    membership.approval_status = status
    membership.revocation_reason = revocation_reason
    membership.rejection_reason = rejection_reason
    membership.updated_at = at or utc_now()
    membership.updated_by_id = _author_id(by)
    if status is ApprovalStatusEnum.PENDING:
        membership.requested_at = requested_at or membership.updated_at
        membership.request_reason = request_reason
    record_group_history(membership)
    db.session.flush()


def role_id_by_name(auth0: Auth0Client, name: str) -> str:
    """The Auth0 id of the role with this name: the synced copy first, else Auth0 itself."""
    local = db.session.scalars(
        select(Auth0Role.id).where(Auth0Role.name == name, Auth0Role.active())
    ).all()
    if len(local) == 1:
        return local[0]
    role = auth0.role_by_name(name)
    if role is None:
        raise ApiError(f"Role {name} not found in Auth0.", status=502)
    return role["id"]


def platform_access_role_id(auth0: Auth0Client, platform: Platform) -> str:
    """The role that grants access to the platform (stored on the platform, or by name)."""
    return platform.role_id or role_id_by_name(auth0, platform_access_role_name(platform.id))
