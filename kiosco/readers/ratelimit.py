"""Rate limits fail open, and count it.

allauth's limiter (``allauth.core.internal.ratelimit``) keeps its counters and a
short lock in Django's default cache. If that cache (Redis in production) is down,
its calls raise and every login would be a 500. We would rather let readers in
while the counters are unavailable (warehouse's rule) — so the limiter's module-level
``cache`` is swapped, once, for :class:`FailOpenCache`: the same default cache, where
a failing call logs, records ``account:ratelimit:failed_open`` and answers as an
empty cache would (lock taken, no history, nothing stored). The limiter then allows
the request. ``tests/readers/test_ratelimit.py`` pins that allauth still reads
``cache`` from that module, so an upgrade that moves it fails a test, not production.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import caches

from kiosco.readers import events

logger = logging.getLogger(__name__)
failures = 0  # process-wide count of limiter calls that failed open


def _failed_open(operation: str, exc: Exception) -> None:
    global failures
    failures += 1
    logger.warning("rate-limit cache %s failed, letting the request through: %r", operation, exc)
    # Every limiter check starts with the lock's add(): one event per check, not per call.
    if operation == "add":
        events.record(events.EventTag.RATE_LIMIT_FAILED_OPEN, error=repr(exc)[:200])


class _Counters:
    """The ``ratelimit`` cache alias, looked up per call (tests swap settings)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(caches[RATE_LIMIT_CACHE], name)


RATE_LIMIT_CACHE = "ratelimit"  # settings.CACHES: Redis, or the database without it
default_cache = _Counters()


class FailOpenCache:
    """The rate-limit cache as the limiter sees it: failures read as an empty cache."""

    def add(self, key: str, value: Any, timeout: float | None = None) -> bool:
        try:
            return bool(default_cache.add(key, value, timeout=timeout))
        except Exception as exc:  # any backend error: the storage is down
            _failed_open("add", exc)
            return True

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return default_cache.get(key, default)
        except Exception as exc:
            _failed_open("get", exc)
            return default

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        try:
            default_cache.set(key, value, timeout=timeout)
        except Exception as exc:
            _failed_open("set", exc)

    def delete(self, key: str) -> None:
        try:
            default_cache.delete(key)
        except Exception as exc:
            _failed_open("delete", exc)


def install() -> None:
    """Point allauth's limiter at :class:`FailOpenCache` (called from AppConfig.ready)."""
    from allauth.core.internal import ratelimit

    ratelimit.cache = FailOpenCache()  # type: ignore[assignment]
