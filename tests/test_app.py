"""The application shell: factory, error shape (D2), CORS, request ids, health, docs."""

import json
import logging
import re
import socket
import uuid

import flask_migrate
import pytest
from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from openapi_spec_validator import validate
from sqlalchemy import event
from sqlalchemy.pool import Pool

from aai import create_app
from aai.api import api_of
from aai.errors import ApiError
from aai.extensions import db
from aai.logs import JsonLineFormatter
from aai.models import BiocommonsUser
from tests.settings import settings

PORTAL = "https://portal.example.org"
CLOSED_POSTGRES = "postgresql://aai:secret@127.0.0.1:1/aai"


class EchoIn(Schema):
    name = fields.String(required=True)
    email = fields.Email(required=True)


def app_with_probe_routes(**overrides):
    """A fresh app plus routes that exercise the error handlers (added before any request)."""
    application = create_app(settings(DB_URL="sqlite://", **overrides))
    probe = Blueprint("probe", __name__, url_prefix="/_probe")

    @probe.post("/echo")
    @probe.arguments(EchoIn)
    def echo(payload):
        return payload

    @probe.post("/raw-json")
    def raw_json():
        return {"received": request.get_json()}

    @probe.get("/protected")
    def protected():
        raise ApiError("Not authenticated", status=401, headers={"WWW-Authenticate": "Bearer"})

    @probe.get("/crash")
    def crash():
        raise RuntimeError("secret internals /srv/aai/models.py line 42")

    @probe.post("/duplicate-user")
    def duplicate_user():
        for _ in range(2):
            db.session.add(
                BiocommonsUser(id=f"auth0|{uuid.uuid4().hex}", email="a@b.org", username="dup")
            )
        db.session.commit()
        return {}

    api_of(application).register_blueprint(probe)
    return application


@pytest.fixture
def probe_client():
    return app_with_probe_routes().test_client()


def test_create_app_opens_no_connection_and_makes_no_network_call(monkeypatch):
    opened = []

    def refuse(*args, **kwargs):
        raise AssertionError(f"network call during create_app: {args}")

    def record(*args):
        opened.append(args)

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    event.listen(Pool, "connect", record)
    try:
        create_app(settings(DB_URL=CLOSED_POSTGRES))
        create_app(settings(DB_URL="sqlite://"))
        everything_on = {"ENABLE_ADMIN_DASHBOARD": "true", "ENABLE_PROMETHEUS_METRICS": "true"}
        create_app(settings(DB_URL=CLOSED_POSTGRES, **everything_on))
    finally:
        event.remove(Pool, "connect", record)
    assert opened == []


def test_root_answers_like_the_original(client):
    response = client.get("/")
    assert response.status_code == 200
    assert set(response.json) == {"message", "version"}
    assert response.json["message"] == "AAI Backend API"
    assert response.json["version"] not in ("", None)


def test_health_and_readiness(client):
    assert client.get("/health").json == {"status": "ok"}
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json == {"status": "ok"}


def test_readiness_is_503_when_the_database_is_unreachable():
    client = create_app(settings(DB_URL=CLOSED_POSTGRES)).test_client()
    assert client.get("/health").status_code == 200
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json == {"detail": "Database unreachable."}


