"""Search: the database's own full-text engine (PostgreSQL tsvector with the English
and Spanish configurations, SQLite FTS5), ranked, paginated, published articles only,
and a result is a headline and a standfirst whatever the reader's access."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kiosco.newsroom.access import AccessDecision
from kiosco.newsroom.models import Access, Article, Section
from kiosco.newsroom.reading import PAGE_SIZE
from kiosco.newsroom.services import import_article
from kiosco.readers.models import Reader
from tests.newsroom.page_data import parse_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def city() -> Section:
    return Section.objects.create(slug="city", name="City")


def publish(headline: str, standfirst: str, body: str, access: str = Access.FREE) -> Article:
    text = f"{headline}\n{standfirst}\n\n{body}\n"
    return import_article(text, section="city", access=access).article


def results(client, query: str, page: int = 1) -> list[str]:
    response = client.get("/search/", {"q": query, "page": page})
    assert response.status_code == 200
    return [h.text() for h in parse_html(response.content).find_all("h3")]


def test_it_ranks_a_headline_match_above_a_body_match(client, city):
    publish("Council meets tonight", "A routine session.", "The lighthouse budget is on the list.")
    publish("The lighthouse goes dark", "A keeper retires.", "Nobody will wind the clock.")
    assert results(client, "lighthouse") == [
        "The lighthouse goes dark",
        "Council meets tonight",
    ]


def test_it_finds_a_spanish_article_by_another_form_of_the_word(client, city):
    publish(
        "Los mercados nocturnos vuelven",
        "Treinta puestos abrirán los viernes.",
        "Los comerciantes del mercado esperan a miles de vecinos.",
    )
    assert results(client, "mercado") == ["Los mercados nocturnos vuelven"]


def test_it_finds_an_english_article_by_another_form_of_the_word(client, city):
    publish("Night buses run every twenty minutes", "More buses.", "The board added drivers.")
    assert results(client, "driver minute") == ["Night buses run every twenty minutes"]


def test_it_shows_only_headline_and_standfirst_of_a_subscriber_article(client, city):
    publish(
        "Harbour cranes lit at night",
        "Four cranes become a landmark.",
        "SECRET-BODY: each crane carries two hundred lamps.",
        access=Access.SUBSCRIBERS,
    )
    page = client.get("/search/", {"q": "lamps"}).content.decode()
    assert "Harbour cranes lit at night" in page and "Four cranes become a landmark." in page
    assert "SECRET-BODY" not in page


def test_it_never_finds_drafts_or_scheduled_articles(client, city):
    draft = publish("Tram depot library plans", "A draft.", "Books in the depot.")
    Article.objects.filter(pk=draft.pk).update(published_at=None)
    later = publish("Tram depot opening day", "Scheduled.", "Books in the depot.")
    Article.objects.filter(pk=later.pk).update(published_at=timezone.now() + timedelta(days=1))
    assert results(client, "depot") == []


def test_it_treats_query_syntax_as_plain_words(client, city):
    publish("Cookies at the bakery", "A new oven.", "The bakery sells cookies AND bread.")
    for query in ['"cookies', "cookies AND", "NEAR(cookies)", "cookies*", "bakery^ -oven", "'"]:
        assert client.get("/search/", {"q": query}).status_code == 200
    assert results(client, "cookies AND bakery") == ["Cookies at the bakery"]


def test_it_pages_through_many_results(client, city):
    for number in range(PAGE_SIZE + 3):
        publish(f"River report number {number}", "On the river.", "The river rose again.")
    first, second = results(client, "river"), results(client, "river", page=2)
    assert (len(first), len(second)) == (PAGE_SIZE, 3)
    assert not set(first) & set(second)
    assert results(client, "river", page=999) == second  # past the end: the last page


def test_it_finds_an_edited_headline_and_forgets_a_deleted_article(client, city):
    article = publish("Old headline", "Stand.", "Body text.")
    article.headline = "Fresh pelican sighting"
    article.save(update_fields=["headline"])
    assert results(client, "pelican") == ["Fresh pelican sighting"]
    article.delete()
    assert results(client, "pelican") == []


def test_it_shows_the_empty_search_form_without_a_query(client, city):
    page = parse_html(client.get("/search/").content)
    assert page.find("form", "search-form") is not None
    assert page.find_all("h3") == []


def test_it_finds_nothing_for_a_query_of_punctuation(client, city):
    publish("Cookies at the bakery", "A new oven.", "Bread.")
    assert results(client, "?!") == []


def always_entitled(request: object, article: object) -> AccessDecision:
    return AccessDecision(True, "entitled")


@override_settings(KIOSCO_ACCESS_DECISION="tests.newsroom.test_search.always_entitled")
def test_it_shows_only_headline_and_standfirst_to_a_reader_entitled_to_the_body(client, city):
    article = publish(
        "Harbour cranes lit at night",
        "Four cranes.",
        "SECRET-BODY: two hundred lamps.",
        access=Access.SUBSCRIBERS,
    )
    client.force_login(Reader.objects.create_user("alice@example.com", "a-long-password"))
    page = client.get("/search/", {"q": "lamps"}).content.decode()
    assert "Harbour cranes lit at night" in page and "Four cranes." in page
    assert "SECRET-BODY" not in page
    assert "SECRET-BODY" not in client.get("/city/").content.decode()
    assert "SECRET-BODY" in client.get(article.get_absolute_url()).content.decode()  # entitled


def article_queries(client, query: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert results(client, query)
    return [q["sql"] for q in captured.captured_queries if "newsroom_article" in q["sql"]]


def test_a_repeated_search_is_answered_from_memory_until_the_content_changes(client, city):
    publish("Ferries at night", "The late boats.", "They run until two.")
    assert article_queries(client, "ferries")  # searched and rendered
    assert article_queries(client, "ferries") == []  # the same words again: kept
    publish("Ferries in the fog", "Slow crossings.", "Horns all night.")  # the version moves
    assert sorted(results(client, "ferries")) == ["Ferries at night", "Ferries in the fog"]


def test_search_pages_stay_out_of_the_shared_cache(redis_url, production_cache, client, city):
    publish("Ferries at night", "The late boats.", "They run until two.")
    assert results(client, "ferries") == ["Ferries at night"]
    assert results(client, "ferries") == ["Ferries at night"]
    store = redis.Redis.from_url(redis_url)
    try:
        assert list(store.scan_iter(match="*search:*")) == []  # anyone could multiply them
    finally:
        store.close()


def test_a_kept_search_page_still_shows_each_reader_their_own_account(city, people):
    publish("Ferries at night", "The late boats.", "They run until two.")
    plain = Reader.objects.create_user(email="plain@example.com")

    def seen_by(reader: Reader | None) -> str:
        browser = Client()
        if reader is not None:
            browser.force_login(reader)
        page = browser.get("/search/", {"q": "ferries"}).content.decode()
        assert "Ferries at night" in page
        return page

    for _ in range(2):  # the second round from the kept page
        subscriber, reader, visitor = seen_by(people.alice), seen_by(plain), seen_by(None)
        assert "Your subscription" in subscriber and "Sign out" in subscriber
        assert "Your subscription" not in reader and "Sign out" in reader
        assert "Sign in" in visitor and "Sign out" not in visitor
