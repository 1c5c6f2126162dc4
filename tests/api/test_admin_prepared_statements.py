"""The admin lists' prepared statements stay bounded per database connection (issue 17): each
list shape is PREPAREd once, and past DB_PREPARED_STATEMENTS_KEPT the least recently used one
is deallocated, so an admin paging through filters cannot grow a PostgreSQL backend forever."""

import pytest
from sqlalchemy import text

from aai.extensions import db
from tests.api.admin_fixtures import create_member

KEPT = 2

# PREPARE, pg_prepared_statements and JIT are PostgreSQL's: SQLite runs the plain statements.
pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def prepared_statements() -> dict[str, object]:
    """The prepared statements on the app's connection: name -> when it was prepared."""
    rows = db.session.execute(text("SELECT name, prepare_time FROM pg_prepared_statements"))
    return {name: prepared_at for name, prepared_at in rows}


def page_ids(client, headers: dict, per_page: int) -> list[str]:
    response = client.get("/admin/users", query_string={"per_page": per_page}, headers=headers)
    assert response.status_code == 200, response.json
    return [user["id"] for user in response.json]


def test_prepared_statements_per_connection_are_bounded(app, client, admin_headers, monkeypatch):
    """Each page size is its own statement; however many are asked for, the connection keeps
    at most DB_PREPARED_STATEMENTS_KEPT of them."""
    for _ in range(3):
        create_member({"galaxy": "approved"}, in_auth0=False)
    monkeypatch.setitem(app.config, "DB_PREPARED_STATEMENTS_KEPT", KEPT)
    headers = admin_headers("galaxy")
    held = []
    for per_page in range(1, 9):
        assert len(page_ids(client, headers, per_page)) == min(per_page, 3)
        held.append(len(prepared_statements()))
    assert max(held) == KEPT


def test_a_deallocated_statement_is_prepared_again_and_answers_alike(
    app, client, admin_headers, monkeypatch
):
    users = sorted(create_member({"galaxy": "approved"}, in_auth0=False).id for _ in range(3))
    monkeypatch.setitem(app.config, "DB_PREPARED_STATEMENTS_KEPT", KEPT)
    headers = admin_headers("galaxy")
    first = page_ids(client, headers, per_page=1)
    after_first = prepared_statements()
    page_ids(client, headers, per_page=2)
    page_ids(client, headers, per_page=3)
    after_others = prepared_statements()  # only the two newest shapes are left
    # A committed write ends the cached pages (aai.caching), so the page is read again.
    db.session.execute(text("UPDATE platform SET name = name"))
    db.session.commit()
    again = page_ids(client, headers, per_page=1)
    after_again = prepared_statements()
    (name,) = after_again.keys() - after_others.keys()
    assert name in after_first  # the per_page=1 statement, deallocated in between...
    assert after_again[name] > after_first[name]  # ...and prepared again
    assert again == first == users[:1]


def test_connections_run_without_jit_and_price_index_pages_as_cached(client, admin_headers):
    """JIT compiling cost aai's statements time and grew backends (LLVM code); it is off. Index
    pages are priced near table pages (decision 75), so the badges merge their indexes."""
    assert client.get("/admin/users", headers=admin_headers("galaxy")).status_code == 200
    assert db.session.scalar(text("SHOW jit")) == "off"
    assert db.session.scalar(text("SHOW random_page_cost")) == "1.1"
