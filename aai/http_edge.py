"""What every request and answer passes through at the edge of the app: the trusted proxy hops,
the request body limit and the security headers.

Proxies: with `TRUSTED_PROXY_HOPS` = n > 0, Werkzeug's ProxyFix takes the client's address,
scheme, host and port from the n-th last `X-Forwarded-*` value, the one the outermost trusted
proxy wrote; the rate limits, the request log and the dashboard's Auth0 callback URL then see the
client. With 0 (the default) no forwarding header is trusted, so a forged one changes nothing.
gunicorn trusts none either (`forwarded_allow_ips` in deploy/gunicorn.conf.py): the hop count
here is the only reader of those headers.
"""

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

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
    app.before_request(refuse_oversized_body)
    app.after_request(add_security_headers)


def refuse_oversized_body() -> None:
    """A body declared larger than MAX_CONTENT_LENGTH is refused before any view runs or reads
    it. A streamed one (no Content-Length) is cut off by Werkzeug when a read passes the limit."""
    if (request.content_length or 0) > current_app.config["MAX_CONTENT_LENGTH"]:
        raise RequestEntityTooLarge()


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["ENVIRONMENT"] != "dev":
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    return response
