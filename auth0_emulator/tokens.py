"""The claims of the tokens the tenant issues, shaped as Auth0 issues them for this tenant."""

import time

from auth0_emulator.representation import display_name, nickname, picture
from auth0_emulator.state import Emulator
from auth0_emulator.tenant import User

OIDC_SCOPES = ("openid", "profile", "email", "offline_access")
USER_MANAGEMENT_SCOPES = "read:current_user update:current_user_metadata"


def userinfo_audience(emulator: Emulator) -> str:
    return f"{emulator.base_url}/userinfo"


def access_token(
    emulator: Emulator,
    *,
    sub: str,
    client_id: str,
    scope: str,
    audience: str,
    roles: list[str],
    permissions: list[str],
    lifetime: int | None = None,
) -> dict:
    """An API access token's claims; `aud` is a list with `/userinfo` when `openid` was granted."""
    now = int(time.time())
    audiences = [audience, userinfo_audience(emulator)] if "openid" in scope.split() else audience
    return {
        emulator.roles_claim: roles,
        "iss": f"{emulator.base_url}/",
        "sub": sub,
        "aud": audiences,
        "iat": now,
        "exp": now + (emulator.token_lifetime if lifetime is None else lifetime),
        "scope": scope,
        "azp": client_id,
        "permissions": permissions,
    }


def user_access_token(
    emulator: Emulator, user: User, client_id: str, scope: str, audience: str
) -> dict:
    """The access token a user gets by logging in, for the API or the Management API."""
    if audience == emulator.management_audience:
        scope = " ".join([*scope.split(), USER_MANAGEMENT_SCOPES]).strip()
    return access_token(
        emulator,
        sub=user.user_id,
        client_id=client_id,
        scope=scope,
        audience=audience,
        roles=emulator.tenant.role_names(user),
        permissions=emulator.tenant.permissions(user),
    )


def management_token(emulator: Emulator, client_id: str, scopes: list[str]) -> dict:
    """A machine-to-machine token for the Management API (client credentials)."""
    now = int(time.time())
    return {
        "iss": f"{emulator.base_url}/",
        "sub": f"{client_id}@clients",
        "aud": emulator.management_audience,
        "iat": now,
        "exp": now + emulator.token_lifetime,
        "scope": " ".join(scopes),
        "gty": "client-credentials",
        "azp": client_id,
    }


def id_token(emulator: Emulator, user: User, client_id: str, scope: str, nonce: str | None) -> dict:
    """The ID token spa-js checks: RS256, `iss`, `aud` = client id, `nonce`, profile claims."""
    now = int(time.time())
    claims = {
        "iss": f"{emulator.base_url}/",
        "sub": user.user_id,
        "aud": client_id,
        "iat": now,
        "exp": now + 36000,
        **profile_claims(emulator, user, scope),
    }
    if nonce:
        claims["nonce"] = nonce
    return claims


def profile_claims(emulator: Emulator, user: User, scope: str) -> dict:
    """The standard claims `/userinfo` and the ID token carry for the granted scopes."""
    scopes = scope.split()
    claims: dict = {}
    if "profile" in scopes:
        profile = {
            "name": display_name(user),
            "given_name": user.given_name,
            "family_name": user.family_name,
            "nickname": nickname(user),
            "picture": picture(user, emulator.base_url),
            "updated_at": user.updated_at,
        }
        claims.update({key: value for key, value in profile.items() if value is not None})
    if "email" in scopes:
        claims.update(email=user.email, email_verified=user.email_verified)
    return claims
