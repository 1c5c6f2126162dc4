"""Sign-up (20 §8, portal call #32): BioCommons with bundles, SBP, and their consistency with
Auth0 when something fails half-way."""

import threading

import flask_migrate
import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from werkzeug.serving import make_server

from aai import create_app
from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.models import (
    ApprovalStatusEnum,
    BiocommonsUser,
    BiocommonsUserHistory,
    GroupMembership,
    PlatformEnum,
    PlatformMembership,
    PlatformMembershipHistory,
)
from tests.api.user_fixtures import TSI_ADMIN_EMAIL, error_body
from tests.settings import emulator_settings
from tests.world import RECAPTCHA_PASS, ROLE_IDS, SBP_BUNDLE, TSI

PASSWORD = "Str0ng-Passw0rd!"
APPROVED, PENDING = ApprovalStatusEnum.APPROVED, ApprovalStatusEnum.PENDING
USERNAME_TAKEN = {"field": "username", "message": "Username is already taken"}
EMAIL_TAKEN = {"field": "email", "message": "Email is already taken"}


def registration(**overrides) -> dict:
    body = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@unsw.edu.au",
        "username": "ada_lovelace",
        "password": PASSWORD,
        "recaptcha_token": RECAPTCHA_PASS,
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def register(client, **overrides):
    return client.post("/biocommons/register", json=registration(**overrides))


def db_user(username: str = "ada_lovelace") -> BiocommonsUser | None:
    db.session.expire_all()
    return db.session.scalars(select(BiocommonsUser).filter_by(username=username)).one_or_none()


def auth0_users(email: str = "ada@unsw.edu.au") -> list[dict]:
    return auth0_client().users_by_email(email)


def role_names(user_id: str) -> set[str]:
    return {role["name"] for role in auth0_client().get_user_roles(user_id)}


# --- success -------------------------------------------------------------------------------------


def test_registration_with_bundles(client, bundles, outbox, emulator):
    response = register(
        client,
        bundles=[
            {"bundle_id": "tsi", "reason": " quolls "},
            {"bundle_id": "sbp_workflow_execution"},
        ],
    )

    assert response.status_code == 200
    body = response.json
    assert body["message"] == "User registered successfully"
    record = body["user"]
    assert (record["email"], record["username"], record["email_verified"]) == (
        "ada@unsw.edu.au",
        "ada_lovelace",
        False,
    )
    assert (record["name"], record["given_name"], record["family_name"]) == (
        "Ada Lovelace",
        "Ada",
        "Lovelace",
    )
    assert record["app_metadata"] == {"registration_from": "biocommons"}

    user = db_user()
    assert (user.id, user.email, user.email_verified) == (
        record["user_id"],
        "ada@unsw.edu.au",
        False,
    )
    platforms = {m.platform_id: m for m in db.session.scalars(select(PlatformMembership))}
    assert set(platforms) == {PlatformEnum.GALAXY, PlatformEnum.BPA_DATA_PORTAL}
    assert all(
        m.approval_status is APPROVED and m.updated_by_id is None for m in platforms.values()
    )
    history = db.session.scalars(select(PlatformMembershipHistory).filter_by(user_id=user.id)).all()
    assert sorted(h.platform_id.value for h in history) == ["bpa_data_portal", "galaxy"]
    groups = {m.group_id: m for m in db.session.scalars(select(GroupMembership))}
    assert (groups[TSI].approval_status, groups[TSI].request_reason) == (PENDING, "quolls")
    assert (groups[SBP_BUNDLE].approval_status, groups[SBP_BUNDLE].request_reason) == (
        PENDING,
        None,
    )

    # Auth0: the default platforms' roles only (bundle groups wait for an admin).
    assert role_names(user.id) == {
        "biocommons/platform/galaxy",
        "biocommons/platform/bpa_data_portal",
    }
    assert ("verification_email", "ada@unsw.edu.au") in {
        (email["type"], email["to"]) for email in emulator.emails()
    }
    # Emails: TSI's admin, and two confirmations to the registrant.
    assert [row.subject for row in outbox(TSI_ADMIN_EMAIL)] == [
        "Threatened Species Initiative Service Bundle request"
    ]
    assert sorted(row.subject for row in outbox("ada@unsw.edu.au")) == [
        "Your SBP Workflow Execution Service Bundle request has been received",
        "Your Threatened Species Initiative Service Bundle request has been received",
    ]
    assert "Dear Ada" in outbox("ada@unsw.edu.au")[0].body_text


