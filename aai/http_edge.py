"""What every request and answer passes through at the edge of the app: the trusted proxy hops,
the request body limit and the security headers.

Proxies: with `TRUSTED_PROXY_HOPS` = n > 0, Werkzeug's ProxyFix takes the client's address,
scheme, host and port from the n-th last `X-Forwarded-*` value, the one the outermost trusted
proxy wrote; the rate limits, the request log and the dashboard's Auth0 callback URL then see the
client. With 0 (the default) no forwarding header is trusted, so a forged one changes nothing.
The HTTP server (Granian, aai.server) reads none of them: the hop count here is the only reader
of those headers.

Unsafe input: before any view, hook or rate limit runs, path parameters, query parameters, form
fields and a JSON body holding control characters (the rules of `aai.requests`), and JSON nested
too deep, are refused. So nothing from outside reaches the database, Auth0 or a log with a NUL
in it, whichever view forgets to check. Headers used as data are checked where they are read
(`X-Request-ID` in aai.logs; token claims in aai.identity.tokens).
"""

from collections.abc import Callable

from flask import Flask, Request, Response, current_app, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from aai.requests import control_characters_refused, has_control_characters

# Strict and harmless to aai's pages: no framing (clickjacking), no MIME sniffing, no URL (the
# dashboard's carry search terms such as email addresses) in the Referer sent to other sites.
# Only `frame-ancestors` in the CSP: a script policy would break Swagger UI's and the
# dashboard's inline scripts.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}
# Browsers ignore it over plain http; dev serves http on loopback, where it has no use.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def init_http_edge(app: Flask) -> None:
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        # Flask's documented way to wrap its WSGI app; mypy refuses assigning to a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
    app.session_interface = CookielessFirstSessionInterface()
    app.before_request(refuse_oversized_body)
    app.before_request(refuse_unsafe_input)
    app.after_request(add_security_headers)


class CookielessFirstSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session (the dashboard's login), without building its signing serializer
    for the requests that carry no session cookie: every API call, where it was a tenth of the
    cost of `GET /`. A request without the cookie gets the same empty session as before."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and (
            "HTTP_COOKIE" not in request.environ  # do not parse a header that is not there
            or not request.cookies.get(self.get_cookie_name(app))
        ):
            return self.session_class()
        return super().open_session(app, request)


def refuse_oversized_body() -> None:
    """A body declared larger than MAX_CONTENT_LENGTH is refused before any view runs or reads
    it. A streamed one (no Content-Length) is cut off by Werkzeug when a read passes the limit."""
    if "CONTENT_LENGTH" not in request.environ:  # most GETs: no header to parse
        return
    if (request.content_length or 0) > current_app.config["MAX_CONTENT_LENGTH"]:
        raise RequestEntityTooLarge()


# Parameters are validated like the original's (422); a body that cannot be read safely is a
# 400, as malformed JSON is.
PARAMETER_STATUS = 422
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse_unsafe_input() -> None:
    """Control characters in any path or query parameter, form field or JSON string, or JSON
    nested too deep: an `UnsafeInputError` before anything else looks at the request.

    A request without a query string or a Content-Type has no parameters or body to parse:
    most API calls (GETs) skip parsing them."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and has_control_characters(value):
            raise control_characters_refused(f"Path parameter {name!r}", PARAMETER_STATUS)
    environ = request.environ
    if environ.get("QUERY_STRING"):
        _check_fields(request.args, "Query parameter", PARAMETER_STATUS)
    if not environ.get("CONTENT_TYPE"):
        return  # neither a form nor JSON
    if request.mimetype in FORM_TYPES:
        _check_fields(request.form, "Form field", 400)
    if request.is_json:
        request.get_json(silent=True)  # decoded with the checks of aai.requests, then cached


def _check_fields(values: MultiDict, kind: str, status: int) -> None:
    for name, value in values.items(multi=True):
        if has_control_characters(name) or has_control_characters(value, name):
            raise control_characters_refused(f"{kind} {name!r}", status)


def send_cors_headers_to_cors_requests_only(app: Flask) -> None:
    """Flask-CORS's after-request hook matches every answer's path against its resources, then
    adds nothing when the request has no Origin (`always_send=False`, aai.extensions): servers,
    probes and monitors. Those skip the matching. Call after `init_extensions`."""
    hooks = app.after_request_funcs[None]
    for index, hook in enumerate(hooks):
        if getattr(hook, "__name__", "") == "cors_after_request":
            hooks[index] = _when_the_request_has_an_origin(hook)


def _when_the_request_has_an_origin(hook: Callable) -> Callable[[Response], Response]:
    def cors_headers(response: Response) -> Response:
        return hook(response) if "HTTP_ORIGIN" in request.environ else response

    return cors_headers


def add_security_headers(response):
    """Each header unless the response set its own (one pass over the headers, not one per
    header: this runs on every answer)."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    for name, value in SECURITY_HEADERS.items():
        if name.lower() not in present:
            headers.add(name, value)
    if current_app.config["ENVIRONMENT"] != "dev" and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    return response
