"""Micro-benchmark: time to validate an access token with warm keys (target ≤ 0.5 ms).

Runs aai's own verifier on a locally signed token, with the keys already cached, so it
measures validation alone (no network). Usage: .venv/bin/python -m bench.token_validation
"""

import statistics
import time

from joserfc import jwt
from joserfc.jwk import RSAKey

from aai.identity.tokens import ROLES_CLAIM, SigningKeys, TokenVerifier

ISSUER = "https://tenant.example/"
AUDIENCE = "https://api.example"
TARGET_MS = 0.5


def signed_token(key: RSAKey) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": "auth0|bench",
        "aud": [AUDIENCE, f"{ISSUER}userinfo"],
        "iat": now,
        "exp": now + 3600,
        "azp": "portal",
        "scope": "openid profile email",
        "permissions": [],
        ROLES_CLAIM: ["biocommons/platform/galaxy", "biocommons/role/galaxy/admin"],
    }
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def median_ms(verifier: TokenVerifier, token: str, rounds: int = 5, per_round: int = 2000) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(per_round):
            verifier.verify(token)
        samples.append((time.perf_counter() - started) / per_round * 1000)
    return statistics.median(samples)


def main() -> None:
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
    keys = SigningKeys(lambda: {"keys": [key.as_dict(private=False)]})
    verifier = TokenVerifier(keys, AUDIENCE, [ISSUER], ["RS256"])
    token = signed_token(key)
    verifier.verify(token)  # warm the key cache
    result = median_ms(verifier, token)
    verdict = "OK" if result <= TARGET_MS else "SLOWER THAN TARGET"
    print(f"{'benchmark':<28}{'median ms':>10}{'target ms':>11}  verdict")
    print(f"{'token validation (warm)':<28}{result:>10.3f}{TARGET_MS:>11.1f}  {verdict}")


if __name__ == "__main__":
    main()
