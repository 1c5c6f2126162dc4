"""Whether a username or an email address is free, in the database and in Auth0.

The database's unique constraints cover soft-deleted users too, so a deleted account's username
and email stay taken here. Usernames kept in the user history are never reused by anyone else
(20 §10.5); their former owner may take one back (docs/decisions.md).
"""

import logging

from sqlalchemy import exists, func, or_, select

from aai.errors import ApiError, FormError
from aai.extensions import db
from aai.identity.auth0 import Auth0Client
from aai.models import BiocommonsUser, BiocommonsUserHistory

logger = logging.getLogger(__name__)

USERNAME_TAKEN = "Username is already taken"
# Three wordings of "this email belongs to someone else", each pinned by the answers of the
# endpoint that gives it (as the original words them):
EMAIL_TAKEN = "Email is already taken"  # registration and the availability check
EMAIL_IN_USE = "Email is already in use by another user"  # email change: admin, and step 1
EMAIL_IN_USE_AT_END = "Email is already in use by another user."  # email change: step 2 (409)


def username_in_use(username: str, *, owner_id: str | None = None) -> bool:
    """Held by another user (live or deleted) or in another user's username history."""
    held = exists().where(BiocommonsUser.username == username)
    historic = exists().where(
        BiocommonsUserHistory.username == username, BiocommonsUserHistory.active()
    )
    if owner_id is not None:
        held = held.where(BiocommonsUser.id != owner_id)
        historic = historic.where(BiocommonsUserHistory.user_id != owner_id)
    return bool(db.session.scalar(select(or_(held, historic))))


def email_in_use(email: str, *, owner_id: str | None = None) -> bool:
    """Held by another user, live or deleted, compared case-insensitively."""
    held = exists().where(func.lower(BiocommonsUser.email) == email.lower())
    if owner_id is not None:
        held = held.where(BiocommonsUser.id != owner_id)
    return bool(db.session.scalar(select(held)))


def username_in_auth0(auth0: Auth0Client, username: str) -> bool:
    """An Auth0 user has exactly this username, compared case-insensitively (20 §9.1)."""
    query = 'username:"{}"'.format(username.replace("\\", "\\\\").replace('"', '\\"'))
    users = auth0.search_users(query)
    return any((user.get("username") or "").lower() == username.lower() for user in users)


def email_in_auth0(auth0: Auth0Client, email: str) -> bool:
    return any(
        (user.get("email") or "").lower() == email.lower() for user in auth0.users_by_email(email)
    )


def quietly(check, *args) -> bool:
    """A lookup that counts as "not found" when Auth0 cannot answer (as the original)."""
    try:
        return check(*args)
    except ApiError as error:
        logger.warning("availability lookup failed: %s", error.detail)
        return False


def taken_error(username_taken: bool, email_taken: bool) -> FormError:
    """The original's 400 for taken usernames and emails (20 §8.1), field errors included."""
    field_errors = []
    if username_taken:
        field_errors.append({"field": "username", "message": USERNAME_TAKEN})
    if email_taken:
        field_errors.append({"field": "email", "message": EMAIL_TAKEN})
    if username_taken and email_taken:
        message = "Username and email are already taken"
    elif username_taken or email_taken:
        message = field_errors[0]["message"]
    else:
        message = "Username or email is already taken"
    return FormError(message, field_errors)


REGISTRATION_APPS = ("biocommons", "galaxy", "bpa", "sbp")


def registration_app(auth0: Auth0Client, email: str) -> str:
    """`app_metadata.registration_from` of the user with this email; `biocommons` when there is
    no such user, no value, or Auth0 cannot answer (20 §9.3)."""
    try:
        users = auth0.users_by_email(email)
    except ApiError as error:
        logger.warning("registration-info lookup failed: %s", error.detail)
        return "biocommons"
    match = next((u for u in users if (u.get("email") or "").lower() == email.lower()), None)
    app = ((match or {}).get("app_metadata") or {}).get("registration_from")
    return app if app in REGISTRATION_APPS else "biocommons"
