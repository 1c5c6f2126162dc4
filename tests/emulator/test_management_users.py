"""Management API users: each call aai makes, with Auth0's status codes and error bodies."""

from urllib.parse import quote

import pytest

from tests.emulator.demo import BPA_ROLE, DEMO, GALAXY_ROLE, TSI_ROLE, management_token
from tests.emulator.test_authentication_api import password_check
from tests.emulator.wire import bearer, call, jwt_parts

NEW_USER = {
    "email": "new.user@example.org",
    "email_verified": False,
    "password": "New-User-Passw0rd!",
    "connection": "Username-Password-Authentication",
    "username": "new_user",
    "name": "New User",
    "given_name": "New",
    "family_name": "User",
    "app_metadata": {"registration_from": "biocommons"},
}


def test_get_user_returns_auth0s_user_object(api):
    reply = api("GET", f"/users/{DEMO['approved']}")

    assert reply.status == 200
    user = reply.json()
    assert user["user_id"] == DEMO["approved"]
    assert user["username"] == "approved_user"
    assert user["identities"] == [
        {
            "connection": "Username-Password-Authentication",
            "provider": "auth0",
            "user_id": DEMO["approved"].split("|")[1],
            "isSocial": False,
        }
    ]
    assert user["app_metadata"] == {"registration_from": "biocommons"}
    assert "password" not in user
    assert "blocked" not in user
    assert api("GET", f"/users/{DEMO['blocked']}").json()["blocked"] is True


def test_get_user_selects_fields(api):
    reply = api("GET", f"/users/{DEMO['approved']}?fields=user_id,email&include_fields=true")

    assert reply.json() == {"user_id": DEMO["approved"], "email": "approved.user@example.org"}


def test_an_unknown_user_is_auth0s_404(api):
    reply = api("GET", "/users/auth0|000000000000000000000000")

    assert reply.status == 404
    assert reply.json() == {
        "statusCode": 404,
        "error": "Not Found",
        "message": "The user does not exist.",
        "errorCode": "inexistent_user",
    }


@pytest.mark.parametrize(
    ("headers", "message"),
    [({}, "Missing authentication"), (bearer("not-a-token"), "Invalid token")],
)
def test_the_management_api_needs_a_valid_token(emulator, headers, message):
    reply = call("GET", f"{emulator.url}/api/v2/users/{DEMO['approved']}", headers=headers)

    assert reply.status == 401
    assert reply.json()["statusCode"] == 401
    assert reply.json()["message"] == message


def test_the_management_api_refuses_a_user_token(emulator, make_token):
    headers = bearer(make_token(DEMO["admin"]))

    reply = call("GET", f"{emulator.url}/api/v2/users/{DEMO['approved']}", headers=headers)

    assert reply.status == 401


def test_the_management_api_checks_scopes(emulator):
    headers = bearer(management_token(emulator, scope="read:roles"))

    reply = call("GET", f"{emulator.url}/api/v2/users/{DEMO['approved']}", headers=headers)

    assert reply.status == 403
    assert reply.json()["errorCode"] == "insufficient_scope"


def test_search_by_username(api):
    reply = api("GET", '/users?q=username:"pending_user"&search_engine=v3')

    assert [user["user_id"] for user in reply.json()] == [DEMO["pending"]]
    assert api("GET", '/users?q=username:"nobody"&search_engine=v3').json() == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('email:"TSI.Admin@example.org"', ["tsi_admin"]),
        ("email:*admin@example.org", ["biocommons_admin", "galaxy_admin", "tsi_admin"]),
        ("email_verified:false", ["unverified_user"]),
        ("blocked:true OR username:pending_user", ["pending_user", "blocked_user"]),
        ("username:*admin AND NOT username:tsi*", ["biocommons_admin", "galaxy_admin"]),
        ('app_metadata.registration_from:"biocommons" AND name:"Approved User"', ["approved_user"]),
        ("(username:tsi_admin OR username:galaxy_admin) -username:galaxy*", ["tsi_admin"]),
    ],
)
def test_search_syntax(api, query, expected):
    reply = api("GET", f"/users?q={quote(query)}&search_engine=v3")

    assert reply.status == 200, reply.text
    assert [user["username"] for user in reply.json()] == expected


def test_a_malformed_search_is_a_400(api):
    reply = api("GET", "/users?q=(username:x&search_engine=v3")

    assert reply.status == 400
    assert reply.json()["errorCode"] == "invalid_query_string"


