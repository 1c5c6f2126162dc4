"""The browser-facing OIDC endpoints (`/authorize`, the login page, logout) and the ones a
backend reads (discovery, JWKS, `/userinfo`).

`/authorize` answers in the response mode asked for: a redirect with the code or error in the
query (default) or fragment, an auto-posted form (`form_post`), or an HTML page that hands the
result to the opener or parent window by `postMessage` (`web_message`, spa-js's silent login in a
hidden iframe, 10-portal-contract §8).
"""

from urllib.parse import urlencode, urlsplit

from flask import Blueprint, jsonify, make_response, redirect, render_template, request

from auth0_emulator import tokens
from auth0_emulator.authentication import known_audience, record_login
from auth0_emulator.errors import OAuthError
from auth0_emulator.sessions import AuthorizationRequest
from auth0_emulator.state import Emulator, current

bp = Blueprint("oidc", __name__)

SESSION_COOKIE = "auth0"
RESPONSE_MODES = ("query", "fragment", "form_post", "web_message")
CLAIMS_SUPPORTED = (
    *("aud", "email", "email_verified", "exp", "family_name", "given_name", "iat", "iss"),
    *("name", "nickname", "picture", "sub", "updated_at"),
)
LOGIN_REQUIRED = {"error": "login_required", "error_description": "Login required"}
USER_BLOCKED = {"error": "unauthorized", "error_description": "user is blocked"}


@bp.get("/.well-known/openid-configuration")
def discovery():
    """OIDC discovery document."""
    base = current().base_url
    return jsonify(
        issuer=f"{base}/",
        authorization_endpoint=f"{base}/authorize",
        token_endpoint=f"{base}/oauth/token",
        userinfo_endpoint=f"{base}/userinfo",
        jwks_uri=f"{base}/.well-known/jwks.json",
        end_session_endpoint=f"{base}/oidc/logout",
        revocation_endpoint=f"{base}/oauth/revoke",
        scopes_supported=list(tokens.OIDC_SCOPES),
        response_types_supported=["code"],
        response_modes_supported=list(RESPONSE_MODES),
        code_challenge_methods_supported=["S256"],
        subject_types_supported=["public"],
        id_token_signing_alg_values_supported=["RS256"],
        token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post", "none"],
        claims_supported=list(CLAIMS_SUPPORTED),
    )


@bp.get("/.well-known/jwks.json")
def jwks():
    """The published signing keys."""
    return jsonify(current().keys.jwks())


@bp.get("/authorize")
def authorize():
    """Start a login: answer at once from the session (or `prompt=none`), else show the form."""
    emulator = current()
    auth_request = _authorization_request(emulator)
    error = _request_error(emulator, auth_request)
    if error:
        return respond(auth_request, {"error": error[0], "error_description": error[1]})
    user_id = emulator.sessions.session_user(request.cookies.get(SESSION_COOKIE))
    prompt = request.args.get("prompt", "")
    if prompt == "none" and user_id is None:
        return respond(auth_request, LOGIN_REQUIRED)
    if user_id is None or prompt == "login":
        transaction = emulator.sessions.begin_login(auth_request)
        return redirect(f"/u/login?{urlencode({'state': transaction})}")
    return complete_login(emulator, auth_request, user_id)


@bp.get("/u/login")
def login_page():
    """The login form of a pending `/authorize`."""
    transaction = request.args.get("state", "")
    auth_request = current().sessions.login_request(transaction)
    if auth_request is None:
        return _message_page("Your login session has expired or is unknown.", 400)
    client = current().client(auth_request.client_id)
    return render_template("login.html", state=transaction, client=client, error=None)


@bp.post("/u/login")
def login_submit():
    """Check the credentials; on success start a session and answer the `/authorize`."""
    emulator = current()
    transaction = request.form.get("state", "")
    auth_request = emulator.sessions.login_request(transaction)
    if auth_request is None:
        return _message_page("Your login session has expired or is unknown.", 400)
    user = emulator.tenant.user_by_login(request.form.get("username", ""))
    if user is None or not user.password_matches(request.form.get("password", "")):
        client = emulator.client(auth_request.client_id)
        page = render_template(
            "login.html", state=transaction, client=client, error="Wrong email or password."
        )
        return page, 400
    emulator.sessions.finish_login(transaction)
    if user.blocked:
        return respond(auth_request, USER_BLOCKED)
    response = complete_login(emulator, auth_request, user.user_id)
    record_login(emulator, user)
    session_id = emulator.sessions.start_session(user.user_id)
    response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="Lax")
    return response


@bp.get("/v2/logout")
def logout():
    """End the session, then go back to `returnTo` if the client allows it."""
    return _logout(request.args.get("returnTo"), request.args.get("client_id"))


