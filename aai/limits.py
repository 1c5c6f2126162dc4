"""Abuse limits (D12) with Flask-Limiter: unauthenticated endpoints per client address, the
email-change code per user. A breach answers 429 in the D2 shape with `Retry-After`
(rendered by aai.errors).

Storage is `RATELIMIT_STORAGE_URI` (`memory://` by default). Memory storage is per process:
with N server workers a client gets up to N times each limit; `redis://...` shares the counts
between workers and replicas. Behind a proxy, the client address is only right when
`TRUSTED_PROXY_HOPS` is set (aai.http_edge), never by trusting `X-Forwarded-For` blindly.

The limiter is one per process and keeps the storage of the last app it was bound to: a
process serves one app, and tests that need another storage run it in its own process.
"""

from collections.abc import Callable
from functools import partial

from flask import Flask, Response, current_app
from flask.globals import request_ctx
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
    _skip_the_limiter_after_requests_without_a_limit(app)


def _drop_the_check_of_app_wide_limits(app: Flask) -> None:
    """Every aai limit is on a view (`per_address`, `per_user`), and Flask-Limiter checks those
    when the view is called. Its before-request hook checks only application, default and
    blueprint limits, which aai does not set: on every other request it found nothing to count,
    at a fifth of the cost of `GET /`. Kept if such limits ever exist."""
    manager = limiter.limit_manager
    if manager.application_limits or manager.default_limits:
        return
    app.before_request_funcs[None].remove(limiter._check_request_limit)


def _skip_the_limiter_after_requests_without_a_limit(app: Flask) -> None:
    """Flask-Limiter's after-request hook (the X-RateLimit headers) and teardown (its state
    reset) build its per-request state on every answer, though only a request whose view has a
    limit has any: a tenth of the cost of `GET /`. The state lives on the request context,
    made by the first limit checked; without it both hooks have nothing to do."""
    after = app.after_request_funcs[None]
    for index, hook in enumerate(after):
        if isinstance(hook, partial) and hook.args == (limiter,):
            after[index] = _headers_when_limited(hook)
    teardown = app.teardown_request_funcs[None]
    for index, hook in enumerate(teardown):
        if getattr(hook, "__self__", None) is limiter:
            teardown[index] = _release_when_limited(hook)


def _a_limit_was_checked() -> bool:
    return hasattr(request_ctx, "_limiter_request_context")


def _headers_when_limited(hook: Callable) -> Callable[[Response], Response]:
    def limiter_headers(response: Response) -> Response:
        return hook(response) if _a_limit_was_checked() else response

    return limiter_headers


def _release_when_limited(hook: Callable) -> Callable[..., None]:
    def limiter_release(error: BaseException | None = None) -> None:
        if _a_limit_was_checked():
            hook(error)

    return limiter_release


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
