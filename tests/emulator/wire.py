"""Plain HTTP for the emulator's tests: one request, no redirects followed, no cookies kept."""

import base64
import hashlib
import http.client
import json
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()

    def location_params(self) -> dict[str, str]:
        """The query (or fragment) parameters of a redirect's Location."""
        parts = urlsplit(self.headers["Location"])
        return {key: values[0] for key, values in parse_qs(parts.query or parts.fragment).items()}


def call(
    method: str,
    url: str,
    *,
    json_body=None,
    form: dict | None = None,
    headers: dict | None = None,
    timeout: float = 10,
) -> Reply:
    parts = urlsplit(url)
    headers = dict(headers or {})
    body = None
    if json_body is not None:
        body = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    elif form is not None:
        body = urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path or "/", body=body, headers=headers)
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def pkce_pair() -> tuple[str, str]:
    """A PKCE S256 (verifier, challenge) pair."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def jwt_parts(token: str) -> tuple[dict, dict]:
    """A JWT's header and claims, unverified (for asserting on their shape)."""
    header, claims, _ = token.split(".")
    return _b64_json(header), _b64_json(claims)


def _b64_json(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
