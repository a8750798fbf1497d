"""What each page costs the database, pinned as counts (times are for `make bench`)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from kiosco.lib import hot
from kiosco.newsroom.models import Access, Article
from tests.paywall.test_dialog import read

pytestmark = pytest.mark.django_db


def statements(browser: Client, method: str, url: str, **data: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(browser, method)(url, data)
    assert response.status_code in (200, 204)
    return [query["sql"] for query in captured.captured_queries]


def test_a_reading_subscriber_costs_three_reads_and_no_write(people, article, device):
    laptop = device(people.alice)
    read(laptop, article)  # the lease is acquired: from now on it is held

    page = statements(laptop, "get", article.get_absolute_url())
    beat = statements(laptop, "post", "/paywall/heartbeat/", idle="3", path="/")

    # Without Redis (tests/newsroom/test_page_costs.py has the production shape): the
    # session and the version tokens in the database, and the seat's lease slots; the
    # reader, their seat and plan come from their cached snapshot.
    for sql in (page, beat):
        assert len(sql) == 3, sql
        assert all(q.lstrip().upper().startswith(("SELECT", "WITH")) for q in sql), sql


@override_settings(KIOSCO_PUBLIC_RECHECK_SECONDS=1.0)
def test_a_free_article_and_the_front_page_cost_an_anonymous_reader_a_read_a_second(
    article, monkeypatch
):
    now = [1000.0]
    monkeypatch.setattr(hot, "clock", lambda: now[0])  # the process's clock, by hand
    Article.objects.filter(pk=article.pk).update(access=Access.FREE)
    anonymous = Client()
    anonymous.get("/")
    anonymous.get(article.get_absolute_url())
    for url in ("/", article.get_absolute_url()):
        assert statements(anonymous, "get", url) == []  # from memory, checked this second
        now[0] += 1.0
        # the content version, from the table every process shares without Redis
        assert [sql.split(" FROM ")[1][:23] for sql in statements(anonymous, "get", url)] == [
            '"kiosco_versions_cache"'
        ]
