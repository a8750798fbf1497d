"""RSS and Atom feeds for the whole edition, per section and per author.

A feed is read by anyone, so it holds nothing a subscriber-only page would hide:
a FREE article's item carries its full body, every other item its standfirst only
(``reading.feed_items`` does not even load the other bodies). ``?page=2`` pages back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.translation import gettext

from kiosco.newsroom.models import Access, Article, Author, Section
from kiosco.newsroom.reading import author_articles, feed_items, number_in
from kiosco.newsroom.seo import public_url

# Pages of FEED_SIZE items, read by offset: 20 pages is the newest 1,000 articles, and
# no request reads deeper into the archive than that.
MAX_FEED_PAGE = 20


def published_articles() -> QuerySet[Article]:
    return Article.objects.published()


def page_number(request: HttpRequest) -> int:
    return min(number_in(request.GET.get("page")) or 1, MAX_FEED_PAGE)


@dataclass(frozen=True)
class Scope:
    """What one feed request asks for: a section or an author (or the edition) and a
    page. Feed instances are shared between requests, so nothing is kept on them."""

    page: int
    section: Section | None = None
    author: Author | None = None


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

    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> Scope:
        return Scope(page=page_number(request))

    def items(self, obj: Scope) -> list[Article]:
        return feed_items(published_articles(), obj.page)

    def item_title(self, item: Article) -> str:
        return item.headline

    def item_description(self, item: Article) -> str:
        if item.access != Access.FREE:
            return item.standfirst
        # The same markup as the article page's body (turns, headings, quotes).
        return render_to_string("newsroom/_body.html", {"blocks": list(item.blocks.all())})

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

    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> Scope:
        section = get_object_or_404(Section, slug=kwargs["section"])
        return Scope(page=page_number(request), section=section)

    def title(self, obj: Scope) -> str:  # type: ignore[override]
        assert obj.section is not None
        return f"{obj.section.name} · {settings.KIOSCO_EDITION_NAME}"

    def description(self, obj: Scope) -> str:  # type: ignore[override]
        assert obj.section is not None
        return obj.section.description or self.title(obj)

    subtitle = description  # type: ignore[assignment]

    def link(self, obj: Scope) -> str:  # type: ignore[override]
        assert obj.section is not None
        return public_url(obj.section.get_absolute_url())

    def feed_url(self, obj: Scope) -> str:  # type: ignore[override]
        assert obj.section is not None
        return public_url(reverse(self.url_name, args=[obj.section.slug]))

    def items(self, obj: Scope) -> list[Article]:
        return feed_items(published_articles().filter(section=obj.section), obj.page)


class SectionAtomFeed(SectionFeed):
    feed_type = Atom1Feed
    url_name = "newsroom:section-feed-atom"


class AuthorFeed(EditionFeed):
    """The latest published articles of one author (RSS 2.0)."""

    url_name = "newsroom:author-feed-rss"

    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> Scope:
        author = get_object_or_404(Author, slug=kwargs["author"])
        return Scope(page=page_number(request), author=author)

    def title(self, obj: Scope) -> str:  # type: ignore[override]
        assert obj.author is not None
        return f"{obj.author.name} · {settings.KIOSCO_EDITION_NAME}"

    def description(self, obj: Scope) -> str:  # type: ignore[override]
        assert obj.author is not None
        return obj.author.bio or self.title(obj)

    subtitle = description  # type: ignore[assignment]

    def link(self, obj: Scope) -> str:  # type: ignore[override]
        assert obj.author is not None
        return public_url(obj.author.get_absolute_url())

    def feed_url(self, obj: Scope) -> str:  # type: ignore[override]
        assert obj.author is not None
        return public_url(reverse(self.url_name, args=[obj.author.slug]))

    def items(self, obj: Scope) -> list[Article]:
        assert obj.author is not None
        return feed_items(author_articles(obj.author), obj.page)
