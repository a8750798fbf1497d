"""Lists at any archive size: a fixed number of queries per page type, plans that read
lists from indexes, numbered pages counted only so far, keyset pages past them that walk
the whole list once, search ranking a bounded set of candidates, and credits that carry
their article's publication time. (The times at 1,000 and 100,000 articles are in
``bench/bench_newsroom.py``; here only counts and plans.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosco.newsroom import reading, search
from kiosco.newsroom.cache import bump_content_version, sections_for_nav
from kiosco.newsroom.models import Access, Article, Author, BlockKind, Credit, Section
from kiosco.newsroom.services import import_article
from tests.newsroom.page_data import add_blocks, make_article, parse_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def city() -> Section:
    return Section.objects.create(slug="city", name="City", position=1)


@pytest.fixture
def marta() -> Author:
    return Author.objects.create(slug="marta", name="Marta Quiroga")


def fill(section: Section, count: int, author: Author | None = None) -> list[Article]:
    """``count`` published articles, one a minute back from now, newest first."""
    now = timezone.now()
    made = [
        make_article(section, f"{section.slug}-{n}", published_at=now - timedelta(minutes=n + 1))
        for n in range(count)
    ]
    for article in made:
        add_blocks(article, [(BlockKind.PARAGRAPH, "", f"Body of {article.slug}.")])
        if author is not None:
            article.authors.add(author)
    return made


@contextmanager
def newsroom_queries() -> Iterator[list[str]]:
    """The SQL a request sent to the newsroom's tables (sessions, middleware and the
    other apps' queries are theirs to pin)."""
    found: list[str] = []
    with CaptureQueriesContext(connection) as captured:
        yield found
    found += [q["sql"] for q in captured.captured_queries if "newsroom_" in q["sql"]]


def headlines(client, url: str, **params: object) -> list[str]:
    response = client.get(url, params)
    assert response.status_code == 200
    return [h.text() for h in parse_html(response.content).find_all("h3")]


# --- Queries per page type ---------------------------------------------------------------


def test_it_reads_each_list_page_in_a_fixed_number_of_queries(client, city, marta):
    culture = Section.objects.create(slug="culture", name="Culture", position=2)
    articles = fill(city, 30, author=marta) + fill(culture, 5)
    expected = {
        # newest ids, the pin, the top stories, then one per section
        "/": 5,
        # the bounded count, the page (the section comes from the nav)
        "/city/": 2,
        "/city/?page=2": 2,
        # the cursor's time, the page
        f"/city/?before={articles[10].pk}": 2,
        f"/city/?after={articles[25].pk}": 2,
        # the author, the bounded count, the page (articles joined to their credits)
        "/authors/marta/": 3,
        f"/authors/marta/?before={articles[10].pk}": 3,
        # the ranked ids, the page's articles
        "/search/?q=city": 2,
        "/search/?q=city&page=2": 2,
        # the section, the page, the free articles' blocks, the authors
        "/feeds/city/rss.xml": 4,
        "/feeds/authors/marta/rss.xml": 4,
    }
    counted, again = {}, {}
    for url in expected:
        # A page rendered anew (after an edit: a new content version), the nav read.
        bump_content_version()
        sections_for_nav()
        with newsroom_queries() as queries:
            assert client.get(url).status_code == 200
        counted[url] = len(queries)
        with newsroom_queries() as queries:  # then shared: the front, sections, authors
            assert client.get(url).status_code == 200
        again[url] = len(queries)
    assert counted == expected
    shared = [url for url in expected if not url.startswith(("/search/", "/feeds/"))]
    assert {url: again[url] for url in shared} == dict.fromkeys(shared, 0)


# --- Plans: lists come out of indexes ----------------------------------------------------


