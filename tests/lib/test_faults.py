"""Faults survived: Redis, stopped and restarted under a stream of requests.

A throwaway redis-server this test starts itself (its own port) holds the cache and
the rate-limit counters. While it is down, pages keep serving, signed-in readers stay
signed in (sessions live in the database), logins work and the limiter lets them
through and counts it; once it is back, the limiter counts again."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator

import pytest
import redis
from django.test import Client, override_settings

from kiosco.readers import ratelimit
from kiosco.readers.events import EventTag
from kiosco.readers.models import SecurityEvent
from tests.support.personas import make_reader
from tests.support.services import _free_port, _redis_answers

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


class ThrowawayRedis:
    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        server = shutil.which("redis-server")
        assert server, "the fault tests need redis-server (apt-get install redis-server)"
        self.process = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        for _ in range(100):  # until it answers (a poll, not a timed assertion)
            try:
                client.ping()
                return
            except redis.RedisError:
                assert self.process.poll() is None, "redis-server exited"
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=0.05)  # a short pause that notices an exit
        pytest.fail("the throwaway redis-server never answered")

    def stop(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()
        assert not _redis_answers(self.url)


@pytest.fixture
def throwaway_redis(db: None) -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis()
    server.start()
    cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": server.url,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    # The production shape: the default cache fails soft, the limiter's fails open.
    # One override_settings for everything: a second one (pytest-django's ``settings``)
    # opened inside it would restore these CACHES when it closes, for the next tests.
    default = {**cache, "BACKEND": "kiosco.lib.cache.FailSoftRedisCache"}
    with override_settings(
        CACHES={"default": default, "ratelimit": cache, "versions": default},
        KIOSCO_VERSIONS_IN_DEFAULT_CACHE=True,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        yield server
    if server.process and server.process.poll() is None:
        server.stop()


def _wrong_login(email: str) -> int:
    response = Client().post("/accounts/login/", {"login": email, "password": "wrong"})
    return response.status_code


def test_it_keeps_serving_through_a_redis_restart(
    throwaway_redis, django_capture_on_commit_callbacks
):
    alice = make_reader("alice@example.com", PASSWORD)
    reader = Client()
    assert (
        reader.post("/accounts/login/", {"login": alice.email, "password": PASSWORD}).status_code
        == 302
    )
    assert reader.get("/account/").status_code == 200

    throwaway_redis.stop()
    failed_open_before = ratelimit.failures
    statuses = [reader.get(path).status_code for path in ("/", "/account/", "/plans/")]
    with django_capture_on_commit_callbacks(execute=True):  # as a real commit would
        statuses += [_wrong_login(alice.email) for _ in range(12)]  # past the limit of 10
    assert all(status < 500 for status in statuses), statuses
    assert statuses[:3] == [200, 200, 200]  # still signed in: sessions are in the database
    assert 429 not in statuses  # the limiter let them through ...
    assert ratelimit.failures > failed_open_before  # ... and counted it
    assert SecurityEvent.objects.filter(tag=EventTag.RATE_LIMIT_FAILED_OPEN).exists()

    throwaway_redis.start()  # same port, empty: counting starts again
    again = [_wrong_login(alice.email) for _ in range(11)]
    assert again[:10] == [200] * 10 and again[10] == 429
    assert reader.get("/account/").status_code == 200
