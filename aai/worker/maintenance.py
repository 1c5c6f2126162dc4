"""Small periodic jobs: expired email-change codes, and email verification refresh."""

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from aai.identity.auth0 import Auth0Client, Auth0RequestRejectedError
from aai.models import BiocommonsUser, EmailChangeOtp, utc_now
from aai.worker.report import SyncReport


def cleanup_email_otps(session: Session) -> SyncReport:
    """Delete codes that expired or were used up (they are useless, and hashes of secrets)."""
    report = SyncReport("email_otps")
    result = session.execute(
        delete(EmailChangeOtp).where(
            or_(EmailChangeOtp.expires_at <= utc_now(), EmailChangeOtp.is_active.is_(False))
        )
    )
    # A DELETE returns a CursorResult (with rowcount); Session.execute is typed as any Result.
    report.soft_deleted = result.rowcount or 0  # type: ignore[attr-defined]  # hard-deleted, counted as removals
    return report


def refresh_unverified_users(auth0: Auth0Client, session: Session) -> SyncReport:
    """Ask Auth0 about every live unverified user and copy its `email_verified` flag."""
    report = SyncReport("unverified_users")
    query = select(BiocommonsUser).where(
        BiocommonsUser.active(), BiocommonsUser.email_verified.is_(False)
    )
    for user in session.scalars(query):
        try:
            verified = bool(auth0.get_user(user.id).get("email_verified"))
        except Auth0RequestRejectedError:
            report.skip("not found in Auth0")
            continue
        if verified:
            user.email_verified = True
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()
    return report
