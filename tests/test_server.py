"""The API's server as the image runs it (`aai-api`: Granian with aai's defaults), for what the
app alone cannot show: chunked uploads reach the app and its body limit, connections stay open
for the next request, malformed HTTP gets a 400, a stop lets a request in flight finish, and a
broken configuration stops the server with one message before it listens."""

import os
import socket
import subprocess
import threading
import time

import httpx
import pytest

from aai import server
from aai.metrics import MULTIPROCESS_ENV
from tests.api_processes import SERVER, api_processes, migrated_database
from tests.settings import emulator_settings, settings

WELCOME = "/utils/send-welcome-email"  # unauthenticated, reads a JSON body
LIMIT = 1000


@pytest.fixture(scope="module")
def api(emulator_server, tmp_path_factory):
    directory = tmp_path_factory.mktemp("server")
    environment = emulator_settings(
        emulator_server,
        DB_URL=f"sqlite:///{directory / 'aai.sqlite3'}",
        TESTING=None,
        MAX_REQUEST_BYTES=str(LIMIT),
        RATELIMIT_EMAIL_SENDING="100/minute",
    )
    with api_processes(environment, directory, count=1, workers=1) as (started,):
        yield started


def chunks(body: bytes, size: int = 100):
    """The body as an upload of unknown length: httpx sends it chunked."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def raw_exchange(api, data: bytes) -> bytes:
    """Send bytes on one connection; everything the server answers until it goes quiet."""
    with socket.create_connection(("127.0.0.1", api.port), timeout=5) as connection:
        connection.sendall(data)
        connection.settimeout(1.0)
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    return received


def test_a_chunked_body_reaches_the_app(api):
    body = b'{"padding": "' + b"x" * 300 + b'"}'
    response = httpx.post(
        f"{api.base_url}{WELCOME}",
        content=chunks(body),
        headers={"Content-Type": "application/json"},
    )
    assert response.request.headers["Transfer-Encoding"] == "chunked"
    assert response.status_code == 422  # read and validated: it is not a welcome request
    assert response.json()["detail"] == "Email is required."


def test_a_chunked_body_over_the_limit_is_413_json(api):
    response = httpx.post(
        f"{api.base_url}{WELCOME}",
        content=chunks(b"x" * (LIMIT * 5)),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": f"Request body too large: at most {LIMIT} bytes are accepted."
    }


def test_one_connection_serves_request_after_request(api):
    request = b"GET /health HTTP/1.1\r\nHost: aai\r\n\r\n"
    answers = raw_exchange(api, request * 3)
    assert answers.count(b"HTTP/1.1 200 OK") == 3, answers


def test_malformed_http_is_a_400(api):
    answer = raw_exchange(api, b"\x00\x01 NOT HTTP\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400"), answer


def test_a_stop_lets_a_request_in_flight_finish(emulator, tmp_path):
    database = f"sqlite:///{tmp_path / 'aai.sqlite3'}"
    environment = emulator_settings(emulator, DB_URL=database, TESTING=None)
    migrated_database(database, environment, seed=lambda: None)
    answers: list[httpx.Response] = []
    with api_processes(environment, tmp_path, count=1, workers=1) as (started,):
        # The availability check asks Auth0, which now takes 1.5 s to answer.
        emulator.add_fault("*", "/api/v2/", delay=1.5, count=10)
        path = "/utils/register/check-username-availability?username=somebody_new"
        asking = threading.Thread(target=lambda: answers.append(httpx.get(started.base_url + path)))
        asking.start()
        time.sleep(0.5)
        started.process.terminate()  # what `docker stop` sends
        asking.join(timeout=30)
        assert started.process.wait(timeout=30) == 0, started.output()
    assert [answer.status_code for answer in answers] == [200]
    assert answers[0].json()["available"] is True


def test_a_broken_configuration_stops_the_server_before_it_listens(tmp_path):
    environment = {"PATH": os.environ["PATH"], "ENVIRONMENT": "production", "ADMIN_ROLES": "{x"}
    finished = subprocess.run(
        [SERVER], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60
    )
    assert finished.returncode == 1
    assert finished.stderr.startswith("Invalid configuration (")
    assert "ADMIN_ROLES is malformed" in finished.stderr
    assert "granian" not in finished.stderr.lower()  # it never started


# --- the launcher in this process (coverage does not look into the servers above)


@pytest.fixture
def launcher_environment(monkeypatch, tmp_path):
    """No settings and no server defaults in the environment; all restored afterwards, whatever
    main() sets. A broken ADMIN_ROLES, so main() stops before it serves."""
    monkeypatch.chdir(tmp_path)  # no .env file is read
    names = (*settings(DB_URL="sqlite://"), *server.default_settings(1), MULTIPROCESS_ENV)
    for name in names:
        monkeypatch.setenv(name, "")  # recorded, so the undo deletes what main() sets
        monkeypatch.delenv(name)
    monkeypatch.setenv("ADMIN_ROLES", "{x")


@pytest.mark.usefixtures("launcher_environment")
def test_the_launcher_checks_the_configuration_first():
    with pytest.raises(SystemExit) as exited:
        server.main()
    assert "ADMIN_ROLES is malformed" in str(exited.value.code)
    assert os.environ["GRANIAN_INTERFACE"] == "wsgi"  # aai's defaults, where nothing was set
    assert os.environ["GRANIAN_BLOCKING_THREADS"] == "1"


@pytest.mark.usefixtures("launcher_environment")
def test_an_operators_setting_wins_over_the_default(monkeypatch):
    monkeypatch.setenv("GRANIAN_WORKERS", "7")
    with pytest.raises(SystemExit):
        server.main()
    assert os.environ["GRANIAN_WORKERS"] == "7"
    assert server.default_settings(2)["GRANIAN_WORKERS"] == "5"  # 2 × CPUs + 1


def test_the_metrics_directory_starts_empty(monkeypatch, tmp_path):
    directory = tmp_path / "prometheus"
    directory.mkdir()
    (directory / "counter_123.db").write_bytes(b"old samples")
    monkeypatch.setenv(MULTIPROCESS_ENV, str(directory))
    server.reset_metrics_directory()
    assert directory.is_dir()
    assert list(directory.iterdir()) == []
