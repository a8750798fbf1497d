"""Email from the environment: ``KIOSCO_EMAIL_URL`` becomes Django's EMAIL_* settings.

Forms understood (a bad URL raises ``ImproperlyConfigured`` at start-up):

- ``smtp://user:pass@host:587?tls=1`` — SMTP, STARTTLS when ``tls=1``;
- ``smtps://user:pass@host:465`` — SMTP over implicit TLS;
- ``console://`` — print messages (development);
- ``file:///some/dir`` or empty — :class:`OutboxBackend`, one ``.eml`` file per
  message, which the debug outbox page at ``/account/outbox/`` lists.

Credentials may be percent-encoded (``p%40ss`` for ``p@ss``).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
OUTBOX_BACKEND = "kiosco.lib.email.OutboxBackend"
_TRUE = {"1", "true", "yes", "on"}


def email_settings(url: str, outbox_dir: Path) -> dict[str, Any]:
    """Django EMAIL_* settings for ``url`` (empty means the file outbox)."""
    if not url.strip():
        return {"EMAIL_BACKEND": OUTBOX_BACKEND, "EMAIL_FILE_PATH": str(outbox_dir)}
    parts = urlsplit(url.strip())
    if parts.scheme in ("smtp", "smtps"):
        return _smtp_settings(url, parts)
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "file":
        return {"EMAIL_BACKEND": OUTBOX_BACKEND, "EMAIL_FILE_PATH": parts.path or str(outbox_dir)}
    raise ImproperlyConfigured(
        f"KIOSCO_EMAIL_URL must start with smtp://, smtps://, console:// or file://, got {url!r}"
    )


def _smtp_settings(url: str, parts: Any) -> dict[str, Any]:
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"KIOSCO_EMAIL_URL has a bad port: {url!r}") from None
    if not parts.hostname:
        raise ImproperlyConfigured(f"KIOSCO_EMAIL_URL names no host: {url!r}")
    query = parse_qs(parts.query)
    timeout = query.get("timeout", ["10"])[0]
    if not timeout.isdigit():
        raise ImproperlyConfigured(f"KIOSCO_EMAIL_URL: timeout must be seconds, got {timeout!r}")
    ssl = parts.scheme == "smtps" or _flag(query, "ssl")
    tls = _flag(query, "tls")
    if ssl and tls:
        raise ImproperlyConfigured(
            "KIOSCO_EMAIL_URL: choose tls=1 (STARTTLS) or smtps://, not both"
        )
    return {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if ssl else 587 if tls else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": tls,
        "EMAIL_USE_SSL": ssl,
        "EMAIL_TIMEOUT": int(timeout),
    }


def _flag(query: dict[str, list[str]], name: str) -> bool:
    return query.get(name, [""])[0].strip().lower() in _TRUE


class OutboxBackend(BaseEmailBackend):
    """Writes each message to its own ``.eml`` file (Django's file backend appends a
    whole connection's messages to one file, which the outbox page cannot list)."""

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently)
        self.directory = Path(kwargs.get("file_path") or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{time.time_ns()}-{secrets.token_hex(4)}.eml"
            (self.directory / name).write_bytes(message.message().as_bytes())
        return len(email_messages)
