"""Verified access tokens are remembered per process (docs/decisions.md 66) without verifying
anything a first verification would refuse: an expired token, a token whose key Auth0 no longer
publishes, a token that differs by one byte."""

import threading
import time

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from aai.errors import NotAuthorizedError
from aai.identity.tokens import LEEWAY_SECONDS, ROLES_CLAIM, SigningKeys, TokenVerifier

ISSUER = "https://tenant.example/"
AUDIENCE = "https://api.example"
PROBE = "/me/is-general-admin"
ADMIN_ROLE = "biocommons/role/biocommons/admin"


def new_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)


def signed(key: RSAKey, sub: str = "auth0|cached", expires_at: int | None = None) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": sub,
        "aud": AUDIENCE,
        "iat": now,
        "exp": expires_at or now + 3600,
        ROLES_CLAIM: [ADMIN_ROLE],
    }
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


class Clock:
    """Unix time that a test moves forward."""

    def __init__(self):
        self.now = int(time.time())

    def __call__(self) -> int:
        return self.now


class Jwks:
    """What Auth0 publishes; a test replaces the keys."""

    def __init__(self, *keys: RSAKey):
        self.keys = list(keys)
        self.fetches = 0

    def __call__(self) -> dict:
        self.fetches += 1
        return {"keys": [key.as_dict(private=False) for key in self.keys]}


def verifier(jwks: Jwks, clock: Clock | None = None, remembered: int = 100, refresh: float = 300):
    keys = SigningKeys(jwks, refresh=refresh, cooldown=0, wait=5)
    return TokenVerifier(keys, AUDIENCE, [ISSUER], ["RS256"], remembered=remembered, now=clock)


def test_a_remembered_token_is_refused_once_it_expires():
    key, clock = new_key(), Clock()
    tokens = verifier(Jwks(key), clock)
    token = signed(key, expires_at=clock.now + 60)
    assert tokens.verify(token).sub == "auth0|cached"
    assert tokens.verify(token).sub == "auth0|cached"  # remembered

    clock.now += 60 + LEEWAY_SECONDS - 1  # the last second the leeway allows
    assert tokens.verify(token).sub == "auth0|cached"
    clock.now += 1
    with pytest.raises(NotAuthorizedError):
        tokens.verify(token)
    with pytest.raises(NotAuthorizedError):  # also when asked again
        tokens.verify(token)


def test_a_remembered_token_is_refused_once_auth0_stops_publishing_its_key():
    old_key, new = new_key(), new_key()
    jwks = Jwks(old_key)
    tokens = verifier(jwks, refresh=0.2)
    token = signed(old_key)
    assert tokens.verify(token).sub == "auth0|cached"

    jwks.keys = [new]  # rotated and revoked: the next re-read no longer has the old key
    time.sleep(0.3)
    with pytest.raises(NotAuthorizedError):
        tokens.verify(token)
    assert tokens.verify(signed(new)).sub == "auth0|cached"


def test_a_remembered_token_still_verifies_after_a_re_read_that_keeps_its_key():
    key = new_key()
    jwks = Jwks(key)
    tokens = verifier(jwks, refresh=0.2)
    token = signed(key)
    assert tokens.verify(token).sub == "auth0|cached"
    time.sleep(0.3)
    assert tokens.verify(token).sub == "auth0|cached"
    assert jwks.fetches == 2


def test_a_remembered_token_with_one_byte_changed_is_refused(client, make_token):
    token = make_token("auth0|matrix", roles=[ADMIN_ROLE])
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(PROBE, headers=headers).json is True
    assert client.get(PROBE, headers=headers).json is True  # now remembered

    header, payload, signature = token.split(".")
    middle = len(signature) // 2
    other = "A" if signature[middle] != "A" else "B"
    last = "x" if payload[-2] != "x" else "y"
    forged_signature = f"{signature[:middle]}{other}{signature[middle + 1 :]}"
    for forged in (
        f"{header}.{payload}.{forged_signature}",
        f"{header}.{payload[:-2]}{last}{payload[-1]}.{signature}",
    ):
        response = client.get(PROBE, headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401
        assert response.json == {"detail": "Not authorized"}
    assert client.get(PROBE, headers=headers).json is True  # the real one still verifies


def test_the_remembered_tokens_are_bounded():
    key = new_key()
    tokens = verifier(Jwks(key), remembered=3)
    raw = [signed(key, sub=f"auth0|user{n}") for n in range(10)]
    for token in raw:
        tokens.verify(token)
    assert tokens.remembered() == 3
    # The oldest were forgotten, not refused: they verify again in full.
    assert tokens.verify(raw[0]).sub == "auth0|user0"
    assert tokens.remembered() == 3


def test_threads_verifying_at_once_get_their_own_token():
    key = new_key()
    tokens = verifier(Jwks(key), remembered=8)
    raw = [signed(key, sub=f"auth0|user{n}") for n in range(16)]
    wrong: list[str] = []

    def verify_all(offset: int) -> None:
        for round_ in range(40):
            token = raw[(offset + round_) % len(raw)]
            sub = tokens.verify(token).sub
            if sub != f"auth0|user{(offset + round_) % len(raw)}":
                wrong.append(sub)

    threads = [threading.Thread(target=verify_all, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
    assert tokens.remembered() == 8
