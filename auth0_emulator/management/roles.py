"""Management API roles: list (by name), get, create, update, delete, and their members with
both of Auth0's pagination styles (offset up to 1000 results, checkpoint `from`/`take`)."""

import base64
import binascii

from flask import request

from auth0_emulator.errors import ManagementError, invalid_body, invalid_query, not_found
from auth0_emulator.management.common import (
    MAX_PER_PAGE,
    OFFSET_LIMIT,
    blueprint,
    check_types,
    int_arg,
    json_body,
    page_args,
    require,
)
from auth0_emulator.representation import role_json, role_member_json
from auth0_emulator.seed import derived_id
from auth0_emulator.state import current
from auth0_emulator.tenant import ConflictError, Role

bp = blueprint("management_roles")
ROLE_TYPES = {"name": str, "description": str}
DEFAULT_TAKE = 50


@bp.get("/roles")
def list_roles():
    """Roles, optionally those whose name contains `name_filter` (case-insensitive)."""
    require("read:roles")
    page = page_args()
    wanted = request.args.get("name_filter", "").lower()
    roles = [r for r in current().tenant.roles.values() if wanted in r.name.lower()]
    chosen = [role_json(role) for role in roles[page.start : page.stop()]]
    return page.envelope("roles", chosen, len(roles))


@bp.get("/roles/<role_id>")
def get_role(role_id: str):
    """One role."""
    require("read:roles")
    return role_json(_role(role_id))


@bp.post("/roles")
def create_role():
    """Create a role."""
    require("create:roles")
    body = json_body()
    check_types(body, ROLE_TYPES)
    if not body.get("name"):
        raise invalid_body("'Missing required property: name'.")
    tenant = current().tenant
    # The count makes a re-created role get a new id, as in Auth0, while staying deterministic.
    role_id = derived_id("rol_", f"{body['name']}|{len(tenant.roles)}", 16)
    role = Role(role_id, body["name"], body.get("description", ""))
    try:
        tenant.add_role(role)
    except ConflictError:
        raise ManagementError(409, "Role name already exists.", "role_conflict") from None
    return role_json(role)


@bp.patch("/roles/<role_id>")
def update_role(role_id: str):
    """Rename or describe a role."""
    require("update:roles")
    body = json_body()
    check_types(body, ROLE_TYPES)
    _role(role_id)
    return role_json(current().tenant.update_role(role_id, **body))


@bp.delete("/roles/<role_id>")
def delete_role(role_id: str):
    """Delete a role (its members lose it)."""
    require("delete:roles")
    current().tenant.delete_role(_role(role_id).id)
    return "", 204


@bp.get("/roles/<role_id>/users")
def role_users(role_id: str):
    """The role's members: checkpoint pages with `from`/`take`, else offset pages."""
    require("read:role_members", "read:users")
    role = _role(role_id)
    if "from" in request.args or "take" in request.args:
        return _checkpoint_page(role)
    page = page_args()
    if page.start >= OFFSET_LIMIT:
        raise ManagementError(
            400,
            f"Requesting page {page.page} exceeds the allowed maximum of 1000 records. To fetch "
            "results beyond 1000, use the checkpoint pagination method.",
            "invalid_paging",
        )
    emulator = current()
    members = emulator.tenant.members_slice(role.id, page.start, page.stop(OFFSET_LIMIT))
    users = [role_member_json(user, emulator.base_url) for user in members]
    return page.envelope("users", users, emulator.tenant.member_count(role.id))


@bp.post("/roles/<role_id>/users")
def add_role_users(role_id: str):
    """Give the role to users (by id)."""
    require("create:role_members", "update:users")
    role, body = _role(role_id), json_body()
    user_ids = body.get("users")
    if not isinstance(user_ids, list) or not user_ids:
        raise invalid_body("'Missing required property: users'.")
    tenant = current().tenant
    if any(tenant.user(user_id) is None for user_id in user_ids):
        raise not_found("user")
    for user_id in user_ids:
        tenant.assign(user_id, [role.id])
    return "", 200


def _role(role_id: str) -> Role:
    role = current().tenant.roles.get(role_id)
    if role is None:
        raise not_found("role")
    return role


def _checkpoint_page(role: Role) -> dict:
    """`{users, next}`; `next` is left out on the last page, as Auth0 does."""
    emulator = current()
    take = int_arg("take", DEFAULT_TAKE, 1, MAX_PER_PAGE)
    after = _decode_checkpoint(request.args.get("from"))
    members = emulator.tenant.members_after(role.id, after, take + 1)
    body: dict[str, object] = {
        "users": [role_member_json(user, emulator.base_url) for user in members[:take]]
    }
    if len(members) > take:
        body["next"] = _encode_checkpoint(members[take - 1].user_id)
    return body


def _encode_checkpoint(user_id: str) -> str:
    return base64.urlsafe_b64encode(user_id.encode()).decode().rstrip("=")


def _decode_checkpoint(value: str | None) -> str | None:
    if not value:
        return None
    try:
        padded = value + "=" * (-len(value) % 4)
        after = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        after = ""
    if not after:
        raise invalid_query("'Invalid checkpoint' on property from.")
    return after
