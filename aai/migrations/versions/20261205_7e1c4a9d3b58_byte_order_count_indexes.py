"""Indexes that count a platform's or group's live unverified users by a merge in byte order,
and that list deleted users' ids.

Revision ID: 7e1c4a9d3b58
Revises: 4b7e2d9a6c15
Create Date: 2026-12-05

The admin `counts` badge `unverified` joins a platform's or group's live memberships (90,000 for
Galaxy on the bench) with the live unverified users (10,000). Both come in user id order from
indexes, so PostgreSQL merges them; but under the database's collation (e.g. C.UTF-8 or
en_US.UTF-8) every one of those comparisons calls the C library's strcoll. These indexes keep
the same user ids in byte order (COLLATE "C"), which the count joins on: equality is the same
in both orders, and the merge costs about two thirds (docs/decisions.md 71). The deleted users'
ids (about 1 %) come from their own small index, so the totals' "less the deleted users'
memberships" reads no table rows. On SQLite, whose default order is already byte order, the
same indexes are plain. Built concurrently (aai/migrations/online.py); only additions.
"""

import sqlalchemy as sa
from alembic import op

from aai.migrations.online import index_builds

revision = "7e1c4a9d3b58"
down_revision = "4b7e2d9a6c15"
branch_labels = None
depends_on = None

# name, table, key columns (the last one in byte order), live-row condition
BYTE_ORDER_INDEXES = (
    (
        "ix_biocommons_user_live_unverified_bytes",
        "biocommons_user",
        ("id",),
        "email_verified IS false AND is_deleted IS false",
    ),
    (
        "ix_platformmembership_live_platform_user_bytes",
        "platformmembership",
        ("platform_id", "user_id"),
        "is_deleted IS false",
    ),
    (
        "ix_groupmembership_live_group_user_bytes",
        "groupmembership",
        ("group_id", "user_id"),
        "is_deleted IS false",
    ),
)


def upgrade():
    postgresql = op.get_context().dialect.name == "postgresql"
    with index_builds():
        for name, table, columns, live in BYTE_ORDER_INDEXES:
            *leading, user_id = columns
            if postgresql:
                key = ", ".join([*leading, f'{user_id} COLLATE "C"'])
                op.execute(f"CREATE INDEX CONCURRENTLY {name} ON {table} ({key}) WHERE {live}")
            else:
                key = ", ".join(columns)
                sqlite_live = live.replace("false", "0")
                op.execute(f"CREATE INDEX {name} ON {table} ({key}) WHERE {sqlite_live}")
        op.create_index(
            "ix_biocommons_user_deleted_id",
            "biocommons_user",
            ["id"],
            postgresql_where=sa.text("is_deleted IS true"),
            sqlite_where=sa.text("is_deleted IS 1"),
            postgresql_concurrently=True,
        )


def downgrade():
    op.drop_index("ix_biocommons_user_deleted_id", "biocommons_user")
    for name, table, _columns, _live in reversed(BYTE_ORDER_INDEXES):
        op.drop_index(name, table)
