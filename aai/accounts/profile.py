"""The caller's own account (20 §9.5–9.18): profile, memberships, username, name, password and
self-deletion.

Where a change touches Auth0 and the database, the database change is flushed first (so
uniqueness fails before Auth0 is touched), Auth0 follows, and the view commits inside
`aai.accounts.consistency.compensated` with the Auth0 change to undo if the commit fails.
"""

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from aai.accounts.availability import USERNAME_TAKEN, username_in_use
from aai.accounts.history import record_user_history
from aai.errors import ApiError, RequestValidationError
from aai.extensions import db
from aai.identity.auth0 import Auth0Client, Auth0RequestRejectedError
from aai.models import (
    ApprovalStatusEnum,
    BiocommonsGroup,
    BiocommonsUser,
    GroupMembership,
    Platform,
    PlatformMembership,
    utc_now,
)

logger = logging.getLogger(__name__)

SHOW_WELCOME_CLAIM = "https://biocommons.org.au/show_migration_welcome"
SELF_DELETION = "User self-deletion"


# --- reading -----------------------------------------------------------------------------------


def platform_memberships(user_id: str, status: ApprovalStatusEnum | None = None):
    """The user's live platform memberships (optionally of one status) with their platform."""
    query = (
        select(PlatformMembership, Platform)
        .join(Platform, Platform.id == PlatformMembership.platform_id)
        .where(PlatformMembership.user_id == user_id, PlatformMembership.active())
        .order_by(Platform.name)
    )
    if status is not None:
        query = query.where(PlatformMembership.approval_status == status)
    return db.session.execute(query).all()


def group_memberships(user_id: str, status: ApprovalStatusEnum | None = None):
    """The user's live group memberships (optionally of one status) with their group."""
    query = (
        select(GroupMembership, BiocommonsGroup)
        .join(BiocommonsGroup, BiocommonsGroup.group_id == GroupMembership.group_id)
        .where(GroupMembership.user_id == user_id, GroupMembership.active())
        .order_by(BiocommonsGroup.name)
    )
    if status is not None:
        query = query.where(GroupMembership.approval_status == status)
    return db.session.execute(query).all()


def profile(auth0: Auth0Client, user: BiocommonsUser, access_token: str) -> dict:
    """Names and picture from Auth0's /userinfo (with the caller's token); email, username and
    memberships from the database; revoked memberships left out (20 §9.5)."""
    info = auth0.userinfo(access_token)
    revoked = ApprovalStatusEnum.REVOKED
    # The portal declares the split names optional (`given_name?: string`): absent, not null.
    names = {key: info[key] for key in ("given_name", "family_name") if info.get(key)}
    return {
        "user_id": user.id,
        "name": info.get("name") or user.username,
        **names,
        "email": user.email,
        "email_verified": bool(info.get("email_verified", user.email_verified)),
        "username": user.username,
        "picture": info.get("picture") or "",
        "created_at": user.created_at,
        "last_login": None,  # /userinfo does not tell; declared by the portal, never shown
        "updated_at": info.get("updated_at") or user.created_at.isoformat(),
        "show_welcome_message": info.get(SHOW_WELCOME_CLAIM),
        "platform_memberships": [
            row for row in platform_memberships(user.id) if row[0].approval_status is not revoked
        ],
        "group_memberships": [
            row for row in group_memberships(user.id) if row[0].approval_status is not revoked
        ],
    }


# --- username ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UsernameChange:
    auth0_user: dict
    old_username: str


def _username_error(message: str) -> RequestValidationError:
    return RequestValidationError(message, [{"field": "username", "message": message}], status=400)


def change_username(auth0: Auth0Client, user: BiocommonsUser, username: str) -> UsernameChange:
    if username == user.username:
        raise _username_error("New username must be different from the current username")
    if username_in_use(username, owner_id=user.id):
        raise _username_error(USERNAME_TAKEN)
    old = user.username
    _record_history(user, "username_update")
    try:
        with db.session.begin_nested():
            user.username = username
    except IntegrityError:
        raise _username_error(USERNAME_TAKEN) from None
    try:
        auth0_user = auth0.update_user(user.id, {"username": username})
    except Auth0RequestRejectedError as error:
        raise _auth0_username_error(error) from error
    return UsernameChange(auth0_user, old)


