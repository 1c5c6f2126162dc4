"""The user export file, as Auth0 writes it: gzipped CSV or gzipped NDJSON ("json").

CSV strings follow Auth0's CSV-injection escaping: each is prefixed with `'` and wrapped in
double quotes (inner quotes doubled); Auth0's own ISO dates, booleans and numbers are written
bare; missing values are empty.
"""

import gzip
import json
import re
from typing import Any

from auth0_emulator.representation import user_json
from auth0_emulator.tenant import Connection, User

DEFAULT_FIELDS = (
    "user_id",
    "email",
    "email_verified",
    "username",
    "name",
    "given_name",
    "family_name",
    "nickname",
    "blocked",
    "created_at",
    "updated_at",
    "last_login",
    "logins_count",
)
MAX_CSV_FIELDS = 30
_DATES = {"created_at", "updated_at", "last_login"}
# Top-level fields read straight from the record: the fast path for 100,000-user exports.
_DIRECT = set(User.__dataclass_fields__) - {"password", "role_ids", "picture", "nickname", "name"}
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def field_value(user: User, path: str, full: dict | None):
    """The value at `path` (`email`, `app_metadata.plan`, `identities[0].connection`)."""
    if path in _DIRECT:
        return getattr(user, path)
    value: Any = full
    for name, index in _STEP.findall(path):
        if isinstance(value, dict) and name:
            value = value.get(name)
        elif isinstance(value, list) and index and int(index) < len(value):
            value = value[int(index)]
        else:
            return None
    return value


class ExportWriter:
    """Renders a snapshot of users into the bytes the job's download location serves."""

    def __init__(self, fields: list[dict], base_url: str, connection: Connection):
        self.paths = [item["name"] for item in fields]
        self.labels = [item.get("export_as") or item["name"] for item in fields]
        self.base_url = base_url
        self.connection = connection
        self.simple = all(path in _DIRECT for path in self.paths)

    def values(self, user: User) -> list:
        full = None if self.simple else user_json(user, self.base_url, self.connection)
        return [field_value(user, path, full) for path in self.paths]

    def csv(self, users: list[User]) -> bytes:
        lines = [",".join(self.labels)]
        for user in users:
            cells = zip(self.paths, self.values(user), strict=True)
            lines.append(",".join(_csv_cell(path, value) for path, value in cells))
        return gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=5)

    def ndjson(self, users: list[User]) -> bytes:
        lines = []
        for user in users:
            row = zip(self.labels, self.values(user), strict=True)
            lines.append(json.dumps({label: value for label, value in row if value is not None}))
        return gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=5)


def _csv_cell(path: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) or path in _DATES:
        return str(value)
    text = value if isinstance(value, str) else json.dumps(value)
    return "\"'" + text.replace('"', '""') + '"'
