"""Dashboard sessions held server-side, and no readable email-change codes in the outbox.

Revision ID: 9d1e4b7c2a60
Revises: 8c2e5b7a1f93
Create Date: 2026-12-05

`dashboard_session`: one row per dashboard login (the SHA-256 of the id its cookie carries);
logging out deletes it, so the cookie stops working at once (docs/decisions.md).
The outbox: email-change code emails already delivered (or given up) lose their bodies, as the
worker now does after each delivery (aai.email.delivery.redact_one_time_code).
Only additions: the original's tables keep their shape.
"""

import sqlalchemy as sa
from alembic import op

revision = "9d1e4b7c2a60"
down_revision = "8c2e5b7a1f93"
branch_labels = None
depends_on = None

# The subject of aai's email-change code email (aai.email.outbox.SUBJECTS), and the text its
# body becomes once the email has left (aai.email.delivery.REDACTED_BODY).
CODE_EMAIL_SUBJECT = "Confirm your new BioCommons Access email address"
REDACTED_BODY = "(removed after delivery: this email held a one-time code)"


def upgrade():
    op.create_table(
        "dashboard_session",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name="pk_dashboard_session"),
    )
    # Sent, or dead (failed with no retry planned): the email will not be sent again.
    op.get_bind().execute(
        sa.text(
            "UPDATE emailnotification SET body_html = :redacted, body_text = :redacted "
            "WHERE subject = :subject "
            "AND (status = 'SENT' OR (status = 'FAILED' AND send_after IS NULL))"
        ),
        {"redacted": REDACTED_BODY, "subject": CODE_EMAIL_SUBJECT},
    )


def downgrade():
    op.drop_table("dashboard_session")
