"""Self-service email change in two steps (20 §9.15–9.16): a 6-digit code sent to the new
address, then the code typed back.

- Codes are stored as an HMAC-SHA256 keyed with the app's secret (not a bare SHA-256, which a
  leaked table would give up in a million guesses); they last 10 minutes; a new code retires
  the previous ones.
- Ten wrong attempts retire a code and answer 429. Attempts on one code are serialised with a
  row lock (PostgreSQL), so parallel guesses cannot exceed the ten.
- The code email goes through the outbox like every other email (D7), so it exists only if the
  code does; the worker polls every 10 s, well inside the code's 10 minutes.
- On the right code: the database is changed (history row, new email) and flushed, then Auth0,
  then the view commits; a failed commit puts the old email back in Auth0. Until the change
  commits, the code stays usable, so an Auth0 outage does not waste it.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from aai.accounts.availability import email_in_use
from aai.accounts.history import record_user_history
from aai.email.outbox import queue_email
from aai.errors import ApiError, ConflictError, RequestValidationError
from aai.extensions import db
from aai.identity.auth0 import Auth0Client, Auth0RequestRejectedError
from aai.models import BiocommonsUser, EmailChangeOtp, utc_now

CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 10
IN_USE_AT_START = "Email is already in use by another user"
IN_USE_AT_END = "Email is already in use by another user."
NO_PENDING_CHANGE = "No pending email change request exists."
CODE_SENT = "OTP sent to the requested email address."


def code_hash(code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def _email_error(message: str) -> RequestValidationError:
    return RequestValidationError(message, [{"field": "email", "message": message}], status=400)


# --- step 1 ------------------------------------------------------------------------------------


def start(auth0: Auth0Client, user: BiocommonsUser, new_email: str) -> None:
    """Check the address, retire earlier codes, store a new one and queue its email."""
    if new_email.lower() == user.email.lower():
        raise _email_error("New email must be different from the current email")
    if email_in_use(new_email, owner_id=user.id) or _in_auth0(auth0, new_email, user.id):
        raise _email_error(IN_USE_AT_START)
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
    connection = current_app.config["AUTH0_DB_CONNECTION"]
    return any(
        other.get("user_id") != user_id
        and any(ident.get("connection") == connection for ident in other.get("identities") or [])
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
        return CodeCheck(None, ApiError(NO_PENDING_CHANGE, status=400))
    if code.expires_at <= utc_now() or code.total_attempts >= MAX_ATTEMPTS:
        code.is_active = False
        return CodeCheck(None, _expired_or_exhausted(code))
    code.total_attempts += 1
    if not hmac.compare_digest(code.otp_hash, code_hash(otp)):
        if code.total_attempts >= MAX_ATTEMPTS:
            code.is_active = False
            return CodeCheck(None, _too_many())
        return CodeCheck(None, ApiError("Invalid OTP.", status=400))
    return CodeCheck(code)


def _expired_or_exhausted(code: EmailChangeOtp) -> ApiError:
    if code.total_attempts >= MAX_ATTEMPTS:
        return _too_many()
    return ApiError(NO_PENDING_CHANGE, status=400)


def _too_many() -> ApiError:
    return ApiError("Too many verification attempts. Try again later.", status=429)


@dataclass(frozen=True)
class EmailChange:
    auth0_user: dict
    old_email: str
    old_verified: bool


def apply(auth0: Auth0Client, user: BiocommonsUser, code: EmailChangeOtp) -> EmailChange:
    """Database first (flushed), then Auth0; the view commits inside `compensated`."""
    target = code.target_email
    if email_in_use(target, owner_id=user.id):
        raise ConflictError(IN_USE_AT_END)
    change = EmailChange({}, user.email, user.email_verified)
    code.is_active = False
    record_user_history(user, "email_update", by=user)
    _set_email(user, target)
    try:
        auth0_user = auth0.update_user(user.id, {"email": target, "email_verified": True})
    except Auth0RequestRejectedError as error:
        if error.status == 409:
            raise ConflictError(IN_USE_AT_END) from error
        raise
    user.email = auth0_user.get("email") or target
    user.email_verified = bool(auth0_user.get("email_verified", True))
    # Tell the old address, so a hijacked session cannot move the account silently.
    queue_email(change.old_email, "email_changed", old_email=change.old_email, new_email=target)
    return EmailChange(auth0_user, change.old_email, change.old_verified)


def _set_email(user: BiocommonsUser, email: str) -> None:
    try:
        with db.session.begin_nested():
            user.email = email
    except IntegrityError:
        raise ConflictError(IN_USE_AT_END) from None


def undo(auth0: Auth0Client, user_id: str, change: EmailChange):
    """The Auth0 change that puts the old email back."""
    return lambda: auth0.update_user(
        user_id, {"email": change.old_email, "email_verified": change.old_verified}
    )
