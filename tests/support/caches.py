"""The production shape's caches for a test: the default cache, the version tokens and
the sessions on the real Redis (as with REDIS_URL set), under a prefix of the test's
own; or on a Redis that does not answer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis.connection
from django.core.cache import caches
from django.test import override_settings

DOWN = "redis://127.0.0.1:1/0"  # nothing listens there


def redis_caches(location: str, prefix: str | None = None) -> dict[str, Any]:
    cache = {
        "BACKEND": "kiosco.lib.cache.FailSoftRedisCache",
        "LOCATION": location,
        "KEY_PREFIX": prefix or f"test-{uuid.uuid4().hex}",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    return {
        "CACHES": {"default": cache, "ratelimit": cache, "versions": cache},
        "KIOSCO_VERSIONS_IN_DEFAULT_CACHE": True,
        "SESSION_ENGINE": "kiosco.readers.sessions",
        "KIOSCO_LEASE_HINTS": True,
    }


@contextmanager
def on_redis(location: str, prefix: str | None = None) -> Iterator[None]:
    with override_settings(**redis_caches(location, prefix)):
        yield
        if location != DOWN:
            caches["default"].clear()


@contextmanager
def round_trips() -> Iterator[list[int]]:
    """Counts every command batch redis-py sends (an MGET, or a pipeline, is one)."""
    sent = [0]
    original = redis.connection.AbstractConnection.send_packed_command

    def counted(self: Any, command: Any, check_health: bool = True) -> None:
        sent[0] += 1
        original(self, command, check_health)

    redis.connection.AbstractConnection.send_packed_command = counted  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        redis.connection.AbstractConnection.send_packed_command = original  # type: ignore[method-assign]
