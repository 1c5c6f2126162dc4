"""`/me/profile` is cached per user (issue 17, docs/decisions.md 70): a repeated call makes no
Auth0 call, and every change aai makes to what it shows appears in the caller's next profile,
whether aai keeps it in the database, in Auth0 only (names, password; the migration flag: see
test_me_auth0_actions), or both; in this process and in another app on the same database."""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from aai import create_app
from aai.extensions import db
from tests.api.admin_fixtures import create_member, seed_admin_database
from tests.api.test_me_email_change import code_from, finish, start
from tests.api.test_me_profile import NEW_PASSWORD
from tests.api.user_fixtures import PASSWORD, auth0_user
from tests.api_processes import migrated_database
from tests.conftest import IsolatedClient
from tests.settings import emulator_settings

NEW_NAME = {"first_name": "Grace", "last_name": "Hopper"}
MEMBER_PASSWORD = "Member-Passw0rd!"  # create_member's
database_numbers = itertools.count(1)


def userinfo_calls(emulator) -> int:
    return len(emulator.requests(path="/userinfo"))


def profile_of(client: FlaskClient, headers: dict) -> dict:
    response = client.get("/me/profile", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def test_a_repeated_profile_is_answered_without_auth0(client, make_account, emulator):
    account = make_account()
    first = profile_of(client, account.headers)
    calls = userinfo_calls(emulator)
    emulator.add_fault("GET", "/userinfo", status=503, count=3)
    assert profile_of(client, account.headers) == first
    assert userinfo_calls(emulator) == calls


def test_each_user_gets_their_own_profile(client, make_account):
    ada, bob = make_account(given_name="Ada"), make_account(given_name="Bob")
    assert profile_of(client, ada.headers)["given_name"] == "Ada"
    assert profile_of(client, bob.headers)["given_name"] == "Bob"
    assert profile_of(client, ada.headers)["user_id"] == ada.user.id


def test_a_name_change_shows_in_the_next_profile(client, make_account):
    account = make_account(given_name="Ada", family_name="Lovelace", name="Ada Lovelace")
    assert profile_of(client, account.headers)["name"] == "Ada Lovelace"
    response = client.post("/me/profile/name/update", json=NEW_NAME, headers=account.headers)
    assert response.status_code == 200
    after = profile_of(client, account.headers)
    assert (after["name"], after["given_name"], after["family_name"]) == (
        "Grace Hopper",
        "Grace",
        "Hopper",
    )
    assert after["picture"] == "https://ui-avatars.com/api/?name=gh&background=random"


def test_a_name_change_refused_by_auth0_keeps_the_cached_profile(client, make_account, emulator):
    account = make_account()
    before = profile_of(client, account.headers)
    emulator.add_fault("PATCH", "/api/v2/users/", status=400)
    response = client.post("/me/profile/name/update", json=NEW_NAME, headers=account.headers)
    assert response.status_code == 400
    calls = userinfo_calls(emulator)
    assert profile_of(client, account.headers) == before
    assert userinfo_calls(emulator) == calls


def test_a_password_change_makes_the_next_profile_ask_auth0(client, make_account, emulator):
    account = make_account()
    before = profile_of(client, account.headers)
    response = client.post(
        "/me/profile/password/update",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=account.headers,
    )
    assert response.status_code == 200
    calls = userinfo_calls(emulator)
    after = profile_of(client, account.headers)
    assert userinfo_calls(emulator) == calls + 1
    assert after["updated_at"] == auth0_user(account.user.id)["updated_at"] != before["updated_at"]


def test_username_and_email_changes_show_in_the_next_profile(client, make_account, outbox):
    account = make_account()
    profile_of(client, account.headers)
    response = client.post(
        "/me/profile/username/update", json={"username": "renamed"}, headers=account.headers
    )
    assert response.status_code == 200
    assert profile_of(client, account.headers)["username"] == "renamed"
    start(client, account, "moved@example.org")
    assert finish(client, account, code_from(outbox, "moved@example.org")).status_code == 200
    assert profile_of(client, account.headers)["email"] == "moved@example.org"


def test_a_self_deletion_ends_the_cached_profile(client, make_account):
    account = make_account()
    profile_of(client, account.headers)
    response = client.post("/me/profile/delete", json={}, headers=account.headers)
    assert response.status_code == 200
    response = client.get("/me/profile", headers=account.headers)
    assert (response.status_code, response.json) == (
        403,
        {"detail": "This account has been deleted."},
    )


def test_admin_changes_show_in_the_users_next_profile(client, member, admin_headers, make_token):
    user = member({"galaxy": "pending"})
    headers = {"Authorization": f"Bearer {make_token(user.id)}"}
    before = profile_of(client, headers)
    assert before["platform_memberships"][0]["approval_status"] == "pending"
    admin = admin_headers("galaxy")
    approval = client.post(f"/admin/users/{user.id}/platforms/galaxy/approve", headers=admin)
    assert approval.status_code == 200
    assert profile_of(client, headers)["platform_memberships"][0]["approval_status"] == "approved"
    response = client.post(
        f"/admin/users/{user.id}/email/update", json={"email": "new@example.org"}, headers=admin
    )
    assert response.status_code == 200
    after = profile_of(client, headers)
    assert (after["email"], after["email_verified"]) == ("new@example.org", False)


# --- two apps on one committed database (PostgreSQL): another process or replica ---------------


@dataclass
class TwoApps:
    first: Flask
    second: Flask
    headers: dict

    def profile(self, app: Flask) -> dict:
        return profile_of(app.test_client(), self.headers)

    def post(self, app: Flask, path: str, body: dict):
        return app.test_client().post(path, json=body, headers=self.headers)


@pytest.fixture
def two_apps(pg_cluster, emulator, make_token) -> Iterator[TwoApps]:
    """Two apps, each with its own caches, on one migrated database holding one user."""
    url = pg_cluster.create_database(f"aai_profiles_{next(database_numbers)}")
    settings = emulator_settings(emulator)
    users = []

    def seed():
        seed_admin_database()
        users.append(create_member({"galaxy": "approved"}).id)

    migrated_database(url, settings, seed)
    apps = [create_app({**settings, "DB_URL": url}) for _ in range(2)]
    for app in apps:
        app.test_client_class = IsolatedClient
    yield TwoApps(*apps, {"Authorization": f"Bearer {make_token(users[0])}"})
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def test_a_change_through_one_app_shows_in_the_others_next_profile(two_apps, emulator):
    first, second = two_apps.first, two_apps.second
    before = two_apps.profile(first)
    calls = userinfo_calls(emulator)
    assert two_apps.profile(first) == before  # warm: no Auth0 call
    assert userinfo_calls(emulator) == calls
    assert two_apps.post(second, "/me/profile/name/update", NEW_NAME).status_code == 200
    assert two_apps.profile(first)["name"] == "Grace Hopper"
    username = {"username": "renamed_elsewhere"}
    assert two_apps.post(second, "/me/profile/username/update", username).status_code == 200
    assert two_apps.profile(first)["username"] == "renamed_elsewhere"
    password = {"current_password": MEMBER_PASSWORD, "new_password": NEW_PASSWORD}
    assert two_apps.post(second, "/me/profile/password/update", password).status_code == 200
    calls = userinfo_calls(emulator)
    two_apps.profile(first)
    assert userinfo_calls(emulator) == calls + 1
