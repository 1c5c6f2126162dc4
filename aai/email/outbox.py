"""Emails: Jinja2 templates (HTML + text, values escaped in HTML) written to the outbox.

`queue_email` adds an `emailnotification` row in the caller's transaction and flushes: the
email exists only if the change that caused it commits (D7). The worker delivers it.
"""

from dataclasses import dataclass

from flask import current_app, render_template

from aai.extensions import db
from aai.models import EmailNotification, EmailStatusEnum

SUPPORT_URL = "https://biocommonsaccess.freshdesk.com/support/home"

# Email kind -> subject (str.format with the email's context). Templates live in
# aai/templates/email/<kind>.html and <kind>.txt.
SUBJECTS = {
    "group_approved": "{group_name} Service Bundle access approved",
    "email_changed": "Your Biocommons Access email address was updated",
    "username_changed": "Your Biocommons Access username was updated",
    "group_request_admin": "{group_name} Service Bundle request",
    "group_request_received": "Your {group_name} Service Bundle request has been received",
    "welcome": "Welcome to BioCommons Access",
    "email_change_code": "Confirm your new BioCommons Access email address",
    "sbp_registration_admin": "New Structural Biology Platform User Registration",
    # aai addition (portal contract #31): an admin deleted an account with a mistyped address.
    "mistyped_email_account_deleted": "Please register again for BioCommons Access",
}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


def render_email(kind: str, **context) -> RenderedEmail:
    subject = SUBJECTS[kind].format(**context)
    values = {
        "subject": subject,
        "portal_url": current_app.config["AAI_PORTAL_URL"],
        "support_url": SUPPORT_URL,
        **context,
    }
    html = render_template(f"email/{kind}.html", **values)
    text = render_template(f"email/{kind}.txt", **values)
    return RenderedEmail(subject=subject, html=html, text=text)


def queue_email(to_address: str, kind: str, **context) -> EmailNotification:
    """Add a pending email to the outbox, in the caller's transaction."""
    rendered = render_email(kind, **context)
    row = EmailNotification(
        to_address=to_address,
        from_address=current_app.config["NO_REPLY_EMAIL_SENDER"],
        subject=rendered.subject,
        body_html=rendered.html,
        body_text=rendered.text,
        status=EmailStatusEnum.PENDING,
        attempts=0,
    )
    db.session.add(row)
    db.session.flush()
    return row


def first_name(given_name: str | None, name: str | None, fallback: str) -> str:
    """Trimmed given name, else the first word of the full name, else the fallback."""
    if given_name and given_name.strip():
        return given_name.strip()
    if name and name.strip():
        return name.strip().split()[0]
    return fallback


def full_name(
    name: str | None, given_name: str | None, family_name: str | None, fallback: str
) -> str:
    """Trimmed full name, else "given family", else the fallback."""
    if name and name.strip():
        return name.strip()
    parts = [part.strip() for part in (given_name, family_name) if part and part.strip()]
    return " ".join(parts) or fallback