def test_openapi_document_is_valid_openapi_3(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.")
    validate(document)
    assert {"/", "/health", "/health/ready"} <= set(document["paths"])


def test_docs_render_with_local_assets(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert b"/docs-assets/swagger-ui-bundle.js" in page.data
    assert b"/openapi.json" in page.data
    asset = client.get("/docs-assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert len(asset.data) > 100_000


def test_redoc_is_served_as_the_original_serves_it(client):
    page = client.get("/redoc")
    assert page.status_code == 200
    assert b"/openapi.json" in page.data
    assert b"redoc.standalone.js" in page.data


def test_unknown_path_is_a_json_404(probe_client):
    response = probe_client.get("/no/such/path")
    assert response.status_code == 404
    assert response.json == {"detail": "Not Found"}


def test_wrong_method_is_a_json_405_with_allow(probe_client):
    response = probe_client.delete("/health")
    assert response.status_code == 405
    assert response.json == {"detail": "Method Not Allowed"}
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("path", ["/_probe/echo", "/_probe/raw-json"])
def test_malformed_json_is_a_400_with_a_string_detail(probe_client, path):
    response = probe_client.post(path, data='{"name": ', content_type="application/json")
    assert response.status_code == 400
    assert isinstance(response.json["detail"], str)
    assert "JSON" in response.json["detail"]


def test_validation_errors_have_a_string_detail_and_field_errors(probe_client):
    response = probe_client.post("/_probe/echo", json={"email": "not-an-email"})
    assert response.status_code == 422
    body = response.json
    assert isinstance(body["detail"], str)
    assert body["message"] == body["detail"]
    fields_named = {error["field"]: error["message"] for error in body["field_errors"]}
    assert set(fields_named) == {"name", "email"}
    assert "name" in body["detail"]


def test_unhandled_exception_is_a_500_without_internals():
    client = app_with_probe_routes(TESTING=None).test_client()
    response = client.get("/_probe/crash", headers={"X-Request-ID": "trace-123"})
    assert response.status_code == 500
    assert response.json == {
        "detail": "Internal server error (request id trace-123).",
        "request_id": "trace-123",
    }
    assert b"secret internals" not in response.data
    assert b"Traceback" not in response.data


def test_request_id_is_echoed_or_generated(client):
    assert (
        client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"]
        == "abc-123"
    )
    generated = client.get("/health", headers={"X-Request-ID": "bad id; drop table"})
    assert generated.headers["X-Request-ID"] not in ("", "bad id; drop table")
    assert len(generated.headers["X-Request-ID"]) == 32


def json_line_of(record: logging.LogRecord) -> str:
    """The record as the app's stderr handler writes it."""
    formatters = [handler.formatter for handler in logging.getLogger().handlers]
    [formatter] = [each for each in formatters if isinstance(each, JsonLineFormatter)]
    return formatter.format(record)


@pytest.fixture
def info_app():
    """An app logging at INFO, as shipped (made before the test, whose log capture its logging
    configuration would otherwise replace)."""
    return create_app(settings(DB_URL="sqlite://", LOG_LEVEL="INFO"))


def test_the_access_line_holds_the_request_and_never_its_token(info_app, caplog):
    client = info_app.test_client()
    caplog.set_level(logging.INFO, logger="aai.http")
    client.get(
        "/health?probe=1",
        headers={"X-Request-ID": "trace-7", "Authorization": "Bearer secret-token-value"},
    )
    [record] = [each for each in caplog.records if each.name == "aai.http"]
    line = json_line_of(record)
    fields = json.loads(line)
    assert list(fields) == [
        *("time", "level", "logger", "message", "request_id"),
        *("client", "method", "path", "status", "duration_ms"),
    ]
    assert {name: fields[name] for name in list(fields)[1:-1]} == {
        "level": "INFO",
        "logger": "aai.http",
        "message": "request",
        "request_id": "trace-7",
        "client": "127.0.0.1",
        "method": "GET",
        "path": "/health",
        "status": 200,
    }
    assert 0 <= fields["duration_ms"] < 30_000
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}", fields["time"])
    assert "secret-token-value" not in line
    assert "probe=1" not in line


def test_other_log_lines_keep_their_extra_fields_and_the_request_id(info_app, caplog):
    caplog.set_level(logging.INFO, logger="aai.probe")
    with info_app.test_request_context("/"):
        info_app.preprocess_request()
        logging.getLogger("aai.probe").warning("job done", extra={"job": "sync", "changed": 3})
    [record] = [each for each in caplog.records if each.name == "aai.probe"]
    fields = json.loads(json_line_of(record))
    assert fields["message"] == "job done"
    assert (fields["job"], fields["changed"], fields["level"]) == ("sync", 3, "WARNING")
    assert len(fields["request_id"]) == 32


def test_a_request_without_origin_gets_no_cors_headers(probe_client):
    for path in ("/health", "/_probe/protected"):
        headers = probe_client.get(path).headers
        assert not [name for name, _ in headers.items() if name.startswith("Access-Control-")]
        assert "Vary" not in headers


@pytest.mark.parametrize(("path", "status"), [("/_probe/protected", 401), ("/nowhere", 404)])
def test_cors_headers_on_errors_for_allowed_origin_only(probe_client, path, status):
    allowed = probe_client.get(path, headers={"Origin": PORTAL})
    assert allowed.status_code == status
    assert allowed.headers["Access-Control-Allow-Origin"] == PORTAL
    assert isinstance(allowed.json["detail"], str)

    other = probe_client.get(path, headers={"Origin": "https://evil.example.com"})
    assert other.status_code == status
    assert "Access-Control-Allow-Origin" not in other.headers


def test_preflight_allows_the_portal_headers(probe_client):
    response = probe_client.options(
        "/_probe/protected",
        headers={
            "Origin": PORTAL,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == PORTAL
    allowed_headers = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed_headers
    assert "content-type" in allowed_headers
    assert {"GET", "POST"} <= set(response.headers["Access-Control-Allow-Methods"].split(", "))


def test_unauthenticated_error_keeps_its_challenge_header(probe_client):
    response = probe_client.get("/_probe/protected")
    assert response.status_code == 401
    assert response.json == {"detail": "Not authenticated"}
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_constraint_violation_is_a_409():
    application = app_with_probe_routes()
    with application.app_context():
        flask_migrate.upgrade()  # in-memory SQLite: one shared connection for the app's life
    response = application.test_client().post("/_probe/duplicate-user")
    assert response.status_code == 409
    assert response.json == {"detail": "The change conflicts with existing data."}
