"""Fixtures of the emulator's own tests."""

import pytest

from tests.emulator.demo import management_token
from tests.emulator.wire import bearer, call


@pytest.fixture
def api(emulator):
    """`api(method, path, body=None)`: a Management API call with a valid Management token."""
    headers = bearer(management_token(emulator))

    def request(method: str, path: str, body=None):
        return call(method, f"{emulator.url}/api/v2{path}", json_body=body, headers=headers)

    return request
