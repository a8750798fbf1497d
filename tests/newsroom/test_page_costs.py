"""What each page type costs once warm, pinned as counts (times are for `make bench`):
SQL statements, and round trips to the real Redis the production shape uses (cache
and cached sessions). A change that adds a query or a round trip to a page fails here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from kiosco.lib import hot
from kiosco.newsroom.models import Access, Article, Author
from tests.support.caches import round_trips
from tests.support.content import SECRET, subscriber_only_article
from tests.support.personas import Personas

pytestmark = pytest.mark.django_db


@dataclass
class Cost:
    sql: list[str]
    redis: int


def cost(browser: Client, url: str, check: Callable[[str], bool] = lambda html: True) -> Cost:
    with CaptureQueriesContext(connection) as captured, round_trips() as sent:
        response = browser.get(url)
    assert response.status_code == 200
    assert check(response.content.decode())
    return Cost([query["sql"] for query in captured.captured_queries], sent[0])


def warm(browser: Client, url: str) -> None:
    for _ in range(2):  # the first builds the shell, the second the reader's entries
        assert browser.get(url).status_code == 200


def signed_in(reader: Any) -> Client:
    browser = Client()
    browser.force_login(reader)
    return browser


def reading_alice(people: Personas) -> Cost:
    """Alice's subscriber-only article once her lease is taken and read as held."""
    article = subscriber_only_article()
    laptop = signed_in(people.alice)
    warm(laptop, article.get_absolute_url())
    return cost(laptop, article.get_absolute_url(), lambda html: SECRET in html)


def test_a_reading_subscribers_article_costs_no_query_and_one_round_trip(
    production_cache: None, people: Personas
) -> None:
    page = reading_alice(people)

    # the session, the reader, the content version, the terms and the lease's held hint
    # in one batch: while the hint vouches, the lease table is not read
    assert (page.sql, page.redis) == ([], 1)


@override_settings(KIOSCO_LEASE_HINTS=False)
def test_without_held_hints_the_lease_check_is_one_read(
    production_cache: None, people: Personas
) -> None:
    page = reading_alice(people)

    assert len(page.sql) == 1 and page.sql[0].lstrip().upper().startswith(("SELECT", "WITH"))
    assert page.redis == 1


@override_settings(KIOSCO_PUBLIC_RECHECK_SECONDS=1.0)
def test_anonymous_pages_cost_no_query_and_a_round_trip_a_second_at_most(
    production_cache: None, people: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(hot, "clock", lambda: now[0])  # the process's clock, by hand
    article = subscriber_only_article()
    free = Article.objects.create(
        slug="ferries", headline="Night ferries", section=article.section, access=Access.FREE,
        published_at=article.published_at,
    )  # fmt: skip
    author = Author.objects.create(slug="ana", name="Ana Ruiz")
    free.authors.add(author)
    visitor = Client()
    for url in (
        "/",
        "/city/",
        free.get_absolute_url(),
        article.get_absolute_url(),
        "/authors/ana/",
    ):
        warm(visitor, url)
        page = cost(visitor, url, lambda html: SECRET not in html)
        assert (page.sql, page.redis) == ([], 0), url  # from memory, checked this second
        now[0] += 1.0
        page = cost(visitor, url, lambda html: SECRET not in html)
        assert (page.sql, page.redis) == ([], 1), url  # the content version, once a second


def test_a_signed_in_readers_front_and_section_pages_cost_no_query(
    production_cache: None, people: Personas
) -> None:
    subscriber_only_article()
    carol = signed_in(people.carol)
    for url in ("/", "/city/"):
        warm(carol, url)
        page = cost(carol, url, lambda html: "Sign out" in html)
        assert (page.sql, page.redis) == ([], 1), url
