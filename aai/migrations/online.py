"""Index builds that keep the table writable, for migrating a database in service.

A plain CREATE INDEX blocks every write to its table until the index is built. CREATE INDEX
CONCURRENTLY does not, but PostgreSQL refuses it inside a transaction, and it takes longer (two
passes over the table, after waiting for the transactions already running). Migrations build
their indexes inside `index_builds()` with `postgresql_concurrently=True`: the block commits the
migration run so far, runs in autocommit mode without the app's 30 s statement timeout (meant
for requests, not for index builds on a large table), and a new transaction begins after it.
On SQLite the block runs as well and the `postgresql_*` options are ignored.

An interrupted concurrent build leaves an INVALID index behind: docs/operations.md says how to
find and drop it before running `flask db upgrade` again.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import op


@contextmanager
def index_builds() -> Iterator[None]:
    with op.get_context().autocommit_block():
        postgresql = op.get_context().dialect.name == "postgresql"
        if postgresql:
            op.execute("SET statement_timeout = 0")
        try:
            yield
        finally:
            if postgresql:
                # Back to the connection's own setting, before it returns to the app's pool.
                op.execute("RESET statement_timeout")
