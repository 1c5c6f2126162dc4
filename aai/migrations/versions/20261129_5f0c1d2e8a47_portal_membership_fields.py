"""Portal fields: groupmembership.requested_at, platformmembership.rejection_reason.

Revision ID: 5f0c1d2e8a47
Revises: 038392d88518
Create Date: 2026-11-29

The portal (v1.5) shows when a group request was made and why a platform request was
rejected; the original schema has neither (decision D1).
"""

import sqlalchemy as sa
from alembic import op

revision = "5f0c1d2e8a47"
down_revision = "038392d88518"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("groupmembership") as batch:
        batch.add_column(sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("platformmembership") as batch:
        batch.add_column(sa.Column("rejection_reason", sa.String(length=255), nullable=True))
    # For requests already pending, the last update is the best record of when they were made.
    op.execute(
        "UPDATE groupmembership SET requested_at = updated_at WHERE approval_status = 'PENDING'"
    )


def downgrade():
    with op.batch_alter_table("platformmembership") as batch:
        batch.drop_column("rejection_reason")
    with op.batch_alter_table("groupmembership") as batch:
        batch.drop_column("requested_at")
