"""Seed a PostgreSQL database with the admin-list benchmark population (00-product targets).

100,000 users, 200,000 platform memberships (about 75 % approved, 15 % pending, 10 % revoked),
20,000 TSI group memberships, admin roles linked to every platform and group, and one admin
user per kind. Rows are generated deterministically and loaded with COPY, so a full seed takes
seconds. Usage: `seed(psycopg2_connection, users=100_000)` on a migrated, empty database.
"""

import io
import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

START = datetime(2024, 1, 1, tzinfo=UTC)
TSI = "biocommons/group/tsi"
SBP_BUNDLE = "biocommons/group/sbp_workflow_execution"
PLATFORMS = ("GALAXY", "BPA_DATA_PORTAL", "SBP")
# Each user holds two platforms; most have the registration defaults (Galaxy + BPA).
PLATFORM_PAIRS = (
    (("GALAXY", "BPA_DATA_PORTAL"), 0.8),
    (("GALAXY", "SBP"), 0.1),
    (("BPA_DATA_PORTAL", "SBP"), 0.1),
)
PLATFORM_STATUSES = (("APPROVED", 0.75), ("PENDING", 0.15), ("REVOKED", 0.10))
GROUP_STATUSES = (("APPROVED", 0.5), ("PENDING", 0.3), ("REJECTED", 0.1), ("REVOKED", 0.1))
GROUP_MEMBERS_PER_USER = 0.2  # 20,000 TSI memberships for 100,000 users
UNVERIFIED_SHARE = 0.1
DELETED_SHARE = 0.01

ADMIN_ROLES = {
    "galaxy": ("rol_bench_galaxy_admin", "biocommons/role/galaxy/admin"),
    "bpa_data_portal": ("rol_bench_bpa_admin", "biocommons/role/bpa_data_portal/admin"),
    "sbp": ("rol_bench_sbp_admin", "biocommons/role/sbp/admin"),
    "tsi": ("rol_bench_tsi_admin", "biocommons/role/tsi/admin"),
}
ADMIN_USERS = {kind: f"auth0|bench-{kind}-admin" for kind in ADMIN_ROLES}


@dataclass(frozen=True)
class SeedSummary:
    users: int
    platform_memberships: int
    group_memberships: int


def _choose(rng: random.Random, weighted) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def user_rows(count: int, rng: random.Random) -> Iterator[tuple]:
    for number in range(count):
        created = START + timedelta(minutes=number * 5, seconds=rng.randrange(60))
        deleted = rng.random() < DELETED_SHARE
        yield (
            f"auth0|{number:024x}",
            f"person{number}.{rng.choice(('uni', 'lab', 'org'))}@example{number % 97}.org",
            rng.random() >= UNVERIFIED_SHARE,
            f"person{number}",
            created,
            created + timedelta(days=30) if deleted else None,
            "left the project" if deleted else None,
            deleted,
        )


def membership_rows(user_ids: Iterable[str], rng: random.Random) -> Iterator[tuple]:
    """(kind, row) pairs: kind "platform" or "group"."""
    for user_id in user_ids:
        when = START + timedelta(days=rng.randrange(700))
        for platform in _choose(rng, PLATFORM_PAIRS):
            status = _choose(rng, PLATFORM_STATUSES)
            reason = "no longer eligible" if status == "REVOKED" else None
            yield "platform", (str(uuid.uuid4()), platform, user_id, status, when, reason)
        if rng.random() < GROUP_MEMBERS_PER_USER:
            status = _choose(rng, GROUP_STATUSES)
            requested = when if status == "PENDING" else None
            yield "group", (str(uuid.uuid4()), TSI, user_id, status, when, "research", requested)


def _copy(cursor, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    buffer = io.StringIO()
    count = 0
    for row in rows:
        buffer.write("\t".join(_text(value) for value in row) + "\n")
        count += 1
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
    return count


def _text(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _seed_reference_data(cursor) -> None:
    cursor.executemany(
        "INSERT INTO auth0role (id, name, description, is_deleted) VALUES (%s, %s, '', false)",
        list(ADMIN_ROLES.values()),
    )
    cursor.execute(
        "INSERT INTO biocommonsgroup (group_id, name, short_name, is_deleted) VALUES "
        "(%s, 'Threatened Species Initiative', 'TSI', false), "
        "(%s, 'SBP Workflow Execution', 'SBP-WE', false)",
        (TSI, SBP_BUNDLE),
    )
    for platform in ("galaxy", "bpa_data_portal", "sbp"):
        cursor.execute(
            "INSERT INTO platformrolelink (platform_id, role_id, is_deleted) "
            "VALUES (%s, %s, false)",
            (platform.upper(), ADMIN_ROLES[platform][0]),
        )
    cursor.execute(
        "INSERT INTO grouprolelink (group_id, role_id, is_deleted) VALUES (%s, %s, false)",
        (TSI, ADMIN_ROLES["tsi"][0]),
    )


def _admin_rows() -> list[tuple]:
    return [
        (user_id, f"{kind}-admin@example.org", True, f"{kind.replace('_', '-')}-admin", START)
        + (None, None, False)
        for kind, user_id in ADMIN_USERS.items()
    ]


def seed(connection, users: int = 100_000, random_seed: int = 6) -> SeedSummary:
    """Load the population into an empty, migrated database and ANALYZE it."""
    rng = random.Random(random_seed)  # noqa: S311 - reproducible data, not cryptography
    user_columns = (
        "id",
        "email",
        "email_verified",
        "username",
        "created_at",
        "deleted_at",
        "deletion_reason",
        "is_deleted",
    )
    generated = list(user_rows(users, rng))
    memberships = list(membership_rows((row[0] for row in generated), rng))
    platform_rows = [row for kind, row in memberships if kind == "platform"]
    group_rows = [row for kind, row in memberships if kind == "group"]
    with connection.cursor() as cursor:
        _seed_reference_data(cursor)
        _copy(cursor, "biocommons_user", user_columns, [*_admin_rows(), *generated])
        _copy(
            cursor,
            "platformmembership",
            ("id", "platform_id", "user_id", "approval_status", "updated_at")
            + ("revocation_reason",),
            platform_rows,
        )
        _copy(
            cursor,
            "groupmembership",
            ("id", "group_id", "user_id", "approval_status", "updated_at", "request_reason")
            + ("requested_at",),
            group_rows,
        )
    connection.commit()
    _analyze(connection)
    return SeedSummary(users, len(platform_rows), len(group_rows))


def _analyze(connection) -> None:
    previous = connection.autocommit
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.autocommit = previous
