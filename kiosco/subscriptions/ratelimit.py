"""Named rate limits of the subscriptions app (``KIOSCO_SUBSCRIPTION_RATE_LIMITS``),
counted by allauth's limiter in the default cache: when that cache is down the limiter
fails open and ``kiosco.readers.ratelimit`` records it."""

from __future__ import annotations

from allauth.core.internal import ratelimit
from django.conf import settings
from django.http import HttpRequest


def allow(request: HttpRequest, action: str) -> bool:
    """Count one ``action`` by the signed-in reader; False once over its limit."""
    usage = ratelimit.consume(
        request,
        app="kiosco.subscriptions",
        action=action,
        config=settings.KIOSCO_SUBSCRIPTION_RATE_LIMITS,
        user=request.user,
    )
    return usage is not None  # None: over the limit
