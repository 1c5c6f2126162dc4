"""Runs around the Flask app (WSGI level): logs every request and applies injected faults.

It sits outside Flask so that a fault can drop the connection before any response exists, and
so that a faulted request is logged like any other. The control API (`/_emulator/`) is exempt.
"""

import json
import socket
import time
from io import BytesIO
from urllib.parse import parse_qs

from flask import Response

from auth0_emulator.errors import MANAGEMENT_PREFIX, management_body
from auth0_emulator.faults import Fault
from auth0_emulator.state import Emulator
from auth0_emulator.tenant import now_iso

CONTROL_PREFIX = "/_emulator/"
LOGGED_HEADERS = ("Authorization", "Content-Type", "Auth0-Client", "Origin", "User-Agent")
_FAULT_ERRORS = {429: "too_many_requests", 503: "temporarily_unavailable"}


class EmulatorMiddleware:
    def __init__(self, wsgi_app, emulator: Emulator) -> None:
        self.wsgi_app = wsgi_app
        self.emulator = emulator

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL_PREFIX):
            return self.wsgi_app(environ, start_response)
        method = environ["REQUEST_METHOD"]
        fault = self.emulator.faults.take(method, path)
        entry = _log_entry(environ, method, path, fault)
        self.emulator.recorder.record_request(entry)

        def recording_start_response(status, headers, exc_info=None):
            entry["status"] = int(status.split()[0])
            return start_response(status, headers, exc_info)

        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.drop:
            _drop_connection(environ)
        if fault and fault.status:
            return _fault_response(path, fault, fault.status)(environ, recording_start_response)
        return self.wsgi_app(environ, recording_start_response)


def _log_entry(environ, method: str, path: str, fault: Fault | None) -> dict:
    raw = _read_body(environ)
    return {
        "time": now_iso(),
        "method": method,
        "path": path,
        "query": _single_values(parse_qs(environ.get("QUERY_STRING", ""))),
        "headers": _headers(environ),
        "body": _parse_body(raw, environ.get("CONTENT_TYPE", "")),
        "status": None,
        "fault": fault.as_dict() if fault else None,
    }


def _headers(environ) -> dict:
    found = {}
    for name in LOGGED_HEADERS:
        key = name.upper().replace("-", "_")
        value = environ.get("HTTP_" + key) or environ.get(key)
        if value:
            found[name] = value
    return found


def _single_values(parsed: dict) -> dict:
    return {key: values[0] if len(values) == 1 else values for key, values in parsed.items()}


def _read_body(environ) -> bytes:
    """Read the body for the log and put it back for the app."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = BytesIO(raw)
    return raw


def _parse_body(raw: bytes, content_type: str):
    if not raw:
        return None
    text = raw.decode("utf-8", "replace")
    if "json" in content_type:
        try:
            return json.loads(text)
        except ValueError:
            return text
    if "x-www-form-urlencoded" in content_type:
        return _single_values(parse_qs(text))
    return text


def _drop_connection(environ) -> None:
    """Close the socket without answering; the server then treats the client as gone."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        sock.shutdown(socket.SHUT_RDWR)
    raise ConnectionAbortedError("connection dropped by an injected fault")


def _fault_response(path: str, fault: Fault, status: int) -> Response:
    error = _FAULT_ERRORS.get(status, "server_error" if status >= 500 else "invalid_request")
    message = f"Injected fault: {status}"
    if path.startswith(MANAGEMENT_PREFIX):
        body = management_body(status, message, error)
    else:
        body = {"error": error, "error_description": message}
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    if fault.retry_after is not None:
        response.headers["Retry-After"] = str(fault.retry_after)
    if status == 429:  # Auth0 also says when the rate-limit window resets
        reset = int(time.time()) + (fault.retry_after or 1)
        response.headers.update({"X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "0"})
        response.headers["X-RateLimit-Reset"] = str(reset)
    return response
