"""Management API users: list and search, get, create, update, delete, by email, their roles,
and revoking their refresh tokens and sessions."""

import re
from itertools import islice

from flask import request

from auth0_emulator.errors import ManagementError, invalid_body, invalid_query, not_found
from auth0_emulator.management.common import (
    OFFSET_LIMIT,
    blueprint,
    check_types,
    json_body,
    page_args,
    require,
)
from auth0_emulator.representation import role_json, select_fields, user_json
from auth0_emulator.search import QueryError, compile_query, exact_term
from auth0_emulator.seed import new_user_id
from auth0_emulator.state import Emulator, current
from auth0_emulator.tenant import ConflictError, User, now_iso

bp = blueprint("management_users")

_NAMES = ("name", "given_name", "family_name", "nickname", "picture")
CREATE_TYPES = {
    "user_id": str,
    "connection": str,
    "email": str,
    "password": str,
    "username": str,
    "email_verified": bool,
    "verify_email": bool,
    "blocked": bool,
    "app_metadata": dict,
    "user_metadata": dict,
    **dict.fromkeys(_NAMES, str),
}
UPDATE_TYPES = {**CREATE_TYPES, "client_id": str}
del UPDATE_TYPES["user_id"]
NULLABLE = frozenset({*_NAMES, "app_metadata", "user_metadata"})
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_USERNAME = re.compile(r"[A-Za-z0-9_+\-.!#$'^`~@]{1,128}")
_PASSWORD_CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")


@bp.get("/users")
def list_users():
    """List or search users, page by page (only the first 1000 results are reachable)."""
    require("read:users")
    emulator, page = current(), page_args()
    if page.start >= OFFSET_LIMIT:
        raise ManagementError(
            400,
            "You can only page through the first 1000 records. See "
            "https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation",
            "invalid_paging",
        )
    matches = _search(emulator, request.args.get("q", ""))
    _sort(matches, request.args.get("sort"))
    chosen = islice(matches, page.start, page.stop(OFFSET_LIMIT))
    users = [_render(emulator, user) for user in chosen]
    return page.envelope("users", users, len(matches), with_length=True)


@bp.get("/users/<user_id>")
def get_user(user_id: str):
    """One user."""
    require("read:users")
    return _render(current(), _user(user_id))


@bp.post("/users")
def create_user():
    """Create a user in the database connection."""
    require("create:users")
    emulator, body = current(), json_body()
    check_types(body, CREATE_TYPES, NULLABLE)
    _check_connection(emulator, body.get("connection"), required=True)
    for name in ("email", "password") + (
        ("username",) if emulator.tenant.connection.requires_username else ()
    ):
        if not body.get(name):
            raise invalid_body(f"'Missing required property: {name}'.")
    _check_values(body)
    now = now_iso()
    user = User(
        user_id=body.get("user_id") or new_user_id(body["email"]),
        email=body["email"],
        password=body["password"],
        username=body.get("username"),
        email_verified=body.get("email_verified", False),
        blocked=body.get("blocked"),
        app_metadata=body.get("app_metadata") or None,
        user_metadata=body.get("user_metadata") or None,
        created_at=now,
        updated_at=now,
        # The _NAMES fields are all `str | None`; mypy cannot tell which keywords a ** fills.
        **{name: body.get(name) for name in _NAMES},  # type: ignore[arg-type]
    )
    try:
        emulator.tenant.add_user(user)
    except ConflictError:
        raise ManagementError(409, "The user already exists.", "auth0_idp_error") from None
    _maybe_send_verification(emulator, user, body)
    return _render(emulator, user), 201


@bp.patch("/users/<user_id>")
def update_user(user_id: str):
    """Update a user; metadata is merged at the first level, a null value removes a key."""
    require("update:users")
    emulator, body = current(), json_body()
    old = _user(user_id)
    check_types(body, UPDATE_TYPES, NULLABLE)
    needs_connection = any(name in body for name in ("email", "username", "password"))
    _check_connection(emulator, body.get("connection"), required=needs_connection)
    _check_values(body)
    changes = _changes(old, body)
    try:
        user = emulator.tenant.update_user(user_id, **changes)
    except ConflictError as conflict:
        message = f"The specified new {conflict.field} already exists"
        raise ManagementError(409, message, "auth0_idp_error") from None
    if "email" in changes:
        _maybe_send_verification(emulator, user, body)
    return _render(emulator, user)


@bp.delete("/users/<user_id>")
def delete_user(user_id: str):
    """Delete a user."""
    require("delete:users")
    emulator = current()
    _user(user_id)
    emulator.tenant.delete_user(user_id)
    emulator.sessions.revoke_refresh_tokens_of(user_id)
    emulator.sessions.end_sessions_of(user_id)
    return "", 204


@bp.get("/users-by-email")
def users_by_email():
    """The users with this email (case-insensitive): a list of zero or one."""
    require("read:users")
    email = request.args.get("email")
    if not email:
        raise invalid_query("'Missing required property: email'.")
    user = current().tenant.user_by_email(email)
    return [_render(current(), user)] if user else []


@bp.get("/users/<user_id>/roles")
def user_roles(user_id: str):
    """The user's roles, paginated."""
    require("read:users")
    require("read:roles")
    emulator, page = current(), page_args()
    roles = [emulator.tenant.roles[rid] for rid in _user(user_id).role_ids]
    chosen = [role_json(role) for role in roles[page.start : page.stop()]]
    return page.envelope("roles", chosen, len(roles))


