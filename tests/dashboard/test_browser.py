"""The dashboard in a real browser: headless Debian Chromium driven by Selenium, against the app
served on a loopback port and an Auth0 emulator whose dashboard client allows that port.

One browser and one running stack per module; each test starts with no cookies anywhere. The
screenshot of the users list is saved as `test-artifacts/dashboard-users.png`.
"""

import json
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import flask_migrate
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import WSGIRequestHandler, make_server

from aai import create_app
from aai.extensions import db
from aai.models import (
    ApprovalStatusEnum,
    BiocommonsGroup,
    BiocommonsUser,
    GroupMembership,
    PlatformEnum,
    PlatformMembership,
)
from auth0_emulator.seed import DEMO_SEED
from auth0_emulator.server import BackgroundEmulator
from tests.dashboard.conftest import APPROVED_USER, BIOCOMMONS_ADMIN, BIOCOMMONS_ADMIN_ID
from tests.dashboard.conftest import dashboard_settings as settings_for

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WAIT_SECONDS = 15
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,1000",
)
USERS = (
    # id, email, username, platform status, group status
    (BIOCOMMONS_ADMIN_ID, BIOCOMMONS_ADMIN[0], "biocommons_admin", "APPROVED", None),
    ("auth0|fc0e0b3de5f0c8b06dfae779", APPROVED_USER[0], "approved_user", "APPROVED", None),
    ("auth0|77226fa3849968a9dcb9cad5", "pending.user@example.org", "pending_user", None, "PENDING"),
    (
        "auth0|browser000000000000000001",
        "revoked.user@example.org",
        "revoked_user",
        "REVOKED",
        None,
    ),
)


@dataclass
class Stack:
    url: str
    emulator: BackgroundEmulator


class QuietHandler(WSGIRequestHandler):
    """No access log line per request (every page loads a dozen assets)."""

    def log_request(self, code="-", size="-") -> None:
        pass


class LateApp:
    """A WSGI app set after the server is bound: the port must be known to build the app."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The app on a free loopback port with its own committed SQLite database, and an
    emulator whose dashboard client allows that port's callback and logout URLs."""
    tmp = tmp_path_factory.mktemp("dashboard")
    late_app = LateApp()
    server = make_server("127.0.0.1", 0, late_app, threaded=True, request_handler=QuietHandler)
    url = f"http://127.0.0.1:{server.server_port}"
    emulator = BackgroundEmulator(seed_allowing(url, tmp / "seed.json"))
    app = create_app(settings_for(emulator, DB_URL=f"sqlite:///{tmp / 'dashboard.sqlite3'}"))
    with app.app_context():
        flask_migrate.upgrade()
        add_rows()
        db.session.commit()
    late_app.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Stack(url, emulator)
    server.shutdown()
    thread.join(timeout=10)
    emulator.stop()


def seed_allowing(url: str, path: Path) -> Path:
    seed = json.loads(DEMO_SEED.read_text(encoding="utf-8"))
    for client in seed["clients"]:
        if client["app_type"] == "regular_web":
            client["callbacks"] = [f"{url}/db-admin/auth/auth0"]
            client["allowed_logout_urls"] = [f"{url}/db-admin/"]
    path.write_text(json.dumps(seed), encoding="utf-8")
    return path


def add_rows() -> None:
    group = BiocommonsGroup(
        group_id="biocommons/group/tsi", name="Threatened Species Initiative", short_name="TSI"
    )
    db.session.add(group)
    for number, (user_id, email, username, platform_status, group_status) in enumerate(USERS):
        created_at = datetime(2025, 1, 1 + number, 9, 30, tzinfo=UTC)
        user = BiocommonsUser(
            id=user_id, email=email, username=username, email_verified=True, created_at=created_at
        )
        db.session.add(user)
        if platform_status:
            db.session.add(
                PlatformMembership(
                    user=user,
                    platform_id=PlatformEnum.GALAXY,
                    approval_status=ApprovalStatusEnum[platform_status],
                )
            )
        if group_status:
            db.session.add(
                GroupMembership(
                    user=user, group=group, approval_status=ApprovalStatusEnum[group_status]
                )
            )


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        reason = f"{CHROMIUM} and {CHROMEDRIVER} are needed (scripts/ensure-system-deps.sh)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI must run the browser tests")
        pytest.skip(reason)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    browser = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    yield browser
    browser.quit()


