"""Account actions (30 §2.2, portal contract #19, #26-31): details, email and username
changes, deletion, the mistyped-email deletion, verification and password-reset emails."""

import pytest
from sqlalchemy import select

from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.identity.permissions import CANNOT_MANAGE_USER
from aai.models import BiocommonsUser, BiocommonsUserHistory, PlatformMembership
from tests import factories
from tests.api.admin_fixtures import outbox
from tests.api.test_admin_lists import PLATFORM
from tests.world import TSI


def fresh(user: BiocommonsUser) -> BiocommonsUser:
    db.session.expire_all()
    return db.session.get(BiocommonsUser, user.id)


def history(user_id: str) -> list[tuple]:
    rows = db.session.scalars(
        select(BiocommonsUserHistory)
        .where(BiocommonsUserHistory.user_id == user_id)
        .order_by(BiocommonsUserHistory.updated_at)
    )
    return [(row.change, row.email, row.username, row.reason, row.updated_by_id) for row in rows]


# --- reading -----------------------------------------------------------------------------------


def test_get_user_for_platform_and_group_admins(client, admin_headers, member):
    user = member({"galaxy": "pending"}, {TSI: "pending"})
    for kind in ("galaxy", "tsi"):
        response = client.get(f"/admin/users/{user.id}", headers=admin_headers(kind))
        assert response.status_code == 200
        assert response.json["id"] == user.id
        assert [m["platform_id"] for m in response.json["platform_memberships"]] == ["galaxy"]
    refused = client.get(f"/admin/users/{user.id}", headers=admin_headers("sbp"))
    assert (refused.status_code, refused.json) == (403, {"detail": CANNOT_MANAGE_USER})
    missing = client.get("/admin/users/auth0|nobody", headers=admin_headers("galaxy"))
    assert (missing.status_code, missing.json) == (404, {"detail": "User 'auth0|nobody' not found"})


def test_details_combine_auth0_and_the_database(client, admin_headers, member, emulator):
    user = member({"galaxy": "approved"}, {TSI: "rejected"})
    response = client.get(f"/admin/users/{user.id}/details", headers=admin_headers("galaxy"))
    assert response.status_code == 200
    body = response.json
    assert body["user_id"] == user.id
    assert body["name"] == f"Member {user.username}"
    assert body["identities"][0]["connection"] == "Username-Password-Authentication"
    assert [m["approval_status"] for m in body["group_memberships"]] == ["rejected"]
    assert "password" not in body
    assert emulator.requests("GET", f"/api/v2/users/{user.id}")


def test_details_of_a_user_missing_in_auth0_is_404(client, admin_headers, member):
    user = member({"galaxy": "approved"}, in_auth0=False)
    response = client.get(f"/admin/users/{user.id}/details", headers=admin_headers("galaxy"))
    assert (response.status_code, response.json) == (
        404,
        {"detail": f"User with ID {user.id} not found"},
    )


# --- email -----------------------------------------------------------------------------------


def test_update_email(client, admin_world, admin_headers, member, emulator):
    user = member({"galaxy": "approved"})
    old_email = user.email
    response = client.post(
        f"/admin/users/{user.id}/email/update",
        json={"email": "  New.Address@Example.ORG "},
        headers=admin_headers("galaxy"),
    )
    assert (response.status_code, response.json) == (
        200,
        {"message": "Email updated. Verification email sent."},
    )
    updated = fresh(user)
    assert (updated.email, updated.email_verified) == ("New.Address@example.org", False)
    admin_id = admin_world.admins["galaxy"].id
    assert history(user.id) == [("email_update", old_email, user.username, None, admin_id)]
    (email,) = outbox()
    assert email.to_address == old_email
    assert "New.Address@example.org" in email.body_text
    assert auth0_client().get_user(user.id)["email"] == "New.Address@example.org"
    verification = [e for e in emulator.emails() if e["type"] == "verification_email"]
    assert [e["to"] for e in verification] == ["New.Address@example.org"]


