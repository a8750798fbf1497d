"""Named rate limits of the newsletter (``KIOSCO_NEWSLETTER_RATE_LIMITS``), counted by
allauth's limiter in the default cache (fails open and counts it, see readers)."""

from __future__ import annotations

from allauth.core.internal import ratelimit
from django.conf import settings
from django.http import HttpRequest


def allow(request: HttpRequest, action: str, key: str | None = None, gets: bool = False) -> bool:
    """Count one ``action`` (per client address, per ``key``, per user as configured);
    False once over its limit. ``gets``: GET requests count too (link pages)."""
    usage = ratelimit.consume(
        request,
        app="kiosco.newsletter",
        action=action,
        config=settings.KIOSCO_NEWSLETTER_RATE_LIMITS,
        key=key,
        user=getattr(request, "user", None),
        limit_get=gets,
    )
    return usage is not None
