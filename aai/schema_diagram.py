"""`flask db-diagram`: the schema as a Mermaid ER diagram in docs/schema.md, from the models.

Mermaid renders on GitHub and in most Markdown viewers, so the diagram needs no extra binaries;
a test fails when the committed file no longer matches the models.
"""

from pathlib import Path

import click
from sqlalchemy import MetaData, Table, UniqueConstraint

from aai.models import Base

SCHEMA_DOC = Path(__file__).resolve().parent.parent / "docs" / "schema.md"
HEADER = """# Database schema

Generated from `aai/models.py` by `flask --app wsgi db-diagram`; do not edit by hand.
Enum columns store the enum's NAME (upper case). `PK` primary key, `FK` foreign key,
`UK` unique.

```mermaid
erDiagram
"""


def _column_line(table: Table, column) -> str:
    unique = {
        constraint.columns.keys()[0]
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint) and len(constraint.columns) == 1
    }
    keys = [
        key
        for key, present in (
            ("PK", column.primary_key),
            ("FK", bool(column.foreign_keys)),
            ("UK", column.name in unique or column.unique),
        )
        if present
    ]
    kind = column.type.compile().split("(")[0].replace(" ", "_").lower()
    nullable = "" if column.nullable else ' "not null"'
    return f"        {kind} {column.name} {','.join(keys)}{nullable}".rstrip()


def render(metadata: MetaData) -> str:
    lines = [HEADER.rstrip("\n")]
    for table in sorted(metadata.tables.values(), key=lambda table: table.name):
        lines.append(f"    {table.name} {{")
        lines.extend(_column_line(table, column) for column in table.columns)
        lines.append("    }")
    for table in sorted(metadata.tables.values(), key=lambda table: table.name):
        for foreign_key in sorted(table.foreign_keys, key=lambda key: key.parent.name):
            target = foreign_key.column.table.name
            lines.append(f'    {table.name} }}o--|| {target} : "{foreign_key.parent.name}"')
    lines.append("```")
    return "\n".join(lines) + "\n"


@click.command("db-diagram")
def db_diagram_command() -> None:
    """Write docs/schema.md (a Mermaid ER diagram of the models)."""
    SCHEMA_DOC.write_text(render(Base.metadata))
    click.echo(f"Wrote {SCHEMA_DOC}")
