"""The Authentication API calls aai makes: client credentials, the password-realm check,
the password-change email, and the reCAPTCHA stand-in."""

import base64

import pytest

from tests.emulator.demo import DEMO, management_token
from tests.emulator.wire import bearer, call, jwt_parts

PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"


def password_check(
    emulator, username: str, password: str, realm="Username-Password-Authentication"
):
    form = {
        "grant_type": PASSWORD_REALM,
        "username": username,
        "password": password,
        "audience": f"{emulator.url}/api/v2/",
        "client_id": emulator.management_client_id,
        "client_secret": emulator.management_client_secret,
        "realm": realm,
        "scope": "openid",
    }
    return call("POST", f"{emulator.url}/oauth/token", form=form)


def test_client_credentials_give_a_management_token_the_api_accepts(emulator):
    token = management_token(emulator)

    claims = jwt_parts(token)[1]
    assert claims["aud"] == f"{emulator.url}/api/v2/"
    assert claims["sub"] == f"{emulator.management_client_id}@clients"
    assert claims["gty"] == "client-credentials"
    assert "read:users" in claims["scope"].split()
    reply = call("GET", f"{emulator.url}/api/v2/users/{DEMO['approved']}", headers=bearer(token))
    assert reply.status == 200


@pytest.mark.parametrize("secret", ["wrong-secret", ""])
def test_client_credentials_with_a_wrong_secret_are_refused(emulator, secret):
    body = {
        "grant_type": "client_credentials",
        "client_id": emulator.management_client_id,
        "client_secret": secret,
        "audience": f"{emulator.url}/api/v2/",
    }

    reply = call("POST", f"{emulator.url}/oauth/token", json_body=body)

    assert reply.status == 401
    assert reply.json() == {"error": "access_denied", "error_description": "Unauthorized"}


def test_a_client_without_a_grant_cannot_get_a_management_token(emulator):
    body = {
        "grant_type": "client_credentials",
        "client_id": emulator.dashboard_client_id,
        "client_secret": emulator.dashboard_client_secret,
        "audience": f"{emulator.url}/api/v2/",
    }

    reply = call("POST", f"{emulator.url}/oauth/token", json_body=body)

    assert reply.status == 403
    assert reply.json()["error"] == "access_denied"


def test_client_credentials_accept_http_basic_authentication(emulator):
    credentials = f"{emulator.management_client_id}:{emulator.management_client_secret}"
    basic = {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}
    form = {"grant_type": "client_credentials", "audience": f"{emulator.url}/api/v2/"}

    reply = call("POST", f"{emulator.url}/oauth/token", form=form, headers=basic)

    assert reply.status == 200


@pytest.mark.parametrize("login", ["approved_user", "approved.user@example.org"])
def test_the_password_realm_grant_accepts_the_right_password(emulator, login):
    reply = password_check(emulator, login, "Approved-User-Passw0rd!")

    assert reply.status == 200
    assert jwt_parts(reply.json()["access_token"])[1]["sub"] == DEMO["approved"]
    assert jwt_parts(reply.json()["id_token"])[1]["sub"] == DEMO["approved"]


def test_the_password_realm_grant_refuses_a_wrong_password(emulator):
    reply = password_check(emulator, "approved_user", "Wrong-Passw0rd!")

    assert reply.status == 403
    assert reply.json() == {
        "error": "invalid_grant",
        "error_description": "Wrong email or password.",
    }


def test_the_password_realm_grant_refuses_a_blocked_user(emulator):
    reply = password_check(emulator, "blocked_user", "Blocked-User-Passw0rd!")

    assert reply.status == 401
    assert reply.json() == {"error": "unauthorized", "error_description": "user is blocked"}


def test_the_password_realm_grant_refuses_an_unknown_realm(emulator):
    reply = password_check(emulator, "approved_user", "Approved-User-Passw0rd!", realm="other")

    assert reply.status == 400
    assert reply.json()["error"] == "invalid_request"


def test_a_successful_login_is_counted(emulator, api):
    assert password_check(emulator, "approved_user", "Approved-User-Passw0rd!").status == 200

    user = api("GET", f"/users/{DEMO['approved']}").json()

    assert user["logins_count"] == 1
    assert user["last_login"]


def test_an_unsupported_grant_is_refused(emulator):
    reply = call("POST", f"{emulator.url}/oauth/token", form={"grant_type": "implicit"})

    assert reply.status == 403
    assert reply.json()["error"] == "unsupported_grant_type"


def test_change_password_sends_an_email_only_to_a_known_user(emulator):
    def ask(email: str):
        body = {
            "email": email,
            "client_id": emulator.management_client_id,
            "connection": "Username-Password-Authentication",
        }
        return call("POST", f"{emulator.url}/dbconnections/change_password", json_body=body)

    known, unknown = ask("Pending.User@example.org"), ask("nobody@example.org")

    assert known.status == unknown.status == 200
    assert known.json() == unknown.json() == "We've just sent you an email to reset your password."
    emails = emulator.emails()
    assert [(e["type"], e["to"], e["user_id"]) for e in emails] == [
        ("change_password", "pending.user@example.org", DEMO["pending"])
    ]


@pytest.mark.parametrize(
    ("response", "success", "codes"),
    [
        ("dev-recaptcha-pass", True, None),
        ("anything-else", False, ["invalid-input-response"]),
        ("", False, ["missing-input-response"]),
    ],
)
def test_recaptcha_siteverify_answers_like_google(emulator, response, success, codes):
    form = {"secret": "any-secret", "response": response}

    reply = call("POST", f"{emulator.url}/recaptcha/api/siteverify", form=form)

    assert reply.status == 200
    assert reply.json()["success"] is success
    assert reply.json().get("error-codes") == codes
