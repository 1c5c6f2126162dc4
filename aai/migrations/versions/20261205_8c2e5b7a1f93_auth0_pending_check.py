"""Changes whose Auth0 outcome is unknown, for the worker to reconcile (issue 14).

Revision ID: 8c2e5b7a1f93
Revises: f3a9c6e2d417
Create Date: 2026-12-05

A request whose Auth0 change timed out after it was sent cannot know whether Auth0 applied it;
it answers 503, rolls back, and leaves a row here naming the user. The worker's
`reconcile_auth0_outcomes` job re-reads those users from Auth0 every minute and applies what
the users and memberships sync would (docs/decisions.md 54). Only an addition: the original's
tables are untouched.
"""

import sqlalchemy as sa
from alembic import op

revision = "8c2e5b7a1f93"
down_revision = "f3a9c6e2d417"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "auth0_pending_check",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("action", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth0_pending_check")),
    )


def downgrade():
    op.drop_table("auth0_pending_check")