def test_update_email_to_an_internationalised_domain(client, admin_headers, member):
    user = member({"galaxy": "approved"})
    response = client.post(
        f"/admin/users/{user.id}/email/update",
        json={"email": "ada@bücher.example"},
        headers=admin_headers("galaxy"),
    )
    assert response.status_code == 200
    assert fresh(user).email == "ada@xn--bcher-kva.example"


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("same", "Email address is already set to that value"),
        ("taken", "Email is already in use by another user"),
        ("deleted", "Email is already in use by another user"),
    ],
)
def test_update_email_field_errors(client, admin_headers, member, emulator, email, message):
    user = member({"galaxy": "approved"})
    other = factories.make_user(email="Other@Example.org", is_deleted=email == "deleted")
    value = user.email.upper() if email == "same" else other.email.lower()
    response = client.post(
        f"/admin/users/{user.id}/email/update",
        json={"email": value},
        headers=admin_headers("galaxy"),
    )
    assert response.status_code == 400
    assert response.json["message"] == message
    assert response.json["field_errors"] == [{"field": "email", "message": message}]
    assert emulator.requests("PATCH", f"/api/v2/users/{user.id}") == []


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "x" * 65 + "@example.org", ""])
def test_update_email_rejects_bad_addresses_with_400(client, admin_headers, member, email):
    user = member({"galaxy": "approved"})
    response = client.post(
        f"/admin/users/{user.id}/email/update",
        json={"email": email},
        headers=admin_headers("galaxy"),
    )
    assert response.status_code == 400
    assert response.json["field_errors"][0]["field"] == "email"


def test_update_email_when_auth0_refuses(client, admin_headers, member, emulator):
    user = member({"galaxy": "approved"})
    emulator.add_fault("PATCH", f"/api/v2/users/{user.id}", status=400)
    response = client.post(
        f"/admin/users/{user.id}/email/update",
        json={"email": "fresh@example.org"},
        headers=admin_headers("galaxy"),
    )
    assert (response.status_code, response.json) == (
        400,
        {"detail": "Failed to update user email."},
    )
    assert fresh(user).email == user.email
    assert (history(user.id), outbox()) == ([], [])


# --- username --------------------------------------------------------------------------------


def test_update_username(client, admin_world, admin_headers, member):
    user = member({}, {TSI: "approved"})
    old = user.username
    response = client.post(
        f"/admin/users/{user.id}/username/update",
        json={"username": "  quoll_keeper "},
        headers=admin_headers("tsi"),
    )
    assert (response.status_code, response.json) == (
        200,
        {"message": "User's username updated successfully."},
    )
    assert fresh(user).username == "quoll_keeper"
    assert history(user.id) == [
        ("username_update", user.email, old, None, admin_world.admins["tsi"].id)
    ]
    (email,) = outbox()
    assert (email.to_address, email.subject) == (
        user.email,
        "Your Biocommons Access username was updated",
    )
    assert "quoll_keeper" in email.body_text
    assert auth0_client().get_user(user.id)["username"] == "quoll_keeper"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ab", "Username must be at least 3 characters."),
        ("x" * 129, "Username must be 128 characters or less."),
        (
            "_quoll",
            "Username must only contain lowercase letters, numbers, hyphens and "
            "underscores, and must not start with a hyphen or underscore.",
        ),
        (
            "Quoll",
            "Username must only contain lowercase letters, numbers, hyphens and "
            "underscores, and must not start with a hyphen or underscore.",
        ),
    ],
)
def test_update_username_validation(client, admin_headers, member, value, message):
    user = member({"galaxy": "approved"})
    response = client.post(
        f"/admin/users/{user.id}/username/update",
        json={"username": value},
        headers=admin_headers("galaxy"),
    )
    assert response.status_code == 400
    assert response.json["field_errors"] == [{"field": "username", "message": message}]


def test_taken_and_previously_used_usernames_are_refused(client, admin_headers, member, emulator):
    user = member({"galaxy": "approved"})
    factories.make_user(username="quoll_taken")
    previous_owner = factories.make_user()
    db.session.add(
        BiocommonsUserHistory(
            user_id=previous_owner.id, username="quoll_used", change="username_update"
        )
    )
    db.session.flush()
    for username in ("quoll_taken", "quoll_used", user.username):
        response = client.post(
            f"/admin/users/{user.id}/username/update",
            json={"username": username},
            headers=admin_headers("galaxy"),
        )
        assert response.status_code == 400
        assert response.json["field_errors"][0]["field"] == "username"
    assert emulator.requests("PATCH", f"/api/v2/users/{user.id}") == []


@pytest.mark.parametrize(
    ("status", "message", "field_errors"),
    [
        (
            409,
            "Username is already taken",
            [{"field": "username", "message": "Username is already taken"}],
        ),
        (404, "Unknown error.", []),
    ],
)
def test_auth0_username_refusals(
    client, admin_headers, member, emulator, status, message, field_errors
):
    user = member({"galaxy": "approved"})
    emulator.add_fault("PATCH", f"/api/v2/users/{user.id}", status=status)
    response = client.post(
        f"/admin/users/{user.id}/username/update",
        json={"username": "fresh_name"},
        headers=admin_headers("galaxy"),
    )
    assert response.status_code == 400
    assert (response.json["message"], response.json["field_errors"]) == (message, field_errors)
    assert fresh(user).username == user.username


