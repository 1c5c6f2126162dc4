"""JSON built by the database, for the admin lists: one statement answers a whole page.

`json_rows` turns the rows of a named subquery into a JSON array of objects keyed by its column
names; the other constructs give the columns their JSON text forms. Each renders for PostgreSQL
and for SQLite, and both render the same values: timestamps as Python's `isoformat()` of the UTC
time, UUIDs with hyphens, enums by value, booleans as true and false, nested arrays as arrays.
Building the JSON in the database spares Python a dict, a UUID, a datetime and an enum per value,
most of a page's cost (docs/decisions.md).
"""

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

# Timestamps are stored in UTC (aai.models.UTCDateTime); isoformat() drops zero microseconds.
PG_ISO_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'
ZERO_MICROSECONDS = ".000000+"
UUID_PARTS = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
HYPHEN = " || '-' || "


class JsonText(sa.types.TypeDecorator):
    """A column holding JSON (a nested json_rows): placed in its parent as JSON, not a string."""

    impl = sa.Text
    cache_ok = True


class json_rows(FunctionElement):  # noqa: N801 - used like the SQL functions it renders
    """The rows of a named subquery as a JSON array of objects (`[]` for none), in `order_by`
    order. SQLite 3.40 has no ORDER BY inside aggregates and keeps the order the rows arrive
    in, so the subquery must be ordered the same way."""

    type = JsonText()
    inherit_cache = True

    def __init__(self, rows: sa.Subquery, order_by: sa.ColumnElement):
        if not rows.name or rows.name.startswith("%"):
            raise ValueError("json_rows needs a named subquery")
        self.rows = rows
        super().__init__(order_by)


class _TextForm(FunctionElement):
    type = sa.Text()
    inherit_cache = True


class iso_utc(_TextForm):  # noqa: N801
    """A UTC timestamp as `isoformat()` writes it."""

    inherit_cache = True


class uuid_text(_TextForm):  # noqa: N801
    """A UUID in its hyphenated text form."""

    inherit_cache = True


class enum_value(_TextForm):  # noqa: N801
    """An enum column (stored by NAME) as its value."""

    inherit_cache = True


@compiles(enum_value)
def _enum_value(element, compiler, **kw):
    (column,) = element.clauses
    names_to_values = " ".join(
        f"WHEN '{member.name}' THEN '{member.value}'" for member in column.type.enum_class
    )
    return f"CASE {compiler.process(column, **kw)} {names_to_values} END"


def _argument(element, compiler, **kw) -> str:
    (clause,) = element.clauses
    return compiler.process(clause, **kw)


# --- PostgreSQL --------------------------------------------------------------------------------


@compiles(json_rows, "postgresql")
def _pg_rows(element, compiler, **kw):
    # A whole-row reference: PostgreSQL names each value after its column.
    whole_row = compiler.preparer.quote(element.rows.name)
    return f"coalesce(json_agg({whole_row} ORDER BY {_argument(element, compiler, **kw)}), '[]')"


@compiles(iso_utc, "postgresql")
def _pg_iso_utc(element, compiler, **kw):
    formatted = (
        f"to_char({_argument(element, compiler, **kw)} AT TIME ZONE 'UTC', '{PG_ISO_FORMAT}')"
    )
    return f"replace({formatted}, '{ZERO_MICROSECONDS}', '+')"


@compiles(uuid_text, "postgresql")
def _pg_uuid(element, compiler, **kw):
    return f"({_argument(element, compiler, **kw)})::text"


# --- SQLite -------------------------------------------------------------------------------------


@compiles(json_rows, "sqlite")
def _sqlite_rows(element, compiler, **kw):
    # No whole-row JSON in SQLite: name every column, and mark JSON and booleans as such
    # (a value loses its JSON subtype when it leaves a subquery).
    rows = compiler.preparer.quote(element.rows.name)
    pairs = []
    for column in element.rows.columns:
        value = f"{rows}.{compiler.preparer.quote(column.name)}"
        if isinstance(column.type, JsonText):
            value = f"json({value})"
        elif isinstance(column.type, sa.Boolean):
            value = f"json(CASE WHEN {value} THEN 'true' ELSE 'false' END)"
        pairs.append(f"'{column.name}', {value}")
    return f"json_group_array(json_object({', '.join(pairs)}))"


@compiles(iso_utc, "sqlite")
def _sqlite_iso_utc(element, compiler, **kw):
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (SQLAlchemy's SQLite format, in UTC).
    formatted = f"replace({_argument(element, compiler, **kw)}, ' ', 'T') || '+00:00'"
    return f"replace({formatted}, '{ZERO_MICROSECONDS}', '+')"


@compiles(uuid_text, "sqlite")
def _sqlite_uuid(element, compiler, **kw):
    # Stored as 32 hex digits (SQLAlchemy's Uuid without a native type).
    value = _argument(element, compiler, **kw)
    parts = [f"substr({value}, {start}, {length})" for start, length in UUID_PARTS]
    return f"lower({HYPHEN.join(parts)})"
