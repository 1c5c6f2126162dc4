"""The dashboard's Auth0 login (30 §10): PKCE + state, admins only, logout through Auth0."""

from urllib.parse import parse_qs, urlsplit

import pytest

from aai import create_app
from aai.dashboard.auth import BAD_STATE, NOT_AN_ADMIN, NOT_VERIFIED, SESSION_USER
from aai.errors import NotAuthorizedError
from tests.dashboard.conftest import (
    APPROVED_USER,
    BASE_URL,
    BIOCOMMONS_ADMIN,
    BIOCOMMONS_ADMIN_ID,
    dashboard_settings,
    get,
    login_callback_url,
    path_of,
    sign_in,
)


def session_user(client):
    with client.session_transaction("/db-admin/", base_url=BASE_URL) as session:
        return session.get(SESSION_USER)


def test_anonymous_visit_is_sent_to_the_login_and_on_to_auth0_with_pkce(client, emulator):
    page = get(client, "/db-admin/user/?search=x")
    assert page.status_code == 302
    assert path_of(page.headers["Location"]) == "/db-admin/login?next=/db-admin/user/?search%3Dx"

    start = get(client, page.headers["Location"])
    authorize = urlsplit(start.headers["Location"])
    query = {key: values[0] for key, values in parse_qs(authorize.query).items()}
    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == f"{emulator.url}/authorize"
    assert query["client_id"] == emulator.dashboard_client_id
    assert query["redirect_uri"] == f"{BASE_URL}/db-admin/auth/auth0"
    assert query["code_challenge_method"] == "S256"
    assert query["code_challenge"]
    assert query["state"]
    assert query["nonce"]
    assert query["audience"] == emulator.audience
    assert set(query["scope"].split()) == {"openid", "profile", "email"}


def test_biocommons_admin_logs_in_and_returns_to_the_page_asked_for(
    client, emulator, dashboard_admin
):
    start = "/db-admin/login?next=/db-admin/role/"
    callback = login_callback_url(client, emulator, *BIOCOMMONS_ADMIN, start_path=start)
    answer = get(client, path_of(callback))
    assert answer.status_code == 302
    assert path_of(answer.headers["Location"]) == "/db-admin/role/"
    user = session_user(client)
    assert user["sub"] == BIOCOMMONS_ADMIN_ID
    assert user["name"] == "BioCommons Admin"
    page = get(client, "/db-admin/")
    assert page.status_code == 200
    assert "BioCommons Admin" in page.text


def test_session_cookie_is_httponly_lax_and_scoped_to_the_dashboard(client, emulator):
    callback = login_callback_url(client, emulator, *BIOCOMMONS_ADMIN)
    answer = get(client, path_of(callback))
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("aai_db_admin_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/db-admin" in cookie
    assert "Expires=" in cookie  # a permanent session: it ends after the idle timeout


def test_non_admin_is_refused_with_the_original_message(client, emulator):
    callback = login_callback_url(client, emulator, *APPROVED_USER)
    answer = get(client, path_of(callback))
    assert answer.status_code == 401
    assert NOT_AN_ADMIN in answer.text
    assert session_user(client) is None
    assert get(client, "/db-admin/").status_code == 302


@pytest.mark.parametrize("tamper", ["replace", "drop"])
def test_tampered_or_missing_state_is_refused(client, emulator, tamper):
    callback = login_callback_url(client, emulator, *BIOCOMMONS_ADMIN)
    parts = urlsplit(callback)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    if tamper == "replace":
        query["state"] = query["state"][::-1]
    else:
        del query["state"]
    answer = get(client, parts.path, query_string=query)
    assert answer.status_code == 401
    assert BAD_STATE in answer.text
    assert session_user(client) is None


def test_callback_without_a_login_in_progress_is_refused(client, emulator):
    answer = get(client, "/db-admin/auth/auth0?code=abc&state=xyz")
    assert answer.status_code == 401
    assert BAD_STATE in answer.text


def test_auth0_error_on_the_callback_is_refused(client, emulator):
    get(client, "/db-admin/login")
    answer = get(client, "/db-admin/auth/auth0?error=access_denied&error_description=blocked")
    assert answer.status_code == 401
    assert "blocked" in answer.text
    assert session_user(client) is None


def test_access_token_failing_verification_is_refused(app, client, emulator, monkeypatch):
    class Refusing:
        def verify(self, raw_token):
            raise NotAuthorizedError()

    monkeypatch.setitem(app.extensions, "token_verifier", Refusing())
    callback = login_callback_url(client, emulator, *BIOCOMMONS_ADMIN)
    answer = get(client, path_of(callback))
    assert answer.status_code == 401
    assert NOT_VERIFIED in answer.text
    assert session_user(client) is None


def test_logout_ends_the_session_and_goes_through_auth0(client, emulator, dashboard_admin):
    sign_in(client)
    assert get(client, "/db-admin/").status_code == 200
    answer = get(client, "/db-admin/logout")
    assert answer.status_code == 302
    target = urlsplit(answer.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{emulator.url}/v2/logout"
    assert parse_qs(target.query) == {
        "returnTo": [f"{BASE_URL}/db-admin/"],
        "client_id": [emulator.dashboard_client_id],
    }
    back = get(client, "/db-admin/")  # where Auth0 sends the browser back
    assert back.status_code == 200
    assert "You have logged out" in back.text
    assert get(client, "/db-admin/").status_code == 302  # then on to the login, as before


def test_expired_session_is_sent_to_the_login(client):
    sign_in(client, lifetime=-1)
    answer = get(client, "/db-admin/user/")
    assert answer.status_code == 302
    assert urlsplit(answer.headers["Location"]).path == "/db-admin/login"


def test_login_page_only_remembers_dashboard_pages(client, emulator):
    start = "/db-admin/login?next=https://evil.example/"
    callback = login_callback_url(client, emulator, *BIOCOMMONS_ADMIN, start_path=start)
    answer = get(client, path_of(callback))
    assert path_of(answer.headers["Location"]) == "/db-admin/"


def test_auth0_unreachable_at_login_is_a_503_page(emulator_server):
    # A fresh app: the session app has already read (and keeps) the discovery document.
    closed_port = "http://127.0.0.1:9"
    settings = dashboard_settings(
        emulator_server, DB_URL="sqlite://", AUTH0_CUSTOM_DOMAIN=closed_port
    )
    answer = create_app(settings).test_client().get("/db-admin/login")
    assert answer.status_code == 503
    assert "Auth0 cannot be reached" in answer.text
