"""What every Management API endpoint shares: the bearer token and its scopes, JSON bodies,
query parameters and Auth0's offset pagination."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import overload

from flask import Blueprint, g, request

from auth0_emulator.errors import ManagementError, invalid_body, invalid_query
from auth0_emulator.state import current

# Auth0 lets page/per_page reach only the first 1000 results; beyond, use export or checkpoints.
OFFSET_LIMIT = 1000
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50


def blueprint(name: str) -> Blueprint:
    """A Management API blueprint whose every request needs a valid Management token."""
    bp = Blueprint(name, __name__, url_prefix="/api/v2")
    bp.before_request(authenticate)
    return bp


def authenticate() -> None:
    """Check the bearer token: signed by a published key, unexpired, for `{base}/api/v2/`."""
    emulator = current()
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer ") or not header[7:].strip():
        raise ManagementError(401, "Missing authentication", "missing_authentication")
    claims = emulator.keys.verify(header[7:].strip())
    if claims is None:
        raise ManagementError(401, "Invalid token", "invalid_token")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if emulator.management_audience not in audiences:
        message = f"Bad audience: {' '.join(map(str, audiences))}"
        raise ManagementError(401, message, "invalid_token")
    g.scopes = set(str(claims.get("scope", "")).split())


def require(*scopes: str) -> None:
    """403 unless the token carries one of `scopes`."""
    if not g.scopes.intersection(scopes):
        message = f"Insufficient scope, expected any of: {','.join(scopes)}"
        raise ManagementError(403, message, "insufficient_scope")


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ManagementError(400, "Invalid request payload JSON format", "invalid_body")
    return body


def check_types(body: dict, types: Mapping[str, type], nullable: frozenset = frozenset()) -> None:
    """400 for properties Auth0 does not know and values of the wrong JSON type."""
    unknown = sorted(set(body) - set(types))
    if unknown:
        raise invalid_body(f"'Additional properties not allowed: {','.join(unknown)}'.")
    for name, value in body.items():
        expected = types[name]
        if value is None and name in nullable:
            continue
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise invalid_body(f"'Expected type {_json_type(expected)}' on property {name}.")


def _json_type(expected: type) -> str:
    names = {str: "string", bool: "boolean", dict: "object", list: "array", int: "integer"}
    return names.get(expected, expected.__name__)


@overload
def int_arg(name: str, default: int, low: int = 0, high: int | None = None) -> int: ...
@overload
def int_arg(name: str, default: None, low: int = 0, high: int | None = None) -> int | None: ...
def int_arg(name: str, default: int | None, low: int = 0, high: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        message = f"'Expected type integer but found type string' on property {name}."
        raise invalid_query(message) from None
    if value < low or (high is not None and value > high):
        limit = f"maximum {high}" if high is not None and value > high else f"minimum {low}"
        raise invalid_query(f"'Value {value} does not meet {limit}' on property {name}.")
    return value


def bool_arg(name: str) -> bool:
    raw = request.args.get(name, "false").lower()
    if raw not in ("true", "false"):
        raise invalid_query(f"'Expected type boolean but found type string' on property {name}.")
    return raw == "true"


@dataclass(frozen=True)
class Page:
    """Auth0's offset pagination: `page` (0-based), `per_page`, `include_totals`."""

    page: int
    per_page: int
    include_totals: bool

    @property
    def start(self) -> int:
        return self.page * self.per_page

    def stop(self, cap: int | None = None) -> int:
        end = self.start + self.per_page
        return min(end, cap) if cap is not None else end

    def envelope(self, key: str, items: list, total: int, with_length: bool = False):
        """The bare list, or `{key, start, limit, total}` with `include_totals`."""
        if not self.include_totals:
            return items
        body = {"start": self.start, "limit": self.per_page, key: items, "total": total}
        if with_length:
            body["length"] = len(items)
        return body


def page_args() -> Page:
    return Page(
        page=int_arg("page", 0),
        per_page=int_arg("per_page", DEFAULT_PER_PAGE, 0, MAX_PER_PAGE),
        include_totals=bool_arg("include_totals"),
    )
