"""Indexes for the admin user lists: live memberships by platform/group, and substring search.

Revision ID: c41d7a9e2b56
Revises: 7b3e9c1f4d20
Create Date: 2026-11-29

The admin lists (30 §2.1) page through users in id order and filter them by live memberships
of the platforms and groups an admin manages. The partial membership indexes let PostgreSQL
answer those filters from the index alone; the trigram indexes serve `search` (a substring
match on email and username) without scanning the user table. pg_trgm and INCLUDE columns are
PostgreSQL features: on SQLite the same indexes are plain b-trees (the names must exist on both
backends so the models and migrations agree). The partial indexes say `is_deleted IS false`,
exactly as `Model.active()` does: the planners only use a partial index whose condition they
can match to the query's. The indexes are built concurrently (aai/migrations/online.py): adopting
a database in service does not block its writes.
"""

import sqlalchemy as sa
from alembic import op

from aai.migrations.online import index_builds

revision = "c41d7a9e2b56"
down_revision = "7b3e9c1f4d20"
branch_labels = None
depends_on = None

LIVE = sa.text("is_deleted IS false")
SQLITE_LIVE = sa.text("is_deleted IS 0")


def upgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with index_builds():
        create_indexes()


def create_indexes():
    op.create_index(
        "ix_biocommons_user_live_id",
        "biocommons_user",
        ["id"],
        postgresql_include=["email_verified"],
        postgresql_where=LIVE,
        sqlite_where=SQLITE_LIVE,
        postgresql_concurrently=True,
    )
    for column in ("email", "username"):
        op.create_index(
            f"ix_biocommons_user_{column}_trgm",
            "biocommons_user",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
            postgresql_concurrently=True,
        )
    op.create_index(
        "ix_platformmembership_live_platform_user",
        "platformmembership",
        ["platform_id", "user_id"],
        postgresql_include=["approval_status"],
        postgresql_where=LIVE,
        sqlite_where=SQLITE_LIVE,
        postgresql_concurrently=True,
    )
    op.create_index(
        "ix_platformmembership_live_platform_status_user",
        "platformmembership",
        ["platform_id", "approval_status", "user_id"],
        postgresql_where=LIVE,
        sqlite_where=SQLITE_LIVE,
        postgresql_concurrently=True,
    )
    op.create_index(
        "ix_groupmembership_live_group_status_user",
        "groupmembership",
        ["group_id", "approval_status", "user_id"],
        postgresql_where=LIVE,
        sqlite_where=SQLITE_LIVE,
        postgresql_concurrently=True,
    )


def downgrade():
    op.drop_index("ix_groupmembership_live_group_status_user", "groupmembership")
    op.drop_index("ix_platformmembership_live_platform_status_user", "platformmembership")
    op.drop_index("ix_platformmembership_live_platform_user", "platformmembership")
    op.drop_index("ix_biocommons_user_username_trgm", "biocommons_user")
    op.drop_index("ix_biocommons_user_email_trgm", "biocommons_user")
    op.drop_index("ix_biocommons_user_live_id", "biocommons_user")
    # pg_trgm stays: other objects of the database may use it.