def test_registration_without_bundles_and_with_the_legacy_bundle_field(client, bundles, outbox):
    assert register(client).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(GroupMembership)) == 0
    assert outbox() == []

    response = register(
        client,
        username="grace",
        email="grace@example.org",
        bundle="tsi",
        request_reason="frogs",
    )
    assert response.status_code == 200
    (membership,) = db.session.scalars(select(GroupMembership)).all()
    assert (membership.group_id, membership.request_reason) == (TSI, "frogs")


def test_registration_takes_the_email_domain_in_lower_case(client, bundles):
    assert register(client, email="Ada@UNSW.EDU.AU").status_code == 200
    assert db_user().email == "Ada@unsw.edu.au"


# --- refusals before Auth0 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (None, "Recaptcha token is required"),
        ("", "Recaptcha token is required"),
        ("wrong", "Invalid recaptcha token, please try again"),
    ],
)
def test_recaptcha_is_required(client, bundles, emulator, token, message):
    response = client.post(
        "/biocommons/register", json={**registration(), "recaptcha_token": token}
    )
    assert (response.status_code, response.json) == (400, error_body(message))
    assert emulator.requests(method="POST", path="/api/v2/users") == []


@pytest.mark.parametrize(
    ("overrides", "message", "field_errors"),
    [
        ({"username": "ab"}, "Username must be at least 3 characters.", ["username"]),
        ({"email": "not-an-email"}, "An email address must have an @-sign.", ["email"]),
        ({"password": "weak"}, "Password must be at least 8 characters.", []),
        ({"first_name": ""}, "First name must be at least 1 character.", []),
        ({"last_name": "x" * 151}, "Last name must be 150 characters or less.", []),
        ({"first_name": None}, "First name is required.", []),
        ({"bundles": [{"bundle_id": "galaxy"}]}, "Unknown bundle: galaxy.", []),
        (
            {"bundles": [{"bundle_id": "tsi", "reason": "r" * 256}]},
            "Bundle reason must be 255 characters or less.",
            [],
        ),
        (
            {"bundles": [{"bundle_id": "tsi"}], "bundle": "tsi"},
            None,  # the same bundle twice is merged, not an error
            None,
        ),
        (
            {"bundles": [{"bundle_id": "tsi"}, {"bundle_id": "tsi"}]},
            "Each bundle may be chosen only once.",
            [],
        ),
        ({"terms": True}, None, None),  # unknown fields are ignored, as the original
    ],
)
def test_validation_follows_the_registration_trap(
    client, bundles, emulator, overrides, message, field_errors
):
    response = register(client, **overrides)
    if message is None:
        assert response.status_code == 200
        return
    assert response.status_code == 400
    # Only username and email errors are field errors: any other would block re-submission.
    expected = [{"field": name, "message": message} for name in field_errors]
    assert response.json == error_body(message, expected)
    assert emulator.requests(method="POST", path="/api/v2/users") == []


def test_several_failures_are_all_reported(client, bundles):
    response = register(client, username="A", email="bad", password="x")
    assert response.status_code == 400
    fields = {item["field"] for item in response.json["field_errors"]}
    assert fields == {"username", "email"}
    assert "Password must be at least 8 characters." in response.json["message"]


@pytest.mark.parametrize(
    ("existing", "message", "field_errors"),
    [
        ({"username": "ada_lovelace"}, "Username is already taken", [USERNAME_TAKEN]),
        ({"email": "ADA@unsw.edu.au"}, "Email is already taken", [EMAIL_TAKEN]),
        (
            {"username": "ada_lovelace", "email": "ada@unsw.edu.au", "is_deleted": True},
            "Username and email are already taken",
            [USERNAME_TAKEN, EMAIL_TAKEN],
        ),
    ],
)
def test_taken_in_the_database_never_reaches_auth0(
    client, bundles, make_user, emulator, existing, message, field_errors
):
    make_user(**existing)
    response = register(client)
    assert (response.status_code, response.json) == (400, error_body(message, field_errors))
    assert emulator.requests(method="POST", path="/api/v2/users") == []


def test_a_username_in_someone_s_history_is_taken(client, bundles, make_user):
    other = make_user()
    db.session.add(BiocommonsUserHistory(user_id=other.id, username="ada_lovelace"))
    db.session.flush()
    response = register(client)
    assert response.json["field_errors"] == [USERNAME_TAKEN]