@bp.post("/users/<user_id>/roles")
def assign_roles(user_id: str):
    """Give the user roles (by id)."""
    require("update:users", "create:role_members")
    current().tenant.assign(_user(user_id).user_id, _role_ids())
    return "", 204


@bp.delete("/users/<user_id>/roles")
def remove_roles(user_id: str):
    """Take roles (by id) from the user."""
    require("update:users", "delete:role_members")
    current().tenant.unassign(_user(user_id).user_id, _role_ids())
    return "", 204


@bp.delete("/users/<user_id>/refresh-tokens")
def delete_refresh_tokens(user_id: str):
    """Revoke every refresh token of the user."""
    require("delete:refresh_tokens")
    current().sessions.revoke_refresh_tokens_of(_user(user_id).user_id)
    return "", 204


@bp.delete("/users/<user_id>/sessions")
def delete_sessions(user_id: str):
    """End every login session of the user (silent login then answers login_required)."""
    require("delete:sessions")
    current().sessions.end_sessions_of(_user(user_id).user_id)
    return "", 204


# --- helpers


def _user(user_id: str) -> User:
    user = current().tenant.user(user_id)
    if user is None:
        raise not_found("user")
    return user


def _render(emulator: Emulator, user: User) -> dict:
    body = user_json(user, emulator.base_url, emulator.tenant.connection)
    return select_fields(body, request.args.get("fields"), request.args.get("include_fields"))


def _search(emulator: Emulator, query: str) -> list[User]:
    if not query.strip():
        return emulator.tenant.snapshot()
    exact = exact_term(query)
    if exact and exact[0] != "user_id":  # indexed: no scan of 100,000 users
        finder = emulator.tenant.user_by_email if exact[0] == "email" else _by_username
        found = finder(exact[1])
        same = found and str(getattr(found, exact[0])).lower() == exact[1].lower()
        return [found] if found and same else []
    try:
        predicate = compile_query(query)
    except QueryError as error:
        raise invalid_query(f"'Invalid query: {error}' on property q.") from None
    return [user for user in emulator.tenant.snapshot() if predicate(user)]


def _by_username(username: str) -> User | None:
    return current().tenant.user_by_login(username)


def _sort(users: list[User], sort: str | None) -> None:
    """Auth0's `sort=field:1` (ascending) or `field:-1` (descending)."""
    if not sort:
        return
    field, _, direction = sort.partition(":")
    known = field in User.__dataclass_fields__ and field != "password"
    if not known or direction not in ("1", "-1"):
        raise invalid_query(f"'Invalid sort {sort}' on property sort.")
    users.sort(key=lambda user: (getattr(user, field) is None, str(getattr(user, field))))
    if direction == "-1":
        users.reverse()


def _check_connection(emulator: Emulator, connection: str | None, required: bool) -> None:
    if connection is None:
        if required:
            raise invalid_body("'Missing required property: connection'.")
        return
    if connection != emulator.tenant.connection.name:
        raise ManagementError(400, "The connection does not exist.", "inexistent_connection")


def _check_values(body: dict) -> None:
    if body.get("email") is not None and not _EMAIL.fullmatch(body["email"]):
        raise invalid_body(f"'Object didn't pass validation for format email: {body['email']}'.")
    if body.get("username") is not None and not _USERNAME.fullmatch(body["username"]):
        raise invalid_body("'Invalid username' on property username.")
    password = body.get("password")
    if password is not None and not _strong(password):
        message = "PasswordStrengthError: Password is too weak"
        raise ManagementError(400, message, "invalid_password")


def _strong(password: str) -> bool:
    """Auth0's "good" policy: 8+ characters, three of lower, upper, digit and special."""
    kinds = sum(1 for pattern in _PASSWORD_CLASSES if re.search(pattern, password))
    return len(password) >= 8 and kinds >= 3


def _changes(old: User, body: dict) -> dict:
    changes = {key: body[key] for key in ("email", "password", "username", *_NAMES) if key in body}
    if "email" in body and body["email"] != old.email:
        changes["email_verified"] = False  # a new address is unverified unless said otherwise
    if "email_verified" in body:
        changes["email_verified"] = bool(body["email_verified"])
    if "blocked" in body:
        changes["blocked"] = body["blocked"]
    for name in ("app_metadata", "user_metadata"):
        if name in body:
            changes[name] = _merge(getattr(old, name), body[name])
    changes["updated_at"] = now_iso()
    return changes


def _merge(current_value: dict | None, patch: dict | None) -> dict | None:
    """Auth0's metadata merge: first level only; null removes a key; `{}` clears all."""
    if not patch:
        return None
    merged = {**(current_value or {}), **patch}
    return {key: value for key, value in merged.items() if value is not None} or None


def _maybe_send_verification(emulator: Emulator, user: User, body: dict) -> None:
    if not user.email_verified and body.get("verify_email", True):
        emulator.recorder.record_email("verification_email", user.email, user_id=user.user_id)


def _role_ids() -> list[str]:
    body = json_body()
    ids = body.get("roles")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise invalid_body("'Missing required property: roles' (a non-empty array of role ids).")
    if any(role_id not in current().tenant.roles for role_id in ids):
        raise ManagementError(404, "One or more of the roles do not exist.", "inexistent_role")
    return ids
