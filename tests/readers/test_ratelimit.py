"""Named rate limits: the failed-login limit holds under concurrency, ignores a
rotating X-Forwarded-For from an untrusted peer, and fails open when its cache is down."""

from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.conf import settings
from django.db import connection, connections
from django.test import Client, override_settings

from kiosco.readers import ratelimit
from kiosco.readers.events import EventTag
from kiosco.readers.models import SecurityEvent
from tests.readers.conftest import PASSWORD

pytestmark = pytest.mark.django_db
LIMIT = 10


def _wrong_password(_: int) -> int:
    try:
        response = Client().post(
            "/accounts/login/", {"login": "alice@example.com", "password": "wrong guess"}
        )
        return response.status_code
    finally:
        connections.close_all()


def _shared_cache() -> dict:
    """On SQLite the embedded shape's counters (the database cache, which every worker
    shares); on the PostgreSQL pass the real Redis."""
    if connection.vendor != "postgresql":
        return {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "ratelimit": {
                **settings.CACHES["ratelimit"],
                "KEY_PREFIX": f"readers-test-{uuid.uuid4().hex}",  # committed rows stay
            },
            "versions": settings.CACHES["versions"],
        }
    redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["KIOSCO_TEST_REDIS_URL"],
        "KEY_PREFIX": f"readers-test-{uuid.uuid4().hex}",
    }
    return {"default": redis, "ratelimit": redis, "versions": redis}


@pytest.mark.django_db(transaction=True)  # threads need committed rows
def test_it_lets_at_most_the_limit_plus_two_of_200_concurrent_wrong_passwords_through(alice):
    caches = _shared_cache()
    one_store = caches["versions"] is caches["default"]
    with (
        override_settings(CACHES=caches, KIOSCO_VERSIONS_IN_DEFAULT_CACHE=one_store),
        ThreadPoolExecutor(max_workers=40) as pool,
    ):
        statuses = list(pool.map(_wrong_password, range(200)))
    assert set(statuses) <= {200, 429}
    attempts = SecurityEvent.objects.filter(tag=EventTag.LOGIN_FAILED).count()
    assert 1 <= attempts <= LIMIT + 2


def _fail(client: Client, email: str, forwarded_for: str) -> int:
    response = client.post(
        "/accounts/login/",
        {"login": email, "password": "wrong guess"},
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )
    return response.status_code


def test_it_ignores_a_rotating_forwarded_for_from_an_untrusted_peer(db):
    client = Client()
    for n in range(LIMIT):
        assert _fail(client, f"reader{n}@example.com", f"198.51.100.{n}") == 200
    assert _fail(client, "someone.else@example.com", "198.51.100.99") == 429


def test_it_counts_per_forwarded_address_behind_a_trusted_proxy(db, settings):
    settings.KIOSCO_TRUSTED_PROXIES = ["127.0.0.1"]
    client = Client()
    for n in range(LIMIT):
        assert _fail(client, f"reader{n}@example.com", "198.51.100.1") == 200
    assert _fail(client, "someone.else@example.com", "198.51.100.1") == 429
    assert _fail(client, "someone.else@example.com", "203.0.113.7") == 200


def test_it_fails_open_and_counts_it_when_the_limiter_cache_is_down(alice, commit):
    nowhere = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
    # The default cache as production configures it (failing soft), the limiter's raw.
    soft = {**nowhere, "BACKEND": "kiosco.lib.cache.FailSoftRedisCache"}
    down = {"default": soft, "ratelimit": nowhere, "versions": soft}
    before = ratelimit.failures
    with override_settings(CACHES=down, KIOSCO_VERSIONS_IN_DEFAULT_CACHE=True), commit():
        response = Client().post(
            "/accounts/login/", {"login": "alice@example.com", "password": PASSWORD}
        )
    assert response.status_code == 302
    assert ratelimit.failures > before
    assert SecurityEvent.objects.filter(tag=EventTag.RATE_LIMIT_FAILED_OPEN).exists()


def test_it_still_sits_where_allauth_reads_its_cache():
    # The fail-open seam replaces this module attribute; an allauth upgrade that moves
    # it must fail here, not silently bring back 500s when Redis is down.
    assert isinstance(allauth_ratelimit.cache, ratelimit.FailOpenCache)


def test_it_refuses_the_eleventh_wrong_password_with_the_429_page(alice, commit):
    client = Client()
    with commit():
        statuses = [
            client.post(
                "/accounts/login/", {"login": "alice@example.com", "password": "nope"}
            ).status_code
            for _ in range(LIMIT + 1)
        ]
        refused = client.post(
            "/accounts/login/", {"login": "alice@example.com", "password": PASSWORD}
        )
    assert statuses == [200] * LIMIT + [429]
    assert refused.status_code == 429  # even the right password waits
    assert b"Too many attempts" in refused.content
    assert SecurityEvent.objects.filter(tag=EventTag.RATE_LIMITED).count() == 2


def test_it_refuses_with_a_clear_429_page_in_spanish(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    for _ in range(4):
        response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 429
    assert b"Demasiados intentos" in response.content