def test_sbp_bundle_needs_an_institutional_email(client, bundles, emulator):
    response = register(
        client, email="ada@gmail.com", bundles=[{"bundle_id": "sbp_workflow_execution"}]
    )
    message = (
        "The SBP Workflow Execution bundle is only available with an email address of an "
        "Australian research institution."
    )
    assert (response.status_code, response.json) == (400, error_body(message))
    assert emulator.requests(method="POST", path="/api/v2/users") == []


def test_a_bundle_without_its_group_is_refused_before_auth0(client, emulator):
    response = register(client, bundles=[{"bundle_id": "tsi"}])
    assert (response.status_code, response.json) == (
        400,
        error_body("The tsi bundle is not available at the moment."),
    )
    assert emulator.requests(method="POST", path="/api/v2/users") == []


# --- Auth0's answers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("auth0_user", "message", "field_errors"),
    [
        ({"username": "ada_lovelace"}, "Username is already taken", [USERNAME_TAKEN]),
        ({"email": "ada@unsw.edu.au"}, "Email is already taken", [EMAIL_TAKEN]),
        (
            {"username": "ada_lovelace", "email": "ada@unsw.edu.au"},
            "Username and email are already taken",
            [USERNAME_TAKEN, EMAIL_TAKEN],
        ),
    ],
)
def test_taken_in_auth0_only(client, bundles, auth0_user, message, field_errors):
    fields = {"email": "someone@example.org", "username": "someone", **auth0_user}
    auth0_client().create_user(
        {**fields, "password": PASSWORD, "connection": "Username-Password-Authentication"}
    )
    response = register(client)
    assert (response.status_code, response.json) == (400, error_body(message, field_errors))
    assert db_user() is None


def test_conflict_that_auth0_cannot_explain(client, bundles, emulator):
    emulator.add_fault("POST", "/api/v2/users", status=409)
    response = register(client)
    assert (response.status_code, response.json) == (
        400,
        error_body("Username or email is already taken"),
    )


def test_other_auth0_refusal_is_reported(client, bundles, emulator):
    emulator.add_fault("POST", "/api/v2/users", status=400)
    response = register(client)
    assert response.status_code == 400
    assert response.json["message"].startswith("Auth0 error: ")
    assert response.json["field_errors"] == []


def test_auth0_down_writes_nothing(client, bundles, emulator):
    emulator.add_fault("POST", "/api/v2/users", status=503)
    response = register(client)
    assert response.status_code == 503
    assert isinstance(response.json["detail"], str)
    assert db_user() is None


# --- failures after Auth0 created the user -------------------------------------------------------


def failing_commit(monkeypatch):
    def fail():
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(db.session, "commit", fail)


def test_database_failure_removes_the_new_auth0_user(client, bundles, monkeypatch, emulator):
    failing_commit(monkeypatch)
    assert register(client).status_code == 503  # the failed commit: database unavailable
    assert auth0_users() == []
    created = emulator.requests(method="POST", path="/api/v2/users")[0]
    assert created["status"] == 201
    assert len(emulator.requests(method="DELETE", path="/api/v2/users/")) == 1
    monkeypatch.undo()
    assert db_user() is None


def test_when_auth0_cannot_delete_the_user_is_blocked_and_flagged(
    client, bundles, monkeypatch, emulator
):
    failing_commit(monkeypatch)
    emulator.add_fault("DELETE", "/api/v2/users/", status=503, count=3)
    assert register(client).status_code == 503  # the failed commit: database unavailable
    (left,) = auth0_users()
    assert left["blocked"] is True
    assert left["app_metadata"]["registration_incomplete"] is True


def test_role_assignment_failure_removes_the_auth0_user(client, bundles, emulator):
    emulator.add_fault("POST", "/api/v2/users/", status=503, count=3)  # .../roles
    response = register(client)
    assert response.status_code == 503
    assert auth0_users() == []
    assert db_user() is None


# --- SBP -----------------------------------------------------------------------------------------


