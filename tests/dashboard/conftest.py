"""Fixtures of the dashboard tests: an app with the dashboard on, signed-in clients, and a login
driven through the Auth0 emulator's real `/authorize`, login form and `/oauth/token`."""

import time
from datetime import timedelta
from urllib.parse import parse_qs, urljoin, urlsplit

import flask_migrate
import httpx
import pytest

from aai import create_app
from aai.dashboard import sessions
from aai.dashboard.auth import SESSION_EXPIRES_AT, SESSION_ID, SESSION_USER
from tests.settings import emulator_settings
from tests.world import USER_IDS

ADMIN_ROLE = "biocommons/role/biocommons/admin"
# The demo seed allows the dashboard's callback and logout URLs on this address only; the test
# client needs no server there, it only sends this Host.
BASE_URL = "http://127.0.0.1:8000"
BIOCOMMONS_ADMIN = ("biocommons.admin@example.org", "BioCommons-Admin-Passw0rd!")
BIOCOMMONS_ADMIN_ID = USER_IDS["biocommons.admin@example.org"]
APPROVED_USER = ("approved.user@example.org", "Approved-User-Passw0rd!")


def dashboard_settings(server, **overrides):
    return emulator_settings(
        server,
        ENABLE_ADMIN_DASHBOARD="true",
        ADMIN_CLIENT_ID=server.dashboard_client_id,
        ADMIN_CLIENT_SECRET=server.dashboard_client_secret,
        ADMIN_ROLES=f'["{ADMIN_ROLE}"]',
        **overrides,
    )


@pytest.fixture(scope="session")
def app(database_url, emulator_server, request, tmp_path_factory):
    """The session app of tests/dashboard: the root one's, with the dashboard enabled, on its own
    database of the same backend (two apps migrating one SQLite file in one process would
    leave the second app's pooled connection with foreign keys off: aai/migrations/env.py turns
    them back on inside a still-open transaction when there is nothing to migrate)."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path_factory.mktemp('dashboard') / 'aai_dashboard.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_cluster").create_database("aai_dashboard_test")
    application = create_app(dashboard_settings(emulator_server, DB_URL=url))
    with application.app_context():
        flask_migrate.upgrade()
    return application


@pytest.fixture
def client(app):
    """A test client whose requests reach the app as http://127.0.0.1:8000."""
    return app.test_client()


def sign_in(client, sub: str = BIOCOMMONS_ADMIN_ID, lifetime: float = 3600) -> None:
    """Put a dashboard login in the client's session and on the server, as a successful
    callback does."""
    session_id = sessions.open_session(sub, timedelta(seconds=lifetime))
    with client.session_transaction("/db-admin/", base_url=BASE_URL) as session:
        session[SESSION_USER] = {"sub": sub, "name": "Test Admin", "email": None, "picture": None}
        session[SESSION_EXPIRES_AT] = time.time() + lifetime
        session[SESSION_ID] = session_id


@pytest.fixture
def dashboard_admin(make_user):
    """The BioCommons admin's live database row: dashboard pages need one (D16)."""
    return make_user(id=BIOCOMMONS_ADMIN_ID, email=BIOCOMMONS_ADMIN[0], username="biocommons_admin")


@pytest.fixture
def admin_client(client, emulator, dashboard_admin):
    sign_in(client)
    return client


def get(client, path: str, **kwargs):
    return client.get(path, base_url=BASE_URL, **kwargs)


def post(client, path: str, **kwargs):
    return client.post(path, base_url=BASE_URL, **kwargs)


def login_callback_url(
    client, emulator, email: str, password: str, start_path: str = "/db-admin/login"
) -> str:
    """Start the dashboard login, log in on the emulator's form; the URL Auth0 sends back."""
    start = get(client, start_path)
    assert start.status_code == 302
    with httpx.Client(timeout=10) as browser:
        authorize = browser.get(start.headers["Location"])
        assert authorize.status_code == 302, authorize.text
        login_page = urljoin(str(authorize.url), authorize.headers["location"])
        state = parse_qs(urlsplit(login_page).query)["state"][0]
        answer = browser.post(
            f"{emulator.url}/u/login",
            data={"state": state, "username": email, "password": password},
        )
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
