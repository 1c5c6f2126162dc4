"""The one test world: the emulator's demo seed (auth0_emulator/seeds/demo.json) as the database
holds it after a sync. Role and user ids are read from the seed file, never copied, so the API,
worker and emulator tests all agree with the tenant the emulator actually serves.
"""

from sqlalchemy import select

from aai.extensions import db
from aai.models import (
    Auth0Role,
    BiocommonsGroup,
    GroupRoleLink,
    Platform,
    PlatformEnum,
    PlatformRoleLink,
)
from auth0_emulator.seed import load_seed

SEED = load_seed()
ROLE_IDS = {role["name"]: role["id"] for role in SEED["roles"]}
USER_IDS = {user["email"]: user["user_id"] for user in SEED["users"]}
RECAPTCHA_PASS = SEED["recaptcha_pass_token"]

TSI = "biocommons/group/tsi"
SBP_BUNDLE = "biocommons/group/sbp_workflow_execution"
BIOCOMMONS_ADMIN_ROLE = "biocommons/role/biocommons/admin"
GROUPS = {
    TSI: ("Threatened Species Initiative", "TSI"),
    SBP_BUNDLE: ("SBP Workflow Execution", "SBP"),
}
# Which admin role administers what: the platforms' and the TSI group's admin links.
PLATFORM_ADMIN_ROLES = {
    PlatformEnum.GALAXY: "biocommons/role/galaxy/admin",
    PlatformEnum.BPA_DATA_PORTAL: "biocommons/role/bpa_data_portal/admin",
    PlatformEnum.SBP: "biocommons/role/sbp/admin",
}
GROUP_ADMIN_ROLES = {TSI: "biocommons/role/tsi/admin"}


def platform_role_id(platform_id: str) -> str:
    """The Auth0 role that grants access to a platform (e.g. `galaxy`)."""
    return ROLE_IDS[f"biocommons/platform/{platform_id}"]


def seed_reference_data() -> dict[str, BiocommonsGroup]:
    """Roles, the platforms' access roles, the bundle groups and the admin links; flushed."""
    db.session.add_all(
        Auth0Role(id=role["id"], name=role["name"], description=role.get("description", ""))
        for role in SEED["roles"]
    )
    groups = {
        group_id: BiocommonsGroup(group_id=group_id, name=name, short_name=short_name)
        for group_id, (name, short_name) in GROUPS.items()
    }
    db.session.add_all(groups.values())
    db.session.flush()
    for platform in db.session.scalars(select(Platform)):
        platform.role_id = platform_role_id(platform.id.value)
    db.session.add_all(
        PlatformRoleLink(platform_id=platform_id, role_id=ROLE_IDS[role])
        for platform_id, role in PLATFORM_ADMIN_ROLES.items()
    )
    db.session.add_all(
        GroupRoleLink(group_id=group_id, role_id=ROLE_IDS[role])
        for group_id, role in GROUP_ADMIN_ROLES.items()
    )
    db.session.flush()
    return groups


def database_snapshot() -> dict[str, list[str]]:
    """Every row of every table, for "nothing changed" checks."""
    db.session.expire_all()
    return {
        table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)))
        for table in db.metadata.sorted_tables
    }
