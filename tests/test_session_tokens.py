"""Auth0 Action session tokens (20 §3.6): HS256 with the Management secret, `exp` required."""

import time

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey

from aai import create_app
from aai.errors import ApiError
from aai.identity.session_tokens import verify_session_token
from tests.settings import settings

SECRET = "test-management-secret"


@pytest.fixture
def app_context():
    with create_app(settings(DB_URL="sqlite://", AUTH0_MANAGEMENT_SECRET=SECRET)).app_context():
        yield


def session_token(claims: dict, secret: str = SECRET) -> str:
    return jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(secret))


def test_valid_session_token_gives_its_claims(app_context):
    claims = {"sub": "auth0|abc", "email": "a@example.org", "exp": int(time.time()) + 60}
    assert verify_session_token(session_token(claims)) == claims


def test_expired_session_token(app_context):
    with pytest.raises(ApiError) as raised:
        verify_session_token(session_token({"sub": "auth0|abc", "exp": int(time.time()) - 60}))
    assert (raised.value.status, raised.value.detail) == (401, "session_token expired")


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(
            session_token({"sub": "a", "exp": int(time.time()) + 60}, "another-management-secret"),
            id="bad-signature",
        ),
        pytest.param(session_token({"sub": "a"}), id="no-exp"),
        pytest.param("abc.def", id="malformed"),
        pytest.param(
            "eyJhbGciOiJub25lIn0."
            + session_token({"sub": "a", "exp": 9999999999}).split(".")[1]
            + ".",
            id="alg-none",
        ),
    ],
)
def test_invalid_session_tokens(app_context, token):
    with pytest.raises(ApiError) as raised:
        verify_session_token(token)
    assert (raised.value.status, raised.value.detail) == (401, "invalid session_token")
