"""The tenant's RS256 signing keys: one signs, older ones stay published until revoked.

This mirrors Auth0's rotation: after a rotation the previous key is still in the JWKS, so
tokens it signed keep verifying; revoking it removes it from the JWKS, and they stop.
"""

import threading

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

ALGORITHM = "RS256"


def new_key() -> RSAKey:
    """A fresh 2048-bit RSA signing key whose `kid` is its RFC 7638 thumbprint."""
    return RSAKey.generate_key(2048, parameters={"use": "sig", "alg": ALGORITHM}, auto_kid=True)


class SigningKeys:
    """The published keys, newest last; the newest one signs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._initial = (new_key(),)
        self._keys = list(self._initial)

    def restore_initial(self) -> None:
        """Back to the key set the emulator started with (tokens minted then verify again)."""
        with self._lock:
            self._keys = list(self._initial)

    def rotate(self) -> str:
        """Add a new signing key; the old ones stay published. Returns the new `kid`."""
        key = new_key()
        with self._lock:
            self._keys.append(key)
        return key.kid  # type: ignore[return-value]  # auto_kid=True (new_key) always sets it

    def revoke_previous(self) -> list[str]:
        """Unpublish every key but the signing one. Returns the revoked `kid`s."""
        with self._lock:
            revoked, self._keys = self._keys[:-1], self._keys[-1:]
        return [key.kid for key in revoked if key.kid]

    def jwks(self) -> dict:
        with self._lock:
            keys = list(self._keys)
        return {"keys": [key.as_dict(private=False) for key in keys]}

    def sign(self, claims: dict) -> str:
        with self._lock:
            key = self._keys[-1]
        return jwt.encode({"alg": ALGORITHM, "typ": "JWT", "kid": key.kid}, claims, key)

    def verify(self, token: str) -> dict | None:
        """The claims of a token signed by a published key and not expired, else None."""
        with self._lock:
            key_set = KeySet(list(self._keys))
        try:
            decoded = jwt.decode(token, key_set, algorithms=[ALGORITHM])
            jwt.JWTClaimsRegistry(exp={"essential": True}).validate(decoded.claims)
        except (JoseError, ValueError):
            return None
        return decoded.claims
