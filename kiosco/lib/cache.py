"""The default cache on Redis, failing soft.

Redis carries only what may be lost (ARCHITECTURE.md): a cached article, the current
terms' id. When it is down or restarting, a read misses and a write is dropped, logged
and counted, so pages keep serving from the database instead of answering 500. (The
rate-limit counters use their own alias and fail open in kiosco/readers/ratelimit.py.)
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis import RedisError

logger = logging.getLogger(__name__)
failures = 0  # process-wide count of cache calls that failed soft


def _failed(operation: str, exc: Exception) -> None:
    global failures
    failures += 1
    logger.warning("cache %s failed, carrying on without the cache: %r", operation, exc)


class FailSoftRedisCache(RedisCache):
    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except RedisError as exc:
            _failed("get", exc)
            return default

    def set(self, key: Any, value: Any, timeout: Any = 300, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except RedisError as exc:
            _failed("set", exc)

    def add(self, key: Any, value: Any, timeout: Any = 300, version: int | None = None) -> bool:
        try:
            return bool(super().add(key, value, timeout, version))
        except RedisError as exc:
            _failed("add", exc)
            return False

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return bool(super().delete(key, version))
        except RedisError as exc:
            _failed("delete", exc)
            return False
