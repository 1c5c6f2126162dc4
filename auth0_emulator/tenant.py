"""The tenant's directory: users, roles and their members, applications, the database connection.

Records are frozen and replaced on every change (copy-on-write), so a snapshot of the user
list (an export job's) stays consistent while the directory keeps changing. Passwords are kept
in plain text: the directory lives only in this process's memory, is never served, and this way
seeding or generating 100,000 users needs no hashing.
"""

import bisect
import dataclasses
import hmac
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

SEED_TIME = "2025-01-01T00:00:00.000Z"


def now_iso() -> str:
    """Now as Auth0 writes timestamps (`2025-01-01T00:00:00.000Z`)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    email: str
    password: str = field(repr=False)
    username: str | None = None
    email_verified: bool = False
    blocked: bool | None = None  # None: never set, so Auth0 leaves it out of the user JSON
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    nickname: str | None = None
    picture: str | None = None
    app_metadata: dict | None = None
    user_metadata: dict | None = None
    created_at: str = SEED_TIME
    updated_at: str = SEED_TIME
    last_login: str | None = None
    logins_count: int = 0
    role_ids: tuple[str, ...] = ()

    def password_matches(self, candidate: str) -> bool:
        return hmac.compare_digest(self.password.encode(), candidate.encode())


@dataclass(frozen=True, slots=True)
class Role:
    id: str
    name: str
    description: str = ""
    permissions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Client:
    client_id: str
    name: str
    app_type: str  # spa, regular_web, native or non_interactive (machine-to-machine)
    client_secret: str | None = field(default=None, repr=False)
    callbacks: tuple[str, ...] = ()
    allowed_logout_urls: tuple[str, ...] = ()
    web_origins: tuple[str, ...] = ()
    management_scopes: tuple[str, ...] = ()

    @property
    def is_public(self) -> bool:
        return self.client_secret is None


@dataclass(frozen=True, slots=True)
class Connection:
    id: str
    name: str
    requires_username: bool = True


class ConflictError(Exception):
    """A unique field (`email`, `username`, `user_id`, role `name`) is already taken."""

    def __init__(self, field_name: str):
        super().__init__(field_name)
        self.field = field_name


class _Members:
    """A role's members, sorted by user id so checkpoint pages resume with a binary search."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.present: set[str] = set()

    def add(self, user_id: str) -> None:
        if user_id not in self.present:
            self.present.add(user_id)
            bisect.insort(self.ids, user_id)

    def add_many(self, user_ids: list[str]) -> None:
        self.present.update(user_ids)
        self.ids.extend(user_ids)
        self.ids.sort()  # two sorted runs: Timsort merges them in linear time

    def remove(self, user_id: str) -> None:
        if user_id in self.present:
            self.present.discard(user_id)
            del self.ids[bisect.bisect_left(self.ids, user_id)]


