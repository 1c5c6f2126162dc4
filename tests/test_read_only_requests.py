"""Read-only views run without a transaction on PostgreSQL (issue 17): no BEGIN before their
first statement and no ROLLBACK after their last, two round trips fewer per `/me` read. Seen on
the driver's connection of a committed database (the suite's rolled-back transaction would
hide it), with the answers unchanged and the pooled connection transactional again after."""

import itertools

import psycopg2.extensions
import pytest
from sqlalchemy import event

from aai import create_app
from aai.extensions import begin_read_only_request, db
from aai.models import BiocommonsUser
from tests.api.admin_fixtures import ADMINS, create_member, seed_admin_database
from tests.api_processes import migrated_database
from tests.settings import emulator_settings

IDLE = psycopg2.extensions.TRANSACTION_STATUS_IDLE
IN_TRANSACTION = psycopg2.extensions.TRANSACTION_STATUS_INTRANS
database_numbers = itertools.count(1)


@pytest.fixture
def committed(pg_cluster, emulator):
    """An app on a migrated database holding the admins and one Galaxy member, committed."""
    url = pg_cluster.create_database(f"aai_read_only_{next(database_numbers)}")
    environment = emulator_settings(emulator, TESTING=None, DB_URL=url)
    members = []
    migrated_database(url, environment, lambda: members.append(seed_member()))
    app = create_app(environment)
    yield app, members[0]
    with app.app_context():
        db.engine.dispose()


def seed_member() -> str:
    seed_admin_database()
    return create_member({"galaxy": "approved"}).id


def call_and_watch(app, method: str, path: str, headers: dict) -> tuple:
    """The answer to one request, and the driver's transaction state right after each
    statement the request sent."""
    states: list[int] = []

    def note(connection, _cursor, _statement, _parameters, _context, _executemany):
        states.append(connection.connection.dbapi_connection.get_transaction_status())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", note)
    try:
        body = {} if method == "POST" else None
        response = app.test_client().open(path, method=method, headers=headers, json=body)
    finally:
        event.remove(engine, "after_cursor_execute", note)
    assert response.status_code == 200, response.json
    return response, states


def bearer(make_token, user_id: str, roles: list[str]) -> dict:
    return {"Authorization": f"Bearer {make_token(user_id, roles=roles)}"}


def test_a_me_read_sends_its_statements_outside_a_transaction(committed, make_token):
    app, member = committed
    headers = bearer(make_token, member, [])
    response, states = call_and_watch(app, "GET", "/me/platforms", headers)
    assert [row["platform_id"] for row in response.json] == ["galaxy"]
    assert states
    assert set(states) == {IDLE}  # each statement committed itself: no ROLLBACK due
    with app.app_context():  # the pooled connection is transactional again for the next request
        assert db.session.connection().connection.dbapi_connection.autocommit is False


def test_an_admin_list_behind_its_gate_also_reads_outside_a_transaction(committed, make_token):
    app, member = committed
    headers = bearer(make_token, *ADMINS["galaxy"])
    response, states = call_and_watch(app, "GET", "/admin/users?page=1&per_page=50", headers)
    assert member in [user["id"] for user in response.json]
    assert states
    assert set(states) == {IDLE}


def test_a_write_keeps_its_transaction(committed, make_token):
    app, _ = committed
    headers = bearer(make_token, *ADMINS["galaxy"])
    _, states = call_and_watch(app, "POST", "/me/profile/delete", headers)
    assert IN_TRANSACTION in states  # the deletion and its history rows commit together


def test_a_read_only_view_that_tries_to_write_is_stopped(committed):
    app, member = committed
    with app.test_request_context("/me/platforms"):
        begin_read_only_request()
        db.session.get(BiocommonsUser, member).username = "changed_behind_the_back"
        with pytest.raises(RuntimeError, match="read_only"):
            db.session.flush()
        db.session.rollback()
    with app.app_context():
        assert db.session.get(BiocommonsUser, member).username != "changed_behind_the_back"
