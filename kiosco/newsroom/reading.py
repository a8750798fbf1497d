"""Read services: the pages of articles a reader browses — the front page, a section,
an author, a search, a feed — each selecting only the columns a list shows.

A list never carries an article body: a list item is a headline and a standfirst,
whatever the reader's access (the body's one gate is ``access.py``). Feeds are the one
exception, and only for free articles (``feed_items``).

Every query here costs the same with 1,000 articles as with 100,000 (``make bench``
measures it): lists read their rows in index order and stop. So a list is not counted
to its end and not paged with deep offsets. Its first ``MAX_PAGES`` pages are numbered
(``?page=N``, counted at most that far); past them, a page is the articles older than
one article (``?before=<id>``) or newer than one (``?after=<id>``), read from the same
index at the same cost however deep.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from kiosco.newsroom import search
from kiosco.newsroom.cache import sections_for_nav
from kiosco.newsroom.models import Access, Article, Author, Block, Credit, Section

PAGE_SIZE = 20
FEED_SIZE = 50
# Numbered pages of a section or author; older articles go on by keyset.
MAX_PAGES = 50
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
    served by the (section, -published_at, -id) index. (A window function numbering rows
    per section was one query but ranked every published row: O(archive), measured at 0
    requests/s with 100,000 articles.) A daily edition has a handful of sections."""
    grouped = []
    for section in sections_for_nav():
        rows = list(listed(articles.filter(section=section))[:PER_SECTION])
        if rows:
            grouped.append((section, rows))
    return grouped


# --- Lists: numbered pages, then keyset pages ------------------------------------------


@dataclass
class Listing:
    """One page of a list of articles and the queries of its neighbours ("" when there
    is none), however it was reached. ``number`` is None past the numbered pages;
    ``pages`` is None when there are more than ``MAX_PAGES`` (not counted further)."""

    object_list: list[Article]
    number: int | None = None
    pages: int | None = None
    newer: str = ""
    older: str = ""


@dataclass(frozen=True)
class Rows:
    """A list's rows published up to a time, in its order, (time, id) descending, and
    how to read one as an article: a section lists articles; an author's page lists
    credits (their own index)."""

    until: Callable[[datetime], QuerySet[Any]]
    time: str
    id: str
    article: Callable[[Any], Article | None]


def browse(rows: Rows, params: Mapping[str, str]) -> Listing:
    """The page ``params`` asks for: ``?before=<id>``, ``?after=<id>`` or ``?page=N``
    (missing, malformed or too large: the nearest numbered page, a typo is no error)."""
    for key, older in (("before", True), ("after", False)):
        if (cursor := number_in(params.get(key))) is not None:
            return _keyset_page(rows, cursor, older=older)
    return _numbered_page(rows, params.get("page"))


def list_query(params: Mapping[str, str]) -> dict[str, str]:
    """The one parameter ``browse`` would act on, in its one spelling: ``{"before": id}``,
    ``{"after": id}``, ``{"page": n}`` past the first page, or nothing. A page is shared by
    everyone who asks for it (newsroom/pages.py): keyed by this, never by the raw query,
    so ``?page=01&utm_source=x`` is the second page's copy, not a new one."""
    for key in ("before", "after"):
        if (cursor := number_in(params.get(key))) is not None:
            return {key: str(cursor)}
    number = min(number_in(params.get("page")) or 1, MAX_PAGES)
    return {"page": str(number)} if number > 1 else {}


def number_in(raw: object) -> int | None:
    """A positive whole number in a query string, or None: ASCII digits only, at most
    18 (``"²".isdigit()`` is true and ``int("²")`` fails; a 5,000-digit page number
    fails too)."""
    text = str(raw or "")
    return int(text) if re.fullmatch(r"[0-9]{1,18}", text) and int(text) > 0 else None


def _numbered_page(rows: Rows, raw_number: Any) -> Listing:
    # Counted no further than the numbered pages: COUNT(*) over a section of 25,000
    # articles read all of them on every page view.
    limit = MAX_PAGES * PAGE_SIZE
    queryset = rows.until(timezone.now())
    counted = queryset.order_by()[: limit + 1].count()
    pages = max(1, math.ceil(min(counted, limit) / PAGE_SIZE))
    number = min(number_in(raw_number) or 1, pages)
    start = (number - 1) * PAGE_SIZE
    found = _articles(rows, queryset[start : start + PAGE_SIZE])
    older = ""
    if number < pages:
        older = _query(page=number + 1)
    elif counted > limit and found:
        older = _query(before=found[-1].pk)  # the numbered pages end; the list does not
    return Listing(
        found,
        number=number,
        pages=None if counted > limit else pages,
        newer=_query(page=number - 1) if number > 1 else "",
        older=older,
    )


