"""The small periodic jobs: email-change code clean-up."""

from datetime import timedelta

from sqlalchemy import select

from aai.extensions import db
from aai.models import EmailChangeOtp, utc_now
from aai.worker.maintenance import cleanup_email_otps


def otp(user, **overrides) -> EmailChangeOtp:
    values = {
        "user_id": user.id,
        "target_email": "new@example.org",
        "otp_hash": "0" * 64,
        "expires_at": utc_now() + timedelta(minutes=10),
    }
    row = EmailChangeOtp(**{**values, **overrides})
    db.session.add(row)
    return row


def test_cleanup_removes_expired_and_used_codes_only(app, make_user):
    user = make_user()
    live = otp(user)
    otp(user, expires_at=utc_now() - timedelta(seconds=1))
    otp(user, is_active=False)
    db.session.flush()
    assert cleanup_email_otps(db.session).soft_deleted == 2
    assert db.session.scalars(select(EmailChangeOtp.id)).all() == [live.id]
