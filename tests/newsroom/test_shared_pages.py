"""Pages rendered once and shared (kiosco/newsroom/pages.py): what every anonymous
visitor may share carries validators and no cookie; nothing one reader's page holds
ever reaches another's, however their requests interleave."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client, override_settings
from django.utils import timezone

from kiosco.lib import hot
from kiosco.newsroom.cache import VERSION_KEY
from kiosco.newsroom.models import Access, Article
from kiosco.subscriptions.services import lifecycle
from tests.support.caches import DOWN, on_redis
from tests.support.content import OPENING, SECRET, subscriber_only_article
from tests.support.personas import Personas, make_reader

pytestmark = pytest.mark.django_db


def browser_of(reader: Any, language: str = "en") -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE=language)
    browser.force_login(reader)
    return browser


def page(browser: Client, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_interleaved_readers_each_see_only_their_own_page(
    production_cache: None, people: Personas
) -> None:
    article = subscriber_only_article()
    erin = make_reader("erin@example.com", None)  # signed in, no subscription
    alice = browser_of(people.alice)  # Digital, English
    carol = browser_of(people.carol, "es")  # Premium's second reader, Spanish
    dave = browser_of(people.dave)  # Business, admin of Acme
    nobody = browser_of(erin)
    visitor = Client()
    url = article.get_absolute_url()
    for _ in range(3):  # each in turn, again and again: shared parts are warm after one
        mine = page(alice, url)
        assert SECRET in mine and "Digital" in mine and "Sign out" in mine
        assert "Acme Corporation" not in mine and "Cerrar sesión" not in mine

        hers = page(carol, url)
        assert SECRET in hers and "Cerrar sesión" in hers and "Premium" in hers
        assert "Digital" not in hers and "Acme Corporation" not in hers

        his = page(dave, url)
        assert SECRET in his and "Acme Corporation" in his and 'href="/org/acme/"' in his

        theirs = page(nobody, url)
        assert SECRET not in theirs and 'href="/plans/"' in theirs and "Sign out" in theirs
        assert "Digital" not in theirs and "Acme Corporation" not in theirs

        anonymous = page(visitor, url)
        assert SECRET not in anonymous and OPENING in anonymous and "Sign in" in anonymous
        assert "Sign out" not in anonymous and "Acme Corporation" not in anonymous

    # Alice's second device gets the dialog, never the body the others' pages carry.
    phone = browser_of(people.alice)
    busy = page(phone, url)
    assert SECRET not in busy and OPENING not in busy and "lease-dialog" in busy


def test_a_seat_revoked_stops_the_body_on_the_next_page(
    production_cache: None, people: Personas
) -> None:
    article = subscriber_only_article()
    alice = browser_of(people.alice)
    assert SECRET in page(alice, article.get_absolute_url())
    lifecycle.expire(people.alice.seats.get().subscription)
    assert SECRET not in page(alice, article.get_absolute_url())


def test_an_anonymous_page_is_public_with_validators_and_sets_no_cookie(db: None) -> None:
    article = subscriber_only_article()
    Article.objects.filter(pk=article.pk).update(access=Access.FREE)
    article.refresh_from_db()
    article.save(update_fields=["updated_at"])
    visitor = Client()
    for url in ("/", "/city/", article.get_absolute_url()):
        response = visitor.get(url)
        assert response.status_code == 200
        control = response["Cache-Control"]
        assert "public" in control and "s-maxage=60" in control and "max-age=0" in control
        assert response["ETag"] and response["Last-Modified"]
        assert {"Cookie", "Accept-Language"} <= {v.strip() for v in response["Vary"].split(",")}
        assert not response.cookies, url  # a proxy may share it
        again = visitor.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304 and again["ETag"] == response["ETag"]


def test_an_edit_changes_the_page_and_its_etag_at_once(db: None) -> None:
    article = subscriber_only_article()
    article.access = Access.FREE
    article.save(update_fields=["access"])
    visitor = Client()
    before = visitor.get(article.get_absolute_url())
    article.headline = "The harbour budget, corrected"
    article.save(update_fields=["headline"])
    after = visitor.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert "The harbour budget, corrected" in after.content.decode()


def test_a_signed_in_readers_pages_are_private(people: Personas) -> None:
    article = subscriber_only_article()
    alice = browser_of(people.alice)
    for url in ("/", "/city/"):
        control = alice.get(url)["Cache-Control"]
        assert "private" in control and "public" not in control
    control = alice.get(article.get_absolute_url())["Cache-Control"]
    assert "private" in control and "no-store" in control


def test_a_visitor_with_a_session_cookie_gets_a_page_of_their_own(db: None) -> None:
    """A session may hold something for this browser alone (a flash message, why its
    session ended: tests/readers/test_signout_notice.py): never the shared copy."""
    subscriber_only_article()
    visitor = Client()
    visitor.cookies["sessionid"] = "0" * 32  # a session that ended
    response = visitor.get("/")
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    assert "ETag" not in response


def test_each_visitor_gets_the_copy_in_their_language(db: None) -> None:
    subscriber_only_article()
    english, spanish = Client(HTTP_ACCEPT_LANGUAGE="en"), Client(HTTP_ACCEPT_LANGUAGE="es")
    by_cookie = Client()
    by_cookie.cookies["django_language"] = "es"
    for _ in range(2):  # the second round comes from the process's memory
        assert "Sign in" in page(english, "/") and "Iniciar sesión" not in page(english, "/")
        assert "Iniciar sesión" in page(spanish, "/")
        assert "Iniciar sesión" in page(by_cookie, "/")
        assert page(spanish, "/city/?page=1") != page(english, "/city/?page=1")


SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "X-Frame-Options",
)


@override_settings(SECURE_HSTS_SECONDS=3600)
def test_a_copy_from_memory_carries_the_security_headers_of_its_scheme(db: None) -> None:
    """A served copy skips the security middleware, as a proxy's copy would: it keeps
    the headers that middleware gave it, and HTTPS and HTTP have copies of their own."""
    subscriber_only_article()
    visitor = Client()
    first, again = visitor.get("/city/"), visitor.get("/city/")  # the second from memory
    secure_first, secure_again = (
        visitor.get("/city/", secure=True),
        visitor.get("/city/", secure=True),
    )

    for name in SECURITY_HEADERS:
        assert first[name] and again[name] == first[name] == secure_again[name], name
    assert "Strict-Transport-Security" not in first and "Strict-Transport-Security" not in again
    assert secure_first["Strict-Transport-Security"] == secure_again["Strict-Transport-Security"]
    assert "max-age=3600" in secure_again["Strict-Transport-Security"]


def moved_elsewhere(article: Article, access: Access) -> None:
    """What a worker or a command in a terminal does: it changes the rows and moves the
    version in the store every process shares (nothing of this process hears of it)."""
    Article.objects.filter(pk=article.pk).update(access=access)
    caches["versions"].set(VERSION_KEY, hot.new_token(time.time()))


@pytest.fixture
def process_clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The clock ``hot.recently`` reads, stopped; a test moves it by hand."""
    now = [1000.0]
    monkeypatch.setattr(hot, "clock", lambda: now[0])
    return now


