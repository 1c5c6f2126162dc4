"""Alembic environment for Flask-Migrate: aai's models are the target metadata.

Logging is left as the app configured it (the stock template's fileConfig would replace the
JSON logs and disable the app's loggers).
"""

from alembic import context
from flask import current_app

config = context.config
db = current_app.extensions["migrate"].db


def run_migrations_offline() -> None:
    context.configure(
        url=db.engine.url.render_as_string(hide_password=False),
        target_metadata=db.metadata,
        literal_binds=True,
        **current_app.extensions["migrate"].configure_args,
    )
    with context.begin_transaction():
        context.run_migrations()


def skip_empty_autogenerate(context_, revision, directives) -> None:
    """`flask db migrate` with no model change writes no empty revision."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []


def run_migrations_online() -> None:
    configure_args = dict(current_app.extensions["migrate"].configure_args)
    configure_args.setdefault("process_revision_directives", skip_empty_autogenerate)
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations recreate tables, and SQLite would enforce foreign keys while an
            # old table is dropped. PRAGMA is a no-op inside a transaction, so it goes to the
            # raw connection before Alembic begins one, and is restored before the connection
            # goes back to the pool.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=connection, target_metadata=db.metadata, **configure_args)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if sqlite:
                if connection.in_transaction():  # the PRAGMA is ignored inside a transaction
                    connection.commit()
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