# --- deletion --------------------------------------------------------------------------------


def test_delete_blocks_in_auth0_and_keeps_memberships(
    client, admin_world, admin_headers, member, emulator
):
    user = member({"galaxy": "approved"})
    response = client.post(
        f"/admin/users/{user.id}/delete",
        json={"reason": "duplicate account"},
        headers=admin_headers("galaxy"),
    )
    assert (response.status_code, response.json) == (
        200,
        {"message": f"User {user.id} deleted successfully."},
    )
    deleted = fresh(user)
    admin_id = admin_world.admins["galaxy"].id
    assert (deleted.is_deleted, deleted.deletion_reason, deleted.deleted_by_id) == (
        True,
        "duplicate account",
        admin_id,
    )
    assert deleted.deleted_at is not None
    assert history(user.id) == [
        ("user_deletion", user.email, user.username, "duplicate account", admin_id)
    ]
    memberships = db.session.scalars(
        select(PlatformMembership).where(PlatformMembership.user_id == user.id)
    )
    assert [m.is_deleted for m in memberships] == [False]
    assert auth0_client().get_user(user.id)["blocked"] is True
    assert emulator.requests("DELETE", f"/api/v2/users/{user.id}/refresh-tokens")
    gone = client.get(f"/admin/users/{user.id}", headers=admin_headers("galaxy"))
    assert gone.status_code == 404


def test_group_admins_cannot_delete(client, admin_headers, member, emulator):
    user = member({}, {TSI: "approved"})
    response = client.post(f"/admin/users/{user.id}/delete", json={}, headers=admin_headers("tsi"))
    assert (response.status_code, response.json) == (403, {"detail": CANNOT_MANAGE_USER})
    assert not fresh(user).is_deleted
    assert emulator.requests("PATCH", f"/api/v2/users/{user.id}") == []


def test_delete_with_auth0_down_changes_nothing(client, admin_headers, member, emulator):
    user = member({"galaxy": "approved"})
    emulator.add_fault("PATCH", f"/api/v2/users/{user.id}", status=503, count=5)
    response = client.post(
        f"/admin/users/{user.id}/delete", json={}, headers=admin_headers("galaxy")
    )
    assert response.status_code == 503
    assert not fresh(user).is_deleted
    assert history(user.id) == []


def test_refresh_token_failure_does_not_stop_a_deletion(client, admin_headers, member, emulator):
    user = member({"galaxy": "approved"})
    emulator.add_fault("DELETE", f"/api/v2/users/{user.id}/refresh-tokens", status=400)
    response = client.post(
        f"/admin/users/{user.id}/delete", json={}, headers=admin_headers("galaxy")
    )
    assert response.status_code == 200
    assert fresh(user).is_deleted


def test_delete_reason_is_bounded(client, admin_headers, member):
    user = member({"galaxy": "approved"})
    response = client.post(
        f"/admin/users/{user.id}/delete",
        json={"reason": "x" * 1025},
        headers=admin_headers("galaxy"),
    )
    assert response.status_code == 422
    assert not fresh(user).is_deleted


def test_delete_invalid_email(client, admin_world, admin_headers, member, emulator):
    user = member({"galaxy": "approved"}, email_verified=False, email="ada@exmaple.org")
    response = client.post(
        f"/admin/users/{user.id}/delete_invalid_email",
        json={"correct_email": " ada@example.org"},
        headers=admin_headers("galaxy"),
    )
    assert response.status_code == 200
    assert response.json == {"message": f"User {user.id} deleted and ada@example.org informed."}
    deleted = fresh(user)
    assert deleted.is_deleted
    assert deleted.deletion_reason == (
        "Unverified email address ada@exmaple.org was mistyped; correct address: ada@example.org"
    )
    assert history(user.id)[0][0] == "user_deletion"
    (email,) = outbox()
    assert email.to_address == "ada@example.org"
    assert email.subject == "Please register again for BioCommons Access"
    assert "ada@exmaple.org" in email.body_text
    assert "/register" in email.body_text
    assert auth0_client().get_user(user.id)["blocked"] is True


@pytest.mark.parametrize(
    ("verified", "correct", "status"),
    [(True, "ada@example.org", 400), (False, "ADA@exmaple.org", 400), (False, "nonsense", 422)],
)
def test_delete_invalid_email_refusals(
    client, admin_headers, member, emulator, verified, correct, status
):
    user = member({"galaxy": "approved"}, email_verified=verified, email="ada@exmaple.org")
    response = client.post(
        f"/admin/users/{user.id}/delete_invalid_email",
        json={"correct_email": correct},
        headers=admin_headers("galaxy"),
    )
    assert response.status_code == status
    assert isinstance(response.json["detail"], str)
    assert not fresh(user).is_deleted
    assert outbox() == []
    assert emulator.requests("PATCH", f"/api/v2/users/{user.id}") == []


