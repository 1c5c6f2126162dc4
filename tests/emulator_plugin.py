"""Fixtures that run the Auth0 emulator on a loopback port for the whole test session.

`emulator_server` starts it once (demo seed, free port, background thread); `emulator` resets it
before each test (seed data, initial keys, no faults, empty logs); `make_token` mints access
tokens through its control API. See auth0_emulator/README.md for the seed's users and clients.
"""

from collections.abc import Callable, Iterator

import pytest

from auth0_emulator.server import BackgroundEmulator


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[BackgroundEmulator]:
    server = BackgroundEmulator()
    yield server
    server.stop()


@pytest.fixture
def emulator(emulator_server: BackgroundEmulator) -> BackgroundEmulator:
    emulator_server.reset()
    return emulator_server


@pytest.fixture
def make_token(emulator: BackgroundEmulator) -> Callable[..., str]:
    """`make_token(sub, roles=None, audience=None, claims=None, expires_in=None) -> str`."""

    def make(
        sub: str,
        roles: list[str] | None = None,
        audience: str | None = None,
        claims: dict | None = None,
        expires_in: int | None = None,
    ) -> str:
        return emulator.token(sub, roles, audience, claims, expires_in)

    return make
