"""`/utils`: availability checks, registration info, welcome email, institution check
(20 §9.1–9.4, portal calls #33–34)."""

import pytest

from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.models import BiocommonsUserHistory, EmailNotification, EmailStatusEnum

PASSWORD = "Str0ng-Passw0rd!"
WELCOME = "If a verified account uses this email address, a welcome email has been sent."
AVAILABLE = {"available": True, "field_errors": []}
USERNAME_TAKEN = {
    "available": False,
    "field_errors": [{"field": "username", "message": "Username is already taken"}],
}
EMAIL_TAKEN = {
    "available": False,
    "field_errors": [{"field": "email", "message": "Email is already taken"}],
}


@pytest.fixture
def new_auth0_user(app, emulator):
    """`new_auth0_user(**fields)`: a user in the (freshly reset) emulator only."""

    def create(**fields) -> dict:
        values = {
            "email": "someone@example.org",
            "username": "someone",
            "password": PASSWORD,
            "connection": "Username-Password-Authentication",
        }
        return auth0_client().create_user({**values, **fields})

    return create


# --- username ------------------------------------------------------------------------------------


def check_username(client, username):
    return client.get(
        "/utils/register/check-username-availability", query_string={"username": username}
    )


def test_free_username(client, emulator):
    response = check_username(client, "brand_new")
    assert (response.status_code, response.json) == (200, AVAILABLE)
    assert emulator.requests(path="/api/v2/users")  # Auth0 was asked


@pytest.mark.parametrize("where", ["auth0", "database", "history"])
def test_taken_username(client, new_auth0_user, make_user, where):
    if where == "auth0":
        new_auth0_user(username="Taken_Name".lower())
    elif where == "database":
        make_user(username="taken_name")
    else:
        db.session.add(BiocommonsUserHistory(user_id=make_user().id, username="taken_name"))
        db.session.flush()
    assert check_username(client, "taken_name").json == USERNAME_TAKEN


def test_username_match_in_auth0_is_exact_but_case_insensitive(client, new_auth0_user):
    new_auth0_user(username="testuser123")
    assert check_username(client, "testuser").json == AVAILABLE
    assert check_username(client, "TESTUSER123").json == USERNAME_TAKEN


def test_username_lookup_failure_counts_as_available(client, emulator):
    emulator.add_fault("GET", "/api/v2/users", status=503, count=3)
    assert check_username(client, "whoever").json == AVAILABLE


def test_username_with_quotes_cannot_break_the_search(client, emulator):
    assert check_username(client, 'a"b OR email:*').json == AVAILABLE
    (search,) = emulator.requests(path="/api/v2/users")
    assert search["query"]["q"] == 'username:"a\\"b OR email:*"'


@pytest.mark.parametrize(("username", "status"), [("ab", 422), ("x" * 129, 422), (None, 422)])
def test_username_check_validation(client, username, status):
    response = (
        check_username(client, username)
        if username
        else client.get("/utils/register/check-username-availability")
    )
    assert response.status_code == status
    assert isinstance(response.json["detail"], str)


# --- email ---------------------------------------------------------------------------------------


def check_email(client, email):
    return client.get("/utils/register/check-email-availability", query_string={"email": email})


def test_email_availability(client, new_auth0_user, make_user):
    assert check_email(client, "free@example.org").json == AVAILABLE
    new_auth0_user(email="in.auth0@example.org")
    assert check_email(client, "IN.AUTH0@example.org").json == EMAIL_TAKEN
    make_user(email="in.db@example.org")
    assert check_email(client, "In.Db@Example.org").json == EMAIL_TAKEN


def test_email_check_needs_an_email(client):
    response = client.get("/utils/register/check-email-availability")
    assert response.status_code == 422
    assert response.json["detail"] == "Email is required."


def test_availability_checks_are_rate_limited(client):
    statuses = [check_email(client, f"a{n}@example.org").status_code for n in range(61)]
    assert statuses == [200] * 60 + [429]
    assert check_email(client, "x@example.org").json == {
        "detail": "Too many requests. Please try again later."
    }


# --- registration info ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("app_metadata", "expected"),
    [
        ({"registration_from": "galaxy"}, "galaxy"),
        ({"registration_from": "sbp"}, "sbp"),
        ({"registration_from": "elsewhere"}, "biocommons"),
        (None, "biocommons"),
    ],
)
def test_registration_info(client, new_auth0_user, app_metadata, expected):
    new_auth0_user(email="registered@example.org", app_metadata=app_metadata)
    response = client.get(
        "/utils/register/registration-info", query_string={"user_email": "Registered@example.org"}
    )
    assert (response.status_code, response.json) == (200, {"app": expected})


def test_registration_info_for_nobody_is_biocommons(client):
    response = client.get(
        "/utils/register/registration-info", query_string={"user_email": "nobody@example.org"}
    )
    assert response.json == {"app": "biocommons"}


# --- welcome email -------------------------------------------------------------------------------


def send_welcome(client, email):
    return client.post("/utils/send-welcome-email", json={"email": email})


def test_welcome_email_is_queued_once_for_a_verified_user(client, new_auth0_user, outbox):
    new_auth0_user(email="verified@example.org", email_verified=True, given_name="Vera")
    for _ in range(2):
        response = send_welcome(client, "Verified@example.org")
        assert (response.status_code, response.json) == (200, {"message": WELCOME})
    (email,) = outbox("verified@example.org")
    assert email.subject == "Welcome to BioCommons Access"
    assert "Dear Vera" in email.body_text
    assert email.status is EmailStatusEnum.PENDING


def test_welcome_email_is_sent_again_after_a_failed_delivery(client, new_auth0_user, outbox):
    new_auth0_user(email="verified@example.org", email_verified=True)
    send_welcome(client, "verified@example.org")
    db.session.expire_all()
    (email,) = outbox("verified@example.org")
    email.status = EmailStatusEnum.FAILED
    db.session.flush()
    send_welcome(client, "verified@example.org")
    db.session.expire_all()
    assert len(outbox("verified@example.org")) == 2


@pytest.mark.parametrize("email", ["unverified@example.org", "nobody@example.org"])
def test_welcome_answer_does_not_reveal_accounts(client, new_auth0_user, outbox, email):
    new_auth0_user(email="unverified@example.org", email_verified=False)
    response = send_welcome(client, email)
    assert (response.status_code, response.json) == (200, {"message": WELCOME})
    assert db.session.query(EmailNotification).count() == 0
    assert outbox() == []


def test_welcome_needs_an_email(client):
    response = client.post("/utils/send-welcome-email", json={})
    assert response.status_code == 422
    assert response.json["field_errors"] == [{"field": "email", "message": "Email is required."}]


def test_welcome_is_rate_limited(client):
    statuses = [send_welcome(client, "nobody@example.org").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


# --- Australian research institutions ------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("ada@unsw.edu.au", True),
        ("ada@student.unsw.edu.au", True),
        ("ada@UNIMELB.EDU.AU", True),
        ("ada@csiro.au", True),
        ("ada@monash.edu", True),
        ("ada@evilunsw.edu.au", False),
        ("ada@unsw.edu.au.evil.com", False),
        ("ada@gmail.com", False),
        ("not-an-email", False),
    ],
)
def test_institution_check(client, email, expected):
    response = client.get(
        "/utils/register/check-australian-research-institution", query_string={"email": email}
    )
    assert (response.status_code, response.json) == (
        200,
        {"is_australian_research_institution": expected},
    )


def test_institution_check_is_public_and_needs_an_email(client):
    response = client.get("/utils/register/check-australian-research-institution")
    assert response.status_code == 422
    assert response.json["detail"] == "Email is required."
