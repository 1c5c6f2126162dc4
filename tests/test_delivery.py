"""Email delivery from the outbox: SMTP on loopback, SES via moto, retries, dead letters."""

import threading
import time
from datetime import timedelta
from email import message_from_bytes

import boto3
import flask_migrate
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from sqlalchemy import select

from aai import create_app
from aai.email.delivery import (
    MAX_ATTEMPTS,
    SENDING_TIMEOUT,
    ConsoleBackend,
    SesBackend,
    SmtpBackend,
    deliver_outbox,
)
from aai.email.outbox import queue_email
from aai.extensions import db
from aai.models import EmailNotification, EmailStatusEnum, utc_now
from tests.settings import settings

SENDER = "no-reply@aai.test"


def smtp_backend(port: int) -> SmtpBackend:
    return SmtpBackend("127.0.0.1", port, None, None, starttls=False)


def welcome(to: str = "ada@example.org") -> EmailNotification:
    return queue_email(to, "welcome", first_name="Ada")


def deliver(backend):
    return deliver_outbox(db.session, backend, db.session.commit, SENDER)


def test_smtp_delivery_sends_both_parts(app, smtp_server):
    mailbox, port = smtp_server()
    email = welcome()
    report = deliver(smtp_backend(port))
    assert report.sent == 1
    (envelope,) = mailbox.received
    assert envelope.rcpt_tos == ["ada@example.org"]
    message = message_from_bytes(envelope.content)
    assert message["Subject"] == "Welcome to BioCommons Access"
    assert message["From"] == SENDER
    assert [part.get_content_type() for part in message.walk()][1:] == ["text/plain", "text/html"]
    db.session.refresh(email)
    assert email.status is EmailStatusEnum.SENT
    assert email.sent_at is not None
    assert email.attempts == 1


def test_failing_server_retries_with_backoff_then_gives_up(app, smtp_server):
    _, port = smtp_server("451 4.3.0 Try again later")
    email = welcome()
    delays = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = deliver(smtp_backend(port))
        db.session.refresh(email)
        assert email.attempts == attempt
        assert "451" in email.last_error
        if attempt < MAX_ATTEMPTS:
            assert (report.retrying, email.status) == (1, EmailStatusEnum.FAILED)
            delays.append(email.send_after - email.updated_at)
            assert deliver(smtp_backend(port)).retrying == 0  # not due yet
            email.send_after = utc_now() - timedelta(seconds=1)
            db.session.commit()
    assert report.dead == 1
    assert email.status is EmailStatusEnum.FAILED
    assert email.send_after is None
    assert delays == sorted(delays)
    assert delays[0] >= timedelta(seconds=55)


def test_permanent_refusal_is_dead_at_once(app, smtp_server):
    _, port = smtp_server("550 5.1.1 No such mailbox")
    email = welcome()
    assert deliver(smtp_backend(port)).dead == 1
    db.session.refresh(email)
    assert email.send_after is None
    assert "550" in email.last_error


def test_row_stuck_in_sending_is_recovered(app, smtp_server):
    mailbox, port = smtp_server()
    email = welcome()
    email.status, email.attempts = EmailStatusEnum.SENDING, 1
    email.updated_at = utc_now() - SENDING_TIMEOUT - timedelta(minutes=1)
    fresh = welcome("grace@example.org")
    fresh.status, fresh.updated_at = EmailStatusEnum.SENDING, utc_now()
    db.session.commit()
    assert deliver(smtp_backend(port)).sent == 1
    assert [envelope.rcpt_tos for envelope in mailbox.received] == [["ada@example.org"]]
    db.session.refresh(fresh)
    assert fresh.status is EmailStatusEnum.SENDING  # another poller's, not stuck yet


def test_console_backend_logs_the_email(app, caplog):
    welcome()
    with caplog.at_level("INFO", logger="aai.email.delivery"):
        assert deliver(ConsoleBackend()).sent == 1
    assert "Welcome to BioCommons Access" in caplog.text


def test_ses_delivery_through_moto(app, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        boto3.client("sesv2", region_name="ap-southeast-2").create_email_identity(
            EmailIdentity=SENDER
        )
        welcome()
        assert deliver(SesBackend("ap-southeast-2", None)).sent == 1
        (sent,) = ses_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-2"].sent_messages
    assert sent.destinations["ToAddresses"] == ["ada@example.org"]
    assert sent.subject == "Welcome to BioCommons Access"


def test_ses_rejection_is_permanent(app, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():  # the sender identity is not verified: SES rejects the message
        email = welcome()
        assert deliver(SesBackend("ap-southeast-2", None)).dead == 1
    db.session.refresh(email)
    assert "MessageRejected" in email.last_error


class SlowRecordingBackend:
    def __init__(self):
        self.sent, self.lock = [], threading.Lock()

    def send(self, email):
        time.sleep(0.02)
        with self.lock:
            self.sent.append(email.to)


def test_parallel_pollers_never_send_a_row_twice(pg_cluster):
    url = pg_cluster.create_database("aai_parallel_pollers")
    application = create_app(settings(DB_URL=url))
    with application.app_context():
        flask_migrate.upgrade()
        for number in range(40):
            welcome(f"user{number}@example.org")
        db.session.commit()
    backend = SlowRecordingBackend()

    def poll():
        with application.app_context():
            while deliver(backend).sent:
                pass
            db.session.remove()

    threads = [threading.Thread(target=poll) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(backend.sent) == sorted(f"user{number}@example.org" for number in range(40))
    with application.app_context():
        statuses = set(db.session.scalars(select(EmailNotification.status)))
        db.engine.dispose()
    assert statuses == {EmailStatusEnum.SENT}
