"""`/me/profile` and its updates: username, name, password, self-deletion (20 §9.5, 9.13–9.18)."""

import pytest
from sqlalchemy import select

from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.models import ApprovalStatusEnum, BiocommonsUser, BiocommonsUserHistory, PlatformEnum
from tests.api.user_fixtures import PASSWORD, auth0_user, error_body

NEW_PASSWORD = "An0ther-Passw0rd!"


def test_profile_combines_auth0_names_with_database_data(
    client, make_account, bundles, make_platform_membership, make_group_membership
):
    account = make_account(given_name="Ada", family_name="Lovelace", name="Ada Lovelace")
    user = account.user
    make_platform_membership(user=user, platform_id=PlatformEnum.GALAXY)
    make_platform_membership(
        user=user, platform_id=PlatformEnum.SBP, approval_status=ApprovalStatusEnum.REVOKED
    )
    make_group_membership(user=user, group=bundles["tsi"])

    response = client.get("/me/profile", headers=account.headers)

    assert response.status_code == 200
    body = response.json
    assert body["user_id"] == user.id
    assert (body["name"], body["given_name"], body["family_name"]) == (
        "Ada Lovelace",
        "Ada",
        "Lovelace",
    )
    assert (body["email"], body["username"], body["email_verified"]) == (
        user.email,
        user.username,
        True,
    )
    assert body["show_welcome_message"] is None
    assert body["last_login"] is None
    assert body["created_at"].startswith(user.created_at.date().isoformat())
    # Revoked memberships are left out.
    assert body["platform_memberships"] == [
        {
            "platform_id": "galaxy",
            "platform_name": "Galaxy Australia",
            "approval_status": "approved",
        }
    ]
    assert body["group_memberships"] == [
        {
            "group_id": "biocommons/group/tsi",
            "group_name": "Threatened Species Initiative",
            "group_short_name": "TSI",
            "approval_status": "pending",
        }
    ]


def test_profile_email_comes_from_the_database(client, make_account):
    account = make_account()
    account.user.email = "moved@example.org"
    db.session.flush()
    assert client.get("/me/profile", headers=account.headers).json["email"] == "moved@example.org"


def test_profile_without_a_database_row_is_404(client, make_token):
    response = client.get(
        "/me/profile", headers={"Authorization": f"Bearer {make_token('auth0|ghost')}"}
    )
    assert response.status_code == 404
    assert response.json == {"detail": "User not found."}


def test_profile_of_a_deleted_account_is_403(client, make_account):
    account = make_account()
    account.user.soft_delete()
    db.session.flush()
    response = client.get("/me/profile", headers=account.headers)
    assert response.status_code == 403
    assert response.json == {"detail": "This account has been deleted."}


def test_profile_checks_the_token_before_calling_auth0(client, emulator):
    response = client.get("/me/profile", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert emulator.requests(path="/userinfo") == []


def test_profile_when_auth0_is_down_is_503(client, make_account, emulator):
    account = make_account()
    emulator.add_fault("GET", "/userinfo", status=503, count=3)
    response = client.get("/me/profile", headers=account.headers)
    assert response.status_code == 503
    assert isinstance(response.json["detail"], str)


# --- username ------------------------------------------------------------------------------------


def test_username_update_changes_both_sides_and_keeps_history(client, make_account, user_history):
    account = make_account(username="before_name")
    response = client.post(
        "/me/profile/username/update", json={"username": "after_name"}, headers=account.headers
    )
    assert response.status_code == 200
    assert response.json["username"] == "after_name"
    assert response.json["user_id"] == account.user.id
    db.session.expire_all()
    assert db.session.get(BiocommonsUser, account.user.id).username == "after_name"
    assert auth0_user(account.user.id)["username"] == "after_name"
    (entry,) = user_history(account.user.id)
    assert (entry.change, entry.username, entry.updated_by_id) == (
        "username_update",
        "before_name",
        account.user.id,
    )


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("ab", "Username must be at least 3 characters."),
        ("x" * 129, "Username must be 128 characters or less."),
        (
            "User123",
            "Username must only contain lowercase letters, numbers, hyphens and underscores, "
            "and must not start with a hyphen or underscore.",
        ),
    ],
)
def test_username_update_validation(client, make_account, username, message):
    account = make_account()
    response = client.post(
        "/me/profile/username/update", json={"username": username}, headers=account.headers
    )
    assert response.status_code == 400
    assert response.json == error_body(message, [{"field": "username", "message": message}])


