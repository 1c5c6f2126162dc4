"""Migrations: the schema matches the original's, stays in step with the models, and adopts a
database that the FastAPI service created without losing a row."""

import contextlib
import io
import itertools
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import flask_migrate
import psycopg2
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import current_app
from sqlalchemy import create_engine, inspect, select, text

from aai import create_app
from aai.extensions import db
from aai.models import (
    ApprovalStatusEnum,
    BiocommonsUser,
    EmailNotification,
    EmailStatusEnum,
    GroupMembershipHistory,
    PlatformEnum,
)
from tests.settings import settings

REPO = Path(__file__).resolve().parent.parent
# The original's schema dump at revision 038392d88518 and the rows its migrations insert; each
# file's first lines say how it was produced.
REFERENCE = Path(__file__).parent / "data"
HEAD = "b5d2f8e1c7a4"
BASELINE = "038392d88518"  # the original's head revision id, on purpose

# What aai adds to the original schema; every difference must be listed here (README too).
DOCUMENTED_ADDITIONS = {
    ("column", "groupmembership", "requested_at", "timestamp with time zone", "YES"),
    ("column", "platformmembership", "rejection_reason", "character varying(255)", "YES"),
    ("column", "emailnotification", "body_text", "text", "YES"),
    # The cache version (migration f3a9c6e2d417) and its commit-time trigger.
    ("column", "aai_cache_version", "id", "integer", "NO"),
    ("column", "aai_cache_version", "version", "bigint", "NO"),
    ("column", "aai_cache_version_bump", "transaction_id", "bigint", "NO"),
    ("column", "aai_cache_version", "roster_version", "bigint", "NO"),
    ("column", "aai_cache_version_bump", "roster", "boolean", "NO"),
    ("constraint", "aai_cache_version", "pk_aai_cache_version", "p", "PRIMARY KEY (id)"),
    # Changes whose Auth0 outcome is unknown (migration 8c2e5b7a1f93), for the worker.
    ("column", "auth0_pending_check", "id", "uuid", "NO"),
    ("column", "auth0_pending_check", "user_id", "character varying(255)", "YES"),
    ("column", "auth0_pending_check", "email", "character varying(320)", "YES"),
    ("column", "auth0_pending_check", "action", "character varying(255)", "NO"),
    ("column", "auth0_pending_check", "created_at", "timestamp with time zone", "NO"),
    ("constraint", "auth0_pending_check", "pk_auth0_pending_check", "p", "PRIMARY KEY (id)"),
    (
        "constraint",
        "aai_cache_version_bump",
        "pk_aai_cache_version_bump",
        "p",
        "PRIMARY KEY (transaction_id)",
    ),
    (
        "constraint",
        "aai_cache_version_bump",
        "aai_cache_bump_version",
        "t",
        "TRIGGER DEFERRABLE INITIALLY DEFERRED",
    ),
    # Dashboard sessions held server-side (migration 9d1e4b7c2a60).
    ("column", "dashboard_session", "id_hash", "character varying(64)", "NO"),
    ("column", "dashboard_session", "user_id", "character varying(255)", "NO"),
    ("column", "dashboard_session", "created_at", "timestamp with time zone", "NO"),
    ("column", "dashboard_session", "expires_at", "timestamp with time zone", "NO"),
    ("constraint", "dashboard_session", "pk_dashboard_session", "p", "PRIMARY KEY (id_hash)"),
    (
        "index",
        "dashboard_session",
        "pk_dashboard_session",
        "CREATE UNIQUE INDEX pk_dashboard_session ON public.dashboard_session "
        "USING btree (id_hash)",
        "",
    ),
    *(
        (
            "index",
            table,
            f"pk_{table}",
            f"CREATE UNIQUE INDEX pk_{table} ON public.{table} {key}",
            "",
        )
        for table, key in (
            ("aai_cache_version", "USING btree (id)"),
            ("aai_cache_version_bump", "USING btree (transaction_id)"),
            ("auth0_pending_check", "USING btree (id)"),
        )
    ),
    *(
        ("index", table, name, f"CREATE INDEX {name} ON public.{table} {definition}", "")
        for table, name, definition in (
            (
                "biocommons_user",
                "ix_biocommons_user_live_id",
                "USING btree (id) INCLUDE (email_verified) WHERE (is_deleted IS FALSE)",
            ),
            (
                "biocommons_user",
                "ix_biocommons_user_email_trgm",
                "USING gin (email gin_trgm_ops)",
            ),
            (
                "biocommons_user",
                "ix_biocommons_user_search_trgm",
                "USING gin (((((username)::text || ' '::text) || (email)::text)) gin_trgm_ops)",
            ),
            (
                "platformmembership",
                "ix_platformmembership_live_platform_user",
                "USING btree (platform_id, user_id) INCLUDE (approval_status) "
                "WHERE (is_deleted IS FALSE)",
            ),
            (
                "platformmembership",
                "ix_platformmembership_live_platform_status_user",
                "USING btree (platform_id, approval_status, user_id) WHERE (is_deleted IS FALSE)",
            ),
            (
                "groupmembership",
                "ix_groupmembership_live_group_status_user",
                "USING btree (group_id, approval_status, user_id) WHERE (is_deleted IS FALSE)",
            ),
            # Counts per platform or group and status, unverified users (migration 4b7e2d9a6c15).
            (
                "biocommons_user",
                "ix_biocommons_user_live_unverified",
                "USING btree (id) WHERE ((email_verified IS FALSE) AND (is_deleted IS FALSE))",
            ),
            (
                "platformmembership",
                "ix_platformmembership_live_platform_status",
                "USING btree (platform_id, approval_status) WHERE (is_deleted IS FALSE)",
            ),
            (
                "groupmembership",
                "ix_groupmembership_live_group_status",
                "USING btree (group_id, approval_status) WHERE (is_deleted IS FALSE)",
            ),
            # User ids in byte order for the counts, deleted users (migration 7e1c4a9d3b58).
            (
                "biocommons_user",
                "ix_biocommons_user_live_unverified_bytes",
                'USING btree (id COLLATE "C") '
                "WHERE ((email_verified IS FALSE) AND (is_deleted IS FALSE))",
            ),
            (
                "platformmembership",
                "ix_platformmembership_live_platform_user_bytes",
                'USING btree (platform_id, user_id COLLATE "C") WHERE (is_deleted IS FALSE)',
            ),
            (
                "groupmembership",
                "ix_groupmembership_live_group_user_bytes",
                'USING btree (group_id, user_id COLLATE "C") WHERE (is_deleted IS FALSE)',
            ),
            (
                "biocommons_user",
                "ix_biocommons_user_deleted_id",
                "USING btree (id) WHERE (is_deleted IS TRUE)",
            ),
        )
    ),
}

