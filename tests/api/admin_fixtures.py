"""Fixtures for the admin API tests (/admin, /biocommons-admin).

`admin_world` is the shared test world (tests/world.py: the emulator's demo seed as the database
holds it) plus the admins as users. `member` adds a user to both Auth0 (through the Management
API) and the database, with memberships in the given states (approved ones also hold the Auth0
role). `admin_headers(kind)` gives a bearer header for an admin of that kind.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.models import ApprovalStatusEnum, BiocommonsUser, EmailNotification, PlatformEnum
from tests import factories
from tests.world import (
    BIOCOMMONS_ADMIN_ROLE,
    ROLE_IDS,
    USER_IDS,
    platform_role_id,
    seed_reference_data,
)

ADMIN_ROLE_OF = {
    "galaxy": "biocommons/role/galaxy/admin",
    "bpa_data_portal": "biocommons/role/bpa_data_portal/admin",
    "sbp": "biocommons/role/sbp/admin",
    "tsi": "biocommons/role/tsi/admin",
    "biocommons": BIOCOMMONS_ADMIN_ROLE,
}
# Admin kinds -> (user id, role names). The galaxy, TSI and BioCommons admins and the plain user
# are the seed's demo users; the others exist only in the database and their tokens.
ADMINS = {
    "galaxy": (USER_IDS["galaxy.admin@example.org"], [ADMIN_ROLE_OF["galaxy"]]),
    "tsi": (USER_IDS["tsi.admin@example.org"], [ADMIN_ROLE_OF["tsi"]]),
    "biocommons": (USER_IDS["biocommons.admin@example.org"], [BIOCOMMONS_ADMIN_ROLE]),
    "sbp": ("auth0|5bf0c0ffee0000000000a001", [ADMIN_ROLE_OF["sbp"]]),
    "bpa_data_portal": ("auth0|5bf0c0ffee0000000000a002", [ADMIN_ROLE_OF["bpa_data_portal"]]),
    "galaxy_and_tsi": (
        "auth0|5bf0c0ffee0000000000a003",
        [ADMIN_ROLE_OF["galaxy"], ADMIN_ROLE_OF["tsi"]],
    ),
    "plain": (USER_IDS["approved.user@example.org"], ["biocommons/platform/galaxy"]),
}
STATUS = {status.value: status for status in ApprovalStatusEnum}
PLATFORM = {platform.value: platform for platform in PlatformEnum}
member_numbers = itertools.count(1)


def seed_admin_database() -> None:
    """The shared world's reference data, and the admins' user rows."""
    seed_reference_data()
    for kind, (user_id, _roles) in ADMINS.items():
        if kind != "plain":
            factories.make_user(
                id=user_id,
                email=f"{kind}.admin@example.org".replace("_", "-"),
                username=f"{kind}_admin",
                created_at=datetime(2024, 1, 1, tzinfo=UTC),
            )
    db.session.flush()


@dataclass
class AdminWorld:
    make_token: Callable[..., str]
    admins: dict[str, BiocommonsUser] = field(default_factory=dict)

    def headers(self, kind: str, roles: list[str] | None = None) -> dict:
        user_id, default_roles = ADMINS[kind]
        token = self.make_token(user_id, roles=default_roles if roles is None else roles)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin_world(app, emulator, make_token) -> AdminWorld:
    seed_admin_database()
    world = AdminWorld(make_token)
    for kind, (user_id, _roles) in ADMINS.items():
        world.admins[kind] = db.session.get(BiocommonsUser, user_id)
    return world


@pytest.fixture
def admin_headers(admin_world) -> Callable[..., dict]:
    return admin_world.headers


def create_member(
    platforms: dict[str, str] | None = None,
    groups: dict[str, str] | None = None,
    *,
    in_auth0: bool = True,
    email_verified: bool = True,
    **user_fields,
) -> BiocommonsUser:
    """A user in Auth0 (unless `in_auth0=False`) and the database, with memberships.

    `platforms` maps platform ids to statuses, `groups` group ids to statuses; approved
    memberships also hold their Auth0 role, as the sync would leave them.
    """
    number = next(member_numbers)
    values = {
        "id": f"auth0|{number:024x}",
        "email": f"member{number}@example.org",
        "username": f"member{number}",
        "email_verified": email_verified,
        "created_at": datetime(2024, 6, 1, tzinfo=UTC) + timedelta(minutes=number),
        **user_fields,
    }
    user = factories.make_user(**values)
    role_ids = []
    for platform_id, status in (platforms or {}).items():
        factories.make_platform_membership(
            user=user, platform_id=PLATFORM[platform_id], approval_status=STATUS[status]
        )
        if status == "approved":
            role_ids.append(platform_role_id(platform_id))
    for group_id, status in (groups or {}).items():
        requested_at = datetime(2025, 2, 1, tzinfo=UTC) if status == "pending" else None
        factories.make_group_membership(
            user=user, group_id=group_id, approval_status=STATUS[status], requested_at=requested_at
        )
        if status == "approved":
            role_ids.append(ROLE_IDS[group_id])
    if in_auth0:
        _create_in_auth0(user, role_ids)
    return user


def _create_in_auth0(user: BiocommonsUser, role_ids: list[str]) -> None:
    auth0 = auth0_client()
    auth0.create_user(
        {
            "user_id": user.id,
            "connection": auth0.settings.connection,
            "email": user.email,
            "username": user.username,
            "password": "Member-Passw0rd!",
            "email_verified": user.email_verified,
            "verify_email": False,
            "given_name": "Member",
            "name": f"Member {user.username}",
        }
    )
    if role_ids:
        auth0.add_user_roles(user.id, role_ids)


@pytest.fixture
def member(admin_world) -> Callable[..., BiocommonsUser]:
    return create_member


def outbox() -> list[EmailNotification]:
    return list(
        db.session.scalars(select(EmailNotification).order_by(EmailNotification.created_at))
    )


def auth0_role_names(user_id: str) -> set[str]:
    return {role["name"] for role in auth0_client().get_user_roles(user_id)}