def undo_username(auth0: Auth0Client, user: BiocommonsUser, change: UsernameChange):
    """The Auth0 change that puts the old username back."""
    user_id = user.id  # read now: after a rollback the row is expired
    return lambda: auth0.update_user(user_id, {"username": change.old_username})


def _auth0_username_error(error: Auth0RequestRejectedError) -> RequestValidationError:
    """Auth0's refusals as the original words them (20 §9.13)."""
    if error.status == 409:
        return _username_error(USERNAME_TAKEN)
    if error.status == 400:
        return RequestValidationError(error.detail or "Invalid username", [], status=400)
    return RequestValidationError("Unknown error.", [], status=400)


def _record_history(user: BiocommonsUser, change: str, reason: str | None = None) -> None:
    """Snapshot of the user before a change the user makes themselves."""
    record_user_history(user, change, by=user, reason=reason)


# --- name --------------------------------------------------------------------------------------


def avatar_url(first: str, last: str) -> str | None:
    """The original's generated avatar: the first ASCII letter of each name."""
    initials = [
        next((c.lower() for c in name if c.isascii() and c.isalpha()), None)
        for name in (first, last)
    ]
    if None in initials:
        return None
    return f"https://ui-avatars.com/api/?name={''.join(initials)}&background=random"


def change_name(auth0: Auth0Client, user: BiocommonsUser, first: str, last: str) -> dict:
    """Names live in Auth0 only; the database is not changed."""
    fields = {
        "given_name": first,
        "family_name": last,
        "name": f"{first} {last}",
        "picture": avatar_url(first, last),
    }
    try:
        return auth0.update_user(user.id, fields)
    except Auth0RequestRejectedError as error:
        raise ApiError("Failed to update name.", status=400) from error


# --- password ----------------------------------------------------------------------------------


def change_password(auth0: Auth0Client, user: BiocommonsUser, current: str, new: str) -> None:
    """Check the current password through Auth0, then set the new one (20 §9.17)."""
    try:
        record = auth0.get_user(user.id)
    except Auth0RequestRejectedError as error:
        raise ApiError("Failed to fetch user data", status=403) from error
    connection = current_app.config["AUTH0_DB_CONNECTION"]
    if not any(i.get("connection") == connection for i in record.get("identities") or []):
        raise RequestValidationError(
            "Password changes are not supported for this account.", [], status=400
        )
    # The email identifies the account for the check: every database account has one, not
    # every account has a username (20 §11 quirk 12).
    if not auth0.check_password(record.get("email") or user.email, current):
        message = "Current password is incorrect"
        field_errors = [{"field": "currentPassword", "message": message}]
        raise RequestValidationError(message, field_errors, status=400)
    try:
        auth0.update_user(user.id, {"password": new})
    except Auth0RequestRejectedError as error:
        raise RequestValidationError("Failed to update password", [], status=400) from error


# --- self-deletion -----------------------------------------------------------------------------


def delete_self(auth0: Auth0Client, user: BiocommonsUser) -> None:
    """Soft delete (memberships kept, so the account can be restored), then block in Auth0 and
    revoke refresh tokens. The view commits, unblocking in Auth0 if the commit fails."""
    _record_history(user, "user_deletion", SELF_DELETION)
    user.deletion_reason = SELF_DELETION
    user.deleted_at = utc_now()
    user.deleted_by_id = user.id
    user.soft_delete()
    db.session.flush()
    auth0.update_user(user.id, {"blocked": True})
    try:
        auth0.revoke_refresh_tokens(user.id)
    except ApiError as error:
        # Blocked users cannot refresh tokens anyway; this only tidies up.
        logger.warning("cannot revoke refresh tokens of %s: %s", user.id, error.detail)


def unblock(auth0: Auth0Client, user: BiocommonsUser):
    """The Auth0 change that undoes the block of a self-deletion."""
    user_id = user.id  # read now: after a rollback the row is expired
    return lambda: auth0.update_user(user_id, {"blocked": False})
