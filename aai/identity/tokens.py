"""Who is calling: Auth0 access-token validation (D5) and the current user.

Tokens are verified with joserfc (the JOSE library Authlib itself builds on; `authlib.jose` is
deprecated) against the keys of Auth0's JWKS, found through OIDC discovery and cached. Answers
follow the original: 401 "Not authenticated" (+ `WWW-Authenticate: Bearer`) without a bearer
token, 401 "Not authorized" for a token that fails verification, 403 for a token without the
roles claim, and 503 when Auth0's keys cannot be had at all.
"""

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from cachetools import LRUCache
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
# Defaults of the AUTH0_JWKS_* settings (docs/decisions.md 54).
JWKS_REFRESH_SECONDS = 300.0
JWKS_COOLDOWN_SECONDS = 30.0
JWKS_WAIT_SECONDS = 3.0
LEEWAY_SECONDS = 30
# Verified tokens remembered per process (docs/decisions.md 66): an entry is ~1 KB (the claims),
# so the cache holds a few MB at most.
VERIFIED_TOKENS_MAX = 4096

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
    """Auth0's token-signing keys, re-read every `refresh` seconds (docs/decisions.md 54).

    - One fetch at a time, in a background thread: a slow Auth0 holds no request for longer
      than `wait` seconds (callers wait for a fetch in flight until `wait` seconds after it
      started, then a cold cache answers 503 and a warm one serves the keys it holds).
    - A fetch starts only `cooldown` seconds after the last one ended, cold cache or not:
      forged kids and an Auth0 outage cost at most one Auth0 fetch per cooldown.
    - A key Auth0 stops publishing stops verifying once the keys are older than `refresh`: the
      next caller waits (as above) for the refreshed set.
    When a fetch fails, the keys already held keep serving: Auth0 being down must not lock
    everyone out. Only a cold cache that cannot be filled is an error (503).
    """

    def __init__(
        self,
        fetch_jwks: Callable[[], dict],
        refresh: float = JWKS_REFRESH_SECONDS,
        cooldown: float = JWKS_COOLDOWN_SECONDS,
        wait: float = JWKS_WAIT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._fetch_jwks = fetch_jwks
        self._refresh, self._cooldown, self._wait, self._clock = refresh, cooldown, wait, clock
        self._keys: KeySet | None = None
        self._kids: frozenset[str] = frozenset()
        self._fetched_at: float | None = None  # the last successful fetch
        self._started_at = 0.0  # when the fetch in flight started
        self._ended_at: float | None = None  # when the last fetch ended, successful or not
        self._in_flight = False
        self._changed = threading.Condition()

    def key_set_for(self, kid: str) -> KeySet | None:
        """A key set holding `kid`, or None when Auth0 does not publish such a key."""
        with self._changed:
            if self._wants_fetch(kid):
                self._start_fetch()
                self._wait_for_fetch()
            keys, kids = self._keys, self._kids
        if keys is None:
            raise SigningKeysUnavailableError()
        return keys if kid in kids else None

    def _wants_fetch(self, kid: str) -> bool:
        stale = self._fetched_at is None or self._clock() - self._fetched_at >= self._refresh
        return stale or kid not in self._kids

    def _start_fetch(self) -> None:
        """Start a fetch unless one is in flight or the last one ended within the cooldown."""
        now = self._clock()
        cooling = self._ended_at is not None and now - self._ended_at < self._cooldown
        if self._in_flight or cooling:
            return
        self._in_flight, self._started_at = True, now
        threading.Thread(target=self._fetch, name="aai-jwks-fetch", daemon=True).start()

    def _wait_for_fetch(self) -> None:
        """Wait for the fetch in flight, until `wait` seconds after it started at most."""
        if self._in_flight:
            remaining = self._started_at + self._wait - self._clock()
            self._changed.wait_for(lambda: not self._in_flight, timeout=max(0.0, remaining))

    def _fetch(self) -> None:
        try:
            keys = _signing_key_set(self._fetch_jwks())
        except Exception as error:  # any failure (HTTP, JSON, keys): keep what we have
            logger.warning("cannot fetch Auth0's signing keys: %s", error)
            keys = None
        with self._changed:
            if keys is not None:
                self._keys, self._kids = keys, frozenset(key.kid for key in keys.keys if key.kid)
                self._fetched_at = self._clock()
            self._in_flight, self._ended_at = False, self._clock()
            self._changed.notify_all()


def _signing_key_set(jwks: dict) -> KeySet:
    return KeySet.import_key_set({"keys": [key for key in jwks["keys"] if _is_signing_key(key)]})


def _is_signing_key(jwk: dict) -> bool:
    return jwk.get("kty") == "RSA" and jwk.get("use", "sig") == "sig" and "kid" in jwk


@dataclass(frozen=True)
class _Verified:
    """A token whose signature a key of `key_set` checked."""

    token: AccessToken
    kid: str
    key_set: KeySet


class TokenVerifier:
    """Verifies access tokens; a token verified before is only checked again for what can
    change since (docs/decisions.md 66): its time claims, and that the key set that verified
    it is still the one in use (a key Auth0 stops publishing stops verifying as before)."""

    def __init__(
        self,
        keys: SigningKeys,
        audience: str,
        issuers: list[str],
        algorithms: list[str],
        remembered: int = VERIFIED_TOKENS_MAX,
        now: Callable[[], int] | None = None,  # Unix time in seconds; None: the system clock
    ):
        self.keys = keys
        self.algorithms = algorithms
        self.claims_registry = jwt.JWTClaimsRegistry(
            now=now,
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "values": issuers},
            aud={"essential": True, "value": audience},  # a string or a list containing it
            exp={"essential": True},
            sub={"essential": True},
        )
        self._verified: LRUCache = LRUCache(remembered)
        self._lock = threading.Lock()

    def verify(self, raw_token: str) -> AccessToken:
        # The whole token is the key (its SHA-256, to keep entries small): a token that differs
        # by one byte, forged or not, is a miss and is verified in full.
        digest = hashlib.sha256(raw_token.encode()).digest()
        with self._lock:
            known = self._verified.get(digest)
        if known is not None and self._still_valid(known):
            return known.token
        verified = self._verify_signature_and_claims(raw_token)
        with self._lock:
            self._verified[digest] = verified
        return verified.token

    def remembered(self) -> int:
        """How many verified tokens are remembered (at most `remembered`)."""
        with self._lock:
            return len(self._verified)

    def _still_valid(self, known: _Verified) -> bool:
        """The checks of a first verification that can change with time: the same claims
        check (expiry with the same leeway), and the key set that verified the signature is
        the one `SigningKeys` answers with now (re-read on the same schedule as for any
        token). A new key set, even one still holding the key, means a full verification."""
        try:
            self.claims_registry.validate(known.token.claims)
        except Exception:  # expired or not yet valid: verified in full, which refuses it
            return False
        return self.keys.key_set_for(known.kid) is known.key_set

    def _verify_signature_and_claims(self, raw_token: str) -> _Verified:
        used: list[tuple[str, KeySet]] = []

        def key_for(guest) -> KeySet:
            kid = guest.headers().get("kid")
            key_set = self.keys.key_set_for(kid) if isinstance(kid, str) else None
            if key_set is None:
                raise NotAuthorizedError()
            used.append((kid, key_set))
            return key_set

        try:
            token = jwt.decode(raw_token, key_for, algorithms=self.algorithms)
            self.claims_registry.validate(token.claims)
        except ApiError:
            raise
        except Exception as error:  # any decoding or validation failure means "not authorized"
            raise NotAuthorizedError() from error
        kid, key_set = used[-1]
        return _Verified(access_token_from(token.claims), kid, key_set)


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
    keys = SigningKeys(
        lambda: app.extensions["auth0"].signing_keys(),
        refresh=config["AUTH0_JWKS_REFRESH_SECONDS"],
        cooldown=config["AUTH0_JWKS_COOLDOWN_SECONDS"],
        wait=config["AUTH0_JWKS_WAIT_SECONDS"],
    )
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
