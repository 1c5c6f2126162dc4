"""Access-token validation against the Auth0 emulator's real keys (D5, 20 §3.1–3.2)."""

import base64
import hashlib
import hmac
import json
import time
import uuid

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from aai import create_app
from aai.errors import ApiError
from aai.identity.tokens import ROLES_CLAIM, SigningKeys, SigningKeysUnavailableError, require_user
from tests.settings import TRUSTED_CUSTOM_ISSUER, emulator_settings

PROBE = "/me/is-general-admin"
JWKS_PATH = "/.well-known/jwks.json"
ADMIN_ROLE = "biocommons/role/biocommons/admin"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64_json(value: dict) -> str:
    return b64(json.dumps(value).encode())


def parts(token: str) -> tuple[dict, dict, str]:
    header, payload, signature = token.split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # noqa: E731
    return decode(header), decode(payload), signature


def get(client, token: str | None = None, scheme: str = "Bearer"):
    headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
    return client.get(PROBE, headers=headers)


@pytest.fixture
def token(make_token):
    """A valid token of a BioCommons admin (answers without touching the database)."""
    return make_token("auth0|matrix", roles=[ADMIN_ROLE])


def assert_not_authorized(response):
    assert response.status_code == 401
    assert response.json == {"detail": "Not authorized"}
    assert "WWW-Authenticate" not in response.headers


def test_valid_token_is_accepted(client, token):
    response = get(client, token)
    assert response.status_code == 200
    assert response.json is True


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(
            lambda make: make("auth0|x", roles=[ADMIN_ROLE], expires_in=-120), id="expired"
        ),
        pytest.param(
            lambda make: make(
                "auth0|x", roles=[ADMIN_ROLE], claims={"nbf": int(time.time()) + 3600}
            ),
            id="not-yet-valid",
        ),
        pytest.param(
            lambda make: make("auth0|x", roles=[ADMIN_ROLE], audience="https://other.api"),
            id="wrong-audience",
        ),
        pytest.param(
            lambda make: make("auth0|x", roles=[ADMIN_ROLE], claims={"aud": "portal-spa-client"}),
            id="id-token-audience",
        ),
        pytest.param(
            lambda make: make(
                "auth0|x", roles=[ADMIN_ROLE], claims={"iss": "https://evil.example/"}
            ),
            id="wrong-issuer",
        ),
        pytest.param(
            lambda make: make("auth0|x", roles=[ADMIN_ROLE], claims={"sub": None}), id="no-subject"
        ),
    ],
)
def test_tokens_failing_claim_checks_are_refused(client, make_token, build):
    assert_not_authorized(get(client, build(make_token)))


def test_issuer_from_settings_is_accepted(client, make_token):
    token = make_token("auth0|x", roles=[ADMIN_ROLE], claims={"iss": TRUSTED_CUSTOM_ISSUER})
    assert get(client, token).status_code == 200


def test_string_audience_and_missing_permissions_are_accepted(client, emulator, make_token):
    token = make_token(
        "auth0|x", roles=[ADMIN_ROLE], claims={"aud": emulator.audience, "permissions": None}
    )
    assert parts(token)[1]["aud"] == emulator.audience
    assert get(client, token).json is True


def test_missing_roles_claim_is_forbidden(client, make_token):
    response = get(client, make_token("auth0|x", claims={ROLES_CLAIM: None}))
    assert response.status_code == 403
    assert response.json == {"detail": f"Missing required claim: {ROLES_CLAIM}"}


def test_token_signed_by_an_unknown_key_is_refused(client, token):
    header, payload, _ = parts(token)
    impostor = RSAKey.generate_key(2048, parameters={"kid": header["kid"]})
    forged = jwt.encode({"alg": "RS256", "kid": header["kid"]}, payload, impostor)
    assert_not_authorized(get(client, forged))
    foreign = RSAKey.generate_key(2048, auto_kid=True)
    assert_not_authorized(
        get(client, jwt.encode({"alg": "RS256", "kid": foreign.kid}, payload, foreign))
    )


def test_alg_none_is_refused(client, token):
    header, payload, _ = parts(token)
    unsigned = f"{b64_json({**header, 'alg': 'none'})}.{b64_json(payload)}."
    assert_not_authorized(get(client, unsigned))


def test_hs256_signed_with_the_public_key_is_refused(client, emulator, token):
    header, payload, _ = parts(token)
    jwks = KeySet.import_key_set(client.application.extensions["auth0"].signing_keys())
    public_pem = jwks.get_by_kid(header["kid"]).as_pem(private=False)
    signing_input = f"{b64_json({**header, 'alg': 'HS256'})}.{b64_json(payload)}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    assert_not_authorized(get(client, f"{signing_input}.{b64(signature)}"))


