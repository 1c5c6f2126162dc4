"""One trigram index for the admin lists' "username or email contains" search.

Revision ID: d5a8f3b61c09
Revises: c41d7a9e2b56
Create Date: 2026-11-29

`search` matches a substring of the username or of the email. Answering that from two trigram
indexes costs two index scans and a BitmapOr; an index on `username || ' ' || email` answers it
in one scan: for a term without a space, a match in the joined text is a match in one of the two
(it cannot span the joining space). Terms with a space keep the two-column match. The username
index goes (nothing else uses it); the email index stays for terms with an @, which search the
email alone. On SQLite the index is a plain b-tree on the same expression, so the models and
migrations agree on both backends. Built and dropped concurrently (aai/migrations/online.py).
"""

from alembic import op

from aai.migrations.online import index_builds

revision = "d5a8f3b61c09"
down_revision = "c41d7a9e2b56"
branch_labels = None
depends_on = None

SEARCH_TEXT = "(username || ' ' || email)"


def upgrade():
    with index_builds():
        if op.get_context().dialect.name == "postgresql":
            op.execute(
                "CREATE INDEX CONCURRENTLY ix_biocommons_user_search_trgm ON biocommons_user "
                f"USING gin ({SEARCH_TEXT} gin_trgm_ops)"
            )
            # Statistics for the new expression, or the planner guesses its selectivity until
            # the next autovacuum (and picks index scans over id order for common terms).
            op.execute("ANALYZE biocommons_user")
        else:
            op.execute(
                f"CREATE INDEX ix_biocommons_user_search_trgm ON biocommons_user ({SEARCH_TEXT})"
            )
        op.drop_index(
            "ix_biocommons_user_username_trgm", "biocommons_user", postgresql_concurrently=True
        )


def downgrade():
    with index_builds():
        op.create_index(
            "ix_biocommons_user_username_trgm",
            "biocommons_user",
            ["username"],
            postgresql_using="gin",
            postgresql_ops={"username": "gin_trgm_ops"},
            postgresql_concurrently=True,
        )
    op.drop_index("ix_biocommons_user_search_trgm", "biocommons_user")
