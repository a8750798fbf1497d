"""RSS and Atom feeds for the whole edition and per section.

Items carry the headline and the standfirst, never the body: a feed is read by
anyone, so it holds nothing that a subscriber-only page would hide (access.py).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.translation import gettext

from kiosco.newsroom.models import Article, Section
from kiosco.newsroom.seo import public_url

FEED_SIZE = 50


def published_articles() -> QuerySet[Article]:
    return Article.objects.published().select_related("section")


class EditionFeed(Feed):
    """The latest published articles of the whole edition (RSS 2.0)."""

    feed_type: type[SyndicationFeed] = Rss201rev2Feed
    url_name = "newsroom:feed-rss"

    def title(self) -> str:
        return settings.KIOSCO_EDITION_NAME

    def description(self) -> str:
        # The feed speaks the edition's language, whatever the requester's interface.
        with translation.override(settings.KIOSCO_EDITION_LANGUAGE):
            return gettext("%(edition)s: latest articles") % {
                "edition": settings.KIOSCO_EDITION_NAME
            }

    subtitle = description

    def link(self) -> str:
        return public_url(reverse("newsroom:front"))

    def feed_url(self) -> str:
        return public_url(reverse(self.url_name))

    def items(self) -> QuerySet[Article]:
        return published_articles()[:FEED_SIZE]

    def item_title(self, item: Article) -> str:
        return item.headline

    def item_description(self, item: Article) -> str:
        return item.standfirst

    def item_link(self, item: Article) -> str:
        return public_url(item.get_absolute_url())

    def item_pubdate(self, item: Article) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Article) -> datetime:
        return item.updated_at

    def item_author_name(self, item: Article) -> str | None:
        return item.byline or None

    def item_categories(self, item: Article) -> list[str]:
        return [item.section.name]

    @property
    def language(self) -> str:  # type: ignore[override]
        return settings.KIOSCO_EDITION_LANGUAGE


class EditionAtomFeed(EditionFeed):
    feed_type = Atom1Feed
    url_name = "newsroom:feed-atom"


class SectionFeed(EditionFeed):
    """The latest published articles of one section (RSS 2.0)."""

    url_name = "newsroom:section-feed-rss"

    def get_object(self, request: HttpRequest, section: str) -> Section:  # type: ignore[override]
        return get_object_or_404(Section, slug=section)

    def title(self, obj: Section) -> str:  # type: ignore[override]
        return f"{obj.name} · {settings.KIOSCO_EDITION_NAME}"

    def description(self, obj: Section) -> str:  # type: ignore[override]
        return obj.description or self.title(obj)

    subtitle = description  # type: ignore[assignment]

    def link(self, obj: Section) -> str:  # type: ignore[override]
        return public_url(obj.get_absolute_url())

    def feed_url(self, obj: Section) -> str:  # type: ignore[override]
        return public_url(reverse(self.url_name, args=[obj.slug]))

    def items(self, obj: Section) -> QuerySet[Article]:  # type: ignore[override]
        return published_articles().filter(section=obj)[:FEED_SIZE]


class SectionAtomFeed(SectionFeed):
    feed_type = Atom1Feed
    url_name = "newsroom:section-feed-atom"
