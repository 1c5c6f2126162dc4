"""A user's profile (20 §9.5–9.18): reading it (the user's own view, an admin's view of the
Auth0 record), the name and the password.

Names and passwords live in Auth0 only; their changes write the user's row anyway, unchanged,
so that the next `/me/profile`, cached per user and cache version, reads Auth0 again
(`note_auth0_profile_change`). Username, email and deletion have their own modules
(`username`, `email_change`, `deletion`).
"""

from functools import cache

from sqlalchemy import bindparam, select, update

from aai.errors import BadRequestError, FieldError, ForbiddenError, FormError, NotFoundError
from aai.extensions import db
from aai.identity.auth0 import Auth0Client, Auth0RequestRejectedError, has_database_login
from aai.models import (
    ApprovalStatusEnum,
    BiocommonsGroup,
    BiocommonsUser,
    GroupMembership,
    Platform,
    PlatformMembership,
)

SHOW_WELCOME_CLAIM = "https://biocommons.org.au/show_migration_welcome"
REVOKED = ApprovalStatusEnum.REVOKED


# --- reading -----------------------------------------------------------------------------------


def own_platform_memberships(user_id: str, status: ApprovalStatusEnum | None = None):
    """`/me/platforms`: the user's live platform memberships (optionally of one status) as
    (platform_id, approval_status) rows by platform name."""
    return _column_rows(_own_platforms_query(status), user_id)


def own_group_memberships(user_id: str, status: ApprovalStatusEnum | None = None):
    """`/me/groups`: the user's live group memberships as (group_id, approval_status,
    group_name) rows by group name."""
    return _column_rows(_own_groups_query(status), user_id)


def _column_rows(query, user_id: str):
    """Rows of a statement that selects columns only. Run on the session's connection: the
    ORM's per-statement work (autoflush, result loading) costs more Python than these indexed
    reads; the callers are read-only views, with nothing to flush."""
    return db.session.connection().execute(query, {"user_id": user_id}).all()


# The `/me` reads come with every portal page: columns rather than ORM objects, and statements
# built once per status (building one costs more Python than running it).
@cache
def _own_platforms_query(status: ApprovalStatusEnum | None):
    query = select(PlatformMembership.platform_id, PlatformMembership.approval_status).join(
        Platform, Platform.id == PlatformMembership.platform_id
    )
    return _live_memberships(query, PlatformMembership, Platform, status)


@cache
def _own_groups_query(status: ApprovalStatusEnum | None):
    query = select(
        GroupMembership.group_id,
        GroupMembership.approval_status,
        BiocommonsGroup.name.label("group_name"),
    ).join(BiocommonsGroup, BiocommonsGroup.group_id == GroupMembership.group_id)
    return _live_memberships(query, GroupMembership, BiocommonsGroup, status)


@cache
def _profile_platforms_query():
    query = select(
        PlatformMembership.platform_id,
        Platform.name.label("platform_name"),
        PlatformMembership.approval_status,
    ).join(Platform, Platform.id == PlatformMembership.platform_id)
    query = query.where(PlatformMembership.approval_status != REVOKED)  # left out (20 §9.5)
    return _live_memberships(query, PlatformMembership, Platform, None)


@cache
def _profile_groups_query():
    query = select(
        GroupMembership.group_id,
        BiocommonsGroup.name.label("group_name"),
        BiocommonsGroup.short_name.label("group_short_name"),
        GroupMembership.approval_status,
    ).join(BiocommonsGroup, BiocommonsGroup.group_id == GroupMembership.group_id)
    query = query.where(GroupMembership.approval_status != REVOKED)  # left out (20 §9.5)
    return _live_memberships(query, GroupMembership, BiocommonsGroup, None)


def _live_memberships(query, model, owner, status: ApprovalStatusEnum | None):
    """`query` narrowed to the live memberships (of `status`) of the user in parameter
    `user_id`, by the owner's name."""
    query = query.where(model.user_id == bindparam("user_id"), model.active())
    if status is not None:
        query = query.where(model.approval_status == status)
    return query.order_by(owner.name)


