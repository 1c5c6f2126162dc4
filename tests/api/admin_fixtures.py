"""Fixtures for the admin API tests (/admin, /biocommons-admin).

`admin_world` mirrors the emulator's demo tenant in the database: its roles (same ids), the
platforms' access roles, the TSI and SBP bundle groups, admin-role links, and the demo admins as
users. `member` adds a user to both Auth0 (through the Management API) and the database, with
memberships in the given states (approved ones also hold the Auth0 role). `admin_headers(kind)`
gives a bearer header for an admin of that kind.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.models import (
    ApprovalStatusEnum,
    Auth0Role,
    BiocommonsGroup,
    BiocommonsUser,
    EmailNotification,
    GroupRoleLink,
    Platform,
    PlatformEnum,
    PlatformRoleLink,
)
from tests import factories

TSI = "biocommons/group/tsi"
SBP_BUNDLE = "biocommons/group/sbp_workflow_execution"
BIOCOMMONS_ADMIN_ROLE = "biocommons/role/biocommons/admin"
# The emulator's demo roles (auth0_emulator/README.md): name -> id.
ROLE_IDS = {
    BIOCOMMONS_ADMIN_ROLE: "rol_4AXv7xxCXGhwmPia",
    "biocommons/platform/galaxy": "rol_7q4wGqg7jJaWgi7y",
    "biocommons/platform/bpa_data_portal": "rol_SoqTRmZSuo3AeIdG",
    "biocommons/platform/sbp": "rol_lposT3oCx9k88R9g",
    TSI: "rol_JmwV7ZFTVCxpy7QN",
    SBP_BUNDLE: "rol_oaMwhQ3btkd6zkp8",
    "biocommons/role/galaxy/admin": "rol_VCmB3a5nw0Q7FABH",
    "biocommons/role/bpa_data_portal/admin": "rol_Qw43C878KGrglbMR",
    "biocommons/role/sbp/admin": "rol_FqGiDaNCLwra7VIS",
    "biocommons/role/tsi/admin": "rol_Urp81VhIFpD3cdiG",
}
ADMIN_ROLE_OF = {
    "galaxy": "biocommons/role/galaxy/admin",
    "bpa_data_portal": "biocommons/role/bpa_data_portal/admin",
    "sbp": "biocommons/role/sbp/admin",
    "tsi": "biocommons/role/tsi/admin",
    "biocommons": BIOCOMMONS_ADMIN_ROLE,
}
# Admin kinds -> (user id, role names). The galaxy, TSI and BioCommons admins are demo users.
ADMINS = {
    "galaxy": ("auth0|587f99f2799e161ff49a100e", [ADMIN_ROLE_OF["galaxy"]]),
    "tsi": ("auth0|8575bb176874d3cefaeb6ac4", [ADMIN_ROLE_OF["tsi"]]),
    "biocommons": ("auth0|0a6ea82dffdf2464954b8750", [BIOCOMMONS_ADMIN_ROLE]),
    "sbp": ("auth0|5bf0c0ffee0000000000a001", [ADMIN_ROLE_OF["sbp"]]),
    "bpa_data_portal": ("auth0|5bf0c0ffee0000000000a002", [ADMIN_ROLE_OF["bpa_data_portal"]]),
    "galaxy_and_tsi": (
        "auth0|5bf0c0ffee0000000000a003",
        [ADMIN_ROLE_OF["galaxy"], ADMIN_ROLE_OF["tsi"]],
    ),
    "plain": ("auth0|fc0e0b3de5f0c8b06dfae779", ["biocommons/platform/galaxy"]),
}
STATUS = {status.value: status for status in ApprovalStatusEnum}
PLATFORM = {platform.value: platform for platform in PlatformEnum}
member_numbers = itertools.count(1)


def seed_admin_database() -> None:
    """Roles, platform access roles, groups, admin links and the admins' user rows."""
    db.session.add_all(
        Auth0Role(id=role_id, name=name, description=name) for name, role_id in ROLE_IDS.items()
    )
    db.session.flush()
    for platform in db.session.scalars(select(Platform)):
        platform.role_id = ROLE_IDS[f"biocommons/platform/{platform.id.value}"]
    db.session.add_all(
        [
            BiocommonsGroup(group_id=TSI, name="Threatened Species Initiative", short_name="TSI"),
            BiocommonsGroup(group_id=SBP_BUNDLE, name="SBP Workflow Execution", short_name="SBP"),
        ]
    )
    db.session.flush()
    db.session.add_all(
        PlatformRoleLink(platform_id=PLATFORM[kind], role_id=ROLE_IDS[ADMIN_ROLE_OF[kind]])
        for kind in ("galaxy", "bpa_data_portal", "sbp")
    )
    db.session.add(GroupRoleLink(group_id=TSI, role_id=ROLE_IDS[ADMIN_ROLE_OF["tsi"]]))
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
            role_ids.append(ROLE_IDS[f"biocommons/platform/{platform_id}"])
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
