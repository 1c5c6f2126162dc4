"""`/biocommons-admin`: BioCommons admins set up platforms, groups and roles (30 §3).

The original hides these routes from its OpenAPI; aai documents them (D10: every endpoint), under
their own tag, since only callers holding a role in `ADMIN_ROLES` can use them.
"""

import re

from aai.access import setup
from aai.api.admin_schemas import (
    AdminRolesIn,
    GroupCreatedOut,
    GroupCreateIn,
    MessageOut,
    PlatformCreatedOut,
    PlatformCreateIn,
    RoleCreateIn,
    RoleOut,
)
from aai.api.gated import GatedBlueprint
from aai.api.schemas import documented_errors as shared_documented_errors
from aai.errors import NotFoundError
from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.identity.permissions import find_platform, require_biocommons_admin
from aai.models import BiocommonsGroup

bp = GatedBlueprint(
    "biocommons_admin",
    __name__,
    url_prefix="/biocommons-admin",
    description="Set-up of platforms, groups and roles (BioCommons admins only)",
    gate=require_biocommons_admin,
)


SHORT_ID = re.compile(r"[a-z0-9_]{1,100}")


def documented_errors(*codes: int):
    return shared_documented_errors(bp, *codes)


@bp.post("/groups/create")
@bp.arguments(GroupCreateIn)
@bp.response(200, GroupCreatedOut)
@documented_errors(400, 401, 403, 404, 409)
def create_group(body: dict):
    """Create a group; its id must already be a role name, its admin roles must exist."""
    created = setup.create_group(**body)
    db.session.commit()
    return created


@bp.post("/platforms/create")
@bp.arguments(PlatformCreateIn)
@bp.response(200, PlatformCreatedOut)
@documented_errors(400, 401, 403, 404)
def create_platform(body: dict):
    """Create a platform; its access role `biocommons/platform/<id>` must exist."""
    created = setup.create_platform(body["id"], body["name"], body["admin_roles"])
    db.session.commit()
    return created


@bp.post("/platforms/<platform_id>/set-admin-roles")
@bp.arguments(AdminRolesIn)
@bp.response(200, MessageOut)
@documented_errors(400, 401, 403, 404)
def set_platform_admin_roles(body: dict, platform_id: str):
    """Make exactly these roles the platform's admin roles."""
    platform = find_platform(platform_id)
    setup.set_platform_admin_roles(platform, body["role_names"])
    db.session.commit()
    return {"message": f"Admin roles for platform {platform_id} set successfully."}


@bp.post("/groups/<group_id>/set-admin-roles")
@bp.arguments(AdminRolesIn)
@bp.response(200, MessageOut)
@documented_errors(400, 401, 403, 404)
def set_group_admin_roles(body: dict, group_id: str):
    """Make exactly these roles the group's admin roles (`group_id` is the short id, `tsi`)."""
    group_key = f"biocommons/group/{group_id}"
    group = db.session.get(BiocommonsGroup, group_key) if SHORT_ID.fullmatch(group_id) else None
    if group is None or group.is_deleted:
        raise NotFoundError(f"Group {group_key} not found in database")
    setup.set_group_admin_roles(group, body["role_names"])
    db.session.commit()
    return {"message": f"Admin roles for group {group_id} set successfully."}


@bp.post("/roles/create")
@bp.arguments(RoleCreateIn)
@bp.response(200, RoleOut)
@documented_errors(401, 403, 502, 503)
def create_role(body: dict):
    """Find the role in Auth0 by exact name, or create it there; then record it here."""
    role = setup.create_role(auth0_client(), body["name"], body["description"])
    db.session.commit()
    return role