def test_tampered_payload_is_refused(client, make_token):
    token = make_token("auth0|plain", roles=[])
    header, payload, signature = token.split(".")
    claims = parts(token)[1]
    claims[ROLES_CLAIM] = [ADMIN_ROLE]
    assert_not_authorized(get(client, f"{header}.{b64_json(claims)}.{signature}"))


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda token: token[:-12], id="truncated"),
        pytest.param(lambda token: "!!!." + token.split(".", 1)[1], id="garbage-header"),
        pytest.param(lambda token: "not-a-jwt", id="not-a-jwt"),
        pytest.param(lambda token: b64_json({"alg": "RS256"}) + ".e30.", id="no-kid"),
    ],
)
def test_malformed_tokens_are_refused(client, token, mangle):
    assert_not_authorized(get(client, mangle(token)))


@pytest.mark.parametrize(
    ("scheme", "credentials"),
    [("Basic", "dXNlcjpwYXNz"), ("Bearer", ""), ("Token", "abc")],
)
def test_missing_or_odd_header_is_not_authenticated(client, scheme, credentials):
    response = get(client, credentials, scheme=scheme)
    assert response.status_code == 401
    assert response.json == {"detail": "Not authenticated"}
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert get(client).status_code == 401


# --- key fetching: cache, rotation, cooldown, outages --------------------------------------


@pytest.fixture
def cold_client(emulator):
    """A client of a fresh app, so its key cache starts empty."""
    return create_app(emulator_settings(emulator, DB_URL="sqlite://")).test_client()


def jwks_fetches(emulator) -> int:
    return sum(1 for entry in emulator.requests() if entry["path"] == JWKS_PATH)


def test_flood_of_unknown_kids_fetches_keys_at_most_once(cold_client, emulator, token):
    assert get(cold_client, token).status_code == 200
    before = jwks_fetches(emulator)
    header, payload, signature = token.split(".")
    for _ in range(50):
        forged_header = b64_json({**parts(token)[0], "kid": uuid.uuid4().hex})
        assert_not_authorized(get(cold_client, f"{forged_header}.{payload}.{signature}"))
    assert jwks_fetches(emulator) - before <= 1


def test_rotated_key_is_picked_up_without_restart(emulator, make_token, token):
    cooldown = 0.2  # unknown kids refetch once the cooldown since the last fetch has passed
    settings = emulator_settings(emulator, DB_URL="sqlite://", AUTH0_JWKS_COOLDOWN_SECONDS="0.2")
    cold_client = create_app(settings).test_client()
    assert get(cold_client, token).status_code == 200
    emulator.rotate_keys()
    time.sleep(cooldown)
    rotated = make_token("auth0|matrix", roles=[ADMIN_ROLE])
    assert parts(rotated)[0]["kid"] != parts(token)[0]["kid"]
    assert get(cold_client, rotated).status_code == 200
    assert get(cold_client, token).status_code == 200  # the old key is still published


def test_warm_cache_survives_the_key_endpoint_failing(cold_client, emulator, token):
    assert get(cold_client, token).status_code == 200
    emulator.add_fault("GET", "/.well-known", status=503, count=100)
    header, payload, signature = token.split(".")
    unknown = b64_json({**parts(token)[0], "kid": "rotated-away"})
    assert_not_authorized(get(cold_client, f"{unknown}.{payload}.{signature}"))  # refetch fails
    assert get(cold_client, token).status_code == 200


def test_cold_cache_with_auth0_down_is_503(cold_client, emulator, token):
    emulator.add_fault("GET", "/.well-known", status=503, count=100)
    response = get(cold_client, token)
    assert response.status_code == 503
    assert "signing keys are unavailable" in response.json["detail"]


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_expired_cache_keeps_serving_when_refresh_fails():
    key = RSAKey.generate_key(2048, auto_kid=True)
    answers = [{"keys": [key.as_dict(private=False)]}]
    clock = FakeClock()

    def fetch():
        if not answers:
            raise ConnectionError("Auth0 down")
        return answers.pop()

    keys = SigningKeys(fetch, refresh=60, cooldown=10, clock=clock)
    assert keys.key_set_for(key.kid) is not None
    clock.now += 3600  # long past the TTL, and the refresh fails
    assert keys.key_set_for(key.kid) is not None


def test_cold_cache_failure_raises_unavailable():
    def fetch():
        raise ConnectionError("Auth0 down")

    with pytest.raises(SigningKeysUnavailableError):
        SigningKeys(fetch).key_set_for("any")


@pytest.mark.parametrize(
    ("account", "expected"),
    [("missing", (404, "User not found.")), ("deleted", (403, "This account has been deleted."))],
)
def test_require_user_refuses_missing_and_deleted_accounts(
    app, make_user, make_token, account, expected
):
    sub = "auth0|never-synced"
    if account == "deleted":
        user = make_user()
        user.soft_delete()
        sub = user.id
    headers = {"Authorization": f"Bearer {make_token(sub, roles=[])}"}
    with app.test_request_context(headers=headers), pytest.raises(ApiError) as raised:
        require_user()
    assert (raised.value.status, raised.value.detail) == expected


def test_require_user_gives_the_live_user(app, make_user, make_token):
    user = make_user()
    headers = {"Authorization": f"Bearer {make_token(user.id, roles=[])}"}
    with app.test_request_context(headers=headers):
        assert require_user().id == user.id
