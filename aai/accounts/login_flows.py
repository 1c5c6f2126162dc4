"""Endpoints that Auth0 Actions send users to, authenticated by an HS256 session token
instead of a bearer token (20 §3.6, §9.19–9.21): legacy-account migration and resending the
verification email."""

from urllib.parse import urlencode

from flask import current_app

from aai.accounts.profile import note_auth0_profile_change
from aai.email.welcome import queue_welcome
from aai.errors import BadRequestError
from aai.identity.auth0 import Auth0Client
from aai.identity.recaptcha import verify_recaptcha
from aai.identity.session_tokens import verify_session_token

RESEND_PURPOSE = "unverified_email_resend"


def _claims_with(raw_token: str, *names: str) -> dict:
    claims = verify_session_token(raw_token)
    for name in names:
        if not claims.get(name):
            raise BadRequestError(f"Invalid session token: '{name}'")
    return claims


def start_migration(auth0: Auth0Client, session_token: str, client_id: str) -> None:
    """Auth0 emails the legacy user a link to set a new password (for the portal's client)."""
    claims = _claims_with(session_token, "sub", "email")
    auth0.send_password_change_email(claims["email"], client_id)


def finish_migration(auth0: Auth0Client, session_token: str, state: str) -> str:
    """Clear the migration flag, welcome the user, and return where Auth0's login resumes.
    The flag drives /userinfo's welcome claim: the view's commit makes the cached profile
    stale."""
    claims = _claims_with(session_token, "sub")
    note_auth0_profile_change(claims["sub"])
    # Auth0 merges app_metadata: only this key changes.
    auth0.update_user(claims["sub"], {"app_metadata": {"user_needs_migration": False}})
    record = auth0.get_user(claims["sub"])
    if record.get("email"):
        queue_welcome(record)
    base = current_app.config["AUTH0_CUSTOM_DOMAIN"] or current_app.config["AUTH0_BASE_URL"]
    return f"{base}/continue?{urlencode({'state': state})}"


def resend_verification(auth0: Auth0Client, session_token: str, recaptcha_token: str) -> None:
    """reCAPTCHA first (as the original), then the token, then Auth0 sends the email."""
    if not verify_recaptcha(recaptcha_token):
        raise BadRequestError("Invalid recaptcha token, please try again")
    claims = verify_session_token(session_token)
    if claims.get("purpose") != RESEND_PURPOSE:
        raise BadRequestError("Invalid session token: wrong purpose")
    user_id = claims.get("user_id")
    if not isinstance(user_id, str) or not user_id:
        raise BadRequestError("Invalid session token: missing user id")
    auth0.send_verification_email(user_id)
