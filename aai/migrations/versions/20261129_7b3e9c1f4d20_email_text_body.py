"""Plain-text body for outbox emails (sent as the text part of a multipart email).

Revision ID: 7b3e9c1f4d20
Revises: 5f0c1d2e8a47
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "7b3e9c1f4d20"
down_revision = "5f0c1d2e8a47"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("emailnotification") as batch:
        batch.add_column(sa.Column("body_text", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("emailnotification") as batch:
        batch.drop_column("body_text")
