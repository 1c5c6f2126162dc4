"""Auth0 Management and Authentication API client (decision D6).

A thin client on httpx: short timeouts, bounded retries with jittered backoff on 429 (honouring
`Retry-After`) and 5xx, a Management token cached until shortly before it expires and shared
by every request of the process. Failures become `ApiError`s, so they reach the caller as D2
JSON (502/503, or the 4xx Auth0 gave for the caller's input), never as a 500.

Within a request, all Auth0 calls share one time budget (`AUTH0_REQUEST_BUDGET_SECONDS`, well
under a load balancer's 60 s): each attempt waits at most what is left, and no retry starts once it
is spent (503). A change sent to Auth0 without an answer (a read timeout, a dropped connection)
may or may not have been applied: it is recorded in `auth0_pending_check` after the request
rolled back, and the worker reconciles that user within minutes (docs/decisions.md 54).
Worker and CLI calls have no budget: they keep the per-call timeout and retries.
"""

import json
import logging
import random
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from flask import Flask, current_app, g, has_request_context, request

from aai.errors import ApiError, NotAuthorizedError, ServiceUnavailableError, UpstreamError
from aai.extensions import db
from aai.models import Auth0PendingCheck

MAX_ATTEMPTS = 3
BACKOFF_BASE_SECONDS = 0.25
# A longer Retry-After is not waited for inside a request: the caller gets 503 + Retry-After.
RETRY_AFTER_CAP_SECONDS = 5.0
TOKEN_EXPIRY_MARGIN_SECONDS = 30
# A grant type name, not a secret.
PASSWORD_REALM_GRANT = "http://auth0.com/oauth/grant-type/password-realm"  # noqa: S105
# Auth0 requires the connection whenever one of these user fields changes.
FIELDS_NEEDING_CONNECTION = {"email", "email_verified", "password", "username"}
# Transport failures after which the request may have reached Auth0 (sent, or partly sent, and
# no answer). A connection or pool failure means nothing was sent: the outcome is known.
MAYBE_APPLIED_ERRORS = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)
# Request-scoped values, kept on the request itself (see aai.identity.tokens.request_cache).
DEADLINE_KEY = "aai.auth0_deadline"
UNKNOWN_OUTCOMES_KEY = "aai.auth0_unknown_outcomes"

logger = logging.getLogger(__name__)


class Auth0UnavailableError(ServiceUnavailableError):
    """Auth0 is down, slow or rate limiting: the caller did nothing wrong, retry later."""


class Auth0ConfigurationError(UpstreamError):
    """Auth0 refused aai's own credentials or answered nonsense (502)."""


class Auth0RequestRejectedError(ApiError):
    """Auth0 refused the request itself (400, 404, 409...): the caller's input was wrong."""

    def __init__(self, status: int, message: str, error_code: str | None = None):
        super().__init__(message or "Auth0 rejected the request.", status=status)
        self.error_code = error_code


class Auth0BudgetSpentError(Auth0UnavailableError):
    """The request's Auth0 time budget is spent: no further call or retry is made."""

    def __init__(self):
        super().__init__("Auth0 did not answer in time. Please try again shortly.")


@dataclass(frozen=True)
class UserRef:
    """Whom a change concerns: the Auth0 user id, or the email when the id is not known yet."""

    user_id: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class UnknownOutcome:
    """A change sent to Auth0 that got no answer: Auth0 may or may not have applied it."""

    action: str  # e.g. "PATCH /api/v2/users/auth0%7C123"
    user: UserRef


@dataclass(frozen=True)
class Auth0Settings:
    base_url: str
    client_id: str
    client_secret: str
    connection: str
    timeout: float

    @classmethod
    def from_config(cls, config) -> "Auth0Settings":
        return cls(
            base_url=config["AUTH0_BASE_URL"],
            client_id=config["AUTH0_MANAGEMENT_ID"],
            client_secret=config["AUTH0_MANAGEMENT_SECRET"],
            connection=config["AUTH0_DB_CONNECTION"],
            timeout=config["AUTH0_TIMEOUT_SECONDS"],
        )


def init_auth0(app: Flask) -> None:
    """One client per app (no I/O here); its connection pool and token are shared."""
    client = Auth0Client(Auth0Settings.from_config(app.config))
    client.deadline = request_deadline
    client.on_unknown_outcome = note_unknown_outcome
    app.extensions["auth0"] = client
    app.after_request(record_unknown_outcomes)


