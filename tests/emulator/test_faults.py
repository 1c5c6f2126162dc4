"""Injected faults: a status with Retry-After, a delay, a dropped connection; and their expiry."""

import http.client
import time

import pytest

from tests.emulator.demo import DEMO
from tests.emulator.wire import call

USER_PATH = f"/users/{DEMO['approved']}"


def test_429_with_retry_after_then_the_fault_expires(emulator, api):
    emulator.add_fault("GET", "/api/v2/users", status=429, retry_after=2)

    limited = api("GET", USER_PATH)
    after = api("GET", USER_PATH)

    assert limited.status == 429
    assert limited.headers["Retry-After"] == "2"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert limited.json() == {
        "statusCode": 429,
        "error": "Too Many Requests",
        "message": "Injected fault: 429",
        "errorCode": "too_many_requests",
    }
    assert after.status == 200


def test_a_fault_lasts_for_its_count(emulator, api):
    emulator.add_fault("GET", "/api/v2/users", status=503, count=2)

    statuses = [api("GET", USER_PATH).status for _ in range(3)]

    assert statuses == [503, 503, 200]


def test_a_fault_matches_method_and_path_prefix_only(emulator, api):
    emulator.add_fault("PATCH", "/api/v2/users", status=503)

    assert api("GET", USER_PATH).status == 200
    assert api("GET", "/roles").status == 200
    assert api("PATCH", USER_PATH, {"name": "X"}).status == 503
    assert api("PATCH", USER_PATH, {"name": "X"}).status == 200


def test_a_fault_on_the_token_endpoint_answers_oauth_style(emulator):
    emulator.add_fault("POST", "/oauth/token", status=503)

    reply = call("POST", f"{emulator.url}/oauth/token", form={"grant_type": "x"})

    assert reply.status == 503
    assert reply.json()["error"] == "temporarily_unavailable"


def test_a_delay_slows_the_answer_down(emulator, api):
    emulator.add_fault("GET", "/api/v2/users", delay=0.5)

    started = time.monotonic()
    reply = api("GET", USER_PATH)

    assert reply.status == 200
    assert time.monotonic() - started >= 0.5


def test_a_delay_longer_than_the_client_timeout_times_it_out(emulator):
    emulator.add_fault("GET", "/.well-known/jwks.json", delay=1)

    with pytest.raises(TimeoutError):
        call("GET", f"{emulator.url}/.well-known/jwks.json", timeout=0.2)


def test_drop_closes_the_connection_without_an_answer(emulator, api):
    emulator.add_fault("GET", "/api/v2/users", drop=True)

    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        api("GET", USER_PATH)
    assert api("GET", USER_PATH).status == 200


def test_clear_faults_disarms_them(emulator, api):
    emulator.add_fault("*", "/", status=500, count=10)

    emulator.clear_faults()

    assert api("GET", USER_PATH).status == 200


def test_the_request_log_records_faulted_and_normal_calls(emulator, api):
    emulator.add_fault("GET", "/api/v2/users", status=429)
    api("GET", USER_PATH)
    api("PATCH", USER_PATH, {"blocked": True})

    logged = emulator.requests(path="/api/v2/users")

    assert [(r["method"], r["status"], bool(r["fault"])) for r in logged] == [
        ("GET", 429, True),
        ("PATCH", 200, False),
    ]
    assert logged[1]["body"] == {"blocked": True}
    assert logged[1]["headers"]["Authorization"].startswith("Bearer ")
    assert emulator.requests(method="PATCH")[0]["path"] == f"/api/v2{USER_PATH}"


def test_a_fault_needs_something_to_do(emulator):
    reply = call("POST", f"{emulator.url}/_emulator/faults", json_body={"path_prefix": "/"})

    assert reply.status == 400