class Tenant:
    """Users, roles and applications of one Auth0 tenant, safe to share between threads."""

    def __init__(self, connection: Connection, clients: Iterable[Client]) -> None:
        self.lock = threading.RLock()
        self.connection = connection
        self.clients = {client.client_id: client for client in clients}
        self.users: dict[str, User] = {}
        self.roles: dict[str, Role] = {}
        self._by_email: dict[str, str] = {}
        self._by_username: dict[str, str] = {}
        self._members: dict[str, _Members] = {}

    # --- users

    def user(self, user_id: str) -> User | None:
        return self.users.get(user_id)

    def user_by_email(self, email: str) -> User | None:
        with self.lock:
            user_id = self._by_email.get(email.strip().lower())
            return self.users.get(user_id) if user_id else None

    def user_by_login(self, login: str) -> User | None:
        """The user whose email or username is `login` (case-insensitive)."""
        key = login.strip().lower()
        with self.lock:
            user_id = self._by_email.get(key) or self._by_username.get(key)
            return self.users.get(user_id) if user_id else None

    def snapshot(self) -> list[User]:
        with self.lock:
            return list(self.users.values())

    def add_user(self, user: User) -> User:
        with self.lock:
            self._check_unique(user, exclude=None)
            self._store(user)
            for role_id in user.role_ids:
                self._members[role_id].add(user.user_id)
        return user

    def add_users(self, users: list[User]) -> None:
        """Add many users at once (generated users); all share their `role_ids`."""
        with self.lock:
            for user in users:  # check them all first, so a conflict adds none of them
                self._check_unique(user, exclude=None)
            for user in users:
                self._store(user)
            if users:
                for role_id in users[0].role_ids:
                    self._members[role_id].add_many([user.user_id for user in users])

    def update_user(self, user_id: str, **changes) -> User:
        with self.lock:
            old = self.users[user_id]
            new = dataclasses.replace(old, **changes)
            self._check_unique(new, exclude=old)
            self._unindex(old)
            self._store(new)
            return new

    def delete_user(self, user_id: str) -> None:
        with self.lock:
            user = self.users.pop(user_id)
            self._unindex(user)
            for role_id in user.role_ids:
                self._members[role_id].remove(user_id)

    def _check_unique(self, user: User, exclude: User | None) -> None:
        if exclude is None and user.user_id in self.users:
            raise ConflictError("user_id")
        if self._by_email.get(user.email.lower(), user.user_id) != user.user_id:
            raise ConflictError("email")
        if user.username and self._by_username.get(user.username.lower(), user.user_id) != (
            user.user_id
        ):
            raise ConflictError("username")

    def _store(self, user: User) -> None:
        self.users[user.user_id] = user
        self._by_email[user.email.lower()] = user.user_id
        if user.username:
            self._by_username[user.username.lower()] = user.user_id

    def _unindex(self, user: User) -> None:
        self._by_email.pop(user.email.lower(), None)
        if user.username:
            self._by_username.pop(user.username.lower(), None)

    # --- roles

    def add_role(self, role: Role) -> Role:
        with self.lock:
            if role.id in self.roles:
                raise ConflictError("id")
            if any(other.name.lower() == role.name.lower() for other in self.roles.values()):
                raise ConflictError("name")
            self.roles[role.id] = role
            self._members[role.id] = _Members()
        return role

    def update_role(self, role_id: str, **changes) -> Role:
        with self.lock:
            role = dataclasses.replace(self.roles[role_id], **changes)
            self.roles[role_id] = role
            return role

    def delete_role(self, role_id: str) -> None:
        with self.lock:
            del self.roles[role_id]
            for user_id in self._members.pop(role_id).ids:
                user = self.users[user_id]
                kept = tuple(rid for rid in user.role_ids if rid != role_id)
                self.users[user_id] = dataclasses.replace(user, role_ids=kept)

    def role_by_name(self, name: str) -> Role | None:
        with self.lock:
            return next((role for role in self.roles.values() if role.name == name), None)

    def assign(self, user_id: str, role_ids: Iterable[str]) -> None:
        with self.lock:
            user = self.users[user_id]
            added = tuple(rid for rid in dict.fromkeys(role_ids) if rid not in user.role_ids)
            self.users[user_id] = dataclasses.replace(user, role_ids=user.role_ids + added)
            for role_id in added:
                self._members[role_id].add(user_id)

    def unassign(self, user_id: str, role_ids: Iterable[str]) -> None:
        with self.lock:
            user = self.users[user_id]
            removed = set(role_ids)
            kept = tuple(rid for rid in user.role_ids if rid not in removed)
            self.users[user_id] = dataclasses.replace(user, role_ids=kept)
            for role_id in removed:
                self._members[role_id].remove(user_id)

    def role_names(self, user: User) -> list[str]:
        return [self.roles[rid].name for rid in user.role_ids if rid in self.roles]

    def permissions(self, user: User) -> list[str]:
        names = (perm for rid in user.role_ids for perm in self.roles[rid].permissions)
        return sorted(set(names))

    def member_count(self, role_id: str) -> int:
        return len(self._members[role_id].ids)

    def members_slice(self, role_id: str, start: int, stop: int) -> list[User]:
        with self.lock:
            return [self.users[uid] for uid in self._members[role_id].ids[start:stop]]

    def members_after(self, role_id: str, after: str | None, take: int) -> list[User]:
        """Up to `take` members whose user id sorts after `after` (checkpoint pagination)."""
        with self.lock:
            ids = self._members[role_id].ids
            start = bisect.bisect_right(ids, after) if after else 0
            return [self.users[uid] for uid in ids[start : start + take]]
