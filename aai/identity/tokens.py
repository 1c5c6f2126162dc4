"""Who is calling: Auth0 access-token validation (D5) and the current user.

Tokens are verified with joserfc (the JOSE library Authlib itself builds on; `authlib.jose` is
deprecated) against the keys of Auth0's JWKS, found through OIDC discovery and cached. Answers
follow the original: 401 "Not authenticated" (+ `WWW-Authenticate: Bearer`) without a bearer
token, 401 "Not authorized" for a token that fails verification, 403 for a token without the
roles claim, and 503 when Auth0's keys cannot be had at all.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from flask import Flask, current_app, request
from flask_smorest import Blueprint
from joserfc import jwt
from joserfc.jwk import KeySet

from aai.errors import (
    ApiError,
    ForbiddenError,
    NotAuthenticatedError,
    NotAuthorizedError,
    NotFoundError,
    ServiceUnavailableError,
)
from aai.extensions import db
from aai.models import BiocommonsUser
from aai.requests import has_control_characters

ROLES_CLAIM = "https://biocommons.org.au/roles"
JWKS_TTL_SECONDS = 6 * 3600  # as the original
# After a refetch for an unknown `kid`, further unknown kids wait this long before the next
# fetch, so a flood of forged kids cannot hammer Auth0.
UNKNOWN_KID_COOLDOWN_SECONDS = 30
LEEWAY_SECONDS = 30

logger = logging.getLogger(__name__)


class SigningKeysUnavailableError(ServiceUnavailableError):
    def __init__(self):
        super().__init__("Cannot verify tokens right now: Auth0's signing keys are unavailable.")


@dataclass(frozen=True)
class AccessToken:
    """A verified access token."""

    sub: str
    roles: frozenset[str]
    permissions: tuple[str, ...]
    email: str | None
    claims: dict = field(repr=False, compare=False)


class SigningKeys:
    """Auth0's token-signing keys, cached for `ttl` seconds.

    An unknown `kid` triggers one refetch (keys rotate), then a cooldown during which other
    unknown kids are refused without a fetch, so forged kids cannot hammer Auth0. When a
    refresh fails, the keys already held keep serving: Auth0 being down must not lock everyone
    out. Only a cold cache that cannot be filled is an error (503).
    """

    def __init__(
        self,
        fetch_jwks: Callable[[], dict],
        ttl: float = JWKS_TTL_SECONDS,
        cooldown: float = UNKNOWN_KID_COOLDOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._fetch_jwks = fetch_jwks
        self._ttl, self._cooldown, self._clock = ttl, cooldown, clock
        self._keys: KeySet | None = None
        self._kids: frozenset[str] = frozenset()
        self._expires_at = 0.0
        self._next_unknown_kid_fetch = 0.0
        self._lock = threading.Lock()

    def key_set_for(self, kid: str) -> KeySet | None:
        """A key set holding `kid`, or None when Auth0 does not publish such a key."""
        if self._keys is None or self._clock() >= self._expires_at:
            self._refresh(for_unknown_kid=False)
        if kid not in self._kids:
            self._refresh(for_unknown_kid=True)
        return self._keys if kid in self._kids else None

    def _refresh(self, for_unknown_kid: bool) -> None:
        with self._lock:
            now = self._clock()
            if for_unknown_kid:
                if now < self._next_unknown_kid_fetch:
                    return
                self._next_unknown_kid_fetch = now + self._cooldown
            elif self._keys is not None and now < self._expires_at:
                return  # another thread refreshed while this one waited for the lock
            try:
                keys = _signing_key_set(self._fetch_jwks())
            except Exception as error:  # any failure (HTTP, JSON, keys): keep what we have
                if self._keys is None:
                    raise SigningKeysUnavailableError() from error
                logger.warning("JWKS refresh failed, serving cached keys: %s", error)
                self._expires_at = max(self._expires_at, now + self._cooldown)
                return
            self._keys, self._kids = keys, frozenset(key.kid for key in keys.keys)
            self._expires_at = now + self._ttl


def _signing_key_set(jwks: dict) -> KeySet:
    return KeySet.import_key_set({"keys": [key for key in jwks["keys"] if _is_signing_key(key)]})


def _is_signing_key(jwk: dict) -> bool:
    return jwk.get("kty") == "RSA" and jwk.get("use", "sig") == "sig" and "kid" in jwk


class TokenVerifier:
    def __init__(self, keys: SigningKeys, audience: str, issuers: list[str], algorithms: list[str]):
        self.keys = keys
        self.algorithms = algorithms
        self.claims_registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "values": issuers},
            aud={"essential": True, "value": audience},  # a string or a list containing it
            exp={"essential": True},
            sub={"essential": True},
        )

    def verify(self, raw_token: str) -> AccessToken:
        try:
            token = jwt.decode(raw_token, self._key_for, algorithms=self.algorithms)
            self.claims_registry.validate(token.claims)
        except ApiError:
            raise
        except Exception as error:  # any decoding or validation failure means "not authorized"
            raise NotAuthorizedError() from error
        return access_token_from(token.claims)

    def _key_for(self, guest) -> KeySet:
        kid = guest.headers().get("kid")
        key_set = self.keys.key_set_for(kid) if isinstance(kid, str) else None
        if key_set is None:
            raise NotAuthorizedError()
        return key_set


def access_token_from(claims: dict) -> AccessToken:
    """The token's claims as aai uses them. Auth0 never issues an id, role or address with a
    control character in it: a token that has one is refused before any claim reaches the
    database (PostgreSQL refuses NUL in text) or a log."""
    if ROLES_CLAIM not in claims:
        raise ForbiddenError(f"Missing required claim: {ROLES_CLAIM}")
    roles, permissions = claims[ROLES_CLAIM], claims.get("permissions", [])
    if not _is_string_list(roles) or not _is_string_list(permissions):
        raise NotAuthorizedError()
    email = claims.get("email")
    email = email if isinstance(email, str) else None
    if not _are_clean_strings([claims["sub"], *roles, *permissions, email or ""]):
        raise NotAuthorizedError()
    return AccessToken(
        sub=claims["sub"],
        roles=frozenset(roles),
        permissions=tuple(permissions),
        email=email,
        claims=claims,
    )


def _is_string_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _are_clean_strings(values: list) -> bool:
    return all(isinstance(value, str) and not has_control_characters(value) for value in values)


def init_auth(app: Flask) -> None:
    """Build the app's verifier (no I/O: keys are fetched on first use)."""
    config = app.config
    issuers = [f"{config['AUTH0_BASE_URL']}/"]
    if config["AUTH0_ISSUER"]:
        issuers.append(config["AUTH0_ISSUER"])
    keys = SigningKeys(lambda: app.extensions["auth0"].signing_keys())
    app.extensions["token_verifier"] = TokenVerifier(
        keys, config["AUTH0_AUDIENCE"], issuers, config["AUTH0_ALGORITHMS"]
    )


