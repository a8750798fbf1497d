"""The newsletter's messages: an issue rendered once per batch, then made personal per
recipient by replacing placeholders in the finished bytes; DKIM when a key is set.

Why placeholders: rendering two templates and building the MIME tree is most of the
cost of a message. An issue is the same for every recipient but for the address, the
message id and the unsubscribe token, so the tree is built once and the per-recipient
parts are ASCII tokens swapped into the bytes (8-bit bodies, never re-encoded).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dkim
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.message import sanitize_address
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from kiosco.newsletter import app_settings
from kiosco.newsletter.models import Issue, Subscriber
from kiosco.newsroom.seo import public_url

TO = "kiosco-recipient@placeholder.invalid"
TOKEN = "KIOSCO0TOKEN0PLACEHOLDER"
MESSAGE_ID = "KIOSCO0MESSAGE0ID0PLACEHOLDER"
TOKEN_SALT = "kiosco.newsletter.subscriber"
# The headers DKIM covers: the ones a receiver shows or acts on, including the
# unsubscribe pair (RFC 8058 asks that they be signed).
SIGNED_HEADERS = [
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"mime-version",
    b"content-type",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
]


def subscriber_token(subscriber: Subscriber) -> str:
    """The token of a subscriber's unsubscribe and preferences links.

    Signed, not a one-time key of ``kiosco.lib.confirmation``: these links must keep
    working for every issue ever sent (a mail client may POST the one-click unsubscribe
    months later) and using them twice is harmless, so they neither expire nor wear out.
    """
    return signing.dumps(subscriber.pk, salt=TOKEN_SALT, compress=False)


def subscriber_from_token(token: str) -> Subscriber | None:
    try:
        subscriber_id = signing.loads(token[:200], salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    return Subscriber.objects.filter(pk=subscriber_id).first()


def unsubscribe_url(token: str) -> str:
    return public_url(reverse("newsletter:unsubscribe", args=[token]))


def preferences_url(token: str) -> str:
    return public_url(reverse("newsletter:preferences", args=[token]))


@dataclass(frozen=True)
class IssueTemplate:
    """An issue's finished message with placeholders for one recipient's parts."""

    raw: bytes
    from_email: str

    def for_recipient(self, subscriber: Subscriber, delivery_id: int) -> bytes:
        token = subscriber_token(subscriber).encode()
        email = subscriber.email  # validated on the way in: no CR, LF or comma
        address = (email if email.isascii() else sanitize_address(email, "utf-8")).encode()
        domain = app_settings.dkim_domain() or "kiosco.invalid"
        message_id = f"delivery{delivery_id}.{secrets.token_hex(6)}@{domain}".encode()
        raw = (
            self.raw.replace(TO.encode(), address)
            .replace(TOKEN.encode(), token)
            .replace(MESSAGE_ID.encode(), message_id)
        )
        return sign(raw)


def issue_context(issue: Issue, token: str) -> dict[str, Any]:
    return {
        "issue": issue,
        "edition_name": settings.KIOSCO_EDITION_NAME,
        "items": issue.items,
        "unsubscribe_url": unsubscribe_url(token),
        "preferences_url": preferences_url(token),
    }


def render_issue(issue: Issue, token: str) -> tuple[str, str]:
    """(plain text, HTML) of ``issue`` with ``token`` in its links, in its language."""
    with translation.override(issue.language):
        context = issue_context(issue, token)
        text = render_to_string("newsletter/email/issue.txt", context)
        html = render_to_string("newsletter/email/issue.html", context)
    return text, html


def build_issue_template(issue: Issue) -> IssueTemplate:
    text, html = render_issue(issue, TOKEN)
    from_email = app_settings.from_email()
    mailto = f"mailto:{app_settings.unsubscribe_mailto()}?subject=unsubscribe-{TOKEN}"
    message = EmailMultiAlternatives(
        subject=issue.subject,
        body=text,
        from_email=from_email,
        to=[TO],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url(TOKEN)}>, <{mailto}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": f"<{MESSAGE_ID}>",
            "List-Id": f"<newsletter-{issue.language}.{app_settings.dkim_domain()}>",
        },
    )
    message.attach_alternative(html, "text/html")
    raw = message.message().as_bytes(linesep="\r\n")
    return IssueTemplate(raw=raw, from_email=from_email)


def sign(raw: bytes) -> bytes:
    """``raw`` with a DKIM-Signature in front when a key is configured."""
    key = app_settings.dkim_key()
    if key is None:
        return raw
    signature = dkim.sign(
        raw,
        app_settings.dkim_selector().encode(),
        app_settings.dkim_domain().encode(),
        key,
        include_headers=SIGNED_HEADERS,
    )
    return bytes(signature) + raw


class _Finished:
    """What Django's mail backends read from ``EmailMessage.message()``: the bytes."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self.raw

    def as_string(self, unixfrom: bool = False, linesep: str = "\n") -> str:
        return self.raw.decode("utf-8", "replace")


class FinishedMessage(EmailMessage):
    """A message whose bytes are already final (signed): any Django backend sends them
    as they are, so SMTP settings, the file outbox and test backends all work."""

    def __init__(self, raw: bytes, from_email: str, to: Sequence[str]) -> None:
        super().__init__(from_email=from_email, to=list(to))
        self.raw = raw

    def message(self, *, policy: Any = None) -> Any:
        return _Finished(self.raw)
