"""Short-lived login state: login transactions, authorization codes, refresh tokens, sessions."""

import secrets
import threading
import time
from dataclasses import dataclass

CODE_LIFETIME_SECONDS = 600


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """What `/authorize` was asked, kept until the code is redeemed."""

    client_id: str
    redirect_uri: str
    response_mode: str
    state: str | None
    nonce: str | None
    scope: str
    audience: str
    code_challenge: str | None
    code_challenge_method: str | None


@dataclass(frozen=True, slots=True)
class Code:
    request: AuthorizationRequest
    user_id: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class RefreshGrant:
    user_id: str
    client_id: str
    scope: str
    audience: str


class Sessions:
    """Everything a browser login leaves behind, keyed by random opaque strings."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._transactions: dict[str, AuthorizationRequest] = {}
        self._codes: dict[str, Code] = {}
        self._refresh: dict[str, RefreshGrant] = {}
        self._sessions: dict[str, str] = {}

    def begin_login(self, request: AuthorizationRequest) -> str:
        return self._put(self._transactions, request)

    def login_request(self, transaction: str) -> AuthorizationRequest | None:
        with self._lock:
            return self._transactions.get(transaction)

    def finish_login(self, transaction: str) -> None:
        with self._lock:
            self._transactions.pop(transaction, None)

    def issue_code(self, request: AuthorizationRequest, user_id: str) -> str:
        expires_at = time.monotonic() + CODE_LIFETIME_SECONDS
        return self._put(self._codes, Code(request, user_id, expires_at))

    def redeem_code(self, code: str) -> Code | None:
        """The code's grant, once: a second redemption (or an expired code) gives None."""
        with self._lock:
            grant = self._codes.pop(code, None)
        return grant if grant and grant.expires_at > time.monotonic() else None

    def issue_refresh_token(self, grant: RefreshGrant) -> str:
        return self._put(self._refresh, grant)

    def refresh_grant(self, token: str) -> RefreshGrant | None:
        with self._lock:
            return self._refresh.get(token)

    def revoke_refresh_token(self, token: str) -> None:
        with self._lock:
            self._refresh.pop(token, None)

    def revoke_refresh_tokens_of(self, user_id: str) -> int:
        with self._lock:
            tokens = [tok for tok, grant in self._refresh.items() if grant.user_id == user_id]
            for token in tokens:
                del self._refresh[token]
        return len(tokens)

    def start_session(self, user_id: str) -> str:
        return self._put(self._sessions, user_id)

    def session_user(self, session_id: str | None) -> str | None:
        with self._lock:
            return self._sessions.get(session_id) if session_id else None

    def end_session(self, session_id: str | None) -> None:
        with self._lock:
            self._sessions.pop(session_id or "", None)

    def end_sessions_of(self, user_id: str) -> int:
        with self._lock:
            ids = [sid for sid, uid in self._sessions.items() if uid == user_id]
            for session_id in ids:
                del self._sessions[session_id]
        return len(ids)

    def _put(self, table: dict, value) -> str:
        key = secrets.token_urlsafe(24)
        with self._lock:
            table[key] = value
        return key
