"""Authentication API endpoints a client calls directly: `/oauth/token` (every grant aai and the
portal use), `/oauth/revoke` and `/dbconnections/change_password`."""

import base64
import hashlib
import hmac
from urllib.parse import unquote

from flask import Blueprint, jsonify, request

from auth0_emulator import tokens
from auth0_emulator.errors import OAuthError
from auth0_emulator.sessions import RefreshGrant
from auth0_emulator.state import Emulator, current
from auth0_emulator.tenant import Client, User, now_iso

bp = Blueprint("authentication", __name__)

PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"  # noqa: S105 - a grant type
UNAUTHORIZED = OAuthError(401, "access_denied", "Unauthorized")


def params() -> dict:
    """The request's parameters: Auth0 takes form-encoded and JSON bodies alike."""
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise OAuthError(400, "invalid_request", "Invalid JSON body")
        return {key: value for key, value in body.items() if value is not None}
    return request.form.to_dict()


@bp.post("/oauth/token")
def token():
    """Exchange a grant for tokens."""
    values = params()
    grant = _GRANTS.get(values.get("grant_type", ""))
    if grant is None:
        raise OAuthError(
            403, "unsupported_grant_type", f"Unsupported grant type: {values.get('grant_type')}"
        )
    response = jsonify(grant(current(), values))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/oauth/revoke")
def revoke():
    """Revoke a refresh token (RFC 7009: unknown tokens are not an error)."""
    values = params()
    client = authenticate_client(current(), values)
    grant = current().sessions.refresh_grant(values.get("token", ""))
    if grant and grant.client_id == client.client_id:
        current().sessions.revoke_refresh_token(values["token"])
    return "", 200


@bp.post("/dbconnections/change_password")
def change_password():
    """Send the password-change email, answering the same whether or not the user exists."""
    emulator, values = current(), params()
    if emulator.client(values.get("client_id")) is None:
        raise OAuthError(400, "invalid_request", "Unknown client")
    if values.get("connection") != emulator.tenant.connection.name:
        raise OAuthError(400, "invalid_request", "Unknown connection")
    user = emulator.tenant.user_by_email(values.get("email", ""))
    if user:
        emulator.recorder.record_email(
            "change_password", user.email, user_id=user.user_id, client_id=values["client_id"]
        )
    return jsonify("We've just sent you an email to reset your password.")


def authenticate_client(emulator: Emulator, values: dict) -> Client:
    """The calling client; confidential clients must prove their secret (post or basic)."""
    client_id, secret = _basic_credentials()
    client_id = client_id or values.get("client_id")
    secret = secret or values.get("client_secret")
    client = emulator.client(client_id)
    if client is None:
        raise UNAUTHORIZED
    if not client.is_public and not hmac.compare_digest(
        (secret or "").encode(), (client.client_secret or "").encode()
    ):
        raise UNAUTHORIZED
    return client


def _basic_credentials() -> tuple[str | None, str | None]:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return None, None
    try:
        decoded = base64.b64decode(header[6:]).decode()
    except (ValueError, UnicodeDecodeError):
        raise UNAUTHORIZED from None
    client_id, _, secret = decoded.partition(":")
    return unquote(client_id), unquote(secret)


# --- grants


def _authorization_code(emulator: Emulator, values: dict) -> dict:
    client = authenticate_client(emulator, values)
    code = emulator.sessions.redeem_code(values.get("code", ""))
    if code is None or code.request.client_id != client.client_id:
        raise OAuthError(403, "invalid_grant", "Invalid authorization code")
    if values.get("redirect_uri") not in (None, code.request.redirect_uri):
        raise OAuthError(403, "invalid_grant", "Invalid redirect_uri")
    _check_pkce(client, code.request.code_challenge, values.get("code_verifier"))
    user = _active_user(emulator, code.user_id)
    request_ = code.request
    return issue_tokens(emulator, user, client, request_.scope, request_.audience, request_.nonce)


def _check_pkce(client: Client, challenge: str | None, verifier: str | None) -> None:
    if challenge is None and not client.is_public:
        return
    if not verifier:
        raise OAuthError(403, "invalid_grant", "Parameter 'code_verifier' is required")
    digest = hashlib.sha256(verifier.encode()).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    if challenge is None or not hmac.compare_digest(expected, challenge):
        raise OAuthError(403, "invalid_grant", "Failed to verify code verifier")


