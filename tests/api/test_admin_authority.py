"""Who may take which account action on whom (issue 14, spec D16, docs/decisions.md): every
admin kind × target kind × account action gets the documented answer, and a refusal changes
nothing, in the database or in Auth0."""

import itertools

import pytest
from sqlalchemy import func, select

from aai.access.authority import (
    ACCESS_OUTSIDE_YOUR_SCOPE,
    ACT_ON_YOURSELF_THROUGH_ME,
    TARGET_IS_AN_ADMIN,
)
from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.identity.permissions import CANNOT_MANAGE_USER
from aai.models import (
    BiocommonsUser,
    BiocommonsUserHistory,
    EmailNotification,
    GroupMembership,
    PlatformMembership,
)
from tests.api.admin_fixtures import ADMIN_ROLE_OF, create_member
from tests.world import ROLE_IDS, TSI

DEFAULTS = {"galaxy": "approved", "bpa_data_portal": "approved"}
# Target kinds: (platforms, groups, Auth0 admin role or None). "self" is the caller.
TARGETS = {
    "plain": (DEFAULTS, {}, None),
    "group_member": (DEFAULTS, {TSI: "approved"}, None),
    "outside": ({**DEFAULTS, "sbp": "approved"}, {TSI: "approved"}, None),
    "requester": ({"galaxy": "pending", "bpa_data_portal": "approved"}, {TSI: "rejected"}, None),
    "platform_admin": (DEFAULTS, {}, ADMIN_ROLE_OF["sbp"]),
    "group_admin": (DEFAULTS, {TSI: "approved"}, ADMIN_ROLE_OF["tsi"]),
    "biocommons_admin": (DEFAULTS, {}, ADMIN_ROLE_OF["biocommons"]),
}
ACTIONS = {
    "email/update": lambda n: {"email": f"changed{n}@example.org"},
    "username/update": lambda n: {"username": f"renamed{n}"},
    "password-reset-email": lambda n: None,
    "verification-email/resend": lambda n: None,
    "delete": lambda n: {"reason": "left"},
    "delete_invalid_email": lambda n: {"correct_email": f"right{n}@example.org"},
}
EVERY = set(ACTIONS)
RESEND_ONLY = {"verification-email/resend"}
NOT_DELETIONS = EVERY - {"delete", "delete_invalid_email"}
NOTHING: set[str] = set()
# The table of docs/decisions.md: caller kind -> target kind -> the actions allowed, and the
# refusal's detail for the others.
NO_LINK, OUTSIDE, ADMIN, SELF = (
    CANNOT_MANAGE_USER,
    ACCESS_OUTSIDE_YOUR_SCOPE,
    TARGET_IS_AN_ADMIN,
    ACT_ON_YOURSELF_THROUGH_ME,
)
# Group admins never delete: no platform of theirs links them to anyone for that.
GROUP_ADMIN_DELETIONS = {"delete": NO_LINK, "delete_invalid_email": NO_LINK}
ALLOWED = {
    "galaxy": {
        "plain": (EVERY, None),
        "group_member": (RESEND_ONLY, OUTSIDE),
        "outside": (RESEND_ONLY, OUTSIDE),
        "requester": (NOTHING, NO_LINK),
        "platform_admin": (NOTHING, ADMIN),
        # Resending is allowed despite outside access, but not to an admin.
        "group_admin": (NOTHING, {"*": OUTSIDE, "verification-email/resend": ADMIN}),
        "biocommons_admin": (NOTHING, ADMIN),
        "self": (NOTHING, SELF),
    },
    "tsi": {
        "plain": (NOTHING, NO_LINK),
        "group_member": (NOT_DELETIONS, NO_LINK),
        "outside": (RESEND_ONLY, {"*": OUTSIDE, **GROUP_ADMIN_DELETIONS}),
        "requester": (NOTHING, NO_LINK),
        "platform_admin": (NOTHING, NO_LINK),
        "group_admin": (NOTHING, {"*": ADMIN, **GROUP_ADMIN_DELETIONS}),
        "biocommons_admin": (NOTHING, NO_LINK),
        "self": (NOTHING, SELF),
    },
    "biocommons": {
        **{target: (EVERY, None) for target in TARGETS},
        "self": (NOTHING, SELF),
    },
}
numbers = itertools.count(1)


def target_of(kind: str, caller: str, admin_world) -> BiocommonsUser:
    if kind == "self":
        return admin_world.admins[caller]
    platforms, groups, admin_role = TARGETS[kind]
    user = create_member(platforms, groups, email_verified=False)
    if admin_role:
        auth0_client().add_user_roles(user.id, [ROLE_IDS[admin_role]])
    return user


def database_state(user_id: str) -> tuple:
    db.session.expire_all()
    user = db.session.get(BiocommonsUser, user_id)
    count = lambda query: db.session.scalar(select(func.count()).select_from(query.subquery()))  # noqa: E731
    return (
        (user.email, user.username, user.email_verified, user.is_deleted, user.deleted_by_id),
        count(select(BiocommonsUserHistory).where(BiocommonsUserHistory.user_id == user_id)),
        sorted(
            (m.platform_id.value, m.approval_status.value, m.updated_at)
            for m in db.session.scalars(select(PlatformMembership).filter_by(user_id=user_id))
        ),
        sorted(
            (m.group_id, m.approval_status.value, m.updated_at)
            for m in db.session.scalars(select(GroupMembership).filter_by(user_id=user_id))
        ),
        count(select(EmailNotification)),
    )


def auth0_writes(emulator) -> list[tuple]:
    """Every request that could change something in Auth0 (reads and token fetches aside)."""
    return [
        (call["method"], call["path"])
        for call in emulator.requests()
        if call["method"] != "GET" and call["path"] != "/oauth/token"
    ]


@pytest.mark.parametrize("caller", list(ALLOWED))
@pytest.mark.parametrize("target_kind", [*TARGETS, "self"])
def test_account_actions_follow_the_authority_table(
    client, admin_world, emulator, caller, target_kind
):
    allowed, refusal = ALLOWED[caller][target_kind]
    for action, body_of in ACTIONS.items():
        target = target_of(target_kind, caller, admin_world)
        body = body_of(next(numbers))
        before, writes_before = database_state(target.id), auth0_writes(emulator)
        answer = client.post(
            f"/admin/users/{target.id}/{action}", json=body, headers=admin_world.headers(caller)
        )
        cell = f"{caller} × {target_kind} × {action}: {answer.json}"
        if action in allowed:
            assert answer.status_code == 200, cell
            continue
        detail = refusal if isinstance(refusal, str) else refusal.get(action, refusal["*"])
        assert (answer.status_code, answer.json) == (403, {"detail": detail}), cell
        assert database_state(target.id) == before, cell
        assert auth0_writes(emulator) == writes_before, cell
        assert auth0_client().get_user(target.id)["email"] == target.email, cell
