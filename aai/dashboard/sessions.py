"""Dashboard logins held server-side (table `dashboard_session`).

The signed cookie alone cannot be taken back: a copy keeps working until it expires. So each
login gets a random id, the cookie carries it and the database holds its SHA-256 with the
admin's subject and the absolute expiry. A request is signed in only while that row exists;
logging out deletes it, and the cookie (any copy of it) stops working at once.
"""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete

from aai.extensions import db
from aai.models import DashboardSession, utc_now


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def open_session(user_id: str, lifetime: timedelta) -> str:
    """A new server-side session for `user_id`, committed; returns the id for the cookie.
    Expired sessions are removed on the way (logins are rare, the table stays small)."""
    now = utc_now()
    db.session.execute(delete(DashboardSession).where(DashboardSession.expires_at <= now))
    session_id = secrets.token_urlsafe(32)
    db.session.add(
        DashboardSession(
            id_hash=_hash(session_id), user_id=user_id, created_at=now, expires_at=now + lifetime
        )
    )
    db.session.commit()
    return session_id


def is_open(session_id: object, user_id: str) -> bool:
    """Whether the cookie's session is still open on the server, for this admin."""
    if not isinstance(session_id, str) or not session_id:
        return False
    row = db.session.get(DashboardSession, _hash(session_id))
    return row is not None and row.user_id == user_id and row.expires_at > utc_now()


def close_session(session_id: object) -> None:
    """End the session on the server (committed); nothing to do for an unknown id."""
    if isinstance(session_id, str) and session_id:
        db.session.execute(
            delete(DashboardSession).where(DashboardSession.id_hash == _hash(session_id))
        )
        db.session.commit()
