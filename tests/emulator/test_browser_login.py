"""The browser login spa-js and the dashboard need: authorize with PKCE, the login page,
silent login by web_message, refresh tokens, userinfo, logout, CORS."""

import re
from urllib.parse import urlencode

import pytest

from tests.emulator.demo import DEMO
from tests.emulator.wire import bearer, call, jwt_parts, pkce_pair

PORTAL = "http://localhost:4200"
SCOPE = "openid profile email offline_access"


def authorize_url(emulator, challenge: str | None, **extra) -> str:
    params = {
        "client_id": emulator.spa_client_id,
        "redirect_uri": PORTAL,
        "response_type": "code",
        "response_mode": "query",
        "scope": SCOPE,
        "state": "st-1",
        "nonce": "n-1",
        **extra,
    }
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    return f"{emulator.url}/authorize?{urlencode(params)}"


APPROVED_PASSWORD = "Approved-User-Passw0rd!"


def log_in(emulator, login="approved_user", password=APPROVED_PASSWORD, **extra):
    """Go through `/authorize` and the login form; returns (the final reply, verifier)."""
    verifier, challenge = pkce_pair()
    to_form = call("GET", authorize_url(emulator, challenge, **extra))
    assert to_form.status == 302
    form_url = f"{emulator.url}{to_form.headers['Location']}"
    transaction = to_form.location_params()["state"]
    assert call("GET", form_url).status == 200
    form = {"state": transaction, "username": login, "password": password}
    return call("POST", f"{emulator.url}/u/login", form=form), verifier


def session_cookie(reply) -> str:
    return re.search(r"auth0=([^;]+)", reply.headers["Set-Cookie"]).group(1)


def redeem(emulator, code: str, verifier: str | None):
    form = {
        "grant_type": "authorization_code",
        "client_id": emulator.spa_client_id,
        "code": code,
        "redirect_uri": PORTAL,
    }
    if verifier:
        form["code_verifier"] = verifier
    return call("POST", f"{emulator.url}/oauth/token", form=form)


def test_authorization_code_with_pkce_gives_tokens(emulator):
    reply, verifier = log_in(emulator)

    assert reply.status == 302
    assert reply.headers["Location"].startswith(f"{PORTAL}?")
    params = reply.location_params()
    assert params["state"] == "st-1"
    tokens = redeem(emulator, params["code"], verifier)
    assert tokens.status == 200, tokens.text
    body = tokens.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token"]
    header, id_claims = jwt_parts(body["id_token"])
    assert header["alg"] == "RS256"
    assert id_claims["iss"] == f"{emulator.url}/"
    assert id_claims["aud"] == emulator.spa_client_id
    assert id_claims["nonce"] == "n-1"
    assert id_claims["sub"] == DEMO["approved"]
    profile = {"name", "email", "email_verified", "picture", "nickname", "updated_at"}
    assert profile <= set(id_claims)
    _, access = jwt_parts(body["access_token"])
    assert access["aud"] == [emulator.audience, f"{emulator.url}/userinfo"]
    assert access["azp"] == emulator.spa_client_id


def test_a_wrong_verifier_is_refused(emulator):
    reply, _ = log_in(emulator)

    tokens = redeem(emulator, reply.location_params()["code"], pkce_pair()[0])

    assert tokens.status == 403
    assert tokens.json() == {
        "error": "invalid_grant",
        "error_description": "Failed to verify code verifier",
    }


def test_a_public_client_must_send_a_verifier(emulator):
    reply, _ = log_in(emulator)

    tokens = redeem(emulator, reply.location_params()["code"], None)

    assert tokens.status == 403
    assert tokens.json()["error"] == "invalid_grant"


def test_a_code_works_once(emulator):
    reply, verifier = log_in(emulator)
    code = reply.location_params()["code"]
    assert redeem(emulator, code, verifier).status == 200

    again = redeem(emulator, code, verifier)

    assert again.status == 403
    assert again.json()["error"] == "invalid_grant"


def test_a_wrong_password_shows_the_form_again(emulator):
    reply, _ = log_in(emulator, password="Wrong-Passw0rd!")

    assert reply.status == 400
    assert "Wrong email or password." in reply.text


def test_a_blocked_user_is_sent_back_with_an_error(emulator):
    reply, _ = log_in(emulator, "blocked.user@example.org", "Blocked-User-Passw0rd!")

    assert reply.status == 302
    assert reply.location_params() == {
        "error": "unauthorized",
        "error_description": "user is blocked",
        "state": "st-1",
    }


def test_silent_login_without_a_session_answers_login_required_by_post_message(emulator):
    url = authorize_url(emulator, pkce_pair()[1], prompt="none", response_mode="web_message")

    reply = call("GET", url)

    assert reply.status == 200
    assert "X-Frame-Options" not in reply.headers
    assert '"error": "login_required"' in reply.text
    assert '"error_description": "Login required"' in reply.text
    assert '"state": "st-1"' in reply.text
    assert 'type: "authorization_response"' in reply.text
    assert "postMessage(authorizationResponse, targetOrigin)" in reply.text
    assert f'var targetOrigin = "{PORTAL}";' in reply.text


def test_silent_login_with_a_session_answers_a_code(emulator):
    reply, _ = log_in(emulator)
    cookie = session_cookie(reply)
    verifier, challenge = pkce_pair()
    url = authorize_url(emulator, challenge, prompt="none", response_mode="web_message")

    silent = call("GET", url, headers={"Cookie": f"auth0={cookie}"})

    code = re.search(r'"code": "([^"]+)"', silent.text).group(1)
    assert redeem(emulator, code, verifier).status == 200


