"""What admins do to memberships and accounts (30 §2.2, portal contract #19-31).

Each service changes the database (flush only; the view commits once) and Auth0 in a deliberate
order (D6): Auth0 first, then the database, so an Auth0 failure leaves nothing written. If the
commit fails after Auth0 changed, Auth0 is ahead of the database, and the next sync (which reads
Auth0) repairs it. Emails go to the outbox in the same transaction, so they exist only if the
change committed (D7).
"""

import logging

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from aai.access.memberships import (
    change_group_status,
    change_platform_status,
    platform_access_role_id,
    role_id_by_name,
)
from aai.accounts.history import record_user_history
from aai.email.outbox import first_name, queue_email
from aai.errors import ApiError, NotFoundError, RequestValidationError
from aai.extensions import db
from aai.identity.auth0 import Auth0RequestRejectedError, auth0_client
from aai.models import (
    ApprovalStatusEnum,
    BiocommonsGroup,
    BiocommonsUser,
    BiocommonsUserHistory,
    GroupMembership,
    Platform,
    PlatformMembership,
    utc_now,
)

logger = logging.getLogger(__name__)

APPROVED = ApprovalStatusEnum.APPROVED
PENDING = ApprovalStatusEnum.PENDING
REJECTED = ApprovalStatusEnum.REJECTED
REVOKED = ApprovalStatusEnum.REVOKED
USERNAME_TAKEN = "Username is already taken"
EMAIL_TAKEN = "Email is already in use by another user"


def field_error(field: str, message: str) -> RequestValidationError:
    """The portal's inline form error (400 `{message, field_errors}`, portal contract §4)."""
    return RequestValidationError(message, [{"field": field, "message": message}], status=400)


def message_error(message: str) -> RequestValidationError:
    """A 400 whose `message` the portal shows as an alert (no field to attach it to)."""
    return RequestValidationError(message, [], status=400)


# --- memberships -----------------------------------------------------------------------------


def platform_membership(user_id: str, platform: Platform) -> PlatformMembership:
    membership = db.session.scalar(
        select(PlatformMembership).where(
            PlatformMembership.user_id == user_id,
            PlatformMembership.platform_id == platform.id,
            PlatformMembership.active(),
        )
    )
    if membership is None or not _user_is_live(user_id):
        raise NotFoundError(
            f"Platform membership for user {user_id} on platform {platform.id.value} not found"
        )
    return membership


def group_membership(user_id: str, group: BiocommonsGroup) -> GroupMembership:
    membership = db.session.scalar(
        select(GroupMembership).where(
            GroupMembership.user_id == user_id,
            GroupMembership.group_id == group.group_id,
            GroupMembership.active(),
        )
    )
    if membership is None or not _user_is_live(user_id):
        raise NotFoundError(
            f"Group membership for user {user_id} on group {group.group_id} not found"
        )
    return membership


def _user_is_live(user_id: str) -> bool:
    # A deleted account keeps its memberships (for a restore); they are not for acting on.
    user = db.session.get(BiocommonsUser, user_id)
    return user is not None and not user.is_deleted


def approve_platform(
    membership: PlatformMembership, platform: Platform, admin: BiocommonsUser | None
) -> None:
    """Any status may be (re-)approved; the Auth0 role is granted only if the status changes."""
    if membership.approval_status is not APPROVED:
        auth0 = auth0_client()
        auth0.add_user_roles(membership.user_id, [platform_access_role_id(auth0, platform)])
    change_platform_status(membership, APPROVED, by=admin)


def revoke_platform(
    membership: PlatformMembership,
    platform: Platform,
    admin: BiocommonsUser | None,
    reason: str | None,
) -> None:
    if membership.approval_status is APPROVED:
        auth0 = auth0_client()
        auth0.remove_user_roles(membership.user_id, [platform_access_role_id(auth0, platform)])
    change_platform_status(membership, REVOKED, by=admin, revocation_reason=reason)


