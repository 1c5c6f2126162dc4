"""`aai.wsgi`, the installed app's entry point (served by `aai-api`), imported in the test
process: the deploy tests start it only in subprocesses, where coverage does not look. The
module reads the process environment, so these tests set it through monkeypatch (restored)."""

import importlib
import sys

import pytest
from flask import Flask

from tests.settings import settings


def import_entry_point(monkeypatch, tmp_path, environment: dict[str, str]):
    monkeypatch.chdir(tmp_path)  # no .env file is read
    for name in (*settings(DB_URL="sqlite://"), "ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delitem(sys.modules, "aai.wsgi", raising=False)  # put back afterwards
    try:
        return importlib.import_module("aai.wsgi")
    finally:
        sys.modules.pop("aai.wsgi", None)  # this test's import, built from this environment


def test_a_configured_environment_gives_the_app(monkeypatch, tmp_path):
    module = import_entry_point(monkeypatch, tmp_path, settings(DB_URL="sqlite://"))
    assert isinstance(module.app, Flask)
    assert module.app.test_client().get("/health").json == {"status": "ok"}


def test_a_broken_environment_exits_with_one_message(monkeypatch, tmp_path):
    environment = {"ENVIRONMENT": "production", "ADMIN_ROLES": "{not json"}
    with pytest.raises(SystemExit) as exited:
        import_entry_point(monkeypatch, tmp_path, environment)
    message = exited.value.code
    assert isinstance(message, str)  # sys.exit(text): printed on stderr, exit status 1
    assert message.startswith("Invalid configuration (")
    assert "ADMIN_ROLES is malformed" in message
    assert "JWT_SECRET_KEY is required" in message
