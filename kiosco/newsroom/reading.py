"""Read services: the pages of articles a reader browses — a section, an author, a
search, a feed — each paginated, each selecting only the columns a list shows.

A list never carries an article body: a list item is a headline and a standfirst,
whatever the reader's access (the body's one gate is ``access.py``). Feeds are the one
exception, and only for free articles (``feed_items``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from kiosco.newsroom import search
from kiosco.newsroom.cache import sections_for_nav
from kiosco.newsroom.models import Access, Article, Author, Block, Section

PAGE_SIZE = 20
FEED_SIZE = 50
# What a list item shows: never the body, never more columns than that needs.
LIST_COLUMNS = (
    "slug", "headline", "standfirst", "byline", "language", "access", "published_at",
    "section__slug", "section__name", "section__position", "lead_image__file",
    "lead_image__width", "lead_image__height", "lead_image__alt", "lead_image__caption",
    "lead_image__credit", "lead_image__renditions",
)  # fmt: skip
SECONDARY_COUNT = 4
# The lead story without a pin is the latest with an image among this many newest.
LEAD_WINDOW = 12
PIN_WINDOW = 20
PER_SECTION = 4


def listed(articles: QuerySet[Article]) -> QuerySet[Article]:
    return articles.select_related("section", "lead_image").only(*LIST_COLUMNS)


@dataclass
class FrontPage:
    lead: Article | None
    secondaries: list[Article]
    sections: list[tuple[Section, list[Article]]]


def front_page() -> FrontPage:
    """The lead story (the latest pinned one, else the latest with an image among the
    newest few, else the latest), the next few stories, then each section's latest:
    small indexed queries that load exactly the rows the page shows, however large the
    archive (the newest few are read as ids, not articles)."""
    published = Article.objects.published()
    recent = list(published.values_list("pk", "lead_image_id")[:LEAD_WINDOW])
    lead_id = _latest_pin() or next(
        (pk for pk, image in recent if image), recent[0][0] if recent else None
    )
    top_ids = [lead_id] if lead_id else []
    top_ids += [pk for pk, _ in recent if pk != lead_id][:SECONDARY_COUNT]
    found = listed(published.filter(pk__in=top_ids)).in_bulk(top_ids)
    top = [found[pk] for pk in top_ids if pk in found]
    rest = published.exclude(pk__in=top_ids)
    return FrontPage(top[0] if top else None, top[1:], latest_by_section(rest))


def _latest_pin() -> int | None:
    """The latest pinned article that is published. Asked of the pinned rows alone (the
    partial index); with the published filter, SQLite walked the published_at index
    over the whole archive instead (88 ms at 100,000 articles)."""
    now = timezone.now()
    pins = Article.objects.filter(pinned_at__isnull=False).order_by("-pinned_at")
    for pk, published_at in pins.values_list("pk", "published_at")[:PIN_WINDOW]:
        if published_at is not None and published_at <= now:
            return int(pk)
    return None


def latest_by_section(articles: QuerySet[Article]) -> list[tuple[Section, list[Article]]]:
    """Each section's ``PER_SECTION`` latest articles: one small query per section, each
    served by the (section, -published_at) index. (A window function numbering rows per
    section was one query but ranked every published row: O(archive), measured at 0
    requests/s with 100,000 articles.) A daily edition has a handful of sections."""
    grouped = []
    for section in sections_for_nav():
        rows = list(listed(articles.filter(section=section))[:PER_SECTION])
        if rows:
            grouped.append((section, rows))
    return grouped


def page_of(articles: QuerySet[Article], number: Any, per_page: int = PAGE_SIZE) -> Page:
    """One page of ``articles``; a missing, malformed or past-the-end number gives the
    nearest page (a reader's typo is not an error)."""
    return Paginator(listed(articles), per_page).get_page(number)


def section_page(section: Section, number: Any) -> Page:
    return page_of(Article.objects.published().filter(section=section), number)


def author_page(author: Author, number: Any) -> Page:
    return page_of(Article.objects.published().filter(authors=author), number)


@dataclass
class SearchHits:
    """The matches of a query as a sequence :class:`Paginator` can page: it asks
    ``count()`` once, then one slice; each runs one ranked query in the database."""

    words: list[str]
    _total: int | None = None

    def count(self) -> int:
        if self._total is None:
            self._total = search.count_matches(self.words)
        return self._total

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Article]:
        offset, stop = window.start or 0, window.stop or 0
        ids = search.search_ids(self.words, limit=max(stop - offset, 0), offset=offset)
        found = listed(Article.objects.filter(pk__in=ids)).in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]


def search_articles(query: str, number: Any) -> tuple[list[str], Page]:
    """The query's words and one page of the published articles matching all of them,
    best first (headline above standfirst above body)."""
    words = search.query_words(query)
    return words, Paginator(SearchHits(words), PAGE_SIZE).get_page(number)  # type: ignore[arg-type]


def feed_items(articles: QuerySet[Article], number: int = 1) -> list[Article]:
    """One page of a feed's articles. Only free articles have their blocks loaded:
    a feed carries the full body of a free article and the standfirst of the rest, so
    a subscriber-only body is never even read for it."""
    free_blocks = Prefetch("blocks", queryset=Block.objects.filter(article__access=Access.FREE))
    offset = (max(number, 1) - 1) * FEED_SIZE
    window = articles.select_related("section").prefetch_related(free_blocks, "authors")
    return list(window[offset : offset + FEED_SIZE])