def request_deadline() -> float | None:
    """When this request's Auth0 budget runs out (`time.monotonic`); None outside a request
    (worker, CLI), where each call keeps its own timeout and retries."""
    if not has_request_context():
        return None
    if DEADLINE_KEY not in request.environ:
        # Counted from the start of the request when aai.logs noted it, else from now.
        spent = time.perf_counter() - g.get("request_started", time.perf_counter())
        budget = current_app.config["AUTH0_REQUEST_BUDGET_SECONDS"]
        request.environ[DEADLINE_KEY] = time.monotonic() + budget - spent
    return request.environ[DEADLINE_KEY]


def note_unknown_outcome(outcome: UnknownOutcome) -> None:
    """Keep the outcome for `record_unknown_outcomes`, which runs after the request's own
    transaction has ended (so the record survives the request's rollback)."""
    logger.warning(
        "Auth0 outcome unknown: %s (for %s); the worker will reconcile it",
        outcome.action,
        outcome.user.user_id or "a user being created",  # no email in the logs
    )
    if has_request_context():
        request.environ.setdefault(UNKNOWN_OUTCOMES_KEY, []).append(outcome)


def record_unknown_outcomes(response):
    """After the request: roll back what it left uncommitted (it failed, or has committed
    already), then commit one `auth0_pending_check` row per unknown outcome."""
    outcomes = request.environ.pop(UNKNOWN_OUTCOMES_KEY, None)
    if not outcomes:
        return response
    try:
        db.session.rollback()
        db.session.add_all(
            Auth0PendingCheck(user_id=o.user.user_id, email=o.user.email, action=o.action[:255])
            for o in outcomes
        )
        db.session.commit()
    except Exception:  # the 503 must still reach the caller; the hourly sync repairs the rest
        db.session.rollback()
        logger.exception("cannot record %d Auth0 change(s) of unknown outcome", len(outcomes))
    return response


def auth0_client() -> "Auth0Client":
    return current_app.extensions["auth0"]


def has_database_login(record: dict) -> bool:
    """The Auth0 user record has an identity on aai's database connection (so a password)."""
    connection = current_app.config["AUTH0_DB_CONNECTION"]
    return any(
        identity.get("connection") == connection for identity in record.get("identities") or []
    )


def retry_delay(response: httpx.Response | None, attempt: int) -> float | None:
    """Seconds to wait before the next attempt; None when Auth0 asks for more than the cap."""
    header = response.headers.get("Retry-After") if response is not None else None
    if header is not None:
        try:
            wanted = max(0.0, float(header))
        except ValueError:
            wanted = None
        if wanted is not None:
            return wanted if wanted <= RETRY_AFTER_CAP_SECONDS else None
    return backoff_delay(attempt)


def backoff_delay(attempt: int) -> float:
    backoff = BACKOFF_BASE_SECONDS * 2 ** (attempt - 1)
    return backoff * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not cryptography


def is_retryable(response: httpx.Response, idempotent: bool) -> bool:
    # A 429 was not processed, so even a POST may be repeated; a 5xx POST might have been.
    return response.status_code == 429 or (idempotent and response.status_code >= 500)


