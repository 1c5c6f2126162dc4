"""The emulator's whole in-memory state, and how the views reach it."""

from flask import current_app, request

from auth0_emulator.faults import Faults
from auth0_emulator.jobs import Jobs
from auth0_emulator.keys import SigningKeys
from auth0_emulator.recorder import Recorder
from auth0_emulator.seed import build_tenant, generated_user
from auth0_emulator.sessions import Sessions
from auth0_emulator.tenant import Client, now_iso

EXTENSION = "auth0_emulator"


class Emulator:
    """One emulated tenant: its directory, keys, login state, jobs, faults and logs."""

    def __init__(self, seed: dict, base_url: str | None = None) -> None:
        self.seed = seed
        self.fixed_base_url = base_url.rstrip("/") if base_url else None
        self.keys = SigningKeys()
        self.faults = Faults()
        self.reset()

    def reset(self) -> None:
        """Back to the seed: directory, sessions, jobs, logs, faults and the initial keys."""
        self.tenant = build_tenant(self.seed)
        self.sessions = Sessions()
        self.jobs = Jobs()
        self.recorder = Recorder()
        self.faults.clear()
        self.keys.restore_initial()
        self._generated: dict[str, int] = {}

    @property
    def audience(self) -> str:
        return self.seed["audience"]

    @property
    def roles_claim(self) -> str:
        return self.seed["roles_claim"]

    @property
    def token_lifetime(self) -> int:
        return self.seed["token_lifetime"]

    @property
    def base_url(self) -> str:
        """The tenant's URL: fixed when the server knows it, else the one this request used."""
        return self.fixed_base_url or request.host_url.rstrip("/")

    @property
    def management_audience(self) -> str:
        return f"{self.base_url}/api/v2/"

    def client(self, client_id: str | None) -> Client | None:
        return self.tenant.clients.get(client_id or "")

    def first_client(self, app_type: str) -> Client | None:
        return next((c for c in self.tenant.clients.values() if c.app_type == app_type), None)

    def generate_users(self, count: int, prefix: str, role_ids: tuple[str, ...]) -> list:
        """Add `count` synthetic users numbered on from the last ones with this prefix."""
        with self.tenant.lock:
            first = self._generated.get(prefix, 0) + 1
            created_at = now_iso()
            numbers = range(first, first + count)
            users = [generated_user(n, prefix, role_ids, created_at) for n in numbers]
            self.tenant.add_users(users)
            self._generated[prefix] = first + count - 1
        return users


def current() -> Emulator:
    """The emulator behind the app handling this request."""
    return current_app.extensions[EXTENSION]
