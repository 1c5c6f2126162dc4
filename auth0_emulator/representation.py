"""Users and roles as Auth0's APIs write them (JSON field names, omitted fields, defaults)."""

from urllib.parse import quote

from auth0_emulator.tenant import Connection, Role, User


def display_name(user: User) -> str:
    return user.name or user.email


def nickname(user: User) -> str:
    return user.nickname or user.username or user.email.split("@", 1)[0]


def picture(user: User, base_url: str) -> str:
    """The user's picture, or an avatar the emulator serves (external ones cannot load offline)."""
    if user.picture:
        return user.picture
    initials = "".join(word[0] for word in display_name(user).split()[:2] if word) or "?"
    return f"{base_url}/avatars/{quote(initials.upper())}.svg"


def identity(user: User, connection: Connection) -> dict:
    return {
        "connection": connection.name,
        "provider": "auth0",
        "user_id": user.user_id.split("|", 1)[-1],
        "isSocial": False,
    }


def user_json(user: User, base_url: str, connection: Connection) -> dict:
    """The Management API's user object; like Auth0, unset optional fields are left out."""
    body = {
        "user_id": user.user_id,
        "email": user.email,
        "email_verified": user.email_verified,
        "username": user.username,
        "name": display_name(user),
        "given_name": user.given_name,
        "family_name": user.family_name,
        "nickname": nickname(user),
        "picture": picture(user, base_url),
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "identities": [identity(user, connection)],
        "app_metadata": user.app_metadata or None,
        "user_metadata": user.user_metadata or None,
        "blocked": user.blocked,
        "last_login": user.last_login,
        "logins_count": user.logins_count or None,
    }
    return {key: value for key, value in body.items() if value is not None}


def select_fields(body: dict, fields: str | None, include_fields: str | None) -> dict:
    """Apply the Management API's `fields` and `include_fields` query parameters."""
    if not fields:
        return body
    names = {name.strip() for name in fields.split(",") if name.strip()}
    if (include_fields or "true").lower() == "false":
        return {key: value for key, value in body.items() if key not in names}
    return {key: value for key, value in body.items() if key in names}


def role_json(role: Role) -> dict:
    return {"id": role.id, "name": role.name, "description": role.description}


def role_member_json(user: User, base_url: str) -> dict:
    """A role member as `GET /api/v2/roles/{id}/users` lists it."""
    return {
        "user_id": user.user_id,
        "email": user.email,
        "name": display_name(user),
        "nickname": nickname(user),
        "picture": picture(user, base_url),
    }
