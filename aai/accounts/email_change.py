"""Changing a user's email address: the user's own change in two steps (20 §9.15–9.16), a
6-digit code sent to the new address and then typed back, and an admin's direct change.

- Codes are stored as an HMAC-SHA256 keyed with the app's secret (not a bare SHA-256, which a
  leaked table would give up in a million guesses); they last 10 minutes; a new code retires
  the previous ones.
- Ten wrong attempts retire a code and answer 429. Attempts on one code are serialised with a
  row lock (PostgreSQL), so parallel guesses cannot exceed the ten.
- The code email goes through the outbox like every other email (D7), so it exists only if the
  code does; the worker polls every 10 s, well inside the code's 10 minutes.
- On the right code: `change_email`, the one email change, also used by admins: database,
  then Auth0, then the view commits (the order of `aai.consistency`); a failed commit puts the
  old email back in Auth0. Until the change commits, the code stays usable, so an Auth0 outage
  does not waste it.
"""

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from aai.accounts.availability import EMAIL_IN_USE, EMAIL_IN_USE_AT_END, email_in_use
from aai.accounts.history import record_user_history
from aai.consistency import Undo
from aai.email.outbox import queue_email
from aai.errors import (
    ApiError,
    BadRequestError,
    ConflictError,
    FieldError,
    TooManyRequestsError,
)
from aai.extensions import db
from aai.identity.auth0 import Auth0Client, Auth0RequestRejectedError, has_database_login
from aai.models import BiocommonsUser, EmailChangeOtp, utc_now

CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 10
NO_PENDING_CHANGE = "No pending email change request exists."
CODE_SENT = "OTP sent to the requested email address."


def code_hash(code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


# --- step 1 ------------------------------------------------------------------------------------


def start(auth0: Auth0Client, user: BiocommonsUser, new_email: str) -> None:
    """Check the address, retire earlier codes, store a new one and queue its email."""
    if new_email.lower() == user.email.lower():
        raise FieldError("email", "New email must be different from the current email")
    if email_in_use(new_email, owner_id=user.id) or _in_auth0(auth0, new_email, user.id):
        raise FieldError("email", EMAIL_IN_USE)
    db.session.execute(
        update(EmailChangeOtp)
        .where(EmailChangeOtp.user_id == user.id, EmailChangeOtp.is_active.is_(True))
        .values(is_active=False)
    )
    code = f"{secrets.randbelow(10**6):06d}"
    now = utc_now()
    db.session.add(
        EmailChangeOtp(
            user_id=user.id,
            target_email=new_email,
            otp_hash=code_hash(code),
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
    )
    queue_email(new_email, "email_change_code", target_email=new_email, code=code)


def _in_auth0(auth0: Auth0Client, email: str, user_id: str) -> bool:
    """Another database-connection account in Auth0 has this email (20 §11 quirk 11)."""
    return any(
        other.get("user_id") != user_id and has_database_login(other)
        for other in auth0.users_by_email(email)
    )


# --- step 2 ------------------------------------------------------------------------------------


@dataclass
class CodeCheck:
    code: EmailChangeOtp | None
    error: ApiError | None = None


def check(user: BiocommonsUser, otp: str) -> CodeCheck:
    """Count the attempt on the caller's newest live code. The view commits before raising
    `error`, so failed attempts count."""
    code = db.session.scalars(
        select(EmailChangeOtp)
        .where(EmailChangeOtp.user_id == user.id, EmailChangeOtp.is_active.is_(True))
        .order_by(EmailChangeOtp.created_at.desc())
        .limit(1)
        .with_for_update()
    ).first()
    if code is None:
        return CodeCheck(None, BadRequestError(NO_PENDING_CHANGE))
    if code.expires_at <= utc_now() or code.total_attempts >= MAX_ATTEMPTS:
        code.is_active = False
        return CodeCheck(None, _expired_or_exhausted(code))
    code.total_attempts += 1
    if not hmac.compare_digest(code.otp_hash, code_hash(otp)):
        if code.total_attempts >= MAX_ATTEMPTS:
            code.is_active = False
            return CodeCheck(None, _too_many())
        return CodeCheck(None, BadRequestError("Invalid OTP."))
    return CodeCheck(code)


def _expired_or_exhausted(code: EmailChangeOtp) -> ApiError:
    if code.total_attempts >= MAX_ATTEMPTS:
        return _too_many()
    return BadRequestError(NO_PENDING_CHANGE)


def _too_many() -> ApiError:
    return TooManyRequestsError("Too many verification attempts. Try again later.")


# --- the change itself: for the user (after the code) and for admins --------------------------


@dataclass(frozen=True)
class EmailChange:
    auth0_user: dict
    undo: Undo


def change_email(
    auth0: Auth0Client,
    user: BiocommonsUser,
    email: str,
    *,
    by: BiocommonsUser | None,
    verified: bool,
    taken: Callable[[], ApiError],
) -> EmailChange:
    """Move `user` to `email` (made by `by`) in the order of `aai.consistency`; the old
    address is told, so a hijacked session cannot move the account silently.

    An unverified address (`verified=False`) gets Auth0's verification email as part of the
    Auth0 call, so nothing is left to do (and to fail) after the commit. `taken` is the
    caller's wording of "another account has this address".
    """
    if email_in_use(email, owner_id=user.id):
        raise taken()
    old_email, old_verified, user_id = user.email, user.email_verified, user.id
    record_user_history(user, "email_update", by)
    try:
        with db.session.begin_nested():
            user.email = email
    except IntegrityError:
        raise taken() from None
    fields = {"email": email, "email_verified": verified}
    if not verified:
        fields["verify_email"] = True
    try:
        auth0_user = auth0.update_user(user_id, fields)
    except Auth0RequestRejectedError as error:
        if error.status == 409:
            raise taken() from error
        raise
    user.email = auth0_user.get("email") or email
    user.email_verified = bool(auth0_user.get("email_verified", verified))
    queue_email(old_email, "email_changed", old_email=old_email, new_email=user.email)
    restore = {"email": old_email, "email_verified": old_verified}
    return EmailChange(auth0_user, lambda: auth0.update_user(user_id, restore))


def apply(auth0: Auth0Client, user: BiocommonsUser, code: EmailChangeOtp) -> EmailChange:
    """Step 2 after the right code: the address the code was sent to, verified by it."""
    code.is_active = False
    return change_email(
        auth0,
        user,
        code.target_email,
        by=user,
        verified=True,
        taken=lambda: ConflictError(EMAIL_IN_USE_AT_END),
    )


def set_by_admin(
    auth0: Auth0Client, user: BiocommonsUser, email: str, admin: BiocommonsUser | None
) -> EmailChange:
    """An admin sets the address; it stays unverified until the user confirms it."""
    if email.lower() == user.email.lower():
        raise FieldError("email", "Email address is already set to that value")
    try:
        return change_email(
            auth0,
            user,
            email,
            by=admin,
            verified=False,
            taken=lambda: FieldError("email", EMAIL_IN_USE),
        )
    except Auth0RequestRejectedError as error:
        raise BadRequestError("Failed to update user email.") from error
