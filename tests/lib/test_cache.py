"""The default cache's one call per page, ``get_many``, on the real Redis: it reads
through a connection of the thread's own, which must survive what happens to Redis."""

from __future__ import annotations

import threading

import pytest
import redis
from django.core.cache import caches

from kiosco.lib import cache as kiosco_cache
from tests.support.caches import DOWN, on_redis

pytestmark = pytest.mark.django_db


def drop_this_threads_connection(redis_url: str) -> None:
    """What a Redis restart (or its idle timeout) does to the thread's connection."""
    connection = caches["default"]._owned.connection  # type: ignore[attr-defined]
    connection.send_command("CLIENT", "ID")
    client_id = connection.read_response()
    admin = redis.Redis.from_url(redis_url)
    try:
        assert admin.client_kill_filter(_id=client_id) == 1
    finally:
        admin.close()


def test_it_reads_what_was_written_in_one_call_missing_keys_left_out(redis_url: str) -> None:
    with on_redis(redis_url):
        default = caches["default"]
        default.set_many({"a": 1, "b": {"nested": ["x"]}, "c": "text"})
        assert default.get_many(["a", "b", "nope", "c"]) == {
            "a": 1,
            "b": {"nested": ["x"]},
            "c": "text",
        }
        assert default.get_many([]) == {}


def test_a_connection_redis_dropped_is_reopened_without_a_miss(redis_url: str) -> None:
    with on_redis(redis_url):
        default = caches["default"]
        default.set("kept", "value")
        assert default.get_many(["kept"]) == {"kept": "value"}  # the thread's connection opens
        failures = kiosco_cache.failures

        drop_this_threads_connection(redis_url)
        assert default.get_many(["kept"]) == {"kept": "value"}
        assert kiosco_cache.failures == failures  # no miss was counted


def test_each_thread_reads_on_its_own_connection(redis_url: str) -> None:
    with on_redis(redis_url):
        default = caches["default"]
        default.set_many({f"k{n}": n for n in range(8)})
        barrier = threading.Barrier(4)
        results: list[dict[str, int]] = []
        errors: list[BaseException] = []

        def read() -> None:
            try:
                barrier.wait()
                for _ in range(200):
                    results.append(default.get_many([f"k{n}" for n in range(8)]))
            except BaseException as exc:  # reported below, in the main thread
                errors.append(exc)

        threads = [threading.Thread(target=read) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert results == [{f"k{n}": n for n in range(8)}] * 800  # no reply read by another


def test_redis_down_is_a_miss_counted_not_an_error() -> None:
    with on_redis(DOWN):
        failures = kiosco_cache.failures
        assert caches["default"].get_many(["a", "b"]) == {}
        assert kiosco_cache.failures == failures + 1
