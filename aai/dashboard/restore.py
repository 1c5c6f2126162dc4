"""Restoring a deleted user: the one write the dashboard offers (30 §4.5, with its QUIRK fixed)."""

from aai.accounts.history import record_user_history
from aai.errors import ConflictError
from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.models import BiocommonsUser

USER_RESTORATION = "user_restoration"


def restore_deleted_user(user: BiocommonsUser, restorer: BiocommonsUser, reason: str) -> None:
    """Bring back a soft-deleted user and unblock them in Auth0; the caller commits.

    The restoration is recorded where changes are recorded, in the user's history (who, when,
    why), and the deletion columns are cleared: they describe a current deletion, and the
    deletion itself stays in history as its `user_deletion` row. (The original wrote the
    restorer and reason into `deleted_by_id`/`deletion_reason`, so a live user looked deleted.)
    Memberships are untouched: an admin deletion keeps them, so access comes back with the user.
    """
    if not user.is_deleted:
        raise ConflictError(f"User {user.id} is not deleted.")
    record_user_history(user, USER_RESTORATION, restorer, reason)
    user.restore()
    user.deleted_at = user.deleted_by_id = user.deletion_reason = None
    db.session.flush()
    # Auth0 last, before the caller's commit: if unblocking fails, the caller rolls back and
    # nothing changed anywhere. If the commit fails after Auth0 unblocked the user, the next
    # user sync finds a live Auth0 user with a deleted row and restores it
    # (`restored_from_auth0`), so the two stores converge.
    auth0_client().update_user(user.id, {"blocked": False})
