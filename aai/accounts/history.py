"""The user history log (biocommonsuserhistory): a snapshot of a user BEFORE a change."""

from sqlalchemy.orm import Session

from aai.extensions import db
from aai.models import BiocommonsUser, BiocommonsUserHistory, utc_now


def record_user_history(
    user: BiocommonsUser,
    change: str,
    by: BiocommonsUser | None,
    reason: str | None = None,
    session: Session | None = None,
) -> BiocommonsUserHistory:
    """Add the row for `change` (e.g. `email_update`), made by `by` (None: automatic)."""
    entry = BiocommonsUserHistory(
        user_id=user.id,
        updated_at=utc_now(),
        updated_by_id=by.id if by is not None else None,
        email=user.email,
        username=user.username,
        change=change,
        reason=reason,
    )
    (session or db.session).add(entry)
    return entry
