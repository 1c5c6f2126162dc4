"""The Auth0 client against the emulator, with its faults: retries, timeouts, error answers."""

import time
import uuid

import pytest
from flask import request
from flask_smorest import Blueprint

from aai import create_app
from aai.api import api_of
from aai.errors import ApiError, ServiceUnavailableError
from aai.identity.auth0 import Auth0ConfigurationError, Auth0RequestRejectedError, auth0_client
from aai.identity.recaptcha import verify_recaptcha
from tests.settings import emulator_settings

TIMEOUT_SECONDS = 0.5
RECAPTCHA_PASS = "dev-recaptcha-pass"  # the demo seed's passing token


@pytest.fixture
def probe_app(emulator):
    """A fresh app with a short Auth0 timeout and routes that call Auth0 on a client's behalf."""
    application = create_app(
        emulator_settings(emulator, DB_URL="sqlite://", AUTH0_TIMEOUT_SECONDS=str(TIMEOUT_SECONDS))
    )
    probe = Blueprint("auth0_probe", __name__, url_prefix="/_probe")

    @probe.get("/users/<path:user_id>")
    def get_user(user_id):
        return auth0_client().get_user(user_id)

    @probe.post("/users/<path:user_id>/email")
    def change_email(user_id):
        return auth0_client().update_user(user_id, {"email": request.json["email"]})

    api_of(application).register_blueprint(probe)
    return application


@pytest.fixture
def client_in_context(probe_app):
    with probe_app.app_context():
        yield auth0_client()


def new_user(client, **fields) -> dict:
    name = f"u{uuid.uuid4().hex[:10]}"
    values = {
        "email": f"{name}@example.org",
        "username": name,
        "password": "Sup3r-Secret!",
        "connection": "Username-Password-Authentication",
        "email_verified": True,
    }
    return client.create_user({**values, **fields})


def calls_to(emulator, method: str, path: str) -> int:
    return sum(
        1 for entry in emulator.requests() if entry["method"] == method and entry["path"] == path
    )


def test_management_token_is_fetched_once_and_reused(client_in_context, emulator):
    first = new_user(client_in_context)
    assert client_in_context.get_user(first["user_id"])["email"] == first["email"]
    client_in_context.get_user(first["user_id"])
    assert calls_to(emulator, "POST", "/oauth/token") == 1


def test_rate_limit_with_retry_after_is_retried_once(client_in_context, emulator):
    user = new_user(client_in_context)
    path = f"/api/v2/users/{user['user_id']}"
    emulator.add_fault("GET", "/api/v2/users/", status=429, retry_after=1, count=1)
    started = time.monotonic()
    assert client_in_context.get_user(user["user_id"])["user_id"] == user["user_id"]
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured
    assert calls_to(emulator, "GET", path) == 2


def test_persistent_outage_answers_503_after_bounded_retries(probe_app, emulator):
    emulator.add_fault("GET", "/api/v2/users/", status=503, count=100)
    started = time.monotonic()
    response = probe_app.test_client().get("/_probe/users/auth0|someone")
    assert response.status_code == 503
    assert response.json == {"detail": "Auth0 is unavailable. Please try again shortly."}
    assert time.monotonic() - started < 5
    assert calls_to(emulator, "GET", "/api/v2/users/auth0|someone") == 3


def test_timeout_answers_503(probe_app, emulator):
    emulator.add_fault("GET", "/api/v2/users/", delay=TIMEOUT_SECONDS * 4, count=100)
    started = time.monotonic()
    response = probe_app.test_client().get("/_probe/users/auth0|someone")
    assert response.status_code == 503
    assert response.json == {"detail": "Auth0 did not answer in time. Please try again shortly."}
    assert time.monotonic() - started < 4 * TIMEOUT_SECONDS + 2


def test_dropped_connection_answers_503(probe_app, emulator):
    emulator.add_fault("GET", "/api/v2/users/", drop=True, count=100)
    response = probe_app.test_client().get("/_probe/users/auth0|someone")
    assert response.status_code == 503
    assert response.json == {"detail": "Auth0 could not be reached. Please try again shortly."}


def test_long_retry_after_is_passed_on_not_waited_for(probe_app, emulator):
    emulator.add_fault("GET", "/api/v2/users/", status=429, retry_after=120, count=100)
    response = probe_app.test_client().get("/_probe/users/auth0|someone")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "120"
    assert calls_to(emulator, "GET", "/api/v2/users/auth0|someone") == 1


def test_duplicate_email_is_a_409_with_auth0s_message(probe_app, emulator):
    with probe_app.app_context():
        taken = new_user(auth0_client())
        mover = new_user(auth0_client())
    response = probe_app.test_client().post(
        f"/_probe/users/{mover['user_id']}/email", json={"email": taken["email"]}
    )
    assert response.status_code == 409
    assert isinstance(response.json["detail"], str)
    assert response.json["detail"]


def test_unknown_user_is_a_404(client_in_context):
    with pytest.raises(Auth0RequestRejectedError) as raised:
        client_in_context.get_user("auth0|nobody")
    assert raised.value.status == 404


def test_wrong_management_secret_is_a_502(emulator):
    application = create_app(
        emulator_settings(
            emulator, DB_URL="sqlite://", AUTH0_MANAGEMENT_SECRET="wrong-secret-value"
        )
    )
    with application.app_context(), pytest.raises(Auth0ConfigurationError) as raised:
        auth0_client().get_user("auth0|someone")
    assert raised.value.status == 502


def test_password_check(client_in_context):
    user = new_user(client_in_context, password="Right-Passw0rd!")
    assert client_in_context.check_password(user["email"], "Right-Passw0rd!") is True
    assert client_in_context.check_password(user["email"], "Wrong-Passw0rd!") is False


def test_role_members_are_paged_by_checkpoint(client_in_context, emulator):
    role = client_in_context.create_role(f"biocommons/role/paging{uuid.uuid4().hex[:6]}/admin")
    members = [new_user(client_in_context)["user_id"] for _ in range(5)]
    for member in members:
        client_in_context.add_user_roles(member, [role["id"]])
    pages = list(client_in_context.role_member_pages(role["id"], take=2))
    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(user["user_id"] for page in pages for user in page) == sorted(members)
    assert client_in_context.role_by_name(role["name"])["id"] == role["id"]


def test_export_rows_stream_every_user(client_in_context, emulator):
    emulator.generate_users(250, prefix="export")
    job = client_in_context.start_users_export(["user_id", "email", "username"])
    for _ in range(100):
        job = client_in_context.get_job(job["id"])
        if job["status"] == "completed":
            break
        time.sleep(0.05)
    emails = {row["email"] for row in client_in_context.export_rows(job["location"])}
    assert {f"export{index}@example.org" for index in range(1, 251)} <= emails


def test_recaptcha_answers(client_in_context, emulator):
    assert verify_recaptcha(RECAPTCHA_PASS) is True
    assert verify_recaptcha("made-up-token") is False
    emulator.add_fault("POST", "/recaptcha", status=500, count=1)
    with pytest.raises(ServiceUnavailableError):
        verify_recaptcha(RECAPTCHA_PASS)


def test_userinfo_refusing_the_callers_token_is_the_callers_401(client_in_context, make_token):
    token = make_token("auth0|nobody-in-auth0", roles=[])  # valid for aai, unknown to Auth0
    with pytest.raises(ApiError) as raised:
        client_in_context.userinfo(token)
    assert (raised.value.status, raised.value.detail) == (401, "Not authorized")
