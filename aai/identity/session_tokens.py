"""Auth0 Action session tokens (20 §3.6): HS256 JWTs signed with the Management secret.

Used by the migration and verification-resend endpoints, which have no bearer token.
"""

from flask import current_app
from joserfc import jwt
from joserfc.errors import ExpiredTokenError
from joserfc.jwk import OctKey

from aai.errors import NotAuthorizedError

CLAIMS = jwt.JWTClaimsRegistry(exp={"essential": True})


def verify_session_token(raw_token: str) -> dict:
    """The token's claims; 401 "session_token expired" or 401 "invalid session_token"."""
    key = OctKey.import_key(current_app.config["AUTH0_MANAGEMENT_SECRET"])
    try:
        claims = jwt.decode(raw_token, key, algorithms=["HS256"]).claims
        CLAIMS.validate(claims)
    except ExpiredTokenError as error:
        raise NotAuthorizedError("session_token expired") from error
    except Exception as error:  # malformed, bad signature, missing exp: all the same answer
        raise NotAuthorizedError("invalid session_token") from error
    return claims
