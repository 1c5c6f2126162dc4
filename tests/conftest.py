"""Test harness: real PostgreSQL and SQLite, migrations applied once, per-test rollback.

Every test that uses `app` runs once per database backend (ids `[postgresql]`, `[sqlite]`).
Without PostgreSQL binaries the PostgreSQL runs are skipped with the reason shown, except
under CI=true, where they fail: CI must never pass by skipping.
"""

import contextvars
import os
from collections import Counter
from unittest import mock

import flask_migrate
import pytest
from flask.testing import FlaskClient

from aai import create_app
from aai.extensions import db
from tests import factories
from tests.pg_cluster import PostgresCluster, find_bindir
from tests.redis_server import RedisServer, find_redis_server
from tests.settings import emulator_settings

BACKENDS = ("postgresql", "sqlite")

# Fixture modules: the Auth0 emulator's (emulator_server, emulator, make_token), a loopback
# SMTP server (smtp_server), and those of the user-facing and admin API tests.
pytest_plugins = [
    "tests.emulator_plugin",
    "tests.smtp",
    "tests.api.user_fixtures",
    "tests.api.admin_fixtures",
]


def missing_server(reason: str) -> None:
    """Skip the tests that need a server this machine lacks; under CI=true, fail them."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI must run every test")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_cluster():
    bindir = find_bindir()
    if bindir is None:
        missing_server("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb)")
    cluster = PostgresCluster(bindir)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def redis_server():
    """One throwaway Redis for the session (shared rate-limit storage), stopped at the end
    whatever happens. Missing `redis-server` skips its tests, except under CI=true."""
    executable = find_redis_server()
    if executable is None:
        missing_server("redis-server not found (Debian package redis-server)")
    server = RedisServer(executable)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server):
    """The URL of the session's Redis, emptied for this test. The process-wide limiter keeps
    the storage of the last app created: give it to apps in their own processes."""
    redis_server.flush()
    return redis_server.url


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    if request.param == "postgresql":
        return request.getfixturevalue("pg_cluster").create_database("aai_test")
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'aai_test.sqlite3'}"


class IsolatedClient(FlaskClient):
    """A test client whose every request runs as in production: in its own app context.

    Tests run inside an app context (for factories and assertions); Flask would reuse it for
    client requests, so requests would share `g` and the database session. Running each
    request in an empty `contextvars.Context` gives it its own. Rows a test flushed are still
    visible to the request (same connection, see `_rollback_after_each_test`); objects the test
    loaded before a request may be stale afterwards: expire or re-query them.
    """

    def open(self, *args, **kwargs):
        context = contextvars.Context()
        try:
            return context.run(super().open, *args, **kwargs)
        finally:
            # Flask keeps the request's contexts until the next request; end them in the same
            # Context they were pushed in.
            context.run(self._context_stack.close)


@pytest.fixture(scope="session")
def app(database_url, emulator_server):
    """One migrated app per backend, talking to the Auth0 emulator; `flask_migrate.upgrade`
    so the migrations are tested."""
    application = create_app(emulator_settings(emulator_server, DB_URL=database_url))
    application.test_client_class = IsolatedClient
    with application.app_context():
        flask_migrate.upgrade()
    return application


@pytest.fixture(autouse=True)
def _rollback_after_each_test(request):
    """Run each test inside one outer transaction per engine, rolled back afterwards.

    Sessions join it with SAVEPOINTs, so app code may commit. This is the pattern that works
    on SQLAlchemy 2.0 and 2.1 (see the conventions guide); app code must use db.session.
    """
    if "app" not in request.fixturenames:
        yield
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        connections = {key: engine.connect() for key, engine in db.engines.items()}
        transactions = [connection.begin() for connection in connections.values()]
        for connection in connections.values():
            if connection.dialect.name == "postgresql":
                # The outer transaction never commits: run the cache version's COMMIT-time
                # trigger at each statement instead, so the caches see every "commit".
                connection.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
        session_options = db.session.session_factory.kw
        with (
            mock.patch.dict(db.engines, connections),
            mock.patch.dict(session_options, {"join_transaction_mode": "create_savepoint"}),
        ):
            yield
            db.session.remove()
        for transaction in transactions:
            transaction.rollback()
        for connection in connections.values():
            connection.close()


@pytest.fixture
def _push_request_context():
    """Disable pytest-flask's request context per test: requests must not share `g`."""


@pytest.fixture
def make_user():
    return factories.make_user


@pytest.fixture
def make_role():
    return factories.make_role


@pytest.fixture
def make_group():
    return factories.make_group


@pytest.fixture
def make_platform_membership():
    return factories.make_platform_membership


@pytest.fixture
def make_group_membership():
    return factories.make_group_membership


# --- how many tests ran on each backend, printed at the end of the run


def backend_of(item) -> str:
    params = getattr(getattr(item, "callspec", None), "params", {})
    backends = [value for value in params.values() if value in BACKENDS]
    if backends:
        return backends[0]
    if "pg_cluster" in item.fixturenames:
        return "postgresql"
    return "no database"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    report.user_properties.append(("backend", backend_of(item)))
    return report


def pytest_terminal_summary(terminalreporter):
    counts = Counter()
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") != "call" and outcome in ("passed", "failed"):
                continue
            backend = dict(getattr(report, "user_properties", [])).get("backend", "no database")
            counts[(backend, outcome)] += 1
    terminalreporter.section("tests per database backend")
    for backend in (*BACKENDS, "no database"):
        outcomes = {
            outcome: counts[(backend, outcome)]
            for outcome in ("passed", "failed", "error", "skipped")
        }
        summary = ", ".join(f"{number} {outcome}" for outcome, number in outcomes.items() if number)
        terminalreporter.write_line(f"{backend}: {summary or 'none'}")
