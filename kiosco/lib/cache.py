"""The default cache on Redis, failing soft, and cheap on the hot path.

Redis carries only what may be lost (ARCHITECTURE.md): a cached article, the current
terms' id. When it is down or restarting, a read misses and a write is dropped, logged
and counted, so pages keep serving from the database instead of answering 500. (The
rate-limit counters use their own alias and fail open in kiosco/readers/ratelimit.py.)

Django's Redis client builds a new ``redis.Redis`` object around its connection pool
on every call; a page makes a few calls, so the client here keeps one per pool. The
one call every page makes, the hot batch's ``get_many``, goes straight to a connection
the thread owns (``FailSoftRedisCache._mget``).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import ConnectionError as RedisConnectionError
from redis import RedisError
from redis.connection import AbstractConnection

logger = logging.getLogger(__name__)
failures = 0  # process-wide count of cache calls that failed soft


def _failed(operation: str, exc: Exception) -> None:
    global failures
    failures += 1
    logger.warning("cache %s failed, carrying on without the cache: %r", operation, exc)


class ReusingRedisCacheClient(RedisCacheClient):
    """One ``redis.Redis`` per connection pool, made once (it is thread-safe: each
    command borrows a connection from the pool)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django: Any = self  # Django's private helpers, which django-stubs does not type
        index = django._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = django._get_connection_pool(write)
            client = self._clients[index] = django._client(connection_pool=pool)
        return client


class _Owned(threading.local):
    """The calling thread's own connection, and the process it was opened in."""

    connection: AbstractConnection | None = None
    pid = 0


class FailSoftRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._owned = _Owned()

    def validate_key(self, key: str) -> None:
        """Django checks every key against memcached's limits (a loop over its
        characters); Redis has none of them, and our keys are built by our code."""

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except RedisError as exc:
            _failed("get", exc)
            return default

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        names = {self.make_key(key, version=version): key for key in keys}
        if not names:
            return {}
        try:
            values = self._mget(list(names))
        except RedisError as exc:
            _failed("get_many", exc)
            return {}
        loads = self._cache._serializer.loads  # type: ignore[attr-defined]
        return {names[k]: loads(v) for k, v in zip(names, values, strict=True) if v is not None}

    def _mget(self, keys: list[str]) -> list[bytes | None]:
        """One MGET on this thread's own connection. Every page makes this call once;
        through redis-py's client it cost a pool checkout that polls the socket (a
        system call, dear on virtual machines) and layers of retry and metrics. A reply
        cut short leaves the connection unusable, so any failure closes it; a connection
        Redis dropped while idle (a restart) is reopened at once, once; one that could
        not be opened, or a reply that timed out, is not tried again (Redis is down or
        stuck: the page goes on without the cache)."""
        while True:
            connection = self._own_connection()
            was_open = connection.is_connected
            try:
                connection.send_command("MGET", *keys)
                return connection.read_response()  # type: ignore[no-any-return]
            except RedisConnectionError:
                connection.disconnect()
                if not was_open:
                    raise
            except BaseException:
                connection.disconnect()
                raise

    def _own_connection(self) -> AbstractConnection:
        owned = self._owned
        if owned.connection is None or owned.pid != os.getpid():  # none yet, or forked
            pool = self._cache._get_connection_pool(False)  # type: ignore[attr-defined]
            owned.connection = pool.connection_class(**pool.connection_kwargs)
            owned.pid = os.getpid()
        return owned.connection

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        try:
            super().set(key, value, timeout, version)
        except RedisError as exc:
            _failed("set", exc)

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        try:
            return super().set_many(data, timeout, version)
        except RedisError as exc:
            _failed("set_many", exc)
            return list(data)

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
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
