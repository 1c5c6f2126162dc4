"""Auth0 roles → `auth0role`, and the groups, platforms and admin-role links they define.

Naming conventions of the tenant (30 §0): `biocommons/platform/<id>` grants a platform,
`biocommons/group/<id>` is a group, `biocommons/role/<platform or group>/admin` administers it.
"""

import re
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from aai.identity.auth0 import Auth0Client
from aai.models import (
    Auth0Role,
    BiocommonsGroup,
    GroupRoleLink,
    Platform,
    PlatformEnum,
    PlatformRoleLink,
)
from aai.worker.report import SyncReport

PLATFORM_ROLE = re.compile(r"^biocommons/platform/([a-z0-9_-]+)$")
GROUP_ROLE = re.compile(r"^biocommons/group/([a-z0-9_]+)$")
ADMIN_ROLE = re.compile(r"^biocommons/role/([a-z0-9_]+)/admin$", re.IGNORECASE)
# Display names of the groups the portal knows; others take the role's description.
KNOWN_GROUPS = {
    "biocommons/group/tsi": ("Threatened Species Initiative", "TSI"),
    "biocommons/group/sbp_workflow_execution": ("SBP Workflow Execution", "SBP-WE"),
}


def sync_roles(auth0: Auth0Client, session: Session, checkpoint: Callable[[], None]) -> SyncReport:
    """Mirror every Auth0 role, then derive groups, platforms and admin links from them; each
    kind is counted on its own report (`report.related`)."""
    report = SyncReport("roles")
    groups, platforms, links = (
        SyncReport("groups"),
        SyncReport("platforms"),
        SyncReport("admin_links"),
    )
    report.related = [platforms, groups, links]
    remote = auth0.all_roles()  # complete, or raises: nothing below runs on a partial list
    local = {role.id: role for role in session.scalars(select(Auth0Role))}
    for data in remote:
        _upsert_role(session, local.get(data["id"]), data, report)
    remote_ids = {data["id"] for data in remote}
    for role in local.values():
        if role.id not in remote_ids and not role.is_deleted:
            role.soft_delete()  # also ends the admin rights linked to it
            report.soft_deleted += 1
    session.flush()
    live_roles = [role for role in session.scalars(select(Auth0Role).where(Auth0Role.active()))]
    ensure_groups(session, live_roles, groups)
    ensure_platforms(session, live_roles, platforms)
    link_admin_roles(session, live_roles, links)
    checkpoint()
    return report


def _upsert_role(session: Session, role: Auth0Role | None, data: dict, report: SyncReport) -> None:
    name, description = data["name"], data.get("description") or ""
    if role is None:
        session.add(Auth0Role(id=data["id"], name=name, description=description))
        report.created += 1
        return
    changed = (role.name, role.description) != (name, description)
    role.name, role.description = name, description
    if role.is_deleted:
        role.restore()
        report.restored += 1
    elif changed:
        report.updated += 1
    else:
        report.unchanged += 1


def ensure_groups(session: Session, roles: list[Auth0Role], report: SyncReport) -> None:
    """A group for each group role (restored if it was deleted); existing names are kept."""
    groups = {group.group_id: group for group in session.scalars(select(BiocommonsGroup))}
    for role in roles:
        match = GROUP_ROLE.match(role.name)
        if match is None:
            continue
        group = groups.get(role.name)
        if group is None:
            name, short_name = KNOWN_GROUPS.get(
                role.name, (role.description or role.name, match[1].upper())
            )
            session.add(BiocommonsGroup(group_id=role.name, name=name, short_name=short_name))
            report.created += 1
        elif group.is_deleted:
            group.restore()
            report.restored += 1
        else:
            report.unchanged += 1
    session.flush()


def ensure_platforms(session: Session, roles: list[Auth0Role], report: SyncReport) -> None:
    """Point each platform at its access role (roles can be re-created with a new id)."""
    known = {platform.value for platform in PlatformEnum}
    for role in roles:
        match = PLATFORM_ROLE.match(role.name)
        if match is None or match[1] not in known:
            continue
        platform = session.get(Platform, PlatformEnum(match[1]))
        if platform is None:
            name = role.description or match[1]
            session.add(Platform(id=PlatformEnum(match[1]), name=name, role_id=role.id))
            report.created += 1
        elif platform.role_id != role.id or platform.is_deleted:
            platform.role_id = role.id
            platform.restore()
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()


def link_admin_roles(session: Session, roles: list[Auth0Role], report: SyncReport) -> None:
    """Link each `biocommons/role/<x>/admin` role to platform <x>, else to group <x>.

    Links are only added (or restored), never removed: rights end when the role is deleted.
    """
    platforms = {
        platform.id.value for platform in session.scalars(select(Platform).where(Platform.active()))
    }
    groups = set(session.scalars(select(BiocommonsGroup.group_id).where(BiocommonsGroup.active())))
    for role in roles:
        match = ADMIN_ROLE.match(role.name)
        if match is None:
            continue
        target = match[1].lower()
        if target in platforms:
            _ensure_link(session, PlatformRoleLink, (PlatformEnum(target), role.id), report)
        elif f"biocommons/group/{target}" in groups:
            _ensure_link(session, GroupRoleLink, (f"biocommons/group/{target}", role.id), report)
    session.flush()


def _ensure_link(session: Session, model, key: tuple, report: SyncReport) -> None:
    link = session.get(model, key)
    if link is None:
        owner = "platform_id" if model is PlatformRoleLink else "group_id"
        session.add(model(**{owner: key[0], "role_id": key[1]}))
        report.created += 1
    elif link.is_deleted:
        link.restore()
        report.restored += 1
    else:
        report.unchanged += 1
