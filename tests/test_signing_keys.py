"""Auth0's signing keys under attack and rotation (issue 14): one fetch at a time, a cooldown
also when the cache is cold, a bounded wait, and revoked keys dropped within the refresh
interval (AUTH0_JWKS_* settings, docs/decisions.md 54)."""

import base64
import json
import threading
import time
import uuid
from datetime import datetime
from itertools import pairwise

import httpx

from aai import create_app
from tests.api_processes import api_processes
from tests.settings import emulator_settings

PROBE = "/me/is-general-admin"
ADMIN_ROLE = "biocommons/role/biocommons/admin"
DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/.well-known/jwks.json"


def with_kid(token: str, kid: str) -> str:
    """The token with another `kid` in its header (its signature no longer matters)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "kid": kid}).encode()).rstrip(b"=")
    return f"{forged.decode()}.{payload}.{signature}"


def forged_token(make_token) -> str:
    return with_kid(make_token("auth0|forger", roles=[ADMIN_ROLE]), uuid.uuid4().hex)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def arrivals(emulator, path: str) -> list[float]:
    """When each request for `path` reached the emulator (seconds, oldest first)."""
    return [
        datetime.fromisoformat(entry["time"].replace("Z", "+00:00")).timestamp()
        for entry in emulator.requests(method="GET", path=path)
    ]


def test_forged_kids_on_a_cold_cache_with_auth0_down_cost_one_fetch(emulator, make_token):
    """Before: every request with a cold cache fetched (three attempts each)."""
    emulator.add_fault("GET", "/.well-known", status=503, count=1000)
    client = create_app(emulator_settings(emulator, DB_URL="sqlite://")).test_client()

    for _ in range(20):
        response = client.get(PROBE, headers=bearer(forged_token(make_token)))
        assert response.status_code == 503
        assert "signing keys are unavailable" in response.json["detail"]

    assert 1 <= len(arrivals(emulator, DISCOVERY_PATH)) <= 3  # one fetch, its three attempts


class Load:
    """Threads that keep sending forged-kid tokens, and one that times `/health`."""

    def __init__(self, base_url: str, tokens: list[str], seconds: float):
        self.base_url, self.tokens = base_url, tokens
        self.stop_at = time.monotonic() + seconds
        self.answers: list[tuple[int, float, dict]] = []
        self.health_seconds: list[float] = []
        self.lock = threading.Lock()

    def run(self, senders: int) -> None:
        threads = [threading.Thread(target=self.send_forged, args=(n,)) for n in range(senders)]
        threads.append(threading.Thread(target=self.probe_health))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def send_forged(self, number: int) -> None:
        with httpx.Client(base_url=self.base_url, timeout=60) as client:
            while time.monotonic() < self.stop_at:
                token = self.tokens[number % len(self.tokens)]
                started = time.monotonic()
                response = client.get(PROBE, headers=bearer(with_kid(token, uuid.uuid4().hex)))
                with self.lock:
                    self.answers.append(
                        (response.status_code, time.monotonic() - started, response.json())
                    )

    def probe_health(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=60) as client:
            while time.monotonic() < self.stop_at:
                started = time.monotonic()
                assert client.get("/health").status_code == 200
                self.health_seconds.append(time.monotonic() - started)
                time.sleep(0.1)


def test_forged_kids_with_a_slow_jwks_hold_no_worker(emulator, make_token, tmp_path):
    """The server as the image runs it, with one process of four threads, a cold key cache, Auth0's
    key endpoints answering after `delay` seconds, and eight clients sending forged kids: one
    fetch in flight at a time, none within `cooldown` of the last, no request held longer than
    the wait, `/health` fast throughout. Before: a forged request was held for several delays,
    fetches ran back to back, and the threads filled up."""
    delay, cooldown, wait = 1.5, 2.0, 0.5
    settings = emulator_settings(
        emulator,
        DB_URL=f"sqlite:///{tmp_path / 'aai.sqlite3'}",
        AUTH0_JWKS_COOLDOWN_SECONDS=str(cooldown),
        AUTH0_JWKS_WAIT_SECONDS=str(wait),
        GRANIAN_BLOCKING_THREADS="4",
    )
    with api_processes(settings, tmp_path, count=1, workers=1) as (api,):
        try:
            emulator.add_fault("GET", "/.well-known/", delay=delay, count=1000)
            load = Load(api.base_url, [make_token("auth0|forger", roles=[ADMIN_ROLE])], seconds=7)
            load.run(senders=8)
        finally:
            emulator.clear_faults()

    assert {status for status, _, _ in load.answers} <= {401, 503}
    assert all(isinstance(body.get("detail"), str) for _, _, body in load.answers)
    assert max(seconds for _, seconds, _ in load.answers) < wait + 1.5  # before: 6 s
    assert max(load.health_seconds) < 1.0
    # A fetch is a discovery call then a JWKS call (the last one may not have reached it).
    discoveries, key_sets = arrivals(emulator, DISCOVERY_PATH), arrivals(emulator, JWKS_PATH)
    fetches = list(zip(discoveries, key_sets, strict=False))
    assert 1 <= len(fetches) <= 3
    for (_, previous_jwks), (next_discovery, _) in pairwise(fetches):
        # The next fetch starts once the previous one ended (its JWKS call took `delay`),
        # and a cooldown later.
        assert next_discovery >= previous_jwks + delay + cooldown - 0.05


def test_a_revoked_key_stops_verifying_within_the_refresh_interval(emulator, make_token):
    """Before: a key Auth0 stopped publishing verified for the 6-hour cache lifetime."""
    refresh = 1.0
    settings = emulator_settings(
        emulator,
        DB_URL="sqlite://",
        AUTH0_JWKS_REFRESH_SECONDS=str(refresh),
        AUTH0_JWKS_COOLDOWN_SECONDS="0.2",
        AUTH0_JWKS_WAIT_SECONDS="1",
    )
    client = create_app(settings).test_client()
    old_token = make_token("auth0|matrix", roles=[ADMIN_ROLE])
    assert client.get(PROBE, headers=bearer(old_token)).status_code == 200

    emulator.rotate_keys()
    emulator.revoke_keys()  # the key that signed `old_token` is no longer published
    revoked_at = time.monotonic()
    while client.get(PROBE, headers=bearer(old_token)).status_code == 200:
        assert time.monotonic() - revoked_at < refresh + 1.5, "the revoked key still verifies"
        time.sleep(0.05)

    assert client.get(PROBE, headers=bearer(old_token)).json == {"detail": "Not authorized"}
    new_token = make_token("auth0|matrix", roles=[ADMIN_ROLE])
    assert client.get(PROBE, headers=bearer(new_token)).status_code == 200
