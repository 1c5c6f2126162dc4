"""A small client of the control API (`/_emulator/`), used by the CLI and the pytest fixtures.

Standard library only, so it works wherever the emulator does.
"""

import json
import urllib.request
from functools import cached_property

TIMEOUT_SECONDS = 30


class EmulatorClient:
    """Drives a running emulator at `url` (its base URL, no trailing slash)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def call(self, method: str, path: str, body: dict | None = None):
        """Call the control API; JSON in and out (None for an empty answer)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the URL is the emulator's own http URL
            f"{self.url}/_emulator/{path}", data=data, method=method
        )
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - as above
            raw = response.read()
        return json.loads(raw) if raw else None

    @cached_property
    def info(self) -> dict:
        """The tenant's facts: audience, client ids and secrets, URLs."""
        return self.call("GET", "info")

    @property
    def audience(self) -> str:
        return self.info["audience"]

    @property
    def management_client_id(self) -> str:
        return self.info["management_client_id"]

    @property
    def management_client_secret(self) -> str:
        return self.info["management_client_secret"]

    @property
    def spa_client_id(self) -> str:
        return self.info["spa_client_id"]

    @property
    def dashboard_client_id(self) -> str:
        return self.info["dashboard_client_id"]

    @property
    def dashboard_client_secret(self) -> str:
        return self.info["dashboard_client_secret"]

    def reset(self) -> None:
        self.call("POST", "reset")

    def requests(self, method: str | None = None, path: str | None = None) -> list[dict]:
        """The requests the emulator received, oldest first (optionally filtered)."""
        query = "&".join(f"{k}={v}" for k, v in (("method", method), ("path", path)) if v)
        return self.call("GET", f"requests?{query}" if query else "requests")

    def emails(self) -> list[dict]:
        return self.call("GET", "emails")

    def add_fault(
        self,
        method: str,
        path_prefix: str,
        status: int | None = None,
        retry_after: int | None = None,
        delay: float | None = None,
        drop: bool = False,
        count: int = 1,
    ) -> dict:
        fault: dict[str, object] = {
            "method": method,
            "path_prefix": path_prefix,
            "status": status,
            "drop": drop,
        }
        fault.update(retry_after=retry_after, delay=delay, count=count)
        return self.call("POST", "faults", fault)

    def clear_faults(self) -> None:
        self.call("DELETE", "faults")

    def rotate_keys(self) -> dict:
        return self.call("POST", "rotate-keys")

    def revoke_keys(self) -> dict:
        return self.call("POST", "revoke-keys")

    def token(
        self,
        sub: str,
        roles: list[str] | None = None,
        audience: str | None = None,
        claims: dict | None = None,
        expires_in: int | None = None,
    ) -> str:
        """An access token for `sub` (user id or email); roles default to the user's."""
        wanted = {"roles": roles, "audience": audience, "claims": claims, "expires_in": expires_in}
        body = {"sub": sub, **{key: value for key, value in wanted.items() if value is not None}}
        return self.call("POST", "token", body)["access_token"]

    def generate_users(
        self, count: int, prefix: str | None = None, roles: list[str] | None = None
    ) -> dict:
        body = {"count": count, "prefix": prefix, "roles": roles}
        return self.call("POST", "users/generate", body)

    def export_behaviour(self, pending_polls: int = 0, outcome: str = "completed") -> dict:
        body = {"pending_polls": pending_polls, "outcome": outcome}
        return self.call("POST", "export-behaviour", body)
