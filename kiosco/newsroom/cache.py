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

from typing import Any

from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest

from kiosco.lib import hot
from kiosco.newsroom.models import Article, Author, Block, Credit, Image, Section

VERSION_KEY = "newsroom:content-version"
TTL = 600
_articles: hot.LocalMemo[Article] = hot.LocalMemo(512)
_navs: hot.LocalMemo[list[Section]] = hot.LocalMemo(4)
_authors: hot.LocalMemo[Author] = hot.LocalMemo(256)


def content_version() -> str:
    return hot.version(VERSION_KEY)


def hot_keys(request: HttpRequest) -> list[str]:
    """``KIOSCO_HOT_KEYS``: every page reads the content version."""
    return [VERSION_KEY]


def bump_content_version(**_: Any) -> None:
    hot.bump(VERSION_KEY)


def article_for_page(section_slug: str, slug: str) -> Article | None:
    """The article with its section, authors and blocks, published or not (the caller
    checks the time: an article scheduled for later appears without a bump)."""
    key = f"newsroom:article:{content_version()}:{section_slug}:{slug}"
    article = _articles.get(key)
    if article is None:
        article = cache.get(key)
        if article is None:
            article = (
                Article.objects.select_related("section", "lead_image")
                .prefetch_related("authors", "blocks__image")
                .filter(section__slug=section_slug, slug=slug)
                .first()
            )
            if article is None:  # misses are not kept: their keys come from any URL
                return None
            cache.set(key, article, TTL)
        _articles.put(key, article)
    return article


def section_for_page(slug: str) -> Section | None:
    """The section with this slug, from the nav (no query of its own)."""
    return next((section for section in sections_for_nav() if section.slug == slug), None)


def author_for_page(slug: str) -> Author | None:
    key = f"newsroom:author:{content_version()}:{slug}"
    author = _authors.get(key)
    if author is None:
        author = cache.get(key)
        if author is None:
            author = Author.objects.filter(slug=slug).first()
            if author is None:  # misses are not kept: their keys come from any URL
                return None
            cache.set(key, author, TTL)
        _authors.put(key, author)
    return author


def sections_for_nav() -> list[Section]:
    key = f"newsroom:nav:{content_version()}"
    sections = _navs.get(key)
    if sections is None:
        sections = cache.get(key)
        if sections is None:
            sections = list(Section.objects.all())
            cache.set(key, sections, TTL)
        _navs.put(key, sections)
    return sections


def connect_signals() -> None:
    for model in (Section, Author, Article, Credit, Block, Image):
        post_save.connect(bump_content_version, sender=model, dispatch_uid=f"bump-{model}")
        post_delete.connect(bump_content_version, sender=model, dispatch_uid=f"del-{model}")
    m2m_changed.connect(
        bump_content_version, sender=Article.authors.through, dispatch_uid="bump-authors"
    )
