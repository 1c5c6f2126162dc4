"""Platform and group memberships: creation, status changes and what admins do to them.

Creation and status changes write the database only (and flush), each with its history row,
which copies the membership's status, time and author at the moment of the change (30 §4.4).
The admins' actions (30 §2.2, portal contract #19-31: approve, revoke, reject, unreject) also
grant or withdraw the Auth0 role, in the order of `aai.consistency`: database flushed, then
Auth0, and the view commits with the undo they return. Emails go to the outbox in the same
transaction, so they exist only if the change committed (D7).
"""

import logging
from datetime import datetime

from sqlalchemy import select

from aai.access.roles import platform_access_role_id, role_id_by_name
from aai.consistency import Undo, nothing_to_undo
from aai.email.outbox import first_name, queue_email
from aai.errors import ApiError, BadRequestError, ForbiddenError, NotFoundError
from aai.extensions import db
from aai.identity.auth0 import Auth0Client
from aai.models import (
    ApprovalStatusEnum,
    BiocommonsGroup,
    BiocommonsUser,
    GroupMembership,
    GroupMembershipHistory,
    Platform,
    PlatformEnum,
    PlatformMembership,
    PlatformMembershipHistory,
    utc_now,
)

logger = logging.getLogger(__name__)

APPROVED = ApprovalStatusEnum.APPROVED
PENDING = ApprovalStatusEnum.PENDING
REJECTED = ApprovalStatusEnum.REJECTED
REVOKED = ApprovalStatusEnum.REVOKED


NO_ACTOR = "An admin's change must record the admin who made it."


def _author_id(by: BiocommonsUser | None) -> str | None:
    return by.id if by is not None else None


def _require_actor(admin: BiocommonsUser | None) -> BiocommonsUser:
    """Admin changes are never anonymous (only the sync's automatic changes have no author)."""
    if admin is None:
        raise ForbiddenError(NO_ACTOR)
    return admin


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
    fields = _new_membership_fields(user, status, by, request_reason)
    membership = PlatformMembership(platform_id=platform_id, **fields)
    return _added(membership, record_platform_history)


def create_group_membership(
    user: BiocommonsUser,
    group_id: str,
    status: ApprovalStatusEnum,
    *,
    by: BiocommonsUser | None = None,
    request_reason: str | None = None,
) -> GroupMembership:
    fields = _new_membership_fields(user, status, by, request_reason)
    requested_at = fields["updated_at"] if status is ApprovalStatusEnum.PENDING else None
    membership = GroupMembership(group_id=group_id, requested_at=requested_at, **fields)
    return _added(membership, record_group_history)


def _new_membership_fields(
    user: BiocommonsUser,
    status: ApprovalStatusEnum,
    by: BiocommonsUser | None,
    request_reason: str | None,
) -> dict:
    return {
        "user_id": user.id,
        "approval_status": status,
        "updated_at": utc_now(),
        "updated_by_id": _author_id(by),
        "request_reason": request_reason,
    }


def _added(membership, record_history):
    db.session.add(membership)
    record_history(membership)
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
    _set_status(membership, status, by, revocation_reason, rejection_reason, at)
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
    _set_status(membership, status, by, revocation_reason, rejection_reason, at)
    if status is ApprovalStatusEnum.PENDING:
        membership.requested_at = requested_at or membership.updated_at
        membership.request_reason = request_reason
    record_group_history(membership)
    db.session.flush()


def _set_status(membership, status, by, revocation_reason, rejection_reason, at) -> None:
    membership.approval_status = status
    membership.revocation_reason = revocation_reason
    membership.rejection_reason = rejection_reason
    membership.updated_at = at or utc_now()
    membership.updated_by_id = _author_id(by)


# --- one membership, as admins find and change it ------------------------------------------------


def platform_membership(user_id: str, platform: Platform) -> PlatformMembership:
    what = f"Platform membership for user {user_id} on platform {platform.id.value}"
    of_platform = PlatformMembership.platform_id == platform.id
    return _live_membership(PlatformMembership, of_platform, user_id, what)


def group_membership(user_id: str, group: BiocommonsGroup) -> GroupMembership:
    what = f"Group membership for user {user_id} on group {group.group_id}"
    of_group = GroupMembership.group_id == group.group_id
    return _live_membership(GroupMembership, of_group, user_id, what)


