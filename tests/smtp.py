"""A real SMTP server on loopback (aiosmtpd) for email delivery tests."""

import pytest
from aiosmtpd.controller import Controller

from tests.pg_cluster import free_port


class Mailbox:
    """An aiosmtpd handler keeping what it receives, or refusing with a given reply."""

    def __init__(self, reply: str = "250 OK"):
        self.reply = reply
        self.received = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.reply.startswith("250"):
            self.received.append(envelope)
        return self.reply


@pytest.fixture
def smtp_server():
    """`start(reply="250 OK") -> (mailbox, port)`; servers stop after the test."""
    controllers = []

    def start(reply: str = "250 OK") -> tuple[Mailbox, int]:
        mailbox, port = Mailbox(reply), free_port()
        controller = Controller(mailbox, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return mailbox, port

    yield start
    for controller in controllers:
        controller.stop()
