"""Unbound extension singletons; `init_extensions` binds them to an app without any I/O.

The flask-smorest Api is not here: it keeps per-app state (spec, app), so it is built per app
in `aai.api.register_blueprints`.
"""

from pathlib import Path

from flask import Flask
from flask_cors import CORS
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Engine, event

from aai.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
cors = CORS()

# Shipped inside the package (package data), so `flask db ...` works from the installed wheel in
# any working directory.
MIGRATIONS_DIRECTORY = Path(__file__).resolve().parent / "migrations"


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                configure_sqlite_engine(engine)
    migrate.init_app(
        app,
        db,
        directory=str(MIGRATIONS_DIRECTORY),
        render_as_batch=True,
        include_object=compared_by_autogenerate,
    )
    # The portal sends `authorization` and `content-type` on every call, GETs included, so
    # every call is preflighted; headers also go on error responses (after_request runs).
    cors.init_app(
        app,
        origins=app.config["CORS_ALLOWED_ORIGINS"],
        supports_credentials=True,
        allow_headers=["authorization", "content-type", "x-request-id"],
        expose_headers=["X-Request-ID"],
        methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        max_age=600,
        always_send=False,  # no Origin header: not a CORS request, send no CORS headers
    )


def configure_sqlite_engine(engine: Engine) -> None:
    """Enforce foreign keys and let SQLAlchemy own transactions, so SAVEPOINTs work.

    pysqlite's own transaction handling breaks nested transactions; this is the recipe from
    SQLAlchemy's SQLite dialect documentation.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN")


# Expression indexes are written by hand in their migrations: Alembic cannot reflect them on
# SQLite, nor match PostgreSQL's rewritten expression to the model's. tests/test_migrations.py
# checks their PostgreSQL definitions instead.
HAND_WRITTEN_INDEXES = frozenset(
    {
        "ix_biocommons_user_search_trgm",
        # User ids in byte order (COLLATE "C") for the counts' merges (migration 7e1c4a9d3b58).
        "ix_biocommons_user_live_unverified_bytes",
        "ix_platformmembership_live_platform_user_bytes",
        "ix_groupmembership_live_group_user_bytes",
    }
)


def compared_by_autogenerate(_object, name, type_, _reflected, _compare_to) -> bool:
    """Alembic's include_object hook for `flask db check` and `flask db migrate`."""
    return not (type_ == "index" and name in HAND_WRITTEN_INDEXES)
