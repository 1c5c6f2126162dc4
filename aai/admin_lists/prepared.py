"""Hot statements that PostgreSQL parses and plans once per connection (PREPARE, EXECUTE).

psycopg2 sends every statement as text, so PostgreSQL parses and plans it on each execution:
for an admin list page that is 1–2 ms of a 4–5 ms statement. A `PreparedSelect` is PREPAREd
once per connection, under a name derived from its SQL, with its parameters as `$1, $2, ...`
and every other value written in, then EXECUTEd. Only statements whose best plan does not
depend on those parameters' values belong here: PostgreSQL may settle on one generic plan.

Each prepared statement holds its plan in the backend for as long as the connection lives
(about 0.35 MB for a list page), and the list statements differ by filter shape, page size and
page: kept without limit, an admin paging through filters grew a backend past 300 MB (issue 17).
So a connection keeps its DB_PREPARED_STATEMENTS_KEPT most recently used ones and DEALLOCATEs
the least recently used past that; a statement used again is simply prepared again.

With DB_PREPARED_STATEMENTS=false, and on SQLite, it is a plain execute. PgBouncer in
transaction mode needs it off: a client's server connection changes between transactions.
"""

import hashlib
from collections import OrderedDict

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql

from aai.extensions import db

# Writes the SQL handed to PREPARE: a dialect without psycopg2's %-escaping, since the PREPARE
# command is sent without parameters.
_WRITER = postgresql.dialect(paramstyle="named")
_STAND_IN = "aai-prepared-parameter-{}"
_PREPARED_ON_CONNECTION = "aai_prepared_statements"


class PreparedSelect:
    """A SELECT returning one row, run with string parameters `names` (all else fixed; none
    at all for a statement whose every value is written in)."""

    def __init__(self, statement: sa.Select, names: tuple[str, ...]):
        self.statement = statement
        self.names = names
        self._prepare_command: tuple[str, str] | None = None  # written on first use

    def one(self, parameters: dict[str, str]) -> sa.Row:
        connection = db.session.connection()
        if (
            connection.dialect.name != "postgresql"
            or not current_app.config["DB_PREPARED_STATEMENTS"]
        ):
            return connection.execute(self.statement, parameters).one()
        name, command = self._prepare()
        _ensure_prepared(connection, name, command)
        if not self.names:
            return connection.exec_driver_sql(f"EXECUTE {name}").one()
        placeholders = ", ".join(["%s"] * len(self.names))
        values = tuple(parameters[key] for key in self.names)
        return connection.exec_driver_sql(f"EXECUTE {name}({placeholders})", values).one()

    def _prepare(self) -> tuple[str, str]:
        """The statement's name and PREPARE command: its SQL with values written in, and each
        parameter (set to a unique stand-in first) replaced by its position."""
        if self._prepare_command is None:
            stand_ins = [_STAND_IN.format(position) for position in range(len(self.names))]
            filled = self.statement.params(dict(zip(self.names, stand_ins, strict=True)))
            options = {"literal_binds": True, "render_postcompile": True}
            sql = str(filled.compile(dialect=_WRITER, compile_kwargs=options))
            used = self.statement.compile(dialect=_WRITER).binds  # a statement may drop some
            pairs = zip(self.names, stand_ins, strict=True)
            for position, (name, stand_in) in enumerate(pairs, start=1):
                if name in used and f"'{stand_in}'" not in sql:
                    raise ValueError(f"parameter {name!r} was not written as a literal")
                sql = sql.replace(f"'{stand_in}'", f"${position}")
            name = "aai_" + hashlib.sha256(sql.encode()).hexdigest()[:32]
            types = f"({', '.join(['text'] * len(self.names))})" if self.names else ""
            self._prepare_command = (name, f"PREPARE {name}{types} AS {sql}")
        return self._prepare_command


def _ensure_prepared(connection: sa.Connection, name: str, command: str) -> None:
    """Prepare `name` on this connection unless it is, keeping the most recently used ones.

    PREPARE and DEALLOCATE are not transactional: a rollback keeps what they did, so the
    record on the DBAPI connection stays true for the connection's life.
    """
    # The connection's prepared statement names, least recently used first.
    prepared: OrderedDict[str, None] = connection.connection.info.setdefault(
        _PREPARED_ON_CONNECTION, OrderedDict()
    )
    if name in prepared:
        prepared.move_to_end(name)
        return
    while len(prepared) >= current_app.config["DB_PREPARED_STATEMENTS_KEPT"]:
        oldest, _ = prepared.popitem(last=False)
        connection.exec_driver_sql(f"DEALLOCATE {oldest}")
    connection.exec_driver_sql(command)
    prepared[name] = None
