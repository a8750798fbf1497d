"""The ladder's policy from settings (settings.py's "Insights" block), and the names
of the lease log's takeover lines."""

from __future__ import annotations

from django.conf import settings

from kiosco.insights.ladder import DAY, LadderPolicy


def policy() -> LadderPolicy:
    return LadderPolicy(
        contested_idle=float(getattr(settings, "KIOSCO_SHARING_CONTESTED_IDLE", 8)),
        collisions=int(getattr(settings, "KIOSCO_SHARING_COLLISIONS", 3)),
        window=float(getattr(settings, "KIOSCO_SHARING_WINDOW_DAYS", 7)) * DAY,
        quiet=float(getattr(settings, "KIOSCO_SHARING_QUIET_DAYS", 14)) * DAY,
        merge=float(getattr(settings, "KIOSCO_SHARING_MERGE_MINUTES", 15)) * 60,
    )


CACHE_SECONDS = 300  # a seat's ladder state; any new takeover or reset moves its key