@bp.get("/oidc/logout")
def oidc_logout():
    """OIDC RP-initiated logout (`post_logout_redirect_uri`)."""
    return _logout(request.args.get("post_logout_redirect_uri"), request.args.get("client_id"))


@bp.route("/userinfo", methods=["GET", "POST"])
def userinfo():
    """The profile of the user an access token with `openid` was issued to."""
    emulator = current()
    header = request.headers.get("Authorization", "")
    claims = emulator.keys.verify(header[7:]) if header.lower().startswith("bearer ") else None
    audiences = claims.get("aud") if claims else None
    user = emulator.tenant.user(claims["sub"]) if claims else None
    if not claims or user is None or tokens.userinfo_audience(emulator) not in (audiences or []):
        response = make_response("Unauthorized", 401)
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    return jsonify(sub=user.user_id, **tokens.profile_claims(emulator, user, claims["scope"]))


@bp.get("/avatars/<initials>.svg")
def avatar(initials: str):
    """A picture for users without one (external avatars cannot load offline)."""
    svg = render_template("avatar.svg", initials=initials[:2])
    return svg, 200, {"Content-Type": "image/svg+xml"}


# --- helpers


def _authorization_request(emulator: Emulator) -> AuthorizationRequest:
    """The request's parameters; an unknown client or callback is an error page, not a redirect."""
    args = request.args
    client = emulator.client(args.get("client_id"))
    if client is None:
        raise OAuthError(400, "invalid_request", f"Unknown client: {args.get('client_id')}")
    redirect_uri = args.get("redirect_uri", "")
    if redirect_uri not in client.callbacks:
        raise OAuthError(
            400,
            "invalid_request",
            f"Callback URL mismatch. {redirect_uri} is not in the list of allowed callback URLs",
        )
    mode = args.get("response_mode", "query")
    return AuthorizationRequest(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        response_mode=mode if mode in RESPONSE_MODES else "query",
        state=args.get("state"),
        nonce=args.get("nonce"),
        scope=args.get("scope", "openid"),
        audience=args.get("audience") or emulator.audience,
        code_challenge=args.get("code_challenge"),
        code_challenge_method=args.get("code_challenge_method"),
    )


def _request_error(emulator: Emulator, auth_request: AuthorizationRequest) -> tuple | None:
    if request.args.get("response_type") != "code":
        return "unsupported_response_type", "Only response_type=code is supported"
    if request.args.get("response_mode", "query") not in RESPONSE_MODES:
        return "invalid_request", "Unsupported response_mode"
    if auth_request.code_challenge and auth_request.code_challenge_method != "S256":
        return "invalid_request", "code_challenge_method must be S256"
    try:
        known_audience(emulator, auth_request.audience)
    except OAuthError as error:
        return error.error, error.description
    return None


def complete_login(emulator: Emulator, auth_request: AuthorizationRequest, user_id: str):
    """Answer `/authorize` with a code for this user (or an error if the user is blocked)."""
    user = emulator.tenant.user(user_id)
    if user is None or user.blocked:
        return respond(auth_request, USER_BLOCKED)
    return respond(auth_request, {"code": emulator.sessions.issue_code(auth_request, user_id)})


def respond(auth_request: AuthorizationRequest, result: dict):
    """Deliver an authorization result to the client in its response mode."""
    if auth_request.state is not None:
        result = {**result, "state": auth_request.state}
    uri, mode = auth_request.redirect_uri, auth_request.response_mode
    if mode == "web_message":
        parts = urlsplit(uri)
        origin = f"{parts.scheme}://{parts.netloc}"
        page = render_template("web_message.html", origin=origin, response=result)
        return make_response(page, 200)
    if mode == "form_post":
        return make_response(render_template("form_post.html", action=uri, fields=result), 200)
    separator = "#" if mode == "fragment" else ("&" if "?" in uri else "?")
    return redirect(f"{uri}{separator}{urlencode(result)}")


def _logout(return_to: str | None, client_id: str | None):
    emulator = current()
    emulator.sessions.end_session(request.cookies.get(SESSION_COOKIE))
    if return_to:
        clients = [emulator.client(client_id)] if client_id else emulator.tenant.clients.values()
        allowed = {url for client in clients if client for url in client.allowed_logout_urls}
        if return_to not in allowed:
            return _message_page(
                f'The "returnTo" URL {return_to} is not in the Allowed Logout URLs.', 400
            )
        response = redirect(return_to)
    else:
        response = _message_page("You have been logged out.", 200)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _message_page(message: str, status: int):
    return make_response(render_template("message.html", message=message), status)
