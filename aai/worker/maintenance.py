"""Small periodic jobs: expired email-change codes."""

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from aai.models import EmailChangeOtp, utc_now
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
