"""Fixtures for the newsletter tests: a real SMTP server (aiosmtpd), a week of
articles in both languages, a DKIM key made with openssl, unlimited send rate."""

from __future__ import annotations

import base64
import functools
import subprocess
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.utils import timezone

from kiosco.newsletter import services
from kiosco.newsletter.models import Subscriber
from kiosco.newsroom.models import Access, Article, Block, BlockKind, Section
from tests.support.smtp import Inbox, _free_port

BODY_SECRET = "SUBSCRIBERS ONLY: the council's sealed minutes."


class RawInbox(Inbox):
    """The shared inbox, also keeping each message's bytes exactly as received (a DKIM
    check needs them unparsed) and calling ``on_message(count)`` before answering 250."""

    def __init__(self) -> None:
        super().__init__()
        self.raw: dict[str, list[bytes]] = {}
        self.on_message: Callable[[int], None] | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        for address in envelope.rcpt_tos:
            self.raw.setdefault(address.lower(), []).append(envelope.content)
        if self.on_message:
            self.on_message(len(self.messages))
        return answer


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[RawInbox]:
    """aiosmtpd on a free loopback port, Django's SMTP backend pointed at it."""
    inbox = RawInbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def _clean_limits_and_no_pacing(settings: Any) -> None:
    settings.KIOSCO_NEWSLETTER_SEND_RATE = 0
    settings.KIOSCO_PUBLIC_URL = "http://testserver"
    settings.DEFAULT_FROM_EMAIL = "The Courier <news@courier.example>"
    cache.clear()


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[..., Any]:
    """``with commit(): ...`` runs what the block left for after commit (mails)."""
    return functools.partial(django_capture_on_commit_callbacks, execute=True)


def _article(section: Section, slug: str, language: str, days_ago: float, **extra: Any) -> Article:
    article = Article.objects.create(
        slug=slug,
        headline=extra.pop("headline", f"Headline {slug}"),
        standfirst=extra.pop("standfirst", f"Standfirst of {slug}."),
        section=section,
        language=language,
        access=extra.pop("access", Access.FREE),
        published_at=timezone.now() - timedelta(days=days_ago),
    )
    Block.objects.create(article=article, position=0, kind=BlockKind.PARAGRAPH, text=BODY_SECRET)
    return article


@pytest.fixture
def week(db: None) -> dict[str, Article]:
    """This week's articles (English and Spanish), an old one and a draft."""
    section = Section.objects.create(slug="city", name="City")
    return {
        "harbour": _article(section, "harbour", "en", 1, access=Access.SUBSCRIBERS),
        "tram": _article(section, "tram", "en", 3),
        "mercado": _article(section, "mercado", "es", 2),
        "old": _article(section, "old-news", "en", 10),
    }


def confirmed(email: str, language: str = "en") -> Subscriber:
    return Subscriber.objects.create(
        email=email,
        language=language,
        status=Subscriber.Status.CONFIRMED,
        confirmed_at=timezone.now(),
    )


@pytest.fixture
def dkim_key(tmp_path: Path, settings: Any) -> bytes:
    """A fresh RSA key as the signing key; returns the DNS TXT record that verifies it."""
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    der = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    settings.KIOSCO_NEWSLETTER_DKIM_KEY_FILE = str(key)
    settings.KIOSCO_NEWSLETTER_DKIM_SELECTOR = "news"
    settings.KIOSCO_NEWSLETTER_DKIM_DOMAIN = "courier.example"
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


__all__ = ["BODY_SECRET", "confirmed", "services"]
