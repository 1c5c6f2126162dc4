""" "Restore user" on deleted users: CSRF-protected, recorded in history, unblocked in Auth0."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from aai.accounts.deletion import USER_RESTORATION
from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.models import BiocommonsUser, BiocommonsUserHistory
from tests.dashboard.conftest import BIOCOMMONS_ADMIN_ID, get, post, sign_in

BLOCKED_USER_ID = "auth0|586a45ad8658329c52def1e5"  # blocked in the emulator's demo seed
RESTORE_PAGE = "/db-admin/deleted_user/restore/"


@pytest.fixture
def restorer(dashboard_admin):
    return dashboard_admin


@pytest.fixture
def deleted_user(make_user, restorer):
    return make_user(
        id=BLOCKED_USER_ID,
        email="blocked.user@example.org",
        username="blocked_user",
        is_deleted=True,
        deleted_at=datetime(2025, 3, 4, tzinfo=UTC),
        deleted_by_id=restorer.id,
        deletion_reason="left the project",
    )


def csrf_token(client, user_id: str) -> str:
    page = get(client, RESTORE_PAGE, query_string={"id": user_id})
    assert page.status_code == 200
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)


def history_of(user_id: str) -> list[BiocommonsUserHistory]:
    query = select(BiocommonsUserHistory).where(BiocommonsUserHistory.user_id == user_id)
    return list(db.session.scalars(query))


def restore(client, user_id: str, **form):
    return post(client, RESTORE_PAGE, query_string={"id": user_id}, data=form)


def reloaded(user: BiocommonsUser) -> BiocommonsUser:
    db.session.expire_all()
    return db.session.get(BiocommonsUser, user.id)


def test_restore_page_shows_the_deleted_user_and_a_csrf_protected_form(admin_client, deleted_user):
    page = get(admin_client, RESTORE_PAGE, query_string={"id": deleted_user.id})
    assert page.status_code == 200
    for text in (deleted_user.email, "left the project", "2025-03-04T00:00:00Z"):
        assert text in page.text
    assert 'name="csrf_token"' in page.text
    assert 'name="reason"' in page.text


def test_restore_restores_unblocks_and_writes_history(admin_client, emulator, deleted_user):
    token = csrf_token(admin_client, deleted_user.id)
    answer = restore(admin_client, deleted_user.id, csrf_token=token, reason="  appealed  ")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/db-admin/user/details/?id=auth0")

    user = reloaded(deleted_user)
    assert user.is_deleted is False
    assert (user.deleted_at, user.deleted_by_id, user.deletion_reason) == (None, None, None)
    (entry,) = history_of(user.id)
    assert entry.change == USER_RESTORATION
    assert entry.reason == "appealed"
    assert entry.updated_by_id == BIOCOMMONS_ADMIN_ID
    assert (entry.email, entry.username) == (user.email, user.username)
    assert auth0_client().get_user(user.id)["blocked"] is False

    details = get(admin_client, answer.headers["Location"])
    assert "User restored successfully" in details.text


def test_restore_without_csrf_token_is_refused(admin_client, emulator, deleted_user):
    csrf_token(admin_client, deleted_user.id)  # a session with a CSRF secret, but no token sent
    answer = restore(admin_client, deleted_user.id, reason="appealed")
    assert answer.status_code == 400
    assert reloaded(deleted_user).is_deleted is True
    assert history_of(deleted_user.id) == []
    assert emulator.requests("PATCH", "/api/v2/users") == []


def test_restore_with_a_forged_csrf_token_is_refused(admin_client, emulator, deleted_user):
    csrf_token(admin_client, deleted_user.id)
    answer = restore(admin_client, deleted_user.id, csrf_token="1##forged", reason="appealed")
    assert answer.status_code == 400
    assert reloaded(deleted_user).is_deleted is True


def test_restore_needs_a_reason(admin_client, emulator, deleted_user):
    token = csrf_token(admin_client, deleted_user.id)
    answer = restore(admin_client, deleted_user.id, csrf_token=token, reason="   ")
    assert answer.status_code == 400
    assert reloaded(deleted_user).is_deleted is True


def test_auth0_failure_changes_nothing(admin_client, emulator, deleted_user):
    token = csrf_token(admin_client, deleted_user.id)
    emulator.add_fault("PATCH", "/api/v2/users/", status=503, count=10)
    answer = restore(admin_client, deleted_user.id, csrf_token=token, reason="appealed")
    assert answer.status_code == 503
    user = reloaded(deleted_user)
    assert user.is_deleted is True
    assert user.deletion_reason == "left the project"
    assert history_of(user.id) == []


def test_live_or_unknown_users_cannot_be_restored(admin_client, make_user):
    live = make_user()
    for user_id in (live.id, "auth0|nobody"):
        answer = get(admin_client, RESTORE_PAGE, query_string={"id": user_id})
        assert answer.status_code == 404
        assert answer.json == {"detail": f"User {user_id} not found"}


def test_restorer_must_be_a_live_database_user(client, emulator, make_user):
    target = make_user(is_deleted=True)
    sign_in(client, sub="auth0|admin-not-in-db")
    page = get(client, RESTORE_PAGE, query_string={"id": target.id})
    assert page.status_code == 403
    answer = restore(client, target.id, csrf_token="any", reason="appealed")
    assert answer.status_code == 403
    assert "live account" in answer.text
    assert reloaded(target).is_deleted is True
