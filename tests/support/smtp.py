"""A real SMTP server on loopback (aiosmtpd) for tests that follow emailed links.

def test_it_sends(smtp_server, settings):   # settings point at the server
    ...
    message = smtp_server.wait_for(to="alice@example.com")
"""

from __future__ import annotations

import email
import re
import socket
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

LINK = re.compile(r"https?://[^\s<>\"]+")


class Inbox:
    """Collects every message the server accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address.lower() in str(m["to"]).lower()]

    def wait_for(self, to: str, count: int = 1, timeout: float = 5.0) -> EmailMessage:
        """The ``count``-th message to ``to`` (1-based), waiting briefly for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(to)
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.02)
        raise AssertionError(
            f"no message #{count} for {to}; got {[str(m['to']) for m in self.messages]}"
        )


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "no text/plain part"
    return str(part.get_content())


def links(message: EmailMessage) -> list[str]:
    return LINK.findall(body(message))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Inbox]:
    """Starts aiosmtpd on a free loopback port and points Django's SMTP backend at it."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()
