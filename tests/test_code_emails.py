"""One-time codes do not stay readable in the outbox: once an email-change code email has been
delivered (or given up), its body is blanked; the email itself carried the code."""

import importlib.util
from email import message_from_bytes, policy
from pathlib import Path

from aai.email.delivery import (
    MAX_ATTEMPTS,
    ONE_TIME_CODE_SUBJECTS,
    REDACTED_BODY,
    SmtpBackend,
    deliver_outbox,
)
from aai.email.outbox import queue_email
from aai.extensions import db
from aai.models import EmailStatusEnum

CODE = "947261"
MIGRATION = next(
    (Path(__file__).parent.parent / "aai" / "migrations" / "versions").glob("*_9d1e4b7c2a60_*.py")
)


def code_email():
    return queue_email(
        "new.address@example.org",
        "email_change_code",
        target_email="new.address@example.org",
        code=CODE,
    )


def deliver(port: int):
    backend = SmtpBackend("127.0.0.1", port, None, None, starttls=False)
    return deliver_outbox(db.session, backend, db.session.commit, "no-reply@aai.test")


def test_a_delivered_code_email_keeps_no_code(app, smtp_server):
    mailbox, port = smtp_server()
    email = code_email()
    welcome = queue_email("ada@example.org", "welcome", first_name="Ada")
    assert deliver(port).sent == 2

    (to_new_address,) = [e for e in mailbox.received if e.rcpt_tos == ["new.address@example.org"]]
    message = message_from_bytes(to_new_address.content, policy=policy.default)
    assert CODE in message.get_body(preferencelist=("plain",)).get_content()  # the email had it
    db.session.refresh(email)
    db.session.refresh(welcome)
    assert email.status is EmailStatusEnum.SENT
    assert CODE not in email.body_text
    assert CODE not in email.body_html
    assert email.body_text == email.body_html == REDACTED_BODY
    assert "Welcome" in welcome.body_html  # other emails keep their bodies


def test_a_code_email_given_up_keeps_no_code(app, smtp_server):
    _mailbox, port = smtp_server(reply="550 no such user")
    email = code_email()
    deliver(port)
    db.session.refresh(email)
    assert (email.status, email.send_after) == (EmailStatusEnum.FAILED, None)
    assert email.attempts <= MAX_ATTEMPTS
    assert CODE not in email.body_text + email.body_html


def test_a_code_email_waiting_for_a_retry_keeps_its_body(app, smtp_server):
    _mailbox, port = smtp_server(reply="451 try later")
    email = code_email()
    deliver(port)
    db.session.refresh(email)
    assert email.status is EmailStatusEnum.FAILED
    assert email.send_after is not None
    assert CODE in email.body_text  # needed for the retry


def test_the_migration_blanks_what_the_worker_blanks():
    """The migration that blanks code emails sent before this change uses the same subject and
    replacement text as the worker."""
    spec = importlib.util.spec_from_file_location("code_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert {migration.CODE_EMAIL_SUBJECT} == ONE_TIME_CODE_SUBJECTS
    assert migration.REDACTED_BODY == REDACTED_BODY