# --- emails sent by Auth0 --------------------------------------------------------------------


def test_resend_verification_email(client, admin_headers, member, emulator):
    user = member({"galaxy": "approved"}, email_verified=False)
    response = client.post(
        f"/admin/users/{user.id}/verification-email/resend",
        json={},
        headers=admin_headers("galaxy"),
    )
    assert (response.status_code, response.json) == (200, {"message": "Verification email resent."})
    (job,) = emulator.requests("POST", "/api/v2/jobs/verification-email")
    assert job["body"] == {"user_id": user.id}


def test_password_reset_email(client, admin_headers, member, emulator):
    user = member({"galaxy": "approved"})
    response = client.post(
        f"/admin/users/{user.id}/password-reset-email", headers=admin_headers("galaxy")
    )
    assert (response.status_code, response.json) == (200, {"message": "Password reset email sent."})
    (call,) = emulator.requests("POST", "/dbconnections/change_password")
    assert call["body"]["email"] == user.email
    assert call["body"]["connection"] == "Username-Password-Authentication"


def test_password_reset_when_auth0_refuses(client, admin_headers, member, emulator):
    user = member({"galaxy": "approved"})
    emulator.add_fault("POST", "/dbconnections/change_password", status=400)
    response = client.post(
        f"/admin/users/{user.id}/password-reset-email", headers=admin_headers("galaxy")
    )
    assert (response.status_code, response.json) == (
        400,
        {"detail": "Failed to send password reset email."},
    )


@pytest.mark.parametrize(
    "path",
    [
        "details",
        "email/update",
        "username/update",
        "delete",
        "delete_invalid_email",
        "verification-email/resend",
        "password-reset-email",
    ],
)
def test_user_actions_need_rights_over_the_user(client, admin_headers, member, emulator, path):
    user = member({"bpa_data_portal": "approved"})
    method = client.get if path == "details" else client.post
    body = {"email": "a@example.org", "username": "abcde", "correct_email": "a@example.org"}
    response = method(f"/admin/users/{user.id}/{path}", json=body, headers=admin_headers("galaxy"))
    assert (response.status_code, response.json) == (403, {"detail": CANNOT_MANAGE_USER})
    plain = method(f"/admin/users/{user.id}/{path}", json=body, headers=admin_headers("plain"))
    assert plain.status_code == 403
    calls = [r for r in emulator.requests() if user.id in r["path"] and r["method"] != "POST"]
    assert calls == []


def test_platform_membership_of_any_status_gives_rights(client, admin_headers, member):
    user = member({"galaxy": "revoked"})
    factories.make_platform_membership(user=user, platform_id=PLATFORM["sbp"], is_deleted=True)
    assert client.get(f"/admin/users/{user.id}", headers=admin_headers("galaxy")).status_code == 200
    assert client.get(f"/admin/users/{user.id}", headers=admin_headers("sbp")).status_code == 403


ADMIN_POSTS = [
    "email/update",
    "username/update",
    "delete",
    "delete_invalid_email",
    "verification-email/resend",
    "password-reset-email",
    "platforms/galaxy/approve",
    "platforms/galaxy/revoke",
    f"groups/{TSI}/approve",
    f"groups/{TSI}/reject",
    f"groups/{TSI}/unreject",
    f"groups/{TSI}/revoke",
]


BODYLESS = {
    "verification-email/resend",
    "password-reset-email",
    "platforms/galaxy/approve",
    f"groups/{TSI}/approve",
    f"groups/{TSI}/unreject",
}


@pytest.mark.parametrize("raw", [b"{", b"[1]", b"null", b'"text"', b"\xff\xfe"])
def test_malformed_bodies_are_4xx_with_a_string_detail(client, admin_world, member, raw):
    user = member({"galaxy": "approved"}, {TSI: "approved"})
    headers = {**admin_world.headers("galaxy_and_tsi"), "Content-Type": "application/json"}
    for path in ADMIN_POSTS:
        response = client.post(f"/admin/users/{user.id}/{path}", data=raw, headers=headers)
        if response.status_code == 200:  # only actions without a body may ignore it
            assert path in BODYLESS
            continue
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert isinstance(response.json["detail"], str)
    assert not fresh(user).is_deleted
