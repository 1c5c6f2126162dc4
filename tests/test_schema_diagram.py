"""docs/schema.md stays in step with the models (`flask db-diagram` regenerates it)."""

from aai.models import Base
from aai.schema_diagram import SCHEMA_DOC, render


def test_committed_diagram_matches_the_models():
    assert SCHEMA_DOC.read_text() == render(Base.metadata), "run: flask --app wsgi db-diagram"


def test_diagram_names_every_table_and_relation():
    diagram = render(Base.metadata)
    for table in Base.metadata.tables:
        assert f"    {table} {{" in diagram
    assert 'platformmembership }o--|| biocommons_user : "user_id"' in diagram
