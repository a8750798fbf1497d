"""The newsroom's read cache: published content changes rarely and is read on every page.

Entries are keyed by a *content version* that every save or delete of a section,
author, article or block replaces, so a change is visible on the very next request
and old entries simply expire. The version moves twice: at once (the writer's own
next page sees the change) and again after commit — otherwise a request that read the
old rows just before the commit could store them under the new version.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from kiosco.newsroom.models import Article, Author, Block, Credit, Image, Section

VERSION_KEY = "newsroom:content-version"
TTL = 600


def content_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid4().hex, None)  # add: racing first readers agree
        version = cache.get(VERSION_KEY, "")
    return str(version)


def bump_content_version(**_: Any) -> None:
    def bump() -> None:
        cache.set(VERSION_KEY, uuid4().hex, None)

    bump()
    transaction.on_commit(bump)


def article_for_page(section_slug: str, slug: str) -> Article | None:
    """The article with its section, authors and blocks, published or not (the caller
    checks the time: an article scheduled for later appears without a bump)."""
    key = f"newsroom:article:{content_version()}:{section_slug}:{slug}"
    article: Article | None = cache.get(key)
    if article is None:
        article = (
            Article.objects.select_related("section", "lead_image")
            .prefetch_related("authors", "blocks__image")
            .filter(section__slug=section_slug, slug=slug)
            .first()
        )
        if article is not None:  # misses are not kept: their keys come from any URL
            cache.set(key, article, TTL)
    return article


def sections_for_nav() -> list[Section]:
    key = f"newsroom:nav:{content_version()}"
    sections: list[Section] | None = cache.get(key)
    if sections is None:
        sections = list(Section.objects.only("slug", "name", "position"))
        cache.set(key, sections, TTL)
    return sections


def connect_signals() -> None:
    for model in (Section, Author, Article, Credit, Block, Image):
        post_save.connect(bump_content_version, sender=model, dispatch_uid=f"bump-{model}")
        post_delete.connect(bump_content_version, sender=model, dispatch_uid=f"del-{model}")
    m2m_changed.connect(
        bump_content_version, sender=Article.authors.through, dispatch_uid="bump-authors"
    )
