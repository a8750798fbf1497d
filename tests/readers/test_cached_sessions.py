"""Sessions cached in Redis (kiosco/readers/sessions.py) with the database as their
authority, the reader's hint cookie, and sessions from before the cached backends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kiosco.readers.models import Reader
from kiosco.readers.sessions import CACHED_FOR, READER_COOKIE
from kiosco.readers.snapshot import reader_tag, snapshot_of
from tests.support.caches import on_redis
from tests.support.content import subscriber_only_article
from tests.support.personas import make_reader

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_cache(redis_url: str) -> Iterator[str]:
    prefix = "sessions-test"
    with on_redis(redis_url, prefix=prefix):
        yield prefix


@pytest.fixture
def erin(db: None) -> Reader:
    return make_reader("erin@example.com", None)


def signed_in(reader: Reader) -> Client:
    browser = Client()
    browser.force_login(reader)
    assert browser.get("/account/").status_code == 200
    return browser


def test_redis_keeps_a_session_five_minutes_at_most(
    production_cache: str, redis_url: str, erin: Reader
) -> None:
    """The database holds the session for 30 days; a copy in Redis whose deletion was
    lost (Redis down, restored from a snapshot) outlives the sign-out by five minutes."""
    browser = signed_in(erin)
    session_key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    client = redis.Redis.from_url(redis_url)
    key = f"{production_cache}:1:{KEY_PREFIX}{session_key}"
    assert 0 < client.ttl(key) <= CACHED_FOR < settings.SESSION_COOKIE_AGE


def test_a_session_made_before_the_cached_backends_stays_signed_in(erin: Reader) -> None:
    for former in (
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    ):
        browser = signed_in(erin)
        session = browser.session
        session[BACKEND_SESSION_KEY] = former  # as the upgrade finds it
        session.save()
        assert browser.get("/account/").status_code == 200, former


def test_the_reader_hint_differs_per_session_and_never_names_the_reader(
    production_cache: str, erin: Reader
) -> None:
    laptop, phone = signed_in(erin), signed_in(erin)
    hints = {laptop.cookies[READER_COOKIE].value, phone.cookies[READER_COOKIE].value}
    assert len(hints) == 2
    assert reader_tag(erin.pk) not in hints  # masked by the session: not the reader's name
    assert laptop.cookies[READER_COOKIE]["httponly"]


def test_a_shared_page_sets_no_cookie_even_to_drop_a_stale_hint(db: None) -> None:
    subscriber_only_article()
    visitor = Client()
    visitor.cookies[READER_COOKIE] = "0" * 24  # left from a session that is gone
    response = visitor.get("/")
    assert "public" in response["Cache-Control"] and not response.cookies


def test_a_forged_hint_changes_nothing_but_the_prefetch(
    production_cache: str, erin: Reader, db: Any
) -> None:
    browser = signed_in(erin)
    browser.cookies[READER_COOKIE] = "f" * 24
    page = browser.get("/")
    assert page.status_code == 200 and "Sign out" in page.content.decode()


def test_a_change_one_request_makes_to_its_reader_reaches_no_other_request(
    production_cache: str, erin: Reader
) -> None:
    """A process decodes a reader's cached entry once and shares it; each request still
    gets a reader object of its own, so an unsaved change (a form bound to the account
    that did not validate) stays in the request that made it."""
    signed_in(erin)  # her entry is in the cache now
    first = snapshot_of(erin.pk)
    assert first is not None
    first.reader.email = "someone-else@example.com"
    with CaptureQueriesContext(connection) as queries:
        second = snapshot_of(erin.pk)
    assert len(queries) == 0  # from the cache, decoded already
    assert second is not None and second.reader.email == "erin@example.com"
