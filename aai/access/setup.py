"""BioCommons admins' bootstrap and maintenance of platforms, groups and roles (30 §3).

The database mirrors Auth0's roles; platforms and groups link to the roles whose holders
administer them. Natural keys may belong to a soft-deleted row, which is then revived (as the
original's revive-on-insert did) instead of colliding with it.
"""

from sqlalchemy import delete, select

from aai.access.roles import platform_access_role_name
from aai.errors import BadRequestError, ConflictError, NotFoundError
from aai.extensions import db
from aai.identity.auth0 import Auth0Client
from aai.models import (
    Auth0Role,
    BiocommonsGroup,
    GroupRoleLink,
    Platform,
    PlatformEnum,
    PlatformRoleLink,
)


def roles_named(names: list[str]) -> list[Auth0Role]:
    """The live roles with these names, or 400 naming the first missing one (nothing changes)."""
    roles = db.session.scalars(
        select(Auth0Role).where(Auth0Role.name.in_(names), Auth0Role.active())
    ).all()
    found = {role.name for role in roles}
    for name in names:
        if name not in found:
            raise BadRequestError(f"Role {name} doesn't exist in DB - create roles first")
    return sorted(roles, key=lambda role: (role.name, role.id))


def _live_role_named(name: str) -> Auth0Role | None:
    return db.session.scalars(
        select(Auth0Role).where(Auth0Role.name == name, Auth0Role.active()).order_by(Auth0Role.id)
    ).first()


def create_group(group_id: str, name: str, short_name: str, admin_roles: list[str]) -> dict:
    if _live_role_named(group_id) is None:
        raise NotFoundError(f"Role for {name} doesn't exist in the DB")
    roles = roles_named(admin_roles)
    group = db.session.get(BiocommonsGroup, group_id)
    if group is not None and not group.is_deleted:
        raise ConflictError(f"Group {group_id} already exists")
    if group is None:
        group = BiocommonsGroup(group_id=group_id)
        db.session.add(group)
    group.name, group.short_name = name, short_name
    group.restore()
    _replace_links(GroupRoleLink, GroupRoleLink.group_id, group_id, roles)
    return {"group_id": group_id, "name": name, "admin_roles": [role.name for role in roles]}


def create_platform(platform_id: PlatformEnum, name: str, admin_roles: list[str]) -> dict:
    platform = db.session.get(Platform, platform_id)
    if platform is not None and not platform.is_deleted:
        raise BadRequestError(f"Platform {platform_id.value} already exists")
    roles = roles_named(admin_roles)
    access_role_name = platform_access_role_name(platform_id)
    access_role = _live_role_named(access_role_name)
    if access_role is None:
        raise NotFoundError(f"Role {access_role_name} not found")
    if platform is None:
        platform = Platform(id=platform_id)
        db.session.add(platform)
    platform.name, platform.role_id = name, access_role.id
    platform.restore()
    _replace_links(PlatformRoleLink, PlatformRoleLink.platform_id, platform_id, roles)
    return {"id": platform_id.value, "name": name, "admin_roles": [role.name for role in roles]}


def set_platform_admin_roles(platform: Platform, role_names: list[str]) -> None:
    _replace_links(
        PlatformRoleLink, PlatformRoleLink.platform_id, platform.id, roles_named(role_names)
    )


def set_group_admin_roles(group: BiocommonsGroup, role_names: list[str]) -> None:
    _replace_links(GroupRoleLink, GroupRoleLink.group_id, group.group_id, roles_named(role_names))


def _replace_links(link_model, owner_column, owner_id, roles: list[Auth0Role]) -> None:
    """Make exactly these roles the owner's admin roles.

    Links to other roles are removed outright (as the original): they are configuration, and
    the role and group history keep what matters. A soft-deleted link is revived.
    """
    wanted = {role.id for role in roles}
    db.session.execute(
        delete(link_model).where(owner_column == owner_id, link_model.role_id.notin_(wanted))
    )
    existing = {
        link.role_id: link
        for link in db.session.scalars(select(link_model).where(owner_column == owner_id))
    }
    for role_id in sorted(wanted):
        link = existing.get(role_id)
        if link is None:
            db.session.add(link_model(**{owner_column.key: owner_id, "role_id": role_id}))
        else:
            link.restore()
    db.session.flush()


def create_role(auth0: Auth0Client, name: str, description: str) -> Auth0Role:
    """Get or create the role in Auth0 (exact name match), then mirror it in the database."""
    # Auth0's name_filter also matches partially: only an exact name counts (30 §3 QUIRK), and
    # an existing duplicate is reused rather than joined by another one.
    exact = sorted(
        (role for role in auth0.list_roles(name_filter=name)["roles"] if role["name"] == name),
        key=lambda role: role["id"],
    )
    data = exact[0] if exact else auth0.create_role(name, description)
    role = db.session.get(Auth0Role, data["id"])
    if role is None:
        role = Auth0Role(id=data["id"])
        db.session.add(role)
    role.name = data.get("name") or name
    role.description = data.get("description") or ""
    role.restore()
    db.session.flush()
    return role
