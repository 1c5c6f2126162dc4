"""Discovery → JWKS → a minted token verifies with the published key; rotation; claims."""

import base64
import time

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from joserfc import jwt
from joserfc.errors import ExpiredTokenError
from joserfc.jwk import KeySet

from tests.emulator.demo import DEMO
from tests.emulator.wire import call, jwt_parts

ROLES_CLAIM = "https://biocommons.org.au/roles"


def jwks(emulator) -> dict:
    config = call("GET", f"{emulator.url}/.well-known/openid-configuration").json()
    assert config["issuer"] == f"{emulator.url}/"
    return call("GET", config["jwks_uri"]).json()


def _int(segment: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)), "big")


def signature_valid(token: str, keys: dict) -> bool:
    """RS256 check with the raw RSA numbers of the JWKS entry whose `kid` matches."""
    header, _ = jwt_parts(token)
    key = next((k for k in keys["keys"] if k["kid"] == header["kid"]), None)
    if key is None:
        return False
    public = rsa.RSAPublicNumbers(_int(key["e"]), _int(key["n"])).public_key()
    signing_input, _, signature = token.rpartition(".")
    try:
        public.verify(
            base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)),
            signing_input.encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature:
        return False
    return True


def test_minted_token_verifies_with_the_published_key(emulator, make_token):
    keys = jwks(emulator)
    token = make_token(DEMO["approved"])

    assert signature_valid(token, keys)
    decoded = jwt.decode(token, KeySet.import_key_set(keys), algorithms=["RS256"])
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": f"{emulator.url}/"},
        aud={"essential": True, "value": emulator.audience},
        exp={"essential": True},
    )
    registry.validate(decoded.claims)
    assert decoded.header["alg"] == "RS256"
    assert keys["keys"][0] == {**keys["keys"][0], "kty": "RSA", "use": "sig", "alg": "RS256"}


def test_access_token_carries_the_tenant_claims(emulator, make_token):
    header, claims = jwt_parts(make_token("approved.user@example.org"))

    assert header["kid"]
    assert claims["sub"] == DEMO["approved"]
    assert claims["aud"] == [emulator.audience, f"{emulator.url}/userinfo"]
    assert claims["azp"] == emulator.spa_client_id
    assert claims["scope"] == "openid profile email offline_access"
    assert claims["permissions"] == []
    assert sorted(claims[ROLES_CLAIM]) == [
        "biocommons/platform/bpa_data_portal",
        "biocommons/platform/galaxy",
    ]
    assert claims["iat"] <= time.time() < claims["exp"]


def test_claims_are_merged_last_and_null_removes_one(make_token):
    token = make_token(
        DEMO["pending"], roles=["biocommons/role/galaxy/admin"], claims={"azp": "x", "scope": None}
    )
    _, claims = jwt_parts(token)

    assert claims[ROLES_CLAIM] == ["biocommons/role/galaxy/admin"]
    assert claims["azp"] == "x"
    assert "scope" not in claims


def test_a_negative_lifetime_gives_an_expired_token(emulator, make_token):
    token = make_token(DEMO["approved"], expires_in=-60)
    decoded = jwt.decode(token, KeySet.import_key_set(jwks(emulator)), algorithms=["RS256"])

    with pytest.raises(ExpiredTokenError):
        jwt.JWTClaimsRegistry(exp={"essential": True}).validate(decoded.claims)


def test_rotation_keeps_old_tokens_valid_until_the_old_key_is_revoked(emulator, make_token):
    old_token = make_token(DEMO["approved"])
    rotation = emulator.rotate_keys()
    new_token = make_token(DEMO["approved"])

    during = jwks(emulator)
    assert len(during["keys"]) == 2
    assert jwt_parts(new_token)[0]["kid"] == rotation["kid"] != jwt_parts(old_token)[0]["kid"]
    assert signature_valid(old_token, during)
    assert signature_valid(new_token, during)

    emulator.revoke_keys()
    after = jwks(emulator)
    assert [key["kid"] for key in after["keys"]] == [rotation["kid"]]
    assert not signature_valid(old_token, after)
    assert signature_valid(new_token, after)


def test_reset_restores_the_initial_keys(emulator, make_token):
    token = make_token(DEMO["approved"])
    emulator.rotate_keys()
    emulator.revoke_keys()
    assert not signature_valid(token, jwks(emulator))

    emulator.reset()

    assert signature_valid(token, jwks(emulator))
