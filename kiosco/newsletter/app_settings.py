"""The newsletter's settings, read at call time (tests override them)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.conf import settings

# The version of the sign-up wording (templates/newsletter/_signup.html and the page):
# bump it whenever that text changes, so each consent names what the reader saw.
SIGNUP_WORDING_VERSION = "2026-12-01"
SOURCE_MAX = 300
USER_AGENT_MAX = 512


def confirm_lifetime() -> timedelta:
    return timedelta(days=settings.KIOSCO_NEWSLETTER_CONFIRM_DAYS)


def resend_cooldown() -> timedelta:
    return timedelta(seconds=settings.KIOSCO_NEWSLETTER_RESEND_COOLDOWN)


def send_rate() -> int:
    return int(settings.KIOSCO_NEWSLETTER_SEND_RATE)


def batch_size() -> int:
    return int(settings.KIOSCO_NEWSLETTER_BATCH_SIZE)


def stall_timeout() -> timedelta:
    return timedelta(seconds=settings.KIOSCO_NEWSLETTER_STALL_SECONDS)


def dkim_key() -> bytes | None:
    path = settings.KIOSCO_NEWSLETTER_DKIM_KEY_FILE
    return Path(path).read_bytes() if path else None


def dkim_selector() -> str:
    return str(settings.KIOSCO_NEWSLETTER_DKIM_SELECTOR)


def dkim_domain() -> str:
    """The signing domain: the setting, or the From address's domain."""
    from email.utils import parseaddr

    return (
        str(settings.KIOSCO_NEWSLETTER_DKIM_DOMAIN) or parseaddr(from_email())[1].rsplit("@", 1)[-1]
    )


def from_email() -> str:
    return str(settings.DEFAULT_FROM_EMAIL)


def unsubscribe_mailto() -> str:
    from email.utils import parseaddr

    return str(settings.KIOSCO_NEWSLETTER_UNSUBSCRIBE_MAILTO) or parseaddr(from_email())[1]


def webhook_secret() -> str:
    return str(settings.KIOSCO_NEWSLETTER_WEBHOOK_SECRET)


def webhook_tolerance() -> int:
    return int(settings.KIOSCO_NEWSLETTER_WEBHOOK_TOLERANCE)