def _refresh_token(emulator: Emulator, values: dict) -> dict:
    client = authenticate_client(emulator, values)
    old_token = values.get("refresh_token", "")
    grant = emulator.sessions.refresh_grant(old_token)
    if grant is None or grant.client_id != client.client_id:
        raise OAuthError(403, "invalid_grant", "Unknown or invalid refresh token.")
    user = _active_user(emulator, grant.user_id)
    body = issue_tokens(emulator, user, client, grant.scope, grant.audience, refresh=False)
    if client.is_public:  # refresh token rotation, as Auth0 does for SPAs
        emulator.sessions.revoke_refresh_token(old_token)
        body["refresh_token"] = emulator.sessions.issue_refresh_token(grant)
    return body


def _client_credentials(emulator: Emulator, values: dict) -> dict:
    client = authenticate_client(emulator, values)
    if client.is_public:
        raise UNAUTHORIZED
    audience = values.get("audience") or emulator.audience
    if audience == emulator.management_audience and client.management_scopes:
        wanted = values.get("scope", "").split()
        scopes = [s for s in client.management_scopes if not wanted or s in wanted]
        claims = tokens.management_token(emulator, client.client_id, scopes)
    elif audience == emulator.audience and client.app_type == "non_interactive":
        claims = tokens.access_token(
            emulator,
            sub=f"{client.client_id}@clients",
            client_id=client.client_id,
            scope="",
            audience=audience,
            roles=[],
            permissions=[],
        )
    else:
        raise OAuthError(
            403,
            "access_denied",
            f'Client is not authorized to access "{audience}". You need to create a '
            '"client-grant" associated to this API.',
        )
    return _bearer(emulator, emulator.keys.sign(claims), claims["scope"])


def _password(emulator: Emulator, values: dict) -> dict:
    client = authenticate_client(emulator, values)
    realm = values.get("realm", emulator.tenant.connection.name)
    if realm != emulator.tenant.connection.name:
        raise OAuthError(400, "invalid_request", f"Unknown realm: {realm}")
    for name in ("username", "password"):
        if not values.get(name):
            raise OAuthError(400, "invalid_request", f"Missing required parameter: {name}")
    user = emulator.tenant.user_by_login(values["username"])
    if user is None or not user.password_matches(values["password"]):
        raise OAuthError(403, "invalid_grant", "Wrong email or password.")
    user = record_login(emulator, _active_user(emulator, user.user_id))
    audience = known_audience(emulator, values.get("audience"))
    return issue_tokens(emulator, user, client, values.get("scope", ""), audience)


_GRANTS = {
    "authorization_code": _authorization_code,
    "refresh_token": _refresh_token,
    "client_credentials": _client_credentials,
    "password": _password,
    PASSWORD_REALM: _password,
}


# --- shared by the grants and the browser login


def known_audience(emulator: Emulator, audience: str | None) -> str:
    """The requested API (the tenant's default audience when none is asked for)."""
    audience = audience or emulator.audience
    if audience not in (emulator.audience, emulator.management_audience):
        raise OAuthError(403, "access_denied", f"Service not found: {audience}")
    return audience


def _active_user(emulator: Emulator, user_id: str) -> User:
    user = emulator.tenant.user(user_id)
    if user is None:
        raise OAuthError(403, "invalid_grant", "The user does not exist.")
    if user.blocked:
        raise OAuthError(401, "unauthorized", "user is blocked")
    return user


def record_login(emulator: Emulator, user: User) -> User:
    """Count a successful login, as Auth0 does (`last_login`, `logins_count`)."""
    return emulator.tenant.update_user(
        user.user_id, last_login=now_iso(), logins_count=user.logins_count + 1
    )


def issue_tokens(
    emulator: Emulator,
    user: User,
    client: Client,
    scope: str,
    audience: str,
    nonce: str | None = None,
    refresh: bool = True,
) -> dict:
    """The token response of a user grant: access token, ID token with `openid`, refresh token
    with `offline_access`."""
    access = tokens.user_access_token(emulator, user, client.client_id, scope, audience)
    body = _bearer(emulator, emulator.keys.sign(access), scope)
    scopes = scope.split()
    if "openid" in scopes:
        claims = tokens.id_token(emulator, user, client.client_id, scope, nonce)
        body["id_token"] = emulator.keys.sign(claims)
    if refresh and "offline_access" in scopes:
        grant = RefreshGrant(user.user_id, client.client_id, scope, audience)
        body["refresh_token"] = emulator.sessions.issue_refresh_token(grant)
    return body


def _bearer(emulator: Emulator, access_token: str, scope: str) -> dict:
    body = {"access_token": access_token, "expires_in": emulator.token_lifetime}
    if scope:
        body["scope"] = scope
    return {**body, "token_type": "Bearer"}
