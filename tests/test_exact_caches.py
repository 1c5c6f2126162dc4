"""Exact caches (issue 13): with caching on, as deployed, the very next answer after a write
reflects it, whoever wrote: the API, the worker's sync, or SQL in another connection."""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg2
import pytest
from flask import Flask
from sqlalchemy import update

from aai import create_app
from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.models import Platform, PlatformEnum
from aai.worker.sync_users import sync_users
from tests.admin_answers import AdminAnswers, flask_getter, read_answers
from tests.api.admin_fixtures import ADMINS, create_member, seed_admin_database
from tests.api_processes import migrated_database, run_sql
from tests.conftest import IsolatedClient
from tests.settings import emulator_settings

REVOKE_REASON = {"reason": "left the lab"}
database_numbers = itertools.count(1)


@pytest.fixture
def galaxy(client, admin_headers, member):
    """A galaxy admin's view with one pending and two approved users, read twice (warm)."""
    pending = member({"galaxy": "pending"})
    approved = [member({"galaxy": "approved"}) for _ in range(2)]
    get = flask_getter(client, admin_headers("galaxy"))
    before = read_answers(get)
    assert read_answers(get) == before  # the second read is served from the caches
    return get, before, pending, approved


def test_an_approval_shows_in_the_next_counts_pages_and_lists(client, admin_headers, galaxy):
    get, before, pending, _approved = galaxy
    response = client.post(
        f"/admin/users/{pending.id}/platforms/galaxy/approve", headers=admin_headers("galaxy")
    )
    assert response.status_code == 200
    after = read_answers(get)
    assert after.counts["pending"] == before.counts["pending"] - 1
    assert after.pending_total == before.pending_total - 1
    assert pending.id in before.pending
    assert pending.id not in after.pending
    assert after.galaxy_approved == sorted([*before.galaxy_approved, pending.id])


def test_a_revocation_shows_in_the_next_counts_pages_and_lists(client, admin_headers, galaxy):
    get, before, _pending, approved = galaxy
    response = client.post(
        f"/admin/users/{approved[0].id}/platforms/galaxy/revoke",
        json=REVOKE_REASON,
        headers=admin_headers("galaxy"),
    )
    assert response.status_code == 200
    after = read_answers(get)
    assert after.counts["revoked"] == before.counts["revoked"] + 1
    assert after.galaxy_approved == [user.id for user in approved[1:]]
    assert after.total == before.total  # a revoked user is still listed


def test_a_deletion_shows_in_the_next_counts_pages_and_lists(client, admin_headers, galaxy):
    get, before, _pending, approved = galaxy
    response = client.post(
        f"/admin/users/{approved[0].id}/delete", json=REVOKE_REASON, headers=admin_headers("galaxy")
    )
    assert response.status_code == 200
    after = read_answers(get)
    assert after.counts["all"] == before.counts["all"] - 1
    assert after.total == before.total - 1
    assert after.listed == [user_id for user_id in before.listed if user_id != approved[0].id]


def test_a_sync_run_shows_in_the_next_answers(galaxy):
    get, before, pending, _approved = galaxy
    auth0 = auth0_client()
    auth0.update_user(pending.id, {"blocked": True})
    report = sync_users(auth0, db.session, db.session.flush)  # the worker's bulk writes
    assert report.soft_deleted >= 1
    after = read_answers(get)
    assert after.counts["pending"] == before.counts["pending"] - 1
    assert after.total == before.total - 1
    assert pending.id not in after.listed


def test_a_soft_deleted_platform_is_refused_as_a_filter_at_once(client, admin_headers):
    get = flask_getter(client, admin_headers("biocommons"))
    for query in ({"platform": "bpa_data_portal"}, {"filter_by": "bpa_data_portal"}):
        get("/admin/users", query)
        get("/admin/users/pages", query)
    db.session.execute(
        update(Platform).where(Platform.id == PlatformEnum.BPA_DATA_PORTAL).values(is_deleted=True)
    )
    for path in ("/admin/users", "/admin/users/pages", "/admin/users/counts"):
        for query in ({"platform": "bpa_data_portal"}, {"filter_by": "bpa_data_portal"}):
            response = client.get(path, query_string=query, headers=admin_headers("biocommons"))
            assert response.status_code == 404, (path, query)
            assert response.json["detail"] == "Platform 'bpa_data_portal' not found"


