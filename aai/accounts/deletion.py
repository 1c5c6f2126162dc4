"""Deleting and restoring accounts, whoever asks: an admin, the user themselves, the dashboard.

Deletion is soft: the row and its memberships stay, so a restore brings access back; the user
is blocked in Auth0 and their refresh tokens are revoked. Both follow the one order of
`aai.consistency` (database flushed, then Auth0, then the caller commits with the returned
undo). The Auth0 → database sync mirrors blocks and unblocks with the same model methods.
"""

import logging

from flask import current_app

from aai.accounts.history import record_user_history
from aai.consistency import Undo
from aai.email.outbox import queue_email
from aai.errors import ApiError, BadRequestError, ConflictError, FieldError, ForbiddenError
from aai.extensions import db
from aai.identity.auth0 import Auth0Client, Auth0RequestRejectedError
from aai.models import BiocommonsUser

logger = logging.getLogger(__name__)

SELF_DELETION = "User self-deletion"
USER_DELETION = "user_deletion"
USER_RESTORATION = "user_restoration"


def delete_account(
    auth0: Auth0Client, user: BiocommonsUser, *, by: BiocommonsUser, reason: str | None
) -> Undo:
    """Soft-delete `user` (made by `by`, the user or an admin, for `reason`) and block them
    in Auth0. A deletion without its author is refused: `deleted_by_id` is never NULL here."""
    if by is None:
        raise ForbiddenError("A deletion must record who made it.")
    record_user_history(user, USER_DELETION, by, reason)
    user.mark_deleted(by, reason)
    db.session.flush()
    user_id = user.id  # read now: after a rollback the row is expired
    _block(auth0, user_id)
    return lambda: auth0.update_user(user_id, {"blocked": False})


def _block(auth0: Auth0Client, user_id: str) -> None:
    """Block the login, then end its sessions' refresh tokens (best effort)."""
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
        logger.warning("could not revoke the refresh tokens of %s: %s", user_id, error.detail)


def delete_mistyped_account(
    auth0: Auth0Client, user: BiocommonsUser, *, by: BiocommonsUser, correct_email: str
) -> Undo:
    """Delete an unverified account registered with a mistyped address; tell the right one.

    The account is soft-deleted and blocked like any deletion (its username stays reserved,
    as for every deleted account), and the person at the correct address is asked to register
    again. See docs/decisions.md.
    """
    if user.email_verified:
        raise BadRequestError(
            "Only accounts with an unverified email address can be deleted this way."
        )
    if correct_email.lower() == user.email.lower():
        raise FieldError("correct_email", "The correct email address is the account's address.")
    mistyped = user.email
    reason = f"Unverified email address {mistyped} was mistyped; correct address: {correct_email}"
    undo = delete_account(auth0, user, by=by, reason=reason)
    queue_email(
        correct_email,
        "mistyped_email_account_deleted",
        mistyped_email=mistyped,
        register_url=f"{current_app.config['AAI_PORTAL_URL']}/register",
    )
    return undo


def restore_account(
    auth0: Auth0Client, user: BiocommonsUser, *, by: BiocommonsUser, reason: str
) -> Undo:
    """Bring back a soft-deleted user and unblock them in Auth0 (30 §4.5, its QUIRK fixed).

    The restoration is recorded where changes are recorded, in the user's history (who, when,
    why), and the deletion columns are cleared (`mark_restored`). The original wrote the
    restorer and reason into `deleted_by_id`/`deletion_reason`, so a live user looked deleted.
    Memberships are untouched: a deletion keeps them, so access comes back with the user.
    """
    if by is None:
        raise ForbiddenError("A restoration must record who made it.")
    if not user.is_deleted:
        raise ConflictError(f"User {user.id} is not deleted.")
    record_user_history(user, USER_RESTORATION, by, reason)
    user.mark_restored()
    db.session.flush()
    user_id = user.id
    auth0.update_user(user_id, {"blocked": False})
    return lambda: auth0.update_user(user_id, {"blocked": True})
