"""Behind proxies (TRUSTED_PROXY_HOPS): the rate-limit key, the request log and the dashboard's
Auth0 callback follow the client only when the hops are trusted; a forged header changes
nothing otherwise. Last, the server as the image runs it (`aai-api`) agrees with the app."""

import json
import logging
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from aai import create_app
from tests.api_processes import api_processes
from tests.dashboard.conftest import dashboard_settings
from tests.settings import settings

PEER = "10.0.0.5"  # the load balancer, as the app's socket sees it
CLIENT = "203.0.113.7"
INSTITUTION_CHECK = "/utils/register/check-australian-research-institution?email=a@unsw.edu.au"
FORGED = {
    "X-Forwarded-For": "198.51.100.66",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "forged.example.org",
}


def proxied_app(tmp_path, hops: str, **overrides):
    database = f"sqlite:///{tmp_path / 'aai.sqlite3'}"
    return create_app(
        settings(
            TRUSTED_PROXY_HOPS=hops,
            RATELIMIT_AVAILABILITY="2/minute",
            DB_URL=database,
            **overrides,
        )
    )


def check_from(client, forwarded_for: str | None = None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.get(INSTITUTION_CHECK, headers=headers, environ_base={"REMOTE_ADDR": PEER})


@pytest.fixture
def direct_app(tmp_path):
    return proxied_app(tmp_path, "0")


@pytest.fixture
def behind_one_proxy(tmp_path):
    return proxied_app(tmp_path, "1")


def test_without_trusted_hops_a_forged_forwarded_for_shares_the_peers_limit(direct_app):
    client = direct_app.test_client()
    statuses = [check_from(client, f"198.51.100.{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]


def test_behind_one_proxy_each_client_has_its_own_limit(behind_one_proxy):
    client = behind_one_proxy.test_client()
    # The proxy appends the address it saw; what the client wrote before it is not trusted.
    forging = [check_from(client, f"10.9.9.{n}, {CLIENT}").status_code for n in range(3)]
    assert forging == [200, 200, 429]
    assert check_from(client, "198.51.100.2").status_code == 200


def logged_clients(caplog) -> list[str]:
    return [record.client for record in caplog.records if record.name == "aai.http"]


def test_without_trusted_hops_the_log_shows_the_socket_peer(direct_app, caplog):
    caplog.set_level(logging.INFO, logger="aai.http")
    check_from(direct_app.test_client(), "198.51.100.66")
    assert logged_clients(caplog) == [PEER]


def test_behind_one_proxy_the_log_shows_the_client(behind_one_proxy, caplog):
    caplog.set_level(logging.INFO, logger="aai.http")
    check_from(behind_one_proxy.test_client(), f"198.51.100.66, {CLIENT}")
    assert logged_clients(caplog) == [CLIENT]


def login_callback(app, headers: dict, base_url: str = "http://127.0.0.1:8000") -> str:
    """The redirect_uri the dashboard sends to Auth0 for a request with these headers."""
    start = app.test_client().get("/db-admin/login", base_url=base_url, headers=headers)
    assert start.status_code == 302
    return parse_qs(urlsplit(start.headers["Location"]).query)["redirect_uri"][0]


def dashboard_app(emulator_server, tmp_path, hops: str):
    database = f"sqlite:///{tmp_path / 'aai.sqlite3'}"
    return create_app(dashboard_settings(emulator_server, DB_URL=database, TRUSTED_PROXY_HOPS=hops))


@pytest.mark.parametrize(
    ("hops", "callback"),
    [
        ("0", "http://127.0.0.1:8000/db-admin/auth/auth0"),
        ("1", "https://forged.example.org/db-admin/auth/auth0"),
    ],
)
def test_dashboard_callback_uses_the_forwarded_scheme_and_host_only_behind_proxies(
    emulator_server, tmp_path, hops, callback
):
    assert login_callback(dashboard_app(emulator_server, tmp_path, hops), FORGED) == callback


def test_dashboard_callback_behind_an_alb(emulator_server, tmp_path):
    # What an ALB sends a task: the Host as the browser sent it, plain http on the task's port.
    alb = {"X-Forwarded-For": CLIENT, "X-Forwarded-Proto": "https", "X-Forwarded-Port": "443"}
    app = dashboard_app(emulator_server, tmp_path, "1")
    callback = login_callback(app, alb, base_url="http://aai-api.example.org:8000")
    assert callback == "https://aai-api.example.org/db-admin/auth/auth0"


# --- the real server, as the image runs it


def serve_and_ask(api_settings: dict, directory) -> tuple[str, int, list[str]]:
    """Under the real server: the dashboard callback for a forged request, the port, the logged
    clients."""
    with api_processes(api_settings, directory, count=1, workers=1) as (api,):
        start = httpx.get(f"{api.base_url}/db-admin/login", headers=FORGED)
    lines = [json.loads(line) for line in api.output().splitlines() if line.startswith("{")]
    clients = [line["client"] for line in lines if line.get("message") == "request"]
    callback = parse_qs(urlsplit(start.headers["Location"]).query)["redirect_uri"][0]
    return callback, api.port, clients


@pytest.mark.parametrize(
    ("hops", "callback_base", "client"),
    [("0", "http://127.0.0.1", "127.0.0.1"), ("1", "https://forged.example.org", "198.51.100.66")],
)
def test_the_server_leaves_forwarding_headers_to_the_app(
    emulator_server, tmp_path, hops, callback_base, client
):
    # The server reads no forwarding header; with 0 hops a forged X-Forwarded-Proto from
    # 127.0.0.1 must not make the callback https.
    settings_of_api = dashboard_settings(
        emulator_server,
        DB_URL=f"sqlite:///{tmp_path / 'aai.sqlite3'}",
        TRUSTED_PROXY_HOPS=hops,
        LOG_LEVEL="INFO",
        TESTING=None,
    )
    callback, port, clients = serve_and_ask(settings_of_api, tmp_path)
    expected_base = callback_base if hops == "1" else f"{callback_base}:{port}"
    assert callback == f"{expected_base}/db-admin/auth/auth0"
    assert clients[-1] == client