def test_users_by_email_is_case_insensitive(api):
    reply = api("GET", "/users-by-email?email=Galaxy.Admin@Example.org")

    assert [user["user_id"] for user in reply.json()] == [DEMO["galaxy_admin"]]
    assert api("GET", "/users-by-email?email=nobody@example.org").json() == []
    assert api("GET", "/users-by-email").status == 400


def test_create_user(emulator, api):
    reply = api("POST", "/users", NEW_USER)

    assert reply.status == 201, reply.text
    user = reply.json()
    assert user["user_id"].startswith("auth0|")
    assert user["email_verified"] is False
    assert api("GET", f"/users/{user['user_id']}").json()["username"] == "new_user"
    assert [(e["type"], e["to"]) for e in emulator.emails()] == [
        ("verification_email", "new.user@example.org")
    ]


@pytest.mark.parametrize(
    "duplicate", [{"email": "Approved.User@example.org"}, {"username": "approved_user"}]
)
def test_creating_a_duplicate_email_or_username_is_a_409(api, duplicate):
    reply = api("POST", "/users", {**NEW_USER, **duplicate})

    assert reply.status == 409
    assert reply.json() == {
        "statusCode": 409,
        "error": "Conflict",
        "message": "The user already exists.",
        "errorCode": "auth0_idp_error",
    }


@pytest.mark.parametrize(
    ("change", "error_code"),
    [
        ({"connection": None}, "invalid_body"),
        ({"connection": "other"}, "inexistent_connection"),
        ({"password": "weak"}, "invalid_password"),
        ({"username": None}, "invalid_body"),
        ({"email": "not-an-email"}, "invalid_body"),
        ({"surprise": 1}, "invalid_body"),
        ({"email_verified": "yes"}, "invalid_body"),
    ],
)
def test_creating_an_invalid_user_is_a_400(api, change, error_code):
    body = {key: value for key, value in {**NEW_USER, **change}.items() if value is not None}

    reply = api("POST", "/users", body)

    assert reply.status == 400
    assert reply.json()["errorCode"] == error_code


def test_patch_blocks_a_user(api):
    reply = api("PATCH", f"/users/{DEMO['approved']}", {"blocked": True})

    assert reply.status == 200
    assert reply.json()["blocked"] is True
    assert api("GET", f"/users/{DEMO['approved']}").json()["blocked"] is True


def test_patch_email_makes_it_unverified_and_sends_a_verification_email(emulator, api):
    body = {"email": "moved@example.org", "connection": "Username-Password-Authentication"}

    reply = api("PATCH", f"/users/{DEMO['approved']}", body)

    assert reply.json()["email"] == "moved@example.org"
    assert reply.json()["email_verified"] is False
    assert [e["to"] for e in emulator.emails()] == ["moved@example.org"]
    assert api("GET", "/users-by-email?email=approved.user@example.org").json() == []


def test_patch_email_verified_with_the_new_email(emulator, api):
    body = {
        "email": "moved@example.org",
        "email_verified": True,
        "connection": "Username-Password-Authentication",
    }

    reply = api("PATCH", f"/users/{DEMO['approved']}", body)

    assert reply.json()["email_verified"] is True
    assert emulator.emails() == []


def test_patch_username_and_names(api):
    body = {
        "username": "renamed_user",
        "connection": "Username-Password-Authentication",
        "given_name": "Re",
        "family_name": "Named",
        "name": "Re Named",
        "picture": "https://ui-avatars.com/api/?name=rn&background=random",
    }

    reply = api("PATCH", f"/users/{DEMO['approved']}", body)

    assert reply.status == 200
    user = reply.json()
    assert (user["username"], user["name"], user["given_name"]) == (
        body["username"],
        "Re Named",
        "Re",
    )
    assert user["picture"] == body["picture"]
    assert user["updated_at"] != "2025-01-01T00:00:00.000Z"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"username": "pending_user"}, "The specified new username already exists"),
        ({"email": "pending.user@example.org"}, "The specified new email already exists"),
    ],
)
def test_patch_to_a_taken_username_or_email_is_a_409(api, change, message):
    body = {**change, "connection": "Username-Password-Authentication"}

    reply = api("PATCH", f"/users/{DEMO['approved']}", body)

    assert reply.status == 409
    assert reply.json()["message"] == message