def bearer_token() -> str:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise NotAuthenticatedError()
    return credentials.strip()


def request_cache() -> dict:
    """Values computed once per request. They live on the request itself rather than on `g`,
    which belongs to the app context, and an outer app context (a test's, a CLI's) would share
    it between requests."""
    return request.environ.setdefault("aai.request_cache", {})


def current_token() -> AccessToken:
    """The caller's verified access token, verified once per request."""
    cache = request_cache()
    if "access_token" not in cache:
        cache["access_token"] = current_app.extensions["token_verifier"].verify(bearer_token())
    return cache["access_token"]


def current_user() -> BiocommonsUser | None:
    """The caller's live database user, or None; loaded once per request."""
    cache = request_cache()
    if "current_user" not in cache:
        user = db.session.get(BiocommonsUser, current_token().sub)
        cache["current_user"] = user if user is not None and not user.is_deleted else None
    return cache["current_user"]


def require_user() -> BiocommonsUser:
    """The caller's database user: 404 if aai has no record, 403 if the account was deleted."""
    user = current_user()
    if user is not None:
        return user
    if db.session.get(BiocommonsUser, current_token().sub) is not None:
        raise ForbiddenError("This account has been deleted.")
    raise NotFoundError("User not found.")


def authenticated(view):
    """Verify the caller's token before the view (and before its input is validated).

    Place it above `@bp.arguments`, so a bad token answers 401 even with a bad body.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        current_token()
        return view(*args, **kwargs)

    return needs_bearer_token(wrapper)


# The OpenAPI mark of an operation that takes the caller's bearer token.
needs_bearer_token = Blueprint.doc(security=[{"bearerAuth": []}])
