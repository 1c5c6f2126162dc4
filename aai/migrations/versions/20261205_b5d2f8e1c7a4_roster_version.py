"""A second cache version, `roster_version`, that changes only with who is a live member of what
and which users are live and verified (aai.caching).

Revision ID: b5d2f8e1c7a4
Revises: 7e1c4a9d3b58
Create Date: 2026-12-05

The admin totals without an approval status or a search (the `all` and `unverified` badges,
the unfiltered page counts) read only membership rows' existence (user, platform or group,
`is_deleted`) and users' `is_deleted` and `email_verified`. An approval or a revocation, the
writes an admin makes most, changes none of these, yet it changed the one cache version and
made those totals cost ~25 ms again (docs/decisions.md 74). `roster_version` changes with the
version, at the same COMMIT, but only when a transaction wrote one of those columns.

PostgreSQL: inserts, deletes and truncates of users and memberships (statement triggers) and
updates that change those columns (row triggers with a WHEN condition, so a status change costs
nothing) mark the transaction's row in `aai_cache_version_bump` as a roster change; the deferred
trigger that sets the version at COMMIT sets `roster_version` to the same fresh value when the
mark is there. SQLite: row triggers set it to a random value. Only additions and a new body for
aai's own trigger function; the original's tables are untouched.
"""

import sqlalchemy as sa
from alembic import op

revision = "b5d2f8e1c7a4"
down_revision = "7e1c4a9d3b58"
branch_labels = None
depends_on = None

# Table, and the columns whose change moves a user into or out of an admin's totals.
ROSTER_COLUMNS = (
    ("biocommons_user", ("id", "is_deleted", "email_verified")),
    ("platformmembership", ("user_id", "platform_id", "is_deleted")),
    ("groupmembership", ("user_id", "group_id", "is_deleted")),
)

NOTE_ROSTER_WRITE = """
    CREATE FUNCTION aai_cache_note_roster_write() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
    BEGIN
        INSERT INTO aai_cache_version_bump (transaction_id, roster) VALUES (txid_current(), true)
        ON CONFLICT (transaction_id) DO UPDATE SET roster = true;
        RETURN NULL;
    END $$
"""

BUMP_BOTH = """
    CREATE OR REPLACE FUNCTION aai_cache_bump_version() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DECLARE
        fresh bigint := nextval('aai_cache_version_seq');
        roster_changed boolean;
    BEGIN
        DELETE FROM aai_cache_version_bump WHERE transaction_id = NEW.transaction_id
        RETURNING roster INTO roster_changed;
        UPDATE aai_cache_version SET version = fresh,
            roster_version = CASE WHEN roster_changed THEN fresh ELSE roster_version END;
        RETURN NULL;
    END $$
"""

BUMP_VERSION_ONLY = """
    CREATE OR REPLACE FUNCTION aai_cache_bump_version() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
    BEGIN
        UPDATE aai_cache_version SET version = nextval('aai_cache_version_seq');
        DELETE FROM aai_cache_version_bump WHERE transaction_id = NEW.transaction_id;
        RETURN NULL;
    END $$
"""

SQLITE_BUMP = "UPDATE aai_cache_version SET roster_version = random();"


def upgrade():
    op.add_column(
        "aai_cache_version",
        sa.Column("roster_version", sa.BigInteger, nullable=False, server_default="1"),
    )
    op.add_column(
        "aai_cache_version_bump",
        sa.Column("roster", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _changed(columns: tuple[str, ...], old: str, new: str, distinct: str) -> str:
    return " OR ".join(f"{old}.{column} {distinct} {new}.{column}" for column in columns)


def _postgresql_triggers():
    op.execute(NOTE_ROSTER_WRITE)
    op.execute(BUMP_BOTH)
    for table, columns in ROSTER_COLUMNS:
        op.execute(
            f"CREATE TRIGGER aai_roster_{table} AFTER INSERT OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION aai_cache_note_roster_write()"
        )
        changed = _changed(columns, "OLD", "NEW", "IS DISTINCT FROM")
        op.execute(
            f"CREATE TRIGGER aai_roster_{table}_update AFTER UPDATE ON {table} "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION aai_cache_note_roster_write()"
        )


def _sqlite_triggers():
    for table, columns in ROSTER_COLUMNS:
        for event in ("INSERT", "DELETE"):
            name = f"aai_roster_{table}_{event.lower()}"
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {SQLITE_BUMP} END")
        changed = _changed(columns, "OLD", "NEW", "IS NOT")
        op.execute(
            f"CREATE TRIGGER aai_roster_{table}_update AFTER UPDATE ON {table} "
            f"WHEN {changed} BEGIN {SQLITE_BUMP} END"
        )


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, _columns in ROSTER_COLUMNS:
        if postgresql:
            op.execute(f"DROP TRIGGER aai_roster_{table} ON {table}")
            op.execute(f"DROP TRIGGER aai_roster_{table}_update ON {table}")
        else:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER aai_roster_{table}_{event}")
    if postgresql:
        op.execute(BUMP_VERSION_ONLY)
        op.execute("DROP FUNCTION aai_cache_note_roster_write()")
    # Plain ALTER TABLE on SQLite too (3.35+): a batch copy would drop the version table under
    # the other tables' triggers, which SQLite checks.
    op.execute("ALTER TABLE aai_cache_version_bump DROP COLUMN roster")
    op.execute("ALTER TABLE aai_cache_version DROP COLUMN roster_version")