@pytest.fixture
def browser(driver, stack):
    """The module's browser with no cookies (no dashboard or emulator session)."""
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    return driver


def wait_for(browser, condition):
    return WebDriverWait(browser, WAIT_SECONDS).until(condition)


def log_in(browser, stack: Stack, email: str, password: str) -> None:
    """On the emulator's login page: fill in the form and send it."""
    wait_for(browser, expected_conditions.url_contains(f"{stack.emulator.url}/u/login"))
    browser.find_element(By.NAME, "username").send_keys(email)
    browser.find_element(By.NAME, "password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def row_texts(browser) -> list[str]:
    return [row.text for row in browser.find_elements(By.CSS_SELECTOR, "table.model-list tbody tr")]


def test_admin_logs_in_browses_searches_and_logs_out(browser, stack):
    browser.get(f"{stack.url}/db-admin/")
    log_in(browser, stack, *BIOCOMMONS_ADMIN)
    wait_for(browser, expected_conditions.url_to_be(f"{stack.url}/db-admin/"))
    signed_in = wait_for(
        browser, expected_conditions.visibility_of_element_located((By.ID, "db-admin-user"))
    )
    assert signed_in.text == "BioCommons Admin"

    browser.find_element(By.CSS_SELECTOR, "#db-admin-tables a[href='/db-admin/user/']").click()
    wait_for(browser, expected_conditions.url_to_be(f"{stack.url}/db-admin/user/"))
    rows = row_texts(browser)
    assert len(rows) == len(USERS)
    for _, email, *_ in USERS:
        assert any(email in row for row in rows)
    assert "2025-01-04T09:30:00Z" in rows[0]  # newest first, ISO-8601 UTC
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "dashboard-users.png"))

    search = browser.find_element(By.NAME, "search")
    search.send_keys("pending.user@example.org", Keys.ENTER)
    wait_for(browser, expected_conditions.url_contains("search="))
    (row,) = row_texts(browser)
    assert "pending.user@example.org" in row

    browser.find_element(By.CSS_SELECTOR, "a[title='View Record']").click()
    wait_for(browser, expected_conditions.url_contains("/db-admin/user/details/"))
    details = browser.find_element(By.CSS_SELECTOR, "table.searchable").text
    for text in (
        "auth0|77226fa3849968a9dcb9cad5",
        "pending_user",
        "Threatened Species Initiative: pending",
    ):
        assert text in details

    browser.get(f"{stack.url}/db-admin/platform_membership/")
    memberships = "\n".join(row_texts(browser))
    for email, status in (
        ("approved.user@example.org", "approved"),
        ("revoked.user@example.org", "revoked"),
    ):
        assert any(email in row and status in row for row in memberships.splitlines())

    browser.find_element(By.ID, "db-admin-logout").click()
    # Back from Auth0's logout, the dashboard says it happened; Auth0 ended its own session
    # too, so logging in again asks for the password.
    logged_out = wait_for(
        browser, expected_conditions.presence_of_element_located((By.ID, "logged-out"))
    )
    assert "You have logged out" in logged_out.text
    browser.find_element(By.ID, "log-in-again").click()
    wait_for(browser, expected_conditions.url_contains(f"{stack.emulator.url}/u/login"))
    browser.get(f"{stack.url}/db-admin/user/")
    wait_for(browser, expected_conditions.url_contains(f"{stack.emulator.url}/u/login"))


def test_non_admin_is_refused_in_the_browser(browser, stack):
    browser.get(f"{stack.url}/db-admin/user/")
    log_in(browser, stack, *APPROVED_USER)
    refused = wait_for(
        browser, expected_conditions.visibility_of_element_located((By.ID, "login-refused"))
    )
    assert refused.text == "You do not have permission to access this endpoint."
    browser.get(f"{stack.url}/db-admin/user/")
    # Not let in: back through Auth0 (still logged in there), and refused again.
    refused = wait_for(
        browser, expected_conditions.visibility_of_element_located((By.ID, "login-refused"))
    )
    assert "permission" in refused.text
