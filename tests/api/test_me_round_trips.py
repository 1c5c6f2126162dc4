"""The database statements each `/me` read costs (issue 17): every portal page makes these
calls, so a statement more per call is a cost every user pays. Counted on the wire (each
statement aai's connection sends), so an added lookup cannot slip in unnoticed."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from aai.models import ApprovalStatusEnum, PlatformEnum

# The test harness's own transaction control (each test runs in a rolled-back transaction,
# requests in SAVEPOINTs; SQLite's explicit BEGIN), not the request's work.
HARNESS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN")
BIOCOMMONS_ADMIN = "biocommons/role/biocommons/admin"


@contextmanager
def statements():
    """The SQL statements sent while the block runs."""
    sent: list[str] = []

    def note(_conn, _cursor, statement, _parameters, _context, _executemany):
        if not statement.lstrip().upper().startswith(HARNESS):
            sent.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", note)


@pytest.fixture
def member(make_account, bundles, make_platform_membership, make_group_membership):
    account = make_account()
    make_platform_membership(user=account.user, platform_id=PlatformEnum.GALAXY)
    make_platform_membership(
        user=account.user,
        platform_id=PlatformEnum.SBP,
        approval_status=ApprovalStatusEnum.REVOKED,
    )
    make_group_membership(
        user=account.user, group=bundles["tsi"], approval_status=ApprovalStatusEnum.PENDING
    )
    return account


@pytest.mark.parametrize(
    ("path", "count"),
    [
        ("/me/platforms", 1),
        ("/me/platforms/approved", 1),
        ("/me/groups", 1),
        ("/me/groups/pending", 1),
        ("/me/all/pending", 2),
        ("/me/is-general-admin", 1),  # the cache version: the admin scope of its roles is cached
    ],
)
def test_a_me_read_costs_one_statement_per_list(client, member, path, count):
    assert client.get(path, headers=member.headers).status_code == 200  # warms the caches
    with statements() as sent:
        response = client.get(path, headers=member.headers)
    assert response.status_code == 200
    assert len(sent) == count, sent


def test_a_biocommons_admin_is_answered_from_the_token_alone(client, make_token):
    headers = {"Authorization": f"Bearer {make_token('auth0|nobody', roles=[BIOCOMMONS_ADMIN])}"}
    with statements() as sent:
        response = client.get("/me/is-general-admin", headers=headers)
    assert response.json is True
    assert sent == []


def test_a_first_profile_costs_four_statements_and_one_auth0_call(client, member, emulator):
    userinfo_calls = len(emulator.requests(path="/userinfo"))
    with statements() as sent:
        response = client.get("/me/profile", headers=member.headers)
    assert response.status_code == 200
    assert [m["platform_id"] for m in response.json["platform_memberships"]] == ["galaxy"]
    assert [g["approval_status"] for g in response.json["group_memberships"]] == ["pending"]
    assert len(sent) == 4, sent  # the cache version, the user, the platforms, the groups
    assert len(emulator.requests(path="/userinfo")) == userinfo_calls + 1


def test_a_repeated_profile_costs_one_statement_and_no_auth0_call(client, member, emulator):
    first = client.get("/me/profile", headers=member.headers)
    userinfo_calls = len(emulator.requests(path="/userinfo"))
    with statements() as sent:
        response = client.get("/me/profile", headers=member.headers)
    assert response.json == first.json
    assert len(sent) == 1, sent  # the cache version
    assert len(emulator.requests(path="/userinfo")) == userinfo_calls
