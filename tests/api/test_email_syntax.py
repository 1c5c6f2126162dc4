"""Email syntax where an address comes in from outside: registration, the self-service email
change and the admin email update. An address must pass both the portal's pattern (10 §7) and
email-validator's syntax check (the original's pydantic EmailStr), with the original's message."""

import pytest

from aai.identity.auth0 import auth0_client
from tests.api.test_me_email_change import codes_of, start
from tests.api.test_register import db_user, register
from tests.api.user_fixtures import error_body

INVALID = "Please enter a valid email address."
INVALID_BODY = error_body(INVALID, [{"field": "email", "message": INVALID}])

# Addresses the portal's pattern lets through but email-validator (and so the original, Auth0
# or the mail service) refuses.
REFUSED = [
    "a..b@example.org",  # two dots in a row
    ".a@example.org",  # a leading dot
    "a.@example.org",  # a dot just before the @
    "a@example.123",  # an all-numeric top-level domain
    "a@printer.local",  # a special-use domain (RFC 6762), never deliverable
]
# Unusual but valid addresses both rules accept: email-validator must not be stricter here.
ACCEPTED = [
    "o'brien+tag@sub.example.co.uk",
    "a!b#c$d%e&f*g=h?i^j_k`l{m|n}o~p@example.org",
    "ada@xn--80ak6aa92e.com",
    "ada@123.example.org",
]


@pytest.mark.parametrize("email", REFUSED)
def test_registration_refuses_what_only_the_pattern_accepts(client, bundles, emulator, email):
    response = register(client, email=email)
    assert (response.status_code, response.json) == (400, INVALID_BODY)
    assert emulator.requests(method="POST", path="/api/v2/users") == []


@pytest.mark.parametrize("email", ACCEPTED)
def test_registration_accepts_unusual_valid_addresses(client, bundles, email):
    assert register(client, email=email).status_code == 200
    assert db_user().email == email
    assert auth0_client().get_user(db_user().id)["email"] == email


@pytest.mark.parametrize("email", REFUSED)
def test_email_change_refuses_what_only_the_pattern_accepts(client, make_account, outbox, email):
    account = make_account()
    response = start(client, account, email)
    assert (response.status_code, response.json) == (400, INVALID_BODY)
    assert (codes_of(account.user.id), outbox()) == ([], [])


@pytest.mark.parametrize("email", ACCEPTED)
def test_email_change_accepts_unusual_valid_addresses(client, make_account, email):
    account = make_account()
    assert start(client, account, email).status_code == 200
    assert codes_of(account.user.id)[0].target_email == email


@pytest.mark.parametrize("email", REFUSED)
def test_admin_email_update_refuses_what_only_the_pattern_accepts(
    client, admin_headers, member, emulator, email
):
    user = member({"galaxy": "approved"})
    response = client.post(
        f"/admin/users/{user.id}/email/update",
        json={"email": email},
        headers=admin_headers("galaxy"),
    )
    assert (response.status_code, response.json["message"]) == (400, f"email: {INVALID}")
    assert response.json["field_errors"] == [{"field": "email", "message": INVALID}]
    assert emulator.requests("PATCH", f"/api/v2/users/{user.id}") == []