def test_username_taken_by_another_user_or_history(client, make_account, make_user, emulator):
    account = make_account()
    make_user(username="someone_else")
    other = make_user()
    db.session.add(
        BiocommonsUserHistory(
            user_id=other.id, username="old_name_of_other", change="username_update"
        )
    )
    db.session.flush()
    taken = error_body(
        "Username is already taken", [{"field": "username", "message": "Username is already taken"}]
    )
    for name in ("someone_else", "old_name_of_other"):
        response = client.post(
            "/me/profile/username/update", json={"username": name}, headers=account.headers
        )
        assert (response.status_code, response.json) == (400, taken)
    assert emulator.requests(method="PATCH") == []


def test_username_must_differ_from_the_current_one(client, make_account):
    account = make_account(username="same_name")
    response = client.post(
        "/me/profile/username/update", json={"username": "same_name"}, headers=account.headers
    )
    message = "New username must be different from the current username"
    assert response.status_code == 400
    assert response.json == error_body(message, [{"field": "username", "message": message}])


def test_own_past_username_may_be_taken_back(client, make_account):
    account = make_account(username="first_name")
    headers = account.headers
    assert (
        client.post(
            "/me/profile/username/update", json={"username": "second_name"}, headers=headers
        ).status_code
        == 200
    )
    response = client.post(
        "/me/profile/username/update", json={"username": "first_name"}, headers=headers
    )
    assert response.status_code == 200
    assert auth0_user(account.user.id)["username"] == "first_name"


def test_username_taken_in_auth0_only_is_refused_and_rolled_back(
    client, make_account, user_history
):
    account = make_account(username="mine_now")
    make_account(username="auth0_holder")  # in Auth0 and the database...
    db.session.delete(
        db.session.scalars(select(BiocommonsUser).filter_by(username="auth0_holder")).one()
    )
    db.session.flush()  # ...but gone from the database
    response = client.post(
        "/me/profile/username/update", json={"username": "auth0_holder"}, headers=account.headers
    )
    assert response.status_code == 400
    assert response.json["field_errors"] == [
        {"field": "username", "message": "Username is already taken"}
    ]
    db.session.expire_all()
    assert db.session.get(BiocommonsUser, account.user.id).username == "mine_now"
    assert user_history(account.user.id) == []


def test_username_update_undoes_auth0_when_the_commit_fails(
    client, make_account, monkeypatch, emulator
):
    account = make_account(username="stable_name")
    failing_commit(monkeypatch)
    with pytest.raises(RuntimeError):
        client.post(
            "/me/profile/username/update", json={"username": "lost_name"}, headers=account.headers
        )
    assert auth0_user(account.user.id)["username"] == "stable_name"
    patches = [entry["body"] for entry in emulator.requests(method="PATCH")]
    assert [body["username"] for body in patches] == ["lost_name", "stable_name"]


def failing_commit(monkeypatch):
    """Make the view's commit fail (the database going away at the last moment)."""

    def fail():
        raise RuntimeError("database went away")

    monkeypatch.setattr(db.session, "commit", fail)


# --- name ----------------------------------------------------------------------------------------


def test_name_update_changes_auth0_only(client, make_account, emulator):
    account = make_account()
    response = client.post(
        "/me/profile/name/update",
        json={"first_name": "  Grace ", "last_name": "Hopper"},
        headers=account.headers,
    )
    assert response.status_code == 200
    record = auth0_user(account.user.id)
    assert (record["given_name"], record["family_name"], record["name"]) == (
        "Grace",
        "Hopper",
        "Grace Hopper",
    )
    assert record["picture"] == "https://ui-avatars.com/api/?name=gh&background=random"
    assert response.json["name"] == "Grace Hopper"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"first_name": "", "last_name": "X"}, "First name must be at least 1 character."),
        ({"first_name": "   ", "last_name": "X"}, "First name must be at least 1 character."),
        ({"first_name": "A", "last_name": "b" * 151}, "Last name must be 150 characters or less."),
        ({"first_name": "A"}, "Last name is required."),
        (
            {"first_name": "a" * 150, "last_name": "b" * 150},
            "Full name must be 300 characters or less.",
        ),
    ],
)
def test_name_update_validation(client, make_account, emulator, body, message):
    account = make_account()
    response = client.post("/me/profile/name/update", json=body, headers=account.headers)
    assert response.status_code == 400
    assert response.json == error_body(message)
    assert emulator.requests(method="PATCH") == []


def test_name_update_refused_by_auth0(client, make_account, emulator):
    account = make_account()
    emulator.add_fault("PATCH", "/api/v2/users/", status=400)
    response = client.post(
        "/me/profile/name/update",
        json={"first_name": "A", "last_name": "B"},
        headers=account.headers,
    )
    assert (response.status_code, response.json) == (400, {"detail": "Failed to update name."})


# --- password ------------------------------------------------------------------------------------


