"""Abuse limits (D12) with Flask-Limiter: unauthenticated endpoints per client address, the
email-change code per user. A breach answers 429 in the D2 shape with `Retry-After`
(rendered by aai.errors).

Storage is `RATELIMIT_STORAGE_URI` (`memory://` by default). Memory storage is per process:
with N gunicorn workers a client gets up to N times each limit; `redis://...` shares the counts
between workers and replicas. Behind a proxy, the client address is only right when
`TRUSTED_PROXY_HOPS` is set (aai.http_edge), never by trusting `X-Forwarded-For` blindly.

The limiter is one per process and keeps the storage of the last app it was bound to: a
process serves one app, and tests that need another storage run it in its own process.
"""

from collections.abc import Callable

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from aai.identity.tokens import current_token

# One limiter for the process; `init_limits` binds it to each app (no I/O: the storage is
# only reached when a limit is checked). When a shared storage cannot be reached, limits are
# counted in this process until it answers again (checked with a growing back-off): an outage
# of Redis neither fails requests nor lifts the limits.
limiter = Limiter(
    key_func=get_remote_address,
    headers_enabled=True,
    swallow_errors=True,
    in_memory_fallback_enabled=True,
)


def init_limits(app: Flask) -> None:
    limiter.init_app(app)
    _drop_the_check_of_app_wide_limits(app)


def _drop_the_check_of_app_wide_limits(app: Flask) -> None:
    """Every aai limit is on a view (`per_address`, `per_user`), and Flask-Limiter checks those
    when the view is called. Its before-request hook checks only application, default and
    blueprint limits, which aai does not set: on every other request it found nothing to count,
    at a fifth of the cost of `GET /`. Kept if such limits ever exist."""
    manager = limiter.limit_manager
    if manager.application_limits or manager.default_limits:
        return
    app.before_request_funcs[None].remove(limiter._check_request_limit)


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