def approve_group(
    membership: GroupMembership, group: BiocommonsGroup, admin: BiocommonsUser | None
) -> None:
    if membership.approval_status not in (PENDING, REVOKED):
        raise ApiError("Only pending or revoked group memberships can be approved.")
    auth0 = auth0_client()
    auth0.add_user_roles(membership.user_id, [role_id_by_name(auth0, group.group_id)])
    change_group_status(membership, APPROVED, by=admin)
    user = membership.user
    if user.email:
        queue_email(
            user.email,
            "group_approved",
            first_name=_first_name_from_auth0(user.id),
            group_name=group.name,
            short_name=group.short_name,
        )


def _first_name_from_auth0(user_id: str) -> str:
    """The member's first name for the email; any Auth0 trouble just means "there"."""
    try:
        profile = auth0_client().get_user(user_id)
    except ApiError as error:
        logger.warning("no Auth0 profile for the approval email of %s: %s", user_id, error)
        return "there"
    return first_name(profile.get("given_name"), profile.get("name"), "there")


def reject_group(membership: GroupMembership, admin: BiocommonsUser | None, reason: str) -> None:
    if membership.approval_status is not PENDING:
        raise ApiError("Only pending group requests can be rejected.")
    change_group_status(membership, REJECTED, by=admin, rejection_reason=reason)


def unreject_group(membership: GroupMembership, admin: BiocommonsUser | None) -> None:
    """Back to pending: the same request again, so its reason and request time are kept."""
    if membership.approval_status is not REJECTED:
        raise ApiError("Only rejected group requests can be unrejected.")
    change_group_status(
        membership,
        PENDING,
        by=admin,
        request_reason=membership.request_reason,
        requested_at=membership.requested_at,
    )


def revoke_group(
    membership: GroupMembership,
    group: BiocommonsGroup,
    admin: BiocommonsUser | None,
    reason: str | None,
) -> None:
    if membership.approval_status is APPROVED:
        auth0 = auth0_client()
        auth0.remove_user_roles(membership.user_id, [role_id_by_name(auth0, group.group_id)])
    change_group_status(membership, REVOKED, by=admin, revocation_reason=reason)


# --- accounts --------------------------------------------------------------------------------


def update_email(user: BiocommonsUser, email: str, admin: BiocommonsUser | None) -> None:
    if email.lower() == user.email.lower():
        raise field_error("email", "Email address is already set to that value")
    # Deleted accounts count too: the unique constraint covers them (30 §2.2 QUIRK).
    taken = select(BiocommonsUser.id).where(
        func.lower(BiocommonsUser.email) == email.lower(), BiocommonsUser.id != user.id
    )
    if db.session.scalar(taken.limit(1)) is not None:
        raise field_error("email", EMAIL_TAKEN)
    try:
        # Auth0 sends the verification email for the new address as part of this call, so
        # nothing is left to do (and to fail) after the commit.
        updated = auth0_client().update_user(
            user.id, {"email": email, "email_verified": False, "verify_email": True}
        )
    except Auth0RequestRejectedError as error:
        if error.status == 409:
            raise field_error("email", EMAIL_TAKEN) from error
        raise ApiError("Failed to update user email.") from error
    record_user_history(user, "email_update", admin)
    old_email = user.email
    user.email = updated.get("email") or email
    user.email_verified = bool(updated.get("email_verified", False))
    db.session.flush()
    queue_email(old_email, "email_changed", old_email=old_email, new_email=user.email)


def username_in_use(username: str, user_id: str) -> bool:
    """Held by another account (deleted ones too), or once used by another account."""
    held = select(BiocommonsUser.id).where(
        BiocommonsUser.username == username, BiocommonsUser.id != user_id
    )
    used = select(BiocommonsUserHistory.id).where(
        BiocommonsUserHistory.username == username,
        BiocommonsUserHistory.user_id != user_id,
        BiocommonsUserHistory.active(),
    )
    return db.session.scalar(select(or_(held.exists(), used.exists())))


