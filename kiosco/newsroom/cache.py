"""The newsroom's read cache: published content changes rarely and is read on every page.

Entries are keyed by a *content version* that every save or delete of a section,
author, article or block replaces, so a change is visible on the very next request
and old entries simply expire. The version moves twice: at once (the writer's own
next page sees the change) and again after commit — otherwise a request that read the
old rows just before the commit could store them under the new version
(``kiosco.lib.hot``). What is cached under a version never changes, so each process
also keeps the articles and the nav it read in memory: a page reads only the version
from the cache, with the request's other keys, in one round trip.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest
from django.utils import timezone

from kiosco.lib import hot
from kiosco.newsroom.models import Article, Author, Block, Credit, Image, Section

VERSION_KEY = "v:newsroom:content"
NEXT_KEY = "newsroom:next-publication"  # (version, when the next scheduled article is due)
TTL = 600
T = TypeVar("T")
_articles: hot.LocalMemo[Article] = hot.LocalMemo(512)
_navs: hot.LocalMemo[list[Section]] = hot.LocalMemo(4)
_authors: hot.LocalMemo[Author] = hot.LocalMemo(256)


def content_version() -> str:
    """The current content version (worked out once per request). An article scheduled
    for later becomes published by time alone, with no save to move the version: the
    time of the next one is kept beside the version, and the first request past it
    moves the version on."""
    return hot.per_request(VERSION_KEY, _content_version)


def _content_version() -> str:
    version = hot.version(VERSION_KEY)
    if not hot.usable(version):
        return version
    due = _next_publication(version)
    if due is not None and time.time() >= due:
        hot.bump(VERSION_KEY)
        version = hot.version(VERSION_KEY)
    return version


def _next_publication(version: str) -> float | None:
    """When the next scheduled article is published (None: none is), as found under
    ``version``: a value found before a change committed is never taken for after."""
    kept = hot.get(NEXT_KEY)
    if isinstance(kept, tuple) and kept[0] == version:
        return kept[1]  # type: ignore[no-any-return]
    moment = (
        Article.objects.filter(published_at__gt=timezone.now())
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    due = moment.timestamp() if moment is not None else None
    hot.put(NEXT_KEY, (version, due), None)
    return due


def hot_keys(request: HttpRequest) -> list[str]:
    """``KIOSCO_HOT_KEYS``: every page reads the content version (and its due time)."""
    return [VERSION_KEY, NEXT_KEY]


def bump_content_version(**_: Any) -> None:
    hot.bump(VERSION_KEY)


def _kept(memo: hot.LocalMemo[T], name: str, load: Callable[[], T | None]) -> T | None:
    """``load()`` under the content version: from this process's memory, else from
    the cache, else from the database. A miss (``None``) is not kept: its name comes
    from any URL. While the cache does not answer, always from the database."""
    version = content_version()
    if not hot.usable(version):
        return load()
    key = f"newsroom:{name}:{hot.build_id()}:{version}"
    found = memo.get(key)
    if found is None:
        found = cache.get(key)
        if found is None:
            found = load()
            if found is None:
                return None
            cache.set(key, found, TTL)
        memo.put(key, found)
    return found


def article_for_page(section_slug: str, slug: str) -> Article | None:
    """The article with its section, authors and blocks, published or not (the caller
    checks the time: an article scheduled for later appears without a bump)."""

    def load() -> Article | None:
        return (
            Article.objects.select_related("section", "lead_image")
            .prefetch_related("authors", "blocks__image")
            .filter(section__slug=section_slug, slug=slug)
            .first()
        )

    return _kept(_articles, f"article:{section_slug}:{slug}", load)


def section_for_page(slug: str) -> Section | None:
    """The section with this slug, from the nav (no query of its own)."""
    return next((section for section in sections_for_nav() if section.slug == slug), None)


def author_for_page(slug: str) -> Author | None:
    return _kept(_authors, f"author:{slug}", Author.objects.filter(slug=slug).first)


def sections_for_nav() -> list[Section]:
    return _kept(_navs, "nav", lambda: list(Section.objects.all())) or []


def connect_signals() -> None:
    for model in (Section, Author, Article, Credit, Block, Image):
        post_save.connect(bump_content_version, sender=model, dispatch_uid=f"bump-{model}")
        post_delete.connect(bump_content_version, sender=model, dispatch_uid=f"del-{model}")
    m2m_changed.connect(
        bump_content_version, sender=Article.authors.through, dispatch_uid="bump-authors"
    )
