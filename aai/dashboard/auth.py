"""The dashboard's Auth0 login (30 §10): authorization code with PKCE, `state` and `nonce`
through Authlib's Flask OAuth client, the access token verified exactly like an API token, and
entry only for holders of an `ADMIN_ROLES` role.

The login lives in Flask's signed session cookie (key `JWT_SECRET_KEY`), scoped to `/db-admin`,
HttpOnly, SameSite=Lax, Secure outside dev. It lasts at most `SESSION_LIFETIME` from the login
and ends sooner after `IDLE_TIMEOUT` without a request; a new login is usually silent, through
Auth0's own session, and re-checks the admin role. The cookie is only valid together with its
server-side session (aai.dashboard.sessions), which logout deletes.
"""

import time
from datetime import timedelta
from urllib.parse import urlencode

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.flask_client import OAuth
from flask import (
    Blueprint,
    Flask,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from joserfc.errors import JoseError

from aai.dashboard import sessions
from aai.dashboard.bad_input import with_bad_request_pages
from aai.errors import ApiError
from aai.identity.permissions import is_biocommons_admin

bp = with_bad_request_pages(Blueprint("db_admin_auth", __name__, url_prefix="/db-admin"))

OAUTH_CLIENT = "auth0"
SESSION_LIFETIME = timedelta(hours=8)
IDLE_TIMEOUT = timedelta(hours=1)
SESSION_USER = "db_admin_user"
SESSION_EXPIRES_AT = "db_admin_expires_at"
SESSION_NEXT = "db_admin_next"
SESSION_ID = "db_admin_session_id"
SESSION_LOGGED_OUT = "db_admin_logged_out"  # the next anonymous page says so, once

# The original's answers (30 §10).
NO_ACCESS_TOKEN = "Could not get access token."  # noqa: S105 - a message, not a secret
NOT_VERIFIED = "Could not verify JWT."
NOT_AN_ADMIN = "You do not have permission to access this endpoint."
BAD_STATE = "The login could not be verified (missing or unknown state). Please log in again."


def init_login(app: Flask, dashboard_endpoint: str) -> None:
    """Session cookie settings, the OAuth client and the login routes (no I/O: Authlib reads
    the OIDC discovery document on the first login)."""
    app.config.update(
        SESSION_COOKIE_NAME="aai_db_admin_session",
        SESSION_COOKIE_PATH="/db-admin",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["ENVIRONMENT"] != "dev",
        PERMANENT_SESSION_LIFETIME=IDLE_TIMEOUT,
        DASHBOARD_ENDPOINT=dashboard_endpoint,
    )
    oauth = OAuth(app)
    oauth.register(
        OAUTH_CLIENT,
        client_id=app.config["DASHBOARD_CLIENT_ID"],
        client_secret=app.config["DASHBOARD_CLIENT_SECRET"],
        server_metadata_url=f"{app.config['DASHBOARD_LOGIN_URL']}/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid profile email",
            "code_challenge_method": "S256",
            "default_timeout": app.config["AUTH0_TIMEOUT_SECONDS"],
        },
    )
    app.register_blueprint(bp)


def oauth_client():
    return current_app.extensions["authlib.integrations.flask_client"].create_client(OAUTH_CLIENT)


def signed_in_user() -> dict | None:
    """The logged-in admin's profile (`sub`, `name`, `email`, `picture`), or None."""
    user = session.get(SESSION_USER)
    if not isinstance(user, dict) or session.get(SESSION_EXPIRES_AT, 0) <= time.time():
        return None
    if not sessions.is_open(session.get(SESSION_ID), str(user.get("sub", ""))):
        return None  # logged out (from this or a copied cookie), or expired server-side
    return user


def login_redirect():
    """Send an anonymous visitor to the login, remembering the page they asked for; right
    after a logout, say it happened instead (Auth0 brings the browser back here)."""
    if session.pop(SESSION_LOGGED_OUT, False):
        return render_template("admin/aai_logged_out.html")
    return redirect(url_for("db_admin_auth.login", next=request.full_path.rstrip("?")))


@bp.get("/login")
def login():
    """Start the Auth0 login (Authlib keeps state, nonce and PKCE verifier in the session)."""
    next_path = request.args.get("next", "")
    session[SESSION_NEXT] = next_path if _is_dashboard_path(next_path) else None
    try:
        return oauth_client().authorize_redirect(
            url_for("db_admin_auth.authorize_auth0", _external=True),
            audience=current_app.config["AUTH0_AUDIENCE"],
        )
    except (requests.RequestException, ValueError):
        return refused("Auth0 cannot be reached right now. Please try again later.", 503)


@bp.get("/auth/auth0")
def authorize_auth0():
    """The callback: exchange the code, verify the access token, admit admins only."""
    try:
        token = oauth_client().authorize_access_token()
    except MismatchingStateError:
        return refused(BAD_STATE, 401)
    except (AuthlibBaseError, JoseError) as error:  # Auth0's error, a bad code or ID token
        detail = getattr(error, "description", None) or str(error)
        return refused(f"Auth0 refused the login: {detail}", 401)
    except (requests.RequestException, ValueError):
        return refused("Auth0 cannot be reached right now. Please try again later.", 503)
    if not token.get("access_token"):
        return refused(NO_ACCESS_TOKEN, 401)
    try:
        verified = current_app.extensions["token_verifier"].verify(token["access_token"])
    except ApiError as error:
        return refused(error.detail, 503) if error.status == 503 else refused(NOT_VERIFIED, 401)
    if not is_biocommons_admin(verified):
        return refused(NOT_AN_ADMIN, 401)
    next_path = session.get(SESSION_NEXT)
    _start_session(verified.sub, token.get("userinfo") or {})
    return redirect(next_path or url_for(current_app.config["DASHBOARD_ENDPOINT"]))


@bp.get("/logout")
def logout():
    """End the dashboard session (server-side too), then Auth0's, coming back to the
    dashboard."""
    sessions.close_session(session.get(SESSION_ID))
    session.clear()
    session[SESSION_LOGGED_OUT] = True
    query = urlencode(
        {
            "returnTo": url_for(current_app.config["DASHBOARD_ENDPOINT"], _external=True),
            "client_id": current_app.config["DASHBOARD_CLIENT_ID"],
        }
    )
    return redirect(f"{current_app.config['DASHBOARD_LOGIN_URL']}/v2/logout?{query}")


def refused(message: str, status: int):
    """A login that failed: the message, and a way to try again with another account.

    Nothing about the attempt stays in the session.
    """
    session.pop(SESSION_USER, None)
    session.pop(SESSION_NEXT, None)
    return render_template("admin/aai_login_refused.html", message=message), status


def _start_session(sub: str, profile: dict) -> None:
    sessions.close_session(session.get(SESSION_ID))  # a login replaces the one before it
    session.clear()  # drops Authlib's leftovers and anything from before the login
    session.permanent = True
    session[SESSION_USER] = {
        "sub": sub,
        "name": profile.get("name") or profile.get("email") or sub,
        "email": profile.get("email"),
        "picture": profile.get("picture"),
    }
    session[SESSION_EXPIRES_AT] = time.time() + SESSION_LIFETIME.total_seconds()
    session[SESSION_ID] = sessions.open_session(sub, SESSION_LIFETIME)


def _is_dashboard_path(path: str) -> bool:
    """Only local dashboard pages are remembered as the page to return to after login."""
    return path.startswith("/db-admin/") and not path.startswith("//") and "\\" not in path
