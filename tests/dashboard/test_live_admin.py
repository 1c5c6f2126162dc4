"""A dashboard login ends with the admin's account (issue 14, spec D16): once the admin is
deleted, or blocked in Auth0 and synced, every page answers 403 and nothing can be restored."""

import pytest

from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.models import BiocommonsUser
from aai.worker.sync_users import sync_users
from tests.dashboard.conftest import BIOCOMMONS_ADMIN_ID, get, post

OPEN_PATHS = ("/db-admin/login", "/db-admin/logout", "/db-admin/auth/", "/db-admin/static/")


def dashboard_pages(app, user_id: str) -> list[str]:
    """Every dashboard page, with `id` set for the pages of one row."""
    pages = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/db-admin") or rule.rule.startswith(OPEN_PATHS):
            continue
        if rule.arguments or "GET" not in rule.methods:
            continue
        pages.append(f"{rule.rule}?id={user_id}")
    return pages


def end_account(kind: str, admin: BiocommonsUser) -> None:
    if kind == "deleted":
        admin.mark_deleted(admin, "left")
        db.session.flush()
    else:  # blocked in Auth0, as the users sync mirrors it
        auth0_client().update_user(admin.id, {"blocked": True})
        sync_users(auth0_client(), db.session, db.session.flush)
    db.session.expire_all()
    assert db.session.get(BiocommonsUser, BIOCOMMONS_ADMIN_ID).is_deleted


@pytest.mark.parametrize("kind", ["deleted", "blocked"])
def test_a_signed_in_admin_whose_account_ended_is_refused_everywhere(
    app, admin_client, dashboard_admin, make_user, kind
):
    target = make_user(is_deleted=True)
    assert get(admin_client, "/db-admin/user/").status_code == 200
    end_account(kind, dashboard_admin)
    pages = dashboard_pages(app, target.id)
    assert len(pages) > 20
    for page in pages:
        assert get(admin_client, page).status_code == 403, page
    answer = post(
        admin_client,
        "/db-admin/deleted_user/restore/",
        query_string={"id": target.id},
        data={"reason": "appealed"},
    )
    assert answer.status_code == 403
    db.session.expire_all()
    assert db.session.get(BiocommonsUser, target.id).is_deleted is True
