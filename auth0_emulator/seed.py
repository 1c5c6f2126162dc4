"""Seed files: read one, fill in defaults, build the tenant it describes; generate synthetic users.

The format is documented in `auth0_emulator/README.md`. Ids left out are derived from names, so
a seed always builds the same tenant.
"""

import hashlib
import json
import string
from pathlib import Path
from urllib.parse import urlsplit

from auth0_emulator.tenant import Client, Connection, Role, Tenant, User

DEMO_SEED = Path(__file__).parent / "seeds" / "demo.json"
DEFAULT_PASSWORD = "Emulator-Passw0rd!"  # noqa: S105 - the documented dev password
DEFAULT_CONNECTION = {"id": "con_0000000000000001", "name": "Username-Password-Authentication"}
DEFAULT_LIFETIME_SECONDS = 3600
ROLES_CLAIM = "https://biocommons.org.au/roles"
MANAGEMENT_SCOPES = (
    "read:users",
    "create:users",
    "update:users",
    "delete:users",
    "read:roles",
    "create:roles",
    "update:roles",
    "delete:roles",
    "read:role_members",
    "create:role_members",
    "delete:role_members",
    "delete:refresh_tokens",
    "delete:sessions",
)
_ALPHANUMERIC = string.ascii_letters + string.digits


def load_seed(path: str | Path | None = None) -> dict:
    """The seed at `path` (the demo seed by default) with every default filled in."""
    raw = json.loads(Path(path or DEMO_SEED).read_text(encoding="utf-8"))
    return {
        "audience": raw["audience"],
        "roles_claim": raw.get("roles_claim", ROLES_CLAIM),
        "token_lifetime": int(raw.get("token_lifetime", DEFAULT_LIFETIME_SECONDS)),
        "recaptcha_pass_token": raw.get("recaptcha_pass_token", "dev-recaptcha-pass"),
        "connection": {**DEFAULT_CONNECTION, **raw.get("connection", {})},
        "clients": raw.get("clients", []),
        "roles": raw.get("roles", []),
        "users": raw.get("users", []),
    }


def build_tenant(seed: dict) -> Tenant:
    """A fresh tenant holding exactly what the seed describes."""
    tenant = Tenant(Connection(**seed["connection"]), [_client(c) for c in seed["clients"]])
    for item in seed["roles"]:
        tenant.add_role(_role(item))
    for item in seed["users"]:
        tenant.add_user(_user(item, tenant))
    return tenant


def derived_id(prefix: str, text: str, length: int, alphabet: str = _ALPHANUMERIC) -> str:
    """A stable id that looks like Auth0's (`rol_` + 16 alphanumerics)."""
    number = int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")
    chars = []
    for _ in range(length):
        number, digit = divmod(number, len(alphabet))
        chars.append(alphabet[digit])
    return prefix + "".join(chars)


def new_user_id(handle: str) -> str:
    """A stable database-connection user id (`auth0|` + 24 hex) for an email or handle."""
    return "auth0|" + hashlib.sha256(handle.lower().encode()).hexdigest()[:24]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _client(item: dict) -> Client:
    callbacks = tuple(item.get("callbacks", ()))
    origins = tuple(dict.fromkeys(_origin(url) for url in callbacks))
    app_type = item.get("app_type", "regular_web")
    default_scopes = MANAGEMENT_SCOPES if app_type == "non_interactive" else ()
    return Client(
        client_id=item["client_id"],
        name=item.get("name", item["client_id"]),
        app_type=app_type,
        client_secret=item.get("client_secret"),
        callbacks=callbacks,
        allowed_logout_urls=tuple(item.get("allowed_logout_urls", callbacks + origins)),
        web_origins=tuple(item.get("web_origins", origins)),
        management_scopes=tuple(item.get("management_scopes", default_scopes)),
    )


def _role(item: dict) -> Role:
    return Role(
        id=item.get("id") or derived_id("rol_", item["name"], 16),
        name=item["name"],
        description=item.get("description", ""),
        permissions=tuple(item.get("permissions", ())),
    )


def _user(item: dict, tenant: Tenant) -> User:
    names = {role.name: role.id for role in tenant.roles.values()}
    unknown = [name for name in item.get("roles", ()) if name not in names]
    if unknown:
        raise ValueError(f"seed user {item['email']}: unknown roles {unknown}")
    fields = {key: item[key] for key in _USER_FIELDS if key in item}
    return User(
        user_id=item.get("user_id") or new_user_id(item["email"]),
        password=item.get("password", DEFAULT_PASSWORD),
        role_ids=tuple(names[name] for name in item.get("roles", ())),
        **fields,
    )


_USER_FIELDS = (
    "email",
    "username",
    "email_verified",
    "blocked",
    "name",
    "given_name",
    "family_name",
    "nickname",
    "picture",
    "app_metadata",
    "user_metadata",
    "created_at",
    "updated_at",
)


def generated_user(number: int, prefix: str, role_ids: tuple[str, ...], created_at: str) -> User:
    """Synthetic user number `number`: `<prefix><number>@example.org`, verified, no picture."""
    handle = f"{prefix}{number}"
    return User(
        user_id=new_user_id(handle),
        email=f"{handle}@example.org",
        password=DEFAULT_PASSWORD,
        username=handle,
        email_verified=True,
        name=f"{prefix.capitalize() or 'User'} {number}",
        created_at=created_at,
        updated_at=created_at,
        role_ids=role_ids,
    )
