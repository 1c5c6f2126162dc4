"""The Auth0 time budget of a request, and changes whose Auth0 outcome is unknown (issue 14):
a registration with a slow Auth0 answers 503 JSON within the budget, records what it may have
changed, and the worker's reconcile job brings the database in line with Auth0."""

import time
from urllib.parse import quote

import pytest
from sqlalchemy import select

from aai.config import ConfigError, load_config
from aai.extensions import db
from aai.identity.auth0 import (
    Auth0Client,
    Auth0Settings,
    Auth0UnavailableError,
    UnknownOutcome,
    auth0_client,
)
from aai.models import (
    ApprovalStatusEnum,
    Auth0PendingCheck,
    BiocommonsUser,
    PlatformEnum,
    PlatformMembership,
)
from aai.worker.reconcile import reconcile_unknown_outcomes
from tests.api.test_register import register
from tests.pg_cluster import free_port
from tests.settings import settings

BUDGET = 1.5
SLOW = 2.5  # each Auth0 call answers after this long: longer than the whole budget
EMAIL, USERNAME = "ada@unsw.edu.au", "ada_lovelace"


@pytest.fixture
def small_budget(app, emulator, monkeypatch):
    """The app's Auth0 budget cut to BUDGET seconds, with a Management token already held (so
    the first call of the registration is its first Auth0 call)."""
    monkeypatch.setitem(app.config, "AUTH0_REQUEST_BUDGET_SECONDS", BUDGET)
    auth0_client().management_token()


def eventually(condition, seconds: float = 10):
    """Wait for something the emulator finishes after aai gave up (a delayed request)."""
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        assert time.monotonic() < deadline, "the emulator never finished the delayed request"
        time.sleep(0.1)
    return result


def pending_checks() -> list[Auth0PendingCheck]:
    db.session.expire_all()
    return list(db.session.scalars(select(Auth0PendingCheck)))


def stored_user() -> BiocommonsUser | None:
    db.session.expire_all()
    return db.session.scalars(select(BiocommonsUser).filter_by(email=EMAIL)).one_or_none()


def reconcile():
    """The worker's job, run as tests/worker/ run the sync steps (checks of any age)."""
    return reconcile_unknown_outcomes(auth0_client(), db.session, db.session.flush, 0)


def approved_platforms(user_id: str) -> set[PlatformEnum]:
    query = select(PlatformMembership.platform_id).where(
        PlatformMembership.user_id == user_id,
        PlatformMembership.active(),
        PlatformMembership.approval_status == ApprovalStatusEnum.APPROVED,
    )
    return set(db.session.scalars(query))


def platforms_in_auth0(user_id: str) -> set[PlatformEnum]:
    prefix = "biocommons/platform/"
    names = [role["name"] for role in auth0_client().get_user_roles(user_id)]
    return {PlatformEnum(name[len(prefix) :]) for name in names if name.startswith(prefix)}


def test_registration_with_every_auth0_call_slow_is_503_within_the_budget(
    client, bundles, emulator, small_budget
):
    """Before: each slow call was waited for (and retried), past a proxy's 60 s."""
    emulator.add_fault("*", "/api/v2/", delay=SLOW, count=100)
    emulator.add_fault("*", "/oauth/", delay=SLOW, count=100)
    started = time.monotonic()
    response = register(client)
    elapsed = time.monotonic() - started
    emulator.clear_faults()

    assert response.status_code == 503
    assert response.json == {"detail": "Auth0 did not answer in time. Please try again shortly."}
    assert elapsed < BUDGET + 0.5
    assert stored_user() is None

    # The creation was sent and got no answer: recorded, and Auth0 did create the user.
    (check,) = pending_checks()
    assert (check.user_id, check.email, check.action) == (None, EMAIL, "POST /api/v2/users")
    (created,) = eventually(lambda: auth0_client().users_by_email(EMAIL))

    report = reconcile()

    user = stored_user()
    assert (user.id, user.username, user.is_deleted) == (created["user_id"], USERNAME, False)
    assert report.created == 1
    assert pending_checks() == []


def test_a_role_grant_of_unknown_outcome_is_reconciled(client, bundles, emulator, small_budget):
    """The user is created, then the default platforms' roles time out (Auth0 grants them
    after all); the registration's undo finds the budget spent. The worker's job adopts the
    user and their approved platforms, as the hourly sync would have, hours earlier."""
    emulator.add_fault("POST", "/api/v2/users/", delay=SLOW)  # .../roles

    response = register(client)

    assert response.status_code == 503
    assert stored_user() is None
    (check,) = pending_checks()
    (created,) = auth0_client().users_by_email(EMAIL)
    assert check.user_id == created["user_id"]
    assert check.action == f"POST /api/v2/users/{quote(created['user_id'], safe='')}/roles"
    granted = eventually(lambda: platforms_in_auth0(created["user_id"]))

    reconcile()

    assert stored_user().id == created["user_id"]
    assert approved_platforms(created["user_id"]) == granted
    assert pending_checks() == []


# --- the client's judgement: sent without an answer, or never sent -----------------------------


@pytest.fixture
def outcomes():
    return []


def client_at(base_url: str, outcomes: list[UnknownOutcome], emulator) -> Auth0Client:
    settings = Auth0Settings(
        base_url=base_url,
        client_id=emulator.management_client_id,
        client_secret=emulator.management_client_secret,
        connection="Username-Password-Authentication",
        timeout=2.0,
    )
    client = Auth0Client(settings)
    client.on_unknown_outcome = outcomes.append
    return client


def test_a_dropped_connection_after_sending_is_an_unknown_outcome(emulator, outcomes):
    client = client_at(emulator.url, outcomes, emulator)
    client.management_token()
    emulator.add_fault("DELETE", "/api/v2/users/", drop=True, count=3)

    with pytest.raises(Auth0UnavailableError):
        client.delete_user("auth0|someone")

    assert [(outcome.action, outcome.user.user_id) for outcome in outcomes] == [
        ("DELETE /api/v2/users/auth0%7Csomeone", "auth0|someone")
    ]


def test_a_change_that_never_connected_is_not_an_unknown_outcome(emulator, outcomes):
    client = client_at(f"http://127.0.0.1:{free_port()}", outcomes, emulator)
    client._token, client._token_expires_at = "unused", time.monotonic() + 60  # noqa: S105

    with pytest.raises(Auth0UnavailableError):
        client.delete_user("auth0|someone")

    assert outcomes == []


# --- settings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        (
            {"AUTH0_REQUEST_BUDGET_SECONDS": "59"},
            "AUTH0_REQUEST_BUDGET_SECONDS must be at most 45",
        ),
        (
            {"AUTH0_JWKS_REFRESH_SECONDS": "10", "AUTH0_JWKS_COOLDOWN_SECONDS": "30"},
            "AUTH0_JWKS_COOLDOWN_SECONDS must not exceed AUTH0_JWKS_REFRESH_SECONDS",
        ),
        ({"AUTH0_JWKS_WAIT_SECONDS": "0"}, "AUTH0_JWKS_WAIT_SECONDS is malformed"),
    ],
)
def test_auth0_time_settings_are_checked_at_start(overrides, problem):
    with pytest.raises(ConfigError) as raised:
        load_config(settings(**overrides))
    assert any(line.startswith(problem) for line in raised.value.problems)
