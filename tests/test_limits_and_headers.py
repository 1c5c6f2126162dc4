"""The app's edge: the request body limit (413 in the D2 shape, the body left unread), the
security headers on every kind of answer, and the 429 of the abuse limits."""

import io
import json

import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app

from aai import create_app
from tests.settings import settings

ONE_MIB = 1024 * 1024
WELCOME = "/utils/send-welcome-email"  # unauthenticated, reads a JSON body
INSTITUTION_CHECK = "/utils/register/check-australian-research-institution?email=a@unsw.edu.au"
TOO_LARGE = {"detail": f"Request body too large: at most {ONE_MIB} bytes are accepted."}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


def edge_app(tmp_path, **overrides):
    return create_app(settings(DB_URL=f"sqlite:///{tmp_path / 'aai.sqlite3'}", **overrides))


@pytest.fixture
def client(tmp_path):
    return edge_app(tmp_path, RATELIMIT_EMAIL_SENDING="100/minute").test_client()


def json_of_size(size: int) -> bytes:
    """A JSON object of exactly `size` bytes (its one field is not a welcome email's)."""
    head, tail = b'{"padding": "', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


# --- body limit


def test_a_body_at_the_default_limit_is_read(client):
    response = client.post(WELCOME, data=json_of_size(ONE_MIB), content_type="application/json")
    assert response.status_code == 422  # read and validated: it is not a welcome request
    assert response.json["detail"] == "Email is required."


def test_a_body_one_byte_over_the_limit_is_413_json(client):
    body = json_of_size(ONE_MIB + 1)
    response = client.post(WELCOME, data=body, content_type="application/json")
    assert (response.status_code, response.json) == (413, TOO_LARGE)


def test_a_declared_oversized_body_is_refused_on_any_path(client):
    response = client.post("/no/such/path", data=b"x" * (ONE_MIB + 1))
    assert (response.status_code, response.json) == (413, TOO_LARGE)


def test_the_limit_is_a_setting(tmp_path):
    client = edge_app(tmp_path, MAX_REQUEST_BYTES="100").test_client()
    response = client.post(WELCOME, data=json_of_size(101), content_type="application/json")
    assert response.status_code == 413
    assert response.json == {"detail": "Request body too large: at most 100 bytes are accepted."}


class EndlessBody(io.RawIOBase):
    """A client that keeps sending: counts what the app reads."""

    def __init__(self):
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        buffer[:] = b" " * len(buffer)
        self.bytes_read += len(buffer)
        return len(buffer)


def post_streamed(app, body) -> tuple[str, bytes]:
    """POST `body` as the server hands the app a chunked upload: no length, a terminated stream."""
    environ = EnvironBuilder(
        path=WELCOME, method="POST", headers={"Content-Type": "application/json"}
    ).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.update({"wsgi.input": body, "wsgi.input_terminated": True})
    app_iter, status, _ = run_wsgi_app(app, environ, buffered=True)
    return status, b"".join(app_iter)


def test_a_streamed_body_of_unknown_length_is_cut_off_at_the_limit(tmp_path):
    body = EndlessBody()
    status, answer = post_streamed(edge_app(tmp_path), body)
    assert status == "413 REQUEST ENTITY TOO LARGE"
    assert json.loads(answer) == TOO_LARGE
    assert body.bytes_read == ONE_MIB + 1  # the limit, and one byte to know there is more


def test_a_streamed_body_at_the_limit_is_read_whole(tmp_path):
    status, answer = post_streamed(edge_app(tmp_path), io.BytesIO(json_of_size(ONE_MIB)))
    assert status == "422 UNPROCESSABLE ENTITY"
    assert json.loads(answer)["detail"] == "Email is required."


# --- security headers


def assert_security_headers(response, *, hsts: bool = False):
    assert {name: response.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
    assert ("Strict-Transport-Security" in response.headers) is hsts


@pytest.mark.parametrize(
    ("path", "status", "content_type"),
    [
        (INSTITUTION_CHECK, 200, "application/json"),
        ("/health", 200, "application/json"),
        ("/docs", 200, "text/html; charset=utf-8"),
        ("/openapi.json", 200, "application/json"),
        ("/no/such/path", 404, "application/json"),
        ("/me/is-general-admin", 401, "application/json"),
    ],
)
def test_every_answer_carries_the_security_headers(client, path, status, content_type):
    response = client.get(path)
    assert (response.status_code, response.content_type) == (status, content_type)
    assert_security_headers(response)


def test_the_413_and_429_answers_carry_them_too(tmp_path):
    client = edge_app(tmp_path, RATELIMIT_AVAILABILITY="1/minute").test_client()
    assert_security_headers(client.post(WELCOME, data=b"x" * (ONE_MIB + 1)))
    client.get(INSTITUTION_CHECK)
    limited = client.get(INSTITUTION_CHECK)
    assert limited.status_code == 429
    assert_security_headers(limited)


def test_hsts_outside_dev(tmp_path):
    client = edge_app(tmp_path, ENVIRONMENT="production").test_client()
    response = client.get("/health")
    assert_security_headers(response, hsts=True)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


# --- abuse limits (the 429 is rendered by aai.errors)


def test_a_breached_limit_is_429_with_retry_after_and_names_no_limit(tmp_path):
    client = edge_app(tmp_path, RATELIMIT_AVAILABILITY="1/minute").test_client()
    assert client.get(INSTITUTION_CHECK).status_code == 200
    limited = client.get(INSTITUTION_CHECK)
    assert limited.status_code == 429
    assert limited.json == {"detail": "Too many requests. Please try again later."}
    assert 0 < int(limited.headers["Retry-After"]) <= 60


def test_limited_views_count_down_in_their_headers_and_others_carry_none(tmp_path):
    client = edge_app(tmp_path, RATELIMIT_AVAILABILITY="5/minute").test_client()
    first, second = client.get(INSTITUTION_CHECK), client.get(INSTITUTION_CHECK)
    assert first.headers["X-RateLimit-Limit"] == "5"
    assert [first.headers["X-RateLimit-Remaining"], second.headers["X-RateLimit-Remaining"]] == [
        "4",
        "3",
    ]
    for unlimited in ("/health", "/me/is-general-admin", "/no/such/path"):
        headers = client.get(unlimited).headers
        assert not [name for name, _ in headers.items() if name.startswith("X-RateLimit")]
