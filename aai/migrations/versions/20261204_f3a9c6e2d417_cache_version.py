"""A cache version that every committed write to the cached tables changes (aai.caching).

Revision ID: f3a9c6e2d417
Revises: d5a8f3b61c09
Create Date: 2026-12-04

aai's per-process caches (admins' scopes, live platforms and groups, list totals and counts,
deep pages' starts) key every entry by `aai_cache_version.version`; triggers change it with every
write to the tables those answers read, whoever writes (API, dashboard, worker, manual SQL), so
an entry never outlives a committed write (docs/decisions.md 52).

PostgreSQL: a statement-level trigger on each table notes the writing transaction in
`aai_cache_version_bump` (once per transaction); a deferred constraint trigger on that table sets
the version to a fresh sequence value at COMMIT. The version row's lock orders the changes by
commit and is held only while committing, not across a request's Auth0 call. The sequence keeps
values unique even when a transaction that changed the row rolls back.
The functions run as their owner (the migrating user), with the schema path of the migration, so
a writer without rights on the cache tables (an operator's role) still changes the version.
SQLite (tests, development): row triggers set the version to a random 64-bit value.
Only additions: the original's tables are untouched.
"""

import sqlalchemy as sa
from alembic import op

revision = "f3a9c6e2d417"
down_revision = "d5a8f3b61c09"
branch_labels = None
depends_on = None

# Every table a cached answer reads (aai.identity.permissions, aai.admin_lists.queries).
CACHED_TABLES = (
    "biocommons_user",
    "platformmembership",
    "groupmembership",
    "platform",
    "biocommonsgroup",
    "auth0role",
    "platformrolelink",
    "grouprolelink",
)

POSTGRESQL_FUNCTIONS = (
    """
    CREATE FUNCTION aai_cache_note_write() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
    BEGIN
        INSERT INTO aai_cache_version_bump (transaction_id) VALUES (txid_current())
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION aai_cache_bump_version() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
    BEGIN
        UPDATE aai_cache_version SET version = nextval('aai_cache_version_seq');
        DELETE FROM aai_cache_version_bump WHERE transaction_id = NEW.transaction_id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE CONSTRAINT TRIGGER aai_cache_bump_version AFTER INSERT ON aai_cache_version_bump
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION aai_cache_bump_version()
    """,
)


def upgrade():
    op.create_table(
        "aai_cache_version",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "aai_cache_version_bump",
        sa.Column("transaction_id", sa.BigInteger, primary_key=True, autoincrement=False),
    )
    op.execute("INSERT INTO aai_cache_version (id, version) VALUES (1, 1)")
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _postgresql_triggers():
    op.execute("CREATE SEQUENCE aai_cache_version_seq START 2")
    for statement in POSTGRESQL_FUNCTIONS:
        op.execute(statement)
    for table in CACHED_TABLES:
        op.execute(
            f"CREATE TRIGGER aai_cache_{table} "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION aai_cache_note_write()"
        )


SQLITE_BUMP = "UPDATE aai_cache_version SET version = random();"


def _sqlite_triggers():
    # SQLite has no statement triggers, sequences or deferred triggers; it has one writer at a
    # time, and random() never repeats a value a rolled-back transaction had set.
    for table in CACHED_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            name = f"aai_cache_{table}_{event.lower()}"
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {SQLITE_BUMP} END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in CACHED_TABLES:
            op.execute(f"DROP TRIGGER aai_cache_{table} ON {table}")
    else:
        for table in CACHED_TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER aai_cache_{table}_{event}")
    op.drop_table("aai_cache_version_bump")
    op.drop_table("aai_cache_version")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION aai_cache_bump_version()")
        op.execute("DROP FUNCTION aai_cache_note_write()")
        op.execute("DROP SEQUENCE aai_cache_version_seq")
