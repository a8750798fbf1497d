"""The lease settings, read once from ``django.conf.settings`` (see settings.py's
"Leases" block and CONTEXT.md)."""

from __future__ import annotations

from django.conf import settings

from kiosco.leases.engine import Policy


def policy() -> Policy:
    return Policy(
        ttl=float(settings.KIOSCO_LEASE_TTL),
        idle=float(settings.KIOSCO_LEASE_IDLE),
        takeovers=int(getattr(settings, "KIOSCO_LEASE_TAKEOVERS", 6)),
        takeover_window=float(getattr(settings, "KIOSCO_LEASE_TAKEOVER_WINDOW", 600)),
        renew_sample=float(getattr(settings, "KIOSCO_LEASE_RENEW_SAMPLE", 0.1)),
    )


def notifier_path() -> str:
    return str(
        getattr(
            settings, "KIOSCO_LEASE_NOTIFIER", "kiosco.leases.notifiers.memory.InProcessNotifier"
        )
    )


def token_max_age() -> int:
    """How long a page keeps the signed lease token (its cookie's max age). The engine
    does not judge a token's age — that would be this instance's clock — only its
    generation, by the store's clock (tokens.py)."""
    return int(getattr(settings, "KIOSCO_LEASE_TOKEN_MAX_AGE", 60 * 60 * 24))