database_names = (f"aai_migration_{number}" for number in itertools.count(1))


@pytest.fixture(params=["postgresql", "sqlite"])
def fresh_database_url(request, tmp_path):
    """An empty database of each backend, for tests that run migrations themselves."""
    if request.param == "postgresql":
        return request.getfixturevalue("pg_cluster").create_database(next(database_names))
    return f"sqlite:///{tmp_path / 'fresh.sqlite3'}"


def postgres_schema(url: str) -> set[tuple]:
    """Tables' columns, keys, unique constraints, indexes and enum types, as comparable rows."""
    queries = {
        "column": """
            SELECT table_name, column_name,
                   CASE WHEN data_type = 'character varying'
                             AND character_maximum_length IS NOT NULL
                        THEN 'character varying(' || character_maximum_length || ')'
                        WHEN data_type = 'USER-DEFINED' THEN udt_name
                        ELSE data_type END,
                   is_nullable
            FROM information_schema.columns WHERE table_schema = 'public'""",
        "constraint": """
            SELECT cls.relname, con.conname, con.contype::text, pg_get_constraintdef(con.oid)
            FROM pg_constraint con JOIN pg_class cls ON cls.oid = con.conrelid
            JOIN pg_namespace ns ON ns.oid = cls.relnamespace WHERE ns.nspname = 'public'""",
        "index": """
            SELECT tablename, indexname, indexdef, ''
            FROM pg_indexes WHERE schemaname = 'public'""",
        "enum": """
            SELECT typ.typname, string_agg(enum.enumlabel, ',' ORDER BY enum.enumsortorder), '', ''
            FROM pg_type typ JOIN pg_enum enum ON enum.enumtypid = typ.oid GROUP BY typ.typname""",
    }
    connection = psycopg2.connect(url.replace("postgresql+psycopg2", "postgresql"))
    try:
        with connection.cursor() as cursor:
            rows = set()
            for kind, query in queries.items():
                cursor.execute(query)
                rows.update((kind, *row) for row in cursor.fetchall())
            return rows
    finally:
        connection.close()


def upgrade(url: str, revision: str = "head") -> None:
    with create_app(settings(DB_URL=url)).app_context():
        flask_migrate.upgrade(revision=revision)
        db.engine.dispose()


def test_upgraded_schema_matches_the_original_plus_documented_additions(pg_cluster):
    reference = pg_cluster.create_database(next(database_names))
    pg_cluster.run_sql_files(reference.rsplit("/", 1)[1], REFERENCE / "original-schema.sql")
    migrated = pg_cluster.create_database(next(database_names))
    upgrade(migrated)

    original, ours = postgres_schema(reference), postgres_schema(migrated)
    assert original - ours == set(), "the original's schema must exist unchanged"
    assert ours - original == DOCUMENTED_ADDITIONS
    tables = {row[1] for row in original if row[0] == "column"}
    assert len(tables) == 14  # thirteen domain tables and alembic_version


