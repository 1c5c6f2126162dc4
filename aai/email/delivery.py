"""Email delivery from the outbox (D7, 30 §8.3 with its stuck-row bug fixed).

The poller claims due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL) by marking them `sending`
and committing, then sends each and records the outcome. Transient failures are retried with
growing delays up to MAX_ATTEMPTS, then the row is dead: status `failed` with no `send_after`,
the last error kept. A row left in `sending` (a crashed worker) is claimed again once it is
older than SENDING_TIMEOUT, so delivery is at least once and never concurrent for one row.

An email that carries a one-time code (the email-change code) keeps its body only while it may
still be sent: once delivered or dead, the body is replaced by REDACTED_BODY, so the code is
not readable in the database (or the dashboard) afterwards.
"""

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from flask import Flask
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from aai.email.outbox import SUBJECTS
from aai.models import EmailNotification, EmailStatusEnum, utc_now

logger = logging.getLogger(__name__)

BATCH_SIZE = 25
MAX_ATTEMPTS = 5
# Wait after the n-th failed attempt before the next one.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)
SENDING_TIMEOUT = timedelta(minutes=10)
SEND_TIMEOUT_SECONDS = 30
SES_TRANSIENT_CODES = {
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "ServiceUnavailable",
    "InternalFailure",
    "InternalError",
    "RequestThrottled",
}

ONE_TIME_CODE_SUBJECTS = frozenset({SUBJECTS["email_change_code"]})
REDACTED_BODY = "(removed after delivery: this email held a one-time code)"


def holds_one_time_code(email: EmailNotification) -> bool:
    return email.subject in ONE_TIME_CODE_SUBJECTS


def redact_one_time_code(email: EmailNotification) -> None:
    """Blank the body of a code email that will not be sent again."""
    if holds_one_time_code(email):
        email.body_html = email.body_text = REDACTED_BODY


class DeliveryError(Exception):
    """A failed send; `transient` says whether trying again later may succeed."""

    def __init__(self, message: str, transient: bool):
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    sender: str
    subject: str
    html: str
    text: str | None


class EmailBackend(Protocol):
    def send(self, email: OutgoingEmail) -> None: ...


class ConsoleBackend:
    """Development: log the email instead of sending it."""

    def send(self, email: OutgoingEmail) -> None:
        logger.info("email to %s: %s\n%s", email.to, email.subject, email.text or email.html)


class SmtpBackend:
    def __init__(
        self, host: str, port: int, username: str | None, password: str | None, starttls: bool
    ):
        self.host, self.port, self.starttls = host, port, starttls
        self.username, self.password = username, password

    def send(self, email: OutgoingEmail) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=SEND_TIMEOUT_SECONDS) as server:
                if self.starttls:
                    server.starttls()
                if self.username:
                    server.login(self.username, self.password or "")
                server.send_message(mime_message(email))
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            raise DeliveryError(
                f"recipient refused: {codes}", transient=all(400 <= c < 500 for c in codes)
            ) from error
        except smtplib.SMTPResponseException as error:
            raise DeliveryError(
                f"SMTP {error.smtp_code}: {error.smtp_error!r}", transient=error.smtp_code < 500
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"SMTP failure: {error}", transient=True) from error


class SesBackend:
    """AWS SES v2, as the original (region and sender identity ARN from settings)."""

    def __init__(self, region: str, sender_arn: str | None):
        self.region, self.sender_arn = region, sender_arn
        self._client = None

    def client(self):
        if self._client is None:  # created on first use: no AWS set-up in the web app
            import boto3

            self._client = boto3.client("sesv2", region_name=self.region)
        return self._client

    def send(self, email: OutgoingEmail) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        body = {"Html": {"Data": email.html, "Charset": "UTF-8"}}
        if email.text:
            body["Text"] = {"Data": email.text, "Charset": "UTF-8"}
        request = {
            "FromEmailAddress": email.sender,
            "Destination": {"ToAddresses": [email.to]},
            "Content": {
                "Simple": {"Subject": {"Data": email.subject, "Charset": "UTF-8"}, "Body": body}
            },
        }
        if self.sender_arn:
            request["FromEmailAddressIdentityArn"] = self.sender_arn
        try:
            self.client().send_email(**request)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            raise DeliveryError(
                f"SES {code}: {error}", transient=code in SES_TRANSIENT_CODES
            ) from error
        except (BotoCoreError, OSError) as error:
            raise DeliveryError(f"SES unreachable: {error}", transient=True) from error