def free_article_kept_in_memory(visitor: Client) -> Article:
    """The subscriber-only article made free, read twice: now from this process's memory."""
    article = subscriber_only_article()
    Article.objects.filter(pk=article.pk).update(access=Access.FREE)
    article.save(update_fields=["updated_at"])
    assert SECRET in page(visitor, article.get_absolute_url())
    page(visitor, article.get_absolute_url())
    return article


@override_settings(KIOSCO_PUBLIC_RECHECK_SECONDS=1.0)
def test_a_change_another_process_made_shows_within_the_recheck_window(
    db: None, process_clock: list[float]
) -> None:
    visitor = Client()
    article = free_article_kept_in_memory(visitor)
    moved_elsewhere(article, Access.SUBSCRIBERS)
    # Within the second, this process serves the copy it has (a proxy in front would,
    # for KIOSCO_PUBLIC_CACHE_SECONDS); past it, it asks the store and renders anew.
    assert SECRET in page(visitor, article.get_absolute_url())
    process_clock[0] += 1.0
    assert SECRET not in page(visitor, article.get_absolute_url())


@override_settings(KIOSCO_PUBLIC_RECHECK_SECONDS=0)
def test_without_a_recheck_window_a_change_another_process_made_shows_at_once(
    db: None, process_clock: list[float]
) -> None:
    visitor = Client()
    article = free_article_kept_in_memory(visitor)
    moved_elsewhere(article, Access.SUBSCRIBERS)
    assert SECRET not in page(visitor, article.get_absolute_url())


@override_settings(KIOSCO_PUBLIC_RECHECK_SECONDS=3600.0)
def test_a_change_made_in_this_process_shows_at_once_whatever_the_window(
    db: None, process_clock: list[float]
) -> None:
    article = subscriber_only_article()
    article.access = Access.FREE
    article.save(update_fields=["access"])
    visitor = Client()
    assert SECRET in page(visitor, article.get_absolute_url())
    page(visitor, article.get_absolute_url())
    article.access = Access.SUBSCRIBERS
    article.save(update_fields=["access"])  # an editor's save: the version moves here
    assert SECRET not in page(visitor, article.get_absolute_url())


def test_an_article_moved_behind_the_paywall_stays_there_through_a_redis_outage(
    redis_url: str, db: None
) -> None:
    article = subscriber_only_article()
    article.access = Access.FREE
    article.save(update_fields=["access"])
    visitor = Client()
    with on_redis(DOWN):  # Redis down: pages from the database, nothing kept
        assert SECRET in page(visitor, article.get_absolute_url())
    with on_redis(redis_url, prefix="outage"):
        article.access = Access.SUBSCRIBERS
        article.save(update_fields=["access"])
        assert SECRET not in page(visitor, article.get_absolute_url())
    with on_redis(DOWN):  # down again: what the first outage read is not served
        assert SECRET not in page(visitor, article.get_absolute_url())


def test_a_scheduled_article_reaches_the_lists_when_its_time_comes(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    section = subscriber_only_article().section
    later = timezone.now() + timedelta(hours=1)
    Article.objects.create(
        slug="embargoed", headline="The embargoed story", section=section,
        access=Access.FREE, published_at=later,
    )  # fmt: skip
    visitor = Client()
    for url in ("/", "/city/"):
        assert "The embargoed story" not in page(visitor, url)
    moved = later + timedelta(minutes=1)  # an hour on: no save, no signal, only time
    monkeypatch.setattr(timezone, "now", lambda: moved)
    monkeypatch.setattr(time, "time", lambda: moved.timestamp())
    monkeypatch.setattr(hot, "clock", lambda: time.monotonic() + 3600)
    for url in ("/", "/city/"):
        assert "The embargoed story" in page(visitor, url)
