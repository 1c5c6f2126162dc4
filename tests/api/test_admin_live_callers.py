"""Admin authority needs a live account (issue 14, spec D16): a deleted, blocked or unknown
admin's still-valid token is refused on every route of `/admin` and `/biocommons-admin`, and
every admin write records its actor."""

import re

import pytest
from flask import current_app
from sqlalchemy import select

from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.identity.permissions import NO_LIVE_ACCOUNT
from aai.models import (
    BiocommonsUser,
    BiocommonsUserHistory,
    GroupMembership,
    GroupMembershipHistory,
    PlatformMembership,
    PlatformMembershipHistory,
)
from aai.worker.sync_users import sync_users
from tests.api.admin_fixtures import ADMIN_ROLE_OF, ADMINS, create_member
from tests.world import TSI, database_snapshot

GATED = ("/admin/", "/biocommons-admin/")
EVERY_ADMIN_ROLE = [ADMIN_ROLE_OF["biocommons"], ADMIN_ROLE_OF["galaxy"], ADMIN_ROLE_OF["tsi"]]


def gated_routes(user_id: str) -> list[tuple[str, str]]:
    """(method, path) for every rule of the admin blueprints, its arguments filled in."""
    routes = []
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith(GATED):
            continue
        values = {
            "user_id": user_id,
            "platform_id": "galaxy",
            "group_id": "tsi" if rule.rule.startswith("/biocommons-admin/") else TSI,
        }
        path = rule.build({key: values[key] for key in rule.arguments})[1]
        routes += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def auth0_writes(emulator) -> list[tuple]:
    return [
        (call["method"], call["path"])
        for call in emulator.requests()
        if call["method"] != "GET" and call["path"] != "/oauth/token"
    ]


def make_not_live(kind: str, admin: BiocommonsUser) -> str:
    """Turn the BioCommons admin into a deleted, blocked or unknown caller; their token's sub."""
    if kind == "deleted":
        admin.mark_deleted(admin, "left")
        db.session.flush()
    elif kind == "blocked":  # blocked in Auth0, as the users sync mirrors it
        auth0_client().update_user(admin.id, {"blocked": True})
        sync_users(auth0_client(), db.session, db.session.flush)
        assert db.session.get(BiocommonsUser, admin.id).is_deleted
    else:
        return "auth0|never-synced-admin"
    return admin.id


@pytest.mark.parametrize("kind", ["deleted", "blocked", "unknown"])
def test_an_admin_without_a_live_account_is_refused_everywhere(
    client, admin_world, emulator, make_token, kind
):
    member = create_member({"galaxy": "pending"}, {TSI: "pending"})
    sub = make_not_live(kind, admin_world.admins["biocommons"])
    headers = {"Authorization": f"Bearer {make_token(sub, roles=EVERY_ADMIN_ROLE)}"}
    before, writes_before = database_snapshot(), auth0_writes(emulator)
    routes = gated_routes(member.id)
    assert len(routes) >= 28  # every route of both blueprints, not a few
    for method, path in routes:
        answer = client.open(path, method=method, json={}, headers=headers)
        assert (answer.status_code, answer.json) == (403, {"detail": NO_LIVE_ACCOUNT}), path
    assert database_snapshot() == before
    assert auth0_writes(emulator) == writes_before


# --- every admin write records its actor ------------------------------------------------------

# Each POST route of /admin: the target member's memberships and the body of a write that
# succeeds. A route added without an entry here fails the test below.
WRITES = {
    "/admin/users/<user_id>/email/update": ({}, {"email": "moved@example.org"}),
    "/admin/users/<user_id>/username/update": ({}, {"username": "renamed_member"}),
    "/admin/users/<user_id>/delete": ({}, {"reason": "left"}),
    "/admin/users/<user_id>/delete_invalid_email": ({}, {"correct_email": "right@example.org"}),
    "/admin/users/<user_id>/verification-email/resend": ({}, None),  # writes nothing here
    "/admin/users/<user_id>/password-reset-email": ({}, None),  # writes nothing here
    "/admin/users/<user_id>/platforms/<platform_id>/approve": ({"sbp": "pending"}, None),
    "/admin/users/<user_id>/platforms/<platform_id>/revoke": ({"sbp": "approved"}, {"reason": "x"}),
    "/admin/users/<user_id>/groups/<path:group_id>/approve": ({TSI: "pending"}, None),
    "/admin/users/<user_id>/groups/<path:group_id>/reject": ({TSI: "pending"}, {"reason": "x"}),
    "/admin/users/<user_id>/groups/<path:group_id>/unreject": ({TSI: "rejected"}, None),
    "/admin/users/<user_id>/groups/<path:group_id>/revoke": ({TSI: "approved"}, {"reason": "x"}),
}


def test_the_write_list_covers_every_admin_write(app):
    posts = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/admin/") and "POST" in rule.methods
    }
    assert posts == set(WRITES)


def actors_of(user_id: str) -> set:
    """Who the rows written for the user say made the change: the deleter, the author of every
    history row (the member's fixtures write none) and of each membership changed."""
    db.session.expire_all()
    user = db.session.get(BiocommonsUser, user_id)
    actors = {user.deleted_by_id} if user.is_deleted else set()
    for membership, history, key in (
        (PlatformMembership, PlatformMembershipHistory, "platform_id"),
        (GroupMembership, GroupMembershipHistory, "group_id"),
    ):
        entries = list(db.session.scalars(select(history).filter_by(user_id=user_id)))
        actors |= {entry.updated_by_id for entry in entries}
        changed = {getattr(entry, key) for entry in entries}
        rows = db.session.scalars(select(membership).filter_by(user_id=user_id))
        actors |= {row.updated_by_id for row in rows if getattr(row, key) in changed}
    entries = db.session.scalars(select(BiocommonsUserHistory).filter_by(user_id=user_id))
    return actors | {entry.updated_by_id for entry in entries}


@pytest.mark.parametrize("rule", list(WRITES))
def test_every_admin_write_records_its_actor(client, admin_world, emulator, rule):
    memberships, body = WRITES[rule]
    platforms = {key: value for key, value in memberships.items() if key != TSI}
    groups = {key: value for key, value in memberships.items() if key == TSI}
    member = create_member({"galaxy": "approved", **platforms}, groups, email_verified=False)
    kind = "sbp" if "<platform_id>" in rule else "tsi" if "<path:group_id>" in rule else "galaxy"
    path = re.sub(r"<(?:path:)?(\w+)>", r"{\1}", rule).format(
        user_id=member.id, platform_id="sbp", group_id=TSI
    )
    answer = client.post(path, json=body, headers=admin_world.headers(kind))
    assert answer.status_code == 200, answer.json
    writes_nothing = rule.endswith(("resend", "password-reset-email"))
    assert actors_of(member.id) == (set() if writes_nothing else {ADMINS[kind][0]})