def test_patch_username_without_connection_is_a_400(api):
    reply = api("PATCH", f"/users/{DEMO['approved']}", {"username": "someone_else"})

    assert reply.status == 400
    assert reply.json()["errorCode"] == "invalid_body"


def test_patch_merges_metadata_at_the_first_level(api):
    path = f"/users/{DEMO['approved']}"
    api("PATCH", path, {"app_metadata": {"user_needs_migration": True, "extra": {"a": 1}}})

    reply = api("PATCH", path, {"app_metadata": {"user_needs_migration": False, "extra": None}})

    assert reply.json()["app_metadata"] == {
        "registration_from": "biocommons",
        "user_needs_migration": False,
    }
    assert "app_metadata" not in api("PATCH", path, {"app_metadata": {}}).json()


def test_patch_password_changes_what_the_password_check_accepts(emulator, api):
    body = {"password": "Changed-Passw0rd!", "connection": "Username-Password-Authentication"}
    assert api("PATCH", f"/users/{DEMO['approved']}", body).status == 200

    assert password_check(emulator, "approved_user", "Changed-Passw0rd!").status == 200
    assert password_check(emulator, "approved_user", "Approved-User-Passw0rd!").status == 403


def test_user_roles_are_added_listed_and_removed(api, make_token):
    path = f"/users/{DEMO['pending']}/roles"
    assert api("GET", path).json() == []

    assert api("POST", path, {"roles": [GALAXY_ROLE, TSI_ROLE]}).status == 204
    listed = api("GET", f"{path}?include_totals=true").json()
    assert listed["total"] == 2
    assert [role["name"] for role in listed["roles"]] == [
        "biocommons/platform/galaxy",
        "biocommons/group/tsi",
    ]
    assert api("DELETE", path, {"roles": [TSI_ROLE]}).status == 204

    roles = jwt_parts(make_token(DEMO["pending"]))[1]["https://biocommons.org.au/roles"]
    assert roles == ["biocommons/platform/galaxy"]


def test_adding_an_unknown_role_is_a_404(api):
    reply = api("POST", f"/users/{DEMO['pending']}/roles", {"roles": ["rol_doesnotexist0000"]})

    assert reply.status == 404
    assert api("GET", f"/users/{DEMO['pending']}/roles").json() == []


def test_role_removal_shows_in_the_role_members(api):
    api("DELETE", f"/users/{DEMO['approved']}/roles", {"roles": [BPA_ROLE]})

    members = api("GET", f"/roles/{BPA_ROLE}/users?per_page=100").json()

    assert DEMO["approved"] not in [member["user_id"] for member in members]


def test_verification_email_job(emulator, api):
    reply = api("POST", "/jobs/verification-email", {"user_id": DEMO["unverified"]})

    assert reply.status == 201
    job = reply.json()
    assert (job["type"], job["status"]) == ("verification_email", "pending")
    assert job["id"].startswith("job_")
    assert api("GET", f"/jobs/{job['id']}").json()["status"] == "completed"
    assert [(e["type"], e["to"], e["job_id"]) for e in emulator.emails()] == [
        ("verification_email", "unverified.user@example.org", job["id"])
    ]
    missing = api("POST", "/jobs/verification-email", {"user_id": "auth0|nobody"})
    assert missing.status == 404


def test_deleting_refresh_tokens_revokes_them(emulator, api):
    form = {
        "grant_type": "http://auth0.com/oauth/grant-type/password-realm",
        "username": "approved_user",
        "password": "Approved-User-Passw0rd!",
        "realm": "Username-Password-Authentication",
        "scope": "openid offline_access",
        "client_id": emulator.management_client_id,
        "client_secret": emulator.management_client_secret,
    }
    refresh_token = call("POST", f"{emulator.url}/oauth/token", form=form).json()["refresh_token"]
    refresh = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": emulator.management_client_id,
        "client_secret": emulator.management_client_secret,
    }
    assert call("POST", f"{emulator.url}/oauth/token", form=refresh).status == 200

    assert api("DELETE", f"/users/{DEMO['approved']}/refresh-tokens").status == 204

    assert call("POST", f"{emulator.url}/oauth/token", form=refresh).status == 403


def test_delete_user(api):
    assert api("DELETE", f"/users/{DEMO['pending']}").status == 204

    assert api("GET", f"/users/{DEMO['pending']}").status == 404
