"""Endpoints Auth0 Actions send users to, with HS256 session tokens (20 §9.19–9.21)."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey

from tests.api.user_fixtures import auth0_user
from tests.world import RECAPTCHA_PASS

PORTAL_CLIENT = "dev-portal-spa-client"


@pytest.fixture
def session_token(app):
    """`session_token(**claims)`: signed like an Auth0 Action signs them (valid 5 minutes)."""

    def make(secret: str | None = None, **claims) -> str:
        key = OctKey.import_key(secret or app.config["AUTH0_MANAGEMENT_SECRET"])
        return jwt.encode({"alg": "HS256"}, {"exp": int(time.time()) + 300, **claims}, key)

    return make


# --- POST /me/migration/update-password ----------------------------------------------------------


def test_migration_asks_auth0_for_a_password_change_email(
    client, make_account, session_token, emulator
):
    account = make_account()
    token = session_token(sub=account.user.id, email=account.user.email)
    response = client.post(
        "/me/migration/update-password", json={"session_token": token, "client_id": PORTAL_CLIENT}
    )
    assert (response.status_code, response.json) == (
        200,
        {"message": "Password change initiated successfully"},
    )
    (sent,) = [email for email in emulator.emails() if email["type"] == "change_password"]
    assert (sent["to"], sent["client_id"]) == (account.user.email, PORTAL_CLIENT)


@pytest.mark.parametrize(
    ("claims", "detail"),
    [
        ({"email": "a@example.org"}, "Invalid session token: 'sub'"),
        ({"sub": "auth0|x"}, "Invalid session token: 'email'"),
    ],
)
def test_migration_needs_sub_and_email(client, session_token, emulator, claims, detail):
    body = {"session_token": session_token(**claims), "client_id": PORTAL_CLIENT}
    response = client.post("/me/migration/update-password", json=body)
    assert (response.status_code, response.json) == (400, {"detail": detail})
    assert emulator.emails() == []


@pytest.mark.parametrize(
    ("token_kind", "detail"),
    [("expired", "session_token expired"), ("forged", "invalid session_token")],
)
def test_migration_with_a_bad_session_token_is_401(client, session_token, token_kind, detail):
    if token_kind == "expired":
        token = session_token(sub="auth0|x", email="a@example.org", exp=int(time.time()) - 60)
    else:
        token = session_token(secret="not-the-secret", sub="auth0|x", email="a@example.org")
    response = client.post(
        "/me/migration/update-password", json={"session_token": token, "client_id": PORTAL_CLIENT}
    )
    assert (response.status_code, response.json) == (401, {"detail": detail})


def test_migration_fields_are_required(client):
    response = client.post("/me/migration/update-password", json={"session_token": "x"})
    assert response.status_code == 422
    assert response.json["field_errors"] == [
        {"field": "client_id", "message": "Client id is required."}
    ]


# --- POST /me/email-verification/resend ----------------------------------------------------------


def resend(client, token, recaptcha=RECAPTCHA_PASS):
    body = {"session_token": token, "recaptcha_token": recaptcha}
    return client.post("/me/email-verification/resend", json=body)


def test_resend_asks_auth0_to_send_the_verification_email(
    client, make_account, session_token, emulator
):
    account = make_account(email_verified=False)
    before = len(emulator.emails())
    token = session_token(purpose="unverified_email_resend", user_id=account.user.id)
    response = resend(client, token)
    assert (response.status_code, response.json) == (
        200,
        {"message": "Verification email sent successfully"},
    )
    new = emulator.emails()[before:]
    assert [(email["type"], email["to"]) for email in new] == [
        ("verification_email", account.user.email)
    ]


def test_resend_checks_recaptcha_first(client, session_token, emulator):
    response = resend(client, "not-even-a-token", recaptcha="wrong")
    assert (response.status_code, response.json) == (
        400,
        {"detail": "Invalid recaptcha token, please try again"},
    )
    assert emulator.requests(path="/api/v2/jobs") == []


@pytest.mark.parametrize(
    ("claims", "detail"),
    [
        (
            {"purpose": "something_else", "user_id": "auth0|x"},
            "Invalid session token: wrong purpose",
        ),
        ({"purpose": "unverified_email_resend"}, "Invalid session token: missing user id"),
        (
            {"purpose": "unverified_email_resend", "user_id": ""},
            "Invalid session token: missing user id",
        ),
    ],
)
def test_resend_token_claims(client, session_token, emulator, claims, detail):
    response = resend(client, session_token(**claims))
    assert (response.status_code, response.json) == (400, {"detail": detail})
    assert emulator.requests(path="/api/v2/jobs") == []


def test_resend_with_an_invalid_token_is_401(client):
    response = resend(client, "garbage")
    assert (response.status_code, response.json) == (401, {"detail": "invalid session_token"})


def test_resend_is_rate_limited(client, app, session_token, make_account):
    token = session_token(purpose="unverified_email_resend", user_id=make_account().user.id)
    statuses = [resend(client, token).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


# --- GET /me/migration/password-changed ----------------------------------------------------------


def test_password_changed_clears_the_flag_welcomes_and_redirects(
    client, make_account, session_token, outbox, app
):
    account = make_account(app_metadata={"user_needs_migration": True, "keep": "me"})
    token = session_token(sub=account.user.id)
    response = client.get(
        "/me/migration/password-changed", query_string={"state": "a b&c", "session_token": token}
    )
    assert response.status_code == 307
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == app.config["AUTH0_BASE_URL"]
    assert location.path == "/continue"
    assert parse_qs(location.query) == {"state": ["a b&c"]}
    assert auth0_user(account.user.id)["app_metadata"] == {
        "user_needs_migration": False,
        "keep": "me",
    }
    (welcome,) = outbox(account.user.email)
    assert welcome.subject == "Welcome to BioCommons Access"
    assert "Dear Ada" in welcome.body_text
    # A second pass does not send a second welcome email.
    client.get(
        "/me/migration/password-changed", query_string={"state": "s", "session_token": token}
    )
    assert len(outbox(account.user.email)) == 1


def test_finishing_a_migration_makes_the_next_profile_ask_auth0(
    client, make_account, session_token, emulator
):
    """The migration flag drives Auth0's welcome claim (`show_welcome_message`)."""
    account = make_account(app_metadata={"user_needs_migration": True})
    client.get("/me/profile", headers=account.headers)
    response = client.get(
        "/me/migration/password-changed",
        query_string={"state": "s", "session_token": session_token(sub=account.user.id)},
    )
    assert response.status_code == 307
    calls = len(emulator.requests(path="/userinfo"))
    client.get("/me/profile", headers=account.headers)
    assert len(emulator.requests(path="/userinfo")) == calls + 1


def test_password_changed_needs_sub_and_both_parameters(client, session_token):
    response = client.get(
        "/me/migration/password-changed",
        query_string={"state": "s", "session_token": session_token(email="a@example.org")},
    )
    assert (response.status_code, response.json) == (
        400,
        {"detail": "Invalid session token: 'sub'"},
    )
    response = client.get("/me/migration/password-changed", query_string={"state": "s"})
    assert response.status_code == 422
    assert response.json["detail"] == "Session token is required."