def test_a_changed_admin_role_link_shows_in_the_next_call(client, admin_headers):
    galaxy_admin = admin_headers("galaxy")
    assert client.get("/admin/users/counts", headers=galaxy_admin).status_code == 200
    response = client.post(
        "/biocommons-admin/platforms/galaxy/set-admin-roles",
        json={"role_names": ["biocommons/role/bpa_data_portal/admin"]},
        headers=admin_headers("biocommons"),
    )
    assert response.status_code == 200
    assert client.get("/admin/users/counts", headers=galaxy_admin).status_code == 403


# --- writes committed by another connection (a committed database, PostgreSQL) --------------


@dataclass
class Committed:
    app: Flask
    dsn: str
    headers: dict

    def get(self, path: str, query: dict):
        return self.app.test_client().get(path, query_string=query, headers=self.headers)

    def answers(self) -> AdminAnswers:
        return read_answers(flask_getter(self.app.test_client(), self.headers))


@pytest.fixture
def committed(pg_cluster, emulator, make_token, tmp_path) -> Iterator[Committed]:
    """An app on a migrated, seeded and committed database, as a galaxy admin sees it."""
    url = pg_cluster.create_database(f"aai_exact_{next(database_numbers)}")
    settings = emulator_settings(emulator)

    def seed():
        seed_admin_database()
        for status in ("pending", "approved", "approved"):
            create_member({"galaxy": status}, in_auth0=False)

    migrated_database(url, settings, seed)
    app = create_app({**settings, "DB_URL": url})
    app.test_client_class = IsolatedClient
    user_id, roles = ADMINS["galaxy"]
    headers = {"Authorization": f"Bearer {make_token(user_id, roles=roles)}"}
    yield Committed(app, url.replace("postgresql+psycopg2", "postgresql"), headers)
    with app.app_context():
        db.engine.dispose()


def test_sql_committed_in_another_connection_shows_in_the_next_answers(committed):
    before = committed.answers()
    assert committed.answers() == before
    run_sql(
        committed.dsn,
        "UPDATE platformmembership SET approval_status = 'REVOKED' "
        "WHERE approval_status = 'PENDING'",
    )
    after = committed.answers()
    assert (after.counts["pending"], after.counts["revoked"]) == (0, before.counts["pending"])
    assert (after.pending, after.pending_total) == ([], 0)
    filter_by = {"platform": "bpa_data_portal"}
    assert committed.get("/admin/users", filter_by).status_code == 200
    run_sql(committed.dsn, "UPDATE platform SET is_deleted = true WHERE id = 'BPA_DATA_PORTAL'")
    assert committed.get("/admin/users", filter_by).status_code == 404


def test_an_open_write_transaction_blocks_no_other_writer_and_counts_at_commit(committed):
    """The version changes at COMMIT: a transaction held open (as a request is during its Auth0
    call) neither blocks other writers of the cached tables nor shows before it commits."""
    before = committed.answers()
    slow = psycopg2.connect(committed.dsn)
    try:
        with slow.cursor() as cursor:
            cursor.execute(
                "UPDATE platformmembership SET approval_status = 'APPROVED' "
                "WHERE approval_status = 'PENDING'"
            )
        run_sql(
            committed.dsn,
            "SET lock_timeout = 5000; UPDATE biocommons_user SET email_verified = false",
        )
        meanwhile = committed.answers()
        assert meanwhile.counts["unverified"] == meanwhile.total
        assert meanwhile.counts["pending"] == before.counts["pending"] > 0
        slow.commit()
    finally:
        slow.close()
    assert committed.answers().counts["pending"] == 0


def test_a_writer_without_rights_on_the_cache_tables_still_changes_the_version(committed):
    """The triggers' functions run as the migrating user: an operator's narrower role works."""
    role = f"membership_editor_{next(database_numbers)}"
    run_sql(
        committed.dsn,
        f"CREATE ROLE {role} LOGIN; GRANT SELECT, UPDATE ON platformmembership TO {role}",
    )
    assert committed.answers().counts["pending"] > 0
    as_editor = committed.dsn.replace("postgres@", f"{role}@")
    run_sql(
        as_editor,
        "UPDATE platformmembership SET approval_status = 'REVOKED' "
        "WHERE approval_status = 'PENDING'",
    )
    assert committed.answers().counts["pending"] == 0
