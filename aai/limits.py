"""Abuse limits (D12) with Flask-Limiter: unauthenticated endpoints per client address, the
email-change code per user. A breach answers 429 in the D2 shape with `Retry-After`.

Storage is `RATELIMIT_STORAGE_URI` (`memory://` by default). Memory storage is per process:
with N gunicorn workers a client gets up to N times each limit; use a shared storage (e.g.
Redis, which needs the `redis` package) where that matters. Behind a proxy, the client address
is only right when the proxy hop count is configured (werkzeug's ProxyFix), never by trusting
`X-Forwarded-For` blindly.
"""

from collections.abc import Callable

from flask import Flask, current_app, jsonify
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from aai.identity.tokens import current_token

TOO_MANY_REQUESTS = "Too many requests. Please try again later."

# One limiter for the process; `init_limits` binds it to each app (no I/O: the storage is
# only reached when a limit is checked).
limiter = Limiter(key_func=get_remote_address, headers_enabled=True, swallow_errors=True)


def init_limits(app: Flask) -> None:
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, too_many_requests)


def too_many_requests(error: RateLimitExceeded):
    response = jsonify({"detail": TOO_MANY_REQUESTS})
    response.status_code = 429
    return response


def setting(name: str) -> Callable[[], str]:
    """A limit read from the app's settings when a request is checked."""
    return lambda: current_app.config[name]


def caller_key() -> str:
    """The caller's user id: limits that follow a user, whatever address they come from."""
    return f"user:{current_token().sub}"


def per_address(name: str):
    """Decorator: the limit in setting `name`, counted per client address."""
    return limiter.limit(setting(name))


def per_user(name: str):
    """Decorator: the limit in setting `name`, counted per authenticated caller. Put it below
    `authenticated`, so the token is verified first."""
    return limiter.limit(setting(name), key_func=caller_key)