class Auth0Client:
    def __init__(self, settings: Auth0Settings, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        self.http = httpx.Client(
            base_url=settings.base_url, timeout=settings.timeout, transport=transport
        )
        self._token: str | None = None
        self._token_expires_at = 0.0
        self._token_lock = threading.Lock()
        # When the calls' time budget runs out (None: no budget); see `request_deadline`.
        self.deadline: Callable[[], float | None] = lambda: None
        self.on_unknown_outcome: Callable[[UnknownOutcome], None] = lambda outcome: None

    # --- transport -------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool,
        management: bool = True,
        user: UserRef | None = None,
        **kw,
    ):
        """One call with bounded retries; returns a 2xx response or raises an ApiError.
        `user` marks a change to that user, recorded when its outcome is unknown."""
        return self._checked(self._request(method, url, idempotent, management, user=user, **kw))

    def _request(self, method: str, url: str, idempotent: bool, management: bool, **kw):
        """The final response after at most MAX_ATTEMPTS tries (transport failures raise)."""
        user = kw.pop("user", None)
        try:
            return self._attempts(method, url, idempotent, management, **kw)
        except _MaybeApplied as unknown:
            if user is not None:
                self.on_unknown_outcome(UnknownOutcome(f"{method} {url}", user))
            raise unknown.error from unknown.__cause__

    def _attempts(self, method: str, url: str, idempotent: bool, management: bool, **kw):
        token_refreshed = maybe_applied = False
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                if management:
                    kw["headers"] = {**kw.get("headers", {}), "Authorization": self._bearer()}
                response = self.http.request(method, url, timeout=self._time_left(), **kw)
            except httpx.TransportError as error:
                # Once an attempt may have reached Auth0, only an answer makes the outcome known.
                maybe_applied = maybe_applied or isinstance(error, MAYBE_APPLIED_ERRORS)
                if not idempotent or attempt == MAX_ATTEMPTS:
                    self._give_up(error, maybe_applied)
                self._pause(backoff_delay(attempt), error, maybe_applied)
                continue
            except Auth0UnavailableError as error:  # the budget is spent, or no Management token
                self._give_up(error, maybe_applied)
            maybe_applied = False
            if response.status_code == 401 and management and not token_refreshed:
                self.forget_token()  # the cached token may have been revoked: one fresh try
                token_refreshed = True
                continue
            delay = retry_delay(response, attempt) if is_retryable(response, idempotent) else None
            if delay is None or attempt == MAX_ATTEMPTS or not self._has_time_for(delay):
                return response
            time.sleep(delay)
        return response

    def _time_left(self) -> float:
        """This attempt's timeout: the per-call timeout, cut to what the budget has left."""
        deadline = self.deadline()
        if deadline is None:
            return self.settings.timeout
        left = deadline - time.monotonic()
        if left <= 0:
            raise Auth0BudgetSpentError()
        return min(self.settings.timeout, left)

    def _has_time_for(self, delay: float) -> bool:
        deadline = self.deadline()
        return deadline is None or time.monotonic() + delay < deadline

    def _pause(self, delay: float, error: Exception, maybe_applied: bool) -> None:
        """Sleep before a retry, or give up when the budget would not outlast the pause."""
        if not self._has_time_for(delay):
            self._give_up(error, maybe_applied)
        time.sleep(delay)

    def _give_up(self, error: Exception, maybe_applied: bool):
        unavailable = (
            error if isinstance(error, Auth0UnavailableError) else self._unreachable(error)
        )
        if maybe_applied:
            raise _MaybeApplied(unavailable) from error
        raise unavailable from error

    @staticmethod
    def _unreachable(error: Exception) -> Auth0UnavailableError:
        if isinstance(error, httpx.TimeoutException):
            return Auth0UnavailableError("Auth0 did not answer in time. Please try again shortly.")
        return Auth0UnavailableError("Auth0 could not be reached. Please try again shortly.")

    @staticmethod
    def _checked(response: httpx.Response) -> httpx.Response:
        status = response.status_code
        if status < 400:
            return response
        if status == 429:
            retry_after = response.headers.get("Retry-After")
            headers = {"Retry-After": retry_after} if retry_after else {}
            raise Auth0UnavailableError(
                "Auth0 is busy (rate limited). Please try again shortly.", headers=headers
            )
        if status >= 500:
            raise Auth0UnavailableError("Auth0 is unavailable. Please try again shortly.")
        body = _json_or_empty(response)
        if status in (401, 403):
            current_app.logger.error("Auth0 refused aai's credentials: %s", body.get("message"))
            raise Auth0ConfigurationError("Auth0 refused the request made on your behalf.")
        message = body.get("message") or body.get("error_description") or body.get("error")
        raise Auth0RequestRejectedError(status, str(message or ""), body.get("errorCode"))

    # --- Management API token ---------------------------------------------------------------

    def _bearer(self) -> str:
        return f"Bearer {self.management_token()}"

    def management_token(self) -> str:
        """The cached client-credentials token, fetched once per expiry by one thread (others
        wait for it within their time budget)."""
        deadline = self.deadline()
        wait = -1 if deadline is None else max(0.0, deadline - time.monotonic())
        if not self._token_lock.acquire(timeout=wait):
            raise Auth0BudgetSpentError()
        try:
            if self._token is None or time.monotonic() >= self._token_expires_at:
                self._token, lifetime = self._fetch_management_token()
                margin = max(1, lifetime - TOKEN_EXPIRY_MARGIN_SECONDS)
                self._token_expires_at = time.monotonic() + margin
            return self._token
        finally:
            self._token_lock.release()

    def forget_token(self) -> None:
        with self._token_lock:
            self._token = None

    def _fetch_management_token(self) -> tuple[str, int]:
        payload = {
            "grant_type": "client_credentials",
            "client_id": self.settings.client_id,
            "client_secret": self.settings.client_secret,
            "audience": f"{self.settings.base_url}/api/v2/",
        }
        body = self._send("POST", "/oauth/token", idempotent=True, management=False, json=payload)
        data = body.json()
        return data["access_token"], int(data.get("expires_in", 3600))

    # --- OIDC -------------------------------------------------------------------------------

    def signing_keys(self) -> dict:
        """The JWKS named by the discovery document (always the tenant domain, as the original)."""
        discovery = self._send(
            "GET", "/.well-known/openid-configuration", idempotent=True, management=False
        ).json()
        return self._send("GET", discovery["jwks_uri"], idempotent=True, management=False).json()

    def userinfo(self, access_token: str) -> dict:
        """The caller's profile, asked with the caller's own token. Auth0 refusing that token
        (revoked, or not issued for /userinfo) is the caller's 401, not aai's 502."""
        headers = {"Authorization": f"Bearer {access_token}"}
        response = self._request("GET", "/userinfo", True, False, headers=headers)
        if response.status_code in (401, 403):
            raise NotAuthorizedError()
        return self._checked(response).json()

    # --- Authentication API -----------------------------------------------------------------

    def check_password(self, email: str, password: str) -> bool:
        """True when Auth0 accepts the password (password-realm grant), False when it refuses."""
        form = {
            "grant_type": PASSWORD_REALM_GRANT,
            "username": email,
            "password": password,
            "audience": f"{self.settings.base_url}/api/v2/",
            "client_id": self.settings.client_id,
            "client_secret": self.settings.client_secret,
            "realm": self.settings.connection,
            "scope": "openid",
        }
        response = self._request("POST", "/oauth/token", False, False, data=form)
        refused = _json_or_empty(response).get("error") == "invalid_grant"
        if response.status_code in (400, 401, 403) and refused:
            return False
        self._checked(response)
        return True

    def send_password_change_email(self, email: str, client_id: str | None = None) -> None:
        """Auth0 emails a change-password link; it returns to `client_id`'s application (the
        migration flow passes the portal's client id), else to aai's own."""
        payload = {
            "email": email,
            "client_id": self.settings.client_id if client_id is None else client_id,
            "connection": self.settings.connection,
        }
        self._send(
            "POST",
            "/dbconnections/change_password",
            idempotent=False,
            management=False,
            json=payload,
        )

    # --- Management API: users --------------------------------------------------------------

    def get_user(self, user_id: str) -> dict:
        return self._send("GET", f"/api/v2/users/{_segment(user_id)}", idempotent=True).json()

    def search_users(self, query: str, page: int = 0, per_page: int = 50) -> list[dict]:
        params = {"q": query, "search_engine": "v3", "page": page, "per_page": per_page}
        return self._send("GET", "/api/v2/users", idempotent=True, params=params).json()

    def list_users(self, page: int = 0, per_page: int = 50) -> dict:
        """One page with totals: {"users", "start", "limit", "total"}."""
        params = {"page": page, "per_page": per_page, "include_totals": "true"}
        return self._send("GET", "/api/v2/users", idempotent=True, params=params).json()

    def users_by_email(self, email: str) -> list[dict]:
        params = {"email": email}
        return self._send("GET", "/api/v2/users-by-email", idempotent=True, params=params).json()

    def create_user(self, fields: dict) -> dict:
        payload = {key: value for key, value in fields.items() if value is not None}
        user = UserRef(email=payload.get("email"))
        return self._send("POST", "/api/v2/users", idempotent=False, user=user, json=payload).json()

    def update_user(self, user_id: str, fields: dict) -> dict:
        payload = {key: value for key, value in fields.items() if value is not None}
        if FIELDS_NEEDING_CONNECTION & payload.keys():
            payload.setdefault("connection", self.settings.connection)
        url = f"/api/v2/users/{_segment(user_id)}"
        return self._send("PATCH", url, idempotent=True, user=UserRef(user_id), json=payload).json()

    def delete_user(self, user_id: str) -> None:
        url = f"/api/v2/users/{_segment(user_id)}"
        self._send("DELETE", url, idempotent=True, user=UserRef(user_id))

    def get_user_roles(self, user_id: str) -> list[dict]:
        url = f"/api/v2/users/{_segment(user_id)}/roles"
        return self._send("GET", url, idempotent=True, params={"per_page": 100}).json()

    def revoke_refresh_tokens(self, user_id: str) -> None:
        url = f"/api/v2/users/{_segment(user_id)}/refresh-tokens"
        self._send("DELETE", url, idempotent=True)

    def send_verification_email(self, user_id: str) -> dict:
        payload = {"user_id": user_id}
        return self._send(
            "POST", "/api/v2/jobs/verification-email", idempotent=False, json=payload
        ).json()

    # --- Management API: roles --------------------------------------------------------------

    def add_user_roles(self, user_id: str, role_ids: list[str]) -> None:
        url = f"/api/v2/users/{_segment(user_id)}/roles"
        # Adding a role a user already holds is a no-op in Auth0, so a retry is safe.
        self._send("POST", url, idempotent=True, user=UserRef(user_id), json={"roles": role_ids})

    def remove_user_roles(self, user_id: str, role_ids: list[str]) -> None:
        url = f"/api/v2/users/{_segment(user_id)}/roles"
        self._send("DELETE", url, idempotent=True, user=UserRef(user_id), json={"roles": role_ids})

    def list_roles(
        self, name_filter: str | None = None, page: int = 0, per_page: int = 100
    ) -> dict:
        params = {"page": page, "per_page": per_page, "include_totals": "true"}
        if name_filter:
            params["name_filter"] = name_filter
        return self._send("GET", "/api/v2/roles", idempotent=True, params=params).json()

    def all_roles(self) -> list[dict]:
        roles: list[dict] = []
        page = 0
        while True:
            batch = self.list_roles(page=page)
            roles.extend(batch["roles"])
            if not batch["roles"] or len(roles) >= batch["total"]:
                return roles
            page += 1

    def role_by_name(self, name: str) -> dict | None:
        """The role with exactly this name (Auth0's name_filter also matches partially)."""
        matches = [
            role for role in self.list_roles(name_filter=name)["roles"] if role["name"] == name
        ]
        return matches[0] if len(matches) == 1 else None

    def get_role(self, role_id: str) -> dict:
        return self._send("GET", f"/api/v2/roles/{_segment(role_id)}", idempotent=True).json()

    def create_role(self, name: str, description: str = "") -> dict:
        payload = {"name": name, "description": description}
        return self._send("POST", "/api/v2/roles", idempotent=False, json=payload).json()

    def role_member_pages(self, role_id: str, take: int = 100) -> Iterator[list[dict]]:
        """A role's members, one page at a time (checkpoint pagination: `from`/`next`)."""
        params: dict = {"take": take, "include_totals": "false"}
        url = f"/api/v2/roles/{_segment(role_id)}/users"
        while True:
            data = self._send("GET", url, idempotent=True, params=params).json()
            yield data["users"]
            if not data.get("next"):
                return
            params["from"] = data["next"]

    # --- Management API: user export --------------------------------------------------------

    def start_users_export(self, fields: list[str]) -> dict:
        payload = {"format": "json", "fields": [{"name": name} for name in fields]}
        return self._send(
            "POST", "/api/v2/jobs/users-exports", idempotent=False, json=payload
        ).json()

    def get_job(self, job_id: str) -> dict:
        return self._send("GET", f"/api/v2/jobs/{_segment(job_id)}", idempotent=True).json()

    def export_rows(self, location: str) -> Iterator[dict]:
        """Stream the rows of a finished export (NDJSON, usually gzipped; fetched without a
        token, as the location is a pre-signed URL)."""
        with self.http.stream("GET", location) as response:
            if response.status_code >= 400:
                response.read()
                self._checked(response)
            yield from _ndjson_rows(response.iter_bytes())


class _MaybeApplied(Exception):  # noqa: N818 - a signal inside the client, never raised out
    """Carries the caller's error out of the attempts when Auth0 may have applied the change."""

    def __init__(self, error: Auth0UnavailableError):
        super().__init__(str(error))
        self.error = error


def _ndjson_rows(chunks: Iterator[bytes]) -> Iterator[dict]:
    """Decode NDJSON from byte chunks, gunzipping when the stream starts with gzip's magic."""
    # zlib's decompress object, or False for plain NDJSON (decided by the first chunk).
    decompressor: Any = None
    pending = b""
    for chunk in chunks:
        if decompressor is None:
            gzipped = chunk[:2] == b"\x1f\x8b"
            decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16) if gzipped else False
        pending += decompressor.decompress(chunk) if decompressor else chunk
        *lines, pending = pending.split(b"\n")
        yield from (json.loads(line) for line in lines if line.strip())
    if decompressor:
        pending += decompressor.flush()
    yield from (json.loads(line) for line in pending.split(b"\n") if line.strip())


def _segment(value: str) -> str:
    """Quote a path segment: user ids contain `|`, role names may contain `/`."""
    return quote(value, safe="")


def _json_or_empty(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
