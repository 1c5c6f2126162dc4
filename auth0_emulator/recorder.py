"""What the emulator saw and did: the request log and the emails Auth0 would have sent."""

import threading
from collections import deque

from auth0_emulator.tenant import now_iso

# A 100,000-user sync makes thousands of calls; keep the newest ones, bounded.
MAX_LOGGED_REQUESTS = 20_000


class Recorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: deque[dict] = deque(maxlen=MAX_LOGGED_REQUESTS)
        self._emails: list[dict] = []

    def record_request(self, entry: dict) -> None:
        with self._lock:
            self._requests.append(entry)

    def requests(self, method: str | None = None, path_prefix: str | None = None) -> list[dict]:
        with self._lock:
            entries = list(self._requests)
        return [
            entry
            for entry in entries
            if (not method or entry["method"] == method.upper())
            and (not path_prefix or entry["path"].startswith(path_prefix))
        ]

    def record_email(self, kind: str, to: str, **details) -> dict:
        email = {"type": kind, "to": to, "sent_at": now_iso(), **details}
        with self._lock:
            self._emails.append(email)
        return email

    def emails(self) -> list[dict]:
        with self._lock:
            return list(self._emails)
