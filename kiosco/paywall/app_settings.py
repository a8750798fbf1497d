"""Settings of the paywall, with their defaults (kiosco/settings.py's "Paywall" block)."""

from __future__ import annotations

from django.conf import settings

# The signed lease token (kiosco.leases.tokens) travels in this cookie.
LEASE_COOKIE = "kiosco_lease"
# One-shot session note: why the last "continue reading here" was refused.
REFUSAL_SESSION_KEY = "kiosco_paywall_refusal"


def live_url() -> str:
    """Where open pages listen for "your reading moved" (same origin; a proxy routes
    ``/live/`` to the live service in production)."""
    return str(getattr(settings, "KIOSCO_LIVE_URL", "/live/lease"))


def rate_limits() -> dict[str, str]:
    return dict(getattr(settings, "KIOSCO_PAYWALL_RATE_LIMITS", {"not_me": "3/h/user"}))
