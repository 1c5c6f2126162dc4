"""Changing a username, whoever asks: an admin (`/admin`) or the user themselves (`/me`).

Usernames are unique among all accounts, deleted ones included, and a username kept in another
user's history is never reused (see `aai.accounts.availability`). The change follows the one
order of `aai.consistency`: history row and new username flushed (a concurrent taker fails
there, before Auth0 is touched), then Auth0, then the view commits with the returned undo.
"""

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from aai.accounts.availability import USERNAME_TAKEN, username_in_use
from aai.accounts.history import record_user_history
from aai.consistency import Undo
from aai.email.outbox import queue_email
from aai.errors import FieldError, FormError
from aai.extensions import db
from aai.identity.auth0 import Auth0Client, Auth0RequestRejectedError
from aai.models import BiocommonsUser

# The same refusal, worded by each page as the original does (tests pin both).
UNCHANGED_FOR_ADMIN = "Username is already set to that value"
UNCHANGED_FOR_SELF = "New username must be different from the current username"


@dataclass(frozen=True)
class UsernameChange:
    auth0_user: dict
    undo: Undo


def change_username(
    auth0: Auth0Client,
    user: BiocommonsUser,
    username: str,
    *,
    by: BiocommonsUser | None,
    unchanged_message: str,
    tell_user: bool,
) -> UsernameChange:
    """Rename `user` (made by `by`); `tell_user` emails them, for a change someone else made."""
    if username == user.username:
        raise FieldError("username", unchanged_message)
    if username_in_use(username, owner_id=user.id):
        raise FieldError("username", USERNAME_TAKEN)
    old_username, user_id = user.username, user.id
    record_user_history(user, "username_update", by)
    try:
        with db.session.begin_nested():
            user.username = username
    except IntegrityError:
        raise FieldError("username", USERNAME_TAKEN) from None
    try:
        auth0_user = auth0.update_user(user_id, {"username": username})
    except Auth0RequestRejectedError as error:
        raise auth0_refusal(error) from error
    if tell_user:
        queue_email(
            user.email, "username_changed", old_username=old_username, new_username=username
        )
    return UsernameChange(
        auth0_user, lambda: auth0.update_user(user_id, {"username": old_username})
    )


def auth0_refusal(error: Auth0RequestRejectedError) -> FormError:
    """Auth0's refusals of a username as the original words them (20 §9.13)."""
    if error.status == 409:
        return FieldError("username", USERNAME_TAKEN)
    if error.status == 400:
        return FormError(error.detail or "Invalid username")
    return FormError("Unknown error.")
