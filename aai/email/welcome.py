"""The welcome email (30 §8.4 #6): after email verification and after a legacy migration."""

from sqlalchemy import exists, select

from aai.email.outbox import SUBJECTS, first_name, queue_email
from aai.extensions import db
from aai.identity.auth0 import Auth0Client
from aai.models import EmailNotification, EmailStatusEnum

# The same answer whether or not a verified account uses the address (D12): the portal
# ignores it, and a difference would tell anyone which addresses have accounts.
WELCOME_ANSWER = "If a verified account uses this email address, a welcome email has been sent."
NOT_FAILED = (EmailStatusEnum.PENDING, EmailStatusEnum.SENDING, EmailStatusEnum.SENT)


def queue_welcome(record: dict) -> bool:
    """Queue the welcome email for an Auth0 user record, once per address (False: already
    queued or sent)."""
    email = record["email"]
    already = exists().where(
        EmailNotification.to_address == email,
        EmailNotification.subject == SUBJECTS["welcome"],
        EmailNotification.status.in_(NOT_FAILED),
    )
    if db.session.scalar(select(already)):
        return False
    queue_email(
        email, "welcome", first_name=first_name(record.get("given_name"), record.get("name"), email)
    )
    return True


def welcome_verified_user(auth0: Auth0Client, email: str) -> bool:
    """Queue the welcome email if a verified Auth0 user has this address."""
    verified = [
        user
        for user in auth0.users_by_email(email)
        if (user.get("email") or "").lower() == email.lower() and user.get("email_verified")
    ]
    return bool(verified) and queue_welcome(verified[0])