def _live_membership(model, of_owner, user_id: str, what: str):
    """The user's live membership, locked for this transaction, else 404; a deleted account
    keeps its memberships (for a restore), but they are not for acting on.

    The row lock (`FOR UPDATE`; SQLite has one writer anyway) makes concurrent changes of one
    membership take turns: the status each change checks is the one the previous change
    committed (re-read, even if the session already held the row), so the loser of a race gets
    the answer a second call would get, and Auth0 is called once.
    """
    query = (
        select(model)
        .where(model.user_id == user_id, of_owner, model.active())
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    membership = db.session.scalar(query)
    user = db.session.get(BiocommonsUser, user_id) if membership is not None else None
    if user is None or user.is_deleted:
        raise NotFoundError(f"{what} not found")
    return membership


def approve_platform(
    auth0: Auth0Client,
    membership: PlatformMembership,
    platform: Platform,
    admin: BiocommonsUser | None,
) -> Undo:
    """Any status may be (re-)approved; the Auth0 role is granted only if the status changes."""
    _require_actor(admin)
    granting = membership.approval_status is not APPROVED
    change_platform_status(membership, APPROVED, by=admin)
    if not granting:
        return nothing_to_undo
    return _grant(auth0, membership.user_id, platform_access_role_id(auth0, platform))


def revoke_platform(
    auth0: Auth0Client,
    membership: PlatformMembership,
    platform: Platform,
    admin: BiocommonsUser | None,
    reason: str | None,
) -> Undo:
    _require_actor(admin)
    withdrawing = membership.approval_status is APPROVED
    change_platform_status(membership, REVOKED, by=admin, revocation_reason=reason)
    if not withdrawing:
        return nothing_to_undo
    return _withdraw(auth0, membership.user_id, platform_access_role_id(auth0, platform))


def approve_group(
    auth0: Auth0Client,
    membership: GroupMembership,
    group: BiocommonsGroup,
    admin: BiocommonsUser | None,
) -> Undo:
    """Approve a pending or revoked membership, grant the group's role, email the member."""
    _require_actor(admin)
    if membership.approval_status not in (PENDING, REVOKED):
        raise BadRequestError("Only pending or revoked group memberships can be approved.")
    change_group_status(membership, APPROVED, by=admin)
    undo = _grant(auth0, membership.user_id, role_id_by_name(auth0, group.group_id))
    user = membership.user
    if user.email:
        queue_email(
            user.email,
            "group_approved",
            first_name=_first_name_from_auth0(auth0, user.id),
            group_name=group.name,
            short_name=group.short_name,
        )
    return undo


def _first_name_from_auth0(auth0: Auth0Client, user_id: str) -> str:
    """The member's first name for the email; any Auth0 trouble just means "there"."""
    try:
        profile = auth0.get_user(user_id)
    except ApiError as error:
        logger.warning("no Auth0 profile for the approval email of %s: %s", user_id, error)
        return "there"
    return first_name(profile.get("given_name"), profile.get("name"), "there")


def revoke_group(
    auth0: Auth0Client,
    membership: GroupMembership,
    group: BiocommonsGroup,
    admin: BiocommonsUser | None,
    reason: str | None,
) -> Undo:
    _require_actor(admin)
    withdrawing = membership.approval_status is APPROVED
    change_group_status(membership, REVOKED, by=admin, revocation_reason=reason)
    if not withdrawing:
        return nothing_to_undo
    return _withdraw(auth0, membership.user_id, role_id_by_name(auth0, group.group_id))


def _grant(auth0: Auth0Client, user_id: str, role_id: str) -> Undo:
    auth0.add_user_roles(user_id, [role_id])
    return lambda: auth0.remove_user_roles(user_id, [role_id])


def _withdraw(auth0: Auth0Client, user_id: str, role_id: str) -> Undo:
    auth0.remove_user_roles(user_id, [role_id])
    return lambda: auth0.add_user_roles(user_id, [role_id])


def reject_group(membership: GroupMembership, admin: BiocommonsUser | None, reason: str) -> None:
    _require_actor(admin)
    if membership.approval_status is not PENDING:
        raise BadRequestError("Only pending group requests can be rejected.")
    change_group_status(membership, REJECTED, by=admin, rejection_reason=reason)


def unreject_group(membership: GroupMembership, admin: BiocommonsUser | None) -> None:
    """Back to pending: the same request again, so its reason and request time are kept."""
    _require_actor(admin)
    if membership.approval_status is not REJECTED:
        raise BadRequestError("Only rejected group requests can be unrejected.")
    change_group_status(
        membership,
        PENDING,
        by=admin,
        request_reason=membership.request_reason,
        requested_at=membership.requested_at,
    )
