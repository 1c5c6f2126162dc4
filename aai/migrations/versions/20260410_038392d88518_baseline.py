"""Baseline: the FastAPI original's schema at its head revision.

Revision ID: 038392d88518
Revises:
Create Date: 2026-04-10

This revision deliberately carries the original's head revision id (`user_query_indexes`), so a
database created by the FastAPI service is already "at" this revision: `flask db upgrade`
recognises it and applies only aai's later migrations. On an empty database it creates the
same schema in one step (matching tests/data/original-schema.sql), on PostgreSQL and
on SQLite.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "038392d88518"
down_revision = None
branch_labels = None
depends_on = None

ENUM_LABELS = {
    "PlatformEnum": ("GALAXY", "BPA_DATA_PORTAL", "SBP"),
    "ApprovalStatusEnum": ("APPROVED", "PENDING", "REVOKED", "REJECTED"),
    "EmailStatusEnum": ("PENDING", "SENDING", "SENT", "FAILED"),
}
SOFT_DELETE_TABLES = (
    "auth0role",
    "biocommons_user",
    "biocommonsgroup",
    "biocommonsuserhistory",
    "groupmembership",
    "groupmembershiphistory",
    "grouprolelink",
    "platform",
    "platformmembership",
    "platformmembershiphistory",
    "platformrolelink",
)


def enum(name: str) -> sa.Enum:
    """Native enum on PostgreSQL (created once, up front), plain VARCHAR on SQLite."""
    labels = ENUM_LABELS[name]
    return sa.Enum(*labels, name=name).with_variant(
        postgresql.ENUM(*labels, name=name, create_type=False), "postgresql"
    )


def timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def is_deleted() -> sa.Column:
    return sa.Column("is_deleted", sa.Boolean(), server_default=sa.false(), nullable=False)


def user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["biocommons_user.id"], name=f"fk_{table}_{column}_biocommons_user"
    )


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, labels in ENUM_LABELS.items():
            postgresql.ENUM(*labels, name=name).create(op.get_bind(), checkfirst=True)
    create_reference_tables()
    create_membership_tables()
    create_email_tables()
    create_indexes()
    create_redundant_unique_constraints()
    op.bulk_insert(
        sa.table(
            "platform",
            sa.column("id", enum("PlatformEnum")),
            sa.column("name", sa.String()),
            sa.column("is_deleted", sa.Boolean()),
        ),
        [
            {"id": "GALAXY", "name": "Galaxy Australia", "is_deleted": False},
            {
                "id": "BPA_DATA_PORTAL",
                "name": "Bioplatforms Australia Data Portal",
                "is_deleted": False,
            },
            {"id": "SBP", "name": "Structural Biology Platform", "is_deleted": False},
        ],
    )


def create_reference_tables():
    op.create_table(
        "auth0role",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        is_deleted(),
        sa.PrimaryKeyConstraint("id", name="pk_auth0role"),
    )
    op.create_table(
        "biocommons_user",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.Column("email_verified", sa.Boolean(), server_default=sa.false(), nullable=False),
        is_deleted(),
        sa.Column("deleted_at", timestamp(), nullable=True),
        sa.Column("deletion_reason", sa.String(), nullable=True),
        sa.Column("deleted_by_id", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_biocommons_user"),
        sa.UniqueConstraint("email", name="uq_biocommons_user_email"),
        sa.UniqueConstraint("username", name="uq_biocommons_user_username"),
        user_fk("biocommons_user", "deleted_by_id"),
    )
    op.create_table(
        "biocommonsgroup",
        sa.Column("group_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("short_name", sa.String(), nullable=False),
        is_deleted(),
        sa.PrimaryKeyConstraint("group_id", name="pk_biocommonsgroup"),
        sa.UniqueConstraint("name", name="uq_biocommonsgroup_name"),
        sa.UniqueConstraint("short_name", name="uq_biocommonsgroup_short_name"),
    )
    op.create_table(
        "platform",
        sa.Column("id", enum("PlatformEnum"), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        is_deleted(),
        sa.Column("role_id", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_platform"),
        sa.UniqueConstraint("name", name="uq_platform_name"),
        sa.ForeignKeyConstraint(
            ["role_id"], ["auth0role.id"], name="fk_platform_role_id_auth0role", ondelete="SET NULL"
        ),
    )
    op.create_table(
        "biocommonsuserhistory",
        is_deleted(),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.Column("updated_by_id", sa.String(), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("username", sa.String(), nullable=True),
        sa.Column("change", sa.String(), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_biocommonsuserhistory"),
        user_fk("biocommonsuserhistory", "updated_by_id"),
        user_fk("biocommonsuserhistory", "user_id"),
    )
    op.create_table(
        "grouprolelink",
        sa.Column("group_id", sa.String(), nullable=False),
        sa.Column("role_id", sa.String(), nullable=False),
        is_deleted(),
        sa.PrimaryKeyConstraint("group_id", "role_id", name="pk_grouprolelink"),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["biocommonsgroup.group_id"],
            name="fk_grouprolelink_group_id_biocommonsgroup",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["auth0role.id"], name="fk_grouprolelink_role_id_auth0role"
        ),
    )
    op.create_table(
        "platformrolelink",
        sa.Column("platform_id", enum("PlatformEnum"), nullable=False),
        sa.Column("role_id", sa.String(), nullable=False),
        is_deleted(),
        sa.PrimaryKeyConstraint("platform_id", "role_id", name="pk_platformrolelink"),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name="fk_platformrolelink_platform_id_platform"
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["auth0role.id"], name="fk_platformrolelink_role_id_auth0role"
        ),
    )


def membership_columns(table: str) -> list:
    """Columns and user foreign keys shared by the membership and history tables."""
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("approval_status", enum("ApprovalStatusEnum"), nullable=False),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.Column("updated_by_id", sa.String(), nullable=True),
        is_deleted(),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        user_fk(table, "updated_by_id"),
        user_fk(table, "user_id"),
    ]


def group_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["group_id"], ["biocommonsgroup.group_id"], name=f"fk_{table}_group_id_biocommonsgroup"
    )


def create_membership_tables():
    op.create_table(
        "groupmembership",
        sa.Column("group_id", sa.String(), nullable=False),
        *membership_columns("groupmembership"),
        sa.Column("revocation_reason", sa.String(length=1024), nullable=True),
        sa.Column("rejection_reason", sa.String(length=255), nullable=True),
        sa.Column("request_reason", sa.String(length=255), nullable=True),
        sa.UniqueConstraint("group_id", "user_id", name="user_group_pairing"),
        group_fk("groupmembership"),
    )
    op.create_table(
        "groupmembershiphistory",
        sa.Column("group_id", sa.String(), nullable=False),
        *membership_columns("groupmembershiphistory"),
        sa.Column("reason", sa.String(length=1024), nullable=True),
        group_fk("groupmembershiphistory"),
    )
    op.create_table(
        "platformmembership",
        sa.Column("platform_id", enum("PlatformEnum"), nullable=False),
        *membership_columns("platformmembership"),
        sa.Column("revocation_reason", sa.String(length=1024), nullable=True),
        sa.Column("request_reason", sa.String(length=255), nullable=True),
        sa.UniqueConstraint("platform_id", "user_id", name="platform_user_id_platform_id"),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name="fk_platformmembership_platform_id_platform"
        ),
    )
    # The original keeps no foreign key from platform history to platform.
    op.create_table(
        "platformmembershiphistory",
        sa.Column("platform_id", enum("PlatformEnum"), nullable=False),
        *membership_columns("platformmembershiphistory"),
        sa.Column("reason", sa.String(length=1024), nullable=True),
    )


def create_email_tables():
    op.create_table(
        "emailnotification",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("to_address", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("status", enum("EmailStatusEnum"), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=1024), nullable=True),
        sa.Column("send_after", timestamp(), nullable=True),
        sa.Column("sent_at", timestamp(), nullable=True),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.Column("last_attempt_at", timestamp(), nullable=True),
        sa.Column("from_address", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_emailnotification"),
    )
    op.create_table(
        "email_change_otps",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("target_email", sa.String(length=320), nullable=False),
        sa.Column("otp_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.Column("expires_at", timestamp(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("total_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_email_change_otps"),
        user_fk("email_change_otps", "user_id"),
    )


def create_redundant_unique_constraints():
    """The original has UNIQUE constraints on three primary keys. CREATE TABLE drops a unique
    constraint that repeats the primary key, so they are added afterwards, as the original's
    own migrations did."""
    for table, column in (("auth0role", "id"), ("biocommonsgroup", "group_id"), ("platform", "id")):
        with op.batch_alter_table(table) as batch:
            batch.create_unique_constraint(f"uq_{table}_{column}", [column])


def create_indexes():
    for table in SOFT_DELETE_TABLES:
        op.create_index(f"ix_{table}_is_deleted", table, ["is_deleted"])
    op.create_index(
        "ix_biocommons_user_email_verified_deleted",
        "biocommons_user",
        ["email_verified", "is_deleted"],
    )
    op.create_index("ix_biocommonsuserhistory_username", "biocommonsuserhistory", ["username"])
    op.create_index("ix_user_id_time", "biocommonsuserhistory", ["user_id", "updated_at"])
    op.create_index("ix_emailnotification_from_address", "emailnotification", ["from_address"])
    op.create_index("ix_emailnotification_status", "emailnotification", ["status"])
    op.create_index("ix_emailnotification_to_address", "emailnotification", ["to_address"])
    op.create_index(
        "ix_groupmembership_user_group_deleted",
        "groupmembership",
        ["user_id", "group_id", "is_deleted"],
    )
    op.create_index(
        "ix_platformmembership_user_platform_deleted",
        "platformmembership",
        ["user_id", "platform_id", "is_deleted"],
    )


def downgrade():
    for table in (
        "email_change_otps",
        "emailnotification",
        "platformmembershiphistory",
        "platformmembership",
        "groupmembershiphistory",
        "groupmembership",
        "platformrolelink",
        "grouprolelink",
        "biocommonsuserhistory",
        "platform",
        "biocommonsgroup",
        "biocommons_user",
        "auth0role",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        for name in ENUM_LABELS:
            postgresql.ENUM(name=name).drop(op.get_bind(), checkfirst=True)