def update_username(user: BiocommonsUser, username: str, admin: BiocommonsUser | None) -> None:
    if username == user.username:
        raise field_error("username", "Username is already set to that value")
    if username_in_use(username, user.id):
        raise field_error("username", USERNAME_TAKEN)
    try:
        updated = auth0_client().update_user(user.id, {"username": username})
    except Auth0RequestRejectedError as error:
        raise _username_rejection(error) from error
    record_user_history(user, "username_update", admin)
    old_username = user.username
    try:
        with db.session.begin_nested():  # a concurrent taker loses here, not with a 409
            user.username = updated.get("username") or username
    except IntegrityError as error:
        raise field_error("username", USERNAME_TAKEN) from error
    queue_email(
        user.email, "username_changed", old_username=old_username, new_username=user.username
    )


def _username_rejection(error: Auth0RequestRejectedError) -> RequestValidationError:
    if error.status == 409:
        return field_error("username", USERNAME_TAKEN)
    if error.status == 400:
        return message_error(error.detail or "Invalid username")
    return message_error("Unknown error.")


def delete_user(user: BiocommonsUser, admin: BiocommonsUser | None, reason: str | None) -> None:
    """Soft delete, keeping memberships so that a restore brings access back."""
    block_in_auth0(user.id)
    record_user_history(user, "user_deletion", admin, reason)
    user.deletion_reason = reason
    user.deleted_at = utc_now()
    user.deleted_by_id = admin.id if admin is not None else None
    user.soft_delete()
    db.session.flush()


def block_in_auth0(user_id: str) -> None:
    """Block the login, then end its sessions' refresh tokens (best effort)."""
    auth0 = auth0_client()
    try:
        auth0.update_user(user_id, {"blocked": True})
    except Auth0RequestRejectedError as error:
        if error.status != 404:
            raise
        logger.warning("deleting %s, which Auth0 no longer has", user_id)
        return
    try:
        auth0.revoke_refresh_tokens(user_id)
    except ApiError as error:  # blocked users cannot log in anyway; tokens expire
        logger.warning("could not revoke the refresh tokens of %s: %s", user_id, error)


def delete_invalid_email(
    user: BiocommonsUser, admin: BiocommonsUser | None, correct_email: str
) -> None:
    """Delete an unverified account registered with a mistyped address; tell the right one.

    The account is soft-deleted and blocked like any deletion (its username stays reserved,
    as for every deleted account), and the person at the correct address is asked to register
    again. See docs/decisions.md.
    """
    if user.email_verified:
        raise ApiError("Only accounts with an unverified email address can be deleted this way.")
    if correct_email.lower() == user.email.lower():
        raise field_error("correct_email", "The correct email address is the account's address.")
    mistyped = user.email
    reason = f"Unverified email address {mistyped} was mistyped; correct address: {correct_email}"
    delete_user(user, admin, reason)
    queue_email(
        correct_email,
        "mistyped_email_account_deleted",
        mistyped_email=mistyped,
        register_url=f"{current_app.config['AAI_PORTAL_URL']}/register",
    )


def resend_verification_email(user: BiocommonsUser) -> None:
    auth0_client().send_verification_email(user.id)


def send_password_reset_email(user: BiocommonsUser) -> None:
    """Auth0 sends the email; only database-connection accounts have a password to reset."""
    auth0 = auth0_client()
    profile = auth0.get_user(user.id)
    connection = current_app.config["AUTH0_DB_CONNECTION"]
    identities = profile.get("identities") or []
    if not any(identity.get("connection") == connection for identity in identities):
        raise ApiError("Password resets are not supported for this account.")
    if not profile.get("email"):
        raise ApiError("User does not have an email address.")
    try:
        auth0.send_password_change_email(profile["email"])
    except Auth0RequestRejectedError as error:
        raise ApiError("Failed to send password reset email.") from error


def auth0_profile(user: BiocommonsUser) -> dict:
    """The user's Auth0 record (for the details page)."""
    try:
        return auth0_client().get_user(user.id)
    except Auth0RequestRejectedError as error:
        if error.status == 404:
            raise NotFoundError(f"User with ID {user.id} not found") from error
        raise
