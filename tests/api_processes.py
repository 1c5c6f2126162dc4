"""Real API processes, for tests of what only real processes show (replicas sharing one database
and one Redis, proxies in front of the server): each is `aai-api` (Granian with aai's defaults,
as the image runs it) on its own loopback port, started from the checkout and stopped whatever
happens.

Also a committed database for them: the suite's other tests run inside one transaction that is
rolled back (tests/conftest.py), which other processes and connections cannot see.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
import httpx
import psycopg2

from aai import create_app
from aai.extensions import db
from tests.pg_cluster import free_port

REPO = Path(__file__).resolve().parent.parent
SERVER = Path(sys.executable).parent / "aai-api"
READY_TIMEOUT = 60
STOP_TIMEOUT = 40


@dataclass
class ApiProcess:
    """One replica: the server's main process and its workers, in their own process group."""

    base_url: str
    process: subprocess.Popen
    log: Path

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def migrated_database(url: str, settings: dict[str, str], seed: Callable[[], None]) -> None:
    """Migrate the database at `url` and commit what `seed` adds (in an app context)."""
    app = create_app({**settings, "DB_URL": url})
    with app.app_context():
        flask_migrate.upgrade()
        seed()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def run_sql(dsn: str, statement: str) -> None:
    """One statement in its own connection, committed: an operator's manual SQL."""
    connection = psycopg2.connect(dsn)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


def start_api(environment: dict[str, str], directory: Path, workers: int = 2) -> ApiProcess:
    """Start the API as its container does, on a free loopback port (not yet ready)."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = directory / "server.log"
    process_environment = {
        "PATH": os.environ["PATH"],
        **environment,
        "GRANIAN_HOST": "127.0.0.1",
        "GRANIAN_PORT": str(port),
        "GRANIAN_WORKERS": str(workers),
        # Each replica its own metrics directory: `aai-api` empties it at start-up.
        "PROMETHEUS_MULTIPROC_DIR": str(directory / "prometheus"),
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            [SERVER],
            cwd=REPO,
            env=process_environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: stopping it stops its workers too
        )
    return ApiProcess(f"http://127.0.0.1:{port}", process, log)


def wait_until_ready(api: ApiProcess, timeout: float = READY_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api.process.poll() is not None:
            raise AssertionError(f"the API exited with {api.process.returncode}:\n{api.output()}")
        try:
            if httpx.get(f"{api.base_url}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{api.base_url} never became ready:\n{api.output()}")


def stop_api(api: ApiProcess) -> None:
    """SIGTERM (a graceful stop), then SIGKILL to the group if it lingers."""
    if api.process.poll() is not None:
        return
    group = os.getpgid(api.process.pid)
    api.process.send_signal(signal.SIGTERM)
    try:
        api.process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(group, signal.SIGKILL)
        api.process.wait(timeout=10)


@contextlib.contextmanager
def api_processes(
    environment: dict[str, str], directory: Path, count: int = 2, workers: int = 2
) -> Iterator[list[ApiProcess]]:
    """`count` API processes with the same settings, ready; all stopped on the way out."""
    started: list[ApiProcess] = []
    try:
        for number in range(count):
            started.append(start_api(environment, directory / f"api{number + 1}", workers))
        for api in started:
            wait_until_ready(api)
        yield started
    finally:
        for api in started:
            stop_api(api)