def test_sbp_registration(client, bundles, make_account, outbox):
    admin = make_account(email="sbp.lead@example.org", name="Rosalind Franklin")
    auth0_client().add_user_roles(admin.user.id, [ROLE_IDS["biocommons/role/sbp/admin"]])
    body = registration(email="ada@UNSW.edu.au", request_reason="<b>crystals</b>")
    del body["recaptcha_token"]
    response = client.post("/sbp/register", json=body)
    assert response.status_code == 200
    assert response.json["message"] == "User registered successfully. Approval pending."
    record = response.json["user"]
    assert record["app_metadata"] == {"registration_from": "sbp"}
    assert record["user_metadata"] == {"sbp": {"registration_reason": "<b>crystals</b>"}}
    user = db_user()
    (membership,) = db.session.scalars(select(PlatformMembership).filter_by(user_id=user.id))
    assert (membership.platform_id, membership.approval_status, membership.request_reason) == (
        PlatformEnum.SBP,
        PENDING,
        "<b>crystals</b>",
    )
    assert role_names(user.id) == set()
    (notice,) = outbox("sbp.lead@example.org")
    assert notice.subject == "New Structural Biology Platform User Registration"
    assert "&lt;b&gt;crystals&lt;/b&gt;" in notice.body_html  # escaped (20 §11 quirk 17)
    assert outbox("ada@unsw.edu.au") == []


@pytest.mark.parametrize(
    "email", ["ada@evilunsw.edu.au", "ada@student.unsw.edu.au.evil.com", "ada@gmail.com"]
)
def test_sbp_registration_needs_an_approved_domain(client, emulator, email):
    body = {
        k: v
        for k, v in registration(email=email, request_reason="r").items()
        if k != "recaptcha_token"
    }
    response = client.post("/sbp/register", json=body)
    assert response.status_code == 400
    assert response.json["message"].startswith(
        "Email domain not approved for SBP registration. Please use an email from an approved "
        "domain: unsw.edu.au, ad.unsw.edu.au,"
    )
    assert response.json["field_errors"] == []
    assert emulator.requests(method="POST", path="/api/v2/users") == []


def test_sbp_registration_does_not_exist_in_production(emulator_server):
    production = create_app(
        emulator_settings(emulator_server, DB_URL="sqlite://", ENVIRONMENT="prod")
    )
    response = production.test_client().post("/sbp/register", json={})
    assert response.status_code == 404
    assert "/sbp/register" not in production.test_client().get("/openapi.json").json["paths"]


def test_registration_is_rate_limited(client, bundles):
    statuses = [
        register(client, username=f"user{number}", email=f"user{number}@example.org").status_code
        for number in range(11)
    ]
    assert statuses == [200] * 10 + [429]


# --- concurrency: a real server on PostgreSQL ----------------------------------------------------


@pytest.fixture
def live_server(pg_cluster, emulator):
    """aai served over HTTP by threads, on its own migrated PostgreSQL database."""
    url = pg_cluster.create_database("aai_concurrent_registration")
    app = create_app(emulator_settings(emulator, DB_URL=url, RATELIMIT_REGISTRATION="100/minute"))
    with app.app_context():
        flask_migrate.upgrade()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


def test_concurrent_registrations_create_exactly_one_user(live_server):
    app, base = live_server
    barrier = threading.Barrier(10)
    responses = []

    def attempt():
        barrier.wait()
        responses.append(httpx.post(f"{base}/biocommons/register", json=registration(), timeout=30))

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [400] * 9
    # A loser may find the winner's username, email or both taken, depending on which check
    # or constraint it reaches first; each is a correct answer.
    taken = [
        error_body("Username and email are already taken", [USERNAME_TAKEN, EMAIL_TAKEN]),
        error_body("Username is already taken", [USERNAME_TAKEN]),
        error_body("Email is already taken", [EMAIL_TAKEN]),
        error_body("Username or email is already taken", []),
    ]
    for response in responses:
        if response.status_code == 400:
            assert response.json() in taken
    with app.app_context():
        assert len(auth0_client().users_by_email("ada@unsw.edu.au")) == 1
        count = select(func.count()).select_from(BiocommonsUser)
        assert db.session.scalar(count.where(BiocommonsUser.username == "ada_lovelace")) == 1
        assert db.session.scalar(select(func.count()).select_from(PlatformMembership)) == 2
        db.session.remove()


def test_unknown_fields_are_ignored_and_never_applied(client, bundles, emulator):
    """Forward compatible, as the original: a field this version does not know (a newer
    portal's) does not break sign-up, and one that names a real setting changes nothing."""
    response = register(
        client,
        email_verified=True,
        user_id="auth0|chosen-by-the-caller",
        app_metadata={"registration_from": "sbp"},
        newsletter=True,
    )
    assert response.status_code == 200, response.json
    (created,) = auth0_users()
    assert created["email_verified"] is False
    assert created["user_id"] != "auth0|chosen-by-the-caller"
    assert created["app_metadata"]["registration_from"] == "biocommons"
    assert db_user().email_verified is False