def profile(auth0: Auth0Client, user: BiocommonsUser, access_token: str) -> dict:
    """Names and picture from Auth0's /userinfo (with the caller's token); email, username and
    memberships from the database; revoked memberships left out (20 §9.5)."""
    info = auth0.userinfo(access_token)
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
        "platform_memberships": _column_rows(_profile_platforms_query(), user.id),
        "group_memberships": _column_rows(_profile_groups_query(), user.id),
    }


def auth0_record(auth0: Auth0Client, user: BiocommonsUser) -> dict:
    """The user's Auth0 record (an admin's details page); 404 when Auth0 no longer has it."""
    try:
        return auth0.get_user(user.id)
    except Auth0RequestRejectedError as error:
        if error.status == 404:
            raise NotFoundError(f"User with ID {user.id} not found") from error
        raise


def note_auth0_profile_change(user_id: str) -> None:
    """Before aai changes what Auth0's /userinfo tells of the user, with no database change of
    its own (names, password, the migration flag): rewrite the user's row as it is. The write
    changes the cache version when the view commits (migration f3a9c6e2d417), so the user's
    cached `/me/profile` is read afresh by every process and replica (docs/decisions.md 70).
    First, as any database change (aai.consistency): a database that cannot take it stops the
    change before Auth0 is touched."""
    unchanged = update(BiocommonsUser).values(created_at=BiocommonsUser.created_at)
    db.session.execute(
        unchanged.where(BiocommonsUser.id == user_id),
        execution_options={"synchronize_session": False},
    )


# --- name --------------------------------------------------------------------------------------


def avatar_url(first: str, last: str) -> str | None:
    """The original's generated avatar: the first ASCII letter of each name."""
    initials = [
        next((c.lower() for c in name if c.isascii() and c.isalpha()), None)
        for name in (first, last)
    ]
    if None in initials:
        return None
    return f"https://ui-avatars.com/api/?name={''.join(filter(None, initials))}&background=random"


def change_name(auth0: Auth0Client, user: BiocommonsUser, first: str, last: str) -> dict:
    """Names live in Auth0 only; the view commits the unchanged row that makes the cached
    profile stale."""
    note_auth0_profile_change(user.id)
    fields = {
        "given_name": first,
        "family_name": last,
        "name": f"{first} {last}",
        "picture": avatar_url(first, last),
    }
    try:
        return auth0.update_user(user.id, fields)
    except Auth0RequestRejectedError as error:
        raise BadRequestError("Failed to update name.") from error


# --- password ----------------------------------------------------------------------------------


def change_password(auth0: Auth0Client, user: BiocommonsUser, current: str, new: str) -> None:
    """Check the current password through Auth0, then set the new one (20 §9.17); the view
    commits the unchanged row that makes the cached profile stale."""
    note_auth0_profile_change(user.id)
    try:
        record = auth0.get_user(user.id)
    except Auth0RequestRejectedError as error:
        raise ForbiddenError("Failed to fetch user data") from error
    if not has_database_login(record):
        raise FormError("Password changes are not supported for this account.")
    # The email identifies the account for the check: every database account has one, not
    # every account has a username (20 §11 quirk 12).
    if not auth0.check_password(record.get("email") or user.email, current):
        raise FieldError("currentPassword", "Current password is incorrect")
    try:
        auth0.update_user(user.id, {"password": new})
    except Auth0RequestRejectedError as error:
        raise FormError("Failed to update password") from error


def send_password_reset_email(auth0: Auth0Client, user: BiocommonsUser) -> None:
    """Auth0 sends the email; only database-connection accounts have a password to reset."""
    record = auth0.get_user(user.id)
    if not has_database_login(record):
        raise BadRequestError("Password resets are not supported for this account.")
    if not record.get("email"):
        raise BadRequestError("User does not have an email address.")
    try:
        auth0.send_password_change_email(record["email"])
    except Auth0RequestRejectedError as error:
        raise BadRequestError("Failed to send password reset email.") from error
