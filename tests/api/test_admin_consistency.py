"""Admin changes that touch Auth0 follow the one order (aai.consistency): when the final commit
fails, the Auth0 change is undone, as on the self-service side; and the `/admin` gate."""

import pytest

from aai.extensions import db
from aai.identity.auth0 import auth0_client
from tests.api.admin_fixtures import auth0_role_names
from tests.world import TSI


@pytest.fixture
def failing_commit(monkeypatch):
    """The view's commit fails (the database going away at the last moment)."""

    def fail():
        raise RuntimeError("database went away")

    monkeypatch.setattr(db.session, "commit", fail)


def post(client, path: str, headers: dict, body: dict | None = None):
    with pytest.raises(RuntimeError, match="database went away"):
        client.post(path, json=body or {}, headers=headers)


def test_failed_commit_puts_the_old_username_back_in_auth0(
    client, admin_headers, member, failing_commit
):
    user = member({"galaxy": "approved"})
    old = auth0_client().get_user(user.id)["username"]
    body = {"username": "renamed_quoll"}
    post(client, f"/admin/users/{user.id}/username/update", admin_headers("galaxy"), body)
    assert auth0_client().get_user(user.id)["username"] == old


def test_failed_commit_puts_the_old_email_back_in_auth0(
    client, admin_headers, member, failing_commit
):
    user = member({"galaxy": "approved"})
    before = auth0_client().get_user(user.id)
    body = {"email": "moved@example.org"}
    post(client, f"/admin/users/{user.id}/email/update", admin_headers("galaxy"), body)
    after = auth0_client().get_user(user.id)
    assert (after["email"], after["email_verified"]) == (before["email"], before["email_verified"])


def test_failed_commit_unblocks_a_deleted_user(client, admin_headers, member, failing_commit):
    user = member({"galaxy": "approved"})
    post(client, f"/admin/users/{user.id}/delete", admin_headers("galaxy"), {"reason": "dup"})
    assert auth0_client().get_user(user.id)["blocked"] is False


def test_failed_commit_takes_back_an_approved_platform_role(
    client, admin_headers, member, failing_commit
):
    user = member({"galaxy": "pending"})
    post(client, f"/admin/users/{user.id}/platforms/galaxy/approve", admin_headers("galaxy"))
    assert "biocommons/platform/galaxy" not in auth0_role_names(user.id)


def test_failed_commit_gives_back_a_revoked_group_role(
    client, admin_headers, member, failing_commit
):
    user = member({}, {TSI: "approved"})
    assert TSI in auth0_role_names(user.id)
    path = f"/admin/users/{user.id}/groups/{TSI}/revoke"
    post(client, path, admin_headers("tsi"), {"reason": "left"})
    assert TSI in auth0_role_names(user.id)


# --- the gate --------------------------------------------------------------------------------


def test_the_gate_answers_before_the_body_is_validated(client, make_token):
    plain = {"Authorization": f"Bearer {make_token('auth0|nobody', roles=[])}"}
    bad_body = {"email": 42}
    assert client.post("/admin/users/auth0|x/email/update", json=bad_body).status_code == 401
    forbidden = client.post("/admin/users/auth0|x/email/update", json=bad_body, headers=plain)
    assert (forbidden.status_code, forbidden.json) == (
        403,
        {"detail": "You must be an admin to access this endpoint."},
    )
    biocommons = client.post("/biocommons-admin/roles/create", json={}, headers=plain)
    assert biocommons.status_code == 403


def test_cors_preflights_of_admin_routes_need_no_token(client):
    response = client.options(
        "/admin/users",
        headers={
            "Origin": "https://portal.example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Authorization",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://portal.example.org"