# SQLAlchemy and Alembic cannot reflect expression indexes on SQLite and say so; aai skips
# comparing that index on every backend (aai.extensions.HAND_WRITTEN_INDEXES).
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_models_match_the_migrations(app):
    """The equivalent of `flask db check`, on each backend."""
    with app.app_context():
        options = current_app.extensions["migrate"].configure_args  # as `flask db check`
        context = MigrationContext.configure(db.session.connection(), opts=options)
        assert compare_metadata(context, db.metadata) == []


def test_downgrade_to_base_and_upgrade_again(fresh_database_url):
    upgrade(fresh_database_url)
    with create_app(settings(DB_URL=fresh_database_url)).app_context():
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        flask_migrate.upgrade()
        platforms = db.session.scalars(select(text("name")).select_from(text("platform"))).all()
        db.session.remove()
        db.engine.dispose()
    assert sorted(platforms) == [
        "Bioplatforms Australia Data Portal",
        "Galaxy Australia",
        "Structural Biology Platform",
    ]


def migration_script(from_revision: str) -> list[str]:
    """The SQL statements `flask db upgrade --sql` would give a DBA for a PostgreSQL database."""
    # Offline: nothing connects to this address.
    app = create_app(settings(DB_URL="postgresql+psycopg2://aai@127.0.0.1:9/aai"))
    output = io.StringIO()
    with app.app_context(), contextlib.redirect_stdout(output):
        flask_migrate.upgrade(revision=f"{from_revision}:head", sql=True)
    lines = [line for line in output.getvalue().splitlines() if not line.startswith("--")]
    return [statement.strip() for statement in " ".join(lines).split(";") if statement.strip()]


def test_index_builds_on_an_adopted_database_do_not_block_its_writes():
    """From the original's schema on, every index aai adds is built CONCURRENTLY, outside any
    transaction, without the requests' statement timeout; so is the one index it drops."""
    in_transaction, timeout_lifted, builds = False, False, []
    for statement in migration_script(BASELINE):
        if statement in ("BEGIN", "COMMIT"):
            in_transaction = statement == "BEGIN"
        elif statement.startswith(("SET statement_timeout", "RESET statement_timeout")):
            timeout_lifted = statement == "SET statement_timeout = 0"
        elif statement.startswith(("CREATE INDEX", "DROP INDEX")):
            builds.append(statement)
            assert not in_transaction, statement
            assert timeout_lifted, statement
            assert statement.startswith(("CREATE INDEX CONCURRENTLY", "DROP INDEX CONCURRENTLY"))
    # Indexes on the original's tables; a new table's primary key comes with the table.
    new_tables = {
        row[1] for row in DOCUMENTED_ADDITIONS if row[0] == "constraint" and row[3] == "p"
    }
    created = {
        row[2] for row in DOCUMENTED_ADDITIONS if row[0] == "index" and row[1] not in new_tables
    }
    assert {statement.split()[3] for statement in builds if "CREATE" in statement} >= created
    assert not timeout_lifted  # reset before the connection goes back to the app


def test_baseline_carries_the_original_head_revision(fresh_database_url):
    upgrade(fresh_database_url, BASELINE)
    engine = create_engine(fresh_database_url)
    with engine.connect() as connection:
        assert (
            connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == BASELINE
        )
    engine.dispose()


def test_adopts_a_database_created_by_the_original(pg_cluster, tmp_path):
    name = next(database_names)
    url = pg_cluster.create_database(name)
    pg_cluster.run_sql_files(
        name,
        REFERENCE / "original-schema.sql",
        REFERENCE / "original-reference-data.sql",
        REFERENCE / "original_rows.sql",
    )

    # The README's adoption step, run as an operator would.
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", str(REPO / "wsgi.py"), "db", "upgrade"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", **settings(DB_URL=url, TESTING=None)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr

    with create_app(settings(DB_URL=url)).app_context():
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == HEAD
        user = db.session.get(BiocommonsUser, "auth0|legacy1")
        assert user.email == "legacy@example.org"
        assert user.created_at == datetime(2025, 6, 1, 0, 0, tzinfo=UTC)
        assert [admin.name for admin in user.platform_memberships[0].platform.admin_roles] == [
            "biocommons/role/galaxy/admin"
        ]
        (platform_membership,) = user.platform_memberships
        assert platform_membership.platform_id is PlatformEnum.GALAXY
        assert platform_membership.approval_status is ApprovalStatusEnum.APPROVED
        assert platform_membership.rejection_reason is None
        (group_membership,) = user.group_memberships
        assert group_membership.group.short_name == "TSI"
        assert group_membership.request_reason == "genomics of quolls"
        assert group_membership.requested_at == group_membership.updated_at
        history = db.session.scalars(select(GroupMembershipHistory)).one()
        assert history.id == uuid.UUID("6f1b2c3d-0000-4000-8000-000000000004")
        assert [entry.change for entry in user.history] == ["email_update"]
        email = db.session.scalars(select(EmailNotification)).one()
        assert email.status is EmailStatusEnum.SENT
        db.session.remove()
        db.engine.dispose()