def test_password_update_checks_the_current_password(client, make_account, emulator):
    account = make_account()
    response = client.post(
        "/me/profile/password/update",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=account.headers,
    )
    assert (response.status_code, response.json) == (
        200,
        {"message": "Password updated successfully"},
    )
    (check,) = emulator.requests(method="POST", path="/oauth/token")[-1:]
    assert "password-realm" in str(check["body"])
    assert auth0_client_accepts(account.user.email, NEW_PASSWORD)


def auth0_client_accepts(email: str, password: str) -> bool:
    return auth0_client().check_password(email, password)


def test_wrong_current_password_is_a_current_password_field_error(client, make_account, emulator):
    account = make_account()
    response = client.post(
        "/me/profile/password/update",
        json={"current_password": "Wr0ng-Passw0rd!", "new_password": NEW_PASSWORD},
        headers=account.headers,
    )
    message = "Current password is incorrect"
    assert response.status_code == 400
    assert response.json == error_body(message, [{"field": "currentPassword", "message": message}])
    assert emulator.requests(method="PATCH") == []
    assert auth0_client_accepts(account.user.email, PASSWORD)


@pytest.mark.parametrize(
    ("body", "message", "field_errors"),
    [
        (
            {"current_password": PASSWORD, "new_password": "short"},
            "Password must be at least 8 characters.",
            [],
        ),
        (
            {"current_password": PASSWORD, "new_password": "nouppercase1!"},
            "Password must contain at least one uppercase letter, one lowercase letter, one "
            "number, and one special character. Allowed special characters:  !\"#$%&'()*+,-./:;"
            "<=>?@[\\]^_`{|}~",
            [],
        ),
        (
            {"current_password": PASSWORD, "new_password": PASSWORD},
            "New password must be different from the current password",
            [],
        ),
        (
            {"current_password": "", "new_password": NEW_PASSWORD},
            "Current password must be 1 to 256 characters.",
            [
                {
                    "field": "currentPassword",
                    "message": "Current password must be 1 to 256 characters.",
                }
            ],
        ),
    ],
)
def test_password_update_validation(client, make_account, body, message, field_errors):
    account = make_account()
    response = client.post("/me/profile/password/update", json=body, headers=account.headers)
    assert response.status_code == 400
    assert response.json == error_body(message, field_errors)


def test_password_update_for_a_user_auth0_does_not_know(client, make_user, make_token):
    user = make_user(id="auth0|000000000000000000000000")
    response = client.post(
        "/me/profile/password/update",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers={"Authorization": f"Bearer {make_token(user.id)}"},
    )
    assert (response.status_code, response.json) == (403, {"detail": "Failed to fetch user data"})


# --- self-deletion -------------------------------------------------------------------------------


def test_self_delete_soft_deletes_blocks_and_revokes(
    client, make_account, make_platform_membership, user_history, emulator
):
    account = make_account()
    membership = make_platform_membership(user=account.user)
    response = client.post("/me/profile/delete", json={}, headers=account.headers)
    assert (response.status_code, response.json) == (
        200,
        {"message": "Account deleted successfully."},
    )
    db.session.expire_all()
    user = db.session.get(BiocommonsUser, account.user.id)
    assert user.is_deleted
    assert (user.deletion_reason, user.deleted_by_id) == ("User self-deletion", user.id)
    assert user.deleted_at is not None
    assert not membership.is_deleted  # kept, so the account can be restored
    (entry,) = user_history(user.id)
    assert (entry.change, entry.reason, entry.updated_by_id) == (
        "user_deletion",
        "User self-deletion",
        user.id,
    )
    assert auth0_user(user.id)["blocked"] is True
    assert emulator.requests(
        method="DELETE", path=f"/api/v2/users/{user.id.replace('|', '%7C')}/refresh-tokens"
    )
    # A deleted account's token can no longer act.
    assert client.post("/me/profile/delete", json={}, headers=account.headers).status_code == 403


def test_self_delete_when_auth0_fails_changes_nothing(client, make_account, emulator):
    account = make_account()
    emulator.add_fault("PATCH", "/api/v2/users/", status=503, count=3)
    response = client.post("/me/profile/delete", json={}, headers=account.headers)
    assert response.status_code == 503
    db.session.expire_all()
    assert not db.session.get(BiocommonsUser, account.user.id).is_deleted


def test_self_delete_unblocks_when_the_commit_fails(client, make_account, monkeypatch):
    account = make_account()
    failing_commit(monkeypatch)
    with pytest.raises(RuntimeError):
        client.post("/me/profile/delete", json={}, headers=account.headers)
    assert auth0_user(account.user.id)["blocked"] is False


def test_self_delete_survives_a_failed_token_revocation(client, make_account, emulator):
    account = make_account()
    emulator.add_fault("DELETE", "/api/v2/users/", status=404)
    response = client.post("/me/profile/delete", json={}, headers=account.headers)
    assert response.status_code == 200
    assert auth0_user(account.user.id)["blocked"] is True
