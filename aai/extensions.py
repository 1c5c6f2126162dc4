"""Unbound extension singletons; `init_extensions` binds them to an app without any I/O.

The flask-smorest Api is not here: it keeps per-app state (spec, app), so it is built per app
in `aai.api.register_blueprints`.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request
from flask_cors import CORS
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from aai.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
cors = CORS()

# Shipped inside the package (package data), so `flask db ...` works from the installed wheel in
# any working directory.
MIGRATIONS_DIRECTORY = Path(__file__).resolve().parent / "migrations"


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    app.before_request(begin_read_only_request)
    app.teardown_request(end_read_only_request)
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                configure_sqlite_engine(engine)
            else:
                event.listen(engine, "checkin", _end_autocommit)
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


READ_ONLY = "aai.read_only"
AUTOCOMMIT = "aai.autocommit"


def read_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that writes nothing (the `/me` reads, the admin lists): its request runs
    without a transaction (`begin_read_only_request`). Put it right under the route decorator."""
    view.read_only = True  # type: ignore[attr-defined]
    return view


def begin_read_only_request() -> None:
    """Run a read-only view's statements without a transaction on PostgreSQL (psycopg2's
    autocommit): no BEGIN before the first statement and no ROLLBACK at the end, two round
    trips fewer, half of a `/me` read's time (docs/decisions.md 73). Each statement still sees
    every write committed before it, as in a READ COMMITTED transaction, where every statement
    takes its own snapshot too. An app-level before_request, so it runs before the blueprints'
    gates, which read the database. A session joined to a caller's transaction (the tests'
    rolled-back one) stays in it, but a write is refused there too."""
    if not getattr(current_app.view_functions.get(request.endpoint or ""), "read_only", False):
        return
    request.environ[READ_ONLY] = True
    session = db.session()
    session.info[READ_ONLY] = True
    if _is_postgresql_engine(session.get_bind()) and not session.in_transaction():
        # Set on the driver's connection, not as SQLAlchemy's isolation_level: SQLAlchemy
        # restores that with a round trip when the connection goes back to the pool.
        pooled = session.connection().connection
        pooled.dbapi_connection.autocommit = True  # type: ignore[union-attr]
        pooled.info[AUTOCOMMIT] = True


def end_read_only_request(_error: BaseException | None) -> None:
    """A session that outlives the request (a test's app context) may write again."""
    if request.environ.get(READ_ONLY):
        db.session().info.pop(READ_ONLY, None)


def _end_autocommit(dbapi_connection, record) -> None:
    """Back in the pool, a read-only request's connection is transactional again (no I/O)."""
    if record.info.pop(AUTOCOMMIT, False) and dbapi_connection is not None:
        dbapi_connection.autocommit = False


def _is_postgresql_engine(bind: object) -> bool:
    # A Connection rather than an Engine: the caller's own transaction, which the request joins.
    return isinstance(bind, Engine) and bind.dialect.name == "postgresql"


@event.listens_for(Session, "before_flush")
def _refuse_writes_when_read_only(session: Session, _context, _instances) -> None:
    """Autocommit would commit each flush on its own: a view marked read-only must not write."""
    if session.info.get(READ_ONLY):
        raise RuntimeError("a view marked read_only tried to write")


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
