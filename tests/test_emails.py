"""Email rendering and the outbox (D7): branded HTML with escaped values, a text part, a row."""

import pytest
from sqlalchemy import select

from aai.email.outbox import SUBJECTS, first_name, full_name, queue_email, render_email
from aai.extensions import db
from aai.models import EmailNotification, EmailStatusEnum

CONTEXTS = {
    "group_approved": {
        "first_name": "Ada",
        "group_name": "Threatened Species Initiative",
        "short_name": "TSI",
    },
    "email_changed": {"old_email": "old@example.org", "new_email": "new@example.org"},
    "username_changed": {"old_username": "ada_old", "new_username": "ada_new"},
    "group_request_admin": {
        "admin_first_name": "Grace",
        "group_name": "TSI",
        "requester_name": "Ada Lovelace",
        "requester_email": "ada@example.org",
        "reason": "",
    },
    "group_request_received": {"first_name": "Ada", "group_name": "TSI", "reason": "quolls"},
    "welcome": {"first_name": "Ada"},
    "email_change_code": {"target_email": "new@example.org", "code": "123456"},
    "sbp_registration_admin": {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.org",
        "username": "ada",
        "reason": "crystals",
    },
    "mistyped_email_account_deleted": {
        "mistyped_email": "ada@exmaple.org",
        "register_url": "https://portal.example.org/register",
    },
}


def test_every_email_kind_has_a_context_here():
    assert set(CONTEXTS) == set(SUBJECTS)


@pytest.mark.parametrize("kind", sorted(SUBJECTS))
def test_every_email_renders_html_and_text(app, kind):
    with app.test_request_context():
        rendered = render_email(kind, **CONTEXTS[kind])
    assert rendered.subject in rendered.html
    assert rendered.html.startswith("<!DOCTYPE html>")
    assert "biocommonsaccess.freshdesk.com" in rendered.html
    assert "<p>" not in rendered.text
    assert "Thank you," in rendered.text


def test_values_are_escaped_in_html_but_not_in_text(app):
    with app.test_request_context():
        rendered = render_email("welcome", first_name="<script>alert(1)</script>")
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    assert "<script>alert(1)</script>" in rendered.text


def test_subjects_are_exact(app):
    with app.test_request_context():
        rendered = render_email("group_request_received", **CONTEXTS["group_request_received"])
    assert rendered.subject == "Your TSI Service Bundle request has been received"


def test_queue_email_writes_a_pending_outbox_row(app):
    row = queue_email("ada@example.org", "group_request_admin", **CONTEXTS["group_request_admin"])
    stored = db.session.scalars(
        select(EmailNotification).where(EmailNotification.id == row.id)
    ).one()
    assert stored.status is EmailStatusEnum.PENDING
    assert stored.attempts == 0
    assert stored.from_address == app.config["NO_REPLY_EMAIL_SENDER"]
    assert stored.subject == "TSI Service Bundle request"
    assert "Reason: Not provided" in stored.body_text


def test_name_helpers():
    assert first_name("  Ada ", "Grace Hopper", "there") == "Ada"
    assert first_name(None, " Grace Hopper ", "there") == "Grace"
    assert first_name("", "  ", "there") == "there"
    assert full_name(" Ada Lovelace ", None, None, "Unknown user") == "Ada Lovelace"
    assert full_name(None, "Ada", "Lovelace", "Unknown user") == "Ada Lovelace"
    assert full_name(None, None, None, "Unknown user") == "Unknown user"


def test_the_welcome_email_is_the_originals(app):
    """Its links (migration help, newsletter), one sign-off, and the wrapper's logo."""
    with app.test_request_context():
        rendered = render_email("welcome", first_name="Ada")
    for part in (rendered.html, rendered.text):
        assert "https://www.biocommons.org.au/access-existing-users" in part
        assert "https://www.biocommons.org.au/subscribe" in part
        assert part.count("Thank you,") == 1
        assert "The Australian BioCommons" in part
        assert "BioCommons Access team" not in part
    assert 'alt="BioCommons Logo"' in rendered.html
    assert "BioCommons Access Login" in rendered.html


def test_other_emails_keep_the_team_sign_off(app):
    with app.test_request_context():
        rendered = render_email("username_changed", **CONTEXTS["username_changed"])
    assert rendered.text.count("Thank you,") == 1
    assert "BioCommons Access team" in rendered.text
    assert 'alt="BioCommons Logo"' in rendered.html
