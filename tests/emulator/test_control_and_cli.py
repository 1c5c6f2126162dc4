"""The control API's reset and generation, and `python -m auth0_emulator` as a real process."""

import subprocess
import sys
from pathlib import Path

import pytest

from auth0_emulator.__main__ import main
from tests.emulator.demo import DEMO
from tests.emulator.wire import bearer, call, jwt_parts
from tests.pg_cluster import free_port

REPO = Path(__file__).resolve().parents[2]


def test_reset_brings_back_the_seed(emulator, api):
    api("DELETE", f"/users/{DEMO['approved']}")
    emulator.generate_users(3)
    emulator.add_fault("GET", "/api/v2/roles", status=500)
    assert emulator.requests()

    emulator.reset()

    assert emulator.requests() == []
    unauthenticated = call("GET", f"{emulator.url}/api/v2/roles")
    assert unauthenticated.status == 401  # not the injected 500: the fault is gone
    assert api("GET", f"/users/{DEMO['approved']}").status == 200
    assert len(api("GET", "/users?per_page=100").json()) == 7


def test_info_describes_the_demo_tenant(emulator):
    assert emulator.audience == "https://api.aai.local"
    assert emulator.management_client_id == "dev-management-client"
    assert emulator.management_client_secret == "dev-management-secret-not-for-production"
    assert emulator.spa_client_id == "dev-portal-spa-client"
    assert emulator.dashboard_client_id == "dev-admin-dashboard-client"
    assert emulator.dashboard_client_secret == "dev-admin-dashboard-secret-not-for-production"


def test_generated_users_continue_their_numbering(emulator):
    first = emulator.generate_users(2, prefix="bench")
    second = emulator.generate_users(2, prefix="bench")

    assert first["last"]["email"] == "bench2@example.org"
    assert second["first"]["email"] == "bench3@example.org"


def test_generated_users_can_log_in_with_the_default_password(emulator):
    emulator.generate_users(1, prefix="gen")
    form = {
        "grant_type": "http://auth0.com/oauth/grant-type/password-realm",
        "username": "gen1@example.org",
        "password": "Emulator-Passw0rd!",
        "realm": "Username-Password-Authentication",
        "client_id": emulator.management_client_id,
        "client_secret": emulator.management_client_secret,
    }

    assert call("POST", f"{emulator.url}/oauth/token", form=form).status == 200


@pytest.mark.parametrize(
    "body", [{"count": 0}, {"count": 1, "roles": ["no/such/role"]}, {"count": 1, "prefix": "A B"}]
)
def test_generate_refuses_bad_input(emulator, body):
    reply = call("POST", f"{emulator.url}/_emulator/users/generate", json_body=body)

    assert reply.status == 400


def test_a_token_for_an_unknown_subject_has_no_roles(make_token):
    claims = jwt_parts(make_token("auth0|deleted-user"))[1]

    assert claims["sub"] == "auth0|deleted-user"
    assert claims["https://biocommons.org.au/roles"] == []


def test_the_cli_serves_the_demo_seed_and_mints_tokens():
    command = [sys.executable, "-m", "auth0_emulator", "--host", "127.0.0.1", "--port", "0"]
    server = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        url = server.stdout.readline().decode().strip()
        assert url.startswith("http://127.0.0.1:")
        config = call("GET", f"{url}/.well-known/openid-configuration").json()
        assert config["issuer"] == f"{url}/"

        token = subprocess.run(
            [sys.executable, "-m", "auth0_emulator", "token", "--base", url]
            + ["--user", "tsi.admin@example.org"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.strip()

        claims = jwt_parts(token)[1]
        assert claims["sub"] == DEMO["tsi_admin"]
        assert "biocommons/role/tsi/admin" in claims["https://biocommons.org.au/roles"]
        assert call("GET", f"{url}/userinfo", headers=bearer(token)).json()["sub"] == claims["sub"]
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_token_command_takes_roles_and_a_lifetime(emulator, capsys):
    # In the test process (coverage sees it): the options the process test above leaves out.
    arguments = ["token", "--base", emulator.url, "--user", "tsi.admin@example.org"]
    assert main([*arguments, "--roles", "biocommons/role/galaxy/admin"]) == 0
    token = capsys.readouterr().out.strip()
    claims = jwt_parts(token)[1]
    assert claims["sub"] == DEMO["tsi_admin"]
    assert claims["https://biocommons.org.au/roles"] == ["biocommons/role/galaxy/admin"]
    assert call("GET", f"{emulator.url}/userinfo", headers=bearer(token)).status == 200

    assert main([*arguments, "--expires-in", "-60"]) == 0
    expired = capsys.readouterr().out.strip()
    assert call("GET", f"{emulator.url}/userinfo", headers=bearer(expired)).status == 401


def test_the_token_helper_says_in_one_line_that_the_emulator_is_down():
    base = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = subprocess.run(
        [sys.executable, "-m", "auth0_emulator", "token", "--base", base, "--user", "x@y.org"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert f"No token: the Auth0 emulator at {base} failed" in result.stderr