def _keyset_page(rows: Rows, cursor: int, *, older: bool) -> Listing:
    """The page of articles just older (or newer) than article ``cursor`` in (time, id)
    order: a range of the list's index, as cheap wherever it starts. An unknown cursor
    gives an empty page."""
    anchor = Article.objects.filter(pk=cursor).values_list("published_at", flat=True).first()
    if anchor is None:
        return Listing([], newer=_query(page=1))
    now = timezone.now()
    if older:
        # One upper bound on the time, the lower of the two: given two, SQLite ranges
        # over the index by the first and filters by the other (from now to the cursor).
        window = rows.until(min(anchor, now)).exclude(
            **{rows.time: anchor, f"{rows.id}__gte": cursor}
        )
    else:
        window = (
            rows.until(now)
            .filter(**{f"{rows.time}__gte": anchor})
            .exclude(**{rows.time: anchor, f"{rows.id}__lte": cursor})
            .order_by(rows.time, rows.id)
        )
    found = _articles(rows, window[: PAGE_SIZE + 1])
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    if not older:
        if not more:  # reached the newest: that is the first page
            return _numbered_page(rows, 1)
        found.reverse()
    if not found:
        return Listing([], newer=_query(page=1))
    return Listing(
        found,
        newer=_query(after=found[0].pk),  # older than the cursor or newer: more above
        older=_query(before=found[-1].pk) if more or not older else "",
    )


def _articles(rows: Rows, window: QuerySet[Any]) -> list[Article]:
    return [article for row in window if (article := rows.article(row)) is not None]


def _query(**params: Any) -> str:
    return urlencode(params)


def section_page(section: Section, params: Mapping[str, str]) -> Listing:
    def until(moment: datetime) -> QuerySet[Article]:
        return listed(Article.objects.filter(section=section, published_at__lte=moment))

    return browse(Rows(until, "published_at", "id", _same), params)


def author_page(author: Author, params: Mapping[str, str]) -> Listing:
    """An author's articles, newest first, read from the credits' own index (the copy
    of each article's time, see ``models.Credit``); the join only loads the page."""
    columns = tuple(f"article__{name}" for name in LIST_COLUMNS)

    def until(moment: datetime) -> QuerySet[Credit]:
        return (
            Credit.objects.filter(author=author, published_at__lte=moment)
            .select_related("article__section", "article__lead_image")
            .only("article_id", "published_at", *columns)
            .order_by("-published_at", "-article_id")
        )

    return browse(Rows(until, "published_at", "article_id", _credited), params)


def _same(article: Article) -> Article:
    return article


def _credited(credit: Credit) -> Article | None:
    # The credit's copy of the time decides the page; the article's own has the last
    # word (a copy made stale by a bulk update shows nothing, never a draft).
    return credit.article if credit.article.is_published() else None


# --- Search ------------------------------------------------------------------------------


@dataclass
class SearchPage(Listing):
    """A page of search results, with how many matched: ``more`` when more matched
    than were ranked (``search.CANDIDATES``), so ``count`` is a floor."""

    count: int = 0
    more: bool = False


def search_articles(query: str, params: Mapping[str, str]) -> tuple[list[str], SearchPage]:
    """The query's words and one page of the published articles matching all of them,
    best first (headline above standfirst above body): one ranked query for the ids,
    one for the page's rows."""
    words = search.query_words(query)
    ranked = search.ranked_ids(words)
    pages = max(1, math.ceil(len(ranked.ids) / PAGE_SIZE))
    number = min(number_in(params.get("page")) or 1, pages)
    ids = ranked.ids[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    # published() again: a row's copy of the time in the index could be stale.
    found = listed(Article.objects.published().filter(pk__in=ids)).in_bulk(ids) if ids else {}
    return words, SearchPage(
        [found[pk] for pk in ids if pk in found],
        number=number,
        pages=pages,
        newer=_query(q=query, page=number - 1) if number > 1 else "",
        older=_query(q=query, page=number + 1) if number < pages else "",
        count=len(ranked.ids),
        more=ranked.more,
    )


# --- Feeds -------------------------------------------------------------------------------


def feed_items(articles: QuerySet[Article], number: int = 1) -> list[Article]:
    """One page of a feed's articles. Only free articles have their blocks loaded:
    a feed carries the full body of a free article and the standfirst of the rest, so
    a subscriber-only body is never even read for it."""
    free_blocks = Prefetch("blocks", queryset=Block.objects.filter(article__access=Access.FREE))
    offset = (max(number, 1) - 1) * FEED_SIZE
    window = articles.select_related("section").prefetch_related(free_blocks, "authors")
    return list(window[offset : offset + FEED_SIZE])


def author_articles(author: Author) -> QuerySet[Article]:
    """An author's published articles in the order of the credits' index (the feed)."""
    now = timezone.now()
    return Article.objects.filter(
        credits__author=author, credits__published_at__lte=now, published_at__lte=now
    ).order_by("-credits__published_at", "-credits__article_id")
