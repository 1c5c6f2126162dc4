"""Small indexes that count live memberships per platform or group and status, and that list
live unverified users.

Revision ID: 4b7e2d9a6c15
Revises: 9d1e4b7c2a60
Create Date: 2026-12-05

The admin lists' totals and counts (aai.admin_lists.queries) count, for one platform or group,
the live memberships with a status. The indexes of migration c41d7a9e2b56 hold each user id as
well (about 20 MB at 200,000 memberships); these hold only the platform or group and the status,
which PostgreSQL's b-tree deduplication stores once per run of equal keys (about 1.4 MB), so
such a count reads a few hundred pages from the index alone. The live unverified users' ids (about
10 % of users) serve `email_verified=false` and the `unverified` count from the index alone, in
id order, without visiting the verified users. Built concurrently, like the others
(aai/migrations/online.py). Only additions: the original's tables keep their shape.
"""

import sqlalchemy as sa
from alembic import op

from aai.migrations.online import index_builds

revision = "4b7e2d9a6c15"
down_revision = "9d1e4b7c2a60"
branch_labels = None
depends_on = None

LIVE = sa.text("is_deleted IS false")
SQLITE_LIVE = sa.text("is_deleted IS 0")


def upgrade():
    with index_builds():
        op.create_index(
            "ix_biocommons_user_live_unverified",
            "biocommons_user",
            ["id"],
            postgresql_where=sa.text("email_verified IS false AND is_deleted IS false"),
            sqlite_where=sa.text("email_verified IS 0 AND is_deleted IS 0"),
            postgresql_concurrently=True,
        )
        op.create_index(
            "ix_platformmembership_live_platform_status",
            "platformmembership",
            ["platform_id", "approval_status"],
            postgresql_where=LIVE,
            sqlite_where=SQLITE_LIVE,
            postgresql_concurrently=True,
        )
        op.create_index(
            "ix_groupmembership_live_group_status",
            "groupmembership",
            ["group_id", "approval_status"],
            postgresql_where=LIVE,
            sqlite_where=SQLITE_LIVE,
            postgresql_concurrently=True,
        )


def downgrade():
    op.drop_index("ix_groupmembership_live_group_status", "groupmembership")
    op.drop_index("ix_platformmembership_live_platform_status", "platformmembership")
    op.drop_index("ix_biocommons_user_live_unverified", "biocommons_user")