def plan(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Not what the planner picks on a tiny table (statistics decide that), but
            # that a plan without a sequential scan and without sorting the list exists.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return [str(row[-1]).strip() for row in cursor.fetchall()]


def test_it_reads_list_pages_from_indexes_without_sorting_the_list(client, city, marta):
    articles = fill(city, 8, author=marta)
    urls = ["/", "/city/", "/city/?page=2", f"/city/?before={articles[3].pk}"]
    urls += ["/authors/marta/", f"/authors/marta/?after={articles[6].pk}"]
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        for query in captured.captured_queries:
            sql = query["sql"]
            if "newsroom_article" not in sql or "LIMIT" not in sql or '"id" IN (' in sql:
                continue  # not a list (a lookup by primary keys, the nav, the session)
            for line in plan(sql):
                assert not line.startswith(("SCAN newsroom_article", "Seq Scan")), (url, line)
                assert "TEMP B-TREE FOR ORDER BY" not in line, (url, line)
                assert not line.startswith("Sort "), (url, line)


# --- Numbered pages, then keyset pages ---------------------------------------------------


def test_it_counts_a_long_list_only_as_far_as_its_numbered_pages(client, city, monkeypatch):
    monkeypatch.setattr(reading, "PAGE_SIZE", 2)
    monkeypatch.setattr(reading, "MAX_PAGES", 3)
    articles = fill(city, 9)
    last = parse_html(client.get("/city/", {"page": 99}).content)
    assert last.find("span", "page-count").text() == "Page 3"  # not "of 5": not counted
    links = {a.attrs["rel"]: a.attrs["href"] for a in last.find("nav", "pagination").find_all("a")}
    assert links["next"] == f"?before={articles[5].pk}"
    assert headlines(client, "/city/", before=articles[5].pk) == ["City 6", "City 7"]


def test_it_shows_the_page_count_of_a_short_list(client, city):
    fill(city, reading.PAGE_SIZE + 1)
    page = parse_html(client.get("/city/").content)
    assert page.find("span", "page-count").text() == "Page 1 of 2"


@pytest.mark.parametrize(
    "url",
    ["/city/", "/authors/marta/", "/search/?q=city&", "/feeds/city/rss.xml"],
)
@pytest.mark.parametrize("junk", ["²", "٣", "9" * 5000, "-3", "0", "1e3", " 2"])
def test_it_reads_a_junk_page_or_cursor_as_the_first_page(client, city, marta, url, junk):
    fill(city, 3, author=marta)
    for key in ("page", "before", "after"):
        separator = "&" if "?" in url else "?"
        assert client.get(f"{url.rstrip('&')}{separator}{key}={junk}").status_code == 200


def test_it_answers_an_unknown_cursor_with_an_empty_page(client, city):
    fill(city, 3)
    assert headlines(client, "/city/", before=999_999) == []
    assert headlines(client, "/city/", before="x") == ["City 0", "City 1", "City 2"]


moments = st.lists(
    st.tuples(st.integers(0, 6), st.sampled_from(["published", "published", "draft", "later"])),
    max_size=24,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moments=moments, page_size=st.integers(1, 4), max_pages=st.integers(1, 3))
def test_it_walks_a_whole_list_once_in_order_by_its_links(
    client, city, monkeypatch, moments, page_size, max_pages
):
    """Publication times repeat (the id breaks ties), drafts and scheduled articles sit
    between them: following "Older" from the first page shows every published article
    exactly once, newest first; following "Newer" back shows them all again."""
    monkeypatch.setattr(reading, "PAGE_SIZE", page_size)
    monkeypatch.setattr(reading, "MAX_PAGES", max_pages)
    Article.objects.all().delete()
    now = timezone.now().replace(microsecond=0)
    for n, (minutes, state) in enumerate(moments):
        published_at = {"published": now - timedelta(minutes=minutes + 1), "draft": None}
        make_article(city, f"s-{n}", published_at=published_at.get(state, now + timedelta(1)))
    expected = list(
        Article.objects.published().filter(section=city).values_list("headline", flat=True)
    )
    walked, pages, url = [], [], "/city/"
    while url:
        response = client.get(url)
        page = parse_html(response.content)
        pages.append([h.text() for h in page.find_all("h3")])
        walked += pages[-1]
        links = {a.attrs["rel"]: a.attrs["href"] for a in page.find_all("a") if "rel" in a.attrs}
        url = "/city/" + links["next"] if "next" in links else ""
        assert len(pages) <= len(expected) + 1
    assert walked == expected
    back: list[str] = []
    url = links.get("prev", "")
    while url:
        page = parse_html(client.get("/city/" + url).content)
        back = [h.text() for h in page.find_all("h3")] + back
        links = {a.attrs["rel"]: a.attrs["href"] for a in page.find_all("a") if "rel" in a.attrs}
        url = links.get("prev", "")
        assert len(back) <= 2 * len(expected)
    # Newer pages end on the first numbered page, which may repeat a few stories.
    assert sorted(set(back + pages[-1])) == sorted(expected)


# --- Author pages read credits -----------------------------------------------------------


def test_it_copies_the_publication_time_onto_credits(city, marta):
    article = make_article(city, "harbour", published_at=None)
    article.authors.add(marta)
    assert Credit.objects.get(article=article).published_at is None
    article.published_at = timezone.now() - timedelta(minutes=5)
    article.save(update_fields=["published_at"])
    assert Credit.objects.get(article=article).published_at == article.published_at
    tom = Author.objects.create(slug="tom", name="Tom Hale")
    Credit.objects.create(article=article, author=tom)  # as the admin's inline does
    assert Credit.objects.get(author=tom).published_at == article.published_at


def test_it_never_lists_a_draft_on_an_author_page_even_with_a_stale_copy(client, city, marta):
    fill(city, 2, author=marta)
    Article.objects.filter(slug="city-0").update(published_at=None)  # no signal: stale
    assert headlines(client, "/authors/marta/") == ["City 1"]


# --- Search ranks a bounded set ----------------------------------------------------------


def publish(headline: str, body: str, minutes: int = 1) -> Article:
    article = import_article(f"{headline}\nA standfirst.\n\n{body}\n", section="city").article
    article.published_at = timezone.now() - timedelta(minutes=minutes)
    article.save(update_fields=["published_at"])
    return article


def test_it_ranks_only_the_newest_candidates_of_a_broad_query(client, city, monkeypatch):
    monkeypatch.setattr(search, "CANDIDATES", 3)
    publish("The harbour opens", "Cranes and ships.", minutes=50)  # added first: oldest id
    for n in range(4):
        publish(f"Council meeting {n}", "The harbour was mentioned once.")
    page = parse_html(client.get("/search/", {"q": "harbour"}).content)
    found = [h.text() for h in page.find_all("h3")]
    # The headline match was added first: not among the three newest candidates.
    assert found == ["Council meeting 3", "Council meeting 2", "Council meeting 1"]
    summary = page.find("p", "search-summary").text()
    assert summary.startswith("More than 3 articles found.")


def test_it_ranks_every_match_of_a_selective_query(client, city, monkeypatch):
    monkeypatch.setattr(search, "CANDIDATES", 3)
    publish("The lighthouse goes dark", "A keeper retires.", minutes=50)
    publish("Council meets", "The lighthouse budget is on the list.")
    for n in range(4):
        publish(f"Other news {n}", "Nothing of note.")
    assert headlines(client, "/search/", q="lighthouse") == [
        "The lighthouse goes dark",
        "Council meets",
    ]
    page = parse_html(client.get("/search/", {"q": "lighthouse"}).content)
    assert page.find("p", "search-summary").text() == "2 articles found"


def test_it_never_shows_a_draft_found_through_a_stale_index_row(client, city):
    article = publish("Pelican sighting", "A pelican on the pier.")
    Article.objects.filter(pk=article.pk).update(published_at=None)  # no signal: stale
    assert headlines(client, "/search/", q="pelican") == []


def test_it_indexes_many_articles_in_one_call(city):
    made = fill(city, 3)
    Article.objects.filter(pk=made[0].pk).update(headline="Walrus parade", access=Access.FREE)
    search.reindex_articles([a.pk for a in made])
    assert search.ranked_ids(["walrus"]).ids == [made[0].pk]
    assert sorted(search.ranked_ids(["body"]).ids) == sorted(a.pk for a in made)
