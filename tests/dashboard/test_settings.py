"""Dashboard settings: validated at start-up; building the app does no I/O."""

import socket

import pytest
from sqlalchemy import event
from sqlalchemy.pool import Pool

from aai import create_app
from aai.config import ConfigError, load_config
from tests.settings import settings

ON = {"ENABLE_ADMIN_DASHBOARD": "true", "ADMIN_ROLES": '["Admin"]'}


def problems(**overrides) -> str:
    with pytest.raises(ConfigError) as raised:
        load_config(settings(**overrides))
    return str(raised.value)


def test_own_client_is_used_when_given():
    config = load_config(settings(**ON, ADMIN_CLIENT_ID="dash", ADMIN_CLIENT_SECRET="shh"))
    assert (config["DASHBOARD_CLIENT_ID"], config["DASHBOARD_CLIENT_SECRET"]) == ("dash", "shh")


def test_management_client_is_the_fallback_as_in_the_original():
    config = load_config(settings(**ON))
    assert config["DASHBOARD_CLIENT_ID"] == settings()["AUTH0_MANAGEMENT_ID"]
    assert config["DASHBOARD_CLIENT_SECRET"] == settings()["AUTH0_MANAGEMENT_SECRET"]


@pytest.mark.parametrize("missing", ["ADMIN_CLIENT_ID", "ADMIN_CLIENT_SECRET"])
def test_half_a_client_is_refused(missing):
    pair = {"ADMIN_CLIENT_ID": "dash", "ADMIN_CLIENT_SECRET": "shh", missing: None}
    assert "ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together" in problems(**ON, **pair)


def test_half_a_client_is_ignored_while_the_dashboard_is_off():
    load_config(settings(ADMIN_CLIENT_ID="dash"))


def test_dashboard_without_admin_roles_is_refused_with_the_other_problems():
    message = problems(ENABLE_ADMIN_DASHBOARD="true", ADMIN_ROLES="[]", RECAPTCHA_SECRET=None)
    assert "ADMIN_ROLES must name at least one role" in message
    assert "RECAPTCHA_SECRET is required" in message


def test_login_domain_is_the_custom_domain_or_the_tenant():
    assert load_config(settings(**ON))["DASHBOARD_LOGIN_URL"] == "http://127.0.0.1:9"
    custom = load_config(settings(**ON, AUTH0_CUSTOM_DOMAIN="https://login.example.org/"))
    assert custom["DASHBOARD_LOGIN_URL"] == "https://login.example.org"


def test_plain_http_custom_domain_is_refused_outside_dev():
    message = problems(
        **ON, ENVIRONMENT="production", TESTING="false", AUTH0_CUSTOM_DOMAIN="http://login.example"
    )
    assert "AUTH0_CUSTOM_DOMAIN uses http://" in message


@pytest.mark.parametrize(("environment", "secure"), [("dev", False), ("staging", True)])
def test_session_cookie_is_secure_outside_dev(environment, secure):
    app = create_app(settings(**ON, ENVIRONMENT=environment, DB_URL="sqlite://"))
    assert app.config["SESSION_COOKIE_SECURE"] is secure
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_create_app_with_the_dashboard_does_no_io(monkeypatch):
    opened = []

    def refuse(*args, **kwargs):
        raise AssertionError(f"network call during create_app: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)

    def record(*args):
        opened.append(args)

    event.listen(Pool, "connect", record)
    try:
        app = create_app(settings(**ON, DB_URL="sqlite://"))
    finally:
        event.remove(Pool, "connect", record)
    assert opened == []
    assert "admin" in app.extensions


def test_two_apps_each_get_their_own_dashboard():
    first = create_app(settings(**ON, DB_URL="sqlite://"))
    second = create_app(settings(**ON, DB_URL="sqlite://"))
    assert first.extensions["admin"][0] is not second.extensions["admin"][0]
    for app in (first, second):
        assert app.test_client().get("/db-admin/").status_code == 302
