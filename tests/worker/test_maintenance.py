"""The small periodic jobs: email-change code clean-up and the unverified-users refresh."""

from datetime import timedelta

from sqlalchemy import select

from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.models import BiocommonsUser, EmailChangeOtp, utc_now
from aai.worker.maintenance import cleanup_email_otps, refresh_unverified_users

UNVERIFIED = "auth0|c289f72d7dbbbb27abbdef2f"  # the demo seed's unverified user


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


def test_refresh_copies_verification_from_auth0(app, emulator, make_user):
    user = make_user(id=UNVERIFIED, email_verified=False)
    stranger = make_user(email_verified=False)  # unknown to Auth0
    auth0 = auth0_client()
    assert refresh_unverified_users(auth0, db.session).unchanged == 1
    auth0.update_user(UNVERIFIED, {"email_verified": True})
    report = refresh_unverified_users(auth0, db.session)
    assert report.updated == 1
    assert report.skip_reasons == {"not found in Auth0": 1}
    assert db.session.get(BiocommonsUser, user.id).email_verified is True
    assert db.session.get(BiocommonsUser, stranger.id).email_verified is False