def mime_message(email: OutgoingEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = email.sender, email.to, email.subject
    message.set_content(email.text or "This email needs an HTML-capable mail reader.")
    message.add_alternative(email.html, subtype="html")
    return message


def backend_for(app: Flask) -> EmailBackend:
    config = app.config
    if config["EMAIL_BACKEND"] == "smtp":
        return SmtpBackend(
            config["SMTP_HOST"],
            config["SMTP_PORT"],
            config["SMTP_USERNAME"],
            config["SMTP_PASSWORD"],
            config["SMTP_STARTTLS"],
        )
    if config["EMAIL_BACKEND"] == "ses":
        return SesBackend(config["SES_REGION"], config["SES_RESOURCE_ARN"])
    return ConsoleBackend()


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0

    def as_dict(self) -> dict:
        return {"step": "emails", "sent": self.sent, "retrying": self.retrying, "dead": self.dead}


def outbox_depth(session: Session) -> dict[EmailStatusEnum, int]:
    """How many emails are in each status (for the outbox gauge)."""
    query = select(EmailNotification.status, func.count()).group_by(EmailNotification.status)
    counts = dict(session.execute(query).all())
    return {status: counts.get(status, 0) for status in EmailStatusEnum}


def due_condition(now: datetime):
    return or_(
        and_(
            EmailNotification.status == EmailStatusEnum.PENDING,
            or_(EmailNotification.send_after.is_(None), EmailNotification.send_after <= now),
        ),
        and_(
            EmailNotification.status == EmailStatusEnum.FAILED,
            EmailNotification.send_after.is_not(None),
            EmailNotification.send_after <= now,
        ),
        and_(
            EmailNotification.status == EmailStatusEnum.SENDING,
            EmailNotification.updated_at < now - SENDING_TIMEOUT,
        ),
    )


def deliver_outbox(
    session: Session, backend: EmailBackend, commit: Callable[[], None], sender: str
) -> DeliveryReport:
    """Send what is due; `commit` ends each step's transaction (the claim, then each row)."""
    report = DeliveryReport()
    for email in claim_due(session, commit):
        deliver(session, backend, email, sender, report)
        commit()
    return report


def claim_due(session: Session, commit: Callable[[], None]) -> list[EmailNotification]:
    now = utc_now()
    query = (
        select(EmailNotification)
        .where(due_condition(now))
        .order_by(EmailNotification.created_at)
        .limit(BATCH_SIZE)
        .with_for_update(skip_locked=True)
    )
    claimed = []
    for email in session.scalars(query):
        if email.attempts >= MAX_ATTEMPTS:
            _dead(email, email.last_error or "gave up after a stuck send")
            continue
        email.status = EmailStatusEnum.SENDING
        email.attempts += 1
        email.last_attempt_at = email.last_attempt_at or now  # the FIRST attempt, as the original
        email.updated_at = now
        claimed.append(email)
    commit()  # the claim is visible before any send: another poller skips these rows
    return claimed


def deliver(
    session: Session,
    backend: EmailBackend,
    email: EmailNotification,
    sender: str,
    report: DeliveryReport,
) -> None:
    outgoing = OutgoingEmail(
        email.to_address, sender, email.subject, email.body_html, email.body_text
    )
    try:
        backend.send(outgoing)
    except DeliveryError as error:
        _failed(email, error, report)
        return
    except Exception as error:  # a bug in a backend must not stop the other emails
        logger.exception("unexpected email backend failure")
        _failed(email, DeliveryError(str(error), transient=True), report)
        return
    email.status, email.sent_at, email.last_error = EmailStatusEnum.SENT, utc_now(), None
    email.send_after = None
    email.updated_at = email.sent_at
    redact_one_time_code(email)
    report.sent += 1


def _failed(email: EmailNotification, error: DeliveryError, report: DeliveryReport) -> None:
    logger.warning(
        "email %s to %s failed (attempt %s): %s", email.id, email.to_address, email.attempts, error
    )
    if error.transient and email.attempts < MAX_ATTEMPTS:
        delay = RETRY_DELAYS[min(email.attempts, len(RETRY_DELAYS)) - 1]
        email.status, email.send_after = EmailStatusEnum.FAILED, utc_now() + delay
        email.last_error, email.updated_at = str(error)[:1024], utc_now()
        report.retrying += 1
    else:
        _dead(email, str(error))
        report.dead += 1


def _dead(email: EmailNotification, reason: str) -> None:
    email.status, email.send_after = EmailStatusEnum.FAILED, None
    email.last_error, email.updated_at = reason[:1024], utc_now()
    redact_one_time_code(email)