def test_logout_ends_the_session(emulator):
    reply, _ = log_in(emulator)
    cookie = {"Cookie": f"auth0={session_cookie(reply)}"}
    query = urlencode({"client_id": emulator.spa_client_id, "returnTo": PORTAL})

    logout = call("GET", f"{emulator.url}/v2/logout?{query}", headers=cookie)

    assert logout.status == 302
    assert logout.headers["Location"] == PORTAL
    silent = call("GET", authorize_url(emulator, None, prompt="none"), headers=cookie)
    assert silent.location_params()["error"] == "login_required"


def test_logout_refuses_a_return_url_that_is_not_allowed(emulator):
    query = urlencode({"client_id": emulator.spa_client_id, "returnTo": "https://evil.example"})

    assert call("GET", f"{emulator.url}/v2/logout?{query}").status == 400


@pytest.mark.parametrize(
    ("param", "value"), [("client_id", "unknown"), ("redirect_uri", "https://evil.example")]
)
def test_an_unknown_client_or_callback_gets_no_redirect(emulator, param, value):
    reply = call("GET", authorize_url(emulator, None, **{param: value}))

    assert reply.status == 400
    assert "Location" not in reply.headers


def test_refresh_gives_new_tokens_and_rotates_the_refresh_token(emulator):
    reply, verifier = log_in(emulator)
    first = redeem(emulator, reply.location_params()["code"], verifier).json()
    form = {
        "grant_type": "refresh_token",
        "client_id": emulator.spa_client_id,
        "refresh_token": first["refresh_token"],
    }

    refreshed = call("POST", f"{emulator.url}/oauth/token", form=form)

    assert refreshed.status == 200
    body = refreshed.json()
    assert jwt_parts(body["access_token"])[1]["sub"] == DEMO["approved"]
    assert body["id_token"]
    assert body["refresh_token"] != first["refresh_token"]
    reused = call("POST", f"{emulator.url}/oauth/token", form=form)
    assert reused.status == 403


def test_an_unknown_refresh_token_gets_invalid_grant(emulator):
    form = {
        "grant_type": "refresh_token",
        "client_id": emulator.spa_client_id,
        "refresh_token": "not-a-refresh-token",
    }

    reply = call("POST", f"{emulator.url}/oauth/token", form=form)

    assert reply.status == 403
    assert reply.json() == {
        "error": "invalid_grant",
        "error_description": "Unknown or invalid refresh token.",
    }


def test_userinfo_returns_the_profile(emulator, make_token):
    reply = call("GET", f"{emulator.url}/userinfo", headers=bearer(make_token(DEMO["pending"])))

    assert reply.status == 200
    body = reply.json()
    assert body["sub"] == DEMO["pending"]
    assert body["email"] == "pending.user@example.org"
    assert body["email_verified"] is True
    assert body["name"] == "Pending User"
    assert body["given_name"] == "Pending"
    assert body["picture"].startswith(emulator.url)
    assert call("GET", body["picture"]).headers["Content-Type"] == "image/svg+xml"


def test_userinfo_refuses_a_bad_token(emulator):
    reply = call("GET", f"{emulator.url}/userinfo", headers=bearer("not.a.token"))

    assert reply.status == 401
    assert "WWW-Authenticate" in reply.headers


def test_the_token_endpoint_answers_a_cors_preflight(emulator):
    headers = {
        "Origin": PORTAL,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, auth0-client",
    }

    reply = call("OPTIONS", f"{emulator.url}/oauth/token", headers=headers)

    assert reply.status == 200
    assert reply.headers["Access-Control-Allow-Origin"] == PORTAL
    assert "POST" in reply.headers["Access-Control-Allow-Methods"]
    assert "auth0-client" in reply.headers["Access-Control-Allow-Headers"].lower()


def test_token_errors_carry_cors_headers(emulator):
    form = {"grant_type": "refresh_token", "client_id": emulator.spa_client_id}

    reply = call("POST", f"{emulator.url}/oauth/token", form=form, headers={"Origin": PORTAL})

    assert reply.status == 403
    assert reply.headers["Access-Control-Allow-Origin"] == PORTAL


def test_the_dashboard_client_logs_in_with_its_secret(emulator):
    params = {
        "client_id": emulator.dashboard_client_id,
        "redirect_uri": "http://127.0.0.1:8000/db-admin/auth/auth0",
        "response_type": "code",
        "scope": "openid profile email",
        "state": "s",
    }
    to_form = call("GET", f"{emulator.url}/authorize?{urlencode(params)}")
    form = {
        "state": to_form.location_params()["state"],
        "username": "biocommons.admin@example.org",
        "password": "BioCommons-Admin-Passw0rd!",
    }
    code = call("POST", f"{emulator.url}/u/login", form=form).location_params()["code"]
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": params["redirect_uri"],
        "client_id": emulator.dashboard_client_id,
    }

    wrong = call("POST", f"{emulator.url}/oauth/token", form={**exchange, "client_secret": "x"})
    right = call(
        "POST",
        f"{emulator.url}/oauth/token",
        form={**exchange, "client_secret": emulator.dashboard_client_secret},
    )

    assert wrong.status == 401
    assert wrong.json() == {"error": "access_denied", "error_description": "Unauthorized"}
    assert right.status == 200  # a refused client does not use the code up
    assert set(right.json()) == {"access_token", "id_token", "expires_in", "scope", "token_type"}
